/*
 * layout.c — what each cluster of the image file holds (the TUI's host
 * view, bk_dev_layout).
 *
 * Every structure the header reaches is marked, in order: the header,
 * the refcount table and its blocks, the active L1 table, the snapshot
 * table, the active L2 tables and what they map, each snapshot's L1 and
 * L2 tables and what they map, the bitmap directory, tables and data.
 * The first mark of a cluster wins.  A cluster nothing reaches is free
 * when its refcount is 0, else a leak.
 *
 * Tables come from the metadata caches when cached there (the newest
 * copy: a dirty entry is not on disk yet), else from the file read below
 * any blkdebug node: looking must not fire events nor meet rules.  The
 * reads yield, so the in-memory tables are copied first: requests go on
 * meanwhile, and the picture is as of the walk, as any view is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

/* A cluster map larger than this is not drawn (a 2 TiB file of 512-byte
 * clusters); the view says so. */
#define LAYOUT_MAX_CLUSTERS (64ULL << 20)

struct layout_walk {
    struct qcow2_state *s;
    int64_t file_length;
    uint64_t nclusters;
    uint8_t *kind;               /* per cluster, enum bk_layout_kind */
    unsigned char *buf;          /* one cluster */
    int (*fn)(const struct bk_layout_run *run, void *arg);
    void *arg;
    int ret;
};

static void mark(struct layout_walk *w, uint64_t offset, uint64_t bytes,
                 enum bk_layout_kind kind)
{
    struct qcow2_state *s = w->s;
    uint64_t first, last;

    if (bytes == 0)
        return;
    first = offset >> s->cluster_bits;
    last = (offset + bytes - 1) >> s->cluster_bits;
    for (uint64_t c = first; c <= last && c < w->nclusters; c++)
        if (w->kind[c] == BK_LAYOUT_FREE)
            w->kind[c] = (uint8_t)kind;
}

/* Read [offset, +len) of the image file from the cache c when it holds
 * that table, else from the file. */
static int peek(struct layout_walk *w, struct qcow2_cache *c, int64_t offset,
                void *buf, size_t len)
{
    int victim, i = c != NULL ? qcow2_cache_lookup(c, offset, &victim) : -1;

    if (i >= 0) {
        memcpy(buf, qcow2_cache_table(c, i), len);
        return 0;
    }
    return qcow2_file_peek(w->s, offset, buf, len);
}

/* An L2 table at l2_offset (owned by a snapshot when snap): the table and
 * the data it maps. */
static int walk_l2(struct layout_walk *w, uint64_t l2_offset, bool snap)
{
    struct qcow2_state *s = w->s;
    size_t esize = qcow2_l2_entry_size(s);
    size_t slice_bytes = (size_t)s->l2_slice_size * esize;
    bool data_here = s->data_file == s->node->file;

    mark(w, l2_offset, s->cluster_size, snap ? BK_LAYOUT_SNAPSHOT
                                             : BK_LAYOUT_L2);
    if (!data_here)
        return 0;
    for (uint32_t sl = 0; sl < s->l2_size / s->l2_slice_size; sl++) {
        int ret = peek(w, s->l2_cache, (int64_t)(l2_offset + sl * slice_bytes),
                       w->buf, slice_bytes);

        if (ret < 0)
            return ret;
        for (unsigned i = 0; i < s->l2_slice_size; i++) {
            uint64_t e = qcow2_l2_entry(&s->geom, w->buf, i);
            uint64_t off, len;

            switch (qcow2_cluster_type(&s->geom, e)) {
            case QCOW2_CLUSTER_NORMAL:
            case QCOW2_CLUSTER_ZERO_ALLOC:
                mark(w, e & QCOW2_L2E_OFFSET_MASK, s->cluster_size,
                     BK_LAYOUT_DATA);
                break;
            case QCOW2_CLUSTER_COMPRESSED:
                qcow2_parse_compressed_l2_entry(&s->geom, e, &off, &len);
                mark(w, off, len, BK_LAYOUT_COMPRESSED);
                break;
            default:
                break;
            }
        }
    }
    return 0;
}

