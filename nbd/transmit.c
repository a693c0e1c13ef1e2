/*
 * transmit.c — NBD requests: validation, the device calls, replies.
 *
 * A request's header is checked whole before anything touches the device
 * (nbd_tx_check): a known command, a length within the payload limit,
 * flags that command may carry, a writable export for writes, a range
 * within the export and aligned to the minimum block size the client was
 * told.  A refusal gets the error proto.md names (EINVAL; EPERM for a
 * write to a read-only export; ENOSPC for a write past the end) with
 * qemu-nbd's words; a refused write's payload is read and dropped, except
 * past 32 MiB, where the connection is closed after the reply.
 *
 * A request then runs as a small state machine on its one bk_req: READ
 * with structured replies asks block status and reads only the data
 * extents, sending holes as OFFSET_HOLE chunks (qemu-nbd's sparse read);
 * TRIM and WRITE_ZEROES go to the device in pieces of at most 1 GiB;
 * FUA on READ flushes first and on TRIM flushes after (qemu-nbd's
 * reading of the flag).  Block status answers may come back inline, so
 * the loops over extents run as trampolines (in_step/again), never
 * recursing once per extent.
 *
 * Errors from the device cross the wire through proto.c's one table;
 * replies are simple for success without data and structured errors once
 * structured replies are on, as qemu-nbd sends them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nbd/server-int.h"
#include "util/strfmt.h"

#define TX_META_ID_BASE 0

static void tx_breq_done(struct bk_req *breq, int ret);
static void tx_run(struct nbd_req *q);

/* ---- requests' life ------------------------------------------------------ */

static struct nbd_req *tx_req_new(struct nbd_conn *c,
                                  const struct nbd_request *r)
{
    struct nbd_req *q = calloc(1, sizeof(*q));

    if (q == NULL)
        abort();
    q->conn = c;
    q->r = *r;
    q->refs = 1;
    q->breq.done = tx_breq_done;
    q->breq.opaque = q;
    q->breq.source = &c->client->source;
    q->next = c->reqs;
    if (c->reqs != NULL)
        c->reqs->prev = q;
    c->reqs = q;
    c->nreqs++;
    c->client->inflight++;
    return q;
}

void nbd_req_put(struct nbd_req *q)
{
    struct nbd_conn *c = q->conn;

    if (--q->refs > 0)
        return;
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        c->reqs = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    c->nreqs--;
    nbd_conn_hold(c, -(long)(q->data_size + (size_t)q->max_ext * 8 +
                             (q->pipe != NULL ? q->r.length : 0)));
    nbd_bufs_put(&c->bufs, q->data, q->data_size);
    nbd_pipe_put(&c->lis->pipes, q->pipe, !q->pipe_dirty && q->pipe_left == 0);
    free(q->ext);
    free(q->msg);
    free(q);
}

static enum bk_op tx_op(uint16_t type)
{
    switch (type) {
    case NBD_CMD_READ: return BK_OP_READ;
    case NBD_CMD_WRITE: return BK_OP_WRITE;
    case NBD_CMD_WRITE_ZEROES: return BK_OP_WRITE_ZEROES;
    case NBD_CMD_TRIM: return BK_OP_DISCARD;
    case NBD_CMD_FLUSH: return BK_OP_FLUSH;
    default: return BK_OP_BLOCK_STATUS;   /* counted, moves no data */
    }
}

/* The request is answered (its replies queued): count it, let it go. */
static void tx_finish(struct nbd_req *q)
{
    struct nbd_conn *c = q->conn;

    bk_tally_add(&c->client->answered, tx_op(q->r.type), q->r.length,
                 q->err ? -q->err : 0);
    c->client->inflight--;
    nbd_req_put(q);
}

/*
 * A READ whose bytes the device can put in a pipe takes one rather than a
 * buffer (pipes.c): not over TLS, which encrypts them in this process.
 */
static bool tx_take_pipe(struct nbd_req *q)
{
    struct nbd_conn *c = q->conn;

    if (c->tls != NULL || q->r.length <= NBD_PIPE_MIN ||
        !bk_dev_can_pipe(c->exp->dev, (int64_t)q->r.offset,
                         (int64_t)q->r.length))
        return false;
    q->pipe = nbd_pipe_get(&c->lis->pipes, q->r.length);
    if (q->pipe == NULL)
        return false;
    nbd_conn_hold(c, (long)q->r.length);
    return true;
}

