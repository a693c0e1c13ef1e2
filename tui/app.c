/*
 * app.c — the TUI's main loop and command flow.  See app.h and tui.h.
 *
 * The loop is the backend's: stdin, the signal pipe and the device's
 * completions are its descriptors, redraws happen in its before-sleep hook.
 * The TUI's own loop only runs queued I/O lines one at a time at the top
 * level and iterates otherwise:
 *
 *     while not quitting:
 *         if nothing runs and a line waits: run it  (may nest the loop)
 *         else: one loop pass
 *
 * A running synchronous command iterates the loop itself (bk_run), so keys,
 * timers and drawing go on inside it; a control line typed meanwhile runs
 * right there, nested (resume, break...); an I/O line waits in the queue.
 *
 * Quitting: queued lines are dropped, breakpoints removed, suspended
 * requests resumed (and resumed again should one park during the drain),
 * the running command is let finish, then the image is closed, which
 * drains it; the screen stays live throughout.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/bench.h"
#include "cmd/out.h"
#include "control/control.h"
#include "tui/key.h"
#include "tui/panel.h"
#include "tui/remote.h"
#include "tui/screen.h"

static void app_sink(enum out_stream stream, const char *text, size_t len,
                     void *arg);
static void app_before_sleep(struct bk_loop *loop, void *arg);
static long app_frame(struct bk_loop *loop, void *arg);
static void app_bench_notify(struct bench_job *job, enum bench_event ev,
                             void *arg)
{
    struct tui *t = arg;

    (void)job;
    tui_app_status(t, ev == BENCH_STARTED ? "bench started"
                                          : "bench finished");
    tui_app_data_dirty(t);
}

static void app_signal_ready(struct bk_loop *loop, int fd, void *arg);

/* ---- creation --------------------------------------------------------- */

bool tui_possible(void)
{
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

struct tui *tui_new(const struct tui_options *opts, struct cmd_state *st)
{
    struct tui *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    /* The locale's character set picks the glyphs; numbers stay "C" so
     * command output reads the same as headless. */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    t->opts = *opts;
    t->out = tui_outbuf_new(0);
    t->queue = tui_cmdq_new();
    t->hist = tui_history_new(0);
    if (t->out == NULL || t->queue == NULL || t->hist == NULL) {
        tui_outbuf_free(t->out);
        tui_cmdq_free(t->queue);
        tui_history_free(t->hist);
        free(t);
        return NULL;
    }
    tui_lineedit_init(&t->le);
    t->focus = TUI_PANE_CMDLINE;
    t->last_focus = TUI_PANE_ALLOC;
    t->zoomed = -1;
    t->st = st;
    t->loop = st->loop;
    t->sink = (struct out){ .sink = app_sink, .arg = t };
    st->out = &t->sink;
    return t;
}

/* Hand the session back as it was before the TUI took it. */
static void app_release_session(struct tui *t)
{
    struct cmd_state *st = t->st;

    bench_set_background(st, NULL, NULL);
    st->out = NULL;
    st->frontend_table = NULL;
    st->frontend = NULL;
    st->source = t->saved_source;
}

static void app_free(struct tui *t)
{
    tui_remote_free(t->remote);
    t->remote = NULL;
    free(t->running);
    tui_watch_detach(t);
    tui_stats_free(t->stats);
    tui_outbuf_free(t->out);
    tui_cmdq_free(t->queue);
    tui_history_free(t->hist);
    free(t->hist_path);
    tui_lineedit_fini(&t->le);
    tui_alloc_scratch_free(&t->alloc_scratch);
    free(t->ps.reqs);
    free(t);
}

/* Print what was captured, as headless mode would have printed it. */
static void app_dump_output(struct tui *t)
{
    tui_outbuf_flush(t->out);
    for (size_t i = 0; i < tui_outbuf_count(t->out); i++) {
        enum tui_out_kind kind;
        const char *line = tui_outbuf_line(t->out, i, &kind);

        fprintf(kind == TUI_OUT_TEXT ? stdout : stderr, "%s\n", line);
    }
    fflush(stdout);
}

void tui_abandon(struct tui *t)
{
    t->st->out = NULL;
    app_dump_output(t);
    app_free(t);
}

/* ---- output, dirtiness, status --------------------------------------- */

static void app_sink(enum out_stream stream, const char *text, size_t len,
                     void *arg)
{
    struct tui *t = arg;

    tui_outbuf_add(t->out, stream == OUT_STDERR ? TUI_OUT_ERROR
                                                : TUI_OUT_TEXT, text, len);
    tui_app_data_dirty(t);
}

void tui_app_dirty(struct tui *t)
{
    t->dirty = true;
}

static long app_frame(struct bk_loop *loop, void *arg)
{
    struct tui *t = arg;

    (void)loop;
    t->frame_timer = 0;
    t->dirty = true;
    /* Completions may keep the loop from ever reaching before-sleep. */
    if (t->screen_on && bk_now_ns() - t->last_draw_ns > 4 * TUI_FRAME_NS)
        tui_draw(t);
    return -1;
}

void tui_app_data_dirty(struct tui *t)
{
    int64_t wait_ns;

    t->data_dirty = true;
    if (t->frame_timer > 0 || t->loop == NULL || !t->screen_on)
        return;
    wait_ns = t->last_draw_ns + TUI_FRAME_NS - bk_now_ns();
    t->frame_timer = bk_loop_add_timer(t->loop, wait_ns > 0
                                       ? (long)(wait_ns / 1000000) + 1 : 0,
                                       app_frame, t);
    if (t->frame_timer < 0)
        t->frame_timer = 0;
}

void tui_app_status(struct tui *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->status, sizeof(t->status), fmt, ap);
    va_end(ap);
    t->status_ns = bk_now_ns();
    tui_app_dirty(t);
    tui_watch_wake(t);     /* its tick clears the message later */
}

