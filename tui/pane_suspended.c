/*
 * pane_suspended.c — the Suspended pane: armed breakpoints (tag, event)
 * and the suspensions (tag, event, request, who issued it, time waited),
 * one row each, in columns.  A request two breakpoints hold at once (both
 * fired on one event, as in qemu) has a row under each tag.
 *
 * Rows are rebuilt from the model on every frame (breakpoints, then every
 * suspension), so the pane can never show a request that is gone.  The
 * selection follows its row by identity ("b:TAG" or "r:ID:TAG") as rows
 * come and go, and falls back to the same index when its row disappears.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/key.h"
#include "tui/panel.h"
#include "tui/screen.h"

struct srow_list {
    struct tui_srow *rows;
    size_t n, cap;
    struct tui *t;
    int64_t now;
};

static struct tui_srow *srow_new(struct srow_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct tui_srow *r = realloc(l->rows, cap * sizeof(*r));

        if (r == NULL)
            abort();
        l->rows = r;
        l->cap = cap;
    }
    memset(&l->rows[l->n], 0, sizeof(l->rows[0]));
    return &l->rows[l->n++];
}

static void srow_break(const char *event, const char *tag, void *arg)
{
    struct tui_srow *r = srow_new(arg);

    r->kind = TUI_SROW_BREAK;
    snprintf(r->event, sizeof(r->event), "%s", event);
    snprintf(r->tag, sizeof(r->tag), "%s", tag);
}

/* One suspension: a request two breakpoints hold gets a row for each,
 * and each row says how long the request has waited since it parked
 * (the backend's time, so resuming one tag leaves the other's alone). */
static void srow_susp(const char *tag, const struct bk_req *req, void *arg)
{
    struct srow_list *l = arg;
    struct tui_srow *r;

    if (req == NULL || req->state != BK_REQ_SUSPENDED)
        return;
    r = srow_new(l);
    r->kind = TUI_SROW_REQ;
    snprintf(r->event, sizeof(r->event), "%s",
             req->suspend_event ? req->suspend_event : "?");
    snprintf(r->tag, sizeof(r->tag), "%s", tag);
    r->id = req->id;
    tui_fmt_source(r->src, sizeof(r->src), req->source);
    r->op = req->op;
    r->offset = req->offset;
    r->bytes = req->bytes;
    r->since_ns = req->suspend_ns > 0 ? req->suspend_ns : l->now;
}

size_t tui_srows_collect(struct tui *t, struct tui_srow **rows)
{
    struct srow_list l = { .t = t, .now = bk_now_ns() };
    size_t nb;

    *rows = NULL;
    if (!tui_model_image(t, NULL))
        return 0;
    tui_model_for_each_break(t, srow_break, &l);
    nb = l.n;
    tui_model_for_each_suspension(t, srow_susp, &l);
    /* Newest first from the model: show the longest waiting first, the
     * tags of one request in the order they fired. */
    for (size_t i = nb, k = l.n; i + 1 < k; i++, k--) {
        struct tui_srow tmp = l.rows[i];

        l.rows[i] = l.rows[k - 1];
        l.rows[k - 1] = tmp;
    }
    *rows = l.rows;
    return l.n;
}

static void srow_key(const struct tui_srow *r, char *buf, size_t size)
{
    if (r->kind == TUI_SROW_BREAK)
        snprintf(buf, size, "b:%s", r->tag);
    else
        snprintf(buf, size, "r:%" PRIu64 ":%s", r->id, r->tag);
}

/* Find the selection in rows (by identity, else by index, clamped). */
static size_t srow_select(struct tui *t, const struct tui_srow *rows,
                          size_t n)
{
    struct tui_pane_state *ps = &t->ps;
    char key[sizeof(ps->susp_sel_key)];

    if (n == 0)
        return 0;
    if (ps->susp_sel_key[0] != '\0') {
        for (size_t i = 0; i < n; i++) {
            srow_key(&rows[i], key, sizeof(key));
            if (strcmp(key, ps->susp_sel_key) == 0) {
                ps->susp_sel = i;
                return i;
            }
        }
    }
    if (ps->susp_sel >= n)
        ps->susp_sel = n - 1;
    srow_key(&rows[ps->susp_sel], ps->susp_sel_key, sizeof(ps->susp_sel_key));
    return ps->susp_sel;
}

