/*
 * test_tui_stats.c — the throughput sampler: interval ring, rates, totals,
 * classes, and latency percentiles within the documented error bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "tui/stats.c"

#define MS  1000000LL
#define US  1000LL
#define SEC 1000000000LL
#define MiB (1024.0 * 1024.0)

static void test_stats_bucket_error_is_within_bound(void **state)
{
    int prev = -1;
    for (int64_t v = 0; v < 16; v++)
        assert_int_equal(tui_stats_bucket_mid(tui_stats_bucket(v)), v);
    for (int64_t v = 16; v < (1LL << 40); v = v * 9 / 8 + 1) {
        int b = tui_stats_bucket(v);
        double err = fabs((double)tui_stats_bucket_mid(b) - (double)v) / (double)v;
        assert_true(err <= 1.0 / 16);
        assert_true(b >= prev);                 /* monotonic */
        prev = b;
    }
    assert_int_equal(tui_stats_bucket(INT64_MAX), TUI_STATS_BUCKETS - 1);
    assert_int_equal(tui_stats_bucket(-5), 0);
}

static void test_stats_rate_of_a_complete_interval(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    double series[4];
    struct tui_stats_rate r;

    for (int i = 0; i < 4; i++)
        tui_stats_add(s, BK_OP_READ, 1 << 20, 100 * US, 0, 10 * MS * i);
    /* Still in progress: nothing shown yet. */
    assert_int_equal(tui_stats_available(s), 0);
    r = tui_stats_rate(s, TUI_ST_READ, 4);
    assert_true(r.iops == 0);

    tui_stats_advance(s, 250 * MS);
    assert_int_equal(tui_stats_available(s), 1);
    r = tui_stats_rate(s, TUI_ST_READ, 4);        /* averages what exists */
    assert_true(fabs(r.bytes_per_s / MiB - 16.0) < 1e-9);
    assert_true(fabs(r.iops - 16.0) < 1e-9);

    tui_stats_series(s, TUI_ST_READ, TUI_ST_BYTES_PER_S, series, 4);
    assert_true(series[0] == 0 && series[1] == 0 && series[2] == 0);
    assert_true(fabs(series[3] / MiB - 16.0) < 1e-9);
    tui_stats_series(s, TUI_ST_WRITE, TUI_ST_IOPS, series, 4);
    assert_true(series[3] == 0);
    tui_stats_free(s);
}

static void test_stats_rate_averages_last_n_intervals(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    struct tui_stats_rate r;

    /* 1 write in interval 0, 3 in interval 1: over both, 2 per 250 ms. */
    tui_stats_add(s, BK_OP_WRITE, 4096, 1 * MS, 0, 0);
    for (int i = 0; i < 3; i++)
        tui_stats_add(s, BK_OP_WRITE, 4096, 1 * MS, 0, 300 * MS);
    tui_stats_advance(s, 500 * MS);
    r = tui_stats_rate(s, TUI_ST_WRITE, 2);
    assert_true(fabs(r.iops - 8.0) < 1e-9);
    r = tui_stats_rate(s, TUI_ST_WRITE, 1);
    assert_true(fabs(r.iops - 12.0) < 1e-9);
    tui_stats_free(s);
}

static void test_stats_ring_keeps_only_the_last_minute(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    double series[240];

    for (int64_t i = 0; i < 300; i++)
        tui_stats_add(s, BK_OP_READ, 512 * (i + 1), 0, 0, i * 250 * MS);
    tui_stats_advance(s, 300 * 250 * MS);
    assert_int_equal(tui_stats_available(s), 240);
    tui_stats_series(s, TUI_ST_READ, TUI_ST_BYTES_PER_S, series, 240);
    assert_true(series[0] == 512.0 * 61 * 4);     /* interval 60 */
    assert_true(series[239] == 512.0 * 300 * 4);  /* interval 299 */
    /* Totals still count everything. */
    assert_int_equal(tui_stats_total(s, TUI_ST_READ).ops, 300);
    tui_stats_free(s);
}

static void test_stats_long_idle_clears_the_ring(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    double series[240];
    tui_stats_add(s, BK_OP_READ, 4096, 0, 0, 0);
    tui_stats_advance(s, 3600 * SEC);
    tui_stats_series(s, TUI_ST_READ, TUI_ST_IOPS, series, 240);
    for (int i = 0; i < 240; i++)
        assert_true(series[i] == 0);
    assert_int_equal(tui_stats_latency(s, TUI_ST_READ, true).count, 0);
    assert_int_equal(tui_stats_latency(s, TUI_ST_READ, false).count, 1);
    tui_stats_free(s);
}

