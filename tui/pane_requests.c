/*
 * pane_requests.c — the Requests pane: outstanding requests (under a
 * request of a format image, qcow2, its sub-requests: the format's own
 * I/O for it, an L2 table load, a refcount block update, copy-on-write,
 * named by their blkdebug event, with the offset in the image file; the
 * format's work for no request, at close, comes last), and (v)
 * the log of completed requests and the log of errors, newest first, each
 * failure in the error colour with its errno and the rule that injected
 * it (tui/reqlog.h keeps them, the model's way: an attached TUI's come
 * in the view frames).
 *
 * Each frame copies the model's requests into *rows* (the pane's own, in
 * tui_pane_state), keeps those that match the filter (`/`: a substring of
 * the row as drawn), sorts them (`s`: by age, offset, operation or state)
 * and draws the ones that fit.  Paused (space), the rows are kept as they
 * were, ages included, so a fast-moving list can be read.  The top row is
 * kept by index, clamped when the list shrinks, so the view stays put
 * while requests complete under it.
 *
 * Every column is as wide as its widest value (ids grow past 5 digits)
 * and the header is printed from the same widths.  Offsets are in units,
 * or in bytes when exact offsets are on (F7), whatever the width.  Columns
 * drop as the pane narrows: SRC (who issued the request) first, then AGE,
 * and the state shortens to "parked as TAG".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/key.h"
#include "tui/panel.h"

/* Below this width the long state would be cut: a short one instead. */
#define REQ_WIDE 64
/* From this width on there is room for the SRC column too, with a state
 * as long as "suspended at write_aio as A". */
#define REQ_SRC_WIDE 72
static void log_draw(struct tui *t, struct tui_rect in, char *info,
                     size_t infosize);

/* Rows copied at most (the title still counts them all). */
#define REQ_MAX_ROWS 100000

const char *const tui_req_sort_names[TUI_REQ_SORT__MAX] = {
    [TUI_REQ_SORT_AGE] = "age",
    [TUI_REQ_SORT_OFFSET] = "offset",
    [TUI_REQ_SORT_OP] = "op",
    [TUI_REQ_SORT_STATE] = "state",
};

struct req_cols {
    int idw;         /* the ID column: as wide as the largest id */
    int offw;        /* the OFFSET column */
    bool exact;      /* offsets in bytes */
    bool narrow;     /* no AGE column, a short state */
    bool src;        /* the SRC column */
};

static void req_copy(const struct bk_req *req, void *arg)
{
    struct tui_pane_state *ps = arg;
    struct tui_req_row *r;

    if (ps->nreq >= REQ_MAX_ROWS)
        return;
    if (ps->nreq == ps->capreq) {
        size_t cap = ps->capreq ? ps->capreq * 2 : 64;
        struct tui_req_row *n = realloc(ps->reqs, cap * sizeof(*n));

        if (n == NULL)
            abort();
        ps->reqs = n;
        ps->capreq = cap;
    }
    r = &ps->reqs[ps->nreq++];
    *r = (struct tui_req_row){
        .id = req->id, .op = req->op, .offset = req->offset,
        .bytes = req->bytes, .submit_ns = req->submit_ns,
        .state = req->state,
    };
    tui_fmt_source(r->src, sizeof(r->src), req->source);
    if (req->state == BK_REQ_SUSPENDED) {
        snprintf(r->event, sizeof(r->event), "%s",
                 req->suspend_event ? req->suspend_event : "?");
        snprintf(r->tag, sizeof(r->tag), "%s",
                 req->suspend_tag ? req->suspend_tag : "?");
    }
}

/* The format's own I/O, kept apart until the requests are in order. */
struct req_subs {
    struct tui_req_row *v;
    size_t n, cap;
};

static void req_sub_copy(const struct bk_subreq *sub, void *arg)
{
    struct req_subs *l = arg;
    struct tui_req_row *r;

    if (l->n >= REQ_MAX_ROWS)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct tui_req_row *n = realloc(l->v, cap * sizeof(*n));

        if (n == NULL)
            abort();
        l->v = n;
        l->cap = cap;
    }
    r = &l->v[l->n++];
    *r = (struct tui_req_row){
        .id = sub->req != NULL ? sub->req->id : 0, .op = sub->op,
        .offset = sub->offset, .bytes = sub->bytes, .sub = true,
        .at_event = sub->at_event, .layer = sub->layer,
    };
    snprintf(r->event, sizeof(r->event), "%s", sub->what ? sub->what : "");
}

