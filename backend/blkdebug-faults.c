/*
 * blkdebug-faults.c — what blkdebug's rules do to the requests it gets.
 *
 * Every request that reaches the driver (read, write, write zeroes,
 * discard, flush) is shown to the engine (rules_check_io), whose verdict
 * this file carries out, in this order:
 *
 *   power       a cut in progress, or a device left off, fails it (EIO);
 *               a powercut rule that takes it cuts the power instead;
 *   hang        it is parked under the rule's tag — a record in the
 *               engine's list, like a breakpoint's — until resumed, or
 *               until the rule's timeout fails it (or lets it go on);
 *   delay       it waits on a timer of the driver's queue (timerq.h);
 *   outcome     it fails with an errno, or is acknowledged undone
 *               (drop-writes), or goes down: a write perhaps cut short
 *               (torn-write), its data or a read's perhaps changed
 *               (corrupt), through the volatile write cache when one is on.
 *
 * Waiting holds no thread: a hung or delayed request is a record (struct
 * bd_job) on a list or a heap.  A request with nothing but QEMU's error
 * takes no record and ends as blkdebug always ended it: on the next loop
 * pass, or inline when the rule says "immediately".
 *
 * Every fault is reported up (bk_stack_notify_fault) as it happens; the
 * front end decides whether to print it.
 *
 * A power cut (a rule, or bk_dev_powercut) turns the device off, has the
 * write cache forget what no completed flush covered (wcache.h), and then
 * turns it back on — or leaves it off when blkmon is to exit.  Requests
 * that were waiting (hung, delayed) when it happened fail when they go on:
 * the device they were sent to is gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/blkdebug.h"

struct bd_job {
    struct bk_io *io;
    struct rules_verdict v;
    uint64_t epoch;            /* s->epoch when it arrived */
    bool waited;               /* hung or delayed: end it inline */
    struct bk_timerq_entry timer;
    struct parked *park;       /* while hung */
    void *bounce;              /* a write's corrupted copy of its data */
    struct iovec one;
    struct iovec *slice;       /* a torn write's shortened buffers */
    int64_t written;           /* bytes a torn write wrote */
};

static struct bd_job *job_of_timer(struct bk_timerq_entry *e)
{
    return (struct bd_job *)((char *)e - offsetof(struct bd_job, timer));
}

static struct blkdebug_state *state_of(const struct bk_io *io)
{
    return io->node->state;
}

/* ---- reports --------------------------------------------------------- */

static struct bk_fault fault_of(const struct bk_io *io,
                                enum bk_fault_kind kind, unsigned rule)
{
    return (struct bk_fault){
        .kind = kind, .rule = rule, .op = io->op, .offset = io->offset,
        .bytes = io->bytes, .sector = -1, .req = io->req,
    };
}

static void report(const struct bk_io *io, const struct bk_fault *f)
{
    bk_stack_notify_fault(io->node->stack, f);
}

static void report_error(const struct bk_io *io, const struct rules_verdict *v)
{
    struct bk_fault f = fault_of(io, BK_FAULT_ERROR, v->error_rule);

    f.error = v->error;
    f.sector = v->bad_sector;
    report(io, &f);
}

/* ---- the cache ------------------------------------------------------- */

/* Whether requests go through the write cache: a rule asks for one, or
 * it still holds writes (a rule turned off takes effect once it is
 * written back). */
static bool use_cache(struct blkdebug_state *s)
{
    return (s->wcache != NULL && bk_wcache_dirty(s->wcache)) ||
           rules_write_cache(s->rules);
}

static struct bk_wcache *cache_of(struct bk_io *io)
{
    struct blkdebug_state *s = state_of(io);

    if (s->wcache == NULL)
        s->wcache = bk_wcache_new(io->node);
    /*
     * FUA must not skip the cache: advertise none, so that the generic
     * layer makes a FUA write durable with a flush of this node (the
     * cache written back), as it does for drivers without FUA.
     */
    io->node->supported_write_flags = 0;
    return s->wcache;
}

/* ---- ending ---------------------------------------------------------- */

static void job_free(struct bd_job *job)
{
    rules_verdict_fini(&job->v);
    free(job->bounce);
    free(job->slice);
    free(job);
}

