/*
 * uring.c — the io_uring engine (see uring.h).
 *
 * Words.  An *op* is one read, write or flush on the ring, carrying the
 * io it serves and, for reads and writes, its own copy of the vector so
 * that a short transfer can go on where it stopped.  *Pending* ops are
 * queued in the submission ring but not yet handed to the kernel.
 *
 * Everything runs on the loop thread.  The engine is driven by one
 * function, uring_run: hand pending ops to the kernel, take completions,
 * repeat while either produced something.  Completions usually queue new
 * ops (a completion callback submits the next request), and the kernel
 * often completes a buffered read inside the submitting call, so one
 * uring_run typically carries a whole chain of requests with one system
 * call per batch and no wake-up in between.  To keep the loop responsive
 * (terminal input, timers, the TUI's redraw), a run takes at most
 * URING_BUDGET completions, then leaves the rest to its next pass.
 *
 * uring_run is reached two ways: a deferred call (a "kick") scheduled when
 * an op is queued, and the ring's own descriptor, which the loop polls: it
 * reads ready while completions wait in the ring.  An eventfd registered
 * with the ring was measured first and dropped: the kernel signals it for
 * every completion, our own inline ones included, which cost 3-4% of a
 * queue-depth-1 read; polling the ring costs nothing while the loop is
 * busy, since the kernel only wakes pollers that sleep.  A completion a
 * kernel worker finishes is posted by our thread as task work; if the
 * thread sleeps in poll(2) the kernel wakes it to run that work, which
 * posts the completion and makes the ring ready.
 *
 * Semantics are the pool's (file.c): reads past the end of the file read
 * zeroes, a write that makes no progress is EIO, interrupted or
 * would-block transfers are retried, a flush is fdatasync.
 */
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"
#include "backend/uring.h"

enum { URING_ENTRIES = 256, URING_BUDGET = 256, URING_MAX_IOV = 1024,
       URING_SPIN_NS = 50000,
       URING_MERGE_MAX = 64 };     /* writes merged into one entry, at most */

struct uring_op {
    struct bk_io *io;
    int fd;
    enum bk_op op;
    int64_t offset;            /* of the part still to transfer */
    size_t left;               /* bytes still to transfer */
    struct iovec *iov;         /* the part still to transfer */
    int iovcnt;
    struct iovec one;          /* the usual single buffer, no allocation */
    struct iovec *vec;         /* several buffers: a heap copy */
    int vec_cap;
    struct io_uring_sqe *sqe;  /* its entry, until handed to the kernel */
    /* Writes merged into this one's entry, in offset order (see
     * uring_try_merge); they ride on it and end with it. */
    struct uring_op *merged, *merged_tail, *merged_next;
    int nmerged;
    struct uring_op *next_free;
};

struct bk_uring {
    struct io_uring ring;
    struct bk_loop *loop;
    unsigned pending;          /* queued ops not yet submitted */
    unsigned inflight;         /* submitted ops not yet completed */
    bool kick_scheduled;       /* a deferred uring_run is on the loop */
    struct uring_op *free_ops;
    struct uring_op *merge_into;   /* the last buffered write queued, while
                                      its entry is still ours to change */
    int fixed_fd;              /* the file registered as index 0, or -1 */
};

static void uring_run(struct bk_uring *u);
static bool uring_flush_sq(struct bk_uring *u);
static void uring_schedule_kick(struct bk_uring *u);
static void uring_kick(void *arg);
static void uring_fd_ready(struct bk_loop *loop, int fd, void *arg);
static bool uring_busy(void *arg);
static bool uring_queue(struct bk_uring *u, struct uring_op *op);
static void uring_complete(struct bk_uring *u, struct uring_op *op, int res);

bool bk_uring_wanted(unsigned open_flags, bool *required)
{
    const char *env;

    *required = (open_flags & BK_O_IO_URING) != 0;
    if (*required)
        return true;
    if (open_flags & BK_O_NATIVE_AIO)
        return false;
    env = getenv("BLKMON_AIO");
    return env != NULL && strcmp(env, "io_uring") == 0;
}

