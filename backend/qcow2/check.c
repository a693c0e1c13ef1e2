/*
 * check.c — the refcount check that repairs a dirty image, as QEMU's
 * qcow2_check_refcounts does it when a read-write open finds the dirty bit
 * (lazy refcounts after a crash).
 *
 * The check counts every reference to every host cluster into an
 * in-memory refcount array (the *IMRT*: one big refcount block over the
 * whole file): the header, the active L1 table, its L2 tables and their
 * data clusters, the snapshots' tables, the snapshot table, the refcount
 * table, the bitmaps' directory and tables, and the refcount blocks.  It
 * then compares the array with the refcounts on disk and fixes each
 * difference (too high: a leak; too low: a corruption) through the normal
 * refcount update; a cluster in use whose refcount is 0 on disk, or a
 * broken refcount block, means the refcount structure is rebuilt from the
 * array: new blocks and a new table placed in free clusters the array
 * knows of, written, and the header switched to them; the old structure
 * then leaks and is fixed by a second pass.  Last the COPIED flags of L1
 * and L2 entries are set right.
 *
 * What QEMU prints on stderr along the way ("Repairing cluster 5
 * refcount=1 reference=0", "Rebuilding refcount structure", "Leaked
 * cluster ...") goes to the stack's messages, as plain lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

#define L1E_RESERVED_MASK 0x7f000000000001ffULL
#define L2E_STD_RESERVED_MASK 0x3f000000000001feULL
#define REFT_RESERVED_MASK 0x1ffULL
#define BME_TABLE_ENTRY_OFFSET_MASK 0x00fffffffffffe00ULL

enum { CHECK_FRAG_INFO = 0x2 };

/* A line on stderr, as QEMU's fprintf there. */
static void say(struct qcow2_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct qcow2_state *s, const char *fmt, ...)
{
    va_list ap;
    char *m;

    va_start(ap, fmt);
    m = vstrfmt(fmt, ap);
    va_end(ap);
    if (m != NULL)
        bk_stack_message(s->node->stack, BK_MSG_PLAIN, m);
    free(m);
}

/* ---- the in-memory refcount array ---------------------------------------- */

struct imrt {
    void *table;
    int64_t size;   /* entries */
};

/* Resized to new_size entries, in whole clusters (so that a slice can be
 * written as a refcount block), the new part zeroed. */
static int imrt_resize(struct qcow2_state *s, struct imrt *t,
                       int64_t new_size)
{
    uint64_t old_bytes = qcow2_size_to_clusters(
        s, qcow2_rc_array_bytes(s->refcount_order, (uint64_t)t->size)) *
        s->cluster_size;
    uint64_t new_bytes = qcow2_size_to_clusters(
        s, qcow2_rc_array_bytes(s->refcount_order, (uint64_t)new_size)) *
        s->cluster_size;
    void *p;

    if (new_bytes == old_bytes) {
        t->size = new_size;
        return 0;
    }
    if (new_bytes > SIZE_MAX)
        return -ENOMEM;
    p = realloc(t->table, new_bytes);
    if (p == NULL)
        return -ENOMEM;
    if (new_bytes > old_bytes)
        memset((char *)p + old_bytes, 0, new_bytes - old_bytes);
    t->table = p;
    t->size = new_size;
    return 0;
}

static uint64_t imrt_get(struct qcow2_state *s, const struct imrt *t,
                         int64_t i)
{
    return qcow2_rc_get(s->refcount_order, t->table, (uint64_t)i);
}

static void imrt_set(struct qcow2_state *s, struct imrt *t, int64_t i,
                     uint64_t v)
{
    qcow2_rc_set(s->refcount_order, t->table, (uint64_t)i, v);
}

static int64_t file_length(struct qcow2_state *s)
{
    return (bk_node_length(s->node->file) + 511) & ~(int64_t)511;
}

/* One more reference to every cluster of [offset, offset + size). */
static int inc_refcounts(struct qcow2_state *s, struct qcow2_check *res,
                         struct imrt *t, int64_t offset, int64_t size)
{
    int64_t file_len = file_length(s);
    uint64_t start, last;
    int ret;

