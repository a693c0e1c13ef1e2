/*
 * remote.c — an attached TUI's connection and mirror (see remote.h; the
 * frame layout is at the top of control/view.c).
 *
 * Input is read whenever the socket is readable and cut into lines; each
 * line is a JSON object: a reply (it has "id" and no "event"), a view
 * frame, or an event (blkdebug's suspend and resume, faults, output
 * printed between commands), which become the Output pane's lines just as
 * the local TUI prints them.  A frame replaces the mirror's requests,
 * breakpoints, rules and counters, and updates the watch (app.h): map,
 * heat, sampler.  Then the screen is marked for a redraw within a frame
 * interval, as a device observer would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "control/events.h"
#include "control/json.h"
#include "export/export.h"
#include "tui/app.h"
#include "tui/remote.h"
#include "tui/remote_qmap.h"
#include "util/strfmt.h"

/* A frame carries the whole map when it is full: allow a large one. */
#define REMOTE_LINE_MAX (256u << 20)

struct remote_req {
    struct bk_req req;
    struct bk_source src;
    char event[40];
    char tag[48];
};

/* An export as the Clients pane reads it (only what it reads is filled). */
struct remote_export {
    struct export exp;
    struct export_ops ops;
    char kind[16];
    struct export_client *clients;
};

struct remote_break {
    char event[40];
    char tag[48];
};

struct remote_susp {
    uint64_t id;
    char tag[48];
};

struct tui_remote {
    struct tui *t;
    int fd;
    char *where;
    char *gone;                  /* why the connection ended */
    struct bk_loop *loop;

    char *in;                    /* bytes read, not yet a whole line */
    size_t inlen, incap;
    struct jbuf out;             /* requests not yet written */
    size_t out_off;
    uint64_t next_id;
    uint64_t cancel_id;          /* the last "cancel" sent, or 0 */

    /* The mirror. */
    bool has_image;
    char *filename, *format;     /* format: the stack when sent */
    bool has_storage;
    struct bk_storage storage;   /* driver and path: the two below */
    char *storage_driver, *storage_path;
    int64_t length;
    bool blkdebug;
    int64_t offset;              /* our clock minus the server's */
    struct remote_req *reqs;
    size_t nreqs, count;
    struct remote_break *breaks;
    size_t nbreaks;
    struct remote_susp *susps;   /* every (request, tag) suspension */
    uint64_t log_seq[TUI_LOG__MAX];   /* the newest log entry mirrored */
    size_t nsusps;
    bool has_rules;
    int state;
    struct rules_rule *rules;
    char **rule_text;            /* each rule in the rule language */
    size_t nrules;
    struct bk_stats dev;
    struct tui_stats_latency lat[TUI_ST__MAX + 1];   /* by class; ALL */
    struct tui_stats_total totals[TUI_ST__MAX];
    int64_t stats_t0;            /* the server's sampler's, ours aligned */
    bool has_bench;
    struct bench_progress bench;
    bool has_other;              /* another session's run (the first) */
    struct bench_progress other;
    struct bk_source other_src;
    uint64_t stop_id;            /* the last "bench -k" sent, or 0 */
    char *running;
    size_t queued;
    struct remote_export *exports;
    size_t nexports;
    struct export *first;        /* the image's exports, chained */
    struct export *control;      /* the run's control socket, or NULL */
    struct tui_rqmap *qmap;      /* a format image's views, sub-requests */
};

static void remote_ready(struct bk_loop *loop, int fd, void *arg);

/* ---- the connection ------------------------------------------------------ */

static void remote_watch(struct tui_remote *r)
{
    unsigned ev = BK_FD_READ;

    if (r->fd < 0)
        return;
    if (r->out.len > r->out_off)
        ev |= BK_FD_WRITE;
    bk_loop_fd_events(r->loop, r->fd, ev);
}

static void remote_end(struct tui_remote *r, const char *why)
{
    if (r->fd < 0)
        return;
    bk_loop_del_fd(r->loop, r->fd);
    close(r->fd);
    r->fd = -1;
    free(r->gone);
    r->gone = strdup(why);
    /* Nothing more to show: the TUI ends. */
    tui_app_quit(r->t);
    tui_app_dirty(r->t);
}

static void remote_write(struct tui_remote *r)
{
    while (r->fd >= 0 && r->out_off < r->out.len) {
        ssize_t n = send(r->fd, r->out.p + r->out_off,
                         r->out.len - r->out_off, MSG_NOSIGNAL);

        if (n > 0) {
            r->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            remote_end(r, "the connection broke");
            return;
        }
    }
    if (r->out_off == r->out.len) {
        jb_reset(&r->out);
        r->out_off = 0;
    }
    remote_watch(r);
}

static void remote_request(struct tui_remote *r, const char *line)
{
    r->out.comma = false;
    jb_open(&r->out, '{');
    jb_key(&r->out, "id");
    jb_u64(&r->out, ++r->next_id);
    jb_key(&r->out, "cmd");
    jb_str(&r->out, line);
    jb_close(&r->out, '}');
    jb_lit(&r->out, "\n");
    r->out.comma = false;
    remote_write(r);
}

