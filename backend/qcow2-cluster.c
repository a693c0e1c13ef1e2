/*
 * qcow2-cluster.c — guest offsets to host offsets: lookups, allocation of
 * clusters and L2 tables, copy-on-write, and zeroing and discarding whole
 * clusters.
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
 * refcount cache, so the refcounts reach the disk first.  A new L2 table
 * is written (and flushed) before the L1 entry that points at it; a grown
 * L1 table before the header switch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2.h"

/* ---- L1 -------------------------------------------------------------------- */

int qcow2_grow_l1_table(struct qcow2_state *s, uint64_t min_size,
                        bool exact_size)
{
    uint64_t new_size, *table;
    int64_t new_offset;
    uint64_t old_offset, old_size;
    size_t bytes;
    unsigned char data[12];
    int ret;

    if (min_size <= s->l1_size)
        return 0;
    if (min_size > INT32_MAX / 8)
        return -EFBIG;
    if (exact_size) {
        new_size = min_size;
    } else {
        /* Grow by half again until it fits, to grow rarely. */
        new_size = s->l1_size ? s->l1_size : 1;
        while (min_size > new_size)
            new_size = (new_size * 3 + 1) / 2;
    }
    if (new_size > QCOW2_MAX_L1_SIZE / 8)
        return -EFBIG;
    bytes = (size_t)new_size * 8;
    table = calloc(new_size, 8);
    if (table == NULL)
        return -ENOMEM;
    memcpy(table, s->l1_table, (size_t)s->l1_size * 8);

    qcow2_event(s, RULES_EV_L1_GROW_ALLOC_TABLE);
    new_offset = qcow2_alloc_clusters(s, bytes);
    if (new_offset < 0) {
        free(table);
        return (int)new_offset;
    }
    ret = qcow2_meta_flush(s, s->rc_cache);
    if (ret < 0)
        goto fail;
    /* Not in use yet: these clusters must be free of anything. */
    ret = qcow2_pre_write_overlap_check(s, 0, new_offset, (int64_t)bytes,
                                        false);
    if (ret < 0)
        goto fail;
    qcow2_event(s, RULES_EV_L1_GROW_WRITE_TABLE);
    for (uint32_t i = 0; i < s->l1_size; i++)
        qcow2_put_be64(&table[i], table[i]);
    ret = qcow2_file_pwrite_sync(s, new_offset, table, bytes);
    if (ret < 0)
        goto fail;
    for (uint32_t i = 0; i < s->l1_size; i++)
        table[i] = qcow2_be64(&table[i]);

    qcow2_event(s, RULES_EV_L1_GROW_ACTIVATE_TABLE);
    qcow2_put_be32(data, (uint32_t)new_size);
    qcow2_put_be64(data + 4, (uint64_t)new_offset);
    ret = qcow2_file_pwrite_sync(s, 36, data, sizeof(data));
    if (ret < 0)
        goto fail;
    free(s->l1_table);
    old_offset = s->l1_table_offset;
    old_size = s->l1_size;
    s->l1_table_offset = (uint64_t)new_offset;
    s->l1_table = table;
    s->l1_size = (uint32_t)new_size;
    qcow2_free_clusters(s, (int64_t)old_offset, (int64_t)(old_size * 8),
                        QCOW2_DISCARD_OTHER);
    return 0;
fail:
    free(table);
    qcow2_free_clusters(s, new_offset, (int64_t)bytes, QCOW2_DISCARD_OTHER);
    return ret;
}

int qcow2_write_l1_entry(struct qcow2_state *s, unsigned l1_index)
{
    /* As much as the file's alignment asks for: no read-modify-write. */
    uint32_t align = s->node->file->bl.request_alignment;
    size_t bufsize = align < s->cluster_size ? align : s->cluster_size;
    unsigned nentries, start;
    uint64_t *buf;
    int ret;

    if (bufsize < 8)
        bufsize = 8;
    nentries = (unsigned)(bufsize / 8);
    start = l1_index / nentries * nentries;
    buf = calloc(nentries, 8);
    if (buf == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < nentries && start + i < s->l1_size; i++)
        qcow2_put_be64(&buf[i], s->l1_table[start + i]);
    ret = qcow2_pre_write_overlap_check(s, QCOW2_OL_ACTIVE_L1,
                                        (int64_t)(s->l1_table_offset +
                                                  8ULL * start),
                                        (int64_t)bufsize, false);
    if (ret == 0) {
        qcow2_event(s, RULES_EV_L1_UPDATE);
        ret = qcow2_file_pwrite_sync(s, (int64_t)(s->l1_table_offset +
                                                  8ULL * start),
                                     buf, bufsize);
    }
    free(buf);
    return ret;
}

