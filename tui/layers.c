/*
 * layers.c — the guest and host views of a format image (see layers.h).
 *
 * A view is a sorted array of runs covering [0, length).  Replacing a
 * range rebuilds the array around it (O(runs)); that happens once per
 * refresh and range, never per cell.  Pending guest ranges are kept
 * coalesced like the allocation map's rescans (tui/watch.c): past a bound,
 * one range covering them all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tui/layers.h"
#include "tui/viewport.h"

#define LAYERS_MAX_PENDING 64
#define LAYERS_HOST_MIN_NS (250 * 1000000LL)

const char *const tui_guest_names[TUI_GUEST__MAX] = {
    [TUI_GUEST_UNALLOCATED] = "unallocated",
    [TUI_GUEST_DATA] = "data",
    [TUI_GUEST_ZERO] = "zero",
    [TUI_GUEST_BACKING] = "backing",
};

struct layers_view {
    struct tui_run *v;
    size_t n, cap;
    int64_t length;
    int err;
};

struct layers_range {
    int64_t offset, bytes;
};

struct tui_layers {
    struct layers_view view[TUI_LAYERS__MAX];
    struct layers_range pending[LAYERS_MAX_PENDING];
    size_t npending;
    bool guest_all;              /* read the whole guest view again */
    bool host_stale;
    bool refreshing;
    int64_t host_ns;             /* when the host view was last read */
    int64_t host_cost_ns;        /* how long that took */
    uint64_t gen;
};

static void view_push(struct layers_view *v, int64_t offset, int64_t length,
                      uint8_t kind)
{
    if (length <= 0)
        return;
    if (v->n > 0 && v->v[v->n - 1].kind == kind &&
        v->v[v->n - 1].offset + v->v[v->n - 1].length == offset) {
        v->v[v->n - 1].length += length;
        return;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct tui_run *r = realloc(v->v, cap * sizeof(*r));

        if (r == NULL)
            abort();
        v->v = r;
        v->cap = cap;
    }
    v->v[v->n++] = (struct tui_run){ offset, length, kind };
}

