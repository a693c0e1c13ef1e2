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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2.h"

struct qcow2_task {
    struct bk_io *io;
    int (*fn)(struct bk_io *io);
    int ret;
};

static void task_main(void *arg)
{
    struct qcow2_task *t = arg;

    t->ret = t->fn(t->io);
}

static void task_exit(void *arg)
{
    struct qcow2_task *t = arg;
    struct bk_io *io = t->io;
    int ret = t->ret;

    free(t);
    bk_io_complete(io, ret);
}

void qcow2_spawn(struct bk_io *io, int (*fn)(struct bk_io *io))
{
    struct qcow2_task *t = malloc(sizeof(*t));
    struct bk_co *co;

    if (t == NULL)
        abort();
    *t = (struct qcow2_task){ .io = io, .fn = fn };
    co = bk_co_new(task_main, t);
    bk_co_set_data(co, t);
    bk_co_on_exit(co, task_exit, t);
    bk_co_enter(co);
}

struct bk_req *qcow2_current_req(void)
{
    struct bk_co *co = bk_co_self();
    struct qcow2_task *t = co != NULL ? bk_co_data(co) : NULL;

    return t != NULL ? t->io->req : NULL;
}

/* ---- child ios ---------------------------------------------------------- */

static void child_done(struct bk_io *child)
{
    bk_co_wait_done(child->cb_arg);
}

/* Submit op on node and wait for it. */
static int node_io(struct bk_node *node, enum bk_op op, int64_t offset,
                   int64_t bytes, struct iovec *iov, int iovcnt,
                   unsigned flags)
{
    struct bk_co_wait w;
    struct bk_io *child;
    int ret;

    bk_co_wait_init(&w);
    child = bk_io_new(node, op, offset, bytes, iov, iovcnt, flags,
                      qcow2_current_req(), child_done, &w);
    bk_node_submit(child);
    bk_co_wait_for(&w);
    ret = child->ret;
    bk_io_free(child);
    /* A write past the end grows the file and what sits on it. */
    if (ret >= 0 && (op == BK_OP_WRITE || op == BK_OP_WRITE_ZEROES))
        for (struct bk_node *n = node; n != NULL; n = n->file)
            if (offset + bytes > n->total_bytes)
                n->total_bytes = offset + bytes;
    return ret < 0 ? ret : 0;
}

int qcow2_file_pread(struct qcow2_state *s, int64_t offset, void *buf,
                     size_t bytes)
{
    struct iovec one = { buf, bytes };

    return node_io(s->node->file, BK_OP_READ, offset, (int64_t)bytes, &one, 1,
                   0);
}

int qcow2_file_pwrite(struct qcow2_state *s, int64_t offset, const void *buf,
                      size_t bytes)
{
    struct iovec one = { (void *)buf, bytes };

    return node_io(s->node->file, BK_OP_WRITE, offset, (int64_t)bytes, &one,
                   1, 0);
}

int qcow2_file_flush(struct qcow2_state *s)
{
    return node_io(s->node->file, BK_OP_FLUSH, 0, 0, NULL, 0, 0);
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
    return node_io(s->node->file, BK_OP_READ, offset, bytes, iov, iovcnt, 0);
}

int qcow2_file_pwritev(struct qcow2_state *s, int64_t offset,
                       struct iovec *iov, int iovcnt, int64_t bytes)
{
    return node_io(s->node->file, BK_OP_WRITE, offset, bytes, iov, iovcnt, 0);
}

int qcow2_file_zero(struct qcow2_state *s, int64_t offset, int64_t bytes,
                    unsigned flags)
{
    return node_io(s->node->file, BK_OP_WRITE_ZEROES, offset, bytes, NULL, 0,
                   flags);
}

int qcow2_file_discard(struct qcow2_state *s, int64_t offset, int64_t bytes)
{
    return node_io(s->node->file, BK_OP_DISCARD, offset, bytes, NULL, 0, 0);
}

int qcow2_node_preadv(struct bk_node *node, int64_t offset,
                      struct iovec *iov, int iovcnt, int64_t bytes)
{
    return node_io(node, BK_OP_READ, offset, bytes, iov, iovcnt, 0);
}

int qcow2_node_flush(struct bk_node *node)
{
    return node_io(node, BK_OP_FLUSH, 0, 0, NULL, 0, 0);
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
    struct bk_co_wait w;
    struct bk_io *io;

    if (file == NULL || file->drv->debug_event == NULL)
        return;
    bk_co_wait_init(&w);
    /* The record stands for the request while the event may park it. */
    io = bk_io_new(file, req != NULL ? req->op : BK_OP_READ, 0, 0, NULL, 0,
                   0, req, NULL, &w);
    bk_node_event(file, ev, io, event_cont);
    bk_co_wait_for(&w);
    bk_io_free(io);
}

/* ---- corruption ----------------------------------------------------------- */

void qcow2_signal_corruption(struct qcow2_state *s, bool fatal,
                             const char *fmt, ...)
{
    char *msg, *text;
    va_list ap;

    fatal = fatal && (s->node->open_flags & BK_O_RDWR);
    if (s->signaled_corruption &&
        (!fatal || (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT)))
        return;
    va_start(ap, fmt);
    msg = vstrfmt(fmt, ap);
    va_end(ap);
    text = fatal ? strfmt("qcow2: Marking image as corrupt: %s; further "
                          "corruption events will be suppressed", msg)
                 : strfmt("qcow2: Image is corrupt: %s; further non-fatal "
                          "corruption events will be suppressed", msg);
    if (text != NULL)
        bk_stack_message(s->node->stack, BK_MSG_PLAIN, text);
    free(text);
    free(msg);
    if (fatal) {
        qcow2_mark_corrupt(s);
        s->broken = true;   /* QEMU drops the driver: ENOMEDIUM from now */
    }
    s->signaled_corruption = true;
}