/* ---- L2 ------------------------------------------------------------------- */

/* The slice of the L2 table at l2_offset that maps guest offset. */
static int l2_load(struct qcow2_state *s, uint64_t offset, uint64_t l2_offset,
                   void **slice)
{
    uint64_t start = qcow2_l2_entry_size(s) *
                     (qcow2_offset_to_l2_index(s, offset) -
                      qcow2_offset_to_l2_slice_index(s, offset));

    return qcow2_meta_get(s, s->l2_cache, l2_offset + start, slice);
}

/* A new L2 table for L1 entry l1_index: zeroes, or a copy of the old one
 * (shared with a snapshot). */
static int l2_allocate(struct qcow2_state *s, unsigned l1_index)
{
    uint64_t old_l2 = s->l1_table[l1_index];
    size_t slice_bytes = s->l2_slice_size * qcow2_l2_entry_size(s);
    unsigned n_slices = (unsigned)(s->cluster_size / slice_bytes);
    void *slice = NULL;
    int64_t l2_offset;
    int ret;

    l2_offset = qcow2_alloc_clusters(s, s->l2_size * qcow2_l2_entry_size(s));
    if (l2_offset < 0) {
        ret = (int)l2_offset;
        goto fail;
    }
    if (l2_offset == 0) {
        qcow2_signal_corruption(s, true, "Preventing invalid allocation of "
                                "L2 table at offset 0");
        ret = -EIO;
        goto fail;
    }
    ret = qcow2_meta_flush(s, s->rc_cache);
    if (ret < 0)
        goto fail;

    for (unsigned i = 0; i < n_slices; i++) {
        ret = qcow2_meta_get_empty(s, s->l2_cache,
                                   (uint64_t)l2_offset + i * slice_bytes,
                                   &slice);
        if (ret < 0)
            goto fail;
        if ((old_l2 & QCOW2_L1E_OFFSET_MASK) == 0) {
            memset(slice, 0, slice_bytes);
        } else {
            void *old;

            qcow2_event(s, RULES_EV_L2_ALLOC_COW_READ);
            ret = qcow2_meta_get(s, s->l2_cache,
                                 (old_l2 & QCOW2_L1E_OFFSET_MASK) +
                                     i * slice_bytes, &old);
            if (ret < 0)
                goto fail;
            memcpy(slice, old, slice_bytes);
            qcow2_cache_put(s->l2_cache, &old);
        }
        qcow2_event(s, RULES_EV_L2_ALLOC_WRITE);
        qcow2_cache_mark_dirty(s->l2_cache, slice);
        qcow2_cache_put(s->l2_cache, &slice);
    }
    ret = qcow2_meta_flush(s, s->l2_cache);
    if (ret < 0)
        goto fail;
    s->l1_table[l1_index] = (uint64_t)l2_offset | QCOW2_OFLAG_COPIED;
    ret = qcow2_write_l1_entry(s, l1_index);
    if (ret < 0)
        goto fail;
    return 0;
fail:
    if (slice != NULL)
        qcow2_cache_put(s->l2_cache, &slice);
    s->l1_table[l1_index] = old_l2;
    if (l2_offset > 0)
        qcow2_free_clusters(s, l2_offset,
                            (int64_t)(s->l2_size * qcow2_l2_entry_size(s)),
                            QCOW2_DISCARD_ALWAYS);
    return ret;
}

/*
 * Subclusters of the exact same type from (l2_index, sc_index) on, over at
 * most nb_clusters entries of slice; allocated ones must be contiguous in
 * the file.  -EIO with *l2_index at an invalid entry.
 */