/* Each request followed by its sub-requests; those of no request shown
 * (the format's own work) last. */
static void req_merge_subs(struct tui_pane_state *ps, struct req_subs *l)
{
    struct tui_req_row *out;
    size_t k = 0;
    bool *used;

    if (l->n == 0)
        return;
    out = malloc((ps->nreq + l->n) * sizeof(*out));
    used = calloc(l->n, sizeof(*used));
    if (out == NULL || used == NULL)
        abort();
    for (size_t i = 0; i < ps->nreq; i++) {
        out[k++] = ps->reqs[i];
        for (size_t j = 0; j < l->n; j++)
            if (!used[j] && l->v[j].id == ps->reqs[i].id) {
                out[k++] = l->v[j];
                used[j] = true;
            }
    }
    for (size_t j = 0; j < l->n; j++)
        if (!used[j])
            out[k++] = l->v[j];
    free(used);
    free(ps->reqs);
    ps->reqs = out;
    ps->nreq = ps->capreq = k;
}

static void req_state(const struct tui_req_row *r, bool narrow, char *buf,
                      size_t size, enum tui_role *role)
{
    if (r->sub) {
        if (r->at_event)
            snprintf(buf, size, "at %s", r->event);
        else
            snprintf(buf, size, "%s%s", r->event[0] ? r->event
                                                    : tui_fmt_op(r->op),
                     r->layer > 0 ? " (backing)" : "");
        *role = r->at_event ? TUI_R_REQ_SUSPENDED : TUI_R_VALUE;
        return;
    }
    switch (r->state) {
    case BK_REQ_QUEUED:
        snprintf(buf, size, "queued");
        *role = TUI_R_REQ_QUEUED;
        break;
    case BK_REQ_INFLIGHT:
        snprintf(buf, size, "in flight");
        *role = TUI_R_REQ_INFLIGHT;
        break;
    case BK_REQ_SUSPENDED:
        /* Narrow: the tag says which breakpoint; Suspended has the rest. */
        if (narrow)
            snprintf(buf, size, "parked as %s", r->tag);
        else
            snprintf(buf, size, "suspended at %s as %s", r->event, r->tag);
        *role = TUI_R_REQ_SUSPENDED;
        break;
    default:
        snprintf(buf, size, "done");
        *role = TUI_R_REQ_DONE;
        break;
    }
}

/* The row as drawn: its columns in line, its state in state. */
static void req_format(const struct tui_req_row *r, const struct req_cols *c,
                       int64_t now, char *line, size_t size, char *state,
                       size_t ssize, enum tui_role *role)
{
    char len[16], age[16], off[24];
    int used;

    req_state(r, c->narrow, state, ssize, role);
    tui_fmt_size(len, sizeof(len), r->bytes);
    tui_fmt_duration(age, sizeof(age), now - r->submit_ns);
    tui_fmt_offset(off, sizeof(off), r->offset, c->exact);
    if (r->sub) {
        /* Under its request: no id, source or age of its own. */
        if (r->at_event)
            off[0] = len[0] = '\0';
        used = snprintf(line, size, "%*s %-5.5s ", c->idw, "`-",
                        tui_fmt_op(r->op));
        if (c->src)
            used += snprintf(line + used, size - (size_t)used, "%-6s ", "");
        used += snprintf(line + used, size - (size_t)used, "%*s %7s ",
                         c->offw, off, len);
        if (!c->narrow)
            snprintf(line + used, size - (size_t)used, "%6s ", "");
        return;
    }
    used = snprintf(line, size, "%*" PRIu64 " %-5.5s ", c->idw, r->id,
                    tui_fmt_op(r->op));
    if (c->src)
        used += snprintf(line + used, size - (size_t)used, "%-6.6s ",
                         r->src);
    used += snprintf(line + used, size - (size_t)used, "%*s %7s ", c->offw,
                     off, len);
    if (!c->narrow)
        snprintf(line + used, size - (size_t)used, "%6s ", age);
}

