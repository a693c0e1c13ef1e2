/*
 * layout.h — where the panes go: a tmux-like tree placed on every resize.
 *
 * A node is a *leaf* (one pane) or a *split* whose children sit left to
 * right (LR) or top to bottom (TB).  Along its parent's axis a child is
 * either *fixed* (exactly that many columns or rows: the command line, the
 * status line) or *weighted* (a share of what is left, never below its
 * minimum).  Trees are static const data; placing one is a single pass.
 *
 * When the area is smaller than the tree's minimum, placing fails and the
 * TUI shows tui_layout_too_small()'s message instead of the panes.
 */
#ifndef BLKMON_TUI_LAYOUT_H
#define BLKMON_TUI_LAYOUT_H

#include <stddef.h>

enum tui_lkind { TUI_LEAF, TUI_LR, TUI_TB };

struct tui_lnode {
    enum tui_lkind kind;
    int pane;                          /* leaf: index into the output */
    int fixed;                         /* > 0: size along parent's axis */
    int weight;                        /* else: share (0 counts as 1) */
    int min_w, min_h;                  /* leaf minimum */
    const struct tui_lnode *child;     /* split: children */
    size_t nchild;
};

struct tui_rect {
    int x, y, w, h;
};

/* The tree's minimum size. */
void tui_layout_min(const struct tui_lnode *root, int *w, int *h);
/*
 * Place the tree in area; out[pane] gets each leaf's rectangle (out must
 * hold every pane index used).  Returns 0, or -1 when area is too small
 * (out untouched).
 */
int tui_layout_place(const struct tui_lnode *root, struct tui_rect area,
                     struct tui_rect *out);
/*
 * The tree without the panes whose bit is set in hidden (1 << pane): a
 * split gives their room to its other children, and disappears when none
 * is left.  The copy is made in pool (cap nodes; too few: root as is).
 */
const struct tui_lnode *tui_layout_prune(const struct tui_lnode *root,
                                         unsigned hidden,
                                         struct tui_lnode *pool, size_t cap);
/* "Terminal too small: 60x20 needed, 50x12 available." into buf. */
const char *tui_layout_too_small(const struct tui_lnode *root, int w, int h,
                                 char *buf, size_t size);

/* blkmon's panes and their default arrangement. */
enum tui_pane {
    TUI_PANE_ALLOC,
    TUI_PANE_REQUESTS,
    TUI_PANE_SUSPENDED,
    TUI_PANE_THROUGHPUT,
    TUI_PANE_OUTPUT,
    TUI_PANE_CMDLINE,
    TUI_PANE_STATUS,
    TUI_PANE_RULES,
    TUI_PANE_CLIENTS,
    TUI_PANE__MAX
};
extern const struct tui_lnode tui_layout_default;
/* The same with the Clients pane, while the session has exports. */
extern const struct tui_lnode tui_layout_exports;

#endif
