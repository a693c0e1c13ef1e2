/*
 * graph.h — fitting the Throughput graph's minute of samples to a pane.
 *
 * The sampler keeps one value per interval (240 for a minute at 250 ms);
 * the pane has w columns.  Resampling gives each column the mean of the
 * samples it covers (w < n) or repeats samples (w > n), so the graph always
 * spans the whole minute, oldest at the left.  The scale is the series'
 * peak rounded up to a "nice" 1, 2 or 5 x 10^k, so the axis label reads
 * well and the scale does not wobble with every small change.
 */
#ifndef BLKMON_TUI_GRAPH_H
#define BLKMON_TUI_GRAPH_H

#include <stddef.h>

/* out[c] for c < w from in[0..n); n or w 0 gives zeros. */
void tui_graph_resample(const double *in, size_t n, double *out, size_t w);
/* Smallest 1/2/5 x 10^k >= the peak of v (at least min_peak). */
double tui_graph_scale(const double *v, size_t n, double min_peak);

#endif