static int count_contiguous_subclusters(struct qcow2_state *s,
                                        unsigned nb_clusters,
                                        unsigned sc_index, const void *slice,
                                        unsigned *l2_index)
{
    enum qcow2_subcluster_type expected = QCOW2_SC_NORMAL, type;
    uint64_t expected_offset = 0;
    bool check_offset = false;
    int count = 0;

    for (unsigned i = 0; i < nb_clusters; i++) {
        unsigned first = i == 0 ? sc_index : 0;
        uint64_t entry = qcow2_l2_entry(&s->geom, slice, *l2_index + i);
        uint64_t bitmap = qcow2_l2_bitmap(&s->geom, slice, *l2_index + i);
        int n = qcow2_subcluster_range(&s->geom, entry, bitmap, first, &type);

        if (n < 0) {
            *l2_index += i;
            return -EIO;
        }
        if (i == 0) {
            if (type == QCOW2_SC_COMPRESSED)
                return n;   /* compressed clusters go one at a time */
            expected = type;
            expected_offset = entry & QCOW2_L2E_OFFSET_MASK;
            check_offset = type == QCOW2_SC_NORMAL ||
                           type == QCOW2_SC_ZERO_ALLOC ||
                           type == QCOW2_SC_UNALLOCATED_ALLOC;
        } else if (type != expected) {
            break;
        } else if (check_offset) {
            expected_offset += s->cluster_size;
            if (expected_offset != (entry & QCOW2_L2E_OFFSET_MASK))
                break;
        }
        count += n;
        if (first + (unsigned)n < s->subclusters_per_cluster)
            break;
    }
    return count;
}

int qcow2_get_host_offset(struct qcow2_state *s, uint64_t offset,
                          unsigned *bytes, uint64_t *host_offset,
                          enum qcow2_subcluster_type *subcluster_type)
{
    uint64_t in_cluster = qcow2_offset_into_cluster(s, offset);
    uint64_t needed = (uint64_t)*bytes + in_cluster;
    uint64_t available = (uint64_t)(s->l2_slice_size -
                                    qcow2_offset_to_l2_slice_index(s, offset))
                         << s->cluster_bits;
    uint64_t l1_index, l2_offset, entry, bitmap;
    enum qcow2_subcluster_type type;
    unsigned l2_index, sc_index;
    void *slice;
    int sc, ret;

    if (needed > available)
        needed = available;
    *host_offset = 0;
    l1_index = qcow2_offset_to_l1_index(s, offset);
    if (l1_index >= s->l1_size) {
        type = QCOW2_SC_UNALLOCATED_PLAIN;
        goto out;
    }
    l2_offset = s->l1_table[l1_index] & QCOW2_L1E_OFFSET_MASK;
    if (l2_offset == 0) {
        type = QCOW2_SC_UNALLOCATED_PLAIN;
        goto out;
    }
    if (qcow2_offset_into_cluster(s, l2_offset)) {
        qcow2_signal_corruption(s, true, "L2 table offset %#" PRIx64
                                " unaligned (L1 index: %#" PRIx64 ")",
                                l2_offset, l1_index);
        return -EIO;
    }
    ret = l2_load(s, offset, l2_offset, &slice);
    if (ret < 0)
        return ret;
    l2_index = qcow2_offset_to_l2_slice_index(s, offset);
    sc_index = qcow2_offset_to_sc_index(s, offset);
    entry = qcow2_l2_entry(&s->geom, slice, l2_index);
    bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index);
    type = qcow2_subcluster_type(&s->geom, entry, bitmap, sc_index);
    if (s->version < 3 &&
        (type == QCOW2_SC_ZERO_PLAIN || type == QCOW2_SC_ZERO_ALLOC)) {
        qcow2_signal_corruption(s, true, "Zero cluster entry found in pre-v3 "
                                "image (L2 offset: %#" PRIx64 ", L2 index: "
                                "%#x)", l2_offset, l2_index);
        ret = -EIO;
        goto fail;
    }
    switch (type) {
    case QCOW2_SC_INVALID:
        break;   /* count_contiguous_subclusters reports it */
    case QCOW2_SC_COMPRESSED:
        *host_offset = entry;
        break;
    case QCOW2_SC_ZERO_PLAIN:
    case QCOW2_SC_UNALLOCATED_PLAIN:
        break;
    case QCOW2_SC_ZERO_ALLOC:
    case QCOW2_SC_NORMAL:
    case QCOW2_SC_UNALLOCATED_ALLOC: {
        uint64_t host_cluster = entry & QCOW2_L2E_OFFSET_MASK;

        *host_offset = host_cluster + in_cluster;
        if (qcow2_offset_into_cluster(s, host_cluster)) {
            qcow2_signal_corruption(s, true, "Cluster allocation offset %#"
                                    PRIx64 " unaligned (L2 offset: %#" PRIx64
                                    ", L2 index: %#x)", host_cluster,
                                    l2_offset, l2_index);
            ret = -EIO;
            goto fail;
        }
        break;
    }
    }
    sc = count_contiguous_subclusters(
        s, (unsigned)qcow2_size_to_clusters(s, needed), sc_index, slice,
        &l2_index);
    if (sc < 0) {
        qcow2_signal_corruption(s, true, "Invalid cluster entry found  (L2 "
                                "offset: %#" PRIx64 ", L2 index: %#x)",
                                l2_offset, l2_index);
        ret = -EIO;
        goto fail;
    }
    qcow2_cache_put(s->l2_cache, &slice);
    available = ((uint64_t)sc + sc_index) << s->subcluster_bits;
