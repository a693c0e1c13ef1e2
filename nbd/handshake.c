/*
 * handshake.c — the fixed newstyle handshake, server side.
 *
 * The greeting goes out, the client's flags come in, then options one at
 * a time: a 16-byte header, then its payload, read whole into opt_buf (up
 * to NBD_OPT_MAX) or dropped on the way (an option we do not know, or
 * one too long to be honest).  Each option gets its replies and the
 * machine waits for the next header, until GO or EXPORT_NAME moves the
 * connection to transmission, or ABORT ends it.
 *
 * Refusals use qemu-nbd's reply types and words (nbd/server.c), so that a
 * client sees what it would see from qemu-nbd.  What cannot be answered
 * (a bad magic, unknown client flags, an option length past 32 MiB, an
 * unknown export in EXPORT_NAME, which has no error reply) closes the
 * connection.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbd/server-int.h"
#include "util/strfmt.h"

/* qemu's NBD_META_ID_BASE_ALLOCATION. */
#define HS_META_ID_BASE 0

/* A cursor over an option's payload. */
struct hs_rd {
    const uint8_t *p;
    uint32_t left;
};

static void hs_reply(struct nbd_conn *c, uint32_t type, const void *payload,
                     uint32_t len)
{
    struct nbd_opt_reply r = { c->opt, type, len };
    uint8_t hdr[NBD_OPT_REPLY_SIZE];
    void *own = NULL;

    nbd_encode_opt_reply(hdr, &r);
    if (len > 0) {
        own = malloc(len);
        if (own == NULL)
            abort();
        memcpy(own, payload, len);
    }
    nbd_conn_queue(c, hdr, sizeof(hdr), own, len, NULL, own);
}

