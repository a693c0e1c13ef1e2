/*
 * pane_requests.c — the Requests pane: outstanding requests, oldest first.
 *
 * Thousands of requests must not slow the screen: a frame walks the
 * device's list once (O(n), pointer chasing only) and formats just the
 * rows that fit.  The top row is kept by index, clamped when the list
 * shrinks, so the view stays put while requests complete under it.
 *
 * Columns drop as the pane narrows: SRC (who issued the request) first,
 * then AGE, with offsets then shown in units.
 *
 * Under a request of a format image (qcow2) come its sub-requests: the
 * format's own I/O for it (an L2 table load, a refcount block update,
 * copy-on-write), named by their blkdebug event, with the offset in the
 * image file; the format's work for no request (at close) comes last.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/key.h"
#include "tui/panel.h"

static const char *const req_op_short[BK_OP__MAX] = {
    [BK_OP_READ] = "read",
    [BK_OP_WRITE] = "write",
    [BK_OP_WRITE_ZEROES] = "wzero",
    [BK_OP_DISCARD] = "disc",
    [BK_OP_FLUSH] = "flush",
    [BK_OP_TRUNCATE] = "trunc",
    [BK_OP_BLOCK_STATUS] = "stat",
};

/* Sub-requests listed per frame (more are counted, not shown). */
#define REQ_MAX_SUBS 256

struct req_walk {
    struct tui_rect in;
    size_t index, top, rows;
    int64_t now;
    bool narrow;     /* no AGE column, offsets in units */
    bool src;        /* the SRC column */
    struct bk_subreq *subs;
    size_t nsubs;
    bool *shown;     /* per sub: drawn under its request */
};

/* Below this width the state would be cut: drop to the narrow columns. */
#define REQ_WIDE 64
/* From this width on there is room for the SRC column too, with a state
 * as long as "suspended at write_aio as A" (140 columns give 73). */
#define REQ_SRC_WIDE 70

static void req_state(const struct bk_req *req, char *buf, size_t size,
                      enum tui_role *role)
{
    switch (req->state) {
    case BK_REQ_QUEUED:
        snprintf(buf, size, "queued");
        *role = TUI_R_REQ_QUEUED;
        break;
    case BK_REQ_INFLIGHT:
        snprintf(buf, size, "in flight");
        *role = TUI_R_REQ_INFLIGHT;
        break;
    case BK_REQ_SUSPENDED:
        snprintf(buf, size, "suspended at %s as %s",
                 req->suspend_event ? req->suspend_event : "?",
                 req->suspend_tag ? req->suspend_tag : "?");
        *role = TUI_R_REQ_SUSPENDED;
        break;
    default:
        snprintf(buf, size, "done");
        *role = TUI_R_REQ_DONE;
        break;
    }
}

/* The screen row of the next list row, or -1 when it is scrolled off. */
static int req_next_y(struct req_walk *wk)
{
    size_t i = wk->index++;

    if (i < wk->top || i >= wk->top + wk->rows)
        return -1;
    return wk->in.y + 1 + (int)(i - wk->top);
}

static void sub_row(struct req_walk *wk, const struct bk_subreq *sub)
{
    char line[256], state[96], len[16], off[24];
    const char *op;
    int y = req_next_y(wk), used;

    if (y < 0)
        return;
    if (sub->at_event)
        off[0] = '\0';
    else if (wk->narrow)
        tui_fmt_size(off, sizeof(off), sub->offset);
    else
        snprintf(off, sizeof(off), "%" PRId64, sub->offset);
    op = (unsigned)sub->op < BK_OP__MAX ? req_op_short[sub->op] : "?";
    tui_fmt_size(len, sizeof(len), sub->bytes);
    if (sub->at_event)
        snprintf(state, sizeof(state), "at %s", sub->what ? sub->what : "?");
    else
        snprintf(state, sizeof(state), "%s%s", sub->what ? sub->what : op,
                 sub->layer > 0 ? " (backing)" : "");
    if (sub->at_event)
        len[0] = '\0';
    if (wk->narrow)
        snprintf(line, sizeof(line), "%5s %-5.5s %8s %7s ", "`-", op, off,
                 len);
    else if (wk->src)
        snprintf(line, sizeof(line), "%5s %-5.5s %-5.5s %12s %7s %6s ", "`-",
                 op, "", off, len, "");
    else
        snprintf(line, sizeof(line), "%5s %-5.5s %12s %7s %6s ", "`-", op,
                 off, len, "");
    used = tui_put(y, wk->in.x, wk->in.w, TUI_R_DIM, line);
    tui_put(y, wk->in.x + used, wk->in.w - used,
            sub->at_event ? TUI_R_REQ_SUSPENDED : TUI_R_VALUE, state);
}

