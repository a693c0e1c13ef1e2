/*
 * coro.c — coroutines: ucontext to make a stack, _setjmp/_longjmp to
 * switch.
 *
 * Words.  The *leader* is the thread's own stack, seen as a coroutine that
 * is never created or freed.  A coroutine's *caller* is whoever entered it
 * last; yielding or ending switches back there.  A coroutine woken by a
 * running one goes on the waker's *wake list* and is entered as soon as
 * the waker gives control back (QEMU's co_queue_wakeup), so a chain of
 * wake-ups runs in order without a trip through the loop.
 *
 * makecontext() is only used once per stack, to start it; every later
 * switch is a _longjmp, which does not save and restore the signal mask
 * (swapcontext makes a system call each time for that).  Ended coroutines
 * keep their stack in a small pool and are reused as they are.
 *
 * The sanitizers must be told about stack switches or they report
 * nonsense: AddressSanitizer's fiber calls carry the bounds of the stack
 * being switched to, ThreadSanitizer gets one fiber per stack.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "backend/coro.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define CO_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define CO_TSAN 1
#endif

/*
 * Stacks are reserved, not committed: a coroutine touches a few pages, and
 * 1 MiB leaves room for sanitizer builds, whose frames are several times
 * larger.
 */
enum { CO_STACK_SIZE = 1 << 20, CO_POOL_MAX = 64 };

struct bk_co {
    bk_co_fn *fn;
    void *arg;
    jmp_buf env;
    struct bk_co *caller;
    struct bk_co *wake_head, *wake_tail;   /* woken while this one ran */
    struct bk_co *next;        /* on a wake list, a queue or the pool */
    void *map;                 /* the mapping: guard page + stack */
    size_t map_size;
    void *stack;               /* lowest usable address */
    size_t stack_size;
    void *tsan_fiber;
    void *data;
    void (*exit_fn)(void *arg);
    void *exit_arg;
};

/* An exit hook waiting for the outermost enter to return. */
struct co_exit {
    void (*fn)(void *arg);
    void *arg;
};

struct co_thread {
    struct bk_co leader;
    struct bk_co *current;     /* NULL: the leader */
    struct bk_co *pool;
    unsigned npool;
    jmp_buf *boot;             /* where a new stack jumps back to */
    struct bk_co *boot_from;
    struct co_exit *exits;     /* hooks of coroutines that ended nested */
    size_t exits_head, nexits, exits_cap;
};

static _Thread_local struct co_thread co_t;

static struct bk_co *co_current(void)
{
    return co_t.current != NULL ? co_t.current : &co_t.leader;
}

/* ---- sanitizer notes ---------------------------------------------------- */

static void co_san_start(void **fake, const struct bk_co *to)
{
#ifdef CO_ASAN
    __sanitizer_start_switch_fiber(fake, to->stack, to->stack_size);
#else
    (void)fake;
#endif
#ifdef CO_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#else
    (void)to;
#endif
}

static void co_san_finish(void *fake)
{
#ifdef CO_ASAN
    const void *old_bottom;
    size_t old_size;

    __sanitizer_finish_switch_fiber(fake, &old_bottom, &old_size);
    /* The first switch of a thread comes from the leader: learn its stack. */
    if (co_t.leader.stack == NULL) {
        co_t.leader.stack = (void *)old_bottom;
        co_t.leader.stack_size = old_size;
    }
#else
    (void)fake;
#endif
}

static void co_leader_init(void)
{
#ifdef CO_TSAN
    if (co_t.leader.tsan_fiber == NULL)
        co_t.leader.tsan_fiber = __tsan_get_current_fiber();
#endif
}

/* ---- switching ------------------------------------------------------------ */

/* Leave from for to; returns when something switches back to from.  An
 * ending coroutine's frames are dead: its fake stack goes. */
static void co_switch(struct bk_co *from, struct bk_co *to, bool ending)
{
    void *fake = NULL;

    co_t.current = to == &co_t.leader ? NULL : to;
    if (_setjmp(from->env) == 0) {
        co_san_start(ending ? NULL : &fake, to);
        _longjmp(to->env, 1);
    }
    co_san_finish(fake);
}