/* The first run that ends after offset (n when none). */
static size_t view_find(const struct layers_view *v, int64_t offset)
{
    size_t lo = 0, hi = v->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v->v[mid].offset + v->v[mid].length <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

enum tui_guest_kind tui_layers_guest_kind(const struct bk_extent *ext)
{
    if (!ext->present)
        return TUI_GUEST_UNALLOCATED;
    if (ext->depth > 0)
        return TUI_GUEST_BACKING;
    return ext->data ? TUI_GUEST_DATA : TUI_GUEST_ZERO;
}

/* ---- reading the views ------------------------------------------------- */

static int guest_cb(const struct bk_extent *ext, void *arg)
{
    view_push(arg, ext->offset, ext->length,
              (uint8_t)tui_layers_guest_kind(ext));
    return 0;
}

/* Replace [offset, offset+bytes) of v by the runs of mid (which cover it
 * exactly), cutting the runs at the range's edges. */
static void view_splice(struct layers_view *v, int64_t offset, int64_t bytes,
                        const struct layers_view *mid)
{
    struct layers_view out = { .length = v->length, .err = v->err };
    size_t i;

    for (i = 0; i < v->n && v->v[i].offset < offset; i++) {
        int64_t end = v->v[i].offset + v->v[i].length;

        view_push(&out, v->v[i].offset,
                  (end < offset ? end : offset) - v->v[i].offset,
                  v->v[i].kind);
    }
    for (size_t k = 0; k < mid->n; k++)
        view_push(&out, mid->v[k].offset, mid->v[k].length, mid->v[k].kind);
    for (i = view_find(v, offset + bytes); i < v->n; i++) {
        int64_t start = v->v[i].offset, end = start + v->v[i].length;

        if (start < offset + bytes)
            start = offset + bytes;
        view_push(&out, start, end - start, v->v[i].kind);
    }
    free(v->v);
    *v = out;
}

/* Read [offset, +bytes) of the guest view again, in place. */
static void guest_read(struct layers_view *g, struct bk_dev *dev,
                       int64_t offset, int64_t bytes)
{
    struct layers_view mid = { 0 };

    if (offset >= g->length)
        return;
    if (bytes > g->length - offset)
        bytes = g->length - offset;
    if (bk_dev_extents(dev, offset, bytes, guest_cb, &mid) == 0)
        view_splice(g, offset, bytes, &mid);
    free(mid.v);
}

static int host_cb(const struct bk_layout_run *run, void *arg)
{
    view_push(arg, run->offset, run->length, (uint8_t)run->kind);
    return 0;
}

static int host_read(struct tui_layers *l, struct bk_dev *dev, int64_t now)
{
    struct layers_view *h = &l->view[TUI_LAYERS_HOST];
    struct layers_view nv = { 0 };
    int64_t len = 0;
    int ret;

    /* Requests that end while it reads make it stale again. */
    l->host_stale = false;
    ret = bk_dev_layout(dev, &len, host_cb, &nv);
    l->host_ns = now;
    l->host_cost_ns = bk_now_ns() - now;
    if (ret == -ENOTSUP) {
        free(nv.v);
        return ret;
    }
    free(h->v);
    if (ret < 0) {
        free(nv.v);
        *h = (struct layers_view){ .err = ret };
    } else {
        nv.length = len;
        *h = nv;
    }
    l->gen++;
    return 0;
}

struct tui_layers *tui_layers_new(void)
{
    return calloc(1, sizeof(struct tui_layers));
}

struct tui_layers *tui_layers_open(struct bk_dev *dev)
{
    struct tui_layers *l = tui_layers_new();
    struct layers_view *g;

    if (l == NULL)
        return NULL;
    if (host_read(l, dev, bk_now_ns()) == -ENOTSUP) {
        tui_layers_free(l);
        return NULL;
    }
    g = &l->view[TUI_LAYERS_GUEST];
    g->length = bk_dev_length(dev);
    view_push(g, 0, g->length, TUI_GUEST_UNALLOCATED);
    guest_read(g, dev, 0, g->length);
    return l;
}

void tui_layers_free(struct tui_layers *l)
{
    if (l == NULL)
        return;
    for (int w = 0; w < TUI_LAYERS__MAX; w++)
        free(l->view[w].v);
    free(l);
}

void tui_layers_note_req(struct tui_layers *l, const struct bk_req *req)
{
    int64_t a, b;

    switch (req->op) {
    case BK_OP_WRITE:
    case BK_OP_WRITE_ZEROES:
    case BK_OP_DISCARD:
        break;
    case BK_OP_TRUNCATE:
        l->guest_all = true;
        l->host_stale = true;
        return;
    case BK_OP_FLUSH:
        /* Dirty tables reach the file: the host view may differ. */
        l->host_stale = true;
        return;
    default:
        return;
    }
    /* Failed requests may have allocated too. */
    l->host_stale = true;
    if (l->npending < LAYERS_MAX_PENDING) {
        l->pending[l->npending++] = (struct layers_range){ req->offset,
                                                           req->bytes };
        return;
    }
    a = req->offset;
    b = req->offset + req->bytes;
    for (size_t i = 0; i < l->npending; i++) {
        if (l->pending[i].offset < a)
            a = l->pending[i].offset;
        if (l->pending[i].offset + l->pending[i].bytes > b)
            b = l->pending[i].offset + l->pending[i].bytes;
    }
    l->pending[0] = (struct layers_range){ a, b - a };
    l->npending = 1;
}

bool tui_layers_refresh(struct tui_layers *l, struct bk_dev *dev,
                        int64_t now)
{
    struct layers_view *g = &l->view[TUI_LAYERS_GUEST];
    struct layers_range todo[LAYERS_MAX_PENDING];
    size_t ntodo = l->npending;
    bool changed = false;
    int64_t wait;

    /* Reading iterates the loop: what ends meanwhile is noted for the
     * next refresh, and a frame drawn meanwhile does not read again. */
    if (l->refreshing)
        return false;
    l->refreshing = true;
    if (l->guest_all) {
        free(g->v);
        *g = (struct layers_view){ .length = bk_dev_length(dev) };
        view_push(g, 0, g->length, TUI_GUEST_UNALLOCATED);
        todo[0] = (struct layers_range){ 0, g->length };
        ntodo = 1;
        l->guest_all = false;
    } else {
        memcpy(todo, l->pending, ntodo * sizeof(todo[0]));
    }
    l->npending = 0;
    for (size_t i = 0; i < ntodo; i++)
        guest_read(g, dev, todo[i].offset, todo[i].bytes);
    if (ntodo > 0) {
        l->gen++;
        changed = true;
    }
    wait = 4 * l->host_cost_ns;
    if (wait < LAYERS_HOST_MIN_NS)
        wait = LAYERS_HOST_MIN_NS;
    if (l->host_stale && now - l->host_ns >= wait) {
        host_read(l, dev, now);
        changed = true;
    }
    l->refreshing = false;
    return changed;
}

bool tui_layers_pending(const struct tui_layers *l)
{
    return l->host_stale || l->guest_all || l->npending > 0;
}

uint64_t tui_layers_gen(const struct tui_layers *l)
{
    return l->gen;
}

int64_t tui_layers_length(const struct tui_layers *l, enum tui_layers_which w)
{
    return l->view[w].length;
}

int tui_layers_error(const struct tui_layers *l, enum tui_layers_which w)
{
    return l->view[w].err;
}

size_t tui_layers_runs(const struct tui_layers *l, enum tui_layers_which w,
                       const struct tui_run **runs)
{
    *runs = l->view[w].v;
    return l->view[w].n;
}

void tui_layers_totals(const struct tui_layers *l, enum tui_layers_which w,
                       int64_t *bytes, size_t max)
{
    const struct layers_view *v = &l->view[w];

    memset(bytes, 0, max * sizeof(*bytes));
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].kind < max)
            bytes[v->v[i].kind] += v->v[i].length;
}

