/*
 * test_qcow2_create.c — the image snapshot mode puts over another:
 * qemu-img create's layout with its defaults (version 3, 64 KiB clusters,
 * 16-bit refcounts; header, refcount table, refcount block, then the L1
 * table ending the file, each of their clusters counted once), the size
 * rounded up to a sector; and such an image opens as qcow2 with that
 * length and reads as zeroes.  The host view the TUI draws
 * (bk_dev_layout) names each of its clusters, and follows a write and a
 * discard.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/qcow2/qcow2.h"

struct fixture {
    char dir[64];
    char path[96];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    strcpy(f->dir, "/tmp/blkmon-test.XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/t.qcow2", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    *len = (size_t)st.st_size;
    buf = malloc(*len + 1);
    assert_non_null(buf);
    assert_int_equal(read(fd, buf, *len), (ssize_t)*len);
    close(fd);
    return buf;
}

/* The layout for size, checked field by field. */
static void check_layout(const char *path, uint64_t size, uint64_t l1_size)
{
    const uint64_t cs = 65536;
    uint64_t l1_clusters = (l1_size * 8 + cs - 1) / cs;
    struct qcow2_header h;
    unsigned char *buf;
    size_t len;

    buf = slurp(path, &len);
    qcow2_header_decode(buf, &h);
    assert_int_equal(h.magic, QCOW2_MAGIC);
    assert_int_equal(h.version, 3);
    assert_int_equal(h.cluster_bits, 16);
    assert_int_equal(h.size, size);
    assert_int_equal(h.l1_size, l1_size);
    assert_int_equal(h.l1_table_offset, l1_size ? 3 * cs : 0);
    assert_int_equal(h.refcount_table_offset, cs);
    assert_int_equal(h.refcount_table_clusters, 1);
    assert_int_equal(h.refcount_order, 4);
    assert_int_equal(h.header_length, 112);
    assert_int_equal(h.incompatible_features | h.compatible_features |
                     h.autoclear_features, 0);
    /* The feature name table follows the header. */
    assert_int_equal(qcow2_be32(buf + 112), QCOW2_EXT_FEATURE_TABLE);
    /* One refcount block, counting the header, the table, itself and
     * the L1 table's clusters. */
    assert_int_equal(qcow2_be64(buf + cs), 2 * cs);
    assert_int_equal(qcow2_be64(buf + cs + 8), 0);
    for (uint64_t i = 0; i < 3 + l1_clusters + 2; i++)
        assert_int_equal(qcow2_rc_get(4, buf + 2 * cs, i),
                         i < 3 + l1_clusters ? 1 : 0);
    /* The L1 table, all zeroes, ends the file. */
    assert_int_equal(len, 3 * cs + l1_size * 8);
    for (size_t i = 3 * cs; i < len; i++)
        assert_int_equal(buf[i], 0);
    free(buf);
}

static void test_layout_is_qemu_img_creates(void **state)
{
    struct fixture *f = *state;
    char *cause = NULL;

    assert_int_equal(qcow2_create_file(f->path, 64 << 20, &cause), 0);
    check_layout(f->path, 64 << 20, 1);
    /* 5 TiB: an L1 table of two clusters. */
    assert_int_equal(qcow2_create_file(f->path, 5ULL << 40, &cause), 0);
    check_layout(f->path, 5ULL << 40, 10240);
    /* Nothing to map: no L1 table at all. */
    assert_int_equal(qcow2_create_file(f->path, 0, &cause), 0);
    check_layout(f->path, 0, 0);
    /* Sizes are whole sectors. */
    assert_int_equal(qcow2_create_file(f->path, 1000, &cause), 0);
    check_layout(f->path, 1024, 1);
    assert_null(cause);
}

