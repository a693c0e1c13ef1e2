/*
 * timerq.h — many timers behind one loop timer; private to backend/.
 *
 * blkdebug delays and hangs requests by the thousand ("1000 requests each
 * delayed 1 s complete in about 1 s"); the loop's own timers are a small
 * array scanned per pass, so they stay few: a queue keeps its entries in
 * a binary heap by due time and holds one loop timer, for the earliest.
 * An entry lives in its owner's record (no allocation per timer).
 * Everything runs on the loop thread.
 */
#ifndef BLKMON_TIMERQ_H
#define BLKMON_TIMERQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

struct bk_timerq_entry {
    int64_t due_ns;
    uint64_t seq;              /* ties fire in the order they were added */
    size_t pos;                /* in the heap; (size_t)-1 when not queued */
    void (*fn)(struct bk_timerq_entry *e);
};

struct bk_timerq {
    struct bk_loop *loop;
    struct bk_timerq_entry **heap;
    size_t n, cap;
    uint64_t seq;
    int timer;                 /* the loop timer, 0 when none */
    int64_t timer_due;         /* what it is set for */
};

/* An entry starts off the queue. */
static inline void bk_timerq_entry_init(struct bk_timerq_entry *e)
{
    e->pos = (size_t)-1;
}

void bk_timerq_init(struct bk_timerq *q, struct bk_loop *loop);
/* Entries still queued are dropped without firing. */
void bk_timerq_fini(struct bk_timerq *q);
/* Call e->fn(e) on the loop thread ns nanoseconds from now. */
void bk_timerq_add(struct bk_timerq *q, struct bk_timerq_entry *e,
                   int64_t ns, void (*fn)(struct bk_timerq_entry *e));
/* Take e off the queue if it is on it. */
void bk_timerq_del(struct bk_timerq *q, struct bk_timerq_entry *e);
bool bk_timerq_queued(const struct bk_timerq_entry *e);

#endif
