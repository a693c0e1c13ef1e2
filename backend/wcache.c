/*
 * wcache.c — the volatile write cache (see wcache.h).
 *
 * A layer is a sorted array of disjoint extents, each the newest bytes of
 * one range: data, or zeroes (from a zero write or a discard).  A write
 * cuts away what it overlaps and goes in; a write that continues the
 * extent before it joins it, so a sequential stream stays one extent.
 * Layers are counted references: a read in flight keeps the layers it
 * must lay over the file's data, whatever a flush does meanwhile; a flush
 * or a cut keeps the layer whose bytes its writes point into.
 *
 * Every write back goes to the child node through the generic layer, one
 * io per extent (a cut: per run of kept sectors), all at once, then one
 * flush of the child.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"
#include "backend/wcache.h"

#define SECTOR 512

struct ext {
    int64_t off, len;
    unsigned char *data;        /* NULL: zeroes */
    bool unmap;                 /* zeroes that may be a hole */
};

struct layer {
    unsigned refs;
    struct ext *v;
    size_t n, cap;
    uint64_t nwrites;           /* writes that went in */
};

struct bk_wcache {
    struct bk_node *node;
    struct layer *cur;          /* writes since the running flush began */
    struct layer *flushing;     /* what the running flush writes, or NULL */

    /* The running flush. */
    struct bk_io *fl_io;
    bk_wcache_io_done *fl_done;
    size_t fl_pending;
    int fl_ret;
    bool sync_done;             /* bk_wcache_writeback_sync's flush ended */

    /* A cut, waiting for the flush or running. */
    bool cut_wait;
    double cut_keep;
    struct rules_rng cut_rng;
    void (*cut_done)(void *arg, const struct bk_wcache_cut *res);
    void *cut_arg;
    struct layer *cutting;      /* what the running cut forgets */
    size_t cut_pending;
    struct bk_wcache_cut cut_res;
};

/* One write (or flush) to the child, and what it points into. */
struct wio {
    struct bk_wcache *wc;
    struct iovec iov;
    void (*done)(struct bk_wcache *wc, int ret);
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        abort();
    return p;
}

/* ---- layers ---------------------------------------------------------- */

static struct layer *layer_new(void)
{
    struct layer *l = calloc(1, sizeof(*l));

    if (l == NULL)
        abort();
    l->refs = 1;
    return l;
}

static struct layer *layer_ref(struct layer *l)
{
    if (l != NULL)
        l->refs++;
    return l;
}

static void layer_clear(struct layer *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].data);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
    l->nwrites = 0;
}

static void layer_unref(struct layer *l)
{
    if (l == NULL || --l->refs > 0)
        return;
    layer_clear(l);
    free(l);
}