bool tui_srows_selected(struct tui *t, struct tui_srow *out)
{
    struct tui_srow *rows;
    size_t n = tui_srows_collect(t, &rows), sel;

    if (n == 0) {
        free(rows);
        return false;
    }
    sel = srow_select(t, rows, n);
    *out = rows[sel];
    free(rows);
    return true;
}

bool tui_srows_target(struct tui *t, struct tui_srow *out)
{
    struct tui_srow *rows;
    size_t n = tui_srows_collect(t, &rows), sel;
    const struct tui_srow *best = NULL;

    if (n > 0) {
        sel = srow_select(t, rows, n);
        if (rows[sel].kind == TUI_SROW_REQ)
            best = &rows[sel];
    }
    if (best == NULL) {
        /* The request waiting longest; equal times: the lower id. */
        for (size_t i = 0; i < n; i++) {
            if (rows[i].kind != TUI_SROW_REQ)
                continue;
            if (best == NULL || rows[i].since_ns < best->since_ns ||
                (rows[i].since_ns == best->since_ns && rows[i].id < best->id))
                best = &rows[i];
        }
    }
    if (best != NULL)
        *out = *best;
    free(rows);
    return best != NULL;
}

/* Column widths for this frame's rows: every row lines up, whatever
 * the lengths of the tags and events. */
struct srow_cols {
    int tag, event, id;
};

static struct srow_cols srow_widths(const struct tui_srow *rows, size_t n)
{
    struct srow_cols c = { 3, 5, 2 };

    for (size_t i = 0; i < n; i++) {
        int tl = (int)strlen(rows[i].tag), el = (int)strlen(rows[i].event);
        char id[24];
        int il = snprintf(id, sizeof(id), "#%" PRIu64, rows[i].id);

        c.tag = tl > c.tag ? tl : c.tag;
        c.event = el > c.event ? el : c.event;
        if (rows[i].kind == TUI_SROW_REQ && il > c.id)
            c.id = il;
    }
    c.tag = c.tag > 12 ? 12 : c.tag;
    c.event = c.event > 16 ? 16 : c.event;
    return c;
}

/*
 *   TAG  EVENT       #ID  WAITED OP     OFFSET  LENGTH SRC
 *   A    write_aio   #12  7.02 s write 2.00 MiB  4 KiB tui
 *   B1   read_aio    armed
 *
 * Most telling first: a narrow pane cuts the issuer and the range, never
 * which request waits at which breakpoint, and for how long.
 */
static void srow_line(const struct tui *t, const struct tui_srow *r,
                      struct srow_cols c, int64_t now, char *line,
                      size_t size)
{
    char off[24], len[16], waited[16], id[24];

    if (r->kind == TUI_SROW_BREAK) {
        snprintf(line, size, "%-*.*s %-*.*s armed", c.tag, c.tag, r->tag,
                 c.event, c.event, r->event);
        return;
    }
    snprintf(id, sizeof(id), "#%" PRIu64, r->id);
    snprintf(line, size, "%-*.*s %-*.*s %-*s %6s %-5.5s %*s %7s %-5.5s",
             c.tag, c.tag, r->tag, c.event, c.event, r->event, c.id, id,
             tui_fmt_duration(waited, sizeof(waited), now - r->since_ns),
             tui_fmt_op(r->op),
             t->exact_offsets ? 12 : 8,
             tui_fmt_offset(off, sizeof(off), r->offset, t->exact_offsets),
             tui_fmt_size(len, sizeof(len), r->bytes), r->src);
}

/* The history (h): every suspension and resume, newest first, with how
 * long ago, and for a resume how long the request had waited. */
static void history_draw(struct tui *t, struct tui_rect in, char *info,
                         size_t infosize)
{
    struct tui_reqlog *log = t->w.log;
    size_t n = log != NULL ? tui_reqlog_count(log, TUI_LOG_SUSP) : 0;
    int64_t now = bk_now_ns();
    int y = 0;

    snprintf(info, infosize, "history: last %zu (h: now)", n);
    if (n == 0)
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no suspension yet");
    for (size_t i = n; i > 0 && y < in.h; i--) {
        const struct tui_reqlog_entry *e = tui_reqlog_get(log, TUI_LOG_SUSP,
                                                          i - 1);
        char ago[16], waited[16] = "", off[24], line[256];

        tui_fmt_duration(ago, sizeof(ago), now - e->t_ns);
        if (e->resumed && e->lat_ns > 0)
            tui_fmt_duration(waited, sizeof(waited), e->lat_ns);
        tui_fmt_offset(off, sizeof(off), e->offset, t->exact_offsets);
        snprintf(line, sizeof(line), "%6s ago %-9s %-6s %-10s #%" PRIu64
                 " %-5s %s%s%s", ago, e->resumed ? "resumed" : "suspended",
                 e->tag, e->event, e->id, tui_fmt_op(e->op), off,
                 waited[0] ? " after " : "", waited);
        tui_put(in.y + y++, in.x, in.w,
                e->resumed ? TUI_R_DEFAULT : TUI_R_REQ_SUSPENDED, line);
    }
}