static int req_cmp_age(const void *a, const void *b)
{
    const struct tui_req_row *x = a, *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static int req_cmp_offset(const void *a, const void *b)
{
    const struct tui_req_row *x = a, *y = b;

    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return req_cmp_age(a, b);
}

static int req_cmp_op(const void *a, const void *b)
{
    const struct tui_req_row *x = a, *y = b;
    int c = strcmp(tui_fmt_op(x->op), tui_fmt_op(y->op));

    return c != 0 ? c : req_cmp_age(a, b);
}

/* Parked first: they are what a user waits on. */
static int req_cmp_state(const void *a, const void *b)
{
    static const int rank[] = {
        [BK_REQ_SUSPENDED] = 0, [BK_REQ_INFLIGHT] = 1, [BK_REQ_QUEUED] = 2,
    };
    const struct tui_req_row *x = a, *y = b;
    int rx = (unsigned)x->state < 3 ? rank[x->state] : 3;
    int ry = (unsigned)y->state < 3 ? rank[y->state] : 3;

    return rx != ry ? rx - ry : req_cmp_age(a, b);
}

static int (*const req_cmp[TUI_REQ_SORT__MAX])(const void *, const void *) = {
    [TUI_REQ_SORT_AGE] = req_cmp_age,
    [TUI_REQ_SORT_OFFSET] = req_cmp_offset,
    [TUI_REQ_SORT_OP] = req_cmp_op,
    [TUI_REQ_SORT_STATE] = req_cmp_state,
};

/* Drop the rows the filter does not match, as they would be drawn. */
static void req_filter(struct tui *t, const struct req_cols *c, int64_t now)
{
    struct tui_pane_state *ps = &t->ps;
    size_t k = 0;

    if (ps->req_filter[0] == '\0')
        return;
    for (size_t i = 0; i < ps->nreq; i++) {
        char line[256], state[128];
        enum tui_role role;

        req_format(&ps->reqs[i], c, now, line, sizeof(line), state,
                   sizeof(state), &role);
        if (strstr(line, ps->req_filter) != NULL ||
            strstr(state, ps->req_filter) != NULL)
            ps->reqs[k++] = ps->reqs[i];
    }
    ps->nreq = k;
}

static void requests_draw(struct tui *t, struct tui_rect in, bool focus,
                          char *info, size_t infosize)
{
    struct tui_pane_state *ps = &t->ps;
    size_t n, total, rows = in.h > 1 ? (size_t)in.h - 1 : 0;
    struct req_cols c = { .exact = t->exact_offsets,
                          .narrow = in.w < REQ_WIDE,
                          .src = in.w >= REQ_SRC_WIDE };
    int64_t now = t->paused ? t->paused_ns : bk_now_ns();
    uint64_t max_id = 0;
    char head[160], idnum[24], notes[96] = "";
    struct req_subs subs = { 0 };
    size_t nsub = 0;
    int used;

    (void)focus;
    if (!tui_model_image(t, NULL)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no image open");
        return;
    }
    if (ps->req_view != 0) {
        log_draw(t, in, info, infosize);
        return;
    }
    total = tui_model_outstanding(t);
    if (!t->paused) {
        ps->nreq = 0;
        tui_model_for_each_req(t, req_copy, ps);
        ps->req_total = total;
    }
    for (size_t i = 0; i < ps->nreq; i++)
        max_id = ps->reqs[i].id > max_id ? ps->reqs[i].id : max_id;
    c.idw = snprintf(idnum, sizeof(idnum), "%" PRIu64, max_id);
    c.idw = c.idw < 3 ? 3 : c.idw;
    c.offw = t->exact_offsets ? 13 : 8;
    if (!t->paused) {
        req_filter(t, &c, now);
        if (ps->nreq > 1)
            qsort(ps->reqs, ps->nreq, sizeof(ps->reqs[0]),
                  req_cmp[ps->req_sort]);
        tui_model_for_each_subreq(t, req_sub_copy, &subs);
        nsub = subs.n;
        req_merge_subs(ps, &subs);
        free(subs.v);
    }
    n = ps->nreq;
    ps->req_rows = rows;
    if (ps->req_top + rows > n)
        ps->req_top = n > rows ? n - rows : 0;
    /* The header from the same widths as the rows: it stays over them. */
    used = snprintf(head, sizeof(head), "%*s %-5s ", c.idw, "ID", "OP");
    if (c.src)
        used += snprintf(head + used, sizeof(head) - (size_t)used, "%-6s ",
                         "SRC");
    used += snprintf(head + used, sizeof(head) - (size_t)used, "%*s %7s ",
                     c.offw, "OFFSET", "LENGTH");
    if (!c.narrow)
        used += snprintf(head + used, sizeof(head) - (size_t)used, "%6s ",
                         "AGE");
    snprintf(head + used, sizeof(head) - (size_t)used, "STATE");
    tui_put(in.y, in.x, in.w, TUI_R_DIM, head);
    if (n == 0 && rows > 0)
        tui_put(in.y + 1, in.x, in.w, TUI_R_DIM,
                ps->req_filter[0] != '\0' ? "  (no request matches)"
                                          : "  (no outstanding requests)");
    for (size_t i = 0; i < rows && ps->req_top + i < n; i++) {
        char line[256], state[128];
        enum tui_role role;
        int y = in.y + 1 + (int)i;

        req_format(&ps->reqs[ps->req_top + i], &c, now, line, sizeof(line),
                   state, sizeof(state), &role);
        used = tui_put(y, in.x, in.w, ps->reqs[ps->req_top + i].sub
                       ? TUI_R_DIM : TUI_R_DEFAULT, line);
        tui_put(y, in.x + used, in.w - used, role, state);
    }
    if (t->paused)
        snprintf(notes, sizeof(notes), ", PAUSED");
    if (ps->req_sort != TUI_REQ_SORT_AGE)
        snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
                 ", by %s", tui_req_sort_names[ps->req_sort]);
    if (ps->req_filter[0] != '\0')
        snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
                 ", /%s: %zu", ps->req_filter, n - nsub);
    if (nsub > 0)
        snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
                 ", %zu sub", nsub);
    if (n > rows)
        snprintf(info, infosize, "%zu outstanding%s, %zu-%zu",
                 ps->req_total, notes, ps->req_top + 1,
                 ps->req_top + rows < n ? ps->req_top + rows : n);
    else
        snprintf(info, infosize, "%zu outstanding%s", ps->req_total, notes);
}

