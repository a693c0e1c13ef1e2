/*
 * view.c — view frames for attached TUIs (see view.h).
 *
 * A frame is one JSON line:
 *
 *   {"v":1,"event":"view","t":T,"now":NS,"full":BOOL,
 *    "image":null|{"filename","format","length","blkdebug","unmap","map",
 *                  "stack":"raw > blkdebug > file",
 *                  "storage":{"driver","path"|null,"block_sizes":[lbs,pbs],
 *                             "lockable","locking","locked","unshared"}},
 *             (stack: the whole stack as the local TUI shows it; storage:
 *             what it sits on, backend.h's bk_storage, perms as bits),
 *    "requests":{"count":N,"list":[[id,op,srckind,srcid,offset,length,
 *                state,submit_ns,event|null,tag|null,suspend_ns],...],
 *                "subs":[[id|null,event|null,op,offset,length,at_event,
 *                         layer],...]},
 *    "breaks":[[event,tag],...],
 *    "susps":[[id,tag],...],
 *    "rules":null|{"state":S,"list":[[id,action,event,iotypes,sector,
 *                armed,disabled,matched,injected,text],...]} (text: the
 *                rule in the rule language, as rules lists it),
 *    "dev":{"errors":N,"injected":N},
 *    "stats":{"t0":NS,"interval_ns":NS,"cur":I,
 *             "totals":[[ops,bytes,errors] x3 (read, write, other)],
 *             "latency":[count,p50,p90,p99,max,decades x8],
 *             "latency_by":[[count,p50,p90,p99,max] x3 (read, write, other)],
 *             "intervals":[[i,rops,rbytes,rerr,wops,wbytes,werr,
 *                           oops,obytes,oerr],...]},
 *    "heat":[[kind,offset,bytes,t_ns],...],
 *    "log":{"done":[E,...],"errors":[E,...],"susp":[E,...]}, each E
 *          [seq,id,op,offset,length,t_ns,lat_ns,ret,rule,srckind,srcid,
 *           resumed,tag,event]: the entries of tui/reqlog.h's rings newer
 *           than the last frame's (all of them in a full frame),
 *    "alloc":{"ranges":[[offset,length,[start,end,...]],...]},
 *    "layers":null|{"guest":[length,err,[[offset,length,kind],...]],
 *                   "host":[length,err,[[offset,length,kind],...]]},
 *    "exports":[[kind,name,where,read_only,draining,clients_ever,
 *                [[srckind,srcid,peer,inflight,requests,bytes_read,
 *                  bytes_written,errors,connect_ns],...]],...],
 *              (the last, kind "control", is the control socket and its
 *              clients' sessions: requests counted from the first attach),
 *    "benches":[[srckind,srcid,name,total,done,in_flight,elapsed_ns,
 *                limit_s],...] (every session's run, background or
 *                foreground: the command line's -c bench, a ctl client's;
 *                whose by its session's source),
 *    "session":{"running":LINE|null,"queued":N,"self":[srckind,srcid],
 *               "bench":null|[total,done,in_flight,elapsed_ns,limit_s]}}
 *              (bench: this session's own run; self: its source)
 *
 * Times ("now", submit_ns, suspend_ns, t0, t_ns) are this process's
 * monotonic clock; the client shifts them by its own clock minus "now".
 * ops and states are bk_op / bk_req_state / rules_action numbers; the
 * lists are capped (VIEW_MAX_REQS requests: "count" says how many there
 * are).  An alloc range says: in [offset, offset+length) the data lies
 * exactly in the listed [start, end) pairs, the rest is hole.
 *
 * The map is kept as the local TUI keeps it (tui/watch.c): read once at
 * open, then updated from each request, ranges whose outcome the file
 * system decides (discards, zero writes) read again before the next
 * frame.  Every range a request changed is remembered (coalesced; past
 * VIEW_MAX_DIRTY, one range covering them) until the next frame.
 *
 * A format image (qcow2) has layers too (tui/layers.h): "layers" is sent
 * whole in a full frame and whenever they changed, left out otherwise
 * (null: the image has none); "subs" are the format's own I/O in
 * progress (backend.h's bk_subreq), the request they serve by id.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/bench.h"
#include "control/events.h"
#include "control/server-int.h"
#include "control/view.h"
#include "export/export.h"
#include "rules/rules.h"
#include "tui/extmap.h"
#include "tui/heat.h"
#include "tui/layers.h"
#include "tui/reqlog.h"
#include "tui/stats.h"

/* Frames at most this often: a local TUI's redraws (tui/app.h's
 * TUI_FRAME_NS), so that an attached one's lists are as fresh. */
