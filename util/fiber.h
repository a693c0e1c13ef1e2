/*
 * fiber.h — stacks of their own for code written to wait synchronously.
 *
 * blkmon's commands wait by iterating the loop (a synchronous read, a
 * wait_break, a sleep): the waiting command stays on the stack while the
 * loop serves everything else above it.  Two commands of two clients
 * waiting at once would then nest, and the inner one would hold the outer
 * one's reply until it ends too.  A *fiber* gives a command a stack of its
 * own: where it would nest a pass, it *yields* to whoever resumed it, and
 * is resumed later, after the loop has run; any number can wait at once
 * and each returns as soon as its own condition holds.
 *
 * Fibers are cooperative and belong to one thread (the loop's): a fiber
 * runs only between fiber_resume and its next fiber_yield or its end,
 * so nothing it shares with the loop's stack needs a lock.  A fiber runs
 * one function; when it returns the fiber has *finished*.
 *
 * Built on makecontext/swapcontext, with the sanitizers told about each
 * switch (AddressSanitizer still warns once that it does not fully
 * support swapcontext).
 */
#ifndef BLKMON_UTIL_FIBER_H
#define BLKMON_UTIL_FIBER_H

#include <stdbool.h>
#include <stddef.h>

struct fiber;

typedef void fiber_fn(void *arg);

/* A fiber that will run fn(arg) on a stack of stack_size bytes (0: a
 * default fit for commands); NULL when out of memory. */
struct fiber *fiber_new(fiber_fn *fn, void *arg, size_t stack_size);
/* Free a fiber that has finished or never ran. */
void fiber_free(struct fiber *f);
/* Run f until it yields or finishes; true when it has finished.  Only
 * from the thread's own stack, never from a fiber. */
bool fiber_resume(struct fiber *f);
/* From a fiber: back to fiber_resume's caller. */
void fiber_yield(void);
/* The fiber running now, or NULL on the thread's own stack. */
struct fiber *fiber_current(void);
bool fiber_finished(const struct fiber *f);

#endif
