/*
 * session.c — a control client's session, and the fibers that run the
 * sessions' commands (see server-int.h, control.h).
 *
 * A request is run one of two ways.  A control command (CMD_F_CONTROL)
 * runs at once, on the loop's stack, from the handler that read it, as
 * the TUI runs one typed while another command waits.  Any other command
 * joins the session's queue; the session's *fiber* takes them one by one
 * and runs each to its end, so a client's commands keep their order.  A
 * command that waits (bk_run, wait_break, sleep, the gate of an open)
 * iterates the loop as always; on the fiber that iteration reaches the
 * loop hook installed here, which *yields*, and the loop's stack goes on
 * serving everyone.  A waiting fiber is resumed when the loop ran
 * something or the server saw something happen since it yielded (the
 * *activity* counter moved), or when its timeout is due; resumed, it
 * looks at what it waits for and either goes on or yields again.
 *
 * Why fibers: iterating the loop from inside a handler nests, and a
 * nested command ends only after everything nested above it has ended —
 * two clients each in wait_break would hold each other's replies.  A
 * fiber is one of the backend's coroutines (backend/coro.h), entered
 * from the loop's stack and yielding back to it; coroutines a command's
 * driver starts (qcow2) nest inside it as they do anywhere.
 *
 * One exception to the order, the TUI's: a wait_break waits for a
 * request that a later command may be the one to issue, so while it
 * waits the commands queued behind it run, one at a time, nested in the
 * wait on the same fiber (*side* jobs), as the TUI nests a line typed
 * meanwhile; the wait ends when their request parks (once the side job
 * ends).  Their text replies still come in their place, after the
 * wait_break's.
 *
 * An open, close or reopen (CMD_F_IMAGE) replaces or reopens what every
 * session's commands use, so its fiber starts it only from the top of
 * the loop's stack (not from inside a pass, where some caller may hold
 * the old image) and when no other command runs, and is resumed only
 * there until it ends.  The gate in cmd_execute (group.c) keeps the other
 * sessions' commands from starting meanwhile.
 *
 * Output: a session's output goes to the job running (its reply), or,
 * between commands (an aio report), to the session's idle capture, sent
 * as an "output" frame soon after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bench.h"
#include "control/events.h"
#include "control/server-int.h"
#include "control/view.h"

/* ---- captures ---------------------------------------------------------- */

static void cap_init(struct ctl_cap *c)
{
    jb_init(&c->all);
    jb_init(&c->out);
    jb_init(&c->err);
    c->dropped = 0;
}

static void cap_fini(struct ctl_cap *c)
{
    jb_free(&c->all);
    jb_free(&c->out);
    jb_free(&c->err);
    free(c->runs);
    c->runs = NULL;
    c->nruns = c->runs_cap = 0;
}

static void cap_reset(struct ctl_cap *c)
{
    jb_reset(&c->all);
    jb_reset(&c->out);
    jb_reset(&c->err);
    c->dropped = 0;
    c->nruns = 0;
}

static void cap_run(struct ctl_cap *c, bool err, size_t len)
{
    if (c->nruns > 0 && c->runs[c->nruns - 1].err == err) {
        c->runs[c->nruns - 1].len += len;
        return;
    }
    if (c->nruns == c->runs_cap) {
        size_t n = c->runs_cap ? c->runs_cap * 2 : 4;
        struct ctl_run *r = realloc(c->runs, n * sizeof(*r));

        if (r == NULL)
            abort();
        c->runs = r;
        c->runs_cap = n;
    }
    c->runs[c->nruns++] = (struct ctl_run){ err, len };
}

static void cap_add(struct ctl_cap *c, enum out_stream stream,
                    const char *text, size_t len)
{
    if (c->all.len + len > CTL_CAPTURE_MAX) {
        c->dropped += len;
        return;
    }
    jb_raw(&c->all, text, len);
    jb_raw(stream == OUT_STDERR ? &c->err : &c->out, text, len);
    cap_run(c, stream == OUT_STDERR, len);
}