/* ---- commands --------------------------------------------------------- */

/* Run one line now, on the session; echo shows it in Output first. */
static void app_exec(struct tui *t, const char *line, bool echo)
{
    if (echo)
        tui_outbuf_printf(t->out, TUI_OUT_COMMAND, "%s> %s", out_progname(),
                          line);
    t->depth++;
    tui_watch_wake(t);
    cmd_execute(t->st, line);
    t->depth--;
    tui_outbuf_flush(t->out);
    if (t->st->quit) {
        t->st->quit = false;
        tui_app_quit(t);
    }
    /* Frame-limited: a script of many short commands must not draw a
     * frame per command. */
    tui_app_data_dirty(t);
}

/* The queue also holds the -c lines, control ones included, so that a
 * final "-c quit" waits for the commands before it. */
static void app_run_next(struct tui *t)
{
    t->running = tui_cmdq_pop(t->queue);
    app_exec(t, t->running, true);
    free(t->running);
    t->running = NULL;
    tui_watch_sync(t);
}

/*
 * A control command (cmd.h's CMD_F_CONTROL: resume, break, rule, quit, the
 * TUI's own...) runs right here, nested in whatever waits; anything else
 * keeps qemu-io's order in the queue.  While quitting only control
 * commands run: a second quit gives up on a command that will not end.
 */
/* A TUI command of this process (focus, zoom...): it runs here even
 * when attached. */
static bool app_local_entry(const struct cmd_entry *e)
{
    for (const struct cmd_entry *const *p = tui_cmd_table; *p != NULL; p++)
        if (*p == e)
            return true;
    return false;
}

/*
 * Attached, a line goes to the run's own blkmon, which keeps its order
 * and runs control commands at once as this TUI would; only the TUI's
 * own commands run here.  quit there ends the run for everyone, so it
 * is asked twice: F10 (leave) detaches.
 */
static void app_send_remote(struct tui *t, const char *line, bool echo,
                            const struct cmd_entry *e)
{
    int64_t now = bk_now_ns();

    if (echo)
        tui_outbuf_printf(t->out, TUI_OUT_COMMAND, "%s> %s", out_progname(),
                          line);
    if (e != NULL && strcmp(e->name, "quit") == 0 &&
        (t->quit_asked_ns == 0 || now - t->quit_asked_ns > 10000000000LL)) {
        t->quit_asked_ns = now;
        tui_outbuf_printf(t->out, TUI_OUT_NOTE, "blkmon: quit again to "
                          "end the run for all (F10 detaches)");
        tui_outbuf_printf(t->out, TUI_OUT_NOTE, "blkmon: the run: %s",
                          tui_remote_where(t->remote));
        tui_app_status(t, "quit again to end the run; F10 detaches");
        return;
    }
    t->quit_asked_ns = 0;
    tui_remote_send(t->remote, line);
    tui_app_dirty(t);
}

