/*
 * client.c — the client's handshake (see client.h).
 *
 * The steps follow qemu's nbd_receive_negotiate, so that a server sees the
 * same conversation and a failure gets the same words: greeting, client
 * flags, STRUCTURED_REPLY, SET_META_CONTEXT base:allocation, GO (asking
 * for the block sizes), else EXPORT_NAME; an oldstyle server instead sends
 * its size and flags at once.  Every read and write is whole or an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nbd/client.h"
#include "nbd/proto.h"
#include "util/strfmt.h"

/* What a failed step says, in qemu's order: "Failed to read X: why". */
static int neg_fail(char **cause, int err, const char *prefix,
                    const char *why)
{
    if (*cause == NULL)
        *cause = strfmt("%s%s", prefix != NULL ? prefix : "", why);
    return err;
}

/* Read exactly len bytes; desc names them in the message. */
static int neg_read(int fd, void *buf, size_t len, const char *desc,
                    char **cause)
{
    char prefix[96] = "";
    size_t done = 0;

    if (desc != NULL)
        snprintf(prefix, sizeof(prefix), "Failed to read %s: ", desc);
    while (done < len) {
        ssize_t r = read(fd, (char *)buf + done, len - done);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            char why[160];

            snprintf(why, sizeof(why), "Unable to read from socket: %s",
                     strerror(errno));
            return neg_fail(cause, -EIO, prefix, why);
        }
        if (r == 0)
            return neg_fail(cause, -EIO, prefix, "Unexpected end-of-file "
                            "before all data were read");
        done += (size_t)r;
    }
    return 0;
}

static int neg_write(int fd, const void *buf, size_t len, const char *prefix,
                     char **cause)
{
    size_t done = 0;

    while (done < len) {
        ssize_t r = send(fd, (const char *)buf + done, len - done,
                         MSG_NOSIGNAL);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            char why[160];

            snprintf(why, sizeof(why), "Unable to write to socket: %s",
                     strerror(errno));
            return neg_fail(cause, -EIO, prefix, why);
        }
        done += (size_t)r;
    }
    return 0;
}

/* Skip len bytes the client has no use for. */
static int neg_drop(int fd, uint32_t len, const char *prefix, char **cause)
{
    uint8_t sink[512];

    while (len > 0) {
        uint32_t n = len < sizeof(sink) ? len : sizeof(sink);
        int ret = neg_read(fd, sink, n, NULL, cause);

        if (ret < 0) {
            char *inner = *cause;

            *cause = strfmt("%s%s", prefix != NULL ? prefix : "", inner);
            free(inner);
            return ret;
        }
        len -= n;
    }
    return 0;
}

static int send_option(int fd, uint32_t opt, uint32_t len, const void *data,
                       char **cause)
{
    uint8_t hdr[NBD_OPT_HEADER_SIZE];

    nbd_encode_opt(hdr, opt, len);
    if (neg_write(fd, hdr, sizeof(hdr),
                  "Failed to send option request header: ", cause) < 0)
        return -EIO;
    if (len > 0 && neg_write(fd, data, len,
                             "Failed to send option request data: ",
                             cause) < 0)
        return -EIO;
    return 0;
}

/* The server may answer or hang up: either way the client is done. */
static void send_abort(int fd)
{
    char *ignored = NULL;

    send_option(fd, NBD_OPT_ABORT, 0, NULL, &ignored);
    free(ignored);
}

static int receive_option_reply(int fd, uint32_t opt,
                                struct nbd_opt_reply *r, char **cause)
{
    uint8_t buf[NBD_OPT_REPLY_SIZE];

    if (neg_read(fd, buf, sizeof(buf), "option reply", cause) < 0) {
        send_abort(fd);
        return -EIO;
    }
    if (nbd_decode_opt_reply(buf, r) < 0) {
        *cause = strfmt("Unexpected option reply magic");
        send_abort(fd);
        return -EINVAL;
    }
    if (r->option != opt) {
        *cause = strfmt("Unexpected option type %u (%s), expected %u (%s)",
                        r->option, nbd_opt_name(r->option), opt,
                        nbd_opt_name(opt));
        send_abort(fd);
        return -EINVAL;
    }
    return 0;
}

