/*
 * test_backend.c — the backend through its public API: requests on real
 * image files in a temporary directory, with and without O_DIRECT.
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

#include "backend/backend.h"
#include "backend/node.h"

struct fixture {
    char dir[64];
    char path[96];
    struct bk_loop *loop;
    struct bk_dev *dev;
};

static int make_image(const char *path, off_t size)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);

    if (fd < 0 || ftruncate(fd, size) < 0)
        return -1;
    close(fd);
    return 0;
}

static int open_dev(struct fixture *f, unsigned flags)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;
    int ret;

    bk_opts_set(o, "driver", "raw");
    ret = bk_dev_open(f->loop, f->path, o, flags, &f->dev, &cause);
    if (ret < 0) {
        fprintf(stderr, "open: %s\n", cause);
        free(cause);
    }
    return ret;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    strcpy(f->dir, "/tmp/blkmon-test.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/img", f->dir);
    if (make_image(f->path, 1 << 20) < 0)
        return -1;
    f->loop = bk_loop_new(4);
    if (f->loop == NULL || open_dev(f, BK_O_RDWR | BK_O_UNMAP) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    bk_dev_close(f->dev);
    bk_loop_free(f->loop);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int do_io(struct bk_dev *dev, enum bk_op op, int64_t off, void *buf,
                 int64_t len, unsigned flags)
{
    struct iovec iov = { buf, (size_t)len };
    struct bk_req req = {
        .op = op, .offset = off, .bytes = len, .iov = &iov, .iovcnt = 1,
        .flags = flags,
    };

    return bk_run(dev, &req);
}

static void test_write_then_read_returns_the_data(void **state)
{
    struct fixture *f = *state;
    char w[4096], r[4096];

    memset(w, 0xab, sizeof(w));
    assert_int_equal(do_io(f->dev, BK_OP_WRITE, 8192, w, 4096, 0), 0);
    memset(r, 0, sizeof(r));
    assert_int_equal(do_io(f->dev, BK_OP_READ, 8192, r, 4096, 0), 0);
    assert_memory_equal(w, r, sizeof(w));
}

static void test_requests_past_the_end_fail_with_eio(void **state)
{
    struct fixture *f = *state;
    char buf[1024] = { 0 };

    assert_int_equal(do_io(f->dev, BK_OP_READ, (1 << 20) - 512, buf, 1024, 0),
                     -EIO);
    assert_int_equal(do_io(f->dev, BK_OP_WRITE, 1 << 20, buf, 1, 0), -EIO);
    assert_int_equal(do_io(f->dev, BK_OP_READ, 1 << 20, buf, 0, 0), 0);
    assert_int_equal(do_io(f->dev, BK_OP_READ, -1, buf, 1, 0), -EIO);
}

/* A source's tally counts each of its requests as it ends: bytes by
 * what succeeded, errors apart, no one else's requests. */
static void test_source_tally_counts_its_requests_ends(void **state)
{
    struct fixture *f = *state;
    struct bk_source src = { .kind = BK_SRC_CONTROL, .name = "t", .id = 1 };
    char buf[8192] = { 0 };
    struct iovec iov = { buf, sizeof(buf) };
    struct bk_req req;

    req = (struct bk_req){ .op = BK_OP_WRITE, .offset = 0, .bytes = 8192,
                           .iov = &iov, .iovcnt = 1, .source = &src };
    assert_int_equal(bk_run(f->dev, &req), 0);
    iov.iov_len = 4096;
    req = (struct bk_req){ .op = BK_OP_READ, .offset = 0, .bytes = 4096,
                           .iov = &iov, .iovcnt = 1, .source = &src };
    assert_int_equal(bk_run(f->dev, &req), 0);
    req = (struct bk_req){ .op = BK_OP_READ, .offset = 1 << 20, .bytes = 4096,
                           .iov = &iov, .iovcnt = 1, .source = &src };
    assert_int_equal(bk_run(f->dev, &req), -EIO);
    req = (struct bk_req){ .op = BK_OP_WRITE_ZEROES, .offset = 0,
                           .bytes = 512, .source = &src };
    assert_int_equal(bk_run(f->dev, &req), 0);
    req = (struct bk_req){ .op = BK_OP_FLUSH, .source = &src };
    assert_int_equal(bk_run(f->dev, &req), 0);
    /* Not this source's. */
    assert_int_equal(do_io(f->dev, BK_OP_READ, 0, buf, 4096, 0), 0);

    assert_int_equal(src.tally.requests, 5);
    assert_int_equal(src.tally.bytes_read, 4096);
    assert_int_equal(src.tally.bytes_written, 8192 + 512);
    assert_int_equal(src.tally.errors, 1);
}

