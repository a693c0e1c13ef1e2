/*
 * test_cmd_report.c — sizes, times, I/O reports and hex dumps print
 * byte for byte as qemu-io prints them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cmd/report.h"
#include "tests/unit/cmd_capture.h"

static const char *cvt(double v)
{
    static char buf[64];

    report_cvtstr(v, buf, sizeof(buf));
    return buf;
}

static void test_cvtstr_trims_whole_units(void **state)
{
    (void)state;
    assert_string_equal(cvt(0), "0 bytes");
    assert_string_equal(cvt(512), "512 bytes");
    assert_string_equal(cvt(1023), "1023 bytes");
    assert_string_equal(cvt(1024), "1 KiB");
    assert_string_equal(cvt(65536), "64 KiB");
    assert_string_equal(cvt(1 << 20), "1 MiB");
    assert_string_equal(cvt((double)(INT64_C(7) << 60)), "7 EiB");
    assert_string_equal(cvt((double)(INT64_C(5) << 40)), "5 TiB");
}

static void test_cvtstr_keeps_three_decimals(void **state)
{
    (void)state;
    assert_string_equal(cvt(3584), "3.500 KiB");
    assert_string_equal(cvt(5000), "4.883 KiB");
    assert_string_equal(cvt(12345), "12.056 KiB");
    assert_string_equal(cvt(1310720), "1.250 MiB");
    assert_string_equal(cvt(0.001971), "0.001971 bytes");
}

static void test_cvtstr_infinite_rate(void **state)
{
    (void)state;
    assert_string_equal(cvt(INFINITY), "inf EiB");
}

static void test_timestr_short_and_long(void **state)
{
    char ts[64];

    (void)state;
    report_timestr(1234567, false, ts, sizeof(ts));
    assert_string_equal(ts, "00.00 sec");
    report_timestr(123456789, true, ts, sizeof(ts));
    assert_string_equal(ts, "0:00:00.12");
    report_timestr(INT64_C(3723450000000), false, ts, sizeof(ts));
    assert_string_equal(ts, "1:02:03.45");
}

static void test_report_human(void **state)
{
    (void)state;
    capture_start();
    /* 4096 bytes in 1 ms: 4 MiB/s... exactly 3.906 MiB/sec, 1000 ops/s. */
    report_io(CAPTURE, "wrote", 1000000, 0, 4096, 4096, 1, false);
    capture_stop();
    assert_string_equal(CAPTURED_OUT,
        "wrote 4096/4096 bytes at offset 0\n"
        "4 KiB, 1 ops; 00.00 sec (3.906 MiB/sec and 1000.0000 ops/sec)\n");
}

static void test_report_machine(void **state)
{
    (void)state;
    capture_start();
    report_io(CAPTURE, "read", 1000000, 8192, 512, 512, 1, true);
    capture_stop();
    assert_string_equal(CAPTURED_OUT, "512,1,0:00:00.00,512000.000,1000.000\n");
}

static void test_dump_partial_line_and_printables(void **state)
{
    unsigned char buf[24];

    (void)state;
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = i < 6 ? 0xab : (i < 10 ? 'A' + (unsigned char)i : '-');
    capture_start();
    report_dump(CAPTURE, buf, 0xffa, (int64_t)sizeof(buf));
    capture_stop();
    assert_string_equal(CAPTURED_OUT,
        "00000ffa:  ab ab ab ab ab ab 47 48 49 4a 2d 2d 2d 2d 2d 2d  "
        "......GHIJ......\n"
        "0000100a:  2d 2d 2d 2d 2d 2d 2d 2d  ........\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvtstr_trims_whole_units),
        cmocka_unit_test(test_cvtstr_keeps_three_decimals),
        cmocka_unit_test(test_cvtstr_infinite_rate),
        cmocka_unit_test(test_timestr_short_and_long),
        cmocka_unit_test(test_report_human),
        cmocka_unit_test(test_report_machine),
        cmocka_unit_test(test_dump_partial_line_and_printables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