int bk_uring_new(struct bk_loop *loop, struct bk_uring **up, char **cause)
{
    struct bk_uring *u = calloc(1, sizeof(*u));
    int ret;

    if (u == NULL)
        return -ENOMEM;
    u->loop = loop;
    u->fixed_fd = -1;
    /*
     * A completion finished by a kernel worker is posted by our thread,
     * in "task work".  By default the kernel interrupts us (an IPI) to run
     * it; cooperatively it waits for our next system call and raises
     * IORING_SQ_TASKRUN, which uring_spin watches.  Older kernels refuse
     * the flags: then the default.
     */
    ret = io_uring_queue_init(URING_ENTRIES, &u->ring,
                              IORING_SETUP_COOP_TASKRUN |
                              IORING_SETUP_TASKRUN_FLAG);
    if (ret == -EINVAL)
        ret = io_uring_queue_init(URING_ENTRIES, &u->ring, 0);
    if (ret < 0) {
        *cause = strfmt("Unable to use io_uring: failed to init "
                                  "linux io_uring ring: %s", strerror(-ret));
        free(u);
        return ret;
    }
    /* Registered with itself, the ring is found without a descriptor
     * lookup on each io_uring_enter.  Older kernels refuse: no matter. */
    io_uring_register_ring_fd(&u->ring);
    ret = bk_loop_add_engine_fd(loop, u->ring.ring_fd, uring_fd_ready, u,
                                uring_busy);
    if (ret < 0) {
        io_uring_queue_exit(&u->ring);
        *cause = strfmt("Unable to use io_uring: %s", strerror(-ret));
        free(u);
        return ret;
    }
    *up = u;
    return 0;
}

void bk_uring_free(struct bk_uring *u)
{
    struct uring_op *op;

    if (u == NULL)
        return;
    /* A kick still scheduled would run on freed memory: run it now. */
    while (u->kick_scheduled || u->pending)
        bk_loop_iterate(u->loop, 0);
    bk_loop_del_fd(u->loop, u->ring.ring_fd);
    /* The ring holds the registered file open until the kernel tears the
     * ring down, after this process may have gone: its image locks with
     * it (lock.c), and the next user finds them.  Unregistering drops the
     * file now, before the caller closes its descriptor. */
    if (u->fixed_fd >= 0)
        io_uring_unregister_files(&u->ring);
    io_uring_queue_exit(&u->ring);
    while ((op = u->free_ops) != NULL) {
        u->free_ops = op->next_free;
        free(op);
    }
    free(u);
}

int bk_uring_set_file(struct bk_uring *u, int fd)
{
    int ret;

    if (fd == u->fixed_fd)
        return 0;
    ret = u->fixed_fd < 0 ? io_uring_register_files(&u->ring, &fd, 1)
                          : io_uring_register_files_update(&u->ring, 0, &fd, 1);
    if (ret < 0) {
        /* Older kernels: plain descriptors do the same, a little slower. */
        if (u->fixed_fd >= 0)
            io_uring_unregister_files(&u->ring);
        u->fixed_fd = -1;
        return ret;
    }
    u->fixed_fd = fd;
    return 0;
}

/* ---- submission -------------------------------------------------------- */

static struct uring_op *uring_op_get(struct bk_uring *u)
{
    struct uring_op *op = u->free_ops;

    if (op != NULL) {
        u->free_ops = op->next_free;
        return op;
    }
    op = malloc(sizeof(*op));
    if (op == NULL)
        abort();
    return op;
}

static void uring_op_put(struct bk_uring *u, struct uring_op *op)
{
    free(op->vec);
    op->vec = NULL;
    op->next_free = u->free_ops;
    u->free_ops = op;
}

/*
 * Fill sqe with op's next system call.  The node's file is registered with
 * the ring (bk_uring_set_file), which spares the kernel looking the
 * descriptor up and taking a reference on every call (fget/fput, 4% of a
 * QD1 cached read).
 */
