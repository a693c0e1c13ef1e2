/*
 * reqlog.h — what happened to requests lately, for the panes that show
 * history: the completed requests, the failed ones (with the rule that
 * failed them), and the suspensions and resumes.
 *
 * Three *rings* of entries, each entry numbered by one sequence shared by
 * the rings (seq grows by one per entry added anywhere), so a reader that
 * remembers the last seq it saw can take just what is new: a view frame
 * (control/view.c) sends a run's new entries, and an attached TUI's mirror
 * adds them to its own log (tui_reqlog_add keeps the seq it is given).
 * Errors have a ring of their own, so a flood of successes never pushes
 * the last errors out.  Everything is the loop thread's.
 */
#ifndef BLKMON_TUI_REQLOG_H
#define BLKMON_TUI_REQLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

enum tui_reqlog_ring {
    TUI_LOG_DONE,          /* every completed request */
    TUI_LOG_ERROR,         /* the failed ones */
    TUI_LOG_SUSP,          /* suspensions and resumes */
    TUI_LOG__MAX
};

struct tui_reqlog_entry {
    uint64_t seq;
    uint64_t id;               /* the request */
    enum bk_op op;
    int64_t offset, bytes;
    int64_t t_ns;              /* when it ended, or parked, or resumed */
    int64_t lat_ns;            /* submit to end; a resume: time parked */
    int ret;                   /* 0 or -errno */
    unsigned rule;             /* the rule that injected the error, or 0 */
    int src_kind;              /* bk_source_kind, or -1: the backend's */
    uint64_t src_id;
    bool resumed;              /* SUSP: a resume (else a suspension) */
    char tag[48];              /* SUSP */
    char event[32];            /* SUSP */
};

struct tui_reqlog;

/* cap 0: 512 entries a ring. */
struct tui_reqlog *tui_reqlog_new(size_t cap);
void tui_reqlog_free(struct tui_reqlog *l);
void tui_reqlog_clear(struct tui_reqlog *l);

/* Add e to ring r; e->seq 0 numbers it next, else it is kept (a mirror). */
void tui_reqlog_add(struct tui_reqlog *l, enum tui_reqlog_ring r,
                    const struct tui_reqlog_entry *e);
/* Entries kept in ring r, and entry i of them (0 the oldest). */
size_t tui_reqlog_count(const struct tui_reqlog *l, enum tui_reqlog_ring r);
const struct tui_reqlog_entry *tui_reqlog_get(const struct tui_reqlog *l,
                                              enum tui_reqlog_ring r,
                                              size_t i);
/* The newest seq added (0: none). */
uint64_t tui_reqlog_seq(const struct tui_reqlog *l);

/*
 * The device's side, for the observers of a local TUI and of the view
 * frames: a completed request (its rule, if a fault note named it, is
 * remembered until it completes), a fault, a suspension or resume.
 */
void tui_reqlog_req_end(struct tui_reqlog *l, const struct bk_req *req);
void tui_reqlog_fault(struct tui_reqlog *l, const struct bk_fault *f);
void tui_reqlog_debug(struct tui_reqlog *l, enum bk_debug_note note,
                      const char *tag, const struct bk_req *req);

#endif
