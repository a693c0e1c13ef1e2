/*
 * headless.c — the command loop without a screen (see headless.h).
 *
 * Like qemu-io: a failed command does not stop the loop, it only makes the
 * exit status 1; "quit" stops it.  With -c the commands run and the loop
 * ends without reading stdin.  Otherwise the prompt is printed (and
 * flushed) before each line; while waiting for the line the event loop
 * runs, so aio completions print after the prompt as in qemu-io.  Lines are
 * read in pieces of at most 1023 bytes, as qemu-io's fgets() does.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/headless.h"
#include "cmd/out.h"
#include "export/serve.h"

#define HEADLESS_LINE_MAX 1024

static void headless_stdin_ready(struct bk_loop *loop, int fd, void *arg);
static void headless_wait_stdin(struct cmd_state *st);

static void headless_stdin_ready(struct bk_loop *loop, int fd, void *arg)
{
    (void)loop;
    (void)fd;
    *(bool *)arg = true;
}

/* Run the loop until stdin has something; a file or /dev/null always has
 * (they cannot be watched), then one non-blocking pass is enough.  Lines
 * stdio has already read ahead are something too: poll would not see
 * them (glibc's FILE tells how many it holds). */
static void headless_wait_stdin(struct cmd_state *st)
{
    bool ready = false;

    if (stdin->_IO_read_ptr < stdin->_IO_read_end) {
        bk_loop_iterate(st->loop, 0);
        return;
    }

    if (bk_loop_add_fd(st->loop, STDIN_FILENO, headless_stdin_ready,
                       &ready) < 0) {
        bk_loop_iterate(st->loop, 0);
        return;
    }
    while (!ready && !st->quit)
        bk_loop_iterate(st->loop, -1);
    bk_loop_del_fd(st->loop, STDIN_FILENO);
}

int headless_run(struct cmd_state *st, char **cmds, int ncmds)
{
    char line[HEADLESS_LINE_MAX];
    int ret, last_error = 0;

    export_serve_watch(st);
    if (ncmds > 0) {
        for (int i = 0; i < ncmds && !st->quit; i++) {
            ret = cmd_execute(st, cmds[i]);
            if (ret < 0)
                last_error = ret;
            export_serve_watch(st);
        }
        export_serve(st);
        return last_error;
    }
    while (!st->quit) {
        size_t len;

        out_printf(st->out, "%s> ", out_progname());
        out_flush(st->out);
        headless_wait_stdin(st);
        if (st->quit)
            break;
        if (fgets(line, sizeof(line), stdin) == NULL) {
            if (isatty(STDIN_FILENO))
                out_printf(st->out, "\n");
            break;
        }
        len = strlen(line);
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        ret = cmd_execute(st, line);
        if (ret < 0)
            last_error = ret;
        export_serve_watch(st);
    }
    export_serve(st);
    return last_error;
}