static void uring_prep(struct bk_uring *u, struct io_uring_sqe *sqe,
                       struct uring_op *op)
{
    switch (op->op) {
    case BK_OP_READ:
        if (op->iovcnt == 1)
            io_uring_prep_read(sqe, op->fd, op->iov[0].iov_base,
                               (unsigned)op->iov[0].iov_len,
                               (uint64_t)op->offset);
        else
            io_uring_prep_readv(sqe, op->fd, op->iov, (unsigned)op->iovcnt,
                                (uint64_t)op->offset);
        break;
    case BK_OP_WRITE:
        if (op->iovcnt == 1)
            io_uring_prep_write(sqe, op->fd, op->iov[0].iov_base,
                                (unsigned)op->iov[0].iov_len,
                                (uint64_t)op->offset);
        else
            io_uring_prep_writev(sqe, op->fd, op->iov, (unsigned)op->iovcnt,
                                 (uint64_t)op->offset);
        break;
    default:
        io_uring_prep_fsync(sqe, op->fd, IORING_FSYNC_DATASYNC);
        break;
    }
    if (op->fd == u->fixed_fd) {
        sqe->fd = 0;
        sqe->flags |= IOSQE_FIXED_FILE;
    }
    io_uring_sqe_set_data(sqe, op);
}

/* Prepare op's next system call in a free submission entry. */
static bool uring_queue(struct bk_uring *u, struct uring_op *op)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

    if (sqe == NULL) {
        /* The submission ring is full: hand it over and retry once. */
        uring_flush_sq(u);
        sqe = io_uring_get_sqe(&u->ring);
        if (sqe == NULL)
            return false;
    }
    uring_prep(u, sqe, op);
    op->sqe = sqe;
    u->pending++;
    u->inflight++;
    uring_schedule_kick(u);
    return true;
}

static void uring_schedule_kick(struct bk_uring *u)
{
    if (!u->kick_scheduled) {
        u->kick_scheduled = true;
        bk_loop_defer(u->loop, uring_kick, u);
    }
}

/*
 * Hand the queued entries to the kernel.  It may refuse for a while
 * (EBUSY while its completion backlog is full, EAGAIN short of memory):
 * the entries stay queued and the next pass tries again.
 */
static bool uring_flush_sq(struct bk_uring *u)
{
    int ret;

    u->merge_into = NULL;   /* the kernel may read the entries from now on */
    ret = io_uring_submit(&u->ring);

    if (ret < 0 && ret != -EINTR) {
        uring_schedule_kick(u);
        return false;
    }
    if (ret >= 0)
        u->pending = 0;
    return true;
}

/* Load op with io's whole range and its own copy of io's vector. */
static void uring_op_load(struct uring_op *op, struct bk_io *io, int fd,
                          size_t total)
{
    *op = (struct uring_op){ .io = io, .fd = fd, .op = io->op,
                             .offset = io->offset, .left = total };
    if (io->op == BK_OP_FLUSH)
        return;
    if (io->iovcnt == 1) {
        op->one = io->iov[0];
        op->iov = &op->one;
    } else {
        op->vec = malloc(sizeof(*op->vec) * (size_t)io->iovcnt);
        if (op->vec == NULL)
            abort();
        memcpy(op->vec, io->iov, sizeof(*op->vec) * (size_t)io->iovcnt);
        op->iov = op->vec;
        op->vec_cap = io->iovcnt;
    }
    op->iovcnt = io->iovcnt;
}

/*
 * A buffered write that starts where the last queued one ends, while that
 * one's entry is not yet handed to the kernel, joins its entry: one writev
 * instead of two.  The kernel runs buffered writes to one file one after
 * the other on its workers anyway (they take the inode lock), so each
 * entry saved is a worker hand-off saved.  The joined write ends with the
 * entry; if the merged call fails, every write in it is sent again alone
 * for its own result (uring_unmerge).
 */