/* A raw image's read goes into a pipe whole (splice), and only reads do;
 * a stack with a layer that may touch the bytes (blkdebug) says no. */
static void test_read_into_a_pipe_where_the_stack_allows(void **state)
{
    struct fixture *f = *state;
    char w[8192], r[8192];
    struct bk_req req;
    struct bk_dev *dbg = NULL;
    struct bk_opts *o;
    char *cause = NULL;
    int p[2];

    for (size_t i = 0; i < sizeof(w); i++)
        w[i] = (char)(i * 7 + 3);
    assert_int_equal(do_io(f->dev, BK_OP_WRITE, 4096, w, sizeof(w), 0), 0);
    assert_true(bk_dev_can_pipe(f->dev, 4096, 8192));
    assert_false(bk_dev_can_pipe(f->dev, 0, 0));
    assert_int_equal(pipe(p), 0);
    req = (struct bk_req){ .op = BK_OP_READ, .offset = 4096, .bytes = 8192,
                           .flags = BK_REQ_TO_PIPE, .pipe_fd = p[1] };
    assert_int_equal(bk_run(f->dev, &req), 0);
    assert_int_equal(read(p[0], r, sizeof(r)), (ssize_t)sizeof(r));
    assert_memory_equal(w, r, sizeof(w));
    /* A write cannot come from a pipe. */
    req = (struct bk_req){ .op = BK_OP_WRITE, .offset = 0, .bytes = 512,
                           .flags = BK_REQ_TO_PIPE, .pipe_fd = p[1] };
    assert_int_equal(bk_run(f->dev, &req), -ENOTSUP);
    close(p[0]);
    close(p[1]);

    o = bk_opts_new();
    bk_opts_set(o, "driver", "raw");
    bk_opts_set(o, "file.driver", "blkdebug");
    bk_opts_set(o, "file.image.filename", f->path);
    if (bk_dev_open(f->loop, NULL, o, 0, &dbg, &cause) < 0) {
        fprintf(stderr, "open: %s\n", cause);
        fail();
    }
    assert_false(bk_dev_can_pipe(dbg, 4096, 8192));
    req = (struct bk_req){ .op = BK_OP_READ, .offset = 0, .bytes = 512,
                           .flags = BK_REQ_TO_PIPE, .pipe_fd = -1 };
    assert_int_equal(bk_run(dbg, &req), -ENOTSUP);
    bk_dev_close(dbg);
}

struct extent_list {
    struct bk_extent e[16];
    int n;
};

static int collect(const struct bk_extent *e, void *arg)
{
    struct extent_list *l = arg;

    if (l->n < 16)
        l->e[l->n++] = *e;
    return 0;
}

static void test_discard_punches_a_hole_seen_by_extents(void **state)
{
    struct fixture *f = *state;
    static char buf[256 * 1024];
    struct extent_list l = { .n = 0 };

    memset(buf, 0x44, sizeof(buf));
    assert_int_equal(do_io(f->dev, BK_OP_WRITE, 0, buf, sizeof(buf), 0), 0);
    assert_int_equal(do_io(f->dev, BK_OP_DISCARD, 64 * 1024, NULL, 64 * 1024,
                           0), 0);
    assert_int_equal(bk_dev_extents(f->dev, 0, 1 << 20, collect, &l), 0);
    assert_true(l.n >= 3);
    assert_true(l.e[0].data);
    assert_int_equal(l.e[0].offset, 0);
    assert_int_equal(l.e[0].length, 64 * 1024);
    assert_false(l.e[1].data);
    assert_int_equal(l.e[1].offset, 64 * 1024);
    memset(buf, 1, 4096);
    assert_int_equal(do_io(f->dev, BK_OP_READ, 64 * 1024, buf, 4096, 0), 0);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(buf[i], 0);
}

static void test_write_zeroes_clears_data(void **state)
{
    struct fixture *f = *state;
    char buf[8192];

    memset(buf, 0x77, sizeof(buf));
    assert_int_equal(do_io(f->dev, BK_OP_WRITE, 0, buf, 8192, 0), 0);
    assert_int_equal(do_io(f->dev, BK_OP_WRITE_ZEROES, 1, NULL, 10,
                           BK_REQ_MAY_UNMAP), 0);
    assert_int_equal(do_io(f->dev, BK_OP_READ, 0, buf, 16, 0), 0);
    assert_int_equal(buf[0], 0x77);
    for (int i = 1; i < 11; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[11], 0x77);
}

