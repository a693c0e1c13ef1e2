/*
 * server-int.h — the NBD server's insides, shared by its files:
 *   listen.c     listeners (one per address, shared by the exports on it),
 *                the export kind's ops, accepting connections
 *   conn.c       a connection's bytes: input buffer, output queue,
 *                readiness, TLS, closing
 *   handshake.c  option haggling, up to NBD_OPT_GO
 *   transmit.c   requests: validation, the device calls, replies
 *
 * A *connection* is one state machine driven by readiness: its state names
 * what it waits for (so many header bytes, a payload, a TLS handshake),
 * and each time the socket is ready, or a request ends, the machine runs
 * as far as the bytes it has allow.  Nothing blocks; no thread per client.
 *
 * Memory per connection is bounded: the buffers of requests in flight and
 * the replies not yet sent count as *held* bytes, and a connection whose
 * held bytes or requests reach their cap reads no further request until
 * some are answered and sent — a client that stops reading its replies
 * therefore stops being served, and no one else notices.
 */
#ifndef BLKMON_NBD_SERVER_INT_H
#define BLKMON_NBD_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "backend/backend.h"
#include "export/export.h"
#include "nbd/addr.h"
#include "nbd/proto.h"
#include "nbd/server.h"
#include "nbd/tls.h"

/* Caps per connection (qemu-nbd has 16 requests; nbdcopy keeps 64 in
 * flight per connection, and fio's nbd engine its iodepth). */
#define NBD_CONN_MAX_REQS   128
#define NBD_CONN_MAX_HELD   (64u * 1024 * 1024)
/* Connections per listener, and seconds a handshake may take (qemu's
 * NBD_DEFAULT_MAX_CONNECTIONS and NBD_DEFAULT_HANDSHAKE_MAX_SECS). */
#define NBD_MAX_CONNS       100
#define NBD_HANDSHAKE_MS    10000
/* How long a drain waits for a client to read its last replies. */
#define NBD_DRAIN_MS        5000
/* Input buffer: several pipelined requests per read(2). */
#define NBD_IN_SIZE         (64 * 1024)
/* An option's payload is read whole up to this; longer ones are dropped
 * with NBD_REP_ERR_TOO_BIG (no option of ours needs more). */
#define NBD_OPT_MAX         (64 * 1024)
/* Extents in one block status reply (qemu's NBD_MAX_BLOCK_STATUS_EXTENTS:
 * 1 MiB of extents). */
#define NBD_MAX_EXTENTS     (1024 * 1024 / 8)
/* TRIM and WRITE_ZEROES longer than this go to the device in pieces. */
#define NBD_EFFECT_CHUNK    (1LL << 30)

/* Spare request buffers kept per connection (bufs.c). */
#define NBD_BUFS_MAX        64
#define NBD_BUFS_BYTES      (16u * 1024 * 1024)

/* Pipes for reads sent without a copy (pipes.c): how many live per
 * listener at most (nbdcopy keeps 4 connections of 64 reads in flight),
 * and the size asked for each (a read goes to one when it fits whole;
 * nbdcopy asks 256 KiB at a time). */
#define NBD_PIPES_MAX       256
#define NBD_PIPE_SIZE       (512 * 1024)
/* Reads up to this long take buffers: the file driver reads them on the
 * loop thread itself when the page cache has them (a worker's hand-off
 * costs more than copying them: fio's 4k random reads at depth 32 took
 * 0.27 to 0.32 s through pipes, 0.20 s through buffers), and longer ones
 * go to a worker either way. */
#define NBD_PIPE_MIN        (64 * 1024)

struct nbd_conn;
struct nbd_req;

struct nbd_pipe {
    int r, w;
    size_t size;                /* what the kernel gave it */
    struct nbd_pipe *next;      /* the spares */
};

struct nbd_pipes {
    struct nbd_pipe *spare;
    unsigned nlive;             /* spares and pipes in use */
    bool capped;                /* a new pipe got less room than asked: */
    unsigned cap;               /* then no more than there were */
};

struct nbd_bufs {
    unsigned n;
    size_t bytes;
    void *buf[NBD_BUFS_MAX];
    size_t size[NBD_BUFS_MAX];
};

