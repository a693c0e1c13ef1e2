/*
 * pane_suspended.c — the Suspended pane: armed breakpoints (event, tag)
 * and the requests parked at them (tag, event, request, who issued it,
 * time waited).
 *
 * Rows are rebuilt from the device on every frame (breakpoints from
 * bk_dev_for_each_break, parked requests from the outstanding list), so
 * the pane can never show a request that is gone.  The selection follows
 * its row by identity ("b:TAG" or "r:ID") as rows come and go, and falls
 * back to the same index when its row disappears.
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

static void srow_req(const struct bk_req *req, void *arg)
{
    struct srow_list *l = arg;
    struct tui_srow *r;

    if (req->state != BK_REQ_SUSPENDED)
        return;
    r = srow_new(l);
    r->kind = TUI_SROW_REQ;
    snprintf(r->event, sizeof(r->event), "%s",
             req->suspend_event ? req->suspend_event : "?");
    snprintf(r->tag, sizeof(r->tag), "%s",
             req->suspend_tag ? req->suspend_tag : "?");
    r->id = req->id;
    tui_fmt_source(r->src, sizeof(r->src), req->source);
    r->op = req->op;
    r->offset = req->offset;
    r->bytes = req->bytes;
    r->since_ns = tui_susp_seen(l->t->w.susp, req->id, l->now);
}

size_t tui_srows_collect(struct tui *t, struct tui_srow **rows)
{
    struct srow_list l = { .t = t, .now = bk_now_ns() };

    *rows = NULL;
    if (!tui_model_image(t, NULL))
        return 0;
    tui_model_for_each_break(t, srow_break, &l);
    tui_model_for_each_req(t, srow_req, &l);
    tui_susp_sweep(t->w.susp);
    *rows = l.rows;
    return l.n;
}

static void srow_key(const struct tui_srow *r, char *buf, size_t size)
{
    if (r->kind == TUI_SROW_BREAK)
        snprintf(buf, size, "b:%s", r->tag);
    else
        snprintf(buf, size, "r:%" PRIu64, r->id);
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

static void suspended_draw(struct tui *t, struct tui_rect in, bool focus,
                           char *info, size_t infosize)
{
    const struct tui_glyphs *g = tui_scr.g;
    struct tui_srow *rows;
    size_t n = tui_srows_collect(t, &rows), sel, top = 0, nb = 0;
    int64_t now = bk_now_ns();
    struct tui_model_image img;

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
    sel = srow_select(t, rows, n);
    if (in.h > 0 && sel >= (size_t)in.h)
        top = sel - (size_t)in.h + 1;
    for (int y = 0; y < in.h && top + (size_t)y < n; y++) {
        const struct tui_srow *r = &rows[top + (size_t)y];
        bool is_sel = top + (size_t)y == sel;
        enum tui_role role = r->kind == TUI_SROW_BREAK ? TUI_R_BREAKPOINT
                                                       : TUI_R_REQ_SUSPENDED;
        char line[256], len[16], waited[16];

        if (r->kind == TUI_SROW_BREAK) {
            snprintf(line, sizeof(line), "break  %-16s tag %s", r->event,
                     r->tag);
        } else {
            tui_fmt_size(len, sizeof(len), r->bytes);
            tui_fmt_duration(waited, sizeof(waited), now - r->since_ns);
            snprintf(line, sizeof(line), "%-6s at %s  #%" PRIu64 " %s %"
                     PRId64 "+%s  %s  waited %s", r->tag, r->event, r->id,
                     bk_op_names[r->op], r->offset, len, r->src, waited);
        }
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

const struct tui_panel_class tui_panel_suspended = {
    .title = "Suspended",
    .framed = true,
    .focusable = true,
    .draw = suspended_draw,
    .key = suspended_key,
};
