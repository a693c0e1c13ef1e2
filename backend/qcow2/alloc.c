/*
 * alloc.c — host clusters for guest writes, and what follows once the
 * data is written: copy-on-write and the L2 entries.
 *
 * A write asks qcow2_alloc_host_offset for a host range.  Clusters that
 * may be written in place (COPIED: refcount 1) are used as they are;
 * others get new clusters, with an *l2meta* describing what to do once the
 * guest data is written: copy the parts of the first and last cluster the
 * write does not cover (COW, from the old cluster, the backing file or
 * zeroes), then point the L2 entries at the new clusters and free the old
 * ones.  Writes that overlap an allocation in flight wait for it.
 *
 * Order on disk: the COW data is written and (depends_on_flush) flushed
 * before the L2 table that points at it; the L2 table depends on the
 * refcount cache, so the refcounts reach the disk first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

int qcow2_alloc_compressed_cluster_offset(struct qcow2_state *s,
                                          uint64_t offset, int compressed_size,
                                          uint64_t *host_offset)
{
    unsigned csize_shift = 62 - (s->cluster_bits - 8);
    unsigned l2_index;
    int64_t cluster;
    uint64_t sectors, entry;
    void *slice;
    int ret;

    if (s->geom.data_file)
        return 0;
    ret = qcow2_get_cluster_table(s, offset, &slice, &l2_index);
    if (ret < 0)
        return ret;
    /* Compression does not overwrite: the cluster must be unallocated. */
    if (qcow2_l2_entry(&s->geom, slice, l2_index) & QCOW2_L2E_OFFSET_MASK) {
        qcow2_cache_put(s->l2_cache, &slice);
        return -EIO;
    }
    cluster = qcow2_alloc_bytes(s, compressed_size);
    if (cluster < 0) {
        qcow2_cache_put(s->l2_cache, &slice);
        return (int)cluster;
    }
    sectors = ((uint64_t)cluster + (uint64_t)compressed_size - 1) / 512 -
              (uint64_t)cluster / 512;
    entry = (uint64_t)cluster | QCOW2_OFLAG_COMPRESSED |
            sectors << csize_shift;
    /* Compressed clusters never have COPIED. */
    qcow2_event(s, RULES_EV_L2_UPDATE_COMPRESSED);
    qcow2_cache_mark_dirty(s->l2_cache, slice);
    qcow2_set_l2_entry(&s->geom, slice, l2_index, entry);
    qcow2_set_l2_bitmap(&s->geom, slice, l2_index, 0);
    qcow2_cache_put(s->l2_cache, &slice);
    *host_offset = (uint64_t)cluster;
    return 0;
}

/* ---- copy-on-write and the L2 entries ----------------------------------- */

static int cow_read(struct qcow2_state *s, uint64_t cluster,
                    unsigned offset_in_cluster, struct qcow2_iov *q)
{
    size_t bytes = qcow2_iov_total(q);

    if (bytes == 0)
        return 0;
    qcow2_event(s, RULES_EV_COW_READ);
    if (s->broken)
        return -ENOMEDIUM;
    /* The guest read path, without the block layer around it. */
    return qcow2_co_preadv(s, cluster + offset_in_cluster, bytes, q->v, q->n,
                           0);
}

static int cow_write(struct qcow2_state *s, uint64_t cluster,
                     unsigned offset_in_cluster, struct qcow2_iov *q)
{
    size_t bytes = qcow2_iov_total(q);
    int ret;

    if (bytes == 0)
        return 0;
    ret = qcow2_pre_write_overlap_check(s, 0, (int64_t)(cluster +
                                                        offset_in_cluster),
                                        (int64_t)bytes, true);
    if (ret < 0)
        return ret;
    qcow2_event(s, RULES_EV_COW_WRITE);
    return qcow2_data_pwritev(s, (int64_t)(cluster + offset_in_cluster), q->v,
                              q->n, (int64_t)bytes);
}

/*
 * Copy the regions of m's clusters the guest write does not cover.  Both
 * regions are read in one go when the gap is small; with the guest data
 * at hand (merged), regions and data go out in one write.
 */
