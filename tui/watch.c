/*
 * watch.c — what the TUI keeps about the open device, and keeps current.
 *
 * Attaching scans the image's extents once (two lseeks per data extent, so
 * a sparse 1 TiB image costs its extent count, not its size), then every
 * completed request updates the map, the heat and the sampler through the
 * device observer.  Requests whose effect on allocation the file system
 * decides (discard, write-zeroes) queue a *rescan* of just their range,
 * applied before the next frame and coalesced, so a burst of discards
 * costs one pass.
 *
 * The sampling timer runs only while something moves: requests
 * outstanding, heat still fading, or less than a minute since the last
 * completion (the graph is still scrolling).  Otherwise it stops, and the
 * next completion or command wakes it, so an idle TUI sleeps in poll.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"

#define WATCH_MAX_RESCANS 64
#define WATCH_GRAPH_NS (61 * 1000000000LL)
#define WATCH_STATUS_NS (5 * 1000000000LL)

static void watch_observer(struct bk_dev *dev, const struct bk_req *req,
                           void *arg);
static void watch_debug(struct bk_dev *dev, enum bk_debug_note note,
                        const char *tag, const struct bk_req *req, void *arg);
static void watch_fault(struct bk_dev *dev, const struct bk_fault *f,
                        void *arg);
static long watch_tick(struct bk_loop *loop, void *arg);
static void watch_scan(struct tui *t);

static void watch_scan(struct tui *t)
{
    struct tui_watch *w = &t->w;
    int ret;

    tui_extmap_free(w->map);
    w->map = tui_extmap_new(w->length);
    if (w->map == NULL)
        return;
    ret = bk_dev_extents(w->dev, 0, w->length, tui_extmap_extent_cb, w->map);
    if (ret < 0) {
        tui_outbuf_printf(t->out, TUI_OUT_NOTE,
                          "blkmon: allocation map unavailable: %s",
                          strerror(-ret));
        tui_extmap_free(w->map);
        w->map = NULL;
    }
}

static void watch_attach(struct tui *t, struct bk_dev *dev)
{
    struct tui_watch *w = &t->w;
    int64_t now = bk_now_ns();

    w->dev = dev;
    w->length = bk_dev_length(dev);
    w->unmap = (bk_dev_flags(dev) & BK_O_UNMAP) != 0;
    w->heat = tui_heat_new(0, 0, 0);
    w->log = tui_reqlog_new(0);
    if (w->heat == NULL || w->log == NULL)
        abort();
    tui_stats_free(t->stats);
    t->stats = tui_stats_new(0, 0, now);
    if (t->stats == NULL)
        abort();
    watch_scan(t);
    w->layers = tui_layers_open(dev);
    t->ps.view_ok = t->ps.hview_ok = false;
    w->observer = (struct bk_observer){ .req_end = watch_observer,
                                        .debug = watch_debug,
                                        .fault = watch_fault, .arg = t };
    bk_dev_add_observer(dev, &w->observer);
    /* Opening is not activity: an image nobody touches costs no ticks. */
    t->last_activity_ns = now - WATCH_GRAPH_NS - 1;
    tui_watch_wake(t);
}

void tui_watch_detach(struct tui *t)
{
    struct tui_watch *w = &t->w;

    /*
     * The device may already be gone (close) when another took its place:
     * only the session's current device is told to forget us.
     */
    if (w->dev != NULL && w->dev == t->st->dev)
        bk_dev_remove_observer(w->dev, &w->observer);
    tui_extmap_free(w->map);
    tui_layers_free(w->layers);
    tui_heat_free(w->heat);
    tui_reqlog_free(w->log);
    free(w->rescan);
    *w = (struct tui_watch){ 0 };
    t->ps.view_ok = t->ps.hview_ok = false;
}

void tui_watch_sync(struct tui *t)
{
    if (t->w.dev == t->st->dev)
        return;
    tui_watch_detach(t);
    if (t->st->dev != NULL)
        watch_attach(t, t->st->dev);
    tui_app_dirty(t);
}

static void watch_add_rescan(struct tui_watch *w, int64_t offset,
                             int64_t bytes)
{
    if (w->nrescan == WATCH_MAX_RESCANS) {
        /* Too many to track one by one: one bounding range does. */
        int64_t a = offset, b = offset + bytes;

        for (size_t i = 0; i < w->nrescan; i++) {
            if (w->rescan[i].offset < a)
                a = w->rescan[i].offset;
            if (w->rescan[i].offset + w->rescan[i].bytes > b)
                b = w->rescan[i].offset + w->rescan[i].bytes;
        }
        w->rescan[0] = (struct tui_rescan){ a, b - a };
        w->nrescan = 1;
        return;
    }
    if (w->nrescan == w->caprescan) {
        size_t cap = w->caprescan ? w->caprescan * 2 : 8;
        struct tui_rescan *r = realloc(w->rescan, cap * sizeof(*r));

        if (r == NULL)
            abort();
        w->rescan = r;
        w->caprescan = cap;
    }
    w->rescan[w->nrescan++] = (struct tui_rescan){ offset, bytes };
}