void tui_remote_send(struct tui_remote *r, const char *line)
{
    if (r->fd < 0) {
        tui_app_status(r->t, "not attached any more: '%s' not sent", line);
        return;
    }
    remote_request(r, line);
    /* F8's: a refusal (another session's run) goes to the status line. */
    if (strcmp(line, "bench -k") == 0)
        r->stop_id = r->next_id;
}

void tui_remote_cancel(struct tui_remote *r)
{
    if (r->fd < 0) {
        tui_app_status(r->t, "not attached any more: nothing to cancel");
        return;
    }
    remote_request(r, "cancel");
    r->cancel_id = r->next_id;
}

/* ---- lines that are not frames ------------------------------------------- */

static void remote_text(struct tui_remote *r, enum tui_out_kind kind,
                        const struct json_value *v)
{
    const char *s = json_str(v);

    if (s != NULL && *s != '\0') {
        tui_outbuf_add(r->t->out, kind, s, strlen(s));
        tui_outbuf_flush(r->t->out);
    }
}

/*
 * The answer to Ctrl-C goes to the status line, as a local TUI's does: the
 * run's "cancel" says it in the same words, one line, less the key that
 * resumes a parked request (EBUSY), which is this TUI's to name.
 */
static void remote_cancelled(struct tui_remote *r, const struct json_value *v)
{
    const char *text = json_str(json_get(v, "output"));
    const char *err = json_str(json_get(v, "errno"));
    size_t n;

    if (text == NULL || *text == '\0')
        text = json_str(json_get(v, "error"));
    if (text == NULL)
        text = "";
    n = strcspn(text, "\n");
    tui_app_status(r->t, "%.*s%s", (int)n, text,
                   err != NULL && strcmp(err, "EBUSY") == 0 ? " (F5)" : "");
}

static void remote_reply(struct tui_remote *r, const struct json_value *v)
{
    const struct json_value *id = json_get(v, "id"), *parts;

    if (r->cancel_id != 0 && id != NULL && id->type == JSON_NUMBER &&
        (uint64_t)id->i == r->cancel_id) {
        r->cancel_id = 0;
        remote_cancelled(r, v);
        return;
    }
    if (r->stop_id != 0 && id != NULL && id->type == JSON_NUMBER &&
        (uint64_t)id->i == r->stop_id) {
        const char *text = json_str(json_get(v, "output"));

        r->stop_id = 0;
        if (!json_true(json_get(v, "ok")) && text != NULL)
            tui_app_status(r->t, "%.*s", (int)strcspn(text, "\n"), text);
    }
    parts = json_get(v, "parts");
    if (parts != NULL && parts->type == JSON_ARRAY) {
        /* Both streams, in the order printed. */
        for (size_t i = 0; i < parts->n; i++) {
            const struct json_value *p = &parts->items[i];
            const char *stream;

            if (p->type != JSON_ARRAY || p->n < 2)
                continue;
            stream = json_str(&p->items[0]);
            remote_text(r, stream != NULL && strcmp(stream, "error") == 0
                           ? TUI_OUT_ERROR : TUI_OUT_TEXT, &p->items[1]);
        }
        return;
    }
    remote_text(r, TUI_OUT_TEXT, json_get(v, "output"));
    remote_text(r, TUI_OUT_ERROR, json_get(v, "error"));
}

static enum bk_op op_lookup(const char *name)
{
    for (int i = 0; i < BK_OP__MAX; i++)
        if (name != NULL && strcmp(bk_op_names[i], name) == 0)
            return (enum bk_op)i;
    return BK_OP__MAX;
}

static int errno_lookup(const char *name)
{
    for (int e = 1; e < 256 && name != NULL; e++) {
        const char *n = strerrorname_np(e);

        if (n != NULL && strcmp(n, name) == 0)
            return e;
    }
    return EIO;
}

/* A fault event back into the struct the local TUI formats its line from. */
static void remote_fault(struct tui_remote *r, const struct json_value *v)
{
    struct bk_fault f = { .sector = -1 };
    const char *kind = json_str(json_get(v, "kind"));
    const struct json_value *src = json_get(v, "source");
    struct bk_req req = { 0 };
    struct bk_source source = { 0 };
    char line[512];
    size_t k;

    for (k = 0; k < EV_FAULT_KINDS; k++)
        if (kind != NULL && strcmp(ev_fault_names[k], kind) == 0)
            break;
    if (k == EV_FAULT_KINDS)
        return;
    f.kind = (enum bk_fault_kind)k;
    f.rule = (unsigned)json_int(json_get(v, "rule"), 0);
    f.op = op_lookup(json_str(json_get(v, "op")));
    f.offset = json_int(json_get(v, "offset"), 0);
    f.bytes = json_int(json_get(v, "length"), 0);
    if (json_get(v, "errno") != NULL)
        f.error = -errno_lookup(json_str(json_get(v, "errno")));
    f.ns = json_int(json_get(v, "ns"), 0);
    f.amount = (uint64_t)json_int(json_get(v, f.kind == BK_FAULT_CORRUPT
                                           ? "bits" : f.kind == BK_FAULT_TORN
                                           ? "written" : "lost_sectors"), 0);
    f.kept = (uint64_t)json_int(json_get(v, "kept_sectors"), 0);
    f.writes = (uint64_t)json_int(json_get(v, "writes"), 0);
    f.sector = json_int(json_get(v, "sector"), -1);
    f.tag = json_str(json_get(v, "tag"));
    f.exit = json_true(json_get(v, "exit"));
    /* The line names an export's client: the request's source. */
    if (src != NULL && src->type == JSON_OBJECT) {
        const char *sk = json_str(json_get(src, "kind"));

        for (size_t i = 0; i < EV_SOURCE_KINDS; i++)
            if (sk != NULL && strcmp(ev_source_names[i], sk) == 0)
                source.kind = (enum bk_source_kind)i;
        source.id = (uint64_t)json_int(json_get(src, "id"), 0);
        source.name = json_str(json_get(src, "name"));
        if (source.name == NULL)
            source.name = "";
        req.source = &source;
        f.req = &req;
    }
    cmd_fault_format(&f, line, sizeof(line));
    tui_outbuf_printf(r->t->out, TUI_OUT_TEXT, "%s", line);
}

