/*
 * events.c — the event hub (see events.h; the schema is
 * control/events.schema.json).
 *
 * One line is formatted per event, into a scratch buffer, and handed to
 * every sink whose mask takes its kind.  The request line is the hot one
 * (one per request, hundreds of thousands a second under bench): it is
 * written with the jbuf helpers, no printf, and the fault that a rule
 * caused a request is remembered from the fault observer (which runs
 * before the request ends) in a small table keyed by the request, so
 * that the end can name the rule.
 *
 * The stream (--events) and the trace (--io-trace) are written by a
 * thread of their own (evstream.h): a request end costs the loop thread
 * a record filled in a ring; the lines are made and written there.
 *
 * Stats samples come from the Throughput pane's sampler (tui/stats.h, a
 * pure module), fed by every request end and sampled each second while
 * anything happens (and once more after, to show the rates back at
 * zero).  The stream's sampler is its writer's, fed from the records:
 * the loop thread sends the sample's time and the device's figures as a
 * note in the ring, after the records it covers.  Counting on the loop
 * thread as well was a third of the stream's cost there (100 of some
 * 390 instructions a request); it counts only for subscribers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/events.h"
#include "control/evstream.h"
#include "control/json.h"
#include "export/export.h"
#include "rules/rules.h"
#include "tui/stats.h"
#include "util/strfmt.h"

#define EV_STATS_MS      1000
#define EV_FAULTS        64

const char *const ev_kind_names[EV__MAX] = {
    [EV_HELLO] = "hello",
    [EV_REQUEST] = "request",
    [EV_SUSPENDED] = "suspended",
    [EV_RESUMED] = "resumed",
    [EV_FAULT] = "fault",
    [EV_RULE] = "rule",
    [EV_STATE] = "state",
    [EV_CLIENT] = "client",
    [EV_STATS] = "stats",
    [EV_COMMAND] = "command",
    [EV_IMAGE] = "image",
    [EV_DROPPED] = "dropped",
};

const char *const ev_source_names[EV_SOURCE_KINDS] = {
    [BK_SRC_COMMAND] = "command",
    [BK_SRC_BENCH] = "bench",
    [BK_SRC_TUI] = "tui",
    [BK_SRC_NBD] = "nbd",
    [BK_SRC_FUSE] = "fuse",
    [BK_SRC_CONTROL] = "control",
    [BK_SRC_INTERNAL] = "internal",
};

const char *const ev_fault_names[EV_FAULT_KINDS] = {
    [BK_FAULT_ERROR] = "error",
    [BK_FAULT_DELAY] = "delay",
    [BK_FAULT_HANG] = "hang",
    [BK_FAULT_HANG_TIMEOUT] = "hang-timeout",
    [BK_FAULT_CORRUPT] = "corrupt",
    [BK_FAULT_DROP] = "drop",
    [BK_FAULT_TORN] = "torn",
    [BK_FAULT_POWERCUT] = "powercut",
};

struct ev_sub {
    struct ev_hub *hub;
    unsigned mask;
    ev_line_fn *fn;
    void *arg;
    uint64_t dropped;        /* missed, not yet told */
    struct ev_sub *next;
};

/* The fault a rule caused a request, until the request ends. */
struct ev_fault_note {
    const struct bk_req *req;
    uint64_t id;
    unsigned rule;
    enum bk_fault_kind kind;
};

struct ev_hub {
    struct bk_loop *loop;
    struct cmd_group *group;
    struct export_set *exports;
    struct bk_dev *dev;              /* watched, or NULL */
    struct bk_observer obs;
    int64_t t0;
    unsigned mask;                   /* every sink's kinds */
    unsigned subs_mask;              /* the subscribers' kinds */
    struct ev_sub *subs;
    struct jbuf line;                /* the event being written */

    /* The stream (--events): its own thread writes it, and keeps its own
     * stats from the records (struct ev_stream_ctx). */
    struct evstream *stream;
    unsigned stream_mask;
    struct ev_stream_ctx *stream_ctx;
    /* The request trace (--io-trace): the same, other lines. */
    struct evstream *trace;

    struct ev_fault_note faults[EV_FAULTS];
    size_t nfaults;

    struct tui_stats *stats;         /* the subscribers', while any */
    int stats_timer;
    bool stats_active;               /* something happened this second */

    void (*activity)(void *arg);
    void *activity_arg;
};

static void hub_watch(struct ev_hub *h, struct bk_dev *dev);

int ev_parse_kinds(const char *text, unsigned *mask)
{
    char *copy = strdup(text), *save = NULL, *w;
    int ret = 0;

    if (copy == NULL)
        return -ENOMEM;
    *mask = 0;
    for (w = strtok_r(copy, ",", &save); w != NULL;
         w = strtok_r(NULL, ",", &save)) {
        int k;

        if (strcmp(w, "all") == 0) {
            *mask |= EV_MASK_ALL;
            continue;
        }
        if (strcmp(w, "break") == 0) {
            *mask |= 1u << EV_SUSPENDED | 1u << EV_RESUMED;
            continue;
        }
        for (k = 0; k < EV__MAX; k++)
            if (strcmp(w, ev_kind_names[k]) == 0)
                break;
        if (k == EV__MAX) {
            ret = -EINVAL;
            break;
        }
        *mask |= 1u << k;
    }
    free(copy);
    if (ret == 0 && *mask == 0)
        ret = -EINVAL;
    return ret;
}