static int perform_cow(struct qcow2_state *s, struct qcow2_l2meta *m)
{
    struct qcow2_cow_region *start = &m->cow_start, *end = &m->cow_end;
    unsigned data_bytes = end->offset - (start->offset + start->nb_bytes);
    bool merge_reads;
    size_t buffer_size;
    unsigned char *start_buffer, *end_buffer;
    struct qcow2_iov q;
    int ret;

    if ((start->nb_bytes == 0 && end->nb_bytes == 0) || m->skip_cow)
        return 0;
    merge_reads = start->nb_bytes && end->nb_bytes && data_bytes <= 16384;
    if (merge_reads) {
        buffer_size = (size_t)start->nb_bytes + data_bytes + end->nb_bytes;
    } else {
        /* The end region starts aligned for O_DIRECT. */
        size_t align = s->node->file->bl.buf_align > 4096
                           ? s->node->file->bl.buf_align : 4096;

        buffer_size = (start->nb_bytes + align - 1) / align * align +
                      end->nb_bytes;
    }
    if (posix_memalign((void **)&start_buffer, 4096,
                       buffer_size ? buffer_size : 1) != 0)
        return -ENOMEM;
    end_buffer = start_buffer + buffer_size - end->nb_bytes;
    qcow2_iov_init(&q);

    bk_co_mutex_unlock(&s->lock);
    if (merge_reads) {
        qcow2_iov_add(&q, start_buffer, buffer_size);
        ret = cow_read(s, m->offset, start->offset, &q);
    } else {
        qcow2_iov_add(&q, start_buffer, start->nb_bytes);
        ret = cow_read(s, m->offset, start->offset, &q);
        if (ret == 0) {
            qcow2_iov_reset(&q);
            qcow2_iov_add(&q, end_buffer, end->nb_bytes);
            ret = cow_read(s, m->offset, end->offset, &q);
        }
    }
    if (ret < 0)
        goto fail;

    if (m->data_iov != NULL) {
        qcow2_iov_reset(&q);
        qcow2_iov_add(&q, start_buffer, start->nb_bytes);
        qcow2_iov_concat(&q, m->data_iov, m->data_iovcnt, m->data_skip,
                         data_bytes);
        qcow2_iov_add(&q, end_buffer, end->nb_bytes);
        /* QEMU fires write_aio here, then cow_write: one write. */
        qcow2_event(s, RULES_EV_WRITE_AIO);
        ret = cow_write(s, m->alloc_offset, start->offset, &q);
    } else {
        qcow2_iov_reset(&q);
        qcow2_iov_add(&q, start_buffer, start->nb_bytes);
        ret = cow_write(s, m->alloc_offset, start->offset, &q);
        if (ret == 0) {
            qcow2_iov_reset(&q);
            qcow2_iov_add(&q, end_buffer, end->nb_bytes);
            ret = cow_write(s, m->alloc_offset, end->offset, &q);
        }
    }
fail:
    bk_co_mutex_lock(&s->lock);
    /* The L2 update must wait for the COW data to be stable. */
    if (ret == 0)
        qcow2_meta_depends_on_flush(s->l2_cache);
    free(start_buffer);
    qcow2_iov_destroy(&q);
    return ret;
}

int qcow2_alloc_cluster_link_l2(struct qcow2_state *s, struct qcow2_l2meta *m)
{
    uint64_t *old = calloc((size_t)m->nb_clusters, sizeof(*old));
    unsigned l2_index;
    void *slice;
    int j = 0, ret;

    if (old == NULL)
        return -ENOMEM;
    ret = perform_cow(s, m);
    if (ret < 0)
        goto out;
    if (s->use_lazy_refcounts)
        qcow2_mark_dirty(s);
    if (qcow2_need_accurate_refcounts(s))
        qcow2_meta_set_dependency(s, s->l2_cache, s->rc_cache);
    ret = qcow2_get_cluster_table(s, m->offset, &slice, &l2_index);
    if (ret < 0)
        goto out;
    qcow2_cache_mark_dirty(s->l2_cache, slice);
    for (int i = 0; i < m->nb_clusters; i++) {
        uint64_t host = m->alloc_offset + ((uint64_t)i << s->cluster_bits);
        uint64_t entry = qcow2_l2_entry(&s->geom, slice, l2_index + i);

        /* Another write allocated this cluster meanwhile: free its one. */
        if (entry != 0)
            old[j++] = entry;
        qcow2_set_l2_entry(&s->geom, slice, l2_index + i,
                           host | QCOW2_OFLAG_COPIED);
        if (s->geom.extended && !m->prealloc) {
            uint64_t bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index + i);
            unsigned from = m->cow_start.offset;
            unsigned to = m->cow_end.offset + m->cow_end.nb_bytes;
            unsigned lo = (unsigned)i << s->cluster_bits;
            unsigned hi = (unsigned)(i + 1) << s->cluster_bits;
            unsigned first, last;

            if (from < lo)
                from = lo;
            if (to > hi)
                to = hi;
            first = qcow2_offset_to_sc_index(s, from);
            last = qcow2_offset_to_sc_index(s, to - 1);
            bitmap |= QCOW2_SUB_ALLOC_RANGE(first, last + 1);
            bitmap &= ~QCOW2_SUB_ZERO_RANGE(first, last + 1);
            qcow2_set_l2_bitmap(&s->geom, slice, l2_index + i, bitmap);
        }
    }
    qcow2_cache_put(s->l2_cache, &slice);
    /* Old clusters reaching refcount 0 are not discarded: reused soon. */
    if (!m->keep_old_clusters)
        for (int i = 0; i < j; i++)
            qcow2_free_any_cluster(s, old[i], QCOW2_DISCARD_NEVER);
    ret = 0;
