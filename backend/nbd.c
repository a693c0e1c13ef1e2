/*
 * nbd.c — the "nbd" protocol driver: a client of an NBD server.
 *
 * Open connects and runs the handshake (nbd/client.c) synchronously, as
 * qemu does.  From then on the socket is non-blocking and watched by the
 * loop: requests go out as soon as they come, up to NBD_SLOTS at once
 * (qemu's MAX_NBD_REQUESTS), each in a *slot* whose cookie names it; the
 * replies, in whatever order the server sends them, are parsed as they
 * arrive (nbd/reply.c) and end their slot's request.  A request that
 * finds every slot taken waits in line.
 *
 * A lost connection (the server hung up, a write failed, a reply broke
 * the protocol) fails the requests in flight with EIO, unless
 * reconnect-delay is set: then they wait, and are sent again once a new
 * connection is up, until the delay runs out.  Either way the driver
 * keeps trying to reconnect in the background (1 s, then twice as long
 * each time up to 16 s, as qemu's connection thread), the handshake on a
 * worker thread so that the loop never waits for a server; a request
 * made while there is no connection fails with EIO.
 *
 * Requests end from a later pass of the loop (bk_io_complete_later): a
 * completion that submits at once never runs inside the reply parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/loop.h"
#include "backend/nbd.h"
#include "nbd/client.h"
#include "nbd/reply.h"

enum { NBD_SLOTS = 16 };
/* qemu's NBD_MAX_BUFFER_SIZE: the most one request carries. */
#define NBD_MAX_BUFFER (32 * 1024 * 1024)
/* What one read from the socket takes at most. */
#define NBD_RBUF_SIZE (256 * 1024)

enum nbd_cstate {
    NBD_CONNECTED,
    NBD_CONNECTING_WAIT,    /* lost: requests wait for reconnect-delay */
    NBD_CONNECTING_NOWAIT,  /* lost: requests fail until reconnected */
    NBD_QUIT,               /* closing */
};

struct nbd_slot {
    struct nbd_pending p;        /* what the parser sees */
    struct bk_io *io;            /* NULL: free */
    uint64_t cookie;
    bool replied;                /* ... before it was all sent: */
    int ret;                     /* its result */
    uint8_t hdr[NBD_REQUEST_SIZE];
    size_t sent, total;          /* bytes of header and payload */
    struct nbd_slot *send_next;  /* on the send queue */
};

struct nbd_state;

/*
 * A reconnection on a worker: it owns everything in here while it runs,
 * but for `sock` and `cancelled` (under lock): a node that closes shuts
 * the socket down so that a server that never answers cannot hold the
 * worker (and the process's exit) forever.
 */
struct nbd_attempt {
    struct bk_work work;
    struct nbd_state *s;         /* NULL: the node closed meanwhile */
    pthread_mutex_t lock;
    int sock;                    /* lock: the handshake's socket, or -1 */
    bool cancelled;              /* lock */
    struct nbd_addr addr;        /* copies: the node may close */
    char *export;
    int fd;                      /* the result, or -1 */
    struct nbd_export_info info;
    char *cause;
};

struct nbd_state {
    struct bk_node *node;
    struct bk_nbd_config cfg;
    enum nbd_cstate cstate;
    int fd;                      /* -1: no connection */
    struct nbd_export_info info;
    struct nbd_reply_parser parser;
    uint8_t *rbuf;

    struct nbd_slot slots[NBD_SLOTS];
    unsigned nbusy;
    uint64_t seq;
    struct nbd_slot *send_head, *send_tail;
    bool want_write;             /* the loop polls for writability */
    /* ios waiting for a slot or a connection, linked by drv_priv */
    struct bk_io *wait_head, *wait_tail;

    struct nbd_attempt *attempt; /* running on a worker, or NULL */
    int retry_timer;             /* next attempt due, or 0 */
    long retry_s;                /* its back-off */
    int delay_timer;             /* reconnect-delay runs out, or 0 */
};

static void nbd_pump(struct nbd_state *s);
static void nbd_start_attempt(struct nbd_state *s);

/* ---- the wait line ----------------------------------------------------- */

static void wait_push(struct nbd_state *s, struct bk_io *io, bool front)
{
    io->drv_priv = NULL;
    if (s->wait_head == NULL) {
        s->wait_head = s->wait_tail = io;
    } else if (front) {
        io->drv_priv = s->wait_head;
        s->wait_head = io;
    } else {
        s->wait_tail->drv_priv = io;
        s->wait_tail = io;
    }
}

