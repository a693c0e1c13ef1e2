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
#define TP_LABEL_W 10
#define MIB (1024.0 * 1024.0)

/*
 * The table, one column per figure, each as wide as its widest value, the
 * least telling dropped first when the pane is narrow:
 *
 *       MiB/s  IOPS     total    ops     p50     p99     max
 * Read   3.42  876   48.8 MiB   100k 12.8 us 17.4 us 58.5 ms
 * Write     0     0       0 B      0       -       -       -
 *
 * Rates are the last second's; latency the last minute's, per direction.
 */
#define TP_WIDE 62

static void tp_histogram(struct tui *t, struct tui_rect in);
static void tp_queue_depth(struct tui *t, struct tui_rect in);

static void tp_header(int y, struct tui_rect in)
{
    tui_putf(y, in.x, in.w, TUI_R_DIM, in.w >= TP_WIDE
             ? "%-5s %5s %5s %9s %6s %7s %7s %7s"
             : "%-5s %5s %5s %9s %7s %7s", "", "MiB/s", "IOPS", "total",
             in.w >= TP_WIDE ? "ops" : "p50", in.w >= TP_WIDE ? "p50" : "p99",
             "p99", "max");
}

static void tp_class_line(struct tui *t, int y, struct tui_rect in,
                          const char *name, enum tui_stats_class c,
                          enum tui_role role)
{
    struct tui_stats_rate r = tui_stats_rate(t->stats, c, TP_RATE_INTERVALS);
    struct tui_stats_total tot = tui_model_total(t, c);
    struct tui_stats_latency lat = tui_model_latency(t, c);
    char rate[16], iops[16], bytes[16], ops[16], p50[16], p99[16], mx[16];
    int used;

    tui_fmt_mibps(rate, sizeof(rate), r.bytes_per_s);
    tui_fmt_count(iops, sizeof(iops), r.iops);
    tui_fmt_size(bytes, sizeof(bytes), (int64_t)tot.bytes);
    tui_fmt_count(ops, sizeof(ops), (double)tot.ops);
    tui_fmt_latency(p50, sizeof(p50), lat.p50, lat.count);
    tui_fmt_latency(p99, sizeof(p99), lat.p99, lat.count);
    tui_fmt_latency(mx, sizeof(mx), lat.max, lat.count);
    used = tui_putf(y, in.x, in.w, role, "%-5s", name);
    if (in.w >= TP_WIDE)
        tui_putf(y, in.x + used, in.w - used, TUI_R_VALUE,
                 " %5s %5s %9s %6s %7s %7s %7s", rate, iops, bytes, ops, p50,
                 p99, mx);
    else
        tui_putf(y, in.x + used, in.w - used, TUI_R_VALUE,
                 " %5s %5s %9s %7s %7s", rate, iops, bytes, p50, p99);
}

/* One graph of the last minute: a class's MiB/s or IOPS, scaled to its
 * peak rounded to 1/2/5 x 10^k; the axis says the top and the unit. */
static void tp_graph(struct tui *t, struct tui_rect area,
                     enum tui_stats_class c, bool iops, const char *name,
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
    tui_stats_series(t->stats, c, iops ? TUI_ST_IOPS : TUI_ST_BYTES_PER_S,
                     series, TP_SAMPLES);
    for (size_t i = 0; !iops && i < TP_SAMPLES; i++)
        series[i] /= MIB;
    tui_graph_resample(series, TP_SAMPLES, cols, (size_t)w);
    scale = tui_graph_scale(cols, (size_t)w, iops ? 1 : 0.1);
    if (iops)
        tui_fmt_count(lab, sizeof(lab), scale);
    else
        tui_fmt_mibps(lab, sizeof(lab), scale * MIB);
    tui_putf(area.y, area.x, TP_LABEL_W, TUI_R_GRAPH_AXIS, "%s %s", name,
             lab);
    if (area.h > 1)
        tui_putf(area.y + area.h - 1, area.x, TP_LABEL_W, TUI_R_GRAPH_AXIS,
                 "%s", iops ? "  0 IOPS" : "  0 MiB/s");
    for (int row = 0; row < area.h; row++) {
        int y = area.y + area.h - 1 - row;

        for (int x = 0; x < w; x++)
            tui_put(y, area.x + TP_LABEL_W + x, 1, role,
                    tui_glyphs_graph(g, cols[x] / scale, row, area.h));
    }
}