#define VIEW_FRAME_MS     100
#define VIEW_MAX_REQS     1000
#define VIEW_MAX_DIRTY    64

struct view_range {
    int64_t offset, bytes;
};

struct view_ranges {
    struct view_range v[VIEW_MAX_DIRTY];
    size_t n;
};

struct ctl_view {
    struct ctl_server *srv;
    struct bk_dev *dev;
    struct bk_observer obs;
    struct tui_extmap *map;
    struct tui_layers *layers;   /* a format image's views, or NULL */
    uint64_t layers_sent;        /* their generation in the last frame */
    int64_t length;
    bool unmap;
    struct view_ranges rescan, dirty;
    struct tui_heat *heat;
    struct tui_stats *stats;
    struct tui_reqlog *log;
    uint64_t log_sent;           /* the newest log entry frames carried */
    int64_t last_count;          /* interval of the last request end */
    bool changed;
    int timer;
    struct jbuf frame;
};

static void view_follow(struct ctl_view *v, struct bk_dev *dev);

static void ranges_add(struct view_ranges *r, int64_t offset, int64_t bytes)
{
    if (r->n == VIEW_MAX_DIRTY) {
        int64_t a = offset, b = offset + bytes;

        for (size_t i = 0; i < r->n; i++) {
            if (r->v[i].offset < a)
                a = r->v[i].offset;
            if (r->v[i].offset + r->v[i].bytes > b)
                b = r->v[i].offset + r->v[i].bytes;
        }
        r->v[0] = (struct view_range){ a, b - a };
        r->n = 1;
        return;
    }
    r->v[r->n++] = (struct view_range){ offset, bytes };
}

static int view_attached(const struct ctl_view *v)
{
    int n = 0;

    for (struct ctl_sess *ss = v->srv->sessions; ss != NULL; ss = ss->next)
        n += ss->attached && ss->conn != NULL;
    return n;
}

static long view_tick(struct bk_loop *loop, void *arg);

static void view_arm(struct ctl_view *v, long ms)
{
    if (v->timer > 0 || view_attached(v) == 0)
        return;
    v->timer = bk_loop_add_timer(v->srv->loop, ms, view_tick, v);
    if (v->timer < 0)
        v->timer = 0;
}

void ctl_view_dirty(struct ctl_view *v)
{
    v->changed = true;
    view_arm(v, VIEW_FRAME_MS);
}

/* ---- following the image ------------------------------------------------- */

static void view_req_end(struct bk_dev *dev, const struct bk_req *req,
                         void *arg)
{
    struct ctl_view *v = arg;

    if (dev != v->dev)
        return;
    tui_stats_add_req(v->stats, req);
    tui_reqlog_req_end(v->log, req);
    v->last_count = tui_stats_current(v->stats);
    tui_heat_note_req(v->heat, req);
    if (req->op == BK_OP_TRUNCATE && req->ret >= 0) {
        v->length = bk_dev_length(dev);
        if (v->map != NULL)
            tui_extmap_truncate(v->map, v->length);
        ranges_add(&v->dirty, 0, v->length);
    }
    if (v->map != NULL && tui_extmap_apply_req(v->map, req, v->unmap))
        ranges_add(&v->rescan, req->offset, req->bytes);
    if (v->layers != NULL)
        tui_layers_note_req(v->layers, req);
    if (req->ret >= 0 && (req->op == BK_OP_WRITE ||
                          req->op == BK_OP_WRITE_ZEROES ||
                          req->op == BK_OP_DISCARD))
        ranges_add(&v->dirty, req->offset, req->bytes);
    ctl_view_dirty(v);
}

static void view_debug(struct bk_dev *dev, enum bk_debug_note note,
                       const char *tag, const struct bk_req *req, void *arg)
{
    struct ctl_view *v = arg;

    if (dev == v->dev)
        tui_reqlog_debug(v->log, note, tag, req);
    ctl_view_dirty(arg);
}

static void view_fault(struct bk_dev *dev, const struct bk_fault *f,
                       void *arg)
{
    struct ctl_view *v = arg;

    if (dev == v->dev)
        tui_reqlog_fault(v->log, f);
}

