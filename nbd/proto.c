/*
 * proto.c — NBD wire layouts, names and the errno table (see proto.h).
 */
#include <errno.h>
#include <string.h>

#include "nbd/proto.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void nbd_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void nbd_put32(uint8_t *p, uint32_t v)
{
    nbd_put16(p, (uint16_t)(v >> 16));
    nbd_put16(p + 2, (uint16_t)v);
}

void nbd_put64(uint8_t *p, uint64_t v)
{
    nbd_put32(p, (uint32_t)(v >> 32));
    nbd_put32(p + 4, (uint32_t)v);
}

uint16_t nbd_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t nbd_get32(const uint8_t *p)
{
    return (uint32_t)nbd_get16(p) << 16 | nbd_get16(p + 2);
}

uint64_t nbd_get64(const uint8_t *p)
{
    return (uint64_t)nbd_get32(p) << 32 | nbd_get32(p + 4);
}

void nbd_encode_greeting(uint8_t buf[NBD_GREETING_SIZE], uint16_t flags)
{
    nbd_put64(buf, NBD_MAGIC);
    nbd_put64(buf + 8, NBD_OPTS_MAGIC);
    nbd_put16(buf + 16, flags);
}

int nbd_decode_greeting(const uint8_t buf[NBD_GREETING_SIZE], uint16_t *flags)
{
    if (nbd_get64(buf) != NBD_MAGIC || nbd_get64(buf + 8) != NBD_OPTS_MAGIC)
        return -EPROTO;
    *flags = nbd_get16(buf + 16);
    return 0;
}

void nbd_encode_opt(uint8_t buf[NBD_OPT_HEADER_SIZE], uint32_t option,
                    uint32_t length)
{
    nbd_put64(buf, NBD_OPTS_MAGIC);
    nbd_put32(buf + 8, option);
    nbd_put32(buf + 12, length);
}

int nbd_decode_opt(const uint8_t buf[NBD_OPT_HEADER_SIZE], uint32_t *option,
                   uint32_t *length)
{
    if (nbd_get64(buf) != NBD_OPTS_MAGIC)
        return -EPROTO;
    *option = nbd_get32(buf + 8);
    *length = nbd_get32(buf + 12);
    return 0;
}

void nbd_encode_opt_reply(uint8_t buf[NBD_OPT_REPLY_SIZE],
                          const struct nbd_opt_reply *r)
{
    nbd_put64(buf, NBD_REP_MAGIC);
    nbd_put32(buf + 8, r->option);
    nbd_put32(buf + 12, r->type);
    nbd_put32(buf + 16, r->length);
}

int nbd_decode_opt_reply(const uint8_t buf[NBD_OPT_REPLY_SIZE],
                         struct nbd_opt_reply *r)
{
    if (nbd_get64(buf) != NBD_REP_MAGIC)
        return -EPROTO;
    r->option = nbd_get32(buf + 8);
    r->type = nbd_get32(buf + 12);
    r->length = nbd_get32(buf + 16);
    return 0;
}

void nbd_encode_request(uint8_t buf[NBD_REQUEST_SIZE],
                        const struct nbd_request *r)
{
    nbd_put32(buf, NBD_REQUEST_MAGIC);
    nbd_put16(buf + 4, r->flags);
    nbd_put16(buf + 6, r->type);
    nbd_put64(buf + 8, r->cookie);
    nbd_put64(buf + 16, r->offset);
    nbd_put32(buf + 24, r->length);
}

int nbd_decode_request(const uint8_t buf[NBD_REQUEST_SIZE],
                       struct nbd_request *r)
{
    if (nbd_get32(buf) != NBD_REQUEST_MAGIC)
        return -EPROTO;
    r->flags = nbd_get16(buf + 4);
    r->type = nbd_get16(buf + 6);
    r->cookie = nbd_get64(buf + 8);
    r->offset = nbd_get64(buf + 16);
    r->length = nbd_get32(buf + 24);
    return 0;
}

void nbd_encode_simple_reply(uint8_t buf[NBD_SIMPLE_REPLY_SIZE],
                             uint32_t error, uint64_t cookie)
{
    nbd_put32(buf, NBD_SIMPLE_REPLY_MAGIC);
    nbd_put32(buf + 4, error);
    nbd_put64(buf + 8, cookie);
}

int nbd_decode_simple_reply(const uint8_t buf[NBD_SIMPLE_REPLY_SIZE],
                            uint32_t *error, uint64_t *cookie)
{
    if (nbd_get32(buf) != NBD_SIMPLE_REPLY_MAGIC)
        return -EPROTO;
    *error = nbd_get32(buf + 4);
    *cookie = nbd_get64(buf + 8);
    return 0;
}

