/*
 * stats.c — throughput sampler.  See stats.h for the model.
 *
 * Words: an *interval* has an absolute number i = (t - t0) / interval_ns;
 * its counters live in slot i % nslots of the sample ring, which has one
 * slot more than nsamples for the interval in progress.  Histograms live in
 * a coarser ring of *seconds* (hist_div intervals each), for memory.
 * Moving to a later interval clears the slots it reuses; a completion whose
 * interval has already left the ring still counts in the totals.
 */
#include "tui/stats.h"

#include <stdlib.h>
#include <string.h>

#define STATS_DEFAULT_INTERVAL_NS 250000000LL
#define STATS_DEFAULT_SAMPLES     240
#define STATS_HIST_NS             1000000000LL

struct counters {
    uint64_t ops, bytes, errors;
};

struct lat {
    uint64_t count;
    int64_t sum, max;
};

struct hist {
    uint32_t n[TUI_STATS_BUCKETS];
    struct lat lat;
};

struct tui_stats {
    int64_t interval_ns, t0;
    size_t nsamples, nslots;
    int64_t cur;                           /* interval in progress */
    struct counters (*ring)[TUI_ST__MAX];  /* nslots rows */
    size_t hist_div, nhist;                /* intervals per hist slot */
    struct hist (*hring)[TUI_ST__MAX];     /* nhist rows */
    /*
     * The interval in progress, [cur_start, cur_end), and its rows: nearly
     * every completion falls in it, and finding them from the time takes
     * several 64-bit divisions, which at a million requests a second were
     * the sampler's whole cost.  Set by set_current().
     */
    int64_t cur_start, cur_end;
    struct counters *cur_row;
    struct hist *cur_hrow;
    struct counters total[TUI_ST__MAX];
    struct lat ltotal[TUI_ST__MAX];
    uint64_t htotal[TUI_ST__MAX][TUI_STATS_BUCKETS];
};

static const enum tui_stats_class op_class[BK_OP__MAX] = {
    [BK_OP_READ] = TUI_ST_READ,
    [BK_OP_WRITE] = TUI_ST_WRITE,
    [BK_OP_WRITE_ZEROES] = TUI_ST_OTHER,
    [BK_OP_DISCARD] = TUI_ST_OTHER,
    [BK_OP_FLUSH] = TUI_ST_OTHER,
    [BK_OP_TRUNCATE] = TUI_ST_OTHER,
    [BK_OP_BLOCK_STATUS] = TUI_ST_OTHER,
};

enum tui_stats_class tui_stats_class_of(enum bk_op op)
{
    return (unsigned)op < BK_OP__MAX ? op_class[op] : TUI_ST_OTHER;
}

int tui_stats_bucket(int64_t ns)
{
    uint64_t v = ns < 0 ? 0 : (uint64_t)ns;
    int m, idx;

    if (v < 16)
        return (int)v;
    m = 63 - __builtin_clzll(v);        /* 4.. */
    idx = 16 + (m - 4) * 8 + (int)((v >> (m - 3)) - 8);
    return idx < TUI_STATS_BUCKETS ? idx : TUI_STATS_BUCKETS - 1;
}

int64_t tui_stats_bucket_mid(int bucket)
{
    int m, s;
    int64_t top;

    if (bucket < 16)
        return bucket;
    m = (bucket - 16) / 8 + 4;
    top = (bucket - 16) % 8 + 8;
    s = m - 3;
    return (top << s) + (((int64_t)1 << s) / 2);
}

static void set_current(struct tui_stats *s, int64_t cur)
{
    s->cur = cur;
    s->cur_start = s->t0 + cur * s->interval_ns;
    s->cur_end = s->cur_start + s->interval_ns;
    s->cur_row = s->ring[cur % (int64_t)s->nslots];
    s->cur_hrow = s->hring[cur / (int64_t)s->hist_div % (int64_t)s->nhist];
}

struct tui_stats *tui_stats_new(int64_t interval_ns, size_t nsamples,
                                int64_t now_ns)
{
    struct tui_stats *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->interval_ns = interval_ns > 0 ? interval_ns : STATS_DEFAULT_INTERVAL_NS;
    s->nsamples = nsamples ? nsamples : STATS_DEFAULT_SAMPLES;
    s->nslots = s->nsamples + 1;
    s->t0 = now_ns;
    s->hist_div = STATS_HIST_NS > s->interval_ns
                ? (size_t)(STATS_HIST_NS / s->interval_ns) : 1;
    /* Enough seconds to cover the window, plus the one in progress. */
    s->nhist = (s->nsamples + s->hist_div - 1) / s->hist_div + 1;
    s->ring = calloc(s->nslots, sizeof(*s->ring));
    s->hring = calloc(s->nhist, sizeof(*s->hring));
    if (!s->ring || !s->hring) {
        tui_stats_free(s);
        return NULL;
    }
    set_current(s, 0);
    return s;
}