    if (size <= 0)
        return 0;
    /* The last cluster may be half in the file, no more. */
    if (offset + size - file_len >= (int64_t)s->cluster_size) {
        say(s, "ERROR: counting reference for region exceeding the end of "
            "the file by one cluster or more: offset 0x%" PRIx64 " size "
            "0x%" PRIx64, (uint64_t)offset, (uint64_t)size);
        res->corruptions++;
        return 0;
    }
    start = qcow2_start_of_cluster(s, (uint64_t)offset);
    last = qcow2_start_of_cluster(s, (uint64_t)(offset + size - 1));
    for (uint64_t c = start; c <= last; c += s->cluster_size) {
        int64_t k = (int64_t)(c >> s->cluster_bits);
        uint64_t refcount;

        if (k >= t->size) {
            ret = imrt_resize(s, t, k + 1);
            if (ret < 0) {
                res->check_errors++;
                return ret;
            }
        }
        refcount = imrt_get(s, t, k);
        if (refcount == s->refcount_max) {
            say(s, "ERROR: overflow cluster offset=0x%" PRIx64, c);
            say(s, "Use qemu-img amend to increase the refcount entry width "
                "or qemu-img convert to create a clean copy if the image "
                "cannot be opened for writing");
            res->corruptions++;
            continue;
        }
        imrt_set(s, t, k, refcount + 1);
    }
    return 0;
}

/* ---- L1 and L2 tables ----------------------------------------------------- */

/* A preallocated cluster whose offset is unaligned becomes a zero cluster
 * (its entry written at once). */
static int fix_l2_entry_by_zero(struct qcow2_state *s, struct qcow2_check *res,
                                uint64_t l2_offset, void *l2_table,
                                unsigned l2_index, bool active,
                                bool *metadata_overlap)
{
    size_t esize = qcow2_l2_entry_size(s);
    uint64_t l2e_offset = l2_offset + (uint64_t)l2_index * esize;
    int ret;

    if (s->geom.extended) {
        uint64_t bitmap = qcow2_l2_bitmap(&s->geom, l2_table, l2_index);

        /* Allocated subclusters become zero. */
        bitmap |= bitmap << 32;
        bitmap &= QCOW2_BITMAP_ALL_ZEROES;
        qcow2_set_l2_bitmap(&s->geom, l2_table, l2_index, bitmap);
        qcow2_set_l2_entry(&s->geom, l2_table, l2_index, 0);
    } else {
        qcow2_set_l2_entry(&s->geom, l2_table, l2_index, QCOW2_OFLAG_ZERO);
    }
    ret = qcow2_pre_write_overlap_check(s, active ? QCOW2_OL_ACTIVE_L2
                                                  : QCOW2_OL_INACTIVE_L2,
                                        (int64_t)l2e_offset, (int64_t)esize,
                                        false);
    *metadata_overlap = ret < 0;
    if (ret < 0) {
        say(s, "ERROR: Overlap check failed");
        goto fail;
    }
    ret = qcow2_file_pwrite_sync(s, (int64_t)l2e_offset,
                                 (char *)l2_table + l2_index * esize, esize);
    if (ret < 0) {
        say(s, "ERROR: Failed to overwrite L2 table entry: %s",
            strerror(-ret));
        goto fail;
    }
    res->corruptions--;
    res->corruptions_fixed++;
    return 0;
fail:
    res->check_errors++;
    return ret;
}