struct nbd_listener {
    struct bk_loop *loop;
    int fd;                     /* -1 once closed */
    struct nbd_addr addr;
    char *key;                  /* the address as asked, to share it */
    char *where;                /* as bound: port 0 resolved */
    struct nbd_tls_creds *tls;  /* NULL: plain only */
    enum nbd_tls_mode tls_mode;
    struct export **exports;    /* the NBD exports served here */
    size_t nexports;
    struct nbd_conn *conns;     /* every connection, any phase */
    size_t nconns;
    int flush_timer;            /* > 0: corked replies go out this pass */
    struct nbd_pipes pipes;     /* for its connections' reads */
};

/* The kind's state of an export (export->priv). */
struct nbd_export {
    struct export *exp;
    struct nbd_listener *lis;
    char *description;          /* NULL: none */
    int drain_timer;            /* > 0 while a drain waits for clients */
};

enum nbd_conn_state {
    NBD_CS_CLIENT_FLAGS,        /* 4 bytes */
    NBD_CS_OPT_HEADER,          /* 16 bytes */
    NBD_CS_OPT_DATA,            /* opt_len bytes into opt_buf */
    NBD_CS_OPT_SKIP,            /* opt_len bytes dropped, then opt_err */
    NBD_CS_TLS_START,           /* STARTTLS's reply going out */
    NBD_CS_TLS_HANDSHAKE,
    NBD_CS_REQ_HEADER,          /* 28 bytes */
    NBD_CS_REQ_DATA,            /* a write's payload into cur->data */
    NBD_CS_REQ_SKIP,            /* a refused write's payload, dropped */
    NBD_CS_CLOSING,             /* reading nothing more */
};

/* One piece of output: a header kept inline, then up to two buffers. */
struct nbd_out {
    struct nbd_out *next;
    struct nbd_req *req;        /* holds a reference while queued */
    void *own;                  /* freed once sent */
    size_t held;                /* bytes counted in conn->held for it */
    int iovcnt;
    struct iovec iov[3];
    size_t pipe_len;            /* then this many bytes of req->pipe */
    uint8_t hdr[32];
};

struct nbd_conn {
    struct nbd_listener *lis;
    struct nbd_conn *next, *prev;        /* lis->conns */
    int fd;                              /* -1 once closed */
    char *peer;
    struct nbd_tls *tls;                 /* NULL: plain */
    enum nbd_conn_state state;
    unsigned events;                     /* what the loop waits for */
    int handshake_timer;

    /* Handshake. */
    bool fixed_newstyle, no_zeroes, structured;
    uint32_t opt, opt_len, opt_got;
    uint8_t *opt_buf;
    uint32_t opt_err;                    /* reply after a skip */
    char *opt_msg;
    bool meta_base;                      /* base:allocation selected... */
    char *meta_export;                   /* ...for this export name */

    /* Transmission. */
    struct export *exp;
    struct export_client *client;
    uint16_t tx_flags;                   /* as told to the client */
    uint64_t size;
    uint32_t min_block;                  /* enforced: 1 unless told */
    uint32_t max_payload;
    struct nbd_req *cur;                 /* the write being read (or,
                                            refused, skipped) */
    uint64_t skip_left;
    struct nbd_req *reqs;                /* in flight, linked by next */
    unsigned nreqs;
    size_t held;

    /* Input. */
    uint8_t *in;
    size_t in_start, in_end;

    struct nbd_bufs bufs;                /* for the next requests */

    /* Output. */
    struct nbd_out *out_head, *out_tail;
    size_t out_off;                      /* bytes of out_head already sent */

    /* Replies wait for the end of the loop's pass while other requests
     * of the connection are in flight: one writev, one wake-up of the
     * client for many replies. */
    bool corked;
    bool uncork;

    /* Life. */
    unsigned busy;                       /* entry points running */
    bool paused;                         /* a cap stops request reading */
    bool draining;                       /* answer what is in flight, then
                                            close */
    bool hard;                           /* closed: output dropped */
    bool freed;
};

