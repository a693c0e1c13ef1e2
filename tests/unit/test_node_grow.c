/*
 * test_node_grow.c — a write that ends past a node's end grows that node
 * (node.c, qemu's bdrv_co_write_req_finish): each node by what was
 * written to it and succeeded, whatever sits above or below.  Checked on
 * the nodes' cached lengths against the image file's own size: a raw
 * window grows its file in the file's offsets, a torn write grows the
 * file by the prefix that reached it (and the blkdebug node above by the
 * whole write only when the tear reports success), a write cache grows
 * the file at the flush that writes it back, a zero write grows as a
 * write does, and a VM state write grows qcow2's file, not qcow2.
 *
 * Run one test: test_node_grow NAME-GLOB
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

#include "backend/node.h"

/* qcow2_create_file's layout for a 1 MiB image (64 KiB clusters): the
 * first write to guest cluster 0 puts its L2 table in cluster 4 and its
 * data in cluster 5, both past the file's end. */
enum { CLUSTER = 65536, L2_AT = 4 * CLUSTER, DATA_AT = 5 * CLUSTER };

struct fixture {
    char dir[64];
    char img[96];
    char cfg[96];
    struct bk_loop *loop;
    struct bk_dev *dev;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/blkmon-grow.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->img, sizeof(f->img), "%s/img", f->dir);
    snprintf(f->cfg, sizeof(f->cfg), "%s/cfg", f->dir);
    f->loop = bk_loop_new(2);
    *state = f;
    return f->loop != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->dev != NULL)
        bk_dev_close(f->dev);
    bk_loop_free(f->loop);
    unlink(f->img);
    unlink(f->cfg);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void make_file(struct fixture *f, off_t size)
{
    int fd = open(f->img, O_CREAT | O_TRUNC | O_RDWR, 0644);

    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, size), 0);
    close(fd);
}

static void make_qcow2(struct fixture *f)
{
    char *cause = NULL;

    if (qcow2_create_file(f->img, 1 << 20, &cause) < 0)
        fail_msg("create: %s", cause);
}

static void write_config(struct fixture *f, const char *text)
{
    FILE *c = fopen(f->cfg, "w");

    assert_non_null(c);
    fputs(text, c);
    fclose(c);
}

/* Open opts ("k=v" words, NULL-terminated; IMG and CFG stand for the
 * fixture's files) read-write, in writeback mode. */
static void open_dev(struct fixture *f, const char *const *kv)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    for (; *kv != NULL; kv++) {
        char *k = strdup(*kv), *eq = strchr(k, '=');

        *eq = '\0';
        bk_opts_set(o, k, strcmp(eq + 1, "IMG") == 0 ? f->img
                          : strcmp(eq + 1, "CFG") == 0 ? f->cfg : eq + 1);
        free(k);
    }
    if (bk_dev_open(f->loop, NULL, o, BK_O_RDWR | BK_O_UNMAP, &f->dev,
                    &cause) < 0)
        fail_msg("open: %s", cause);
}

static int io(struct fixture *f, enum bk_op op, unsigned flags, int64_t off,
              int64_t len, int fill)
{
    void *buf = len > 0 ? malloc((size_t)len) : NULL;
    struct iovec iov = { buf, (size_t)len };
    struct bk_req r = { .op = op, .offset = off, .bytes = len,
                        .iov = op == BK_OP_WRITE || op == BK_OP_READ ? &iov
                                                                     : NULL,
                        .iovcnt = op == BK_OP_WRITE || op == BK_OP_READ,
                        .flags = flags };
    int ret;

    if (buf != NULL)
        memset(buf, fill, (size_t)len);
    ret = bk_run(f->dev, &r);
    free(buf);
    return ret;
}

/* The node depth levels down the data children (0: the top). */
static struct bk_node *node_at(struct fixture *f, int depth)
{
    struct bk_node *n = bk_dev_top(f->dev);

    while (depth-- > 0)
        n = n->file;
    assert_non_null(n);
    return n;
}

static int64_t file_size(struct fixture *f)
{
    struct stat st;

    assert_int_equal(stat(f->img, &st), 0);
    return (int64_t)st.st_size;
}

/* A raw window at 4 KiB over a file of 8 KiB + 300 bytes counts 4.5 KiB
 * (the file in whole sectors, less the offset); its last sector lies in
 * the file's last, partial one and past it: the file grows to 8.5 KiB,
 * its offsets, not the window's. */
static void test_raw_window_grows_its_file_at_the_files_offsets(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {
        "driver=raw", "offset=4096", "file.driver=file",
        "file.filename=IMG", NULL };

    make_file(f, 8192 + 300);
    open_dev(f, kv);
    assert_int_equal(node_at(f, 0)->total_bytes, 4608);
    assert_int_equal(node_at(f, 1)->total_bytes, 8192 + 300);
    assert_int_equal(io(f, BK_OP_WRITE, 0, 4096, 512, 7), 0);
    assert_int_equal(file_size(f), 8704);
    assert_int_equal(node_at(f, 1)->total_bytes, 8704);
    assert_int_equal(node_at(f, 0)->total_bytes, 4608);
}