static int check_refcounts_l2(struct qcow2_state *s, struct qcow2_check *res,
                              struct imrt *t, uint64_t l2_offset, int flags,
                              unsigned fix, bool active)
{
    size_t bytes = (size_t)s->l2_size * qcow2_l2_entry_size(s);
    unsigned csize_shift = 62 - (s->cluster_bits - 8);
    void *l2_table = malloc(bytes);
    int ret;

    if (l2_table == NULL)
        return -ENOMEM;
    ret = qcow2_file_pread(s, (int64_t)l2_offset, l2_table, bytes);
    if (ret < 0) {
        say(s, "ERROR: I/O error in check_refcounts_l2");
        res->check_errors++;
        goto out;
    }
    for (unsigned i = 0; i < s->l2_size; i++) {
        uint64_t entry = qcow2_l2_entry(&s->geom, l2_table, i);
        uint64_t bitmap = qcow2_l2_bitmap(&s->geom, l2_table, i);
        enum qcow2_cluster_type type = qcow2_cluster_type(&s->geom, entry);

        if (type != QCOW2_CLUSTER_COMPRESSED &&
            (entry & L2E_STD_RESERVED_MASK)) {
            say(s, "ERROR found l2 entry with reserved bits set: %" PRIx64,
                entry);
            res->corruptions++;
        }
        switch (type) {
        case QCOW2_CLUSTER_COMPRESSED: {
            uint64_t coffset, csize;

            if (entry & QCOW2_OFLAG_COPIED) {
                say(s, "ERROR: coffset=0x%" PRIx64 ": copied flag must never "
                    "be set for compressed clusters",
                    entry & (((uint64_t)1 << csize_shift) - 1));
                entry &= ~QCOW2_OFLAG_COPIED;
                res->corruptions++;
            }
            if (s->geom.data_file) {
                say(s, "ERROR compressed cluster %u with data file, "
                    "entry=0x%" PRIx64, i, entry);
                res->corruptions++;
                break;
            }
            if (bitmap) {
                say(s, "ERROR compressed cluster %u with non-zero subcluster "
                    "allocation bitmap, entry=0x%" PRIx64, i, entry);
                res->corruptions++;
                break;
            }
            qcow2_parse_compressed_l2_entry(&s->geom, entry, &coffset,
                                            &csize);
            ret = inc_refcounts(s, res, t, (int64_t)coffset, (int64_t)csize);
            if (ret < 0)
                goto out;
            break;
        }
        case QCOW2_CLUSTER_ZERO_ALLOC:
        case QCOW2_CLUSTER_NORMAL: {
            uint64_t offset = entry & QCOW2_L2E_OFFSET_MASK;

            if ((bitmap >> 32) & bitmap) {
                res->corruptions++;
                say(s, "ERROR offset=%" PRIx64 ": Allocated cluster has "
                    "corrupted subcluster allocation bitmap", offset);
            }
            if (qcow2_offset_into_cluster(s, offset)) {
                bool contains_data = s->geom.extended
                    ? (bitmap & QCOW2_BITMAP_ALL_ALLOC) != 0
                    : !(entry & QCOW2_OFLAG_ZERO);

                res->corruptions++;
                if (!contains_data) {
                    say(s, "%s offset=%" PRIx64 ": Preallocated cluster is "
                        "not properly aligned; L2 entry corrupted.",
                        (fix & QCOW2_FIX_ERRORS) ? "Repairing" : "ERROR",
                        offset);
                    if (fix & QCOW2_FIX_ERRORS) {
                        bool overlap = false;

                        ret = fix_l2_entry_by_zero(s, res, l2_offset,
                                                   l2_table, i, active,
                                                   &overlap);
                        /* Something is badly wrong: stop with this
                         * table. */
                        if (overlap)
                            goto out;
                        /* Fixed: the cluster is unused now. */
                        if (ret == 0)
                            continue;
                    }
                } else {
                    say(s, "ERROR offset=%" PRIx64 ": Data cluster is not "
                        "properly aligned; L2 entry corrupted.", offset);
                }
            }
            (void)flags;
            if (!s->geom.data_file) {
                ret = inc_refcounts(s, res, t, (int64_t)offset,
                                    s->cluster_size);
                if (ret < 0)
                    goto out;
            }
            break;
        }
        case QCOW2_CLUSTER_ZERO_PLAIN:
            break;
        case QCOW2_CLUSTER_UNALLOCATED:
            if (bitmap & QCOW2_BITMAP_ALL_ALLOC) {
                res->corruptions++;
                say(s, "ERROR: Unallocated cluster has non-zero subcluster "
                    "allocation map");
            }
            break;
        }
    }
    ret = 0;
out:
    free(l2_table);
    return ret;
}

static int check_refcounts_l1(struct qcow2_state *s, struct qcow2_check *res,
                              struct imrt *t, uint64_t l1_offset,
                              uint32_t l1_size, int flags, unsigned fix,
                              bool active)
{
    size_t bytes = (size_t)l1_size * 8;
    uint64_t *l1;
    int ret;

    if (l1_size == 0)
        return 0;
    ret = inc_refcounts(s, res, t, (int64_t)l1_offset, (int64_t)bytes);
    if (ret < 0)
        return ret;
    l1 = malloc(bytes);
    if (l1 == NULL) {
        res->check_errors++;
        return -ENOMEM;
    }
    ret = qcow2_file_pread(s, (int64_t)l1_offset, l1, bytes);
    if (ret < 0) {
        say(s, "ERROR: I/O error in check_refcounts_l1");
        res->check_errors++;
        goto out;
    }
    for (uint32_t i = 0; i < l1_size; i++)
        l1[i] = qcow2_be64(&l1[i]);
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_offset;

        if (l1[i] == 0)
            continue;
        if (l1[i] & L1E_RESERVED_MASK) {
            say(s, "ERROR found L1 entry with reserved bits set: %" PRIx64,
                l1[i]);
            res->corruptions++;
        }
        l2_offset = l1[i] & QCOW2_L1E_OFFSET_MASK;
        ret = inc_refcounts(s, res, t, (int64_t)l2_offset, s->cluster_size);
        if (ret < 0)
            goto out;
        if (qcow2_offset_into_cluster(s, l2_offset)) {
            say(s, "ERROR l2_offset=%" PRIx64 ": Table is not cluster "
                "aligned; L1 entry corrupted", l2_offset);
            res->corruptions++;
        }
        ret = check_refcounts_l2(s, res, t, l2_offset, flags, fix, active);
        if (ret < 0)
            goto out;
    }
    ret = 0;
out:
    free(l1);
    return ret;
}

