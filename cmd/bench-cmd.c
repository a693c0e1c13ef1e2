/*
 * bench-cmd.c — the "bench" command: a run in the foreground, or handed to
 * the TUI as a background run (see bench.h).
 *
 * In the foreground the command waits as the synchronous I/O commands do,
 * by iterating the loop until the run has ended; the run itself never
 * blocks, it is only driven by those iterations.  In the background the
 * command returns as soon as the run has started; the one background run
 * of the process is remembered here so that "bench -k" can stop it, and
 * when it ends its report is printed and it is freed.
 */
#include <errno.h>
#include <stddef.h>

#include "cmd/bench.h"
#include "cmd/entries.h"
#include "cmd/out.h"

static int bench_exec(struct cmd_state *st, int argc, char **argv);
static void bench_background_done(struct bench_job *job, void *arg);

/* One session per process: the TUI's notifier and its one running job. */
static bench_notify_fn *bench_notify;
static void *bench_notify_arg;
static struct bench_job *bench_bg;

const struct cmd_entry cmd_bench_entry = {
    .name = "bench",
    .exec = bench_exec,
    .argmin = 0,
    .argmax = -1,
    .flags = CMD_F_EXTRA,
    .args = "[-qrw] [-c count] [-d depth] [-s size] [-S step] [-o offset] "
            "[-M percent] [--time secs] [--seed n] [--flush-interval n] "
            "[--no-drain] [--pattern byte] [--keep-going] | -k",
    .oneline = "runs a benchmark on the open image, as qemu-img bench",
    .help =
        "\n"
        " keeps requests in flight on the open image and times them\n"
        "\n"
        " Example:\n"
        " 'bench -c 100000 -d 32 -s 4k -w' - 100000 writes of 4 KiB, 32 at a time\n"
        "\n"
        " Options and the first lines printed are qemu-img bench's; a summary\n"
        " (IOPS, MiB/s, latency percentiles) follows.  The cache and aio modes are\n"
        " those the image was opened with.  In the TUI the run goes on in the\n"
        " background and 'bench -k' stops it.\n"
        " -c, -- number of requests to complete (75000)\n"
        " -d, -- requests in flight (64)\n"
        " -s, -- bytes per request (4096)\n"
        " -S, -- offset increment between requests (the size)\n"
        " -o, -- first offset (0); offsets wrap at the end of the image\n"
        " -w, -- write instead of read\n"
        " -M, -- mixed: this percentage of requests are writes\n"
        " -r, -- random offsets, multiples of the step from -o (seeded)\n"
        " --seed, -- seed of -r and -M (1)\n"
        " --time, -- stop after this many seconds (with -c: whichever first)\n"
        " --flush-interval, -- flush after every n requests (writes only)\n"
        " --no-drain, -- flush without waiting for requests in flight\n"
        " --pattern, -- byte the buffers are filled with (0)\n"
        " --keep-going, -- count failed requests instead of stopping at one\n"
        " -q, -- only qemu-img's lines, no summary\n"
        " -k, -- stop the background run\n"
        "\n",
};

static void bench_background_done(struct bench_job *job, void *arg)
{
    (void)arg;
    bench_print_report(job);
    if (bench_notify != NULL)
        bench_notify(job, BENCH_ENDED, bench_notify_arg);
    if (bench_bg == job)
        bench_bg = NULL;
    bench_free(job);
}

static int bench_exec(struct cmd_state *st, int argc, char **argv)
{
    struct bench_params p;
    struct bench_job *job;
    int ret;

    if (bench_parse(argc, argv, &p) < 0)
        return -EINVAL;
    if (p.stop) {
        if (bench_bg == NULL) {
            out_printf("bench: no benchmark is running\n");
            return -ENOENT;
        }
        bench_stop(bench_bg);
        return 0;
    }
    ret = bench_check(st->dev, &p);
    if (ret < 0)
        return ret;
    if (bench_notify != NULL && bench_bg != NULL) {
        out_printf("bench: a benchmark is running; stop it with 'bench -k'\n");
        return -EBUSY;
    }
    bench_print_header(&p);

    if (bench_notify != NULL) {
        job = bench_start(st->dev, &p, bench_background_done, NULL);
        bench_bg = job;
        bench_notify(job, BENCH_STARTED, bench_notify_arg);
        if (bench_finished(job))
            bench_background_done(job, NULL);
        return 0;
    }
    out_flush();   /* the header shows while the run goes on */
    job = bench_start(st->dev, &p, NULL, NULL);
    while (!bench_finished(job))
        bk_loop_iterate(st->loop, -1);
    bench_print_report(job);
    ret = bench_result(job);
    bench_free(job);
    return ret;
}

void bench_set_background(bench_notify_fn *notify, void *arg)
{
    bench_notify = notify;
    bench_notify_arg = arg;
}

struct bench_job *bench_background_job(void)
{
    return bench_bg;
}
