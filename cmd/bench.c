/*
 * bench.c — a run of the load generator (see bench.h).
 *
 * The model is qemu-img bench's callback, kept as state: `n` requests are
 * still to complete, `in_flight` of them are submitted; each completion
 * decides what comes next.  A *slot* is one of the `depth` request records,
 * each with its own buffer; a free slot is taken for every submission.
 *
 * Flushes (--flush-interval N) come when the number of requests not yet
 * sent is a multiple of N, as in qemu-img: with draining, sending stops
 * until every request in flight has ended, then one flush runs alone; with
 * --no-drain a flush is sent alongside (the last requests each send one,
 * as qemu-img's do).  The run's time ends when its last request ends;
 * flushes still in flight then are waited for before `done`, but not
 * timed, again as qemu-img (which leaves them to its final drain).
 *
 * A failure stops the run (qemu-img exits), unless keep_going: then it is
 * counted and the run goes on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bench.h"
#include "cmd/bench-hist.h"
#include "cmd/out.h"
#include "util/units.h"

struct bench_slot {
    struct bk_req req;
    struct iovec iov;
    struct bench_job *job;
    struct bench_slot *next_free;
};

struct bench_flush {
    struct bk_req req;
    struct bench_job *job;
    bool drained;     /* the run waits for it */
};

struct bench_job {
    struct bk_dev *dev;
    struct bench_params p;
    int64_t image_size;
    int step;
    int write_percent;         /* 0..100, whatever option set it */
    bench_done_fn *done;
    void *done_arg;
    struct bk_source source;   /* its requests say they come from it */

    int64_t n;                 /* requests still to complete */
    int64_t issued;
    int in_flight;             /* reads and writes submitted, not ended */
    int flushes_out;           /* flushes submitted, not ended */
    bool in_flush;             /* a draining flush runs: send nothing */
    bool stopping;             /* send nothing more: stopped, failed, time */
    bool finished;
    bool in_fill;              /* bench_fill is on the stack */
    int64_t next_offset;
    uint64_t rng;
    int64_t random_slots;      /* step-aligned offsets to pick from */

    int64_t start_ns, end_ns, deadline_ns;
    int64_t reads, writes, flushes, errors;
    uint64_t bytes;
    int first_error;
    bool stopped;              /* by bench_stop */
    bool starting;             /* inside bench_start: done is not called */

    char *buf;
    struct bench_slot *slots, *free_slots;
    struct bench_hist hist;
};

static void bench_fill(struct bench_job *job);
static void bench_req_done(struct bk_req *req, int ret);
static void bench_flush_done(struct bk_req *req, int ret);
static void bench_submit_flush(struct bench_job *job, bool drained);
static void bench_maybe_end(struct bench_job *job);
static void bench_fail(struct bench_job *job, int ret);

/* ---- random numbers: splitmix64, seeded, the same on every machine ---- */

