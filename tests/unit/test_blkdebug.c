/*
 * test_blkdebug.c — the blkdebug driver through the device API: parked
 * requests hold no thread, resume in any order, and lose no data; injected
 * errors and limits behave as configured.
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
#include <unistd.h>
#include <cmocka.h>

#include "backend/backend.h"
#include "backend/loop.h"

struct fixture {
    struct bk_observer observer;
    char dir[64];
    char img[96];
    char cfg[96];
    struct bk_loop *loop;
    struct bk_dev *dev;
    int suspended, resumed;
};

static void on_debug(struct bk_dev *dev, enum bk_debug_note note,
                     const char *tag, const struct bk_req *req, void *arg)
{
    struct fixture *f = arg;

    (void)dev;
    (void)tag;
    (void)req;
    if (note == BK_NOTE_SUSPENDED)
        f->suspended++;
    else
        f->resumed++;
}

static int open_stack(struct fixture *f, const char *config, const char *align,
                      char **cause)
{
    struct bk_opts *o = bk_opts_new();

    bk_opts_set(o, "driver", "raw");
    bk_opts_set(o, "file.driver", "blkdebug");
    bk_opts_set(o, "file.image.filename", f->img);
    if (config != NULL) {
        FILE *c = fopen(f->cfg, "w");

        fputs(config, c);
        fclose(c);
        bk_opts_set(o, "file.config", f->cfg);
    }
    if (align != NULL)
        bk_opts_set(o, "file.align", align);
    if (bk_dev_open(f->loop, NULL, o, BK_O_RDWR | BK_O_UNMAP, &f->dev,
                    cause) < 0)
        return -1;
    f->observer = (struct bk_observer){ .debug = on_debug, .arg = f };
    bk_dev_add_observer(f->dev, &f->observer);
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    int fd;

    strcpy(f->dir, "/tmp/blkmon-bd.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->img, sizeof(f->img), "%s/img", f->dir);
    snprintf(f->cfg, sizeof(f->cfg), "%s/cfg", f->dir);
    fd = open(f->img, O_CREAT | O_RDWR, 0644);
    if (fd < 0 || ftruncate(fd, 4 << 20) < 0)
        return -1;
    close(fd);
    f->loop = bk_loop_new(4);
    *state = f;
    return f->loop ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    bk_dev_close(f->dev);
    bk_loop_free(f->loop);
    unlink(f->img);
    unlink(f->cfg);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int rw(struct bk_dev *dev, enum bk_op op, int64_t off, void *buf,
              int64_t len)
{
    struct iovec iov = { buf, (size_t)len };
    struct bk_req r = { .op = op, .offset = off, .bytes = len, .iov = &iov,
                        .iovcnt = 1 };

    return bk_run(dev, &r);
}

struct job {
    struct bk_req req;
    struct iovec iov;
    char buf[512];
    int done;
    int ret;
};

static void job_done(struct bk_req *req, int ret)
{
    struct job *j = req->opaque;

    j->done = 1;
    j->ret = ret;
}

static void count_suspended(const struct bk_req *req, void *arg)
{
    if (req->state == BK_REQ_SUSPENDED)
        ++*(int *)arg;
}

/*
 * 300 writes, each parked at its own breakpoint; reads elsewhere still
 * complete while they wait; resumed in a shuffled order, every write lands.
 */
static void test_300_suspended_requests_resume_in_any_order(void **state)
{
    enum { N = 300 };
    struct fixture *f = *state;
    struct job *jobs = calloc(N, sizeof(*jobs));
    int order[N], parked = 0;
    char tag[16], buf[512];
    char *cause = NULL;

    assert_int_equal(open_stack(f, NULL, NULL, &cause), 0);
    for (int i = 0; i < N; i++) {
        struct job *j = &jobs[i];

        snprintf(tag, sizeof(tag), "t%d", i);
        assert_int_equal(bk_dev_break(f->dev, "write_aio", tag), 0);
        memset(j->buf, (i % 250) + 1, sizeof(j->buf));
        j->iov = (struct iovec){ j->buf, sizeof(j->buf) };
        j->req = (struct bk_req){
            .op = BK_OP_WRITE, .offset = (int64_t)i * 4096, .bytes = 512,
            .iov = &j->iov, .iovcnt = 1, .done = job_done, .opaque = j,
        };
        bk_submit(f->dev, &j->req);
        /* Wait until the write reaches its breakpoint. */
        while (!bk_dev_is_suspended(f->dev, tag))
            bk_loop_iterate(f->loop, 100);
    }
    bk_dev_for_each_req(f->dev, count_suspended, &parked);
    assert_int_equal(parked, N);
    assert_int_equal(f->suspended, N);

    /* Other I/O flows meanwhile: a read beside the parked writes. */
    assert_int_equal(rw(f->dev, BK_OP_READ, 2 << 20, buf, sizeof(buf)), 0);

    for (int i = 0; i < N; i++)
        order[i] = i;
    srand(42);
    for (int i = N - 1; i > 0; i--) {
        int k = rand() % (i + 1), t = order[i];

        order[i] = order[k];
        order[k] = t;
    }
    for (int i = 0; i < N; i++) {
        snprintf(tag, sizeof(tag), "t%d", order[i]);
        assert_int_equal(bk_dev_resume(f->dev, tag), 0);
    }
    bk_drain(f->dev);
    assert_int_equal(f->resumed, N);
    for (int i = 0; i < N; i++) {
        assert_true(jobs[i].done);
        assert_int_equal(jobs[i].ret, 0);
        assert_int_equal(rw(f->dev, BK_OP_READ, (int64_t)i * 4096, buf,
                            sizeof(buf)), 0);
        assert_memory_equal(buf, jobs[i].buf, sizeof(buf));
    }
    free(jobs);
}