static void view_image(struct cmd_group *g, struct bk_dev *dev, void *arg)
{
    struct ctl_view *v = arg;

    (void)g;
    /* The old device is gone: forget it without touching it. */
    v->dev = NULL;
    view_follow(v, dev);
    for (struct ctl_sess *ss = v->srv->sessions; ss != NULL; ss = ss->next)
        ss->view_full = true;
    ctl_view_dirty(v);
}

/* A session's command starts: its TUI shows it as the one running (a
 * sleep or wait_break may change nothing else for a long while). */
static void view_start(struct cmd_state *st, const char *line, void *arg)
{
    (void)st;
    (void)line;
    ctl_view_dirty(arg);
}

static void view_ran(struct cmd_state *st, const char *line, int ret,
                     void *arg)
{
    (void)st;
    (void)line;
    (void)ret;
    ctl_view_dirty(arg);
}

static void view_forget(struct ctl_view *v)
{
    tui_extmap_free(v->map);
    v->map = NULL;
    tui_layers_free(v->layers);
    v->layers = NULL;
    v->rescan.n = v->dirty.n = 0;
    tui_heat_clear(v->heat);
    tui_reqlog_clear(v->log);
}

static void view_follow(struct ctl_view *v, struct bk_dev *dev)
{
    view_forget(v);
    v->dev = dev;
    if (dev == NULL)
        return;
    v->length = bk_dev_length(dev);
    v->unmap = (bk_dev_flags(dev) & BK_O_UNMAP) != 0;
    v->map = tui_extmap_new(v->length);
    if (v->map != NULL &&
        bk_dev_extents(dev, 0, v->length, tui_extmap_extent_cb, v->map) < 0) {
        tui_extmap_free(v->map);
        v->map = NULL;
    }
    v->layers = tui_layers_open(dev);
    v->obs = (struct bk_observer){ .req_end = view_req_end,
                                   .debug = view_debug, .fault = view_fault,
                                   .arg = v };
    bk_dev_add_observer(dev, &v->obs);
}

static void view_rescan(struct ctl_view *v)
{
    if (v->layers != NULL && v->dev != NULL)
        tui_layers_refresh(v->layers, v->dev, bk_now_ns());
    for (size_t i = 0; i < v->rescan.n; i++) {
        struct view_range r = v->rescan.v[i];

        if (v->map == NULL || r.offset >= v->length)
            continue;
        if (r.offset + r.bytes > v->length)
            r.bytes = v->length - r.offset;
        tui_extmap_set_hole(v->map, r.offset, r.bytes);
        bk_dev_extents(v->dev, r.offset, r.bytes, tui_extmap_extent_cb,
                       v->map);
    }
    v->rescan.n = 0;
}

/* ---- writing a frame ----------------------------------------------------- */

struct view_walk {
    struct jbuf *b;
    size_t n;
};

static void put_req(const struct bk_req *req, void *arg)
{
    struct view_walk *w = arg;
    struct jbuf *b = w->b;

    if (w->n++ >= VIEW_MAX_REQS)
        return;
    jb_open(b, '[');
    jb_u64(b, req->id);
    jb_u64(b, (uint64_t)req->op);
    jb_i64(b, req->source != NULL ? (int64_t)req->source->kind : -1);
    jb_u64(b, req->source != NULL ? req->source->id : 0);
    jb_i64(b, req->offset);
    jb_i64(b, req->bytes);
    jb_u64(b, (uint64_t)req->state);
    jb_i64(b, req->submit_ns);
    jb_str(b, req->state == BK_REQ_SUSPENDED ? req->suspend_event : NULL);
    jb_str(b, req->state == BK_REQ_SUSPENDED ? req->suspend_tag : NULL);
    jb_i64(b, req->suspend_ns);
    jb_close(b, ']');
}

static void put_subreq(const struct bk_subreq *sub, void *arg)
{
    struct view_walk *w = arg;
    struct jbuf *b = w->b;

    if (w->n++ >= VIEW_MAX_REQS)
        return;
    jb_open(b, '[');
    if (sub->req != NULL)
        jb_u64(b, sub->req->id);
    else
        jb_null(b);
    jb_str(b, sub->what);
    jb_u64(b, (uint64_t)sub->op);
    jb_i64(b, sub->offset);
    jb_i64(b, sub->bytes);
    jb_bool(b, sub->at_event);
    jb_i64(b, sub->layer);
    jb_close(b, ']');
}

