/*
 * headless.h — qemu-io's command loop: the -c commands in order, or when
 * there are none, lines from stdin behind a "blkmon> " prompt.
 */
#ifndef BLKMON_CMD_HEADLESS_H
#define BLKMON_CMD_HEADLESS_H

#include "cmd/cmd.h"

/* Returns 0, or the last negative result of a failed command. */
int headless_run(struct cmd_state *st, char **cmds, int ncmds);

#endif