/* Apply corrupt's byte changes to the buffers holding [base, ...). */
static void apply_edits(struct iovec *iov, int iovcnt, int64_t base,
                        const struct rules_edit *ed, size_t n)
{
    int64_t pos = base;
    size_t k = 0;

    for (int i = 0; i < iovcnt && k < n; i++) {
        unsigned char *b = iov[i].iov_base;
        int64_t end = pos + (int64_t)iov[i].iov_len;

        for (; k < n && (int64_t)ed[k].pos < end; k++) {
            if ((int64_t)ed[k].pos < pos)
                continue;
            unsigned char *c = b + ((int64_t)ed[k].pos - pos);

            *c = (unsigned char)(((*c ^ ed[k].flip) & ~ed[k].set) |
                                 ed[k].bits);
        }
        pos = end;
    }
}

/*
 * The request came back from below (or from the cache): report what the
 * rules did to it, change what a read returns, and end it.
 */
static void io_done(struct bk_io *io, int ret)
{
    struct bd_job *job = io->drv_priv;
    struct bk_fault f;

    io->drv_priv = NULL;
    if (job == NULL) {
        bk_io_complete(io, ret);
        return;
    }
    if (job->v.corrupt_rule != 0 && ret >= 0) {
        if (io->op == BK_OP_READ)
            apply_edits(io->iov, io->iovcnt, io->offset, job->v.edits,
                        job->v.nedits);
        f = fault_of(io, BK_FAULT_CORRUPT, job->v.corrupt_rule);
        f.amount = job->v.corrupt_bits;
        report(io, &f);
    }
    if (job->v.torn_rule != 0) {
        if (ret >= 0 && job->v.torn_error != 0)
            ret = -job->v.torn_error;
        f = fault_of(io, BK_FAULT_TORN, job->v.torn_rule);
        f.amount = (uint64_t)job->written;
        f.error = ret < 0 ? ret : 0;
        report(io, &f);
    }
    job_free(job);
    bk_io_complete(io, ret);
}

static void io_done_later_cb(void *arg)
{
    struct bk_io *io = arg;

    io_done(io, io->ret);
}

/* End io with ret at the next pass, through io_done. */
static void io_done_later(struct bk_io *io, int ret)
{
    io->ret = ret;
    bk_loop_defer(io->node->loop, io_done_later_cb, io);
}

/* End a request that waited (inline) or did not (next pass). */
static void job_end(struct bd_job *job, int ret)
{
    struct bk_io *io = job->io;
    bool waited = job->waited;
    bool immediately = job->v.immediately;

    io->drv_priv = NULL;
    job_free(job);
    if (waited || immediately)
        bk_io_complete(io, ret);
    else
        bk_io_complete_later(io, ret);
}

/* ---- going down ------------------------------------------------------ */

static void child_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    io_done(io, ret);
}

static void child_submit(struct bk_io *io, enum bk_op op, int64_t bytes,
                         struct iovec *iov, int iovcnt)
{
    bk_node_submit(bk_io_new(io->node->file, op, io->offset, bytes, iov,
                             iovcnt, io->flags, io->req, child_done, io));
}

/* A write, perhaps corrupted, perhaps torn, perhaps into the cache. */
static void go_write(struct bk_io *io, struct bd_job *job)
{
    struct blkdebug_state *s = state_of(io);
    struct iovec *iov = io->iov;
    int iovcnt = io->iovcnt;
    int64_t bytes = io->bytes;

    if (job != NULL && job->v.corrupt_rule != 0 && io->op == BK_OP_WRITE) {
        /* The caller's buffer is its own: change a copy. */
        size_t align = io->node->bl.buf_align > 4096 ? io->node->bl.buf_align
                                                     : 4096;
        size_t done = 0;

        if (posix_memalign(&job->bounce, align,
                           bytes > 0 ? (size_t)bytes : 1) != 0)
            abort();
        for (int i = 0; i < iovcnt; i++) {
            memcpy((char *)job->bounce + done, iov[i].iov_base,
                   iov[i].iov_len);
            done += iov[i].iov_len;
        }
        job->one = (struct iovec){ job->bounce, (size_t)bytes };
        iov = &job->one;
        iovcnt = 1;
        apply_edits(iov, iovcnt, io->offset, job->v.edits, job->v.nedits);
    }
    if (job != NULL && job->v.torn_rule != 0) {
        bytes = (int64_t)job->v.torn_bytes;
        if (iov != NULL) {
            job->slice = bk_iov_slice(iov, iovcnt, 0, bytes, &iovcnt);
            iov = job->slice;
        }
    }
    if (job != NULL)
        job->written = bytes;
    if (io->op != BK_OP_DISCARD)
        rules_note_written(s->rules, (uint64_t)io->offset, (uint64_t)bytes);
    if (use_cache(s)) {
        bk_wcache_write(cache_of(io), io->offset, bytes,
                        io->op == BK_OP_WRITE ? iov : NULL, iovcnt,
                        io->op == BK_OP_DISCARD ||
                        (io->flags & BK_REQ_MAY_UNMAP));
        io_done_later(io, 0);
        return;
    }
    if (bytes == 0) {
        io_done_later(io, 0);       /* torn before its first sector */
        return;
    }
    child_submit(io, io->op, bytes, iov, iovcnt);
}