/* ---- writing a line ------------------------------------------------------ */

static int64_t hub_t(const struct ev_hub *h, int64_t ns)
{
    return (ns != 0 ? ns : bk_now_ns()) - h->t0;
}

/* An event's first members, on whichever thread makes the line. */
static void line_open(struct jbuf *b, enum ev_kind k, int64_t t)
{
    jb_open(b, '{');
    jb_kv_u64(b, "v", EV_SCHEMA_VERSION);
    jb_kv_str(b, "event", ev_kind_names[k]);
    jb_kv_i64(b, "t", t);
}

static void line_begin(struct ev_hub *h, enum ev_kind k, int64_t ns)
{
    jb_reset(&h->line);
    line_open(&h->line, k, hub_t(h, ns));
}

static bool hub_subs_want(const struct ev_hub *h, enum ev_kind k)
{
    return (h->subs_mask & (1u << k)) != 0;
}

static bool hub_stream_wants(const struct ev_hub *h, enum ev_kind k)
{
    return h->stream != NULL && (h->stream_mask & (1u << k)) != 0;
}

/* The finished line to the subscribers that take k. */
static void subs_send(struct ev_hub *h, enum ev_kind k)
{
    for (struct ev_sub *s = h->subs, *next; s != NULL; s = next) {
        next = s->next;
        if (s->mask & (1u << k))
            s->fn(h->line.p, h->line.len, s->arg);
    }
}

/* Close the line and hand it to every sink that takes k. */
static void line_send(struct ev_hub *h, enum ev_kind k)
{
    struct jbuf *b = &h->line;

    jb_close(b, '}');
    jb_lit(b, "\n");
    if (hub_stream_wants(h, k))
        evstream_line(h->stream, b->p, b->len);
    subs_send(h, k);
}

static bool hub_wants(const struct ev_hub *h, enum ev_kind k)
{
    return (h->mask & (1u << k)) != 0;
}

static void put_source(struct jbuf *b, const struct bk_source *src)
{
    jb_key(b, "source");
    if (src == NULL) {
        jb_null(b);
        return;
    }
    jb_open(b, '{');
    jb_key(b, "kind");
    jb_str(b, (size_t)src->kind < EV_SOURCE_KINDS
              ? ev_source_names[src->kind] : "unknown");
    jb_kv_u64(b, "id", src->id);
    jb_kv_str(b, "name", src->name);
    jb_close(b, '}');
}

static const char *op_name(enum bk_op op)
{
    return (unsigned)op < BK_OP__MAX ? bk_op_names[op] : "none";
}

static void put_errno(struct jbuf *b, const char *key, int err)
{
    const char *name = strerrorname_np(err < 0 ? -err : err);
    char nb[16];

    if (name == NULL) {
        snprintf(nb, sizeof(nb), "E%d", err < 0 ? -err : err);
        name = nb;
    }
    jb_key(b, key);
    jb_str(b, name);
}

/* The request members every request-shaped event has. */
static void put_req(struct jbuf *b, const struct bk_req *req)
{
    jb_kv_u64(b, "id", req->id);
    put_source(b, req->source);
    jb_kv_str(b, "op", op_name(req->op));
    jb_kv_i64(b, "offset", req->offset);
    jb_kv_i64(b, "length", req->bytes);
}

static void put_image(struct jbuf *b, struct bk_dev *dev)
{
    if (dev == NULL) {
        jb_null(b);
        return;
    }
    jb_open(b, '{');
    jb_kv_str(b, "filename", bk_dev_filename(dev));
    jb_kv_str(b, "format", bk_dev_format_name(dev));
    jb_kv_i64(b, "length", bk_dev_length(dev));
    jb_kv_bool(b, "read_only", bk_dev_read_only(dev));
    jb_kv_bool(b, "blkdebug", bk_dev_has_debug(dev));
    jb_close(b, '}');
}

static void hub_kick(struct ev_hub *h)
{
    if (h->activity != NULL)
        h->activity(h->activity_arg);
}

/* ---- stats --------------------------------------------------------------- */

static long hub_stats_tick(struct bk_loop *loop, void *arg);

static void hub_stats_wake(struct ev_hub *h)
{
    h->stats_active = true;
    if (h->stats_timer > 0)
        return;
    h->stats_timer = bk_loop_add_timer(h->loop, EV_STATS_MS, hub_stats_tick,
                                       h);
    if (h->stats_timer < 0)
        h->stats_timer = 0;
}

