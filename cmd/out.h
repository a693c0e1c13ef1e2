/*
 * out.h — where the command language writes.
 *
 * Two streams, as qemu-io has them: "out" is its stdout (reports, hex dumps,
 * most error texts, which qemu-io prints with printf) and "err" is its stderr
 * (getopt complaints, arity errors, and error_report() texts that carry the
 * program name in front).
 *
 * An *output* (struct out) is one destination for both streams: the
 * process's stdio, or a sink that gets every byte as text (the TUI puts it
 * in a pane; a control socket would send it to its client).  Each session
 * writes to its own (cmd_state.out), so several sessions can share a
 * process; a NULL output stands for stdio, which is also where the command
 * line's complaints go before any session exists.
 */
#ifndef BLKMON_CMD_OUT_H
#define BLKMON_CMD_OUT_H

#include <stdarg.h>
#include <stddef.h>

enum out_stream { OUT_STDOUT, OUT_STDERR };

/* A sink receives formatted text, not necessarily whole lines. */
typedef void out_sink_fn(enum out_stream stream, const char *text,
                         size_t len, void *arg);

struct out {
    out_sink_fn *sink;           /* NULL: stdio */
    void *arg;
};

/* The name error texts start with ("blkmon: ..."): the process's, set
 * once at start-up. */
void out_set_progname(const char *name);
const char *out_progname(void);

/* qemu-io's printf(): stdout. */
void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* qemu-io's fprintf(stderr): stderr, no prefix. */
void out_eprintf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* qemu-io's error_report(): "PROG: TEXT\n" on stderr. */
void out_error(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* qemu-io's warn_report(): "PROG: warning: TEXT\n" on stderr. */
void out_warn(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Push buffered stdout text out (before a prompt, a signal, an exit). */
void out_flush(struct out *o);
/* Drop stdout text not yet written, as a crash would ("abort"). */
void out_discard(struct out *o);

#endif
