/*
 * serve.h — a headless session with exports running.
 *
 * qemu-io ends at the end of its command input; with an export running,
 * blkmon serves on (as qemu-nbd does) until "quit", SIGINT or SIGTERM,
 * then drains every export, flushes and exits 0.  While exports run,
 * SIGINT and SIGTERM are therefore caught and turned into a quit (parked
 * requests are resumed so that the drain can end); without exports they
 * keep qemu-io's default action.  The TUI catches them itself.
 */
#ifndef BLKMON_EXPORT_SERVE_H
#define BLKMON_EXPORT_SERVE_H

#include "cmd/cmd.h"

/* Once any export runs, catch SIGINT and SIGTERM (idempotent). */
void export_serve_watch(struct cmd_state *st);
/* Catch them now, exports or not (a control socket serves on too). */
void export_serve_catch(struct cmd_state *st);
/* The command input ended: serve until quit while exports run. */
void export_serve(struct cmd_state *st);

#endif
