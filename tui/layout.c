/*
 * layout.c — placing a layout tree.  See layout.h for the model.
 *
 * Sharing: every weighted child first gets its minimum; what is left is
 * split in proportion to the weights, the rounding remainder going to the
 * first children, so sizes differ by at most one cell between equal
 * weights and the children always exactly fill the parent.
 */
#include "tui/layout.h"

#include <stdio.h>

void tui_layout_min(const struct tui_lnode *n, int *w, int *h)
{
    int cw, ch;

    if (n->kind == TUI_LEAF) {
        *w = n->min_w;
        *h = n->min_h;
        return;
    }
    *w = *h = 0;
    for (size_t i = 0; i < n->nchild; i++) {
        const struct tui_lnode *c = &n->child[i];
        tui_layout_min(c, &cw, &ch);
        if (n->kind == TUI_LR) {
            *w += c->fixed > 0 ? c->fixed : cw;
            if (ch > *h)
                *h = ch;
        } else {
            *h += c->fixed > 0 ? c->fixed : ch;
            if (cw > *w)
                *w = cw;
        }
    }
}

static void place(const struct tui_lnode *n, struct tui_rect r,
                  struct tui_rect *out)
{
    int total = n->kind == TUI_LR ? r.w : r.h, extra = total, weights = 0;
    int given = 0, rem, pos;

    if (n->kind == TUI_LEAF) {
        out[n->pane] = r;
        return;
    }
    /* Fixed sizes and minimums first. */
    for (size_t i = 0; i < n->nchild; i++) {
        const struct tui_lnode *c = &n->child[i];
        int cw, ch;
        tui_layout_min(c, &cw, &ch);
        extra -= c->fixed > 0 ? c->fixed : (n->kind == TUI_LR ? cw : ch);
        if (c->fixed <= 0)
            weights += c->weight > 0 ? c->weight : 1;
    }
    for (size_t i = 0; i < n->nchild; i++) {
        const struct tui_lnode *c = &n->child[i];
        if (c->fixed <= 0)
            given += extra * (c->weight > 0 ? c->weight : 1) /
                     (weights ? weights : 1);
    }
    rem = extra - given;

    pos = n->kind == TUI_LR ? r.x : r.y;
    for (size_t i = 0; i < n->nchild; i++) {
        const struct tui_lnode *c = &n->child[i];
        struct tui_rect cr = r;
        int cw, ch, size;

        tui_layout_min(c, &cw, &ch);
        if (c->fixed > 0) {
            size = c->fixed;
        } else {
            size = (n->kind == TUI_LR ? cw : ch) +
                   extra * (c->weight > 0 ? c->weight : 1) /
                   (weights ? weights : 1);
            if (rem > 0) {
                size++;
                rem--;
            }
        }
        if (n->kind == TUI_LR) {
            cr.x = pos;
            cr.w = size;
        } else {
            cr.y = pos;
            cr.h = size;
        }
        pos += size;
        place(c, cr, out);
    }
}

int tui_layout_place(const struct tui_lnode *root, struct tui_rect area,
                     struct tui_rect *out)
{
    int w, h;

    tui_layout_min(root, &w, &h);
    if (area.w < w || area.h < h)
        return -1;
    place(root, area, out);
    return 0;
}

/* Copy n into pool without the hidden leaves; NULL when nothing is left. */
static const struct tui_lnode *prune(const struct tui_lnode *n,
                                     unsigned hidden, struct tui_lnode *pool,
                                     size_t cap, size_t *used)
{
    struct tui_lnode *out, *kids;
    size_t k = 0;

    if (n->kind == TUI_LEAF)
        return (hidden & (1u << n->pane)) ? NULL : n;
    if (*used + 1 + n->nchild > cap)
        return n;                  /* no room: the tree as it is */
    out = &pool[(*used)++];
    kids = &pool[*used];
    *used += n->nchild;
    for (size_t i = 0; i < n->nchild; i++) {
        const struct tui_lnode *c = prune(&n->child[i], hidden, pool, cap,
                                          used);

        if (c != NULL)
            kids[k++] = *c;
    }
    if (k == 0)
        return NULL;
    *out = *n;
    out->child = kids;
    out->nchild = k;
    return out;
}

