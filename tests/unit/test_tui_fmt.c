/*
 * test_tui_fmt.c — number formatting: three significant digits, unit
 * changes before "1000", bounded widths, durations up to days.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/fmt.c"

static void test_fmt_size_uses_binary_units_and_three_digits(void **state)
{
    char b[32];

    assert_string_equal(tui_fmt_size(b, sizeof(b), 0), "0 B");
    assert_string_equal(tui_fmt_size(b, sizeof(b), 512), "512 B");
    assert_string_equal(tui_fmt_size(b, sizeof(b), 4096), "4 KiB");
    assert_string_equal(tui_fmt_size(b, sizeof(b), 1536 * 1024), "1.50 MiB");
    assert_string_equal(tui_fmt_size(b, sizeof(b), 1LL << 40), "1 TiB");
    assert_string_equal(tui_fmt_size(b, sizeof(b), 59187), "57.8 KiB");
    /* 1023 KiB would print 4 digits: it moves up a unit instead. */
    assert_string_equal(tui_fmt_size(b, sizeof(b), 1023 * 1024), "1.00 MiB");
    assert_string_equal(tui_fmt_size(b, sizeof(b), -5), "0 B");
}

static void test_fmt_size_never_prints_four_digits(void **state)
{
    char b[32];

    for (int64_t x = 1; x < (1LL << 50); x = x * 3 + 7) {
        const char *s = tui_fmt_size(b, sizeof(b), x);
        size_t digits = strspn(s, "0123456789");

        assert_true(digits <= 3);
    }
}

static void test_fmt_mibps_keeps_three_significant_digits(void **state)
{
    char b[32];

    assert_string_equal(tui_fmt_mibps(b, sizeof(b), 0), "0.00");
    assert_string_equal(tui_fmt_mibps(b, sizeof(b), 3.42 * 1048576), "3.42");
    assert_string_equal(tui_fmt_mibps(b, sizeof(b), 57.1 * 1048576), "57.1");
    assert_string_equal(tui_fmt_mibps(b, sizeof(b), 1234 * 1048576.0),
                        "1234");
    assert_string_equal(tui_fmt_mibps(b, sizeof(b), 9.999 * 1048576), "10.0");
}

static void test_fmt_count_scales_by_thousands(void **state)
{
    char b[32];

    assert_string_equal(tui_fmt_count(b, sizeof(b), 0), "0");
    assert_string_equal(tui_fmt_count(b, sizeof(b), 999), "999");
    assert_string_equal(tui_fmt_count(b, sizeof(b), 12300), "12.3k");
    assert_string_equal(tui_fmt_count(b, sizeof(b), 4560000), "4.56M");
    assert_string_equal(tui_fmt_count(b, sizeof(b), 999999), "1.00M");
}

static void test_fmt_duration_from_nanoseconds_to_days(void **state)
{
    char b[32];

    assert_string_equal(tui_fmt_duration(b, sizeof(b), 0), "0 ns");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 850), "850 ns");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 12000), "12 us");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 3400000), "3.40 ms");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 1250000000),
                        "1.25 s");
    /* Seconds up to 1000 of them: "p50 1m13s" beside "9.37 ms" read
     * badly. */
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 73000000000LL),
                        "73 s");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 125000000000LL),
                        "125 s");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 1000000000000LL),
                        "16m40s");
    assert_string_equal(tui_fmt_duration(b, sizeof(b), 3720000000000LL),
                        "1h02m");
    assert_string_equal(tui_fmt_duration(b, sizeof(b),
                                         (int64_t)200 * 3600 * 1000000000LL),
                        "8d08h");
}

static void test_fmt_latency_and_offsets(void **state)
{
    char b[32];

    (void)state;
    /* No request measured: a dash, not a "0 ns" measurement. */
    assert_string_equal(tui_fmt_latency(b, sizeof(b), 0, 0), "-");
    assert_string_equal(tui_fmt_latency(b, sizeof(b), 0, 3), "0 ns");
    assert_string_equal(tui_fmt_latency(b, sizeof(b), 9371600, 1), "9.37 ms");
    assert_string_equal(tui_fmt_offset(b, sizeof(b), 200LL << 30, false),
                        "200 GiB");
    assert_string_equal(tui_fmt_offset(b, sizeof(b), 2101248, false),
                        "2.00 MiB");
    assert_string_equal(tui_fmt_offset(b, sizeof(b), 2101248, true),
                        "2101248");
}

static void test_fmt_source_names_kind_and_client(void **state)
{
    char b[24];
    struct bk_source cmd = { .kind = BK_SRC_COMMAND, .name = "command line" };
    struct bk_source nbd = { .kind = BK_SRC_NBD, .name = "nbd unix", .id = 3 };
    struct bk_source fuse = { .kind = BK_SRC_FUSE, .name = "fuse pid 1",
                              .id = 12 };
    struct bk_source odd = { .kind = (enum bk_source_kind)99, .name = "?" };

    (void)state;
    assert_string_equal(tui_fmt_source(b, sizeof(b), NULL), "-");
    assert_string_equal(tui_fmt_source(b, sizeof(b), &cmd), "cmd");
    assert_string_equal(tui_fmt_source(b, sizeof(b), &nbd), "nbd3");
    assert_string_equal(tui_fmt_source(b, sizeof(b), &fuse), "fuse12");
    assert_string_equal(tui_fmt_source(b, sizeof(b), &odd), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_size_uses_binary_units_and_three_digits),
        cmocka_unit_test(test_fmt_size_never_prints_four_digits),
        cmocka_unit_test(test_fmt_mibps_keeps_three_significant_digits),
        cmocka_unit_test(test_fmt_count_scales_by_thousands),
        cmocka_unit_test(test_fmt_duration_from_nanoseconds_to_days),
        cmocka_unit_test(test_fmt_latency_and_offsets),
        cmocka_unit_test(test_fmt_source_names_kind_and_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
