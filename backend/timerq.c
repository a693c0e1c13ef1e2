/*
 * timerq.c — a heap of timers behind one loop timer (see timerq.h).
 *
 * The loop timer is set for the heap's earliest entry; when it fires it
 * runs every entry due by then, earliest first, and sets itself again for
 * the next.  An entry added ahead of the earliest moves the loop timer.
 * Firing order is (due time, order added), so equal delays keep request
 * order.
 */
#include <stdlib.h>

#include "backend/timerq.h"

static long timerq_fire(struct bk_loop *loop, void *arg);

static bool before(const struct bk_timerq_entry *a,
                   const struct bk_timerq_entry *b)
{
    return a->due_ns != b->due_ns ? a->due_ns < b->due_ns : a->seq < b->seq;
}

static void heap_set(struct bk_timerq *q, size_t i, struct bk_timerq_entry *e)
{
    q->heap[i] = e;
    e->pos = i;
}

static void sift_up(struct bk_timerq *q, size_t i)
{
    struct bk_timerq_entry *e = q->heap[i];

    while (i > 0 && before(e, q->heap[(i - 1) / 2])) {
        heap_set(q, i, q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(q, i, e);
}

static void sift_down(struct bk_timerq *q, size_t i)
{
    struct bk_timerq_entry *e = q->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= q->n)
            break;
        if (c + 1 < q->n && before(q->heap[c + 1], q->heap[c]))
            c++;
        if (!before(q->heap[c], e))
            break;
        heap_set(q, i, q->heap[c]);
        i = c;
    }
    heap_set(q, i, e);
}

/* Point the loop timer at the earliest entry (or drop it). */
static void rearm(struct bk_timerq *q)
{
    int64_t due, now;

    if (q->n == 0) {
        if (q->timer > 0)
            bk_loop_del_timer(q->loop, q->timer);
        q->timer = 0;
        return;
    }
    due = q->heap[0]->due_ns;
    if (q->timer > 0 && q->timer_due == due)
        return;
    if (q->timer > 0)
        bk_loop_del_timer(q->loop, q->timer);
    now = bk_now_ns();
    q->timer = bk_loop_add_timer_ns(q->loop, due > now ? due - now : 0,
                                    timerq_fire, q);
    if (q->timer < 0)
        abort();   /* a lost timer would hang its requests for ever */
    q->timer_due = due;
}

void bk_timerq_init(struct bk_timerq *q, struct bk_loop *loop)
{
    *q = (struct bk_timerq){ .loop = loop };
}

void bk_timerq_fini(struct bk_timerq *q)
{
    for (size_t i = 0; i < q->n; i++)
        q->heap[i]->pos = (size_t)-1;
    q->n = 0;
    rearm(q);
    free(q->heap);
    q->heap = NULL;
}

bool bk_timerq_queued(const struct bk_timerq_entry *e)
{
    return e->pos != (size_t)-1;
}

void bk_timerq_add(struct bk_timerq *q, struct bk_timerq_entry *e,
                   int64_t ns, void (*fn)(struct bk_timerq_entry *e))
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 64;
        q->heap = realloc(q->heap, q->cap * sizeof(*q->heap));
        if (q->heap == NULL)
            abort();
    }
    e->due_ns = bk_now_ns() + (ns > 0 ? ns : 0);
    e->seq = q->seq++;
    e->fn = fn;
    heap_set(q, q->n++, e);
    sift_up(q, q->n - 1);
    rearm(q);
}

static void heap_remove(struct bk_timerq *q, size_t i)
{
    struct bk_timerq_entry *last = q->heap[--q->n];

    q->heap[i]->pos = (size_t)-1;
    if (i == q->n)
        return;
    heap_set(q, i, last);
    sift_down(q, i);
    sift_up(q, last->pos);
}

void bk_timerq_del(struct bk_timerq *q, struct bk_timerq_entry *e)
{
    if (!bk_timerq_queued(e))
        return;
    heap_remove(q, e->pos);
    rearm(q);
}

static long timerq_fire(struct bk_loop *loop, void *arg)
{
    struct bk_timerq *q = arg;
    int64_t now = bk_now_ns();

    (void)loop;
    /* The loop drops this timer on -1; entries set it again. */
    q->timer = 0;
    while (q->n > 0 && q->heap[0]->due_ns <= now) {
        struct bk_timerq_entry *e = q->heap[0];

        heap_remove(q, 0);
        e->fn(e);
    }
    rearm(q);
    return -1;
}