static void put_class(struct jbuf *b, struct tui_stats *s, const char *name,
                      enum tui_stats_class c)
{
    /* The Throughput pane's figures: the last second, and totals. */
    struct tui_stats_rate r = tui_stats_rate(s, c, 4);
    struct tui_stats_total t = tui_stats_total(s, c);

    jb_key(b, name);
    jb_open(b, '{');
    jb_kv_u64(b, "bytes_per_s", (uint64_t)(r.bytes_per_s + 0.5));
    jb_kv_u64(b, "iops", (uint64_t)(r.iops + 0.5));
    jb_kv_u64(b, "ops", t.ops);
    jb_kv_u64(b, "bytes", t.bytes);
    jb_kv_u64(b, "errors", t.errors);
    jb_close(b, '}');
}

/*
 * A stats sample: what the loop thread reads from the device, with the
 * time; the rest comes from the requests' ends, counted by whoever makes
 * the line (the stream's writer counts them from its records).
 */
struct ev_stats_note {
    int64_t now_ns;
    uint64_t errors, injected, outstanding, suspended;
};

/* The stats line, whole, into b; t0: the hub's time 0. */
static void put_stats(struct jbuf *b, struct tui_stats *st,
                      const struct ev_stats_note *n, int64_t t0)
{
    struct tui_stats_latency lat;

    tui_stats_advance(st, n->now_ns);
    lat = tui_stats_latency(st, TUI_ST_ALL, true);
    line_open(b, EV_STATS, n->now_ns - t0);
    jb_kv_u64(b, "interval_ms", EV_STATS_MS);
    put_class(b, st, "read", TUI_ST_READ);
    put_class(b, st, "write", TUI_ST_WRITE);
    put_class(b, st, "other", TUI_ST_OTHER);
    jb_key(b, "latency_ns");
    jb_open(b, '{');
    jb_kv_u64(b, "count", lat.count);
    jb_kv_i64(b, "p50", lat.p50);
    jb_kv_i64(b, "p90", lat.p90);
    jb_kv_i64(b, "p99", lat.p99);
    jb_kv_i64(b, "max", lat.max);
    jb_close(b, '}');
    jb_kv_u64(b, "errors", n->errors);
    jb_kv_u64(b, "injected", n->injected);
    jb_kv_u64(b, "outstanding", n->outstanding);
    jb_kv_u64(b, "suspended", n->suspended);
    jb_close(b, '}');
    jb_lit(b, "\n");
}

struct ev_count {
    size_t outstanding, suspended;
};

static void count_req(const struct bk_req *req, void *arg)
{
    struct ev_count *c = arg;

    c->outstanding++;
    if (req->state == BK_REQ_SUSPENDED)
        c->suspended++;
}

static void hub_stats_emit(struct ev_hub *h)
{
    struct ev_count cnt = { 0, 0 };
    struct bk_stats bs = { 0 };
    struct ev_stats_note n;

    if (h->dev != NULL) {
        bk_dev_for_each_req(h->dev, count_req, &cnt);
        bk_dev_stats(h->dev, &bs);
    }
    n = (struct ev_stats_note){ .now_ns = bk_now_ns(),
                                .errors = bs.errors,
                                .injected = bs.injected,
                                .outstanding = cnt.outstanding,
                                .suspended = cnt.suspended };
    /* In the ring after the requests it counts, which the writer counts. */
    if (hub_stream_wants(h, EV_STATS))
        evstream_note(h->stream, &n, sizeof(n));
    if (hub_subs_want(h, EV_STATS) && h->stats != NULL) {
        jb_reset(&h->line);
        put_stats(&h->line, h->stats, &n, h->t0);
        subs_send(h, EV_STATS);
    }
}

static long hub_stats_tick(struct bk_loop *loop, void *arg)
{
    struct ev_hub *h = arg;
    bool busy = h->dev != NULL && bk_dev_outstanding(h->dev) > 0;

    (void)loop;
    if (!hub_wants(h, EV_STATS)) {
        h->stats_timer = 0;
        return -1;
    }
    hub_stats_emit(h);
    /* One more sample after activity stops shows the rates at zero. */
    if (h->stats_active || busy) {
        h->stats_active = false;
        return EV_STATS_MS;
    }
    h->stats_timer = 0;
    return -1;
}

/* ---- the stream's own side (its writer thread) --------------------------- */

/* What the writer keeps: the stats it counts from the records. */
struct ev_stream_ctx {
    struct tui_stats *stats;
    int64_t t0;
};

static void stream_request(void *arg, struct jbuf *out,
                           const struct ev_req_rec *r,
                           const struct ev_src_name *name)
{
    struct ev_stream_ctx *c = arg;

    ev_format_request(out, r, name);
    tui_stats_add(c->stats, (enum bk_op)r->op, r->length, r->latency,
                  r->ret, c->t0 + r->t);
}

static void stream_note(void *arg, struct jbuf *out, const void *data,
                        size_t len)
{
    struct ev_stream_ctx *c = arg;
    struct ev_stats_note n;

    if (len != sizeof(n))
        return;
    memcpy(&n, data, sizeof(n));
    put_stats(out, c->stats, &n, c->t0);
}

