/*
 * qcow2-overlap.c — would a write land on metadata?
 *
 * Before it writes anything, the driver checks the range against the
 * metadata it knows of, as QEMU does with overlap-check=cached (its
 * default): the header cluster, the active L1 table, L2 tables the L1
 * points at, the refcount table and blocks, the snapshot table and the
 * snapshots' L1 tables, the bitmap directory.  A hit means a bug or a
 * corrupt image; the caller marks the image corrupt and fails the write.
 * Ranges are widened to whole clusters first, except for the header test.
 */
#include "backend/qcow2/qcow2.h"

const char *const qcow2_overlap_names[QCOW2_OL_MAX_BITNR] = {
    "qcow2_header", "active L1 table", "active L2 table", "refcount table",
    "refcount block", "snapshot table", "inactive L1 table",
    "inactive L2 table", "bitmap directory",
};

const char *const qcow2_overlap_options[QCOW2_OL_MAX_BITNR] = {
    "overlap-check.main-header", "overlap-check.active-l1",
    "overlap-check.active-l2", "overlap-check.refcount-table",
    "overlap-check.refcount-block", "overlap-check.snapshot-table",
    "overlap-check.inactive-l1", "overlap-check.inactive-l2",
    "overlap-check.bitmap-directory",
};

static bool overlaps(int64_t a, int64_t alen, uint64_t b, uint64_t blen)
{
    return (uint64_t)a < b + blen && b < (uint64_t)(a + alen);
}

int qcow2_overlap_check(const struct qcow2_layout *l, int chk, int64_t offset,
                        int64_t size)
{
    int64_t csize = (int64_t)1 << l->cluster_bits;

    if (size == 0)
        return 0;
    if ((chk & QCOW2_OL_MAIN_HEADER) && offset < csize)
        return QCOW2_OL_MAIN_HEADER;
    size = ((offset & (csize - 1)) + size + csize - 1) & ~(csize - 1);
    offset &= ~(csize - 1);

    if ((chk & QCOW2_OL_ACTIVE_L1) && l->l1_size &&
        overlaps(offset, size, l->l1_table_offset, (uint64_t)l->l1_size * 8))
        return QCOW2_OL_ACTIVE_L1;
    if ((chk & QCOW2_OL_REFCOUNT_TABLE) && l->refcount_table_size &&
        overlaps(offset, size, l->refcount_table_offset,
                 (uint64_t)l->refcount_table_size * 8))
        return QCOW2_OL_REFCOUNT_TABLE;
    if ((chk & QCOW2_OL_SNAPSHOT_TABLE) && l->snapshots_size &&
        overlaps(offset, size, l->snapshots_offset, l->snapshots_size))
        return QCOW2_OL_SNAPSHOT_TABLE;
    if ((chk & QCOW2_OL_INACTIVE_L1) && l->snapshots != NULL)
        for (uint32_t i = 0; i < l->nb_snapshots; i++)
            if (l->snapshots[i].l1_size &&
                overlaps(offset, size, l->snapshots[i].l1_table_offset,
                         (uint64_t)l->snapshots[i].l1_size * 8))
                return QCOW2_OL_INACTIVE_L1;
    if ((chk & QCOW2_OL_ACTIVE_L2) && l->l1_table != NULL)
        for (uint32_t i = 0; i < l->l1_size; i++) {
            uint64_t l2 = l->l1_table[i] & QCOW2_L1E_OFFSET_MASK;

            if (l2 && overlaps(offset, size, l2, (uint64_t)csize))
                return QCOW2_OL_ACTIVE_L2;
        }
    if ((chk & QCOW2_OL_REFCOUNT_BLOCK) && l->refcount_table != NULL)
        for (uint32_t i = 0; i <= l->max_refcount_table_index &&
                             i < l->refcount_table_size; i++) {
            uint64_t rb = l->refcount_table[i] & QCOW2_REFT_OFFSET_MASK;

            if (rb && overlaps(offset, size, rb, (uint64_t)csize))
                return QCOW2_OL_REFCOUNT_BLOCK;
        }
    if ((chk & QCOW2_OL_BITMAP_DIRECTORY) && l->bitmaps &&
        overlaps(offset, size, l->bitmap_directory_offset,
                 l->bitmap_directory_size))
        return QCOW2_OL_BITMAP_DIRECTORY;
    return 0;
}
