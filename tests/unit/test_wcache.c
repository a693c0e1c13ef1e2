/*
 * test_wcache.c — the volatile write cache: layers hold the newest bytes
 * of every write (checked against a plain byte array over thousands of
 * random writes), lay over one another as a failed flush needs, and
 * answer block status; through a blkdebug device, a flush covers exactly
 * the writes that reached the cache before it, reads in flight while it
 * writes back see the newest data, and a power cut leaves the image file
 * as those flushes left it.
 *
 * Run one test: test_wcache NAME-GLOB
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

#include "backend/wcache.c"

#define SPACE 65536

/* A layer's bytes as an array, with which bytes it holds. */
struct flat {
    unsigned char data[SPACE];
    bool held[SPACE];
};

static uint64_t lcg_state = 12345;

static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lcg_state >> 33;
}

/* Put a random write (data or zeroes) in the layer and the flat copy. */
static void random_put(struct layer *l, struct flat *f)
{
    int64_t len = (int64_t)(lcg() % 3000) + 1;
    int64_t off = (int64_t)(lcg() % (SPACE - (uint64_t)len));
    struct ext x = { off, len, NULL, false };

    if (lcg() % 4 != 0) {
        x.data = malloc((size_t)len);
        for (int64_t i = 0; i < len; i++)
            x.data[i] = (unsigned char)lcg();
        memcpy(f->data + off, x.data, (size_t)len);
    } else {
        memset(f->data + off, 0, (size_t)len);
    }
    for (int64_t i = 0; i < len; i++)
        f->held[off + i] = true;
    layer_put(l, x);
}

/* Sorted, disjoint, non-empty extents, and the bytes the flat copy has. */
static void assert_layer_is(const struct layer *l, const struct flat *f)
{
    static unsigned char buf[SPACE];
    struct iovec iov = { buf, SPACE };
    int64_t held = 0;

    for (size_t i = 0; i < l->n; i++) {
        assert_true(l->v[i].len > 0);
        if (i > 0)
            assert_true(l->v[i - 1].off + l->v[i - 1].len <= l->v[i].off);
        held += l->v[i].len;
    }
    for (int i = 0; i < SPACE; i++)
        held -= f->held[i];
    assert_int_equal(held, 0);
    memset(buf, 0xee, sizeof(buf));
    layer_patch(l, 0, SPACE, &iov, 1);
    for (int i = 0; i < SPACE; i++) {
        if (f->held[i])
            assert_int_equal(buf[i], f->data[i]);
        else
            assert_int_equal(buf[i], 0xee);
    }
}

static void test_layer_holds_the_newest_bytes(void **state)
{
    struct layer *l = layer_new();
    static struct flat f;

    (void)state;
    memset(&f, 0, sizeof(f));
    for (int i = 0; i < 3000; i++) {
        random_put(l, &f);
        if (i % 500 == 0)
            assert_layer_is(l, &f);
    }
    assert_layer_is(l, &f);
    layer_unref(l);
}

static void test_sequential_writes_join_one_extent(void **state)
{
    struct layer *l = layer_new();
    static struct flat f;

    (void)state;
    memset(&f, 0, sizeof(f));
    for (int64_t off = 0; off < 32768; off += 512) {
        struct ext x = { off, 512, malloc(512), false };

        memset(x.data, (int)(off / 512), 512);
        memset(f.data + off, (int)(off / 512), 512);
        memset(f.held + off, 1, 512);
        layer_put(l, x);
    }
    assert_int_equal(l->n, 1);
    assert_layer_is(l, &f);
    layer_unref(l);
}