static void test_resume_of_unknown_tag_is_enoent(void **state)
{
    struct fixture *f = *state;
    char *cause = NULL;

    assert_int_equal(open_stack(f, NULL, NULL, &cause), 0);
    assert_int_equal(bk_dev_resume(f->dev, "nope"), -ENOENT);
    assert_int_equal(bk_dev_break(f->dev, "no_such_event", "x"), -ENOENT);
    assert_false(bk_dev_is_suspended(f->dev, "nope"));
}

/* Two breakpoints on one event stop one request twice. */
static void test_two_breaks_on_one_event_need_two_resumes(void **state)
{
    struct fixture *f = *state;
    struct job j = { 0 };
    char *cause = NULL;

    assert_int_equal(open_stack(f, NULL, NULL, &cause), 0);
    assert_int_equal(bk_dev_break(f->dev, "read_aio", "a"), 0);
    assert_int_equal(bk_dev_break(f->dev, "read_aio", "b"), 0);
    j.iov = (struct iovec){ j.buf, sizeof(j.buf) };
    j.req = (struct bk_req){ .op = BK_OP_READ, .offset = 0, .bytes = 512,
                             .iov = &j.iov, .iovcnt = 1, .done = job_done,
                             .opaque = &j };
    bk_submit(f->dev, &j.req);
    while (!bk_dev_is_suspended(f->dev, "a"))
        bk_loop_iterate(f->loop, 100);
    assert_true(bk_dev_is_suspended(f->dev, "b"));
    assert_int_equal(bk_dev_resume(f->dev, "a"), 0);
    for (int i = 0; i < 5; i++)
        bk_loop_iterate(f->loop, 10);
    assert_false(j.done);
    /* Still parked, and it shows the tag that still holds it. */
    assert_int_equal(j.req.state, BK_REQ_SUSPENDED);
    assert_string_equal(j.req.suspend_tag, "b");
    assert_true(j.req.suspend_ns > 0);
    /* A front end resumes the request itself, not a tag. */
    assert_int_equal(bk_dev_resume_req(f->dev, &j.req), 0);
    assert_int_equal(bk_dev_resume_req(f->dev, &j.req), -ENOENT);
    bk_drain(f->dev);
    assert_true(j.done);
    assert_int_equal(j.ret, 0);
}

static void test_inject_error_fails_reads_then_writes(void **state)
{
    struct fixture *f = *state;
    char *cause = NULL;
    char buf[512] = { 0 };

    assert_int_equal(open_stack(f, "[inject-error]\nevent = \"read_aio\"\n"
                                   "errno = \"28\"\n", NULL, &cause), 0);
    assert_int_equal(rw(f->dev, BK_OP_WRITE, 0, buf, 512), 0);
    assert_int_equal(rw(f->dev, BK_OP_READ, 0, buf, 512), -ENOSPC);
    /* Armed by the read, the rule now fails writes too. */
    assert_int_equal(rw(f->dev, BK_OP_WRITE, 0, buf, 512), -ENOSPC);
    {
        struct bk_stats st;

        bk_dev_stats(f->dev, &st);
        assert_int_equal(st.injected, 2);
    }
}

static void test_unaligned_writes_under_align_keep_neighbours(void **state)
{
    struct fixture *f = *state;
    char *cause = NULL;
    char a[4096], b[100], r[4096];

    assert_int_equal(open_stack(f, NULL, "4096", &cause), 0);
    memset(a, 0x11, sizeof(a));
    assert_int_equal(rw(f->dev, BK_OP_WRITE, 0, a, 4096), 0);
    memset(b, 0x22, sizeof(b));
    assert_int_equal(rw(f->dev, BK_OP_WRITE, 1000, b, 100), 0);
    assert_int_equal(rw(f->dev, BK_OP_READ, 0, r, 4096), 0);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(r[i], (i >= 1000 && i < 1100) ? 0x22 : 0x11);
}

