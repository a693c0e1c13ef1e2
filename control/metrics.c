/*
 * metrics.c — the Prometheus endpoint (see metrics.h).
 *
 * Counting: a device observer on the group's image adds each request to
 * per-operation counters and to its class's histogram (fixed buckets
 * from 10 us to 10 s, upper bounds inclusive as Prometheus wants them),
 * and each fault to its kind's counter.  The rest (in flight, rules,
 * exports) is read from the device when scraped.
 *
 * Serving: a connection reads its request head into a buffer of
 * METRICS_HEAD_MAX bytes, answers once it has the blank line (or as soon
 * as it knows the request is bad), writes the answer as the socket takes
 * it and closes.  A timer closes connections that take too long.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/events.h"
#include "control/json.h"
#include "control/metrics.h"
#include "export/export.h"
#include "nbd/addr.h"
#include "rules/rules.h"
#include "util/strfmt.h"

enum { M_READ, M_WRITE, M_OTHER, M_CLASSES };

static const char *const m_class_names[M_CLASSES] = { "read", "write",
                                                      "other" };

/* Upper bounds in nanoseconds, and as Prometheus reads them. */
static const int64_t m_bounds_ns[] = {
    10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
    10000000, 25000000, 50000000, 100000000, 250000000, 500000000,
    1000000000, 2500000000, 5000000000, 10000000000,
};
static const char *const m_bounds_text[] = {
    "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001",
    "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
    "2.5", "5", "10",
};
#define M_BUCKETS (sizeof(m_bounds_ns) / sizeof(m_bounds_ns[0]))


struct m_hist {
    uint64_t n[M_BUCKETS + 1];       /* the last: past every bound */
    uint64_t count;
    int64_t sum_ns;
};

struct m_conn {
    struct metrics *m;
    int fd;
    char head[METRICS_HEAD_MAX];
    size_t len;
    char *reply;
    size_t rlen, roff;
    bool sent;                       /* answered: only draining now */
    int64_t start_ns;
    struct m_conn *next;
};

struct metrics {
    struct bk_loop *loop;
    struct cmd_group *group;
    struct cmd_state *owner;
    struct bk_dev *dev;
    struct bk_observer obs;
    int fd;
    struct nbd_addr addr;
    char *where;
    struct m_conn *conns;
    unsigned nconns;
    int timer;
    int64_t start_wall;

    uint64_t ops[BK_OP__MAX][2];     /* [op][0 ok, 1 error] */
    uint64_t bytes[BK_OP__MAX];
    struct m_hist hist[M_CLASSES];
    uint64_t faults[EV_FAULT_KINDS];
};

static void m_conn_free(struct m_conn *c);

/* ---- counting ------------------------------------------------------------ */

static int m_class(enum bk_op op)
{
    return op == BK_OP_READ ? M_READ : op == BK_OP_WRITE ? M_WRITE : M_OTHER;
}

static void m_req_end(struct bk_dev *dev, const struct bk_req *req,
                      void *arg)
{
    struct metrics *m = arg;
    int64_t lat = req->complete_ns - req->submit_ns;
    struct m_hist *h;
    size_t b = 0;

    (void)dev;
    if ((unsigned)req->op >= BK_OP__MAX)
        return;
    m->ops[req->op][req->ret < 0]++;
    if (req->ret >= 0 && req->bytes > 0)
        m->bytes[req->op] += (uint64_t)req->bytes;
    if (lat < 0)
        lat = 0;
    h = &m->hist[m_class(req->op)];
    while (b < M_BUCKETS && lat > m_bounds_ns[b])
        b++;
    h->n[b]++;
    h->count++;
    h->sum_ns += lat;
}

static void m_fault(struct bk_dev *dev, const struct bk_fault *f, void *arg)
{
    struct metrics *m = arg;

    (void)dev;
    if ((unsigned)f->kind < EV_FAULT_KINDS)
        m->faults[f->kind]++;
}

static void m_follow(struct metrics *m, struct bk_dev *dev)
{
    m->dev = dev;
    if (dev == NULL)
        return;
    m->obs = (struct bk_observer){ .req_end = m_req_end, .fault = m_fault,
                                   .arg = m };
    bk_dev_add_observer(dev, &m->obs);
}