void tui_watch_rescan(struct tui *t)
{
    struct tui_watch *w = &t->w;

    if (w->dev != NULL && w->layers != NULL)
        tui_layers_refresh(w->layers, w->dev, bk_now_ns());
    if (w->dev == NULL || w->map == NULL) {
        w->nrescan = 0;
        return;
    }
    for (size_t i = 0; i < w->nrescan; i++) {
        struct tui_rescan r = w->rescan[i];

        if (r.offset >= w->length)
            continue;
        if (r.offset + r.bytes > w->length)
            r.bytes = w->length - r.offset;
        tui_extmap_set_hole(w->map, r.offset, r.bytes);
        bk_dev_extents(w->dev, r.offset, r.bytes, tui_extmap_extent_cb,
                       w->map);
    }
    w->nrescan = 0;
}

static void watch_observer(struct bk_dev *dev, const struct bk_req *req,
                           void *arg)
{
    struct tui *t = arg;
    struct tui_watch *w = &t->w;

    if (dev != w->dev)
        return;
    tui_stats_add_req(t->stats, req);
    tui_heat_note_req(w->heat, req);
    tui_reqlog_req_end(w->log, req);
    if (req->op == BK_OP_TRUNCATE && req->ret >= 0) {
        w->length = bk_dev_length(dev);
        if (t->ps.view_ok)
            tui_view_set_length(&t->ps.view, w->length);
    }
    if (w->layers != NULL)
        tui_layers_note_req(w->layers, req);
    if (w->map != NULL && tui_extmap_apply_req(w->map, req, w->unmap))
        watch_add_rescan(w, req->offset, req->op == BK_OP_TRUNCATE
                         ? 0 : req->bytes);
    t->last_activity_ns = req->complete_ns ? req->complete_ns : bk_now_ns();
    tui_watch_wake(t);
    tui_app_data_dirty(t);
}

/* A fault: the error log names the rule of the request it failed. */
static void watch_fault(struct bk_dev *dev, const struct bk_fault *f,
                        void *arg)
{
    struct tui *t = arg;

    if (dev == t->w.dev)
        tui_reqlog_fault(t->w.log, f);
}

static void watch_debug(struct bk_dev *dev, enum bk_debug_note note,
                        const char *tag, const struct bk_req *req, void *arg)
{
    struct tui *t = arg;

    if (dev != t->w.dev)
        return;
    /* The session's own observer prints qemu's two lines in Output. */
    tui_reqlog_debug(t->w.log, note, tag, req);
    t->last_activity_ns = bk_now_ns();
    tui_watch_wake(t);
    tui_app_data_dirty(t);
}

void tui_watch_wake(struct tui *t)
{
    if (t->sample_timer > 0 || t->stats == NULL)
        return;
    /* Close the intervals that passed while we slept, then tick. */
    tui_stats_advance(t->stats, bk_now_ns());
    t->sample_timer = bk_loop_add_timer(t->loop, TUI_SAMPLE_MS, watch_tick, t);
    if (t->sample_timer < 0)
        t->sample_timer = 0;
}

static bool watch_idle(struct tui *t, int64_t now)
{
    if (tui_model_outstanding(t) > 0)
        return false;
    if (t->w.heat != NULL && tui_heat_active(t->w.heat, now))
        return false;
    if (t->status[0] != '\0' && now - t->status_ns < WATCH_STATUS_NS)
        return false;
    return now - t->last_activity_ns > WATCH_GRAPH_NS;
}

/* Queue depth over time: the most requests outstanding seen in each
 * stats interval; intervals the tick slept through (idle) held none. */
static void watch_sample_qd(struct tui *t)
{
    int64_t cur = tui_stats_current(t->stats);
    uint32_t n = (uint32_t)tui_model_outstanding(t);

    if (cur < t->qd_last || cur - t->qd_last > TUI_QD_SAMPLES)
        memset(t->qd, 0, sizeof(t->qd));
    else
        for (int64_t i = t->qd_last + 1; i <= cur; i++)
            t->qd[i % TUI_QD_SAMPLES] = 0;
    t->qd_last = cur;
    if (n > t->qd[cur % TUI_QD_SAMPLES])
        t->qd[cur % TUI_QD_SAMPLES] = n;
}

static long watch_tick(struct bk_loop *loop, void *arg)
{
    struct tui *t = arg;
    int64_t now = bk_now_ns();

    (void)loop;
    if (t->stats != NULL) {
        tui_stats_advance(t->stats, now);
        watch_sample_qd(t);
    }
    if (t->status[0] != '\0' && now - t->status_ns >= WATCH_STATUS_NS)
        t->status[0] = '\0';
    tui_app_dirty(t);
    /*
     * before-sleep draws; but a stream of completions can keep the loop
     * from ever sleeping, so a frame overdue by far is drawn from here.
     */
    if (t->screen_on && now - t->last_draw_ns > 4 * TUI_FRAME_NS)
        tui_draw(t);
    if (watch_idle(t, now)) {
        t->sample_timer = 0;
        return -1;
    }
    return TUI_SAMPLE_MS;
}