static void co_trampoline(unsigned hi, unsigned lo)
{
    struct bk_co *self = (struct bk_co *)(((uintptr_t)hi << 32) | lo);
    void *fake = NULL;

    co_san_finish(NULL);
    /* Set up the place later switches jump to, and go back to bk_co_new. */
    if (_setjmp(self->env) == 0) {
        co_san_start(&fake, co_t.boot_from);
        _longjmp(*co_t.boot, 1);
    }
    co_san_finish(fake);
    for (;;) {
        self->fn(self->arg);
        self->fn = NULL;
        co_switch(self, self->caller, true);
    }
}

/* ---- creation ------------------------------------------------------------- */

/*
 * Start co's stack once: setcontext onto it, and the trampoline _longjmps
 * back to the _setjmp here.  (Not swapcontext: AddressSanitizer intercepts
 * that one and prints a warning on stderr, which would change what
 * blkmon prints; our place is saved by _setjmp anyway.)  Nothing here
 * lives across the _setjmp but co_t.
 */
static void co_boot(struct bk_co *co)
{
    ucontext_t uc;
    jmp_buf boot;
    void *fake = NULL;

    if (getcontext(&uc) != 0)
        abort();
    uc.uc_link = NULL;
    uc.uc_stack.ss_sp = co->stack;
    uc.uc_stack.ss_size = co->stack_size;
    uc.uc_stack.ss_flags = 0;
    makecontext(&uc, (void (*)(void))co_trampoline, 2,
                (unsigned)((uintptr_t)co >> 32), (unsigned)(uintptr_t)co);
    co_t.boot = &boot;
    co_t.boot_from = co_current();
    if (_setjmp(boot) == 0) {
        co_san_start(&fake, co);
        setcontext(&uc);
        abort();   /* setcontext returns only on failure */
    }
    co_san_finish(fake);
    co_t.boot = NULL;
    co_t.boot_from = NULL;
}

static struct bk_co *co_make(void)
{
    struct bk_co *co = calloc(1, sizeof(*co));
    size_t page = (size_t)sysconf(_SC_PAGESIZE);


    if (co == NULL)
        abort();
    co->map_size = CO_STACK_SIZE + page;
    co->map = mmap(NULL, co->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (co->map == MAP_FAILED)
        abort();
    /* A guard page below the stack turns an overflow into a fault. */
    if (mprotect(co->map, page, PROT_NONE) != 0)
        abort();
    co->stack = (char *)co->map + page;
    co->stack_size = CO_STACK_SIZE;
#ifdef CO_TSAN
    co->tsan_fiber = __tsan_create_fiber(0);
#endif
    co_boot(co);
    return co;
}

struct bk_co *bk_co_new(bk_co_fn *fn, void *arg)
{
    struct bk_co *co;

