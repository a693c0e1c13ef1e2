/*
 * panel.h — the panes as htop-style classes: a title, a draw function and
 * a key handler returning HandlerResult bits (app.h).  draw.c walks the
 * class table to frame and fill each pane; input.c gives the focused
 * pane's handler the first look at a key.
 *
 * A pane draws only from the state it is given: the app (session, watch,
 * sampler) and its own corner of tui_pane_state.  It never waits.
 */
#ifndef BLKMON_TUI_PANEL_H
#define BLKMON_TUI_PANEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/app.h"

struct tui_panel_class {
    const char *title;
    bool framed;            /* drawn inside a frame with its title */
    bool focusable;
    /* info: the frame's right-hand note, filled by draw (may stay empty). */
    void (*draw)(struct tui *t, struct tui_rect inner, bool focus,
                 char *info, size_t infosize);
    unsigned (*key)(struct tui *t, int key);   /* NULL: no keys of its own */
    /* A click at (row, col) of its inside: select what is there. */
    void (*click)(struct tui *t, int row, int col);   /* may be NULL */
};

extern const struct tui_panel_class tui_panel_alloc;
extern const struct tui_panel_class tui_panel_requests;
extern const struct tui_panel_class tui_panel_suspended;
extern const struct tui_panel_class tui_panel_throughput;
extern const struct tui_panel_class tui_panel_output;
extern const struct tui_panel_class tui_panel_cmdline;
extern const struct tui_panel_class tui_panel_status;
extern const struct tui_panel_class tui_panel_rules;
extern const struct tui_panel_class tui_panel_clients;

/* Indexed by enum tui_pane. */
extern const struct tui_panel_class *const tui_panels[TUI_PANE__MAX];

/* Rows of the Suspended pane: breakpoints, then suspended requests. */
enum tui_srow_kind { TUI_SROW_BREAK, TUI_SROW_REQ };
struct tui_srow {
    enum tui_srow_kind kind;
    char event[40];
    char tag[48];
    uint64_t id;              /* REQ */
    char src[24];             /* REQ: its issuer (tui_fmt_source), copied:
                                 a client's source goes with the client */
    enum bk_op op;
    int64_t offset, bytes;
    int64_t since_ns;
};
/* Collect the rows (allocated; free them); also sweeps the since-map. */
size_t tui_srows_collect(struct tui *t, struct tui_srow **rows);
/* The row resume-selected acts on: the selection when it is a request,
 * else the request waiting longest.  False when nothing is suspended. */
bool tui_srows_target(struct tui *t, struct tui_srow *out);
/* The selected row, whatever its kind. */
bool tui_srows_selected(struct tui *t, struct tui_srow *out);

/* Allocation pane: zoom/pan commands; freeing its frame scratch. */
bool tui_alloc_zoom(struct tui *t, int steps);
void tui_alloc_scratch_free(struct tui_alloc_scratch *sc);
bool tui_alloc_whole(struct tui *t);
bool tui_alloc_pan_rows(struct tui *t, int64_t rows);
bool tui_alloc_page(struct tui *t, int pages);
/* The cell cursor: move by cells; put an offset under it (false: past
 * the end). */
bool tui_alloc_cursor(struct tui *t, int64_t cells);
bool tui_alloc_goto(struct tui *t, int64_t offset);

/* "running: LINE (+2 queued)", "ready"...: the session's state now. */
void tui_session_state(struct tui *t, char *buf, size_t size);

/* The Rules pane's selected rule (a copy); false when there is none. */
struct rules_rule;
bool tui_rules_selected(struct tui *t, struct rules_rule *out);

/* Output pane scrolling, shared with the command line's PgUp/PgDn. */
unsigned tui_output_scroll(struct tui *t, int key);

/* The help overlay (help.c). */
void tui_help_draw(struct tui *t);
unsigned tui_help_key(struct tui *t, int key);

#endif
