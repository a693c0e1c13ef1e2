/*
 * session.c — a session's beginning and end (see cmd.h).
 *
 * Everything a session holds is reached from its cmd_state: the image,
 * the output, the source its requests carry, a background bench run.  A
 * zeroed cmd_state with a loop is a working session too (output to stdio);
 * cmd_state_init only names its source and installs the blkdebug hooks.
 */
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