/*
 * 1 when r is no error; an error's message is read, then 0 when the
 * client may fall back (ERR_UNSUP, or any error unless strict), or -1
 * with *cause.
 */
static int handle_reply_err(int fd, const struct nbd_opt_reply *r,
                            bool strict, char **cause)
{
    char *msg = NULL, *what;

    if (!(r->type & NBD_REP_ERR(0)))
        return 1;
    if (r->length > 0) {
        if (r->length > NBD_MAX_PAYLOAD) {
            *cause = strfmt("server error %" PRIu32 " (%s) message is too "
                            "long", r->type, nbd_rep_name(r->type));
            send_abort(fd);
            return -1;
        }
        msg = malloc(r->length + 1);
        if (msg == NULL || neg_read(fd, msg, r->length, NULL, cause) < 0) {
            char *inner = *cause;

            *cause = strfmt("Failed to read option error %" PRIu32
                            " (%s) message: %s", r->type,
                            nbd_rep_name(r->type),
                            inner != NULL ? inner : strerror(ENOMEM));
            free(inner);
            free(msg);
            send_abort(fd);
            return -1;
        }
        msg[r->length] = '\0';
    }
    if (r->type == NBD_REP_ERR_UNSUP || !strict) {
        free(msg);
        return 0;
    }
    switch (r->type) {
    case NBD_REP_ERR_POLICY:
        what = strfmt("Denied by server for option %" PRIu32 " (%s)",
                      r->option, nbd_opt_name(r->option));
        break;
    case NBD_REP_ERR_INVALID:
        what = strfmt("Invalid parameters for option %" PRIu32 " (%s)",
                      r->option, nbd_opt_name(r->option));
        break;
    case NBD_REP_ERR_PLATFORM:
        what = strfmt("Server lacks support for option %" PRIu32 " (%s)",
                      r->option, nbd_opt_name(r->option));
        break;
    case NBD_REP_ERR_TLS_REQD:
        what = strfmt("TLS negotiation required before option %" PRIu32
                      " (%s)\nDid you forget a valid tls-creds?", r->option,
                      nbd_opt_name(r->option));
        break;
    case NBD_REP_ERR_UNKNOWN:
        what = strfmt("Requested export not available");
        break;
    case NBD_REP_ERR_SHUTDOWN:
        what = strfmt("Server shutting down before option %" PRIu32 " (%s)",
                      r->option, nbd_opt_name(r->option));
        break;
    case NBD_REP_ERR_BLOCK_SIZE_REQD:
        what = strfmt("Server requires INFO_BLOCK_SIZE for option %" PRIu32
                      " (%s)", r->option, nbd_opt_name(r->option));
        break;
    default:
        what = strfmt("Unknown error code when asking for option %" PRIu32
                      " (%s)", r->option, nbd_opt_name(r->option));
        break;
    }
    /* qemu's hint: a line of its own after the message. */
    if (msg != NULL) {
        *cause = strfmt("%s\nserver reported: %s", what, msg);
        free(what);
    } else {
        *cause = what;
    }
    free(msg);
    send_abort(fd);
    return -1;
}

/* An option without data that the server acknowledges: 1, 0 when
 * unsupported, -1 with *cause. */
static int simple_option(int fd, uint32_t opt, bool strict, char **cause)
{
    struct nbd_opt_reply r;
    int ret;

    if (send_option(fd, opt, 0, NULL, cause) < 0 ||
        receive_option_reply(fd, opt, &r, cause) < 0)
        return -1;
    ret = handle_reply_err(fd, &r, strict, cause);
    if (ret <= 0)
        return ret;
    if (r.type != NBD_REP_ACK) {
        *cause = strfmt("Server answered option %d (%s) with unexpected "
                        "reply %" PRIu32 " (%s)", (int)opt, nbd_opt_name(opt),
                        r.type, nbd_rep_name(r.type));
        send_abort(fd);
        return -1;
    }
    if (r.length != 0) {
        *cause = strfmt("Option %d ('%s') response length is %" PRIu32
                        " (it should be zero)", (int)opt, nbd_opt_name(opt),
                        r.length);
        send_abort(fd);
        return -1;
    }
    return 1;
}