static void test_stats_classes_and_errors(void **state)
{
    struct tui_stats *s = tui_stats_new(0, 0, 0);
    struct tui_stats_total t;

    assert_int_equal(tui_stats_interval_ns(s), 250 * MS);
    tui_stats_add(s, BK_OP_WRITE_ZEROES, 1LL << 30, 0, 0, 0);
    tui_stats_add(s, BK_OP_FLUSH, 0, 0, 0, 0);
    tui_stats_add(s, BK_OP_WRITE, 65536, 0, -5, 0);     /* EIO */
    tui_stats_add(s, BK_OP_WRITE, 65536, 0, 0, 0);
    t = tui_stats_total(s, TUI_ST_WRITE);
    assert_int_equal(t.ops, 2);
    assert_int_equal(t.errors, 1);
    assert_int_equal(t.bytes, 65536);                   /* failed: no bytes */
    t = tui_stats_total(s, TUI_ST_OTHER);
    assert_int_equal(t.ops, 2);
    assert_int_equal(t.bytes, 1LL << 30);
    assert_int_equal(tui_stats_class_of(BK_OP_DISCARD), TUI_ST_OTHER);
    tui_stats_free(s);
}

static void test_stats_late_completion_lands_in_its_interval(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    double series[3];
    tui_stats_advance(s, 600 * MS);                      /* interval 2 */
    tui_stats_add(s, BK_OP_READ, 1000, 0, 0, 100 * MS);  /* interval 0 */
    tui_stats_advance(s, 750 * MS);
    tui_stats_series(s, TUI_ST_READ, TUI_ST_IOPS, series, 3);
    assert_true(series[0] == 4.0);
    assert_true(series[1] == 0 && series[2] == 0);
    tui_stats_free(s);
}

static void test_stats_latency_percentiles_within_bound(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    struct tui_stats_latency l;

    /* 1..1000 us: p50 = 500 us, p90 = 900 us, p99 = 990 us. */
    for (int i = 1; i <= 1000; i++)
        tui_stats_add(s, i % 2 ? BK_OP_READ : BK_OP_WRITE, 4096, i * US, 0,
                      i * MS);
    l = tui_stats_latency(s, TUI_ST_ALL, true);
    assert_int_equal(l.count, 1000);
    assert_int_equal(l.max, 1000 * US);
    assert_int_equal(l.mean, 500500);
    assert_true(fabs(l.p50 - 500.0 * US) <= 500.0 * US / 16);
    assert_true(fabs(l.p90 - 900.0 * US) <= 900.0 * US / 16);
    assert_true(fabs(l.p99 - 990.0 * US) <= 990.0 * US / 16);
    assert_true(l.p99 <= l.max);

    l = tui_stats_latency(s, TUI_ST_READ, false);
    assert_int_equal(l.count, 500);
    assert_int_equal(l.max, 999 * US);
    /* In decades: the reads of 1..9 us, 10..99 us, 100..999 us (odd ones),
     * to within a bucket's width at the edges. */
    {
        uint64_t sum = 0;

        for (int d = 0; d < TUI_STATS_DECADES; d++)
            sum += l.decade[d];
        assert_int_equal(sum, 500);
        assert_true(l.decade[0] >= 4 && l.decade[0] <= 6);
        assert_true(l.decade[1] >= 43 && l.decade[1] <= 47);
        /* A value within a bucket's width (6.25%) of an edge may be
         * counted on either side of it. */
        assert_true(l.decade[2] >= 450 - 32);
        assert_true(l.decade[2] + l.decade[3] >= 448 &&
                    l.decade[2] + l.decade[3] <= 452);
        assert_int_equal(l.decade[4], 0);
    }
    tui_stats_free(s);
}

static void test_stats_latency_window_forgets_old_samples(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    struct tui_stats_latency l;

    tui_stats_add(s, BK_OP_READ, 4096, 5 * SEC, 0, 0);      /* one slow op */
    for (int i = 0; i < 100; i++)
        tui_stats_add(s, BK_OP_READ, 4096, 100 * US, 0, 90 * SEC + i * MS);
    l = tui_stats_latency(s, TUI_ST_READ, true);
    assert_int_equal(l.count, 100);
    assert_int_equal(l.max, 100 * US);
    l = tui_stats_latency(s, TUI_ST_READ, false);
    assert_int_equal(l.count, 101);
    assert_int_equal(l.max, 5 * SEC);
    assert_true(l.p50 <= 100 * US + 100 * US / 16);
    tui_stats_free(s);
}

static void test_stats_add_req_uses_submit_to_complete(void **state)
{
    struct tui_stats *s = tui_stats_new(250 * MS, 240, 0);
    struct bk_req r = { .op = BK_OP_READ, .bytes = 512,
                        .submit_ns = 10 * MS, .complete_ns = 12 * MS };
    tui_stats_add_req(s, &r);
    assert_int_equal(tui_stats_latency(s, TUI_ST_READ, true).max, 2 * MS);
    tui_stats_free(s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_bucket_error_is_within_bound),
        cmocka_unit_test(test_stats_rate_of_a_complete_interval),
        cmocka_unit_test(test_stats_rate_averages_last_n_intervals),
        cmocka_unit_test(test_stats_ring_keeps_only_the_last_minute),
        cmocka_unit_test(test_stats_long_idle_clears_the_ring),
        cmocka_unit_test(test_stats_classes_and_errors),
        cmocka_unit_test(test_stats_late_completion_lands_in_its_interval),
        cmocka_unit_test(test_stats_latency_percentiles_within_bound),
        cmocka_unit_test(test_stats_latency_window_forgets_old_samples),
        cmocka_unit_test(test_stats_add_req_uses_submit_to_complete),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