static struct bk_io *wait_pop(struct nbd_state *s)
{
    struct bk_io *io = s->wait_head;

    if (io != NULL) {
        s->wait_head = io->drv_priv;
        if (s->wait_head == NULL)
            s->wait_tail = NULL;
        io->drv_priv = NULL;
    }
    return io;
}

static void fail_waiting(struct nbd_state *s)
{
    struct bk_io *io;

    while ((io = wait_pop(s)) != NULL)
        bk_io_complete_later(io, -EIO);
}

/* ---- the connection ---------------------------------------------------- */

static struct nbd_pending *nbd_lookup(void *opaque, uint64_t cookie)
{
    struct nbd_state *s = opaque;
    struct nbd_slot *slot = &s->slots[cookie % NBD_SLOTS];

    /* An answered request is no longer asked about, even while the
     * rest of it is still being sent. */
    return slot->io != NULL && !slot->replied && slot->cookie == cookie
           ? &slot->p : NULL;
}

/* End slot's request with ret and free the slot. */
static void slot_end(struct nbd_state *s, struct nbd_slot *slot, int ret)
{
    struct bk_io *io = slot->io;

    slot->io = NULL;
    slot->replied = false;
    s->nbusy--;
    bk_io_complete_later(io, ret);
}

/* A request's last reply came: its result, from what the parser kept. */
static void nbd_done(void *opaque, struct nbd_pending *p)
{
    struct nbd_state *s = opaque;
    struct nbd_slot *slot = (struct nbd_slot *)p;
    struct bk_io *io = slot->io;
    int ret = p->error;

    if (io->op == BK_OP_BLOCK_STATUS && ret == 0) {
        if (!p->has_extent) {
            ret = -EIO;   /* "Server did not reply with any status extents" */
        } else {
            io->u.status = (struct bk_io_status){
                .flags = (p->ext_flags & NBD_STATE_HOLE ? 0 : BK_BS_DATA) |
                         (p->ext_flags & NBD_STATE_ZERO ? BK_BS_ZERO : 0) |
                         BK_BS_OFFSET_VALID,
                .pnum = p->ext_length, .map = io->offset, .file = io->node,
            };
        }
    }
    /* The server may answer (an error) before a write's payload is all
     * out: the request ends when its buffers are no longer in use. */
    if (slot->sent < slot->total) {
        slot->replied = true;
        slot->ret = ret;
        return;
    }
    slot_end(s, slot, ret);
}

static const struct nbd_reply_ops nbd_reply_ops = {
    .lookup = nbd_lookup,
    .done = nbd_done,
};

static bool nbd_busy(void *arg)
{
    struct nbd_state *s = arg;

    return s->nbusy > 0;
}

static void nbd_on_fd(struct bk_loop *loop, int fd, void *arg);

static void nbd_watch(struct nbd_state *s, bool write)
{
    if (s->want_write != write) {
        s->want_write = write;
        bk_loop_fd_events(s->node->loop, s->fd,
                          BK_FD_READ | (write ? BK_FD_WRITE : 0));
    }
}

/* The connection is gone: see the file's comment for what follows. */
static void nbd_lost(struct nbd_state *s)
{
    struct nbd_slot *order[NBD_SLOTS];
    unsigned n = 0;

    if (s->fd >= 0) {
        bk_loop_del_fd(s->node->loop, s->fd);
        close(s->fd);
        s->fd = -1;
    }
    s->want_write = false;
    s->send_head = s->send_tail = NULL;
    if (s->cstate == NBD_CONNECTED)
        s->cstate = s->cfg.reconnect_delay > 0 ? NBD_CONNECTING_WAIT
                                               : NBD_CONNECTING_NOWAIT;
    /* In flight: sent again later (oldest first) or failed. */
    for (unsigned i = 0; i < NBD_SLOTS; i++)
        if (s->slots[i].io != NULL)
            order[n++] = &s->slots[i];
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && order[j]->cookie < order[j - 1]->cookie;
             j--) {
            struct nbd_slot *t = order[j];

            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (unsigned i = n; i-- > 0;) {
        struct bk_io *io = order[i]->io;

        order[i]->io = NULL;
        order[i]->replied = false;
        if (s->cstate == NBD_CONNECTING_WAIT)
            wait_push(s, io, true);
        else
            bk_io_complete_later(io, -EIO);
    }
    s->nbusy = 0;
    if (s->cstate == NBD_CONNECTING_WAIT) {
        nbd_start_attempt(s);
    } else {
        fail_waiting(s);
    }
}