static void test_patch_reads_any_window_into_scattered_buffers(void **state)
{
    struct layer *l = layer_new();
    static struct flat f;
    unsigned char a[100], b[3], c[1000];
    struct iovec iov[3] = { { a, 100 }, { b, 3 }, { c, 1000 } };

    (void)state;
    memset(&f, 0, sizeof(f));
    for (int i = 0; i < 200; i++)
        random_put(l, &f);
    for (int k = 0; k < 200; k++) {
        int64_t off = (int64_t)(lcg() % (SPACE - 1103));

        memset(a, 0xee, sizeof(a));
        memset(b, 0xee, sizeof(b));
        memset(c, 0xee, sizeof(c));
        layer_patch(l, off, 1103, iov, 3);
        for (int i = 0; i < 1103; i++) {
            unsigned char got = i < 100 ? a[i] : i < 103 ? b[i - 100]
                                                         : c[i - 103];

            assert_int_equal(got, f.held[off + i] ? f.data[off + i] : 0xee);
        }
    }
    layer_unref(l);
}

/* A failed flush puts its layer back under the newer one. */
static void test_lay_over_keeps_the_newer_bytes(void **state)
{
    struct layer *under = layer_new(), *top = layer_new();
    static struct flat fu, ft;

    (void)state;
    memset(&fu, 0, sizeof(fu));
    memset(&ft, 0, sizeof(ft));
    for (int i = 0; i < 300; i++)
        random_put(under, &fu);
    for (int i = 0; i < 300; i++)
        random_put(top, &ft);
    under->nwrites = 300;
    top->nwrites = 300;
    layer_lay_over(under, top);
    for (int i = 0; i < SPACE; i++) {
        if (ft.held[i]) {
            fu.data[i] = ft.data[i];
            fu.held[i] = true;
        }
    }
    assert_layer_is(under, &fu);
    assert_int_equal(top->n, 0);
    assert_int_equal(under->nwrites, 600);
    layer_unref(under);
    layer_unref(top);
}

static void test_status_walks_both_layers(void **state)
{
    struct bk_wcache *wc = bk_wcache_new(NULL);
    int64_t pnum;

    (void)state;
    bk_wcache_write(wc, 4096, 4096, NULL, 0, false);     /* zeroes */
    wc->flushing = wc->cur;
    wc->cur = layer_new();
    bk_wcache_write(wc, 6144, 4096, &(struct iovec){ (char[4096]){ 0 },
                                                     4096 }, 1, false);
    assert_int_equal(bk_wcache_status(wc, 0, 65536, &pnum), 0);
    assert_int_equal(pnum, 4096);
    assert_int_equal(bk_wcache_status(wc, 4096, 65536, &pnum), 2);
    assert_int_equal(pnum, 2048);           /* until the newer write */
    assert_int_equal(bk_wcache_status(wc, 6144, 65536, &pnum), 1);
    assert_int_equal(pnum, 4096);
    assert_int_equal(bk_wcache_status(wc, 10240, 100, &pnum), 0);
    assert_int_equal(pnum, 100);
    bk_wcache_truncate(wc, 8192);
    assert_int_equal(bk_wcache_status(wc, 6144, 65536, &pnum), 1);
    assert_int_equal(pnum, 2048);
    bk_wcache_free(wc);
}

/* ---- through a device ------------------------------------------------ */

#define IMG (1 << 20)

struct fixture {
    char dir[64], img[96], cfg[96];
    struct bk_loop *loop;
    struct bk_dev *dev;
    unsigned char flushed[IMG];     /* what a cut must leave */
    unsigned char newest[IMG];      /* what reads must return */
};

static int dev_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;
    FILE *c;
    int fd;

    strcpy(f->dir, "/tmp/blkmon-wc.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->img, sizeof(f->img), "%s/img", f->dir);
    snprintf(f->cfg, sizeof(f->cfg), "%s/cfg", f->dir);
    fd = open(f->img, O_CREAT | O_RDWR, 0644);
    if (fd < 0 || ftruncate(fd, IMG) < 0)
        return -1;
    close(fd);
    c = fopen(f->cfg, "w");
    fputs("[write-cache]\n", c);
    fclose(c);
    f->loop = bk_loop_new(4);
    bk_opts_set(o, "driver", "raw");
    bk_opts_set(o, "file.driver", "blkdebug");
    bk_opts_set(o, "file.image.filename", f->img);
    bk_opts_set(o, "file.config", f->cfg);
    if (bk_dev_open(f->loop, NULL, o, BK_O_RDWR | BK_O_UNMAP, &f->dev,
                    &cause) < 0)
        fail_msg("open: %s", cause);
    *state = f;
    return 0;
}