static bool tx_alloc(struct nbd_req *q, size_t size)
{
    if (size == 0)
        return true;
    q->data = nbd_bufs_get(&q->conn->bufs, q->conn->exp->dev, size);
    if (q->data == NULL)
        return false;
    q->data_size = size;
    nbd_conn_hold(q->conn, (long)size);
    return true;
}

/* ---- replies ------------------------------------------------------------- */

/* hdr, then the len bytes read last at q->data + at: from the pipe when
 * the read went there. */
static void tx_queue_data(struct nbd_req *q, const uint8_t *hdr,
                          size_t hdrlen, uint64_t at, size_t len)
{
    if (len > 0 && (q->breq.flags & BK_REQ_TO_PIPE))
        nbd_conn_queue_pipe(q->conn, hdr, hdrlen, q, len);
    else
        nbd_conn_queue(q->conn, hdr, hdrlen, len > 0 ? q->data + at : NULL,
                       len, q, NULL);
}

static void tx_simple(struct nbd_req *q, int err, size_t len)
{
    uint8_t hdr[NBD_SIMPLE_REPLY_SIZE];

    nbd_encode_simple_reply(hdr, nbd_errno_to_nbd(err), q->r.cookie);
    tx_queue_data(q, hdr, sizeof(hdr), 0, len);
}

static void tx_chunk_hdr(uint8_t *buf, const struct nbd_req *q, uint16_t flags,
                         uint16_t type, uint32_t length)
{
    struct nbd_chunk ch = { flags, type, q->r.cookie, length };

    nbd_encode_chunk(buf, &ch);
}

/* An error: a structured chunk when structured replies are on (the only
 * kind a READ may get then), a simple reply otherwise. */
static void tx_error(struct nbd_req *q, int err, const char *msg)
{
    struct nbd_conn *c = q->conn;
    uint8_t hdr[NBD_CHUNK_HEADER_SIZE + 6];
    size_t len;
    char *own;

    q->err = err;
    if (!c->structured) {
        tx_simple(q, err, 0);
        return;
    }
    len = msg != NULL ? strlen(msg) : 0;
    if (len > NBD_MAX_STRING)
        len = NBD_MAX_STRING;
    own = len > 0 ? strndup(msg, len) : NULL;
    tx_chunk_hdr(hdr, q, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR,
                 (uint32_t)(6 + len));
    nbd_put32(hdr + NBD_CHUNK_HEADER_SIZE, nbd_errno_to_nbd(err));
    nbd_put16(hdr + NBD_CHUNK_HEADER_SIZE + 4, (uint16_t)len);
    nbd_conn_queue(c, hdr, sizeof(hdr), own, len, NULL, own);
}

/* Success without data: a simple reply, as qemu-nbd sends it. */
static void tx_ok(struct nbd_req *q)
{
    tx_simple(q, 0, 0);
}

static void tx_data_chunk(struct nbd_req *q, uint64_t at, size_t len,
                          bool final)
{
    uint8_t hdr[NBD_CHUNK_HEADER_SIZE + 8];

    tx_chunk_hdr(hdr, q, final ? NBD_REPLY_FLAG_DONE : 0,
                 NBD_REPLY_TYPE_OFFSET_DATA, (uint32_t)(8 + len));
    nbd_put64(hdr + NBD_CHUNK_HEADER_SIZE, q->r.offset + at);
    tx_queue_data(q, hdr, sizeof(hdr), at, len);
}

static void tx_hole_chunk(struct nbd_req *q, uint64_t at, uint32_t len,
                          bool final)
{
    uint8_t hdr[NBD_CHUNK_HEADER_SIZE + 12];

    tx_chunk_hdr(hdr, q, final ? NBD_REPLY_FLAG_DONE : 0,
                 NBD_REPLY_TYPE_OFFSET_HOLE, 12);
    nbd_put64(hdr + NBD_CHUNK_HEADER_SIZE, q->r.offset + at);
    nbd_put32(hdr + NBD_CHUNK_HEADER_SIZE + 8, len);
    nbd_conn_queue(q->conn, hdr, sizeof(hdr), NULL, 0, NULL, NULL);
}

