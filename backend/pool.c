/*
 * pool.c — worker threads that run blocking system calls.
 *
 * The work item is embedded in whatever needs it (an io), so submitting
 * allocates nothing.  Workers run work(), then append the item to the done
 * list and, if that list was empty, wake the loop through an eventfd.  The
 * loop runs done() — never a worker — so all request state stays on the
 * loop thread.  A lane's items (node.h) go on the queue while fewer than
 * its width are queued or running, else they wait on the lane, and the
 * lane's workers take them from there when they end an item.
 *
 * Shutdown sets `stopping` and broadcasts; workers finish the queue first,
 * so nothing submitted is dropped.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/loop.h"

enum { POOL_DEFAULT_THREADS = 16, POOL_MIN_DEFAULT_THREADS = 2,
       POOL_MAX_THREADS = 256,
       POOL_SPIN_MAX_INFLIGHT = 2,
       POOL_WORKER_SPIN_NS = 50000,
       POOL_YIELD_LOST_NS = 20000,
       /* A lane's items per run(), so the first of a long queue do not
        * wait for the last. */
       POOL_LANE_BATCH = 128 };

/* Append the list first..last to the done list; wake the loop if it was
 * empty.  The items may be freed by the loop as soon as this returns. */
static void pool_push_done(struct bk_pool *pool, struct bk_work *first,
                           struct bk_work *last, unsigned n)
{
    bool was_empty;

    last->next = NULL;
    pthread_mutex_lock(&pool->done_lock);
    was_empty = pool->done_head == NULL;
    if (pool->done_tail != NULL)
        pool->done_tail->next = first;
    else
        pool->done_head = first;
    pool->done_tail = last;
    atomic_fetch_add(&pool->ndone, n);
    pthread_mutex_unlock(&pool->done_lock);
    /* A loop spinning in bk_pool_spin sees ndone move (see loop_spinning
     * in loop.h): the write and the loop's read of the eventfd are two
     * system calls saved per completion at queue depth 1. */
    if (was_empty && !atomic_load(&pool->loop_spinning)) {
        uint64_t one = 1;
        /* A full counter still wakes the loop; nothing to handle. */
        if (write(pool->wake_fd, &one, sizeof(one)) < 0) {
        }
    }
}

/* Take up to POOL_LANE_BATCH of the items waiting on lane (queue_lock
 * held); NULL when none. */
static struct bk_work *pool_lane_take(struct bk_lane *lane)
{
    struct bk_work *first = lane->head, *last = first;

    if (first == NULL)
        return NULL;
    for (int n = 1; n < POOL_LANE_BATCH && last->next != NULL; n++)
        last = last->next;
    lane->head = last->next;
    if (lane->head == NULL)
        lane->tail = NULL;
    last->next = NULL;
    return first;
}

/* Run w, then what waits on its lane, until nothing does. */
static void pool_run_lane(struct bk_pool *pool, struct bk_work *w)
{
    struct bk_lane *lane = w->lane;
    struct bk_work *items = w;

    w->next = NULL;
    while (items != NULL) {
        struct bk_work *last = items, *next;
        unsigned n = 1;

        lane->run(lane, items);
        while (last->next != NULL) {
            last = last->next;
            n++;
        }
        /*
         * Done with the lane before handing the items back: once they are
         * done the device may be closed and the lane freed with it.
         */
        pthread_mutex_lock(&pool->queue_lock);
        next = pool_lane_take(lane);
        if (next == NULL)
            lane->running--;
        pthread_mutex_unlock(&pool->queue_lock);
        pool_push_done(pool, items, last, n);
        items = next;
    }
}

/*
 * Yield the CPU in a busy-wait; false when that gave it away for a while
 * (POOL_YIELD_LOST_NS): other threads wanted the CPU and got it, and the
 * spinner had better sleep, to be woken when its item comes, than go on
 * handing its turns away.  On an idle CPU a yield returns at once, and the
 * spins below go on as before.  With the 2 CPUs shared with other work
 * (load average about 4), 4k writes at QD1 through the pool (the NBD
 * export with the TUI open, 20k requests): 1.37 s spinning whatever the
 * yields cost, 1.08 s stopping (medians of 7, fio's nbd engine).
 */
static bool pool_yield(void)
{
    int64_t t0 = bk_now_ns();

    sched_yield();
    return bk_now_ns() - t0 < POOL_YIELD_LOST_NS;
}

/*
 * Busy-wait up to POOL_WORKER_SPIN_NS for an item to be queued, yielding
 * the CPU at each turn: when other processes keep the CPUs busy, the
 * thread that would queue the item may be waiting for this one's CPU.
 * With one CPU kept busy by another process, 4k writes at QD1 on the pool
 * took 16.4 s for 130k spinning without yielding, 2.1 to 2.8 s yielding,
 * and 10 s with no spinning at all.  The same holds for the loop's spin
 * (bk_pool_spin).
 */
