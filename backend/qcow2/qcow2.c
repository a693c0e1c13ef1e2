/*
 * qcow2.c — the qcow2 format driver: its table, and the entry points that
 * start each request as a coroutine (io.c) and hand it to the file that
 * does the work (read.c, write.c, cluster.c, status.c, open.c).
 *
 * A node marked corrupt (s->broken) has lost its driver, as in QEMU:
 * every request fails with ENOMEDIUM.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

/* ---- reads -------------------------------------------------------------- */

static int co_preadv(struct bk_io *io)
{
    struct qcow2_state *s = io->node->state;

    if (s->broken)
        return -ENOMEDIUM;
    return qcow2_co_preadv(s, (uint64_t)io->offset, (uint64_t)io->bytes,
                           io->iov, io->iovcnt, 0);
}

/* ---- writes ------------------------------------------------------------- */

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

/* ---- the VM state area -------------------------------------------------- */

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

/* ---- zero writes and discards ------------------------------------------- */

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

/* ---- flush -------------------------------------------------------------- */

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

static int co_truncate(struct bk_io *io)
{
    return qcow2_co_truncate(io->node->state, io->offset,
                             (enum bk_prealloc)(io->flags &
                                                BK_TRUNC_MODE_MASK),
                             io->flags & ~(unsigned)BK_TRUNC_MODE_MASK);
}

/* Persistent bitmaps mark what writes touched. */
static void qcow2_note_write(struct bk_node *node, int64_t offset,
                             int64_t bytes)
{
    qcow2_bitmaps_set_dirty(node->state, offset, bytes);
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
static void qcow2_truncate(struct bk_io *io) { qcow2_spawn(io, co_truncate); }

static int64_t qcow2_get_length(struct bk_node *node)
{
    struct qcow2_state *s = node->state;

    return (int64_t)(s->size / 512 * 512);
}

/* The format-specific lines qemu-io's info prints, in its order (that of
 * a QDict's hash buckets). */
static int bitmap_info_co(void *arg)
{
    char **text = arg;
    struct qcow2_state *s = (struct qcow2_state *)text[1];

    text[0] = qcow2_bitmap_info(s);
    return 0;
}

static int qcow2_get_info(struct bk_node *node, struct bk_info *out)
{
    struct qcow2_state *s = node->state;
    char *bitmap_info[2] = { NULL, (char *)s };

    out->cluster_size = s->cluster_size;
    out->vm_state_offset = (int64_t)s->l1_vm_state_index
                           << (s->cluster_bits + s->l2_bits);
    if (s->version == 2)
        out->specific = strfmt("    compat: 0.10\n"
                               "    compression type: zlib\n"
                               "    refcount bits: %u\n",
                               1u << s->refcount_order);
    else {
        /* The data file's name when the header has one; raw or not with
         * any data file. */
        char *data_name = s->image_data_file != NULL
            ? strfmt("    data file: %s\n", s->image_data_file) : NULL;
        char *data_raw = s->geom.data_file
            ? strfmt("    data file raw: %s\n",
                     qcow2_data_file_is_raw(s) ? "true" : "false")
            : NULL;

        char *bitmaps;

        /* The directory is read from the image, as qemu reads it. */
        qcow2_run_sync(node, bitmap_info_co, bitmap_info);
        bitmaps = bitmap_info[0];

        out->specific = strfmt(
            "    compat: 1.1\n"
            "    compression type: %s\n"
            "    lazy refcounts: %s\n"
            "%s"
            "    refcount bits: %u\n"
            "%s%s"
            "    corrupt: %s\n"
            "    extended l2: %s\n",
            s->compression_type ? "zstd" : "zlib",
            s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS ? "true"
                                                                 : "false",
            bitmaps ? bitmaps : "",
            1u << s->refcount_order, data_name ? data_name : "",
            data_raw ? data_raw : "",
            s->incompatible_features & QCOW2_INCOMPAT_CORRUPT ? "true"
                                                              : "false",
            s->geom.extended ? "true" : "false");
        free(bitmaps);
        free(data_name);
        free(data_raw);
    }
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
    .reopen_prepare = qcow2_reopen_prepare,
    .reopen_commit = qcow2_reopen_commit,
    .reopen_abort = qcow2_reopen_abort,
    .get_length = qcow2_get_length,
    .get_info = qcow2_get_info,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .pdiscard = qcow2_pdiscard,
    .flush_to_os = qcow2_flush_to_os,
    .truncate = qcow2_truncate,
    .note_write = qcow2_note_write,
    .block_status = qcow2_block_status,
    .vmstate = qcow2_vmstate,
    .for_each_subreq = qcow2_for_each_subreq,
    .layout = qcow2_layout,
};
