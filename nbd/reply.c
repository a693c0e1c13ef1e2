/*
 * reply.c — the client's reply parser (see reply.h).
 *
 * States: a header (4 bytes of magic, then the rest of a simple reply or
 * of a chunk header), read data going straight to the request's buffers
 * (after the 8-byte offset of an OFFSET_DATA chunk), or a small payload
 * gathered whole (holes, status, errors).  Checks and messages are
 * qemu's block/nbd.c's, so that a misbehaving server meets the same
 * verdicts.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "nbd/reply.h"
#include "util/strfmt.h"

enum { R_HDR, R_DATA_OFFSET, R_DATA, R_PAYLOAD };

void nbd_reply_init(struct nbd_reply_parser *p,
                    const struct nbd_reply_ops *ops, void *opaque,
                    bool structured, uint32_t context_id, uint32_t min_block)
{
    memset(p, 0, sizeof(*p));
    p->ops = ops;
    p->opaque = opaque;
    p->structured = structured;
    p->context_id = context_id;
    p->min_block = min_block;
    p->state = R_HDR;
    p->need = 4;
}

bool nbd_reply_partial(const struct nbd_reply_parser *p)
{
    return p->state != R_HDR || p->have > 0;
}

/* Back to waiting for a header. */
static void next_header(struct nbd_reply_parser *p)
{
    p->state = R_HDR;
    p->have = 0;
    p->need = 4;
    p->cur = NULL;
}

static void finish(struct nbd_reply_parser *p)
{
    struct nbd_pending *cur = p->cur;

    next_header(p);
    p->ops->done(p->opaque, cur);
}

/* The end of one reply or chunk: the request ends with the last. */
static void chunk_end(struct nbd_reply_parser *p)
{
    if (p->simple || (p->chunk.flags & NBD_REPLY_FLAG_DONE))
        finish(p);
    else
        next_header(p);
}

static int fail(char **cause, const char *msg)
{
    *cause = strfmt("%s", msg);
    return -EINVAL;
}

/* Copy or zero (src NULL) n bytes of the request's buffers at pos. */
static void iov_fill(struct nbd_pending *r, uint64_t pos, const uint8_t *src,
                     uint64_t n)
{
    for (int i = 0; i < r->iovcnt && n > 0; i++) {
        uint64_t l = r->iov[i].iov_len;

        if (pos >= l) {
            pos -= l;
            continue;
        }
        l -= pos;
        if (l > n)
            l = n;
        if (src != NULL) {
            memcpy((uint8_t *)r->iov[i].iov_base + pos, src, (size_t)l);
            src += l;
        } else {
            memset((uint8_t *)r->iov[i].iov_base + pos, 0, (size_t)l);
        }
        n -= l;
        pos = 0;
    }
}

/* Take up to what p->need still lacks into dst; true when complete. */
static bool gather(struct nbd_reply_parser *p, uint8_t *dst,
                   const uint8_t **buf, size_t *len)
{
    size_t n = p->need - p->have;

    if (n > *len)
        n = *len;
    memcpy(dst + p->have, *buf, n);
    p->have += n;
    *buf += n;
    *len -= n;
    return p->have == p->need;
}

