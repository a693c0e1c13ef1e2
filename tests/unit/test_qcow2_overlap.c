/*
 * test_qcow2_overlap.c — the metadata overlap check: each kind of
 * metadata is found when a write touches any byte of its clusters, only
 * kinds asked for are checked, QEMU's default set ("cached") leaves
 * inactive L2 tables out, and ranges are widened to clusters (except for
 * the header, which is the first cluster either way).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/overlap.c"

#define C 65536

static const uint64_t l1[4] = { 4 * C | QCOW2_OFLAG_COPIED, 0, 9 * C, 0 };
static const uint64_t reft[2] = { 2 * C, 0 };
static const struct qcow2_snapshot snaps[1] = {
    { .l1_table_offset = 12 * C, .l1_size = 3 },
};

static struct qcow2_layout layout(void)
{
    return (struct qcow2_layout){
        .cluster_bits = 16,
        .l1_table_offset = 3 * C, .l1_table = l1, .l1_size = 4,
        .refcount_table_offset = 1 * C, .refcount_table = reft,
        .refcount_table_size = 2, .max_refcount_table_index = 0,
        .snapshots_offset = 11 * C, .snapshots_size = 100,
        .snapshots = snaps, .nb_snapshots = 1,
        .bitmaps = true, .bitmap_directory_offset = 13 * C,
        .bitmap_directory_size = 64,
    };
}

static void test_each_kind_is_found_in_its_clusters(void **state)
{
    struct qcow2_layout l = layout();

    (void)state;
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 100, 1),
                     QCOW2_OL_MAIN_HEADER);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, C + 4000, 8),
                     QCOW2_OL_REFCOUNT_TABLE);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 2 * C + C - 1, 1),
                     QCOW2_OL_REFCOUNT_BLOCK);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 3 * C + 512, 8),
                     QCOW2_OL_ACTIVE_L1);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 4 * C, C),
                     QCOW2_OL_ACTIVE_L2);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 9 * C + 7, 1),
                     QCOW2_OL_ACTIVE_L2);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 11 * C + 5000, 1),
                     QCOW2_OL_SNAPSHOT_TABLE);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 12 * C, 1),
                     QCOW2_OL_INACTIVE_L1);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 13 * C + 100, 1),
                     QCOW2_OL_BITMAP_DIRECTORY);
    /* Free clusters, and a range that ends where metadata begins. */
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 5 * C, 4 * C), 0);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 14 * C, 100), 0);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 5 * C, 0), 0);
}

static void test_only_the_kinds_asked_for(void **state)
{
    struct qcow2_layout l = layout();

    (void)state;
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_CACHED & ~QCOW2_OL_ACTIVE_L2,
                                         4 * C, C), 0);
    assert_int_equal(qcow2_overlap_check(&l, 0, 0, C), 0);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_CONSTANT, 4 * C, C), 0);
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_CONSTANT, 3 * C, C),
                     QCOW2_OL_ACTIVE_L1);
    /* Several kinds in range: the first in QEMU's check order. */
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, C, 4 * C),
                     QCOW2_OL_ACTIVE_L1);
    /* Without the bitmaps bit, the directory is not metadata. */
    l.bitmaps = false;
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 13 * C, 1), 0);
}

static void test_refcount_blocks_past_the_last_used_index_are_not_looked_at(
    void **state)
{
    uint64_t t[3] = { 2 * C, 0, 6 * C };
    struct qcow2_layout l = layout();

    (void)state;
    l.refcount_table = t;
    l.refcount_table_size = 3;
    l.max_refcount_table_index = 2;
    assert_int_equal(qcow2_overlap_check(&l, QCOW2_OL_ALL, 6 * C, 1),
                     QCOW2_OL_REFCOUNT_BLOCK);
}

static void test_names_and_options_are_qemus(void **state)
{
    (void)state;
    assert_string_equal(qcow2_overlap_names[4], "refcount block");
    assert_string_equal(qcow2_overlap_names[0], "qcow2_header");
    assert_string_equal(qcow2_overlap_options[8],
                        "overlap-check.bitmap-directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind_is_found_in_its_clusters),
        cmocka_unit_test(test_only_the_kinds_asked_for),
        cmocka_unit_test(
            test_refcount_blocks_past_the_last_used_index_are_not_looked_at),
        cmocka_unit_test(test_names_and_options_are_qemus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
