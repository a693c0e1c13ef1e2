/*
 * test_qcow2_entry.c — L1/L2 entry encoding: big-endian words at the
 * entry size of the image (8 or 16 bytes), cluster types of standard
 * entries, subcluster types and runs of extended entries, and the
 * combinations that make an entry invalid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/entry.c"

static const struct qcow2_geom std = { .extended = false, .cluster_bits = 16 };
static const struct qcow2_geom ext = { .extended = true, .cluster_bits = 16 };

static void test_entries_are_big_endian_at_the_entry_size(void **state)
{
    unsigned char slice[64];

    (void)state;
    memset(slice, 0, sizeof(slice));
    qcow2_set_l2_entry(&std, slice, 1, 0x8000000000050000ULL);
    assert_memory_equal(slice + 8, "\x80\0\0\0\0\x05\0\0", 8);
    assert_true(qcow2_l2_entry(&std, slice, 1) == 0x8000000000050000ULL);
    assert_int_equal(qcow2_l2_bitmap(&std, slice, 1), 0);

    memset(slice, 0, sizeof(slice));
    qcow2_set_l2_entry(&ext, slice, 1, 0x8000000000050000ULL);
    qcow2_set_l2_bitmap(&ext, slice, 1, 0x0000000100000002ULL);
    assert_memory_equal(slice + 16, "\x80\0\0\0\0\x05\0\0", 8);
    assert_memory_equal(slice + 24, "\0\0\0\x01\0\0\0\x02", 8);
    assert_true(qcow2_l2_bitmap(&ext, slice, 1) == 0x0000000100000002ULL);
}

static void test_standard_cluster_types(void **state)
{
    struct qcow2_geom df = std;

    (void)state;
    assert_int_equal(qcow2_cluster_type(&std, 0), QCOW2_CLUSTER_UNALLOCATED);
    assert_int_equal(qcow2_cluster_type(&std, 1), QCOW2_CLUSTER_ZERO_PLAIN);
    assert_int_equal(qcow2_cluster_type(&std, 0x50000 | 1),
                     QCOW2_CLUSTER_ZERO_ALLOC);
    assert_int_equal(qcow2_cluster_type(&std, QCOW2_OFLAG_COPIED | 0x50000),
                     QCOW2_CLUSTER_NORMAL);
    assert_int_equal(qcow2_cluster_type(&std, QCOW2_OFLAG_COMPRESSED | 1),
                     QCOW2_CLUSTER_COMPRESSED);
    /* Offset 0 with COPIED is data at 0 of an external data file. */
    assert_int_equal(qcow2_cluster_type(&std, QCOW2_OFLAG_COPIED),
                     QCOW2_CLUSTER_UNALLOCATED);
    df.data_file = true;
    assert_int_equal(qcow2_cluster_type(&df, QCOW2_OFLAG_COPIED),
                     QCOW2_CLUSTER_NORMAL);
    assert_true(qcow2_cluster_allocated(QCOW2_CLUSTER_ZERO_ALLOC));
    assert_false(qcow2_cluster_allocated(QCOW2_CLUSTER_ZERO_PLAIN));
    assert_int_equal(qcow2_subcluster_type(&std, 1, 0, 0), QCOW2_SC_ZERO_PLAIN);
    assert_int_equal(qcow2_subcluster_type(&std, 0x50000, 0, 0), QCOW2_SC_NORMAL);
}

static void test_extended_subcluster_types(void **state)
{
    uint64_t host = QCOW2_OFLAG_COPIED | 0x50000;
    /* sc 0-3 data, sc 4 zero, rest unallocated */
    uint64_t bm = QCOW2_SUB_ALLOC_RANGE(0, 4) | QCOW2_SUB_ZERO_RANGE(4, 5);

    (void)state;
    assert_int_equal(qcow2_subcluster_type(&ext, host, bm, 0), QCOW2_SC_NORMAL);
    assert_int_equal(qcow2_subcluster_type(&ext, host, bm, 4),
                     QCOW2_SC_ZERO_ALLOC);
    assert_int_equal(qcow2_subcluster_type(&ext, host, bm, 5),
                     QCOW2_SC_UNALLOCATED_ALLOC);
    assert_int_equal(qcow2_subcluster_type(&ext, 0, QCOW2_SUB_ZERO_RANGE(0, 1), 0),
                     QCOW2_SC_ZERO_PLAIN);
    assert_int_equal(qcow2_subcluster_type(&ext, 0, 0, 7),
                     QCOW2_SC_UNALLOCATED_PLAIN);
    /* Bit 0 means nothing in an extended entry. */
    assert_int_equal(qcow2_cluster_type(&ext, 1), QCOW2_CLUSTER_UNALLOCATED);
}

static void test_impossible_extended_entries_are_invalid(void **state)
{
    enum qcow2_subcluster_type t;

    (void)state;
    /* Allocated and zero at once. */
    assert_int_equal(qcow2_subcluster_type(&ext, 0x50000, 0x0000000100000001ULL, 9),
                     QCOW2_SC_INVALID);
    /* Allocation bits without a host cluster. */
    assert_int_equal(qcow2_subcluster_type(&ext, 0, 1ULL << 3, 0),
                     QCOW2_SC_INVALID);
    assert_int_equal(qcow2_subcluster_range(&ext, 0, 1ULL << 3, 0, &t), -EINVAL);
    assert_int_equal(t, QCOW2_SC_INVALID);
}

static void test_runs_of_the_same_subcluster_type(void **state)
{
    uint64_t host = 0x50000;
    uint64_t bm = QCOW2_SUB_ALLOC_RANGE(2, 10) | QCOW2_SUB_ZERO_RANGE(10, 12);
    enum qcow2_subcluster_type t;

    (void)state;
    assert_int_equal(qcow2_subcluster_range(&ext, host, bm, 0, &t), 2);
    assert_int_equal(t, QCOW2_SC_UNALLOCATED_ALLOC);
    assert_int_equal(qcow2_subcluster_range(&ext, host, bm, 3, &t), 7);
    assert_int_equal(t, QCOW2_SC_NORMAL);
    assert_int_equal(qcow2_subcluster_range(&ext, host, bm, 10, &t), 2);
    assert_int_equal(t, QCOW2_SC_ZERO_ALLOC);
    assert_int_equal(qcow2_subcluster_range(&ext, host, bm, 12, &t), 20);
    assert_int_equal(t, QCOW2_SC_UNALLOCATED_ALLOC);
    assert_int_equal(qcow2_subcluster_range(&ext, host, QCOW2_BITMAP_ALL_ALLOC,
                                            31, &t), 1);
    /* Standard entries: one subcluster per cluster. */
    assert_int_equal(qcow2_subcluster_range(&std, host, 0, 0, &t), 1);
    assert_int_equal(t, QCOW2_SC_NORMAL);
    /* Compressed clusters count as whole. */
    assert_int_equal(qcow2_subcluster_range(&ext, QCOW2_OFLAG_COMPRESSED, 0, 5, &t),
                     27);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_are_big_endian_at_the_entry_size),
        cmocka_unit_test(test_standard_cluster_types),
        cmocka_unit_test(test_extended_subcluster_types),
        cmocka_unit_test(test_impossible_extended_entries_are_invalid),
        cmocka_unit_test(test_runs_of_the_same_subcluster_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
