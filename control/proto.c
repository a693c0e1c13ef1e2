/*
 * proto.c — splitting the request stream, and framing replies (proto.h).
 *
 * The input buffer holds one line at most: bytes are copied in up to the
 * next LF, a complete line is handed on and dropped, and a line that
 * outgrows the buffer is refused once and skipped to its LF.  So a client
 * can make it hold CTL_LINE_MAX bytes, never more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/proto.h"
#include "util/strfmt.h"

static bool line_is_json(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\t')
            continue;
        return s[i] == '{';
    }
    return false;
}

static bool line_is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

static void refuse(bool json, const char *why, ctl_request_fn *fn, void *arg)
{
    struct ctl_request r = { .json = json, .refused = (char *)why };

    fn(&r, arg);
}

/* One complete line (without its LF). */
static void take_line(char *s, size_t n, ctl_request_fn *fn, void *arg)
{
    struct ctl_request r = { 0 };
    char *cause = NULL;

    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (line_is_blank(s, n))
        return;
    r.json = line_is_json(s, n);
    if (memchr(s, '\0', n) != NULL) {
        refuse(r.json, "a NUL byte in the request", fn, arg);
        return;
    }
    if (!r.json) {
        s[n] = '\0';
        r.cmd = s;
        fn(&r, arg);
        return;
    }
    {
        struct json_request jr;

        if (json_parse_request(s, n, &jr, &cause) < 0) {
            refuse(true, cause != NULL ? cause : "invalid JSON", fn, arg);
            free(cause);
            return;
        }
        r.id = jr.id;
        r.cmd = jr.cmd;
        if (r.cmd == NULL)
            r.refused = "a request needs \"cmd\": {\"id\":1,\"cmd\":\"info\"}";
        fn(&r, arg);
        json_request_fini(&jr);
    }
}

size_t ctl_input_take(struct ctl_input *in, const char *data, size_t n,
                      ctl_request_fn *fn, void *arg)
{
    size_t taken = 0;

    while (n > 0) {
        const char *lf = memchr(data, '\n', n);
        size_t chunk = lf != NULL ? (size_t)(lf - data) : n;

        if (in->discarding) {
            if (lf == NULL)
                return taken;
            in->discarding = false;
        } else if (in->len + chunk > CTL_LINE_MAX) {
            /* Refused as what it looked like from its first bytes. */
            size_t look = in->len > 0 ? in->len : chunk;
            bool json = line_is_json(in->len > 0 ? in->buf : data,
                                     look < 64 ? look : 64);

            refuse(json, "request line too long", fn, arg);
            taken++;
            in->len = 0;
            in->discarding = lf == NULL;
        } else {
            memcpy(in->buf + in->len, data, chunk);
            in->len += chunk;
            if (lf != NULL) {
                take_line(in->buf, in->len, fn, arg);
                taken++;
                in->len = 0;
            }
        }
        if (lf == NULL)
            return taken;
        data = lf + 1;
        n -= chunk + 1;
    }
    return taken;
}

const char *ctl_errno_name(int err, char *buf, size_t size)
{
    const char *name;

    if (err < 0)
        err = -err;
    name = strerrorname_np(err);
    if (name != NULL)
        return name;
    snprintf(buf, size, "E%d", err);
    return buf;
}

void ctl_frame_header(struct jbuf *b, const char *kind, size_t len,
                      const char *errname)
{
    char num[24];

    jb_raw(b, kind, strlen(kind));
    jb_lit(b, " ");
    jb_raw(b, num, json_utoa(len, num));
    if (errname != NULL) {
        jb_lit(b, " ");
        jb_raw(b, errname, strlen(errname));
    }
    jb_lit(b, "\n");
}

void ctl_json_reply(struct jbuf *b, const char *id, int ret,
                    const char *out, size_t outlen,
                    const char *err, size_t errlen)
{
    ctl_json_reply_open(b, id, ret, out, outlen, err, errlen);
    ctl_json_reply_close(b);
}

void ctl_json_reply_close(struct jbuf *b)
{
    jb_close(b, '}');
    jb_lit(b, "\n");
    b->comma = false;
}

void ctl_json_reply_open(struct jbuf *b, const char *id, int ret,
                         const char *out, size_t outlen,
                         const char *err, size_t errlen)
{
    char nb[16];

    b->comma = false;
    jb_open(b, '{');
    jb_key(b, "id");
    jb_json(b, id != NULL ? id : "null");
    jb_kv_bool(b, "ok", ret >= 0);
    jb_key(b, "output");
    jb_strn(b, out != NULL ? out : "", out != NULL ? outlen : 0);
    jb_key(b, "error");
    if (err != NULL && errlen > 0)
        jb_strn(b, err, errlen);
    else
        jb_null(b);
    if (ret < 0) {
        jb_kv_str(b, "errno", ctl_errno_name(ret, nb, sizeof(nb)));
    }
}
