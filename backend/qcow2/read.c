/*
 * read.c — guest reads: the range is cut where the mapping changes, and
 * each piece reads the file (data clusters), the backing file
 * (unallocated ones; zeroes past its end), decompresses (compressed
 * clusters) or is zeroes.  More than one piece run as tasks (task.c).
 * Copy-on-write reads the parts a write does not cover through here too,
 * as QEMU does (without the generic layer around it).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

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
        ret = qcow2_node_preadv(s, s->node->backing, (int64_t)offset, q.v,
                                q.n, (int64_t)n);
        qcow2_iov_destroy(&q);
    }
    if (ret == 0 && n < bytes)
        bk_iov_fill(iov, iovcnt, skip + n, NULL, bytes - n);
    return ret;
}

static int read_task(struct qcow2_task *t)
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
        ret = qcow2_data_preadv(s, (int64_t)t->host_offset, q.v, q.n,
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
    struct qcow2_task_pool pool, *p = NULL;
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
            bk_iov_fill(iov, iovcnt, skip, NULL, cur);
        } else {
            struct qcow2_task t = {
                .fn = read_task, .s = s, .type = type, .host_offset = host,
                .offset = offset, .bytes = cur, .iov = iov, .iovcnt = iovcnt,
                .skip = skip,
            };

            if (p == NULL && cur != bytes) {
                qcow2_task_pool_init(&pool);
                p = &pool;
            }
            ret = qcow2_task_run(p, &t);
            if (ret < 0)
                break;
        }
        bytes -= cur;
        offset += cur;
        skip += cur;
    }
    return qcow2_task_pool_finish(p, ret);
}