static bool uring_try_merge(struct bk_uring *u, struct bk_io *io, int fd,
                            size_t total)
{
    struct uring_op *into = u->merge_into, *op;
    int need;

    if (into == NULL || into->fd != fd ||
        into->offset + (int64_t)into->left != io->offset ||
        into->nmerged >= URING_MERGE_MAX ||
        into->iovcnt + io->iovcnt > URING_MAX_IOV)
        return false;
    need = into->iovcnt + io->iovcnt;
    if (into->vec == NULL || need > into->vec_cap) {
        int cap = need < 16 ? 16 : 2 * need;
        struct iovec *v = malloc(sizeof(*v) * (size_t)cap);

        if (v == NULL)
            abort();
        memcpy(v, into->iov, sizeof(*v) * (size_t)into->iovcnt);
        free(into->vec);
        into->vec = v;
        into->iov = v;
        into->vec_cap = cap;
    }
    memcpy(into->iov + into->iovcnt, io->iov,
           sizeof(*io->iov) * (size_t)io->iovcnt);
    into->iovcnt = need;
    into->left += total;
    uring_prep(u, into->sqe, into);

    op = uring_op_get(u);
    *op = (struct uring_op){ .io = io, .fd = fd, .op = io->op,
                             .offset = io->offset, .left = total };
    if (into->merged_tail != NULL)
        into->merged_tail->merged_next = op;
    else
        into->merged = op;
    into->merged_tail = op;
    into->nmerged++;
    return true;
}

bool bk_uring_submit(struct bk_uring *u, struct bk_io *io, int fd,
                     size_t buf_align)
{
    struct uring_op *op;
    size_t total = 0;

    if (io->op == BK_OP_READ || io->op == BK_OP_WRITE) {
        /* Bounces and huge vectors are the pool's job. */
        if (io->iovcnt > URING_MAX_IOV ||
            (buf_align > 1 && !bk_iov_aligned(io->iov, io->iovcnt, buf_align)))
            return false;
        total = bk_iov_size(io->iov, io->iovcnt);
    } else if (io->op != BK_OP_FLUSH) {
        return false;
    }
    if (io->op != BK_OP_FLUSH && total == 0) {
        /* Nothing to transfer: still complete later, never inline. */
        bk_io_complete_later(io, 0);
        return true;
    }
    /* O_DIRECT writes (buf_align > 1) gain from running side by side. */
    if (io->op == BK_OP_WRITE && buf_align <= 1 &&
        uring_try_merge(u, io, fd, total))
        return true;
    op = uring_op_get(u);
    uring_op_load(op, io, fd, total);
    if (!uring_queue(u, op)) {
        uring_op_put(u, op);
        return false;
    }
    u->merge_into = io->op == BK_OP_WRITE && buf_align <= 1 ? op : NULL;
    return true;
}

unsigned bk_uring_inflight(const struct bk_uring *u)
{
    return u->inflight;
}

/* For bk_loop_idle: ops in flight or queued, or a run still scheduled. */
static bool uring_busy(void *arg)
{
    const struct bk_uring *u = arg;

    return u->inflight > 0 || u->kick_scheduled;
}

/* ---- completion --------------------------------------------------------- */

/* Skip n transferred bytes of op's vector. */
static void uring_advance(struct uring_op *op, size_t n)
{
    op->offset += (int64_t)n;
    op->left -= n;
    while (op->iovcnt > 0 && n >= op->iov->iov_len) {
        n -= op->iov->iov_len;
        op->iov++;
        op->iovcnt--;
    }
    if (op->iovcnt > 0) {
        op->iov->iov_base = (char *)op->iov->iov_base + n;
        op->iov->iov_len -= n;
    }
}

static void uring_finish(struct bk_uring *u, struct uring_op *op, int ret)
{
    struct bk_io *io = op->io;

    uring_op_put(u, op);
    bk_io_complete(io, ret);
}

/* The merged call failed: send each of its writes again, alone. */
static void uring_unmerge(struct bk_uring *u, struct uring_op *op)
{
    struct uring_op *m = op->merged;

    for (struct uring_op *o = op; o != NULL; o = m) {
        struct bk_io *io = o->io;

        if (o != op)
            m = o->merged_next;
        free(o->vec);
        uring_op_load(o, io, o->fd, bk_iov_size(io->iov, io->iovcnt));
        if (!uring_queue(u, o))
            uring_finish(u, o, -EIO);
    }
}