out:
    free(old);
    return ret;
}

void qcow2_alloc_cluster_abort(struct qcow2_state *s, struct qcow2_l2meta *m)
{
    if (!s->geom.data_file && !m->keep_old_clusters)
        qcow2_free_clusters(s, (int64_t)m->alloc_offset,
                            (int64_t)m->nb_clusters << s->cluster_bits,
                            QCOW2_DISCARD_NEVER);
}

/* ---- allocation for writes ---------------------------------------------- */

/*
 * The l2meta for a write of bytes at guest_offset into host clusters at
 * host_cluster (keep_old: the clusters it has already), added to *m and
 * to the in-flight list; nothing when no COW or L2 change is needed.
 */
static int calculate_l2_meta(struct qcow2_state *s, uint64_t host_cluster,
                             uint64_t guest_offset, unsigned bytes,
                             const void *slice, struct qcow2_l2meta **m,
                             bool keep_old)
{
    unsigned l2_index = qcow2_offset_to_l2_slice_index(s, guest_offset);
    unsigned cow_start_to = (unsigned)qcow2_offset_into_cluster(s,
                                                                guest_offset);
    unsigned cow_end_from = cow_start_to + bytes;
    unsigned nb = (unsigned)qcow2_size_to_clusters(s, cow_end_from);
    unsigned cow_start_from = 0, cow_end_to = 0, sc_index;
    enum qcow2_subcluster_type type = QCOW2_SC_NORMAL;
    bool skip_cow = keep_old;
    uint64_t entry, bitmap;
    struct qcow2_l2meta *n;

    for (unsigned i = 0; i < nb; i++) {
        entry = qcow2_l2_entry(&s->geom, slice, l2_index + i);
        bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index + i);
        if (skip_cow) {
            unsigned from = cow_start_to > i << s->cluster_bits
                                ? cow_start_to : i << s->cluster_bits;
            unsigned to = cow_end_from < (i + 1) << s->cluster_bits
                              ? cow_end_from : (i + 1) << s->cluster_bits;
            unsigned first = qcow2_offset_to_sc_index(s, from);
            unsigned last = qcow2_offset_to_sc_index(s, to - 1);
            int cnt = qcow2_subcluster_range(&s->geom, entry, bitmap, first,
                                             &type);

            if (type != QCOW2_SC_NORMAL || first + (unsigned)cnt <= last)
                skip_cow = false;
        } else {
            type = qcow2_subcluster_type(&s->geom, entry, bitmap, 0);
        }
        if (type == QCOW2_SC_INVALID) {
            uint64_t l1_index = qcow2_offset_to_l1_index(s, guest_offset);

            qcow2_signal_corruption(s, true, "Invalid cluster entry found "
                                    "(L2 offset: %#" PRIx64 ", L2 index: "
                                    "%#x)", (uint64_t)(s->l1_table[l1_index] &
                                    QCOW2_L1E_OFFSET_MASK), l2_index + i);
            return -EIO;
        }
    }
    if (skip_cow)
        return 0;

    entry = qcow2_l2_entry(&s->geom, slice, l2_index);
    bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index);
    sc_index = qcow2_offset_to_sc_index(s, guest_offset);
    type = qcow2_subcluster_type(&s->geom, entry, bitmap, sc_index);
    if (!keep_old) {
        switch (type) {
        case QCOW2_SC_NORMAL:
        case QCOW2_SC_ZERO_ALLOC:
        case QCOW2_SC_UNALLOCATED_ALLOC:
            if (s->geom.extended) {
                /* Leading zero and unallocated subclusters need no copy. */
                uint32_t alloc = (uint32_t)(bitmap & QCOW2_BITMAP_ALL_ALLOC);
                unsigned ctz = alloc ? (unsigned)__builtin_ctz(alloc) : 32;

                cow_start_from = (sc_index < ctz ? sc_index : ctz)
                                 << s->subcluster_bits;
            } else {
                cow_start_from = 0;
            }
            break;
        case QCOW2_SC_ZERO_PLAIN:
        case QCOW2_SC_UNALLOCATED_PLAIN:
            cow_start_from = sc_index << s->subcluster_bits;
            break;
        default:   /* compressed */
            cow_start_from = 0;
            break;
        }
    } else {
        cow_start_from = type == QCOW2_SC_NORMAL
                             ? cow_start_to : sc_index << s->subcluster_bits;
    }

    l2_index += nb - 1;
    entry = qcow2_l2_entry(&s->geom, slice, l2_index);
    bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index);
    sc_index = qcow2_offset_to_sc_index(s, guest_offset + bytes - 1);
    type = qcow2_subcluster_type(&s->geom, entry, bitmap, sc_index);
    if (!keep_old) {
        switch (type) {
        case QCOW2_SC_NORMAL:
        case QCOW2_SC_ZERO_ALLOC:
        case QCOW2_SC_UNALLOCATED_ALLOC:
            cow_end_to = (cow_end_from + s->cluster_size - 1) &
                         ~(s->cluster_size - 1);
            if (s->geom.extended) {
                uint32_t alloc = (uint32_t)(bitmap & QCOW2_BITMAP_ALL_ALLOC);
                unsigned clz = alloc ? (unsigned)__builtin_clz(alloc) : 32;
                unsigned after = s->subclusters_per_cluster - sc_index - 1;

                cow_end_to -= (after < clz ? after : clz)
                              << s->subcluster_bits;
            }
            break;
        case QCOW2_SC_ZERO_PLAIN:
        case QCOW2_SC_UNALLOCATED_PLAIN:
            cow_end_to = (cow_end_from + s->subcluster_size - 1) &
                         ~(s->subcluster_size - 1);
            break;
        default:   /* compressed */
            cow_end_to = (cow_end_from + s->cluster_size - 1) &
                         ~(s->cluster_size - 1);
            break;
        }
    } else {
        cow_end_to = type == QCOW2_SC_NORMAL
                         ? cow_end_from
                         : (cow_end_from + s->subcluster_size - 1) &
                               ~(s->subcluster_size - 1);
    }

    n = calloc(1, sizeof(*n));
    if (n == NULL)
        return -ENOMEM;
    *n = (struct qcow2_l2meta){
        .next = *m,
        .alloc_offset = host_cluster,
        .offset = qcow2_start_of_cluster(s, guest_offset),
        .nb_clusters = (int)nb,
        .keep_old_clusters = keep_old,
        .cow_start = { cow_start_from, cow_start_to - cow_start_from },
        .cow_end = { cow_end_from, cow_end_to - cow_end_from },
    };
    /* In flight, newest first, as QEMU's list. */
    n->next_in_flight = s->cluster_allocs;
    if (s->cluster_allocs != NULL)
        s->cluster_allocs->prev_in_flight = &n->next_in_flight;
    n->prev_in_flight = &s->cluster_allocs;
    s->cluster_allocs = n;
    *m = n;
    return 0;
}