static void test_truncate_changes_the_length(void **state)
{
    struct fixture *f = *state;
    struct bk_req req = { .op = BK_OP_TRUNCATE, .offset = 3000 };

    assert_int_equal(bk_run(f->dev, &req), 0);
    /* The block layer counts whole sectors. */
    assert_int_equal(bk_dev_length(f->dev), 3072);
    req = (struct bk_req){ .op = BK_OP_TRUNCATE, .offset = 1 << 20 };
    assert_int_equal(bk_run(f->dev, &req), 0);
    assert_int_equal(bk_dev_length(f->dev), 1 << 20);
}

static void test_read_only_device_refuses_writes(void **state)
{
    struct fixture *f = *state;
    char buf[512] = { 0 };

    bk_dev_close(f->dev);
    assert_int_equal(open_dev(f, 0), 0);
    assert_true(bk_dev_read_only(f->dev));
    assert_int_equal(do_io(f->dev, BK_OP_WRITE, 0, buf, 512, 0), -EACCES);
    assert_int_equal(do_io(f->dev, BK_OP_READ, 0, buf, 512, 0), 0);
}

/* Many aio writes at once: all complete, each exactly once, data right. */
struct counter {
    int done;
    int failed;
};

static void count_done(struct bk_req *req, int ret)
{
    struct counter *c = req->opaque;

    c->done++;
    if (ret < 0)
        c->failed++;
}

static void test_concurrent_aio_writes_all_complete(void **state)
{
    struct fixture *f = *state;
    enum { N = 256 };
    static struct bk_req reqs[N];
    static struct iovec iov[N];
    static char bufs[N][512];
    struct counter c = { 0, 0 };
    char r[512];

    for (int i = 0; i < N; i++) {
        memset(bufs[i], i, 512);
        iov[i] = (struct iovec){ bufs[i], 512 };
        reqs[i] = (struct bk_req){
            .op = BK_OP_WRITE, .offset = i * 512, .bytes = 512,
            .iov = &iov[i], .iovcnt = 1, .done = count_done, .opaque = &c,
            .flags = (i % 3 == 0) ? BK_REQ_FUA : 0,
        };
        bk_submit(f->dev, &reqs[i]);
    }
    assert_true(bk_dev_outstanding(f->dev) > 0);
    bk_drain(f->dev);
    assert_int_equal(c.done, N);
    assert_int_equal(c.failed, 0);
    assert_int_equal(bk_dev_outstanding(f->dev), 0);
    for (int i = 0; i < N; i += 17) {
        assert_int_equal(do_io(f->dev, BK_OP_READ, i * 512, r, 512, 0), 0);
        assert_memory_equal(r, bufs[i], 512);
    }
}

/*
 * Under O_DIRECT, unaligned writes are read-modify-write; overlapping ones
 * submitted together must not lose each other's bytes.
 */
static void test_overlapping_unaligned_direct_writes_keep_every_byte(void **state)
{
    struct fixture *f = *state;
    enum { N = 64 };
    static struct bk_req reqs[N];
    static struct iovec iov[N];
    static char bufs[N][100];
    struct counter c = { 0, 0 };
    char r[N * 100];
    int ret;

    bk_dev_close(f->dev);
    ret = open_dev(f, BK_O_RDWR | BK_O_NOCACHE);
    if (ret == -EINVAL) {
        /* open(2) answers EINVAL where the file system lacks O_DIRECT
         * (tmpfs); any other failure is one. */
        print_message("skipped: no O_DIRECT on the file system of %s\n",
                      f->dir);
        skip();
    }
    assert_int_equal(ret, 0);
    for (int i = 0; i < N; i++) {
        memset(bufs[i], i + 1, 100);
        iov[i] = (struct iovec){ bufs[i], 100 };
        reqs[i] = (struct bk_req){
            .op = BK_OP_WRITE, .offset = 7 + i * 100, .bytes = 100,
            .iov = &iov[i], .iovcnt = 1, .done = count_done, .opaque = &c,
        };
        bk_submit(f->dev, &reqs[i]);
    }
    bk_drain(f->dev);
    assert_int_equal(c.failed, 0);
    assert_int_equal(do_io(f->dev, BK_OP_READ, 7, r, sizeof(r), 0), 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 100; j++)
            assert_int_equal(r[i * 100 + j], i + 1);
}