/* An attached TUI's "parts" (proto.h): both streams in the order printed,
 * when there were both. */
static void cap_put_parts(struct jbuf *b, const struct ctl_cap *c)
{
    size_t off = 0;

    if (c->nruns < 2)
        return;
    jb_key(b, "parts");
    jb_open(b, '[');
    for (size_t i = 0; i < c->nruns; i++) {
        jb_open(b, '[');
        jb_str(b, c->runs[i].err ? "error" : "output");
        jb_strn(b, c->all.p + off, c->runs[i].len);
        jb_close(b, ']');
        off += c->runs[i].len;
    }
    jb_close(b, ']');
}

/* The note a truncated capture ends with. */
static void cap_seal(struct ctl_cap *c)
{
    char note[96];
    int n;

    if (c->dropped == 0)
        return;
    n = snprintf(note, sizeof(note), "[blkmon: %zu bytes of output "
                 "dropped]\n", c->dropped);
    jb_raw(&c->all, note, (size_t)n);
    jb_raw(&c->err, note, (size_t)n);
    cap_run(c, true, (size_t)n);
    c->dropped = 0;
}

static void sess_sink(enum out_stream stream, const char *text, size_t len,
                      void *arg);

/* ---- jobs and replies ------------------------------------------------- */

static struct ctl_job *job_new(const struct ctl_request *req)
{
    struct ctl_job *j = calloc(1, sizeof(*j));

    if (j == NULL)
        abort();
    j->json = req->json;
    if (req->cmd != NULL && (j->line = strdup(req->cmd)) == NULL)
        abort();
    if (req->id != NULL && (j->id = strdup(req->id)) == NULL)
        abort();
    cap_init(&j->cap);
    return j;
}

void ctl_job_free(struct ctl_job *j)
{
    if (j == NULL)
        return;
    cap_fini(&j->cap);
    free(j->line);
    free(j->id);
    free(j);
}

static void send_text(struct ctl_conn *c, struct ctl_job *j)
{
    struct jbuf h;
    char nb[16];

    cap_seal(&j->cap);
    jb_init(&h);
    ctl_frame_header(&h, j->ret < 0 ? "error" : "ok", j->cap.all.len,
                     j->ret < 0 ? ctl_errno_name(j->ret, nb, sizeof(nb))
                                : NULL);
    ctl_conn_send(c, h.p, h.len);
    if (j->cap.all.len > 0)
        ctl_conn_send(c, j->cap.all.p, j->cap.all.len);
    jb_free(&h);
}

/* Text replies leave in the order of their requests; JSON ones at once. */
static void sess_reply(struct ctl_sess *ss, struct ctl_job *j)
{
    struct ctl_conn *c = ss->conn;
    struct ctl_job **p;

    if (c == NULL || c->gone) {
        ctl_job_free(j);
        return;
    }
    if (j->json) {
        struct jbuf b;

        cap_seal(&j->cap);
        jb_init(&b);
        ctl_json_reply_open(&b, j->id, j->ret, j->cap.out.p,
                            j->cap.out.len, j->cap.err.p, j->cap.err.len);
        if (ss->attached)
            cap_put_parts(&b, &j->cap);
        ctl_json_reply_close(&b);
        ctl_conn_send(c, b.p, b.len);
        jb_free(&b);
        ctl_job_free(j);
        return;
    }
    for (p = &c->held; *p != NULL && (*p)->seq < j->seq; p = &(*p)->next)
        ;
    j->next = *p;
    *p = j;
    c->nheld++;
    while (c->held != NULL && c->held->seq == c->send_seq) {
        struct ctl_job *h = c->held;

        c->held = h->next;
        c->nheld--;
        send_text(c, h);
        ctl_job_free(h);
        c->send_seq++;
    }
    ctl_conn_update(c);
}

