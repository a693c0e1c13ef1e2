/*
 * ops.c — the FUSE operations on the exported file.
 *
 * The file is the mount's root inode; lookups find nothing else.  Its
 * attributes are qemu's: a regular file of the image's length, mode 0400
 * (0600 when writable), owned by whoever runs blkmon, its blocks those of
 * the image file when that is a plain file (else the length's).
 *
 * Each operation that touches the device is an fx_req, a small machine
 * over one bk_req: it may first truncate (a growable write past the end,
 * fallocate beyond it), then zero or discard a range in pieces, then read,
 * write or flush; block status answers drive SEEK_DATA/SEEK_HOLE.  Block
 * status may answer inline, so that loop runs as a trampoline
 * (fx_seek_loop), never recursing once per extent.  The reply goes out from the
 * last step's completion; nothing here waits.
 *
 * Resizing is serialised: two growable writes past the end, or a write and
 * a truncate, would otherwise have their truncations reach the device in
 * either order, and the image end short of a write.  A request with a
 * truncation step takes the export's resize turn (or waits in a queue for
 * it, in order), decides then — growing only when the image is still too
 * short — and gives the turn on once its truncations are done.
 *
 * Semantics follow qemu's FUSE export where it has them: reads are cut at
 * the end of the image; writes too (a short write) unless the export is
 * growable, and one wholly past the end fails with ENOSPC, as a block
 * device's does; fallocate without flags only grows the file at its end
 * (EOPNOTSUPP inside it); punching a hole needs KEEP_SIZE.  A punched hole
 * reads back as zeroes whatever the stack (a zero write that may unmap,
 * where qemu discards); O_TRUNC at open is ignored (an image is not
 * emptied by `dd of=`); close(2) and fsync(2) flush the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuse/server-int.h"

enum fx_kind { FX_READ, FX_WRITE, FX_FLUSH, FX_SETATTR, FX_FALLOC, FX_LSEEK };

enum fx_step {
    FX_S_START,
    FX_S_GROW,          /* a truncation before the rest */
    FX_S_GROW2,         /* fallocate: the second truncation */
    FX_S_EFFECT,        /* zero or discard pieces */
    FX_S_IO,            /* the read, write or flush */
};

struct fx_req {
    struct fx_export *fx;
    struct fx_file *file;
    fuse_req_t req;
    enum fx_kind kind;
    enum fx_step step;
    struct bk_req breq;
    struct iovec iov;
    void *buf;
    size_t size;                /* read/write: bytes, as replied */
    int64_t offset;
    /* Truncations first (-1: none) and their preallocation; grow_only:
     * grow_to is a minimum (a growable write), not a size to set. */
    int64_t grow_to, grow2_to;
    enum bk_prealloc grow2_prealloc;
    bool grow_only;
    bool resizer;               /* holds the export's resize turn */
    struct fx_req *resize_next; /* waiting for it */
    /* Effects: [eff_at, eff_end) with eff_op and eff_flags. */
    enum bk_op eff_op;
    unsigned eff_flags;
    int64_t eff_at, eff_end;
    /* setattr: what else to change once the size is done. */
    struct stat attr;
    int to_set;
    /* lseek. */
    int whence;
    int64_t length;
    bool in_step;               /* fx_seek_loop runs */
    bool answered;              /* an answer waits for it: */
    int st_ret;
    int64_t st_pnum;
    bool st_data;
    /* For the client's counters. */
    enum bk_op count_op;
    uint64_t count_bytes;
};

static void fx_run(struct fx_req *q);
static void fx_breq_done(struct bk_req *breq, int ret);