static void test_it_opens_as_qcow2_and_reads_zeroes(void **state)
{
    struct fixture *f = *state;
    struct bk_loop *loop = bk_loop_new(2);
    struct bk_opts *o = bk_opts_new();
    struct bk_dev *dev = NULL;
    char *cause = NULL, buf[4096];
    struct iovec iov = { buf, sizeof(buf) };
    struct bk_req req = { .op = BK_OP_READ, .offset = 3 << 20,
                          .bytes = sizeof(buf), .iov = &iov, .iovcnt = 1 };

    assert_int_equal(qcow2_create_file(f->path, 4 << 20, &cause), 0);
    bk_opts_set(o, "driver", "qcow2");
    assert_int_equal(bk_dev_open(loop, f->path, o, 0, &dev, &cause), 0);
    assert_int_equal(bk_dev_length(dev), 4 << 20);
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(bk_run(dev, &req), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    bk_dev_close(dev);
    bk_loop_free(loop);
}

struct runs {
    struct bk_layout_run r[32];
    int n;
};

static int collect_run(const struct bk_layout_run *run, void *arg)
{
    struct runs *rs = arg;

    assert_true(rs->n < 32);
    rs->r[rs->n++] = *run;
    return 0;
}

static void expect_run(const struct runs *rs, int i, int64_t offset,
                       int64_t length, enum bk_layout_kind kind)
{
    assert_true(i < rs->n);
    assert_int_equal(rs->r[i].offset, offset);
    assert_int_equal(rs->r[i].length, length);
    assert_int_equal(rs->r[i].kind, kind);
}

/*
 * The host view (bk_dev_layout) of a new image, then after the first
 * write allocates (QCOW2.md, "Writes": the L2 table at 256 KiB, the data
 * cluster at 320 KiB), after a discard frees the data cluster, and after
 * a write far into the disk takes it again.
 */
static void test_layout_names_every_cluster(void **state)
{
    struct fixture *f = *state;
    struct bk_loop *loop = bk_loop_new(2);
    struct bk_opts *o = bk_opts_new();
    struct bk_dev *dev = NULL;
    char *cause = NULL, buf[4096];
    struct iovec iov = { buf, sizeof(buf) };
    struct bk_req w = { .op = BK_OP_WRITE, .offset = 0,
                        .bytes = sizeof(buf), .iov = &iov, .iovcnt = 1 };
    struct bk_req d = { .op = BK_OP_DISCARD, .offset = 0, .bytes = 65536 };
    struct bk_req fl = { .op = BK_OP_FLUSH };
    struct runs rs = { .n = 0 };
    int64_t len = 0;
    const int64_t K = 1024;

    assert_int_equal(qcow2_create_file(f->path, 4 << 20, &cause), 0);
    bk_opts_set(o, "driver", "qcow2");
    assert_int_equal(bk_dev_open(loop, f->path, o, BK_O_RDWR | BK_O_UNMAP,
                                 &dev, &cause), 0);
    assert_int_equal(bk_dev_layout(dev, &len, collect_run, &rs), 0);
    /* The file ends with the L1 table's one entry. */
    assert_int_equal(len, 192 * K + 8);
    assert_int_equal(rs.n, 4);
    expect_run(&rs, 0, 0, 64 * K, BK_LAYOUT_HEADER);
    expect_run(&rs, 1, 64 * K, 64 * K, BK_LAYOUT_REFTABLE);
    expect_run(&rs, 2, 128 * K, 64 * K, BK_LAYOUT_REFBLOCK);
    expect_run(&rs, 3, 192 * K, 8, BK_LAYOUT_L1);

    /* The new L2 table is still dirty in the cache: the view has it. */
    memset(buf, 0x5a, sizeof(buf));
    assert_int_equal(bk_run(dev, &w), 0);
    rs.n = 0;
    assert_int_equal(bk_dev_layout(dev, &len, collect_run, &rs), 0);
    assert_int_equal(len, 384 * K);
    assert_int_equal(rs.n, 6);
    expect_run(&rs, 3, 192 * K, 64 * K, BK_LAYOUT_L1);
    expect_run(&rs, 4, 256 * K, 64 * K, BK_LAYOUT_L2);
    expect_run(&rs, 5, 320 * K, 64 * K, BK_LAYOUT_DATA);

    assert_int_equal(bk_run(dev, &d), 0);
    assert_int_equal(bk_run(dev, &fl), 0);
    rs.n = 0;
    assert_int_equal(bk_dev_layout(dev, &len, collect_run, &rs), 0);
    expect_run(&rs, 4, 256 * K, 64 * K, BK_LAYOUT_L2);
    expect_run(&rs, 5, 320 * K, 64 * K, BK_LAYOUT_FREE);
    assert_int_equal(rs.n, 6);

    /* A write far into the disk takes the freed cluster: the file does
     * not grow to the guest offset. */
    w.offset = 3 << 20;
    assert_int_equal(bk_run(dev, &w), 0);
    rs.n = 0;
    assert_int_equal(bk_dev_layout(dev, &len, collect_run, &rs), 0);
    assert_int_equal(len, 384 * K);
    expect_run(&rs, 5, 320 * K, 64 * K, BK_LAYOUT_DATA);
    bk_dev_close(dev);
    bk_loop_free(loop);
}

/* A compressed cluster is marked by its bytes: part of one cluster. */
static void test_layout_marks_compressed_data(void **state)
{
    struct fixture *f = *state;
    struct bk_loop *loop = bk_loop_new(2);
    struct bk_opts *o = bk_opts_new();
    struct bk_dev *dev = NULL;
    char *cause = NULL, *buf = calloc(1, 65536);
    struct iovec iov = { buf, 65536 };
    struct bk_req w = { .op = BK_OP_WRITE, .offset = 65536, .bytes = 65536,
                        .iov = &iov, .iovcnt = 1,
                        .flags = BK_REQ_COMPRESSED };
    struct runs rs = { .n = 0 };
    int64_t len = 0;
    const int64_t K = 1024;

    assert_non_null(buf);
    memset(buf, 'q', 65536);
    assert_int_equal(qcow2_create_file(f->path, 4 << 20, &cause), 0);
    bk_opts_set(o, "driver", "qcow2");
    assert_int_equal(bk_dev_open(loop, f->path, o, BK_O_RDWR, &dev, &cause),
                     0);
    assert_int_equal(bk_run(dev, &w), 0);
    assert_int_equal(bk_dev_layout(dev, &len, collect_run, &rs), 0);
    /* Header, reftable, refblock, L1, L2 at 256 KiB, then the compressed
     * bytes at 320 KiB: the file ends with them. */
    assert_int_equal(rs.n, 6);
    expect_run(&rs, 4, 256 * K, 64 * K, BK_LAYOUT_L2);
    assert_int_equal(rs.r[5].offset, 320 * K);
    assert_int_equal(rs.r[5].kind, BK_LAYOUT_COMPRESSED);
    assert_int_equal(rs.r[5].offset + rs.r[5].length, len);
    bk_dev_close(dev);
    bk_loop_free(loop);
    free(buf);
}

static void test_a_path_that_cannot_be_made_says_so(void **state)
{
    char *cause = NULL;

    (void)state;
    assert_int_equal(qcow2_create_file("/nonexistent/dir/t.qcow2", 1 << 20,
                                       &cause), -ENOENT);
    assert_string_equal(cause, "Could not create '/nonexistent/dir/t.qcow2': "
                               "No such file or directory");
    free(cause);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout_is_qemu_img_creates,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_names_every_cluster,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_marks_compressed_data,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_it_opens_as_qcow2_and_reads_zeroes, setup, teardown),
        cmocka_unit_test(test_a_path_that_cannot_be_made_says_so),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