/* A whole header is in p->hdr. */
static int header_done(struct nbd_reply_parser *p, char **cause)
{
    uint64_t cookie;
    uint32_t error;

    if (p->simple) {
        nbd_decode_simple_reply(p->hdr, &error, &cookie);
    } else {
        nbd_decode_chunk(p->hdr, &p->chunk);
        cookie = p->chunk.cookie;
        if (!p->structured)
            return fail(cause, "Protocol error: structured reply chunk "
                        "without structured replies negotiated");
    }
    p->cur = p->ops->lookup(p->opaque, cookie);
    if (p->cur == NULL) {
        *cause = strfmt("Protocol error: reply for unknown cookie 0x%"
                        PRIx64, cookie);
        return -EINVAL;
    }
    if (p->simple) {
        if (p->structured && p->cur->type == NBD_CMD_READ)
            return fail(cause, "Protocol error: simple reply when "
                        "structured reply chunk was expected");
        p->cur->error = error != 0 ? -nbd_errno_from_nbd(error) : 0;
        if (p->cur->error == 0 && p->cur->type == NBD_CMD_READ &&
            p->cur->length > 0) {
            p->state = R_DATA;
            p->pos = 0;
            p->left = p->cur->length;
            return 0;
        }
        finish(p);
        return 0;
    }
    switch (p->chunk.type) {
    case NBD_REPLY_TYPE_NONE:
        if (!(p->chunk.flags & NBD_REPLY_FLAG_DONE))
            return fail(cause, "Protocol error: NBD_REPLY_TYPE_NONE chunk "
                        "without NBD_REPLY_FLAG_DONE flag set");
        if (p->chunk.length != 0)
            return fail(cause, "Protocol error: NBD_REPLY_TYPE_NONE chunk "
                        "with nonzero length");
        finish(p);
        return 0;
    case NBD_REPLY_TYPE_OFFSET_DATA:
        if (p->cur->type != NBD_CMD_READ)
            return fail(cause, "Unexpected NBD_REPLY_TYPE_OFFSET_DATA "
                        "chunk");
        if (p->chunk.length <= 8)
            return fail(cause, "Protocol error: invalid payload for "
                        "NBD_REPLY_TYPE_OFFSET_DATA");
        p->state = R_DATA_OFFSET;
        p->have = 0;
        p->need = 8;
        return 0;
    default:
        break;
    }
    if (!(p->chunk.type & NBD_REPLY_ERR(0)) &&
        !(p->chunk.type == NBD_REPLY_TYPE_OFFSET_HOLE &&
          p->cur->type == NBD_CMD_READ) &&
        !(p->chunk.type == NBD_REPLY_TYPE_BLOCK_STATUS &&
          p->cur->type == NBD_CMD_BLOCK_STATUS)) {
        *cause = strfmt("Unexpected reply type: %d (%s) for CMD_%s",
                        p->chunk.type, nbd_reply_type_name(p->chunk.type),
                        p->cur->type == NBD_CMD_READ ? "READ"
                        : p->cur->type == NBD_CMD_BLOCK_STATUS
                        ? "BLOCK_STATUS" : "other");
        return -EINVAL;
    }
    if (p->chunk.length > NBD_REPLY_MAX_PAYLOAD)
        return fail(cause, "Payload too large");
    p->state = R_PAYLOAD;
    p->have = 0;
    p->need = p->chunk.length;
    if (p->need == 0)
        return -EAGAIN;   /* the payload is complete already */
    return 0;
}

static int hole_done(struct nbd_reply_parser *p, char **cause)
{
    struct nbd_pending *r = p->cur;
    uint64_t offset;
    uint32_t size;

    if (p->chunk.length != 12)
        return fail(cause, "Protocol error: invalid payload for "
                    "NBD_REPLY_TYPE_OFFSET_HOLE");
    offset = nbd_get64(p->payload);
    size = nbd_get32(p->payload + 8);
    if (size == 0 || offset < r->offset || size > r->length ||
        offset > r->offset + r->length - size)
        return fail(cause, "Protocol error: server sent chunk exceeding "
                    "requested region");
    iov_fill(r, offset - r->offset, NULL, size);
    return 0;
}

static int status_done(struct nbd_reply_parser *p, char **cause)
{
    struct nbd_pending *r = p->cur;
    uint32_t id, len, flags;

    if (r->has_extent)
        return fail(cause, "Several BLOCK_STATUS chunks in reply");
    if (p->chunk.length < 12)
        return fail(cause, "Protocol error: invalid payload for "
                    "NBD_REPLY_TYPE_BLOCK_STATUS");
    id = nbd_get32(p->payload);
    if (id != p->context_id) {
        *cause = strfmt("Protocol error: unexpected context id %d for "
                        "NBD_REPLY_TYPE_BLOCK_STATUS, when negotiated "
                        "context id is %d", (int)id, (int)p->context_id);
        return -EINVAL;
    }
    len = nbd_get32(p->payload + 4);
    flags = nbd_get32(p->payload + 8);
    if (len == 0)
        return fail(cause, "Protocol error: server sent status chunk with "
                    "zero length");
    /* As qemu: an unaligned extent (qemu-nbd 3.1 sent them at an
     * unaligned end of file) is cut back to the block, or when shorter
     * than one, taken as one block of data. */
    if (p->min_block != 0 && len % p->min_block != 0) {
        if (len > p->min_block) {
            len -= len % p->min_block;
        } else {
            len = p->min_block;
            flags = 0;
        }
    }
    /* More extents than the one asked for, or a longer one: ignored. */
    if (len > r->length)
        len = r->length;
    r->has_extent = true;
    r->ext_length = len;
    r->ext_flags = flags;
    return 0;
}