/* The request goes on down (job NULL: nothing to change on the way). */
static void go(struct bk_io *io, struct bd_job *job)
{
    struct blkdebug_state *s = state_of(io);

    io->drv_priv = job;
    switch (io->op) {
    case BK_OP_READ:
        if (use_cache(s))
            bk_wcache_read(cache_of(io), io, io_done);
        else
            child_submit(io, BK_OP_READ, io->bytes, io->iov, io->iovcnt);
        return;
    case BK_OP_WRITE:
    case BK_OP_WRITE_ZEROES:
    case BK_OP_DISCARD:
        go_write(io, job);
        return;
    case BK_OP_FLUSH:
        /* The child is flushed by the generic layer after this. */
        if (use_cache(s))
            bk_wcache_flush(cache_of(io), io, io_done);
        else if (job != NULL)
            io_done_later(io, 0);
        else
            bk_io_complete(io, 0);
        return;
    default:
        io_done(io, -ENOTSUP);
        return;
    }
}

/* ---- waiting --------------------------------------------------------- */

static void job_outcome(struct bd_job *job)
{
    struct blkdebug_state *s = state_of(job->io);
    struct bk_io *io = job->io;
    struct bk_fault f;

    if (job->epoch != s->epoch || s->power != BD_POWER_ON) {
        job_end(job, -EIO);
        return;
    }
    if (job->v.error < 0) {
        report_error(io, &job->v);
        job_end(job, job->v.error);
        return;
    }
    if (job->v.error > 0) {
        job_end(job, 0);        /* QEMU: a success that did nothing */
        return;
    }
    if (job->v.drop_rule != 0) {
        f = fault_of(io, BK_FAULT_DROP, job->v.drop_rule);
        report(io, &f);
        job_end(job, 0);
        return;
    }
    go(io, job);
}

static void job_delay_done(struct bk_timerq_entry *e)
{
    job_outcome(job_of_timer(e));
}

static void job_delay(struct bd_job *job)
{
    struct blkdebug_state *s = state_of(job->io);
    struct bk_fault f;

    if (job->v.delay_rule == 0) {
        job_outcome(job);
        return;
    }
    f = fault_of(job->io, BK_FAULT_DELAY, job->v.delay_rule);
    f.ns = job->v.delay_ns;
    report(job->io, &f);
    job->waited = true;
    bk_timerq_add(&s->timers, &job->timer, job->v.delay_ns, job_delay_done);
}

/* The hang let go of the request: it is in flight again. */
static void job_unhang(struct bd_job *job)
{
    struct parked *p = job->park;
    struct bk_io *io = job->io;

    if (io->req != NULL) {
        io->req->state = BK_REQ_INFLIGHT;
        io->req->suspend_event = NULL;
    }
    bd_parked_show_tag(p, NULL);
    free(p);
    job->park = NULL;
    job->waited = true;
}

