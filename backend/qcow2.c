/*
 * qcow2.c — the qcow2 format driver: guest reads, writes, zero writes,
 * discards and flushes, each run as a coroutine (qcow2-io.c).
 *
 * A request is cut where the mapping changes (a run of clusters of one
 * type, contiguous in the file, within one L2 slice).  With more than one
 * piece the pieces run as *tasks*, up to eight at a time: a task starts
 * when the request's own coroutine yields (QEMU's aio task pool, entered
 * with aio_co_enter from a coroutine), so the order of metadata and data
 * I/O is QEMU's.  The state's lock is held over metadata work and dropped
 * over data I/O, as in QEMU.
 *
 * Writes: allocate (qcow2_alloc_host_offset), check the host range against
 * the metadata, then in the task: zero whole new clusters when the parts
 * to copy read as zeroes (cluster_alloc_space), else merge the COW data
 * with the guest data into one write when they touch; then link the L2
 * entries (qcow2-cluster.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2.h"

enum { QCOW2_MAX_WORKERS = 8 };

/* ---- the task pool ----------------------------------------------------- */

struct task_pool {
    int busy;
    int status;                /* the first error of a task */
    bool waiting;
    struct bk_co *main_co;
};

struct pool_task {
    struct task_pool *pool;
    int (*fn)(struct pool_task *t);
    struct qcow2_state *s;
    enum qcow2_subcluster_type type;
    uint64_t host_offset, offset, bytes;
    const struct iovec *iov;
    int iovcnt;
    size_t skip;
    struct qcow2_l2meta *l2meta;
};

static void pool_wait_one(struct task_pool *p)
{
    p->waiting = true;
    bk_co_yield();
}

