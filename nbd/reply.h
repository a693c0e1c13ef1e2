/*
 * reply.h — the client's reading of a server's replies.
 *
 * In transmission a client may have many requests in flight; the server
 * answers them in any order, each with one simple reply or (structured
 * replies negotiated) with chunks, the last flagged DONE.  The parser is
 * fed the bytes as they arrive, in pieces of any size, and matches each
 * reply to its request by cookie: read data lands in the request's
 * buffers, holes are zeroed there, a block status extent and a server's
 * error are stored in the request, and done() says its last reply came.
 * It does no I/O and allocates nothing, so that any byte stream can be
 * thrown at it (fuzz/fuzz_nbd_reply.c).
 *
 * A stream that breaks the protocol cannot be trusted any further:
 * nbd_reply_feed returns an error with qemu's words for it, and the
 * caller drops the connection.
 */
#ifndef BLKMON_NBD_REPLY_H
#define BLKMON_NBD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "nbd/proto.h"

/* A request in flight as the parser sees it; its owner keeps it. */
struct nbd_pending {
    uint16_t type;              /* NBD_CMD_* */
    uint64_t offset;
    uint32_t length;
    struct iovec *iov;          /* READ: length bytes of buffers */
    int iovcnt;
    /* Filled in as replies come. */
    int error;                  /* the server's first error (-errno) */
    bool has_extent;            /* BLOCK_STATUS: the one extent asked */
    uint32_t ext_length, ext_flags;
};

struct nbd_reply_ops {
    /* The request in flight with this cookie, or NULL (a protocol
     * error: the server answers what nobody asked). */
    struct nbd_pending *(*lookup)(void *opaque, uint64_t cookie);
    /* Its last reply came: the owner may end and reuse it. */
    void (*done)(void *opaque, struct nbd_pending *p);
};

/* The largest payload besides read data the parser takes (qemu's). */
#define NBD_REPLY_MAX_PAYLOAD 1000

struct nbd_reply_parser {
    const struct nbd_reply_ops *ops;
    void *opaque;
    bool structured;            /* negotiated: chunks allowed */
    uint32_t context_id;        /* base:allocation's, for status chunks */
    uint32_t min_block;         /* the server's, 0 if it gave none */

    /* Private. */
    int state;
    uint8_t hdr[NBD_CHUNK_HEADER_SIZE];
    size_t have, need;
    struct nbd_pending *cur;
    struct nbd_chunk chunk;
    bool simple;
    uint64_t pos;               /* read data: where in the request */
    uint64_t left;              /* bytes of data still to come */
    uint8_t payload[NBD_REPLY_MAX_PAYLOAD];
};

void nbd_reply_init(struct nbd_reply_parser *p,
                    const struct nbd_reply_ops *ops, void *opaque,
                    bool structured, uint32_t context_id,
                    uint32_t min_block);
/* Consume len bytes: 0, or -EINVAL/-EPROTO with *cause when the stream
 * broke the protocol (nothing more may be fed). */
int nbd_reply_feed(struct nbd_reply_parser *p, const uint8_t *buf,
                   size_t len, char **cause);
/* In the middle of a reply (a connection ending now cut one short). */
bool nbd_reply_partial(const struct nbd_reply_parser *p);

#endif
