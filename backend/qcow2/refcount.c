/*
 * qcow2-refcount.c — refcounts, cluster allocation and freeing.
 *
 * Every host cluster has a refcount: the number of references to it
 * (the header cluster, tables, data; more than one once snapshots share
 * it).  A free cluster has refcount 0.  Allocation is first fit from
 * free_cluster_index, the lowest cluster that may be free, so that the
 * same requests leave the same file as QEMU's.
 *
 * Refcount blocks describe themselves when they can: a block allocated
 * for a range it covers counts itself in it.  When the refcount table is
 * full, a new table and the blocks it needs are placed together at the
 * end of the file, describing themselves, and the header is switched to
 * it in one write (qcow2_refcount_area).  Whatever allocated metadata may
 * have taken the clusters a caller had found, so such paths answer -EAGAIN
 * and the caller searches again from the start of its range.
 *
 * Order on disk: a refcount block is written (and the file flushed)
 * before the table entry that points at it; a new table before the header
 * that points at it.  Lowering a refcount makes the refcount cache depend
 * on the L2 cache, so the L2 entry that stopped pointing at the cluster is
 * written first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

static int update_refcount(struct qcow2_state *s, int64_t offset,
                           int64_t length, uint64_t addend, bool decrease,
                           enum qcow2_discard_type type);
static int64_t alloc_clusters_noref(struct qcow2_state *s, uint64_t size,
                                    uint64_t max);

void qcow2_update_max_refcount_table_index(struct qcow2_state *s)
{
    uint32_t i = s->refcount_table_size - 1;

    while (i > 0 && (s->refcount_table[i] & QCOW2_REFT_OFFSET_MASK) == 0)
        i--;
    s->max_refcount_table_index = i;
}

int qcow2_refcount_init(struct qcow2_state *s)
{
    size_t bytes = (size_t)s->refcount_table_size * 8;
    int ret;

    s->refcount_table = malloc(bytes ? bytes : 8);
    if (s->refcount_table == NULL)
        return -ENOMEM;
    if (s->refcount_table_size == 0)
        return 0;
    qcow2_event(s, RULES_EV_REFTABLE_LOAD);
    ret = qcow2_file_pread(s, (int64_t)s->refcount_table_offset,
                           s->refcount_table, bytes);
    if (ret < 0)
        return ret;
    for (uint32_t i = 0; i < s->refcount_table_size; i++)
        s->refcount_table[i] = qcow2_be64(&s->refcount_table[i]);
    qcow2_update_max_refcount_table_index(s);
    return 0;
}

static int load_refcount_block(struct qcow2_state *s, uint64_t offset,
                               void **block)
{
    qcow2_event(s, RULES_EV_REFBLOCK_LOAD);
    return qcow2_meta_get(s, s->rc_cache, offset, block);
}

int qcow2_get_refcount(struct qcow2_state *s, uint64_t cluster_index,
                       uint64_t *refcount)
{
    uint64_t table_index = cluster_index >> s->refcount_block_bits;
    uint64_t block_offset;
    void *block;
    int ret;

    *refcount = 0;
    if (table_index >= s->refcount_table_size)
        return 0;
    block_offset = s->refcount_table[table_index] & QCOW2_REFT_OFFSET_MASK;
    if (block_offset == 0)
        return 0;
    if (qcow2_offset_into_cluster(s, block_offset)) {
        qcow2_signal_corruption(s, true, "Refblock offset %#" PRIx64
                                " unaligned (reftable index: %#" PRIx64 ")",
                                block_offset, table_index);
        return -EIO;
    }
    ret = qcow2_meta_get(s, s->rc_cache, block_offset, &block);
    if (ret < 0)
        return ret;
    *refcount = qcow2_rc_get(s->refcount_order, block,
                             cluster_index & (s->refcount_block_size - 1));
    qcow2_cache_put(s->rc_cache, &block);
    return 0;
}

static bool in_same_refcount_block(const struct qcow2_state *s, uint64_t a,
                                   uint64_t b)
{
    unsigned shift = s->cluster_bits + s->refcount_block_bits;

    return a >> shift == b >> shift;
}

/* Refcount blocks and table clusters that cover clusters data clusters and
 * themselves (QEMU's fixed point; generous adds half the table again). */