static void tx_done_chunk(struct nbd_req *q)
{
    uint8_t hdr[NBD_CHUNK_HEADER_SIZE];

    tx_chunk_hdr(hdr, q, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, 0);
    nbd_conn_queue(q->conn, hdr, sizeof(hdr), NULL, 0, NULL, NULL);
}

/* Fail q with err and qemu's words "WHAT: strerror". */
static void tx_fail(struct nbd_req *q, int err, const char *what)
{
    char *msg = strfmt("%s: %s", what, strerror(err));

    tx_error(q, err, msg);
    free(msg);
    tx_finish(q);
}

/* ---- validation ------------------------------------------------------------ */

/*
 * 0 when r may run, else the errno to answer with and *msg.  The order is
 * qemu-nbd's: the length limit, the export's writability, the range, the
 * alignment, the flags, then what block status needs.
 */
static int tx_check(const struct nbd_conn *c, const struct nbd_request *r,
                    char **msg)
{
    const struct nbd_cmd_info *info = nbd_cmd_info(r->type);
    uint16_t allowed;

    if (info == NULL) {
        *msg = strfmt("invalid request type (%u) received", r->type);
        return EINVAL;
    }
    if (info->payload_max && r->length > NBD_MAX_PAYLOAD) {
        *msg = strfmt("len (%" PRIu32 ") is larger than max len (%u)",
                      r->length, NBD_MAX_PAYLOAD);
        return EINVAL;
    }
    if (info->writes && ((c->tx_flags & NBD_FLAG_READ_ONLY) ||
                         bk_dev_read_only(c->exp->dev))) {
        *msg = strfmt("Export is read-only");
        return EPERM;
    }
    if (info->ranged && (r->offset > c->size ||
                         r->length > c->size - r->offset)) {
        *msg = strfmt("operation past EOF; From: %" PRIu64 ", Len: %"
                      PRIu32 ", Size: %" PRIu64, r->offset, r->length,
                      c->size);
        return r->type == NBD_CMD_WRITE || r->type == NBD_CMD_WRITE_ZEROES
                   ? ENOSPC : EINVAL;
    }
    if (c->min_block > 1 && info->ranged && r->type != NBD_CMD_FLUSH &&
        r->type != NBD_CMD_BLOCK_STATUS &&
        ((r->offset | r->length) % c->min_block) != 0) {
        *msg = strfmt("request not aligned to the minimum block size %"
                      PRIu32, c->min_block);
        return EINVAL;
    }
    allowed = info->flags;
    if (!c->structured)
        allowed &= (uint16_t)~NBD_CMD_FLAG_DF;
    if (!(c->tx_flags & NBD_FLAG_SEND_FAST_ZERO))
        allowed &= (uint16_t)~NBD_CMD_FLAG_FAST_ZERO;
    if ((r->flags & ~allowed) ||
        (info->needs && !(c->tx_flags & info->needs))) {
        *msg = strfmt("unsupported flags for command %s (got 0x%x)",
                      info->name, r->flags);
        return EINVAL;
    }
    if (r->type == NBD_CMD_BLOCK_STATUS) {
        if (r->length == 0) {
            *msg = strfmt("need non-zero length");
            return EINVAL;
        }
        if (!c->meta_base) {
            *msg = strfmt("CMD_BLOCK_STATUS not negotiated");
            return EINVAL;
        }
    }
    return 0;
}