/* One reply to SET_META_CONTEXT: 1 with *name and *id, 0 at the end (or
 * unsupported), -1 with *cause. */
static int receive_meta_context(int fd, char **name, uint32_t *id,
                                char **cause)
{
    struct nbd_opt_reply r;
    uint8_t idbuf[4];
    int ret;

    if (receive_option_reply(fd, NBD_OPT_SET_META_CONTEXT, &r, cause) < 0)
        return -1;
    ret = handle_reply_err(fd, &r, false, cause);
    if (ret <= 0)
        return ret;
    if (r.type == NBD_REP_ACK) {
        if (r.length != 0) {
            *cause = strfmt("Unexpected length to ACK response");
            send_abort(fd);
            return -1;
        }
        return 0;
    }
    if (r.type != NBD_REP_META_CONTEXT) {
        *cause = strfmt("Unexpected reply type %u (%s), expected %u (%s)",
                        r.type, nbd_rep_name(r.type), NBD_REP_META_CONTEXT,
                        nbd_rep_name(NBD_REP_META_CONTEXT));
        send_abort(fd);
        return -1;
    }
    if (r.length <= 4 || r.length > NBD_MAX_PAYLOAD) {
        *cause = strfmt("Failed to negotiate meta context, server answered "
                        "with unexpected length %" PRIu32, r.length);
        send_abort(fd);
        return -1;
    }
    if (neg_read(fd, idbuf, 4, "context id", cause) < 0)
        return -1;
    *id = nbd_get32(idbuf);
    *name = malloc(r.length - 4 + 1);
    if (*name == NULL)
        return neg_fail(cause, -1, NULL, strerror(ENOMEM));
    if (neg_read(fd, *name, r.length - 4, "context name", cause) < 0) {
        free(*name);
        *name = NULL;
        return -1;
    }
    (*name)[r.length - 4] = '\0';
    return 1;
}

/* base:allocation for the export: 1 when the server agreed, 0 when it
 * has no such context, -1 with *cause. */
static int meta_context(int fd, const char *export,
                        struct nbd_export_info *info, char **cause)
{
    const char *ctx = NBD_META_BASE_ALLOCATION;
    size_t nlen = strlen(export), clen = strlen(ctx);
    size_t len = 4 + nlen + 4 + 4 + clen;
    uint8_t *buf = malloc(len);
    char *name = NULL;
    bool received = false;
    int ret;

    if (buf == NULL)
        return neg_fail(cause, -1, NULL, strerror(ENOMEM));
    nbd_put32(buf, (uint32_t)nlen);
    memcpy(buf + 4, export, nlen);
    nbd_put32(buf + 4 + nlen, 1);
    nbd_put32(buf + 8 + nlen, (uint32_t)clen);
    memcpy(buf + 12 + nlen, ctx, clen);
    ret = send_option(fd, NBD_OPT_SET_META_CONTEXT, (uint32_t)len, buf,
                      cause);
    free(buf);
    if (ret < 0)
        return -1;
    ret = receive_meta_context(fd, &name, &info->context_id, cause);
    if (ret < 0)
        return -1;
    if (ret == 1) {
        if (strcmp(ctx, name) != 0) {
            *cause = strfmt("Failed to negotiate meta context '%s', server "
                            "answered with different context '%s'", ctx,
                            name);
            free(name);
            send_abort(fd);
            return -1;
        }
        free(name);
        name = NULL;
        received = true;
        ret = receive_meta_context(fd, &name, &info->context_id, cause);
        free(name);
        if (ret < 0)
            return -1;
    }
    if (ret != 0) {
        *cause = strfmt("Server answered with more than one context");
        send_abort(fd);
        return -1;
    }
    return received;
}

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* One NBD_REP_INFO of len bytes (its type read already). */
static int go_info(int fd, uint16_t type, uint32_t len,
                   struct nbd_export_info *info, char **cause)
{
    uint8_t b[12];