static struct fx_export *fx_of(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

/* ---- attributes ------------------------------------------------------------ */

static void fx_attr(struct fx_export *fx, fuse_ino_t ino, struct stat *st)
{
    int64_t length = bk_dev_length(fx->exp->dev);
    const char *file = bk_dev_filename(fx->exp->dev);
    time_t now = time(NULL);
    struct stat img;
    int64_t blocks = (length + 511) / 512;

    /* What the image occupies, as qemu's allocated file size tells it,
     * when its file is a plain one we can ask. */
    if (file != NULL && strncmp(file, "json:", 5) != 0 &&
        stat(file, &img) == 0 && S_ISREG(img.st_mode))
        blocks = img.st_blocks;
    *st = (struct stat){
        .st_ino = ino,
        .st_mode = fx->st_mode,
        .st_nlink = 1,
        .st_uid = fx->st_uid,
        .st_gid = fx->st_gid,
        .st_size = length,
        .st_blksize = (blksize_t)bk_dev_request_alignment(fx->exp->dev),
        .st_blocks = blocks,
        .st_atime = now,
        .st_mtime = now,
        .st_ctime = now,
    };
    if (st->st_blksize < 512)
        st->st_blksize = 512;
}

static void fx_reply_attr(fuse_req_t req, fuse_ino_t ino)
{
    struct stat st;

    fx_attr(fx_of(req), ino, &st);
    fuse_reply_attr(req, &st, FX_ATTR_TIMEOUT);
}

/* ---- requests' life ---------------------------------------------------------- */

/* The file a request belongs to: its open, or one of its own. */
static struct fx_file *fx_file_of(fuse_req_t req, struct fuse_file_info *fi)
{
    struct fx_file *f;

    if (fi != NULL && fi->fh != 0)
        return (struct fx_file *)(uintptr_t)fi->fh;
    f = fx_file_new(fx_of(req), req);
    fx_file_release(f);      /* goes with its one request */
    return f;
}

static struct fx_req *fx_req_new(fuse_req_t req, struct fuse_file_info *fi,
                                 enum fx_kind kind, enum bk_op count_op)
{
    struct fx_req *q = calloc(1, sizeof(*q));

    if (q == NULL)
        abort();
    q->fx = fx_of(req);
    q->file = fx_file_of(req, fi);
    q->req = req;
    q->kind = kind;
    q->grow_to = q->grow2_to = -1;
    q->count_op = count_op;
    q->breq.done = fx_breq_done;
    q->breq.opaque = q;
    q->breq.source = &q->file->client->source;
    q->fx->inflight++;
    q->file->client->inflight++;
    return q;
}

/* Give the resize turn to the next request waiting for it. */
static void fx_resize_done(struct fx_req *q)
{
    struct fx_export *fx = q->fx;
    struct fx_req *next = fx->resize_head;

    if (!q->resizer)
        return;
    q->resizer = false;
    fx->resizing = false;
    if (next == NULL)
        return;
    fx->resize_head = next->resize_next;
    if (fx->resize_head == NULL)
        fx->resize_tail = NULL;
    next->resize_next = NULL;
    fx_run(next);
}

/* Count the request, let it go (its reply already sent). */
static void fx_req_end(struct fx_req *q, int err)
{
    fx_resize_done(q);
    bk_tally_add(&q->file->client->answered, q->count_op,
                 err == 0 ? q->count_bytes : 0, err ? -err : 0);
    fx_request_done(q->fx, q->file);
    free(q->buf);
    free(q);
}

static void fx_fail(struct fx_req *q, int err)
{
    fuse_reply_err(q->req, err);
    fx_req_end(q, err);
}

static void fx_submit(struct fx_req *q, enum fx_step step, enum bk_op op,
                      int64_t offset, int64_t bytes, unsigned flags)
{
    q->step = step;
    q->breq.op = op;
    q->breq.offset = offset;
    q->breq.bytes = bytes;
    q->breq.flags = flags;
    if (op == BK_OP_READ || op == BK_OP_WRITE) {
        q->iov = (struct iovec){ q->buf, (size_t)bytes };
        q->breq.iov = &q->iov;
        q->breq.iovcnt = 1;
    } else {
        q->breq.iov = NULL;
        q->breq.iovcnt = 0;
    }
    bk_submit(q->fx->exp->dev, &q->breq);
}

static void fx_breq_done(struct bk_req *breq, int ret)
{
    struct fx_req *q = breq->opaque;

    if (ret < 0) {
        fx_fail(q, -ret);
        return;
    }
    fx_run(q);
}

/* ---- the machine ------------------------------------------------------------- */

/* The answer once every step is done. */
static void fx_answer(struct fx_req *q)
{
    switch (q->kind) {
    case FX_READ:
        fuse_reply_buf(q->req, q->buf, q->size);
        break;
    case FX_WRITE:
        fuse_reply_write(q->req, q->size);
        break;
    case FX_SETATTR: {
        struct fx_export *fx = q->fx;

        if (q->to_set & FUSE_SET_ATTR_MODE)
            fx->st_mode = (q->attr.st_mode & 07777) | S_IFREG;
        if (q->to_set & FUSE_SET_ATTR_UID)
            fx->st_uid = q->attr.st_uid;
        if (q->to_set & FUSE_SET_ATTR_GID)
            fx->st_gid = q->attr.st_gid;
        fx_reply_attr(q->req, FUSE_ROOT_ID);
        break;
    }
    default:
        fuse_reply_err(q->req, 0);
        break;
    }
    fx_req_end(q, 0);
}

/* Where the request goes on, after its start or a device call. */
static void fx_run(struct fx_req *q)
{
    struct fx_export *fx = q->fx;

    switch (q->step) {
    case FX_S_START:
        if ((q->grow_to >= 0 || q->grow2_to >= 0) && !q->resizer) {
            if (fx->resizing) {
                if (fx->resize_tail != NULL)
                    fx->resize_tail->resize_next = q;
                else
                    fx->resize_head = q;
                fx->resize_tail = q;
                return;
            }
            fx->resizing = true;
            q->resizer = true;
        }
        if (q->grow_only && q->grow_to <= bk_dev_length(fx->exp->dev))
            q->grow_to = -1;     /* another request grew it meanwhile */
        if (q->grow_to >= 0) {
            fx_submit(q, FX_S_GROW, BK_OP_TRUNCATE, q->grow_to, 0,
                      BK_PREALLOC_OFF);
            return;
        }
        /* fall through */
    case FX_S_GROW:
        if (q->grow2_to >= 0) {
            fx_submit(q, FX_S_GROW2, BK_OP_TRUNCATE, q->grow2_to, 0,
                      q->grow2_prealloc);
            return;
        }
        /* fall through */
    case FX_S_GROW2:
        q->step = FX_S_EFFECT;
        /* The truncations are done: the next resizer may go.  (It may
         * run, and even end, inside this call; q is still ours.) */
        fx_resize_done(q);
        break;
    case FX_S_EFFECT:
        q->eff_at += q->breq.bytes;
        break;
    case FX_S_IO:
        fx_answer(q);
        return;
    }
    if (q->eff_at < q->eff_end) {
        int64_t n = q->eff_end - q->eff_at;

        fx_submit(q, FX_S_EFFECT, q->eff_op, q->eff_at,
                  n > FX_EFFECT_CHUNK ? FX_EFFECT_CHUNK : n, q->eff_flags);
        return;
    }
    switch (q->kind) {
    case FX_READ:
        if (q->size == 0)
            break;
        fx_submit(q, FX_S_IO, BK_OP_READ, q->offset, (int64_t)q->size, 0);
        return;
    case FX_WRITE:
        if (q->size == 0)
            break;
        fx_submit(q, FX_S_IO, BK_OP_WRITE, q->offset, (int64_t)q->size, 0);
        return;
    case FX_FLUSH:
        fx_submit(q, FX_S_IO, BK_OP_FLUSH, 0, 0, 0);
        return;
    default:
        break;
    }
    fx_answer(q);
}

/* ---- operations ------------------------------------------------------------- */

static void fx_init(void *userdata, struct fuse_conn_info *conn)
{
    (void)userdata;
    /* What the mount option said: the two must agree. */
    conn->max_read = FX_MAX_READ;
    /* Every write reaches blkmon as it is made: no page cache holding
     * dirty data that a power cut rule could never see. */
    conn->want &= ~(unsigned)(FUSE_CAP_WRITEBACK_CACHE |
                              FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
                              FUSE_CAP_SPLICE_MOVE);
}

static void fx_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    (void)parent;
    (void)name;
    fuse_reply_err(req, ENOENT);
}