size_t nbd_tx_input(struct nbd_conn *c, const uint8_t *p, size_t avail)
{
    struct nbd_request r;
    struct nbd_req *q;
    char *msg = NULL;
    int err;

    if (avail < NBD_REQUEST_SIZE)
        return 0;
    if (c->nreqs >= NBD_CONN_MAX_REQS || c->held >= NBD_CONN_MAX_HELD) {
        c->paused = true;
        return 0;
    }
    if (nbd_decode_request(p, &r) < 0) {
        nbd_conn_close(c, true, "bad request magic");
        return NBD_REQUEST_SIZE;
    }
    if (r.type == NBD_CMD_DISC) {
        /* No reply; what is in flight is still answered. */
        nbd_conn_close(c, false, "client disconnected");
        return NBD_REQUEST_SIZE;
    }
    err = tx_check(c, &r, &msg);
    q = tx_req_new(c, &r);
    if (err != 0) {
        q->err = err;
        q->msg = msg;
        if (r.type != NBD_CMD_WRITE || r.length == 0) {
            tx_error(q, err, msg);
            tx_finish(q);
        } else if (r.length > NBD_MAX_PAYLOAD) {
            /* Reading 4 GiB to drop it is what a hostile client wants. */
            tx_error(q, err, msg);
            tx_finish(q);
            nbd_conn_close(c, false, "write payload too long");
        } else {
            c->cur = q;
            c->skip_left = r.length;
            c->state = NBD_CS_REQ_SKIP;
        }
        return NBD_REQUEST_SIZE;
    }
    if ((r.type == NBD_CMD_READ || r.type == NBD_CMD_WRITE) &&
        !(r.type == NBD_CMD_READ && tx_take_pipe(q)) &&
        !tx_alloc(q, r.length)) {
        q->err = ENOMEM;
        if (r.type == NBD_CMD_WRITE && r.length > 0) {
            q->msg = strfmt("No memory");
            c->cur = q;
            c->skip_left = r.length;
            c->state = NBD_CS_REQ_SKIP;
        } else {
            tx_error(q, ENOMEM, "No memory");
            tx_finish(q);
        }
        return NBD_REQUEST_SIZE;
    }
    if (r.type == NBD_CMD_WRITE && r.length > 0) {
        c->cur = q;
        c->state = NBD_CS_REQ_DATA;
        return NBD_REQUEST_SIZE;
    }
    tx_run(q);
    return NBD_REQUEST_SIZE;
}

void nbd_tx_payload_done(struct nbd_conn *c)
{
    struct nbd_req *q = c->cur;

    c->cur = NULL;
    c->state = NBD_CS_REQ_HEADER;
    q->progress = 0;
    tx_run(q);
}

void nbd_tx_skip_done(struct nbd_conn *c)
{
    struct nbd_req *q = c->cur;

    c->cur = NULL;
    c->state = NBD_CS_REQ_HEADER;
    tx_error(q, q->err, q->msg);
    tx_finish(q);
}

/* ---- running ------------------------------------------------------------- */

enum {
    TX_START,
    TX_FLUSHED,      /* READ+FUA: the flush before it */
    TX_STATUS,       /* waiting for block status */
    TX_IO,           /* waiting for the device */
    TX_TRIM_FLUSH,   /* TRIM+FUA: the flush after it */
};

/* Hand the range to the device; q goes on at step when it ends (maybe
 * before this returns). */
static void tx_submit(struct nbd_req *q, unsigned step, enum bk_op op,
                      uint64_t at, uint64_t len, unsigned flags)
{
    q->step = step;
    q->breq.op = op;
    q->breq.offset = (int64_t)(q->r.offset + at);
    q->breq.bytes = (int64_t)len;
    q->breq.flags = flags;
    if (op == BK_OP_READ && q->pipe != NULL && !q->pipe_refused) {
        q->breq.flags |= BK_REQ_TO_PIPE;
        q->breq.pipe_fd = q->pipe->w;
        q->breq.iov = NULL;
        q->breq.iovcnt = 0;
    } else if (op == BK_OP_READ || op == BK_OP_WRITE) {
        q->iov = (struct iovec){ q->data + at, (size_t)len };
        q->breq.iov = &q->iov;
        q->breq.iovcnt = 1;
    } else {
        q->breq.iov = NULL;
        q->breq.iovcnt = 0;
    }
    bk_submit(q->conn->exp->dev, &q->breq);
}

static void tx_flush(struct nbd_req *q, unsigned step)
{
    tx_submit(q, step, BK_OP_FLUSH, 0, 0, 0);
}

/* Go on where the trampoline is, or start it.  The trampoline holds a
 * reference: a step may finish the request. */