static void req_subs(struct req_walk *wk, const struct bk_req *req)
{
    for (size_t i = 0; i < wk->nsubs; i++)
        if (wk->subs[i].req == req) {
            wk->shown[i] = true;
            sub_row(wk, &wk->subs[i]);
        }
}

static void req_row(const struct bk_req *req, void *arg)
{
    struct req_walk *wk = arg;
    char line[256], state[128], len[16], age[16], off[16], src[24];
    enum tui_role role;
    const char *op;
    int y = req_next_y(wk);

    if (y < 0) {
        req_subs(wk, req);
        return;
    }
    req_state(req, state, sizeof(state), &role);
    tui_fmt_size(len, sizeof(len), req->bytes);
    tui_fmt_duration(age, sizeof(age), wk->now - req->submit_ns);
    op = (unsigned)req->op < BK_OP__MAX ? req_op_short[req->op] : "?";
    if (wk->narrow)
        snprintf(line, sizeof(line), "%5" PRIu64 " %-5.5s %8s %7s ", req->id,
                 op, tui_fmt_size(off, sizeof(off), req->offset), len);
    else if (wk->src)
        snprintf(line, sizeof(line), "%5" PRIu64 " %-5.5s %-5.5s %12" PRId64
                 " %7s %6s ", req->id, op, tui_fmt_source(src, sizeof(src), req->source),
                 req->offset, len, age);
    else
        snprintf(line, sizeof(line), "%5" PRIu64 " %-5.5s %12" PRId64
                 " %7s %6s ", req->id, op, req->offset, len, age);
    {
        int used = tui_put(y, wk->in.x, wk->in.w, TUI_R_DEFAULT, line);

        tui_put(y, wk->in.x + used, wk->in.w - used, role, state);
    }
    req_subs(wk, req);
}

static void collect_sub(const struct bk_subreq *sub, void *arg)
{
    struct req_walk *wk = arg;

    if (wk->nsubs < REQ_MAX_SUBS)
        wk->subs[wk->nsubs++] = *sub;
}

static void requests_draw(struct tui *t, struct tui_rect in, bool focus,
                          char *info, size_t infosize)
{
    struct tui_pane_state *ps = &t->ps;
    size_t n, nreq, rows = in.h > 1 ? (size_t)in.h - 1 : 0;
    struct bk_subreq subs[REQ_MAX_SUBS];
    bool shown[REQ_MAX_SUBS] = { false };
    struct req_walk wk;

    (void)focus;
    if (!tui_model_image(t, NULL)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no image open");
        return;
    }
    wk = (struct req_walk){ in, 0, ps->req_top, rows, bk_now_ns(),
                            in.w < REQ_WIDE, in.w >= REQ_SRC_WIDE, subs, 0,
                            shown };
    tui_model_for_each_subreq(t, collect_sub, &wk);
    nreq = tui_model_outstanding(t);
    n = nreq + wk.nsubs;
    ps->req_rows = rows;
    if (ps->req_top + rows > n)
        ps->req_top = n > rows ? n - rows : 0;
    wk.top = ps->req_top;
    if (in.w < REQ_WIDE)
        tui_putf(in.y, in.x, in.w, TUI_R_DIM, "%5s %-5s %8s %7s %s", "ID",
                 "OP", "OFFSET", "LENGTH", "STATE");
    else if (in.w >= REQ_SRC_WIDE)
        tui_putf(in.y, in.x, in.w, TUI_R_DIM, "%5s %-5s %-5s %12s %7s %6s %s",
                 "ID", "OP", "SRC", "OFFSET", "LENGTH", "AGE", "STATE");
    else
        tui_putf(in.y, in.x, in.w, TUI_R_DIM, "%5s %-5s %12s %7s %6s %s",
                 "ID", "OP", "OFFSET", "LENGTH", "AGE", "STATE");
    if (n == 0) {
        if (rows > 0)
            tui_put(in.y + 1, in.x, in.w, TUI_R_DIM,
                    "  (no outstanding requests)");
    } else {
        tui_model_for_each_req(t, req_row, &wk);
        /* The format's work for no request listed. */
        for (size_t i = 0; i < wk.nsubs; i++)
            if (!shown[i])
                sub_row(&wk, &subs[i]);
    }
    if (n > rows)
        snprintf(info, infosize, "%zu outstanding%s, %zu-%zu", nreq,
                 wk.nsubs > 0 ? " +sub" : "", ps->req_top + 1,
                 ps->req_top + rows < n ? ps->req_top + rows : n);
    else if (wk.nsubs > 0)
        snprintf(info, infosize, "%zu outstanding, %zu sub", nreq, wk.nsubs);
    else
        snprintf(info, infosize, "%zu outstanding", nreq);
}

static unsigned requests_key(struct tui *t, int key)
{
    struct tui_pane_state *ps = &t->ps;
    size_t page = ps->req_rows > 1 ? ps->req_rows - 1 : 1;
    size_t n = tui_model_outstanding(t) + tui_model_subreqs(t);

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
