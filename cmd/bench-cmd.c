/*
 * bench-cmd.c — the "bench" command: a run in the foreground, or handed to
 * the front end as a background run (see bench.h).
 *
 * In the foreground the command waits as the synchronous I/O commands do,
 * by iterating the loop until the run has ended; the run itself never
 * blocks, it is only driven by those iterations.  In the background the
 * command returns as soon as the run has started; the session's one
 * background run is kept in its cmd_bench so that "bench -k" can stop it,
 * and when it ends its report is printed and it is freed.
 *
 * "bench -k" only stops a run, so it is a control command (cmd.h) where
 * every other bench invocation keeps its place in the queue: the entry
 * says so through flags_for, which reads the words with bench's own option
 * scanner.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "cmd/bench.h"
#include "cmd/entries.h"
#include "cmd/io.h"
#include "cmd/out.h"

static int bench_exec(struct cmd_state *st, int argc, char **argv);
static unsigned bench_flags_for(int argc, char **argv);
static void bench_background_done(struct bench_job *job, void *arg);

/* A session's background runs: who is told, and the one running. */
struct cmd_bench {
    bench_notify_fn *notify;
    void *arg;
    struct bench_job *job;       /* NULL: none running */
};

const struct cmd_entry cmd_bench_entry = {
    .name = "bench",
    .exec = bench_exec,
    .argmin = 0,
    .argmax = -1,
    .flags = CMD_F_EXTRA,
    .flags_for = bench_flags_for,
    .args = "[-qrw] [-c count] [-d depth] [-s size] [-S step] [-o offset] "
            "[-M percent] [--time secs] [--seed n] [--flush-interval n] "
            "[--no-drain] [--pattern byte] [--keep-going] | -k [--all]",
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
        " -k, -- stop this session's run (in the TUI: F8)\n"
        " --all, -- with -k: stop every session's run (a script's too)\n"
        "\n",
};

/* The run's buffers, filled off the loop when big (io.h). */
static char *bench_buf(struct cmd_state *st, const struct bench_params *p)
{
    return io_fill_new(st, bench_buf_size(p), p->pattern);
}

static unsigned bench_flags_for(int argc, char **argv)
{
    return bench_parse_stops(argc, argv) ? CMD_F_CONTROL : 0;
}

/* bench -k --all: every session's run stops, each said by its session's
 * name ("command line", "control 2", "attach 3"). */
struct bench_stop_all {
    struct out *out;
    int stopped;
};

static void bench_stop_one(struct cmd_state *m, void *arg)
{
    struct bench_stop_all *a = arg;
    struct bench_job *job = bench_session_job(m);

    if (job == NULL)
        return;
    bench_stop(job);
    out_printf(a->out, "bench: stopped the benchmark of '%s'\n",
               m->source.name);
    a->stopped++;
}

static void bench_find_other(struct cmd_state *m, void *arg)
{
    const struct cmd_state **found = arg;

    if (*found == NULL && bench_session_job(m) != NULL)
        *found = m;
}

/*
 * bench -k: this session's run (in the background, or in the foreground
 * of a command of its own that waits, which a control client can stop
 * so); --all: every session's.  Another session's run is not stopped by
 * a plain -k: someone else started it (a script's workload), so the
 * answer says whose it is and how to stop it deliberately.
 */
static int bench_exec_stop(struct cmd_state *st, const struct bench_params *p)
{
    struct bench_job *own = bench_session_job(st);
    struct bench_stop_all all = { st->out, 0 };
    const struct cmd_state *other = NULL;

    if (p->stop_all) {
        if (st->group != NULL)
            cmd_group_for_each(st->group, bench_stop_one, &all);
        else
            bench_stop_one(st, &all);
        if (all.stopped > 0)
            return 0;
    } else if (own != NULL) {
        bench_stop(own);
        return 0;
    } else if (st->group != NULL) {
        cmd_group_for_each(st->group, bench_find_other, &other);
    }
    if (other != NULL) {
        out_printf(st->out, "bench: the benchmark running is not this "
                   "session's ('%s' runs it): 'bench -k --all' stops it\n",
                   other->source.name);
        return -EBUSY;
    }
    out_printf(st->out, "bench: no benchmark is running\n");
    return -ENOENT;
}

static void bench_background_done(struct bench_job *job, void *arg)
{
    struct cmd_state *st = arg;
    struct cmd_bench *b = st->bench;

    bench_print_report(st->out, job);
    if (b->notify != NULL)
        b->notify(job, BENCH_ENDED, b->arg);
    if (b->job == job)
        b->job = NULL;
    bench_free(job);
}

static int bench_exec(struct cmd_state *st, int argc, char **argv)
{
    struct cmd_bench *b = st->bench;
    struct bench_params p;
    struct bench_job *job;
    int ret;

    if (bench_parse(st->out, argc, argv, &p) < 0)
        return -EINVAL;
    if (p.stop)
        return bench_exec_stop(st, &p);
    ret = bench_check(st->out, st->dev, &p);
    if (ret < 0)
        return ret;
    if (b != NULL && b->job != NULL) {
        out_printf(st->out, "bench: a benchmark is running; stop it with "
                   "'bench -k'\n");
        return -EBUSY;
    }
    bench_print_header(st->out, &p);

    if (b != NULL) {
        job = bench_start(st->dev, &p, bench_buf(st, &p),
                          bench_background_done, st);
        b->job = job;
        b->notify(job, BENCH_STARTED, b->arg);
        if (bench_finished(job))
            bench_background_done(job, st);
        return 0;
    }
    out_flush(st->out);   /* the header shows while the run goes on */
    job = bench_start(st->dev, &p, bench_buf(st, &p), NULL, NULL);
    st->bench_fg = job;
    while (!bench_finished(job)) {
        /* The session is being ended (its control client left). */
        if (st->quit)
            bench_stop(job);
        bk_loop_iterate(st->loop, -1);
    }
    st->bench_fg = NULL;
    bench_print_report(st->out, job);
    ret = bench_result(job);
    bench_free(job);
    return ret;
}

void bench_set_background(struct cmd_state *st, bench_notify_fn *notify,
                          void *arg)
{
    struct cmd_bench *b = st->bench;

    if (notify != NULL) {
        if (b == NULL && (b = st->bench = calloc(1, sizeof(*b))) == NULL)
            abort();
        b->notify = notify;
        b->arg = arg;
        return;
    }
    if (b == NULL)
        return;
    /* Its run reports to the session: let it end first. */
    if (b->job != NULL)
        bench_stop(b->job);
    while (b->job != NULL)
        bk_loop_iterate(st->loop, -1);
    free(b);
    st->bench = NULL;
}

struct bench_job *bench_background_job(const struct cmd_state *st)
{
    return st->bench != NULL ? st->bench->job : NULL;
}

struct bench_job *bench_session_job(const struct cmd_state *st)
{
    struct bench_job *job = bench_background_job(st);

    return job != NULL ? job : st->bench_fg;
}
