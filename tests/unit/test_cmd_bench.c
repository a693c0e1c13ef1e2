/*
 * test_cmd_bench.c — "bench" on a real raw -> blkdebug -> file stack: its
 * qemu-img texts, and summary figures checked against counts the test can
 * know (offsets that cycle over an image with one failing sector, flushes
 * that qemu-img's rule places, a background run stopped by "bench -k").
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

#include "cmd/bench.h"
#include "cmd/bench-hist.h"
#include "cmd/cmd.h"
#include "tests/unit/cmd_capture.h"

/* 64 KiB image: 4 KiB requests cycle over 16 offsets; sector 8 (byte
 * 4096) fails with EIO, so the 2nd of every 16 requests fails. */
#define IMG_SIZE 65536

struct fixture {
    char dir[64];
    char img[96];
    char cfg[96];
    struct cmd_state st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct bk_opts *opts;
    FILE *c;
    int fd;

    strcpy(f->dir, "/tmp/test_cmd_bench.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->img, sizeof(f->img), "%s/img", f->dir);
    snprintf(f->cfg, sizeof(f->cfg), "%s/cfg", f->dir);
    fd = open(f->img, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, IMG_SIZE) < 0)
        return -1;
    close(fd);
    c = fopen(f->cfg, "w");
    fputs("[inject-error]\nevent = \"none\"\nsector = \"8\"\nerrno = \"5\"\n",
          c);
    fclose(c);
    f->st.loop = bk_loop_new(2);
    f->st.out = CAPTURE;
    opts = bk_opts_new();
    bk_opts_set(opts, "driver", "raw");
    bk_opts_set(opts, "file.driver", "blkdebug");
    bk_opts_set(opts, "file.config", f->cfg);
    bk_opts_set(opts, "file.image.filename", f->img);
    capture_start();
    if (cmd_open_image(&f->st, NULL, opts, BK_O_RDWR | BK_O_UNMAP, false) < 0)
        return -1;
    capture_stop();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    bench_set_background(&f->st, NULL, NULL);
    cmd_close_image(&f->st);
    bk_loop_free(f->st.loop);
    unlink(f->img);
    unlink(f->cfg);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int run(struct fixture *f, const char *line)
{
    return capture_run(&f->st, line);
}

static int run_in(struct cmd_state *st, const char *line)
{
    return capture_run(st, line);
}

/* The line of CAPTURED_OUT that starts with prefix, without its newline. */
static const char *out_line(const char *prefix, char *buf, size_t size)
{
    const char *p = strstr(CAPTURED_OUT, prefix);
    size_t n;

    if (p == NULL)
        return "";
    n = strcspn(p, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- texts -------------------------------------------------------------- */

static void test_header_lines_are_qemu_img_bench(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "bench -q -c 5 -d 2 -s 1k -S 2k -o 16k"), 0);
    assert_true(starts_with(CAPTURED_OUT,
                        "Sending 5 read requests, 1024 bytes each, 2 in "
                        "parallel (starting at offset 16384, step size 2048)\n"
                        "Run completed in "));
    assert_null(strstr(CAPTURED_OUT, "bench:"));   /* -q: no summary */

    assert_int_equal(run(f, "bench -q -w -c 20 -d 4 --flush-interval=10 "
                            "--pattern 0x12 -o 8k -S 8k"), 0);
    assert_true(starts_with(CAPTURED_OUT,
                        "Sending 20 write requests, 4096 bytes each, 4 in "
                        "parallel (starting at offset 8192, step size 8192)\n"
                        "Sending flush every 10 requests\n"
                        "Run completed in "));
}

static void test_bad_options_print_qemu_img_texts(void **state)
{
    static const struct { const char *line, *err; } cases[] = {
        { "bench -c x", "blkmon: Invalid request count specified\n" },
        { "bench -c 2147483648", "blkmon: Invalid request count specified\n" },
        { "bench -d -1", "blkmon: Invalid queue depth specified\n" },
        { "bench -s 3G", "blkmon: Invalid buffer size specified. Must be "
                         "between 0 and 2147483647.\n" },
        { "bench -S x", "blkmon: Invalid step_size specified. You may use k, "
                        "M, G, T, P or E suffixes for\nblkmon: kilobytes, "
                        "megabytes, gigabytes, terabytes, petabytes and "
                        "exabytes.\n" },
        { "bench -o 9E", "blkmon: Invalid offset specified. Must be between "
                         "0 and 9223372036854775807.\n" },
        { "bench --pattern 256", "blkmon: Invalid pattern byte specified\n" },
        { "bench --flush-interval 10",
          "blkmon: --flush-interval is only available in write tests\n" },
        { "bench -w --flush-interval 10",
          "blkmon: Flush interval can't be smaller than depth\n" },
        { "bench --flush-interval x", "blkmon: Invalid flush interval "
                                      "specified\n" },
    };
    struct fixture *f = *state;
    struct bk_stats stats;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(run(f, cases[i].line), -EINVAL);
        assert_string_equal(CAPTURED_ERR, cases[i].err);
        assert_string_equal(CAPTURED_OUT, "");
    }
    /* Unknown options: getopt's complaint, then the usage line. */
    assert_int_equal(run(f, "bench --bogus"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "bench: unrecognized option '--bogus'\n");
    assert_true(starts_with(CAPTURED_OUT, "bench [-qrw] "));
    bk_dev_stats(f->st.dev, &stats);
    assert_int_equal(stats.ops[BK_OP_READ], 0);
}

static void test_long_options_take_unambiguous_prefixes(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "bench -q -c 1 -d 1 --pat=7 --no-d"), 0);
    assert_int_equal(run(f, "bench -q -w -c 1 -d 1 --flush 1"), 0);
    assert_true(strstr(CAPTURED_OUT, "Sending flush every 1 requests\n"));
}

