/*
 * extmap.c — allocation map: a treap of disjoint data ranges with subtree
 * byte sums.  See extmap.h for the model.
 *
 * Words: a *node* is one data range [start, end).  *split(t, k)* cuts a tree
 * into the nodes starting before k and the rest; *merge(a, b)* joins two
 * trees when every start in a precedes every start in b.  Both keep the
 * treap's heap order on random priorities, so depth stays O(log n) with high
 * probability whatever order updates come in (sequential writes would turn
 * an unbalanced tree into a list).
 *
 * Invariant between calls: ranges are disjoint, non-empty, non-adjacent,
 * inside [0, length).
 */
#include "tui/extmap.h"
#include "tui/viewport.h"

#include <errno.h>
#include <stdlib.h>

struct node {
    int64_t start, end;
    int64_t sum;              /* bytes in this subtree */
    size_t count;             /* nodes in this subtree */
    uint32_t prio;
    struct node *left, *right;
};

struct tui_extmap {
    struct node *root;
    int64_t length;
    uint32_t rng;             /* xorshift32 state for priorities */
};

/* Lengths past this would overflow end + 1 and cell arithmetic. */
#define EXTMAP_MAX_LENGTH (INT64_MAX / 4)

static int64_t sum_of(const struct node *n) { return n ? n->sum : 0; }
static size_t count_of(const struct node *n) { return n ? n->count : 0; }

static void pull(struct node *n)
{
    n->sum = (n->end - n->start) + sum_of(n->left) + sum_of(n->right);
    n->count = 1 + count_of(n->left) + count_of(n->right);
}

static uint32_t next_prio(struct tui_extmap *map)
{
    uint32_t x = map->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return map->rng = x;
}

static struct node *node_new(struct tui_extmap *map)
{
    struct node *n = calloc(1, sizeof(*n));
    if (n)
        n->prio = next_prio(map);
    return n;
}

static void node_init(struct node *n, int64_t start, int64_t end)
{
    n->start = start;
    n->end = end;
    n->left = n->right = NULL;
    pull(n);
}

static void free_tree(struct node *n)
{
    while (n) {
        struct node *right = n->right;
        free_tree(n->left);
        free(n);
        n = right;
    }
}

/* *l gets the nodes with start < key, *r the others. */
static void split(struct node *t, int64_t key, struct node **l,
                  struct node **r)
{
    if (!t) {
        *l = *r = NULL;
    } else if (t->start < key) {
        split(t->right, key, &t->right, r);
        pull(t);
        *l = t;
    } else {
        split(t->left, key, l, &t->left);
        pull(t);
        *r = t;
    }
}

static struct node *merge(struct node *a, struct node *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->prio > b->prio) {
        a->right = merge(a->right, b);
        pull(a);
        return a;
    }
    b->left = merge(a, b->left);
    pull(b);
    return b;
}

static struct node *rightmost(struct node *t)
{
    while (t && t->right)
        t = t->right;
    return t;
}

/* Data bytes in [0, x). */
static int64_t prefix(const struct node *t, int64_t x)
{
    int64_t acc = 0;

    while (t) {
        if (t->start < x) {
            /* Everything left of t ends before t starts, hence before x. */
            acc += sum_of(t->left) + (t->end < x ? t->end : x) - t->start;
            t = t->right;
        } else {
            t = t->left;
        }
    }
    return acc;
}

struct tui_extmap *tui_extmap_new(int64_t length)
{
    struct tui_extmap *map = calloc(1, sizeof(*map));

    if (!map)
        return NULL;
    map->length = length < 0 ? 0
                : length > EXTMAP_MAX_LENGTH ? EXTMAP_MAX_LENGTH : length;
    map->rng = 2463534242u;
    return map;
}

void tui_extmap_free(struct tui_extmap *map)
{
    if (!map)
        return;
    free_tree(map->root);
    free(map);
}

int64_t tui_extmap_length(const struct tui_extmap *map) { return map->length; }
size_t tui_extmap_count(const struct tui_extmap *map)
{
    return count_of(map->root);
}
int64_t tui_extmap_data_bytes(const struct tui_extmap *map)
{
    return sum_of(map->root);
}

/* Clip [offset, offset+bytes) to the image; false when nothing is left. */
static bool clip(const struct tui_extmap *map, int64_t offset, int64_t bytes,
                 int64_t *a, int64_t *b)
{
    if (bytes <= 0 || offset >= map->length)
        return false;
    *a = offset < 0 ? 0 : offset;
    *b = bytes > map->length - offset ? map->length : offset + bytes;
    return *a < *b;
}

int tui_extmap_set_data(struct tui_extmap *map, int64_t offset, int64_t bytes)
{
    struct node *l, *m, *r, *x, *n;
    int64_t a, b;

    if (!clip(map, offset, bytes, &a, &b))
        return 0;
    /* Allocate first so that failure leaves the map as it was. */
    n = node_new(map);
    if (!n)
        return -ENOMEM;

    split(map->root, a, &l, &r);
    x = rightmost(l);
    if (x && x->end >= a) {             /* overlaps or touches on the left */
        a = x->start;
        if (x->end > b)
            b = x->end;
        split(l, x->start, &l, &m);
        free_tree(m);
    }
    split(r, b + 1, &m, &r);            /* starts in [a, b]: swallowed */
    x = rightmost(m);
    if (x && x->end > b)
        b = x->end;
    free_tree(m);

    node_init(n, a, b);
    map->root = merge(merge(l, n), r);
    return 0;
}