static void job_hang_timeout(struct bk_timerq_entry *e)
{
    struct bd_job *job = job_of_timer(e);
    struct blkdebug_state *s = state_of(job->io);
    struct bk_fault f;

    rules_resume_req(s->rules, job->park, NULL);
    job_unhang(job);
    f = fault_of(job->io, BK_FAULT_HANG_TIMEOUT, job->v.hang_rule);
    f.ns = job->v.hang_timeout_ns;
    f.error = -job->v.hang_error;
    f.tag = job->v.hang_tag;
    report(job->io, &f);
    if (job->v.hang_error != 0)
        job_end(job, -job->v.hang_error);
    else
        job_delay(job);
}

void bd_hang_resumed(struct bk_node *node, struct parked *p)
{
    struct blkdebug_state *s = node->state;
    struct bd_job *job = p->job;

    bk_timerq_del(&s->timers, &job->timer);
    job_unhang(job);
    job_delay(job);
}

static void job_hang(struct bd_job *job)
{
    struct blkdebug_state *s = state_of(job->io);
    struct bk_io *io = job->io;
    struct parked *p;
    struct bk_fault f;

    if (job->v.hang_rule == 0) {
        job_delay(job);
        return;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    *p = (struct parked){ .io = io, .left = 1, .job = job };
    job->park = p;
    rules_park(s->rules, job->v.hang_tag, p);
    bd_parked_show_tag(p, job->v.hang_tag);
    if (io->req != NULL) {
        io->req->state = BK_REQ_SUSPENDED;
        io->req->suspend_event = "hang";
        io->req->suspend_ns = bk_now_ns();
    }
    f = fault_of(io, BK_FAULT_HANG, job->v.hang_rule);
    f.ns = job->v.hang_timeout_ns;
    f.tag = job->v.hang_tag;
    report(io, &f);
    if (job->v.hang_timeout_ns > 0)
        bk_timerq_add(&s->timers, &job->timer, job->v.hang_timeout_ns,
                      job_hang_timeout);
}

/* ---- power ----------------------------------------------------------- */

static void cut_done(void *arg, const struct bk_wcache_cut *res)
{
    struct bk_node *node = arg;
    struct blkdebug_state *s = node->state;
    struct bk_io *io = s->cut_io;

    s->epoch++;
    s->power = s->cut.exit ? BD_POWER_OFF : BD_POWER_ON;
    s->cut.amount = res->sectors - res->kept;
    s->cut.kept = res->kept;
    s->cut.writes = res->writes;
    s->cut_running = false;
    s->cut_io = NULL;
    bk_stack_notify_fault(node->stack, &s->cut);
    /*
     * The request the cut took ends only now, once the image is as the
     * crash leaves it: whoever waits for it (a command, with exit = on
     * then ending blkmon) sees the power gone, not a device still busy.
     */
    if (io != NULL)
        bk_io_complete_later(io, -EIO);
}

/* Cut the power: by rule (io: the request it took, which fails once the
 * cut is done) or by command. */
static void cut_start(struct bk_node *node, double keep, bool exit,
                      unsigned rule, struct bk_io *io)
{
    static const struct bk_wcache_cut nothing = { 0 };
    struct blkdebug_state *s = node->state;
    struct rules_rng rng;

    s->power = BD_POWER_CUTTING;
    s->cut_running = true;
    s->cut_io = io;
    s->cut = (struct bk_fault){
        .kind = BK_FAULT_POWERCUT, .rule = rule,
        .op = io != NULL ? io->op : BK_OP__MAX,
        .offset = io != NULL ? io->offset : 0,
        .bytes = io != NULL ? io->bytes : 0,
        .error = io != NULL ? -EIO : 0, .sector = -1, .exit = exit,
    };
    /* The n-th cut draws from its own stream (rules.h). */
    rules_rng_init(&rng, rules_seed(),
                   RULES_STREAM_POWERCUT(rules_next_cut(s->rules)));
    if (s->wcache == NULL)
        cut_done(node, &nothing);
    else
        bk_wcache_cut(s->wcache, keep, &rng, cut_done, node);
}

int bd_powercut(struct bk_node *node, double keep, bool exit,
                struct bk_fault *out)
{
    struct blkdebug_state *s = node->state;

    if (s->cut_running || s->power != BD_POWER_ON)
        return -EBUSY;
    if (!use_cache(s))
        return -ENOTSUP;
    cut_start(node, keep, exit, 0, NULL);
    while (s->cut_running)
        bk_loop_iterate(node->loop, -1);
    if (out != NULL)
        *out = s->cut;
    return 0;
}

/* ---- entry ----------------------------------------------------------- */

void bd_request(struct bk_io *io, enum rules_iotype type)
{
    struct blkdebug_state *s = state_of(io);
    struct rules_io rio = { (uint64_t)io->offset, (uint64_t)io->bytes, type };
    struct rules_verdict v;
    struct bd_job *job;

    io->drv_priv = NULL;
    if (s->power != BD_POWER_ON) {
        /* A device without power answers nothing but errors. */
        bk_io_complete_later(io, -EIO);
        return;
    }
    if (!rules_check_io(s->rules, &rio, &v)) {
        go(io, NULL);
        return;
    }
    if (v.powercut_rule != 0) {
        rules_verdict_fini(&v);
        cut_start(io->node, v.powercut_keep, v.powercut_exit,
                  v.powercut_rule, io);
        return;
    }
    if (v.hang_rule == 0 && v.delay_rule == 0 && v.drop_rule == 0 &&
        v.torn_rule == 0 && v.corrupt_rule == 0) {
        /* Only QEMU's error (or a bad block): as blkdebug always did. */
        int ret = v.error > 0 ? 0 : v.error;

        if (v.error < 0)
            report_error(io, &v);
        if (v.immediately)
            bk_io_complete(io, ret);
        else
            bk_io_complete_later(io, ret);
        rules_verdict_fini(&v);
        return;
    }
    job = calloc(1, sizeof(*job));
    if (job == NULL)
        abort();
    job->io = io;
    job->v = v;
    job->epoch = s->epoch;
    bk_timerq_entry_init(&job->timer);
    job_hang(job);
}

void bd_truncate(struct bk_io *io)
{
    struct blkdebug_state *s = state_of(io);

    io->drv_priv = NULL;
    if (s->power != BD_POWER_ON) {
        bk_io_complete_later(io, -EIO);
        return;
    }
    if (s->wcache != NULL)
        bk_wcache_truncate(s->wcache, io->offset);
    child_submit(io, BK_OP_TRUNCATE, 0, NULL, 0);
}

/*
 * A block-status query (map, alloc) is checked like I/O; then the cache
 * answers for what it holds, and the child for the rest.
 */
void bd_block_status(struct bk_io *io)
{
    struct blkdebug_state *s = state_of(io);
    struct rules_io rio = { (uint64_t)io->offset, (uint64_t)io->bytes,
                            RULES_IO_BLOCK_STATUS };
    struct rules_verdict v;
    int64_t pnum = io->bytes;
    int cached = 0;

    /* Only inject-error acts on block status (rules/rule.c says so). */
    rules_check_io(s->rules, &rio, &v);
    rules_verdict_fini(&v);
    /* qemu answers a block-status query at once, whatever the rule says
     * of "immediately"; a negative errno in the rule lets it through. */
    if (v.error < 0) {
        report_error(io, &v);
        bk_io_complete(io, v.error);
        return;
    }
    if (s->wcache != NULL)
        cached = bk_wcache_status(s->wcache, io->offset, io->bytes, &pnum);
    io->u.status = (struct bk_io_status){
        .flags = (cached == 0 ? BK_BS_RAW : BK_BS_DATA) |
                 (cached == 2 ? BK_BS_ZERO : 0) | BK_BS_OFFSET_VALID,
        .pnum = pnum, .map = io->offset, .file = io->node->file,
    };
    bk_io_complete(io, 0);
}

void bd_faults_open(struct bk_node *node)
{
    struct blkdebug_state *s = node->state;

    bk_timerq_init(&s->timers, node->loop);
    s->power = BD_POWER_ON;
}

void bd_faults_close(struct bk_node *node)
{
    struct blkdebug_state *s = node->state;

    /* A cut a rule started ends first: the image is what it leaves. */
    while (s->cut_running)
        bk_loop_iterate(node->loop, -1);
    /* A clean close writes the cache back, as a disk does at shutdown. */
    if (s->wcache != NULL && s->power == BD_POWER_ON)
        bk_wcache_writeback_sync(s->wcache);
    bk_wcache_free(s->wcache);
    s->wcache = NULL;
    bk_timerq_fini(&s->timers);
}
