/*
 * conn.c — an NBD connection's bytes and life (see server-int.h).
 *
 * Entry points — the socket is ready, a request ended, a timer fired, the
 * export is shut down — each end in conn_settle(), which sends what it
 * can, lifts a cap that no longer holds, closes a connection that has
 * nothing left to answer, and tells the loop what to wait for.  While an
 * entry point runs (busy), nothing frees the connection under it.
 *
 * Input is read into a buffer and parsed as far as it goes, several
 * pipelined requests per read; a write's payload longer than what is
 * buffered is read straight into its request's buffer (readv with the
 * input buffer as the second piece).  Output is a queue gathered into one
 * writev; read data goes out from the request's own buffer, uncopied, or
 * from its pipe (pipes.c) with splice once the reply's header went: a
 * writev stops before a pipe's bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nbd/server-int.h"
#include "util/strfmt.h"

#define CONN_IOV_MAX 64

static void conn_ready(struct bk_loop *loop, int fd, void *arg);
static void conn_settle(struct nbd_conn *c);

void nbd_conn_hold(struct nbd_conn *c, long delta)
{
    c->held = (size_t)((long)c->held + delta);
}

static long conn_handshake_timeout(struct bk_loop *loop, void *arg)
{
    struct nbd_conn *c = arg;

    (void)loop;
    c->handshake_timer = 0;
    if (c->exp == NULL) {
        c->busy++;
        nbd_conn_close(c, true, "handshake timed out");
        c->busy--;
        conn_settle(c);
    }
    return -1;
}

/*
 * For bk_loop_idle: may the loop keep this client waiting for a blocking
 * call (a small page-cache write on the loop thread)?  Yes when it is the
 * only client: the requests it has in flight are counted by the loop, and
 * with one, at depth 1, it sends nothing until that one is answered.  With
 * other clients, one of them could be kept waiting for another's write.
 */
static bool conn_busy(void *arg)
{
    const struct nbd_conn *c = arg;

    return c->lis->nconns > 1;
}

struct nbd_conn *nbd_conn_new(struct nbd_listener *lis, int fd)
{
    struct nbd_conn *c = calloc(1, sizeof(*c));

    if (c == NULL || (c->in = malloc(NBD_IN_SIZE)) == NULL)
        abort();
    c->lis = lis;
    c->fd = fd;
    c->peer = nbd_addr_peer(fd);
    c->state = NBD_CS_CLIENT_FLAGS;
    c->min_block = 1;
    c->next = lis->conns;
    if (lis->conns != NULL)
        lis->conns->prev = c;
    lis->conns = c;
    lis->nconns++;
    c->events = BK_FD_READ;
    if (bk_loop_add_client_fd(lis->loop, fd, conn_ready, c, conn_busy) < 0) {
        c->busy++;
        nbd_conn_close(c, true, "cannot watch the socket");
        c->busy--;
        conn_settle(c);
        return NULL;
    }
    c->handshake_timer = bk_loop_add_timer(lis->loop, NBD_HANDSHAKE_MS,
                                           conn_handshake_timeout, c);
    c->busy++;
    nbd_hs_greet(c);
    c->busy--;
    conn_settle(c);
    return c;
}

/* ---- output ------------------------------------------------------------ */

static void conn_out_release(struct nbd_conn *c, struct nbd_out *o)
{
    nbd_conn_hold(c, -(long)o->held);
    free(o->own);
    if (o->req != NULL)
        nbd_req_put(o->req);
    free(o);
}

/* A new output, last in the queue, holding a reference to req (if any). */
static struct nbd_out *conn_out_new(struct nbd_conn *c, const void *hdr,
                                    size_t hdrlen, struct nbd_req *req)
{
    struct nbd_out *o = calloc(1, sizeof(*o));

    if (o == NULL || hdrlen > sizeof(o->hdr))
        abort();
    if (hdrlen > 0) {
        memcpy(o->hdr, hdr, hdrlen);
        o->iov[o->iovcnt++] = (struct iovec){ o->hdr, hdrlen };
    }
    if (req != NULL) {
        o->req = req;
        req->refs++;
    }
    if (c->out_tail != NULL)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    return o;
}

void nbd_conn_queue(struct nbd_conn *c, const void *hdr, size_t hdrlen,
                    const void *payload, size_t len, struct nbd_req *req,
                    void *own)
{
    struct nbd_out *o;

    if (c->hard) {          /* nobody to send it to */
        free(own);
        return;
    }
    o = conn_out_new(c, hdr, hdrlen, req);
    if (len > 0)
        o->iov[o->iovcnt++] = (struct iovec){ (void *)payload, len };
    o->own = own;
    if (own != NULL) {
        o->held = len;
        nbd_conn_hold(c, (long)len);
    }
}

