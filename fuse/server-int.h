/*
 * server-int.h — the FUSE export's insides, shared by its files:
 *   mount.c   the export kind: checks, session and mount, reading
 *             /dev/fuse from the loop, draining, unmounting; open files
 *   ops.c     the lowlevel operations, each one a small request machine
 *             on the device, answered when it ends
 *
 * A *file* (fx_file) is one open of the exported file, by any process; it
 * is the export's client (its peer is the process that opened it), and
 * fi->fh points at it.  Operations that come without an open file
 * (truncate by path) get a file of their own for the one request.  A file
 * lives until the kernel releases it and its last request is answered.
 *
 * A *request* (fx_req) is one FUSE operation that reaches the device.  It
 * is answered exactly once, from its completion, with fuse_reply_*; until
 * then the fuse_req_t stays valid (libfuse replies asynchronously by
 * design).  The data of a write is copied out of the session's receive
 * buffer at once, since the next receive reuses it.
 */
#ifndef BLKMON_FUSE_SERVER_INT_H
#define BLKMON_FUSE_SERVER_INT_H

#define FUSE_USE_VERSION 31

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "backend/backend.h"
#include "export/export.h"
#include "fuse/server.h"

/* The largest read the kernel may send, as a mount option and in the
 * INIT reply (they must agree).  The kernel's own cap is 256 pages per
 * request (1 MiB), so a larger value would only size buffers we never
 * fill; qemu's later exports use 1 MiB too. */
#define FX_MAX_READ         (1u << 20)
/* Zero writes and truncations are sent to the device in pieces of this
 * (the block layer's request limit is under 2 GiB). */
#define FX_EFFECT_CHUNK     (1LL << 30)
/* Requests taken from /dev/fuse in one pass of the loop, so that one busy
 * mount cannot starve the rest of the loop. */
#define FX_RECV_BATCH       64
/* Seconds the kernel may keep the file's attributes (qemu's choice). */
#define FX_ATTR_TIMEOUT     1.0

struct fx_file;
struct fx_req;

struct fx_export {
    struct export *exp;
    struct bk_loop *loop;
    struct fuse_session *se;
    struct fuse_buf buf;        /* the session's receive buffer */
    int fd;                     /* /dev/fuse, watched; -1 when not */
    int helper_fd;              /* the auto_unmount helper's socket, or -1 */
    pid_t helper_pid;           /* and its process, or -1 */
    pid_t keeper_pid;           /* keeper.c's process, or -1 */
    bool mounted;
    bool gone;                  /* the kernel ended the connection */
    int gone_timer;             /* > 0: removal of the export is due */
    char *mountpoint;           /* as given */
    char *abspath;              /* its directory resolved, for clashes */
    bool writable, growable, allow_other;
    mode_t st_mode;
    uid_t st_uid;
    gid_t st_gid;
    unsigned inflight;          /* requests taken, not yet answered */
    struct fx_file *files;      /* every open (and one-request) file */
    /* Resizing is one request at a time (ops.c): a truncation in flight
     * holds it, and requests that would resize wait here, in order. */
    bool resizing;
    struct fx_req *resize_head, *resize_tail;
};

struct fx_file {
    struct fx_export *fx;
    struct export_client *client;
    bool released;              /* the kernel let go of it */
    struct fx_file *next, *prev;
};

/* ---- mount.c ---- */
/* A file for the process that sent req; never NULL (aborts). */
struct fx_file *fx_file_new(struct fx_export *fx, fuse_req_t req);
/* The kernel released f: it goes once its requests are answered. */
void fx_file_release(struct fx_file *f);
/* A request of f was answered: counts, and ends a drain or a file. */
void fx_request_done(struct fx_export *fx, struct fx_file *f);

/* ---- ops.c ---- */
extern const struct fuse_lowlevel_ops fx_ops;

#endif