/* ---- figures ------------------------------------------------------------ */

static void test_summary_counts_injected_errors_with_keep_going(void **state)
{
    struct fixture *f = *state;
    struct bk_stats stats;
    char line[256];

    /* Requests 1, 17, 33, 49, 65, 81, 97 cover byte 4096: 7 of 100. */
    assert_int_equal(run(f, "bench --keep-going -c 100 -d 4"), 0);
    assert_string_equal(out_line("bench: ", line, sizeof(line)),
                        "bench: 100 requests (100 read, 0 write), 0 flushes, "
                        "7 errors");
    bk_dev_stats(f->st.dev, &stats);
    assert_int_equal(stats.ops[BK_OP_READ], 100);
    assert_int_equal(stats.errors, 7);
    assert_int_equal(stats.injected, 7);
}

static void test_a_failed_request_stops_the_run_as_qemu_img(void **state)
{
    struct fixture *f = *state;
    struct bk_stats stats;

    assert_int_equal(run(f, "bench -c 10000 -d 4"), -EIO);
    assert_string_equal(CAPTURED_ERR,
                        "blkmon: Failed request: Input/output error\n");
    assert_null(strstr(CAPTURED_OUT, "Run completed"));
    /* Nothing new is sent once the failure is known (an injected error
     * is known a loop pass later, when other requests may have ended). */
    bk_dev_stats(f->st.dev, &stats);
    assert_true(stats.ops[BK_OP_READ] < 1000);
}

static void test_drained_flushes_come_every_interval_and_at_the_end(void **state)
{
    struct fixture *f = *state;
    struct bk_stats stats;
    char line[256];

    /* Unsent count 90, 80, ..., 10, 0: ten flushes. */
    assert_int_equal(run(f, "bench -w -c 100 -d 4 -o 8k -s 4k -S 8k "
                            "--flush-interval 10"), 0);
    assert_string_equal(out_line("bench: ", line, sizeof(line)),
                        "bench: 100 requests (0 read, 100 write), 10 flushes, "
                        "0 errors");
    bk_dev_stats(f->st.dev, &stats);
    assert_int_equal(stats.ops[BK_OP_FLUSH], 10);
}

static void test_undrained_flushes_follow_each_of_the_last_requests(void **state)
{
    struct fixture *f = *state;
    char line[256];

    /* One flush at unsent 90..10 (nine), then one per request of the last
     * four, which all see nothing left to send: thirteen. */
    assert_int_equal(run(f, "bench -w -c 100 -d 4 -o 8k -S 8k "
                            "--flush-interval 10 --no-drain"), 0);
    assert_string_equal(out_line("bench: ", line, sizeof(line)),
                        "bench: 100 requests (0 read, 100 write), 13 flushes, "
                        "0 errors");
}

struct offsets_seen {
    int64_t min, max;
    bool misaligned;
    int n;
};

static void offsets_observer(struct bk_dev *dev, const struct bk_req *req,
                             void *arg)
{
    struct offsets_seen *o = arg;

    (void)dev;
    if (req->op != BK_OP_READ && req->op != BK_OP_WRITE)
        return;
    if (o->n++ == 0 || req->offset < o->min)
        o->min = req->offset;
    if (req->offset > o->max)
        o->max = req->offset;
    if ((req->offset - 8192) % 8192 != 0)
        o->misaligned = true;
}

