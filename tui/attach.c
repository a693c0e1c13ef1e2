/*
 * attach.c — blkmon attach unix:PATH: the TUI on another blkmon's run.
 *
 * The screen, keys and commands are the TUI's own (app.c); what the panes
 * show comes from the control socket (remote.c, through model.h), and
 * every command line but the TUI's own goes there, to a session of its
 * own in the running blkmon.  F10 (and SIGINT, SIGTERM, SIGHUP) detach:
 * the run goes on; quit, typed twice, ends it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/out.h"
#include "control/control.h"
#include "nbd/addr.h"
#include "tui/app.h"
#include "tui/remote.h"

static void attach_usage(void)
{
    fprintf(stderr, "Usage: %s attach [--theme NAME] unix:PATH\n",
            out_progname());
}

int tui_attach_main(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "theme", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct tui_options opts = { 0 };
    struct cmd_state st;
    struct nbd_addr a;
    struct tui *t;
    char *cause = NULL, *where;
    int opt, fd, status;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
        if (opt == 't') {
            opts.theme = optarg;
        } else {
            attach_usage();
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1) {
        attach_usage();
        return 2;
    }
    if (ctl_socket_parse(argv[optind], &a) < 0)
        return 2;
    if (!tui_possible()) {
        fprintf(stderr, "%s: attach needs a terminal (standard input and "
                "output)\n", out_progname());
        nbd_addr_clear(&a);
        return 2;
    }
    if (nbd_addr_connect(&a, &fd, &cause) < 0) {
        fprintf(stderr, "%s: %s\n", out_progname(), cause);
        free(cause);
        nbd_addr_clear(&a);
        return 2;
    }
    where = nbd_addr_text(&a);
    nbd_addr_clear(&a);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* A session of our own for the TUI's commands; no image here. */
    cmd_state_init(&st, bk_loop_new(1));
    t = tui_new(&opts, &st);
    if (t == NULL) {
        close(fd);
        free(where);
        bk_loop_free(st.loop);
        return 2;
    }
    tui_remote_new(t, fd, where);
    status = tui_run(t, NULL, 0);
    cmd_state_fini(&st);
    bk_loop_free(st.loop);
    free(where);
    return status;
}