struct nbd_req {
    struct nbd_conn *conn;
    struct nbd_req *next, *prev;         /* conn->reqs */
    struct nbd_request r;
    struct bk_req breq;
    struct iovec iov;
    uint8_t *data;
    size_t data_size;
    unsigned refs;                       /* the operation + queued output */
    uint64_t progress;                   /* bytes of the range done */
    int err;                             /* errno it ended with */
    char *msg;                           /* words for err, or NULL */
    unsigned step;                       /* where a multi-step op is */
    bool in_step;                        /* trampoline, see transmit.c */
    bool again;
    uint32_t *ext;                       /* block status: pairs, wire order */
    unsigned next_ext, max_ext;
    /* READ without a copy (pipes.c): its data read into pipe, spliced to
     * the socket from there; pipe_left bytes in it not sent yet. */
    struct nbd_pipe *pipe;
    size_t pipe_left;
    bool pipe_dirty;                     /* may hold bytes never to go */
    bool pipe_refused;                   /* the device said no: buffers */
};

/* ---- bufs.c ---- */
/* A buffer of size for dev: a spare one of that size, or a new one. */
void *nbd_bufs_get(struct nbd_bufs *b, struct bk_dev *dev, size_t size);
/* Keep p (from nbd_bufs_get, size bytes) for later, or free it. */
void nbd_bufs_put(struct nbd_bufs *b, void *p, size_t size);
void nbd_bufs_clear(struct nbd_bufs *b);

/* ---- pipes.c ---- */
/* A pipe with room for a read of len bytes, or NULL (take a buffer). */
struct nbd_pipe *nbd_pipe_get(struct nbd_pipes *ps, size_t len);
/* Give p back: kept when empty, else closed (bytes nobody will send). */
void nbd_pipe_put(struct nbd_pipes *ps, struct nbd_pipe *p, bool empty);
/* Close the spares (every pipe must be back). */
void nbd_pipes_clear(struct nbd_pipes *ps);

/* ---- listen.c ---- */
void nbd_listener_conn_gone(struct nbd_listener *lis, struct nbd_conn *c);
struct export *nbd_listener_find(struct nbd_listener *lis, const char *name);

/* ---- conn.c ---- */
struct nbd_conn *nbd_conn_new(struct nbd_listener *lis, int fd);
/* Queue bytes; hdr (<= 32 bytes) is copied; payload belongs to req (a
 * reference is taken) or, with own set, is freed after sending. */
void nbd_conn_queue(struct nbd_conn *c, const void *hdr, size_t hdrlen,
                    const void *payload, size_t len, struct nbd_req *req,
                    void *own);
/* Queue a header and then len bytes of req's pipe (read into it). */
void nbd_conn_queue_pipe(struct nbd_conn *c, const void *hdr, size_t hdrlen,
                         struct nbd_req *req, size_t len);
/* Try to send what is queued. */
void nbd_conn_flush(struct nbd_conn *c);
/* End the connection: hard drops output and closes the socket now; soft
 * answers what is in flight first. */
void nbd_conn_close(struct nbd_conn *c, bool hard, const char *why);
/* Re-run the machine on buffered input and update what the loop waits
 * for (after a request ended, a cap lifted, a drain began). */
void nbd_conn_kick(struct nbd_conn *c);
void nbd_conn_hold(struct nbd_conn *c, long delta);
/* Begin TLS on the connection (STARTTLS's reply queued). */
void nbd_conn_start_tls(struct nbd_conn *c);

/* ---- handshake.c ---- */
void nbd_hs_greet(struct nbd_conn *c);
/* Consume input in a handshake state: how many bytes were used, 0 when
 * more are needed. */
size_t nbd_hs_input(struct nbd_conn *c, const uint8_t *p, size_t avail);

/* ---- transmit.c ---- */
size_t nbd_tx_input(struct nbd_conn *c, const uint8_t *p, size_t avail);
/* Payload bytes of the write being read went into cur->data. */
void nbd_tx_payload_done(struct nbd_conn *c);
void nbd_tx_skip_done(struct nbd_conn *c);
void nbd_req_put(struct nbd_req *q);
/* Let a request parked at a breakpoint go (a drain). */
void nbd_tx_free_conn_reqs(struct nbd_conn *c);

#endif