static void m_image(struct cmd_group *g, struct bk_dev *dev, void *arg)
{
    (void)g;
    /* The old device is gone: nothing to unhook. */
    m_follow(arg, dev);
}

/* ---- the exposition ------------------------------------------------------ */

static void m_help(struct jbuf *b, const char *name, const char *type,
                   const char *help)
{
    char line[256];
    int n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n",
                     name, help, name, type);

    jb_raw(b, line, (size_t)n);
}

/* A label value, escaped as the format says (\\, \", \n). */
static void m_label(struct jbuf *b, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '\\')
            jb_lit(b, "\\\\");
        else if (*s == '"')
            jb_lit(b, "\\\"");
        else if (*s == '\n')
            jb_lit(b, "\\n");
        else
            jb_raw(b, s, 1);
    }
}

static void m_num(struct jbuf *b, uint64_t v)
{
    char num[24];

    jb_raw(b, num, json_utoa(v, num));
    jb_lit(b, "\n");
}

struct m_count {
    size_t inflight, suspended;
};

static void m_count_req(const struct bk_req *req, void *arg)
{
    struct m_count *c = arg;

    if (req->state == BK_REQ_SUSPENDED)
        c->suspended++;
    else
        c->inflight++;
}

/* A per-rule counter: its name, and which count of the rule it gives. */
struct m_rule_counter {
    struct jbuf *b;
    const char *metric;
    bool injected;              /* faults caused, not conditions met */
};

static void m_rule(const struct rules_rule *r, void *arg)
{
    const struct m_rule_counter *c = arg;
    char line[160];
    int n;

    if (r->action == RULES_SUSPEND)
        return;
    n = snprintf(line, sizeof(line), "%s{rule=\"%u\",group=\"%s\"} %llu\n",
                 c->metric, r->id, rules_action_names[r->action],
                 (unsigned long long)(c->injected ? r->injected
                                                  : r->matched));
    jb_raw(c->b, line, (size_t)n);
}

/* One export's line of a per-export metric. */
static void m_export(struct jbuf *b, const char *metric,
                     const struct export *x, uint64_t value)
{
    jb_raw(b, metric, strlen(metric));
    jb_lit(b, "{kind=\"");
    m_label(b, x->ops->kind);
    jb_lit(b, "\",export=\"");
    m_label(b, x->name);
    jb_lit(b, "\"} ");
    m_num(b, value);
}