static void suspended_draw(struct tui *t, struct tui_rect in, bool focus,
                           char *info, size_t infosize)
{
    if (t->ps.susp_history) {
        history_draw(t, in, info, infosize);
        return;
    }

    const struct tui_glyphs *g = tui_scr.g;
    struct tui_srow *rows;
    size_t n = tui_srows_collect(t, &rows), sel, top = 0, nb = 0;
    int64_t now = bk_now_ns();
    struct tui_model_image img;
    struct srow_cols cols;

    for (size_t i = 0; i < n; i++)
        nb += rows[i].kind == TUI_SROW_BREAK;
    snprintf(info, infosize, "%zu breakpoints, %zu suspended", nb, n - nb);
    if (!tui_model_image(t, &img)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no image open");
        return;
    }
    if (n == 0) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM,
                img.blkdebug
                ? "no breakpoints (try: break write_aio A)"
                : "no blkdebug node (open blkdebug::IMAGE)");
        free(rows);
        return;
    }
    cols = srow_widths(rows, n);
    sel = srow_select(t, rows, n);
    if (in.h > 0 && sel >= (size_t)in.h)
        top = sel - (size_t)in.h + 1;
    t->ps.susp_top = top;
    for (int y = 0; y < in.h && top + (size_t)y < n; y++) {
        const struct tui_srow *r = &rows[top + (size_t)y];
        bool is_sel = top + (size_t)y == sel;
        enum tui_role role = r->kind == TUI_SROW_BREAK ? TUI_R_BREAKPOINT
                                                       : TUI_R_REQ_SUSPENDED;
        char line[256];

        srow_line(t, r, cols, now, line, sizeof(line));
        if (is_sel && focus) {
            tui_fill(in.y + y, in.x, in.w, TUI_R_SELECTION);
            tui_put(in.y + y, in.x, 2, TUI_R_SELECTION, g->pointer);
            tui_put(in.y + y, in.x + 2, in.w - 2, TUI_R_SELECTION, line);
        } else {
            if (is_sel)
                tui_put(in.y + y, in.x, 2, TUI_R_DIM, g->pointer);
            tui_put(in.y + y, in.x + 2, in.w - 2, role, line);
        }
    }
    free(rows);
}

static unsigned suspended_key(struct tui *t, int key)
{
    struct tui_pane_state *ps = &t->ps;
    struct tui_srow *rows;
    size_t n, sel;

    if (key == 'h') {
        ps->susp_history = !ps->susp_history;
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    }
    if (key != TUI_KEY_UP && key != TUI_KEY_DOWN && key != TUI_KEY_HOME &&
        key != TUI_KEY_END)
        return TUI_HR_IGNORED;
    n = tui_srows_collect(t, &rows);
    if (n > 0) {
        sel = srow_select(t, rows, n);
        if (key == TUI_KEY_UP && sel > 0)
            sel--;
        else if (key == TUI_KEY_DOWN && sel + 1 < n)
            sel++;
        else if (key == TUI_KEY_HOME)
            sel = 0;
        else if (key == TUI_KEY_END)
            sel = n - 1;
        ps->susp_sel = sel;
        srow_key(&rows[sel], ps->susp_sel_key, sizeof(ps->susp_sel_key));
    }
    free(rows);
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

static void suspended_click(struct tui *t, int row, int col)
{
    struct tui_pane_state *ps = &t->ps;
    struct tui_srow *rows;
    size_t n = tui_srows_collect(t, &rows), i = ps->susp_top + (size_t)row;

    (void)col;
    if (i < n) {
        ps->susp_sel = i;
        srow_key(&rows[i], ps->susp_sel_key, sizeof(ps->susp_sel_key));
    }
    free(rows);
}

const struct tui_panel_class tui_panel_suspended = {
    .title = "Suspended",
    .framed = true,
    .focusable = true,
    .draw = suspended_draw,
    .key = suspended_key,
    .click = suspended_click,
};