/* The merged call wrote everything: end the writes that rode on it. */
static void uring_finish_merged(struct bk_uring *u, struct uring_op *op)
{
    struct uring_op *m = op->merged;

    uring_finish(u, op, 0);
    while (m != NULL) {
        struct uring_op *next = m->merged_next;

        uring_finish(u, m, 0);
        m = next;
    }
}

static void uring_complete(struct bk_uring *u, struct uring_op *op, int res)
{
    if (op->merged != NULL && res != -EINTR && res != -EAGAIN &&
        (res <= 0 || (size_t)res >= op->left)) {
        if (res > 0)
            uring_finish_merged(u, op);
        else
            uring_unmerge(u, op);
        return;
    }
    if (res == -EINTR || res == -EAGAIN) {
        if (!uring_queue(u, op))
            uring_finish(u, op, -EIO);
        return;
    }
    if (res < 0 || op->op == BK_OP_FLUSH) {
        uring_finish(u, op, res < 0 ? res : 0);
        return;
    }
    if (res == 0) {
        if (op->op == BK_OP_WRITE) {
            uring_finish(u, op, -EIO);
            return;
        }
        /* End of file: the rest reads as zeroes. */
        for (int i = 0; i < op->iovcnt; i++)
            memset(op->iov[i].iov_base, 0, op->iov[i].iov_len);
        uring_finish(u, op, 0);
        return;
    }
    if ((size_t)res >= op->left) {
        uring_finish(u, op, 0);
        return;
    }
    /* A short transfer: go on with the rest. */
    uring_advance(op, (size_t)res);
    if (!uring_queue(u, op))
        uring_finish(u, op, -EIO);
}

/*
 * Busy-wait a little for a completion rather than sleep in poll(2): a
 * sleeping loop thread costs a wake-up (an interrupt between CPUs, slow
 * in a VM) on every completion, which is the whole latency of a buffered
 * write punted to the kernel's workers.  QEMU's IOThreads poll the same
 * way (poll-max-ns).  True when one came.
 */
static bool uring_spin(struct bk_uring *u)
{
    int64_t until = bk_now_ns() + URING_SPIN_NS;

    do {
        /* Posted, or waiting as task work for us to enter the kernel
         * (io_uring_peek_cqe does). */
        if (io_uring_cq_ready(&u->ring) > 0 ||
            (IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_TASKRUN))
            return true;
    } while (bk_now_ns() < until);
    return false;
}

static void uring_run(struct bk_uring *u)
{
    unsigned budget = URING_BUDGET;

    for (;;) {
        struct io_uring_cqe *cqe;
        unsigned reaped = 0;
        bool refused = u->pending > 0 && !uring_flush_sq(u);

        /* Callbacks may queue more ops: they are submitted next round. */
        while (budget > 0 && io_uring_peek_cqe(&u->ring, &cqe) == 0) {
            struct uring_op *op = io_uring_cqe_get_data(cqe);
            int res = cqe->res;

            io_uring_cqe_seen(&u->ring, cqe);
            u->inflight--;
            uring_complete(u, op, res);
            reaped++;
            budget--;
        }
        if (budget == 0) {
            /* Leave the rest to the next pass; hand over what is queued. */
            if (u->pending > 0)
                uring_flush_sq(u);
            uring_schedule_kick(u);
            return;
        }
        if (refused && reaped == 0)
            return;   /* a kick is scheduled: try again next pass */
        if (reaped == 0 && u->pending == 0) {
            if (u->inflight == 0 || !uring_spin(u))
                return;
        }
    }
}

static void uring_kick(void *arg)
{
    struct bk_uring *u = arg;

    u->kick_scheduled = false;
    uring_run(u);
}

static void uring_fd_ready(struct bk_loop *loop, int fd, void *arg)
{
    (void)loop;
    (void)fd;
    uring_run(arg);
}
