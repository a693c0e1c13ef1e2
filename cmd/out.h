/*
 * out.h — where the command language writes.
 *
 * Two streams, as qemu-io has them: "out" is its stdout (reports, hex dumps,
 * most error texts, which qemu-io prints with printf) and "err" is its stderr
 * (getopt complaints, arity errors, and error_report() texts that carry the
 * program name in front).  Headless mode writes them to stdio; the TUI
 * installs a sink and gets every byte as text, so it can put it in a pane.
 */
#ifndef BLKMON_CMD_OUT_H
#define BLKMON_CMD_OUT_H

#include <stdarg.h>
#include <stddef.h>

enum out_stream { OUT_STDOUT, OUT_STDERR };

/* A sink receives formatted text, not necessarily whole lines. */
typedef void out_sink_fn(enum out_stream stream, const char *text,
                         size_t len, void *arg);

/* NULL restores the stdio sink. */
void out_set_sink(out_sink_fn *fn, void *arg);
/* The name error texts start with ("blkmon: ..."). */
void out_set_progname(const char *name);
const char *out_progname(void);

/* qemu-io's printf(): stdout. */
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qemu-io's fprintf(stderr): stderr, no prefix. */
void out_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qemu-io's error_report(): "PROG: TEXT\n" on stderr. */
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qemu-io's warn_report(): "PROG: warning: TEXT\n" on stderr. */
void out_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Push buffered stdout text out (before a prompt, a signal, an exit). */
void out_flush(void);
/* Drop stdout text not yet written, as a crash would ("abort"). */
void out_discard(void);

#endif
