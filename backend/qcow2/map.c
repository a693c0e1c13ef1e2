/*
 * map.c — guest offsets to host offsets, read only: what the L1 and L2
 * tables say of a guest range (qcow2_get_host_offset), as reads, block
 * status and zero writes ask it.  Nothing here allocates or writes.
 *
 * An answer holds for a run of subclusters of one type, contiguous in the
 * file when allocated, within one L2 slice.  A bad entry (unaligned
 * offsets, a zero cluster in a v2 image, an invalid subcluster bitmap)
 * marks the image corrupt with qemu's words.
 */
#include <errno.h>
#include <inttypes.h>

#include "backend/qcow2/qcow2.h"

/* The slice of the L2 table at l2_offset that maps guest offset. */
int qcow2_l2_load(struct qcow2_state *s, uint64_t offset, uint64_t l2_offset,
                   void **slice)
{
    uint64_t start = qcow2_l2_entry_size(s) *
                     (qcow2_offset_to_l2_index(s, offset) -
                      qcow2_offset_to_l2_slice_index(s, offset));

    return qcow2_meta_get(s, s->l2_cache, l2_offset + start, slice);
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
    ret = qcow2_l2_load(s, offset, l2_offset, &slice);
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
        if (s->geom.data_file) {
            qcow2_signal_corruption(s, true, "Compressed cluster entry found "
                                    "in image with external data file (L2 "
                                    "offset: %#" PRIx64 ", L2 index: %#x)",
                                    l2_offset, l2_index);
            ret = -EIO;
            goto fail;
        }
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
        if (s->geom.data_file && *host_offset != offset) {
            qcow2_signal_corruption(s, true, "External data file host cluster "
                                    "offset %#" PRIx64 " does not match "
                                    "guest cluster offset: %#" PRIx64
                                    ", L2 index: %#x)", host_cluster,
                                    offset - in_cluster, l2_index);
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
