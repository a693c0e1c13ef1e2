/*
 * qcow2-io.c — how qcow2 code talks to the rest of the backend.
 *
 * Every request on a qcow2 node runs in its own coroutine (backend/coro.h
 * says why): a *task*.  The task's code reads and writes the image file
 * through child ios on the node's "file", exactly as a raw node forwards
 * data, and waits for each by yielding; so metadata I/O passes blkdebug
 * like any I/O (a rule can fail it, a breakpoint can park it) and the loop
 * thread never blocks.  Debug events are fired at the file the same way,
 * with a small io record standing for the request while it may be parked.
 *
 * A task ends on the thread's own stack (bk_co_on_exit): its io completes
 * there, never from inside a coroutine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

struct spawn_task {
    struct bk_io *io;
    int (*fn)(struct bk_io *io);
    int ret;
    const char *what;            /* the last event it fired (sub-requests) */
};

/*
 * Ended task records stay on the state for the next request, as io
 * records stay on their node (iorec.c), rather than a malloc and a free
 * per request.  AddressSanitizer builds keep none.
 */
enum { QCOW2_SPARE_TASKS_MAX = 64 };

void qcow2_free_spare_tasks(struct qcow2_state *s)
{
    spares_free(&s->spare_tasks);
}

static void task_main(void *arg)
{
    struct spawn_task *t = arg;

    t->ret = t->fn(t->io);
}

static void task_exit(void *arg)
{
    struct spawn_task *t = arg;
    struct bk_io *io = t->io;
    struct qcow2_state *s = io->node->state;
    int ret = t->ret;

    spares_put(&s->spare_tasks, t, QCOW2_SPARE_TASKS_MAX);
    bk_io_complete(io, ret);
}

void qcow2_spawn(struct bk_io *io, int (*fn)(struct bk_io *io))
{
    struct qcow2_state *s = io->node->state;
    struct spawn_task *t = spares_take(&s->spare_tasks);
    struct bk_co *co;

    if (t == NULL && (t = malloc(sizeof(*t))) == NULL) {
        abort();
    }
    *t = (struct spawn_task){ .io = io, .fn = fn };
    co = bk_co_new(task_main, t);
    bk_co_set_data(co, t);
    bk_co_on_exit(co, task_exit, t);
    bk_co_enter(co);
}

struct sync_ctx {
    int (*fn)(void *arg);
    void *arg;
    int ret;
    bool done;
};

static void sync_main(void *arg)
{
    struct sync_ctx *c = arg;

    c->ret = c->fn(c->arg);
    c->done = true;
}

int qcow2_run_sync(struct bk_node *node, int (*fn)(void *arg), void *arg)
{
    struct sync_ctx c = { .fn = fn, .arg = arg };

    bk_co_enter(bk_co_new(sync_main, &c));
    while (!c.done)
        bk_loop_iterate(node->loop, -1);
    return c.ret;
}

static struct spawn_task *current_task(void)
{
    struct bk_co *co = bk_co_self();

    return co != NULL ? bk_co_data(co) : NULL;
}

struct bk_req *qcow2_current_req(void)
{
    struct spawn_task *t = current_task();

    return t != NULL ? t->io->req : NULL;
}

/* ---- sub-requests: what the TUI's Requests pane lists ------------------ */

/*
 * Each child io and each event that may park the task is on the state's
 * list while it lasts (the record lives on the waiting coroutine's stack).
 * It is named by the last event the task fired: QEMU announces each
 * metadata I/O by an event just before it (l2_load, then the read), and
 * the writes of one step share theirs (cow_write, then two writes).  Work
 * outside a request (open, close) keeps its name in the state.
 */
static const char **what_slot(struct qcow2_state *s)
{
    struct spawn_task *t = current_task();

    return t != NULL ? &t->what : &s->sync_what;
}

static void sub_begin(struct qcow2_state *s, struct qcow2_sub *sub,
                      enum bk_op op, int64_t offset, int64_t bytes,
                      bool at_event)
{
    sub->pub = (struct bk_subreq){
        .req = qcow2_current_req(), .what = *what_slot(s), .op = op,
        .offset = offset, .bytes = bytes, .at_event = at_event,
    };
    sub->next = NULL;
    sub->prev = s->subs_tail;
    if (s->subs_tail != NULL)
        s->subs_tail->next = sub;
    else
        s->subs = sub;
    s->subs_tail = sub;
}

static void sub_end(struct qcow2_state *s, struct qcow2_sub *sub)
{
    if (sub->prev != NULL)
        sub->prev->next = sub->next;
    else
        s->subs = sub->next;
    if (sub->next != NULL)
        sub->next->prev = sub->prev;
    else
        s->subs_tail = sub->prev;
}