void tui_stats_free(struct tui_stats *s)
{
    if (!s)
        return;
    free(s->ring);
    free(s->hring);
    free(s);
}

static int64_t interval_of(const struct tui_stats *s, int64_t t_ns)
{
    return t_ns <= s->t0 ? 0 : (t_ns - s->t0) / s->interval_ns;
}

void tui_stats_advance(struct tui_stats *s, int64_t now_ns)
{
    int64_t next = interval_of(s, now_ns);
    int64_t hcur = s->cur / (int64_t)s->hist_div;
    int64_t hnext = next / (int64_t)s->hist_div;

    if (next <= s->cur)
        return;
    /* Clear the slots being reused; a long sleep clears each only once. */
    for (int64_t i = s->cur + 1; i <= next && i <= s->cur + (int64_t)s->nslots;
         i++)
        memset(s->ring[i % s->nslots], 0, sizeof(*s->ring));
    for (int64_t i = hcur + 1; i <= hnext && i <= hcur + (int64_t)s->nhist;
         i++)
        memset(s->hring[i % s->nhist], 0, sizeof(*s->hring));
    set_current(s, next);
}

static void lat_add(struct lat *l, int64_t lat_ns)
{
    l->count++;
    l->sum += lat_ns;
    if (lat_ns > l->max)
        l->max = lat_ns;
}

static void lat_merge(struct lat *into, const struct lat *l)
{
    into->count += l->count;
    into->sum += l->sum;
    if (l->max > into->max)
        into->max = l->max;
}

void tui_stats_add(struct tui_stats *s, enum bk_op op, int64_t bytes,
                   int64_t lat_ns, int ret, int64_t t_ns)
{
    enum tui_stats_class c = tui_stats_class_of(op);
    struct counters add = { .ops = 1 }, *k = NULL;
    struct hist *h = NULL;
    int bucket;

    if (lat_ns < 0)
        lat_ns = 0;
    bucket = tui_stats_bucket(lat_ns);
    if (ret < 0)
        add.errors = 1;
    else if (bytes > 0)
        add.bytes = (uint64_t)bytes;

    if (t_ns >= s->cur_end)
        tui_stats_advance(s, t_ns);
    s->total[c].ops += add.ops;
    s->total[c].bytes += add.bytes;
    s->total[c].errors += add.errors;
    s->htotal[c][bucket]++;
    lat_add(&s->ltotal[c], lat_ns);

    if (t_ns >= s->cur_start) {
        k = &s->cur_row[c];
        h = &s->cur_hrow[c];
    } else {
        /* A late completion lands in its own interval while that is
         * kept. */
        int64_t i = interval_of(s, t_ns);

        if (i > s->cur - (int64_t)s->nslots)
            k = &s->ring[i % s->nslots][c];
        if (i / (int64_t)s->hist_div > s->cur / (int64_t)s->hist_div -
                                       (int64_t)s->nhist)
            h = &s->hring[(i / s->hist_div) % s->nhist][c];
    }
    if (k != NULL) {
        k->ops += add.ops;
        k->bytes += add.bytes;
        k->errors += add.errors;
    }
    if (h != NULL) {
        h->n[bucket]++;
        lat_add(&h->lat, lat_ns);
    }
}

void tui_stats_add_req(struct tui_stats *s, const struct bk_req *req)
{
    tui_stats_add(s, req->op, req->bytes, req->complete_ns - req->submit_ns,
                  req->ret, req->complete_ns);
}

int64_t tui_stats_current(const struct tui_stats *s)
{
    return s->cur;
}

int64_t tui_stats_t0(const struct tui_stats *s)
{
    return s->t0;
}

bool tui_stats_interval_counts(const struct tui_stats *s, int64_t i,
                               enum tui_stats_class c,
                               struct tui_stats_total *out)
{
    const struct counters *x;

    if (i < 0 || i > s->cur || i <= s->cur - (int64_t)s->nslots)
        return false;
    x = &s->ring[i % s->nslots][c];
    *out = (struct tui_stats_total){ x->ops, x->bytes, x->errors };
    return true;
}

