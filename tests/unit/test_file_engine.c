/*
 * test_file_engine.c — how the file driver's I/O reaches the kernel:
 * small page-cache I/O done on the loop thread (RWF_NOWAIT, or inline when
 * the loop is idle) still ends at a later pass and gives the pool's
 * results, file systems that refuse RWF_NOWAIT fall back, the loop tells
 * idle from busy, and pool items end whether their worker spun or slept.
 * Run again with BLKMON_AIO=io_uring (make uring).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/loop.h"

enum { IMG_SIZE = 1 << 20, NREQ = 32 };

struct fixture {
    char dir[64];
    char path[96];
    int fd;                      /* the image, for checks behind the device */
    struct bk_loop *loop;
    struct bk_dev *dev;
};

static int open_dev(struct fixture *f, const char *path)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;
    int ret;

    bk_opts_set(o, "driver", "raw");
    ret = bk_dev_open(f->loop, path, o, BK_O_RDWR, &f->dev, &cause);
    if (ret < 0) {
        fprintf(stderr, "open %s: %s\n", path, cause);
        free(cause);
    }
    return ret;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/blkmon-engine.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/img", f->dir);
    f->fd = open(f->path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (f->fd < 0 || ftruncate(f->fd, IMG_SIZE) < 0)
        return -1;
    f->loop = bk_loop_new(2);
    if (f->loop == NULL || open_dev(f, f->path) < 0)
        return -1;
    /* A hang (a lost wake-up) fails the run instead of stalling it. */
    alarm(60);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    alarm(0);
    bk_dev_close(f->dev);
    bk_loop_free(f->loop);
    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

struct io {
    struct bk_req req;
    struct iovec iov;
    unsigned char buf[4096];
};

static void io_init(struct io *io, enum bk_op op, int64_t offset, size_t len)
{
    io->iov = (struct iovec){ io->buf, len };
    io->req = (struct bk_req){ .op = op, .offset = offset,
                               .bytes = (int64_t)len, .iov = &io->iov,
                               .iovcnt = 1 };
}

/* Submit every io at once; none may end inside bk_submit. */
static void submit_all(struct fixture *f, struct io *ios, int n)
{
    for (int i = 0; i < n; i++) {
        bk_submit(f->dev, &ios[i].req);
        assert_int_not_equal(ios[i].req.state, BK_REQ_DONE);
    }
    bk_drain(f->dev);
    for (int i = 0; i < n; i++) {
        assert_int_equal(ios[i].req.state, BK_REQ_DONE);
        assert_int_equal(ios[i].req.ret, 0);
    }
}

/* Data put in the file behind the device's back is in the page cache:
 * cached reads, one at a time and many at once, return it, and end at a
 * later pass of the loop. */
static void test_cached_reads_return_the_data_at_a_later_pass(void **state)
{
    struct fixture *f = *state;
    static struct io ios[NREQ];
    unsigned char want[4096];

    for (int i = 0; i < NREQ; i++) {
        memset(want, 0x40 + i, sizeof(want));
        assert_int_equal(pwrite(f->fd, want, sizeof(want), i * 8192), 4096);
    }
    for (int i = 0; i < NREQ; i++) {
        io_init(&ios[i], BK_OP_READ, i * 8192, 4096);
        submit_all(f, &ios[i], 1);
        memset(want, 0x40 + i, sizeof(want));
        assert_memory_equal(ios[i].buf, want, sizeof(want));
    }
    for (int i = 0; i < NREQ; i++)
        io_init(&ios[i], BK_OP_READ, i * 8192, 4096);
    submit_all(f, ios, NREQ);
    for (int i = 0; i < NREQ; i++) {
        memset(want, 0x40 + i, sizeof(want));
        assert_memory_equal(ios[i].buf, want, sizeof(want));
    }
}

/* The process's read system calls so far (/proc/self/io's syscr): the
 * ring's reads are not among them. */
static long read_syscalls(void)
{
    FILE *fp = fopen("/proc/self/io", "r");
    char line[128];
    long n = -1;

    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp) != NULL)
        if (sscanf(line, "syscr: %ld", &n) == 1)
            break;
    fclose(fp);
    assert_true(n >= 0);
    return n;
}

