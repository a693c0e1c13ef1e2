/*
 * app.h — the TUI's state, shared by its files (private to tui/).
 *
 * One struct tui_app per process (there is one terminal).  Everything in
 * it is owned by the loop thread: key handlers, the device observers,
 * timers and drawing all run there, so nothing here is locked.
 *
 * Words: the *watch* is what the TUI keeps about the open device (its
 * allocation map, heat, throughput sampler, suspension times); *dirty*
 * means "draw at the next before-sleep"; *data-dirty* means "the device
 * changed: draw within a frame interval", so a flood of completions makes
 * at most one frame per interval.
 */
#ifndef BLKMON_TUI_APP_H
#define BLKMON_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "cmd/out.h"
#include "tui/cmdq.h"
#include "tui/extmap.h"
#include "tui/heat.h"
#include "tui/layers.h"
#include "tui/history.h"
#include "tui/layout.h"
#include "tui/lineedit.h"
#include "tui/model.h"
#include "tui/outbuf.h"
#include "tui/stats.h"
#include "tui/susp.h"
#include "tui/tui.h"
#include "tui/viewport.h"

/* HandlerResult, as htop's: what a key handler did. */
enum {
    TUI_HR_IGNORED = 0,
    TUI_HR_HANDLED = 1 << 0,
    TUI_HR_REDRAW  = 1 << 1,
};

#define TUI_FRAME_NS    (100 * 1000000LL)  /* data-driven redraws: 10/s */
#define TUI_SAMPLE_MS   250                /* stats interval, 4/s */

/* A range the allocation map must re-read from the file system. */
struct tui_rescan {
    int64_t offset, bytes;
};

struct tui_watch {
    struct bk_dev *dev;            /* the device watched, or NULL */
    struct tui_extmap *map;        /* NULL when the scan failed */
    int64_t length;
    bool unmap;
    struct tui_rescan *rescan;     /* pending rescans, coalesced */
    size_t nrescan, caprescan;
    struct tui_heat *heat;
    struct tui_susp *susp;
    struct tui_layers *layers;     /* a format's views (layers.h), or NULL */
    struct bk_observer observer;   /* on dev */
};

/* The Allocation pane's per-frame scratch, grown to the largest pane. */
struct tui_alloc_scratch {
    struct tui_cell *cells;
    uint8_t *heat[TUI_HEAT__MAX];
    uint8_t *marks;
    size_t cap;
};

struct tui_pane_state {
    struct tui_view view;          /* Allocation */
    bool view_ok;
    bool host_view;                /* Allocation: a format's file (layers.h) */
    struct tui_view hview;         /* ... and where it looks */
    bool hview_ok;
    size_t req_top;                /* Requests: first row shown */
    size_t req_rows;               /* rows last drawn (page size) */
    size_t susp_sel;               /* Suspended: selected row */
    char susp_sel_key[96];         /* its identity, to follow it */
    size_t out_back;               /* Output: lines scrolled back, 0 follows */
    size_t out_rows;
};

struct tui {
    /* Session and commands. */
    struct cmd_state *st;
    struct out sink;               /* the session's output: into Output */
    struct bk_source saved_source; /* the session's, given back at the end */
    struct bk_loop *loop;
    struct tui_cmdq *queue;        /* I/O lines waiting their turn */
    char *running;                 /* the I/O line being run, or NULL */
    int depth;                     /* nesting of running commands */
    bool quitting;
    int exit_status;
    int signal_quit;               /* the signal that asked to quit, or 0 */

    /* Output, command line, history. */
    struct tui_outbuf *out;
    struct tui_lineedit le;
    struct tui_history *hist;
    char *hist_path;

    /* The device. */
    struct tui_watch w;
    struct tui_stats *stats;
    int sample_timer;              /* 0 when stopped (idle) */
    int frame_timer;
    int64_t last_activity_ns;

    /* An attached TUI's connection and mirror (model.h); NULL: local. */
    struct tui_remote *remote;
    int64_t quit_asked_ns;         /* attached: quit typed once, when */

    /* Screen. */
    bool screen_on;
    bool dirty;
    bool data_dirty;
    int64_t last_draw_ns;
    int focus;                     /* a tui_pane */
    bool help;                     /* F1 overlay shown */
    size_t help_top;
    struct tui_rect rect[TUI_PANE__MAX];
    bool layout_exports;           /* placed with the Clients pane */
    bool too_small;
    int cursor_y, cursor_x;        /* where the command line wants it */
    int cols, lines;
    struct tui_pane_state ps;
    struct tui_alloc_scratch alloc_scratch;
    char status[256];              /* a transient message */
    int64_t status_ns;
    struct tui_options opts;
};

/* ---- app.c ---------------------------------------------------------- */
/* A line from the command line (echo: shown in Output) or a binding: a
 * control command runs at once, any other waits its turn. */
void tui_app_submit(struct tui *t, const char *line, bool echo);
/* Something changed that the screen shows: draw at the next chance. */
void tui_app_dirty(struct tui *t);
/* The device changed: draw within a frame interval. */
void tui_app_data_dirty(struct tui *t);
/* A one-line message in the status bar for a few seconds. */
void tui_app_status(struct tui *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Begin quitting: drop queued lines, resume everything. */
void tui_app_quit(struct tui *t);

/* ---- watch.c -------------------------------------------------------- */
/* Follow st->dev if it changed (open, close). */
void tui_watch_sync(struct tui *t);
void tui_watch_detach(struct tui *t);
/* Apply pending rescans (before drawing). */
void tui_watch_rescan(struct tui *t);
/* (Re)start the sampling timer after activity. */
void tui_watch_wake(struct tui *t);

/* ---- input.c -------------------------------------------------------- */
void tui_input_ready(struct bk_loop *loop, int fd, void *arg);
unsigned tui_input_key(struct tui *t, int key);

/* ---- tcmd.c: the TUI's own commands --------------------------------- */
/* The session's front-end table (cmd.h); handlers find the TUI as
 * st->frontend. */
extern const struct cmd_entry *const tui_cmd_table[];

/* ---- draw.c --------------------------------------------------------- */
void tui_draw(struct tui *t);
void tui_relayout(struct tui *t);

#endif
