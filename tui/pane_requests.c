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

struct req_walk {
    struct tui_rect in;
    size_t index, top, rows;
    int64_t now;
    bool narrow;     /* no AGE column, offsets in units */
    bool src;        /* the SRC column */
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

static void req_row(const struct bk_req *req, void *arg)
{
    struct req_walk *wk = arg;
    char line[256], state[128], len[16], age[16], off[16], src[24];
    enum tui_role role;
    const char *op;
    int y;

    if (wk->index < wk->top || wk->index >= wk->top + wk->rows) {
        wk->index++;
        return;
    }
    y = wk->in.y + 1 + (int)(wk->index - wk->top);
    wk->index++;
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
}

static void requests_draw(struct tui *t, struct tui_rect in, bool focus,
                          char *info, size_t infosize)
{
    struct tui_pane_state *ps = &t->ps;
    size_t n, rows = in.h > 1 ? (size_t)in.h - 1 : 0;
    struct req_walk wk;

    (void)focus;
    if (!tui_model_image(t, NULL)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no image open");
        return;
    }
    n = tui_model_outstanding(t);
    ps->req_rows = rows;
    if (ps->req_top + rows > n)
        ps->req_top = n > rows ? n - rows : 0;
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
        wk = (struct req_walk){ in, 0, ps->req_top, rows, bk_now_ns(),
                                in.w < REQ_WIDE, in.w >= REQ_SRC_WIDE };
        tui_model_for_each_req(t, req_row, &wk);
    }
    if (n > rows)
        snprintf(info, infosize, "%zu outstanding, %zu-%zu", n,
                 ps->req_top + 1,
                 ps->req_top + rows < n ? ps->req_top + rows : n);
    else
        snprintf(info, infosize, "%zu outstanding", n);
}

static unsigned requests_key(struct tui *t, int key)
{
    struct tui_pane_state *ps = &t->ps;
    size_t page = ps->req_rows > 1 ? ps->req_rows - 1 : 1;
    size_t n = tui_model_outstanding(t);

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