/*
 * Many cached reads at once: with the io_uring engine the ring takes them
 * (one io_uring_enter a pass), only the first, alone then, a system call
 * of its own on the loop thread; with the pool, each is a preadv2 there.
 */
static void test_deep_cached_reads_batch_on_the_ring(void **state)
{
    struct fixture *f = *state;
    static struct io ios[NREQ];
    const char *aio = getenv("BLKMON_AIO");
    bool ring = aio != NULL && strcmp(aio, "io_uring") == 0;
    unsigned char want[4096];
    long before, calls;

    memset(want, 0x77, sizeof(want));
    for (int i = 0; i < NREQ; i++)
        assert_int_equal(pwrite(f->fd, want, sizeof(want), i * 4096), 4096);
    for (int i = 0; i < NREQ; i++)
        io_init(&ios[i], BK_OP_READ, i * 4096, 4096);
    before = read_syscalls();
    submit_all(f, ios, NREQ);
    calls = read_syscalls() - before;
    for (int i = 0; i < NREQ; i++)
        assert_memory_equal(ios[i].buf, want, sizeof(want));
    if (ring)
        assert_true(calls < NREQ / 4);
    else
        assert_true(calls >= NREQ);
}

static int run_op(struct fixture *f, enum bk_op op, int64_t offset,
                  int64_t bytes)
{
    struct bk_req req = { .op = op, .offset = offset, .bytes = bytes };

    return bk_run(f->dev, &req);
}

/* A pool item that holds its worker until released. */
struct blocker {
    struct bk_work work;
    atomic_int *started;
    atomic_bool *release;
    bool done;
};

static void blocker_work(struct bk_work *w)
{
    struct blocker *b = (struct blocker *)w;

    atomic_fetch_add(b->started, 1);
    while (!atomic_load(b->release))
        sched_yield();
}

static void blocker_done(struct bk_work *w)
{
    ((struct blocker *)w)->done = true;
}

/* Keep both pool workers busy until release is set. */
static void hold_workers(struct fixture *f, struct blocker b[2],
                         atomic_int *started, atomic_bool *release)
{
    atomic_init(started, 0);
    atomic_init(release, false);
    for (int i = 0; i < 2; i++) {
        b[i] = (struct blocker){ .work = { .work = blocker_work,
                                           .done = blocker_done },
                                 .started = started, .release = release };
        bk_pool_submit(f->loop, &b[i].work);
    }
    while (atomic_load(started) < 2)
        sched_yield();
}

/*
 * Once zero writes, discards, a flush and truncations have come and gone
 * through the pool, a cached read is again done on the loop thread with
 * RWF_NOWAIT: the file's count of ios on the pool went back to zero, so
 * nothing is left for the read to wait behind.  Both workers are held
 * meanwhile, so a read sent to the pool could not end; the held workers
 * also keep the loop from being idle, which would let the read run inline
 * whatever the count.
 */
static void test_cached_reads_stay_off_the_pool_after_other_work(void **state)
{
    struct fixture *f = *state;
    static struct io io;
    struct blocker b[2];
    atomic_int started;
    atomic_bool release;
    bool ended_in_submit, ended_while_held;

    assert_int_equal(run_op(f, BK_OP_WRITE_ZEROES, 0, 65536), 0);
    assert_int_equal(run_op(f, BK_OP_DISCARD, 65536, 65536), 0);
    assert_int_equal(run_op(f, BK_OP_FLUSH, 0, 0), 0);
    assert_int_equal(run_op(f, BK_OP_TRUNCATE, 2 * IMG_SIZE, 0), 0);
    assert_int_equal(run_op(f, BK_OP_TRUNCATE, IMG_SIZE, 0), 0);
    assert_int_equal(pwrite(f->fd, "cached", 6, 8192), 6);

    hold_workers(f, b, &started, &release);

    io_init(&io, BK_OP_READ, 8192, 4096);
    bk_submit(f->dev, &io.req);
    ended_in_submit = io.req.state == BK_REQ_DONE;
    bk_loop_iterate(f->loop, 0);
    ended_while_held = io.req.state == BK_REQ_DONE;

    atomic_store(&release, true);
    while (!b[0].done || !b[1].done)
        bk_loop_iterate(f->loop, -1);
    bk_drain(f->dev);
    assert_false(ended_in_submit);
    assert_true(ended_while_held);
    assert_int_equal(io.req.ret, 0);
    assert_memory_equal(io.buf, "cached", 6);
}