static void pool_spin_for_work(struct bk_pool *pool)
{
    int64_t until = bk_now_ns() + POOL_WORKER_SPIN_NS;

    while (atomic_load_explicit(&pool->nqueued, memory_order_relaxed) == 0 &&
           bk_now_ns() < until && pool_yield())
        ;
}

/*
 * A worker that has just ended an item busy-waits a little for the next
 * one before it sleeps, if no other worker does already.  When requests
 * come one or two at a time, the next item comes a few microseconds after
 * the last ended, and a sleeping worker costs a futex wake-up and an
 * interrupt between CPUs, slow in a VM: 4k buffered writes at QD1 on the
 * pool took 36 us each at p50 with every worker asleep, 5.8 us with one
 * spinning (the system call alone: 5 us); 130k random ones at QD2, 2.42 s
 * and 1.48 s.  One spinner at most, so that the loop thread and the
 * worker running the call keep the CPUs on a small machine.
 */
static void *pool_worker(void *arg)
{
    struct bk_pool *pool = arg;
    bool may_spin = false;

    pthread_mutex_lock(&pool->queue_lock);
    for (;;) {
        struct bk_work *w = pool->queue_head;

        if (w == NULL) {
            if (pool->stopping)
                break;   /* and the queue is drained */
            if (may_spin && pool->nspinning == 0) {
                pool->nspinning++;
                pthread_mutex_unlock(&pool->queue_lock);
                pool_spin_for_work(pool);
                pthread_mutex_lock(&pool->queue_lock);
                pool->nspinning--;
                may_spin = false;
                continue;
            }
            pthread_cond_wait(&pool->queue_cond, &pool->queue_lock);
            continue;
        }
        pool->queue_head = w->next;
        if (pool->queue_head == NULL)
            pool->queue_tail = NULL;
        atomic_fetch_sub_explicit(&pool->nqueued, 1, memory_order_relaxed);
        pthread_mutex_unlock(&pool->queue_lock);

        if (w->lane != NULL) {
            pool_run_lane(pool, w);
        } else {
            w->work(w);
            pool_push_done(pool, w, w, 1);
        }
        may_spin = true;
        pthread_mutex_lock(&pool->queue_lock);
    }
    pthread_mutex_unlock(&pool->queue_lock);
    return NULL;
}

static int pool_thread_count(int requested)
{
    const char *env = getenv("BLKMON_WORKERS");

    if (requested <= 0 && env != NULL)
        requested = atoi(env);
    if (requested <= 0) {
        /*
         * One worker per CPU, 2 to 16.  More only trade places on the CPUs
         * when the calls do not block (the page cache) and fight over the
         * inode lock when they write one file: on 2 CPUs, 4k writes at
         * depth 32 took 0.48 s with 2 workers, 0.59 s with 4 and 0.79 s
         * with 8; reads 0.28 s with 2 and 0.36 s with 4.  Deep device
         * queues are the io_uring engine's job; BLKMON_WORKERS overrides.
         */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        requested = cpus > 0 ? (int)cpus : POOL_DEFAULT_THREADS;
        if (requested < POOL_MIN_DEFAULT_THREADS)
            requested = POOL_MIN_DEFAULT_THREADS;
        if (requested > POOL_DEFAULT_THREADS)
            requested = POOL_DEFAULT_THREADS;
    }
    return requested > POOL_MAX_THREADS ? POOL_MAX_THREADS : requested;
}

int bk_pool_init(struct bk_pool *pool, int nworkers)
{
    int n = pool_thread_count(nworkers);

    pool->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pool->wake_fd < 0)
        return -errno;
    pthread_mutex_init(&pool->queue_lock, NULL);
    pthread_cond_init(&pool->queue_cond, NULL);
    pthread_mutex_init(&pool->done_lock, NULL);
    pool->queue_head = pool->queue_tail = NULL;
    pool->done_head = pool->done_tail = NULL;
    pool->stopping = false;
    pool->nspinning = 0;
    atomic_init(&pool->nqueued, 0);
    atomic_init(&pool->inflight, 0);
    atomic_init(&pool->ndone, 0);
    atomic_init(&pool->loop_spinning, false);
    pool->threads = calloc((size_t)n, sizeof(*pool->threads));
    if (pool->threads == NULL) {
        close(pool->wake_fd);
        return -ENOMEM;
    }
    for (pool->nthreads = 0; pool->nthreads < n; pool->nthreads++) {
        if (pthread_create(&pool->threads[pool->nthreads], NULL, pool_worker,
                           pool) != 0)
            break;
    }
    if (pool->nthreads == 0) {
        free(pool->threads);
        close(pool->wake_fd);
        return -EAGAIN;
    }
    return 0;
}