/* Between commands: what the session printed goes out as one frame. */
static void sess_send_idle(struct ctl_sess *ss)
{
    struct ctl_cap *c = &ss->idle;
    struct jbuf b;

    if (c->all.len == 0 && c->dropped == 0)
        return;
    if (ss->conn == NULL || ss->conn->gone) {
        cap_reset(c);
        return;
    }
    cap_seal(c);
    jb_init(&b);
    if (ss->last_json) {
        jb_open(&b, '{');
        jb_key(&b, "v");
        jb_u64(&b, EV_SCHEMA_VERSION);
        jb_key(&b, "event");
        jb_str(&b, "output");
        jb_key(&b, "output");
        jb_strn(&b, c->out.p != NULL ? c->out.p : "", c->out.len);
        jb_key(&b, "error");
        if (c->err.len > 0)
            jb_strn(&b, c->err.p, c->err.len);
        else
            jb_null(&b);
        if (ss->attached)
            cap_put_parts(&b, c);
        jb_close(&b, '}');
        jb_lit(&b, "\n");
        ctl_conn_send(ss->conn, b.p, b.len);
    } else {
        ctl_frame_header(&b, "output", c->all.len, NULL);
        ctl_conn_send(ss->conn, b.p, b.len);
        ctl_conn_send(ss->conn, c->all.p, c->all.len);
    }
    jb_free(&b);
    cap_reset(c);
}

void ctl_sess_flush_idle(struct ctl_server *s)
{
    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next)
        if (ss->cur == &ss->idle)
            sess_send_idle(ss);
}

static long sess_flush_timer(struct bk_loop *loop, void *arg)
{
    struct ctl_server *s = arg;

    (void)loop;
    s->flush_timer = 0;
    ctl_sess_flush_idle(s);
    return -1;
}

static void sess_sink(enum out_stream stream, const char *text, size_t len,
                      void *arg)
{
    struct ctl_sess *ss = arg;
    struct ctl_server *s = ss->srv;

    cap_add(ss->cur, stream, text, len);
    if (ss->cur == &ss->idle && s->flush_timer == 0) {
        s->flush_timer = bk_loop_add_timer(s->loop, 0, sess_flush_timer, s);
        if (s->flush_timer < 0)
            s->flush_timer = 0;
    }
}

/* ---- running ---------------------------------------------------------- */

/* After any command: "quit" asks the whole process to end. */
static void sess_after(struct ctl_sess *ss)
{
    struct ctl_server *s = ss->srv;

    s->activity++;
    if (ss->st.quit && !ss->ending) {
        ss->st.quit = false;
        if (s->quit_fn != NULL)
            s->quit_fn(s->quit_arg);
    }
}

static void sess_exec(struct ctl_sess *ss, struct ctl_job *j)
{
    struct ctl_cap *prev = ss->cur;

    ss->cur = &j->cap;
    j->ret = cmd_execute(&ss->st, j->line);
    ss->cur = prev;
}

/* coro.c frees a coroutine whose function returned. */
static void sess_co_done(void *arg)
{
    struct ctl_sess *ss = arg;

    ss->co_done = true;
    ss->srv->activity++;
}

static struct ctl_job *sess_pop(struct ctl_sess *ss)
{
    struct ctl_job *j = ss->queue;

    ss->queue = j->next;
    if (ss->queue == NULL)
        ss->queue_tail = NULL;
    ss->nqueued--;
    j->next = NULL;
    return j;
}

void ctl_sess_drop_next(struct ctl_sess *ss)
{
    struct ctl_job *j = sess_pop(ss);

    out_printf(ss->st.out, "cancelled '%s' before it started\n", j->line);
    cap_add(&j->cap, OUT_STDERR, j->line, strlen(j->line));
    cap_add(&j->cap, OUT_STDERR, ": cancelled before it started\n", 30);
    j->ret = -ECANCELED;
    sess_reply(ss, j);
}

/* From a wait_break waiting on the fiber: run the next queued job on the
 * fiber's stack, nested in the wait (not an open or close: those need
 * the top of the stack).  Whether one ran. */
