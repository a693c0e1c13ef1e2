/*
 * proto.h — the NBD protocol on the wire, for both ends of a connection.
 *
 * Words, as the NBD project's proto.md uses them:
 *   handshake     the server's greeting, then *options* the client sends
 *                 (NBD_OPT_*) and the server's *option replies* (NBD_REP_*),
 *                 until NBD_OPT_GO or NBD_OPT_EXPORT_NAME picks an export;
 *   transmission  then *requests* (NBD_CMD_*) with a client-chosen *cookie*,
 *                 each answered by one *simple reply* or by structured
 *                 reply *chunks* (NBD_REPLY_TYPE_*), the last flagged DONE.
 * Everything is big-endian.  This header holds the constants, the fixed
 * layouts as host-order structs with encode/decode helpers, the names used
 * in messages, the per-command facts a validator needs, and the one table
 * that maps errno to NBD errors and back.  No I/O happens here.
 */
#ifndef BLKMON_NBD_PROTO_H
#define BLKMON_NBD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Magic numbers ---------------------------------------------------- */

#define NBD_MAGIC                  UINT64_C(0x4e42444d41474943) /* NBDMAGIC */
#define NBD_OPTS_MAGIC             UINT64_C(0x49484156454f5054) /* IHAVEOPT */
#define NBD_OLDSTYLE_MAGIC         UINT64_C(0x0000420281861253) /* instead */
#define NBD_REP_MAGIC              UINT64_C(0x0003e889045565a9)
#define NBD_REQUEST_MAGIC          UINT32_C(0x25609513)
#define NBD_SIMPLE_REPLY_MAGIC     UINT32_C(0x67446698)
#define NBD_STRUCTURED_REPLY_MAGIC UINT32_C(0x668e33ef)

/* ---- Sizes ------------------------------------------------------------ */

enum {
    NBD_GREETING_SIZE     = 18,   /* NBDMAGIC, IHAVEOPT, handshake flags */
    NBD_OPT_HEADER_SIZE   = 16,   /* magic, option, length */
    NBD_OPT_REPLY_SIZE    = 20,   /* magic, option, type, length */
    NBD_EXPORT_NAME_REPLY = 134,  /* size, flags, 124 zeroes */
    NBD_REQUEST_SIZE      = 28,
    NBD_SIMPLE_REPLY_SIZE = 16,
    NBD_CHUNK_HEADER_SIZE = 20,
    NBD_MAX_STRING        = 4096, /* names, messages, contexts */
};
/* The payload every peer must accept (proto.md: 2^25 is no attack). */
#define NBD_MAX_PAYLOAD (32u * 1024 * 1024)

/* ---- Handshake ---------------------------------------------------------- */

enum {  /* handshake flags (server) */
    NBD_FLAG_FIXED_NEWSTYLE = 1 << 0,
    NBD_FLAG_NO_ZEROES      = 1 << 1,
};
enum {  /* client flags */
    NBD_FLAG_C_FIXED_NEWSTYLE = 1 << 0,
    NBD_FLAG_C_NO_ZEROES      = 1 << 1,
};

enum {  /* options */
    NBD_OPT_EXPORT_NAME       = 1,
    NBD_OPT_ABORT             = 2,
    NBD_OPT_LIST              = 3,
    NBD_OPT_STARTTLS          = 5,
    NBD_OPT_INFO              = 6,
    NBD_OPT_GO                = 7,
    NBD_OPT_STRUCTURED_REPLY  = 8,
    NBD_OPT_LIST_META_CONTEXT = 9,
    NBD_OPT_SET_META_CONTEXT  = 10,
};

#define NBD_REP_ERR(n) (UINT32_C(1) << 31 | (n))
enum {  /* option reply types */
    NBD_REP_ACK          = 1,
    NBD_REP_SERVER       = 2,
    NBD_REP_INFO         = 3,
    NBD_REP_META_CONTEXT = 4,
};
#define NBD_REP_ERR_UNSUP           NBD_REP_ERR(1)
#define NBD_REP_ERR_POLICY          NBD_REP_ERR(2)
#define NBD_REP_ERR_INVALID         NBD_REP_ERR(3)
#define NBD_REP_ERR_PLATFORM        NBD_REP_ERR(4)
#define NBD_REP_ERR_TLS_REQD        NBD_REP_ERR(5)
#define NBD_REP_ERR_UNKNOWN         NBD_REP_ERR(6)
#define NBD_REP_ERR_SHUTDOWN        NBD_REP_ERR(7)
#define NBD_REP_ERR_BLOCK_SIZE_REQD NBD_REP_ERR(8)
#define NBD_REP_ERR_TOO_BIG         NBD_REP_ERR(9)

