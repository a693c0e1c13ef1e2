/*
 * units.c — durations in one format.  See units.h.
 */
#include "util/units.h"

#include <stdio.h>

int units_sig3(char *buf, size_t size, double x, const char *unit)
{
    if (x == (double)(int64_t)x)
        return snprintf(buf, size, "%d%s", (int)x, unit);
    if (x < 9.995)
        return snprintf(buf, size, "%.2f%s", x, unit);
    if (x < 99.95)
        return snprintf(buf, size, "%.1f%s", x, unit);
    return snprintf(buf, size, "%.0f%s", x, unit);
}

const char *units_duration(char *buf, size_t size, int64_t ns)
{
    double x = ns < 0 ? 0 : (double)ns;
    int64_t s = ns / 1000000000;

    if (x < 999.5)
        snprintf(buf, size, "%.0f ns", x);
    else if (x < 999.5e3)
        units_sig3(buf, size, x / 1e3, " us");
    else if (x < 999.5e6)
        units_sig3(buf, size, x / 1e6, " ms");
    else if (x < 999.5e9)
        units_sig3(buf, size, x / 1e9, " s");
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)(s % 60));
    else if (s < 100 * 3600)
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)(s / 60 % 60));
    else
        snprintf(buf, size, "%dd%02dh", (int)(s / 86400),
                 (int)(s / 3600 % 24));
    return buf;
}