/* Send what the queue holds until the socket is full. */
static void nbd_send(struct nbd_state *s)
{
    while (s->send_head != NULL) {
        struct nbd_slot *slot = s->send_head;
        struct bk_io *io = slot->io;
        struct iovec iov[64];
        struct msghdr msg = { .msg_iov = iov };
        size_t skip = slot->sent;
        int n = 0;
        ssize_t r;

        if (skip < NBD_REQUEST_SIZE) {
            iov[n++] = (struct iovec){ slot->hdr + skip,
                                       NBD_REQUEST_SIZE - skip };
            skip = 0;
        } else {
            skip -= NBD_REQUEST_SIZE;
        }
        if (slot->p.type == NBD_CMD_WRITE)
            for (int i = 0; i < io->iovcnt && n < 64; i++) {
                if (skip >= io->iov[i].iov_len) {
                    skip -= io->iov[i].iov_len;
                    continue;
                }
                iov[n++] = (struct iovec){
                    (char *)io->iov[i].iov_base + skip,
                    io->iov[i].iov_len - skip };
                skip = 0;
            }
        msg.msg_iovlen = (size_t)n;
        r = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            nbd_watch(s, true);
            return;
        }
        if (r < 0) {
            nbd_lost(s);
            return;
        }
        slot->sent += (size_t)r;
        if (slot->sent < slot->total)
            continue;
        s->send_head = slot->send_next;
        if (s->send_head == NULL)
            s->send_tail = NULL;
        slot->send_next = NULL;
        if (slot->replied)
            slot_end(s, slot, slot->ret);
    }
    nbd_watch(s, false);
}

static void nbd_on_fd(struct bk_loop *loop, int fd, void *arg)
{
    struct nbd_state *s = arg;

    (void)loop;
    (void)fd;
    if (s->send_head != NULL) {
        nbd_send(s);
        if (s->fd < 0)
            return;
    }
    for (;;) {
        ssize_t r = recv(s->fd, s->rbuf, NBD_RBUF_SIZE, MSG_DONTWAIT);
        char *cause = NULL;

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            nbd_lost(s);
            return;
        }
        if (nbd_reply_feed(&s->parser, s->rbuf, (size_t)r, &cause) < 0) {
            free(cause);
            nbd_lost(s);
            return;
        }
        if (r < NBD_RBUF_SIZE)
            break;
    }
    nbd_pump(s);
}

/* A connected, negotiated socket becomes the node's connection. */
static int nbd_adopt(struct nbd_state *s, int fd,
                     const struct nbd_export_info *info)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    s->fd = fd;
    s->info = *info;
    s->want_write = false;
    nbd_reply_init(&s->parser, &nbd_reply_ops, s, info->structured_reply,
                   info->context_id, info->min_block);
    if (bk_loop_add_engine_fd(s->node->loop, fd, nbd_on_fd, s, nbd_busy) < 0)
        return -ENOMEM;
    s->cstate = NBD_CONNECTED;
    return 0;
}

/* ---- reconnection ------------------------------------------------------ */

static int nbd_connect(const struct nbd_addr *addr, const char *export,
                       int *fdp, struct nbd_export_info *info, char **cause)
{
    int ret = nbd_addr_connect(addr, fdp, cause);

    if (ret < 0)
        return ret;
    ret = nbd_client_negotiate(*fdp, export, info, cause);
    if (ret < 0) {
        close(*fdp);
        *fdp = -1;
    }
    return ret;
}

static void attempt_work(struct bk_work *w)
{
    struct nbd_attempt *a = (struct nbd_attempt *)w;
    bool cancelled;
    int fd, ret;

    if (nbd_addr_connect(&a->addr, &fd, &a->cause) < 0)
        return;
    pthread_mutex_lock(&a->lock);
    cancelled = a->cancelled;
    if (!cancelled)
        a->sock = fd;
    pthread_mutex_unlock(&a->lock);
    if (cancelled) {
        close(fd);
        return;
    }
    ret = nbd_client_negotiate(fd, a->export, &a->info, &a->cause);
    pthread_mutex_lock(&a->lock);
    a->sock = -1;
    cancelled = a->cancelled;
    pthread_mutex_unlock(&a->lock);
    if (ret < 0 || cancelled)
        close(fd);
    else
        a->fd = fd;
}

