/*
 * coro.h — coroutines on the loop thread, for format drivers.
 *
 * A format driver such as qcow2 does many small dependent metadata reads
 * and writes per request, at points decided deep inside its allocation
 * logic (a cache miss while looking up a refcount, a refcount block that
 * must be allocated while allocating a cluster...).  Writing each of those
 * as a callback state machine would bury the on-disk logic, whose order
 * is the point (it must match QEMU's), so such drivers run each request in
 * a *coroutine*: a function with its own stack that can *yield* back to
 * the loop while an io it submitted is in flight, and is *entered* again
 * from that io's completion.  Nothing blocks: a parked metadata io is still
 * a parked record, and the loop thread goes on running other work.
 *
 * Scheduling follows QEMU's: a coroutine woken (bk_co_wake) by a running
 * coroutine runs right after the waker yields or ends, before control
 * goes back to the loop; woken from outside any coroutine, it runs at
 * once.  Everything here belongs to the thread that runs it (the loop
 * thread); coroutines never move between threads.
 */
#ifndef BLKMON_CORO_H
#define BLKMON_CORO_H

#include <stdbool.h>

struct bk_co;
struct bk_loop;

typedef void bk_co_fn(void *arg);

/* A new coroutine that will run fn(arg) when first entered.  It is freed
 * when fn returns.  Aborts when no memory is left for its stack. */
struct bk_co *bk_co_new(bk_co_fn *fn, void *arg);
/* Run co until it yields or ends.  From inside a coroutine, co runs
 * nested and control comes back here when it yields. */
void bk_co_enter(struct bk_co *co);
/* Give control back to whoever entered the running coroutine. */
void bk_co_yield(void);
/* The running coroutine, or NULL on the thread's own stack. */
struct bk_co *bk_co_self(void);
/* Make co go on: see the scheduling rule above.  co must be yielded. */
void bk_co_wake(struct bk_co *co);
/* A pointer the owner keeps with co (the request it serves, say). */
void bk_co_set_data(struct bk_co *co, void *data);
void *bk_co_data(const struct bk_co *co);
/*
 * Run fn(arg) once co has ended, on the thread's own stack: right after
 * it ends when it was entered from there, else when the outermost enter
 * returns.  So a completion that may start more work (or iterate the
 * loop) never runs on a coroutine stack.
 */
void bk_co_on_exit(struct bk_co *co, void (*fn)(void *arg), void *arg);

/*
 * One wait for a completion that may come before the waiter yields (an
 * io failed inline by a rule) or after.  Usage:
 *     struct bk_co_wait w; bk_co_wait_init(&w);
 *     start something whose callback calls bk_co_wait_done(&w);
 *     bk_co_wait_for(&w);
 */
struct bk_co_wait {
    struct bk_co *co;
    bool done;
    bool waiting;
};
void bk_co_wait_init(struct bk_co_wait *w);
void bk_co_wait_done(struct bk_co_wait *w);
void bk_co_wait_for(struct bk_co_wait *w);

/*
 * A FIFO of waiting coroutines (QEMU's CoQueue): wait yields until a
 * next/restart_all wakes it.
 */
struct bk_co_queue {
    struct bk_co *head, *tail;
};
void bk_co_queue_wait(struct bk_co_queue *q);
struct bk_co_mutex;
/* Wait with m held: queued, m released, and m taken again once woken. */
void bk_co_queue_wait_unlocked(struct bk_co_queue *q, struct bk_co_mutex *m);
bool bk_co_queue_next(struct bk_co_queue *q);
void bk_co_queue_restart_all(struct bk_co_queue *q);
bool bk_co_queue_empty(const struct bk_co_queue *q);

/* A lock held across yields (QEMU's CoMutex): FIFO hand-over. */
struct bk_co_mutex {
    bool locked;
    struct bk_co_queue waiters;
};
void bk_co_mutex_lock(struct bk_co_mutex *m);
void bk_co_mutex_unlock(struct bk_co_mutex *m);

#endif
