/*
 * stats.h — the Throughput pane's sampler: rates, totals and latency
 * percentiles from completed requests.
 *
 * Time is cut into *intervals* (250 ms by default) numbered from the
 * sampler's creation.  Each completion is added to the interval of its
 * completion time; a fixed ring keeps the last nsamples complete intervals
 * (240: one minute) plus the one in progress.  Rates and the graph read
 * complete intervals only, so a value never changes once shown.  Adding
 * never draws: the TUI's timer calls tui_stats_advance() and flags a
 * redraw (at 4 Hz with the defaults).
 *
 * Requests fall in three *classes*: reads, writes, and other (write-zeroes,
 * discard, flush, truncate), so a 1 GiB write-zeroes does not show as a
 * 4 GiB/s write spike.  Failed requests count as ops and errors, and their
 * bytes do not count.
 *
 * Latency: a log-linear histogram (8 sub-buckets per power of two; exact
 * below 16 ns, clamped at 2^40 ns ~ 18 min).  A percentile is reported as
 * the middle of its bucket, so it is within 6.25% of the true value
 * (bucket width <= 1/8 of its lower edge, half of that either way), and
 * never above the exact maximum.  Window figures cover the last
 * minute rounded up to whole seconds (histograms are kept per second to
 * bound memory: about 220 KiB), total figures everything since creation.
 */
#ifndef BLKMON_TUI_STATS_H
#define BLKMON_TUI_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

enum tui_stats_class {
    TUI_ST_READ,
    TUI_ST_WRITE,
    TUI_ST_OTHER,
    TUI_ST__MAX,
    TUI_ST_ALL = TUI_ST__MAX,   /* for latency: every class together */
};

enum tui_stats_series { TUI_ST_BYTES_PER_S, TUI_ST_IOPS };

struct tui_stats_total {
    uint64_t ops, bytes, errors;
};

struct tui_stats_rate {
    double bytes_per_s, iops;
};

/* Latency in log buckets, a decade each: under 10 us, 10-100 us, ...,
 * 1-10 s, 10 s and more. */
#define TUI_STATS_DECADES 8

struct tui_stats_latency {
    uint64_t count;
    int64_t p50, p90, p99, max, mean;   /* ns; 0 when count is 0 */
    uint64_t decade[TUI_STATS_DECADES]; /* requests per decade bucket */
};

struct tui_stats;

/* interval_ns 0: 250 ms; nsamples 0: 240; now_ns starts interval 0. */
struct tui_stats *tui_stats_new(int64_t interval_ns, size_t nsamples,
                                int64_t now_ns);
void tui_stats_free(struct tui_stats *s);

enum tui_stats_class tui_stats_class_of(enum bk_op op);
/* One completion at t_ns; ret < 0 is an error. */
void tui_stats_add(struct tui_stats *s, enum bk_op op, int64_t bytes,
                   int64_t lat_ns, int ret, int64_t t_ns);
/* A completed request (the device observer): latency submit -> complete. */
void tui_stats_add_req(struct tui_stats *s, const struct bk_req *req);
/* Close the intervals that ended by now_ns. */
void tui_stats_advance(struct tui_stats *s, int64_t now_ns);

int64_t tui_stats_interval_ns(const struct tui_stats *s);
/* Complete intervals kept so far (up to nsamples). */
size_t tui_stats_available(const struct tui_stats *s);
/*
 * The last n complete intervals of a class, oldest first, as a rate per
 * second; intervals before the sampler existed read 0.
 */
void tui_stats_series(const struct tui_stats *s, enum tui_stats_class c,
                      enum tui_stats_series what, double *out, size_t n);
/* Average rate over the last n complete intervals (fewer if younger). */
struct tui_stats_rate tui_stats_rate(const struct tui_stats *s,
                                     enum tui_stats_class c, size_t n);
struct tui_stats_total tui_stats_total(const struct tui_stats *s,
                                       enum tui_stats_class c);
/* c may be TUI_ST_ALL; window: the last minute, else since creation. */
struct tui_stats_latency tui_stats_latency(const struct tui_stats *s,
                                           enum tui_stats_class c,
                                           bool window);

/*
 * Intervals by number, for a sampler fed from another's (an attached TUI
 * mirrors the watched blkmon's): the interval in progress; the exact
 * counters of interval i while the ring keeps it (false otherwise); and
 * adding counters to interval i (the totals too; no latency).
 */
int64_t tui_stats_current(const struct tui_stats *s);
int64_t tui_stats_t0(const struct tui_stats *s);
bool tui_stats_interval_counts(const struct tui_stats *s, int64_t i,
                               enum tui_stats_class c,
                               struct tui_stats_total *out);
void tui_stats_add_counts(struct tui_stats *s, int64_t i,
                          enum tui_stats_class c,
                          const struct tui_stats_total *add);

/* Histogram buckets, exposed for tests of the error bound. */
#define TUI_STATS_BUCKETS 304
int tui_stats_bucket(int64_t ns);
int64_t tui_stats_bucket_mid(int bucket);

#endif