/* Must a write to this cluster allocate (unallocated, zero, shared,
 * compressed)? */
static bool cluster_needs_new_alloc(const struct qcow2_state *s,
                                    uint64_t entry)
{
    switch (qcow2_cluster_type(&s->geom, entry)) {
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return !(entry & QCOW2_OFLAG_COPIED);
    default:
        return true;
    }
}

static unsigned count_single_write_clusters(const struct qcow2_state *s,
                                            unsigned nb, const void *slice,
                                            unsigned l2_index, bool new_alloc)
{
    uint64_t expected = qcow2_l2_entry(&s->geom, slice, l2_index) &
                        QCOW2_L2E_OFFSET_MASK;
    unsigned i;

    for (i = 0; i < nb; i++) {
        uint64_t entry = qcow2_l2_entry(&s->geom, slice, l2_index + i);

        if (cluster_needs_new_alloc(s, entry) != new_alloc)
            break;
        if (!new_alloc) {
            if (expected != (entry & QCOW2_L2E_OFFSET_MASK))
                break;
            expected += s->cluster_size;
        }
    }
    return i;
}

/*
 * Shorten *cur_bytes to stop before the next allocation in flight; wait
 * for one that overlaps the start (-EAGAIN: look again).
 */
static int handle_dependencies(struct qcow2_state *s, uint64_t guest_offset,
                               uint64_t *cur_bytes, struct qcow2_l2meta **m)
{
    uint64_t bytes = *cur_bytes;

    for (struct qcow2_l2meta *old = s->cluster_allocs; old != NULL;
         old = old->next_in_flight) {
        uint64_t start = guest_offset, end = start + bytes;
        uint64_t old_start = qcow2_start_of_cluster(s,
                                                    qcow2_l2meta_cow_start(old));
        uint64_t old_end = (qcow2_l2meta_cow_end(old) + s->cluster_size - 1) &
                           ~(uint64_t)(s->cluster_size - 1);

        if (end <= old_start || start >= old_end)
            continue;
        /* Same clusters, already allocated, COW areas apart: no conflict. */
        if (old->keep_old_clusters &&
            (end <= qcow2_l2meta_cow_start(old) ||
             start >= qcow2_l2meta_cow_end(old)))
            continue;
        bytes = start < old_start ? old_start - start : 0;
        if (bytes == 0 && *m != NULL) {
            *cur_bytes = 0;
            return 0;
        }
        if (bytes == 0) {
            bk_co_queue_wait_unlocked(&old->dependent, &s->lock);
            return -EAGAIN;
        }
    }
    *cur_bytes = bytes;
    return 0;
}

