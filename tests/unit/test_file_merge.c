/*
 * test_file_merge.c — the file driver's write lane: adjacent buffered
 * writes merged into one call, in submission order, each with its own
 * result when a merged call fails; and the same through the pool and the
 * public API with many writes queued at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/backend.h"
#include "backend/file.h"

#define IMG_SIZE (256 * 1024)

struct fixture {
    char dir[64];
    char path[96];
    int fd;
    struct file_state st;
    struct bk_node node;
    unsigned char model[IMG_SIZE];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    strcpy(f->dir, "/tmp/blkmon-merge.XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/img", f->dir);
    f->fd = open(f->path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (f->fd < 0 || ftruncate(f->fd, IMG_SIZE) < 0)
        return -1;
    f->st.fd = f->fd;
    f->node.state = &f->st;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* What the file must hold: the model, byte for byte. */
static void assert_file_is_model(struct fixture *f)
{
    static unsigned char buf[IMG_SIZE];

    assert_int_equal(pread(f->fd, buf, IMG_SIZE, 0), IMG_SIZE);
    for (size_t i = 0; i < IMG_SIZE; i++)
        if (buf[i] != f->model[i]) {
            fail_msg("byte %zu is %u, expected %u", i, buf[i], f->model[i]);
        }
}

/* A write io of the buffers iov[0..n), linked after *prev. */
static void add_io(struct fixture *f, struct bk_io *io, int64_t offset,
                   struct iovec *iov, int n, struct bk_work **prev)
{
    int64_t at = offset;

    *io = (struct bk_io){ .node = &f->node, .op = BK_OP_WRITE,
                          .offset = offset, .iov = iov, .iovcnt = n,
                          .ret = 1 };
    for (int i = 0; i < n; i++) {
        memcpy(f->model + at, iov[i].iov_base, iov[i].iov_len);
        at += (int64_t)iov[i].iov_len;
        io->bytes += (int64_t)iov[i].iov_len;
    }
    *prev = &io->work;
    io->work.next = NULL;
}

static void link_ios(struct bk_io *ios, int n)
{
    for (int i = 0; i + 1 < n; i++)
        ios[i].work.next = &ios[i + 1].work;
}

static void test_runs_gaps_overlaps_and_many_buffers_land_in_order(void **state)
{
    struct fixture *f = *state;
    enum { NIO = 9, NBIG = 70 };
    static char data[NIO][4096];
    static char big[NBIG][512];
    struct iovec iov[NIO], three[3], many[NBIG];
    struct bk_io ios[NIO + 2];
    struct bk_work *last = NULL;
    struct file_merge_counts n;
    int k = 0;

    for (int i = 0; i < NIO; i++) {
        memset(data[i], 'a' + i, sizeof(data[i]));
        iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
    }
    for (int i = 0; i < NBIG; i++) {
        memset(big[i], 0x80 + i, sizeof(big[i]));
        many[i] = (struct iovec){ big[i], sizeof(big[i]) };
    }
    /* A run of three, then a gap, then a run of two. */
    add_io(f, &ios[k++], 0, &iov[0], 1, &last);
    add_io(f, &ios[k++], 4096, &iov[1], 1, &last);
    add_io(f, &ios[k++], 8192, &iov[2], 1, &last);
    add_io(f, &ios[k++], 20480, &iov[3], 1, &last);
    add_io(f, &ios[k++], 24576, &iov[4], 1, &last);
    /* Overlaps the first run: submitted later, so it must win. */
    add_io(f, &ios[k++], 2048, &iov[5], 1, &last);
    /* Three buffers continuing from there, one of them odd-sized. */
    three[0] = (struct iovec){ data[6], 1000 };
    three[1] = (struct iovec){ data[7], 3096 };
    three[2] = (struct iovec){ data[8], 4096 };
    add_io(f, &ios[k++], 6144, three, 3, &last);
    /* More buffers than one merged call takes: runs alone, then a write
     * adjacent to it. */
    add_io(f, &ios[k++], 65536, many, NBIG, &last);
    add_io(f, &ios[k++], 65536 + NBIG * 512, &iov[0], 1, &last);
    link_ios(ios, k);

    n = file_write_items(&ios[0].work);

    /* [0 4k 8k] [20k 24k] [2k 6k] [64k alone] [after it, alone] */
    assert_int_equal(n.calls, 5);
    assert_int_equal(n.redone, 0);
    for (int i = 0; i < k; i++)
        assert_int_equal(ios[i].ret, 0);
    assert_file_is_model(f);
}

