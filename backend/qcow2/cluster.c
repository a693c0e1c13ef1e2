/*
 * cluster.c — the L1 and L2 tables as a whole: growing the L1 table,
 * writing its entries, allocating an L2 table (or copying one shared with
 * a snapshot) when a write needs it; and zeroing and discarding whole
 * clusters, which only change L2 entries and refcounts.
 *
 * Order on disk: a new L2 table is written (and flushed) before the L1
 * entry that points at it; a grown L1 table before the header switch.  A
 * discarded cluster's L2 entry changes before its refcount drops (the
 * refcount cache depends on the L2 cache).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

/* ---- L1 ----------------------------------------------------------------- */

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

/*
 * Drop the L1 entries from exact_size on: zeroes in the file (flushed)
 * first, then their L2 tables freed.  The table keeps its size on disk
 * and in the header, as in QEMU.
 */
int qcow2_shrink_l1_table(struct qcow2_state *s, uint64_t exact_size)
{
    int ret;

    if (exact_size >= s->l1_size)
        return 0;
    qcow2_event(s, RULES_EV_L1_SHRINK_WRITE_TABLE);
    ret = qcow2_file_zero(s, (int64_t)(s->l1_table_offset + exact_size * 8),
                          (int64_t)((s->l1_size - exact_size) * 8), 0);
    if (ret == 0)
        ret = qcow2_file_flush(s);
    if (ret < 0) {
        /* The table in the file may be half zeroed: forget the entries. */
        memset(s->l1_table + exact_size, 0, (s->l1_size - exact_size) * 8);
        return ret;
    }
    qcow2_event(s, RULES_EV_L1_SHRINK_FREE_L2_CLUSTERS);
    for (uint64_t i = s->l1_size; i-- > exact_size;) {
        uint64_t l2 = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;

        if (l2 == 0)
            continue;
        qcow2_free_clusters(s, (int64_t)l2, s->cluster_size,
                            QCOW2_DISCARD_ALWAYS);
        s->l1_table[i] = 0;
    }
    return 0;
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

/* ---- L2 ----------------------------------------------------------------- */

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

/* The L2 slice for guest offset, with the L1 table grown and the L2 table
 * allocated (or copied from a shared one) as needed. */
int qcow2_get_cluster_table(struct qcow2_state *s, uint64_t offset,
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
    ret = qcow2_l2_load(s, offset, l2_offset, slice);
    if (ret < 0)
        return ret;
    *l2_index = qcow2_offset_to_l2_slice_index(s, offset);
    return 0;
}

/* ---- discard and zero --------------------------------------------------- */

static int discard_in_l2_slice(struct qcow2_state *s, uint64_t offset,
                               uint64_t nb_clusters,
                               enum qcow2_discard_type type, bool full)
{
    unsigned l2_index;
    void *slice;
    int ret = qcow2_get_cluster_table(s, offset, &slice, &l2_index);

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
    int ret = qcow2_get_cluster_table(s, offset, &slice, &l2_index);

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
    int ret = qcow2_get_cluster_table(s, offset, &slice, &l2_index);

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

    /* A raw data file must read the same: zeroed there first. */
    if (qcow2_data_file_is_raw(s)) {
        ret = qcow2_data_zero(s, (int64_t)offset, (int64_t)bytes, flags);
        if (ret < 0)
            return ret;
    }
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