void tui_app_submit(struct tui *t, const char *line, bool echo)
{
    const struct cmd_entry *e;
    unsigned flags = cmd_line_flags(t->st, line, &e);

    if (t->remote != NULL && !app_local_entry(e)) {
        if (t->quitting)
            tui_app_status(t, "detaching: '%s' not sent", line);
        else
            app_send_remote(t, line, echo, e);
        return;
    }

    if (flags & CMD_F_CONTROL) {
        app_exec(t, line, echo);
        tui_app_dirty(t);
        return;
    }
    if (t->quitting) {
        tui_app_status(t, "quitting: '%s' not run", line);
        return;
    }
    /* A wait_break waits for a request some later line must issue: that
     * line runs now, or the breakpoint could never be hit. */
    if (t->running != NULL && t->st->waiting_tag != NULL &&
        tui_cmdq_count(t->queue) == 0) {
        app_exec(t, line, echo);
        return;
    }
    tui_cmdq_push(t->queue, line);
    tui_app_dirty(t);
}

struct app_tags {
    char **tag;
    size_t n;
};

static void app_collect_tag(const char *event, const char *tag, void *arg)
{
    struct app_tags *l = arg;
    char **n = realloc(l->tag, (l->n + 1) * sizeof(*n));

    (void)event;
    if (n == NULL)
        abort();
    l->tag = n;
    l->tag[l->n] = strdup(tag);
    if (l->tag[l->n] == NULL)
        abort();
    l->n++;
}

/* No request may park again while we drain: drop every breakpoint. */
static void app_disarm(struct tui *t)
{
    struct app_tags l = { 0 };

    if (t->st->dev == NULL)
        return;
    bk_dev_for_each_break(t->st->dev, app_collect_tag, &l);
    for (size_t i = 0; i < l.n; i++) {
        bk_dev_remove_break(t->st->dev, l.tag[i]);
        free(l.tag[i]);
    }
    free(l.tag);
    bk_dev_resume_all(t->st->dev);
}

static void tui_request_quit(void *arg)
{
    tui_app_quit(arg);
}

void tui_set_control(struct tui *t, struct ctl_server *ctl)
{
    t->control = ctl;
    ctl_server_on_quit(ctl, tui_request_quit, t);
}

void tui_app_quit(struct tui *t)
{
    size_t dropped;

    if (t->quitting) {
        if (t->running != NULL) {
            /* Asked twice while a command will not end (sleep, a
             * wait_break that cannot fire): give up on it. */
            tui_screen_stop();
            fprintf(stderr, "blkmon: quit while '%s' was still running\n",
                    t->running);
            exit(1);
        }
        return;
    }
    t->quitting = true;
    if (bench_background_job(t->st) != NULL)
        bench_stop(bench_background_job(t->st));
    dropped = tui_cmdq_clear(t->queue);
    if (dropped > 0)
        tui_outbuf_printf(t->out, TUI_OUT_NOTE,
                          "blkmon: %zu queued command%s dropped", dropped,
                          dropped == 1 ? "" : "s");
    app_disarm(t);
    tui_app_dirty(t);
}

/* ---- loop hooks ------------------------------------------------------- */

static void app_any_suspended(const struct bk_req *req, void *arg)
{
    if (req->state == BK_REQ_SUSPENDED)
        *(bool *)arg = true;
}

static void app_before_sleep(struct bk_loop *loop, void *arg)
{
    struct tui *t = arg;

    (void)loop;
    if (t->quitting && t->st->dev != NULL) {
        bool any = false;

        bk_dev_for_each_req(t->st->dev, app_any_suspended, &any);
        if (any)
            bk_dev_resume_all(t->st->dev);
    }
    if (t->dirty && t->screen_on)
        tui_draw(t);
}

static void app_signal_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct tui *t = arg;
    int sig;

    (void)loop;
    (void)fd;
    while ((sig = tui_screen_next_signal()) != 0) {
        if (sig == SIGWINCH) {
            if (t->screen_on) {
                tui_screen_resize(&t->cols, &t->lines);
                tui_input_key(t, TUI_KEY_RESIZE);
            }
            tui_app_dirty(t);
            continue;
        }
        t->signal_quit = sig;
        tui_app_quit(t);
    }
}

/* ---- run -------------------------------------------------------------- */