static void put_layer_view(struct jbuf *b, const struct tui_layers *l,
                           enum tui_layers_which w)
{
    const struct tui_run *runs;
    size_t n = tui_layers_runs(l, w, &runs);

    jb_open(b, '[');
    jb_i64(b, tui_layers_length(l, w));
    jb_i64(b, tui_layers_error(l, w));
    jb_open(b, '[');
    for (size_t i = 0; i < n; i++) {
        jb_open(b, '[');
        jb_i64(b, runs[i].offset);
        jb_i64(b, runs[i].length);
        jb_u64(b, runs[i].kind);
        jb_close(b, ']');
    }
    jb_close(b, ']');
    jb_close(b, ']');
}

static void put_layers(struct ctl_view *v, struct jbuf *b, bool full)
{
    if (v->layers == NULL) {
        jb_key(b, "layers");
        jb_null(b);
        return;
    }
    if (!full && tui_layers_gen(v->layers) == v->layers_sent)
        return;
    jb_key(b, "layers");
    jb_open(b, '{');
    jb_key(b, "guest");
    put_layer_view(b, v->layers, TUI_LAYERS_GUEST);
    jb_key(b, "host");
    put_layer_view(b, v->layers, TUI_LAYERS_HOST);
    jb_close(b, '}');
}

static void put_break(const char *event, const char *tag, void *arg)
{
    struct jbuf *b = arg;

    jb_open(b, '[');
    jb_str(b, event);
    jb_str(b, tag);
    jb_close(b, ']');
}

/* A suspension: a request held by two tags is listed under each. */
static void put_susp(const char *tag, const struct bk_req *req, void *arg)
{
    struct view_walk *w = arg;

    if (req == NULL || w->n++ >= VIEW_MAX_REQS)
        return;
    jb_open(w->b, '[');
    jb_u64(w->b, req->id);
    jb_str(w->b, tag);
    jb_close(w->b, ']');
}

static void put_latency(struct jbuf *b, const struct tui_stats_latency *lat)
{
    jb_open(b, '[');
    jb_u64(b, lat->count);
    jb_i64(b, lat->p50);
    jb_i64(b, lat->p90);
    jb_i64(b, lat->p99);
    jb_i64(b, lat->max);
    for (int d = 0; d < TUI_STATS_DECADES; d++)
        jb_u64(b, lat->decade[d]);
    jb_close(b, ']');
}

static void put_log(struct ctl_view *v, struct jbuf *b, const char *key,
                    enum tui_reqlog_ring r, uint64_t after)
{
    jb_key(b, key);
    jb_open(b, '[');
    for (size_t i = 0; i < tui_reqlog_count(v->log, r); i++) {
        const struct tui_reqlog_entry *e = tui_reqlog_get(v->log, r, i);

        if (e->seq <= after)
            continue;
        jb_open(b, '[');
        jb_u64(b, e->seq);
        jb_u64(b, e->id);
        jb_u64(b, (uint64_t)e->op);
        jb_i64(b, e->offset);
        jb_i64(b, e->bytes);
        jb_i64(b, e->t_ns);
        jb_i64(b, e->lat_ns);
        jb_i64(b, e->ret);
        jb_u64(b, e->rule);
        jb_i64(b, e->src_kind);
        jb_u64(b, e->src_id);
        jb_bool(b, e->resumed);
        jb_str(b, e->tag);
        jb_str(b, e->event);
        jb_close(b, ']');
    }
    jb_close(b, ']');
}

static void put_rule(const struct rules_rule *r, void *arg)
{
    struct jbuf *b = arg;
    char *text;

    jb_open(b, '[');
    jb_u64(b, r->id);
    jb_u64(b, (uint64_t)r->action);
    jb_u64(b, (uint64_t)r->event);
    jb_u64(b, r->m.iotype_mask);
    jb_i64(b, r->action == RULES_INJECT_ERROR ? r->u.inject.sector : -1);
    jb_bool(b, r->armed);
    jb_bool(b, r->disabled);
    jb_u64(b, r->matched);
    jb_u64(b, r->injected);
    text = rules_describe(r);
    jb_str(b, text);
    free(text);
    jb_close(b, ']');
}

