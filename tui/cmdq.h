/*
 * cmdq.h — the order in which typed command lines run.
 *
 * qemu-io runs one command after another.  In the TUI a synchronous command
 * (read, write, sleep, wait_break...) can wait a long time, parked at a
 * breakpoint, while the screen stays live.  Lines typed meanwhile fall in
 * two classes, which the command table tells (cmd.h, CMD_F_CONTROL):
 *
 *   *control* commands act on breakpoints, rules and the session, not on
 *   image data, and never wait (resume, remove_break, break, rule, state,
 *   help, quit, "bench -k", the TUI's own commands); they run at once,
 *   even inside a waiting command, because resuming the parked request is
 *   exactly what the user needs;
 *
 *   every other command (open/close/reopen, wait_break and sleep included)
 *   keeps qemu-io's order: it waits in this FIFO until the running one
 *   returns.
 *
 * The queue owns copies of the lines.
 */
#ifndef BLKMON_TUI_CMDQ_H
#define BLKMON_TUI_CMDQ_H

#include <stddef.h>

struct tui_cmdq;

struct tui_cmdq *tui_cmdq_new(void);
void tui_cmdq_free(struct tui_cmdq *q);
void tui_cmdq_push(struct tui_cmdq *q, const char *line);
/* The oldest line, removed; the caller frees it.  NULL when empty. */
char *tui_cmdq_pop(struct tui_cmdq *q);
size_t tui_cmdq_count(const struct tui_cmdq *q);
/* Line i (0 the next to run) without removing it. */
const char *tui_cmdq_peek(const struct tui_cmdq *q, size_t i);
/* Drop every line (quit); returns how many were dropped. */
size_t tui_cmdq_clear(struct tui_cmdq *q);

#endif