void nbd_conn_queue_pipe(struct nbd_conn *c, const void *hdr, size_t hdrlen,
                         struct nbd_req *req, size_t len)
{
    if (c->hard)            /* the bytes stay in the pipe: it is closed */
        return;
    conn_out_new(c, hdr, hdrlen, req)->pipe_len = len;
}

static size_t out_iov_len(const struct nbd_out *o)
{
    size_t len = 0;

    for (int i = 0; i < o->iovcnt; i++)
        len += o->iov[i].iov_len;
    return len;
}

/* n bytes went out: drop what was sent whole. */
static void conn_consume(struct nbd_conn *c, size_t n)
{
    while (n > 0 && c->out_head != NULL) {
        struct nbd_out *o = c->out_head;
        size_t len = out_iov_len(o) + o->pipe_len;

        if (n < len - c->out_off) {
            c->out_off += n;
            return;
        }
        n -= len - c->out_off;
        c->out_off = 0;
        c->out_head = o->next;
        if (c->out_head == NULL)
            c->out_tail = NULL;
        conn_out_release(c, o);
    }
}

/* The unsent iovecs from the head on, at most max, up to the first
 * pipe's bytes (which go by splice). */
static int conn_gather(struct nbd_conn *c, struct iovec *iov, int max)
{
    size_t skip = c->out_off;
    int n = 0;

    for (struct nbd_out *o = c->out_head; o != NULL && n < max; o = o->next) {
        for (int i = 0; i < o->iovcnt && n < max; i++) {
            struct iovec v = o->iov[i];

            if (skip >= v.iov_len) {
                skip -= v.iov_len;
                continue;
            }
            iov[n++] = (struct iovec){ (char *)v.iov_base + skip,
                                       v.iov_len - skip };
            skip = 0;
        }
        if (o->pipe_len > 0)
            break;
    }
    return n;
}