/* ---- frames -------------------------------------------------------------- */

static void copy_str(char *dst, size_t size, const struct json_value *v)
{
    const char *s = json_str(v);

    snprintf(dst, size, "%s", s != NULL ? s : "?");
}

static void mirror_storage(struct tui_remote *r, const struct json_value *st)
{
    const struct json_value *bs = json_get(st, "block_sizes");
    const char *driver = json_str(json_get(st, "driver"));
    const char *path = json_str(json_get(st, "path"));

    free(r->storage_driver);
    free(r->storage_path);
    r->storage_driver = r->storage_path = NULL;
    r->has_storage = st != NULL && st->type == JSON_OBJECT && driver != NULL;
    if (!r->has_storage)
        return;
    r->storage_driver = strdup(driver);
    r->storage_path = path != NULL ? strdup(path) : NULL;
    r->storage = (struct bk_storage){
        .driver = r->storage_driver,
        .path = r->storage_path,
        .lockable = json_true(json_get(st, "lockable")),
        .locking = json_true(json_get(st, "locking")),
        .locked = (uint64_t)json_int(json_get(st, "locked"), 0),
        .unshared = (uint64_t)json_int(json_get(st, "unshared"), 0),
    };
    if (bs != NULL && bs->type == JSON_ARRAY && bs->n >= 2) {
        r->storage.logical_block_size = (uint32_t)bs->items[0].i;
        r->storage.physical_block_size = (uint32_t)bs->items[1].i;
    }
}

static void mirror_image(struct tui_remote *r, const struct json_value *img,
                         bool full)
{
    struct tui *t = r->t;
    struct tui_watch *w = &t->w;
    int64_t length = json_int(json_get(img, "length"), 0);
    bool has = img != NULL && img->type == JSON_OBJECT;

    if (full || has != r->has_image || length != r->length) {
        tui_extmap_free(w->map);
        w->map = NULL;
        if (has && json_true(json_get(img, "map")))
            w->map = tui_extmap_new(length);
        if (w->heat == NULL)
            w->heat = tui_heat_new(0, 0, 0);
        if (w->log == NULL)
            w->log = tui_reqlog_new(0);
        else
            tui_reqlog_clear(w->log);
        memset(r->log_seq, 0, sizeof(r->log_seq));
        if (w->heat == NULL || w->log == NULL)
            abort();
        t->ps.view_ok = false;
    }
    r->has_image = has;
    r->length = has ? length : 0;
    w->length = r->length;
    free(r->filename);
    free(r->format);
    r->filename = strdup(has ? json_str(json_get(img, "filename")) : "");
    if (has && json_str(json_get(img, "stack")) != NULL)
        r->format = strdup(json_str(json_get(img, "stack")));
    else
        r->format = strdup(has ? json_str(json_get(img, "format")) : "");
    r->blkdebug = json_true(json_get(img, "blkdebug"));
    mirror_storage(r, has ? json_get(img, "storage") : NULL);
}

static void mirror_requests(struct tui_remote *r, const struct json_value *rq)
{
    const struct json_value *list = json_get(rq, "list");
    size_t n = list != NULL && list->type == JSON_ARRAY ? list->n : 0;

    free(r->reqs);
    r->reqs = calloc(n ? n : 1, sizeof(*r->reqs));
    if (r->reqs == NULL)
        abort();
    r->nreqs = 0;
    for (size_t i = 0; i < n; i++) {
        const struct json_value *a = &list->items[i];
        struct remote_req *x = &r->reqs[r->nreqs];
        int64_t kind;

        if (a->type != JSON_ARRAY || a->n < 11)
            continue;
        x->req.id = (uint64_t)a->items[0].i;
        x->req.op = (enum bk_op)a->items[1].i;
        if ((unsigned)x->req.op >= BK_OP__MAX)
            x->req.op = BK_OP_READ;
        kind = a->items[2].i;
        if (kind >= 0) {
            x->src = (struct bk_source){ .kind = (enum bk_source_kind)kind,
                                         .name = "", .id =
                                         (uint64_t)a->items[3].i };
            x->req.source = &x->src;
        }
        x->req.offset = a->items[4].i;
        x->req.bytes = a->items[5].i;
        x->req.state = (enum bk_req_state)a->items[6].i;
        x->req.submit_ns = a->items[7].i + r->offset;
        if (x->req.state == BK_REQ_SUSPENDED) {
            copy_str(x->event, sizeof(x->event), &a->items[8]);
            copy_str(x->tag, sizeof(x->tag), &a->items[9]);
            x->req.suspend_event = x->event;
            x->req.suspend_tag = x->tag;
            x->req.suspend_ns = a->items[10].i + r->offset;
        }
        r->nreqs++;
    }
    r->count = (size_t)json_int(json_get(rq, "count"), (int64_t)r->nreqs);
}