out:
    if (available > needed)
        available = needed;
    *bytes = (unsigned)(available - in_cluster);
    *subcluster_type = type;
    return 0;
fail:
    qcow2_cache_put(s->l2_cache, &slice);
    return ret;
}

/* The L2 slice for guest offset, with the L1 table grown and the L2 table
 * allocated (or copied from a shared one) as needed. */
static int get_cluster_table(struct qcow2_state *s, uint64_t offset,
                             void **slice, unsigned *l2_index)
{
    uint64_t l1_index = qcow2_offset_to_l1_index(s, offset), l2_offset;
    int ret;

    if (l1_index >= s->l1_size) {
        ret = qcow2_grow_l1_table(s, l1_index + 1, false);
        if (ret < 0)
            return ret;
    }
    l2_offset = s->l1_table[l1_index] & QCOW2_L1E_OFFSET_MASK;
    if (qcow2_offset_into_cluster(s, l2_offset)) {
        qcow2_signal_corruption(s, true, "L2 table offset %#" PRIx64
                                " unaligned (L1 index: %#" PRIx64 ")",
                                l2_offset, l1_index);
        return -EIO;
    }
    if (!(s->l1_table[l1_index] & QCOW2_OFLAG_COPIED)) {
        ret = l2_allocate(s, (unsigned)l1_index);
        if (ret < 0)
            return ret;
        if (l2_offset)
            qcow2_free_clusters(s, (int64_t)l2_offset,
                                (int64_t)(s->l2_size *
                                          qcow2_l2_entry_size(s)),
                                QCOW2_DISCARD_OTHER);
        l2_offset = s->l1_table[l1_index] & QCOW2_L1E_OFFSET_MASK;
    }
    ret = l2_load(s, offset, l2_offset, slice);
    if (ret < 0)
        return ret;
    *l2_index = qcow2_offset_to_l2_slice_index(s, offset);
    return 0;
}

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

    ret = get_cluster_table(s, offset, &slice, &l2_index);
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

/* ---- copy-on-write --------------------------------------------------------- */

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
    return qcow2_file_pwritev(s, (int64_t)(cluster + offset_in_cluster), q->v,
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
    ret = get_cluster_table(s, m->offset, &slice, &l2_index);
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
    if (!m->keep_old_clusters)
        qcow2_free_clusters(s, (int64_t)m->alloc_offset,
                            (int64_t)m->nb_clusters << s->cluster_bits,
                            QCOW2_DISCARD_NEVER);
}

/* ---- allocation for writes ---------------------------------------------------- */

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

/* Clusters at guest_offset that may be written in place: 1 with *bytes
 * cut to them, 0 when there are none (*bytes 0 when there is one but not
 * at the required *host_offset). */
static int handle_copied(struct qcow2_state *s, uint64_t guest_offset,
                         uint64_t *host_offset, uint64_t *bytes,
                         struct qcow2_l2meta **m)
{
    uint64_t in_cluster = qcow2_offset_into_cluster(s, guest_offset);
    uint64_t nb = qcow2_size_to_clusters(s, in_cluster + *bytes);
    unsigned l2_index = qcow2_offset_to_l2_slice_index(s, guest_offset);
    uint64_t entry, cluster_offset;
    void *slice;
    int ret;

