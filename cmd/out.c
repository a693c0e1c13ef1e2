/*
 * out.c — the two output streams of the command language and where they go.
 *
 * Without a sink an output is stdio, buffered the way qemu-io's is: when
 * stdout is a pipe its text sits in the buffer until a flush, so "abort"
 * loses it just as qemu-io does, while stderr goes out at once.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/out.h"

/* The process's name, not a session's: set once by main(). */
static const char *out_name = "blkmon";

static void out_vwrite(struct out *o, enum out_stream stream,
                       const char *prefix, const char *fmt, va_list ap);

void out_set_progname(const char *name)
{
    out_name = name;
}

const char *out_progname(void)
{
    return out_name;
}

static bool out_is_stdio(const struct out *o)
{
    return o == NULL || o->sink == NULL;
}

static void out_vwrite(struct out *o, enum out_stream stream,
                       const char *prefix, const char *fmt, va_list ap)
{
    char *text = NULL;
    int len;

    if (out_is_stdio(o)) {
        FILE *f = stream == OUT_STDOUT ? stdout : stderr;

        if (prefix != NULL)
            fprintf(f, "%s: %s", out_name, prefix);
        vfprintf(f, fmt, ap);
        return;
    }
    if (prefix != NULL) {
        char *head = NULL;
        int hlen = asprintf(&head, "%s: %s", out_name, prefix);

        if (hlen > 0)
            o->sink(stream, head, (size_t)hlen, o->arg);
        free(head);
    }
    len = vasprintf(&text, fmt, ap);
    if (len > 0)
        o->sink(stream, text, (size_t)len, o->arg);
    if (len >= 0)
        free(text);
}

void out_printf(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_vwrite(o, OUT_STDOUT, NULL, fmt, ap);
    va_end(ap);
}

void out_eprintf(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_vwrite(o, OUT_STDERR, NULL, fmt, ap);
    va_end(ap);
}

void out_error(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_vwrite(o, OUT_STDERR, "", fmt, ap);
    va_end(ap);
    out_eprintf(o, "\n");
}

void out_warn(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_vwrite(o, OUT_STDERR, "warning: ", fmt, ap);
    va_end(ap);
    out_eprintf(o, "\n");
}

void out_flush(struct out *o)
{
    if (out_is_stdio(o)) {
        fflush(stdout);
        fflush(stderr);
    }
}

/* abort() does not flush stdio, but some runtimes (sanitizers) flush at
 * exit anyway; dropping the buffer makes the loss certain. */
void out_discard(struct out *o)
{
    int null;

    if (!out_is_stdio(o))
        return;
    __fpurge(stdout);
    /*
     * Some runtimes (ThreadSanitizer's abort handler, for one) flush stdio
     * on the way down; point stdout at /dev/null so nothing buffered can
     * still get out.
     */
    null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        close(null);
    }
}
