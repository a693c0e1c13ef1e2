/*
 * serve.c — serving on after the command input ends (see serve.h).
 *
 * Signal handlers are process-wide, so the pipe they write to is too: the
 * handler only writes a byte; the loop reads it and sets the session's
 * quit flag on the loop thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "export/export.h"
#include "export/serve.h"

static int serve_pipe[2] = { -1, -1 };

static void serve_on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;

    if (write(serve_pipe[1], &b, 1) < 0) {
        /* A full pipe already holds a quit: nothing is lost. */
    }
    errno = saved;
}

static void serve_signal_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct cmd_state *st = arg;
    unsigned char b;

    (void)loop;
    while (read(fd, &b, 1) == 1)
        st->quit = true;
    /* A request parked at a breakpoint would hold the drain forever. */
    if (st->quit && st->dev != NULL)
        bk_dev_resume_all(st->dev);
}

/* A quit waits a moment for a blocking call on the loop thread to end,
 * as it waits for the requests in flight. */
static bool serve_signal_busy(void *arg)
{
    (void)arg;
    return false;
}

void export_serve_watch(struct cmd_state *st)
{
    if (export_count(st->exports) > 0)
        export_serve_catch(st);
}

void export_serve_catch(struct cmd_state *st)
{
    struct sigaction sa;

    if (serve_pipe[0] >= 0)
        return;
    if (pipe2(serve_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = serve_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    bk_loop_add_peer_fd(st->loop, serve_pipe[0], serve_signal_ready, st,
                        serve_signal_busy);
}

void export_serve(struct cmd_state *st)
{
    export_serve_watch(st);
    while (!st->quit && export_count(st->exports) > 0)
        bk_loop_iterate(st->loop, -1);
}