static int error_done(struct nbd_reply_parser *p, char **cause)
{
    uint32_t err;
    uint16_t msglen;

    if (p->chunk.length < 6)
        return fail(cause, "Protocol error: invalid payload for structured "
                    "error");
    err = nbd_get32(p->payload);
    if (err == 0)
        return fail(cause, "Protocol error: server sent structured error "
                    "chunk with error = 0");
    msglen = nbd_get16(p->payload + 4);
    if (msglen > p->chunk.length - 6)
        return fail(cause, "Protocol error: server sent structured error "
                    "chunk with incorrect message size");
    if (p->cur->error == 0)
        p->cur->error = -nbd_errno_from_nbd(err);
    return 0;
}

static int payload_done(struct nbd_reply_parser *p, char **cause)
{
    int ret;

    if (p->chunk.type & NBD_REPLY_ERR(0))
        ret = error_done(p, cause);
    else if (p->chunk.type == NBD_REPLY_TYPE_OFFSET_HOLE)
        ret = hole_done(p, cause);
    else
        ret = status_done(p, cause);
    if (ret == 0)
        chunk_end(p);
    return ret;
}

static int data_offset_done(struct nbd_reply_parser *p, char **cause)
{
    struct nbd_pending *r = p->cur;
    uint64_t offset = nbd_get64(p->payload);
    uint64_t size = p->chunk.length - 8;

    if (offset < r->offset || size > r->length ||
        offset > r->offset + r->length - size)
        return fail(cause, "Protocol error: server sent chunk exceeding "
                    "requested region");
    p->state = R_DATA;
    p->pos = offset - r->offset;
    p->left = size;
    return 0;
}

int nbd_reply_feed(struct nbd_reply_parser *p, const uint8_t *buf,
                   size_t len, char **cause)
{
    while (len > 0) {
        size_t n;
        int ret = 0;

        switch (p->state) {
        case R_HDR:
            if (!gather(p, p->hdr, &buf, &len))
                return 0;
            if (p->need == 4) {
                uint32_t magic = nbd_get32(p->hdr);

                if (magic == NBD_SIMPLE_REPLY_MAGIC) {
                    p->simple = true;
                    p->need = NBD_SIMPLE_REPLY_SIZE;
                } else if (magic == NBD_STRUCTURED_REPLY_MAGIC) {
                    p->simple = false;
                    p->need = NBD_CHUNK_HEADER_SIZE;
                } else {
                    *cause = strfmt("invalid magic (got 0x%" PRIx32 ")",
                                    magic);
                    return -EINVAL;
                }
                continue;
            }
            ret = header_done(p, cause);
            if (ret == -EAGAIN)
                ret = payload_done(p, cause);
            break;
        case R_DATA_OFFSET:
        case R_PAYLOAD:
            if (!gather(p, p->payload, &buf, &len))
                return 0;
            ret = p->state == R_PAYLOAD ? payload_done(p, cause)
                                        : data_offset_done(p, cause);
            break;
        case R_DATA:
            n = p->left < len ? (size_t)p->left : len;
            iov_fill(p->cur, p->pos, buf, n);
            p->pos += n;
            p->left -= n;
            buf += n;
            len -= n;
            if (p->left == 0)
                chunk_end(p);
            break;
        }
        if (ret < 0)
            return ret;
    }
    return 0;
}