enum {  /* NBD_REP_INFO types */
    NBD_INFO_EXPORT      = 0,
    NBD_INFO_NAME        = 1,
    NBD_INFO_DESCRIPTION = 2,
    NBD_INFO_BLOCK_SIZE  = 3,
};

/* Transmission flags: what the export supports. */
enum {
    NBD_FLAG_HAS_FLAGS         = 1 << 0,
    NBD_FLAG_READ_ONLY         = 1 << 1,
    NBD_FLAG_SEND_FLUSH        = 1 << 2,
    NBD_FLAG_SEND_FUA          = 1 << 3,
    NBD_FLAG_ROTATIONAL        = 1 << 4,
    NBD_FLAG_SEND_TRIM         = 1 << 5,
    NBD_FLAG_SEND_WRITE_ZEROES = 1 << 6,
    NBD_FLAG_SEND_DF           = 1 << 7,
    NBD_FLAG_CAN_MULTI_CONN    = 1 << 8,
    NBD_FLAG_SEND_RESIZE       = 1 << 9,
    NBD_FLAG_SEND_CACHE        = 1 << 10,
    NBD_FLAG_SEND_FAST_ZERO    = 1 << 11,
};

/* ---- Transmission ------------------------------------------------------- */

enum {  /* commands */
    NBD_CMD_READ         = 0,
    NBD_CMD_WRITE        = 1,
    NBD_CMD_DISC         = 2,
    NBD_CMD_FLUSH        = 3,
    NBD_CMD_TRIM         = 4,
    NBD_CMD_CACHE        = 5,
    NBD_CMD_WRITE_ZEROES = 6,
    NBD_CMD_BLOCK_STATUS = 7,
    NBD_CMD__MAX
};

enum {  /* command flags */
    NBD_CMD_FLAG_FUA       = 1 << 0,
    NBD_CMD_FLAG_NO_HOLE   = 1 << 1,
    NBD_CMD_FLAG_DF        = 1 << 2,
    NBD_CMD_FLAG_REQ_ONE   = 1 << 3,
    NBD_CMD_FLAG_FAST_ZERO = 1 << 4,
};

enum { NBD_REPLY_FLAG_DONE = 1 << 0 };

#define NBD_REPLY_ERR(n) (1u << 15 | (n))
enum {  /* structured reply chunk types */
    NBD_REPLY_TYPE_NONE         = 0,
    NBD_REPLY_TYPE_OFFSET_DATA  = 1,
    NBD_REPLY_TYPE_OFFSET_HOLE  = 2,
    NBD_REPLY_TYPE_BLOCK_STATUS = 5,
    NBD_REPLY_TYPE_ERROR        = NBD_REPLY_ERR(1),
    NBD_REPLY_TYPE_ERROR_OFFSET = NBD_REPLY_ERR(2),
};

enum {  /* base:allocation extent flags */
    NBD_STATE_HOLE = 1 << 0,
    NBD_STATE_ZERO = 1 << 1,
};
#define NBD_META_BASE_ALLOCATION "base:allocation"

enum {  /* errors */
    NBD_SUCCESS   = 0,
    NBD_EPERM     = 1,
    NBD_EIO       = 5,
    NBD_ENOMEM    = 12,
    NBD_EINVAL    = 22,
    NBD_ENOSPC    = 28,
    NBD_EOVERFLOW = 75,
    NBD_ENOTSUP   = 95,
    NBD_ESHUTDOWN = 108,
};

/* ---- Fixed layouts, host order ------------------------------------------ */

struct nbd_request {
    uint16_t flags;
    uint16_t type;
    uint64_t cookie;
    uint64_t offset;
    uint32_t length;
};