/* COPIED must be set exactly where the refcount is 1. */
static int check_oflag_copied(struct qcow2_state *s, struct qcow2_check *res,
                              unsigned fix)
{
    size_t bytes = (size_t)s->l2_size * qcow2_l2_entry_size(s);
    void *l2_table = malloc(s->cluster_size);
    uint64_t refcount;
    bool repair;
    int ret = 0;

    if (l2_table == NULL)
        return -ENOMEM;
    if (fix & QCOW2_FIX_ERRORS)
        repair = true;
    else if (fix & QCOW2_FIX_LEAKS)
        /* Only when the refcounts were fixed, so they are right. */
        repair = !res->check_errors && !res->corruptions && !res->leaks;
    else
        repair = false;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l1_entry = s->l1_table[i];
        uint64_t l2_offset = l1_entry & QCOW2_L1E_OFFSET_MASK;
        int l2_dirty = 0;

        if (l2_offset == 0)
            continue;
        /* A failure here was told already. */
        if (qcow2_get_refcount(s, l2_offset >> s->cluster_bits,
                               &refcount) < 0)
            continue;
        if ((refcount == 1) != ((l1_entry & QCOW2_OFLAG_COPIED) != 0)) {
            res->corruptions++;
            say(s, "%s OFLAG_COPIED L2 cluster: l1_index=%u l1_entry=%"
                PRIx64 " refcount=%" PRIu64, repair ? "Repairing" : "ERROR",
                i, l1_entry, refcount);
            if (repair) {
                s->l1_table[i] = refcount == 1
                                     ? l1_entry | QCOW2_OFLAG_COPIED
                                     : l1_entry & ~QCOW2_OFLAG_COPIED;
                ret = qcow2_write_l1_entry(s, i);
                if (ret < 0) {
                    res->check_errors++;
                    goto out;
                }
                res->corruptions--;
                res->corruptions_fixed++;
            }
        }
        ret = qcow2_file_pread(s, (int64_t)l2_offset, l2_table, bytes);
        if (ret < 0) {
            say(s, "ERROR: Could not read L2 table: %s", strerror(-ret));
            res->check_errors++;
            goto out;
        }
        for (unsigned j = 0; j < s->l2_size; j++) {
            uint64_t entry = qcow2_l2_entry(&s->geom, l2_table, j);
            enum qcow2_cluster_type type = qcow2_cluster_type(&s->geom,
                                                              entry);

            if (type != QCOW2_CLUSTER_NORMAL &&
                type != QCOW2_CLUSTER_ZERO_ALLOC)
                continue;
            if (s->geom.data_file)
                refcount = 1;
            else if (qcow2_get_refcount(s, (entry & QCOW2_L2E_OFFSET_MASK) >>
                                               s->cluster_bits,
                                        &refcount) < 0)
                continue;
            if ((refcount == 1) != ((entry & QCOW2_OFLAG_COPIED) != 0)) {
                res->corruptions++;
                say(s, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64
                    " refcount=%" PRIu64, repair ? "Repairing" : "ERROR",
                    entry, refcount);
                if (repair) {
                    qcow2_set_l2_entry(&s->geom, l2_table, j,
                                       refcount == 1
                                           ? entry | QCOW2_OFLAG_COPIED
                                           : entry & ~QCOW2_OFLAG_COPIED);
                    l2_dirty++;
                }
            }
        }
        if (l2_dirty > 0) {
            ret = qcow2_pre_write_overlap_check(s, QCOW2_OL_ACTIVE_L2,
                                                (int64_t)l2_offset,
                                                s->cluster_size, false);
            if (ret < 0) {
                say(s, "ERROR: Could not write L2 table; metadata overlap "
                    "check failed: %s", strerror(-ret));
                res->check_errors++;
                goto out;
            }
            ret = qcow2_file_pwrite(s, (int64_t)l2_offset, l2_table,
                                    s->cluster_size);
            if (ret < 0) {
                say(s, "ERROR: Could not write L2 table: %s", strerror(-ret));
                res->check_errors++;
                goto out;
            }
            res->corruptions -= l2_dirty;
            res->corruptions_fixed += l2_dirty;
        }
    }
    ret = 0;
out:
    free(l2_table);
    return ret;
}

/* ---- refcount blocks and the whole count ---------------------------------- */