/* The head's bytes in its request's pipe, once its header went. */
static ssize_t conn_splice(struct nbd_conn *c)
{
    struct nbd_out *o = c->out_head;
    size_t left = out_iov_len(o) + o->pipe_len - c->out_off;
    ssize_t n = splice(o->req->pipe->r, NULL, c->fd, NULL, left,
                       SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

    if (n > 0)
        o->req->pipe_left -= (size_t)n;
    return n;
}

void nbd_conn_flush(struct nbd_conn *c)
{
    struct iovec iov[CONN_IOV_MAX];

    while (c->out_head != NULL && c->fd >= 0 && !c->hard) {
        ssize_t n;

        if (c->tls != NULL) {
            /* One piece at a time: a send GnuTLS could not finish is
             * repeated with the same bytes. */
            conn_gather(c, iov, 1);
            n = nbd_tls_send(c->tls, iov[0].iov_base, iov[0].iov_len);
            if (n == -EAGAIN)
                return;
        } else {
            struct nbd_out *o = c->out_head;

            n = o->pipe_len > 0 && c->out_off >= out_iov_len(o)
                ? conn_splice(c)
                : writev(c->fd, iov, conn_gather(c, iov, CONN_IOV_MAX));
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        }
        if (n <= 0) {
            nbd_conn_close(c, true, "write failed");
            return;
        }
        conn_consume(c, (size_t)n);
    }
}

/* ---- input ------------------------------------------------------------- */

/* Run the state machine over buffered input, as far as it goes. */
static void conn_parse(struct nbd_conn *c)
{
    while (!c->hard && c->in_start < c->in_end) {
        const uint8_t *p = c->in + c->in_start;
        size_t avail = c->in_end - c->in_start, used = 0;

        switch (c->state) {
        case NBD_CS_CLIENT_FLAGS:
        case NBD_CS_OPT_HEADER:
        case NBD_CS_OPT_DATA:
        case NBD_CS_OPT_SKIP:
            used = nbd_hs_input(c, p, avail);
            break;
        case NBD_CS_REQ_HEADER:
            if (!c->paused)
                used = nbd_tx_input(c, p, avail);
            break;
        case NBD_CS_REQ_DATA: {
            struct nbd_req *q = c->cur;
            uint64_t left = q->r.length - q->progress;

            used = avail < left ? avail : (size_t)left;
            memcpy(q->data + q->progress, p, used);
            q->progress += used;
            if (q->progress == q->r.length)
                nbd_tx_payload_done(c);
            break;
        }
        case NBD_CS_REQ_SKIP:
            used = avail < c->skip_left ? avail : (size_t)c->skip_left;
            c->skip_left -= used;
            if (c->skip_left == 0)
                nbd_tx_skip_done(c);
            break;
        case NBD_CS_TLS_START:
        case NBD_CS_TLS_HANDSHAKE:
        case NBD_CS_CLOSING:
            break;
        }
        if (used == 0)
            break;
        c->in_start += used;
    }
    if (c->in_start == c->in_end)
        c->in_start = c->in_end = 0;
}

/* Does the state take input now? */
static bool conn_reading(const struct nbd_conn *c)
{
    if (c->hard || c->fd < 0)
        return false;
    switch (c->state) {
    case NBD_CS_TLS_START:
    case NBD_CS_TLS_HANDSHAKE:
    case NBD_CS_CLOSING:
        return false;
    case NBD_CS_REQ_HEADER:
        return !c->paused;
    default:
        return true;
    }
}

/* Read what the socket has into the input buffer (or straight into the
 * payload being read): > 0 bytes, 0 at its end, -EAGAIN, -errno.  *all
 * is set when the read filled what it was given, so that more may wait. */
static ssize_t conn_fill(struct nbd_conn *c, bool *all)
{
    ssize_t n;

    if (c->in_start > 0) {
        memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start;
        c->in_start = 0;
    }
    if (c->tls != NULL) {
        n = nbd_tls_recv(c->tls, c->in + c->in_end, NBD_IN_SIZE - c->in_end);
        if (n > 0)
            c->in_end += (size_t)n;
        *all = true;   /* GnuTLS may hold decrypted bytes: ask again */
        return n;
    }
    if (c->state == NBD_CS_REQ_DATA && c->in_end == 0) {
        struct nbd_req *q = c->cur;
        size_t left = q->r.length - q->progress;
        struct iovec iov[2] = {
            { q->data + q->progress, left },
            { c->in, NBD_IN_SIZE },
        };

        n = readv(c->fd, iov, 2);
        *all = n == (ssize_t)(left + NBD_IN_SIZE);
        if (n > 0) {
            size_t mine = (size_t)n < left ? (size_t)n : left;

            q->progress += mine;
            c->in_end = (size_t)n - mine;
            if (q->progress == q->r.length)
                nbd_tx_payload_done(c);
        }
    } else {
        n = read(c->fd, c->in + c->in_end, NBD_IN_SIZE - c->in_end);
        *all = n == (ssize_t)(NBD_IN_SIZE - c->in_end);
        if (n > 0)
            c->in_end += (size_t)n;
    }
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
    return n;
}

/* A TLS handshake step: done, waiting, or failed (connection closed). */
static bool conn_tls_step(struct nbd_conn *c)
{
    char *cause = NULL;
    int ret = nbd_tls_handshake(c->tls, &cause);

    if (ret == -EAGAIN)
        return false;
    if (ret < 0) {
        nbd_conn_close(c, true, cause);
        free(cause);
        return false;
    }
    c->state = NBD_CS_OPT_HEADER;
    return true;
}

/*
 * After a read that did not fill its buffer the socket is most likely
 * empty: the buffered input is parsed and the loop polls again, rather
 * than read again only to learn from EAGAIN that it is (a system call per
 * request served at depth 1).  Bytes that came meanwhile make the poll
 * return at once.
 */
static void conn_run_input(struct nbd_conn *c)
{
    bool drained = false;

    for (;;) {
        bool all = false;
        ssize_t n;

        if (c->state == NBD_CS_TLS_HANDSHAKE && !c->hard) {
            if (!conn_tls_step(c))
                return;
            continue;
        }
        conn_parse(c);
        if (!conn_reading(c) || drained)
            return;
        if (c->in_end == NBD_IN_SIZE)
            return;   /* cannot happen: every state consumes its input */
        n = conn_fill(c, &all);
        if (n == -EAGAIN)
            return;
        drained = n > 0 && !all;
        if (n < 0) {
            nbd_conn_close(c, true, "read failed");
            return;
        }
        if (n == 0) {
            /* Between requests the client is simply gone; within one it
             * left something half sent, which nothing can complete. */
            bool clean = c->in_end == 0 &&
                         (c->state == NBD_CS_REQ_HEADER ||
                          c->state == NBD_CS_OPT_HEADER);

            nbd_conn_close(c, !clean, clean ? "client disconnected"
                                            : "disconnect mid-request");
            return;
        }
    }
}

static void conn_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct nbd_conn *c = arg;

    (void)loop;
    (void)fd;
    c->busy++;
    nbd_conn_flush(c);
    conn_run_input(c);
    c->busy--;
    conn_settle(c);
}

/* ---- life ---------------------------------------------------------------- */

void nbd_conn_start_tls(struct nbd_conn *c)
{
    c->state = NBD_CS_TLS_START;
}