    co_leader_init();
    co = co_t.pool;
    if (co != NULL) {
        co_t.pool = co->next;
        co_t.npool--;
    } else {
        co = co_make();
    }
    co->fn = fn;
    co->arg = arg;
    co->data = NULL;
    co->exit_fn = NULL;
    co->caller = NULL;
    co->next = NULL;
    co->wake_head = co->wake_tail = NULL;
    return co;
}

static void co_free(struct bk_co *co)
{
    if (co_t.npool < CO_POOL_MAX) {
        co->next = co_t.pool;
        co_t.pool = co;
        co_t.npool++;
        return;
    }
#ifdef CO_TSAN
    __tsan_destroy_fiber(co->tsan_fiber);
#endif
    munmap(co->map, co->map_size);
    free(co);
}

/* ---- entering and yielding ----------------------------------------------- */

static void co_wake_list_append(struct bk_co *waker, struct bk_co *co)
{
    co->next = NULL;
    if (waker->wake_tail != NULL)
        waker->wake_tail->next = co;
    else
        waker->wake_head = co;
    waker->wake_tail = co;
}

static void co_exit_later(void (*fn)(void *), void *arg)
{
    if (co_t.nexits == co_t.exits_cap) {
        size_t cap = co_t.exits_cap ? 2 * co_t.exits_cap : 8;
        struct co_exit *e = realloc(co_t.exits, cap * sizeof(*e));

        if (e == NULL)
            abort();
        co_t.exits = e;
        co_t.exits_cap = cap;
    }
    co_t.exits[co_t.nexits++] = (struct co_exit){ fn, arg };
}

/* On the leader: run the hooks of ended coroutines, oldest first (a hook
 * may end more coroutines and add hooks; those run too). */
static void co_run_exits(void)
{
    /* A hook that enters coroutines runs this again: the shared head
     * keeps each hook to one run. */
    while (co_t.exits_head < co_t.nexits) {
        struct co_exit e = co_t.exits[co_t.exits_head++];

        e.fn(e.arg);
    }
    co_t.exits_head = co_t.nexits = 0;
}

void bk_co_set_data(struct bk_co *co, void *data)
{
    co->data = data;
}

void *bk_co_data(const struct bk_co *co)
{
    return co->data;
}

void bk_co_on_exit(struct bk_co *co, void (*fn)(void *arg), void *arg)
{
    co->exit_fn = fn;
    co->exit_arg = arg;
}

void bk_co_enter(struct bk_co *first)
{
    struct bk_co *from = co_current();
    struct bk_co *pending = first, *pending_tail = first;

    co_leader_init();
    first->next = NULL;
    while (pending != NULL) {
        struct bk_co *to = pending;

        pending = to->next;
        if (pending == NULL)
            pending_tail = NULL;
        to->next = NULL;
        if (to->caller != NULL) {
            fprintf(stderr, "blkmon: coroutine entered twice\n");
            abort();
        }
        to->caller = from;
        co_switch(from, to, false);
        /* Back: to yielded or ended.  What it woke runs first, in order. */
        to->caller = NULL;
        if (to->wake_head != NULL) {
            to->wake_tail->next = pending;
            if (pending == NULL)
                pending_tail = to->wake_tail;
            pending = to->wake_head;
            to->wake_head = to->wake_tail = NULL;
        }
        if (to->fn == NULL) {
            if (to->exit_fn != NULL)
                co_exit_later(to->exit_fn, to->exit_arg);
            co_free(to);
        }
    }
    (void)pending_tail;
    if (from == &co_t.leader)
        co_run_exits();
}

void bk_co_yield(void)
{
    struct bk_co *self = co_t.current;

    if (self == NULL) {
        fprintf(stderr, "blkmon: yield outside a coroutine\n");
        abort();
    }
    co_switch(self, self->caller, false);
}

struct bk_co *bk_co_self(void)
{
    return co_t.current;
}

void bk_co_wake(struct bk_co *co)
{
    if (co_t.current != NULL)
        co_wake_list_append(co_t.current, co);
    else
        bk_co_enter(co);
}

/* ---- waits -------------------------------------------------------------- */

void bk_co_wait_init(struct bk_co_wait *w)
{
    w->co = bk_co_self();
    w->done = false;
    w->waiting = false;
}

void bk_co_wait_done(struct bk_co_wait *w)
{
    w->done = true;
    if (w->waiting) {
        w->waiting = false;
        bk_co_wake(w->co);
    }
}

void bk_co_wait_for(struct bk_co_wait *w)
{
    while (!w->done) {
        w->waiting = true;
        bk_co_yield();
    }
}

/* ---- queues and locks ----------------------------------------------------- */

static void co_queue_add(struct bk_co_queue *q, struct bk_co *co)
{
    co->next = NULL;
    if (q->tail != NULL)
        q->tail->next = co;
    else
        q->head = co;
    q->tail = co;
}

void bk_co_queue_wait(struct bk_co_queue *q)
{
    co_queue_add(q, bk_co_self());
    bk_co_yield();
}

void bk_co_queue_wait_unlocked(struct bk_co_queue *q, struct bk_co_mutex *m)
{
    co_queue_add(q, bk_co_self());
    bk_co_mutex_unlock(m);
    bk_co_yield();
    bk_co_mutex_lock(m);
}

bool bk_co_queue_next(struct bk_co_queue *q)
{
    struct bk_co *co = q->head;

    if (co == NULL)
        return false;
    q->head = co->next;
    if (q->head == NULL)
        q->tail = NULL;
    co->next = NULL;
    bk_co_wake(co);
    return true;
}

void bk_co_queue_restart_all(struct bk_co_queue *q)
{
    while (bk_co_queue_next(q))
        ;
}

bool bk_co_queue_empty(const struct bk_co_queue *q)
{
    return q->head == NULL;
}

void bk_co_mutex_lock(struct bk_co_mutex *m)
{
    if (!m->locked) {
        m->locked = true;
        return;
    }
    /* Woken by unlock with the lock handed over. */
    bk_co_queue_wait(&m->waiters);
}

void bk_co_mutex_unlock(struct bk_co_mutex *m)
{
    if (!bk_co_queue_next(&m->waiters))
        m->locked = false;
}