static int check_refblocks(struct qcow2_state *s, struct qcow2_check *res,
                           unsigned fix, bool *rebuild, struct imrt *t)
{
    int ret;

    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t offset = s->refcount_table[i] & QCOW2_REFT_OFFSET_MASK;
        uint64_t cluster = offset >> s->cluster_bits;

        if (s->refcount_table[i] & REFT_RESERVED_MASK) {
            say(s, "ERROR refcount table entry %u has reserved bits set", i);
            res->corruptions++;
            *rebuild = true;
            continue;
        }
        if (qcow2_offset_into_cluster(s, offset)) {
            say(s, "ERROR refcount block %u is not cluster aligned; "
                "refcount table entry corrupted", i);
            res->corruptions++;
            *rebuild = true;
            continue;
        }
        if ((int64_t)cluster >= t->size) {
            res->corruptions++;
            say(s, "%s refcount block %u is outside image",
                (fix & QCOW2_FIX_ERRORS) ? "Repairing" : "ERROR", i);
            if (fix & QCOW2_FIX_ERRORS) {
                int64_t size;

                /* The file grows to hold it (zeroes: an empty block). */
                if (offset > (uint64_t)INT64_MAX - s->cluster_size) {
                    ret = -EINVAL;
                    goto resize_fail;
                }
                ret = qcow2_file_truncate(s, (int64_t)(offset +
                                                       s->cluster_size),
                                          BK_PREALLOC_OFF);
                if (ret < 0) {
                    struct bk_req *req = qcow2_current_req();
                    char *m = strfmt("%s", req != NULL && req->cause[0]
                                               ? req->cause
                                               : strerror(-ret));

                    if (m != NULL)
                        bk_stack_message(s->node->stack, BK_MSG_REPORT, m);
                    free(m);
                    goto resize_fail;
                }
                size = file_length(s);
                ret = imrt_resize(s, t, (int64_t)qcow2_size_to_clusters(
                                            s, (uint64_t)size));
                if (ret < 0) {
                    res->check_errors++;
                    return ret;
                }
                if ((int64_t)cluster >= t->size) {
                    ret = -EINVAL;
                    goto resize_fail;
                }
                res->corruptions--;
                res->corruptions_fixed++;
                ret = inc_refcounts(s, res, t, (int64_t)offset,
                                    s->cluster_size);
                if (ret < 0)
                    return ret;
                continue;
resize_fail:
                *rebuild = true;
                say(s, "ERROR could not resize image: %s", strerror(-ret));
            }
            continue;
        }
        if (offset != 0) {
            ret = inc_refcounts(s, res, t, (int64_t)offset, s->cluster_size);
            if (ret < 0)
                return ret;
            if (imrt_get(s, t, (int64_t)cluster) != 1) {
                say(s, "ERROR refcount block %u refcount=%" PRIu64, i,
                    imrt_get(s, t, (int64_t)cluster));
                res->corruptions++;
                *rebuild = true;
            }
        }
    }
    return 0;
}

/* The bitmaps' directory and tables, and the clusters they point at. */
static int check_bitmaps_refcounts(struct qcow2_state *s,
                                   struct qcow2_check *res, struct imrt *t)
{
    struct qcow2_bitmap *bm = NULL;
    uint32_t n = 0;
    int ret;

    if (s->nb_bitmaps == 0)
        return 0;
    ret = inc_refcounts(s, res, t, (int64_t)s->bitmap_directory_offset,
                        (int64_t)s->bitmap_directory_size);
    if (ret < 0)
        return ret;
    ret = qcow2_bitmap_list_load(s, &bm, &n, NULL);
    if (ret < 0) {
        res->corruptions++;
        return -EINVAL;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t *table = NULL;

        ret = inc_refcounts(s, res, t, (int64_t)bm[i].table_offset,
                            (int64_t)bm[i].table_size * 8);
        if (ret < 0)
            break;
        ret = qcow2_bitmap_table_load(s, &bm[i], &table);
        if (ret < 0) {
            res->corruptions++;
            break;
        }
        for (uint32_t j = 0; j < bm[i].table_size; j++) {
            uint64_t entry = table[j];
            uint64_t offset = entry & BME_TABLE_ENTRY_OFFSET_MASK;

            if (qcow2_bitmap_check_table_entry(entry, s->cluster_size) < 0) {
                res->corruptions++;
                continue;
            }
            if (offset == 0)
                continue;
            ret = inc_refcounts(s, res, t, (int64_t)offset, s->cluster_size);
            if (ret < 0)
                break;
        }
        free(table);
        if (ret < 0)
            break;
    }
    qcow2_bitmap_list_free(bm, n);
    return ret;
}