static void mirror_breaks(struct tui_remote *r, const struct json_value *b)
{
    size_t n = b != NULL && b->type == JSON_ARRAY ? b->n : 0;

    free(r->breaks);
    r->breaks = calloc(n ? n : 1, sizeof(*r->breaks));
    if (r->breaks == NULL)
        abort();
    r->nbreaks = 0;
    for (size_t i = 0; i < n; i++) {
        if (b->items[i].type != JSON_ARRAY || b->items[i].n < 2)
            continue;
        copy_str(r->breaks[r->nbreaks].event, sizeof(r->breaks[0].event),
                 &b->items[i].items[0]);
        copy_str(r->breaks[r->nbreaks].tag, sizeof(r->breaks[0].tag),
                 &b->items[i].items[1]);
        r->nbreaks++;
    }
}

static void mirror_susps(struct tui_remote *r, const struct json_value *b)
{
    size_t n = b != NULL && b->type == JSON_ARRAY ? b->n : 0;

    free(r->susps);
    r->susps = calloc(n ? n : 1, sizeof(*r->susps));
    if (r->susps == NULL)
        abort();
    r->nsusps = 0;
    for (size_t i = 0; i < n; i++) {
        if (b->items[i].type != JSON_ARRAY || b->items[i].n < 2)
            continue;
        r->susps[r->nsusps].id = (uint64_t)b->items[i].items[0].i;
        copy_str(r->susps[r->nsusps].tag, sizeof(r->susps[0].tag),
                 &b->items[i].items[1]);
        r->nsusps++;
    }
}

static void mirror_rules(struct tui_remote *r, const struct json_value *rs)
{
    const struct json_value *list = json_get(rs, "list");
    size_t n = list != NULL && list->type == JSON_ARRAY ? list->n : 0;

    for (size_t i = 0; i < r->nrules; i++)
        free(r->rule_text[i]);
    free(r->rule_text);
    free(r->rules);
    r->rules = calloc(n ? n : 1, sizeof(*r->rules));
    r->rule_text = calloc(n ? n : 1, sizeof(*r->rule_text));
    if (r->rules == NULL || r->rule_text == NULL)
        abort();
    r->nrules = 0;
    r->has_rules = rs != NULL && rs->type == JSON_OBJECT;
    r->state = (int)json_int(json_get(rs, "state"), 1);
    for (size_t i = 0; i < n; i++) {
        const struct json_value *a = &list->items[i];
        struct rules_rule *x = &r->rules[r->nrules];

        if (a->type != JSON_ARRAY || a->n < 9)
            continue;
        x->id = (unsigned)a->items[0].i;
        x->action = (enum rules_action)a->items[1].i;
        if ((unsigned)x->action >= RULES_ACTION__MAX)
            continue;
        x->event = (enum rules_event)a->items[2].i;
        if ((unsigned)x->event >= RULES_EV__MAX)
            x->event = RULES_EV_NONE;
        x->m.iotype_mask = (unsigned)a->items[3].i;
        if (x->action == RULES_INJECT_ERROR)
            x->u.inject.sector = a->items[4].i;
        x->armed = json_true(&a->items[5]);
        x->disabled = json_true(&a->items[6]);
        x->matched = (uint64_t)a->items[7].i;
        x->injected = (uint64_t)a->items[8].i;
        if (a->n >= 10 && json_str(&a->items[9]) != NULL &&
            (r->rule_text[r->nrules] = strdup(json_str(&a->items[9]))) ==
            NULL)
            abort();
        r->nrules++;
    }
}

static void mirror_heat(struct tui_remote *r, const struct json_value *h)
{
    struct tui_heat *heat = r->t->w.heat;

    if (heat == NULL || h == NULL || h->type != JSON_ARRAY)
        return;
    tui_heat_clear(heat);
    for (size_t i = 0; i < h->n; i++) {
        const struct json_value *a = &h->items[i];

        if (a->type == JSON_ARRAY && a->n >= 4 && a->items[0].i >= 0 &&
            a->items[0].i < TUI_HEAT__MAX)
            tui_heat_note(heat, (enum tui_heat_kind)a->items[0].i,
                          a->items[1].i, a->items[2].i,
                          a->items[3].i + r->offset);
    }
}