static void test_a_failed_merged_write_is_redone_one_by_one(void **state)
{
    struct fixture *f = *state;
    enum { NIO = 8, LIMIT = 128 * 1024 };
    static char data[NIO][4096];
    struct iovec iov[NIO];
    struct bk_io ios[NIO];
    struct bk_work *last = NULL;
    struct rlimit old, lim;
    struct file_merge_counts n;
    void (*old_handler)(int);

    /* Writes past LIMIT fail with EFBIG; the run crosses it (at 2048,
     * 6144 ... so that one write straddles it). */
    for (int i = 0; i < NIO; i++) {
        memset(data[i], 'A' + i, sizeof(data[i]));
        iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
        add_io(f, &ios[i], LIMIT - 4 * 4096 + 2048 + i * 4096, &iov[i], 1,
               &last);
    }
    link_ios(ios, NIO);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = (struct rlimit){ LIMIT, old.rlim_max };   /* soft: can go back */
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    n = file_write_items(&ios[0].work);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    /* One merged call failed; every write was redone alone.  Three end
     * below the limit, the fourth straddles it, the rest are past it. */
    assert_int_equal(n.calls, 1);
    assert_int_equal(n.redone, NIO);
    for (int i = 0; i < NIO; i++)
        assert_int_equal(ios[i].ret, i < 3 ? 0 : -EFBIG);
    /* The model holds what each write put there; for the failed ones,
     * only the part below the limit may have landed: compare below the
     * first failed write only, and check nothing lies past the limit. */
    for (int64_t b = 0; b < ios[3].offset; b++) {
        unsigned char c;

        assert_int_equal(pread(f->fd, &c, 1, b), 1);
        assert_int_equal(c, f->model[b]);
    }
}

/* Through the public API: many writes queued at once on the pool, some
 * adjacent, some not, some past a file size limit; each ends once, with
 * its own result, and the data is there. */
struct tally {
    int done, failed;
};

static void tally_done(struct bk_req *req, int ret)
{
    struct tally *t = req->opaque;

    t->done++;
    if (ret < 0) {
        t->failed++;
        assert_int_equal(ret, -EFBIG);
        assert_true(req->offset + req->bytes > 192 * 1024);
    } else {
        assert_true(req->offset + req->bytes <= 192 * 1024);
    }
}

static void test_many_queued_writes_end_once_with_their_own_result(void **state)
{
    struct fixture *f = *state;
    enum { N = 96 };
    static struct bk_req reqs[N];
    static struct iovec iov[N];
    static char bufs[N][2048];
    struct rlimit old, lim;
    struct bk_loop *loop = bk_loop_new(2);
    struct bk_opts *o = bk_opts_new();
    struct tally t = { 0, 0 };
    struct bk_dev *dev = NULL;
    char *cause = NULL;
    void (*old_handler)(int);
    int expect_failed = 0;

    bk_opts_set(o, "driver", "raw");
    assert_int_equal(bk_dev_open(loop, f->path, o, BK_O_RDWR, &dev, &cause),
                     0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = (struct rlimit){ 192 * 1024, old.rlim_max };
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; i < N; i++) {
        /* Pairs of adjacent writes, each pair 1 KiB after the last. */
        int64_t off = (i / 2) * 5120 + (i % 2) * 2048;

        memset(bufs[i], i + 1, sizeof(bufs[i]));
        iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
        reqs[i] = (struct bk_req){ .op = BK_OP_WRITE, .offset = off,
                                   .bytes = 2048, .iov = &iov[i], .iovcnt = 1,
                                   .done = tally_done, .opaque = &t };
        if (off + 2048 > 192 * 1024)
            expect_failed++;
        bk_submit(dev, &reqs[i]);
    }
    bk_drain(dev);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(t.done, N);
    assert_true(expect_failed > 0);
    assert_int_equal(t.failed, expect_failed);
    for (int i = 0; i < N; i++) {
        char r[2048];

        if (reqs[i].ret < 0)
            continue;
        assert_int_equal(pread(f->fd, r, sizeof(r), reqs[i].offset),
                         (ssize_t)sizeof(r));
        assert_memory_equal(r, bufs[i], sizeof(r));
    }
    bk_dev_close(dev);
    bk_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_runs_gaps_overlaps_and_many_buffers_land_in_order, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_a_failed_merged_write_is_redone_one_by_one, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_many_queued_writes_end_once_with_their_own_result, setup,
            teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