/* The first extent that ends after off. */
static size_t layer_find(const struct layer *l, int64_t off)
{
    size_t lo = 0, hi = l->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (l->v[mid].off + l->v[mid].len > off)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void layer_insert_at(struct layer *l, size_t i, struct ext x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
    l->v[i] = x;
    l->n++;
}

static void layer_remove_at(struct layer *l, size_t i)
{
    memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
    l->n--;
}

/* Put x in (the layer takes x.data), over whatever it overlaps. */
static void layer_put(struct layer *l, struct ext x)
{
    int64_t end = x.off + x.len;
    size_t i = layer_find(l, x.off);

    while (i < l->n && l->v[i].off < end) {
        struct ext *e = &l->v[i];
        int64_t eend = e->off + e->len;

        if (e->off < x.off && eend > end) {
            /* x falls inside e: e's tail becomes an extent of its own. */
            struct ext right = { end, eend - end, NULL, e->unmap };

            if (e->data != NULL) {
                right.data = xmalloc((size_t)right.len);
                memcpy(right.data, e->data + (end - e->off),
                       (size_t)right.len);
            }
            e->len = x.off - e->off;
            layer_insert_at(l, ++i, right);
            break;
        }
        if (e->off < x.off) {
            e->len = x.off - e->off;        /* its head stays */
            i++;
        } else if (eend > end) {
            int64_t cut = end - e->off;     /* its tail stays */

            if (e->data != NULL)
                memmove(e->data, e->data + cut, (size_t)(e->len - cut));
            e->off = end;
            e->len -= cut;
            break;
        } else {
            free(e->data);
            layer_remove_at(l, i);
        }
    }
    layer_insert_at(l, i, x);
    /* A write that continues the one before joins it. */
    if (i > 0) {
        struct ext *p = &l->v[i - 1];

        if (p->off + p->len == x.off && (p->data == NULL) == (x.data == NULL)
            && p->unmap == x.unmap) {
            if (p->data != NULL) {
                p->data = realloc(p->data, (size_t)(p->len + x.len));
                if (p->data == NULL)
                    abort();
                memcpy(p->data + p->len, x.data, (size_t)x.len);
                free(x.data);
            }
            p->len += x.len;
            layer_remove_at(l, i);
        }
    }
}

/* Lay the layer's bytes of [off, off+len) over the buffers. */
static void layer_patch(const struct layer *l, int64_t off, int64_t len,
                        struct iovec *iov, int iovcnt)
{
    int64_t end = off + len;

    for (size_t i = layer_find(l, off); i < l->n && l->v[i].off < end; i++) {
        const struct ext *e = &l->v[i];
        int64_t a = e->off > off ? e->off : off;
        int64_t b = e->off + e->len < end ? e->off + e->len : end;

        bk_iov_fill(iov, iovcnt, (size_t)(a - off),
                    e->data != NULL ? e->data + (a - e->off) : NULL,
                    (size_t)(b - a));
    }
}

/* under := top over under; top is left empty. */
static void layer_lay_over(struct layer *under, struct layer *top)
{
    for (size_t i = 0; i < top->n; i++) {
        layer_put(under, top->v[i]);    /* takes the data */
        top->v[i].data = NULL;
    }
    under->nwrites += top->nwrites;
    top->n = 0;
    top->nwrites = 0;
}

/* ---- the cache ------------------------------------------------------- */

struct bk_wcache *bk_wcache_new(struct bk_node *node)
{
    struct bk_wcache *wc = calloc(1, sizeof(*wc));

    if (wc == NULL)
        abort();
    wc->node = node;
    wc->cur = layer_new();
    return wc;
}

void bk_wcache_free(struct bk_wcache *wc)
{
    if (wc == NULL)
        return;
    layer_unref(wc->cur);
    layer_unref(wc->flushing);
    layer_unref(wc->cutting);
    free(wc);
}

bool bk_wcache_dirty(const struct bk_wcache *wc)
{
    return wc->cur->n > 0 || wc->flushing != NULL || wc->cutting != NULL ||
           wc->cut_wait;
}

void bk_wcache_write(struct bk_wcache *wc, int64_t offset, int64_t bytes,
                     const struct iovec *iov, int iovcnt, bool unmap)
{
    struct ext x = { offset, bytes, NULL, iov == NULL && unmap };

    if (bytes <= 0)
        return;
    if (iov != NULL) {
        size_t done = 0;

        x.data = xmalloc((size_t)bytes);
        for (int i = 0; i < iovcnt && done < (size_t)bytes; i++) {
            size_t n = iov[i].iov_len;

            if (n > (size_t)bytes - done)
                n = (size_t)bytes - done;
            memcpy(x.data + done, iov[i].iov_base, n);
            done += n;
        }
    }
    layer_put(wc->cur, x);
    wc->cur->nwrites++;
}

/* ---- reads ----------------------------------------------------------- */

struct wc_read {
    struct bk_wcache *wc;
    struct bk_io *io;
    bk_wcache_io_done *done;
    struct layer *older, *newer;    /* the layers when the read began */
};

static void read_done(struct bk_io *child)
{
    struct wc_read *r = child->cb_arg;
    struct bk_wcache *wc = r->wc;
    struct bk_io *io = r->io;
    int ret = child->ret;

    bk_io_free(child);
    if (ret >= 0) {
        /* Oldest first, so that the newest bytes win. */
        struct layer *order[4] = { r->older, r->newer, wc->flushing,
                                   wc->cur };

        for (int i = 0; i < 4; i++) {
            if (order[i] == NULL || (i >= 2 && (order[i] == r->older ||
                                                order[i] == r->newer)))
                continue;
            layer_patch(order[i], io->offset, io->bytes, io->iov,
                        io->iovcnt);
        }
    }
    layer_unref(r->older);
    layer_unref(r->newer);
    r->done(io, ret);
    free(r);
}

void bk_wcache_read(struct bk_wcache *wc, struct bk_io *io,
                    bk_wcache_io_done *done)
{
    struct wc_read *r = calloc(1, sizeof(*r));

    if (r == NULL)
        abort();
    *r = (struct wc_read){ wc, io, done, layer_ref(wc->flushing),
                           layer_ref(wc->cur) };
    bk_node_submit(bk_io_new(wc->node->file, BK_OP_READ, io->offset,
                             io->bytes, io->iov, io->iovcnt, 0, io->req,
                             read_done, r));
}

/* ---- writing to the child -------------------------------------------- */

static void wio_done(struct bk_io *child)
{
    struct wio *w = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    w->done(w->wc, ret);
    free(w);
}

/* Write [off, off+len) of e (which must outlive the io) to the child. */
static void child_write(struct bk_wcache *wc, const struct ext *e,
                        int64_t off, int64_t len,
                        void (*done)(struct bk_wcache *wc, int ret))
{
    struct wio *w = xmalloc(sizeof(*w));
    struct bk_io *child;

    *w = (struct wio){ .wc = wc, .done = done };
    if (e->data != NULL) {
        w->iov = (struct iovec){ e->data + (off - e->off), (size_t)len };
        child = bk_io_new(wc->node->file, BK_OP_WRITE, off, len, &w->iov, 1,
                          0, NULL, wio_done, w);
    } else {
        child = bk_io_new(wc->node->file, BK_OP_WRITE_ZEROES, off, len,
                          NULL, 0, e->unmap ? BK_REQ_MAY_UNMAP : 0, NULL,
                          wio_done, w);
    }
    bk_node_submit(child);
}

static void child_flush(struct bk_wcache *wc,
                        void (*done)(struct bk_wcache *wc, int ret))
{
    struct wio *w = xmalloc(sizeof(*w));

    *w = (struct wio){ .wc = wc, .done = done };
    bk_node_submit(bk_io_new(wc->node->file, BK_OP_FLUSH, 0, 0, NULL, 0, 0,
                             NULL, wio_done, w));
}

/* ---- flush ----------------------------------------------------------- */

static void cut_run(struct bk_wcache *wc);

static void flush_end(struct bk_wcache *wc, int ret)
{
    struct layer *f = wc->flushing;
    struct bk_io *io = wc->fl_io;
    bk_wcache_io_done *done = wc->fl_done;

    wc->flushing = NULL;
    if (ret < 0) {
        /* Not written for sure: the next flush tries again. */
        layer_lay_over(f, wc->cur);
        struct layer *t = wc->cur;

        wc->cur = f;
        f = t;
    }
    layer_unref(f);
    if (done != NULL)
        done(io, ret);
    else
        wc->sync_done = true;
    /* The caller has seen the flush end; a cut waiting may go now. */
    if (wc->cut_wait && wc->flushing == NULL)
        cut_run(wc);
}

static void flush_synced(struct bk_wcache *wc, int ret)
{
    flush_end(wc, ret);
}

static void flush_written(struct bk_wcache *wc, int ret)
{
    if (ret < 0 && wc->fl_ret == 0)
        wc->fl_ret = ret;
    if (--wc->fl_pending > 0)
        return;
    if (wc->fl_ret < 0)
        flush_end(wc, wc->fl_ret);
    else
        child_flush(wc, flush_synced);
}

void bk_wcache_flush(struct bk_wcache *wc, struct bk_io *io,
                     bk_wcache_io_done *done)
{
    struct layer *f;

    if (wc->cur->n == 0 || wc->flushing != NULL) {
        /* Nothing cached (the caller flushes the file itself), or the
         * one flush a node runs at a time is the caller's own. */
        if (done != NULL)
            done(io, 0);
        else
            wc->sync_done = true;
        return;
    }
    f = wc->flushing = wc->cur;
    wc->cur = layer_new();
    wc->fl_io = io;
    wc->fl_done = done;
    wc->fl_ret = 0;
    wc->fl_pending = 1;             /* until every write is sent */
    for (size_t i = 0; i < f->n; i++) {
        wc->fl_pending++;
        child_write(wc, &f->v[i], f->v[i].off, f->v[i].len, flush_written);
    }
    flush_written(wc, 0);
}

void bk_wcache_writeback_sync(struct bk_wcache *wc)
{
    while (wc->flushing != NULL || wc->cutting != NULL || wc->cut_wait)
        bk_loop_iterate(wc->node->loop, -1);
    wc->sync_done = false;
    bk_wcache_flush(wc, NULL, NULL);
    while (!wc->sync_done)
        bk_loop_iterate(wc->node->loop, -1);
}

/* ---- power cut ------------------------------------------------------- */

static void cut_end(struct bk_wcache *wc, int ret)
{
    if (ret < 0 && wc->cut_res.ret == 0)
        wc->cut_res.ret = ret;
    layer_unref(wc->cutting);
    wc->cutting = NULL;
    wc->cut_done(wc->cut_arg, &wc->cut_res);
}

static void cut_written(struct bk_wcache *wc, int ret)
{
    if (ret < 0 && wc->cut_res.ret == 0)
        wc->cut_res.ret = ret;
    if (--wc->cut_pending > 0)
        return;
    if (wc->cut_res.kept > 0)
        child_flush(wc, cut_end);
    else
        cut_end(wc, 0);
}

/*
 * Decide sector by sector, in order, and write runs of kept sectors.  A
 * sector two extents share is decided once.
 */
static void cut_run(struct bk_wcache *wc)
{
    struct layer *l = wc->cur;
    int64_t last_sector = -1;
    bool keep = false;

    wc->cut_wait = false;
    wc->cutting = l;
    wc->cur = layer_new();
    wc->cut_res = (struct bk_wcache_cut){ .writes = l->nwrites };
    wc->cut_pending = 1;
    for (size_t i = 0; i < l->n; i++) {
        const struct ext *e = &l->v[i];
        int64_t pos = e->off, end = e->off + e->len, run = -1;

        while (pos < end) {
            int64_t sector = pos / SECTOR;
            int64_t piece = (sector + 1) * SECTOR < end ? (sector + 1) * SECTOR
                                                        : end;

            if (sector != last_sector) {
                keep = wc->cut_keep > 0 &&
                       rules_rng_uniform(&wc->cut_rng) < wc->cut_keep;
                wc->cut_res.sectors++;
                wc->cut_res.kept += keep;
                last_sector = sector;
            }
            if (keep && run < 0)
                run = pos;
            if (!keep && run >= 0) {
                wc->cut_pending++;
                child_write(wc, e, run, pos - run, cut_written);
                run = -1;
            }
            pos = piece;
        }
        if (run >= 0) {
            wc->cut_pending++;
            child_write(wc, e, run, end - run, cut_written);
        }
    }
    cut_written(wc, 0);
}

void bk_wcache_cut(struct bk_wcache *wc, double keep,
                   const struct rules_rng *rng,
                   void (*done)(void *arg, const struct bk_wcache_cut *res),
                   void *arg)
{
    wc->cut_wait = true;
    wc->cut_keep = keep;
    wc->cut_rng = *rng;
    wc->cut_done = done;
    wc->cut_arg = arg;
    if (wc->flushing == NULL)
        cut_run(wc);
}

/* ---- block status, truncate ------------------------------------------ */

/* What layer l holds at off: 0, 1 or 2 as bk_wcache_status; *end where
 * that stops (the next extent's start when it holds nothing). */
static int layer_status(const struct layer *l, int64_t off, int64_t *end)
{
    size_t i;

    *end = INT64_MAX;
    if (l == NULL)
        return 0;
    i = layer_find(l, off);
    if (i == l->n)
        return 0;
    if (l->v[i].off > off) {
        *end = l->v[i].off;
        return 0;
    }
    *end = l->v[i].off + l->v[i].len;
    return l->v[i].data != NULL ? 1 : 2;
}

int bk_wcache_status(const struct bk_wcache *wc, int64_t offset,
                     int64_t bytes, int64_t *pnum)
{
    int64_t cend, fend, end;
    int c = layer_status(wc->cur, offset, &cend);
    int f = layer_status(wc->flushing, offset, &fend);
    int ret;

    if (c != 0) {
        ret = c;
        end = cend;
    } else if (f != 0) {
        ret = f;
        end = fend < cend ? fend : cend;    /* until the newer one starts */
    } else {
        ret = 0;
        end = fend < cend ? fend : cend;
    }
    *pnum = end - offset < bytes ? end - offset : bytes;
    return ret;
}

void bk_wcache_truncate(struct bk_wcache *wc, int64_t len)
{
    struct layer *l = wc->cur;

    /* The layer a running flush writes is left alone: its writes point
     * into it, and they end before the flush reports; a shrink racing a
     * flush may see that flush's bytes past the new end written back. */
    while (l->n > 0 && l->v[l->n - 1].off >= len) {
        free(l->v[l->n - 1].data);
        l->n--;
    }
    if (l->n > 0 && l->v[l->n - 1].off + l->v[l->n - 1].len > len)
        l->v[l->n - 1].len = len - l->v[l->n - 1].off;
}
