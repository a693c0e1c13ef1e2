/*
 * susp.c — suspension times by request id.  See susp.h for the model.
 */
#include "tui/susp.h"

#include <stdlib.h>
#include <string.h>

struct susp_entry {
    uint64_t id;
    int64_t since_ns;
    bool seen;           /* marked since the last sweep */
};

struct tui_susp {
    struct susp_entry *e;
    size_t n, cap;
};

/* Index of id, or where it would go. */
static size_t susp_find(const struct tui_susp *s, uint64_t id, bool *found)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->e[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->n && s->e[lo].id == id;
    return lo;
}

struct tui_susp *tui_susp_new(void)
{
    return calloc(1, sizeof(struct tui_susp));
}

void tui_susp_free(struct tui_susp *s)
{
    if (s != NULL)
        free(s->e);
    free(s);
}

static struct susp_entry *susp_insert(struct tui_susp *s, uint64_t id,
                                      int64_t now_ns)
{
    bool found;
    size_t i = susp_find(s, id, &found);

    if (found)
        return &s->e[i];
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct susp_entry *e = realloc(s->e, cap * sizeof(*e));

        if (e == NULL)
            abort();
        s->e = e;
        s->cap = cap;
    }
    memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(*s->e));
    s->e[i] = (struct susp_entry){ id, now_ns, false };
    s->n++;
    return &s->e[i];
}

void tui_susp_note(struct tui_susp *s, uint64_t id, int64_t now_ns)
{
    susp_insert(s, id, now_ns);
}

void tui_susp_forget(struct tui_susp *s, uint64_t id)
{
    bool found;
    size_t i = susp_find(s, id, &found);

    if (!found)
        return;
    memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
    s->n--;
}

bool tui_susp_since(const struct tui_susp *s, uint64_t id, int64_t *since_ns)
{
    bool found;
    size_t i = susp_find(s, id, &found);

    if (found && since_ns != NULL)
        *since_ns = s->e[i].since_ns;
    return found;
}

int64_t tui_susp_seen(struct tui_susp *s, uint64_t id, int64_t now_ns)
{
    struct susp_entry *e = susp_insert(s, id, now_ns);

    e->seen = true;
    return e->since_ns;
}

void tui_susp_sweep(struct tui_susp *s)
{
    size_t k = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].seen) {
            s->e[k] = s->e[i];
            s->e[k].seen = false;
            k++;
        }
    }
    s->n = k;
}

size_t tui_susp_count(const struct tui_susp *s)
{
    return s->n;
}