static uint64_t refcount_blocks_needed(const struct qcow2_state *s,
                                       uint64_t clusters, bool generous)
{
    uint64_t per_table_cluster = s->cluster_size / 8;
    uint64_t per_block = s->refcount_block_size;
    uint64_t table = 0, blocks = 0, n = 0, last;

    do {
        last = n;
        blocks = (clusters + table + blocks + per_block - 1) / per_block;
        table = (blocks + per_table_cluster - 1) / per_table_cluster;
        n = clusters + blocks + table;
        if (n == last && generous) {
            clusters += (table + 1) / 2;
            n = 0;
            generous = false;
        }
    } while (n != last);
    return blocks;
}

/*
 * New self-describing refcount structures at start (the end of the file):
 * the blocks the table needs that do not exist yet, then the table (half
 * as big again unless exact), covering themselves and additional clusters
 * after them.  new_block, when not 0, is entered at new_index.  Returns
 * the offset after them, or -errno.
 */
int64_t qcow2_refcount_area(struct qcow2_state *s, uint64_t start,
                            uint64_t additional, bool exact,
                            uint32_t new_index, uint64_t new_block)
{
    uint64_t total = refcount_blocks_needed(
        s, start / s->cluster_size + additional, !exact);
    uint64_t area_index = start / s->cluster_size / s->refcount_block_size;
    uint64_t per_cluster = s->cluster_size / 8, table_size, table_clusters;
    uint64_t new_blocks = 0, table_offset, end_offset, block_offset;
    uint64_t old_offset, old_size;
    unsigned char switch_data[12];
    uint64_t *table;
    int ret;

    if (total > QCOW2_MAX_REFTABLE_SIZE)
        return -EFBIG;
    table_size = exact ? total : total + (total + 1) / 2;
    table_size = (table_size + per_cluster - 1) / per_cluster * per_cluster;
    table_clusters = table_size * 8 / s->cluster_size;
    if (table_size > QCOW2_MAX_REFTABLE_SIZE)
        return -EFBIG;
    table = calloc(table_size, 8);
    if (table == NULL)
        return -ENOMEM;
    if (table_size > s->max_refcount_table_index)
        memcpy(table, s->refcount_table,
               ((size_t)s->max_refcount_table_index + 1) * 8);
    else
        memcpy(table, s->refcount_table, table_size * 8);
    if (new_block)
        table[new_index] = new_block;
    for (uint64_t i = area_index; i < total; i++)
        if (table[i] == 0)
            new_blocks++;
    table_offset = start + new_blocks * s->cluster_size;
    end_offset = table_offset + table_clusters * s->cluster_size;

    block_offset = start;
    for (uint64_t i = area_index; i < total; i++) {
        uint64_t first_covered = i * s->refcount_block_size * s->cluster_size;
        void *block;

        if (table[i]) {
            ret = qcow2_meta_get(s, s->rc_cache, table[i], &block);
        } else {
            ret = qcow2_meta_get_empty(s, s->rc_cache, block_offset, &block);
            if (ret == 0) {
                memset(block, 0, s->cluster_size);
                qcow2_cache_mark_dirty(s->rc_cache, block);
                table[i] = block_offset;
                block_offset += s->cluster_size;
            }
        }
        if (ret < 0)
            goto fail;
        if (first_covered < end_offset) {
            uint64_t j = first_covered < start
                             ? (start - first_covered) / s->cluster_size : 0;
            uint64_t end = (end_offset - first_covered) / s->cluster_size;

            if (end > s->refcount_block_size)
                end = s->refcount_block_size;
            /* The new structures count themselves: refcount 1 each. */
            for (; j < end; j++)
                qcow2_rc_set(s->refcount_order, block, j, 1);
            qcow2_cache_mark_dirty(s->rc_cache, block);
        }
        qcow2_cache_put(s->rc_cache, &block);
    }

    qcow2_event(s, RULES_EV_REFBLOCK_ALLOC_WRITE_BLOCKS);
    ret = qcow2_meta_flush(s, s->rc_cache);
    if (ret < 0)
        goto fail;

    for (uint64_t i = 0; i < total; i++)
        qcow2_put_be64(&table[i], table[i]);
    qcow2_event(s, RULES_EV_REFBLOCK_ALLOC_WRITE_TABLE);
    ret = qcow2_file_pwrite_sync(s, (int64_t)table_offset, table,
                                 table_size * 8);
    if (ret < 0)
        goto fail;
    for (uint64_t i = 0; i < total; i++)
        table[i] = qcow2_be64(&table[i]);

    /* Switch: table offset and clusters, one write into the header. */
    qcow2_put_be64(switch_data, table_offset);
    qcow2_put_be32(switch_data + 8, (uint32_t)table_clusters);
    qcow2_event(s, RULES_EV_REFBLOCK_ALLOC_SWITCH_TABLE);
    ret = qcow2_file_pwrite_sync(s, 48, switch_data, sizeof(switch_data));
    if (ret < 0)
        goto fail;

    old_offset = s->refcount_table_offset;
    old_size = s->refcount_table_size;
    free(s->refcount_table);
    s->refcount_table = table;
    s->refcount_table_size = (uint32_t)table_size;
    s->refcount_table_offset = table_offset;
    qcow2_update_max_refcount_table_index(s);
    qcow2_free_clusters(s, (int64_t)old_offset, (int64_t)(old_size * 8),
                        QCOW2_DISCARD_OTHER);
    return (int64_t)end_offset;

fail:
    free(table);
    return ret;
}

