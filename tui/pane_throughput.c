/*
 * pane_throughput.c — the Throughput pane: rates, totals, latency,
 * errors, and a graph of the last minute.
 *
 * Everything is read from the sampler (stats.h), which the sampling timer
 * advances 4 times a second; this file only draws.  Rates average the last
 * second (4 intervals) so a figure is steady enough to read yet follows
 * load within a second.  The graph shows reads above writes, each scaled
 * to its own peak rounded to 1/2/5 x 10^k MiB/s (graph.h).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/bench.h"
#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/graph.h"
#include "tui/panel.h"
#include "tui/screen.h"

#define TP_RATE_INTERVALS 4
#define TP_SAMPLES 240
#define TP_LABEL_W 9
#define MIB (1024.0 * 1024.0)

static void tp_class_line(struct tui *t, int y, struct tui_rect in,
                          const char *name, enum tui_stats_class c,
                          enum tui_role role)
{
    struct tui_stats_rate r = tui_stats_rate(t->stats, c, TP_RATE_INTERVALS);
    struct tui_stats_total tot = tui_model_total(t, c);
    char rate[16], iops[16], bytes[16], ops[16];
    int used;

    used = tui_putf(y, in.x, in.w, role, "%-6s", name);
    tui_putf(y, in.x + used, in.w - used, TUI_R_VALUE,
             "%7s MiB/s %6s IOPS  total %9s %6s ops",
             tui_fmt_mibps(rate, sizeof(rate), r.bytes_per_s),
             tui_fmt_count(iops, sizeof(iops), r.iops),
             tui_fmt_size(bytes, sizeof(bytes), (int64_t)tot.bytes),
             tui_fmt_count(ops, sizeof(ops), (double)tot.ops));
}

static void tp_graph(struct tui *t, struct tui_rect area,
                     enum tui_stats_class c, const char *name,
                     enum tui_role role)
{
    const struct tui_glyphs *g = tui_scr.g;
    double series[TP_SAMPLES], cols[512], scale;
    int w = area.w - TP_LABEL_W;
    char lab[16];

    if (w <= 0 || area.h <= 0)
        return;
    if (w > (int)(sizeof(cols) / sizeof(cols[0])))
        w = (int)(sizeof(cols) / sizeof(cols[0]));
    tui_stats_series(t->stats, c, TUI_ST_BYTES_PER_S, series, TP_SAMPLES);
    for (size_t i = 0; i < TP_SAMPLES; i++)
        series[i] /= MIB;
    tui_graph_resample(series, TP_SAMPLES, cols, (size_t)w);
    scale = tui_graph_scale(cols, (size_t)w, 0.1);
    tui_putf(area.y, area.x, TP_LABEL_W, TUI_R_GRAPH_AXIS, "%s %s", name,
             tui_fmt_mibps(lab, sizeof(lab), scale * MIB));
    if (area.h > 1)
        tui_put(area.y + area.h - 1, area.x, TP_LABEL_W, TUI_R_GRAPH_AXIS,
                "  0 MiB/s");
    for (int row = 0; row < area.h; row++) {
        int y = area.y + area.h - 1 - row;

        for (int x = 0; x < w; x++)
            tui_put(y, area.x + TP_LABEL_W + x, 1, role,
                    tui_glyphs_graph(g, cols[x] / scale, row, area.h));
    }
}

static void throughput_draw(struct tui *t, struct tui_rect in, bool focus,
                            char *info, size_t infosize)
{
    struct tui_stats_latency lat;
    struct bench_progress bp;
    struct bk_stats bs;
    char p50[16], p90[16], p99[16], mx[16];
    int y = in.y, grows;

    (void)focus;
    if (t->stats == NULL || !tui_model_image(t, NULL)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no image open");
        return;
    }
    if (tui_model_bench(t, &bp)) {
        if (bp.total >= 0)
            snprintf(info, infosize, "bench %lld/%lld, %d in flight (F8 stops)",
                     (long long)bp.done, (long long)bp.total, bp.in_flight);
        else
            snprintf(info, infosize, "bench %lld done, %.1f/%.0f s (F8 stops)",
                     (long long)bp.done, bp.elapsed_ns / 1e9, bp.time_limit);
    } else {
        snprintf(info, infosize, "last 1 s; graph: last minute");
    }
    tp_class_line(t, y++, in, "Read", TUI_ST_READ, TUI_R_GRAPH_READ);
    if (y < in.y + in.h)
        tp_class_line(t, y++, in, "Write", TUI_ST_WRITE, TUI_R_GRAPH_WRITE);
    lat = tui_model_latency(t);
    if (y < in.y + in.h)
        tui_putf(y++, in.x, in.w, TUI_R_DEFAULT,
                 "Lat    p50 %s  p90 %s  p99 %s  max %s",
                 tui_fmt_duration(p50, sizeof(p50), lat.p50),
                 tui_fmt_duration(p90, sizeof(p90), lat.p90),
                 tui_fmt_duration(p99, sizeof(p99), lat.p99),
                 tui_fmt_duration(mx, sizeof(mx), lat.max));
    tui_model_dev_stats(t, &bs);
    if (y < in.y + in.h)
        tui_putf(y++, in.x, in.w,
                 bs.errors > 0 ? TUI_R_ERROR : TUI_R_DEFAULT,
                 "Errors %llu (injected %llu, real %llu)",
                 (unsigned long long)bs.errors,
                 (unsigned long long)bs.injected,
                 (unsigned long long)(bs.errors - bs.injected));
    grows = in.y + in.h - y;
    if (grows >= 2) {
        struct tui_rect rd = { in.x, y, in.w, grows / 2 };
        struct tui_rect wr = { in.x, y + grows / 2, in.w, grows - grows / 2 };

        tp_graph(t, rd, TUI_ST_READ, "R", TUI_R_GRAPH_READ);
        tp_graph(t, wr, TUI_ST_WRITE, "W", TUI_R_GRAPH_WRITE);
    }
}

const struct tui_panel_class tui_panel_throughput = {
    .title = "Throughput",
    .framed = true,
    .focusable = true,
    .draw = throughput_draw,
};