/* The node closes: an attempt under way ends as soon as it can. */
static void attempt_cancel(struct nbd_attempt *a)
{
    pthread_mutex_lock(&a->lock);
    a->cancelled = true;
    if (a->sock >= 0)
        shutdown(a->sock, SHUT_RDWR);
    pthread_mutex_unlock(&a->lock);
    a->s = NULL;   /* it frees itself when it ends */
}

static void attempt_free(struct nbd_attempt *a)
{
    pthread_mutex_destroy(&a->lock);
    if (a->fd >= 0)
        close(a->fd);
    nbd_addr_clear(&a->addr);
    free(a->export);
    free(a->cause);
    free(a);
}

static long retry_timer_fn(struct bk_loop *loop, void *arg)
{
    struct nbd_state *s = arg;

    (void)loop;
    s->retry_timer = 0;
    nbd_start_attempt(s);
    return -1;
}

static void attempt_done(struct bk_work *w)
{
    struct nbd_attempt *a = (struct nbd_attempt *)w;
    struct nbd_state *s = a->s;

    if (s == NULL) {
        attempt_free(a);
        return;
    }
    s->attempt = NULL;
    if (a->fd >= 0 && s->cstate != NBD_QUIT) {
        /* The export must still fit what the node promised. */
        if (a->info.size == s->info.size &&
            !(!(s->info.flags & NBD_FLAG_READ_ONLY) &&
              (a->info.flags & NBD_FLAG_READ_ONLY)) &&
            nbd_adopt(s, a->fd, &a->info) == 0) {
            a->fd = -1;
            s->retry_s = 0;
            if (s->delay_timer > 0) {
                bk_loop_del_timer(s->node->loop, s->delay_timer);
                s->delay_timer = 0;
            }
            attempt_free(a);
            nbd_pump(s);
            return;
        }
        if (s->fd >= 0) {   /* nbd_adopt failed half-way */
            bk_loop_del_fd(s->node->loop, s->fd);
            s->fd = -1;
        }
        nbd_client_send_disc(a->fd);
    }
    attempt_free(a);
    /* qemu's back-off: 1 s, doubling up to 16 s. */
    s->retry_s = s->retry_s == 0 ? 1 : s->retry_s < 16 ? s->retry_s * 2 : 16;
    s->retry_timer = bk_loop_add_timer(s->node->loop, s->retry_s * 1000,
                                       retry_timer_fn, s);
}

static long delay_timer_fn(struct bk_loop *loop, void *arg)
{
    struct nbd_state *s = arg;

    (void)loop;
    s->delay_timer = 0;
    if (s->cstate == NBD_CONNECTING_WAIT) {
        s->cstate = NBD_CONNECTING_NOWAIT;
        fail_waiting(s);
    }
    return -1;
}

/* Try to connect again on a worker, unless an attempt is under way. */
static void nbd_start_attempt(struct nbd_state *s)
{
    struct nbd_attempt *a;

    if (s->cstate == NBD_CONNECTING_WAIT && s->delay_timer == 0)
        s->delay_timer = bk_loop_add_timer(
            s->node->loop, (long)s->cfg.reconnect_delay * 1000,
            delay_timer_fn, s);
    if (s->attempt != NULL || s->retry_timer != 0)
        return;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return;
    a->s = s;
    a->fd = -1;
    a->sock = -1;
    pthread_mutex_init(&a->lock, NULL);
    a->addr.is_unix = s->cfg.addr.is_unix;
    a->addr.path = s->cfg.addr.path ? strdup(s->cfg.addr.path) : NULL;
    a->addr.host = s->cfg.addr.host ? strdup(s->cfg.addr.host) : NULL;
    a->addr.port = s->cfg.addr.port ? strdup(s->cfg.addr.port) : NULL;
    a->export = strdup(s->cfg.export);
    a->work.work = attempt_work;
    a->work.done = attempt_done;
    s->attempt = a;
    bk_pool_submit(s->node->loop, &a->work);
}

/* ---- requests ---------------------------------------------------------- */

