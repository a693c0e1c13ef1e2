/*
 * qcow2-meta.c — cache entries read from and written to the image file.
 *
 * A get that misses writes the victim back if it is dirty, then reads the
 * table (an L2 slice fires l2_load first; refcount blocks have no event
 * here — callers fire refblock_load where QEMU does).  Writing an entry
 * back first honours the cache's dependency: the other cache is written
 * and the file flushed (an L2 entry must not reach the disk before the
 * refcount that makes its cluster allocated), or just the file flushed
 * (COW data must be stable before an L2 entry points at it).  Each entry
 * written fires refblock_update_part or l2_update and passes the overlap
 * check for its own kind.
 */
#include <errno.h>
#include <inttypes.h>

#include "backend/qcow2/qcow2.h"

static int flush_dependency(struct qcow2_state *s, struct qcow2_cache *c)
{
    int ret = qcow2_meta_flush(s, c->depends);

    if (ret < 0)
        return ret;
    c->depends = NULL;
    c->depends_on_flush = false;
    return 0;
}

static int entry_flush(struct qcow2_state *s, struct qcow2_cache *c, int i)
{
    struct qcow2_cache_entry *e = &c->entries[i];
    int ret = 0;

    if (!e->dirty || e->offset == 0)
        return 0;
    if (c->depends != NULL) {
        ret = flush_dependency(s, c);
    } else if (c->depends_on_flush) {
        ret = qcow2_file_flush(s);
        if (ret >= 0)
            c->depends_on_flush = false;
    }
    if (ret < 0)
        return ret;
    ret = qcow2_pre_write_overlap_check(s, c == s->rc_cache
                                               ? QCOW2_OL_REFCOUNT_BLOCK
                                               : c == s->l2_cache
                                               ? QCOW2_OL_ACTIVE_L2 : 0,
                                        e->offset, c->table_size, false);
    if (ret < 0)
        return ret;
    qcow2_event(s, c == s->rc_cache ? RULES_EV_REFBLOCK_UPDATE_PART
                                    : RULES_EV_L2_UPDATE);
    ret = qcow2_file_pwrite(s, e->offset, qcow2_cache_table(c, i),
                            c->table_size);
    if (ret < 0)
        return ret;
    e->dirty = false;
    return 0;
}

int qcow2_meta_write(struct qcow2_state *s, struct qcow2_cache *c)
{
    int result = 0;

    /* Go on after an error: every entry gets its chance; ENOSPC wins. */
    for (int i = 0; i < c->size; i++) {
        int ret = entry_flush(s, c, i);

        if (ret < 0 && result != -ENOSPC)
            result = ret;
    }
    return result;
}

int qcow2_meta_flush(struct qcow2_state *s, struct qcow2_cache *c)
{
    int ret = qcow2_meta_write(s, c);

    return ret < 0 ? ret : qcow2_file_flush(s);
}

int qcow2_meta_set_dependency(struct qcow2_state *s, struct qcow2_cache *c,
                              struct qcow2_cache *dependency)
{
    int ret;

    if (dependency->depends != NULL) {
        ret = flush_dependency(s, dependency);
        if (ret < 0)
            return ret;
    }
    if (c->depends != NULL && c->depends != dependency) {
        ret = flush_dependency(s, c);
        if (ret < 0)
            return ret;
    }
    c->depends = dependency;
    return 0;
}

void qcow2_meta_depends_on_flush(struct qcow2_cache *c)
{
    c->depends_on_flush = true;
}

static int meta_do_get(struct qcow2_state *s, struct qcow2_cache *c,
                       uint64_t offset, void **table, bool read)
{
    int victim, i, ret;

    if (offset % c->table_size != 0) {
        qcow2_signal_corruption(s, true, "Cannot get entry from %s cache: "
                                "Offset %#" PRIx64 " is unaligned", c->name,
                                offset);
        return -EIO;
    }
    i = qcow2_cache_lookup(c, (int64_t)offset, &victim);
    if (i >= 0) {
        *table = qcow2_cache_take(c, i, (int64_t)offset);
        return 0;
    }
    if (victim < 0)
        return -EBUSY;   /* every entry in use: cannot happen with QEMU's
                            minimum sizes and one table per caller */
    ret = entry_flush(s, c, victim);
    if (ret < 0)
        return ret;
    c->entries[victim].offset = 0;
    if (read) {
        if (c == s->l2_cache)
            qcow2_event(s, RULES_EV_L2_LOAD);
        ret = qcow2_file_pread(s, (int64_t)offset,
                               qcow2_cache_table(c, victim), c->table_size);
        if (ret < 0)
            return ret;
    }
    *table = qcow2_cache_take(c, victim, (int64_t)offset);
    return 0;
}

int qcow2_meta_get(struct qcow2_state *s, struct qcow2_cache *c,
                   uint64_t offset, void **table)
{
    return meta_do_get(s, c, offset, table, true);
}

int qcow2_meta_get_empty(struct qcow2_state *s, struct qcow2_cache *c,
                         uint64_t offset, void **table)
{
    return meta_do_get(s, c, offset, table, false);
}

int qcow2_write_caches(struct qcow2_state *s)
{
    int ret = qcow2_meta_write(s, s->l2_cache);

    if (ret < 0)
        return ret;
    if (qcow2_need_accurate_refcounts(s))
        return qcow2_meta_write(s, s->rc_cache);
    return 0;
}

int qcow2_flush_caches(struct qcow2_state *s)
{
    int ret = qcow2_write_caches(s);

    return ret < 0 ? ret : qcow2_file_flush(s);
}

int qcow2_mark_clean(struct qcow2_state *s)
{
    int ret;

    if (!(s->incompatible_features & QCOW2_INCOMPAT_DIRTY))
        return 0;
    s->incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
    ret = qcow2_flush_caches(s);
    return ret < 0 ? ret : qcow2_update_header(s);
}
