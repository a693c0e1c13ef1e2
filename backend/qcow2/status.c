/*
 * qcow2-status.c — block status of a qcow2 node, and the questions the
 * driver itself asks of its chain ("does this range read as zeroes?").
 *
 * The node's own answer comes from its L2 entries: DATA for data and
 * compressed clusters, ZERO for zero clusters, nothing for unallocated
 * ones (the generic layer, status.c, then asks the backing file or says
 * ZERO when there is none), OFFSET_VALID with the host offset where the
 * data lies in the file.  On an image preallocated with metadata (far
 * more clusters counted than the file holds) data is RECURSE: the file
 * may know it is a hole.  QEMU decides that once, at the first status
 * query, reading refcounts through the cache; so does this.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend/qcow2/qcow2.h"

static int co_block_status(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;
    enum qcow2_subcluster_type type;
    uint64_t host = 0;
    unsigned bytes, flags = 0;
    int ret;

    if (s->broken)
        return -ENOMEDIUM;
    bk_co_mutex_lock(&s->lock);
    if (!s->metadata_preallocation_checked) {
        ret = qcow2_detect_metadata_preallocation(s);
        s->metadata_preallocation = ret == 1;
        s->metadata_preallocation_checked = true;
    }
    bytes = io->bytes > INT32_MAX ? INT32_MAX : (unsigned)io->bytes;
    ret = qcow2_get_host_offset(s, (uint64_t)io->offset, &bytes, &host,
                                &type);
    bk_co_mutex_unlock(&s->lock);
    if (ret < 0)
        return ret;
    if (type == QCOW2_SC_NORMAL || type == QCOW2_SC_ZERO_ALLOC ||
        type == QCOW2_SC_UNALLOCATED_ALLOC)
        flags |= BK_BS_OFFSET_VALID;
    if (type == QCOW2_SC_ZERO_PLAIN || type == QCOW2_SC_ZERO_ALLOC)
        flags |= BK_BS_ZERO;
    else if (type != QCOW2_SC_UNALLOCATED_PLAIN &&
             type != QCOW2_SC_UNALLOCATED_ALLOC)
        flags |= BK_BS_DATA;
    if (s->metadata_preallocation && (flags & BK_BS_DATA) &&
        (flags & BK_BS_OFFSET_VALID))
        flags |= BK_BS_RECURSE;
    io->u.status = (struct bk_io_status){
        .flags = flags,
        .pnum = bytes,
        .map = (flags & BK_BS_OFFSET_VALID) ? (int64_t)host : 0,
        .file = s->data_file,
    };
    return 0;
}

void qcow2_block_status(struct bk_io *io)
{
    qcow2_spawn(io, co_block_status);
}

/* ---- questions from inside the driver ----------------------------------- */

struct status_wait {
    struct bk_co_wait w;
    int ret;
    struct bk_io_status st;
};

static void status_done(void *arg, int ret, const struct bk_io_status *st,
                        int depth)
{
    struct status_wait *sw = arg;

    (void)depth;
    sw->ret = ret;
    sw->st = *st;
    bk_co_wait_done(&sw->w);
}

/* The status of [offset, offset+bytes) through the whole chain. */
static int status_above(struct qcow2_state *s, bool want_zero, int64_t offset,
                        int64_t bytes, struct bk_io_status *st)
{
    struct status_wait sw;

    bk_co_wait_init(&sw.w);
    bk_node_status_above(s->node, NULL, false, want_zero, offset, bytes,
                         qcow2_current_req(), status_done, &sw);
    bk_co_wait_for(&sw.w);
    *st = sw.st;
    return sw.ret;
}

int qcow2_is_zero_fast(struct qcow2_state *s, int64_t offset, int64_t bytes)
{
    struct bk_io_status st;
    int ret;

    if (bytes == 0)
        return 1;
    ret = status_above(s, false, offset, bytes, &st);
    if (ret < 0)
        return ret;
    return st.pnum == bytes && (st.flags & BK_BS_ZERO);
}

bool qcow2_is_zero(struct qcow2_state *s, int64_t offset, int64_t bytes)
{
    int64_t total = (int64_t)(s->size / 512 * 512);
    struct bk_io_status st = { 0 };
    int ret;

    if (offset + bytes > total)
        bytes = total - offset;
    if (bytes <= 0)
        return true;
    /* Zeroes of different kinds come back as separate ranges: loop. */
    do {
        ret = status_above(s, true, offset, bytes, &st);
        offset += st.pnum;
        bytes -= st.pnum;
    } while (ret >= 0 && (st.flags & BK_BS_ZERO) && st.pnum && bytes);
    return ret >= 0 && (st.flags & BK_BS_ZERO) && bytes == 0;
}
