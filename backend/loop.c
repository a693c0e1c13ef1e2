/*
 * loop.c — the event loop that owns all request state.
 *
 * One pass of bk_loop_iterate: run one completed work item or deferred call
 * if any is ready, else sleep in poll(2) on the watched descriptors and the
 * pool's wake-up eventfd until something happens or the nearest timer is
 * due, then run what became ready.
 *
 * Why one item at a time: a callback may nest (a synchronous command inside
 * a completion, say) and wait for another request whose completion is
 * already queued.  Taking the whole queue out first would hide that
 * completion from the nested loop and deadlock; popping one by one keeps
 * every ready item visible to whoever iterates next.
 *
 * Timers live in a small array scanned linearly: front ends own a handful
 * (redraw, sampling), so a heap would buy nothing.  Whoever needs many
 * (blkdebug's delayed requests) keeps its own queue behind one timer.
 * Timers count in nanoseconds and the pass sleeps in ppoll(2), whose
 * timeout is a timespec: with poll(2)'s milliseconds rounded up, a 1.5 ms
 * blkdebug delay came out at 2.09 ms (bench at QD1, p50); with ppoll at
 * 1.60 ms.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/loop.h"

enum { LOOP_BEFORE_SLEEP_MAX_MS = 50 };
/* Ready items one pass runs before it peeks at descriptors. */
#define LOOP_BATCH 16
/* How long a pass busy-waits for the pool before sleeping, and for a
 * client's next request after serving one. */
#define LOOP_SPIN_NS 50000

struct loop_fd {
    int fd;
    short events;       /* poll(2) events: POLLIN unless set otherwise */
    bk_fd_fn *fn;
    void *arg;
    bool (*busy)(void *arg);   /* an engine's: NULL for other watchers */
    bool client;               /* bk_loop_add_client_fd */
};

struct loop_timer {
    int id;
    int64_t due_ns;
    bk_timer_fn *fn;
    void *arg;
};

struct loop_defer {
    void (*fn)(void *arg);
    void *arg;
    struct loop_defer *next;
};

/*
 * A request that ends later (a null or blkdebug completion, a woken
 * waiter) passes through a deferred call: records that ran are kept for
 * the next ones, as io records are (iorec.c), rather than a malloc and a
 * free per request.  AddressSanitizer builds keep none.
 */
enum { LOOP_DEFER_SPARE_MAX = 256 };

int64_t bk_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct bk_loop *bk_loop_new(int nworkers)
{
    struct bk_loop *loop = calloc(1, sizeof(*loop));

    if (loop == NULL)
        return NULL;
    if (bk_pool_init(&loop->pool, nworkers) < 0) {
        free(loop);
        return NULL;
    }
    return loop;
}

void bk_loop_free(struct bk_loop *loop)
{
    struct loop_defer *d;

    if (loop == NULL)
        return;
    bk_pool_destroy(&loop->pool);
    while ((d = loop->defer_head) != NULL) {
        loop->defer_head = d->next;
        free(d);
    }
    spares_free(&loop->defer_spare);
    free(loop->fds);
    free(loop->timers);
    free(loop);
}

/* Watch w->fd; one watched already takes w's handler and kind, and keeps
 * the events it waits for. */
static int loop_watch(struct bk_loop *loop, const struct loop_fd *w)
{
    struct loop_fd *n;

    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == w->fd) {
            short events = loop->fds[i].events;

            loop->fds[i] = *w;
            loop->fds[i].events = events;
            return 0;
        }
    }
    n = realloc(loop->fds, (loop->nfds + 1) * sizeof(*n));
    if (n == NULL)
        return -ENOMEM;
    loop->fds = n;
    loop->fds[loop->nfds++] = *w;
    return 0;
}

int bk_loop_add_engine_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn,
                          void *arg, bool (*busy)(void *arg))
{
    return loop_watch(loop, &(struct loop_fd){ fd, POLLIN, fn, arg, busy,
                                               false });
}