static void mirror_alloc(struct tui_remote *r, const struct json_value *al)
{
    const struct json_value *ranges = json_get(al, "ranges");
    struct tui_extmap *map = r->t->w.map;

    if (map == NULL || ranges == NULL || ranges->type != JSON_ARRAY)
        return;
    for (size_t i = 0; i < ranges->n; i++) {
        const struct json_value *a = &ranges->items[i];

        if (a->type != JSON_ARRAY || a->n < 3 ||
            a->items[2].type != JSON_ARRAY)
            continue;
        tui_extmap_set_hole(map, a->items[0].i, a->items[1].i);
        for (size_t k = 0; k + 1 < a->items[2].n; k += 2)
            tui_extmap_set_data(map, a->items[2].items[k].i,
                                a->items[2].items[k + 1].i -
                                a->items[2].items[k].i);
    }
}

static void mirror_stats(struct tui_remote *r, const struct json_value *st,
                         bool full)
{
    struct tui *t = r->t;
    const struct json_value *iv = json_get(st, "intervals");
    int64_t t0 = json_int(json_get(st, "t0"), 0);
    int64_t ns = json_int(json_get(st, "interval_ns"), 0);

    if (st == NULL)
        return;
    /* Our sampler's intervals are the server's, on our clock. */
    if (full || t->stats == NULL || t0 != r->stats_t0) {
        tui_stats_free(t->stats);
        t->stats = tui_stats_new(ns, 0, t0 + r->offset);
        if (t->stats == NULL)
            abort();
        r->stats_t0 = t0;
    }
    for (size_t i = 0; iv != NULL && iv->type == JSON_ARRAY && i < iv->n;
         i++) {
        const struct json_value *a = &iv->items[i];

        if (a->type != JSON_ARRAY || a->n < 1 + 3 * TUI_ST__MAX)
            continue;
        for (int c = 0; c < TUI_ST__MAX; c++) {
            struct tui_stats_total add = {
                (uint64_t)a->items[1 + 3 * c].i,
                (uint64_t)a->items[2 + 3 * c].i,
                (uint64_t)a->items[3 + 3 * c].i,
            };

            tui_stats_add_counts(t->stats, a->items[0].i,
                                 (enum tui_stats_class)c, &add);
        }
    }
    tui_stats_advance(t->stats, bk_now_ns());
}

static void mirror_session(struct tui_remote *r, const struct json_value *s)
{
    const struct json_value *b = json_get(s, "bench");
    const char *running = json_str(json_get(s, "running"));
    bool had_bench = r->has_bench;

    free(r->running);
    r->running = running != NULL ? strdup(running) : NULL;
    r->queued = (size_t)json_int(json_get(s, "queued"), 0);
    r->has_bench = b != NULL && b->type == JSON_ARRAY && b->n >= 5;
    /* The local TUI's notes on its background bench (app.c). */
    if (r->has_bench != had_bench)
        tui_app_status(r->t, r->has_bench ? "bench started"
                                          : "bench finished");
    if (r->has_bench)
        r->bench = (struct bench_progress){
            .total = b->items[0].i,
            .done = b->items[1].i,
            .in_flight = (int)b->items[2].i,
            .elapsed_ns = b->items[3].i,
            .time_limit = (double)b->items[4].i,
        };
}

/* Another session's run: the first in "benches" that is not this one's. */
static void mirror_benches(struct tui_remote *r, const struct json_value *v)
{
    const struct json_value *self = json_get(json_get(v, "session"), "self");
    const struct json_value *l = json_get(v, "benches");
    int64_t kind = -1, id = -1;

    r->has_other = false;
    if (self != NULL && self->type == JSON_ARRAY && self->n >= 2) {
        kind = self->items[0].i;
        id = self->items[1].i;
    }
    for (size_t i = 0; l != NULL && l->type == JSON_ARRAY && i < l->n; i++) {
        const struct json_value *a = &l->items[i];

        if (a->type != JSON_ARRAY || a->n < 8 ||
            (a->items[0].i == kind && a->items[1].i == id))
            continue;
        r->has_other = true;
        r->other_src = (struct bk_source){
            .kind = (enum bk_source_kind)a->items[0].i, .name = "",
            .id = (uint64_t)a->items[1].i };
        r->other = (struct bench_progress){
            .total = a->items[3].i,
            .done = a->items[4].i,
            .in_flight = (int)a->items[5].i,
            .elapsed_ns = a->items[6].i,
            .time_limit = (double)a->items[7].i,
        };
        return;
    }
}

static void exports_free(struct tui_remote *r)
{
    for (size_t i = 0; i < r->nexports; i++) {
        struct remote_export *x = &r->exports[i];

        for (size_t k = 0; k < x->exp.nclients; k++)
            free(x->clients[k].peer);
        free(x->clients);
        free(x->exp.name);
        free(x->exp.where);
    }
    free(r->exports);
    r->exports = NULL;
    r->nexports = 0;
    r->first = r->control = NULL;
}

static char *dup_str(const struct json_value *v)
{
    char *s = strdup(json_str(v) != NULL ? json_str(v) : "");

    if (s == NULL)
        abort();
    return s;
}

