/*
 * test_qcow2_header.c — the first cluster in and out of bytes: a header
 * as qemu-img 7.2 writes it decodes to its fields and is rebuilt byte for
 * byte (feature table, backing format, backing file name); version 2
 * defaults; unknown header fields and extensions are written back; a
 * cluster too small for what must go in is -ENOSPC; and the message for
 * unsupported features names them from the image's own table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/header.c"
#include "backend/qcow2/entry.c"

/* qemu-img create -f qcow2 -b b.img -F raw -o cluster_size=4096 hb.qcow2 1M */
static const unsigned char backed[] = {
    0x51,0x46,0x49,0xfb,0x00,0x00,0x00,0x03,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x88,
    0x00,0x00,0x00,0x05,0x00,0x00,0x00,0x0c,0x00,0x00,0x00,0x00,0x00,0x10,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x01,0x00,0x00,0x00,0x00,0x00,0x00,0x30,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x10,0x00,0x00,0x00,0x00,0x01,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x04,0x00,0x00,0x00,0x70,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,
    0xe2,0x79,0x2a,0xca,0x00,0x00,0x00,0x03,0x72,0x61,0x77,0x00,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x62,0x2e,0x69,0x6d,0x67,
};

static void test_a_qemu_img_header_decodes_and_rebuilds_byte_for_byte(void **state)
{
    unsigned char buf[4096], want[4096];
    struct qcow2_header h;
    struct qcow2_header_vars v = {
        .backing_format = "raw", .backing_file = "b.img",
        .feature_table = false,   /* 4 KiB clusters: QEMU leaves it out */
    };

    (void)state;
    qcow2_header_decode(backed, &h);
    assert_int_equal(h.version, 3);
    assert_int_equal(h.cluster_bits, 12);
    assert_int_equal(h.size, 1 << 20);
    assert_int_equal(h.l1_size, 1);
    assert_int_equal(h.l1_table_offset, 0x3000);
    assert_int_equal(h.refcount_table_offset, 0x1000);
    assert_int_equal(h.refcount_table_clusters, 1);
    assert_int_equal(h.refcount_order, 4);
    assert_int_equal(h.header_length, 112);
    assert_int_equal(h.backing_file_offset, 0x88);
    assert_int_equal(h.backing_file_size, 5);
    memset(want, 0, sizeof(want));
    memcpy(want, backed, sizeof(backed));
    h.backing_file_offset = h.backing_file_size = 0;
    assert_int_equal(qcow2_header_build(&h, &v, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, want, sizeof(buf));
}

static void test_the_feature_table_is_qemus(void **state)
{
    unsigned char buf[65536];
    struct qcow2_header h;
    struct qcow2_header_vars v = { .feature_table = true };

    (void)state;
    qcow2_header_decode(backed, &h);
    assert_int_equal(qcow2_header_build(&h, &v, buf, sizeof(buf)), 0);
    assert_int_equal(qcow2_be32(buf + 112), QCOW2_EXT_FEATURE_TABLE);
    assert_int_equal(qcow2_be32(buf + 116), 8 * 48);
    assert_string_equal((char *)buf + 120 + 2, "dirty bit");
    assert_int_equal(buf[120 + 5 * 48], QCOW2_FEAT_COMPAT);
    assert_string_equal((char *)buf + 120 + 7 * 48 + 2, "raw external data");
    /* Then the end marker, and no backing file. */
    assert_int_equal(qcow2_be64(buf + 120 + 384), 0);
    assert_int_equal(qcow2_be64(buf + 8), 0);
}

static void test_version_2_has_qemus_defaults_and_a_short_header(void **state)
{
    unsigned char b[QCOW2_HEADER_LEN], out[512];
    struct qcow2_header h;
    struct qcow2_header_vars v = { 0 };

    (void)state;
    memcpy(b, backed, sizeof(b));
    qcow2_put_be32(b + 4, 2);
    memset(b + 72, 0xff, sizeof(b) - 72);   /* not header in v2 */
    qcow2_header_decode(b, &h);
    assert_int_equal(h.refcount_order, 4);
    assert_int_equal(h.header_length, 72);
    assert_int_equal(h.incompatible_features, 0);
    assert_int_equal(qcow2_header_build(&h, &v, out, sizeof(out)), 0);
    assert_int_equal(qcow2_be32(out + 4), 2);
    /* The end marker right after the 72 bytes. */
    assert_int_equal(qcow2_be64(out + 72), 0);
    assert_int_equal(out[80], 0);
}

static void test_unknown_fields_and_extensions_are_written_back(void **state)
{
    unsigned char out[4096];
    struct qcow2_ext *a = calloc(1, sizeof(*a) + 3);
    struct qcow2_ext *b = calloc(1, sizeof(*b) + 9);
    const unsigned char extra[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    struct qcow2_header h;
    struct qcow2_header_vars v = { .unknown_fields = extra,
                                   .unknown_fields_len = 8 };

    (void)state;
    a->magic = 0x12345678; a->len = 3; memcpy(a->data, "abc", 3);
    b->magic = 0x9abcdef0; b->len = 9; memcpy(b->data, "123456789", 9);
    a->next = b;
    v.unknown = a;
    qcow2_header_decode(backed, &h);
    assert_int_equal(qcow2_header_build(&h, &v, out, sizeof(out)), 0);
    assert_int_equal(qcow2_be32(out + 100), 120);     /* header_length */
    assert_memory_equal(out + 112, extra, 8);
    assert_int_equal(qcow2_be32(out + 120), 0x12345678);
    assert_int_equal(qcow2_be32(out + 124), 3);
    assert_memory_equal(out + 128, "abc\0\0\0\0\0", 8);   /* padded */
    assert_int_equal(qcow2_be32(out + 136), 0x9abcdef0);
    assert_memory_equal(out + 144, "123456789", 9);
    assert_int_equal(qcow2_be64(out + 160), 0);           /* end */
    free(a);
    free(b);
}

static void test_a_header_that_does_not_fit_is_enospc(void **state)
{
    unsigned char out[512];
    char name[600];
    struct qcow2_header h;
    struct qcow2_header_vars v = { .feature_table = true };

    (void)state;
    qcow2_header_decode(backed, &h);
    /* 112 + 392 + 8 = 512: the table fits, with no room for a name. */
    assert_int_equal(qcow2_header_build(&h, &v, out, sizeof(out)), 0);
    v.backing_file = "b";
    assert_int_equal(qcow2_header_build(&h, &v, out, sizeof(out)), -ENOSPC);
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    v.feature_table = false;
    v.backing_file = name;
    assert_int_equal(qcow2_header_build(&h, &v, out, sizeof(out)), -ENOSPC);
}

static void test_unsupported_features_are_named_from_the_table(void **state)
{
    unsigned char table[3 * 48];
    char *m;

    (void)state;
    memset(table, 0, sizeof(table));
    table[0] = QCOW2_FEAT_INCOMPAT; table[1] = 5; strcpy((char *)table + 2, "frobnication");
    table[48] = QCOW2_FEAT_COMPAT; table[49] = 6; strcpy((char *)table + 50, "nope");
    m = qcow2_unsupported_features(table, 3, (1ULL << 5) | (1ULL << 6) | (1ULL << 40));
    assert_string_equal(m, "Unsupported qcow2 feature(s): frobnication, "
                           "Unknown incompatible feature: 10000000040");
    free(m);
    m = qcow2_unsupported_features(NULL, 0, 1ULL << 7);
    assert_string_equal(m, "Unsupported qcow2 feature(s): Unknown incompatible "
                           "feature: 80");
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_qemu_img_header_decodes_and_rebuilds_byte_for_byte),
        cmocka_unit_test(test_the_feature_table_is_qemus),
        cmocka_unit_test(test_version_2_has_qemus_defaults_and_a_short_header),
        cmocka_unit_test(test_unknown_fields_and_extensions_are_written_back),
        cmocka_unit_test(test_a_header_that_does_not_fit_is_enospc),
        cmocka_unit_test(test_unsupported_features_are_named_from_the_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