void qcow2_for_each_subreq(struct bk_node *node,
                           void (*fn)(const struct bk_subreq *sub, void *arg),
                           void *arg)
{
    struct qcow2_state *s = node->state;

    for (struct qcow2_sub *sub = s != NULL ? s->subs : NULL; sub != NULL;
         sub = sub->next)
        fn(&sub->pub, arg);
}

/* ---- child ios ---------------------------------------------------------- */

static void child_done(struct bk_io *child)
{
    bk_co_wait_done(child->cb_arg);
}

/* Submit op on node for s (NULL: a look that is no sub-request) and
 * wait for it. */
static int node_io(struct qcow2_state *s, struct bk_node *node, enum bk_op op,
                   int64_t offset, int64_t bytes, struct iovec *iov,
                   int iovcnt, unsigned flags)
{
    struct qcow2_sub sub;
    struct bk_co_wait w;
    struct bk_io *child;
    int ret;

    bk_co_wait_init(&w);
    child = bk_io_new(node, op, offset, bytes, iov, iovcnt, flags,
                      qcow2_current_req(), child_done, &w);
    if (s != NULL)
        sub_begin(s, &sub, op, offset, bytes, false);
    bk_node_submit(child);
    bk_co_wait_for(&w);
    if (s != NULL)
        sub_end(s, &sub);
    ret = child->ret;
    bk_io_free(child);
    return ret < 0 ? ret : 0;
}

int qcow2_file_pread(struct qcow2_state *s, int64_t offset, void *buf,
                     size_t bytes)
{
    struct iovec one = { buf, bytes };

    return node_io(s, s->node->file, BK_OP_READ, offset, (int64_t)bytes, &one,
                   1, 0);
}

int qcow2_file_pwrite(struct qcow2_state *s, int64_t offset, const void *buf,
                      size_t bytes)
{
    struct iovec one = { (void *)buf, bytes };

    return node_io(s, s->node->file, BK_OP_WRITE, offset, (int64_t)bytes, &one,
                   1, 0);
}

int qcow2_file_peek(struct qcow2_state *s, int64_t offset, void *buf,
                    size_t bytes)
{
    struct bk_node *n = s->node->file;
    struct iovec one = { buf, bytes };

    while (n->file != NULL)
        n = n->file;
    /* Past the end reads as zeroes (a table the file does not reach). */
    if (offset >= n->total_bytes) {
        memset(buf, 0, bytes);
        return 0;
    }
    if (offset + (int64_t)bytes > n->total_bytes) {
        memset((char *)buf + (n->total_bytes - offset), 0,
               (size_t)(offset + (int64_t)bytes - n->total_bytes));
        one.iov_len = (size_t)(n->total_bytes - offset);
    }
    return node_io(NULL, n, BK_OP_READ, offset, (int64_t)one.iov_len, &one,
                   1, 0);
}

int qcow2_file_truncate(struct qcow2_state *s, int64_t len, unsigned flags)
{
    return node_io(s, s->node->file, BK_OP_TRUNCATE, len, 0, NULL, 0, flags);
}

int qcow2_file_flush(struct qcow2_state *s)
{
    return node_io(s, s->node->file, BK_OP_FLUSH, 0, 0, NULL, 0, 0);
}

int qcow2_file_pwrite_sync(struct qcow2_state *s, int64_t offset,
                           const void *buf, size_t bytes)
{
    int ret = qcow2_file_pwrite(s, offset, buf, bytes);

    return ret < 0 ? ret : qcow2_file_flush(s);
}

int qcow2_file_preadv(struct qcow2_state *s, int64_t offset,
                      struct iovec *iov, int iovcnt, int64_t bytes)
{
    return node_io(s, s->node->file, BK_OP_READ, offset, bytes, iov, iovcnt,
                   0);
}

int qcow2_file_pwritev(struct qcow2_state *s, int64_t offset,
                       struct iovec *iov, int iovcnt, int64_t bytes)
{
    return node_io(s, s->node->file, BK_OP_WRITE, offset, bytes, iov, iovcnt,
                   0);
}

int qcow2_file_zero(struct qcow2_state *s, int64_t offset, int64_t bytes,
                    unsigned flags)
{
    return node_io(s, s->node->file, BK_OP_WRITE_ZEROES, offset, bytes, NULL,
                   0, flags);
}

int qcow2_file_discard(struct qcow2_state *s, int64_t offset, int64_t bytes)
{
    return node_io(s, s->node->file, BK_OP_DISCARD, offset, bytes, NULL, 0, 0);
}

/* ---- the data file (the image file itself, or an external one) -------- */

int qcow2_data_preadv(struct qcow2_state *s, int64_t offset,
                      struct iovec *iov, int iovcnt, int64_t bytes)
{
    return node_io(s, s->data_file, BK_OP_READ, offset, bytes, iov, iovcnt, 0);
}