static void m_body(struct metrics *m, struct jbuf *b)
{
    struct export_set *set = m->owner->exports;
    struct rules_engine *e = m->dev != NULL ? bk_dev_rules(m->dev) : NULL;
    struct m_count cnt = { 0, 0 };
    char line[256];

    m_help(b, "blkmon_requests_total", "counter",
           "Requests ended, by operation and result.");
    for (int op = 0; op < BK_OP__MAX; op++) {
        if (op == BK_OP_BLOCK_STATUS)
            continue;
        for (int err = 0; err < 2; err++) {
            snprintf(line, sizeof(line), "blkmon_requests_total{op=\"%s\","
                     "result=\"%s\"} ", bk_op_names[op], err ? "error" : "ok");
            jb_raw(b, line, strlen(line));
            m_num(b, m->ops[op][err]);
        }
    }
    m_help(b, "blkmon_bytes_total", "counter",
           "Bytes of the requests that succeeded, by operation.");
    for (int op = 0; op < BK_OP__MAX; op++) {
        if (op == BK_OP_FLUSH || op == BK_OP_TRUNCATE ||
            op == BK_OP_BLOCK_STATUS)
            continue;
        snprintf(line, sizeof(line), "blkmon_bytes_total{op=\"%s\"} ",
                 bk_op_names[op]);
        jb_raw(b, line, strlen(line));
        m_num(b, m->bytes[op]);
    }
    m_help(b, "blkmon_request_duration_seconds", "histogram",
           "Time from submission to end, by class (other: write zeroes, "
           "discard, flush, truncate).");
    for (int c = 0; c < M_CLASSES; c++) {
        const struct m_hist *h = &m->hist[c];
        uint64_t cum = 0;

        for (size_t k = 0; k <= M_BUCKETS; k++) {
            cum += h->n[k];
            snprintf(line, sizeof(line), "blkmon_request_duration_seconds_"
                     "bucket{class=\"%s\",le=\"%s\"} ", m_class_names[c],
                     k < M_BUCKETS ? m_bounds_text[k] : "+Inf");
            jb_raw(b, line, strlen(line));
            m_num(b, cum);
        }
        snprintf(line, sizeof(line), "blkmon_request_duration_seconds_sum"
                 "{class=\"%s\"} %.9f\n", m_class_names[c],
                 (double)h->sum_ns / 1e9);
        jb_raw(b, line, strlen(line));
        snprintf(line, sizeof(line), "blkmon_request_duration_seconds_count"
                 "{class=\"%s\"} ", m_class_names[c]);
        jb_raw(b, line, strlen(line));
        m_num(b, h->count);
    }
    if (m->dev != NULL)
        bk_dev_for_each_req(m->dev, m_count_req, &cnt);
    m_help(b, "blkmon_requests_in_flight", "gauge",
           "Requests outstanding and not parked.");
    jb_lit(b, "blkmon_requests_in_flight ");
    m_num(b, cnt.inflight);
    m_help(b, "blkmon_requests_suspended", "gauge",
           "Requests parked at a breakpoint or by a hang rule.");
    jb_lit(b, "blkmon_requests_suspended ");
    m_num(b, cnt.suspended);
    m_help(b, "blkmon_faults_total", "counter",
           "Faults rules injected, by kind.");
    for (size_t k = 0; k < EV_FAULT_KINDS; k++) {
        snprintf(line, sizeof(line), "blkmon_faults_total{kind=\"%s\"} ",
                 ev_fault_names[k]);
        jb_raw(b, line, strlen(line));
        m_num(b, m->faults[k]);
    }
    if (e != NULL) {
        m_help(b, "blkmon_blkdebug_state", "gauge",
               "The blkdebug state of the image.");
        snprintf(line, sizeof(line), "blkmon_blkdebug_state %d\n",
                 rules_state(e));
        jb_raw(b, line, strlen(line));
        m_help(b, "blkmon_rule_hits_total", "counter",
               "Requests or events that met each rule's conditions.");
        rules_foreach(e, m_rule, &(struct m_rule_counter){
                          b, "blkmon_rule_hits_total", false });
        m_help(b, "blkmon_rule_injected_total", "counter",
               "Faults each rule caused.");
        rules_foreach(e, m_rule, &(struct m_rule_counter){
                          b, "blkmon_rule_injected_total", true });
    }
    m_help(b, "blkmon_image_size_bytes", "gauge",
           "The open image's length (0: none open).");
    jb_lit(b, "blkmon_image_size_bytes ");
    m_num(b, m->dev != NULL ? (uint64_t)bk_dev_length(m->dev) : 0);
    if (export_count(set) > 0) {
        m_help(b, "blkmon_export_clients", "gauge",
               "Clients connected to each export.");
        for (struct export *x = export_first(set); x != NULL; x = x->next)
            m_export(b, "blkmon_export_clients", x, x->nclients);
        m_help(b, "blkmon_export_connections_total", "counter",
               "Clients that ever connected to each export.");
        for (struct export *x = export_first(set); x != NULL; x = x->next)
            m_export(b, "blkmon_export_connections_total", x,
                     x->nclients_total);
    }
    m_help(b, "blkmon_start_time_seconds", "gauge",
           "When blkmon started, in seconds since the Unix epoch.");
    jb_lit(b, "blkmon_start_time_seconds ");
    m_num(b, (uint64_t)m->start_wall);
}

/* ---- HTTP ---------------------------------------------------------------- */