static void tx_next(struct nbd_req *q)
{
    if (q->in_step) {
        q->again = true;
        return;
    }
    q->refs++;
    q->in_step = true;
    do {
        q->again = false;
        tx_run(q);
    } while (q->again);
    q->in_step = false;
    nbd_req_put(q);
}

/* ---- READ ----------------------------------------------------------------- */

static void tx_read_answer(struct nbd_req *q, int ret,
                           const struct bk_status *st);

/* Block status answers may come inline or later: either way the
 * connection settles afterwards. */
static void tx_read_status(void *arg, int ret, const struct bk_status *st)
{
    struct nbd_req *q = arg;
    struct nbd_conn *c = q->conn;

    c->busy++;
    tx_read_answer(q, ret, st);
    c->busy--;
    nbd_conn_kick(c);
}

static void tx_read_answer(struct nbd_req *q, int ret,
                           const struct bk_status *st)
{
    uint64_t left = q->r.length - q->progress;
    uint64_t num = st->pnum > 0 ? (uint64_t)st->pnum : 0;

    if (ret < 0) {
        tx_fail(q, -ret, "unable to check for holes");
        return;
    }
    if (num == 0) {
        tx_fail(q, EIO, "unable to check for holes");
        return;
    }
    if (num > left)
        num = left;
    if (st->flags & BK_BS_ZERO) {
        tx_hole_chunk(q, q->progress, (uint32_t)num, num == left);
        q->progress += num;
        tx_next(q);          /* step stays TX_STATUS: ask on */
        return;
    }
    tx_submit(q, TX_IO, BK_OP_READ, q->progress, num, 0);
}

/* Structured, fragmentable: data extents read, holes announced. */
static void tx_read_sparse(struct nbd_req *q)
{
    if (q->step == TX_IO) {             /* a data extent came in */
        uint64_t num = (uint64_t)q->breq.bytes;

        if (q->breq.ret < 0) {
            tx_fail(q, -q->breq.ret, "reading from file failed");
            return;
        }
        tx_data_chunk(q, q->progress, (size_t)num,
                      q->progress + num == q->r.length);
        q->progress += num;
    }
    if (q->progress == q->r.length || q->conn->hard) {
        tx_finish(q);
        return;
    }
    q->step = TX_STATUS;
    bk_dev_block_status(q->conn->exp->dev,
                        (int64_t)(q->r.offset + q->progress),
                        (int64_t)(q->r.length - q->progress), true,
                        tx_read_status, q);
}

static void tx_read(struct nbd_req *q)
{
    struct nbd_conn *c = q->conn;

    if (q->step == TX_START && (q->r.flags & NBD_CMD_FLAG_FUA)) {
        tx_flush(q, TX_FLUSHED);
        return;
    }
    if (q->step == TX_FLUSHED) {
        if (q->breq.ret < 0) {
            tx_fail(q, -q->breq.ret, "flush failed");
            return;
        }
        q->step = TX_START;
    }
    if (c->structured && !(q->r.flags & NBD_CMD_FLAG_DF) &&
        q->r.length > 0) {
        tx_read_sparse(q);
        return;
    }
    if (q->step == TX_START && q->r.length > 0) {
        tx_submit(q, TX_IO, BK_OP_READ, 0, q->r.length, 0);
        return;
    }
    if (q->step == TX_IO && q->breq.ret < 0) {
        tx_fail(q, -q->breq.ret, "reading from file failed");
        return;
    }
    if (!c->structured)
        tx_simple(q, 0, q->r.length);
    else if (q->r.length > 0)
        tx_data_chunk(q, 0, q->r.length, true);
    else
        tx_done_chunk(q);
    tx_finish(q);
}

/* ---- BLOCK_STATUS ------------------------------------------------------------ */

/* Add an extent; false when the array is full (the answer ends here). */
static bool tx_ext_add(struct nbd_req *q, uint32_t len, uint32_t flags)
{
    if (q->next_ext > 0 && q->ext[2 * q->next_ext - 1] == flags &&
        (uint64_t)q->ext[2 * q->next_ext - 2] + len <= UINT32_MAX) {
        q->ext[2 * q->next_ext - 2] += len;
        return true;
    }
    if (q->next_ext == q->max_ext)
        return false;
    q->ext[2 * q->next_ext] = len;
    q->ext[2 * q->next_ext + 1] = flags;
    q->next_ext++;
    return true;
}