static void fx_getattr(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
    (void)fi;
    fx_reply_attr(req, ino);
}

/*
 * Size and mode may change, and owner and group with allow_other; no
 * permission the mount could not honour (qemu's rules): without
 * allow_other nobody but the owner gets in, and a read-only export
 * cannot be made writable.
 */
static void fx_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
                       int to_set, struct fuse_file_info *fi)
{
    struct fx_export *fx = fx_of(req);
    int supported = FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MODE;
    struct fx_req *q;

    if (fx->allow_other)
        supported |= FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID;
    /* Times are the kernel's to keep (touch(1) sets them): accepted and
     * dropped, as the file's times are always now. */
    to_set &= ~(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW |
                FUSE_SET_ATTR_CTIME);
    if (to_set & ~supported) {
        fuse_reply_err(req, ENOTSUP);
        return;
    }
    if (to_set & FUSE_SET_ATTR_MODE) {
        if (!fx->allow_other && (attr->st_mode & (S_IRWXG | S_IRWXO))) {
            fuse_reply_err(req, EPERM);
            return;
        }
        if (!fx->writable &&
            (attr->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
            fuse_reply_err(req, EROFS);
            return;
        }
    }
    if ((to_set & FUSE_SET_ATTR_SIZE) && !fx->writable) {
        fuse_reply_err(req, EACCES);
        return;
    }
    if (!(to_set & FUSE_SET_ATTR_SIZE)) {
        if (to_set & FUSE_SET_ATTR_MODE)
            fx->st_mode = (attr->st_mode & 07777) | S_IFREG;
        if (to_set & FUSE_SET_ATTR_UID)
            fx->st_uid = attr->st_uid;
        if (to_set & FUSE_SET_ATTR_GID)
            fx->st_gid = attr->st_gid;
        fx_reply_attr(req, ino);
        return;
    }
    q = fx_req_new(req, fi, FX_SETATTR, BK_OP_TRUNCATE);
    q->attr = *attr;
    q->to_set = to_set;
    q->grow_to = attr->st_size;
    fx_run(q);
}

static void fx_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fx_file *f = fx_file_new(fx_of(req), req);

    (void)ino;
    fi->fh = (uint64_t)(uintptr_t)f;
    /* The kernel drops what it cached at each open: a reader after a
     * power cut sees the image, not pages from before it. */
    fi->keep_cache = 0;
    if (fuse_reply_open(req, fi) != 0)
        fx_file_release(f);     /* the opener went away meanwhile */
}

