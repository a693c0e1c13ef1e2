/*
 * work.c — a front end's own work on the loop's pool (bk_loop_run_work).
 *
 * Front ends do not see struct bk_work (node.h), so each call wraps the
 * caller's function in a small allocation that lives until done() has run.
 * The allocation is nothing next to the work it carries: filling or
 * comparing a buffer of a megabyte or more.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "backend/node.h"

struct loop_work {
    struct bk_work work;
    void (*fn)(void *arg);
    void (*done)(void *arg);
    void *arg;
};

static struct loop_work *work_of(struct bk_work *w)
{
    return (struct loop_work *)((char *)w - offsetof(struct loop_work, work));
}

static void work_run(struct bk_work *w)
{
    struct loop_work *lw = work_of(w);

    lw->fn(lw->arg);
}

static void work_done(struct bk_work *w)
{
    struct loop_work *lw = work_of(w);

    lw->done(lw->arg);
    free(lw);
}

int bk_loop_run_work(struct bk_loop *loop, void (*fn)(void *arg),
                     void (*done)(void *arg), void *arg)
{
    struct loop_work *lw = calloc(1, sizeof(*lw));

    if (lw == NULL)
        return -ENOMEM;
    lw->work.work = work_run;
    lw->work.done = work_done;
    lw->fn = fn;
    lw->done = done;
    lw->arg = arg;
    bk_pool_submit(loop, &lw->work);
    return 0;
}
