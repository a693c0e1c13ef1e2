/*
 * dict.c — a small string dictionary that walks its keys in QDict's order.
 *
 * QEMU checks a config group by walking a QDict, and stops at the first bad
 * key; so which of two bad keys a file reports depends on that walk.  A
 * QDict hashes each key into one of 512 buckets (the tdb hash), walks the
 * buckets in order and, inside a bucket, the newest key first; replacing a
 * value keeps the key where it is.  We keep a plain array and sort on
 * demand: dicts here hold a handful of keys.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

#define DICT_BUCKETS 512

struct entry {
    char *key;
    char *value;
    unsigned bucket;
    unsigned long seq;          /* insertion order */
};

struct rules_dict {
    struct entry *v;
    size_t n, cap;
    unsigned long seq;
};

/* The hash QDict uses (from the tdb project), written out for its order. */
static unsigned
tdb_hash(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    unsigned value = 0x238F13AFu * (unsigned)strlen(name);
    unsigned i;

    for (i = 0; p[i] != '\0'; i++)
        value = value + ((unsigned)p[i] << (i * 5 % 24));
    return 1103515243u * value + 12345u;
}

struct rules_dict *
rules_dict_new(void)
{
    struct rules_dict *d = calloc(1, sizeof(*d));

    if (d == NULL)
        abort();
    return d;
}

void
rules_dict_free(struct rules_dict *d)
{
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; i < d->n; i++) {
        free(d->v[i].key);
        free(d->v[i].value);
    }
    free(d->v);
    free(d);
}

static struct entry *
find(const struct rules_dict *d, const char *key)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        if (strcmp(d->v[i].key, key) == 0)
            return &d->v[i];
    }
    return NULL;
}

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        abort();
    return p;
}

void
rules_dict_put(struct rules_dict *d, const char *key, const char *value)
{
    struct entry *e = find(d, key);

    if (e != NULL) {
        free(e->value);
        e->value = xstrdup(value);
        return;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = realloc(d->v, d->cap * sizeof(*d->v));
        if (d->v == NULL)
            abort();
    }
    e = &d->v[d->n++];
    e->key = xstrdup(key);
    e->value = xstrdup(value);
    e->bucket = tdb_hash(key) % DICT_BUCKETS;
    e->seq = d->seq++;
}

const char *
rules_dict_get(const struct rules_dict *d, const char *key)
{
    const struct entry *e = find(d, key);

    return e ? e->value : NULL;
}

bool
rules_dict_del(struct rules_dict *d, const char *key)
{
    struct entry *e = find(d, key);

    if (e == NULL)
        return false;
    free(e->key);
    free(e->value);
    memmove(e, e + 1, (size_t)(&d->v[d->n] - (e + 1)) * sizeof(*e));
    d->n--;
    return true;
}

size_t
rules_dict_size(const struct rules_dict *d)
{
    return d->n;
}

/* True when a comes before b in the walk. */
static bool
walks_before(const struct entry *a, const struct entry *b)
{
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket;
    return a->seq > b->seq;
}

const char *
rules_dict_key_at(const struct rules_dict *d, size_t i, const char **value)
{
    size_t j, k, rank;

    /* The entry with exactly i entries walking before it. */
    for (j = 0; j < d->n; j++) {
        rank = 0;
        for (k = 0; k < d->n; k++) {
            if (k != j && walks_before(&d->v[k], &d->v[j]))
                rank++;
        }
        if (rank == i) {
            if (value != NULL)
                *value = d->v[j].value;
            return d->v[j].key;
        }
    }
    return NULL;
}