static const struct evstream_ops stream_ops = {
    .request = stream_request,
    .note = stream_note,
};

static void trace_request(void *arg, struct jbuf *out,
                          const struct ev_req_rec *r,
                          const struct ev_src_name *name)
{
    (void)arg;
    ev_format_trace(out, r, name);
}

static const struct evstream_ops trace_ops = { .request = trace_request };

/* ---- device observers ---------------------------------------------------- */

/* The fault a rule caused req, if one did (hub_fault noted it). */
static const struct ev_fault_note *hub_fault_of(const struct ev_hub *h,
                                                const struct bk_req *req)
{
    for (size_t i = 0; i < h->nfaults; i++)
        if (h->faults[i].req == req && h->faults[i].id == req->id)
            return &h->faults[i];
    return NULL;
}

/*
 * Once per request: kept to what each sink needs.  The stream's record is
 * filled where it lies in its ring, and its stats are counted by its
 * writer; the loop counts stats only for subscribers that take them.
 */
static void hub_req_end(struct bk_dev *dev, const struct bk_req *req,
                        void *arg)
{
    struct ev_hub *h = arg;
    const struct ev_fault_note *fn = NULL;
    unsigned rule = 0;
    int fault = -1;
    int64_t t;

    (void)dev;
    hub_kick(h);
    if (hub_wants(h, EV_STATS)) {
        if (h->stats != NULL)
            tui_stats_add_req(h->stats, req);
        if (!h->stats_active || h->stats_timer == 0)
            hub_stats_wake(h);
    }
    if (h->nfaults > 0 && (fn = hub_fault_of(h, req)) != NULL) {
        rule = fn->rule;
        fault = (int)fn->kind;
    }
    t = hub_t(h, req->complete_ns);
    /* The stream takes every kind but "dropped": its writer makes the
     * request lines and counts its stats from these records. */
    if (h->stream != NULL)
        evstream_request(h->stream, req, t, rule, fault);
    if (h->trace != NULL)
        evstream_request(h->trace, req, t, rule, fault);
    if (hub_subs_want(h, EV_REQUEST)) {
        struct ev_req_rec r;
        struct ev_src_name name;

        ev_req_rec_fill(&r, req, t, rule, fault);
        ev_src_name_of(req->source, &name);
        jb_reset(&h->line);
        ev_format_request(&h->line, &r, &name);
        subs_send(h, EV_REQUEST);
    }
    if (fn != NULL) {
        size_t i = (size_t)(fn - h->faults);

        h->faults[i] = h->faults[--h->nfaults];
    }
}

/* Append a literal at p (the caller reserved room). */
#define PUT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return p + json_utoa((uint64_t)0 - (uint64_t)v, p);
    }
    return p + json_utoa((uint64_t)v, p);
}

/*
 * A source's part of the line, escaped once: a run's requests come from
 * a few sources, and escaping a name each time was a third of the
 * writer's formatting.  Each thread that formats keeps its own few.
 */
struct src_frag {
    uint8_t kind, namelen;
    uint64_t id;
    char name[255];
    size_t len;
    char text[1700];         /* ,"source":{...}: a name escapes to 6x */
};

#define SRC_FRAGS 4
static _Thread_local struct src_frag src_frags[SRC_FRAGS];
static _Thread_local unsigned src_frags_next;

static const struct src_frag *src_frag(const struct ev_req_rec *r,
                                       const struct ev_src_name *name,
                                       const char *kind)
{
    struct src_frag *f;
    struct jbuf b;

    for (int i = 0; i < SRC_FRAGS; i++) {
        f = &src_frags[i];
        if (f->len > 0 && f->kind == r->src_kind && f->id == r->src_id &&
            f->namelen == name->len &&
            memcmp(f->name, name->text, name->len) == 0)
            return f;
    }
    f = &src_frags[src_frags_next++ % SRC_FRAGS];
    f->kind = r->src_kind;
    f->id = r->src_id;
    f->namelen = name->len;
    memcpy(f->name, name->text, name->len);
    jb_init(&b);
    jb_lit(&b, ",\"source\":");
    jb_open(&b, '{');
    jb_key(&b, "kind");
    jb_str(&b, kind);
    jb_key(&b, "id");
    jb_u64(&b, r->src_id);
    jb_key(&b, "name");
    jb_strn(&b, name->text, name->len);
    jb_close(&b, '}');
    f->len = b.len < sizeof(f->text) ? b.len : 0;
    memcpy(f->text, b.p, f->len);
    jb_free(&b);
    return f;
}

/*
 * ,"op":"NAME","offset": for each op, made once, so that the line takes
 * it as one copy of a fixed size.  The longest is 30 bytes.
 */
struct op_frag {
    char text[32];
    uint8_t len;
};

static struct op_frag op_frags[BK_OP__MAX + 1];     /* the last: "none" */
static pthread_once_t op_frags_once = PTHREAD_ONCE_INIT;