static void app_group_image(struct cmd_group *g, struct bk_dev *dev,
                            void *arg)
{
    struct tui *t = arg;

    (void)g;
    (void)dev;
    tui_watch_sync(t);
    tui_app_dirty(t);
}

static int app_start_screen(struct tui *t)
{
    struct tui_theme theme;
    char *cause = NULL;

    tui_theme_builtin(&theme);
    if (tui_theme_load_named(&theme, t->opts.theme, NULL, &cause) < 0 ||
        tui_screen_start(&theme, &cause) < 0) {
        fprintf(stderr, "blkmon: %s\n", cause ? cause : "cannot start");
        free(cause);
        return -1;
    }
    t->screen_on = true;
    t->cols = COLS;
    t->lines = LINES;
    tui_relayout(t);
    return 0;
}

static void app_stop_screen(struct tui *t, int sigfd)
{
    bk_loop_del_fd(t->loop, STDIN_FILENO);
    if (sigfd >= 0)
        bk_loop_del_fd(t->loop, sigfd);
    bk_loop_set_before_sleep(t->loop, NULL, NULL);
    if (t->frame_timer > 0)
        bk_loop_del_timer(t->loop, t->frame_timer);
    if (t->sample_timer > 0)
        bk_loop_del_timer(t->loop, t->sample_timer);
    t->frame_timer = t->sample_timer = 0;
    t->screen_on = false;
    tui_screen_stop();
    tui_screen_signals_off();
}

int tui_run(struct tui *t, char **cmds, int ncmds)
{
    struct cmd_state *st = t->st;
    int sigfd, status;
    char *cause = NULL;

    if (st->debug == NULL)
        st->debug = &cmd_debug_blkdebug;
    st->frontend_table = tui_cmd_table;
    st->frontend = t;
    t->saved_source = st->source;
    st->source = (struct bk_source){ .kind = BK_SRC_TUI, .name = "tui" };
    t->hist_path = tui_history_default_path();
    if (t->hist_path != NULL &&
        tui_history_load(t->hist, t->hist_path, &cause) < 0) {
        tui_outbuf_printf(t->out, TUI_OUT_NOTE, "blkmon: history: %s",
                          cause);
        free(cause);
    }
    if (app_start_screen(t) < 0) {
        app_release_session(t);
        cmd_close_image(st);
        app_dump_output(t);
        app_free(t);
        return 1;
    }
    sigfd = tui_screen_signals();
    if (sigfd >= 0)
        bk_loop_add_fd(t->loop, sigfd, app_signal_ready, t);
    bk_loop_add_fd(t->loop, STDIN_FILENO, tui_input_ready, t);
    bk_loop_set_before_sleep(t->loop, app_before_sleep, t);
    /* bench runs in the background here, driven by the loop. */
    bench_set_background(st, app_bench_notify, t);
    /* Control clients may open and close the image too. */
    if (st->group != NULL)
        cmd_group_watch(st->group, app_group_image, NULL, NULL, t);
    tui_watch_sync(t);
    for (int i = 0; i < ncmds; i++)
        tui_cmdq_push(t->queue, cmds[i]);
    tui_app_dirty(t);

    while (!t->quitting) {
        if (t->running == NULL && tui_cmdq_count(t->queue) > 0)
            app_run_next(t);
        else
            bk_loop_iterate(t->loop, -1);
    }

    /* Drain with the screen live: completions still show. */
    app_disarm(t);
    tui_app_dirty(t);
    cmd_close_image(st);
    tui_watch_sync(t);
    if (t->screen_on)
        tui_draw(t);
    app_stop_screen(t, sigfd);
    if (t->remote != NULL) {
        const char *gone = tui_remote_gone(t->remote);

        if (gone != NULL)
            fprintf(stderr, "%s: %s: %s\n", out_progname(),
                    tui_remote_where(t->remote), gone);
        else
            fprintf(stderr, "%s: detached from %s; the run goes on\n",
                    out_progname(), tui_remote_where(t->remote));
    }
    if (st->group != NULL)
        cmd_group_unwatch(st->group, t);
    app_release_session(t);
    if (t->hist_path != NULL)
        tui_history_save(t->hist, t->hist_path, NULL);
    status = t->signal_quit ? 128 + t->signal_quit : 0;
    /* Attached: a signal detaches, as F10 does; the run goes on. */
    if (t->remote != NULL)
        status = 0;
    app_free(t);
    return status;
}