/* A zero write grows its node as a write does. */
static void test_zero_write_past_the_end_grows_the_file(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {
        "driver=raw", "file.driver=file", "file.filename=IMG", NULL };

    make_file(f, 1000);
    open_dev(f, kv);
    assert_int_equal(node_at(f, 0)->total_bytes, 1024);
    assert_int_equal(io(f, BK_OP_WRITE_ZEROES, 0, 512, 512, 0), 0);
    assert_int_equal(file_size(f), 1024);
    assert_int_equal(node_at(f, 1)->total_bytes, 1024);
}

/* qcow2 over blkdebug: the data cluster past the end is torn after one
 * sector and fails.  The file holds that sector and counts it; blkdebug
 * reported a failure, so it counts only up to the L2 table before. */
static void test_failed_torn_write_grows_only_the_file(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {
        "driver=qcow2", "file.driver=blkdebug", "file.config=CFG",
        "file.image.driver=file", "file.image.filename=IMG", NULL };

    make_qcow2(f);
    write_config(f, "[torn-write]\nsectors = \"1\"\nstart = \"327680\"\n");
    open_dev(f, kv);
    assert_int_equal(io(f, BK_OP_WRITE, 0, 0, CLUSTER, 1), -EIO);
    assert_int_equal(file_size(f), DATA_AT + 512);
    assert_int_equal(node_at(f, 2)->total_bytes, DATA_AT + 512);
    assert_int_equal(node_at(f, 1)->total_bytes, L2_AT + CLUSTER);
    assert_int_equal(node_at(f, 0)->total_bytes, 1 << 20);
}

/* The same tear reporting success: blkdebug counts the whole cluster,
 * the file what reached it. */
static void test_torn_write_reporting_success_grows_each_node_by_its_own(
    void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {
        "driver=qcow2", "file.driver=blkdebug", "file.config=CFG",
        "file.image.driver=file", "file.image.filename=IMG", NULL };

    make_qcow2(f);
    write_config(f, "[torn-write]\nsectors = \"1\"\nerrno = \"0\"\n"
                    "start = \"327680\"\n");
    open_dev(f, kv);
    assert_int_equal(io(f, BK_OP_WRITE, 0, 0, CLUSTER, 1), 0);
    assert_int_equal(file_size(f), DATA_AT + 512);
    assert_int_equal(node_at(f, 2)->total_bytes, DATA_AT + 512);
    assert_int_equal(node_at(f, 1)->total_bytes, DATA_AT + CLUSTER);
}

/* A write cache holds qcow2's data write: blkdebug counts it at once,
 * the file when the flush writes it back.  (The new L2 table reached the
 * file before it: qcow2 flushes its file after writing one.) */
static void test_write_cache_grows_the_file_at_the_flush(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {
        "driver=qcow2", "file.driver=blkdebug", "file.config=CFG",
        "file.image.driver=file", "file.image.filename=IMG", NULL };

    make_qcow2(f);
    write_config(f, "[write-cache]\n");
    open_dev(f, kv);
    assert_int_equal(io(f, BK_OP_WRITE, 0, 0, CLUSTER, 1), 0);
    assert_int_equal(node_at(f, 1)->total_bytes, DATA_AT + CLUSTER);
    assert_int_equal(file_size(f), L2_AT + CLUSTER);
    assert_int_equal(node_at(f, 2)->total_bytes, L2_AT + CLUSTER);
    assert_int_equal(io(f, BK_OP_FLUSH, 0, 0, 0, 0), 0);
    assert_int_equal(file_size(f), DATA_AT + CLUSTER);
    assert_int_equal(node_at(f, 2)->total_bytes, DATA_AT + CLUSTER);
}

/* A VM state write passes qcow2's generic layer by: qcow2 keeps its
 * size, its file grows by the cluster the state went to. */
static void test_vmstate_write_grows_the_file_not_the_format(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {
        "driver=qcow2", "file.driver=file", "file.filename=IMG", NULL };

    make_qcow2(f);
    open_dev(f, kv);
    assert_int_equal(io(f, BK_OP_WRITE, BK_REQ_VMSTATE, 0, 4096, 3), 0);
    assert_int_equal(node_at(f, 0)->total_bytes, 1 << 20);
    assert_int_equal(node_at(f, 1)->total_bytes, file_size(f));
    assert_true(file_size(f) > L2_AT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        T(test_raw_window_grows_its_file_at_the_files_offsets),
        T(test_zero_write_past_the_end_grows_the_file),
        T(test_failed_torn_write_grows_only_the_file),
        T(test_torn_write_reporting_success_grows_each_node_by_its_own),
        T(test_write_cache_grows_the_file_at_the_flush),
        T(test_vmstate_write_grows_the_file_not_the_format),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