static void fx_release(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
    (void)ino;
    if (fi->fh != 0)
        fx_file_release((struct fx_file *)(uintptr_t)fi->fh);
    fuse_reply_err(req, 0);
}

static void fx_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct fx_export *fx = fx_of(req);
    int64_t length = bk_dev_length(fx->exp->dev);
    struct fx_req *q;

    (void)ino;
    if (size > FX_MAX_READ || off < 0) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    /* Readers expect a short read at the end. */
    if (off >= length)
        size = 0;
    else if ((int64_t)size > length - off)
        size = (size_t)(length - off);
    q = fx_req_new(req, fi, FX_READ, BK_OP_READ);
    q->offset = off;
    q->size = size;
    q->count_bytes = size;
    if (size > 0) {
        q->buf = bk_dev_alloc_buf(fx->exp->dev, size);
        if (q->buf == NULL) {
            fx_fail(q, ENOMEM);
            return;
        }
    }
    fx_run(q);
}

static void fx_write(fuse_req_t req, fuse_ino_t ino, const char *data,
                     size_t size, off_t off, struct fuse_file_info *fi)
{
    struct fx_export *fx = fx_of(req);
    int64_t length = bk_dev_length(fx->exp->dev);
    struct fx_req *q;

    (void)ino;
    if (!fx->writable) {
        fuse_reply_err(req, EACCES);
        return;
    }
    if (off < 0 || size > INT32_MAX) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    q = fx_req_new(req, fi, FX_WRITE, BK_OP_WRITE);
    q->offset = off;
    if (off + (int64_t)size > length) {
        if (fx->growable) {
            q->grow_to = off + (int64_t)size;
            q->grow_only = true;
        } else if (off >= length && size > 0) {
            /* As a block device answers a write at its end. */
            fx_fail(q, ENOSPC);
            return;
        } else {
            size = (size_t)(length - off);
        }
    }
    q->size = size;
    q->count_bytes = size;
    if (size > 0) {
        /* The receive buffer is the session's: the next request reuses
         * it while this one is still in flight. */
        q->buf = bk_dev_alloc_buf(fx->exp->dev, size);
        if (q->buf == NULL) {
            fx_fail(q, ENOMEM);
            return;
        }
        memcpy(q->buf, data, size);
    }
    fx_run(q);
}

static void fx_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
                         off_t off, off_t len, struct fuse_file_info *fi)
{
    struct fx_export *fx = fx_of(req);
    int64_t length = bk_dev_length(fx->exp->dev);
    bool keep = (mode & FALLOC_FL_KEEP_SIZE) != 0;
    struct fx_req *q;

    (void)ino;
    if (!fx->writable) {
        fuse_reply_err(req, EACCES);
        return;
    }
    if (off < 0 || len <= 0 || off > INT64_MAX - len) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
                 FALLOC_FL_ZERO_RANGE)) {
        fuse_reply_err(req, EOPNOTSUPP);
        return;
    }
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !keep) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    if (keep)
        len = off >= length ? 0 : len < length - off ? len : length - off;
    if (mode == 0 && off < length) {
        /* Space inside an image is the image's to give: qemu's answer. */
        fuse_reply_err(req, EOPNOTSUPP);
        return;
    }
    q = fx_req_new(req, fi, FX_FALLOC, BK_OP_WRITE_ZEROES);
    if ((mode & ~FALLOC_FL_KEEP_SIZE) == 0) {
        if (!keep) {
            /* Growth only: up to off plainly, then preallocated. */
            if (off > length) {
                q->grow_to = off;
                q->grow_only = true;
            }
            q->grow2_to = off + len;
            q->grow2_prealloc = BK_PREALLOC_FALLOC;
            q->count_op = BK_OP_TRUNCATE;
        }
    } else {
        if (!keep && off + len > length) {
            q->grow_to = off + len;
            q->grow_only = true;
        }
        q->eff_at = off;
        q->eff_end = off + len;
        q->eff_op = BK_OP_WRITE_ZEROES;
        q->eff_flags = (mode & FALLOC_FL_PUNCH_HOLE) ? BK_REQ_MAY_UNMAP : 0;
        q->count_bytes = (uint64_t)len;
    }
    fx_run(q);
}

