/*
 * proto.h — the control socket's wire format: requests in, framed
 * replies and events out.
 *
 * Requests are lines (LF, an optional CR before it is dropped), at most
 * CTL_LINE_MAX bytes.  A line whose first non-blank character is '{' is a
 * *JSON request*, {"id": ID, "cmd": "COMMAND"}; any other line is a
 * *text request*: the command itself, in the language of -c.  Blank
 * lines are ignored.
 *
 * A reply to a text request is a header line and a body of exactly LEN
 * bytes, the command's output (both streams, in the order printed):
 *
 *     ok LEN\n BODY                     the command succeeded
 *     error LEN NAME\n BODY             it failed with errno NAME (EIO...)
 *
 * Replies to text requests come in the order of the requests.  Other
 * frames a text client may get between replies:
 *
 *     output LEN\n BODY                 text the session printed between
 *                                       commands (an aio request's report)
 *     event LEN\n BODY                  one event: a JSON line (events.h)
 *
 * A reply to a JSON request is one line, sent as soon as the command ends
 * (a control command may overtake one that waits; the id tells them
 * apart):
 *
 *     {"id":ID,"ok":true,"output":"...","error":null}
 *     {"id":ID,"ok":false,"output":"...","error":"...","errno":"EIO"}
 *
 * "output" is what the command printed on its standard output, "error"
 * what it printed on its error stream (null when nothing).  To an
 * attached TUI's session (control/view.h), when both streams printed, a
 * reply (and an "output" event) also has "parts": [[STREAM, TEXT], ...],
 * the same text in the order printed, STREAM "output" or "error", so that
 * its Output pane shows the lines as a local TUI would.  A JSON
 * client's events and between-commands output are JSON lines too, with an
 * "event" member and no "id".
 *
 * Bad input is answered, never fatal: a line too long, a NUL byte, JSON
 * that does not parse or lacks "cmd" each get an error reply (errno
 * EINVAL; a text one when the line could not be told to be JSON).
 */
#ifndef BLKMON_CONTROL_PROTO_H
#define BLKMON_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/json.h"

#define CTL_LINE_MAX (16 * 1024)

/* Input: bytes in, requests out.  buf holds at most one line. */
struct ctl_input {
    char buf[CTL_LINE_MAX + 2];
    size_t len;
    bool discarding;         /* inside a line too long: skip to its end */
};

struct ctl_request {
    bool json;
    char *id;                /* JSON: the id as written, or NULL */
    char *cmd;               /* the command line; NULL when refused */
    char *refused;           /* why it was refused (the reply's text) */
};

/* Called for every request taken; the callback owns nothing of req. */
typedef void ctl_request_fn(const struct ctl_request *req, void *arg);

/*
 * Take n bytes read from the client: each complete line becomes a
 * request (or a refusal) handed to fn.  Returns the number of requests.
 */
size_t ctl_input_take(struct ctl_input *in, const char *data, size_t n,
                      ctl_request_fn *fn, void *arg);

/* "EIO" for -EIO (the C library's name), "E<n>" when it has none. */
const char *ctl_errno_name(int err, char *buf, size_t size);

/* A text frame's header: "ok 12\n", "error 12 EIO\n", "event 80\n". */
void ctl_frame_header(struct jbuf *b, const char *kind, size_t len,
                      const char *errname);
/* A JSON reply line (ending in '\n'). */
void ctl_json_reply(struct jbuf *b, const char *id, int ret,
                    const char *out, size_t outlen,
                    const char *err, size_t errlen);
/* The same in two halves, to add members between them. */
void ctl_json_reply_open(struct jbuf *b, const char *id, int ret,
                         const char *out, size_t outlen,
                         const char *err, size_t errlen);
void ctl_json_reply_close(struct jbuf *b);

#endif
