/*
 * fmt.c — number formatting for the panes.  See fmt.h.
 *
 * Three significant digits everywhere: a monitor is read at a glance, and
 * a figure that keeps its width does not make the columns beside it jump.
 */
#include "tui/fmt.h"

#include <inttypes.h>
#include <stdio.h>

#include "backend/backend.h"

#define NUNITS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const size_units[] = { "B", "KiB", "MiB", "GiB", "TiB",
                                          "PiB", "EiB" };
static const char *const count_units[] = { "", "k", "M", "G", "T" };

/* x in [0, 1000): 3 significant digits, integers without decimals. */
static int fmt_sig3(char *buf, size_t size, double x, const char *unit)
{
    if (x == (double)(int64_t)x)
        return snprintf(buf, size, "%d%s", (int)x, unit);
    if (x < 9.995)
        return snprintf(buf, size, "%.2f%s", x, unit);
    if (x < 99.95)
        return snprintf(buf, size, "%.1f%s", x, unit);
    return snprintf(buf, size, "%.0f%s", x, unit);
}

/* Scale x by base until it prints below 1000 (rounding included). */
static size_t fmt_scale(double *x, double base, size_t nunits)
{
    size_t u = 0;

    while (*x >= 999.5 && u + 1 < nunits) {
        *x /= base;
        u++;
    }
    return u;
}

const char *tui_fmt_size(char *buf, size_t size, int64_t bytes)
{
    double x = bytes < 0 ? 0 : (double)bytes;
    size_t u = fmt_scale(&x, 1024, NUNITS(size_units));
    char unit[8];

    snprintf(unit, sizeof(unit), " %s", size_units[u]);
    fmt_sig3(buf, size, x, unit);
    return buf;
}

const char *tui_fmt_mibps(char *buf, size_t size, double bytes_per_s)
{
    double m = bytes_per_s > 0 ? bytes_per_s / (1024.0 * 1024.0) : 0;

    if (m < 9.995)
        snprintf(buf, size, "%.2f", m);
    else if (m < 99.95)
        snprintf(buf, size, "%.1f", m);
    else
        snprintf(buf, size, "%.0f", m);
    return buf;
}

const char *tui_fmt_count(char *buf, size_t size, double n)
{
    size_t u;

    if (!(n > 0))
        n = 0;
    if (n < 999.5) {
        snprintf(buf, size, "%.0f", n);
        return buf;
    }
    u = fmt_scale(&n, 1000, NUNITS(count_units));
    fmt_sig3(buf, size, n, count_units[u]);
    return buf;
}

const char *tui_fmt_duration(char *buf, size_t size, int64_t ns)
{
    double x = ns < 0 ? 0 : (double)ns;
    int64_t s = ns / 1000000000;

    if (x < 999.5)
        snprintf(buf, size, "%.0f ns", x);
    else if (x < 999.5e3)
        fmt_sig3(buf, size, x / 1e3, " us");
    else if (x < 999.5e6)
        fmt_sig3(buf, size, x / 1e6, " ms");
    else if (s < 60)
        fmt_sig3(buf, size, x / 1e9, " s");
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)(s % 60));
    else if (s < 100 * 3600)
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600),
                 (int)(s / 60 % 60));
    else
        snprintf(buf, size, "%dd%02dh", (int)(s / 86400),
                 (int)(s / 3600 % 24));
    return buf;
}

static const char *const fmt_source_words[] = {
    [BK_SRC_COMMAND] = "cmd",
    [BK_SRC_BENCH] = "bench",
    [BK_SRC_TUI] = "tui",
    [BK_SRC_NBD] = "nbd",
    [BK_SRC_FUSE] = "fuse",
    [BK_SRC_CONTROL] = "ctl",
    [BK_SRC_INTERNAL] = "int",
};

const char *tui_fmt_source(char *buf, size_t size,
                           const struct bk_source *src)
{
    const char *word;

    if (src == NULL) {
        snprintf(buf, size, "-");
        return buf;
    }
    word = (size_t)src->kind < sizeof(fmt_source_words) /
                               sizeof(fmt_source_words[0]) &&
           fmt_source_words[src->kind] != NULL
           ? fmt_source_words[src->kind] : "?";
    if (src->id == 0)
        snprintf(buf, size, "%s", word);
    else
        snprintf(buf, size, "%s%" PRIu64, word, src->id);
    return buf;
}