int bk_loop_add_client_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn,
                          void *arg, bool (*busy)(void *arg))
{
    return loop_watch(loop, &(struct loop_fd){ fd, POLLIN, fn, arg, busy,
                                               true });
}

int bk_loop_add_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn, void *arg)
{
    return bk_loop_add_engine_fd(loop, fd, fn, arg, NULL);
}

int bk_loop_add_peer_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn,
                        void *arg, bool (*busy)(void *arg))
{
    return bk_loop_add_engine_fd(loop, fd, fn, arg, busy);
}

bool bk_loop_idle(const struct bk_loop *loop)
{
    if (loop->defer_head != NULL || loop->ntimers > 0 ||
        loop->before_sleep != NULL || loop->requests > 1 ||
        atomic_load_explicit(&loop->pool.inflight, memory_order_relaxed) > 0)
        return false;
    for (size_t i = 0; i < loop->nfds; i++)
        if (loop->fds[i].busy == NULL || loop->fds[i].busy(loop->fds[i].arg))
            return false;
    return true;
}

int bk_loop_fd_events(struct bk_loop *loop, int fd, unsigned events)
{
    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == fd) {
            loop->fds[i].events = (short)(((events & BK_FD_READ) ? POLLIN : 0) |
                                          ((events & BK_FD_WRITE) ? POLLOUT : 0));
            return 0;
        }
    }
    return -ENOENT;
}

void bk_loop_del_fd(struct bk_loop *loop, int fd)
{
    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == fd) {
            loop->fds[i] = loop->fds[--loop->nfds];
            return;
        }
    }
}

int bk_loop_add_timer(struct bk_loop *loop, long ms, bk_timer_fn *fn,
                      void *arg)
{
    return bk_loop_add_timer_ns(loop, (int64_t)ms * 1000000, fn, arg);
}

int bk_loop_add_timer_ns(struct bk_loop *loop, int64_t ns, bk_timer_fn *fn,
                         void *arg)
{
    struct loop_timer *n = realloc(loop->timers,
                                   (loop->ntimers + 1) * sizeof(*n));

    if (n == NULL)
        return -ENOMEM;
    loop->timers = n;
    loop->timers[loop->ntimers] = (struct loop_timer){
        .id = ++loop->timer_seq,
        .due_ns = bk_now_ns() + ns,
        .fn = fn,
        .arg = arg,
    };
    loop->ntimers++;
    return loop->timer_seq;
}

void bk_loop_del_timer(struct bk_loop *loop, int id)
{
    for (size_t i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i].id == id) {
            loop->timers[i] = loop->timers[--loop->ntimers];
            return;
        }
    }
}

void bk_loop_set_before_sleep(struct bk_loop *loop, bk_idle_fn *fn, void *arg)
{
    loop->before_sleep = fn;
    loop->before_sleep_arg = arg;
}

void bk_loop_defer(struct bk_loop *loop, void (*fn)(void *arg), void *arg)
{
    struct loop_defer *d = spares_take(&loop->defer_spare);

    if (d == NULL && (d = malloc(sizeof(*d))) == NULL) {
        abort();   /* a lost continuation would hang a request forever */
    }
    d->fn = fn;
    d->arg = arg;
    d->next = NULL;
    if (loop->defer_tail != NULL)
        loop->defer_tail->next = d;
    else
        loop->defer_head = d;
    loop->defer_tail = d;
}

/* Run one deferred call; false when there was none. */
static bool loop_run_one_deferred(struct bk_loop *loop)
{
    struct loop_defer *d = loop->defer_head;
    void (*fn)(void *arg);
    void *arg;

    if (d == NULL)
        return false;
    fn = d->fn;
    arg = d->arg;
    loop->defer_head = d->next;
    if (loop->defer_head == NULL)
        loop->defer_tail = NULL;
    /* Spare before the call: what it defers may take the record. */
    spares_put(&loop->defer_spare, d, LOOP_DEFER_SPARE_MAX);
    fn(arg);
    return true;
}

/* Run due timers; returns ns until the next one, or -1 when none, and
 * 0 when one ran: its callback may have ended what the caller waits for,
 * so the pass must not then sleep. */