static int dev_teardown(void **state)
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

struct job {
    struct bk_req req;
    struct iovec iov;
    unsigned char *buf;
    bool done;
    int ret;
};

static void job_done(struct bk_req *req, int ret)
{
    struct job *j = (struct job *)req;

    j->ret = ret;
    j->done = true;
}

static struct job *job_submit(struct fixture *f, enum bk_op op, int64_t off,
                              int64_t len, int pattern)
{
    struct job *j = calloc(1, sizeof(*j));

    j->buf = malloc(len ? (size_t)len : 1);
    memset(j->buf, pattern, (size_t)len);
    j->iov = (struct iovec){ j->buf, (size_t)len };
    j->req = (struct bk_req){ .op = op, .offset = off, .bytes = len,
                              .iov = &j->iov, .iovcnt = 1, .done = job_done };
    bk_submit(f->dev, &j->req);
    return j;
}

static void job_wait_free(struct fixture *f, struct job *j)
{
    while (!j->done)
        bk_loop_iterate(f->loop, -1);
    assert_int_equal(j->ret, 0);
    free(j->buf);
    free(j);
}

static void test_flush_covers_what_reached_the_cache_before_it(void **state)
{
    struct fixture *f = *state;
    struct job *jobs[400], *flush = NULL, *reads[16];
    size_t n = 0;
    struct bk_fault cut;
    static unsigned char file[IMG];
    int fd;

    for (int round = 0; round < 4; round++) {
        /* Writes, a flush in flight, more writes, reads meanwhile. */
        for (int i = 0; i < 60; i++) {
            int64_t len = (int64_t)(lcg() % 8 + 1) * 512;
            int64_t off = (int64_t)(lcg() % (IMG / 512 - 8)) * 512;
            int pat = (int)(lcg() % 255) + 1;

            jobs[n++] = job_submit(f, BK_OP_WRITE, off, len, pat);
            memset(f->newest + off, pat, (size_t)len);
            if (i == 40) {
                flush = job_submit(f, BK_OP_FLUSH, 0, 0, 0);
                memcpy(f->flushed, f->newest, IMG);
                for (int r = 0; r < 16; r++)
                    reads[r] = job_submit(f, BK_OP_READ, r * (IMG / 16),
                                          IMG / 16, 0);
            }
        }
        for (int r = 0; r < 16; r++) {
            while (!reads[r]->done)
                bk_loop_iterate(f->loop, -1);
            /* A read sees every write that reached the cache before it,
             * and maybe later ones (those are concurrent with it). */
            for (int64_t b = 0; b < IMG / 16; b++) {
                int64_t at = r * (IMG / 16) + b;

                assert_true(reads[r]->buf[b] == f->flushed[at] ||
                            reads[r]->buf[b] == f->newest[at]);
            }
            job_wait_free(f, reads[r]);
        }
        job_wait_free(f, flush);
        for (size_t i = 0; i < n; i++)
            job_wait_free(f, jobs[i]);
        n = 0;
    }
    assert_int_equal(bk_dev_powercut(f->dev, 0, false, &cut), 0);
    assert_int_equal(cut.writes, 19);
    fd = open(f->img, O_RDONLY);
    assert_int_equal(pread(fd, file, IMG, 0), IMG);
    close(fd);
    assert_memory_equal(file, f->flushed, IMG);
    /* A second cut finds nothing to lose. */
    assert_int_equal(bk_dev_powercut(f->dev, 0, false, &cut), 0);
    assert_int_equal(cut.writes, 0);
    assert_int_equal(cut.amount, 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_holds_the_newest_bytes),
        cmocka_unit_test(test_sequential_writes_join_one_extent),
        cmocka_unit_test(test_patch_reads_any_window_into_scattered_buffers),
        cmocka_unit_test(test_lay_over_keeps_the_newer_bytes),
        cmocka_unit_test(test_status_walks_both_layers),
        cmocka_unit_test_setup_teardown(
            test_flush_covers_what_reached_the_cache_before_it, dev_setup,
            dev_teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