/*
 * A cached read larger than the loop copies itself goes to a worker, with
 * either engine: the ring would copy it on the loop thread.  Both workers
 * are held, so a read on the pool cannot end until they are let go, where
 * one on the ring (or on the loop) would end at once.
 */
static void test_large_cached_reads_go_to_the_pool(void **state)
{
    struct fixture *f = *state;
    enum { LEN = 128 * 1024 };
    static unsigned char buf[LEN], want[LEN];
    struct iovec iov = { buf, LEN };
    struct bk_req req = { .op = BK_OP_READ, .offset = 65536, .bytes = LEN,
                          .iov = &iov, .iovcnt = 1 };
    struct blocker b[2];
    atomic_int started;
    atomic_bool release;
    bool ended_while_held;

    memset(want, 0x3c, LEN);
    assert_int_equal(pwrite(f->fd, want, LEN, 65536), LEN);
    hold_workers(f, b, &started, &release);

    bk_submit(f->dev, &req);
    for (int i = 0; i < 20; i++)
        bk_loop_iterate(f->loop, 1);
    ended_while_held = req.state == BK_REQ_DONE;

    atomic_store(&release, true);
    while (!b[0].done || !b[1].done)
        bk_loop_iterate(f->loop, -1);
    bk_drain(f->dev);
    assert_false(ended_while_held);
    assert_int_equal(req.state, BK_REQ_DONE);
    assert_int_equal(req.ret, 0);
    assert_memory_equal(buf, want, LEN);
}

/* Writes one at a time and many at once land in the file. */
static void test_writes_reach_the_file_at_a_later_pass(void **state)
{
    struct fixture *f = *state;
    static struct io ios[NREQ];
    unsigned char got[4096], want[4096];

    for (int i = 0; i < NREQ; i++) {
        io_init(&ios[i], BK_OP_WRITE, i * 4096, 4096);
        memset(ios[i].buf, 0x10 + i, 4096);
    }
    submit_all(f, ios, 1);
    submit_all(f, ios + 1, NREQ - 1);
    for (int i = 0; i < NREQ; i++) {
        memset(want, 0x10 + i, sizeof(want));
        assert_int_equal(pread(f->fd, got, sizeof(got), i * 4096), 4096);
        assert_memory_equal(got, want, sizeof(want));
    }
}

/* A read that ends past the end of the file (the device is 512-byte
 * rounded) is short for the kernel: the rest reads as zeroes, as on the
 * pool. */
static void test_read_across_the_end_of_the_file_gives_zeroes(void **state)
{
    struct fixture *f = *state;
    static struct io io;
    unsigned char want[512];

    assert_int_equal(ftruncate(f->fd, IMG_SIZE - 24), 0);
    bk_dev_close(f->dev);
    assert_int_equal(open_dev(f, f->path), 0);
    assert_int_equal(bk_dev_length(f->dev), IMG_SIZE);
    memset(want, 0x77, sizeof(want));
    assert_int_equal(pwrite(f->fd, want, 488, IMG_SIZE - 512), 488);
    memset(want + 488, 0, 24);

    io_init(&io, BK_OP_READ, IMG_SIZE - 512, 512);
    memset(io.buf, 0xee, sizeof(io.buf));
    submit_all(f, &io, 1);
    assert_memory_equal(io.buf, want, sizeof(want));
}

/* A memfd is shmem, which refuses RWF_NOWAIT reads and writes
 * (EOPNOTSUPP): everything still works, one at a time and many at once. */
