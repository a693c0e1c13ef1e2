/*
 * cmd_capture.h — for the cmd unit tests: an out.h sink that keeps what
 * each stream received, so tests assert the exact texts qemu-io prints.
 */
#ifndef BLKMON_TEST_CMD_CAPTURE_H
#define BLKMON_TEST_CMD_CAPTURE_H

#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/out.h"

struct capture {
    char out[65536];
    char err[65536];
};

static struct capture capture_buf;

static void capture_sink(enum out_stream stream, const char *text,
                         size_t len, void *arg)
{
    struct capture *c = arg;
    char *dst = stream == OUT_STDOUT ? c->out : c->err;
    size_t have = strlen(dst);

    if (have + len >= sizeof(c->out))
        len = sizeof(c->out) - have - 1;
    memcpy(dst + have, text, len);
    dst[have + len] = '\0';
}

/* The output to hand to sessions and helpers under test. */
static struct out capture_out = { .sink = capture_sink, .arg = &capture_buf };
#define CAPTURE (&capture_out)

/* Start capturing afresh; the program name is fixed for stable texts. */
static inline void capture_start(void)
{
    memset(&capture_buf, 0, sizeof(capture_buf));
    out_set_progname("blkmon");
}

/* Kept for symmetry: what CAPTURE receives after this still lands. */
static inline void capture_stop(void)
{
}

/* Run one command line with its output captured; its return value. */
static inline int capture_run(struct cmd_state *st, const char *line)
{
    capture_start();
    st->out = CAPTURE;
    return cmd_execute(st, line);
}

#define CAPTURED_OUT (capture_buf.out)
#define CAPTURED_ERR (capture_buf.err)

#endif