int qcow2_data_pwritev(struct qcow2_state *s, int64_t offset,
                       struct iovec *iov, int iovcnt, int64_t bytes)
{
    return node_io(s, s->data_file, BK_OP_WRITE, offset, bytes, iov, iovcnt,
                   0);
}

int qcow2_data_zero(struct qcow2_state *s, int64_t offset, int64_t bytes,
                    unsigned flags)
{
    return node_io(s, s->data_file, BK_OP_WRITE_ZEROES, offset, bytes, NULL, 0,
                   flags);
}

int qcow2_data_discard(struct qcow2_state *s, int64_t offset, int64_t bytes)
{
    return node_io(s, s->data_file, BK_OP_DISCARD, offset, bytes, NULL, 0, 0);
}

int qcow2_data_truncate(struct qcow2_state *s, int64_t len, unsigned flags)
{
    return node_io(s, s->data_file, BK_OP_TRUNCATE, len, 0, NULL, 0, flags);
}

int qcow2_node_preadv(struct qcow2_state *s, struct bk_node *node,
                      int64_t offset, struct iovec *iov, int iovcnt,
                      int64_t bytes)
{
    return node_io(s, node, BK_OP_READ, offset, bytes, iov, iovcnt, 0);
}

int qcow2_node_flush(struct qcow2_state *s, struct bk_node *node)
{
    return node_io(s, node, BK_OP_FLUSH, 0, 0, NULL, 0, 0);
}

/* ---- events ------------------------------------------------------------- */

static void event_cont(struct bk_io *io)
{
    bk_co_wait_done(io->cb_arg);
}

void qcow2_event(struct qcow2_state *s, enum rules_event ev)
{
    struct bk_node *file = s->node->file;
    struct bk_req *req = qcow2_current_req();
    struct qcow2_sub sub;
    struct bk_co_wait w;
    struct bk_io *io;

    *what_slot(s) = rules_event_names[ev];
    if (file == NULL || file->drv->debug_event == NULL)
        return;
    bk_co_wait_init(&w);
    /* The record stands for the request while the event may park it. */
    io = bk_io_new(file, req != NULL ? req->op : BK_OP_READ, 0, 0, NULL, 0,
                   0, req, NULL, &w);
    sub_begin(s, &sub, io->op, req != NULL ? req->offset : 0,
              req != NULL ? req->bytes : 0, true);
    bk_node_event(file, ev, io, event_cont);
    bk_co_wait_for(&w);
    sub_end(s, &sub);
    bk_io_free(io);
}

/* ---- iovec arrays ------------------------------------------------------- */

void qcow2_iov_init(struct qcow2_iov *q)
{
    q->v = q->inl;
    q->n = 0;
    q->cap = (int)(sizeof(q->inl) / sizeof(q->inl[0]));
}

void qcow2_iov_reset(struct qcow2_iov *q)
{
    q->n = 0;
}

void qcow2_iov_destroy(struct qcow2_iov *q)
{
    if (q->v != q->inl)
        free(q->v);
    qcow2_iov_init(q);
}

void qcow2_iov_add(struct qcow2_iov *q, void *base, size_t len)
{
    if (len == 0)
        return;
    if (q->n == q->cap) {
        int cap = 2 * q->cap;
        struct iovec *v = malloc((size_t)cap * sizeof(*v));

        if (v == NULL)
            abort();
        memcpy(v, q->v, (size_t)q->n * sizeof(*v));
        if (q->v != q->inl)
            free(q->v);
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (struct iovec){ base, len };
}

/*
 * The part of buffer v that [*skip, +*len) of an array takes, walking the
 * array buffer by buffer: its length (0 when v lies wholly before the
 * range) and *base; *skip and *len move past v.
 */
static size_t iov_piece(const struct iovec *v, size_t *skip, size_t *len,
                        char **base)
{
    size_t l = v->iov_len;

    if (*skip >= l) {
        *skip -= l;
        return 0;
    }
    l -= *skip;
    if (l > *len)
        l = *len;
    *base = (char *)v->iov_base + *skip;
    *len -= l;
    *skip = 0;
    return l;
}

void qcow2_iov_concat(struct qcow2_iov *q, const struct iovec *iov, int n,
                      size_t skip, size_t len)
{
    for (int i = 0; i < n && len > 0; i++) {
        char *base;
        size_t l = iov_piece(&iov[i], &skip, &len, &base);

        if (l > 0)
            qcow2_iov_add(q, base, l);
    }
}

int qcow2_iov_count(const struct iovec *iov, int n, size_t skip, size_t len)
{
    int count = 0;

    for (int i = 0; i < n && len > 0; i++) {
        char *base;

        count += iov_piece(&iov[i], &skip, &len, &base) > 0;
    }
    return count;
}

size_t qcow2_iov_total(const struct qcow2_iov *q)
{
    return bk_iov_size(q->v, q->n);
}