void nbd_encode_chunk(uint8_t buf[NBD_CHUNK_HEADER_SIZE],
                      const struct nbd_chunk *c)
{
    nbd_put32(buf, NBD_STRUCTURED_REPLY_MAGIC);
    nbd_put16(buf + 4, c->flags);
    nbd_put16(buf + 6, c->type);
    nbd_put64(buf + 8, c->cookie);
    nbd_put32(buf + 16, c->length);
}

int nbd_decode_chunk(const uint8_t buf[NBD_CHUNK_HEADER_SIZE],
                     struct nbd_chunk *c)
{
    if (nbd_get32(buf) != NBD_STRUCTURED_REPLY_MAGIC)
        return -EPROTO;
    c->flags = nbd_get16(buf + 4);
    c->type = nbd_get16(buf + 6);
    c->cookie = nbd_get64(buf + 8);
    c->length = nbd_get32(buf + 16);
    return 0;
}

/* ---- names ------------------------------------------------------------ */

static const char *const nbd_opt_names[] = {
    [NBD_OPT_EXPORT_NAME] = "export name",
    [NBD_OPT_ABORT] = "abort",
    [NBD_OPT_LIST] = "list",
    [NBD_OPT_STARTTLS] = "starttls",
    [NBD_OPT_INFO] = "info",
    [NBD_OPT_GO] = "go",
    [NBD_OPT_STRUCTURED_REPLY] = "structured reply",
    [NBD_OPT_LIST_META_CONTEXT] = "list meta context",
    [NBD_OPT_SET_META_CONTEXT] = "set meta context",
};

static const char *const nbd_info_names[] = {
    [NBD_INFO_EXPORT] = "export",
    [NBD_INFO_NAME] = "name",
    [NBD_INFO_DESCRIPTION] = "description",
    [NBD_INFO_BLOCK_SIZE] = "block size",
};

static const struct { uint32_t type; const char *name; } nbd_rep_names[] = {
    { NBD_REP_ACK, "ack" },
    { NBD_REP_SERVER, "server" },
    { NBD_REP_INFO, "info" },
    { NBD_REP_META_CONTEXT, "meta context" },
    { NBD_REP_ERR_UNSUP, "unsupported" },
    { NBD_REP_ERR_POLICY, "denied by policy" },
    { NBD_REP_ERR_INVALID, "invalid" },
    { NBD_REP_ERR_PLATFORM, "platform lacks support" },
    { NBD_REP_ERR_TLS_REQD, "TLS required" },
    { NBD_REP_ERR_UNKNOWN, "export unknown" },
    { NBD_REP_ERR_SHUTDOWN, "server shutting down" },
    { NBD_REP_ERR_BLOCK_SIZE_REQD, "block size required" },
    { NBD_REP_ERR_TOO_BIG, "option too big" },
};

static const struct { uint16_t type; const char *name; } nbd_reply_names[] = {
    { NBD_REPLY_TYPE_NONE, "none" },
    { NBD_REPLY_TYPE_OFFSET_DATA, "data" },
    { NBD_REPLY_TYPE_OFFSET_HOLE, "hole" },
    { NBD_REPLY_TYPE_BLOCK_STATUS, "block status" },
    { NBD_REPLY_TYPE_ERROR, "generic error" },
    { NBD_REPLY_TYPE_ERROR_OFFSET, "error at offset" },
};

const char *nbd_opt_name(uint32_t option)
{
    if (option < NELEM(nbd_opt_names) && nbd_opt_names[option] != NULL)
        return nbd_opt_names[option];
    return "<unknown>";
}

const char *nbd_info_name(uint16_t info)
{
    if (info < NELEM(nbd_info_names) && nbd_info_names[info] != NULL)
        return nbd_info_names[info];
    return "<unknown>";
}

const char *nbd_rep_name(uint32_t type)
{
    for (size_t i = 0; i < NELEM(nbd_rep_names); i++)
        if (nbd_rep_names[i].type == type)
            return nbd_rep_names[i].name;
    return "<unknown>";
}

const char *nbd_reply_type_name(uint16_t type)
{
    for (size_t i = 0; i < NELEM(nbd_reply_names); i++)
        if (nbd_reply_names[i].type == type)
            return nbd_reply_names[i].name;
    return "<unknown>";
}

/* ---- commands ------------------------------------------------------------ */

