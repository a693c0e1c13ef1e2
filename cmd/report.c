/*
 * report.c — the texts of report.h.  Byte counts are doubles because rates
 * are; the unit is the largest power of 1024 not above the value.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/out.h"
#include "cmd/report.h"

void report_cvtstr(double value, char *buf, size_t size)
{
    static const struct {
        int shift;
        const char *suffix;
    } units[] = {
        { 60, " EiB" }, { 50, " PiB" }, { 40, " TiB" },
        { 30, " GiB" }, { 20, " MiB" }, { 10, " KiB" },
    };
    const char *suffix = " bytes";
    char *trim;
    size_t i;

    if (size < 8) {
        if (size > 0)
            buf[0] = '\0';
        return;
    }
    snprintf(buf, size - 6, "%f", value);
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        double unit = (double)(INT64_C(1) << units[i].shift);

        if (value >= unit) {
            suffix = units[i].suffix;
            snprintf(buf, size - 4, "%.3f", value / unit);
            break;
        }
    }
    /* "4.000" becomes "4"; a value with real decimals keeps all three. */
    trim = strstr(buf, ".000");
    if (trim != NULL)
        *trim = '\0';
    strncat(buf, suffix, size - strlen(buf) - 1);
}

void report_timestr(int64_t elapsed_ns, bool machine, char *buf, size_t size)
{
    uint64_t sec = (uint64_t)elapsed_ns / 1000000000u;
    unsigned csec = (unsigned)((uint64_t)elapsed_ns % 1000000000u / 10000000u);

    if (machine || sec != 0)
        snprintf(buf, size, "%u:%02u:%02u.%02u", (unsigned)(sec / 3600),
                 (unsigned)(sec % 3600 / 60), (unsigned)(sec % 60), csec);
    else
        snprintf(buf, size, "%02u.%02u sec", (unsigned)sec, csec);
}

void report_io(struct out *o, const char *op, int64_t elapsed_ns,
               int64_t offset, int64_t count, int64_t total, int cnt,
               bool machine)
{
    double secs = (double)elapsed_ns / 1e9;
    char ts[64], s1[64], s2[64];

    report_timestr(elapsed_ns, machine, ts, sizeof(ts));
    if (machine) {
        out_printf(o, "%" PRId64 ",%d,%s,%.3f,%.3f\n", total, cnt, ts,
                   (double)total / secs, (double)cnt / secs);
        return;
    }
    report_cvtstr((double)total, s1, sizeof(s1));
    report_cvtstr((double)total / secs, s2, sizeof(s2));
    out_printf(o, "%s %" PRId64 "/%" PRId64 " bytes at offset %" PRId64
               "\n", op, total, count, offset);
    out_printf(o, "%s, %d ops; %s (%s/sec and %.4f ops/sec)\n", s1, cnt, ts,
               s2, (double)cnt / secs);
}

void report_dump(struct out *o, const void *buf, int64_t offset, int64_t len)
{
    const unsigned char *p = buf;
    char line[128];

    for (int64_t i = 0; i < len; i += 16) {
        int64_t n = len - i < 16 ? len - i : 16;
        size_t at;

        at = (size_t)snprintf(line, sizeof(line), "%08" PRIx64 ":  ",
                              (uint64_t)(offset + i));
        for (int64_t j = 0; j < n; j++)
            at += (size_t)snprintf(line + at, sizeof(line) - at, "%02x ",
                                   p[i + j]);
        line[at++] = ' ';
        for (int64_t j = 0; j < n; j++)
            line[at++] = isalnum(p[i + j]) ? (char)p[i + j] : '.';
        line[at++] = '\n';
        line[at] = '\0';
        out_printf(o, "%s", line);
    }
}