static void put_touch(enum tui_heat_kind kind, int64_t offset, int64_t bytes,
                      int64_t t_ns, void *arg)
{
    struct jbuf *b = arg;

    jb_open(b, '[');
    jb_u64(b, (uint64_t)kind);
    jb_i64(b, offset);
    jb_i64(b, bytes);
    jb_i64(b, t_ns);
    jb_close(b, ']');
}

static int put_extent(int64_t start, int64_t end, void *arg)
{
    struct jbuf *b = arg;

    jb_i64(b, start);
    jb_i64(b, end);
    return 0;
}

static void put_range(struct ctl_view *v, struct jbuf *b, int64_t offset,
                      int64_t bytes)
{
    if (offset >= v->length)
        return;
    if (bytes > v->length - offset)
        bytes = v->length - offset;
    jb_open(b, '[');
    jb_i64(b, offset);
    jb_i64(b, bytes);
    jb_open(b, '[');
    tui_extmap_walk(v->map, offset, offset + bytes, put_extent, b);
    jb_close(b, ']');
    jb_close(b, ']');
}

static void put_progress(struct jbuf *b, struct bench_job *job)
{
    struct bench_progress p;

    bench_progress(job, &p);
    jb_i64(b, p.total);
    jb_i64(b, p.done);
    jb_i64(b, p.in_flight);
    jb_i64(b, p.elapsed_ns);
    jb_i64(b, (int64_t)p.time_limit);
}

static void put_bench(struct cmd_state *st, void *arg)
{
    struct bench_job *job = bench_session_job(st);
    struct jbuf *b = arg;

    if (job == NULL)
        return;
    jb_open(b, '[');
    jb_u64(b, (uint64_t)st->source.kind);
    jb_u64(b, st->source.id);
    jb_str(b, st->source.name);
    put_progress(b, job);
    jb_close(b, ']');
}


/* A row of the Clients pane, an export's client or a control session:
 * one layout, which tui/remote.c reads back. */
static void put_client_row(struct jbuf *b, const struct export_client *c)
{
    jb_open(b, '[');
    jb_u64(b, (uint64_t)c->source.kind);
    jb_u64(b, c->source.id);
    jb_str(b, c->peer);
    jb_u64(b, c->inflight);
    jb_u64(b, c->answered.requests);
    jb_u64(b, c->answered.bytes_read);
    jb_u64(b, c->answered.bytes_written);
    jb_u64(b, c->answered.errors);
    jb_i64(b, c->connect_ns);
    jb_close(b, ']');
}

static void put_export(struct jbuf *b, const struct export *x)
{
    jb_open(b, '[');
    jb_str(b, x->ops->kind);
    jb_str(b, x->name);
    jb_str(b, x->where);
    jb_bool(b, x->read_only);
    jb_bool(b, x->draining);
    jb_u64(b, x->nclients_total);
    jb_open(b, '[');
    for (const struct export_client *c = x->clients; c != NULL; c = c->next)
        put_client_row(b, c);
    jb_close(b, ']');
    jb_close(b, ']');
}

/* What the local TUI's status and Command line titles show of the image:
 * its stack (live: a throttle's queue), the storage and its locks. */
static void put_storage(struct jbuf *b, struct bk_dev *dev)
{
    struct bk_storage st;
    char stack[256];

    bk_dev_describe_stack(dev, stack, sizeof(stack));
    jb_key(b, "stack");
    jb_str(b, stack);
    bk_dev_storage(dev, &st);
    jb_key(b, "storage");
    jb_open(b, '{');
    jb_key(b, "driver");
    jb_str(b, st.driver);
    jb_key(b, "path");
    jb_str(b, st.path);
    jb_key(b, "block_sizes");
    jb_open(b, '[');
    jb_u64(b, st.logical_block_size);
    jb_u64(b, st.physical_block_size);
    jb_close(b, ']');
    jb_key(b, "lockable");
    jb_bool(b, st.lockable);
    jb_key(b, "locking");
    jb_bool(b, st.locking);
    jb_key(b, "locked");
    jb_u64(b, st.locked);
    jb_key(b, "unshared");
    jb_u64(b, st.unshared);
    jb_close(b, '}');
}