/* ---- the logs: completed requests, errors (tui/reqlog.h) ---------------- */

const char *const tui_req_view_names[TUI_REQ_VIEWS] = {
    "outstanding", "completed", "errors",
};

/* An errno in a word: "EIO", else its number. */
static const char *req_errno(int ret, char *buf, size_t size)
{
    static const struct { int e; const char *name; } names[] = {
        { EIO, "EIO" }, { ENOSPC, "ENOSPC" }, { EINVAL, "EINVAL" },
        { ENOMEM, "ENOMEM" }, { EROFS, "EROFS" }, { EPERM, "EPERM" },
        { ETIMEDOUT, "ETIMEDOUT" }, { ECANCELED, "ECANCELED" },
        { EAGAIN, "EAGAIN" }, { ENOTSUP, "ENOTSUP" }, { EFBIG, "EFBIG" },
        { EDQUOT, "EDQUOT" }, { ENOENT, "ENOENT" }, { EBUSY, "EBUSY" },
        { ENXIO, "ENXIO" }, { EBADF, "EBADF" }, { ESHUTDOWN, "ESHUTDOWN" },
        { ECONNRESET, "ECONNRESET" }, { EPIPE, "EPIPE" },
    };

    if (ret >= 0) {
        snprintf(buf, size, "ok");
        return buf;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == -ret) {
            snprintf(buf, size, "%s", names[i].name);
            return buf;
        }
    snprintf(buf, size, "errno %d", -ret);
    return buf;
}

/*
 * One log line:
 *   completed:  ID OP OFFSET LENGTH LATENCY RESULT
 *   errors:     WHEN ID OP SRC OFFSET LENGTH ERRNO RULE
 */
static void log_line(const struct tui *t, const struct tui_reqlog_entry *e,
                     bool errors, int idw, int64_t now, char *line,
                     size_t size)
{
    char off[24], len[16], lat[16], err[24], when[16], rule[16] = "real";
    char src[24];
    struct bk_source s = { .kind = (enum bk_source_kind)e->src_kind,
                           .name = "", .id = e->src_id };

    tui_fmt_offset(off, sizeof(off), e->offset, t->exact_offsets);
    tui_fmt_size(len, sizeof(len), e->bytes);
    tui_fmt_duration(lat, sizeof(lat), e->lat_ns);
    req_errno(e->ret, err, sizeof(err));
    tui_fmt_source(src, sizeof(src), e->src_kind >= 0 ? &s : NULL);
    if (e->rule != 0)
        snprintf(rule, sizeof(rule), "rule %u", e->rule);
    if (!errors) {
        snprintf(line, size, "%*" PRIu64 " %-5.5s %*s %7s %7s %s%s%s", idw,
                 e->id, tui_fmt_op(e->op), t->exact_offsets ? 13 : 8, off,
                 len, lat, err, e->ret < 0 ? " " : "",
                 e->ret < 0 ? rule : "");
        return;
    }
    tui_fmt_duration(when, sizeof(when), now - e->t_ns);
    snprintf(line, size, "%6s %*" PRIu64 " %-5.5s %-6.6s %*s %7s %-9s %s",
             when, idw, e->id, tui_fmt_op(e->op), src,
             t->exact_offsets ? 13 : 8, off, len, err, rule);
}