static void op_frags_make(void)
{
    for (int op = 0; op <= BK_OP__MAX; op++) {
        struct op_frag *f = &op_frags[op];
        int n = snprintf(f->text, sizeof(f->text),
                         ",\"op\":\"%s\",\"offset\":", op_name((enum bk_op)op));

        if (n <= 0 || (size_t)n >= sizeof(f->text))
            abort();         /* an op named at more than 13 characters */
        f->len = (uint8_t)n;
    }
}

#define EV_STR_(x) #x
#define EV_STR(x) EV_STR_(x)

/*
 * The request line; the same on the loop thread and the stream's.  It is
 * written byte by byte into room reserved once: this is the line there is
 * one of per request.
 */
void ev_format_request(struct jbuf *b, const struct ev_req_rec *r,
                       const struct ev_src_name *name)
{
    const char *src = r->src_kind < EV_SOURCE_KINDS
                      ? ev_source_names[r->src_kind] : "unknown";
    const struct src_frag *sf = r->has_src && name != NULL
                                ? src_frag(r, name, src) : NULL;
    const struct op_frag *of;
    char *p;

    pthread_once(&op_frags_once, op_frags_make);
    of = &op_frags[(unsigned)r->op < BK_OP__MAX ? r->op : BK_OP__MAX];
    /* Numbers at most 20 digits each, and the source's part, which may
     * run far past them: a name of 255 bytes escapes to 1530. */
    jb_reserve(b, 320 + (sf != NULL ? sf->len : 0));
    p = b->p + b->len;
    p = PUT(p, "{\"v\":" EV_STR(EV_SCHEMA_VERSION)
               ",\"event\":\"request\",\"t\":");
    p = put_i64(p, r->t);
    p = PUT(p, ",\"id\":");
    p += json_utoa(r->id, p);
    if (sf != NULL) {
        memcpy(p, sf->text, sf->len);
        p += sf->len;
    } else {
        p = PUT(p, ",\"source\":null");
    }
    memcpy(p, of->text, sizeof(of->text));    /* all 32: one fixed copy */
    p += of->len;
    p = put_i64(p, r->offset);
    p = PUT(p, ",\"length\":");
    p = put_i64(p, r->length);
    p = PUT(p, ",\"latency_ns\":");
    p = put_i64(p, r->latency);
    p = PUT(p, ",\"result\":");
    p = put_i64(p, r->ret);
    b->len = (size_t)(p - b->p);
    if (r->ret < 0) {
        b->comma = true;
        put_errno(b, "errno", r->ret);
        jb_reserve(b, 128);
        p = b->p + b->len;
    }
    if (r->rule != 0) {
        const char *f = r->fault > 0 ? ev_fault_names[r->fault - 1]
                                     : "unknown";

        p = PUT(p, ",\"rule\":");
        p += json_utoa(r->rule, p);
        p = PUT(p, ",\"fault\":\"");
        memcpy(p, f, strlen(f));
        p += strlen(f);
        *p++ = '"';
    }
    p = PUT(p, "}\n");
    b->len = (size_t)(p - b->p);
    b->p[b->len] = '\0';
    b->comma = false;
}

static void hub_debug(struct bk_dev *dev, enum bk_debug_note note,
                      const char *tag, const struct bk_req *req, void *arg)
{
    struct ev_hub *h = arg;
    enum ev_kind k = note == BK_NOTE_SUSPENDED ? EV_SUSPENDED : EV_RESUMED;
    struct jbuf *b = &h->line;

    (void)dev;
    hub_kick(h);
    if (!hub_wants(h, k))
        return;
    line_begin(h, k, 0);
    jb_kv_str(b, "tag", tag);
    jb_key(b, "request");
    if (req != NULL) {
        jb_open(b, '{');
        put_req(b, req);
        jb_close(b, '}');
    } else {
        jb_null(b);
    }
    line_send(h, k);
}

