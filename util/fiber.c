/*
 * fiber.c — fibers on ucontext (see fiber.h).
 *
 * Each fiber owns an mmap'd stack with a guard page below it, so that an
 * overflow faults instead of scribbling over the heap.  A switch is a
 * swapcontext; the sanitizers need to hear of every one: AddressSanitizer
 * keeps per-stack bounds (start/finish_switch_fiber), ThreadSanitizer a
 * shadow call stack per fiber (switch_to_fiber).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "util/fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define FIBER_TSAN 1
#endif

/* Commands use a few KiB; the rest is for the backend below them and,
 * under AddressSanitizer, redzones around every frame. */
#if defined(FIBER_ASAN)
#define FIBER_STACK_DEFAULT (4u << 20)
#else
#define FIBER_STACK_DEFAULT (1u << 20)
#endif

struct fiber {
    ucontext_t ctx;
    ucontext_t caller;           /* where fiber_yield goes back to */
    fiber_fn *fn;
    void *arg;
    void *map;                   /* guard page + stack */
    size_t map_size;
    void *stack;
    size_t stack_size;
    bool started, finished;
#if defined(FIBER_ASAN)
    void *fake_stack;            /* the caller's, saved across the switch */
    const void *caller_bottom;   /* the caller's stack, as ASan gave it */
    size_t caller_size;
#endif
#if defined(FIBER_TSAN)
    void *tsan;
    void *tsan_caller;
#endif
};

static _Thread_local struct fiber *fiber_running;

struct fiber *fiber_current(void)
{
    return fiber_running;
}

bool fiber_finished(const struct fiber *f)
{
    return f->finished;
}

struct fiber *fiber_new(fiber_fn *fn, void *arg, size_t stack_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    struct fiber *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    if (stack_size == 0)
        stack_size = FIBER_STACK_DEFAULT;
    stack_size = (stack_size + page - 1) / page * page;
    f->map_size = stack_size + page;
    f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (f->map == MAP_FAILED) {
        free(f);
        return NULL;
    }
    /* The stack grows down onto the guard page. */
    mprotect(f->map, page, PROT_NONE);
    f->stack = (char *)f->map + page;
    f->stack_size = stack_size;
    f->fn = fn;
    f->arg = arg;
#if defined(FIBER_TSAN)
    f->tsan = __tsan_create_fiber(0);
#endif
    return f;
}

void fiber_free(struct fiber *f)
{
    if (f == NULL)
        return;
    if (f->started && !f->finished)
        abort();     /* its stack still holds frames someone will return to */
#if defined(FIBER_TSAN)
    __tsan_destroy_fiber(f->tsan);
#endif
    munmap(f->map, f->map_size);
    free(f);
}

/* Leave the fiber for its caller; last: it will never run again. */
static void fiber_switch_out(struct fiber *f, bool last)
{
#if defined(FIBER_ASAN)
    void *fake = NULL;

    __sanitizer_start_switch_fiber(last ? NULL : &fake, f->caller_bottom,
                                   f->caller_size);
#endif
#if defined(FIBER_TSAN)
    __tsan_switch_to_fiber(f->tsan_caller, 0);
#endif
    fiber_running = NULL;
    swapcontext(&f->ctx, &f->caller);
    /* Resumed: fiber_resume set fiber_running. */
#if defined(FIBER_ASAN)
    __sanitizer_finish_switch_fiber(fake, &f->caller_bottom, &f->caller_size);
#endif
}

/* makecontext passes ints: the fiber's address travels in two halves. */
static void fiber_entry(unsigned hi, unsigned lo)
{
    struct fiber *f = (struct fiber *)(((uintptr_t)hi << 32) | lo);

#if defined(FIBER_ASAN)
    __sanitizer_finish_switch_fiber(NULL, &f->caller_bottom, &f->caller_size);
#endif
    f->fn(f->arg);
    f->finished = true;
    fiber_switch_out(f, true);
    abort();   /* a finished fiber is never resumed */
}

bool fiber_resume(struct fiber *f)
{
#if defined(FIBER_ASAN)
    void *fake = NULL;
#endif

    if (f->finished)
        return true;
    if (fiber_running != NULL)
        abort();     /* fibers do not nest: only the thread's stack resumes */
    if (!f->started) {
        uintptr_t p = (uintptr_t)f;

        if (getcontext(&f->ctx) < 0)
            abort();
        f->ctx.uc_stack.ss_sp = f->stack;
        f->ctx.uc_stack.ss_size = f->stack_size;
        f->ctx.uc_link = NULL;
        makecontext(&f->ctx, (void (*)(void))fiber_entry, 2,
                    (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
        f->started = true;
    }
#if defined(FIBER_TSAN)
    f->tsan_caller = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(f->tsan, 0);
#endif
#if defined(FIBER_ASAN)
    __sanitizer_start_switch_fiber(&fake, f->stack, f->stack_size);
#endif
    fiber_running = f;
    swapcontext(&f->caller, &f->ctx);
#if defined(FIBER_ASAN)
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    return f->finished;
}

void fiber_yield(void)
{
    struct fiber *f = fiber_running;

    if (f == NULL)
        abort();     /* only a fiber can yield */
    fiber_switch_out(f, false);
}
