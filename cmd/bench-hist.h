/*
 * bench-hist.h — a latency histogram of fixed size for any run length.
 *
 * Log-linear buckets, as HdrHistogram has them: values below 64 ns get a
 * bucket each; above, every power of two is cut into 64 equal buckets, so
 * a percentile is off by less than 1/64 (1.6 %) of its value.  The maximum
 * is kept exactly.  A run of a day costs the same 20 KiB as one of a
 * second, where keeping every sample would grow without bound.
 */
#ifndef BLKMON_CMD_BENCH_HIST_H
#define BLKMON_CMD_BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 6
#define BENCH_HIST_SUB (1 << BENCH_HIST_SUB_BITS)
/* Up to 2^63 ns: (63 - 6 + 1) octaves of 64, plus the first 64. */
#define BENCH_HIST_BUCKETS ((64 - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB)

struct bench_hist {
    uint64_t count;
    uint64_t max;
    uint64_t bucket[BENCH_HIST_BUCKETS];
};

void bench_hist_add(struct bench_hist *h, uint64_t ns);
/* The value below which a fraction q (0..1) of the samples lie: the
 * middle of its bucket, never above the maximum.  0 when empty. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);

#endif
