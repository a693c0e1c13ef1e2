/*
 * test_cmd_number.c — sizes and pattern bytes parse exactly as qemu-io 7.2
 * parses them, and refusals print its texts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/number.h"
#include "tests/unit/cmd_capture.h"

static int64_t parse_ok(const char *s)
{
    int64_t v = -1;

    assert_int_equal(num_parse_size(CAPTURE, s, &v), 0);
    return v;
}

static void test_size_plain_decimal(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("512"), 512);
    assert_int_equal(parse_ok("+5"), 5);
    assert_int_equal(parse_ok("9223372036854775807"), INT64_MAX);
}

static void test_size_leading_zero_is_decimal(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("010"), 10);
}

static void test_size_suffixes_both_cases(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1b"), 1);
    assert_int_equal(parse_ok("1B"), 1);
    assert_int_equal(parse_ok("1k"), 1024);
    assert_int_equal(parse_ok("1K"), 1024);
    assert_int_equal(parse_ok("3M"), 3 << 20);
    assert_int_equal(parse_ok("6m"), 6 << 20);
    assert_int_equal(parse_ok("1G"), INT64_C(1) << 30);
    assert_int_equal(parse_ok("5T"), INT64_C(5) << 40);
    assert_int_equal(parse_ok("2P"), INT64_C(2) << 50);
    assert_int_equal(parse_ok("7E"), INT64_C(7) << 60);
    assert_int_equal(parse_ok("2e"), INT64_C(2) << 60);
}

static void test_size_fractions_need_a_suffix(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(parse_ok("1.5k"), 1536);
    assert_int_equal(parse_ok("0.5M"), 512 * 1024);
    assert_int_equal(parse_ok("1.25M"), 1310720);
    assert_int_equal(parse_ok("0.1k"), 102);          /* 102.4 rounds down */
    assert_int_equal(parse_ok("1.0b"), 1);            /* no fraction left */
    assert_int_equal(parse_ok("1."), 1);
    assert_int_equal(parse_ok("1.k"), 1024);
    assert_int_equal(parse_ok("1.5e"), INT64_C(3) << 59);
    assert_int_equal(num_parse_size(CAPTURE, "1.5", &v), -EINVAL);
    assert_int_equal(num_parse_size(CAPTURE, "1.5b", &v), -EINVAL);
}

static void test_size_hex(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(parse_ok("0x200"), 512);
    assert_int_equal(parse_ok("0X10"), 16);
    assert_int_equal(num_parse_size(CAPTURE, "0x", &v), -EINVAL);
    assert_int_equal(num_parse_size(CAPTURE, "0x1.5", &v), -EINVAL);
    assert_int_equal(num_parse_size(CAPTURE, "0xffffffffffffffff", &v),
                     -ERANGE);
    assert_int_equal(num_parse_size(CAPTURE, "0x10000000000000000", &v),
                     -ERANGE);
}

static void test_size_hex_suffix_warns_but_works(void **state)
{
    (void)state;
    capture_start();
    assert_int_equal(parse_ok("0x1k"), 1024);
    capture_stop();
    assert_string_equal(CAPTURED_ERR, "blkmon: warning: Using a multiplier "
                        "suffix on hex numbers is deprecated: 0x1k\n");
}

static void test_size_refusals(void **state)
{
    static const char *const bad[] = {
        "", "x", "1x", "1kb", "1kk", "1e3", "-1", "-0", " -5", "k", "-",
        "\"\"", "1.5e3k",
    };
    int64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(num_parse_size(CAPTURE, bad[i], &v), -EINVAL);
}

static void test_size_overflow(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(num_parse_size(CAPTURE, "99999999999999999999", &v),
                     -ERANGE);
    assert_int_equal(num_parse_size(CAPTURE, "16E", &v), -ERANGE);
    assert_int_equal(num_parse_size(CAPTURE, "8E", &v), -ERANGE);
    assert_int_equal(num_parse_size(CAPTURE, "9223372036854775808", &v),
                     -ERANGE);
}

static void test_size_error_texts(void **state)
{
    int64_t v;

    (void)state;
    capture_start();
    assert_int_equal(num_size_arg(CAPTURE, "1kb", &v), -EINVAL);
    assert_int_equal(num_size_arg(CAPTURE, "16E", &v), -ERANGE);
    capture_stop();
    assert_string_equal(CAPTURED_OUT,
        "Parsing error: non-numeric argument, or extraneous/unrecognized "
        "suffix -- 1kb\n"
        "Parsing error: argument too large -- 16E\n");
}