/* Reads above writes, in MiB/s and, beside them when there is room (else
 * instead of them, i), in IOPS. */
static void tp_graphs(struct tui *t, struct tui_rect a)
{
    struct tui_rect col[2] = { a, a };
    int ncol = a.w >= 2 * (TP_LABEL_W + 20) ? 2 : 1;

    if (ncol == 2) {
        col[0].w = a.w / 2 - 1;
        col[1].x = a.x + a.w / 2 + 1;
        col[1].w = a.w - a.w / 2 - 1;
    }
    for (int k = 0; k < ncol; k++) {
        bool iops = ncol == 2 ? k == 1 : t->tp_iops;
        struct tui_rect rd = col[k], wr = col[k];

        rd.h = a.h / 2;
        wr.y = a.y + rd.h;
        wr.h = a.h - rd.h;
        tp_graph(t, rd, TUI_ST_READ, iops, "R", TUI_R_GRAPH_READ);
        tp_graph(t, wr, TUI_ST_WRITE, iops, "W", TUI_R_GRAPH_WRITE);
    }
}

static void throughput_draw(struct tui *t, struct tui_rect in, bool focus,
                            char *info, size_t infosize)
{
    struct bench_progress bp;
    struct bk_source who = { .name = NULL };
    struct bk_stats bs;
    int y = in.y, grows;

    (void)focus;
    if (t->stats == NULL || !tui_model_image(t, NULL)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "no image open");
        return;
    }
    if (tui_model_bench(t, &bp) || tui_model_bench_other(t, &bp, &who)) {
        /* Another session's run says whose it is (F8 stops only ours). */
        char whose[32] = "";

        if (who.name != NULL) {
            char w[24];

            snprintf(whose, sizeof(whose), "%s's ",
                     tui_fmt_source(w, sizeof(w), &who));
        }
        if (bp.total >= 0)
            snprintf(info, infosize, "%sbench %lld/%lld, %d in flight",
                     whose, (long long)bp.done, (long long)bp.total,
                     bp.in_flight);
        else
            snprintf(info, infosize, "%sbench %lld, %.1f/%.0f s", whose,
                     (long long)bp.done, bp.elapsed_ns / 1e9, bp.time_limit);
    } else {
        snprintf(info, infosize, "rates: last 1 s");
    }
    if (t->ps.tp_view == 1) {
        snprintf(info, infosize, "latency: last minute (v: next)");
        tp_histogram(t, in);
        return;
    }
    if (t->ps.tp_view == 2) {
        snprintf(info, infosize, "queue depth (v: next)");
        tp_queue_depth(t, in);
        return;
    }
    tp_header(y++, in);
    if (y < in.y + in.h)
        tp_class_line(t, y++, in, "Read", TUI_ST_READ, TUI_R_GRAPH_READ);
    if (y < in.y + in.h)
        tp_class_line(t, y++, in, "Write", TUI_ST_WRITE, TUI_R_GRAPH_WRITE);
    tui_model_dev_stats(t, &bs);
    if (y < in.y + in.h)
        tui_putf(y++, in.x, in.w,
                 bs.errors > 0 ? TUI_R_ERROR : TUI_R_DEFAULT,
                 "Errors %llu (injected %llu, real %llu)",
                 (unsigned long long)bs.errors,
                 (unsigned long long)bs.injected,
                 (unsigned long long)(bs.errors - bs.injected));
    grows = in.y + in.h - y;
    if (grows >= 2)
        tp_graphs(t, (struct tui_rect){ in.x, y, in.w, grows });
}