    if (nb > s->l2_slice_size - l2_index)
        nb = s->l2_slice_size - l2_index;
    if (nb > (uint64_t)(QCOW2_REQUEST_MAX_BYTES >> s->cluster_bits))
        nb = QCOW2_REQUEST_MAX_BYTES >> s->cluster_bits;
    ret = get_cluster_table(s, guest_offset, &slice, &l2_index);
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
    uint64_t nb = qcow2_size_to_clusters(s, in_cluster + *bytes);
    unsigned l2_index = qcow2_offset_to_l2_slice_index(s, guest_offset);
    uint64_t alloc_offset, requested, avail, nb_bytes;
    void *slice;
    int ret;

    if (nb > s->l2_slice_size - l2_index)
        nb = s->l2_slice_size - l2_index;
    if (nb > (uint64_t)(QCOW2_REQUEST_MAX_BYTES >> s->cluster_bits))
        nb = QCOW2_REQUEST_MAX_BYTES >> s->cluster_bits;
    ret = get_cluster_table(s, guest_offset, &slice, &l2_index);
    if (ret < 0)
        return ret;
    nb = count_single_write_clusters(s, (unsigned)nb, slice, l2_index, true);

    if (*host_offset == UINT64_MAX) {
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

/* ---- discard and zero ---------------------------------------------------------- */

static int discard_in_l2_slice(struct qcow2_state *s, uint64_t offset,
                               uint64_t nb_clusters,
                               enum qcow2_discard_type type, bool full)
{
    unsigned l2_index;
    void *slice;
    int ret = get_cluster_table(s, offset, &slice, &l2_index);

    if (ret < 0)
        return ret;
    if (nb_clusters > s->l2_slice_size - l2_index)
        nb_clusters = s->l2_slice_size - l2_index;
    for (unsigned i = 0; i < nb_clusters; i++) {
        uint64_t old = qcow2_l2_entry(&s->geom, slice, l2_index + i);
        uint64_t old_bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index + i);
        uint64_t entry = old, bitmap = old_bitmap;
        enum qcow2_cluster_type t = qcow2_cluster_type(&s->geom, old);

        /*
         * A full discard falls through to the backing file; otherwise the
         * range must read as zeroes where it could read otherwise (v2
         * cannot say so, and reads the backing file).
         */
        if (full) {
            entry = bitmap = 0;
        } else if (s->node->backing != NULL || qcow2_cluster_allocated(t)) {
            if (s->geom.extended) {
                entry = 0;
                bitmap = QCOW2_BITMAP_ALL_ZEROES;
            } else {
                entry = s->version >= 3 ? QCOW2_OFLAG_ZERO : 0;
            }
        }
        if (old == entry && old_bitmap == bitmap)
            continue;
        /* The entry first, then the refcount. */
        qcow2_cache_mark_dirty(s->l2_cache, slice);
        qcow2_set_l2_entry(&s->geom, slice, l2_index + i, entry);
        qcow2_set_l2_bitmap(&s->geom, slice, l2_index + i, bitmap);
        qcow2_free_any_cluster(s, old, type);
    }
    qcow2_cache_put(s->l2_cache, &slice);
    return (int)nb_clusters;
}

int qcow2_cluster_discard(struct qcow2_state *s, uint64_t offset,
                          uint64_t bytes, enum qcow2_discard_type type,
                          bool full_discard)
{
    uint64_t nb = qcow2_size_to_clusters(s, bytes);
    int ret = 0;

    s->cache_discards = true;
    while (nb > 0) {
        int cleared = discard_in_l2_slice(s, offset, nb, type, full_discard);

        if (cleared < 0) {
            ret = cleared;
            break;
        }
        nb -= (uint64_t)cleared;
        offset += (uint64_t)cleared * s->cluster_size;
    }
    s->cache_discards = false;
    qcow2_process_discards(s, ret);
    return ret;
}

static int zero_in_l2_slice(struct qcow2_state *s, uint64_t offset,
                            uint64_t nb_clusters, unsigned flags)
{
    unsigned l2_index;
    void *slice;
    int ret = get_cluster_table(s, offset, &slice, &l2_index);

    if (ret < 0)
        return ret;
    if (nb_clusters > s->l2_slice_size - l2_index)
        nb_clusters = s->l2_slice_size - l2_index;
    for (unsigned i = 0; i < nb_clusters; i++) {
        uint64_t old = qcow2_l2_entry(&s->geom, slice, l2_index + i);
        uint64_t old_bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index + i);
        enum qcow2_cluster_type t = qcow2_cluster_type(&s->geom, old);
        bool unmap = t == QCOW2_CLUSTER_COMPRESSED ||
                     ((flags & BK_REQ_MAY_UNMAP) && qcow2_cluster_allocated(t));
        uint64_t entry = unmap ? 0 : old, bitmap = old_bitmap;

        if (s->geom.extended)
            bitmap = QCOW2_BITMAP_ALL_ZEROES;
        else
            entry |= QCOW2_OFLAG_ZERO;
        if (old == entry && old_bitmap == bitmap)
            continue;
        qcow2_cache_mark_dirty(s->l2_cache, slice);
        qcow2_set_l2_entry(&s->geom, slice, l2_index + i, entry);
        qcow2_set_l2_bitmap(&s->geom, slice, l2_index + i, bitmap);
        if (unmap)
            qcow2_free_any_cluster(s, old, QCOW2_DISCARD_REQUEST);
    }
    qcow2_cache_put(s->l2_cache, &slice);
    return (int)nb_clusters;
}

