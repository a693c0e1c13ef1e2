/*
 * image.c — the image as a whole: the header written back (with the
 * dirty and corrupt bits), corruption signalled, and the metadata overlap
 * check that guards every write with qemu's words.
 *
 * These sit right above the file I/O (io.c) because everything else may
 * need them: a cache write-back checks for overlaps, a bad L2 entry found
 * anywhere marks the image corrupt, the first allocating write with lazy
 * refcounts sets the dirty bit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

struct qcow2_layout qcow2_layout_of(const struct qcow2_state *s)
{
    return (struct qcow2_layout){
        .cluster_bits = s->cluster_bits,
        .l1_table_offset = s->l1_table_offset,
        .l1_table = s->l1_table,
        .l1_size = s->l1_size,
        .refcount_table_offset = s->refcount_table_offset,
        .refcount_table = s->refcount_table,
        .refcount_table_size = s->refcount_table_size,
        .max_refcount_table_index = s->max_refcount_table_index,
        .snapshots_offset = s->snapshots_offset,
        .snapshots_size = s->snapshots_size,
        .snapshots = s->snapshots,
        .nb_snapshots = s->nb_snapshots,
        .bitmaps = (s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS) != 0,
        .bitmap_directory_offset = s->bitmap_directory_offset,
        .bitmap_directory_size = s->bitmap_directory_size,
    };
}

int qcow2_update_header(struct qcow2_state *s)
{
    struct qcow2_header h = {
        .version = (uint32_t)s->version,
        .cluster_bits = s->cluster_bits,
        .size = s->size / 512 * 512,
        .l1_size = s->l1_size,
        .l1_table_offset = s->l1_table_offset,
        .refcount_table_offset = s->refcount_table_offset,
        .refcount_table_clusters = s->refcount_table_size >>
                                   (s->cluster_bits - 3),
        .nb_snapshots = s->nb_snapshots,
        .snapshots_offset = s->snapshots_offset,
        .incompatible_features = s->incompatible_features,
        .compatible_features = s->compatible_features,
        .autoclear_features = s->autoclear_features,
        .refcount_order = s->refcount_order,
        .compression_type = s->compression_type,
    };
    struct qcow2_header_vars v = {
        .unknown_fields = s->unknown_header_fields,
        .unknown_fields_len = s->unknown_header_fields_len,
        .backing_format = s->image_backing_format,
        .backing_file = s->image_backing_file,
        .data_file = s->geom.data_file ? s->image_data_file : NULL,
        .feature_table = s->version >= 3 && s->cluster_size > 4096,
        .nb_bitmaps = s->nb_bitmaps,
        .bitmap_directory_size = s->bitmap_directory_size,
        .bitmap_directory_offset = s->bitmap_directory_offset,
        .unknown = s->unknown_ext,
    };
    unsigned char *buf;
    int ret;

    if (posix_memalign((void **)&buf, 4096, s->cluster_size) != 0)
        return -ENOMEM;
    ret = qcow2_header_build(&h, &v, buf, s->cluster_size);
    if (ret == 0)
        ret = qcow2_file_pwrite(s, 0, buf, s->cluster_size);
    free(buf);
    return ret;
}

int qcow2_mark_dirty(struct qcow2_state *s)
{
    unsigned char val[8];
    int ret;

    if (s->incompatible_features & QCOW2_INCOMPAT_DIRTY)
        return 0;
    qcow2_put_be64(val, s->incompatible_features | QCOW2_INCOMPAT_DIRTY);
    ret = qcow2_file_pwrite_sync(s, 72, val, sizeof(val));
    if (ret < 0)
        return ret;
    /* Dirty only once the header says so. */
    s->incompatible_features |= QCOW2_INCOMPAT_DIRTY;
    return 0;
}

int qcow2_mark_corrupt(struct qcow2_state *s)
{
    s->incompatible_features |= QCOW2_INCOMPAT_CORRUPT;
    return qcow2_update_header(s);
}