static uint16_t nbd_cmd_of(const struct bk_io *io)
{
    switch (io->op) {
    case BK_OP_READ:          return NBD_CMD_READ;
    case BK_OP_WRITE:         return NBD_CMD_WRITE;
    case BK_OP_WRITE_ZEROES:  return NBD_CMD_WRITE_ZEROES;
    case BK_OP_DISCARD:       return NBD_CMD_TRIM;
    case BK_OP_FLUSH:         return NBD_CMD_FLUSH;
    default:                  return NBD_CMD_BLOCK_STATUS;
    }
}

/* Put io on the wire in a free slot. */
static void nbd_start(struct nbd_state *s, struct bk_io *io)
{
    struct nbd_slot *slot = NULL;
    struct nbd_request rq = { .type = nbd_cmd_of(io) };
    unsigned i;

    for (i = 0; i < NBD_SLOTS; i++)
        if (s->slots[i].io == NULL) {
            slot = &s->slots[i];
            break;
        }
    s->nbusy++;
    rq.offset = (uint64_t)io->offset;
    rq.length = (uint32_t)io->bytes;
    switch (io->op) {
    case BK_OP_READ: {
        /* Past the server's end (the length was rounded up): zeroes. */
        uint64_t end = (uint64_t)io->offset + (uint64_t)io->bytes;

        if (end > s->info.size)
            rq.length -= (uint32_t)(end - s->info.size);
        break;
    }
    case BK_OP_WRITE:
        if (io->flags & BK_REQ_FUA)
            rq.flags |= NBD_CMD_FLAG_FUA;
        break;
    case BK_OP_WRITE_ZEROES:
        if (io->flags & BK_REQ_FUA)
            rq.flags |= NBD_CMD_FLAG_FUA;
        if (!(io->flags & BK_REQ_MAY_UNMAP))
            rq.flags |= NBD_CMD_FLAG_NO_HOLE;
        if (io->flags & BK_REQ_NO_FALLBACK)
            rq.flags |= NBD_CMD_FLAG_FAST_ZERO;
        break;
    case BK_OP_FLUSH:
        rq.offset = 0;
        rq.length = 0;
        break;
    case BK_OP_BLOCK_STATUS: {
        int64_t max = INT_MAX - INT_MAX % (int64_t)s->node->bl.request_alignment;
        int64_t len = io->bytes < (int64_t)s->info.size - io->offset
                      ? io->bytes : (int64_t)s->info.size - io->offset;

        rq.length = (uint32_t)(len < max ? len : max);
        rq.flags = NBD_CMD_FLAG_REQ_ONE;
        break;
    }
    default:
        break;
    }
    slot->io = io;
    slot->cookie = s->seq++ * NBD_SLOTS + i;
    rq.cookie = slot->cookie;
    slot->p = (struct nbd_pending){
        .type = rq.type, .offset = rq.offset, .length = rq.length,
        .iov = io->iov, .iovcnt = io->iovcnt,
    };
    nbd_encode_request(slot->hdr, &rq);
    slot->sent = 0;
    slot->total = NBD_REQUEST_SIZE +
                  (rq.type == NBD_CMD_WRITE ? rq.length : 0);
    slot->send_next = NULL;
    if (s->send_tail != NULL)
        s->send_tail->send_next = slot;
    else
        s->send_head = slot;
    s->send_tail = slot;
    /* Behind others: the socket is full, the loop sends it when it can. */
    if (s->send_head == slot)
        nbd_send(s);
}

/* Requests waiting while there are slots and a connection. */
static void nbd_pump(struct nbd_state *s)
{
    while (s->wait_head != NULL && s->cstate == NBD_CONNECTED &&
           s->nbusy < NBD_SLOTS)
        nbd_start(s, wait_pop(s));
}

static void nbd_submit(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;

    switch (s->cstate) {
    case NBD_QUIT:
        bk_io_complete_later(io, -EIO);
        return;
    case NBD_CONNECTING_NOWAIT:
        /* No connection now: fail, and try to get one for later. */
        nbd_start_attempt(s);
        bk_io_complete_later(io, -EIO);
        return;
    case NBD_CONNECTING_WAIT:
        wait_push(s, io, false);
        return;
    case NBD_CONNECTED:
        break;
    }
    if (s->nbusy >= NBD_SLOTS || s->wait_head != NULL)
        wait_push(s, io, false);
    else
        nbd_start(s, io);
}