static int calculate_refcounts(struct qcow2_state *s, struct qcow2_check *res,
                               unsigned fix, bool *rebuild, struct imrt *t)
{
    int ret;

    if (t->table == NULL) {
        int64_t want = t->size;

        t->size = 0;
        ret = imrt_resize(s, t, want);
        if (ret < 0) {
            res->check_errors++;
            return ret;
        }
    }
    /* header */
    ret = inc_refcounts(s, res, t, 0, s->cluster_size);
    if (ret < 0)
        return ret;
    /* the active L1 table and what it points at */
    ret = check_refcounts_l1(s, res, t, s->l1_table_offset, s->l1_size,
                             CHECK_FRAG_INFO, fix, true);
    if (ret < 0)
        return ret;
    /* snapshots */
    if (s->geom.data_file && s->nb_snapshots) {
        say(s, "ERROR %u snapshots in image with data file",
            s->nb_snapshots);
        res->corruptions++;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        struct qcow2_snapshot *sn = &s->snapshots[i];

        if (qcow2_offset_into_cluster(s, sn->l1_table_offset)) {
            say(s, "ERROR snapshot %s (%s) l1_offset=%#" PRIx64 ": L1 table "
                "is not cluster aligned; snapshot table entry corrupted",
                sn->id_str, sn->name, sn->l1_table_offset);
            res->corruptions++;
            continue;
        }
        if (sn->l1_size > QCOW2_MAX_L1_SIZE / 8) {
            say(s, "ERROR snapshot %s (%s) l1_size=%#" PRIx32 ": L1 table is "
                "too large; snapshot table entry corrupted", sn->id_str,
                sn->name, sn->l1_size);
            res->corruptions++;
            continue;
        }
        ret = check_refcounts_l1(s, res, t, sn->l1_table_offset, sn->l1_size,
                                 0, fix, false);
        if (ret < 0)
            return ret;
    }
    ret = inc_refcounts(s, res, t, (int64_t)s->snapshots_offset,
                        (int64_t)s->snapshots_size);
    if (ret < 0)
        return ret;
    /* refcount table */
    ret = inc_refcounts(s, res, t, (int64_t)s->refcount_table_offset,
                        (int64_t)s->refcount_table_size * 8);
    if (ret < 0)
        return ret;
    ret = check_bitmaps_refcounts(s, res, t);
    if (ret < 0)
        return ret;
    return check_refblocks(s, res, fix, rebuild, t);
}

static void compare_refcounts(struct qcow2_state *s, struct qcow2_check *res,
                              unsigned fix, bool *rebuild,
                              int64_t *highest_cluster, struct imrt *t)
{
    *highest_cluster = 0;
    for (int64_t i = 0; i < t->size; i++) {
        uint64_t refcount1, refcount2;
        int *num_fixed = NULL;
        int ret = qcow2_get_refcount(s, (uint64_t)i, &refcount1);

        if (ret < 0) {
            say(s, "Can't get refcount for cluster %" PRId64 ": %s", i,
                strerror(-ret));
            res->check_errors++;
            continue;
        }
        refcount2 = imrt_get(s, t, i);
        if (refcount1 > 0 || refcount2 > 0)
            *highest_cluster = i;
        if (refcount1 == refcount2)
            continue;
        /* May this difference be fixed? */
        if (refcount1 == 0)
            *rebuild = true;
        else if (refcount1 > refcount2 && (fix & QCOW2_FIX_LEAKS))
            num_fixed = &res->leaks_fixed;
        else if (refcount1 < refcount2 && (fix & QCOW2_FIX_ERRORS))
            num_fixed = &res->corruptions_fixed;
        say(s, "%s cluster %" PRId64 " refcount=%" PRIu64 " reference=%"
            PRIu64, num_fixed != NULL ? "Repairing"
                    : refcount1 < refcount2 ? "ERROR" : "Leaked",
            i, refcount1, refcount2);
        if (num_fixed != NULL) {
            bool decrease = refcount1 > refcount2;
            uint64_t diff = decrease ? refcount1 - refcount2
                                     : refcount2 - refcount1;

            ret = qcow2_update_cluster_refcount(s, (uint64_t)i, diff,
                                                decrease,
                                                QCOW2_DISCARD_ALWAYS);
            if (ret >= 0) {
                (*num_fixed)++;
                continue;
            }
        }
        if (refcount1 < refcount2)
            res->corruptions++;
        else
            res->leaks++;
    }
}

/* ---- rebuilding the refcount structure ------------------------------------ */

/* count free clusters in a row from *first_free on (which moves to the
 * first gap seen), the array grown past its end if need be; marked used. */
static int64_t alloc_clusters_imrt(struct qcow2_state *s, int count,
                                   struct imrt *t, int64_t *first_free)
{
    int64_t cluster = *first_free;
    bool first_gap = true;
    int contiguous = 0, ret;

    for (; cluster < t->size && contiguous < count; cluster++) {
        if (imrt_get(s, t, cluster) == 0) {
            contiguous++;
            if (first_gap) {
                *first_free = cluster;
                first_gap = false;
            }
        } else if (contiguous) {
            contiguous = 0;
        }
    }
    if (contiguous < count) {
        ret = imrt_resize(s, t, cluster + count - contiguous);
        if (ret < 0)
            return ret;
    }
    cluster -= contiguous;
    for (int i = 0; i < count; i++)
        imrt_set(s, t, cluster + i, 1);
    return cluster << s->cluster_bits;
}