static void test_bad_limits_are_refused_with_qemus_words(void **state)
{
    struct fixture *f = *state;
    char *cause = NULL;

    assert_int_equal(open_stack(f, NULL, "1000", &cause), -1);
    assert_string_equal(cause, "Cannot meet constraints with align 1000");
    free(cause);
}

/*
 * Random I/O on unaligned slots under align=4096 (so neighbours share
 * blocks and writes are read-modify-write), with breakpoints armed on
 * random events and random resumes.  At most one write per slot is in
 * flight, so the last completed write of each slot is what must be read.
 */
enum { SLOTS = 64, SLOT = 1000 };

struct stress_job {
    struct bk_req req;
    struct iovec iov;
    char buf[SLOT];
    int slot;
    bool busy;
    struct fixture *f;
    unsigned char *model;
};

static void stress_done(struct bk_req *req, int ret)
{
    struct stress_job *j = req->opaque;

    assert_int_equal(ret, 0);
    if (req->op == BK_OP_WRITE)
        j->model[j->slot] = (unsigned char)j->buf[0];
    else
        for (int i = 0; i < SLOT; i++)
            assert_int_equal((unsigned char)j->buf[i], j->model[j->slot]);
    j->busy = false;
}

/*
 * Run the loop until no request is on the workers and nothing is left to
 * run: each request has gone as far as it can (ended, or parked at a
 * break).  The stress below steps this way rather than by one pass, so
 * that what it does, and how many requests it parks, does not depend on
 * how fast the workers are (under load, one pass left most slots busy).
 */
static void settle(struct bk_loop *loop)
{
    while (atomic_load(&loop->pool.inflight) > 0 || loop->defer_head != NULL ||
           atomic_load(&loop->pool.ndone) > 0)
        bk_loop_iterate(loop, 100);
}

static void test_random_io_with_random_breaks_and_resumes(void **state)
{
    static const char *const events[] = {
        "read_aio", "write_aio", "pwritev", "pwritev_done",
        "pwritev_rmw_head", "pwritev_rmw_tail", "pwritev_rmw_after_head",
    };
    struct fixture *f = *state;
    struct stress_job *jobs = calloc(SLOTS, sizeof(*jobs));
    unsigned char model[SLOTS] = { 0 };
    char *cause = NULL;
    int ntags = 0;
    char tag[16];

    assert_int_equal(open_stack(f, NULL, "4096", &cause), 0);
    srand(7);
    for (int step = 0; step < 3000; step++) {
        int r = rand() % 100, s = rand() % SLOTS;
        struct stress_job *j = &jobs[s];

        if (r < 60 && !j->busy) {
            bool write = rand() % 2;

            j->slot = s;
            j->model = model;
            j->busy = true;
            if (write)
                memset(j->buf, rand() % 255 + 1, SLOT);
            j->iov = (struct iovec){ j->buf, SLOT };
            j->req = (struct bk_req){
                .op = write ? BK_OP_WRITE : BK_OP_READ,
                .offset = (int64_t)s * SLOT, .bytes = SLOT, .iov = &j->iov,
                .iovcnt = 1, .done = stress_done, .opaque = j,
            };
            bk_submit(f->dev, &j->req);
        } else if (r < 70) {
            snprintf(tag, sizeof(tag), "s%d", ntags++);
            assert_int_equal(bk_dev_break(f->dev,
                                          events[rand() % 7], tag), 0);
        } else if (r < 85 && ntags > 0) {
            snprintf(tag, sizeof(tag), "s%d", rand() % ntags);
            (void)bk_dev_resume(f->dev, tag);
        } else {
            settle(f->loop);
        }
    }
    /* Disarm what is left, let everything finish. */
    for (int i = 0; i < ntags; i++) {
        snprintf(tag, sizeof(tag), "s%d", i);
        (void)bk_dev_remove_break(f->dev, tag);
    }
    bk_dev_resume_all(f->dev);
    bk_drain(f->dev);
    /* The run really parked requests, and every parking was undone. */
    assert_true(f->suspended > 100);
    assert_int_equal(f->resumed, f->suspended);
    for (int s = 0; s < SLOTS; s++) {
        char buf[SLOT];

        assert_false(jobs[s].busy);
        assert_int_equal(rw(f->dev, BK_OP_READ, (int64_t)s * SLOT, buf, SLOT),
                         0);
        for (int i = 0; i < SLOT; i++)
            assert_int_equal((unsigned char)buf[i], model[s]);
    }
    free(jobs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_300_suspended_requests_resume_in_any_order),
        T(test_resume_of_unknown_tag_is_enoent),
        T(test_two_breaks_on_one_event_need_two_resumes),
        T(test_inject_error_fails_reads_then_writes),
        T(test_unaligned_writes_under_align_keep_neighbours),
        T(test_bad_limits_are_refused_with_qemus_words),
        T(test_random_io_with_random_breaks_and_resumes),
#undef T
    };

    return cmocka_run_group_tests_name("blkdebug", tests, NULL, NULL);
}