static void test_random_offsets_stay_on_the_step_inside_the_image(void **state)
{
    struct fixture *f = *state;
    struct offsets_seen o = { 0 };
    char line[256];
    struct bk_observer obs = { .req_end = offsets_observer, .arg = &o };

    bk_dev_add_observer(f->st.dev, &obs);
    /* Offsets 8k + k * 8k with k * 8k + 4k <= 56k: never byte 4096. */
    assert_int_equal(run(f, "bench -r --seed 42 -M 50 -c 400 -d 8 -o 8k "
                            "-S 8k"), 0);
    bk_dev_remove_observer(f->st.dev, &obs);
    assert_int_equal(o.n, 400);
    assert_false(o.misaligned);
    assert_int_equal(o.min, 8192);
    assert_int_equal(o.max, 57344);
    assert_true(starts_with(CAPTURED_OUT, "Sending 400 mixed requests (50% "
                            "writes), 4096 bytes each, 8 in parallel (random "
                            "offsets from 8192, step size 8192, seed 42)\n"));
    out_line("bench: ", line, sizeof(line));
    {
        int reads = -1, writes = -1;

        assert_int_equal(sscanf(line, "bench: 400 requests (%d read, %d write)",
                                &reads, &writes), 2);
        assert_int_equal(reads + writes, 400);
        assert_true(reads > 100 && writes > 100);   /* about half each */
    }
}