static void pool_task_main(void *arg)
{
    struct pool_task *t = arg;
    struct task_pool *p = t->pool;
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

/* Run t->fn: at once without a pool, else as a task that starts when the
 * caller next yields. */
static int pool_run(struct task_pool *p, struct pool_task *t)
{
    struct bk_co *co;

    if (p == NULL)
        return t->fn(t);
    while (p->busy >= QCOW2_MAX_WORKERS)
        pool_wait_one(p);
    p->busy++;
    t = memcpy(malloc(sizeof(*t)), t, sizeof(*t));
    t->pool = p;
    co = bk_co_new(pool_task_main, t);
    /* Tasks serve the same request. */
    bk_co_set_data(co, bk_co_data(bk_co_self()));
    bk_co_wake(co);
    return 0;
}

static int pool_finish(struct task_pool *p, int ret)
{
    if (p == NULL)
        return ret;
    while (p->busy > 0)
        pool_wait_one(p);
    return ret == 0 ? p->status : ret;
}

static void pool_init(struct task_pool *p)
{
    *p = (struct task_pool){ .main_co = bk_co_self() };
}

/* ---- reads ----------------------------------------------------------------- */

/* Read [offset, offset+bytes) from the backing node; past its end zeroes. */
static int read_backing(struct qcow2_state *s, uint64_t offset,
                        uint64_t bytes, const struct iovec *iov, int iovcnt,
                        size_t skip)
{
    int64_t len = bk_node_length(s->node->backing);
    uint64_t n = bytes;
    struct qcow2_iov q;
    int ret = 0;

    qcow2_event(s, RULES_EV_READ_BACKING_AIO);
    if ((int64_t)offset >= len)
        n = 0;
    else if (offset + bytes > (uint64_t)len)
        n = (uint64_t)len - offset;
    if (n > 0) {
        qcow2_iov_init(&q);
        qcow2_iov_concat(&q, iov, iovcnt, skip, n);
        ret = qcow2_node_preadv(s->node->backing, (int64_t)offset, q.v, q.n,
                                (int64_t)n);
        qcow2_iov_destroy(&q);
    }
    if (ret == 0 && n < bytes)
        qcow2_iov_memset(iov, iovcnt, skip + n, 0, bytes - n);
    return ret;
}

static int read_task(struct pool_task *t)
{
    struct qcow2_state *s = t->s;
    struct qcow2_iov q;
    int ret;

    switch (t->type) {
    case QCOW2_SC_UNALLOCATED_PLAIN:
    case QCOW2_SC_UNALLOCATED_ALLOC:
        return read_backing(s, t->offset, t->bytes, t->iov, t->iovcnt,
                            t->skip);
    case QCOW2_SC_COMPRESSED:
        return qcow2_co_preadv_compressed(s, t->host_offset, t->offset,
                                          t->bytes, t->iov, t->iovcnt,
                                          t->skip);
    case QCOW2_SC_NORMAL:
        qcow2_event(s, RULES_EV_READ_AIO);
        qcow2_iov_init(&q);
        qcow2_iov_concat(&q, t->iov, t->iovcnt, t->skip, t->bytes);
        ret = qcow2_file_preadv(s, (int64_t)t->host_offset, q.v, q.n,
                                (int64_t)t->bytes);
        qcow2_iov_destroy(&q);
        return ret;
    default:
        return -EIO;
    }
}

int qcow2_co_preadv(struct qcow2_state *s, uint64_t offset, uint64_t bytes,
                    const struct iovec *iov, int iovcnt, size_t skip)
{
    struct task_pool pool, *p = NULL;
    int ret = 0;

    while (bytes != 0 && (p == NULL || p->status == 0)) {
        unsigned cur = bytes > INT32_MAX ? INT32_MAX : (unsigned)bytes;
        enum qcow2_subcluster_type type;
        uint64_t host = 0;

        bk_co_mutex_lock(&s->lock);
        ret = qcow2_get_host_offset(s, offset, &cur, &host, &type);
        bk_co_mutex_unlock(&s->lock);
        if (ret < 0)
            break;
        if (type == QCOW2_SC_ZERO_PLAIN || type == QCOW2_SC_ZERO_ALLOC ||
            ((type == QCOW2_SC_UNALLOCATED_PLAIN ||
              type == QCOW2_SC_UNALLOCATED_ALLOC) && s->node->backing == NULL)) {
            qcow2_iov_memset(iov, iovcnt, skip, 0, cur);
        } else {
            struct pool_task t = {
                .fn = read_task, .s = s, .type = type, .host_offset = host,
                .offset = offset, .bytes = cur, .iov = iov, .iovcnt = iovcnt,
                .skip = skip,
            };

            if (p == NULL && cur != bytes) {
                pool_init(&pool);
                p = &pool;
            }
            ret = pool_run(p, &t);
            if (ret < 0)
                break;
        }
        bytes -= cur;
        offset += cur;
        skip += cur;
    }
    return pool_finish(p, ret);
}

static int co_preadv(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;

    if (s->broken)
        return -ENOMEDIUM;
    return qcow2_co_preadv(s, (uint64_t)io->offset, (uint64_t)io->bytes,
                           io->iov, io->iovcnt, 0);
}

/* ---- writes ---------------------------------------------------------------- */

/* Link (or, on failure, free) the allocations of a request piece, and let
 * the writes waiting for them go on. */
static int handle_l2meta(struct qcow2_state *s, struct qcow2_l2meta **pm,
                         bool link)
{
    struct qcow2_l2meta *m = *pm;
    int ret = 0;

    while (m != NULL) {
        struct qcow2_l2meta *next;

        if (link) {
            ret = qcow2_alloc_cluster_link_l2(s, m);
            if (ret)
                break;
        } else {
            qcow2_alloc_cluster_abort(s, m);
        }
        *m->prev_in_flight = m->next_in_flight;
        if (m->next_in_flight != NULL)
            m->next_in_flight->prev_in_flight = m->prev_in_flight;
        bk_co_queue_restart_all(&m->dependent);
        next = m->next;
        free(m);
        m = next;
    }
    *pm = m;
    return ret;
}

/* Can the guest data go out with the COW regions in one write? */
static bool merge_cow(uint64_t offset, uint64_t bytes,
                      const struct iovec *iov, int iovcnt, size_t skip,
                      struct qcow2_l2meta *l2meta)
{
    for (struct qcow2_l2meta *m = l2meta; m != NULL; m = m->next) {
        if (m->cow_start.nb_bytes == 0 && m->cow_end.nb_bytes == 0)
            continue;
        if (m->skip_cow)
            continue;
        /* The write must start right after the first region... */
        if (qcow2_l2meta_cow_start(m) + m->cow_start.nb_bytes != offset)
            continue;
        /* ...and end right before the second. */
        if (m->offset + m->cow_end.offset != offset + bytes)
            continue;
        if (qcow2_iov_count(iov, iovcnt, skip, bytes) > IOV_MAX - 2)
            continue;
        m->data_iov = iov;
        m->data_iovcnt = iovcnt;
        m->data_skip = skip;
        return true;
    }
    return false;
}

static int is_zero_cow(struct qcow2_state *s, struct qcow2_l2meta *m)
{
    int ret = qcow2_is_zero_fast(s, (int64_t)(m->offset + m->cow_start.offset),
                                 m->cow_start.nb_bytes);

    if (ret <= 0)
        return ret;
    return qcow2_is_zero_fast(s, (int64_t)(m->offset + m->cow_end.offset),
                              m->cow_end.nb_bytes);
}

/* New clusters whose COW parts read as zeroes: zero them whole in the file
 * instead of writing zero buffers. */
static int handle_alloc_space(struct qcow2_state *s, struct qcow2_l2meta *l2)
{
    for (struct qcow2_l2meta *m = l2; m != NULL; m = m->next) {
        uint64_t start = m->alloc_offset + m->cow_start.offset;
        unsigned nb = m->cow_end.offset + m->cow_end.nb_bytes -
                      m->cow_start.offset;
        int ret;

        if (!m->cow_start.nb_bytes && !m->cow_end.nb_bytes)
            continue;
        ret = is_zero_cow(s, m);
        if (ret < 0)
            return ret;
        if (ret == 0)
            continue;
        ret = qcow2_pre_write_overlap_check(s, 0, (int64_t)start, nb, true);
        if (ret < 0)
            return ret;
        qcow2_event(s, RULES_EV_CLUSTER_ALLOC_SPACE);
        ret = qcow2_file_zero(s, (int64_t)start, nb, BK_REQ_NO_FALLBACK);
        if (ret < 0) {
            if (ret != -ENOTSUP && ret != -EAGAIN)
                return ret;
            continue;
        }
        m->skip_cow = true;
    }
    return 0;
}

static int write_task(struct pool_task *t)
{
    struct qcow2_state *s = t->s;
    struct qcow2_l2meta *l2meta = t->l2meta;
    struct qcow2_iov q;
    int ret;

    ret = handle_alloc_space(s, l2meta);
    if (ret < 0)
        goto out_unlocked;
    if (!merge_cow(t->offset, t->bytes, t->iov, t->iovcnt, t->skip, l2meta)) {
        qcow2_event(s, RULES_EV_WRITE_AIO);
        qcow2_iov_init(&q);
        qcow2_iov_concat(&q, t->iov, t->iovcnt, t->skip, t->bytes);
        ret = qcow2_file_pwritev(s, (int64_t)t->host_offset, q.v, q.n,
                                 (int64_t)t->bytes);
        qcow2_iov_destroy(&q);
        if (ret < 0)
            goto out_unlocked;
    }
    bk_co_mutex_lock(&s->lock);
    ret = handle_l2meta(s, &l2meta, true);
    goto out_locked;
out_unlocked:
    bk_co_mutex_lock(&s->lock);
out_locked:
    handle_l2meta(s, &l2meta, false);
    bk_co_mutex_unlock(&s->lock);
    return ret;
}

static int qcow2_co_pwritev(struct qcow2_state *s, uint64_t offset,
                            uint64_t bytes, const struct iovec *iov,
                            int iovcnt)
{
    struct task_pool pool, *p = NULL;
    struct qcow2_l2meta *l2meta = NULL;
    size_t skip = 0;
    int ret = 0;

    while (bytes != 0 && (p == NULL || p->status == 0)) {
        unsigned cur = bytes > INT32_MAX ? INT32_MAX : (unsigned)bytes;
        uint64_t host;
        struct pool_task t;

        l2meta = NULL;
        bk_co_mutex_lock(&s->lock);
        ret = qcow2_alloc_host_offset(s, offset, &cur, &host, &l2meta);
        if (ret < 0)
            goto out_locked;
        ret = qcow2_pre_write_overlap_check(s, 0, (int64_t)host, cur, true);
        if (ret < 0)
            goto out_locked;
        bk_co_mutex_unlock(&s->lock);

        if (p == NULL && cur != bytes) {
            pool_init(&pool);
            p = &pool;
        }
        t = (struct pool_task){
            .fn = write_task, .s = s, .host_offset = host, .offset = offset,
            .bytes = cur, .iov = iov, .iovcnt = iovcnt, .skip = skip,
            .l2meta = l2meta,
        };
        l2meta = NULL;   /* the task owns it now */
        ret = pool_run(p, &t);
        if (ret < 0)
            return pool_finish(p, ret);
        bytes -= cur;
        offset += cur;
        skip += cur;
    }
    ret = 0;
    bk_co_mutex_lock(&s->lock);
out_locked:
    handle_l2meta(s, &l2meta, false);
    bk_co_mutex_unlock(&s->lock);
    return pool_finish(p, ret);
}

/* ---- compressed writes ------------------------------------------------------ */

static int compressed_task(struct pool_task *t)
{
    int ret = qcow2_co_pwritev_compressed_cluster(t->s, t->offset, t->bytes,
                                                  t->iov, t->iovcnt, t->skip);

    /* It did not shrink: a normal write of the cluster. */
    if (ret == 1)
        ret = qcow2_co_pwritev(t->s, t->offset, t->bytes, t->iov, t->iovcnt);
    return ret;
}

/*
 * write -c: whole clusters only (the last one may end with the disk), each
 * compressed as a task.
 */
static int qcow2_co_pwritev_compressed(struct qcow2_state *s, uint64_t offset,
                                       uint64_t bytes, const struct iovec *iov,
                                       int iovcnt)
{
    struct task_pool pool, *p = NULL;
    size_t skip = 0;
    int ret = 0;

    if (bytes == 0)
        return 0;
    if (qcow2_offset_into_cluster(s, offset))
        return -EINVAL;
    if (qcow2_offset_into_cluster(s, bytes) &&
        offset + bytes != s->size / 512 * 512)
        return -EINVAL;
    while (bytes && (p == NULL || p->status == 0)) {
        uint64_t chunk = bytes < s->cluster_size ? bytes : s->cluster_size;
        struct pool_task t = {
            .fn = compressed_task, .s = s, .offset = offset, .bytes = chunk,
            .iov = iov, .iovcnt = iovcnt, .skip = skip,
        };

        if (p == NULL && chunk != bytes) {
            pool_init(&pool);
            p = &pool;
        }
        ret = pool_run(p, &t);
        if (ret < 0)
            break;
        bytes -= chunk;
        offset += chunk;
        skip += chunk;
    }
    return pool_finish(p, ret);
}

static int co_pwritev(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;

    if (s->broken)
        return -ENOMEDIUM;
    if (io->flags & BK_REQ_COMPRESSED)
        return qcow2_co_pwritev_compressed(s, (uint64_t)io->offset,
                                           (uint64_t)io->bytes, io->iov,
                                           io->iovcnt);
    return qcow2_co_pwritev(s, (uint64_t)io->offset, (uint64_t)io->bytes,
                            io->iov, io->iovcnt);
}

/* ---- the VM state area ----------------------------------------------------- */

/*
 * qemu-io's -b: guest offsets past the disk, from the L1 index after the
 * last one the disk uses (so writing there grows the L1 table).  The
 * driver's read and write paths are called directly, as QEMU does.
 */
static int co_vmstate(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;
    int64_t base = (int64_t)s->l1_vm_state_index
                   << (s->cluster_bits + s->l2_bits);
    int64_t pos = io->offset;

    if (s->broken)
        return -ENOMEDIUM;
    if (INT64_MAX - pos < base)
        return -EIO;
    pos += base;
    if (pos > INT64_MAX - io->bytes)
        return -EIO;
    if (io->op == BK_OP_WRITE) {
        qcow2_event(s, RULES_EV_VMSTATE_SAVE);
        return qcow2_co_pwritev(s, (uint64_t)pos, (uint64_t)io->bytes,
                                io->iov, io->iovcnt);
    }
    qcow2_event(s, RULES_EV_VMSTATE_LOAD);
    return qcow2_co_preadv(s, (uint64_t)pos, (uint64_t)io->bytes, io->iov,
                           io->iovcnt, 0);
}

static void qcow2_vmstate(struct bk_io *io) { qcow2_spawn(io, co_vmstate); }

/* ---- zero writes and discards ------------------------------------------------ */

static int co_pwrite_zeroes(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;
    uint64_t offset = (uint64_t)io->offset, bytes = (uint64_t)io->bytes;
    uint64_t head = qcow2_offset_into_subcluster(s, offset);
    uint64_t tail = ((offset + bytes + s->subcluster_size - 1) &
                     ~(uint64_t)(s->subcluster_size - 1)) - (offset + bytes);
    /* v2 images take no flags (QEMU's supported_zero_flags). */
    unsigned flags = s->version >= 3 ? io->flags & BK_REQ_MAY_UNMAP : 0;
    int ret;

    if (s->broken)
        return -ENOMEDIUM;
    if (offset + bytes == s->size / 512 * 512)
        tail = 0;
    if (head || tail) {
        enum qcow2_subcluster_type type;
        uint64_t off;
        unsigned nr;

        /* The rest of the subcluster must read as zeroes already. */
        if (!(qcow2_is_zero(s, (int64_t)(offset - head), (int64_t)head) &&
              qcow2_is_zero(s, (int64_t)(offset + bytes), (int64_t)tail)))
            return -ENOTSUP;
        bk_co_mutex_lock(&s->lock);
        offset -= head;
        bytes = s->subcluster_size;
        nr = s->subcluster_size;
        ret = qcow2_get_host_offset(s, offset, &nr, &off, &type);
        if (ret < 0 || (type != QCOW2_SC_UNALLOCATED_PLAIN &&
                        type != QCOW2_SC_UNALLOCATED_ALLOC &&
                        type != QCOW2_SC_ZERO_PLAIN &&
                        type != QCOW2_SC_ZERO_ALLOC)) {
            bk_co_mutex_unlock(&s->lock);
            return ret < 0 ? ret : -ENOTSUP;
        }
    } else {
        bk_co_mutex_lock(&s->lock);
    }
    ret = qcow2_subcluster_zeroize(s, offset, bytes, flags);
    bk_co_mutex_unlock(&s->lock);
    return ret;
}

static int co_pdiscard(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;
    uint64_t offset = (uint64_t)io->offset, bytes = (uint64_t)io->bytes;
    int ret;

    if (s->broken)
        return -ENOMEDIUM;
    /* v2 cannot mark clusters zero: discarding would show the backing. */
    if (s->version < 3 && s->node->backing != NULL)
        return -ENOTSUP;
    if ((offset | bytes) & (s->cluster_size - 1)) {
        /* Partial clusters are ignored, except the last cluster of an
         * image whose size is not a cluster multiple. */
        if (qcow2_offset_into_cluster(s, offset) ||
            offset + bytes != s->size / 512 * 512)
            return -ENOTSUP;
    }
    bk_co_mutex_lock(&s->lock);
    ret = qcow2_cluster_discard(s, offset, bytes, QCOW2_DISCARD_REQUEST,
                                false);
    bk_co_mutex_unlock(&s->lock);
    return ret;
}

/* ---- flush ----------------------------------------------------------------------- */

static int co_flush_to_os(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;
    int ret;

    if (s->broken)
        return -ENOMEDIUM;
    bk_co_mutex_lock(&s->lock);
    ret = qcow2_write_caches(s);
    bk_co_mutex_unlock(&s->lock);
    return ret;
}

static void qcow2_preadv(struct bk_io *io) { qcow2_spawn(io, co_preadv); }
static void qcow2_pwritev(struct bk_io *io) { qcow2_spawn(io, co_pwritev); }
static void qcow2_pwrite_zeroes(struct bk_io *io)
{
    qcow2_spawn(io, co_pwrite_zeroes);
}
static void qcow2_pdiscard(struct bk_io *io) { qcow2_spawn(io, co_pdiscard); }
static void qcow2_flush_to_os(struct bk_io *io)
{
    qcow2_spawn(io, co_flush_to_os);
}

static int64_t qcow2_get_length(struct bk_node *node)
{
    struct qcow2_state *s = node->state;

    return (int64_t)(s->size / 512 * 512);
}

/* The format-specific lines qemu-io's info prints, in its order (that of
 * a QDict's hash buckets). */
static int qcow2_get_info(struct bk_node *node, struct bk_info *out)
{
    struct qcow2_state *s = node->state;

    out->cluster_size = s->cluster_size;
    out->vm_state_offset = (int64_t)s->l1_vm_state_index
                           << (s->cluster_bits + s->l2_bits);
    if (s->version == 2)
        out->specific = strfmt("    compat: 0.10\n"
                               "    compression type: zlib\n"
                               "    refcount bits: %u\n",
                               1u << s->refcount_order);
    else
        out->specific = strfmt(
            "    compat: 1.1\n"
            "    compression type: %s\n"
            "    lazy refcounts: %s\n"
            "    refcount bits: %u\n"
            "    corrupt: %s\n"
            "    extended l2: %s\n",
            s->compression_type ? "zstd" : "zlib",
            s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS ? "true"
                                                                 : "false",
            1u << s->refcount_order,
            s->incompatible_features & QCOW2_INCOMPAT_CORRUPT ? "true"
                                                              : "false",
            s->geom.extended ? "true" : "false");
    return out->specific != NULL ? 0 : -ENOMEM;
}

const struct bk_driver bk_driver_qcow2 = {
    .name = "qcow2",
    .child_name = "file",
    .is_format = true,
    .supports_backing = true,
    .supports_compressed = true,
    .grows_file = true,
    .state_size = sizeof(struct qcow2_state),
    .open = qcow2_open,
    .close = qcow2_close,
    .get_length = qcow2_get_length,
    .get_info = qcow2_get_info,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .pdiscard = qcow2_pdiscard,
    .flush_to_os = qcow2_flush_to_os,
    .block_status = qcow2_block_status,
    .vmstate = qcow2_vmstate,
};