static void test_files_that_refuse_nowait_fall_back(void **state)
{
    struct fixture *f = *state;
    static struct io ios[NREQ];
    char path[64];
    int mfd = memfd_create("blkmon-engine", MFD_CLOEXEC);

    assert_true(mfd >= 0);
    assert_int_equal(ftruncate(mfd, IMG_SIZE), 0);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
    bk_dev_close(f->dev);
    assert_int_equal(open_dev(f, path), 0);

    for (int i = 0; i < NREQ; i++) {
        io_init(&ios[i], BK_OP_WRITE, i * 4096, 4096);
        memset(ios[i].buf, 0x20 + i, 4096);
    }
    submit_all(f, ios, 1);
    submit_all(f, ios + 1, NREQ - 1);
    for (int i = 0; i < NREQ; i++)
        io_init(&ios[i], BK_OP_READ, i * 4096, 4096);
    submit_all(f, ios, 1);
    submit_all(f, ios + 1, NREQ - 1);
    for (int i = 0; i < NREQ; i++) {
        unsigned char want[4096];

        memset(want, 0x20 + i, sizeof(want));
        assert_memory_equal(ios[i].buf, want, sizeof(want));
    }
    bk_dev_close(f->dev);
    f->dev = NULL;
    close(mfd);
    assert_int_equal(open_dev(f, f->path), 0);
}

/* ---- the loop --------------------------------------------------------- */

static void fd_ready(struct bk_loop *loop, int fd, void *arg)
{
    (void)loop;
    (void)fd;
    (void)arg;
}

static long timer_fn(struct bk_loop *loop, void *arg)
{
    (void)loop;
    (void)arg;
    return -1;
}

static void deferred(void *arg)
{
    ++*(int *)arg;
}

static void before_sleep(struct bk_loop *loop, void *arg)
{
    (void)loop;
    (void)arg;
}

static bool engine_busy(void *arg)
{
    return *(bool *)arg;
}

static void test_loop_is_idle_only_when_nothing_waits(void **state)
{
    struct bk_loop *loop = bk_loop_new(1);
    bool busy = false;
    int fds[2], ran = 0, id;

    (void)state;
    assert_non_null(loop);
    assert_int_equal(pipe(fds), 0);
    assert_true(bk_loop_idle(loop));

    bk_loop_defer(loop, deferred, &ran);
    assert_false(bk_loop_idle(loop));
    bk_loop_iterate(loop, 0);
    assert_int_equal(ran, 1);
    assert_true(bk_loop_idle(loop));

    id = bk_loop_add_timer(loop, 60000, timer_fn, NULL);
    assert_false(bk_loop_idle(loop));
    bk_loop_del_timer(loop, id);
    assert_true(bk_loop_idle(loop));

    assert_int_equal(bk_loop_add_fd(loop, fds[0], fd_ready, NULL), 0);
    assert_false(bk_loop_idle(loop));     /* input to watch */
    bk_loop_del_fd(loop, fds[0]);
    assert_true(bk_loop_idle(loop));

    assert_int_equal(bk_loop_add_engine_fd(loop, fds[0], fd_ready, &busy,
                                           engine_busy), 0);
    assert_true(bk_loop_idle(loop));      /* an engine with nothing on it */
    busy = true;
    assert_false(bk_loop_idle(loop));
    busy = false;
    bk_loop_del_fd(loop, fds[0]);

    /* A peer that may wait a moment (an NBD client with its one request
     * in flight), and one that may not; a client fd (an NBD connection)
     * counts as a peer does. */
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal((i == 0 ? bk_loop_add_peer_fd
                                 : bk_loop_add_client_fd)(loop, fds[0],
                                                          fd_ready, &busy,
                                                          engine_busy), 0);
        assert_true(bk_loop_idle(loop));
        busy = true;
        assert_false(bk_loop_idle(loop));
        busy = false;
        bk_loop_del_fd(loop, fds[0]);
    }

    bk_loop_set_before_sleep(loop, before_sleep, NULL);
    assert_false(bk_loop_idle(loop));     /* a screen */
    bk_loop_set_before_sleep(loop, NULL, NULL);
    assert_true(bk_loop_idle(loop));

    close(fds[0]);
    close(fds[1]);
    bk_loop_free(loop);
}

static void client_ready(struct bk_loop *loop, int fd, void *arg)
{
    char c;

    (void)loop;
    if (read(fd, &c, 1) == 1)
        (*(int *)arg)++;
}

/* A client's requests are served as any watched descriptor's, and the
 * wait for its next one ends with the pass's timeout. */