static unsigned throughput_key(struct tui *t, int key)
{
    if (key == 'i')
        t->tp_iops = !t->tp_iops;
    else if (key == 'v')
        t->ps.tp_view = (t->ps.tp_view + 1) % 3;
    else
        return TUI_HR_IGNORED;
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

/* ---- v: the latency histogram, the queue depth --------------------------- */

static const char *const tp_decades[TUI_STATS_DECADES] = {
    "<10us", "<100us", "<1ms", "<10ms", "<100ms", "<1s", "<10s", ">=10s",
};

/* One bar and its count in w columns, scaled to max. */
static void tp_bar(int y, int x, int w, uint64_t n, uint64_t max,
                   enum tui_role role)
{
    char count[16];
    int cw, len;

    tui_fmt_count(count, sizeof(count), (double)n);
    cw = (int)strlen(count) + 1;
    len = max > 0 && w > cw ? (int)((double)(w - cw) * (double)n /
                                    (double)max + 0.5) : 0;
    if (n > 0 && len == 0 && w > cw)
        len = 1;
    for (int i = 0; i < len; i++)
        tui_put(y, x + i, 1, role, tui_scr.g->data);
    tui_putf(y, x + len + (len > 0), w - len - 1, TUI_R_VALUE, "%s", count);
}

/* Reads and writes of the last minute per decade of latency, as bars. */
static void tp_histogram(struct tui *t, struct tui_rect in)
{
    struct tui_stats_latency rd = tui_model_latency(t, TUI_ST_READ);
    struct tui_stats_latency wr = tui_model_latency(t, TUI_ST_WRITE);
    int half = (in.w - 7) / 2;
    uint64_t max = 0;

    for (int d = 0; d < TUI_STATS_DECADES; d++) {
        max = rd.decade[d] > max ? rd.decade[d] : max;
        max = wr.decade[d] > max ? wr.decade[d] : max;
    }
    tui_putf(in.y, in.x, in.w, TUI_R_DIM, "%-7s%-*s %s", "", half,
             "Read (last minute)", "Write");
    for (int d = 0; d < TUI_STATS_DECADES && d + 1 < in.h; d++) {
        int y = in.y + 1 + d;

        tui_put(y, in.x, 7, TUI_R_GRAPH_AXIS, tp_decades[d]);
        tp_bar(y, in.x + 7, half, rd.decade[d], max, TUI_R_GRAPH_READ);
        tp_bar(y, in.x + 8 + half, in.w - 8 - half, wr.decade[d], max,
               TUI_R_GRAPH_WRITE);
    }
}

/* Requests outstanding over the last minute (the most in each quarter
 * second), with its scale. */
static void tp_queue_depth(struct tui *t, struct tui_rect in)
{
    const struct tui_glyphs *g = tui_scr.g;
    double series[TUI_QD_SAMPLES], cols[512], scale;
    int w = in.w - TP_LABEL_W, h = in.h - 1;
    int64_t cur = t->qd_last;
    char now[16];

    if (w <= 0 || h <= 0)
        return;
    if (w > (int)(sizeof(cols) / sizeof(cols[0])))
        w = (int)(sizeof(cols) / sizeof(cols[0]));
    for (int i = 0; i < TUI_QD_SAMPLES; i++) {
        int64_t k = cur - (TUI_QD_SAMPLES - 1) + i;

        series[i] = k >= 0 ? t->qd[k % TUI_QD_SAMPLES] : 0;
    }
    tui_graph_resample(series, TUI_QD_SAMPLES, cols, (size_t)w);
    scale = tui_graph_scale(cols, (size_t)w, 1);
    tui_fmt_count(now, sizeof(now), (double)tui_model_outstanding(t));
    tui_putf(in.y, in.x, in.w, TUI_R_DIM, "queue depth, last minute "
             "(now %s)", now);
    tui_putf(in.y + 1, in.x, TP_LABEL_W, TUI_R_GRAPH_AXIS, "QD %.0f", scale);
    if (h > 1)
        tui_put(in.y + h, in.x, TP_LABEL_W, TUI_R_GRAPH_AXIS, "  0 reqs");
    for (int row = 0; row < h; row++)
        for (int x = 0; x < w; x++)
            tui_put(in.y + h - row, in.x + TP_LABEL_W + x, 1,
                    TUI_R_GRAPH_WRITE,
                    tui_glyphs_graph(g, cols[x] / scale, row, h));
}

const struct tui_panel_class tui_panel_throughput = {
    .title = "Throughput",
    .framed = true,
    .focusable = true,
    .draw = throughput_draw,
    .key = throughput_key,
};
