/*
 * loop.h — the loop and its worker pool, private to backend/.
 */
#ifndef BLKMON_LOOP_H
#define BLKMON_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "util/spares.h"
#include "backend/node.h"

/*
 * The pool.  Work goes in on `queue` (guarded by queue_lock, workers sleep
 * on queue_cond); finished work comes back on `done` (guarded by
 * done_lock), and the first item on an empty done list writes the eventfd
 * so the loop wakes.  A worker never holds both locks.
 */
struct bk_pool {
    pthread_mutex_t queue_lock;
    pthread_cond_t queue_cond;
    struct bk_work *queue_head, *queue_tail;   /* queue_lock */
    bool stopping;                             /* queue_lock */
    /* Workers busy-waiting for the next item instead of sleeping (at most
     * one, see pool_worker); a submitter leaves them to take it rather
     * than wake a sleeper.  nqueued is written under queue_lock and read
     * by the spinner without it. */
    unsigned nspinning;                        /* queue_lock */
    atomic_uint nqueued;

    pthread_mutex_t done_lock;
    struct bk_work *done_head, *done_tail;     /* done_lock */

    int wake_fd;                               /* eventfd */
    /* For the loop's short busy-wait (bk_pool_spin): items submitted whose
     * done() has not run, and items on the done list.  Hints only; the
     * lists under their locks stay the truth. */
    atomic_uint inflight;
    atomic_uint ndone;
    /* The loop is in bk_pool_spin, watching ndone: a worker that finishes
     * need not write the eventfd.  Both sides use sequentially consistent
     * operations (loop: clear the flag, then read ndone; worker: add to
     * ndone, then read the flag), so one of them always sees the other. */
    atomic_bool loop_spinning;
    pthread_t *threads;
    int nthreads;
};

int bk_pool_init(struct bk_pool *pool, int nworkers);
void bk_pool_destroy(struct bk_pool *pool);
int bk_pool_wake_fd(struct bk_pool *pool);
void bk_pool_ack_wake(struct bk_pool *pool);
/* Run the done callback of one finished item; false when none. */
bool bk_pool_run_one_done(struct bk_pool *pool);
/* With work on the pool, busy-wait up to ns for an item to finish; true
 * when one has.  Saves the loop a sleep and a wake-up per completion. */
bool bk_pool_spin(struct bk_pool *pool, int64_t ns);
/*
 * w's work was done on the loop thread itself: its done() runs from the
 * done list like a worker's item, after the items workers finished before
 * it and before those they finish after, so that completions keep the
 * order in which the I/O ended, whichever thread did it.  The loop does
 * not sleep while the done list holds anything.
 */
void bk_pool_done_here(struct bk_loop *loop, struct bk_work *w);

struct loop_fd;
struct loop_timer;
struct loop_defer;

/*
 * Watch fd for an I/O engine (the io_uring ring): as bk_loop_add_fd, and
 * busy(arg) tells whether the engine has anything in flight.  While it has
 * not, its descriptor has nothing to report and does not count as a
 * watcher for bk_loop_idle.
 */
int bk_loop_add_engine_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn,
                          void *arg, bool (*busy)(void *arg));
/*
 * Nothing but the caller's request waits on the loop: no deferred call, no
 * work on the pool, no timer, no before-sleep hook (a screen), and no
 * watched descriptor (stdin, signals) except idle engines', and no other
 * request open on the loop's devices.  A blocking call made now holds up no
 * one: the loop would only sleep until it ends.
 */
bool bk_loop_idle(const struct bk_loop *loop);

/* A device's request begins (+1) or ends (-1): bk_loop_idle counts them. */
static inline void bk_loop_note_request(struct bk_loop *loop, int delta);

struct bk_loop {
    struct bk_pool pool;
    struct loop_fd *fds;
    size_t nfds;
    struct loop_timer *timers;
    size_t ntimers;
    int timer_seq;
    struct loop_defer *defer_head, *defer_tail;
    struct spares defer_spare;          /* ran, kept for reuse (loop.c) */
    bk_idle_fn *before_sleep;
    void *before_sleep_arg;
    int64_t before_sleep_ns;    /* when it last ran */
    bk_iterate_hook_fn *iterate_hook;
    void *iterate_hook_arg;
    unsigned depth;             /* passes running on the stack now */
    uint64_t ran;               /* callbacks run, ever: moves when anything
                                   happened */
    size_t requests;            /* open on the loop's devices */
    int64_t client_ns;          /* a client fd's handler last ran */
};

static inline void bk_loop_note_request(struct bk_loop *loop, int delta)
{
    loop->requests += (size_t)delta;
}

#endif