static void nbd_preadv(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;
    uint64_t end = (uint64_t)io->offset + (uint64_t)io->bytes;

    if (io->bytes == 0) {
        bk_io_complete(io, 0);
        return;
    }
    /* The tail past the server's end reads as zeroes (the block layer
     * rounds the length up to a sector). */
    if (end > s->info.size) {
        uint64_t from = (uint64_t)io->offset > s->info.size
                        ? 0 : s->info.size - (uint64_t)io->offset;

        bk_iov_fill(io->iov, io->iovcnt, (size_t)from, NULL, SIZE_MAX);
        if ((uint64_t)io->offset >= s->info.size) {
            bk_io_complete(io, 0);
            return;
        }
    }
    nbd_submit(io);
}

static void nbd_pwritev(struct bk_io *io)
{
    if (io->bytes == 0) {
        bk_io_complete(io, 0);
        return;
    }
    nbd_submit(io);
}

static void nbd_pwrite_zeroes(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;

    if (!(s->info.flags & NBD_FLAG_SEND_WRITE_ZEROES) ||
        ((io->flags & BK_REQ_NO_FALLBACK) &&
         !(s->info.flags & NBD_FLAG_SEND_FAST_ZERO))) {
        bk_io_complete(io, -ENOTSUP);
        return;
    }
    nbd_pwritev(io);
}

static void nbd_pdiscard(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;

    if (!(s->info.flags & NBD_FLAG_SEND_TRIM) || io->bytes == 0) {
        bk_io_complete(io, 0);
        return;
    }
    nbd_submit(io);
}

static void nbd_flush(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;

    if (!(s->info.flags & NBD_FLAG_SEND_FLUSH)) {
        bk_io_complete(io, 0);
        return;
    }
    nbd_submit(io);
}

static void nbd_block_status(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;

    if (!s->info.base_allocation) {
        io->u.status = (struct bk_io_status){
            .flags = BK_BS_DATA | BK_BS_OFFSET_VALID, .pnum = io->bytes,
            .map = io->offset, .file = io->node,
        };
        bk_io_complete(io, 0);
        return;
    }
    /* Past the server's end: the rounding's zeroes, no offset. */
    if ((uint64_t)io->offset >= s->info.size) {
        io->u.status = (struct bk_io_status){
            .flags = BK_BS_ZERO, .pnum = io->bytes,
        };
        bk_io_complete(io, 0);
        return;
    }
    nbd_submit(io);
}

/* qemu-io's truncate asks for no exact size: shrinking is ignored. */
static void nbd_truncate(struct bk_io *io)
{
    struct nbd_state *s = io->node->state;

    if ((uint64_t)io->offset > s->info.size) {
        if (io->req != NULL)
            snprintf(io->req->cause, sizeof(io->req->cause),
                     "Cannot grow NBD nodes");
        bk_io_complete(io, -EINVAL);
        return;
    }
    bk_io_complete(io, 0);
}

/* ---- open and close ---------------------------------------------------- */

/* The node's limits from the server's block sizes (qemu's
 * nbd_refresh_limits). */
