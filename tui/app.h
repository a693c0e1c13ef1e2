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
#include "tui/reqlog.h"
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
#define TUI_QD_SAMPLES  240                /* queue depth: a minute */

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
    struct tui_reqlog *log;        /* completions, errors, suspensions */
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

/* A request as the Requests pane keeps it (a copy: paused, it stays). */
struct tui_req_row {
    uint64_t id;               /* a sub-request: its request's, or 0 */
    enum bk_op op;
    enum bk_req_state state;
    int64_t offset, bytes, submit_ns;
    char src[16];
    char event[40];            /* a sub-request: what it does */
    char tag[48];
    bool sub;                  /* a format's own I/O (bk_subreq) */
    bool at_event;             /* sub: held at its event (a breakpoint) */
    int layer;                 /* sub: 0 the image, 1 its backing file... */
};

enum tui_req_sort {
    TUI_REQ_SORT_AGE,        /* oldest first */
    TUI_REQ_SORT_OFFSET,
    TUI_REQ_SORT_OP,
    TUI_REQ_SORT_STATE,      /* parked, in flight, queued */
    TUI_REQ_SORT__MAX
};
extern const char *const tui_req_sort_names[TUI_REQ_SORT__MAX];
#define TUI_REQ_VIEWS 3            /* outstanding, completed, errors */
extern const char *const tui_req_view_names[TUI_REQ_VIEWS];

struct tui_pane_state {
    struct tui_view view;          /* Allocation */
    bool view_ok;
    bool host_view;                /* Allocation: a format's file (layers.h) */
    struct tui_view hview;         /* ... and where it looks */
    bool hview_ok;
    int64_t cursor;                /* Allocation: the byte under the cell
                                      cursor (zooms keep it in view) */
    size_t req_top;                /* Requests: first row shown */
    size_t req_rows;               /* rows last drawn (page size) */
    struct tui_req_row *reqs;      /* Requests: the rows of the last frame */
    size_t nreq, capreq, req_total;
    enum tui_req_sort req_sort;    /* s */
    int req_view;                  /* v: outstanding, completed, errors */
    bool susp_history;             /* Suspended: h shows the history */
    int tp_view;                   /* Throughput: v: rates, latency, QD */
    char req_filter[64];           /* /: rows containing it, or "" */
    char out_filter[64];           /* Output's */
    size_t rule_sel;               /* Rules: the selected row... */
    unsigned rule_sel_id;          /* ...and its rule's id */
    size_t rule_top;               /* the first row shown (clicks) */
    size_t susp_sel;               /* Suspended: selected row */
    char susp_sel_key[96];         /* its identity, to follow it */
    size_t susp_top;               /* its first row shown (clicks) */
    size_t out_back;               /* Output: lines scrolled back, 0 follows */
    size_t out_rows;
    int out_hscroll;               /* Output, not wrapping: first column */
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
    struct ctl_server *control;    /* local: the run's control socket */
    int64_t quit_asked_ns;         /* attached: quit typed once, when */

    /* Screen. */
    bool screen_on;
    bool dirty;
    bool data_dirty;
    int64_t last_draw_ns;
    int focus;                     /* a tui_pane */
    int last_focus;                /* the last pane focused but the
                                      command line (what F2 maximises) */
    int zoomed;                    /* the maximised pane, or -1 */
    unsigned hidden;               /* 1 << pane: hidden (number keys) */
    bool show_sessions;            /* no exports: 7 placed the Clients
                                      pane (control sessions) */
    bool help;                     /* F1 overlay shown */
    size_t help_top;
    struct tui_rect rect[TUI_PANE__MAX];
    bool layout_exports;           /* placed with the Clients pane */
    bool too_small;
    int cursor_y, cursor_x;        /* where the command line wants it */
    int cols, lines;
    struct tui_pane_state ps;
    bool exact_offsets;            /* offsets in bytes, not units (F7) */
    bool out_nowrap;               /* Output: cut long lines, scroll (w) */
    bool tp_iops;                  /* Throughput: graph IOPS (i) */
    bool paused;                   /* space: Requests and Output hold still */
    uint32_t qd[TUI_QD_SAMPLES];   /* queue depth, per stats interval */
    int64_t qd_last;               /* the interval last sampled */
    int64_t paused_ns;
    uint64_t paused_out;           /* Output lines ever added, at pause */
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
