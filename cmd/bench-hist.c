/*
 * bench-hist.c — the latency histogram (see bench-hist.h).
 */
#include "cmd/bench-hist.h"

static unsigned hist_index(uint64_t v)
{
    unsigned msb, shift;

    if (v < BENCH_HIST_SUB)
        return (unsigned)v;
    msb = 63u - (unsigned)__builtin_clzll(v);
    shift = msb - BENCH_HIST_SUB_BITS;
    /* The top SUB_BITS+1 bits select the bucket within octave msb. */
    return (shift + 1) * BENCH_HIST_SUB +
           (unsigned)((v >> shift) - BENCH_HIST_SUB);
}

/* The smallest value of bucket i and its width. */
static void hist_bounds(unsigned i, uint64_t *low, uint64_t *width)
{
    unsigned shift;

    if (i < BENCH_HIST_SUB) {
        *low = i;
        *width = 1;
        return;
    }
    shift = i / BENCH_HIST_SUB - 1;
    *low = (uint64_t)(BENCH_HIST_SUB + i % BENCH_HIST_SUB) << shift;
    *width = (uint64_t)1 << shift;
}

void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
    h->bucket[hist_index(ns)]++;
    h->count++;
    if (ns > h->max)
        h->max = ns;
}

uint64_t bench_hist_quantile(const struct bench_hist *h, double q)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    /* The rank-th smallest sample, counting from 1. */
    rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t low, width, mid;

            hist_bounds(i, &low, &width);
            mid = low + width / 2;
            return mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}