static uint64_t bench_rand(struct bench_job *job)
{
    uint64_t z = (job->rng += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* ---- the run ---------------------------------------------------------- */

size_t bench_buf_size(const struct bench_params *p)
{
    return (size_t)(p->depth > 0 ? p->depth : 1) * (size_t)p->size;
}

struct bench_job *bench_start(struct bk_dev *dev, const struct bench_params *p,
                              char *buf, bench_done_fn *done, void *arg)
{
    struct bench_job *job = calloc(1, sizeof(*job));
    int depth = p->depth > 0 ? p->depth : 1;

    if (job == NULL)
        abort();
    job->dev = dev;
    job->p = *p;
    job->done = done;
    job->done_arg = arg;
    job->source = (struct bk_source){ .kind = BK_SRC_BENCH, .name = "bench" };
    job->image_size = bk_dev_length(dev);
    job->step = p->step ? p->step : p->size;
    job->write_percent = p->write_percent >= 0 ? p->write_percent
                         : p->write ? 100 : 0;
    job->n = p->time_limit > 0 && !p->count_given ? INT64_MAX : p->count;
    job->next_offset = p->offset;
    job->rng = p->seed;
    if (p->random && job->step > 0 && job->image_size - p->offset >= p->size)
        job->random_slots = (job->image_size - p->offset - p->size) /
                            job->step + 1;

    job->buf = buf;
    if (buf == NULL) {
        job->buf = bk_dev_alloc_buf(dev, bench_buf_size(p));
        if (job->buf == NULL)
            abort();
        memset(job->buf, p->pattern, bench_buf_size(p));
    }
    job->slots = calloc((size_t)depth, sizeof(*job->slots));
    if (job->slots == NULL)
        abort();
    for (int i = depth - 1; i >= 0; i--) {
        struct bench_slot *s = &job->slots[i];

        s->job = job;
        s->iov = (struct iovec){ job->buf + (size_t)i * (size_t)p->size,
                                 (size_t)p->size };
        s->next_free = job->free_slots;
        job->free_slots = s;
    }
    job->start_ns = bk_now_ns();
    if (p->time_limit > 0)
        job->deadline_ns = job->start_ns + (int64_t)(p->time_limit * 1e9);
    job->starting = true;
    bench_fill(job);
    bench_maybe_end(job);
    job->starting = false;
    return job;
}

/* The next request's offset and direction. */
static int64_t bench_next_offset(struct bench_job *job)
{
    int64_t off;

    if (job->random_slots > 0)
        return job->p.offset +
               (int64_t)(bench_rand(job) % (uint64_t)job->random_slots) *
               job->step;
    off = job->next_offset;
    /* qemu-img: advance by the step and wrap at the image length. */
    job->next_offset += job->step;
    job->next_offset = job->image_size > 0
                           ? job->next_offset % job->image_size : 0;
    return off;
}

static bool bench_next_is_write(struct bench_job *job)
{
    if (job->write_percent <= 0)
        return false;
    if (job->write_percent >= 100)
        return true;
    return (int)(bench_rand(job) % 100) < job->write_percent;
}

static void bench_fill(struct bench_job *job)
{
    /* A refused request may end inline in some paths: no recursion. */
    if (job->in_fill)
        return;
    job->in_fill = true;
    while (!job->stopping && !job->in_flush && job->n > job->in_flight &&
           job->free_slots != NULL) {
        struct bench_slot *s = job->free_slots;
        bool write = bench_next_is_write(job);

        job->free_slots = s->next_free;
        s->req = (struct bk_req){
            .op = write ? BK_OP_WRITE : BK_OP_READ,
            .offset = bench_next_offset(job),
            .bytes = job->p.size,
            .iov = &s->iov,
            .iovcnt = 1,
            .done = bench_req_done,
            .opaque = s,
            .source = &job->source,
        };
        job->in_flight++;
        job->issued++;
        bk_submit(job->dev, &s->req);
    }
    job->in_fill = false;
}

static void bench_fail(struct bench_job *job, int ret)
{
    job->errors++;
    if (job->p.keep_going || job->first_error != 0)
        return;
    job->first_error = ret;
    job->stopping = true;
}

/* Is a flush due now that one more request has ended? */
static bool bench_flush_due(const struct bench_job *job)
{
    int64_t unsent;

    if (job->p.flush_interval <= 0)
        return false;
    /* qemu-img counts the requests not yet sent; a timed run has no end,
     * so there it counts those sent. */
    unsent = job->n == INT64_MAX ? job->issued : job->n - job->in_flight;
    return unsent % job->p.flush_interval == 0;
}

static void bench_req_done(struct bk_req *req, int ret)
{
    struct bench_slot *s = req->opaque;
    struct bench_job *job = s->job;
    int64_t now = req->complete_ns;

    bench_hist_add(&job->hist, (uint64_t)(now - req->submit_ns));
    if (req->op == BK_OP_WRITE)
        job->writes++;
    else
        job->reads++;
    if (ret < 0)
        bench_fail(job, ret);
    else
        job->bytes += (uint64_t)req->bytes;
    s->next_free = job->free_slots;
    job->free_slots = s;
    if (job->n != INT64_MAX)
        job->n--;
    job->in_flight--;
    if (job->n == 0 || (job->stopping && job->in_flight == 0))
        job->end_ns = now;
    if (job->deadline_ns && now >= job->deadline_ns)
        job->stopping = true;
    if (!job->stopping && bench_flush_due(job)) {
        if (job->in_flight == 0 || !job->p.drain_on_flush)
            bench_submit_flush(job, job->p.drain_on_flush);
        if (job->p.drain_on_flush) {
            bench_maybe_end(job);
            return;
        }
    }
    bench_fill(job);
    bench_maybe_end(job);
}

static void bench_submit_flush(struct bench_job *job, bool drained)
{
    struct bench_flush *f = calloc(1, sizeof(*f));

    if (f == NULL)
        abort();
    f->job = job;
    f->drained = drained;
    f->req = (struct bk_req){ .op = BK_OP_FLUSH, .done = bench_flush_done,
                              .opaque = f, .source = &job->source };
    if (drained)
        job->in_flush = true;
    job->flushes_out++;
    bk_submit(job->dev, &f->req);
}

static void bench_flush_done(struct bk_req *req, int ret)
{
    struct bench_flush *f = req->opaque;
    struct bench_job *job = f->job;

    job->flushes_out--;
    job->flushes++;
    if (ret < 0)
        bench_fail(job, ret);
    if (f->drained)
        job->in_flush = false;
    free(f);
    bench_fill(job);
    bench_maybe_end(job);
}

/* The run has ended when nothing of it is outstanding and nothing more
 * will be sent. */
static void bench_maybe_end(struct bench_job *job)
{
    if (job->finished || job->in_flight > 0 || job->flushes_out > 0)
        return;
    if (job->n > 0 && !job->stopping)
        return;
    if (job->end_ns == 0)
        job->end_ns = bk_now_ns();
    job->finished = true;
    if (job->done != NULL && !job->starting)
        job->done(job, job->done_arg);
}

void bench_stop(struct bench_job *job)
{
    if (job->finished || job->stopping)
        return;
    job->stopping = true;
    job->stopped = true;
    if (job->in_flight == 0 && job->end_ns == 0)
        job->end_ns = bk_now_ns();
    bench_maybe_end(job);
}

void bench_progress(const struct bench_job *job, struct bench_progress *out)
{
    *out = (struct bench_progress){
        .total = job->n == INT64_MAX || (job->p.time_limit > 0 &&
                                         !job->p.count_given)
                     ? -1 : job->p.count,
        .done = job->reads + job->writes,
        .reads = job->reads,
        .writes = job->writes,
        .flushes = job->flushes,
        .errors = job->errors,
        .bytes = job->bytes,
        .in_flight = job->in_flight,
        .elapsed_ns = (job->end_ns ? job->end_ns : bk_now_ns()) -
                      job->start_ns,
        .time_limit = job->p.time_limit,
        .lat_p50_ns = bench_hist_quantile(&job->hist, 0.50),
        .lat_p99_ns = bench_hist_quantile(&job->hist, 0.99),
        .lat_max_ns = job->hist.max,
        .stopping = job->stopping,
        .finished = job->finished,
    };
}

bool bench_finished(const struct bench_job *job)
{
    return job->finished;
}

int bench_result(const struct bench_job *job)
{
    return job->first_error;
}

const struct bench_params *bench_job_params(const struct bench_job *job)
{
    return &job->p;
}

void bench_print_report(struct out *o, const struct bench_job *job)
{
    struct bench_progress pr;
    double secs;
    char p50[16], p99[16], mx[16];

    if (job->first_error != 0) {
        /* qemu-img's words (it exits here; the command fails instead). */
        out_error(o, "Failed request: %s", strerror(-job->first_error));
        return;
    }
    bench_progress(job, &pr);
    secs = (double)pr.elapsed_ns / 1e9;
    out_printf(o, "Run completed in %3.3f seconds.\n", secs);
    if (job->p.quiet)
        return;
    out_printf(o, "bench: %" PRId64 " requests (%" PRId64 " read, %" PRId64
               " write), %" PRId64 " flushes, %" PRId64 " errors%s\n",
               pr.done, pr.reads, pr.writes, pr.flushes, pr.errors,
               job->stopped ? ", stopped" : "");
    out_printf(o, "bench: %.0f IOPS, %.2f MiB/s\n",
               secs > 0 ? (double)pr.done / secs : 0.0,
               secs > 0 ? (double)pr.bytes / secs / (1024.0 * 1024.0) : 0.0);
    /* The units the TUI's panes use (util/units.h). */
    out_printf(o, "bench: latency p50 %s, p99 %s, max %s\n",
               units_duration(p50, sizeof(p50), pr.lat_p50_ns),
               units_duration(p99, sizeof(p99), pr.lat_p99_ns),
               units_duration(mx, sizeof(mx), pr.lat_max_ns));
}

void bench_free(struct bench_job *job)
{
    if (job == NULL)
        return;
    free(job->buf);
    free(job->slots);
    free(job);
}