static void mirror_exports(struct tui_remote *r, const struct json_value *l)
{
    size_t n = l != NULL && l->type == JSON_ARRAY ? l->n : 0;
    struct export **link;

    exports_free(r);
    link = &r->first;
    r->exports = calloc(n ? n : 1, sizeof(*r->exports));
    if (r->exports == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct json_value *a = &l->items[i], *cl;
        struct remote_export *x = &r->exports[r->nexports];
        size_t nc;

        if (a->type != JSON_ARRAY || a->n < 7 ||
            a->items[6].type != JSON_ARRAY)
            continue;
        cl = &a->items[6];
        copy_str(x->kind, sizeof(x->kind), &a->items[0]);
        x->ops.kind = x->kind;
        x->exp.ops = &x->ops;
        x->exp.name = dup_str(&a->items[1]);
        x->exp.where = dup_str(&a->items[2]);
        x->exp.read_only = json_true(&a->items[3]);
        x->exp.draining = json_true(&a->items[4]);
        x->exp.nclients_total = (uint64_t)a->items[5].i;
        x->clients = calloc(cl->n ? cl->n : 1, sizeof(*x->clients));
        if (x->clients == NULL)
            abort();
        nc = 0;
        for (size_t k = 0; k < cl->n; k++) {
            const struct json_value *c = &cl->items[k];
            struct export_client *y = &x->clients[nc];

            if (c->type != JSON_ARRAY || c->n < 9)
                continue;
            y->exp = &x->exp;
            y->source = (struct bk_source){
                .kind = (enum bk_source_kind)c->items[0].i, .name = "",
                .id = (uint64_t)c->items[1].i };
            y->peer = dup_str(&c->items[2]);
            y->inflight = (unsigned)c->items[3].i;
            y->answered = (struct bk_tally){
                .requests = (uint64_t)c->items[4].i,
                .bytes_read = (uint64_t)c->items[5].i,
                .bytes_written = (uint64_t)c->items[6].i,
                .errors = (uint64_t)c->items[7].i };
            y->connect_ns = c->items[8].i + r->offset;
            if (nc > 0) {
                x->clients[nc - 1].next = y;
                y->prev = &x->clients[nc - 1];
            }
            nc++;
        }
        x->exp.nclients = nc;
        x->exp.clients = nc > 0 ? &x->clients[0] : NULL;
        x->exp.clients_tail = nc > 0 ? &x->clients[nc - 1] : NULL;
        /* The control socket (the last) is kept out of the chain. */
        if (strcmp(x->kind, "control") == 0) {
            r->control = &x->exp;
        } else {
            *link = &x->exp;
            link = &x->exp.next;
        }
        r->nexports++;
    }
}

/* New entries of the run's request log, onto this process's clock. */
static void mirror_log_ring(struct tui_remote *r, const struct json_value *a,
                            enum tui_reqlog_ring ring)
{
    struct tui_reqlog *log = r->t->w.log;
    size_t n = a != NULL && a->type == JSON_ARRAY ? a->n : 0;

    for (size_t i = 0; log != NULL && i < n; i++) {
        const struct json_value *x = &a->items[i];
        struct tui_reqlog_entry e = { 0 };

        if (x->type != JSON_ARRAY || x->n < 14)
            continue;
        e.seq = (uint64_t)x->items[0].i;
        if (e.seq <= r->log_seq[ring])
            continue;
        r->log_seq[ring] = e.seq;
        e.id = (uint64_t)x->items[1].i;
        e.op = (enum bk_op)x->items[2].i;
        if ((unsigned)e.op >= BK_OP__MAX)
            e.op = BK_OP_READ;
        e.offset = x->items[3].i;
        e.bytes = x->items[4].i;
        e.t_ns = x->items[5].i + r->offset;
        e.lat_ns = x->items[6].i;
        e.ret = (int)x->items[7].i;
        e.rule = (unsigned)x->items[8].i;
        e.src_kind = (int)x->items[9].i;
        e.src_id = (uint64_t)x->items[10].i;
        e.resumed = json_true(&x->items[11]);
        copy_str(e.tag, sizeof(e.tag), &x->items[12]);
        copy_str(e.event, sizeof(e.event), &x->items[13]);
        tui_reqlog_add(log, ring, &e);
    }
}

static void mirror_log(struct tui_remote *r, const struct json_value *l)
{
    mirror_log_ring(r, json_get(l, "done"), TUI_LOG_DONE);
    mirror_log_ring(r, json_get(l, "errors"), TUI_LOG_ERROR);
    mirror_log_ring(r, json_get(l, "susp"), TUI_LOG_SUSP);
}

static void mirror_latency(struct tui_stats_latency *out,
                           const struct json_value *lat)
{
    if (lat != NULL && lat->type == JSON_ARRAY && lat->n >= 5) {
        *out = (struct tui_stats_latency){
            .count = (uint64_t)lat->items[0].i, .p50 = lat->items[1].i,
            .p90 = lat->items[2].i, .p99 = lat->items[3].i,
            .max = lat->items[4].i,
        };
        for (size_t d = 0; d < TUI_STATS_DECADES && 5 + d < lat->n; d++)
            out->decade[d] = (uint64_t)lat->items[5 + d].i;
    }
}

