/*
 * heat.c — fading touches in a fixed ring.  See heat.h for the model.
 *
 * Ring order is time order: touches are noted as requests complete on the
 * loop thread, and a merge only refreshes the newest touch, so walking from
 * newest to oldest meets ages in increasing order and may stop at the first
 * dead one.
 */
#include "tui/heat.h"

#include <stdlib.h>
#include <string.h>

#define HEAT_DEFAULT_CAPACITY 512
#define HEAT_DEFAULT_FADE_NS  3000000000LL

struct touch {
    int64_t start, end;
    int64_t t_ns;
    enum tui_heat_kind kind;
};

struct tui_heat {
    struct touch *ring;
    size_t cap;
    size_t head;          /* next slot to fill */
    size_t n;             /* live slots, newest at head - 1 */
    int64_t fade_ns, merge_ns;
};

struct tui_heat *tui_heat_new(size_t capacity, int64_t fade_ns,
                              int64_t merge_ns)
{
    struct tui_heat *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->cap = capacity ? capacity : HEAT_DEFAULT_CAPACITY;
    h->fade_ns = fade_ns > 0 ? fade_ns : HEAT_DEFAULT_FADE_NS;
    h->merge_ns = merge_ns > 0 ? merge_ns : h->fade_ns / 16;
    h->ring = calloc(h->cap, sizeof(*h->ring));
    if (!h->ring) {
        free(h);
        return NULL;
    }
    return h;
}

void tui_heat_free(struct tui_heat *h)
{
    if (!h)
        return;
    free(h->ring);
    free(h);
}

void tui_heat_clear(struct tui_heat *h)
{
    h->head = h->n = 0;
}

/* The i-th newest touch (0 = newest). */
static struct touch *nth(const struct tui_heat *h, size_t i)
{
    return &h->ring[(h->head + h->cap - 1 - i) % h->cap];
}

void tui_heat_note(struct tui_heat *h, enum tui_heat_kind kind,
                   int64_t offset, int64_t bytes, int64_t now_ns)
{
    int64_t end = bytes > INT64_MAX - offset ? INT64_MAX : offset + bytes;
    struct touch *t;

    if (bytes <= 0 || kind >= TUI_HEAT__MAX)
        return;
    if (h->n) {
        t = nth(h, 0);
        if (t->kind == kind && now_ns - t->t_ns <= h->merge_ns &&
            offset <= t->end && end >= t->start) {
            if (offset < t->start)
                t->start = offset;
            if (end > t->end)
                t->end = end;
            if (now_ns > t->t_ns)
                t->t_ns = now_ns;
            return;
        }
    }
    h->ring[h->head] = (struct touch){ offset, end, now_ns, kind };
    h->head = (h->head + 1) % h->cap;
    if (h->n < h->cap)
        h->n++;
}

void tui_heat_note_req(struct tui_heat *h, const struct bk_req *req)
{
    switch (req->op) {
    case BK_OP_READ:
        tui_heat_note(h, TUI_HEAT_READ, req->offset, req->bytes,
                      req->complete_ns);
        break;
    case BK_OP_WRITE:
    case BK_OP_WRITE_ZEROES:
    case BK_OP_DISCARD:
        tui_heat_note(h, TUI_HEAT_WRITE, req->offset, req->bytes,
                      req->complete_ns);
        break;
    default:
        break;
    }
}

uint8_t tui_heat_intensity(const struct tui_heat *h, int64_t age_ns)
{
    if (age_ns < 0)
        age_ns = 0;
    if (age_ns >= h->fade_ns)
        return 0;
    /* Round up so that only a fully faded touch reads 0. */
    return (uint8_t)(255 - (255 * age_ns) / h->fade_ns);
}

bool tui_heat_active(const struct tui_heat *h, int64_t now_ns)
{
    return h->n && tui_heat_intensity(h, now_ns - nth(h, 0)->t_ns) > 0;
}

size_t tui_heat_count(const struct tui_heat *h)
{
    return h->n;
}

void tui_heat_render(const struct tui_heat *h, const struct tui_view *v,
                     int64_t now_ns, uint8_t *out[TUI_HEAT__MAX])
{
    for (int k = 0; k < TUI_HEAT__MAX; k++)
        if (out[k])
            memset(out[k], 0, v->ncells);

    for (size_t i = 0; i < h->n; i++) {
        const struct touch *t = nth(h, i);
        uint8_t level = tui_heat_intensity(h, now_ns - t->t_ns);
        uint8_t *cells = out[t->kind];
        size_t first, last;

        if (!level)
            break;              /* every older touch is dead too */
        if (!cells || !tui_view_cells_of(v, t->start, t->end - t->start,
                                         &first, &last))
            continue;
        for (size_t c = first; c <= last; c++)
            if (cells[c] < level)
                cells[c] = level;
    }
}

int tui_heat_level(uint8_t intensity, int nlevels)
{
    if (!intensity || nlevels <= 0)
        return 0;
    return 1 + (intensity * nlevels - 1) / 256;
}

void tui_heat_for_each(const struct tui_heat *h, int64_t now_ns,
                       void (*fn)(enum tui_heat_kind kind, int64_t offset,
                                  int64_t bytes, int64_t t_ns, void *arg),
                       void *arg)
{
    size_t live = 0;

    /* Newest first the ages grow: count the live ones, then walk back. */
    while (live < h->n && now_ns - nth(h, live)->t_ns < h->fade_ns)
        live++;
    for (size_t i = live; i-- > 0;) {
        const struct touch *t = nth(h, i);

        fn(t->kind, t->start, t->end - t->start, t->t_ns, arg);
    }
}
