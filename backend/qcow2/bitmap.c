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

static int refuse(char **cause, int ret, const char *msg)
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
        return refuse(cause, -EINVAL, "Requested bitmap directory size is "
                    "zero");
    if (size > QCOW2_MAX_BITMAP_DIRECTORY_SIZE)
        return refuse(cause, -EINVAL, "Requested bitmap directory size is too "
                    "big");
    dir = malloc(size);
    if (dir == NULL)
        return refuse(cause, -ENOMEM, "Failed to allocate space for bitmap "
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
            ret = refuse(cause, -EINVAL, "More bitmaps found than specified in "
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
            ret = refuse(cause, -EINVAL, "Bitmap extra data is not supported");
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
        ret = refuse(cause, -EINVAL, "Less bitmaps found than specified in "
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
    ret = refuse(cause, -EINVAL, "Broken bitmap directory");
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

/* ---- dirty bitmaps in memory ---------------------------------------------- */

/*
 * A persistent bitmap loaded from the image: one bit per granularity of
 * the disk, set when a write, zero write or discard touched it (while
 * enabled: the "auto" flag).  Bits are kept as QEMU serializes them:
 * 64-bit words, least significant bit first, so a cluster of bitmap data
 * covers cluster_size * 8 bits.
 */
struct qcow2_dbitmap {
    char *name;
    unsigned granularity_bits;
    bool enabled;                /* writes mark it (BME_FLAG_AUTO) */
    bool inconsistent;           /* it was in use: its bits are lost */
    bool readonly;               /* the image may not be written */
    uint64_t nbits;
    uint64_t *words;
    struct qcow2_dbitmap *next;  /* in the directory's order */
};

#define BME_FLAG_AUTO (1U << 1)

static uint64_t disk_length(const struct qcow2_state *s)
{
    return s->size / 512 * 512;
}

static int dbitmap_resize(struct qcow2_dbitmap *b, uint64_t len)
{
    uint64_t nbits = (len + (1ULL << b->granularity_bits) - 1) >>
                     b->granularity_bits;
    uint64_t old_words = (b->nbits + 63) / 64, words = (nbits + 63) / 64;
    uint64_t *w = realloc(b->words, (words ? words : 1) * 8);

    if (w == NULL)
        return -ENOMEM;
    if (words > old_words)
        memset(w + old_words, 0, (words - old_words) * 8);
    /* Bits past the end are always clear. */
    if (nbits < b->nbits && nbits % 64)
        w[nbits / 64] &= (1ULL << (nbits % 64)) - 1;
    b->words = w;
    b->nbits = nbits;
    return 0;
}

static void dbitmap_set_bits(struct qcow2_dbitmap *b, uint64_t first,
                             uint64_t count)
{
    for (uint64_t i = first; i < first + count && i < b->nbits; i++)
        b->words[i / 64] |= 1ULL << (i % 64);
}

static void dbitmap_free(struct qcow2_dbitmap *b)
{
    if (b == NULL)
        return;
    free(b->name);
    free(b->words);
    free(b);
}

void qcow2_bitmaps_free(struct qcow2_state *s)
{
    while (s->dbitmaps != NULL) {
        struct qcow2_dbitmap *b = s->dbitmaps;

        s->dbitmaps = b->next;
        dbitmap_free(b);
    }
}

void qcow2_bitmaps_set_dirty(struct qcow2_state *s, int64_t offset,
                             int64_t bytes)
{
    for (struct qcow2_dbitmap *b = s->dbitmaps; b != NULL; b = b->next) {
        uint64_t first, last;

        if (!b->enabled || bytes <= 0)
            continue;
        first = (uint64_t)offset >> b->granularity_bits;
        last = (uint64_t)(offset + bytes - 1) >> b->granularity_bits;
        dbitmap_set_bits(b, first, last - first + 1);
    }
}

/* Bytes of serialized bitmap for disk bytes [start, start + count). */
static uint64_t serialization_size(const struct qcow2_dbitmap *b,
                                   uint64_t start, uint64_t count)
{
    uint64_t first, last;

    if (count == 0)
        return 0;
    first = (start >> b->granularity_bits) / 64;
    last = ((start + count - 1) >> b->granularity_bits) / 64;
    return (last - first + 1) * 8;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- the directory written ------------------------------------------------ */

static size_t dir_entry_size(size_t name_size)
{
    return (BME_DIR_ENTRY_SIZE + name_size + 7) & ~(size_t)7;
}

/*
 * Write the directory for list (n entries): in place over the current one
 * (same size), or in new clusters (*offset, *size set).
 */
static int bitmap_list_store(struct qcow2_state *s,
                             const struct qcow2_bitmap *list, uint32_t n,
                             uint64_t *offset, uint64_t *size, bool in_place)
{
    uint64_t dir_size = 0;
    int64_t dir_offset = 0;
    unsigned char *dir, *e;
    int ret;

    for (uint32_t i = 0; i < n; i++)
        dir_size += dir_entry_size(strlen(list[i].name));
    if (dir_size == 0 || dir_size > QCOW2_MAX_BITMAP_DIRECTORY_SIZE)
        return -EINVAL;
    if (in_place) {
        if (*size != dir_size || *offset == 0)
            return -EINVAL;
        dir_offset = (int64_t)*offset;
    }
    dir = calloc(1, dir_size);
    if (dir == NULL)
        return -ENOMEM;
    e = dir;
    for (uint32_t i = 0; i < n; i++) {
        size_t name_size = strlen(list[i].name);

        if (!dir_entry_ok(s, list[i].table_offset, list[i].table_size,
                          list[i].flags, 1, list[i].granularity_bits,
                          (uint16_t)name_size)) {
            ret = -EINVAL;
            goto fail;
        }
        qcow2_put_be64(e, list[i].table_offset);
        qcow2_put_be32(e + 8, list[i].table_size);
        qcow2_put_be32(e + 12, list[i].flags);
        e[16] = 1;
        e[17] = list[i].granularity_bits;
        e[18] = (unsigned char)(name_size >> 8);
        e[19] = (unsigned char)name_size;
        memcpy(e + BME_DIR_ENTRY_SIZE, list[i].name, name_size);
        e += dir_entry_size(name_size);
    }
    if (!in_place) {
        dir_offset = qcow2_alloc_clusters(s, dir_size);
        if (dir_offset < 0) {
            ret = (int)dir_offset;
            goto fail;
        }
    }
    ret = qcow2_pre_write_overlap_check(s, in_place
                                               ? QCOW2_OL_BITMAP_DIRECTORY
                                               : 0,
                                        dir_offset, (int64_t)dir_size, false);
    if (ret == 0)
        ret = qcow2_file_pwrite(s, dir_offset, dir, dir_size);
    if (ret < 0)
        goto fail;
    free(dir);
    if (!in_place) {
        *size = dir_size;
        *offset = (uint64_t)dir_offset;
    }
    return 0;
fail:
    free(dir);
    if (!in_place && dir_offset > 0)
        qcow2_free_clusters(s, dir_offset, (int64_t)dir_size,
                            QCOW2_DISCARD_OTHER);
    return ret;
}

static int update_header_sync(struct qcow2_state *s)
{
    int ret = qcow2_update_header(s);

    return ret < 0 ? ret : qcow2_file_flush(s);
}

/*
 * The directory rewritten in place (the in-use flags changed), with the
 * autoclear bit off meanwhile: a crash in between leaves the bitmaps
 * inconsistent, never wrong.
 */
static int update_dir_in_place(struct qcow2_state *s,
                               const struct qcow2_bitmap *list, uint32_t n)
{
    int ret;

    if (!(s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS) || n == 0 ||
        n != s->nb_bitmaps)
        return -EINVAL;
    s->autoclear_features &= ~QCOW2_AUTOCLEAR_BITMAPS;
    ret = update_header_sync(s);
    if (ret < 0)
        return ret;
    ret = bitmap_list_store(s, list, n, &s->bitmap_directory_offset,
                            &s->bitmap_directory_size, true);
    if (ret < 0)
        return ret;
    ret = update_header_sync(s);
    if (ret < 0)
        return ret;
    s->autoclear_features |= QCOW2_AUTOCLEAR_BITMAPS;
    return update_header_sync(s);
}

/* A new directory for list, the header switched to it, the old freed. */
static int update_dir(struct qcow2_state *s, const struct qcow2_bitmap *list,
                      uint32_t n)
{
    uint64_t new_offset = 0, new_size = 0;
    uint64_t old_offset = s->bitmap_directory_offset;
    uint64_t old_size = s->bitmap_directory_size;
    uint32_t old_nb = s->nb_bitmaps;
    uint64_t old_autoclear = s->autoclear_features;
    int ret;

    if (n > 0) {
        if (n > QCOW2_MAX_BITMAPS)
            return -EINVAL;
        ret = bitmap_list_store(s, list, n, &new_offset, &new_size, false);
        if (ret < 0)
            return ret;
        ret = qcow2_flush_caches(s);
        if (ret < 0)
            goto fail;
        s->autoclear_features |= QCOW2_AUTOCLEAR_BITMAPS;
    } else {
        s->autoclear_features &= ~QCOW2_AUTOCLEAR_BITMAPS;
    }
    s->bitmap_directory_offset = new_offset;
    s->bitmap_directory_size = new_size;
    s->nb_bitmaps = n;
    ret = update_header_sync(s);
    if (ret < 0)
        goto fail;
    if (old_size > 0)
        qcow2_free_clusters(s, (int64_t)old_offset, (int64_t)old_size,
                            QCOW2_DISCARD_OTHER);
    return 0;
fail:
    if (new_offset > 0)
        qcow2_free_clusters(s, (int64_t)new_offset, (int64_t)new_size,
                            QCOW2_DISCARD_OTHER);
    s->bitmap_directory_offset = old_offset;
    s->bitmap_directory_size = old_size;
    s->nb_bitmaps = old_nb;
    s->autoclear_features = old_autoclear;
    return ret;
}

/* ---- load at open --------------------------------------------------------- */

static int load_bitmap_data(struct qcow2_state *s, const uint64_t *table,
                            uint32_t table_size, struct qcow2_dbitmap *b)
{
    uint64_t len = disk_length(s);
    uint64_t limit = ((uint64_t)s->cluster_size * 8) << b->granularity_bits;
    uint64_t tab_size = qcow2_size_to_clusters(s, serialization_size(b, 0,
                                                                      len));
    unsigned char *buf;
    int ret = 0;

    if (tab_size != table_size || tab_size > BME_MAX_TABLE_SIZE)
        return -EINVAL;
    buf = malloc(s->cluster_size);
    if (buf == NULL)
        return -ENOMEM;
    for (uint64_t i = 0, offset = 0; i < tab_size; i++, offset += limit) {
        uint64_t count = len - offset < limit ? len - offset : limit;
        uint64_t data_offset = table[i] & BME_TABLE_ENTRY_OFFSET_MASK;
        uint64_t first = offset >> b->granularity_bits;
        uint64_t nbits = (count + (1ULL << b->granularity_bits) - 1) >>
                         b->granularity_bits;

        if (data_offset == 0) {
            if (table[i] & BME_TABLE_ENTRY_FLAG_ALL_ONES)
                dbitmap_set_bits(b, first, nbits);
            continue;
        }
        ret = qcow2_file_pread(s, (int64_t)data_offset, buf,
                               s->cluster_size);
        if (ret < 0)
            break;
        for (uint64_t w = 0; w * 64 < nbits; w++)
            b->words[first / 64 + w] = get_le64(buf + w * 8);
    }
    free(buf);
    return ret;
}

int qcow2_load_dirty_bitmaps(struct qcow2_state *s, bool *header_updated,
                             char **cause)
{
    bool writable = (s->node->open_flags & BK_O_RDWR) != 0;
    struct qcow2_dbitmap **tail = &s->dbitmaps;
    struct qcow2_bitmap *list = NULL;
    bool needs_update = false;
    uint32_t n = 0;
    int ret;

    *header_updated = false;
    if (s->nb_bitmaps == 0)
        return 0;
    ret = qcow2_bitmap_list_load(s, &list, &n, cause);
    if (ret < 0)
        return ret;
    for (uint32_t i = 0; i < n; i++) {
        struct qcow2_dbitmap *b = calloc(1, sizeof(*b));
        uint64_t *table = NULL;

        if (b == NULL || (b->name = strdup(list[i].name)) == NULL) {
            free(b);
            ret = -ENOMEM;
            goto fail;
        }
        b->granularity_bits = list[i].granularity_bits;
        *tail = b;
        tail = &b->next;
        ret = dbitmap_resize(b, disk_length(s));
        if (ret < 0)
            goto fail;
        if (list[i].flags & BME_FLAG_IN_USE) {
            /* Left in use: its data cannot be trusted, nor is it read. */
            b->inconsistent = true;
        } else {
            ret = qcow2_bitmap_table_load(s, &list[i], &table);
            if (ret < 0) {
                *cause = strfmt("Could not read bitmap_table table from "
                                "image for bitmap '%s': %s", list[i].name,
                                strerror(-ret));
                goto fail;
            }
            ret = load_bitmap_data(s, table, list[i].table_size, b);
            free(table);
            if (ret < 0) {
                *cause = strfmt("Could not read bitmap '%s' from image: %s",
                                list[i].name, strerror(-ret));
                goto fail;
            }
            list[i].flags |= BME_FLAG_IN_USE;
            needs_update = true;
        }
        b->enabled = (list[i].flags & BME_FLAG_AUTO) != 0;
        b->readonly = !writable;
    }
    if (needs_update && writable) {
        /* In use from now until they are stored again at close. */
        ret = update_dir_in_place(s, list, n);
        if (ret < 0) {
            *cause = strfmt("Can't update bitmap directory: %s",
                            strerror(-ret));
            goto fail;
        }
        *header_updated = true;
    }
    qcow2_bitmap_list_free(list, n);
    return 0;
fail:
    qcow2_bitmaps_free(s);
    qcow2_bitmap_list_free(list, n);
    return ret;
}

/* ---- store at close ------------------------------------------------------- */

static void clear_bitmap_table(struct qcow2_state *s, uint64_t *table,
                               uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        uint64_t addr = table[i] & BME_TABLE_ENTRY_OFFSET_MASK;

        if (addr == 0)
            continue;
        qcow2_free_clusters(s, (int64_t)addr, s->cluster_size,
                            QCOW2_DISCARD_ALWAYS);
        table[i] = 0;
    }
}

static int free_bitmap_clusters(struct qcow2_state *s, struct qcow2_bitmap *bm)
{
    uint64_t *table;
    int ret = qcow2_bitmap_table_load(s, bm, &table);

    if (ret < 0)
        return ret;
    clear_bitmap_table(s, table, bm->table_size);
    qcow2_free_clusters(s, (int64_t)bm->table_offset,
                        (int64_t)bm->table_size * 8, QCOW2_DISCARD_OTHER);
    free(table);
    bm->table_offset = 0;
    bm->table_size = 0;
    return 0;
}

/* The bitmap's dirty clusters of data written to new clusters; its table
 * (host order) returned, all-zero clusters left out. */
static int store_bitmap_data(struct qcow2_state *s,
                             const struct qcow2_dbitmap *b, uint64_t **tablep,
                             uint32_t *table_size, char **cause)
{
    uint64_t len = disk_length(s);
    uint64_t limit = ((uint64_t)s->cluster_size * 8) << b->granularity_bits;
    uint64_t tb_size = qcow2_size_to_clusters(s, serialization_size(b, 0,
                                                                     len));
    uint64_t words_per_cluster = s->cluster_size / 8;
    unsigned char *buf;
    uint64_t *tb;
    int ret = 0;

    if (tb_size > BME_MAX_TABLE_SIZE ||
        tb_size * s->cluster_size > BME_MAX_PHYS_SIZE) {
        *cause = strfmt("Bitmap '%s' is too big", b->name);
        return -EINVAL;
    }
    tb = calloc(tb_size ? tb_size : 1, 8);
    buf = malloc(s->cluster_size);
    if (tb == NULL || buf == NULL) {
        free(tb);
        free(buf);
        *cause = strfmt("No memory");
        return -ENOMEM;
    }
    for (uint64_t c = 0; c < tb_size; c++) {
        uint64_t offset = c * limit;
        uint64_t end = len < offset + limit ? len : offset + limit;
        uint64_t first_word = c * words_per_cluster;
        uint64_t nwords = serialization_size(b, offset, end - offset) / 8;
        bool dirty = false;
        int64_t off;

        for (uint64_t w = 0; w < nwords && !dirty; w++)
            dirty = b->words[first_word + w] != 0;
        if (!dirty)
            continue;
        off = qcow2_alloc_clusters(s, s->cluster_size);
        if (off < 0) {
            *cause = strfmt("Failed to allocate clusters for bitmap '%s': %s",
                            b->name, strerror((int)-off));
            ret = (int)off;
            goto fail;
        }
        tb[c] = (uint64_t)off;
        memset(buf, 0, s->cluster_size);
        for (uint64_t w = 0; w < nwords; w++)
            put_le64(buf + w * 8, b->words[first_word + w]);
        ret = qcow2_pre_write_overlap_check(s, 0, off, s->cluster_size,
                                            false);
        if (ret < 0) {
            *cause = strfmt("Qcow2 overlap check failed: %s",
                            strerror(-ret));
            goto fail;
        }
        ret = qcow2_file_pwrite(s, off, buf, s->cluster_size);
        if (ret < 0) {
            *cause = strfmt("Failed to write bitmap '%s' to file: %s",
                            b->name, strerror(-ret));
            goto fail;
        }
    }
    free(buf);
    *tablep = tb;
    *table_size = (uint32_t)tb_size;
    return 0;
fail:
    clear_bitmap_table(s, tb, (uint32_t)tb_size);
    free(buf);
    free(tb);
    return ret;
}

static int store_bitmap(struct qcow2_state *s, const struct qcow2_dbitmap *b,
                        struct qcow2_bitmap *bm, char **cause)
{
    uint64_t *tb = NULL;
    uint32_t tb_size = 0;
    int64_t tb_offset;
    int ret = store_bitmap_data(s, b, &tb, &tb_size, cause);

    if (ret < 0)
        return -EINVAL;
    tb_offset = qcow2_alloc_clusters(s, (uint64_t)tb_size * 8);
    if (tb_offset < 0) {
        *cause = strfmt("Failed to allocate clusters for bitmap '%s': %s",
                        b->name, strerror((int)-tb_offset));
        ret = (int)tb_offset;
        goto fail;
    }
    ret = qcow2_pre_write_overlap_check(s, 0, tb_offset,
                                        (int64_t)tb_size * 8, false);
    if (ret < 0) {
        *cause = strfmt("Qcow2 overlap check failed: %s", strerror(-ret));
        goto fail;
    }
    for (uint32_t i = 0; i < tb_size; i++)
        qcow2_put_be64(&tb[i], tb[i]);
    ret = qcow2_file_pwrite(s, tb_offset, tb, (size_t)tb_size * 8);
    for (uint32_t i = 0; i < tb_size; i++)
        tb[i] = qcow2_be64(&tb[i]);
    if (ret < 0) {
        *cause = strfmt("Failed to write bitmap '%s' to file: %s", b->name,
                        strerror(-ret));
        goto fail;
    }
    free(tb);
    bm->table_offset = (uint64_t)tb_offset;
    bm->table_size = tb_size;
    return 0;
fail:
    clear_bitmap_table(s, tb, tb_size);
    if (tb_offset > 0)
        qcow2_free_clusters(s, tb_offset, (int64_t)tb_size * 8,
                            QCOW2_DISCARD_OTHER);
    free(tb);
    return ret;
}

int qcow2_store_persistent_dirty_bitmaps(struct qcow2_state *s,
                                         bool release, char **cause)
{
    struct qcow2_bitmap *list = NULL, *drop = NULL;
    uint32_t n = 0, ndrop = 0;
    bool need_write = false;
    int ret = 0;

    if (s->dbitmaps == NULL)
        return 0;
    if (s->nb_bitmaps != 0) {
        ret = qcow2_bitmap_list_load(s, &list, &n, cause);
        if (ret < 0)
            return ret;
    }
    drop = calloc(n ? n : 1, sizeof(*drop));
    if (drop == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    /* Which to write: the consistent, writable ones (each has its entry:
     * blkmon makes no bitmaps). */
    for (struct qcow2_dbitmap *b = s->dbitmaps; b != NULL; b = b->next) {
        uint32_t i;

        if (b->inconsistent || b->readonly)
            continue;
        for (i = 0; i < n && strcmp(list[i].name, b->name) != 0; i++)
            ;
        if (i == n)
            continue;
        need_write = true;
        if (!(list[i].flags & BME_FLAG_IN_USE)) {
            *cause = strfmt("Bitmap '%s' already exists in the image",
                            b->name);
            ret = -EINVAL;
            goto out;
        }
        drop[ndrop++] = list[i];
        drop[ndrop - 1].name = NULL;
        list[i].table_offset = 0;
        list[i].table_size = 0;
        list[i].flags = b->enabled ? BME_FLAG_AUTO : 0;
        list[i].granularity_bits = (uint8_t)b->granularity_bits;
    }
    if (!need_write)
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        struct qcow2_dbitmap *b;

        for (b = s->dbitmaps; b != NULL && strcmp(b->name, list[i].name);
             b = b->next)
            ;
        if (b == NULL || b->inconsistent || b->readonly)
            continue;
        ret = store_bitmap(s, b, &list[i], cause);
        if (ret < 0)
            goto fail;
    }
    ret = update_dir(s, list, n);
    if (ret < 0) {
        *cause = strfmt("Failed to update bitmap extension: %s",
                        strerror(-ret));
        goto fail;
    }
    /* The old tables and data go once the directory no longer names them. */
    for (uint32_t i = 0; i < ndrop; i++)
        free_bitmap_clusters(s, &drop[i]);
    goto out;
fail:
    for (uint32_t i = 0; i < n; i++) {
        struct qcow2_dbitmap *b;

        for (b = s->dbitmaps; b != NULL && strcmp(b->name, list[i].name);
             b = b->next)
            ;
        if (b != NULL && !b->readonly && list[i].table_offset != 0 &&
            !b->inconsistent)
            free_bitmap_clusters(s, &list[i]);
    }
out:
    free(drop);
    qcow2_bitmap_list_free(list, n);
    if (ret == 0 && release)
        qcow2_bitmaps_free(s);
    return ret;
}

/* ---- reopen, resize, info --------------------------------------------------- */

int qcow2_reopen_bitmaps_ro(struct qcow2_state *s, char **cause)
{
    int ret = qcow2_store_persistent_dirty_bitmaps(s, false, cause);

    if (ret < 0)
        return -EINVAL;
    for (struct qcow2_dbitmap *b = s->dbitmaps; b != NULL; b = b->next)
        b->readonly = true;
    return 0;
}

int qcow2_reopen_bitmaps_rw(struct qcow2_state *s, char **cause)
{
    struct qcow2_bitmap *list = NULL;
    bool need_update = false;
    uint32_t n = 0;
    int ret;

    if (s->nb_bitmaps == 0)
        return 0;
    ret = qcow2_bitmap_list_load(s, &list, &n, cause);
    if (ret < 0)
        return -EINVAL;
    ret = -EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        struct qcow2_dbitmap *b;

        for (b = s->dbitmaps; b != NULL && strcmp(b->name, list[i].name);
             b = b->next)
            ;
        if (b == NULL) {
            *cause = strfmt("Unexpected bitmap '%s' in image '%s'",
                            list[i].name, bk_node_bottom(s->node)->filename);
            goto out;
        }
        if (!(list[i].flags & BME_FLAG_IN_USE)) {
            if (!b->readonly) {
                *cause = strfmt("Corruption: bitmap '%s' is not marked "
                                "IN_USE in the image '%s' and not marked "
                                "readonly in RAM", list[i].name,
                                bk_node_bottom(s->node)->filename);
                goto out;
            }
            if (b->inconsistent) {
                *cause = strfmt("Corruption: bitmap '%s' is inconsistent but "
                                "is not marked IN_USE in the image '%s'",
                                list[i].name,
                                bk_node_bottom(s->node)->filename);
                goto out;
            }
            list[i].flags |= BME_FLAG_IN_USE;
            need_update = true;
        } else if (b->readonly && !b->inconsistent) {
            *cause = strfmt("Corruption: bitmap '%s' is marked IN_USE in the "
                            "image '%s' but it is readonly and consistent in "
                            "RAM", list[i].name,
                            bk_node_bottom(s->node)->filename);
            goto out;
        }
    }
    if (need_update) {
        ret = update_dir_in_place(s, list, n);
        if (ret < 0) {
            *cause = strfmt("Cannot update bitmap directory: %s",
                            strerror(-ret));
            goto out;
        }
    }
    for (struct qcow2_dbitmap *b = s->dbitmaps; b != NULL; b = b->next)
        b->readonly = false;
    ret = 0;
out:
    qcow2_bitmap_list_free(list, n);
    return ret;
}

int qcow2_truncate_bitmaps_check(struct qcow2_state *s, char **cause)
{
    struct qcow2_bitmap *list = NULL;
    uint32_t n = 0;
    int ret;

    if (s->nb_bitmaps == 0)
        return 0;
    ret = qcow2_bitmap_list_load(s, &list, &n, cause);
    if (ret < 0)
        return -EINVAL;
    for (uint32_t i = 0; i < n && ret == 0; i++) {
        struct qcow2_dbitmap *b;

        for (b = s->dbitmaps; b != NULL && strcmp(b->name, list[i].name);
             b = b->next)
            ;
        if (b == NULL) {
            *cause = strfmt("Cannot resize qcow2 with persistent bitmaps "
                            "that were not loaded into memory");
            ret = -ENOTSUP;
        } else if (b->readonly) {
            *cause = strfmt("Bitmap '%s' is readonly and cannot be modified",
                            b->name);
            ret = -ENOTSUP;
        } else if (b->inconsistent) {
            *cause = strfmt("Bitmap '%s' is inconsistent and cannot be used\n"
                            "Try block-dirty-bitmap-remove to delete this "
                            "bitmap from disk", b->name);
            ret = -ENOTSUP;
        }
    }
    qcow2_bitmap_list_free(list, n);
    return ret;
}

void qcow2_bitmaps_truncate(struct qcow2_state *s, uint64_t len)
{
    for (struct qcow2_dbitmap *b = s->dbitmaps; b != NULL; b = b->next)
        dbitmap_resize(b, len);
}

char *qcow2_bitmap_info(struct qcow2_state *s)
{
    struct qcow2_bitmap *list = NULL;
    uint32_t n = 0;
    char *text, *t;

    if (s->nb_bitmaps == 0 || qcow2_bitmap_list_load(s, &list, &n, NULL) < 0)
        return NULL;
    text = strfmt("    bitmaps:\n");
    for (uint32_t i = 0; text != NULL && i < n; i++) {
        unsigned f = 0;

        t = strfmt("%s        [%u]:\n            flags:\n", text, i);
        free(text);
        text = t;
        if (text != NULL && (list[i].flags & BME_FLAG_IN_USE)) {
            t = strfmt("%s                [%u]: in-use\n", text, f++);
            free(text);
            text = t;
        }
        if (text != NULL && (list[i].flags & BME_FLAG_AUTO)) {
            t = strfmt("%s                [%u]: auto\n", text, f++);
            free(text);
            text = t;
        }
        if (text != NULL) {
            t = strfmt("%s            name: %s\n            granularity: "
                       "%u\n", text, list[i].name,
                       1u << list[i].granularity_bits);
            free(text);
            text = t;
        }
    }
    qcow2_bitmap_list_free(list, n);
    return text;
}