/*
 * The refcount block for cluster_index, allocated (with the table grown)
 * when missing.  -EAGAIN when something was allocated: the caller's free
 * clusters may be gone.
 */
static int alloc_refcount_block(struct qcow2_state *s, uint64_t cluster_index,
                                void **block)
{
    uint64_t table_index = cluster_index >> s->refcount_block_bits;
    int64_t new_block, ret;

    qcow2_event(s, RULES_EV_REFBLOCK_ALLOC);
    if (table_index < s->refcount_table_size) {
        uint64_t offset = s->refcount_table[table_index] &
                          QCOW2_REFT_OFFSET_MASK;

        if (offset) {
            if (qcow2_offset_into_cluster(s, offset)) {
                qcow2_signal_corruption(s, true, "Refblock offset %#" PRIx64
                                        " unaligned (reftable index: %#x)",
                                        offset, (unsigned)table_index);
                return -EIO;
            }
            return load_refcount_block(s, offset, block);
        }
    }

    *block = NULL;
    /* The table is about to change: L2 tables written first. */
    ret = qcow2_meta_flush(s, s->l2_cache);
    if (ret < 0)
        return (int)ret;
    new_block = alloc_clusters_noref(s, s->cluster_size, INT64_MAX);
    if (new_block < 0)
        return (int)new_block;
    if (new_block == 0) {
        qcow2_signal_corruption(s, true, "Preventing invalid allocation of "
                                "refcount block at offset 0");
        return -EIO;
    }

    if (in_same_refcount_block(s, (uint64_t)new_block,
                               cluster_index << s->cluster_bits)) {
        /* The block describes itself. */
        ret = qcow2_meta_get_empty(s, s->rc_cache, (uint64_t)new_block, block);
        if (ret < 0)
            goto fail;
        memset(*block, 0, s->cluster_size);
        qcow2_rc_set(s->refcount_order, *block,
                     ((uint64_t)new_block >> s->cluster_bits) &
                         (s->refcount_block_size - 1), 1);
    } else {
        /* Described by another block (at most two levels of this). */
        ret = update_refcount(s, new_block, s->cluster_size, 1, false,
                              QCOW2_DISCARD_NEVER);
        if (ret < 0)
            goto fail;
        ret = qcow2_meta_flush(s, s->rc_cache);
        if (ret < 0)
            goto fail;
        ret = qcow2_meta_get_empty(s, s->rc_cache, (uint64_t)new_block, block);
        if (ret < 0)
            goto fail;
        memset(*block, 0, s->cluster_size);
    }

    qcow2_event(s, RULES_EV_REFBLOCK_ALLOC_WRITE);
    qcow2_cache_mark_dirty(s->rc_cache, *block);
    ret = qcow2_meta_flush(s, s->rc_cache);
    if (ret < 0)
        goto fail;

    if (table_index < s->refcount_table_size) {
        unsigned char entry[8];

        qcow2_put_be64(entry, (uint64_t)new_block);
        qcow2_event(s, RULES_EV_REFBLOCK_ALLOC_HOOKUP);
        ret = qcow2_file_pwrite_sync(s, (int64_t)(s->refcount_table_offset +
                                                  table_index * 8),
                                     entry, sizeof(entry));
        if (ret < 0)
            goto fail;
        s->refcount_table[table_index] = (uint64_t)new_block;
        if (table_index > s->max_refcount_table_index)
            s->max_refcount_table_index = (uint32_t)table_index;
        /* The new block may sit where the caller meant to put data. */
        return -EAGAIN;
    }

    qcow2_cache_put(s->rc_cache, block);
    qcow2_event(s, RULES_EV_REFTABLE_GROW);
    {
        uint64_t used = cluster_index + 1;
        uint64_t nb = ((uint64_t)new_block >> s->cluster_bits) + 1;
        uint64_t blocks_used;

        if (nb > used)
            used = nb;
        blocks_used = (used + s->refcount_block_size - 1) /
                      s->refcount_block_size;
        ret = qcow2_refcount_area(s, blocks_used * s->refcount_block_size *
                                   s->cluster_size,
                            0, false, (uint32_t)table_index,
                            (uint64_t)new_block);
        if (ret < 0)
            return (int)ret;
    }
    ret = load_refcount_block(s, (uint64_t)new_block, block);
    if (ret < 0)
        return (int)ret;
    return -EAGAIN;

fail:
    if (*block != NULL)
        qcow2_cache_put(s->rc_cache, block);
    return (int)ret;
}