/* The part of a frame every attached session gets alike. */
static void view_common(struct ctl_view *v, struct jbuf *b, bool full)
{
    struct bk_dev *dev = v->dev;
    struct rules_engine *e = dev != NULL ? bk_dev_rules(dev) : NULL;
    struct tui_stats_latency lat;
    struct view_walk w = { b, 0 };
    struct bk_stats bs = { 0 };
    int64_t now = bk_now_ns();

    jb_reset(b);
    jb_open(b, '{');
    jb_kv_u64(b, "v", EV_SCHEMA_VERSION);
    jb_kv_str(b, "event", "view");
    jb_kv_i64(b, "now", now);
    jb_kv_bool(b, "full", full);
    jb_key(b, "image");
    if (dev == NULL) {
        jb_null(b);
    } else {
        jb_open(b, '{');
        jb_kv_str(b, "filename", bk_dev_filename(dev));
        jb_kv_str(b, "format", bk_dev_format_name(dev));
        jb_kv_i64(b, "length", v->length);
        jb_kv_bool(b, "blkdebug", bk_dev_has_debug(dev));
        jb_kv_bool(b, "unmap", v->unmap);
        jb_kv_bool(b, "map", v->map != NULL);
        put_storage(b, dev);
        jb_close(b, '}');
    }
    jb_key(b, "requests");
    jb_open(b, '{');
    jb_key(b, "list");
    jb_open(b, '[');
    if (dev != NULL)
        bk_dev_for_each_req(dev, put_req, &w);
    jb_close(b, ']');
    jb_kv_u64(b, "count", w.n);
    jb_key(b, "subs");
    jb_open(b, '[');
    if (dev != NULL && v->layers != NULL)
        bk_dev_for_each_subreq(dev, put_subreq,
                               &(struct view_walk){ b, 0 });
    jb_close(b, ']');
    jb_close(b, '}');
    jb_key(b, "breaks");
    jb_open(b, '[');
    if (dev != NULL)
        bk_dev_for_each_break(dev, put_break, b);
    jb_close(b, ']');
    jb_key(b, "susps");
    jb_open(b, '[');
    if (dev != NULL) {
        struct view_walk sw = { b, 0 };

        bk_dev_for_each_suspension(dev, put_susp, &sw);
    }
    jb_close(b, ']');
    jb_key(b, "rules");
    if (e == NULL) {
        jb_null(b);
    } else {
        jb_open(b, '{');
        jb_kv_i64(b, "state", rules_state(e));
        jb_key(b, "list");
        jb_open(b, '[');
        rules_foreach(e, put_rule, b);
        jb_close(b, ']');
        jb_close(b, '}');
    }
    if (dev != NULL)
        bk_dev_stats(dev, &bs);
    jb_key(b, "dev");
    jb_open(b, '{');
    jb_kv_u64(b, "errors", bs.errors);
    jb_kv_u64(b, "injected", bs.injected);
    jb_close(b, '}');
    jb_key(b, "log");
    jb_open(b, '{');
    put_log(v, b, "done", TUI_LOG_DONE, full ? 0 : v->log_sent);
    put_log(v, b, "errors", TUI_LOG_ERROR, full ? 0 : v->log_sent);
    put_log(v, b, "susp", TUI_LOG_SUSP, full ? 0 : v->log_sent);
    jb_close(b, '}');
    jb_key(b, "heat");
    jb_open(b, '[');
    tui_heat_for_each(v->heat, now, put_touch, b);
    jb_close(b, ']');
    jb_key(b, "latency");
    lat = tui_stats_latency(v->stats, TUI_ST_ALL, true);
    put_latency(b, &lat);
    jb_key(b, "latency_by");
    jb_open(b, '[');
    for (int c = 0; c < TUI_ST__MAX; c++) {
        lat = tui_stats_latency(v->stats, (enum tui_stats_class)c, true);
        put_latency(b, &lat);
    }
    jb_close(b, ']');
    jb_key(b, "totals");
    jb_open(b, '[');
    for (int c = 0; c < TUI_ST__MAX; c++) {
        struct tui_stats_total t = tui_stats_total(v->stats, c);

        jb_open(b, '[');
        jb_u64(b, t.ops);
        jb_u64(b, t.bytes);
        jb_u64(b, t.errors);
        jb_close(b, ']');
    }
    jb_close(b, ']');
    jb_key(b, "alloc");
    jb_open(b, '{');
    jb_key(b, "ranges");
    jb_open(b, '[');
    if (v->map != NULL) {
        if (full)
            put_range(v, b, 0, v->length);
        else
            for (size_t i = 0; i < v->dirty.n; i++)
                put_range(v, b, v->dirty.v[i].offset, v->dirty.v[i].bytes);
    }
    jb_close(b, ']');
    jb_close(b, '}');
    put_layers(v, b, full);
    jb_key(b, "exports");
    jb_open(b, '[');
    for (struct export *x = export_first(v->srv->owner->exports); x != NULL;
         x = x->next)
        put_export(b, x);
    /* The control socket last, as one more export (its sessions). */
    put_export(b, ctl_server_export(v->srv, v->dev));
    jb_close(b, ']');
    jb_key(b, "benches");
    jb_open(b, '[');
    cmd_group_for_each(v->srv->group, put_bench, b);
    jb_close(b, ']');
}

