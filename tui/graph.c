/*
 * graph.c — resampling and scaling for the Throughput graph.  See graph.h.
 */
#include "tui/graph.h"

#include <math.h>

void tui_graph_resample(const double *in, size_t n, double *out, size_t w)
{
    for (size_t c = 0; c < w; c++) {
        size_t a, b;
        double sum = 0;

        if (n == 0) {
            out[c] = 0;
            continue;
        }
        a = c * n / w;
        b = (c + 1) * n / w;
        if (b <= a)
            b = a + 1;       /* more columns than samples: repeat */
        for (size_t i = a; i < b; i++)
            sum += in[i];
        out[c] = sum / (double)(b - a);
    }
}

double tui_graph_scale(const double *v, size_t n, double min_peak)
{
    static const double steps[] = { 1, 2, 5 };
    double peak = min_peak, base;

    for (size_t i = 0; i < n; i++)
        if (v[i] > peak)
            peak = v[i];
    if (!(peak > 0))
        return 1;
    base = pow(10, floor(log10(peak)));
    for (;;) {
        for (size_t i = 0; i < 3; i++)
            if (steps[i] * base >= peak)
                return steps[i] * base;
        base *= 10;
    }
}
