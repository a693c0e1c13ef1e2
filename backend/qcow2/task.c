/*
 * task.c — the pieces of one request run side by side (QEMU's aio task
 * pool, as qcow2 uses it).
 *
 * A request cut into pieces (a run of clusters of one type each) runs
 * each piece as a *task*, a coroutine of its own, up to eight at a time.
 * A task does not start at once: it starts when the request's coroutine
 * next yields (QEMU enters it with aio_co_enter from a coroutine), so the
 * order of metadata and data I/O is QEMU's.  A request of one piece runs
 * it inline, without a pool.  The first error of any task is the pool's.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

enum { QCOW2_MAX_WORKERS = 8 };

static void pool_wait_one(struct qcow2_task_pool *p)
{
    p->waiting = true;
    bk_co_yield();
}

static void task_main(void *arg)
{
    struct qcow2_task *t = arg;
    struct qcow2_task_pool *p = t->pool;
    int ret = t->fn(t);

    p->busy--;
    if (ret < 0 && p->status == 0)
        p->status = ret;
    free(t);
    if (p->waiting) {
        p->waiting = false;
        bk_co_wake(p->main_co);
    }
}

void qcow2_task_pool_init(struct qcow2_task_pool *p)
{
    *p = (struct qcow2_task_pool){ .main_co = bk_co_self() };
}

int qcow2_task_run(struct qcow2_task_pool *p, const struct qcow2_task *task)
{
    struct qcow2_task *t;
    struct bk_co *co;

    if (p == NULL)
        return task->fn((struct qcow2_task *)task);
    while (p->busy >= QCOW2_MAX_WORKERS)
        pool_wait_one(p);
    p->busy++;
    t = malloc(sizeof(*t));
    if (t == NULL)
        abort();
    *t = *task;
    t->pool = p;
    co = bk_co_new(task_main, t);
    /* Tasks serve the same request. */
    bk_co_set_data(co, bk_co_data(bk_co_self()));
    bk_co_wake(co);
    return 0;
}

int qcow2_task_pool_finish(struct qcow2_task_pool *p, int ret)
{
    if (p == NULL)
        return ret;
    while (p->busy > 0)
        pool_wait_one(p);
    return ret == 0 ? p->status : ret;
}