static void nbd_limits(struct bk_node *node, const struct nbd_export_info *i)
{
    uint32_t min = i->min_block;
    uint32_t max = i->max_block != 0 && i->max_block < NBD_MAX_BUFFER
                   ? i->max_block : NBD_MAX_BUFFER;

    /* Without the server's word: byte access when the size is not a
     * sector multiple or block status may give sub-sector extents. */
    if (min == 0)
        min = (i->size % 512 != 0 || i->base_allocation) ? 1 : 512;
    node->bl.request_alignment = min;
    node->bl.max_pdiscard = INT_MAX - INT_MAX % (int64_t)min;
    node->bl.max_pwrite_zeroes = max;
    node->bl.max_transfer = max;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { .tv_sec = ns / 1000000000,
                           .tv_nsec = ns % 1000000000 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int nbd_open(struct bk_node *node, struct bk_opts *opts,
                    const char *filename, char **cause)
{
    struct nbd_state *s = node->state;
    struct nbd_export_info info;
    int64_t deadline;
    long wait_s = 1;
    int fd = -1, ret;

    s->node = node;
    s->fd = -1;
    ret = bk_nbd_take_config(opts, filename, &s->cfg, cause);
    if (ret < 0)
        return ret;
    deadline = bk_now_ns() + (int64_t)s->cfg.open_timeout * 1000000000;
    /* With open-timeout, qemu tries again (its back-off: 1 s, 2 s, ...)
     * until the time is up, and fails then with the last attempt's
     * words; open blocks meanwhile, as qemu's does. */
    for (;;) {
        int64_t now;

        ret = nbd_connect(&s->cfg.addr, s->cfg.export, &fd, &info, cause);
        now = bk_now_ns();
        if (ret == 0 || s->cfg.open_timeout == 0 || now >= deadline)
            break;
        if (now + wait_s * 1000000000 >= deadline) {
            sleep_ns(deadline - now);
            break;
        }
        free(*cause);
        *cause = NULL;
        sleep_ns(wait_s * 1000000000);
        wait_s = wait_s < 16 ? wait_s * 2 : 16;
    }
    if (ret < 0)
        goto fail;
    if ((info.flags & NBD_FLAG_READ_ONLY) && (node->open_flags & BK_O_RDWR)) {
        nbd_client_send_disc(fd);
        close(fd);
        /* qemu checks this without a place for its own words
         * (nbd_handle_updated_info), so the generic ones come out. */
        *cause = strfmt("Could not open image: %s", strerror(EACCES));
        ret = -EACCES;
        goto fail;
    }
    s->rbuf = malloc(NBD_RBUF_SIZE);
    if (s->rbuf == NULL || (ret = nbd_adopt(s, fd, &info)) < 0) {
        close(fd);
        s->fd = -1;
        ret = -ENOMEM;
        goto fail;
    }
    if (info.flags & NBD_FLAG_SEND_FUA)
        node->supported_write_flags = BK_REQ_FUA;
    nbd_limits(node, &info);
    free(node->filename);
    node->filename = bk_nbd_config_name(&s->cfg);
    return 0;
fail:
    free(s->rbuf);
    s->rbuf = NULL;
    bk_nbd_config_clear(&s->cfg);
    return ret;
}

static void nbd_close(struct bk_node *node)
{
    struct nbd_state *s = node->state;

    s->cstate = NBD_QUIT;
    if (s->fd >= 0) {
        nbd_client_send_disc(s->fd);
        bk_loop_del_fd(node->loop, s->fd);
        close(s->fd);
        s->fd = -1;
    }
    if (s->attempt != NULL)
        attempt_cancel(s->attempt);
    if (s->retry_timer != 0)
        bk_loop_del_timer(node->loop, s->retry_timer);
    if (s->delay_timer != 0)
        bk_loop_del_timer(node->loop, s->delay_timer);
    fail_waiting(s);
    free(s->rbuf);
    bk_nbd_config_clear(&s->cfg);
}

static int nbd_reopen(struct bk_node *node, unsigned flags, char **cause)
{
    struct nbd_state *s = node->state;

    if ((flags & BK_O_RDWR) && (s->info.flags & NBD_FLAG_READ_ONLY)) {
        *cause = strfmt("Can't reopen read-only NBD mount as read/write");
        return -EACCES;
    }
    return 0;
}

static int64_t nbd_get_length(struct bk_node *node)
{
    return (int64_t)((struct nbd_state *)node->state)->info.size;
}

/* qemu has one driver per URI scheme, all of them "nbd". */
#define NBD_DRIVER(PROTO) {                                                  \
    .name = "nbd",                                                          \
    .protocol_name = PROTO,                                                 \
    .state_size = sizeof(struct nbd_state),                                 \
    .open = nbd_open,                                                       \
    .close = nbd_close,                                                     \
    .reopen = nbd_reopen,                                                   \
    .get_length = nbd_get_length,                                           \
    .preadv = nbd_preadv,                                                   \
    .pwritev = nbd_pwritev,                                                 \
    .pwrite_zeroes = nbd_pwrite_zeroes,                                     \
    .pdiscard = nbd_pdiscard,                                               \
    .flush_to_os = nbd_flush,                                               \
    .truncate = nbd_truncate,                                               \
    .block_status = nbd_block_status,                                       \
}

const struct bk_driver bk_driver_nbd = NBD_DRIVER("nbd");
const struct bk_driver bk_driver_nbd_tcp = NBD_DRIVER("nbd+tcp");
const struct bk_driver bk_driver_nbd_unix = NBD_DRIVER("nbd+unix");
