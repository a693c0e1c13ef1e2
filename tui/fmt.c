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
#include "util/units.h"

#define NUNITS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const size_units[] = { "B", "KiB", "MiB", "GiB", "TiB",
                                          "PiB", "EiB" };
static const char *const count_units[] = { "", "k", "M", "G", "T" };

static int fmt_sig3(char *buf, size_t size, double x, const char *unit)
{
    return units_sig3(buf, size, x, unit);
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
    return units_duration(buf, size, ns);
}

const char *tui_fmt_latency(char *buf, size_t size, int64_t ns,
                            uint64_t count)
{
    if (count == 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    return units_duration(buf, size, ns);
}

const char *tui_fmt_offset(char *buf, size_t size, int64_t offset,
                           bool exact)
{
    if (exact) {
        snprintf(buf, size, "%" PRId64, offset);
        return buf;
    }
    return tui_fmt_size(buf, size, offset);
}

static const char *const fmt_op_words[BK_OP__MAX] = {
    [BK_OP_READ] = "read",
    [BK_OP_WRITE] = "write",
    [BK_OP_WRITE_ZEROES] = "wzero",
    [BK_OP_DISCARD] = "disc",
    [BK_OP_FLUSH] = "flush",
    [BK_OP_TRUNCATE] = "trunc",
    [BK_OP_BLOCK_STATUS] = "stat",
};

const char *tui_fmt_op(enum bk_op op)
{
    return (unsigned)op < BK_OP__MAX && fmt_op_words[op] != NULL
           ? fmt_op_words[op] : "?";
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
