/*
 * truncate.c — changing the guest disk's size (qemu-io's truncate), as
 * QEMU's qcow2_co_truncate does it.
 *
 * Shrinking (no preallocation allowed): the clusters past the new end are
 * discarded for good, the L1 entries past it zeroed and their L2 tables
 * freed, refcount blocks that count nothing more dropped from the table,
 * and the file cut after its last used cluster.  Growing: the L1 table
 * grows to cover the new size exactly; then by preallocation mode
 *   off       nothing more;
 *   metadata  L2 tables and clusters allocated for the new area (entries
 *             written, data not), the file grown to hold them;
 *   falloc,   refcount structures for everything at the end of the file,
 *   full      then the data clusters after them in one run, the file
 *             grown over them (fallocate, or zeroes written), then the L2
 *             entries (the partial last cluster of the old size moves to
 *             the new area with its data copied, as in QEMU).
 * When a backing file would show through the new area (the generic layer
 * asks BK_TRUNC_ZERO_WRITE), the new area is made to read as zeroes.
 * Last the caches are written (preallocation), the header's size is
 * written, and the options are read again: the L2 cache's size follows
 * the disk's.
 *
 * Messages are qemu's, through the request's cause.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

/* The words for the request, as error_setg gives them (the first wins
 * unless replace). */