static void hub_fault(struct bk_dev *dev, const struct bk_fault *f,
                      void *arg)
{
    struct ev_hub *h = arg;
    struct jbuf *b = &h->line;

    (void)dev;
    hub_kick(h);
    /* Remember which rule acted on the request, for its end. */
    if (f->req != NULL && f->rule != 0 && f->kind != BK_FAULT_DELAY) {
        struct ev_fault_note *n = NULL;

        for (size_t i = 0; i < h->nfaults; i++)
            if (h->faults[i].req == f->req && h->faults[i].id == f->req->id)
                n = &h->faults[i];
        if (n == NULL) {
            if (h->nfaults == EV_FAULTS)
                h->faults[0] = h->faults[--h->nfaults];
            n = &h->faults[h->nfaults++];
        }
        *n = (struct ev_fault_note){ f->req, f->req->id, f->rule, f->kind };
    } else if (f->req != NULL && f->rule != 0) {
        bool known = false;

        /* A delay is a fault too, unless a worse one names the rule. */
        for (size_t i = 0; i < h->nfaults; i++)
            known |= h->faults[i].req == f->req &&
                     h->faults[i].id == f->req->id;
        if (!known && h->nfaults < EV_FAULTS)
            h->faults[h->nfaults++] = (struct ev_fault_note){
                f->req, f->req->id, f->rule, f->kind };
    }
    if (!hub_wants(h, EV_FAULT))
        return;
    line_begin(h, EV_FAULT, 0);
    jb_kv_str(b, "kind", ev_fault_names[f->kind]);
    jb_kv_u64(b, "rule", f->rule);
    jb_key(b, "request");
    if (f->req != NULL)
        jb_u64(b, f->req->id);
    else
        jb_null(b);
    if (f->req != NULL)
        put_source(b, f->req->source);
    jb_kv_str(b, "op", op_name(f->op));
    jb_kv_i64(b, "offset", f->offset);
    jb_kv_i64(b, "length", f->bytes);
    if (f->error < 0)
        put_errno(b, "errno", f->error);
    switch (f->kind) {
    case BK_FAULT_DELAY:
    case BK_FAULT_HANG:
    case BK_FAULT_HANG_TIMEOUT:
        jb_kv_i64(b, "ns", f->ns);
        break;
    case BK_FAULT_CORRUPT:
        jb_kv_u64(b, "bits", f->amount);
        break;
    case BK_FAULT_TORN:
        jb_kv_u64(b, "written", f->amount);
        break;
    case BK_FAULT_POWERCUT:
        jb_kv_u64(b, "writes", f->writes);
        jb_kv_u64(b, "lost_sectors", f->amount);
        jb_kv_u64(b, "kept_sectors", f->kept);
        jb_kv_bool(b, "exit", f->exit);
        break;
    default:
        break;
    }
    if (f->sector >= 0) {
        jb_kv_i64(b, "sector", f->sector);
    }
    if (f->tag != NULL) {
        jb_kv_str(b, "tag", f->tag);
    }
    line_send(h, EV_FAULT);
}

static const char *const ev_change_names[] = {
    [RULES_ADDED] = "added",
    [RULES_DELETED] = "deleted",
    [RULES_ENABLED] = "enabled",
    [RULES_DISABLED] = "disabled",
    [RULES_STATE] = "state",
};

static void hub_rules(const struct rules_rule *r, enum rules_change what,
                      int old_state, int new_state, void *arg)
{
    struct ev_hub *h = arg;
    struct jbuf *b = &h->line;
    char *text;

    hub_kick(h);
    if (what == RULES_STATE) {
        if (!hub_wants(h, EV_STATE))
            return;
        line_begin(h, EV_STATE, 0);
        jb_kv_i64(b, "old", old_state);
        jb_kv_i64(b, "new", new_state);
        line_send(h, EV_STATE);
        return;
    }
    if (!hub_wants(h, EV_RULE))
        return;
    text = rules_describe(r);
    line_begin(h, EV_RULE, 0);
    jb_kv_str(b, "change", ev_change_names[what]);
    jb_kv_u64(b, "id", r->id);
    jb_kv_str(b, "group", rules_action_names[r->action]);
    jb_kv_str(b, "rule", text);
    line_send(h, EV_RULE);
    free(text);
}

/* ---- front ends' news ---------------------------------------------------- */

void ev_hub_command(struct ev_hub *h, const struct bk_source *src,
                    const char *line, int ret)
{
    struct jbuf *b = &h->line;

    if (!hub_wants(h, EV_COMMAND))
        return;
    line_begin(h, EV_COMMAND, 0);
    put_source(b, src);
    jb_kv_str(b, "line", line);
    jb_kv_bool(b, "ok", ret >= 0);
    if (ret < 0)
        put_errno(b, "errno", ret);
    line_send(h, EV_COMMAND);
}

void ev_hub_client(struct ev_hub *h, bool connected, const char *kind,
                   const struct bk_source *src, const char *peer,
                   const char *export_name)
{
    struct jbuf *b = &h->line;

    hub_kick(h);
    if (!hub_wants(h, EV_CLIENT))
        return;
    line_begin(h, EV_CLIENT, 0);
    jb_kv_str(b, "change", connected ? "connected" : "disconnected");
    jb_kv_str(b, "kind", kind);
    jb_kv_u64(b, "id", src != NULL ? src->id : 0);
    jb_kv_str(b, "peer", peer);
    if (export_name != NULL) {
        jb_kv_str(b, "export", export_name);
    }
    line_send(h, EV_CLIENT);
}

static void hub_export_client(const struct export_client *c, bool connected,
                              void *arg)
{
    ev_hub_client(arg, connected, c->exp->ops->kind, &c->source, c->peer,
                  c->exp->name);
}

static void hub_ran(struct cmd_state *st, const char *line, int ret,
                    void *arg)
{
    ev_hub_command(arg, &st->source, line, ret);
}