/*
 * The inactive L2 tables (overlap-check=all or overlap-check.inactive-l2):
 * each snapshot's L1 table is read from the file to find them.  A
 * snapshot table that QEMU would not load fails the check (-EFBIG or
 * -EINVAL), which fails the write.
 */
static int overlap_inactive_l2(struct qcow2_state *s, int64_t offset,
                               int64_t size)
{
    int64_t csize = s->cluster_size;

    size = (qcow2_offset_into_cluster(s, (uint64_t)offset) + size + csize -
            1) & ~(csize - 1);
    offset = (int64_t)qcow2_start_of_cluster(s, (uint64_t)offset);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        uint64_t l1_ofs = s->snapshots[i].l1_table_offset;
        uint32_t l1_sz = s->snapshots[i].l1_size;
        uint64_t *l1;
        int ret;

        if ((uint64_t)l1_sz > QCOW2_MAX_L1_SIZE / 8)
            return -EFBIG;
        if ((uint64_t)INT64_MAX - (uint64_t)l1_sz * 8 < l1_ofs ||
            qcow2_offset_into_cluster(s, l1_ofs))
            return -EINVAL;
        l1 = malloc((size_t)l1_sz * 8 + 1);
        if (l1 == NULL)
            return -ENOMEM;
        ret = qcow2_file_pread(s, (int64_t)l1_ofs, l1, (size_t)l1_sz * 8);
        for (uint32_t j = 0; ret == 0 && j < l1_sz; j++) {
            uint64_t l2 = qcow2_be64(&l1[j]) & QCOW2_L1E_OFFSET_MASK;

            if (l2 && l2 < (uint64_t)(offset + size) &&
                (uint64_t)offset < l2 + (uint64_t)csize)
                ret = QCOW2_OL_INACTIVE_L2;
        }
        free(l1);
        if (ret != 0)
            return ret;
    }
    return 0;
}

int qcow2_pre_write_overlap_check(struct qcow2_state *s, int ign,
                                  int64_t offset, int64_t size,
                                  bool data_file)
{
    struct qcow2_layout l;
    int hit, bit;

    (void)data_file;   /* an external data file is never checked */
    if ((s->overlap_check & ~ign) == 0 || size == 0)
        return 0;
    l = qcow2_layout_of(s);
    /* QEMU's order: inactive L2 tables come before the bitmap directory. */
    hit = qcow2_overlap_check(&l, s->overlap_check & ~ign &
                                      ~QCOW2_OL_BITMAP_DIRECTORY,
                              offset, size);
    if (hit == 0 && (s->overlap_check & ~ign & QCOW2_OL_INACTIVE_L2) &&
        s->snapshots != NULL)
        hit = overlap_inactive_l2(s, offset, size);
    if (hit == 0)
        hit = qcow2_overlap_check(&l, s->overlap_check & ~ign &
                                          QCOW2_OL_BITMAP_DIRECTORY,
                                  offset, size);
    if (hit < 0)
        return hit;
    if (hit == 0)
        return 0;
    bit = __builtin_ctz((unsigned)hit);
    qcow2_signal_corruption(s, true, "Preventing invalid write on metadata "
                            "(overlaps with %s)", qcow2_overlap_names[bit]);
    return -EIO;
}

/* ---- iovec arrays ----------------------------------------------------------- */

void qcow2_iov_init(struct qcow2_iov *q)
{
    q->v = NULL;
    q->n = q->cap = 0;
}

void qcow2_iov_reset(struct qcow2_iov *q)
{
    q->n = 0;
}

void qcow2_iov_destroy(struct qcow2_iov *q)
{
    free(q->v);
    qcow2_iov_init(q);
}

void qcow2_iov_add(struct qcow2_iov *q, void *base, size_t len)
{
    if (len == 0)
        return;
    if (q->n == q->cap) {
        int cap = q->cap ? 2 * q->cap : 4;
        struct iovec *v = realloc(q->v, (size_t)cap * sizeof(*v));

        if (v == NULL)
            abort();
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (struct iovec){ base, len };
}

void qcow2_iov_concat(struct qcow2_iov *q, const struct iovec *iov, int n,
                      size_t skip, size_t len)
{
    for (int i = 0; i < n && len > 0; i++) {
        size_t l = iov[i].iov_len;

        if (skip >= l) {
            skip -= l;
            continue;
        }
        l -= skip;
        if (l > len)
            l = len;
        qcow2_iov_add(q, (char *)iov[i].iov_base + skip, l);
        len -= l;
        skip = 0;
    }
}

int qcow2_iov_count(const struct iovec *iov, int n, size_t skip, size_t len)
{
    int count = 0;

    for (int i = 0; i < n && len > 0; i++) {
        size_t l = iov[i].iov_len;

        if (skip >= l) {
            skip -= l;
            continue;
        }
        l -= skip;
        len -= l < len ? l : len;
        skip = 0;
        count++;
    }
    return count;
}

void qcow2_iov_memset(const struct iovec *iov, int n, size_t skip, int c,
                      size_t len)
{
    for (int i = 0; i < n && len > 0; i++) {
        size_t l = iov[i].iov_len;

        if (skip >= l) {
            skip -= l;
            continue;
        }
        l -= skip;
        if (l > len)
            l = len;
        memset((char *)iov[i].iov_base + skip, c, l);
        len -= l;
        skip = 0;
    }
}

size_t qcow2_iov_total(const struct qcow2_iov *q)
{
    return bk_iov_size(q->v, q->n);
}