/*
 * Write a refcount block (a slice of the array) for every block of
 * clusters in [first, end) that has a cluster in use, placing new blocks
 * in clusters the array says are free (and counting them there); their
 * offsets go into *reftable, grown as needed.  1 when it grew, 0 when
 * not, -errno with *cause.
 */
static int write_refblocks(struct qcow2_state *s, struct imrt *t,
                           int64_t first, int64_t end, uint64_t **reftable,
                           uint32_t *entries, char **cause)
{
    int64_t first_free = 0;
    bool grown = false;
    int ret;

    for (int64_t cluster = first; cluster < end; cluster++) {
        int64_t index, start, offset;

        if (imrt_get(s, t, cluster) == 0)
            continue;
        index = cluster >> s->refcount_block_bits;
        start = index << s->refcount_block_bits;
        if (*entries > index && (*reftable)[index]) {
            offset = (int64_t)(*reftable)[index];
        } else {
            if (first_free < start)
                first_free = start;   /* not in a block written already */
            offset = alloc_clusters_imrt(s, 1, t, &first_free);
            if (offset < 0) {
                *cause = strfmt("ERROR allocating refblock: %s",
                                strerror((int)-offset));
                return (int)offset;
            }
            /* The block holding its own refcount must be written too. */
            if (offset / s->cluster_size >= end)
                end = offset / s->cluster_size + 1;
            if (*entries <= index) {
                uint32_t n = (uint32_t)((((uint64_t)index + 1) * 8 +
                                         s->cluster_size - 1) /
                                        s->cluster_size * s->cluster_size /
                                        8);
                uint64_t *p = realloc(*reftable, (size_t)n * 8);

                if (p == NULL) {
                    *cause = strfmt("ERROR allocating reftable memory");
                    return -ENOMEM;
                }
                memset(p + *entries, 0, (size_t)(n - *entries) * 8);
                *reftable = p;
                *entries = n;
                grown = true;
            }
            (*reftable)[index] = (uint64_t)offset;
        }
        ret = qcow2_pre_write_overlap_check(s, 0, offset, s->cluster_size,
                                            false);
        if (ret == 0)
            ret = qcow2_file_pwrite(s, offset,
                                    (char *)t->table +
                                        index * (int64_t)s->cluster_size,
                                    s->cluster_size);
        if (ret < 0) {
            *cause = strfmt("ERROR writing refblock: %s", strerror(-ret));
            return ret;
        }
        cluster = start + s->refcount_block_size - 1;
    }
    return grown;
}

static int rebuild_refcount_structure(struct qcow2_state *s,
                                      struct qcow2_check *res,
                                      struct imrt *t, char **cause)
{
    uint64_t *reftable = NULL;
    uint32_t entries = 0;
    int64_t reftable_offset = -1, reftable_length = 0, reftable_clusters = 0;
    unsigned char header[12];
    int changed, ret;

    /* The cache is left behind: the blocks it holds are about to go. */
    qcow2_meta_flush(s, s->rc_cache);
    qcow2_cache_reset(s->rc_cache);

    changed = write_refblocks(s, t, 0, t->size, &reftable, &entries, cause);
    if (changed < 0) {
        res->check_errors++;
        ret = changed;
        goto fail;
    }
    /* The table needs room, which may need another block: until stable. */
    do {
        int64_t first_free = 0;

        reftable_length = (int64_t)entries * 8;
        reftable_clusters = (int64_t)qcow2_size_to_clusters(
            s, (uint64_t)reftable_length);
        reftable_offset = alloc_clusters_imrt(s, (int)reftable_clusters, t,
                                              &first_free);
        if (reftable_offset < 0) {
            *cause = strfmt("ERROR allocating reftable: %s",
                            strerror((int)-reftable_offset));
            res->check_errors++;
            ret = (int)reftable_offset;
            goto fail;
        }
        changed = write_refblocks(s, t, reftable_offset / s->cluster_size,
                                  reftable_offset / s->cluster_size +
                                      reftable_clusters,
                                  &reftable, &entries, cause);
        if (changed < 0) {
            res->check_errors++;
            ret = changed;
            goto fail;
        }
    } while (changed);