static void remote_frame(struct tui_remote *r, const struct json_value *v)
{
    struct tui *t = r->t;
    const struct json_value *lat = json_get(v, "latency");
    const struct json_value *tot = json_get(v, "totals");
    const struct json_value *dev = json_get(v, "dev");
    bool full = json_true(json_get(v, "full"));

    r->offset = bk_now_ns() - json_int(json_get(v, "now"), 0);
    mirror_image(r, json_get(v, "image"), full);
    mirror_requests(r, json_get(v, "requests"));
    mirror_breaks(r, json_get(v, "breaks"));
    mirror_susps(r, json_get(v, "susps"));
    mirror_rules(r, json_get(v, "rules"));
    mirror_heat(r, json_get(v, "heat"));
    mirror_log(r, json_get(v, "log"));
    mirror_alloc(r, json_get(v, "alloc"));
    mirror_stats(r, json_get(v, "stats"), full);
    mirror_session(r, json_get(v, "session"));
    mirror_benches(r, v);
    mirror_exports(r, json_get(v, "exports"));
    tui_rqmap_mirror(&r->qmap, v);
    r->dev.errors = (uint64_t)json_int(json_get(dev, "errors"), 0);
    r->dev.injected = (uint64_t)json_int(json_get(dev, "injected"), 0);
    mirror_latency(&r->lat[TUI_ST_ALL], lat);
    lat = json_get(v, "latency_by");
    for (int c = 0; c < TUI_ST__MAX && lat != NULL &&
                    lat->type == JSON_ARRAY && (size_t)c < lat->n; c++)
        mirror_latency(&r->lat[c], &lat->items[c]);
    for (int c = 0; c < TUI_ST__MAX && tot != NULL &&
                    tot->type == JSON_ARRAY && (size_t)c < tot->n; c++) {
        const struct json_value *a = &tot->items[c];

        if (a->type == JSON_ARRAY && a->n >= 3)
            r->totals[c] = (struct tui_stats_total){
                (uint64_t)a->items[0].i, (uint64_t)a->items[1].i,
                (uint64_t)a->items[2].i };
    }
    t->last_activity_ns = bk_now_ns();
    tui_watch_wake(t);
    tui_app_data_dirty(t);
}

static void remote_line(struct tui_remote *r, const char *line, size_t len)
{
    struct json_value v;
    const char *ev;
    char *cause = NULL;

    if (json_parse(line, len, &v, &cause) < 0) {
        tui_outbuf_printf(r->t->out, TUI_OUT_NOTE, "blkmon: attach: %s",
                          cause != NULL ? cause : "bad line");
        free(cause);
        return;
    }
    ev = json_str(json_get(&v, "event"));
    if (ev == NULL && json_get(&v, "id") != NULL)
        remote_reply(r, &v);
    else if (ev != NULL && strcmp(ev, "view") == 0)
        remote_frame(r, &v);
    else if (ev != NULL && strcmp(ev, "suspended") == 0)
        tui_outbuf_printf(r->t->out, TUI_OUT_TEXT, "blkdebug: Suspended "
                          "request '%s'", json_str(json_get(&v, "tag")));
    else if (ev != NULL && strcmp(ev, "resumed") == 0)
        tui_outbuf_printf(r->t->out, TUI_OUT_TEXT, "blkdebug: Resuming "
                          "request '%s'", json_str(json_get(&v, "tag")));
    else if (ev != NULL && strcmp(ev, "fault") == 0)
        remote_fault(r, &v);
    else if (ev != NULL && strcmp(ev, "output") == 0)
        remote_reply(r, &v);
    json_value_fini(&v);
    tui_app_data_dirty(r->t);
}

static void remote_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct tui_remote *r = arg;

    (void)loop;
    remote_write(r);
    for (;;) {
        char *lf;
        ssize_t n;

        if (r->fd < 0)
            return;
        if (r->incap - r->inlen < 65536) {
            size_t cap = r->incap ? r->incap * 2 : 1 << 20;
            char *p;

            if (cap > REMOTE_LINE_MAX + 65536) {
                remote_end(r, "a line from the server is too long");
                return;
            }
            p = realloc(r->in, cap);
            if (p == NULL)
                abort();
            r->in = p;
            r->incap = cap;
        }
        n = recv(fd, r->in + r->inlen, r->incap - r->inlen, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            remote_end(r, "the run ended (the connection was closed)");
            return;
        }
        r->inlen += (size_t)n;
        /* Every whole line. */
        while ((lf = memchr(r->in, '\n', r->inlen)) != NULL) {
            size_t len = (size_t)(lf - r->in);

            remote_line(r, r->in, len);
            memmove(r->in, lf + 1, r->inlen - len - 1);
            r->inlen -= len + 1;
            if (r->fd < 0)
                return;
        }
    }
}

struct tui_remote *tui_remote_new(struct tui *t, int fd, const char *where)
{
    struct tui_remote *r = calloc(1, sizeof(*r));

    if (r == NULL)
        abort();
    r->t = t;
    r->fd = fd;
    r->loop = t->loop;
    r->where = strdup(where);
    if (r->where == NULL)
        abort();
    jb_init(&r->out);
    r->stats_t0 = -1;
    t->remote = r;
    bk_loop_add_fd(r->loop, fd, remote_ready, r);
    remote_request(r, "attach");
    return r;
}

