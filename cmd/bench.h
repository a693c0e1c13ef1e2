/*
 * bench.h — a load generator on the open device, qemu-img bench's.
 *
 * A *run* (bench_job) keeps up to `depth` requests of `size` bytes in
 * flight on a device until `count` of them have completed (or a time
 * limit passed, or it was stopped).  It owns no thread and never waits:
 * every step happens in a request's completion callback on the loop
 * thread, so a run is driven by whoever iterates the loop — the headless
 * "bench" command while it waits in the foreground, or the TUI's own loop
 * while the run goes on in the background.  Requests go through the same
 * device as any other, so blkdebug rules and breakpoints apply to them and
 * the device's observer and counters see them.
 *
 * Offsets follow qemu-img bench: start at `offset`, add `step` (default:
 * size) after each request and wrap at the image length.  blkmon adds
 * random offsets (-r, seeded), a share of writes (-M), runs limited by
 * time (--time) and counting failures instead of stopping (--keep-going).
 *
 * Texts: bench_parse and the command print qemu-img 7.2's words for every
 * option qemu-img has ("Sending N read requests, ...", "Run completed in
 * T seconds.", "Invalid queue depth specified", ...), then blkmon's own
 * summary, three lines starting "bench: ".
 */
#ifndef BLKMON_CMD_BENCH_H
#define BLKMON_CMD_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"

struct cmd_state;
struct out;

struct bench_params {
    int count;              /* -c: requests to complete (75000) */
    int depth;              /* -d: requests in flight (64) */
    int size;               /* -s: bytes per request (4096) */
    int step;               /* -S: offset increment, 0 = size */
    int64_t offset;         /* -o: first offset */
    int flush_interval;     /* --flush-interval: flush every N, 0 = never */
    bool drain_on_flush;    /* false with --no-drain */
    int pattern;            /* --pattern: byte written (0) */
    bool write;             /* -w */
    bool quiet;             /* -q: no blkmon summary after qemu's lines */
    /* blkmon's own. */
    bool random;            /* -r: random step-aligned offsets */
    uint64_t seed;          /* --seed (1) */
    double time_limit;      /* --time SECONDS: 0 = count-limited */
    int write_percent;      /* -M PERCENT: -1 = all -w or all read */
    bool keep_going;        /* --keep-going: count failures, go on */
    bool count_given;       /* -c was given (with --time: both limit) */
    bool stop;              /* -k: stop the background run instead */
    bool stop_all;          /* --all (with -k): every session's run */
};

/* What a run has done so far, for a progress display. */
struct bench_progress {
    int64_t total;          /* requests to complete; -1: time-limited */
    int64_t done;           /* reads + writes completed, failed included */
    int64_t reads, writes, flushes, errors;
    uint64_t bytes;         /* by reads and writes that succeeded */
    int in_flight;
    int64_t elapsed_ns;     /* so far; the run's time once it ended */
    double time_limit;      /* seconds, 0 if none */
    uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns;   /* reads and writes */
    bool stopping;          /* stopped, failed or out of time: draining */
    bool finished;          /* nothing of it is outstanding any more */
};

struct bench_job;

/* Called on the loop thread once the run has ended and nothing of it is
 * outstanding.  The job stays valid until bench_free(). */
typedef void bench_done_fn(struct bench_job *job, void *arg);

/* Defaults, as qemu-img bench has them. */
void bench_params_init(struct bench_params *p);
/*
 * Parse the command's words (argv[0] is the command name).  Prints
 * qemu-img's complaint (or the usage line) and returns -EINVAL on a bad
 * option; 0 otherwise.
 */
int bench_parse(struct out *o, int argc, char **argv, struct bench_params *p);
/* Whether the words ask to stop the background run (-k); prints nothing. */
bool bench_parse_stops(int argc, char **argv);
/* Check p against what the device allows (writable for writes); prints
 * the complaint, returns 0 or -errno. */
int bench_check(struct out *o, struct bk_dev *dev,
                const struct bench_params *p);
/* qemu-img's first lines: "Sending ..." (and "Sending flush every ..."). */
void bench_print_header(struct out *o, const struct bench_params *p);

/* The bytes of a run's buffers: a slot of size bytes per request. */
size_t bench_buf_size(const struct bench_params *p);
/*
 * Start a run; its first requests are submitted before this returns.  buf
 * (bench_buf_size bytes of the pattern, from bk_dev_alloc_buf; the job
 * frees it) may be NULL: the run then fills its own, on the loop thread.
 * done (may be NULL) is told when it has ended, never from inside
 * bench_start: a run with nothing to do (-c 0) has ended when this
 * returns, so check bench_finished() then.
 */
struct bench_job *bench_start(struct bk_dev *dev, const struct bench_params *p,
                              char *buf, bench_done_fn *done, void *arg);
/* Stop issuing; requests in flight still end, then done is called. */
void bench_stop(struct bench_job *job);
void bench_progress(const struct bench_job *job, struct bench_progress *out);
bool bench_finished(const struct bench_job *job);
/* 0, or the error that stopped the run (-errno). */
int bench_result(const struct bench_job *job);
/*
 * The end of the run's output: on failure qemu-img's "Failed request: ..."
 * (stderr); otherwise "Run completed in T seconds." and, unless quiet, the
 * summary lines.
 */
void bench_print_report(struct out *o, const struct bench_job *job);
const struct bench_params *bench_job_params(const struct bench_job *job);
void bench_free(struct bench_job *job);

/*
 * Background runs (the TUI).  With a notifier installed on the session,
 * the "bench" command starts its run and returns at once; the run goes on
 * as the loop iterates.  One background run per session: "bench -k" stops
 * it.  When it ends, its report is printed (to the session's output) and
 * notify is called with BENCH_ENDED just before the job is freed.  NULL
 * restores foreground runs, after letting a running one stop and end.
 */
enum bench_event { BENCH_STARTED, BENCH_ENDED };
typedef void bench_notify_fn(struct bench_job *job, enum bench_event ev,
                             void *arg);
void bench_set_background(struct cmd_state *st, bench_notify_fn *notify,
                          void *arg);
/* The session's background run, or NULL. */
struct bench_job *bench_background_job(const struct cmd_state *st);
/* The session's run, background or foreground (while its "bench" command
 * waits for it), or NULL: what a TUI shows of another session's run. */
struct bench_job *bench_session_job(const struct cmd_state *st);

#endif