/*
 * FUA is valid on every command once SEND_FUA is advertised (proto.md:
 * clients are known to set it anywhere); the others only where named.
 * CACHE is bounded like READ, as qemu-nbd bounds it.
 */
static const struct nbd_cmd_info nbd_cmds[NBD_CMD__MAX] = {
    [NBD_CMD_READ] = { .name = "read", .flags = NBD_CMD_FLAG_FUA |
                       NBD_CMD_FLAG_DF, .ranged = true, .payload_max = true },
    [NBD_CMD_WRITE] = { .name = "write", .flags = NBD_CMD_FLAG_FUA,
                        .writes = true, .ranged = true, .payload_max = true },
    [NBD_CMD_DISC] = { .name = "disconnect" },
    [NBD_CMD_FLUSH] = { .name = "flush", .flags = NBD_CMD_FLAG_FUA,
                        .needs = NBD_FLAG_SEND_FLUSH, .ranged = true },
    [NBD_CMD_TRIM] = { .name = "trim", .flags = NBD_CMD_FLAG_FUA,
                       .needs = NBD_FLAG_SEND_TRIM, .writes = true,
                       .ranged = true },
    [NBD_CMD_CACHE] = { .name = "cache", .flags = NBD_CMD_FLAG_FUA,
                        .needs = NBD_FLAG_SEND_CACHE, .ranged = true,
                        .payload_max = true },
    [NBD_CMD_WRITE_ZEROES] = { .name = "write zeroes",
                               .flags = NBD_CMD_FLAG_FUA |
                                        NBD_CMD_FLAG_NO_HOLE |
                                        NBD_CMD_FLAG_FAST_ZERO,
                               .needs = NBD_FLAG_SEND_WRITE_ZEROES,
                               .writes = true, .ranged = true },
    [NBD_CMD_BLOCK_STATUS] = { .name = "block status",
                               .flags = NBD_CMD_FLAG_FUA |
                                        NBD_CMD_FLAG_REQ_ONE,
                               .ranged = true },
};

const struct nbd_cmd_info *nbd_cmd_info(uint16_t type)
{
    return type < NBD_CMD__MAX ? &nbd_cmds[type] : NULL;
}

const char *nbd_cmd_name(uint16_t type)
{
    return type < NBD_CMD__MAX ? nbd_cmds[type].name : "<unknown>";
}

/* ---- errors -------------------------------------------------------------- */

/* errno <-> NBD error; the first row naming an NBD error is its errno. */
static const struct { int sys; uint32_t nbd; const char *name; }
nbd_errnos[] = {
    { EPERM, NBD_EPERM, "EPERM" },
    { EROFS, NBD_EPERM, "EPERM" },
    { EIO, NBD_EIO, "EIO" },
    { ENOMEM, NBD_ENOMEM, "ENOMEM" },
    { EINVAL, NBD_EINVAL, "EINVAL" },
    { ENOSPC, NBD_ENOSPC, "ENOSPC" },
    { EDQUOT, NBD_ENOSPC, "ENOSPC" },
    { EFBIG, NBD_ENOSPC, "ENOSPC" },
    { EOVERFLOW, NBD_EOVERFLOW, "EOVERFLOW" },
    { ENOTSUP, NBD_ENOTSUP, "ENOTSUP" },
#if EOPNOTSUPP != ENOTSUP
    { EOPNOTSUPP, NBD_ENOTSUP, "ENOTSUP" },
#endif
    { ESHUTDOWN, NBD_ESHUTDOWN, "ESHUTDOWN" },
};

uint32_t nbd_errno_to_nbd(int err)
{
    if (err == 0)
        return NBD_SUCCESS;
    for (size_t i = 0; i < NELEM(nbd_errnos); i++)
        if (nbd_errnos[i].sys == err)
            return nbd_errnos[i].nbd;
    return NBD_EINVAL;
}

int nbd_errno_from_nbd(uint32_t nbd_err)
{
    if (nbd_err == NBD_SUCCESS)
        return 0;
    for (size_t i = 0; i < NELEM(nbd_errnos); i++)
        if (nbd_errnos[i].nbd == nbd_err)
            return nbd_errnos[i].sys;
    return EINVAL;
}

const char *nbd_err_name(uint32_t nbd_err)
{
    if (nbd_err == NBD_SUCCESS)
        return "success";
    for (size_t i = 0; i < NELEM(nbd_errnos); i++)
        if (nbd_errnos[i].nbd == nbd_err)
            return nbd_errnos[i].name;
    return "<unknown>";
}
