/*
 * session.c — a session's beginning and end (see cmd.h).
 *
 * Everything a session holds is reached from its cmd_state: the image,
 * the output, the source its requests carry, a background bench run.  A
 * zeroed cmd_state with a loop is a working session too (output to stdio);
 * cmd_state_init only names its source and installs the blkdebug hooks.
 */
#include <errno.h>
#include <stdio.h>

#include "cmd/bench.h"
#include "cmd/cmd.h"

void cmd_state_init(struct cmd_state *st, struct bk_loop *loop)
{
    *st = (struct cmd_state){
        .loop = loop,
        .source = { .kind = BK_SRC_COMMAND, .name = "command line" },
        .debug = &cmd_debug_blkdebug,
    };
}

void cmd_state_fini(struct cmd_state *st)
{
    cmd_close_image(st);
    bench_set_background(st, NULL, NULL);
}

int cmd_cancel(struct cmd_state *st, const char *running, char *msg,
               size_t size)
{
    if (running == NULL) {
        snprintf(msg, size, "nothing to cancel");
        return -ENOENT;
    }
    /* A foreground bench waits for nothing but its own run: it stops,
     * as bench -k would stop it, and reports. */
    if (st->bench_fg != NULL) {
        bench_stop(st->bench_fg);
        snprintf(msg, size, "cancelled '%s'", running);
        return 0;
    }
    if (st->waiting == NULL) {
        snprintf(msg, size, "'%s' waits for its request: resume it",
                 running);
        return -EBUSY;
    }
    st->cancel = true;
    snprintf(msg, size, "cancelled '%s'", running);
    return 0;
}