static bool sess_run_side(struct ctl_sess *ss)
{
    struct ctl_job *j = ss->queue;

    if (j == NULL || ss->side_running || ss->st.waiting_tag == NULL ||
        ss->ending || (cmd_line_flags(&ss->st, j->line, NULL) & CMD_F_IMAGE))
        return false;
    j = sess_pop(ss);
    ss->side_running = true;
    sess_exec(ss, j);
    ss->side_running = false;
    sess_reply(ss, j);
    sess_after(ss);
    return true;
}

static void sess_fiber(void *arg)
{
    struct ctl_sess *ss = arg;

    for (;;) {
        struct ctl_job *j;
        unsigned flags;

        if (ss->queue == NULL) {
            if (ss->ending)
                return;
            ss->fstate = CTL_F_IDLE;
            bk_co_yield();
            continue;
        }
        j = sess_pop(ss);
        ss->running = j;
        flags = cmd_line_flags(&ss->st, j->line, NULL);
        if ((flags & CMD_F_IMAGE) && !ss->ending) {
            ss->fstate = CTL_F_TOP;
            bk_co_yield();
            ss->top_only = true;
        }
        if (ss->ending) {
            cap_add(&j->cap, OUT_STDERR, "blkmon is stopping\n", 19);
            j->ret = -ESHUTDOWN;
        } else {
            sess_exec(ss, j);
        }
        ss->top_only = false;
        ss->running = NULL;
        sess_reply(ss, j);
        sess_after(ss);
    }
}

void ctl_sess_request(struct ctl_sess *ss, const struct ctl_request *req)
{
    struct ctl_job *j = job_new(req);
    struct ctl_conn *c = ss->conn;
    unsigned flags;

    if (!req->json)
        j->seq = c->next_seq++;
    ss->last_json = req->json;
    if (req->refused != NULL || ss->ending) {
        const char *why = req->refused != NULL ? req->refused
                                               : "the server is stopping";

        cap_add(&j->cap, OUT_STDERR, why, strlen(why));
        cap_add(&j->cap, OUT_STDERR, "\n", 1);
        j->ret = req->refused != NULL ? -EINVAL : -ESHUTDOWN;
        sess_reply(ss, j);
        return;
    }
    flags = cmd_line_flags(&ss->st, j->line, NULL);
    if (flags & CMD_F_CONTROL) {
        sess_exec(ss, j);
        sess_reply(ss, j);
        sess_after(ss);
        return;
    }
    if (ss->queue_tail != NULL)
        ss->queue_tail->next = j;
    else
        ss->queue = j;
    ss->queue_tail = j;
    ss->nqueued++;
    if (ss->co == NULL) {
        ss->co = bk_co_new(sess_fiber, ss);
        bk_co_on_exit(ss->co, sess_co_done, ss);
        ss->fstate = CTL_F_READY;
    } else if (ss->fstate == CTL_F_IDLE) {
        ss->fstate = CTL_F_READY;
    }
    ss->srv->activity++;
}

/* ---- sessions ------------------------------------------------------------ */

struct ctl_sess *ctl_sess_new(struct ctl_server *s, struct ctl_conn *c)
{
    struct ctl_sess *ss = calloc(1, sizeof(*ss));
    char *name;

    if (ss == NULL)
        abort();
    ss->srv = s;
    ss->conn = c;
    ss->id = ++s->next_id;
    ss->row.connect_ns = bk_now_ns();
    cap_init(&ss->idle);
    ss->cur = &ss->idle;
    cmd_state_init(&ss->st, s->loop);
    ss->sink = (struct out){ .sink = sess_sink, .arg = ss };
    ss->st.out = &ss->sink;
    name = malloc(32);
    if (name == NULL)
        abort();
    snprintf(name, 32, "control %llu", (unsigned long long)ss->id);
    ss->st.source = (struct bk_source){ .kind = BK_SRC_CONTROL,
                                        .name = name, .id = ss->id };
    ss->st.frontend_table = ctl_cmd_table;
    ss->st.frontend = ss;
    cmd_group_join(s->group, &ss->st);
    ss->next = s->sessions;
    s->sessions = ss;
    return ss;
}