static int64_t loop_run_timers(struct bk_loop *loop)
{
    bool fired = false;
    int64_t now = bk_now_ns();
    int64_t next = -1;

    for (size_t i = 0; i < loop->ntimers; i++) {
        struct loop_timer *t = &loop->timers[i];

        if (t->due_ns <= now) {
            int id = t->id;
            long again = t->fn(loop, t->arg);

            loop->ran++;

            fired = true;
            /* The handler may have added or removed timers: find it again. */
            for (i = 0; i < loop->ntimers && loop->timers[i].id != id; i++)
                ;
            if (i == loop->ntimers) {
                i = (size_t)-1;   /* restart the scan */
                continue;
            }
            if (again < 0) {
                loop->timers[i] = loop->timers[--loop->ntimers];
                i = (size_t)-1;
                continue;
            }
            loop->timers[i].due_ns = now + (int64_t)again * 1000000;
            t = &loop->timers[i];
        }
        if (next < 0 || t->due_ns < next)
            next = t->due_ns;
    }
    if (fired)
        return 0;
    if (next < 0)
        return -1;
    return next - now > 0 ? next - now : 0;
}

void bk_loop_set_iterate_hook(struct bk_loop *loop, bk_iterate_hook_fn *fn,
                              void *arg)
{
    loop->iterate_hook = fn;
    loop->iterate_hook_arg = arg;
}

static void loop_pass(struct bk_loop *loop, int timeout_ms);

uint64_t bk_loop_ran(const struct bk_loop *loop)
{
    return loop->ran;
}

void bk_loop_iterate(struct bk_loop *loop, int timeout_ms)
{
    if (loop->iterate_hook != NULL &&
        loop->iterate_hook(loop, &timeout_ms, loop->depth > 0,
                           loop->iterate_hook_arg))
        return;
    loop->depth++;
    loop_pass(loop, timeout_ms);
    loop->depth--;
}

/*
 * Busy-wait for the watched descriptors until LOOP_SPIN_NS after a client
 * was last served, within the pass's timeout: true when one is ready.  A
 * client at depth 1 sends its next request some microseconds after its
 * answer, and waking a thread whose CPU went idle costs more than that on
 * this machine (two virtual CPUs).  fio's nbd engine, 40k 4k random
 * requests, asleep in poll against awake: reads at depth 1, 2.0-2.1 s and
 * 0.85-0.98 s; writes at depth 1, 1.9-2.5 s and 0.83-0.96 s; writes at
 * depth 32, 0.27-0.29 s and 0.17 s (nbdkit's file plugin: 1.7, 1.4-1.7
 * and 0.19-0.20 s).  The wait yields, so that a client sharing the CPU
 * runs.  The pool's spin (pool.c) is the same idea for its workers.
 */
static bool loop_spin_for_client(struct bk_loop *loop, struct pollfd *pfd,
                                 size_t npfd, int64_t timeout_ns)
{
    int64_t now = bk_now_ns(), until = loop->client_ns + LOOP_SPIN_NS;
    static const struct timespec zero;

    if (timeout_ns > 0 && now + timeout_ns < until)
        until = now + timeout_ns;
    while (now < until) {
        if (ppoll(pfd, npfd, &zero, NULL) != 0)
            return true;
        sched_yield();
        now = bk_now_ns();
    }
    return false;
}