static void log_draw(struct tui *t, struct tui_rect in, char *info,
                     size_t infosize)
{
    struct tui_pane_state *ps = &t->ps;
    bool errors = ps->req_view == 2;
    enum tui_reqlog_ring ring = errors ? TUI_LOG_ERROR : TUI_LOG_DONE;
    struct tui_reqlog *log = t->w.log;
    size_t n = log != NULL ? tui_reqlog_count(log, ring) : 0, shown = 0;
    size_t rows = in.h > 1 ? (size_t)in.h - 1 : 0, skip = ps->req_top;
    int64_t now = t->paused ? t->paused_ns : bk_now_ns();
    uint64_t max_id = 0;
    char idnum[24];
    int idw;

    for (size_t i = 0; i < n; i++) {
        const struct tui_reqlog_entry *e = tui_reqlog_get(log, ring, i);

        max_id = e->id > max_id ? e->id : max_id;
    }
    idw = snprintf(idnum, sizeof(idnum), "%" PRIu64, max_id);
    idw = idw < 3 ? 3 : idw;
    if (errors)
        tui_putf(in.y, in.x, in.w, TUI_R_DIM, "%6s %*s %-5s %-6s %*s %7s "
                 "%-9s %s", "AGO", idw, "ID", "OP", "SRC",
                 t->exact_offsets ? 13 : 8, "OFFSET", "LENGTH", "ERRNO",
                 "RULE");
    else
        tui_putf(in.y, in.x, in.w, TUI_R_DIM, "%*s %-5s %*s %7s %7s %s", idw,
                 "ID", "OP", t->exact_offsets ? 13 : 8, "OFFSET", "LENGTH",
                 "LATENCY", "RESULT");
    /* Newest first; the filter matches the line as drawn. */
    for (size_t i = n; i > 0 && shown < rows; i--) {
        const struct tui_reqlog_entry *e = tui_reqlog_get(log, ring, i - 1);
        char line[256];

        if (t->paused && e->t_ns > t->paused_ns)
            continue;
        log_line(t, e, errors, idw, now, line, sizeof(line));
        if (ps->req_filter[0] != '\0' && !strstr(line, ps->req_filter))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        tui_put(in.y + 1 + (int)shown++, in.x, in.w,
                e->ret < 0 ? TUI_R_ERROR : TUI_R_DEFAULT, line);
    }
    if (n == 0 && rows > 0)
        tui_put(in.y + 1, in.x, in.w, TUI_R_DIM, errors
                ? "  (no failed request)" : "  (no completed request yet)");
    snprintf(info, infosize, "%s: last %zu%s%s%s (v: next)",
             tui_req_view_names[ps->req_view], n,
             t->paused ? ", PAUSED" : "",
             ps->req_filter[0] != '\0' ? ", /" : "", ps->req_filter);
    ps->nreq = n;
    ps->req_rows = rows;
}

static unsigned requests_key(struct tui *t, int key)
{
    struct tui_pane_state *ps = &t->ps;
    size_t page = ps->req_rows > 1 ? ps->req_rows - 1 : 1;
    size_t n = ps->nreq;

    switch (key) {
    case TUI_KEY_UP:
        if (ps->req_top > 0)
            ps->req_top--;
        break;
    case TUI_KEY_DOWN:
        if (ps->req_top + ps->req_rows < n)
            ps->req_top++;
        break;
    case TUI_KEY_PGUP:
        ps->req_top = ps->req_top > page ? ps->req_top - page : 0;
        break;
    case TUI_KEY_PGDN:
        ps->req_top += page;     /* clamped when drawn */
        break;
    case TUI_KEY_HOME:
        ps->req_top = 0;
        break;
    case TUI_KEY_END:
        ps->req_top = n;
        break;
    case 'v':
        ps->req_view = (ps->req_view + 1) % TUI_REQ_VIEWS;
        ps->req_top = 0;
        break;
    default:
        return TUI_HR_IGNORED;
    }
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

const struct tui_panel_class tui_panel_requests = {
    .title = "Requests",
    .framed = true,
    .focusable = true,
    .draw = requests_draw,
    .key = requests_key,
};