    for (uint32_t i = 0; i < entries; i++)
        qcow2_put_be64(&reftable[i], reftable[i]);
    ret = qcow2_pre_write_overlap_check(s, 0, reftable_offset,
                                        reftable_length, false);
    if (ret == 0)
        ret = qcow2_file_pwrite(s, reftable_offset, reftable,
                                (size_t)reftable_length);
    if (ret < 0) {
        *cause = strfmt("ERROR writing reftable: %s", strerror(-ret));
        goto fail;
    }
    qcow2_put_be64(header, (uint64_t)reftable_offset);
    qcow2_put_be32(header + 8, (uint32_t)reftable_clusters);
    ret = qcow2_file_pwrite_sync(s, 48, header, sizeof(header));
    if (ret < 0) {
        *cause = strfmt("ERROR setting reftable: %s", strerror(-ret));
        goto fail;
    }
    for (uint32_t i = 0; i < entries; i++)
        reftable[i] = qcow2_be64(&reftable[i]);
    free(s->refcount_table);
    s->refcount_table = reftable;
    s->refcount_table_offset = (uint64_t)reftable_offset;
    s->refcount_table_size = entries;
    qcow2_update_max_refcount_table_index(s);
    return 0;
fail:
    free(reftable);
    return ret;
}

/* ---- the check ------------------------------------------------------------ */

static int check_refcounts(struct qcow2_state *s, struct qcow2_check *res,
                           unsigned fix)
{
    int64_t size = file_length(s), highest_cluster = 0;
    struct qcow2_check pre_compare;
    struct imrt t = { 0 };
    bool rebuild = false;
    int ret;

    t.size = (int64_t)qcow2_size_to_clusters(s, (uint64_t)size);
    if (t.size > INT32_MAX) {
        res->check_errors++;
        return -EFBIG;
    }
    ret = calculate_refcounts(s, res, fix, &rebuild, &t);
    if (ret < 0)
        goto out;
    /* Without a rebuild, the fixing pass comes next (the first only
     * counts). */
    pre_compare = *res;
    compare_refcounts(s, res, 0, &rebuild, &highest_cluster, &t);

    if (rebuild && (fix & QCOW2_FIX_ERRORS)) {
        struct qcow2_check old = *res;
        int fresh_leaks = 0;
        char *cause = NULL;

        say(s, "Rebuilding refcount structure");
        ret = rebuild_refcount_structure(s, res, &t, &cause);
        if (ret < 0) {
            if (cause != NULL)
                bk_stack_message(s->node->stack, BK_MSG_REPORT, cause);
            free(cause);
            goto out;
        }
        res->corruptions = 0;
        res->leaks = 0;
        /* Counted again against the new structure. */
        rebuild = false;
        memset(t.table, 0, qcow2_rc_array_bytes(s->refcount_order,
                                                 (uint64_t)t.size));
        ret = calculate_refcounts(s, res, 0, &rebuild, &t);
        if (ret < 0)
            goto out;
        if (fix & QCOW2_FIX_LEAKS) {
            /* The old structure leaks now: fixed, and only leaks the
             * rebuild itself made count. */
            struct qcow2_check saved = *res;

            *res = (struct qcow2_check){ 0 };
            compare_refcounts(s, res, QCOW2_FIX_LEAKS, &rebuild,
                              &highest_cluster, &t);
            if (rebuild)
                say(s, "ERROR rebuilt refcount structure is still broken");
            fresh_leaks = res->leaks;
            *res = saved;
        }
        if (res->corruptions < old.corruptions)
            res->corruptions_fixed += old.corruptions - res->corruptions;
        if (res->leaks < old.leaks)
            res->leaks_fixed += old.leaks - res->leaks;
        res->leaks += fresh_leaks;
    } else if (fix) {
        if (rebuild) {
            say(s, "ERROR need to rebuild refcount structures");
            res->check_errors++;
            ret = -EIO;
            goto out;
        }
        if (res->leaks || res->corruptions) {
            *res = pre_compare;
            compare_refcounts(s, res, fix, &rebuild, &highest_cluster, &t);
        }
    }
    ret = check_oflag_copied(s, res, fix);
    if (ret < 0)
        goto out;
    res->image_end_offset = (highest_cluster + 1) * (int64_t)s->cluster_size;
    ret = 0;
out:
    free(t.table);
    return ret;
}

int qcow2_check(struct qcow2_state *s, struct qcow2_check *res, unsigned fix)
{
    int ret;

    *res = (struct qcow2_check){ 0 };
    ret = check_refcounts(s, res, fix);
    if (ret < 0)
        return ret;
    if (fix && res->check_errors == 0 && res->corruptions == 0) {
        ret = qcow2_mark_clean(s);
        if (ret < 0)
            return ret;
        /* Consistent again: the corrupt bit goes too. */
        if (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
            ret = qcow2_flush_caches(s);
            if (ret < 0)
                return ret;
            s->incompatible_features &= ~QCOW2_INCOMPAT_CORRUPT;
            return qcow2_update_header(s);
        }
    }
    return ret;
}