void tui_stats_add_counts(struct tui_stats *s, int64_t i,
                          enum tui_stats_class c,
                          const struct tui_stats_total *add)
{
    if (i < 0)
        return;
    if (i > s->cur)
        tui_stats_advance(s, s->t0 + i * s->interval_ns);
    s->total[c].ops += add->ops;
    s->total[c].bytes += add->bytes;
    s->total[c].errors += add->errors;
    if (i > s->cur - (int64_t)s->nslots) {
        struct counters *k = &s->ring[i % s->nslots][c];

        k->ops += add->ops;
        k->bytes += add->bytes;
        k->errors += add->errors;
    }
}

int64_t tui_stats_interval_ns(const struct tui_stats *s)
{
    return s->interval_ns;
}

size_t tui_stats_available(const struct tui_stats *s)
{
    return s->cur < (int64_t)s->nsamples ? (size_t)s->cur : s->nsamples;
}

static double per_second(const struct tui_stats *s, uint64_t v)
{
    return (double)v * 1e9 / (double)s->interval_ns;
}

void tui_stats_series(const struct tui_stats *s, enum tui_stats_class c,
                      enum tui_stats_series what, double *out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        /* out[n-1] is the newest complete interval, cur - 1. */
        int64_t i = s->cur - (int64_t)(n - k);
        const struct counters *x;

        if (i < 0 || i < s->cur - (int64_t)s->nsamples) {
            out[k] = 0;
            continue;
        }
        x = &s->ring[i % s->nslots][c];
        out[k] = per_second(s, what == TUI_ST_IOPS ? x->ops : x->bytes);
    }
}

struct tui_stats_rate tui_stats_rate(const struct tui_stats *s,
                                     enum tui_stats_class c, size_t n)
{
    struct tui_stats_rate r = { 0, 0 };
    uint64_t ops = 0, bytes = 0;
    size_t avail = tui_stats_available(s);

    if (n > avail)
        n = avail;
    if (n == 0)
        return r;
    for (size_t k = 1; k <= n; k++) {
        const struct counters *x = &s->ring[(s->cur - (int64_t)k) % s->nslots][c];
        ops += x->ops;
        bytes += x->bytes;
    }
    r.bytes_per_s = per_second(s, bytes) / (double)n;
    r.iops = per_second(s, ops) / (double)n;
    return r;
}

struct tui_stats_total tui_stats_total(const struct tui_stats *s,
                                       enum tui_stats_class c)
{
    const struct counters *t = &s->total[c];
    return (struct tui_stats_total){ t->ops, t->bytes, t->errors };
}

/* The bucket holding the ceil(count * permille / 1000)-th smallest sample. */
static int64_t percentile(const uint64_t *n, uint64_t count, int64_t max,
                          unsigned permille)
{
    uint64_t rank = (count * permille + 999) / 1000, seen = 0;

    if (rank < 1)
        rank = 1;
    for (int b = 0; b < TUI_STATS_BUCKETS; b++) {
        seen += n[b];
        if (seen >= rank) {
            int64_t v = tui_stats_bucket_mid(b);
            return v < max ? v : max;
        }
    }
    return max;
}

struct tui_stats_latency tui_stats_latency(const struct tui_stats *s,
                                           enum tui_stats_class c,
                                           bool window)
{
    uint64_t n[TUI_STATS_BUCKETS] = { 0 };
    struct tui_stats_latency out = { 0 };
    struct lat l = { 0 };
    int first = c == TUI_ST_ALL ? 0 : (int)c;
    int last = c == TUI_ST_ALL ? TUI_ST__MAX - 1 : (int)c;

    for (int k = first; k <= last; k++) {
        if (window) {
            for (size_t h = 0; h < s->nhist; h++) {
                const struct hist *x = &s->hring[h][k];
                for (int b = 0; b < TUI_STATS_BUCKETS; b++)
                    n[b] += x->n[b];
                lat_merge(&l, &x->lat);
            }
        } else {
            for (int b = 0; b < TUI_STATS_BUCKETS; b++)
                n[b] += s->htotal[k][b];
            lat_merge(&l, &s->ltotal[k]);
        }
    }
    if (l.count == 0)
        return out;
    for (int b = 0; b < TUI_STATS_BUCKETS; b++) {
        int64_t mid = tui_stats_bucket_mid(b), edge = 10000;
        int d = 0;

        while (d < TUI_STATS_DECADES - 1 && mid >= edge) {
            edge *= 10;
            d++;
        }
        out.decade[d] += n[b];
    }
    out.count = l.count;
    out.max = l.max;
    out.mean = l.sum / (int64_t)l.count;
    out.p50 = percentile(n, l.count, l.max, 500);
    out.p90 = percentile(n, l.count, l.max, 900);
    out.p99 = percentile(n, l.count, l.max, 990);
    return out;
}
