/*
 * test_qcow2_rcarray.c — refcount arrays at every refcount_bits from 1 to
 * 64: each entry holds its own value without touching its neighbours, the
 * maximum fits and is the width's, the layout is the on-disk one (packed
 * from the low bit of each byte; big-endian from 8 bits up).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/rcarray.c"
#include "backend/qcow2/entry.c"

static void test_every_width_keeps_each_entry_apart(void **state)
{
    (void)state;
    for (unsigned order = 0; order <= 6; order++) {
        unsigned char block[512];
        uint64_t n = 512 * 8 >> order, max = qcow2_rc_max(order);

        memset(block, 0, sizeof(block));
        /* A value per entry that differs from its neighbours'. */
        for (uint64_t i = 0; i < n; i++)
            qcow2_rc_set(order, block, i, (i * 0x9e3779b97f4a7c15ULL) & max);
        for (uint64_t i = 0; i < n; i++)
            assert_int_equal(qcow2_rc_get(order, block, i),
                             (i * 0x9e3779b97f4a7c15ULL) & max);
        /* Setting one to its maximum and back to 0 leaves the rest. */
        qcow2_rc_set(order, block, 5, max);
        assert_int_equal(qcow2_rc_get(order, block, 5), max);
        qcow2_rc_set(order, block, 5, 0);
        assert_int_equal(qcow2_rc_get(order, block, 5), 0);
        assert_int_equal(qcow2_rc_get(order, block, 4),
                         (4 * 0x9e3779b97f4a7c15ULL) & max);
        assert_int_equal(qcow2_rc_get(order, block, 6),
                         (6 * 0x9e3779b97f4a7c15ULL) & max);
    }
}

static void test_maximum_is_the_widths(void **state)
{
    (void)state;
    assert_int_equal(qcow2_rc_max(0), 1);
    assert_int_equal(qcow2_rc_max(1), 3);
    assert_int_equal(qcow2_rc_max(2), 15);
    assert_int_equal(qcow2_rc_max(3), 255);
    assert_int_equal(qcow2_rc_max(4), 65535);
    assert_int_equal(qcow2_rc_max(5), 0xffffffffULL);
    assert_true(qcow2_rc_max(6) == UINT64_MAX);
}

static void test_layout_is_the_on_disk_one(void **state)
{
    unsigned char b[16];

    (void)state;
    memset(b, 0, sizeof(b));
    qcow2_rc_set(0, b, 9, 1);               /* byte 1, bit 1 */
    assert_int_equal(b[1], 0x02);
    memset(b, 0, sizeof(b));
    qcow2_rc_set(1, b, 1, 3);               /* byte 0, bits 2-3 */
    assert_int_equal(b[0], 0x0c);
    memset(b, 0, sizeof(b));
    qcow2_rc_set(2, b, 1, 0xa);             /* byte 0, high nibble */
    assert_int_equal(b[0], 0xa0);
    memset(b, 0, sizeof(b));
    qcow2_rc_set(4, b, 1, 0x1234);
    assert_memory_equal(b + 2, "\x12\x34", 2);
    memset(b, 0, sizeof(b));
    qcow2_rc_set(5, b, 1, 0x01020304);
    assert_memory_equal(b + 4, "\x01\x02\x03\x04", 4);
    memset(b, 0, sizeof(b));
    qcow2_rc_set(6, b, 1, 0x0102030405060708ULL);
    assert_memory_equal(b + 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

static void test_array_bytes_round_up_to_whole_bytes(void **state)
{
    (void)state;
    assert_int_equal(qcow2_rc_array_bytes(0, 1), 1);
    assert_int_equal(qcow2_rc_array_bytes(0, 9), 2);
    assert_int_equal(qcow2_rc_array_bytes(2, 3), 2);
    assert_int_equal(qcow2_rc_array_bytes(4, 3), 6);
    assert_int_equal(qcow2_rc_array_bytes(6, 3), 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_width_keeps_each_entry_apart),
        cmocka_unit_test(test_maximum_is_the_widths),
        cmocka_unit_test(test_layout_is_the_on_disk_one),
        cmocka_unit_test(test_array_bytes_round_up_to_whole_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