static void loop_pass(struct bk_loop *loop, int timeout_ms)
{
    struct pollfd stack_pfd[16];
    struct pollfd *pfd = stack_pfd;
    size_t npfd = loop->nfds + 1;
    int64_t timer_ns, timeout_ns;
    struct timespec ts;
    bool ran_items = false;
    int n;

    /*
     * Ready work first, one item; then only peek at descriptors, so a
     * stream of completions cannot starve the terminal or stdin.
     */
    for (int i = 0; i < LOOP_BATCH; i++) {
        if (!bk_pool_run_one_done(&loop->pool) &&
            !loop_run_one_deferred(loop))
            break;
        loop->ran++;
        timeout_ms = 0;
        ran_items = true;
    }
    /*
     * What ran may have ended what the caller waits for: the pass must not
     * sleep.  It peeks at descriptors only while more work is ready, which
     * would otherwise keep running before them; with none, the next pass
     * polls anyway, and a peek now is a system call for nothing (one per
     * request an NBD export serves at depth 1).  Due timers still run.
     */
    if (ran_items && loop->defer_head == NULL &&
        atomic_load_explicit(&loop->pool.ndone, memory_order_relaxed) == 0) {
        loop_run_timers(loop);
        return;
    }

    timeout_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
    timer_ns = loop_run_timers(loop);
    if (timer_ns >= 0 && (timeout_ns < 0 || timer_ns < timeout_ns))
        timeout_ns = timer_ns;
    /* Below: zero or not is all that matters of timeout_ms. */
    if (timeout_ns == 0)
        timeout_ms = 0;
    /* Work on the pool usually ends within microseconds (a read from the
     * page cache): wait for it awake rather than pay a sleep and a
     * wake-up, as QEMU's adaptive polling does. */
    if (timeout_ms != 0 && bk_pool_spin(&loop->pool, LOOP_SPIN_NS)) {
        timeout_ms = 0;
        timeout_ns = 0;
    }
    /*
     * before_sleep runs when the loop is about to sleep, and also at least
     * every LOOP_BEFORE_SLEEP_MAX_MS while a stream of completions keeps it
     * from ever sleeping: a screen must not freeze under load.
     */
    if (loop->before_sleep != NULL &&
        (timeout_ms != 0 ||
         bk_now_ns() - loop->before_sleep_ns >
             LOOP_BEFORE_SLEEP_MAX_MS * 1000000LL)) {
        loop->before_sleep_ns = bk_now_ns();
        loop->before_sleep(loop, loop->before_sleep_arg);
    }
    /* before_sleep, timers or a spin's end may have left work (a deferred
     * call, I/O done on this thread: bk_pool_done_here): don't sleep on
     * it. */
    if (loop->defer_head != NULL ||
        atomic_load_explicit(&loop->pool.ndone, memory_order_relaxed) > 0)
        timeout_ns = 0;

    if (npfd > sizeof(stack_pfd) / sizeof(stack_pfd[0])) {
        pfd = malloc(npfd * sizeof(*pfd));
        if (pfd == NULL)
            abort();
    }
    pfd[0] = (struct pollfd){ .fd = bk_pool_wake_fd(&loop->pool),
                              .events = POLLIN };
    /* A descriptor watched for nothing is left out (fd -1): poll would
     * still report its hang-up, again and again. */
    for (size_t i = 0; i < loop->nfds; i++)
        pfd[i + 1] = (struct pollfd){
            .fd = loop->fds[i].events ? loop->fds[i].fd : -1,
            .events = loop->fds[i].events };
    if (timeout_ns != 0 && loop_spin_for_client(loop, pfd, npfd, timeout_ns))
        timeout_ns = 0;
    ts.tv_sec = timeout_ns / 1000000000;
    ts.tv_nsec = timeout_ns % 1000000000;
    n = ppoll(pfd, npfd, timeout_ns < 0 ? NULL : &ts, NULL);
    if (n > 0) {
        if (pfd[0].revents)
            bk_pool_ack_wake(&loop->pool);
        /*
         * Handlers may add or remove descriptors: look each one up again
         * by number rather than trusting the index.
         */
        for (size_t i = 1; i < npfd; i++) {
            if (pfd[i].revents == 0)
                continue;
            for (size_t j = 0; j < loop->nfds; j++) {
                if (loop->fds[j].fd == pfd[i].fd) {
                    bool client = loop->fds[j].client;

                    loop->ran++;
                    loop->fds[j].fn(loop, pfd[i].fd, loop->fds[j].arg);
                    if (client)
                        loop->client_ns = bk_now_ns();
                    break;
                }
            }
        }
    }
    if (pfd != stack_pfd)
        free(pfd);
    loop_run_timers(loop);
}
