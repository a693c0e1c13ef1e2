/*
 * cmdq.h — the order in which typed command lines run.
 *
 * qemu-io runs one command after another.  In the TUI a synchronous command
 * (read, write, sleep, wait_break...) can wait a long time, parked at a
 * breakpoint, while the screen stays live.  Lines typed meanwhile fall in
 * two classes:
 *
 *   *control* commands act on breakpoints and the session, not on image
 *   data (resume, remove_break, break, help, quit, rules, state, and the
 *   TUI's own commands); they run at once, even inside a waiting command,
 *   because resuming the parked request is exactly what the user needs;
 *
 *   *I/O* commands (everything else, open/close/reopen included) keep
 *   qemu-io's order: they wait in a FIFO until the running one returns.
 *
 * The queue owns copies of the lines.
 */
#ifndef BLKMON_TUI_CMDQ_H
#define BLKMON_TUI_CMDQ_H

#include <stdbool.h>
#include <stddef.h>

/* The first word of line, copied into buf (empty for a blank line). */
const char *tui_cmdq_verb(const char *line, char *buf, size_t size);
/* True when line's command is a control command (see above). */
bool tui_cmdq_is_control(const char *line);

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