void bk_pool_destroy(struct bk_pool *pool)
{
    pthread_mutex_lock(&pool->queue_lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->queue_cond);
    pthread_mutex_unlock(&pool->queue_lock);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    /* Items finished but never collected: run their callbacks now. */
    while (bk_pool_run_one_done(pool))
        ;
    free(pool->threads);
    close(pool->wake_fd);
    pthread_mutex_destroy(&pool->queue_lock);
    pthread_cond_destroy(&pool->queue_cond);
    pthread_mutex_destroy(&pool->done_lock);
}

/* Put w on the queue (queue_lock held); wake a sleeping worker unless a
 * spinning one will take it. */
static void pool_enqueue(struct bk_pool *pool, struct bk_work *w)
{
    unsigned queued;

    if (pool->queue_tail != NULL)
        pool->queue_tail->next = w;
    else
        pool->queue_head = w;
    pool->queue_tail = w;
    queued = atomic_fetch_add_explicit(&pool->nqueued, 1,
                                       memory_order_relaxed) + 1;
    if (queued > pool->nspinning)
        pthread_cond_signal(&pool->queue_cond);
}

void bk_pool_submit(struct bk_loop *loop, struct bk_work *w)
{
    struct bk_pool *pool = &loop->pool;

    w->next = NULL;
    w->lane = NULL;
    atomic_fetch_add_explicit(&pool->inflight, 1, memory_order_relaxed);
    pthread_mutex_lock(&pool->queue_lock);
    pool_enqueue(pool, w);
    pthread_mutex_unlock(&pool->queue_lock);
}

void bk_pool_submit_lane(struct bk_loop *loop, struct bk_lane *lane,
                         struct bk_work *w)
{
    struct bk_pool *pool = &loop->pool;

    w->next = NULL;
    w->lane = lane;
    atomic_fetch_add_explicit(&pool->inflight, 1, memory_order_relaxed);
    pthread_mutex_lock(&pool->queue_lock);
    if (lane->running >= lane->width) {
        /* The next of the lane's workers to end an item takes this one. */
        if (lane->tail != NULL)
            lane->tail->next = w;
        else
            lane->head = w;
        lane->tail = w;
    } else {
        lane->running++;
        pool_enqueue(pool, w);
    }
    pthread_mutex_unlock(&pool->queue_lock);
}

void bk_pool_done_here(struct bk_loop *loop, struct bk_work *w)
{
    struct bk_pool *pool = &loop->pool;

    w->next = NULL;
    w->lane = NULL;
    atomic_fetch_add_explicit(&pool->inflight, 1, memory_order_relaxed);
    pthread_mutex_lock(&pool->done_lock);
    if (pool->done_tail != NULL)
        pool->done_tail->next = w;
    else
        pool->done_head = w;
    pool->done_tail = w;
    atomic_fetch_add(&pool->ndone, 1);
    pthread_mutex_unlock(&pool->done_lock);
}

int bk_pool_wake_fd(struct bk_pool *pool)
{
    return pool->wake_fd;
}

void bk_pool_ack_wake(struct bk_pool *pool)
{
    uint64_t n;

    if (read(pool->wake_fd, &n, sizeof(n)) < 0) {
        /* EAGAIN: another pass already consumed it. */
    }
}

bool bk_pool_run_one_done(struct bk_pool *pool)
{
    struct bk_work *w;

    /* Every pass asks; most find nothing, and need not take the lock to
     * learn it (a worker counts its item in ndone after linking it, and
     * then wakes the loop or is seen by its spin). */
    if (atomic_load_explicit(&pool->ndone, memory_order_acquire) == 0)
        return false;
    pthread_mutex_lock(&pool->done_lock);
    w = pool->done_head;
    if (w != NULL) {
        pool->done_head = w->next;
        if (pool->done_head == NULL)
            pool->done_tail = NULL;
        atomic_fetch_sub_explicit(&pool->ndone, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&pool->done_lock);
    if (w == NULL)
        return false;
    atomic_fetch_sub_explicit(&pool->inflight, 1, memory_order_relaxed);
    w->done(w);
    return true;
}

bool bk_pool_spin(struct bk_pool *pool, int64_t ns)
{
    int64_t until;

    unsigned n = atomic_load_explicit(&pool->inflight, memory_order_relaxed);

    /*
     * Only for a short queue: with many items the workers need every CPU
     * there is, and a spinning loop thread would take one from them
     * (measured: 4k reads at depth 32 took twice as long on 2 CPUs).
     */
    if (n == 0 || n > POOL_SPIN_MAX_INFLIGHT)
        return false;
    atomic_store(&pool->loop_spinning, true);
    until = bk_now_ns() + ns;
    do {
        if (atomic_load(&pool->ndone) > 0)
            break;
    } while (pool_yield() && bk_now_ns() < until);
    atomic_store(&pool->loop_spinning, false);
    /* A worker that saw the flag still set wrote no eventfd: its item is
     * counted in ndone by now, and the caller must not sleep on it. */
    return atomic_load(&pool->ndone) > 0;
}