/* ---- discards ----------------------------------------------------------- */

void qcow2_process_discards(struct qcow2_state *s, int ret)
{
    struct qcow2_discard *d;

    while ((d = s->discards) != NULL) {
        s->discards = d->next;
        /* Advisory: a failure changes nothing. */
        if (ret >= 0)
            qcow2_file_discard(s, (int64_t)d->offset, (int64_t)d->bytes);
        free(d);
    }
}

/* Queue [offset, offset+length) for discard, merged with its neighbours. */
static void update_refcount_discard(struct qcow2_state *s, uint64_t offset,
                                    uint64_t length)
{
    struct qcow2_discard *d, **pp;

    for (d = s->discards; d != NULL; d = d->next) {
        uint64_t lo = offset < d->offset ? offset : d->offset;
        uint64_t hi = offset + length > d->offset + d->bytes
                          ? offset + length : d->offset + d->bytes;

        if (hi - lo <= length + d->bytes) {
            d->offset = lo;
            d->bytes = hi - lo;
            goto found;
        }
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return;
    d->offset = offset;
    d->bytes = length;
    for (pp = &s->discards; *pp != NULL; pp = &(*pp)->next)
        ;
    *pp = d;
found:
    /* Two regions may touch now: merge them. */
    for (pp = &s->discards; *pp != NULL;) {
        struct qcow2_discard *p = *pp;

        if (p == d || p->offset > d->offset + d->bytes ||
            d->offset > p->offset + p->bytes) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        if (p->offset < d->offset)
            d->offset = p->offset;
        d->bytes += p->bytes;
        free(p);
    }
}

/* ---- refcount updates --------------------------------------------------- */

static int update_refcount(struct qcow2_state *s, int64_t offset,
                           int64_t length, uint64_t addend, bool decrease,
                           enum qcow2_discard_type type)
{
    int64_t start, last, cluster_offset, old_table_index = -1;
    void *block = NULL;
    int ret;

    if (length < 0)
        return -EINVAL;
    if (length == 0)
        return 0;
    if (decrease)
        qcow2_meta_set_dependency(s, s->rc_cache, s->l2_cache);

    start = (int64_t)qcow2_start_of_cluster(s, (uint64_t)offset);
    last = (int64_t)qcow2_start_of_cluster(s, (uint64_t)(offset + length - 1));
    for (cluster_offset = start; cluster_offset <= last;
         cluster_offset += s->cluster_size) {
        uint64_t cluster_index = (uint64_t)cluster_offset >> s->cluster_bits;
        int64_t table_index = (int64_t)(cluster_index >> s->refcount_block_bits);
        uint64_t block_index, refcount;

        if (table_index != old_table_index) {
            if (block != NULL)
                qcow2_cache_put(s->rc_cache, &block);
            ret = alloc_refcount_block(s, cluster_index, &block);
            /* Search again, starting with the same clusters. */
            if (ret == -EAGAIN &&
                s->free_cluster_index > ((uint64_t)start >> s->cluster_bits))
                s->free_cluster_index = (uint64_t)start >> s->cluster_bits;
            if (ret < 0)
                goto fail;
        }
        old_table_index = table_index;
        qcow2_cache_mark_dirty(s->rc_cache, block);

        block_index = cluster_index & (s->refcount_block_size - 1);
        refcount = qcow2_rc_get(s->refcount_order, block, block_index);
        if (decrease ? refcount - addend > refcount
                     : refcount + addend < refcount ||
                       refcount + addend > s->refcount_max) {
            ret = -EINVAL;
            goto fail;
        }
        refcount = decrease ? refcount - addend : refcount + addend;
        if (refcount == 0 && cluster_index < s->free_cluster_index)
            s->free_cluster_index = cluster_index;
        qcow2_rc_set(s->refcount_order, block, block_index, refcount);

        if (refcount == 0) {
            /*
             * A freed table must not be written back from a cache.  QEMU
             * looks the tables up by the range's start, not by the cluster
             * at hand; so does this.
             */
            void *t = qcow2_cache_find(s->rc_cache, offset);

            if (t != NULL) {
                qcow2_cache_put(s->rc_cache, &block);
                old_table_index = -1;
                qcow2_cache_discard(s->rc_cache, t);
            }
            t = qcow2_cache_find(s->l2_cache, offset);
            if (t != NULL)
                qcow2_cache_discard(s->l2_cache, t);
            if (s->discard_passthrough[type])
                update_refcount_discard(s, (uint64_t)cluster_offset,
                                        s->cluster_size);
        }
    }
    ret = 0;
fail:
    if (!s->cache_discards)
        qcow2_process_discards(s, ret);
    if (block != NULL)
        qcow2_cache_put(s->rc_cache, &block);
    /* Undo what was done, which may work (ENOSPC for a new block). */
    if (ret < 0)
        (void)update_refcount(s, offset, cluster_offset - offset, addend,
                              !decrease, QCOW2_DISCARD_NEVER);
    return ret;
}

int qcow2_update_cluster_refcount(struct qcow2_state *s,
                                  uint64_t cluster_index, uint64_t addend,
                                  bool decrease, enum qcow2_discard_type type)
{
    return update_refcount(s, (int64_t)(cluster_index << s->cluster_bits), 1,
                           addend, decrease, type);
}

/* ---- allocation --------------------------------------------------------- */

/* The first run of free clusters for size bytes, from free_cluster_index;
 * nothing is marked used. */
static int64_t alloc_clusters_noref(struct qcow2_state *s, uint64_t size,
                                    uint64_t max)
{
    uint64_t nb = qcow2_size_to_clusters(s, size), refcount;
    int ret;

    /* Clusters queued for discard must not be handed out. */
    if (s->cache_discards)
        qcow2_process_discards(s, 0);
retry:
    for (uint64_t i = 0; i < nb; i++) {
        ret = qcow2_get_refcount(s, s->free_cluster_index++, &refcount);
        if (ret < 0)
            return ret;
        if (refcount != 0)
            goto retry;
    }
    if (s->free_cluster_index > 0 &&
        s->free_cluster_index - 1 > (max >> s->cluster_bits))
        return -EFBIG;
    return (int64_t)((s->free_cluster_index - nb) << s->cluster_bits);
}

int64_t qcow2_alloc_clusters(struct qcow2_state *s, uint64_t size)
{
    int64_t offset;
    int ret;

    qcow2_event(s, RULES_EV_CLUSTER_ALLOC);
    do {
        offset = alloc_clusters_noref(s, size, QCOW2_MAX_CLUSTER_OFFSET);
        if (offset < 0)
            return offset;
        ret = update_refcount(s, offset, (int64_t)size, 1, false,
                              QCOW2_DISCARD_NEVER);
    } while (ret == -EAGAIN);
    return ret < 0 ? ret : offset;
}

int64_t qcow2_alloc_clusters_at(struct qcow2_state *s, uint64_t offset,
                                int64_t nb_clusters)
{
    uint64_t refcount, i;
    int ret;

    if (nb_clusters == 0)
        return 0;
    do {
        uint64_t index = offset >> s->cluster_bits;

        for (i = 0; i < (uint64_t)nb_clusters; i++) {
            ret = qcow2_get_refcount(s, index++, &refcount);
            if (ret < 0)
                return ret;
            if (refcount != 0)
                break;
        }
        ret = update_refcount(s, (int64_t)offset,
                              (int64_t)(i << s->cluster_bits), 1, false,
                              QCOW2_DISCARD_NEVER);
    } while (ret == -EAGAIN);
    return ret < 0 ? ret : (int64_t)i;
}

int64_t qcow2_alloc_bytes(struct qcow2_state *s, int size)
{
    uint64_t max = (1ULL << (62 - (s->cluster_bits - 8))) - 1;
    int64_t offset = (int64_t)s->free_byte_offset;
    uint64_t free_in_cluster, refcount;
    int ret;

    qcow2_event(s, RULES_EV_CLUSTER_ALLOC_BYTES);
    /* A cluster counted as often as it can be takes no more. */
    if (offset) {
        ret = qcow2_get_refcount(s, (uint64_t)offset >> s->cluster_bits,
                                 &refcount);
        if (ret < 0)
            return ret;
        if (refcount == s->refcount_max)
            offset = 0;
    }
    free_in_cluster = s->cluster_size -
                      qcow2_offset_into_cluster(s, (uint64_t)offset);
    do {
        if (!offset || free_in_cluster < (uint64_t)size) {
            int64_t new_cluster = alloc_clusters_noref(
                s, s->cluster_size,
                max < QCOW2_MAX_CLUSTER_OFFSET ? max
                                               : QCOW2_MAX_CLUSTER_OFFSET);

            if (new_cluster < 0)
                return new_cluster;
            if (new_cluster == 0) {
                qcow2_signal_corruption(s, true, "Preventing invalid "
                                        "allocation of compressed cluster at "
                                        "offset 0");
                return -EIO;
            }
            /* Go on into the next cluster only when it follows. */
            if (!offset ||
                (((uint64_t)offset + s->cluster_size - 1) &
                 ~(uint64_t)(s->cluster_size - 1)) != (uint64_t)new_cluster) {
                offset = new_cluster;
                free_in_cluster = s->cluster_size;
            } else {
                free_in_cluster += s->cluster_size;
            }
        }
        ret = update_refcount(s, offset, size, 1, false, QCOW2_DISCARD_NEVER);
        if (ret < 0)
            offset = 0;
    } while (ret == -EAGAIN);
    if (ret < 0)
        return ret;
    /* The L2 entry written next must wait for this refcount. */
    qcow2_meta_set_dependency(s, s->l2_cache, s->rc_cache);
    s->free_byte_offset = (uint64_t)offset + (uint64_t)size;
    if (!qcow2_offset_into_cluster(s, s->free_byte_offset))
        s->free_byte_offset = 0;
    return offset;
}

void qcow2_free_clusters(struct qcow2_state *s, int64_t offset, int64_t size,
                         enum qcow2_discard_type type)
{
    int ret;

    qcow2_event(s, RULES_EV_CLUSTER_FREE);
    ret = update_refcount(s, offset, size, 1, true, type);
    if (ret < 0) {
        char *m = strfmt("qcow2_free_clusters failed: %s", strerror(-ret));

        if (m != NULL)
            bk_stack_message(s->node->stack, BK_MSG_PLAIN, m);
        free(m);
    }
}

void qcow2_free_any_cluster(struct qcow2_state *s, uint64_t l2_entry,
                            enum qcow2_discard_type type)
{
    enum qcow2_cluster_type t = qcow2_cluster_type(&s->geom, l2_entry);
    uint64_t host = l2_entry & QCOW2_L2E_OFFSET_MASK;

    /* A data file has no refcounts: its cluster is discarded there. */
    if (s->geom.data_file) {
        if (s->discard_passthrough[type] &&
            (t == QCOW2_CLUSTER_NORMAL || t == QCOW2_CLUSTER_ZERO_ALLOC))
            qcow2_data_discard(s, (int64_t)host, s->cluster_size);
        return;
    }
    switch (t) {
    case QCOW2_CLUSTER_COMPRESSED: {
        uint64_t coffset, csize;

        qcow2_parse_compressed_l2_entry(&s->geom, l2_entry, &coffset, &csize);
        qcow2_free_clusters(s, (int64_t)coffset, (int64_t)csize, type);
        break;
    }
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        if (qcow2_offset_into_cluster(s, host))
            qcow2_signal_corruption(s, false, "Cannot free unaligned cluster "
                                    "%#llx", (unsigned long long)host);
        else
            qcow2_free_clusters(s, (int64_t)host, s->cluster_size, type);
        break;
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_UNALLOCATED:
        break;
    }
}

/*
 * Does the file look preallocated with metadata (refcounts for far more
 * clusters than hold data)?  QEMU asks once, on the first block status;
 * it reads refcount blocks through the cache, so it is kept for the cache
 * to end up the same.  Without a known allocated size (blkdebug under the
 * format) the answer is an error, as in QEMU, and nothing is read.
 */
int qcow2_detect_metadata_preallocation(struct qcow2_state *s)
{
    struct bk_node *file = s->node->file;
    int64_t real_allocation, real_clusters, threshold, count = 0;
    uint64_t end_cluster;

    real_allocation = bk_node_allocated_size(file);
    if (real_allocation < 0)
        return (int)real_allocation;
    real_clusters = real_allocation / s->cluster_size;
    threshold = real_clusters * 10 / 9 > real_clusters + 2
                    ? real_clusters * 10 / 9 : real_clusters + 2;
    end_cluster = qcow2_size_to_clusters(s, (uint64_t)bk_node_length(file));
    for (uint64_t i = 0; i < end_cluster && count < threshold; i++) {
        uint64_t refcount;
        int ret = qcow2_get_refcount(s, i, &refcount);

        if (ret < 0)
            return ret;
        count += refcount != 0;
    }
    return count >= threshold;
}

/* ---- shrinking ------------------------------------------------------------ */

static bool block_is_zero(const void *p, size_t n)
{
    struct iovec v = { (void *)p, n };

    return bk_iov_is_zero(&v, 1);
}

/* Where the refcount block covering offset lies; not covered is corrupt. */
static int64_t get_refblock_offset(struct qcow2_state *s, uint64_t offset)
{
    uint64_t index = offset >> (s->cluster_bits + s->refcount_block_bits);
    uint64_t covering = 0;

    if (index < s->refcount_table_size)
        covering = s->refcount_table[index] & QCOW2_REFT_OFFSET_MASK;
    if (covering == 0) {
        qcow2_signal_corruption(s, true, "Refblock at %#" PRIx64 " is not "
                                "covered by the refcount structures", offset);
        return -EIO;
    }
    return (int64_t)covering;
}

/* A refcount block no longer in the table: its own refcount (1) dropped. */
static int discard_refcount_block(struct qcow2_state *s, uint64_t block)
{
    uint64_t cluster_index = block >> s->cluster_bits;
    uint64_t index = cluster_index & (s->refcount_block_size - 1);
    int64_t covering = get_refblock_offset(s, block);
    uint64_t refcount;
    void *table;
    int ret;

    if (covering < 0)
        return (int)covering;
    ret = qcow2_meta_get(s, s->rc_cache, (uint64_t)covering, &table);
    if (ret < 0)
        return ret;
    refcount = qcow2_rc_get(s->refcount_order, table, index);
    if (refcount != 1) {
        qcow2_signal_corruption(s, true, "Invalid refcount: refblock offset "
                                "%#" PRIx64 ", reftable index %u, block "
                                "offset %#" PRIx64 ", refcount %#" PRIx64,
                                (uint64_t)covering,
                                (unsigned)(block >> (s->cluster_bits +
                                                     s->refcount_block_bits)),
                                block, refcount);
        qcow2_cache_put(s->rc_cache, &table);
        return -EINVAL;
    }
    qcow2_rc_set(s->refcount_order, table, index, 0);
    qcow2_cache_mark_dirty(s->rc_cache, table);
    qcow2_cache_put(s->rc_cache, &table);
    if (cluster_index < s->free_cluster_index)
        s->free_cluster_index = cluster_index;
    table = qcow2_cache_find(s->rc_cache, (int64_t)block);
    if (table != NULL)
        qcow2_cache_discard(s->rc_cache, table);
    update_refcount_discard(s, block, s->cluster_size);
    return 0;
}

int qcow2_shrink_reftable(struct qcow2_state *s)
{
    uint64_t *tmp = calloc(s->refcount_table_size ? s->refcount_table_size
                                                  : 1, 8);
    int ret = 0;

    if (tmp == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t block = s->refcount_table[i] & QCOW2_REFT_OFFSET_MASK;
        bool unused = true;
        void *table;

        if (block == 0)
            continue;
        ret = qcow2_meta_get(s, s->rc_cache, block, &table);
        if (ret < 0)
            goto out;
        /* A block that counts itself is unused when that is all. */
        if (i == block >> (s->cluster_bits + s->refcount_block_bits)) {
            uint64_t index = (block >> s->cluster_bits) &
                             (s->refcount_block_size - 1);
            uint64_t own = qcow2_rc_get(s->refcount_order, table, index);

            qcow2_rc_set(s->refcount_order, table, index, 0);
            unused = block_is_zero(table, s->cluster_size);
            qcow2_rc_set(s->refcount_order, table, index, own);
        } else {
            unused = block_is_zero(table, s->cluster_size);
        }
        qcow2_cache_put(s->rc_cache, &table);
        if (!unused)
            qcow2_put_be64(&tmp[i], s->refcount_table[i]);
    }
    ret = qcow2_file_pwrite_sync(s, (int64_t)s->refcount_table_offset, tmp,
                                 (size_t)s->refcount_table_size * 8);
    /* A table half written may point at nothing now: forget what it no
     * longer has, whatever the write did. */
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        if (s->refcount_table[i] != 0 && tmp[i] == 0) {
            if (ret == 0)
                ret = discard_refcount_block(
                    s, s->refcount_table[i] & QCOW2_REFT_OFFSET_MASK);
            s->refcount_table[i] = 0;
        }
    }
    if (!s->cache_discards)
        qcow2_process_discards(s, ret);
out:
    free(tmp);
    return ret;
}

int64_t qcow2_get_last_cluster(struct qcow2_state *s, int64_t size)
{
    for (int64_t i = (int64_t)qcow2_size_to_clusters(s, (uint64_t)size) - 1;
         i >= 0; i--) {
        uint64_t refcount;
        int ret = qcow2_get_refcount(s, (uint64_t)i, &refcount);

        if (ret < 0) {
            char *m = strfmt("Can't get refcount for cluster %" PRId64
                             ": %s", i, strerror(-ret));

            if (m != NULL)
                bk_stack_message(s->node->stack, BK_MSG_PLAIN, m);
            free(m);
            return ret;
        }
        if (refcount > 0)
            return i;
    }
    qcow2_signal_corruption(s, true, "There are no references in the "
                            "refcount table.");
    return -EIO;
}