static void tx_bs_reply(struct nbd_req *q)
{
    uint8_t hdr[NBD_CHUNK_HEADER_SIZE + 4];
    size_t n = (size_t)q->next_ext * 8;
    uint8_t *own = malloc(n ? n : 1);

    if (own == NULL)
        abort();
    for (unsigned i = 0; i < 2 * q->next_ext; i++)
        nbd_put32(own + 4 * i, q->ext[i]);
    tx_chunk_hdr(hdr, q, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS,
                 (uint32_t)(4 + n));
    nbd_put32(hdr + NBD_CHUNK_HEADER_SIZE, TX_META_ID_BASE);
    nbd_conn_queue(q->conn, hdr, sizeof(hdr), own, n, NULL, own);
    tx_finish(q);
}

static void tx_bs_answer(struct nbd_req *q, int ret,
                         const struct bk_status *st);

static void tx_bs_status(void *arg, int ret, const struct bk_status *st)
{
    struct nbd_req *q = arg;
    struct nbd_conn *c = q->conn;

    c->busy++;
    tx_bs_answer(q, ret, st);
    c->busy--;
    nbd_conn_kick(c);
}

static void tx_bs_answer(struct nbd_req *q, int ret,
                         const struct bk_status *st)
{
    uint64_t left = q->r.length - q->progress;
    uint64_t num = st->pnum > 0 ? (uint64_t)st->pnum : 0;
    uint32_t flags;

    if (ret < 0) {
        tx_fail(q, -ret, "can't get block status");
        return;
    }
    if (num == 0) {          /* the image ended under us */
        tx_bs_reply(q);
        return;
    }
    if (num > left)
        num = left;
    flags = (st->flags & BK_BS_DATA ? 0 : NBD_STATE_HOLE) |
            (st->flags & BK_BS_ZERO ? NBD_STATE_ZERO : 0);
    if (!tx_ext_add(q, (uint32_t)num, flags)) {
        tx_bs_reply(q);
        return;
    }
    q->progress += num;
    tx_next(q);
}

static void tx_block_status(struct nbd_req *q)
{
    if (q->ext == NULL) {
        /* One extent per 512 bytes asked at most, 1 MiB of them at most:
         * the reply is bounded, and counted as held. */
        uint64_t most = q->r.length / 512 + 1;

        q->max_ext = q->r.flags & NBD_CMD_FLAG_REQ_ONE ? 1
                     : most < NBD_MAX_EXTENTS ? (unsigned)most
                     : NBD_MAX_EXTENTS;
        q->ext = calloc(q->max_ext, 8);
        if (q->ext == NULL)
            abort();
        nbd_conn_hold(q->conn, (long)q->max_ext * 8);
    }
    if (q->progress == q->r.length || q->conn->hard) {
        tx_bs_reply(q);
        return;
    }
    q->step = TX_STATUS;
    bk_dev_block_status(q->conn->exp->dev,
                        (int64_t)(q->r.offset + q->progress),
                        (int64_t)(q->r.length - q->progress), true,
                        tx_bs_status, q);
}

/* ---- writes -------------------------------------------------------------- */

/* TRIM and WRITE_ZEROES: pieces of at most NBD_EFFECT_CHUNK, in order. */
static void tx_effect(struct nbd_req *q, enum bk_op op, unsigned flags,
                      const char *what)
{
    if (q->step == TX_IO) {
        if (q->breq.ret < 0) {
            tx_fail(q, -q->breq.ret, what);
            return;
        }
        q->progress += (uint64_t)q->breq.bytes;
    }
    if (q->step == TX_TRIM_FLUSH) {
        if (q->breq.ret < 0) {
            tx_fail(q, -q->breq.ret, what);
            return;
        }
        tx_ok(q);
        tx_finish(q);
        return;
    }
    if (q->progress < q->r.length) {
        uint64_t n = q->r.length - q->progress;

        tx_submit(q, TX_IO, op, q->progress,
                  n > (uint64_t)NBD_EFFECT_CHUNK ? (uint64_t)NBD_EFFECT_CHUNK
                                                 : n, flags);
        return;
    }
    if (op == BK_OP_DISCARD && (q->r.flags & NBD_CMD_FLAG_FUA) &&
        q->r.length > 0) {
        tx_flush(q, TX_TRIM_FLUSH);
        return;
    }
    tx_ok(q);
    tx_finish(q);
}