int metrics_parse_head(const char *text, size_t len, bool *head_only)
{
    const char *end = NULL, *sp1, *sp2, *eol;
    size_t tlen;

    for (size_t i = 0; i + 3 < len; i++) {
        if (memcmp(text + i, "\r\n\r\n", 4) == 0) {
            end = text + i;
            break;
        }
    }
    /* The request line alone can be judged early. */
    eol = memchr(text, '\n', len);
    if (end == NULL && eol == NULL)
        return len >= METRICS_HEAD_MAX ? 431 : 0;
    if (eol == NULL || eol == text || eol[-1] != '\r')
        return 400;
    if (memchr(text, '\0', len) != NULL)
        return 400;
    sp1 = memchr(text, ' ', (size_t)(eol - text));
    if (sp1 == NULL)
        return 400;
    sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (sp2 == NULL || eol - 1 - (sp2 + 1) != 8 ||
        strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
        (sp2[8] != '0' && sp2[8] != '1'))
        return 400;
    for (const char *p = text; p < sp1; p++)
        if (*p < 'A' || *p > 'Z')
            return 400;
    for (const char *p = sp1 + 1; p < sp2; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return 400;
    if (end == NULL)
        return len >= METRICS_HEAD_MAX ? 431 : 0;
    /* Header lines: NAME: VALUE, none folded, no bare LF. */
    for (const char *p = eol + 1; p < end + 2;) {
        const char *nl = memchr(p, '\n', (size_t)(end + 2 - p));
        const char *colon;

        if (nl == NULL || nl[-1] != '\r')
            return 400;
        colon = memchr(p, ':', (size_t)(nl - p));
        if (colon == NULL || colon == p || *p == ' ' || *p == '\t')
            return 400;
        p = nl + 1;
    }
    *head_only = sp1 - text == 4 && strncmp(text, "HEAD", 4) == 0;
    if (!(sp1 - text == 3 && strncmp(text, "GET", 3) == 0) && !*head_only)
        return 405;
    tlen = (size_t)(sp2 - sp1 - 1);
    if (!(tlen == 8 || (tlen > 8 && sp1[9] == '?')) ||
        strncmp(sp1 + 1, "/metrics", 8) != 0)
        return 404;
    return 200;
}

/*
 * Write the answer; then close the sending side and read what the client
 * still sends until it closes (a *lingering* close): closing a socket
 * with unread input would reset the connection and could lose the answer
 * on its way.  The timer ends clients that never close.
 */
static void m_conn_write(struct m_conn *c)
{
    while (c->roff < c->rlen) {
        ssize_t n = send(c->fd, c->reply + c->roff, c->rlen - c->roff,
                         MSG_NOSIGNAL);

        if (n > 0) {
            c->roff += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        m_conn_free(c);
        return;
    }
    shutdown(c->fd, SHUT_WR);
    c->sent = true;
    bk_loop_fd_events(c->m->loop, c->fd, BK_FD_READ);
}

static void m_answer(struct m_conn *c, int status, bool head_only)
{
    static const struct { int code; const char *text; } reasons[] = {
        { 200, "OK" }, { 400, "Bad Request" }, { 404, "Not Found" },
        { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
        { 431, "Request Header Fields Too Large" },
    };
    const char *reason = "Error", *type = "text/plain; charset=utf-8";
    struct jbuf body, out;
    char head[320];
    int n;

    jb_init(&body);
    if (status == 200) {
        m_body(c->m, &body);
        type = "text/plain; version=0.0.4; charset=utf-8";
    }
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].code == status)
            reason = reasons[i].text;
    if (status != 200) {
        jb_raw(&body, reason, strlen(reason));
        jb_lit(&body, "\n");
    }
    n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                 "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                 status, reason, type, body.len,
                 status == 405 ? "Allow: GET, HEAD\r\n" : "");
    jb_init(&out);
    jb_raw(&out, head, (size_t)n);
    if (!head_only && body.len > 0)
        jb_raw(&out, body.p, body.len);
    jb_free(&body);
    c->reply = out.p;
    c->rlen = out.len;
    c->roff = 0;
    bk_loop_fd_events(c->m->loop, c->fd, BK_FD_READ | BK_FD_WRITE);
    m_conn_write(c);
}

