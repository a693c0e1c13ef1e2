/*
 * qcow2-cache.c — the metadata cache's bookkeeping: which table each
 * entry holds, who uses it, whether it must be written back, and which
 * one a miss replaces.  No I/O here (qcow2-meta.c does it).
 *
 * An entry is *taken* (ref > 0) while a caller works on its table and
 * *put* afterwards; putting the last reference stamps it with the next
 * value of the cache's LRU counter.  A miss replaces the unused entry with
 * the smallest stamp, searching from the slot the offset hashes to, as
 * QEMU does: the same requests then evict the same tables and write them
 * back in the same order (write-back walks the entries by index).
 *
 * Dependencies: `depends` names another cache that must be written and
 * flushed before any entry of this one is written (an L2 table that points
 * at clusters whose refcounts are still only in the refcount cache);
 * `depends_on_flush` asks only for a flush of the file first (data written
 * by COW must be stable before an L2 entry points at it).
 */
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

struct qcow2_cache *qcow2_cache_new(int size, unsigned table_size,
                                   const char *name)
{
    struct qcow2_cache *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->size = size;
    c->table_size = table_size;
    c->name = name;
    c->entries = calloc((size_t)size, sizeof(*c->entries));
    if (c->entries == NULL ||
        posix_memalign((void **)&c->tables, 4096,
                       (size_t)size * table_size) != 0) {
        free(c->entries);
        free(c);
        return NULL;
    }
    return c;
}

void qcow2_cache_free(struct qcow2_cache *c)
{
    if (c == NULL)
        return;
    free(c->tables);
    free(c->entries);
    free(c);
}

void *qcow2_cache_table(struct qcow2_cache *c, int i)
{
    return c->tables + (size_t)i * c->table_size;
}

int qcow2_cache_index(const struct qcow2_cache *c, const void *table)
{
    return (int)(((const unsigned char *)table - c->tables) / c->table_size);
}

int qcow2_cache_lookup(const struct qcow2_cache *c, int64_t offset,
                       int *victim)
{
    int start = (int)((uint64_t)offset / c->table_size * 4 % (uint64_t)c->size);
    uint64_t min_lru = UINT64_MAX;
    int i = start;

    *victim = -1;
    do {
        const struct qcow2_cache_entry *e = &c->entries[i];

        if (e->offset == offset)
            return i;
        if (e->ref == 0 && e->lru < min_lru) {
            min_lru = e->lru;
            *victim = i;
        }
        if (++i == c->size)
            i = 0;
    } while (i != start);
    return -1;
}

void *qcow2_cache_take(struct qcow2_cache *c, int i, int64_t offset)
{
    c->entries[i].offset = offset;
    c->entries[i].ref++;
    return qcow2_cache_table(c, i);
}

void qcow2_cache_put(struct qcow2_cache *c, void **table)
{
    struct qcow2_cache_entry *e = &c->entries[qcow2_cache_index(c, *table)];

    e->ref--;
    *table = NULL;
    if (e->ref == 0)
        e->lru = ++c->lru_counter;
}

void qcow2_cache_mark_dirty(struct qcow2_cache *c, const void *table)
{
    c->entries[qcow2_cache_index(c, table)].dirty = true;
}

void *qcow2_cache_find(struct qcow2_cache *c, int64_t offset)
{
    for (int i = 0; i < c->size; i++)
        if (c->entries[i].offset == offset)
            return qcow2_cache_table(c, i);
    return NULL;
}

static void entry_forget(struct qcow2_cache_entry *e)
{
    e->offset = 0;
    e->lru = 0;
}

void qcow2_cache_discard(struct qcow2_cache *c, void *table)
{
    struct qcow2_cache_entry *e = &c->entries[qcow2_cache_index(c, table)];

    entry_forget(e);
    e->dirty = false;
}

void qcow2_cache_clean_unused(struct qcow2_cache *c)
{
    for (int i = 0; i < c->size; i++) {
        struct qcow2_cache_entry *e = &c->entries[i];

        if (e->ref == 0 && !e->dirty && e->offset != 0 &&
            e->lru <= c->clean_lru_counter)
            entry_forget(e);
    }
    c->clean_lru_counter = c->lru_counter;
}

void qcow2_cache_reset(struct qcow2_cache *c)
{
    for (int i = 0; i < c->size; i++)
        entry_forget(&c->entries[i]);
    c->lru_counter = 0;
}