static void test_time_limited_run_ends_after_its_time(void **state)
{
    struct fixture *f = *state;
    double secs = 0;
    const char *p;

    assert_int_equal(run(f, "bench --time 0.2 -d 2 -o 8k -S 8k"), 0);
    assert_true(starts_with(CAPTURED_OUT, "Sending read requests for 0.2 "
                            "seconds, 4096 bytes each, 2 in parallel "));
    p = strstr(CAPTURED_OUT, "Run completed in ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "Run completed in %lf", &secs), 1);
    assert_true(secs >= 0.2 && secs < 5);
}

/* ---- background ---------------------------------------------------------- */

struct notes {
    int started, ended;
    struct bench_progress last;
};

static void note_job(struct bench_job *job, enum bench_event ev, void *arg)
{
    struct notes *n = arg;

    if (ev == BENCH_STARTED)
        n->started++;
    else
        n->ended++;
    bench_progress(job, &n->last);
}

static void test_background_run_goes_on_until_stopped(void **state)
{
    struct fixture *f = *state;
    struct notes n = { 0 };
    struct bench_progress pr;

    bench_set_background(&f->st, note_job, &n);
    capture_start();
    assert_int_equal(cmd_execute(&f->st, "bench -c 1000000 -d 2 -o 8k -S 8k"),
                     0);
    /* The command returned with the run going on. */
    assert_int_equal(n.started, 1);
    assert_non_null(bench_background_job(&f->st));
    assert_int_equal(cmd_execute(&f->st, "bench -c 1"), -EBUSY);
    while (bench_background_job(&f->st) != NULL) {
        bench_progress(bench_background_job(&f->st), &pr);
        assert_int_equal(pr.total, 1000000);
        if (pr.done >= 50)
            break;
        bk_loop_iterate(f->st.loop, -1);
    }
    assert_int_equal(cmd_execute(&f->st, "bench -k"), 0);
    while (bench_background_job(&f->st) != NULL)
        bk_loop_iterate(f->st.loop, -1);
    capture_stop();
    assert_int_equal(n.ended, 1);
    assert_true(n.last.finished);
    assert_true(n.last.done >= 50 && n.last.done < 1000000);
    assert_int_equal(n.last.in_flight, 0);
    assert_non_null(strstr(CAPTURED_OUT, ", stopped\n"));
    assert_int_equal(run(f, "bench -k"), -ENOENT);
}

/* Another session's run is not stopped by a plain -k (it says whose it
 * is); -k --all stops every session's; --all alone is no option. */
static void test_stop_all_stops_another_sessions_run(void **state)
{
    struct fixture *f = *state;
    struct cmd_group *g = cmd_group_new(&f->st);
    struct notes n = { 0 };
    struct cmd_state other;

    f->st.source.name = "command line";    /* as cmd_state_init names it */
    cmd_state_init(&other, f->st.loop);
    other.out = CAPTURE;
    other.source.name = "control 2";
    cmd_group_join(g, &other);
    bench_set_background(&f->st, note_job, &n);
    capture_start();
    assert_int_equal(cmd_execute(&f->st, "bench -c 1000000 -d 2 -o 8k -S 8k"),
                     0);
    assert_ptr_equal(bench_session_job(&f->st), bench_background_job(&f->st));
    assert_null(bench_session_job(&other));
    capture_stop();
    assert_int_equal(run_in(&other, "bench -k"), -EBUSY);
    assert_string_equal(CAPTURED_OUT, "bench: the benchmark running is not "
                        "this session's ('command line' runs it): 'bench -k "
                        "--all' stops it\n");
    assert_non_null(bench_background_job(&f->st));
    assert_int_equal(run_in(&other, "bench --all"), -EINVAL);
    assert_int_equal(run_in(&other, "bench -k --all"), 0);
    assert_string_equal(CAPTURED_OUT, "bench: stopped the benchmark of "
                        "'command line'\n");
    capture_start();
    while (bench_background_job(&f->st) != NULL)
        bk_loop_iterate(f->st.loop, -1);
    capture_stop();
    assert_int_equal(n.ended, 1);
    assert_true(n.last.done < 1000000);
    assert_int_equal(run_in(&other, "bench -k --all"), -ENOENT);
    cmd_group_leave(&other);
    cmd_group_free(g);
}

/* A breakpoint parks a bench request like any other: the run cannot end
 * while it waits, the other slot goes on, and resuming it ends the run
 * with every request counted. */
static void test_breakpoint_parks_a_background_bench_request(void **state)
{
    struct fixture *f = *state;
    struct notes n = { 0 };
    struct bench_progress pr;

    f->st.debug = &cmd_debug_blkdebug;
    bench_set_background(&f->st, note_job, &n);
    capture_start();
    assert_int_equal(cmd_execute(&f->st, "break read_aio B"), 0);
    assert_int_equal(cmd_execute(&f->st, "bench -c 200 -d 2 -o 8k -S 8k"), 0);
    /* Everything but the parked request completes; the run stays open. */
    while (bench_background_job(&f->st) != NULL) {
        bench_progress(bench_background_job(&f->st), &pr);
        if (pr.done == 199)
            break;
        bk_loop_iterate(f->st.loop, -1);
    }
    assert_non_null(bench_background_job(&f->st));
    assert_true(bk_dev_is_suspended(f->st.dev, "B"));
    for (int i = 0; i < 20; i++)
        bk_loop_iterate(f->st.loop, 0);
    assert_non_null(bench_background_job(&f->st));
    bench_progress(bench_background_job(&f->st), &pr);
    assert_int_equal(pr.done, 199);
    assert_int_equal(pr.in_flight, 1);
    assert_false(pr.finished);
    assert_int_equal(n.ended, 0);
    assert_int_equal(cmd_execute(&f->st, "resume B"), 0);
    while (bench_background_job(&f->st) != NULL)
        bk_loop_iterate(f->st.loop, -1);
    capture_stop();
    assert_int_equal(n.ended, 1);
    assert_true(n.last.finished);
    assert_int_equal(n.last.done, 200);
    assert_int_equal(n.last.reads, 200);
    assert_int_equal(n.last.errors, 0);
    assert_int_equal(n.last.bytes, 200 * 4096);
    assert_non_null(strstr(CAPTURED_OUT, "blkdebug: Suspended request 'B'\n"));
    assert_non_null(strstr(CAPTURED_OUT, "blkdebug: Resuming request 'B'\n"));
}

/* ---- histogram ------------------------------------------------------------ */

static void test_histogram_quantiles_within_two_percent(void **state)
{
    static struct bench_hist h;
    uint64_t p50, p99;

    (void)state;
    memset(&h, 0, sizeof(h));
    assert_int_equal(bench_hist_quantile(&h, 0.5), 0);
    for (uint64_t v = 1; v <= 100000; v++)
        bench_hist_add(&h, v * 10);
    p50 = bench_hist_quantile(&h, 0.5);
    p99 = bench_hist_quantile(&h, 0.99);
    assert_true(p50 > 500000 * 0.98 && p50 < 500000 * 1.02);
    assert_true(p99 > 990000 * 0.98 && p99 < 990000 * 1.02);
    assert_int_equal(bench_hist_quantile(&h, 1.0), 1000000);
    assert_int_equal(h.max, 1000000);
    bench_hist_add(&h, 3);
    assert_int_equal(bench_hist_quantile(&h, 0.0), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_breakpoint_parks_a_background_bench_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_lines_are_qemu_img_bench,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options_print_qemu_img_texts,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_long_options_take_unambiguous_prefixes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_summary_counts_injected_errors_with_keep_going, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_a_failed_request_stops_the_run_as_qemu_img, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_drained_flushes_come_every_interval_and_at_the_end, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_undrained_flushes_follow_each_of_the_last_requests, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_random_offsets_stay_on_the_step_inside_the_image, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_time_limited_run_ends_after_its_time, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_background_run_goes_on_until_stopped, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stop_all_stops_another_sessions_run, setup, teardown),
        cmocka_unit_test(test_histogram_quantiles_within_two_percent),
    };

    return cmocka_run_group_tests_name("cmd_bench", tests, NULL, NULL);
}