    switch (type) {
    case NBD_INFO_EXPORT:
        if (len != 10) {
            *cause = strfmt("remaining export info len %" PRIu32 " is "
                            "unexpected size", len);
            return -1;
        }
        if (neg_read(fd, b, 8, "info size", cause) < 0 ||
            neg_read(fd, b + 8, 2, "info flags", cause) < 0)
            return -1;
        info->size = nbd_get64(b);
        info->flags = nbd_get16(b + 8);
        if (info->min_block != 0 && info->size % info->min_block != 0) {
            *cause = strfmt("export size %" PRIu64 " is not multiple of "
                            "minimum block size %" PRIu32, info->size,
                            info->min_block);
            return -1;
        }
        return 0;
    case NBD_INFO_BLOCK_SIZE:
        if (len != 12) {
            *cause = strfmt("remaining export info len %" PRIu32 " is "
                            "unexpected size", len);
            return -1;
        }
        if (neg_read(fd, b, 4, "info minimum block size", cause) < 0)
            return -1;
        info->min_block = nbd_get32(b);
        if (!is_pow2(info->min_block)) {
            *cause = strfmt("server minimum block size %" PRIu32 " is not "
                            "a power of two", info->min_block);
            return -1;
        }
        if (neg_read(fd, b, 4, "info preferred block size", cause) < 0)
            return -1;
        info->opt_block = nbd_get32(b);
        if (!is_pow2(info->opt_block) || info->opt_block < info->min_block) {
            *cause = strfmt("server preferred block size %" PRIu32 " is not "
                            "valid", info->opt_block);
            return -1;
        }
        if (neg_read(fd, b, 4, "info maximum block size", cause) < 0)
            return -1;
        info->max_block = nbd_get32(b);
        if (info->max_block < info->min_block) {
            *cause = strfmt("server maximum block size %" PRIu32 " is not "
                            "valid", info->max_block);
            return -1;
        }
        return 0;
    default:
        return neg_drop(fd, len, "Failed to read info payload: ", cause);
    }
}

/* NBD_OPT_GO: 1 when the export is ready, 0 when the server lacks GO,
 * -1 with *cause. */
static int opt_go(int fd, const char *export, struct nbd_export_info *info,
                  char **cause)
{
    size_t nlen = strlen(export);
    uint8_t *buf = malloc(4 + nlen + 4);
    struct nbd_opt_reply r;
    uint8_t tb[2];
    int ret;

    if (buf == NULL)
        return neg_fail(cause, -1, NULL, strerror(ENOMEM));
    /* A broken server is one that never names the flags. */
    info->flags = 0;
    nbd_put32(buf, (uint32_t)nlen);
    memcpy(buf + 4, export, nlen);
    nbd_put16(buf + 4 + nlen, 1);
    nbd_put16(buf + 6 + nlen, NBD_INFO_BLOCK_SIZE);
    ret = send_option(fd, NBD_OPT_GO, (uint32_t)(nlen + 8), buf, cause);
    free(buf);
    if (ret < 0)
        return -1;
    for (;;) {
        if (receive_option_reply(fd, NBD_OPT_GO, &r, cause) < 0)
            return -1;
        ret = handle_reply_err(fd, &r, true, cause);
        if (ret <= 0)
            return ret;
        if (r.type == NBD_REP_ACK) {
            if (r.length != 0) {
                *cause = strfmt("server sent invalid NBD_REP_ACK");
                return -1;
            }
            if (info->flags == 0) {
                *cause = strfmt("broken server omitted NBD_INFO_EXPORT");
                return -1;
            }
            return 1;
        }
        if (r.type != NBD_REP_INFO) {
            *cause = strfmt("unexpected reply type %u (%s), expected %u (%s)",
                            r.type, nbd_rep_name(r.type), NBD_REP_INFO,
                            nbd_rep_name(NBD_REP_INFO));
            send_abort(fd);
            return -1;
        }
        if (r.length < 2) {
            *cause = strfmt("NBD_REP_INFO length %" PRIu32 " is too short",
                            r.length);
            send_abort(fd);
            return -1;
        }
        if (neg_read(fd, tb, 2, "info type", cause) < 0 ||
            go_info(fd, nbd_get16(tb), r.length - 2, info, cause) < 0) {
            send_abort(fd);
            return -1;
        }
    }
}

/*
 * The greeting: 0 oldstyle, 1 newstyle limited to EXPORT_NAME, 2 fixed
 * newstyle without structured replies, 3 with them; -errno with *cause.
 * *zeroes: the server will send the 124 bytes of padding.
 */