static void test_client_fd_served_and_waited_for_within_timeout(void **state)
{
    struct bk_loop *loop = bk_loop_new(1);
    int fds[2], served = 0;

    (void)state;
    assert_non_null(loop);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(bk_loop_add_client_fd(loop, fds[0], client_ready,
                                           &served, NULL), 0);
    assert_int_equal(write(fds[1], "a", 1), 1);
    bk_loop_iterate(loop, -1);
    assert_int_equal(served, 1);
    assert_int_equal(write(fds[1], "b", 1), 1);   /* the next request */
    bk_loop_iterate(loop, -1);
    assert_int_equal(served, 2);
    bk_loop_iterate(loop, 0);                     /* nothing: at once */
    bk_loop_iterate(loop, 20);                    /* nothing: 20 ms */
    assert_int_equal(served, 2);
    bk_loop_del_fd(loop, fds[0]);
    close(fds[0]);
    close(fds[1]);
    bk_loop_free(loop);
}

/* ---- the pool --------------------------------------------------------- */

struct pool_item {
    struct bk_work work;
    atomic_int worked;
    int done;
};

static void item_work(struct bk_work *w)
{
    struct pool_item *it = (struct pool_item *)w;

    atomic_fetch_add(&it->worked, 1);
}

static void item_done(struct bk_work *w)
{
    ((struct pool_item *)w)->done++;
}

static void pause_us(long us)
{
    struct timespec ts = { 0, us * 1000 };

    nanosleep(&ts, NULL);
}

/*
 * One item at a time, with pauses shorter and longer than the spins
 * (worker and loop), so that each item finds its worker spinning or asleep
 * and the loop spinning or asleep in poll: every item ends, once, and the
 * loop is told of it either way (a lost wake-up hangs until the alarm).
 */
static void test_pool_items_end_whether_threads_spin_or_sleep(void **state)
{
    static const long pauses_us[] = { 0, 5, 30, 200, 2000 };
    struct bk_loop *loop = bk_loop_new(2);
    struct pool_item it;

    (void)state;
    assert_non_null(loop);
    alarm(60);
    for (int i = 0; i < 200; i++) {
        it = (struct pool_item){ .work = { .work = item_work,
                                           .done = item_done } };
        atomic_init(&it.worked, 0);
        bk_pool_submit(loop, &it.work);
        while (it.done == 0)
            bk_loop_iterate(loop, -1);
        assert_int_equal(atomic_load(&it.worked), 1);
        assert_int_equal(it.done, 1);
        assert_true(bk_loop_idle(loop));
        pause_us(pauses_us[i % 5]);
    }
    alarm(0);
    bk_loop_free(loop);
}

/* Many items at once, more than workers: each ends once. */
static void test_pool_items_submitted_together_all_end(void **state)
{
    static struct pool_item items[64];
    struct bk_loop *loop = bk_loop_new(2);
    int left = 64;

    (void)state;
    assert_non_null(loop);
    alarm(60);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 64; i++) {
            items[i] = (struct pool_item){ .work = { .work = item_work,
                                                     .done = item_done } };
            atomic_init(&items[i].worked, 0);
            bk_pool_submit(loop, &items[i].work);
        }
        do {
            bk_loop_iterate(loop, -1);
            left = 0;
            for (int i = 0; i < 64; i++)
                left += items[i].done == 0;
        } while (left > 0);
        for (int i = 0; i < 64; i++) {
            assert_int_equal(atomic_load(&items[i].worked), 1);
            assert_int_equal(items[i].done, 1);
        }
        pause_us(round % 2 ? 200 : 0);
    }
    alarm(0);
    bk_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_cached_reads_return_the_data_at_a_later_pass),
        T(test_deep_cached_reads_batch_on_the_ring),
        T(test_cached_reads_stay_off_the_pool_after_other_work),
        T(test_large_cached_reads_go_to_the_pool),
        T(test_writes_reach_the_file_at_a_later_pass),
        T(test_read_across_the_end_of_the_file_gives_zeroes),
        T(test_files_that_refuse_nowait_fall_back),
#undef T
        cmocka_unit_test(test_loop_is_idle_only_when_nothing_waits),
        cmocka_unit_test(test_client_fd_served_and_waited_for_within_timeout),
        cmocka_unit_test(test_pool_items_end_whether_threads_spin_or_sleep),
        cmocka_unit_test(test_pool_items_submitted_together_all_end),
    };

    return cmocka_run_group_tests_name("file engine", tests, NULL, NULL);
}