/* What only this session gets: its intervals and its own commands. */
static void view_own(struct ctl_view *v, struct ctl_sess *ss,
                     struct jbuf *b, bool full)
{
    struct tui_stats *st = v->stats;
    int64_t cur = tui_stats_current(st), from = ss->view_sent + 1;
    struct bench_job *job = bench_session_job(&ss->st);
    size_t queued = 0;

    if (full)
        from = cur - 240 > 0 ? cur - 240 : 0;
    jb_key(b, "stats");
    jb_open(b, '{');
    jb_kv_i64(b, "t0", tui_stats_t0(st));
    jb_kv_i64(b, "interval_ns", tui_stats_interval_ns(st));
    jb_kv_i64(b, "cur", cur);
    jb_key(b, "intervals");
    jb_open(b, '[');
    for (int64_t i = from; i < cur; i++) {
        struct tui_stats_total t[TUI_ST__MAX];
        bool any = false;

        for (int c = 0; c < TUI_ST__MAX; c++) {
            if (!tui_stats_interval_counts(st, i, c, &t[c]))
                t[c] = (struct tui_stats_total){ 0, 0, 0 };
            any |= t[c].ops > 0;
        }
        if (!any)
            continue;
        jb_open(b, '[');
        jb_i64(b, i);
        for (int c = 0; c < TUI_ST__MAX; c++) {
            jb_u64(b, t[c].ops);
            jb_u64(b, t[c].bytes);
            jb_u64(b, t[c].errors);
        }
        jb_close(b, ']');
    }
    jb_close(b, ']');
    jb_close(b, '}');
    ss->view_sent = cur - 1;
    for (struct ctl_job *j = ss->queue; j != NULL; j = j->next)
        queued++;
    jb_key(b, "session");
    jb_open(b, '{');
    jb_kv_str(b, "running", ss->running != NULL ? ss->running->line : NULL);
    jb_kv_u64(b, "queued", queued);
    jb_key(b, "self");
    jb_open(b, '[');
    jb_u64(b, (uint64_t)ss->st.source.kind);
    jb_u64(b, ss->id);
    jb_close(b, ']');
    jb_key(b, "bench");
    if (job == NULL) {
        jb_null(b);
    } else {
        jb_open(b, '[');
        put_progress(b, job);
        jb_close(b, ']');
    }
    jb_close(b, '}');
    jb_close(b, '}');
    jb_lit(b, "\n");
}

/* Send one frame to ss; a client too far behind gets a full one later. */
static void view_send(struct ctl_view *v, struct ctl_sess *ss,
                      const struct jbuf *common, bool full)
{
    struct jbuf own;

    if (ss->conn == NULL)
        return;
    if (ctl_conn_queued(ss->conn) > CTL_OUT_SOFT) {
        ss->view_full = true;
        return;
    }
    jb_init(&own);
    own.comma = true;
    view_own(v, ss, &own, full);
    ctl_conn_send(ss->conn, common->p, common->len);
    ctl_conn_send(ss->conn, own.p, own.len);
    jb_free(&own);
    ss->view_full = false;
}

static void view_frames(struct ctl_view *v)
{
    bool built = false, built_full = false;
    struct jbuf full;

    view_rescan(v);
    tui_stats_advance(v->stats, bk_now_ns());
    jb_init(&full);
    for (struct ctl_sess *ss = v->srv->sessions; ss != NULL; ss = ss->next) {
        if (!ss->attached || ss->conn == NULL)
            continue;
        if (ss->view_full) {
            if (!built_full)
                view_common(v, &full, true);
            built_full = true;
            view_send(v, ss, &full, true);
        } else {
            if (!built)
                view_common(v, &v->frame, false);
            built = true;
            view_send(v, ss, &v->frame, false);
        }
    }
    jb_free(&full);
    v->log_sent = tui_reqlog_seq(v->log);
    v->dirty.n = 0;
    v->changed = false;
    if (v->layers != NULL)
        v->layers_sent = tui_layers_gen(v->layers);
}