static void test_flush_succeeds_in_every_cache_mode(void **state)
{
    struct fixture *f = *state;
    static const unsigned modes[] = {
        BK_O_RDWR, BK_O_RDWR | BK_O_WRITETHROUGH, BK_O_RDWR | BK_O_NO_FLUSH,
        BK_O_RDWR | BK_O_NOCACHE,
    };
    char buf[4096];

    memset(buf, 5, sizeof(buf));
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct bk_req fl = { .op = BK_OP_FLUSH };

        bk_dev_close(f->dev);
        assert_int_equal(open_dev(f, modes[i]), 0);
        assert_int_equal(do_io(f->dev, BK_OP_WRITE, 0, buf, 4096, 0), 0);
        assert_int_equal(bk_run(f->dev, &fl), 0);
    }
}

static void test_open_errors_name_the_problem(void **state)
{
    struct fixture *f = *state;
    struct bk_dev *dev = NULL;
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    bk_opts_set(o, "driver", "raw");
    assert_int_equal(bk_dev_open(f->loop, "/nonexistent/img", o, 0, &dev,
                                 &cause), -ENOENT);
    assert_string_equal(cause,
                        "Could not open '/nonexistent/img': No such file or directory");
    free(cause);

    o = bk_opts_new();
    bk_opts_set(o, "driver", "raw");
    bk_opts_set(o, "bogus", "1");
    assert_int_equal(bk_dev_open(f->loop, f->path, o, 0, &dev, &cause),
                     -EINVAL);
    assert_string_equal(cause,
                        "Block format 'raw' does not support the option 'bogus'");
    free(cause);

    o = bk_opts_new();
    bk_opts_set(o, "driver", "nosuch");
    assert_int_equal(bk_dev_open(f->loop, f->path, o, 0, &dev, &cause),
                     -EINVAL);
    assert_string_equal(cause, "Unknown driver 'nosuch'");
    free(cause);
}

/* A default driver the stack does not have is refused, not followed. */
static void test_open_child_refuses_an_unknown_default_driver(void **state)
{
    struct fixture *f = *state;
    struct bk_stack stack = { .loop = f->loop, .drivers = bk_drivers };
    struct bk_opts *o = bk_opts_new();
    struct bk_node *child = NULL;
    char *cause = NULL;

    assert_int_equal(bk_stack_open_child(&stack, BK_O_RDWR, o, "backing",
                                         f->path, "nosuch", &child, &cause),
                     -EINVAL);
    assert_null(child);
    assert_string_equal(cause, "Unknown driver 'nosuch'");
    free(cause);
    bk_opts_free(o);
}

static void test_opts_parse_handles_escapes_and_implied_keys(void **state)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    (void)state;
    assert_int_equal(bk_opts_parse(o, "img,,name,driver=raw,file.a=b,,c",
                                   "filename", &cause), 0);
    assert_string_equal(bk_opts_get(o, "filename"), "img,name");
    assert_string_equal(bk_opts_get(o, "driver"), "raw");
    assert_string_equal(bk_opts_get(o, "file.a"), "b,c");
    assert_int_equal(bk_opts_count(o), 3);
    bk_opts_free(o);
}

static long timer_fired(struct bk_loop *loop, void *arg)
{
    (void)loop;
    ++*(int *)arg;
    return *(int *)arg < 3 ? 1 : -1;
}

static void test_loop_timers_repeat_until_stopped(void **state)
{
    struct fixture *f = *state;
    int n = 0;

    bk_loop_add_timer(f->loop, 1, timer_fired, &n);
    for (int i = 0; i < 1000 && n < 3; i++)
        bk_loop_iterate(f->loop, 50);
    assert_int_equal(n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_write_then_read_returns_the_data),
        T(test_requests_past_the_end_fail_with_eio),
        T(test_source_tally_counts_its_requests_ends),
        T(test_read_into_a_pipe_where_the_stack_allows),
        T(test_discard_punches_a_hole_seen_by_extents),
        T(test_write_zeroes_clears_data),
        T(test_truncate_changes_the_length),
        T(test_read_only_device_refuses_writes),
        T(test_concurrent_aio_writes_all_complete),
        T(test_overlapping_unaligned_direct_writes_keep_every_byte),
        T(test_flush_succeeds_in_every_cache_mode),
        T(test_open_errors_name_the_problem),
        T(test_open_child_refuses_an_unknown_default_driver),
        T(test_loop_timers_repeat_until_stopped),
        cmocka_unit_test(test_opts_parse_handles_escapes_and_implied_keys),
#undef T
    };

    return cmocka_run_group_tests_name("backend", tests, NULL, NULL);
}
