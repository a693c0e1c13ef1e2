/*
 * write.c — guest writes, plain and compressed.
 *
 * A write is cut where the allocation changes.  Per piece, under the
 * lock: allocate (qcow2_alloc_host_offset, alloc.c) and check the host
 * range against the metadata; then, as a task (task.c) without the lock:
 * zero whole new clusters when the parts to copy read as zeroes
 * (cluster_alloc_space), else merge the COW data with the guest data into
 * one write when they touch, else write the data alone; then, locked
 * again, link the L2 entries (which does the COW still to do).
 *
 * Compressed writes (write -c) take whole clusters, each compressed on a
 * worker and packed after the last compressed cluster; a cluster that
 * does not shrink is written as a normal one.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

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
        ret = qcow2_data_zero(s, (int64_t)start, nb, BK_REQ_NO_FALLBACK);
        if (ret < 0) {
            if (ret != -ENOTSUP && ret != -EAGAIN)
                return ret;
            continue;
        }
        m->skip_cow = true;
    }
    return 0;
}

static int write_task(struct qcow2_task *t)
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
        ret = qcow2_data_pwritev(s, (int64_t)t->host_offset, q.v, q.n,
                                 (int64_t)t->bytes);
        qcow2_iov_destroy(&q);
        if (ret < 0)
            goto out_unlocked;
    }
    bk_co_mutex_lock(&s->lock);
    ret = qcow2_handle_l2meta(s, &l2meta, true);
    goto out_locked;
out_unlocked:
    bk_co_mutex_lock(&s->lock);
out_locked:
    qcow2_handle_l2meta(s, &l2meta, false);
    bk_co_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_co_pwritev(struct qcow2_state *s, uint64_t offset, uint64_t bytes,
                     const struct iovec *iov, int iovcnt)
{
    struct qcow2_task_pool pool, *p = NULL;
    struct qcow2_l2meta *l2meta = NULL;
    size_t skip = 0;
    int ret = 0;

    while (bytes != 0 && (p == NULL || p->status == 0)) {
        unsigned cur = bytes > INT32_MAX ? INT32_MAX : (unsigned)bytes;
        uint64_t host;
        struct qcow2_task t;

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
            qcow2_task_pool_init(&pool);
            p = &pool;
        }
        t = (struct qcow2_task){
            .fn = write_task, .s = s, .host_offset = host, .offset = offset,
            .bytes = cur, .iov = iov, .iovcnt = iovcnt, .skip = skip,
            .l2meta = l2meta,
        };
        l2meta = NULL;   /* the task owns it now */
        ret = qcow2_task_run(p, &t);
        if (ret < 0)
            return qcow2_task_pool_finish(p, ret);
        bytes -= cur;
        offset += cur;
        skip += cur;
    }
    ret = 0;
    bk_co_mutex_lock(&s->lock);
out_locked:
    qcow2_handle_l2meta(s, &l2meta, false);
    bk_co_mutex_unlock(&s->lock);
    return qcow2_task_pool_finish(p, ret);
}

/* ---- compressed writes -------------------------------------------------- */

/*
 * One cluster (or the short last one) of a compressed write.  Returns 1
 * when it did not shrink: the caller writes it as a normal cluster.
 */
static int pwritev_compressed_cluster(struct qcow2_state *s,
                                     uint64_t offset, uint64_t bytes,
                                     const struct iovec *iov, int iovcnt,
                                     size_t skip)
{
    unsigned char *buf, *out;
    uint64_t host;
    struct qcow2_iov q;
    ssize_t len;
    int ret;

    if (posix_memalign((void **)&buf, 4096, s->cluster_size) != 0)
        return -ENOMEM;
    out = malloc(s->cluster_size);
    if (out == NULL) {
        free(buf);
        return -ENOMEM;
    }
    /* A short last cluster is padded with zeroes. */
    memset(buf + bytes, 0, s->cluster_size - bytes);
    qcow2_iov_init(&q);
    qcow2_iov_concat(&q, iov, iovcnt, skip, bytes);
    for (int i = 0, done = 0; i < q.n; done += (int)q.v[i].iov_len, i++)
        memcpy(buf + done, q.v[i].iov_base, q.v[i].iov_len);
    qcow2_iov_destroy(&q);

    len = qcow2_compress(s, out, s->cluster_size - 1, buf, s->cluster_size);
    if (len == -ENOMEM) {
        ret = 1;
        goto out;
    }
    if (len < 0) {
        ret = -EINVAL;
        goto out;
    }
    bk_co_mutex_lock(&s->lock);
    ret = qcow2_alloc_compressed_cluster_offset(s, offset, (int)len, &host);
    if (ret == 0)
        ret = qcow2_pre_write_overlap_check(s, 0, (int64_t)host, len, true);
    bk_co_mutex_unlock(&s->lock);
    if (ret < 0)
        goto out;
    qcow2_event(s, RULES_EV_WRITE_COMPRESSED);
    ret = qcow2_file_pwrite(s, (int64_t)host, out, (size_t)len);
out:
    free(out);
    free(buf);
    return ret;
}

static int compressed_task(struct qcow2_task *t)
{
    int ret = pwritev_compressed_cluster(t->s, t->offset, t->bytes,
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
int qcow2_co_pwritev_compressed(struct qcow2_state *s, uint64_t offset,
                                       uint64_t bytes, const struct iovec *iov,
                                       int iovcnt)
{
    struct qcow2_task_pool pool, *p = NULL;
    size_t skip = 0;
    int ret = 0;

    /* A data file has no room for compressed clusters. */
    if (s->geom.data_file)
        return -ENOTSUP;
    if (bytes == 0)
        return 0;
    if (qcow2_offset_into_cluster(s, offset))
        return -EINVAL;
    if (qcow2_offset_into_cluster(s, bytes) &&
        offset + bytes != s->size / 512 * 512)
        return -EINVAL;
    while (bytes && (p == NULL || p->status == 0)) {
        uint64_t chunk = bytes < s->cluster_size ? bytes : s->cluster_size;
        struct qcow2_task t = {
            .fn = compressed_task, .s = s, .offset = offset, .bytes = chunk,
            .iov = iov, .iovcnt = iovcnt, .skip = skip,
        };

        if (p == NULL && chunk != bytes) {
            qcow2_task_pool_init(&pool);
            p = &pool;
        }
        ret = qcow2_task_run(p, &t);
        if (ret < 0)
            break;
        bytes -= chunk;
        offset += chunk;
        skip += chunk;
    }
    return qcow2_task_pool_finish(p, ret);
}