const struct tui_lnode *tui_layout_prune(const struct tui_lnode *root,
                                         unsigned hidden,
                                         struct tui_lnode *pool, size_t cap)
{
    size_t used = 0;
    const struct tui_lnode *r = prune(root, hidden, pool, cap, &used);

    return r != NULL ? r : root;
}

const char *tui_layout_too_small(const struct tui_lnode *root, int w, int h,
                                 char *buf, size_t size)
{
    int mw, mh;

    tui_layout_min(root, &mw, &mh);
    snprintf(buf, size, "Terminal too small: %dx%d needed, %dx%d available.",
             mw, mh, w, h);
    return buf;
}

/*
 *  +--------------------------+-------------+
 *  | Allocation               | Requests    |
 *  |                          +-------------+
 *  |                          | Suspended   |
 *  |                          +-------------+
 *  |                          | Rules       |
 *  +--------------------------+-------------+
 *  | Throughput               | Output      |
 *  +--------------------------+-------------+
 *  | Command line: > ...                     |
 *  status line                               
 */
static const struct tui_lnode right_column[] = {
    { .kind = TUI_LEAF, .pane = TUI_PANE_REQUESTS, .weight = 3,
      .min_w = 30, .min_h = 4 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_SUSPENDED, .weight = 2,
      .min_w = 30, .min_h = 3 },
    /* No minimum: on a small screen the rules give way. */
    { .kind = TUI_LEAF, .pane = TUI_PANE_RULES, .weight = 3, .min_w = 30 },
};
static const struct tui_lnode top_row[] = {
    { .kind = TUI_LEAF, .pane = TUI_PANE_ALLOC, .weight = 1,
      .min_w = 20, .min_h = 5 },
    { .kind = TUI_TB, .weight = 1, .child = right_column, .nchild = 3 },
};
static const struct tui_lnode bottom_row[] = {
    { .kind = TUI_LEAF, .pane = TUI_PANE_THROUGHPUT, .weight = 1,
      .min_w = 30, .min_h = 6 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_OUTPUT, .weight = 1,
      .min_w = 20, .min_h = 3 },
};
static const struct tui_lnode screen_rows[] = {
    { .kind = TUI_LR, .weight = 3, .child = top_row, .nchild = 2 },
    { .kind = TUI_LR, .weight = 2, .child = bottom_row, .nchild = 2 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_CMDLINE, .fixed = 3, .min_w = 20,
      .min_h = 3 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_STATUS, .fixed = 1, .min_w = 20 },
};
const struct tui_lnode tui_layout_default = {
    .kind = TUI_TB, .child = screen_rows, .nchild = 4,
};

/*
 * With exports, the Clients pane takes the top of the Output column:
 *
 *  | Throughput               | Clients     |
 *  |                          +-------------+
 *  |                          | Output      |
 */
static const struct tui_lnode output_column[] = {
    /* No minimum: on a small screen the clients give way. */
    { .kind = TUI_LEAF, .pane = TUI_PANE_CLIENTS, .weight = 1, .min_w = 20 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_OUTPUT, .weight = 1,
      .min_w = 20, .min_h = 3 },
};
static const struct tui_lnode bottom_row_exports[] = {
    { .kind = TUI_LEAF, .pane = TUI_PANE_THROUGHPUT, .weight = 1,
      .min_w = 30, .min_h = 6 },
    { .kind = TUI_TB, .weight = 1, .child = output_column, .nchild = 2 },
};
static const struct tui_lnode screen_rows_exports[] = {
    { .kind = TUI_LR, .weight = 3, .child = top_row, .nchild = 2 },
    { .kind = TUI_LR, .weight = 2, .child = bottom_row_exports, .nchild = 2 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_CMDLINE, .fixed = 3, .min_w = 20,
      .min_h = 3 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_STATUS, .fixed = 1, .min_w = 20 },
};
const struct tui_lnode tui_layout_exports = {
    .kind = TUI_TB, .child = screen_rows_exports, .nchild = 4,
};