static void sess_drop_queue(struct ctl_sess *ss)
{
    while (ss->queue != NULL) {
        struct ctl_job *j = ss->queue;

        ss->queue = j->next;
        ctl_job_free(j);
    }
    ss->queue_tail = NULL;
    ss->nqueued = 0;
}

/* Its waits give up (wait_break, sleep, a foreground bench) and it takes
 * no more requests. */
static void sess_end(struct ctl_sess *ss)
{
    struct bench_job *job = bench_background_job(&ss->st);

    if (ss->ending)
        return;
    ss->ending = true;
    ss->st.quit = true;
    sess_drop_queue(ss);
    if (job != NULL)
        bench_stop(job);
    if (ss->co != NULL && !ss->co_done && ss->fstate == CTL_F_IDLE)
        ss->fstate = CTL_F_READY;     /* to return from its loop */
    ss->srv->activity++;
}

void ctl_sess_detach(struct ctl_sess *ss)
{
    if (ss->attached && ss->srv->view != NULL)
        ctl_view_detach(ss->srv->view, ss);
    if (ss->conn != NULL)
        ss->conn->sess = NULL;
    ss->conn = NULL;
    if (ss->sub != NULL) {
        ev_hub_unsubscribe(ss->srv->hub, ss->sub);
        ss->sub = NULL;
    }
    sess_end(ss);
}

static bool sess_reapable(struct ctl_sess *ss)
{
    return ss->ending && ss->conn == NULL && ss->running == NULL &&
           (ss->co == NULL || ss->co_done) &&
           ss->st.aio_pending == 0 && bench_background_job(&ss->st) == NULL;
}

static void sess_free(struct ctl_sess *ss)
{
    cmd_group_leave(&ss->st);
    cmd_state_fini(&ss->st);
    cap_fini(&ss->idle);
    free((char *)ss->st.source.name);
    free(ss);
}

static void sess_reap(struct ctl_server *s)
{
    for (struct ctl_sess **p = &s->sessions; *p != NULL;) {
        struct ctl_sess *ss = *p;

        if (sess_reapable(ss)) {
            *p = ss->next;
            sess_free(ss);
        } else {
            p = &ss->next;
        }
    }
}

/* ---- scheduling ---------------------------------------------------------- */

static uint64_t sched_activity(const struct ctl_server *s)
{
    return bk_loop_ran(s->loop) + s->activity;
}

void ctl_sched_kick(struct ctl_server *s)
{
    s->activity++;
}

static bool sched_due(struct ctl_server *s, struct ctl_sess *ss, bool nested,
                      int64_t now, bool sweep)
{
    const struct cmd_state *ex;

    if (ss->co == NULL || ss->co_done)
        return false;
    switch (ss->fstate) {
    case CTL_F_READY:
        return true;
    case CTL_F_TOP:
        ex = cmd_group_exclusive(s->group);
        return ss->ending || (!nested && ex == NULL &&
                              cmd_group_running(s->group) == 0);
    case CTL_F_WAITING:
        if (ss->top_only && nested)
            return false;
        return sweep || ss->seen != sched_activity(s) ||
               (ss->deadline_ns >= 0 && now >= ss->deadline_ns);
    default:
        return false;
    }
}

static void sched_resume(struct ctl_server *s, struct ctl_sess *ss)
{
    s->current = ss;
    bk_co_enter(ss->co);
    s->current = NULL;
}

