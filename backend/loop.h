/*
 * loop.h — the loop and its worker pool, private to backend/.
 */
#ifndef BLKMON_LOOP_H
#define BLKMON_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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

    pthread_mutex_t done_lock;
    struct bk_work *done_head, *done_tail;     /* done_lock */

    int wake_fd;                               /* eventfd */
    /* For the loop's short busy-wait (bk_pool_spin): items submitted whose
     * done() has not run, and items on the done list.  Hints only; the
     * lists under their locks stay the truth. */
    atomic_uint inflight;
    atomic_uint ndone;
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

struct loop_fd;
struct loop_timer;
struct loop_defer;

struct bk_loop {
    struct bk_pool pool;
    struct loop_fd *fds;
    size_t nfds;
    struct loop_timer *timers;
    size_t ntimers;
    int timer_seq;
    struct loop_defer *defer_head, *defer_tail;
    bk_idle_fn *before_sleep;
    void *before_sleep_arg;
    int64_t before_sleep_ns;    /* when it last ran */
    bk_iterate_hook_fn *iterate_hook;
    void *iterate_hook_arg;
    unsigned depth;             /* passes running on the stack now */
    uint64_t ran;               /* callbacks run, ever: moves when anything
                                   happened */
};

#endif