/* The clusters a write of bytes at guest_offset may take in one step: to
 * the end of its L2 slice, and no more than a request's worth. */
static uint64_t write_span(struct qcow2_state *s, uint64_t guest_offset,
                           uint64_t bytes)
{
    uint64_t nb = qcow2_size_to_clusters(s, qcow2_offset_into_cluster(
                                                s, guest_offset) + bytes);
    unsigned l2_index = qcow2_offset_to_l2_slice_index(s, guest_offset);

    if (nb > s->l2_slice_size - l2_index)
        nb = s->l2_slice_size - l2_index;
    if (nb > (uint64_t)(QCOW2_REQUEST_MAX_BYTES >> s->cluster_bits))
        nb = QCOW2_REQUEST_MAX_BYTES >> s->cluster_bits;
    return nb;
}

/* Clusters at guest_offset that may be written in place: 1 with *bytes
 * cut to them, 0 when there are none (*bytes 0 when there is one but not
 * at the required *host_offset). */
static int handle_copied(struct qcow2_state *s, uint64_t guest_offset,
                         uint64_t *host_offset, uint64_t *bytes,
                         struct qcow2_l2meta **m)
{
    uint64_t in_cluster = qcow2_offset_into_cluster(s, guest_offset);
    uint64_t nb = write_span(s, guest_offset, *bytes);
    unsigned l2_index;
    uint64_t entry, cluster_offset;
    void *slice;
    int ret;

    ret = qcow2_get_cluster_table(s, guest_offset, &slice, &l2_index);
    if (ret < 0)
        return ret;
    entry = qcow2_l2_entry(&s->geom, slice, l2_index);
    cluster_offset = entry & QCOW2_L2E_OFFSET_MASK;
    if (!cluster_needs_new_alloc(s, entry)) {
        unsigned keep;

        if (qcow2_offset_into_cluster(s, cluster_offset)) {
            qcow2_signal_corruption(s, true, "%s cluster offset %#" PRIx64
                                    " unaligned (guest offset: %#" PRIx64 ")",
                                    entry & QCOW2_OFLAG_ZERO
                                        ? "Preallocated zero" : "Data",
                                    cluster_offset, guest_offset);
            ret = -EIO;
            goto out;
        }
        if (*host_offset != UINT64_MAX && cluster_offset != *host_offset) {
            *bytes = 0;
            ret = 0;
            goto out;
        }
        keep = count_single_write_clusters(s, (unsigned)nb, slice, l2_index,
                                           false);
        if (*bytes > (uint64_t)keep * s->cluster_size - in_cluster)
            *bytes = (uint64_t)keep * s->cluster_size - in_cluster;
        ret = calculate_l2_meta(s, cluster_offset, guest_offset,
                                (unsigned)*bytes, slice, m, true);
        if (ret == 0)
            ret = 1;
    } else {
        ret = 0;
    }
out:
    qcow2_cache_put(s->l2_cache, &slice);
    if (ret > 0)
        *host_offset = cluster_offset + in_cluster;
    return ret;
}