static void hub_image(struct cmd_group *g, struct bk_dev *dev, void *arg)
{
    struct ev_hub *h = arg;
    struct jbuf *b = &h->line;

    (void)g;
    /* The old device is gone already: nothing to unhook from it. */
    h->dev = NULL;
    if (hub_wants(h, EV_IMAGE)) {
        line_begin(h, EV_IMAGE, 0);
        jb_kv_str(b, "change", dev != NULL ? "opened" : "closed");
        jb_key(b, "image");
        put_image(b, dev);
        line_send(h, EV_IMAGE);
    }
    hub_watch(h, dev);
}

static void hub_watch(struct ev_hub *h, struct bk_dev *dev)
{
    struct rules_engine *e;

    h->dev = dev;
    h->nfaults = 0;
    if (dev == NULL)
        return;
    h->obs = (struct bk_observer){ .req_end = hub_req_end,
                                   .debug = hub_debug,
                                   .fault = hub_fault, .arg = h };
    bk_dev_add_observer(dev, &h->obs);
    e = bk_dev_rules(dev);
    if (e != NULL)
        rules_set_notify(e, hub_rules, h);
}

static void hub_unwatch(struct ev_hub *h)
{
    struct rules_engine *e;

    if (h->dev == NULL)
        return;
    bk_dev_remove_observer(h->dev, &h->obs);
    e = bk_dev_rules(h->dev);
    if (e != NULL)
        rules_set_notify(e, NULL, NULL);
    h->dev = NULL;
}

/* ---- sinks --------------------------------------------------------------- */

static void hub_remask(struct ev_hub *h)
{
    h->subs_mask = 0;
    for (struct ev_sub *s = h->subs; s != NULL; s = s->next)
        h->subs_mask |= s->mask;
    h->mask = h->subs_mask | h->stream_mask |
              (h->trace != NULL ? 1u << EV_REQUEST : 0);
    /* The subscribers' totals run from the first of those taking stats
     * now: counts kept while none did would have gaps. */
    if (hub_subs_want(h, EV_STATS) && h->stats == NULL) {
        h->stats = tui_stats_new(0, 0, bk_now_ns());
        if (h->stats == NULL)
            abort();
    } else if (!hub_subs_want(h, EV_STATS) && h->stats != NULL) {
        tui_stats_free(h->stats);
        h->stats = NULL;
    }
}

static void hub_hello_line(struct ev_hub *h)
{
    struct jbuf *b = &h->line;
    struct timespec wall;

    clock_gettime(CLOCK_REALTIME, &wall);
    line_begin(h, EV_HELLO, 0);
    jb_kv_str(b, "version", BLKMON_VERSION);
    jb_kv_i64(b, "pid", (int64_t)getpid());
    /* Wall-clock time of "t": 0, so that "t" can be dated. */
    jb_key(b, "epoch_ns");
    jb_i64(b, (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec -
              hub_t(h, 0));
    jb_key(b, "seed");
    if (rules_seed_given() ||
        (h->dev != NULL && bk_dev_rules(h->dev) != NULL &&
         rules_uses_random(bk_dev_rules(h->dev))))
        jb_u64(b, rules_seed());
    else
        jb_null(b);
    jb_key(b, "image");
    put_image(b, h->dev);
    jb_close(b, '}');
    jb_lit(b, "\n");
}

/* Every subscription starts with it: it carries the schema's version. */
static void hub_hello(struct ev_hub *h, struct ev_sub *s)
{
    hub_hello_line(h);
    s->fn(h->line.p, h->line.len, s->arg);
}

struct ev_sub *ev_hub_subscribe(struct ev_hub *h, unsigned mask,
                                ev_line_fn *fn, void *arg)
{
    struct ev_sub *s = calloc(1, sizeof(*s)), **p = &h->subs;

    if (s == NULL)
        abort();
    s->hub = h;
    s->mask = mask;
    s->fn = fn;
    s->arg = arg;
    while (*p != NULL)
        p = &(*p)->next;
    *p = s;
    hub_remask(h);
    hub_hello(h, s);
    return s;
}

void ev_hub_resubscribe(struct ev_hub *h, struct ev_sub *sub, unsigned mask)
{
    sub->mask = mask;
    hub_remask(h);
}

void ev_hub_unsubscribe(struct ev_hub *h, struct ev_sub *sub)
{
    for (struct ev_sub **p = &h->subs; *p != NULL; p = &(*p)->next) {
        if (*p == sub) {
            *p = sub->next;
            break;
        }
    }
    free(sub);
    hub_remask(h);
}

unsigned ev_sub_mask(const struct ev_sub *sub)
{
    return sub->mask;
}

void ev_sub_dropped(struct ev_sub *sub, uint64_t n)
{
    sub->dropped += n;
}

/* A subscriber that missed events is told how many, once it takes lines
 * again (its sink calls this when it has room). */
void ev_sub_tell_dropped(struct ev_sub *sub)
{
    struct ev_hub *h = sub->hub;
    struct jbuf b;

    if (sub->dropped == 0)
        return;
    jb_init(&b);
    jb_open(&b, '{');
    jb_key(&b, "v");
    jb_u64(&b, EV_SCHEMA_VERSION);
    jb_key(&b, "event");
    jb_str(&b, ev_kind_names[EV_DROPPED]);
    jb_key(&b, "t");
    jb_i64(&b, hub_t(h, 0));
    jb_key(&b, "count");
    jb_u64(&b, sub->dropped);
    jb_close(&b, '}');
    jb_lit(&b, "\n");
    sub->dropped = 0;
    sub->fn(b.p, b.len, sub->arg);
    jb_free(&b);
}

/* ---- the stream ---------------------------------------------------------- */

static void stream_ctx_free(struct ev_hub *h)
{
    if (h->stream_ctx != NULL)
        tui_stats_free(h->stream_ctx->stats);
    free(h->stream_ctx);
    h->stream_ctx = NULL;
}

int ev_hub_open_stream(struct ev_hub *h, const char *path, char **cause)
{
    int fd;
    bool own = true;

    if (h->stream != NULL) {
        *cause = strfmt("--events given twice");
        return -EINVAL;
    }
    if (strcmp(path, "-") == 0) {
        /* Whatever stdio holds goes first; lines go straight to fd 1. */
        fflush(stdout);
        fd = STDOUT_FILENO;
        own = false;
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            int err = errno;

            *cause = strfmt("cannot open event stream '%s': %s", path,
                            strerror(err));
            return -err;
        }
    }
    h->stream_ctx = calloc(1, sizeof(*h->stream_ctx));
    if (h->stream_ctx == NULL)
        abort();
    h->stream_ctx->t0 = h->t0;
    h->stream_ctx->stats = tui_stats_new(0, 0, bk_now_ns());
    if (h->stream_ctx->stats == NULL)
        abort();
    h->stream = evstream_new(fd, own, &stream_ops, h->stream_ctx);
    if (h->stream == NULL) {
        stream_ctx_free(h);
        if (own)
            close(fd);
        *cause = strfmt("cannot start the event stream's writer");
        return -ENOMEM;
    }
    h->stream_mask = EV_MASK_ALL & ~(1u << EV_DROPPED);
    hub_remask(h);
    hub_hello_line(h);
    evstream_line(h->stream, h->line.p, h->line.len);
    return 0;
}