/* Figures measured with qemu-io 7.2 ("read X 0" on a 15 TiB image). */
static void test_size_fraction_rounding_to_one_is_dropped(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0.99999999999999999k"), 0);
    assert_int_equal(parse_ok("1.99999999999999999k"), 1024);
    assert_int_equal(parse_ok("0.99999999999999999"), 0);
    assert_int_equal(parse_ok("0.99999999999999999b"), 0);
    assert_int_equal(parse_ok("0.999999999999999999999999999999E"), 0);
    assert_int_equal(parse_ok("7.99999999999999999E"), INT64_C(7) << 60);
    /* the largest fraction below 1 still counts, rounded half up */
    assert_int_equal(parse_ok("1.9999999999999999k"), 2048);
    assert_int_equal(parse_ok("0.9999999999999999k"), 1024);
    assert_int_equal(parse_ok("13.99999999999999999T"), INT64_C(13) << 40);
    assert_int_equal(parse_ok("13.9999999999999999T"), INT64_C(14) << 40);
    assert_int_equal(parse_ok("14.99999999999999T"), INT64_C(15) << 40);
    assert_int_equal(parse_ok("0.0135P"), INT64_C(15199648742375));
}

static void test_size_fraction_out_of_strtod_range_skips_a_char(void **state)
{
    char tiny[400] = "1.";
    int64_t v;

    (void)state;
    memset(tiny + 2, '0', 340);
    strcpy(tiny + 342, "1");
    /* subnormal: no fraction, the character after the digits is skipped;
     * at the end of the text qemu reads past it (what it finds varies),
     * blkmon stops there */
    assert_int_equal(parse_ok(tiny), 1);
    strcpy(tiny + 343, "k");
    assert_int_equal(parse_ok(tiny), 1);
    strcpy(tiny + 343, "kk");
    assert_int_equal(parse_ok(tiny), 1024);
    strcpy(tiny + 343, "xk");
    assert_int_equal(parse_ok(tiny), 1024);
    strcpy(tiny + 343, "kkk");
    assert_int_equal(num_parse_size(CAPTURE, tiny, &v), -EINVAL);
    /* overflowing exponent: the same, before the exponent is refused */
    assert_int_equal(parse_ok("1.5e999k"), 1);
    assert_int_equal(parse_ok("1.5e-999k"), 1);
    assert_int_equal(parse_ok("1.5e999"), 1);
    assert_int_equal(num_parse_size(CAPTURE, "1.5e3k", &v), -EINVAL);
}

static void test_size_leftover_text_beats_too_large(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(num_parse_size(CAPTURE, "20000000000E", &v), -ERANGE);
    assert_int_equal(num_parse_size(CAPTURE, "20000000000Ek", &v), -EINVAL);
    assert_int_equal(num_parse_size(CAPTURE, "18446744073709551616k", &v), -EINVAL);
    assert_int_equal(num_parse_size(CAPTURE, "0xffffffffffffffffffk", &v), -EINVAL);
    assert_int_equal(num_parse_size(CAPTURE, "18446744073709551615", &v), -ERANGE);
    assert_int_equal(num_parse_size(CAPTURE, "9223372036854775807b", &v), 0);
    assert_int_equal(v, INT64_MAX);
}

static void test_pattern_bases(void **state)
{
    (void)state;
    assert_int_equal(num_parse_pattern(CAPTURE, "255"), 255);
    assert_int_equal(num_parse_pattern(CAPTURE, "0x7f"), 0x7f);
    assert_int_equal(num_parse_pattern(CAPTURE, "010"), 8);
    assert_int_equal(num_parse_pattern(CAPTURE, "0377"), 255);
    assert_int_equal(num_parse_pattern(CAPTURE, "0"), 0);
}

static void test_pattern_refusals_print_qemu_text(void **state)
{
    (void)state;
    capture_start();
    assert_int_equal(num_parse_pattern(CAPTURE, "256"), -1);
    assert_int_equal(num_parse_pattern(CAPTURE, "-1"), -1);
    assert_int_equal(num_parse_pattern(CAPTURE, "12ab"), -1);
    assert_int_equal(num_parse_pattern(CAPTURE, "09"), -1);
    assert_int_equal(num_parse_pattern(CAPTURE, "xyz"), -1);
    capture_stop();
    assert_string_equal(CAPTURED_OUT,
        "256 is not a valid pattern byte\n"
        "-1 is not a valid pattern byte\n"
        "12ab is not a valid pattern byte\n"
        "09 is not a valid pattern byte\n"
        "xyz is not a valid pattern byte\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_plain_decimal),
        cmocka_unit_test(test_size_leading_zero_is_decimal),
        cmocka_unit_test(test_size_suffixes_both_cases),
        cmocka_unit_test(test_size_fractions_need_a_suffix),
        cmocka_unit_test(test_size_hex),
        cmocka_unit_test(test_size_hex_suffix_warns_but_works),
        cmocka_unit_test(test_size_refusals),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_size_error_texts),
        cmocka_unit_test(test_size_fraction_rounding_to_one_is_dropped),
        cmocka_unit_test(test_size_fraction_out_of_strtod_range_skips_a_char),
        cmocka_unit_test(test_size_leftover_text_beats_too_large),
        cmocka_unit_test(test_pattern_bases),
        cmocka_unit_test(test_pattern_refusals_print_qemu_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