static bool view_pending_intervals(const struct ctl_view *v)
{
    int64_t cur = tui_stats_current(v->stats);

    for (struct ctl_sess *ss = v->srv->sessions; ss != NULL; ss = ss->next)
        if (ss->attached && ss->conn != NULL &&
            ss->view_sent < cur - 1 && ss->view_sent < v->last_count)
            return true;
    return false;
}

static void count_moving(const struct bk_req *req, void *arg)
{
    if (req->state != BK_REQ_SUSPENDED)
        ++*(size_t *)arg;
}

/* Requests in flight age and new ones may be submitted unseen (there is
 * no observer of submissions): frames go on while any is not parked. */
static bool view_busy(const struct ctl_view *v)
{
    size_t n = 0;

    if (v->dev == NULL || bk_dev_outstanding(v->dev) == 0)
        return false;
    bk_dev_for_each_req(v->dev, count_moving, &n);
    return n > 0;
}

static long view_tick(struct bk_loop *loop, void *arg)
{
    struct ctl_view *v = arg;
    bool busy = view_busy(v);
    bool layers = v->layers != NULL && tui_layers_pending(v->layers);

    (void)loop;
    tui_stats_advance(v->stats, bk_now_ns());
    if (view_attached(v) == 0) {
        v->timer = 0;
        return -1;
    }
    if (v->changed || busy || layers || view_pending_intervals(v))
        view_frames(v);
    /* Something changed, requests move (one may have been submitted
     * unseen), the last intervals close: look again; idle, stop. */
    if (v->changed || busy || layers || view_pending_intervals(v) ||
        v->last_count >= tui_stats_current(v->stats) - 1)
        return VIEW_FRAME_MS;
    v->timer = 0;
    return -1;
}

/* ---- sessions ------------------------------------------------------------ */

static void view_bench_notify(struct bench_job *job, enum bench_event ev,
                              void *arg)
{
    struct ctl_sess *ss = arg;

    (void)job;
    (void)ev;
    if (ss->srv->view != NULL)
        ctl_view_dirty(ss->srv->view);
}

void ctl_view_attach(struct ctl_view *v, struct ctl_sess *ss)
{
    struct jbuf b;

    if (!ss->attached)
        bench_set_background(&ss->st, view_bench_notify, ss);
    ss->attached = true;
    ss->view_full = false;
    ss->view_sent = -1;
    view_rescan(v);
    tui_stats_advance(v->stats, bk_now_ns());
    jb_init(&b);
    view_common(v, &b, true);
    view_send(v, ss, &b, true);
    jb_free(&b);
    view_arm(v, VIEW_FRAME_MS);
}

void ctl_view_detach(struct ctl_view *v, struct ctl_sess *ss)
{
    (void)v;
    ss->attached = false;
}

struct ctl_view *ctl_view_new(struct ctl_server *s)
{
    struct ctl_view *v = calloc(1, sizeof(*v));

    if (v == NULL)
        abort();
    v->srv = s;
    v->heat = tui_heat_new(0, 0, 0);
    v->stats = tui_stats_new(0, 0, bk_now_ns());
    v->log = tui_reqlog_new(0);
    if (v->heat == NULL || v->stats == NULL || v->log == NULL)
        abort();
    v->last_count = -2;
    jb_init(&v->frame);
    cmd_group_watch(s->group, view_image, view_start, view_ran, v);
    view_follow(v, s->owner->dev);
    return v;
}

void ctl_view_free(struct ctl_view *v)
{
    if (v == NULL)
        return;
    cmd_group_unwatch(v->srv->group, v);
    if (v->dev != NULL)
        bk_dev_remove_observer(v->dev, &v->obs);
    if (v->timer > 0)
        bk_loop_del_timer(v->srv->loop, v->timer);
    view_forget(v);
    tui_heat_free(v->heat);
    tui_stats_free(v->stats);
    tui_reqlog_free(v->log);
    jb_free(&v->frame);
    free(v);
}