void ev_hub_flush(struct ev_hub *h)
{
    if (h != NULL && h->stream != NULL)
        evstream_flush(h->stream);
    if (h != NULL && h->trace != NULL)
        evstream_flush(h->trace);
}

int ev_hub_open_trace(struct ev_hub *h, const char *path, char **cause)
{
    static const char head[] =
        "# blkmon --io-trace: a line per request as it ended, blkparse's "
        "completion layout:\n"
        "# DEV CPU SEQ(request id) TIME(s since start) PID(source id) C "
        "RWBS SECTOR + NSECTORS [ERRNO] (LATENCY ns) SOURCE\n";
    int fd;

    if (h->trace != NULL) {
        *cause = strfmt("--io-trace given twice");
        return -EINVAL;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;

        *cause = strfmt("cannot open trace '%s': %s", path, strerror(err));
        return -err;
    }
    h->trace = evstream_new(fd, true, &trace_ops, NULL);
    if (h->trace == NULL) {
        close(fd);
        *cause = strfmt("cannot start the trace's writer");
        return -ENOMEM;
    }
    evstream_line(h->trace, head, sizeof(head) - 1);
    hub_remask(h);
    return 0;
}

/* ---- the hub ------------------------------------------------------------- */

struct ev_hub *ev_hub_new(struct cmd_group *g, struct export_set *exports)
{
    struct ev_hub *h = calloc(1, sizeof(*h));
    struct cmd_state *owner = cmd_group_owner(g);

    if (h == NULL)
        abort();
    h->loop = owner->loop;
    h->group = g;
    h->exports = exports;
    h->t0 = bk_now_ns();
    jb_init(&h->line);
    cmd_group_watch(g, hub_image, NULL, hub_ran, h);
    if (exports != NULL)
        export_set_on_client(exports, hub_export_client, h);
    hub_watch(h, owner->dev);
    return h;
}

void ev_hub_on_activity(struct ev_hub *h, void (*fn)(void *arg), void *arg)
{
    h->activity = fn;
    h->activity_arg = arg;
}

void ev_hub_free(struct ev_hub *h)
{
    if (h == NULL)
        return;
    hub_unwatch(h);
    cmd_group_unwatch(h->group, h);
    if (h->exports != NULL)
        export_set_on_client(h->exports, NULL, NULL);
    evstream_free(h->stream);
    stream_ctx_free(h);
    evstream_free(h->trace);
    while (h->subs != NULL)
        ev_hub_unsubscribe(h, h->subs);
    if (h->stats_timer > 0)
        bk_loop_del_timer(h->loop, h->stats_timer);
    tui_stats_free(h->stats);
    jb_free(&h->line);
    free(h);
}