static void hs_error(struct nbd_conn *c, uint32_t type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void hs_error(struct nbd_conn *c, uint32_t type, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = vstrfmt(fmt, ap);
    va_end(ap);
    if (msg == NULL)
        abort();
    hs_reply(c, type, msg, (uint32_t)strlen(msg));
    free(msg);
}

/* A name as an error message shows it (qemu's nbd_sanitize_name). */
static char *hs_sane(const char *name)
{
    return strlen(name) < 80 ? strdup(name) : strfmt("%.80s...", name);
}

void nbd_hs_greet(struct nbd_conn *c)
{
    uint8_t buf[NBD_GREETING_SIZE];

    nbd_encode_greeting(buf, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    nbd_conn_queue(c, buf, sizeof(buf), NULL, 0, NULL, NULL);
}

/* ---- reading an option's payload ---------------------------------------- */

static bool hs_inconsistent(struct nbd_conn *c)
{
    hs_error(c, NBD_REP_ERR_INVALID, "Inconsistent lengths in option %s",
             nbd_opt_name(c->opt));
    return false;
}

static bool hs_u16(struct nbd_conn *c, struct hs_rd *r, uint16_t *v)
{
    if (r->left < 2)
        return hs_inconsistent(c);
    *v = nbd_get16(r->p);
    r->p += 2;
    r->left -= 2;
    return true;
}

static bool hs_u32(struct nbd_conn *c, struct hs_rd *r, uint32_t *v)
{
    if (r->left < 4)
        return hs_inconsistent(c);
    *v = nbd_get32(r->p);
    r->p += 4;
    r->left -= 4;
    return true;
}

/* len bytes as a string: no NUL inside (qemu's nbd_opt_read check_nul). */
static bool hs_bytes(struct nbd_conn *c, struct hs_rd *r, uint32_t len,
                     char **out)
{
    if (len > r->left)
        return hs_inconsistent(c);
    if (memchr(r->p, '\0', len) != NULL) {
        hs_error(c, NBD_REP_ERR_INVALID, "Unexpected embedded NUL in "
                 "option %s", nbd_opt_name(c->opt));
        return false;
    }
    *out = strndup((const char *)r->p, len);
    if (*out == NULL)
        abort();
    r->p += len;
    r->left -= len;
    return true;
}

/* A name: 32-bit length, at most NBD_MAX_STRING bytes. */
static bool hs_name(struct nbd_conn *c, struct hs_rd *r, char **out)
{
    uint32_t len;

    if (!hs_u32(c, r, &len))
        return false;
    if (len > NBD_MAX_STRING) {
        hs_error(c, NBD_REP_ERR_INVALID, "Invalid name length: %u", len);
        return false;
    }
    return hs_bytes(c, r, len, out);
}

static void hs_unexpected_length(struct nbd_conn *c)
{
    hs_error(c, NBD_REP_ERR_INVALID, "option '%s' has unexpected length",
             nbd_opt_name(c->opt));
}

/* ---- options ------------------------------------------------------------- */

static void hs_list(struct nbd_conn *c)
{
    struct nbd_listener *lis = c->lis;

    for (size_t i = 0; i < lis->nexports; i++) {
        struct export *e = lis->exports[i];
        struct nbd_export *ne = e->priv;
        const char *desc = ne->description ? ne->description : "";
        size_t nlen = strlen(e->name), dlen = strlen(desc);
        uint8_t *buf;

        if (e->draining)
            continue;
        buf = malloc(4 + nlen + dlen);
        if (buf == NULL)
            abort();
        nbd_put32(buf, (uint32_t)nlen);
        memcpy(buf + 4, e->name, nlen);
        memcpy(buf + 4 + nlen, desc, dlen);
        hs_reply(c, NBD_REP_SERVER, buf, (uint32_t)(4 + nlen + dlen));
        free(buf);
    }
    hs_reply(c, NBD_REP_ACK, NULL, 0);
}

static uint16_t hs_tx_flags(const struct nbd_conn *c, const struct export *e)
{
    /* All clients share one device: a flush on any connection covers
     * what every connection wrote, which is what MULTI_CONN promises. */
    uint16_t f = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH |
                 NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_CACHE |
                 NBD_FLAG_CAN_MULTI_CONN;

    if (e->read_only || bk_dev_read_only(e->dev))
        f |= NBD_FLAG_READ_ONLY;
    else
        f |= NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES |
             NBD_FLAG_SEND_FAST_ZERO;
    if (c->structured)
        f |= NBD_FLAG_SEND_DF;
    return f;
}

/* The largest payload told to clients: the device's transfer limit, at
 * most 32 MiB (qemu's NBD_MAX_BUFFER_SIZE). */
static uint32_t hs_max_payload(const struct export *e)
{
    int64_t max = bk_dev_max_transfer(e->dev);

    if (max <= 0 || max > (int64_t)NBD_MAX_PAYLOAD)
        max = NBD_MAX_PAYLOAD;
    return (uint32_t)max;
}

/* From here on the connection serves e. */
static void hs_attach(struct nbd_conn *c, struct export *e, uint32_t min_block)
{
    c->exp = e;
    c->client = export_client_new(e, c->peer);
    c->tx_flags = hs_tx_flags(c, e);
    c->size = (uint64_t)bk_dev_length(e->dev);
    c->min_block = min_block;
    c->max_payload = hs_max_payload(e);
    if (c->meta_export == NULL || strcmp(c->meta_export, e->name) != 0)
        c->meta_base = false;
    if (c->handshake_timer > 0) {
        bk_loop_del_timer(c->lis->loop, c->handshake_timer);
        c->handshake_timer = 0;
    }
    c->state = NBD_CS_REQ_HEADER;
}

static void hs_export_name(struct nbd_conn *c, const uint8_t *p, uint32_t len)
{
    char *name = strndup((const char *)p, len);
    uint8_t reply[NBD_EXPORT_NAME_REPLY] = { 0 };
    struct export *e;

    if (name == NULL)
        abort();
    e = nbd_listener_find(c->lis, name);
    free(name);
    if (e == NULL) {
        /* EXPORT_NAME has no error reply: hang up. */
        nbd_conn_close(c, true, "export not found");
        return;
    }
    nbd_put64(reply, (uint64_t)bk_dev_length(e->dev));
    nbd_put16(reply + 8, hs_tx_flags(c, e));
    {
        size_t n = c->no_zeroes ? 10 : sizeof(reply);
        void *own = malloc(n);

        if (own == NULL)
            abort();
        memcpy(own, reply, n);
        nbd_conn_queue(c, NULL, 0, own, n, NULL, own);
    }
    hs_attach(c, e, 1);
}

static void hs_info(struct nbd_conn *c, struct hs_rd *r)
{
    bool want_name = false, want_bs = false;
    uint16_t nreq = 0, req = 0;
    uint32_t sizes[3], align;
    uint8_t buf[12];
    struct export *e;
    char *name = NULL, *sane;

    if (!hs_name(c, r, &name) || !hs_u16(c, r, &nreq))
        goto out;
    while (nreq-- > 0) {
        if (!hs_u16(c, r, &req))
            goto out;
        if (req == NBD_INFO_NAME)
            want_name = true;
        else if (req == NBD_INFO_BLOCK_SIZE)
            want_bs = true;
    }
    if (r->left > 0) {
        hs_unexpected_length(c);
        goto out;
    }
    e = nbd_listener_find(c->lis, name);
    if (e == NULL) {
        sane = hs_sane(name);
        hs_error(c, NBD_REP_ERR_UNKNOWN, "export '%s' not present", sane);
        free(sane);
        goto out;
    }
    if (want_name) {
        size_t n = strlen(name);
        uint8_t *p = malloc(2 + n);

        if (p == NULL)
            abort();
        nbd_put16(p, NBD_INFO_NAME);
        memcpy(p + 2, name, n);
        hs_reply(c, NBD_REP_INFO, p, (uint32_t)(2 + n));
        free(p);
    }
    if (((struct nbd_export *)e->priv)->description != NULL) {
        const char *d = ((struct nbd_export *)e->priv)->description;
        size_t n = strlen(d);
        uint8_t *p = malloc(2 + n);

        if (p == NULL)
            abort();
        nbd_put16(p, NBD_INFO_DESCRIPTION);
        memcpy(p + 2, d, n);
        hs_reply(c, NBD_REP_INFO, p, (uint32_t)(2 + n));
        free(p);
    }
    /* Block sizes always; the true minimum only to a client that asked
     * for it (or merely looks, with INFO): others get 1, as qemu does for
     * clients that may not know the constraint. */
    align = bk_dev_request_alignment(e->dev);
    sizes[0] = c->opt == NBD_OPT_INFO || want_bs ? align : 1;
    sizes[1] = align > 4096 ? align : 4096;
    sizes[2] = hs_max_payload(e);
    {
        uint8_t p[14];

        nbd_put16(p, NBD_INFO_BLOCK_SIZE);
        nbd_put32(p + 2, sizes[0]);
        nbd_put32(p + 6, sizes[1]);
        nbd_put32(p + 10, sizes[2]);
        hs_reply(c, NBD_REP_INFO, p, sizeof(p));
    }
    nbd_put16(buf, NBD_INFO_EXPORT);
    nbd_put64(buf + 2, (uint64_t)bk_dev_length(e->dev));
    {
        uint8_t p[12];

        memcpy(p, buf, 10);
        nbd_put16(p + 10, hs_tx_flags(c, e));
        hs_reply(c, NBD_REP_INFO, p, sizeof(p));
    }
    if (c->opt == NBD_OPT_INFO && !want_bs && align > 1) {
        hs_error(c, NBD_REP_ERR_BLOCK_SIZE_REQD,
                 "request NBD_INFO_BLOCK_SIZE to use this export");
        goto out;
    }
    hs_reply(c, NBD_REP_ACK, NULL, 0);
    if (c->opt == NBD_OPT_GO)
        hs_attach(c, e, sizes[0]);
out:
    free(name);
}

/* Does query select base:allocation?  An empty leaf in a LIST means every
 * context of the namespace (qemu's nbd_meta_empty_or_pattern). */
static bool hs_meta_match(const struct nbd_conn *c, const char *q)
{
    if (strncmp(q, "base:", 5) != 0)
        return false;
    q += 5;
    if (*q == '\0')
        return c->opt == NBD_OPT_LIST_META_CONTEXT;
    return strcmp(q, "allocation") == 0;
}

static void hs_meta(struct nbd_conn *c, struct hs_rd *r)
{
    bool base = false, set = c->opt == NBD_OPT_SET_META_CONTEXT;
    char *name = NULL, *sane;
    uint32_t nq = 0;

    if (set && !c->structured) {
        hs_error(c, NBD_REP_ERR_INVALID, "request option '%s' when "
                 "structured reply is not negotiated", nbd_opt_name(c->opt));
        return;
    }
    if (set) {                 /* a SET replaces, even when it fails */
        c->meta_base = false;
        free(c->meta_export);
        c->meta_export = NULL;
    }
    if (!hs_name(c, r, &name))
        return;
    if (nbd_listener_find(c->lis, name) == NULL) {
        sane = hs_sane(name);
        hs_error(c, NBD_REP_ERR_UNKNOWN, "export '%s' not present", sane);
        free(sane);
        free(name);
        return;
    }
    if (!hs_u32(c, r, &nq))
        goto out;
    if (!set && nq == 0)
        base = true;
    for (uint32_t i = 0; i < nq; i++) {
        uint32_t len;
        char *q;

        if (!hs_u32(c, r, &len))
            goto out;
        if (len > NBD_MAX_STRING) {       /* skipped, as qemu does */
            if (len > r->left) {
                hs_inconsistent(c);
                goto out;
            }
            r->p += len;
            r->left -= len;
            continue;
        }
        if (!hs_bytes(c, r, len, &q))
            goto out;
        if (hs_meta_match(c, q))
            base = true;
        free(q);
    }
    if (r->left > 0) {
        hs_unexpected_length(c);
        goto out;
    }
    if (base) {
        size_t n = strlen(NBD_META_BASE_ALLOCATION);
        uint8_t *p = malloc(4 + n);

        if (p == NULL)
            abort();
        nbd_put32(p, set ? HS_META_ID_BASE : 0);
        memcpy(p + 4, NBD_META_BASE_ALLOCATION, n);
        hs_reply(c, NBD_REP_META_CONTEXT, p, (uint32_t)(4 + n));
        free(p);
    }
    hs_reply(c, NBD_REP_ACK, NULL, 0);
    if (set) {
        c->meta_base = base;
        c->meta_export = name;
        name = NULL;
    }
out:
    free(name);
}

/* The option in opt_buf (opt_len bytes) is complete: answer it. */
static void hs_option(struct nbd_conn *c)
{
    struct hs_rd r = { c->opt_buf, c->opt_len };
    bool plain = c->tls == NULL;

    c->state = NBD_CS_OPT_HEADER;
    switch (c->opt) {
    case NBD_OPT_EXPORT_NAME:
        hs_export_name(c, c->opt_buf, c->opt_len);
        break;
    case NBD_OPT_LIST:
        if (c->opt_len > 0)
            hs_unexpected_length(c);
        else
            hs_list(c);
        break;
    case NBD_OPT_ABORT:
        /* Reply, then hang up; the client may not wait for it. */
        hs_reply(c, NBD_REP_ACK, NULL, 0);
        nbd_conn_close(c, false, "client aborted");
        break;
    case NBD_OPT_INFO:
    case NBD_OPT_GO:
        hs_info(c, &r);
        break;
    case NBD_OPT_STARTTLS:
        if (c->opt_len > 0) {
            hs_unexpected_length(c);
            /* A client that cannot start TLS right is not trusted. */
            if (plain && c->lis->tls_mode == NBD_TLS_REQUIRE)
                nbd_conn_close(c, false, "bad STARTTLS");
        } else if (!plain) {
            hs_error(c, NBD_REP_ERR_INVALID, "TLS already enabled");
        } else if (c->lis->tls == NULL) {
            hs_error(c, NBD_REP_ERR_POLICY, "TLS not configured");
        } else {
            hs_reply(c, NBD_REP_ACK, NULL, 0);
            nbd_conn_start_tls(c);
        }
        break;
    case NBD_OPT_STRUCTURED_REPLY:
        if (c->opt_len > 0) {
            hs_unexpected_length(c);
        } else if (c->structured) {
            hs_error(c, NBD_REP_ERR_INVALID,
                     "structured reply already negotiated");
        } else {
            hs_reply(c, NBD_REP_ACK, NULL, 0);
            c->structured = true;
        }
        break;
    case NBD_OPT_LIST_META_CONTEXT:
    case NBD_OPT_SET_META_CONTEXT:
        hs_meta(c, &r);
        break;
    }
    free(c->opt_buf);
    c->opt_buf = NULL;
}

static bool hs_known(uint32_t opt)
{
    switch (opt) {
    case NBD_OPT_EXPORT_NAME: case NBD_OPT_LIST: case NBD_OPT_ABORT:
    case NBD_OPT_INFO: case NBD_OPT_GO: case NBD_OPT_STARTTLS:
    case NBD_OPT_STRUCTURED_REPLY: case NBD_OPT_LIST_META_CONTEXT:
    case NBD_OPT_SET_META_CONTEXT:
        return true;
    default:
        return false;
    }
}

static void hs_skip_done(struct nbd_conn *c);

/* Drop the payload, then answer with type and msg. */
static void hs_skip(struct nbd_conn *c, uint32_t type, char *msg)
{
    c->opt_err = type;
    free(c->opt_msg);
    c->opt_msg = msg;
    c->opt_got = 0;
    c->state = NBD_CS_OPT_SKIP;
    if (c->opt_len == 0)
        hs_skip_done(c);
}

static void hs_skip_done(struct nbd_conn *c)
{
    c->state = NBD_CS_OPT_HEADER;
    hs_reply(c, c->opt_err, c->opt_msg, (uint32_t)strlen(c->opt_msg));
    free(c->opt_msg);
    c->opt_msg = NULL;
    if (c->opt == NBD_OPT_ABORT)
        nbd_conn_close(c, false, "client aborted");
}

/* A header arrived: decide what to do with the option. */
static void hs_header(struct nbd_conn *c)
{
    bool plain = c->tls == NULL;

    if (c->opt_len > NBD_MAX_PAYLOAD) {
        nbd_conn_close(c, true, "option too long");
        return;
    }
    if (plain && c->lis->tls_mode == NBD_TLS_REQUIRE &&
        c->opt != NBD_OPT_STARTTLS) {
        if (!c->fixed_newstyle || c->opt == NBD_OPT_EXPORT_NAME) {
            nbd_conn_close(c, true, "option not permitted before TLS");
            return;
        }
        hs_skip(c, NBD_REP_ERR_TLS_REQD,
                strfmt("Option 0x%x not permitted before TLS", c->opt));
        return;
    }
    if (!c->fixed_newstyle && c->opt != NBD_OPT_EXPORT_NAME) {
        nbd_conn_close(c, true, "unsupported option");
        return;
    }
    if (c->opt == NBD_OPT_EXPORT_NAME && c->opt_len > NBD_MAX_STRING) {
        nbd_conn_close(c, true, "bad length received");
        return;
    }
    if (!hs_known(c->opt)) {
        hs_skip(c, NBD_REP_ERR_UNSUP, strfmt("Unsupported option %u (%s)",
                                             c->opt, nbd_opt_name(c->opt)));
        return;
    }
    if (c->opt_len > NBD_OPT_MAX) {
        hs_skip(c, NBD_REP_ERR_TOO_BIG, strfmt("option '%s' is too long",
                                               nbd_opt_name(c->opt)));
        return;
    }
    c->opt_buf = malloc(c->opt_len ? c->opt_len : 1);
    if (c->opt_buf == NULL)
        abort();
    c->opt_got = 0;
    c->state = NBD_CS_OPT_DATA;
    if (c->opt_len == 0)
        hs_option(c);
}

size_t nbd_hs_input(struct nbd_conn *c, const uint8_t *p, size_t avail)
{
    size_t n;
    uint32_t flags;

    switch (c->state) {
    case NBD_CS_CLIENT_FLAGS:
        if (avail < 4)
            return 0;
        flags = nbd_get32(p);
        c->fixed_newstyle = flags & NBD_FLAG_C_FIXED_NEWSTYLE;
        c->no_zeroes = flags & NBD_FLAG_C_NO_ZEROES;
        if (flags & ~(uint32_t)(NBD_FLAG_C_FIXED_NEWSTYLE |
                                NBD_FLAG_C_NO_ZEROES)) {
            nbd_conn_close(c, true, "unknown client flags");
            return 4;
        }
        c->state = NBD_CS_OPT_HEADER;
        return 4;
    case NBD_CS_OPT_HEADER:
        if (avail < NBD_OPT_HEADER_SIZE)
            return 0;
        if (nbd_decode_opt(p, &c->opt, &c->opt_len) < 0) {
            nbd_conn_close(c, true, "bad option magic");
            return NBD_OPT_HEADER_SIZE;
        }
        hs_header(c);
        return NBD_OPT_HEADER_SIZE;
    case NBD_CS_OPT_DATA:
        n = c->opt_len - c->opt_got;
        if (n > avail)
            n = avail;
        memcpy(c->opt_buf + c->opt_got, p, n);
        c->opt_got += (uint32_t)n;
        if (c->opt_got == c->opt_len)
            hs_option(c);
        return n;
    case NBD_CS_OPT_SKIP:
        n = c->opt_len - c->opt_got;
        if (n > avail)
            n = avail;
        c->opt_got += (uint32_t)n;
        if (c->opt_got == c->opt_len)
            hs_skip_done(c);
        return n;
    default:
        return 0;
    }
}