static int zero_l2_subclusters(struct qcow2_state *s, uint64_t offset,
                               unsigned nb_subclusters)
{
    unsigned sc = qcow2_offset_to_sc_index(s, offset), l2_index;
    uint64_t old_bitmap, bitmap;
    void *slice;
    int ret = get_cluster_table(s, offset, &slice, &l2_index);

    if (ret < 0)
        return ret;
    switch (qcow2_cluster_type(&s->geom,
                               qcow2_l2_entry(&s->geom, slice, l2_index))) {
    case QCOW2_CLUSTER_COMPRESSED:
        ret = -ENOTSUP;   /* no partial zeroing of compressed clusters */
        goto out;
    default:
        break;
    }
    old_bitmap = bitmap = qcow2_l2_bitmap(&s->geom, slice, l2_index);
    bitmap |= QCOW2_SUB_ZERO_RANGE(sc, sc + nb_subclusters);
    bitmap &= ~QCOW2_SUB_ALLOC_RANGE(sc, sc + nb_subclusters);
    if (old_bitmap != bitmap) {
        qcow2_set_l2_bitmap(&s->geom, slice, l2_index, bitmap);
        qcow2_cache_mark_dirty(s->l2_cache, slice);
    }
    ret = 0;
out:
    qcow2_cache_put(s->l2_cache, &slice);
    return ret;
}

int qcow2_subcluster_zeroize(struct qcow2_state *s, uint64_t offset,
                             uint64_t bytes, unsigned flags)
{
    uint64_t end = offset + bytes, nb, head, tail, cluster_end;
    int ret = 0;

    /* v2 has no zero flag; without a backing file, discarding is zeroing. */
    if (s->version < 3) {
        if (s->node->backing == NULL)
            return qcow2_cluster_discard(s, offset, bytes,
                                         QCOW2_DISCARD_REQUEST, false);
        return -ENOTSUP;
    }
    cluster_end = (offset + s->cluster_size - 1) &
                  ~(uint64_t)(s->cluster_size - 1);
    head = (end < cluster_end ? end : cluster_end) - offset;
    offset += head;
    if (end >= s->size)
        tail = 0;
    else
        tail = end - (offset > qcow2_start_of_cluster(s, end)
                          ? offset : qcow2_start_of_cluster(s, end));
    end -= tail;

    s->cache_discards = true;
    if (head) {
        ret = zero_l2_subclusters(s, offset - head,
                                  (unsigned)qcow2_size_to_subclusters(s, head));
        if (ret < 0)
            goto fail;
    }
    nb = qcow2_size_to_clusters(s, end - offset);
    while (nb > 0) {
        int cleared = zero_in_l2_slice(s, offset, nb, flags);

        if (cleared < 0) {
            ret = cleared;
            goto fail;
        }
        nb -= (uint64_t)cleared;
        offset += (uint64_t)cleared * s->cluster_size;
    }
    if (tail) {
        ret = zero_l2_subclusters(s, end,
                                  (unsigned)qcow2_size_to_subclusters(s, tail));
        if (ret < 0)
            goto fail;
    }
    ret = 0;
fail:
    s->cache_discards = false;
    qcow2_process_discards(s, ret);
    return ret;
}
