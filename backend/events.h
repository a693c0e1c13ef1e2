/*
 * events.h — the debug events the generic layer and format drivers fire.
 *
 * These are the points where blkdebug (rules/) may inject an error, move
 * its state machine or suspend a request.  The names are QEMU's blkdebug
 * event names; rules/ holds the full list blkdebug accepts, and the
 * blkdebug driver maps ours onto it by name.
 */
#ifndef BLKMON_EVENTS_H
#define BLKMON_EVENTS_H

enum bk_event {
    BK_EV_NONE,                    /* "none": fired once at open */
    BK_EV_READ_AIO,                /* a format layer reads its file */
    BK_EV_WRITE_AIO,               /* a format layer writes its file */
    BK_EV_PWRITEV,                 /* before data is written to a node */
    BK_EV_PWRITEV_ZERO,            /* before zeroes are written */
    BK_EV_PWRITEV_DONE,            /* after a write, failed or not */
    BK_EV_PWRITEV_RMW_HEAD,        /* before reading an unaligned head */
    BK_EV_PWRITEV_RMW_AFTER_HEAD,
    BK_EV_PWRITEV_RMW_TAIL,        /* before reading an unaligned tail */
    BK_EV_PWRITEV_RMW_AFTER_TAIL,
    BK_EV_FLUSH_TO_OS,
    BK_EV_FLUSH_TO_DISK,
    BK_EV__MAX
};

extern const char *const bk_event_names[BK_EV__MAX];

#endif
