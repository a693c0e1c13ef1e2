/*
 * spares.h — a bounded stack of ended records of one kind, kept for the
 * next one rather than a free and an allocation per request: io records
 * on their node, write contexts, deferred calls, qcow2 task records.
 *
 * The link lives in a kept record's first bytes (a kept record is dead
 * until taken again), so the records need no field for it; a taken record
 * holds whatever it held, and its owner clears it.  Not thread-safe: one
 * thread keeps and takes.  AddressSanitizer builds keep nothing, so that a
 * record used after its end is still caught there.
 */
#ifndef BLKMON_UTIL_SPARES_H
#define BLKMON_UTIL_SPARES_H

#include <stdlib.h>
#include <string.h>

struct spares {
    void *top;
    unsigned n;
};

/* A kept record, or NULL when there is none. */
static inline void *spares_take(struct spares *s)
{
    void *p = s->top;

    if (p != NULL) {
        memcpy(&s->top, p, sizeof(s->top));
        s->n--;
    }
    return p;
}

/* Keep p (allocated with malloc, at least a pointer long) for the next
 * taker, or free it when max are kept already. */
static inline void spares_put(struct spares *s, void *p, unsigned max)
{
#if defined(__SANITIZE_ADDRESS__)
    max = 0;
#endif
    if (s->n >= max) {
        free(p);
        return;
    }
    memcpy(p, &s->top, sizeof(s->top));
    s->top = p;
    s->n++;
}

/* Free every kept record. */
static inline void spares_free(struct spares *s)
{
    void *p;

    while ((p = spares_take(s)) != NULL)
        free(p);
}

#endif