void qcow2_signal_corruption(struct qcow2_state *s, bool fatal,
                             const char *fmt, ...)
{
    char *msg, *text;
    va_list ap;

    fatal = fatal && (s->node->open_flags & BK_O_RDWR);
    if (s->signaled_corruption &&
        (!fatal || (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT)))
        return;
    va_start(ap, fmt);
    msg = vstrfmt(fmt, ap);
    va_end(ap);
    text = fatal ? strfmt("qcow2: Marking image as corrupt: %s; further "
                          "corruption events will be suppressed", msg)
                 : strfmt("qcow2: Image is corrupt: %s; further non-fatal "
                          "corruption events will be suppressed", msg);
    if (text != NULL)
        bk_stack_message(s->node->stack, BK_MSG_PLAIN, text);
    free(text);
    free(msg);
    if (fatal) {
        qcow2_mark_corrupt(s);
        s->broken = true;   /* QEMU drops the driver: ENOMEDIUM from now */
    }
    s->signaled_corruption = true;
}

/*
 * The inactive L2 tables (overlap-check=all or overlap-check.inactive-l2):
 * each snapshot's L1 table is read from the file to find them.  A
 * snapshot table that QEMU would not load fails the check (-EFBIG or
 * -EINVAL), which fails the write.
 */
static int overlap_inactive_l2(struct qcow2_state *s, int64_t offset,
                               int64_t size)
{
    int64_t csize = s->cluster_size;

    size = (qcow2_offset_into_cluster(s, (uint64_t)offset) + size + csize -
            1) & ~(csize - 1);
    offset = (int64_t)qcow2_start_of_cluster(s, (uint64_t)offset);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        uint64_t l1_ofs = s->snapshots[i].l1_table_offset;
        uint32_t l1_sz = s->snapshots[i].l1_size;
        uint64_t *l1;
        int ret;

        if ((uint64_t)l1_sz > QCOW2_MAX_L1_SIZE / 8)
            return -EFBIG;
        if ((uint64_t)INT64_MAX - (uint64_t)l1_sz * 8 < l1_ofs ||
            qcow2_offset_into_cluster(s, l1_ofs))
            return -EINVAL;
        l1 = malloc((size_t)l1_sz * 8 + 1);
        if (l1 == NULL)
            return -ENOMEM;
        ret = qcow2_file_pread(s, (int64_t)l1_ofs, l1, (size_t)l1_sz * 8);
        for (uint32_t j = 0; ret == 0 && j < l1_sz; j++) {
            uint64_t l2 = qcow2_be64(&l1[j]) & QCOW2_L1E_OFFSET_MASK;

            if (l2 && l2 < (uint64_t)(offset + size) &&
                (uint64_t)offset < l2 + (uint64_t)csize)
                ret = QCOW2_OL_INACTIVE_L2;
        }
        free(l1);
        if (ret != 0)
            return ret;
    }
    return 0;
}

int qcow2_pre_write_overlap_check(struct qcow2_state *s, int ign,
                                  int64_t offset, int64_t size,
                                  bool data_file)
{
    struct qcow2_layout l;
    int hit, bit;

    /* A write to an external data file cannot hit the metadata. */
    if (data_file && s->geom.data_file)
        return 0;
    if ((s->overlap_check & ~ign) == 0 || size == 0)
        return 0;
    l = qcow2_layout_of(s);
    /* QEMU's order: inactive L2 tables come before the bitmap directory. */
    hit = qcow2_overlap_check(&l, s->overlap_check & ~ign &
                                      ~QCOW2_OL_BITMAP_DIRECTORY,
                              offset, size);
    if (hit == 0 && (s->overlap_check & ~ign & QCOW2_OL_INACTIVE_L2) &&
        s->snapshots != NULL)
        hit = overlap_inactive_l2(s, offset, size);
    if (hit == 0)
        hit = qcow2_overlap_check(&l, s->overlap_check & ~ign &
                                          QCOW2_OL_BITMAP_DIRECTORY,
                                  offset, size);
    if (hit < 0)
        return hit;
    if (hit == 0)
        return 0;
    bit = __builtin_ctz((unsigned)hit);
    qcow2_signal_corruption(s, true, "Preventing invalid write on metadata "
                            "(overlaps with %s)", qcow2_overlap_names[bit]);
    return -EIO;
}
