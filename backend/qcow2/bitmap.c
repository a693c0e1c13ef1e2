/*
 * bitmap.c — persistent dirty bitmaps, as far as blkmon reads them: the
 * bitmap directory (one entry per bitmap: where its table is, how big,
 * flags, granularity, name) and each bitmap's table (one entry per
 * cluster of bitmap data: its offset, or 0 for all zeroes, or bit 0 for
 * all ones), read and checked as QEMU's bitmap_list_load and
 * bitmap_table_load do.  The refcount check counts what they use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

#define BME_MAX_TABLE_SIZE 0x8000000U
#define BME_MAX_PHYS_SIZE 0x20000000U
#define BME_MAX_GRANULARITY_BITS 31
#define BME_MIN_GRANULARITY_BITS 9
#define BME_MAX_NAME_SIZE 1023
#define BME_RESERVED_FLAGS 0xfffffffcU
#define BME_FLAG_IN_USE (1U << 0)
#define BME_TABLE_ENTRY_RESERVED_MASK 0xff000000000001feULL
#define BME_TABLE_ENTRY_OFFSET_MASK 0x00fffffffffffe00ULL
#define BME_TABLE_ENTRY_FLAG_ALL_ONES 1ULL
#define BME_DIR_ENTRY_SIZE 24           /* the fixed part */

static int fail(char **cause, int ret, const char *msg)
{
    if (cause != NULL && *cause == NULL)
        *cause = strfmt("%s", msg);
    return ret;
}

int qcow2_bitmap_check_table_entry(uint64_t entry, uint32_t cluster_size)
{
    uint64_t offset = entry & BME_TABLE_ENTRY_OFFSET_MASK;

    if (entry & BME_TABLE_ENTRY_RESERVED_MASK)
        return -EINVAL;
    /* With an offset, bit 0 is reserved. */
    if (offset != 0 && ((entry & BME_TABLE_ENTRY_FLAG_ALL_ONES) ||
                        offset % cluster_size != 0))
        return -EINVAL;
    return 0;
}

static bool dir_entry_ok(const struct qcow2_state *s, uint64_t table_offset,
                         uint32_t table_size, uint32_t flags, uint8_t type,
                         uint8_t granularity_bits, uint16_t name_size)
{
    uint64_t phys = (uint64_t)table_size * s->cluster_size;
    uint64_t len = s->size / 512 * 512;

    if (table_size == 0 || table_offset == 0 ||
        table_offset % s->cluster_size || table_size > BME_MAX_TABLE_SIZE ||
        granularity_bits > BME_MAX_GRANULARITY_BITS ||
        granularity_bits < BME_MIN_GRANULARITY_BITS ||
        (flags & BME_RESERVED_FLAGS) || name_size > BME_MAX_NAME_SIZE ||
        type != 1)
        return false;
    if (phys > BME_MAX_PHYS_SIZE)
        return false;
    /* A bitmap not in use must cover the disk. */
    if (!(flags & BME_FLAG_IN_USE) &&
        len > ((phys * 8) << granularity_bits))
        return false;
    return true;
}

int qcow2_bitmap_list_load(struct qcow2_state *s, struct qcow2_bitmap **list,
                           uint32_t *count, char **cause)
{
    uint64_t size = s->bitmap_directory_size;
    struct qcow2_bitmap *bm = NULL;
    unsigned char *dir, *e, *end;
    uint32_t n = 0, filled = 0;
    int ret;

    *list = NULL;
    *count = 0;
    if (size == 0)
        return fail(cause, -EINVAL, "Requested bitmap directory size is "
                    "zero");
    if (size > QCOW2_MAX_BITMAP_DIRECTORY_SIZE)
        return fail(cause, -EINVAL, "Requested bitmap directory size is too "
                    "big");
    dir = malloc(size);
    if (dir == NULL)
        return fail(cause, -ENOMEM, "Failed to allocate space for bitmap "
                    "directory");
    end = dir + size;
    ret = qcow2_file_pread(s, (int64_t)s->bitmap_directory_offset, dir,
                           size);
    if (ret < 0) {
        if (cause != NULL && *cause == NULL)
            *cause = strfmt("Failed to read bitmap directory: %s",
                            strerror(-ret));
        goto out;
    }
    for (e = dir; e < end;) {
        uint32_t table_size, flags, extra;
        uint16_t name_size;
        size_t entry_size;

        if (e + BME_DIR_ENTRY_SIZE > end)
            goto broken;
        if (++n > s->nb_bitmaps) {
            ret = fail(cause, -EINVAL, "More bitmaps found than specified in "
                       "header extension");
            goto out;
        }
        table_size = qcow2_be32(e + 8);
        flags = qcow2_be32(e + 12);
        name_size = (uint16_t)(e[18] << 8 | e[19]);
        extra = qcow2_be32(e + 20);
        entry_size = (BME_DIR_ENTRY_SIZE + name_size + (size_t)extra + 7) &
                     ~(size_t)7;
        if (e + entry_size > end)
            goto broken;
        if (extra != 0) {
            ret = fail(cause, -EINVAL, "Bitmap extra data is not supported");
            goto out;
        }
        if (!dir_entry_ok(s, qcow2_be64(e), table_size, flags, e[16], e[17],
                          name_size)) {
            if (cause != NULL && *cause == NULL)
                *cause = strfmt("Bitmap '%.*s' doesn't satisfy the "
                                "constraints", (int)name_size,
                                (const char *)e + BME_DIR_ENTRY_SIZE);
            ret = -EINVAL;
            goto out;
        }
        {
            struct qcow2_bitmap *p = realloc(bm, (size_t)n * sizeof(*bm));

            if (p == NULL) {
                ret = -ENOMEM;
                goto out;
            }
            bm = p;
        }
        bm[n - 1] = (struct qcow2_bitmap){
            .table_offset = qcow2_be64(e),
            .table_size = table_size,
            .flags = flags,
            .granularity_bits = e[17],
            .name = strndup((const char *)e + BME_DIR_ENTRY_SIZE, name_size),
        };
        filled = n;
        e += entry_size;
    }
    if (n != s->nb_bitmaps) {
        ret = fail(cause, -EINVAL, "Less bitmaps found than specified in "
                   "header extension");
        goto out;
    }
    if (e != end)
        goto broken;
    *list = bm;
    *count = n;
    free(dir);
    return 0;
broken:
    ret = fail(cause, -EINVAL, "Broken bitmap directory");
out:
    free(dir);
    qcow2_bitmap_list_free(bm, filled);
    return ret < 0 ? ret : -EINVAL;
}

void qcow2_bitmap_list_free(struct qcow2_bitmap *list, uint32_t count)
{
    for (uint32_t i = 0; list != NULL && i < count; i++)
        free(list[i].name);
    free(list);
}

int qcow2_bitmap_table_load(struct qcow2_state *s,
                            const struct qcow2_bitmap *bm, uint64_t **table)
{
    uint64_t *t = malloc((size_t)bm->table_size * 8);
    int ret;

    if (t == NULL)
        return -ENOMEM;
    ret = qcow2_file_pread(s, (int64_t)bm->table_offset, t,
                           (size_t)bm->table_size * 8);
    for (uint32_t i = 0; ret == 0 && i < bm->table_size; i++) {
        t[i] = qcow2_be64(&t[i]);
        ret = qcow2_bitmap_check_table_entry(t[i], s->cluster_size);
    }
    if (ret < 0) {
        free(t);
        return ret;
    }
    *table = t;
    return 0;
}