static int say(int ret, bool replace, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int say(int ret, bool replace, const char *fmt, ...)
{
    struct bk_req *req = qcow2_current_req();
    va_list ap;

    if (req == NULL || (req->cause[0] != '\0' && !replace))
        return ret;
    va_start(ap, fmt);
    vsnprintf(req->cause, sizeof(req->cause), fmt, ap);
    va_end(ap);
    return ret;
}

/* "MSG: strerror", as error_setg_errno words it. */
static int say_errno(int ret, const char *msg)
{
    return say(ret, true, "%s: %s", msg, strerror(-ret));
}

/* A failure of the file below: its words (or its errno's) after prefix. */
static int say_file(int ret, const char *prefix)
{
    struct bk_req *req = qcow2_current_req();
    char below[sizeof(req->cause)];

    if (req == NULL)
        return ret;
    /* The file's own words, which qemu's file driver always has. */
    if (req->cause[0])
        snprintf(below, sizeof(below), "%s", req->cause);
    else
        snprintf(below, sizeof(below), "Could not resize file: %s",
                 strerror(-ret));
    return say(ret, true, "%s%s", prefix, below);
}

static uint64_t size_to_l1(const struct qcow2_state *s, uint64_t size)
{
    unsigned shift = s->cluster_bits + s->l2_bits;

    return (size + (1ULL << shift) - 1) >> shift;
}

/* prealloc=metadata: clusters for [offset, new_length), entries only. */
static int preallocate(struct qcow2_state *s, uint64_t offset,
                       uint64_t new_length, enum bk_prealloc mode)
{
    uint64_t bytes = new_length - offset, host_offset = 0;
    struct qcow2_l2meta *meta = NULL;
    unsigned cur_bytes = 0;
    int64_t file_length;
    int ret;

    while (bytes) {
        uint64_t max = (uint64_t)INT32_MAX & ~(uint64_t)(s->cluster_size - 1);

        cur_bytes = (unsigned)(bytes < max ? bytes : max);
        ret = qcow2_alloc_host_offset(s, offset, &cur_bytes, &host_offset,
                                      &meta);
        if (ret < 0) {
            say_errno(ret, "Allocating clusters failed");
            goto out;
        }
        for (struct qcow2_l2meta *m = meta; m != NULL; m = m->next)
            m->prealloc = true;
        ret = qcow2_handle_l2meta(s, &meta, true);
        if (ret < 0) {
            say_errno(ret, "Mapping clusters failed");
            goto out;
        }
        bytes -= cur_bytes;
        offset += cur_bytes;
    }
    /* The file must hold every cluster allocated, or reads fail past its
     * end: grow it to the last one. */
    file_length = (bk_node_length(s->data_file) + 511) & ~(int64_t)511;
    if ((int64_t)(host_offset + cur_bytes) > file_length) {
        if (mode == BK_PREALLOC_METADATA)
            mode = BK_PREALLOC_OFF;
        ret = qcow2_data_truncate(s, (int64_t)(host_offset + cur_bytes),
                                  mode);
        if (ret < 0)
            goto out;
    }
    ret = 0;
out:
    qcow2_handle_l2meta(s, &meta, false);
    return ret;
}

static int shrink(struct qcow2_state *s, uint64_t offset, uint64_t old_length,
                  uint64_t new_l1_size)
{
    uint64_t start = (offset + s->cluster_size - 1) &
                     ~(uint64_t)(s->cluster_size - 1);
    int64_t old_file_size, last_cluster;
    int ret;

    if (start < old_length) {
        ret = qcow2_cluster_discard(s, start, old_length - start,
                                    QCOW2_DISCARD_ALWAYS, true);
        if (ret < 0)
            return say_errno(ret, "Failed to discard cropped clusters");
    }
    ret = qcow2_shrink_l1_table(s, new_l1_size);
    if (ret < 0)
        return say_errno(ret, "Failed to reduce the number of L2 tables");
    ret = qcow2_shrink_reftable(s);
    if (ret < 0)
        return say_errno(ret, "Failed to discard unused refblocks");
    old_file_size = (bk_node_length(s->node->file) + 511) & ~(int64_t)511;
    last_cluster = qcow2_get_last_cluster(s, old_file_size);
    if (last_cluster < 0)
        return say_errno((int)last_cluster,
                         "Failed to find the last cluster");
    if ((last_cluster + 1) * (int64_t)s->cluster_size < old_file_size) {
        struct bk_req *req = qcow2_current_req();

        /* Cutting the tail is a favour: a failure is only a warning. */
        ret = qcow2_file_truncate(s, (last_cluster + 1) * s->cluster_size,
                                  BK_PREALLOC_OFF);
        if (ret < 0) {
            char *m = strfmt("Failed to truncate the tail of the image: %s",
                             req != NULL && req->cause[0]
                                 ? req->cause : strerror(-ret));

            if (m != NULL)
                bk_stack_message(s->node->stack, BK_MSG_WARNING, m);
            free(m);
            if (req != NULL)
                req->cause[0] = '\0';
        }
    }
    return 0;
}

/* prealloc=falloc|full without a data file: see the top. */
static int grow_allocated(struct qcow2_state *s, uint64_t offset,
                          uint64_t old_length, enum bk_prealloc prealloc,
                          unsigned *flags)
{
    struct bk_req *req = qcow2_current_req();
    int64_t old_file_size, last_cluster, allocation_start, allocated;
    uint64_t nb_new_data_clusters, nb_new_l2_tables, new_file_size;
    uint64_t host_offset, guest_offset;
    bool subclusters_need_allocation = false;
    int ret;

    old_file_size = (bk_node_length(s->node->file) + 511) & ~(int64_t)511;
    last_cluster = qcow2_get_last_cluster(s, old_file_size);
    if (last_cluster >= 0)
        old_file_size = (last_cluster + 1) * (int64_t)s->cluster_size;
    else
        old_file_size = (old_file_size + s->cluster_size - 1) &
                        ~(int64_t)(s->cluster_size - 1);
    nb_new_data_clusters =
        (((offset + s->cluster_size - 1) & ~(uint64_t)(s->cluster_size - 1)) -
         qcow2_start_of_cluster(s, old_length)) >> s->cluster_bits;
    /*
     * More than is needed: the L2 tables may land anywhere, but the new
     * refcount structures must cover them, so that entering the data
     * clusters never allocates refcount blocks.  One more for a partial
     * table at either end.
     */
    nb_new_l2_tables = (nb_new_data_clusters + s->l2_size - 1) / s->l2_size;
    nb_new_l2_tables++;
    allocation_start = qcow2_refcount_area(s, (uint64_t)old_file_size,
                                           nb_new_data_clusters +
                                               nb_new_l2_tables,
                                           true, 0, 0);
    if (allocation_start < 0)
        return say_errno((int)allocation_start,
                         "Failed to resize refcount structures");
    allocated = qcow2_alloc_clusters_at(s, (uint64_t)allocation_start,
                                        (int64_t)nb_new_data_clusters);
    if (allocated < 0)
        return say_errno((int)allocated, "Failed to allocate data clusters");
    if ((uint64_t)allocated != nb_new_data_clusters)
        abort();   /* the area after the refcount structures is free */

    new_file_size = (uint64_t)allocation_start +
                    nb_new_data_clusters * s->cluster_size;
    ret = -1;
    if (*flags & BK_TRUNC_ZERO_WRITE) {
        char saved[sizeof(req->cause)];

        /* The file may zero the area itself; its refusal says nothing. */
        if (req != NULL)
            memcpy(saved, req->cause, sizeof(saved));
        ret = qcow2_file_truncate(s, (int64_t)new_file_size,
                                  prealloc | BK_TRUNC_ZERO_WRITE);
        if (req != NULL)
            memcpy(req->cause, saved, sizeof(saved));
        if (ret >= 0) {
            *flags &= ~(unsigned)BK_TRUNC_ZERO_WRITE;
            /* Reads must give its zeroes, not the backing file's data. */
            subclusters_need_allocation = true;
        }
    }
    if (ret < 0)
        ret = qcow2_file_truncate(s, (int64_t)new_file_size, prealloc);
    if (ret < 0) {
        say_file(ret, "Failed to resize underlying file: ");
        qcow2_free_clusters(s, allocation_start,
                            (int64_t)(nb_new_data_clusters * s->cluster_size),
                            QCOW2_DISCARD_OTHER);
        return ret;
    }

    host_offset = (uint64_t)allocation_start;
    guest_offset = old_length;
    while (nb_new_data_clusters) {
        uint64_t room = s->l2_slice_size -
                        qcow2_offset_to_l2_slice_index(s, guest_offset);
        uint64_t nb = nb_new_data_clusters < room ? nb_new_data_clusters
                                                  : room;
        unsigned cow_start_length =
            (unsigned)qcow2_offset_into_cluster(s, guest_offset);
        struct qcow2_l2meta m;

        guest_offset = qcow2_start_of_cluster(s, guest_offset);
        m = (struct qcow2_l2meta){
            .offset = guest_offset,
            .alloc_offset = host_offset,
            .nb_clusters = (int)nb,
            .cow_start = { 0, cow_start_length },
            .cow_end = { (unsigned)(nb << s->cluster_bits), 0 },
            .prealloc = !subclusters_need_allocation,
        };
        ret = qcow2_alloc_cluster_link_l2(s, &m);
        if (ret < 0) {
            say_errno(ret, "Failed to update L2 tables");
            qcow2_free_clusters(s, (int64_t)host_offset,
                                (int64_t)(nb_new_data_clusters *
                                          s->cluster_size),
                                QCOW2_DISCARD_OTHER);
            return ret;
        }
        guest_offset += nb * s->cluster_size;
        host_offset += nb * s->cluster_size;
        nb_new_data_clusters -= nb;
    }
    return 0;
}

/* BK_TRUNC_ZERO_WRITE: the new area reads as zeroes. */
static int zero_new_area(struct qcow2_state *s, uint64_t offset,
                         uint64_t old_length)
{
    uint64_t zero_start = (old_length + s->subcluster_size - 1) &
                          ~(uint64_t)(s->subcluster_size - 1);
    int ret;

    /* Zero clusters where possible: from a subcluster boundary to the
     * end (which may be unaligned: it is the image's end). */
    if (offset > zero_start) {
        ret = qcow2_subcluster_zeroize(s, zero_start, offset - zero_start, 0);
        if (ret < 0)
            return say_errno(ret, "Failed to zero out new clusters");
    }
    /* The unaligned head as zeroes written. */
    if (zero_start > old_length) {
        uint64_t len = (zero_start < offset ? zero_start : offset) -
                       old_length;
        void *buf;
        struct iovec iov;

        if (posix_memalign(&buf, 4096, len) != 0)
            return -ENOMEM;
        memset(buf, 0, len);
        iov = (struct iovec){ buf, len };
        bk_co_mutex_unlock(&s->lock);
        ret = qcow2_co_pwritev(s, old_length, len, &iov, 1);
        bk_co_mutex_lock(&s->lock);
        free(buf);
        if (ret < 0)
            return say_errno(ret, "Failed to zero out the new area");
    }
    return 0;
}

static int do_truncate(struct qcow2_state *s, uint64_t offset,
                       enum bk_prealloc prealloc, unsigned flags)
{
    uint64_t old_length = s->size / 512 * 512;
    uint64_t new_l1_size = size_to_l1(s, offset);
    struct qcow2_options r;
    struct bk_opts *opts;
    unsigned char be[8];
    int ret;

    if (s->nb_snapshots && s->version < 3)
        return say(-ENOTSUP, true, "Can't resize a v2 image which has "
                   "snapshots");
    {
        char *cause = NULL;

        ret = qcow2_truncate_bitmaps_check(s, &cause);
        if (ret < 0) {
            say(-ENOTSUP, true, "%s", cause != NULL ? cause : "");
            free(cause);
            return -ENOTSUP;
        }
    }
    if (offset < old_length) {
        if (prealloc != BK_PREALLOC_OFF)
            return say(-EINVAL, true, "Preallocation can't be used for "
                       "shrinking an image");
        ret = shrink(s, offset, old_length, new_l1_size);
        if (ret < 0)
            return ret;
    } else {
        ret = qcow2_grow_l1_table(s, new_l1_size, true);
        if (ret < 0)
            return say_errno(ret, "Failed to grow the L1 table");
        /* A raw data file must read as the disk: the new area gets its
         * tables, so that it maps one to one too. */
        if (qcow2_data_file_is_raw(s) && prealloc == BK_PREALLOC_OFF)
            prealloc = BK_PREALLOC_METADATA;
    }

    switch (prealloc) {
    case BK_PREALLOC_OFF:
        /* The data file follows the disk's size. */
        if (s->geom.data_file)
            ret = qcow2_data_truncate(s, (int64_t)offset, BK_PREALLOC_OFF);
        break;
    case BK_PREALLOC_METADATA:
        ret = preallocate(s, old_length, offset, prealloc);
        break;
    case BK_PREALLOC_FALLOC:
    case BK_PREALLOC_FULL:
        /* With a data file: the tables, and the data file grown. */
        if (s->geom.data_file)
            ret = preallocate(s, old_length, offset, prealloc);
        else
            ret = grow_allocated(s, offset, old_length, prealloc, &flags);
        break;
    }
    if (ret < 0)
        return ret;
    if ((flags & BK_TRUNC_ZERO_WRITE) && offset > old_length) {
        ret = zero_new_area(s, offset, old_length);
        if (ret < 0)
            return ret;
    }
    if (prealloc != BK_PREALLOC_OFF) {
        /* The metadata reaches the file before the size says it may. */
        ret = qcow2_write_caches(s);
        if (ret < 0)
            return say_errno(ret, "Failed to flush the preallocated area to "
                             "disk");
    }

    /* The node's length changes now, even if what follows fails. */
    s->size = offset;
    s->node->total_bytes = (int64_t)(offset / 512 * 512);
    qcow2_put_be64(be, offset);
    ret = qcow2_file_pwrite_sync(s, 24, be, sizeof(be));
    if (ret < 0)
        return say_errno(ret, "Failed to update the image size");
    s->l1_vm_state_index = (uint32_t)new_l1_size;

    /* The caches are sized for the disk: read the options again. */
    opts = bk_opts_new();
    {
        const char *k, *v;

        for (size_t i = 0; bk_opts_at(s->runtime_opts, i, &k, &v); i++)
            bk_opts_set(opts, k, v);
    }
    {
        char *cause = NULL;

        ret = qcow2_options_prepare(s, opts, s->node->open_flags, &r, &cause);
        if (ret < 0) {
            qcow2_options_abort(&r);
            say(ret, true, "%s", cause != NULL ? cause : strerror(-ret));
        } else {
            qcow2_options_commit(s, &r);
        }
        free(cause);
    }
    bk_opts_free(opts);
    return ret;
}

int qcow2_co_truncate(struct qcow2_state *s, int64_t offset,
                      enum bk_prealloc prealloc, unsigned flags)
{
    int ret;

    /* A node marked corrupt lost its driver, as far as qemu is told. */
    if (s->broken)
        return say(-ENOMEDIUM, true, "No medium inserted");
    if (offset % 512 != 0)
        return say(-EINVAL, true, "The new size must be a multiple of %u",
                   512u);
    bk_co_mutex_lock(&s->lock);
    ret = do_truncate(s, (uint64_t)offset, prealloc, flags);
    bk_co_mutex_unlock(&s->lock);
    /* The bitmaps follow the disk (the block layer's, after success). */
    if (ret == 0)
        qcow2_bitmaps_truncate(s, (uint64_t)offset);
    return ret;
}