/* New clusters for guest_offset, at *host_offset when that is given:
 * 1 with *bytes cut to them, 0 when none could be had there. */
static int handle_alloc(struct qcow2_state *s, uint64_t guest_offset,
                        uint64_t *host_offset, uint64_t *bytes,
                        struct qcow2_l2meta **m)
{
    uint64_t in_cluster = qcow2_offset_into_cluster(s, guest_offset);
    uint64_t nb = write_span(s, guest_offset, *bytes);
    unsigned l2_index;
    uint64_t alloc_offset, requested, avail, nb_bytes;
    void *slice;
    int ret;

    ret = qcow2_get_cluster_table(s, guest_offset, &slice, &l2_index);
    if (ret < 0)
        return ret;
    nb = count_single_write_clusters(s, (unsigned)nb, slice, l2_index, true);

    if (s->geom.data_file) {
        /* The data file maps the disk one to one: nothing to allocate. */
        alloc_offset = qcow2_start_of_cluster(s, guest_offset);
    } else if (*host_offset == UINT64_MAX) {
        int64_t off = qcow2_alloc_clusters(s, nb * s->cluster_size);

        if (off < 0) {
            ret = (int)off;
            goto out;
        }
        alloc_offset = (uint64_t)off;
    } else {
        int64_t n;

        alloc_offset = qcow2_start_of_cluster(s, *host_offset);
        n = qcow2_alloc_clusters_at(s, alloc_offset, (int64_t)nb);
        if (n < 0) {
            ret = (int)n;
            goto out;
        }
        nb = (uint64_t)n;
    }
    if (nb == 0) {
        *bytes = 0;
        ret = 0;
        goto out;
    }
    requested = *bytes + in_cluster;
    avail = nb << s->cluster_bits;
    nb_bytes = requested < avail ? requested : avail;
    *host_offset = alloc_offset + in_cluster;
    if (*bytes > nb_bytes - in_cluster)
        *bytes = nb_bytes - in_cluster;
    ret = calculate_l2_meta(s, alloc_offset, guest_offset, (unsigned)*bytes,
                            slice, m, false);
    if (ret == 0)
        ret = 1;
out:
    qcow2_cache_put(s->l2_cache, &slice);
    return ret;
}

int qcow2_alloc_host_offset(struct qcow2_state *s, uint64_t offset,
                            unsigned *bytes, uint64_t *host_offset,
                            struct qcow2_l2meta **m)
{
    uint64_t start, remaining, cluster_offset, cur_bytes;
    int ret;

again:
    start = offset;
    remaining = *bytes;
    cluster_offset = UINT64_MAX;
    *host_offset = UINT64_MAX;
    cur_bytes = 0;
    *m = NULL;
    for (;;) {
        if (*host_offset == UINT64_MAX && cluster_offset != UINT64_MAX)
            *host_offset = cluster_offset;
        start += cur_bytes;
        remaining -= cur_bytes;
        if (cluster_offset != UINT64_MAX)
            cluster_offset += cur_bytes;
        if (remaining == 0)
            break;
        cur_bytes = remaining;

        ret = handle_dependencies(s, start, &cur_bytes, m);
        if (ret == -EAGAIN)
            goto again;
        if (ret < 0)
            return ret;
        if (cur_bytes == 0)
            break;

        ret = handle_copied(s, start, &cluster_offset, &cur_bytes, m);
        if (ret < 0)
            return ret;
        if (ret)
            continue;
        if (cur_bytes == 0)
            break;

        ret = handle_alloc(s, start, &cluster_offset, &cur_bytes, m);
        if (ret < 0)
            return ret;
        if (ret)
            continue;
        break;
    }
    *bytes -= (unsigned)remaining;
    return 0;
}

/* Link (or, on failure, free) the allocations of a request piece, and let
 * the writes waiting for them go on. */
int qcow2_handle_l2meta(struct qcow2_state *s, struct qcow2_l2meta **pm,
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