static int walk_l1(struct layout_walk *w, const uint64_t *l1, uint32_t n,
                   bool snap)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t l2 = l1[i] & QCOW2_L1E_OFFSET_MASK;
        int ret;

        /* An active L2 table shared with a snapshot is the active one's. */
        if (l2 == 0 || (snap && (l2 >> w->s->cluster_bits) < w->nclusters &&
                        w->kind[l2 >> w->s->cluster_bits] != BK_LAYOUT_FREE))
            continue;
        ret = walk_l2(w, l2, snap);
        if (ret < 0)
            return ret;
    }
    return 0;
}

static int walk_snapshots(struct layout_walk *w, struct qcow2_snapshot *snaps,
                          uint32_t n)
{
    struct qcow2_state *s = w->s;

    for (uint32_t i = 0; i < n; i++) {
        uint64_t bytes = (uint64_t)snaps[i].l1_size * 8;
        uint64_t *l1;
        int ret;

        if (bytes == 0 || bytes > QCOW2_MAX_L1_SIZE)
            continue;
        mark(w, snaps[i].l1_table_offset, bytes, BK_LAYOUT_SNAPSHOT);
        l1 = malloc(bytes);
        if (l1 == NULL)
            return -ENOMEM;
        ret = qcow2_file_peek(s, (int64_t)snaps[i].l1_table_offset, l1,
                              bytes);
        for (uint32_t k = 0; ret == 0 && k < snaps[i].l1_size; k++)
            l1[k] = qcow2_be64(&l1[k]);
        if (ret == 0)
            ret = walk_l1(w, l1, snaps[i].l1_size, true);
        free(l1);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* The bitmap directory (entries of 24 bytes + extra data + name, padded
 * to 8), each bitmap's table and the clusters it points at. */
static int walk_bitmaps(struct layout_walk *w, uint64_t dir_offset,
                        uint64_t dir_size)
{
    struct qcow2_state *s = w->s;
    unsigned char *dir;
    int ret;

    if (dir_size == 0 || dir_size > QCOW2_MAX_BITMAP_DIRECTORY_SIZE)
        return 0;
    mark(w, dir_offset, dir_size, BK_LAYOUT_BITMAP);
    dir = malloc(dir_size);
    if (dir == NULL)
        return -ENOMEM;
    ret = qcow2_file_peek(s, (int64_t)dir_offset, dir, dir_size);
    for (uint64_t at = 0; ret == 0 && at + 24 <= dir_size;) {
        uint64_t table = qcow2_be64(dir + at);
        uint32_t tsize = qcow2_be32(dir + at + 8);
        uint32_t name = (uint32_t)dir[at + 18] << 8 | dir[at + 19];
        uint32_t extra = qcow2_be32(dir + at + 20);
        uint64_t *t;

        at += (24 + (uint64_t)extra + name + 7) & ~7ULL;
        if (tsize == 0 || tsize > (1u << 24))
            continue;
        mark(w, table, (uint64_t)tsize * 8, BK_LAYOUT_BITMAP);
        t = malloc((size_t)tsize * 8);
        if (t == NULL) {
            ret = -ENOMEM;
            break;
        }
        ret = qcow2_file_peek(s, (int64_t)table, t, (size_t)tsize * 8);
        for (uint32_t k = 0; ret == 0 && k < tsize; k++)
            mark(w, qcow2_be64(&t[k]) & QCOW2_L2E_OFFSET_MASK,
                 qcow2_be64(&t[k]) & QCOW2_L2E_OFFSET_MASK ? s->cluster_size
                                                          : 0,
                 BK_LAYOUT_BITMAP);
        free(t);
    }
    free(dir);
    return ret;
}

/* Clusters nothing reaches: free, or leaked when their refcount is not 0. */
static int walk_unreached(struct layout_walk *w, const uint64_t *reftable,
                          uint32_t nref)
{
    struct qcow2_state *s = w->s;
    uint64_t loaded = UINT64_MAX;

    for (uint64_t c = 0; c < w->nclusters; c++) {
        uint64_t ri = c >> s->refcount_block_bits;
        uint64_t block;

        if (w->kind[c] != BK_LAYOUT_FREE)
            continue;
        block = ri < nref ? reftable[ri] & QCOW2_REFT_OFFSET_MASK : 0;
        if (block == 0)
            continue;
        if (block != loaded) {
            int ret = peek(w, s->rc_cache, (int64_t)block, w->buf,
                           s->cluster_size);

            if (ret < 0)
                return ret;
            loaded = block;
        }
        if (qcow2_rc_get(s->refcount_order, w->buf,
                         c & (s->refcount_block_size - 1)) != 0)
            w->kind[c] = BK_LAYOUT_OTHER;
    }
    return 0;
}

static int emit(struct layout_walk *w)
{
    struct qcow2_state *s = w->s;
    uint64_t start = 0;

    for (uint64_t c = 1; c <= w->nclusters; c++) {
        struct bk_layout_run run;

        if (c < w->nclusters && w->kind[c] == w->kind[start])
            continue;
        run = (struct bk_layout_run){
            .offset = (int64_t)(start << s->cluster_bits),
            .length = (int64_t)((c - start) << s->cluster_bits),
            .kind = (enum bk_layout_kind)w->kind[start],
        };
        if (run.offset + run.length > w->file_length)
            run.length = w->file_length - run.offset;
        if (w->fn(&run, w->arg))
            return 0;
        start = c;
    }
    return 0;
}

static int layout_co(void *arg)
{
    struct layout_walk *w = arg;
    struct qcow2_state *s = w->s;
    uint32_t l1_size = s->l1_size, nref = s->refcount_table_size;
    uint32_t nsnap = s->nb_snapshots;
    uint64_t *l1 = malloc(((size_t)l1_size + 1) * 8);
    uint64_t *reftable = malloc(((size_t)nref + 1) * 8);
    struct qcow2_snapshot *snaps = malloc(((size_t)nsnap + 1) *
                                          sizeof(*snaps));
    uint64_t dir_offset = s->bitmap_directory_offset;
    uint64_t dir_size = s->nb_bitmaps ? s->bitmap_directory_size : 0;
    int ret = 0;

    if (l1 == NULL || reftable == NULL || snaps == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    memcpy(l1, s->l1_table, (size_t)l1_size * 8);
    memcpy(reftable, s->refcount_table, (size_t)nref * 8);
    if (nsnap > 0)
        memcpy(snaps, s->snapshots, (size_t)nsnap * sizeof(*snaps));

    mark(w, 0, s->cluster_size, BK_LAYOUT_HEADER);
    mark(w, s->refcount_table_offset, (uint64_t)nref * 8,
         BK_LAYOUT_REFTABLE);
    for (uint32_t i = 0; i < nref; i++)
        mark(w, reftable[i] & QCOW2_REFT_OFFSET_MASK,
             reftable[i] & QCOW2_REFT_OFFSET_MASK ? s->cluster_size : 0,
             BK_LAYOUT_REFBLOCK);
    mark(w, s->l1_table_offset, (uint64_t)l1_size * 8, BK_LAYOUT_L1);
    mark(w, s->snapshots_offset, s->snapshots_size, BK_LAYOUT_SNAPSHOT);
    ret = walk_l1(w, l1, l1_size, false);
    if (ret == 0)
        ret = walk_snapshots(w, snaps, nsnap);
    if (ret == 0)
        ret = walk_bitmaps(w, dir_offset, dir_size);
    if (ret == 0)
        ret = walk_unreached(w, reftable, nref);
out:
    free(l1);
    free(reftable);
    free(snaps);
    return ret;
}

int qcow2_layout(struct bk_node *node, int64_t *file_length,
                 int (*fn)(const struct bk_layout_run *run, void *arg),
                 void *arg)
{
    struct qcow2_state *s = node->state;
    struct layout_walk w = { .s = s, .fn = fn, .arg = arg };
    int ret;

    if (s == NULL || node->file == NULL || s->l1_table == NULL ||
        s->refcount_table == NULL)
        return -ENOTSUP;
    w.file_length = node->file->total_bytes;
    w.nclusters = ((uint64_t)w.file_length + s->cluster_size - 1) >>
                  s->cluster_bits;
    if (w.nclusters > LAYOUT_MAX_CLUSTERS)
        return -EFBIG;
    w.kind = calloc(w.nclusters ? w.nclusters : 1, 1);
    w.buf = malloc(s->cluster_size);
    if (w.kind == NULL || w.buf == NULL) {
        ret = -ENOMEM;
    } else {
        ret = qcow2_run_sync(node, layout_co, &w);
        if (ret == 0) {
            *file_length = w.file_length;
            ret = emit(&w);
        }
    }
    free(w.kind);
    free(w.buf);
    return ret;
}