static void tx_write(struct nbd_req *q)
{
    if (q->step == TX_START && q->r.length > 0) {
        tx_submit(q, TX_IO, BK_OP_WRITE, 0, q->r.length,
                  q->r.flags & NBD_CMD_FLAG_FUA ? BK_REQ_FUA : 0);
        return;
    }
    if (q->step == TX_IO && q->breq.ret < 0) {
        tx_fail(q, -q->breq.ret, "writing to file failed");
        return;
    }
    tx_ok(q);
    tx_finish(q);
}

static void tx_flush_cmd(struct nbd_req *q)
{
    if (q->step == TX_START) {
        tx_submit(q, TX_IO, BK_OP_FLUSH, 0, 0, 0);
        return;
    }
    if (q->breq.ret < 0) {
        tx_fail(q, -q->breq.ret, "flush failed");
        return;
    }
    tx_ok(q);
    tx_finish(q);
}

/* Where a request goes on: at its start, or after a device call or a
 * block status answer. */
static void tx_run(struct nbd_req *q)
{
    unsigned zflags = 0;

    switch (q->r.type) {
    case NBD_CMD_READ:
        tx_read(q);
        break;
    case NBD_CMD_WRITE:
        tx_write(q);
        break;
    case NBD_CMD_FLUSH:
        tx_flush_cmd(q);
        break;
    case NBD_CMD_TRIM:
        tx_effect(q, BK_OP_DISCARD, 0, "discard failed");
        break;
    case NBD_CMD_WRITE_ZEROES:
        if (q->r.flags & NBD_CMD_FLAG_FUA)
            zflags |= BK_REQ_FUA;
        if (!(q->r.flags & NBD_CMD_FLAG_NO_HOLE))
            zflags |= BK_REQ_MAY_UNMAP;
        if (q->r.flags & NBD_CMD_FLAG_FAST_ZERO)
            zflags |= BK_REQ_NO_FALLBACK;
        tx_effect(q, BK_OP_WRITE_ZEROES, zflags, "writing to file failed");
        break;
    case NBD_CMD_CACHE:
        /* A prefetch copies from a backing file into the image (qemu's
         * copy-on-read); a raw image has none, so there is nothing to do
         * once the range is checked. */
        tx_ok(q);
        tx_finish(q);
        break;
    case NBD_CMD_BLOCK_STATUS:
        tx_block_status(q);
        break;
    }
}

/* A read into the pipe ended: count its bytes, or take buffers when the
 * device would not (its stack changed since), and read again. */
static bool tx_pipe_read_done(struct nbd_req *q, int ret)
{
    if (ret == 0) {
        q->pipe_left += (size_t)q->breq.bytes;
        return false;
    }
    if (ret != -ENOTSUP) {
        q->pipe_dirty = true;        /* part of it may be in there */
        return false;
    }
    q->pipe_refused = true;
    if (q->data == NULL && !tx_alloc(q, q->r.length)) {
        q->breq.ret = -ENOMEM;
        return false;
    }
    tx_submit(q, q->step, BK_OP_READ, (uint64_t)q->breq.offset - q->r.offset,
              (uint64_t)q->breq.bytes,
              q->breq.flags & ~(unsigned)BK_REQ_TO_PIPE);
    return true;
}

static void tx_breq_done(struct bk_req *breq, int ret)
{
    struct nbd_req *q = breq->opaque;
    struct nbd_conn *c = q->conn;

    if ((breq->flags & BK_REQ_TO_PIPE) && tx_pipe_read_done(q, ret))
        return;
    c->busy++;
    tx_next(q);
    c->busy--;
    nbd_conn_kick(c);
}