static void m_conn_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct m_conn *c = arg;
    bool head_only = false;
    int status;
    ssize_t n;

    (void)loop;
    if (c->reply != NULL) {
        char sink[4096];

        /* What comes after the head is read and dropped. */
        while ((n = recv(fd, sink, sizeof(sink), 0)) > 0)
            ;
        if (n == 0) {
            m_conn_free(c);
            return;
        }
        if (!c->sent)
            m_conn_write(c);
        return;
    }
    n = recv(fd, c->head + c->len, sizeof(c->head) - c->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        m_conn_free(c);
        return;
    }
    c->len += (size_t)n;
    status = metrics_parse_head(c->head, c->len, &head_only);
    if (status != 0)
        m_answer(c, status, head_only);
}

static void m_conn_free(struct m_conn *c)
{
    struct metrics *m = c->m;

    for (struct m_conn **p = &m->conns; *p != NULL; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            m->nconns--;
            break;
        }
    }
    bk_loop_del_fd(m->loop, c->fd);
    close(c->fd);
    free(c->reply);
    free(c);
}

static long m_timer(struct bk_loop *loop, void *arg)
{
    struct metrics *m = arg;
    int64_t now = bk_now_ns();

    (void)loop;
    for (struct m_conn *c = m->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (now - c->start_ns > METRICS_TIMEOUT_MS * 1000000LL) {
            if (c->reply == NULL)
                m_answer(c, 408, false);
            else
                m_conn_free(c);
        }
    }
    if (m->conns == NULL) {
        m->timer = 0;
        return -1;
    }
    return 1000;
}

static void m_accept(struct bk_loop *loop, int fd, void *arg)
{
    struct metrics *m = arg;

    (void)loop;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct m_conn *c;

        if (cfd < 0)
            return;
        if (m->nconns >= METRICS_MAX_CONNS) {
            close(cfd);
            continue;
        }
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            abort();
        c->m = m;
        c->fd = cfd;
        c->start_ns = bk_now_ns();
        c->next = m->conns;
        m->conns = c;
        m->nconns++;
        if (bk_loop_add_fd(m->loop, cfd, m_conn_ready, c) < 0) {
            m_conn_free(c);
            continue;
        }
        if (m->timer == 0) {
            m->timer = bk_loop_add_timer(m->loop, 1000, m_timer, m);
            if (m->timer < 0)
                m->timer = 0;
        }
    }
}

int metrics_start(struct cmd_state *owner, const char *addr,
                  struct metrics **out, char **cause)
{
    struct metrics *m = calloc(1, sizeof(*m));
    int ret;

    if (m == NULL)
        abort();
    if (owner->group == NULL) {
        free(m);
        *cause = strfmt("internal: the session has no group");
        return -EINVAL;
    }
    ret = nbd_addr_parse(addr, &m->addr, cause);
    if (ret == 0)
        ret = nbd_addr_listen(&m->addr, &m->fd, cause);
    if (ret < 0) {
        nbd_addr_clear(&m->addr);
        free(m);
        return ret;
    }
    m->loop = owner->loop;
    m->owner = owner;
    m->group = owner->group;
    m->where = nbd_addr_text(&m->addr);
    m->start_wall = (int64_t)time(NULL);
    bk_loop_add_fd(m->loop, m->fd, m_accept, m);
    cmd_group_watch(m->group, m_image, NULL, NULL, m);
    m_follow(m, owner->dev);
    *out = m;
    return 0;
}

const char *metrics_where(const struct metrics *m)
{
    return m->where;
}

void metrics_stop(struct metrics *m)
{
    if (m == NULL)
        return;
    while (m->conns != NULL)
        m_conn_free(m->conns);
    if (m->timer > 0)
        bk_loop_del_timer(m->loop, m->timer);
    bk_loop_del_fd(m->loop, m->fd);
    close(m->fd);
    if (m->addr.is_unix)
        unlink(m->addr.path);
    if (m->dev != NULL)
        bk_dev_remove_observer(m->dev, &m->obs);
    cmd_group_unwatch(m->group, m);
    nbd_addr_clear(&m->addr);
    free(m->where);
    free(m);
}