struct nbd_chunk {          /* a structured reply chunk's header */
    uint16_t flags;
    uint16_t type;
    uint64_t cookie;
    uint32_t length;        /* of the payload that follows */
};

struct nbd_opt_reply {
    uint32_t option;
    uint32_t type;
    uint32_t length;
};

/* Big-endian stores and loads. */
void nbd_put16(uint8_t *p, uint16_t v);
void nbd_put32(uint8_t *p, uint32_t v);
void nbd_put64(uint8_t *p, uint64_t v);
uint16_t nbd_get16(const uint8_t *p);
uint32_t nbd_get32(const uint8_t *p);
uint64_t nbd_get64(const uint8_t *p);

void nbd_encode_greeting(uint8_t buf[NBD_GREETING_SIZE], uint16_t flags);
/* 0, or -EPROTO when the magic words are not there. */
int nbd_decode_greeting(const uint8_t buf[NBD_GREETING_SIZE],
                        uint16_t *flags);

void nbd_encode_opt(uint8_t buf[NBD_OPT_HEADER_SIZE], uint32_t option,
                    uint32_t length);
/* 0, or -EPROTO for a bad magic. */
int nbd_decode_opt(const uint8_t buf[NBD_OPT_HEADER_SIZE], uint32_t *option,
                   uint32_t *length);

void nbd_encode_opt_reply(uint8_t buf[NBD_OPT_REPLY_SIZE],
                          const struct nbd_opt_reply *r);
int nbd_decode_opt_reply(const uint8_t buf[NBD_OPT_REPLY_SIZE],
                         struct nbd_opt_reply *r);

void nbd_encode_request(uint8_t buf[NBD_REQUEST_SIZE],
                        const struct nbd_request *r);
/* 0, or -EPROTO for a bad magic (the stream can no longer be trusted). */
int nbd_decode_request(const uint8_t buf[NBD_REQUEST_SIZE],
                       struct nbd_request *r);

void nbd_encode_simple_reply(uint8_t buf[NBD_SIMPLE_REPLY_SIZE],
                             uint32_t error, uint64_t cookie);
/* The magic is the caller's to tell apart from a chunk's: this takes the
 * rest.  0, or -EPROTO for a bad magic. */
int nbd_decode_simple_reply(const uint8_t buf[NBD_SIMPLE_REPLY_SIZE],
                            uint32_t *error, uint64_t *cookie);

void nbd_encode_chunk(uint8_t buf[NBD_CHUNK_HEADER_SIZE],
                      const struct nbd_chunk *c);
int nbd_decode_chunk(const uint8_t buf[NBD_CHUNK_HEADER_SIZE],
                     struct nbd_chunk *c);

/* ---- Names, for messages and traces ----------------------------------- */
/* Each returns the protocol's name ("NBD_OPT_GO" without the prefix:
 * "go"), or "<unknown>" (qemu's word) for a value it does not know. */
const char *nbd_opt_name(uint32_t option);
const char *nbd_rep_name(uint32_t type);
const char *nbd_info_name(uint16_t info);
const char *nbd_cmd_name(uint16_t type);
const char *nbd_reply_type_name(uint16_t type);
const char *nbd_err_name(uint32_t err);

/* ---- Commands ------------------------------------------------------------ */

/* What a validator needs to know of each command. */
struct nbd_cmd_info {
    const char *name;
    uint16_t flags;         /* command flags it may carry */
    uint16_t needs;         /* transmission flag the server must have set */
    bool writes;            /* refused on a read-only export */
    bool ranged;            /* offset+length must lie within the export */
    bool payload_max;       /* length bounded by the maximum payload */
};
/* NULL for a command the protocol does not define. */
const struct nbd_cmd_info *nbd_cmd_info(uint16_t type);

/* ---- Errors -------------------------------------------------------------- */
/*
 * One table maps both ways, with qemu-nbd's choices (nbd/server.c,
 * nbd/common.c): EROFS is EPERM, EDQUOT and EFBIG are ENOSPC, EOPNOTSUPP
 * is ENOTSUP, anything else is EINVAL; an NBD error the table does not
 * know reads as EINVAL, as proto.md asks.
 */
uint32_t nbd_errno_to_nbd(int err);     /* err > 0 */
int nbd_errno_from_nbd(uint32_t nbd_err);

#endif