void tui_layers_set_runs(struct tui_layers *l, enum tui_layers_which w,
                         int64_t length, int err, const struct tui_run *runs,
                         size_t n)
{
    struct layers_view *v = &l->view[w];

    v->n = 0;
    v->length = length;
    v->err = err;
    for (size_t i = 0; i < n; i++)
        if (runs[i].offset >= 0 && runs[i].offset < length)
            view_push(v, runs[i].offset,
                      runs[i].length < length - runs[i].offset
                      ? runs[i].length : length - runs[i].offset,
                      runs[i].kind);
    l->gen++;
}

void tui_layers_classify(const struct tui_layers *l, enum tui_layers_which w,
                         int64_t start, int64_t end, size_t n,
                         struct tui_kcell *out)
{
    const struct layers_view *v = &l->view[w];
    int64_t span = end - start;
    size_t r = view_find(v, start);

    for (size_t i = 0; i < n; i++) {
        int64_t a = tui_view_edge(start, span, i, n);
        int64_t b = tui_view_edge(start, span, i + 1, n);
        int64_t best = -1;
        uint8_t kinds = 0;

        out[i] = (struct tui_kcell){ .none = true };
        if (b <= a)
            b = a + 1;          /* narrower than a byte: the byte at a */
        if (a >= v->length)
            continue;
        if (b > v->length)
            b = v->length;
        while (r < v->n && v->v[r].offset + v->v[r].length <= a)
            r++;
        for (size_t k = r; k < v->n && v->v[k].offset < b; k++) {
            int64_t s = v->v[k].offset > a ? v->v[k].offset : a;
            int64_t e = v->v[k].offset + v->v[k].length;
            int64_t cover = (e < b ? e : b) - s;

            kinds++;
            if (cover > best) {
                best = cover;
                out[i].kind = v->v[k].kind;
            }
        }
        out[i].none = best < 0;
        out[i].mixed = kinds > 1;
    }
}