void tui_remote_free(struct tui_remote *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0) {
        /* What was typed last still goes (a quit). */
        remote_write(r);
        bk_loop_del_fd(r->loop, r->fd);
        close(r->fd);
    }
    jb_free(&r->out);
    free(r->in);
    free(r->where);
    free(r->gone);
    free(r->filename);
    free(r->format);
    free(r->storage_driver);
    free(r->storage_path);
    free(r->reqs);
    free(r->breaks);
    free(r->susps);
    for (size_t i = 0; i < r->nrules; i++)
        free(r->rule_text[i]);
    free(r->rule_text);
    free(r->rules);
    free(r->running);
    exports_free(r);
    tui_rqmap_free(r->qmap);
    free(r);
}

const char *tui_remote_where(const struct tui_remote *r)
{
    return r->where;
}

const char *tui_remote_gone(const struct tui_remote *r)
{
    return r->gone;
}

/* ---- the mirror, as model.c asks ----------------------------------------- */

bool tui_remote_image(struct tui_remote *r, struct tui_model_image *img)
{
    if (!r->has_image)
        return false;
    if (img != NULL)
        *img = (struct tui_model_image){ r->filename, r->format, r->length,
                                         r->blkdebug };
    return true;
}

char *tui_remote_rule_text(struct tui_remote *r, unsigned id)
{
    for (size_t i = 0; i < r->nrules; i++)
        if (r->rules[i].id == id && r->rule_text[i] != NULL)
            return strdup(r->rule_text[i]);
    return NULL;
}

bool tui_remote_storage(struct tui_remote *r, struct bk_storage *st)
{
    if (!r->has_image || !r->has_storage)
        return false;
    *st = r->storage;
    return true;
}

size_t tui_remote_outstanding(struct tui_remote *r)
{
    return r->count;
}

void tui_remote_for_each_req(struct tui_remote *r,
                             void (*fn)(const struct bk_req *req, void *arg),
                             void *arg)
{
    for (size_t i = 0; i < r->nreqs; i++)
        fn(&r->reqs[i].req, arg);
}

void tui_remote_for_each_break(struct tui_remote *r,
                               void (*fn)(const char *event, const char *tag,
                                          void *arg),
                               void *arg)
{
    for (size_t i = 0; i < r->nbreaks; i++)
        fn(r->breaks[i].event, r->breaks[i].tag, arg);
}

void tui_remote_for_each_suspension(struct tui_remote *r,
                                    void (*fn)(const char *tag,
                                               const struct bk_req *req,
                                               void *arg),
                                    void *arg)
{
    for (size_t i = 0; i < r->nsusps; i++)
        for (size_t k = 0; k < r->nreqs; k++)
            if (r->reqs[k].req.id == r->susps[i].id) {
                fn(r->susps[i].tag, &r->reqs[k].req, arg);
                break;
            }
}

bool tui_remote_rules(struct tui_remote *r, int *state, size_t *count)
{
    if (!r->has_rules)
        return false;
    *state = r->state;
    *count = r->nrules;
    return true;
}

void tui_remote_for_each_rule(struct tui_remote *r,
                              void (*fn)(const struct rules_rule *rule,
                                         void *arg),
                              void *arg)
{
    for (size_t i = 0; i < r->nrules; i++)
        fn(&r->rules[i], arg);
}

void tui_remote_dev_stats(struct tui_remote *r, struct bk_stats *out)
{
    *out = r->dev;
}

bool tui_remote_bench(struct tui_remote *r, struct bench_progress *out)
{
    if (!r->has_bench)
        return false;
    *out = r->bench;
    return true;
}

bool tui_remote_bench_other(struct tui_remote *r, struct bench_progress *out,
                            struct bk_source *who)
{
    if (!r->has_other)
        return false;
    *out = r->other;
    *who = r->other_src;
    return true;
}

struct tui_stats_latency tui_remote_latency(struct tui_remote *r,
                                           enum tui_stats_class c)
{
    return r->lat[c <= TUI_ST_ALL ? c : TUI_ST_ALL];
}

struct tui_stats_total tui_remote_total(struct tui_remote *r,
                                        enum tui_stats_class c)
{
    return r->totals[c];
}

const char *tui_remote_running(struct tui_remote *r, size_t *queued)
{
    *queued = r->queued;
    return r->running;
}

const struct export *tui_remote_exports(struct tui_remote *r)
{
    return r->first;
}

const struct export *tui_remote_control(struct tui_remote *r)
{
    return r->control;
}

const struct tui_layers *tui_remote_layers(struct tui_remote *r)
{
    return r->has_image ? tui_rqmap_layers(r->qmap) : NULL;
}

static const struct bk_req *remote_find_req(void *ctx, uint64_t id)
{
    struct tui_remote *r = ctx;

    for (size_t i = 0; i < r->nreqs; i++)
        if (r->reqs[i].req.id == id)
            return &r->reqs[i].req;
    return NULL;
}

void tui_remote_for_each_subreq(struct tui_remote *r,
                                void (*fn)(const struct bk_subreq *sub,
                                           void *arg),
                                void *arg)
{
    tui_rqmap_for_each_subreq(r->qmap, remote_find_req, r, fn, arg);
}