static void fx_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
                     struct fuse_file_info *fi)
{
    struct fx_req *q = fx_req_new(req, fi, FX_FLUSH, BK_OP_FLUSH);

    (void)ino;
    (void)datasync;
    fx_run(q);
}

/* close(2) of one descriptor: qemu flushes, so that an error shows. */
static void fx_flush(fuse_req_t req, fuse_ino_t ino,
                     struct fuse_file_info *fi)
{
    fx_fsync(req, ino, 1, fi);
}

/* ---- SEEK_DATA / SEEK_HOLE ------------------------------------------------- */

static void fx_seek_answer(void *arg, int ret, const struct bk_status *st);


/* The scan reached the end of the image (or an answer said it ends):
 * past the last data there is the hole every file has at its end. */
static void fx_seek_end(struct fx_req *q)
{
    if (q->whence == SEEK_DATA) {
        fx_fail(q, ENXIO);
        return;
    }
    fuse_reply_lseek(q->req, q->offset < q->length ? q->offset : q->length);
    fx_req_end(q, 0);
}

/*
 * The loop over extents.  An answer only records itself (answered); the
 * loop, and nothing else, acts on it and asks on, so an answer given
 * inline never recurses and never frees q under the loop.
 */
static void fx_seek_loop(struct fx_req *q)
{
    q->in_step = true;
    for (;;) {
        if (q->answered) {
            q->answered = false;
            if (q->st_ret < 0) {
                fx_fail(q, -q->st_ret);
                return;
            }
            if (q->st_pnum <= 0) {
                fx_seek_end(q);
                return;
            }
            if (q->st_data == (q->whence == SEEK_DATA)) {
                fuse_reply_lseek(q->req, q->offset);
                fx_req_end(q, 0);
                return;
            }
            q->offset += q->st_pnum;
        }
        if (q->offset >= q->length) {
            fx_seek_end(q);
            return;
        }
        bk_dev_block_status(q->fx->exp->dev, q->offset,
                            q->length - q->offset, true, fx_seek_answer, q);
        if (!q->answered) {
            q->in_step = false;     /* the answer comes later */
            return;
        }
    }
}

static void fx_seek_answer(void *arg, int ret, const struct bk_status *st)
{
    struct fx_req *q = arg;

    q->answered = true;
    q->st_ret = ret;
    q->st_pnum = ret < 0 ? 0 : st->pnum;
    q->st_data = ret < 0 ? false : (st->flags & BK_BS_DATA) != 0;
    if (!q->in_step)
        fx_seek_loop(q);
}

static void fx_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
                     struct fuse_file_info *fi)
{
    struct fx_req *q;

    (void)ino;
    if (whence != SEEK_DATA && whence != SEEK_HOLE) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    q = fx_req_new(req, fi, FX_LSEEK, BK_OP_BLOCK_STATUS);
    q->whence = whence;
    q->offset = off;
    q->length = bk_dev_length(q->fx->exp->dev);
    /* At or past the end: ENXIO for both, as lseek(2) answers for any
     * file (qemu 7.2 answers SEEK_HOLE at the very end with the end). */
    if (off < 0 || off >= q->length) {
        fx_fail(q, ENXIO);
        return;
    }
    fx_seek_loop(q);
}

const struct fuse_lowlevel_ops fx_ops = {
    .init = fx_init,
    .lookup = fx_lookup,
    .getattr = fx_getattr,
    .setattr = fx_setattr,
    .open = fx_open,
    .release = fx_release,
    .read = fx_read,
    .write = fx_write,
    .fallocate = fx_fallocate,
    .flush = fx_flush,
    .fsync = fx_fsync,
    .lseek = fx_lseek,
};
