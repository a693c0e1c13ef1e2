/*
 * test_qcow2_bitmap.c — persistent bitmaps in memory: a write sets the
 * bit of every granule it touches in the enabled bitmaps only; bits are
 * 64-bit words, least significant first, as qemu serializes them (a
 * cluster of data covers cluster size x 8 granules, the last word of a
 * part counting whole); a resize keeps the bits below the new end and
 * clears the rest; directory entries are checked as qemu checks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/bitmap.c"

static struct qcow2_dbitmap *bitmap(unsigned gbits, uint64_t len,
                                    bool enabled)
{
    struct qcow2_dbitmap *b = calloc(1, sizeof(*b));

    assert_non_null(b);
    b->name = strdup("b");
    b->granularity_bits = gbits;
    b->enabled = enabled;
    assert_int_equal(dbitmap_resize(b, len), 0);
    return b;
}

static bool bit(const struct qcow2_dbitmap *b, uint64_t i)
{
    return (b->words[i / 64] >> (i % 64)) & 1;
}

static void test_writes_set_the_granules_they_touch(void **state)
{
    struct qcow2_state s = { .size = 10 << 20, .cluster_size = 65536 };
    struct qcow2_dbitmap *b = bitmap(16, s.size, true);

    (void)state;
    s.dbitmaps = b;
    assert_int_equal(b->nbits, 160);
    /* One byte across a granule boundary: two bits. */
    qcow2_bitmaps_set_dirty(&s, 65535, 2);
    assert_true(bit(b, 0));
    assert_true(bit(b, 1));
    assert_false(bit(b, 2));
    /* Bit 64 is the first of the second word. */
    qcow2_bitmaps_set_dirty(&s, 64 * 65536, 4096);
    assert_int_equal(b->words[1], 1);
    assert_int_equal(b->words[0], 3);
    /* Nothing is set past the end. */
    qcow2_bitmaps_set_dirty(&s, s.size - 512, 4096);
    assert_true(bit(b, 159));
    assert_int_equal(b->words[2], 1ULL << 31);
    qcow2_bitmaps_free(&s);
}

static void test_disabled_bitmaps_are_not_set(void **state)
{
    struct qcow2_state s = { .size = 1 << 20 };
    struct qcow2_dbitmap *on = bitmap(16, s.size, true);
    struct qcow2_dbitmap *off = bitmap(16, s.size, false);

    (void)state;
    on->next = off;
    s.dbitmaps = on;
    qcow2_bitmaps_set_dirty(&s, 0, 1 << 20);
    assert_int_equal(on->words[0], 0xffff);
    assert_int_equal(off->words[0], 0);
    /* Nothing for a write of no bytes. */
    qcow2_bitmaps_set_dirty(&s, 0, 0);
    qcow2_bitmaps_free(&s);
}

static void test_serialization_counts_whole_words(void **state)
{
    struct qcow2_dbitmap *b = bitmap(16, 10 << 20, true);
    uint64_t coverage = (uint64_t)65536 * 8 << 16;

    (void)state;
    /* 160 bits: three words. */
    assert_int_equal(serialization_size(b, 0, 10 << 20), 24);
    assert_int_equal(serialization_size(b, 0, 0), 0);
    assert_int_equal(serialization_size(b, 0, 1), 8);
    /* A cluster of data holds exactly its coverage. */
    assert_int_equal(serialization_size(b, 0, coverage), 65536);
    dbitmap_free(b);
}

static void test_a_resize_keeps_the_bits_below_the_new_end(void **state)
{
    struct qcow2_state s = { .size = 10 << 20 };
    struct qcow2_dbitmap *b = bitmap(16, s.size, true);

    (void)state;
    s.dbitmaps = b;
    qcow2_bitmaps_set_dirty(&s, 0, s.size);
    qcow2_bitmaps_truncate(&s, 3 << 20);
    assert_int_equal(b->nbits, 48);
    assert_int_equal(b->words[0], (1ULL << 48) - 1);
    /* Growing adds clear bits. */
    qcow2_bitmaps_truncate(&s, 10 << 20);
    assert_int_equal(b->nbits, 160);
    assert_int_equal(b->words[0], (1ULL << 48) - 1);
    assert_int_equal(b->words[1] | b->words[2], 0);
    qcow2_bitmaps_free(&s);
}

static void test_table_entries_are_checked_as_qemu_does(void **state)
{
    (void)state;
    assert_int_equal(qcow2_bitmap_check_table_entry(0, 65536), 0);
    assert_int_equal(qcow2_bitmap_check_table_entry(1, 65536), 0);
    assert_int_equal(qcow2_bitmap_check_table_entry(0x30000, 65536), 0);
    /* All ones with an offset, an unaligned offset, reserved bits. */
    assert_int_equal(qcow2_bitmap_check_table_entry(0x30001, 65536),
                     -EINVAL);
    assert_int_equal(qcow2_bitmap_check_table_entry(0x30200, 65536),
                     -EINVAL);
    assert_int_equal(qcow2_bitmap_check_table_entry(1ULL << 60, 65536),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_set_the_granules_they_touch),
        cmocka_unit_test(test_disabled_bitmaps_are_not_set),
        cmocka_unit_test(test_serialization_counts_whole_words),
        cmocka_unit_test(test_a_resize_keeps_the_bits_below_the_new_end),
        cmocka_unit_test(test_table_entries_are_checked_as_qemu_does),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