int tui_extmap_set_hole(struct tui_extmap *map, int64_t offset, int64_t bytes)
{
    struct node *l, *m, *r, *x, *piece;
    int64_t a, b, tail = -1;

    if (!clip(map, offset, bytes, &a, &b))
        return 0;
    /* A hole inside one range splits it in two: at most one new node. */
    piece = node_new(map);
    if (!piece)
        return -ENOMEM;

    split(map->root, a, &l, &r);
    x = rightmost(l);
    if (x && x->end > a) {              /* range straddles a: cut it there */
        if (x->end > b)
            tail = x->end;
        split(l, x->start, &l, &m);
        m->end = a;
        pull(m);
        l = merge(l, m);
    }
    split(r, b, &m, &r);                /* starts in [a, b): removed */
    x = rightmost(m);
    if (x && x->end > b)
        tail = x->end;
    free_tree(m);

    if (tail > b) {
        node_init(piece, b, tail);
        r = merge(piece, r);
    } else {
        free(piece);
    }
    map->root = merge(l, r);
    return 0;
}

void tui_extmap_truncate(struct tui_extmap *map, int64_t length)
{
    struct node *l, *r, *x;

    if (length < 0)
        length = 0;
    if (length > EXTMAP_MAX_LENGTH)
        length = EXTMAP_MAX_LENGTH;
    if (length < map->length) {
        split(map->root, length, &l, &r);
        free_tree(r);
        x = rightmost(l);
        if (x && x->end > length) {
            split(l, x->start, &l, &r);
            r->end = length;
            pull(r);
            l = merge(l, r);
        }
        map->root = l;
    }
    map->length = length;
}

int tui_extmap_extent_cb(const struct bk_extent *ext, void *arg)
{
    struct tui_extmap *map = arg;

    if (!ext->data)
        return 0;
    return tui_extmap_set_data(map, ext->offset, ext->length);
}

bool tui_extmap_apply_req(struct tui_extmap *map, const struct bk_req *req,
                          bool unmap)
{
    int64_t old;

    if (req->ret < 0)
        return false;
    switch (req->op) {
    case BK_OP_WRITE:
        return tui_extmap_set_data(map, req->offset, req->bytes) < 0;
    case BK_OP_WRITE_ZEROES:
        /* Zeroing without a punch allocates; either way the file system
         * may answer differently, hence the rescan hint. */
        if (unmap && (req->flags & BK_REQ_MAY_UNMAP))
            tui_extmap_set_hole(map, req->offset, req->bytes);
        else
            tui_extmap_set_data(map, req->offset, req->bytes);
        return true;
    case BK_OP_DISCARD:
        if (!unmap)
            return false;           /* discard=ignore: nothing happened */
        tui_extmap_set_hole(map, req->offset, req->bytes);
        return true;
    case BK_OP_TRUNCATE:
        old = map->length;
        tui_extmap_truncate(map, req->offset);
        if (req->offset > old && req->flags != BK_PREALLOC_OFF) {
            tui_extmap_set_data(map, old, req->offset - old);
            return true;
        }
        return false;
    default:
        return false;
    }
}

int64_t tui_extmap_data_in(const struct tui_extmap *map, int64_t start,
                           int64_t end)
{
    int64_t a, b;

    if (end <= start || !clip(map, start, end - start, &a, &b))
        return 0;
    return prefix(map->root, b) - prefix(map->root, a);
}

bool tui_extmap_is_data(const struct tui_extmap *map, int64_t offset)
{
    return tui_extmap_data_in(map, offset, offset + 1) == 1;
}

void tui_extmap_classify(const struct tui_extmap *map, int64_t start,
                         int64_t end, size_t n, struct tui_cell *out)
{
    int64_t span = end > start ? end - start : 0;
    int64_t a = start, pa = -1, pb;

    for (size_t i = 0; i < n; i++) {
        int64_t b = tui_view_edge(start, span, i + 1, n);
        struct tui_cell *c = &out[i];

        if (a < 0 || a >= map->length) {
            *c = (struct tui_cell){ .kind = TUI_CELL_NONE };
            a = b;
            pa = -1;
            continue;
        }
        if (b <= a) {                   /* narrower than a byte */
            bool d = tui_extmap_is_data(map, a);
            *c = (struct tui_cell){ .kind = d ? TUI_CELL_DATA : TUI_CELL_HOLE,
                                    .data_bytes = d, .bytes = 1 };
            continue;
        }
        if (b > map->length)
            b = map->length;
        /* Adjacent cells share an edge: one prefix walk per cell. */
        if (pa < 0)
            pa = prefix(map->root, a);
        pb = prefix(map->root, b);
        c->bytes = b - a;
        c->data_bytes = pb - pa;
        c->kind = c->data_bytes == 0 ? TUI_CELL_HOLE
                : c->data_bytes == c->bytes ? TUI_CELL_DATA : TUI_CELL_MIXED;
        a = tui_view_edge(start, span, i + 1, n);
        pa = a == b ? pb : -1;
    }
}

static int walk(const struct node *t, int64_t start, int64_t end,
                int (*fn)(int64_t, int64_t, void *), void *arg)
{
    int ret;

    while (t) {
        if (t->start >= end) {          /* t and its right side are past */
            t = t->left;
            continue;
        }
        if (t->end <= start) {          /* t and its left side are before */
            t = t->right;
            continue;
        }
        ret = walk(t->left, start, end, fn, arg);
        if (ret)
            return ret;
        ret = fn(t->start, t->end, arg);
        if (ret)
            return ret;
        t = t->right;
    }
    return 0;
}

int tui_extmap_walk(const struct tui_extmap *map, int64_t start, int64_t end,
                    int (*fn)(int64_t start, int64_t end, void *arg),
                    void *arg)
{
    return walk(map->root, start, end, fn, arg);
}