static int start_negotiate(int fd, bool *zeroes, char **cause)
{
    uint8_t b[8];
    uint64_t magic;

    *zeroes = true;
    if (neg_read(fd, b, 8, "initial magic", cause) < 0)
        return -EINVAL;
    magic = nbd_get64(b);
    if (magic != NBD_MAGIC) {
        *cause = strfmt("Bad initial magic received: 0x%" PRIx64, magic);
        return -EINVAL;
    }
    if (neg_read(fd, b, 8, "server magic", cause) < 0)
        return -EINVAL;
    magic = nbd_get64(b);
    if (magic == NBD_OPTS_MAGIC) {
        uint32_t cflags = 0;
        uint16_t gflags;
        int res = 0;

        if (neg_read(fd, b, 2, "server flags", cause) < 0)
            return -EINVAL;
        gflags = nbd_get16(b);
        if (gflags & NBD_FLAG_FIXED_NEWSTYLE)
            cflags |= NBD_FLAG_C_FIXED_NEWSTYLE;
        if (gflags & NBD_FLAG_NO_ZEROES) {
            *zeroes = false;
            cflags |= NBD_FLAG_C_NO_ZEROES;
        }
        nbd_put32(b, cflags);
        if (neg_write(fd, b, 4, "Failed to send clientflags field: ",
                      cause) < 0)
            return -EINVAL;
        if (!(gflags & NBD_FLAG_FIXED_NEWSTYLE))
            return 1;
        res = simple_option(fd, NBD_OPT_STRUCTURED_REPLY, false, cause);
        if (res < 0)
            return -EINVAL;
        return 2 + res;
    }
    if (magic == NBD_OLDSTYLE_MAGIC)
        return 0;
    *cause = strfmt("Bad server magic received: 0x%" PRIx64, magic);
    return -EINVAL;
}

int nbd_client_negotiate(int fd, const char *name,
                         struct nbd_export_info *info, char **cause)
{
    uint8_t b[12];
    bool zeroes;
    int result = start_negotiate(fd, &zeroes, cause), ret;

    *info = (struct nbd_export_info){ 0 };
    switch (result) {
    case 3:
        info->structured_reply = true;
        ret = meta_context(fd, name, info, cause);
        if (ret < 0)
            return -EINVAL;
        info->base_allocation = ret == 1;
        __attribute__((fallthrough));
    case 2:
        ret = opt_go(fd, name, info, cause);
        if (ret < 0)
            return -EINVAL;
        if (ret > 0)
            return 0;
        /* A server without GO. */
        __attribute__((fallthrough));
    case 1:
        if (send_option(fd, NBD_OPT_EXPORT_NAME, (uint32_t)strlen(name),
                        name, cause) < 0 ||
            neg_read(fd, b, 8, "export length", cause) < 0 ||
            neg_read(fd, b + 8, 2, "export flags", cause) < 0)
            return -EINVAL;
        info->size = nbd_get64(b);
        info->flags = nbd_get16(b + 8);
        break;
    case 0:
        if (*name != '\0') {
            *cause = strfmt("Server does not support non-empty export "
                            "names");
            return -EINVAL;
        }
        if (neg_read(fd, b, 8, "export length", cause) < 0 ||
            neg_read(fd, b + 8, 4, "export flags", cause) < 0)
            return -EINVAL;
        info->size = nbd_get64(b);
        if (nbd_get32(b + 8) & ~UINT32_C(0xffff)) {
            /* qemu's format string prints an 'x' after the number. */
            *cause = strfmt("Unexpected export flags %" PRIx32 "x",
                            nbd_get32(b + 8));
            return -EINVAL;
        }
        info->flags = (uint16_t)nbd_get32(b + 8);
        break;
    default:
        return result;
    }
    if (zeroes && neg_drop(fd, 124, "Failed to read reserved block: ",
                           cause) < 0)
        return -EINVAL;
    return 0;
}

void nbd_client_send_disc(int fd)
{
    uint8_t buf[NBD_REQUEST_SIZE];
    struct nbd_request r = { .type = NBD_CMD_DISC };

    nbd_encode_request(buf, &r);
    (void)!send(fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT);
}