static void sched_run(struct ctl_server *s, bool nested, int *timeout_ms)
{
    static bool running;
    int64_t now = bk_now_ns(), next = -1;
    bool progress = false, sweep, waiting = false;

    if (running)
        return;
    running = true;
    sweep = s->sweep_ns != 0 && now >= s->sweep_ns;
    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next) {
        if (sched_due(s, ss, nested, now, sweep)) {
            sched_resume(s, ss);
            progress = true;
        }
    }
    sess_reap(s);
    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next) {
        if (ss->co == NULL || ss->co_done)
            continue;
        if (ss->fstate == CTL_F_WAITING) {
            waiting = true;
            if (ss->deadline_ns >= 0 &&
                (next < 0 || ss->deadline_ns < next))
                next = ss->deadline_ns;
        }
    }
    if (!waiting)
        s->sweep_ns = 0;
    else if (sweep || s->sweep_ns == 0)
        s->sweep_ns = now + CTL_SWEEP_MS * 1000000LL;
    if (waiting && (next < 0 || s->sweep_ns < next))
        next = s->sweep_ns;
    if (progress) {
        *timeout_ms = 0;
    } else if (next >= 0) {
        int64_t ms = next > now ? (next - now + 999999) / 1000000 : 0;

        if (*timeout_ms < 0 || ms < *timeout_ms)
            *timeout_ms = (int)ms;
    }
    running = false;
}

static bool sched_hook(struct bk_loop *loop, int *timeout_ms, bool nested,
                       void *arg)
{
    struct ctl_server *s = arg;
    struct ctl_sess *ss = s->current;

    (void)loop;
    if (ss != NULL && bk_co_self() == ss->co) {
        /* A wait_break waits here: the commands behind it run first. */
        if (sess_run_side(ss))
            return true;
        ss->fstate = CTL_F_WAITING;
        ss->deadline_ns = *timeout_ms < 0
                          ? -1 : bk_now_ns() + (int64_t)*timeout_ms * 1000000;
        ss->seen = sched_activity(s);
        bk_co_yield();
        sess_run_side(ss);
        return true;
    }
    /* Another coroutine (a driver's) waiting by a pass of its own: the
     * sessions are not run from its stack. */
    if (bk_co_self() == NULL)
        sched_run(s, nested, timeout_ms);
    return false;
}

void ctl_sched_install(struct ctl_server *s)
{
    bk_loop_set_iterate_hook(s->loop, sched_hook, s);
}

void ctl_sched_remove(struct ctl_server *s)
{
    bk_loop_set_iterate_hook(s->loop, NULL, NULL);
}

/* ---- ending -------------------------------------------------------------- */

struct end_tags {
    char **tag;
    size_t n;
};

static void end_collect(const char *event, const char *tag, void *arg)
{
    struct end_tags *l = arg;
    char **n = realloc(l->tag, (l->n + 1) * sizeof(*n));

    (void)event;
    if (n == NULL || (n[l->n] = strdup(tag)) == NULL)
        abort();
    l->tag = n;
    l->n++;
}

/* Nothing of theirs may park again, and what is parked goes on. */
static void end_disarm(struct bk_dev *dev)
{
    struct end_tags l = { 0 };

    if (dev == NULL)
        return;
    bk_dev_for_each_break(dev, end_collect, &l);
    for (size_t i = 0; i < l.n; i++) {
        bk_dev_remove_break(dev, l.tag[i]);
        free(l.tag[i]);
    }
    free(l.tag);
    bk_dev_resume_all(dev);
}

void ctl_sess_end_all(struct ctl_server *s, bool wait)
{
    bool busy = false;

    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next) {
        sess_end(ss);
        busy |= ss->running != NULL;
    }
    if (busy)
        end_disarm(s->owner->dev);
    while (wait && busy) {
        busy = false;
        for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next)
            if (ss->running != NULL)
                busy = true;
        if (busy) {
            end_disarm(s->owner->dev);
            bk_loop_iterate(s->loop, 100);
        }
    }
}

void ctl_sess_reap_all(struct ctl_server *s)
{
    /* What is left holds nothing that runs: aio reports, background runs
     * ending; the hook reaps each session once it is done. */
    while (s->sessions != NULL)
        bk_loop_iterate(s->loop, 100);
}