static void conn_free(struct nbd_conn *c)
{
    struct bk_loop *loop = c->lis->loop;

    if (c->fd >= 0) {
        if (c->tls != NULL && !c->hard)
            nbd_tls_bye(c->tls);
        bk_loop_del_fd(loop, c->fd);
        close(c->fd);
    }
    if (c->handshake_timer > 0)
        bk_loop_del_timer(loop, c->handshake_timer);
    while (c->out_head != NULL) {
        struct nbd_out *o = c->out_head;

        c->out_head = o->next;
        conn_out_release(c, o);
    }
    nbd_tls_free(c->tls);
    export_client_del(c->client);
    nbd_listener_conn_gone(c->lis, c);
    free(c->opt_buf);
    free(c->opt_msg);
    free(c->meta_export);
    free(c->peer);
    free(c->in);
    nbd_bufs_clear(&c->bufs);
    free(c);
}

void nbd_conn_close(struct nbd_conn *c, bool hard, const char *why)
{
    (void)why;      /* for a reader of the code, and a debugger */
    if (c->cur != NULL) {            /* a write never to be complete */
        struct nbd_req *q = c->cur;

        c->cur = NULL;
        nbd_req_put(q);
    }
    c->state = NBD_CS_CLOSING;
    c->draining = true;
    if (hard && !c->hard) {
        c->hard = true;
        while (c->out_head != NULL) {
            struct nbd_out *o = c->out_head;

            c->out_head = o->next;
            conn_out_release(c, o);
        }
        c->out_tail = NULL;
        c->out_off = 0;
        if (c->fd >= 0) {
            bk_loop_del_fd(c->lis->loop, c->fd);
            close(c->fd);
            c->fd = -1;
        }
    }
    conn_settle(c);
}

void nbd_conn_kick(struct nbd_conn *c)
{
    conn_settle(c);
}

static long conn_uncork(struct bk_loop *loop, void *arg)
{
    struct nbd_listener *lis = arg;

    (void)loop;
    lis->flush_timer = 0;
    for (struct nbd_conn *c = lis->conns, *next; c != NULL; c = next) {
        next = c->next;            /* settling may free c */
        if (!c->corked)
            continue;
        c->corked = false;
        c->uncork = true;
        conn_settle(c);
    }
    return -1;
}

/*
 * Send now, or at the end of this loop pass when more replies of the
 * connection are likely to come in it (measured with fio's nbd engine at
 * depth 32: one writev per reply woke the client for each).
 */
static void conn_send(struct nbd_conn *c)
{
    if (c->out_head == NULL)
        return;
    if (c->nreqs > 1 && !c->uncork && c->state == NBD_CS_REQ_HEADER &&
        !c->hard) {
        if (!c->corked) {
            c->corked = true;
            if (c->lis->flush_timer == 0)
                c->lis->flush_timer = bk_loop_add_timer(c->lis->loop, 0,
                                                        conn_uncork, c->lis);
        }
        return;
    }
    c->uncork = false;
    nbd_conn_flush(c);
}

static void conn_settle(struct nbd_conn *c)
{
    unsigned events = 0;

    if (c->busy > 0)
        return;
    c->busy++;
    for (;;) {
        conn_send(c);
        if (c->state == NBD_CS_TLS_START && c->out_head == NULL && !c->hard) {
            char *cause = NULL;

            /* Bytes sent before the TLS handshake would be plain text
             * slipped in ahead of it: not trusted. */
            if (c->in_end != c->in_start ||
                nbd_tls_new(c->lis->tls, c->fd, true, NULL, &c->tls,
                            &cause) < 0) {
                nbd_conn_close(c, true, cause ? cause : "bytes before TLS");
                free(cause);
                continue;
            }
            c->state = NBD_CS_TLS_HANDSHAKE;
            conn_run_input(c);
            continue;
        }
        if (c->paused && c->nreqs < NBD_CONN_MAX_REQS &&
            c->held < NBD_CONN_MAX_HELD) {
            c->paused = false;
            conn_run_input(c);
            continue;
        }
        break;
    }
    c->busy--;
    if (c->draining && c->nreqs == 0 && c->cur == NULL &&
        (c->hard || c->out_head == NULL || c->fd < 0)) {
        conn_free(c);
        return;
    }
    if (c->fd < 0)
        return;
    if (c->state == NBD_CS_TLS_HANDSHAKE && c->tls != NULL)
        events = nbd_tls_wants(c->tls);
    else if (conn_reading(c))
        events = BK_FD_READ;
    if (c->out_head != NULL && !c->corked)
        events |= BK_FD_WRITE;
    if (events != c->events) {
        bk_loop_fd_events(c->lis->loop, c->fd, events);
        c->events = events;
    }
}
