/*
 * node.c — the generic layer every io passes on its way into a driver.
 *
 * Words.  An io *enters* a node through bk_node_submit.  The generic layer
 * *tracks* it on the node while it runs, so that overlapping requests can
 * be ordered; a *serialising* io (a read-modify-write of partial blocks)
 * waits for the overlapping ios that run, and every io waits for the
 * overlapping serialising ones that run (see track_find_conflict).  The
 * driver is then *called* with an inner
 * io whose completion brings control back here.
 *
 * Writes follow the block layer's order of events, because blkdebug rules
 * key on them:
 *
 *   unaligned:  pwritev_rmw_head, read head, pwritev_rmw_after_head,
 *               pwritev_rmw_tail, read tail, pwritev_rmw_after_tail
 *   each aligned piece:  pwritev | pwritev_zero, driver write,
 *               FUA emulated by a flush of this node, pwritev_done;
 *               a piece that ended past the node's end grows it
 *
 * A flush writes back only when something was written since the last
 * successful flush (write_gen vs flushed_gen), fires flush_to_os and
 * flush_to_disk at the child, and then flushes the child.  One flush runs
 * per node at a time; later ones wait and usually find nothing left to do,
 * which is how a storm of writethrough writes shares few fdatasyncs.
 *
 * Each multi-step operation is a small state machine: `io->step` says where
 * to go on, and every step that waits (an event that may suspend, a driver
 * call, a wait behind another io) names the function to continue in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

static void *node_alloc_bounce(struct bk_node *node, size_t size)
{
    size_t align = node->bl.buf_align > 0 ? node->bl.buf_align : 512;
    void *p = NULL;

    if (align < sizeof(void *))
        align = sizeof(void *);
    if (posix_memalign(&p, align, size ? size : align) != 0)
        abort();
    return p;
}

/* ---- events ---------------------------------------------------------- */

void bk_node_event(struct bk_node *node, enum rules_event ev, struct bk_io *io,
                   bk_io_cb *cont)
{
    if (node != NULL && node->drv->debug_event != NULL)
        node->drv->debug_event(node, ev, io, cont);
    else
        cont(io);
}

/* ---- tracking and serialisation -------------------------------------- */
/*
 * The rules are the block layer's (qemu 7.2, block/io.c), because scripts
 * with breakpoints see them:
 *
 *  - An io is tracked from entry to end over its *range*: the aligned
 *    cover for reads and for serialising writes (the block layer pads them
 *    before tracking), its own bytes for the others.
 *  - Two ios conflict when their ranges overlap and at least one of them is
 *    serialising.  Before its first step an io waits while any other
 *    tracked io, earlier or later, conflicts with it and is not itself
 *    waiting: an io never waits for one that waits, so one that waits for
 *    a parked request holds up nobody else (qemu-iotests 077).
 *  - The newest conflicting io is the one waited for; when it ends, its
 *    waiters check again in the order they began to wait, each still
 *    counting as waiting until its turn.
 *
 * Tracked ios form a doubly linked list in arrival order, so that entering
 * and leaving cost O(1) however many requests are in flight.  Conflicts
 * only exist when a serialising io is involved, and those are rare (partial
 * blocks under an alignment): the scan for them is skipped while the node
 * has none.
 */
static int64_t node_cluster_size(struct bk_node *node);

/* A read that copies what it reads from below into the node: the node's
 * own -C, or a copy-on-read filter above asking for it. */
static bool io_copy_on_read(const struct bk_io *io)
{
    return io->op == BK_OP_READ &&
           ((io->node->open_flags & BK_O_COPY_ON_READ) ||
            (io->flags & BK_REQ_COPY_ON_READ));
}

static void io_range(const struct bk_io *io, int64_t *start, int64_t *end)
{
    /* A copy-on-read read serialises over whole clusters, as qemu's. */
    if (io_copy_on_read(io)) {
        int64_t cs = node_cluster_size(io->node);

        *start = io->align_offset - io->align_offset % cs;
        *end = io->align_offset + io->align_bytes;
        *end += (cs - *end % cs) % cs;
    } else if (io->serialising || io->op == BK_OP_READ) {
        *start = io->align_offset;
        *end = io->align_offset + io->align_bytes;
    } else {
        *start = io->offset;
        *end = io->offset + io->bytes;
    }
}

static void track_begin(struct bk_io *io)
{
    struct bk_node *node = io->node;

    io->track_next = NULL;
    io->track_prev = node->tracked_tail;
    if (node->tracked_tail != NULL)
        node->tracked_tail->track_next = io;
    else
        node->tracked = io;
    node->tracked_tail = io;
    io->tracked = true;
    if (io->serialising)
        node->nserialising++;
}

/* The newest other io that io must wait for, or NULL. */
static struct bk_io *track_find_conflict(struct bk_io *io)
{
    int64_t s, e;

    if (io->node->nserialising == 0)
        return NULL;
    io_range(io, &s, &e);
    for (struct bk_io *o = io->node->tracked_tail; o != NULL;
         o = o->track_prev) {
        int64_t os, oe;

        if (o == io || o->waiting || (!o->serialising && !io->serialising))
            continue;
        io_range(o, &os, &oe);
        if (os < e && s < oe)
            return o;
    }
    return NULL;
}

static void track_wait(struct bk_io *io, bk_io_cb *cont);

static void track_rewait_cb(void *arg)
{
    struct bk_io *io = arg;

    io->waiting = false;
    track_wait(io, io->cb_wait);
}

static void track_end(struct bk_io *io)
{
    struct bk_node *node = io->node;
    struct bk_io *w;

    if (!io->tracked)
        return;
    if (io->track_prev != NULL)
        io->track_prev->track_next = io->track_next;
    else
        node->tracked = io->track_next;
    if (io->track_next != NULL)
        io->track_next->track_prev = io->track_prev;
    else
        node->tracked_tail = io->track_prev;
    io->track_prev = io->track_next = NULL;
    io->tracked = false;
    if (io->serialising)
        node->nserialising--;
    /*
     * Whoever waited for this io checks again at the next pass, in the
     * order they came; until then they still count as waiting.
     */
    while ((w = io->blocked) != NULL) {
        io->blocked = w->wait_next;
        w->wait_next = NULL;
        bk_loop_defer(node->loop, track_rewait_cb, w);
    }
}

/* Continue in cont once no other conflicting io is running. */
static void track_wait(struct bk_io *io, bk_io_cb *cont)
{
    struct bk_io *o = track_find_conflict(io);
    struct bk_io **tail;

    if (o == NULL) {
        cont(io);
        return;
    }
    io->cb_wait = cont;
    io->waiting = true;
    if (io->req != NULL && io->req->state == BK_REQ_INFLIGHT)
        io->req->state = BK_REQ_QUEUED;
    /* Waiters are few (they queue behind a partial block): a walk to the
     * end keeps them in order without another field. */
    io->wait_next = NULL;
    for (tail = &o->blocked; *tail != NULL; tail = &(*tail)->wait_next)
        ;
    *tail = io;
}

/* ---- driver calls ---------------------------------------------------- */

/*
 * Call the driver for op on [offset, offset+bytes) of io's node with the
 * given buffer; continue in cont with io->ret set.
 */
static void driver_done(struct bk_io *inner)
{
    struct bk_io *io = inner->cb_arg;
    bk_io_cb *cont = io->cb_drv;

    io->ret = inner->ret;
    bk_io_free(inner);
    cont(io);
}

/* A flush call for the driver's flush_to_os rather than flush_to_disk. */
enum { BK_FLUSH_TO_OS = 1u << 30 };

static void driver_call(struct bk_io *io, enum bk_op op, int64_t offset,
                        int64_t bytes, struct iovec *iov, int iovcnt,
                        unsigned flags, bk_io_cb *cont)
{
    const struct bk_driver *drv = io->node->drv;
    void (*fn)(struct bk_io *) = NULL;
    struct bk_io *inner;

    switch (op) {
    case BK_OP_READ:          fn = drv->preadv; break;
    case BK_OP_WRITE:         fn = drv->pwritev; break;
    case BK_OP_WRITE_ZEROES:  fn = drv->pwrite_zeroes; break;
    case BK_OP_DISCARD:       fn = drv->pdiscard; break;
    case BK_OP_FLUSH:
        fn = (flags & BK_FLUSH_TO_OS) ? drv->flush_to_os : drv->flush_to_disk;
        break;
    case BK_OP_TRUNCATE:      fn = drv->truncate; break;
    case BK_OP_BLOCK_STATUS:  fn = drv->block_status; break;
    case BK_OP__MAX:          break;
    }
    io->cb_drv = cont;
    inner = bk_io_new(io->node, op, offset, bytes, iov, iovcnt, flags,
                      io->req, driver_done, io);
    if (fn == NULL) {
        bk_io_complete(inner, -ENOTSUP);
        return;
    }
    if (io->req != NULL && io->req->state == BK_REQ_QUEUED)
        io->req->state = BK_REQ_INFLIGHT;
    fn(inner);
}

/* ---- split driver calls ---------------------------------------------- */

/*
 * A driver never sees more than its limits allow: reads and writes are cut
 * at max_transfer; zero writes are cut at the zero alignment and
 * max_pwrite_zeroes, and a piece the driver cannot zero (-ENOTSUP) is
 * written as a buffer of zeroes instead.  Pieces run one after the other.
 */
struct split_ctx {
    enum bk_op op;
    int64_t offset, left, skip;
    struct iovec *iov;
    int iovcnt;
    unsigned flags;
    bk_io_cb *cont;
    struct iovec *slice;
    int64_t zero_head;
    int64_t num;
    void *zbuf;
    struct iovec ziov;
    bool fallback;
};

static void split_next(struct bk_io *io);

static void split_piece_done(struct bk_io *io)
{
    struct split_ctx *sp = io->split;

    free(sp->slice);
    sp->slice = NULL;
    if (sp->fallback && io->ret == -ENOTSUP &&
        !(sp->flags & BK_REQ_NO_FALLBACK)) {
        /* The driver cannot zero this piece: write zeroes instead. */
        int64_t max = io->node->bl.max_transfer > 0 ? io->node->bl.max_transfer
                                                    : (1 << 20);

        if (sp->num > max)
            sp->num = max;
        free(sp->zbuf);
        sp->zbuf = node_alloc_bounce(io->node, (size_t)sp->num);
        memset(sp->zbuf, 0, (size_t)sp->num);
        sp->ziov = (struct iovec){ sp->zbuf, (size_t)sp->num };
        sp->fallback = false;
        driver_call(io, BK_OP_WRITE, sp->offset, sp->num, &sp->ziov, 1,
                    sp->flags & ~(unsigned)(BK_REQ_MAY_UNMAP | BK_REQ_FUA),
                    split_piece_done);
        return;
    }
    if (io->ret < 0 || sp->left == sp->num) {
        bk_io_cb *cont = sp->cont;

        free(sp->zbuf);
        free(sp);
        io->split = NULL;
        cont(io);
        return;
    }
    sp->offset += sp->num;
    sp->skip += sp->num;
    sp->left -= sp->num;
    split_next(io);
}

static void split_next(struct bk_io *io)
{
    struct split_ctx *sp = io->split;
    const struct bk_limits *bl = &io->node->bl;
    int64_t num = sp->left;

    if (sp->op == BK_OP_WRITE_ZEROES) {
        int64_t req_align = bl->request_alignment ? bl->request_alignment : 1;
        int64_t align = bl->pwrite_zeroes_alignment > req_align
                            ? bl->pwrite_zeroes_alignment : req_align;
        int64_t max = bl->max_pwrite_zeroes > 0 ? bl->max_pwrite_zeroes
                                                : INT64_MAX;
        int64_t max_transfer = bl->max_transfer > 0 ? bl->max_transfer
                                                    : (1 << 20);
        int64_t tail = (sp->offset + sp->left) % align;

        max -= max % align;
        if (sp->zero_head) {
            num = sp->left < max_transfer ? sp->left : max_transfer;
            if (num > align - sp->zero_head)
                num = align - sp->zero_head;
            sp->zero_head = (sp->zero_head + num) % align;
        } else if (tail && num > align) {
            num -= tail;
        }
        if (num > max)
            num = max;
        sp->num = num;
        sp->fallback = true;
        driver_call(io, BK_OP_WRITE_ZEROES, sp->offset, num, NULL, 0,
                    sp->flags & ~(unsigned)BK_REQ_FUA, split_piece_done);
        return;
    }
    if (bl->max_transfer > 0 && num > bl->max_transfer)
        num = bl->max_transfer;
    sp->num = num;
    if (num == sp->left && sp->skip == 0) {
        driver_call(io, sp->op, sp->offset, num, sp->iov, sp->iovcnt,
                    sp->flags, split_piece_done);
        return;
    }
    {
        int n;

        sp->slice = bk_iov_slice(sp->iov, sp->iovcnt, sp->skip, num, &n);
        driver_call(io, sp->op, sp->offset, num, sp->slice, n, sp->flags,
                    split_piece_done);
    }
}

static void driver_call_split(struct bk_io *io, enum bk_op op, int64_t offset,
                              int64_t bytes, struct iovec *iov, int iovcnt,
                              unsigned flags, bk_io_cb *cont)
{
    const struct bk_limits *bl = &io->node->bl;
    struct split_ctx *sp;

    /*
     * The common case needs no cutting: a read or write within the
     * transfer limit goes to the driver as it is, with nothing to allocate.
     */
    if (op != BK_OP_WRITE_ZEROES &&
        (bl->max_transfer <= 0 || bytes <= bl->max_transfer)) {
        driver_call(io, op, offset, bytes, iov, iovcnt, flags, cont);
        return;
    }
    sp = calloc(1, sizeof(*sp));
    if (sp == NULL)
        abort();
    *sp = (struct split_ctx){
        .op = op, .offset = offset, .left = bytes, .iov = iov,
        .iovcnt = iovcnt, .flags = flags, .cont = cont,
    };
    if (op == BK_OP_WRITE_ZEROES) {
        int64_t req_align = bl->request_alignment ? bl->request_alignment : 1;
        int64_t align = bl->pwrite_zeroes_alignment > req_align
                            ? bl->pwrite_zeroes_alignment : req_align;

        sp->zero_head = offset % align;
    }
    io->split = sp;
    if (bytes == 0 && op != BK_OP_WRITE_ZEROES) {
        sp->num = 0;
        driver_call(io, op, offset, 0, iov, iovcnt, flags, split_piece_done);
        return;
    }
    if (bytes == 0) {
        free(sp);
        io->split = NULL;
        io->ret = 0;
        cont(io);
        return;
    }
    split_next(io);
}

/* ---- finishing ------------------------------------------------------- */

static void io_finish(struct bk_io *io)
{
    track_end(io);
    if (io->bounce != NULL) {
        free(io->bounce);
        io->bounce = NULL;
    }
    io->cb(io);
}

/* ---- read ------------------------------------------------------------ */

static void read_bounced(struct bk_io *io)
{
    const char *src = (char *)io->bounce + (io->offset - io->align_offset);

    /* The caller's buffers hold exactly io->bytes: copy them in order. */
    for (int i = 0; io->ret >= 0 && i < io->iovcnt; i++) {
        memcpy(io->iov[i].iov_base, src, io->iov[i].iov_len);
        src += io->iov[i].iov_len;
    }
    io_finish(io);
}

static void read_aligned(struct bk_io *io)
{
    uint32_t align = io->node->bl.request_alignment;
    /* The driver is not to see the flag (a filter would pass it on). */
    unsigned flags = io->flags & ~(unsigned)BK_REQ_COPY_ON_READ;

    if (align <= 1 || (io->offset % align == 0 && io->bytes % align == 0)) {
        driver_call_split(io, BK_OP_READ, io->offset, io->bytes, io->iov,
                          io->iovcnt, flags, io_finish);
        return;
    }
    /* Unaligned: read the covering aligned range into a bounce buffer. */
    io->u.bounce_iov.iov_base = io->bounce =
        node_alloc_bounce(io->node, (size_t)io->align_bytes);
    io->u.bounce_iov.iov_len = (size_t)io->align_bytes;
    driver_call_split(io, BK_OP_READ, io->align_offset, io->align_bytes,
                      &io->u.bounce_iov, 1, flags, read_bounced);
}

/* ---- copy-on-read ----------------------------------------------------- */
/*
 * Copy-on-read (qemu's bdrv_co_do_copy_on_readv): a read first asks
 * whether its range is allocated in this node (bdrv_is_allocated: through
 * the stack, so blkdebug's block-status rules see it, and a failure fails
 * the read).  When it is not all there, the read covers whole clusters,
 * and walks them: what the node has is read straight into the caller's
 * buffers; what it lacks (its backing file holds it) is read into a
 * bounce buffer, the cor_write event fires, and it is written into the
 * node (zeroes as a zero write), below the generic layer as qemu does (no
 * write events, no write generation, no bitmap); then the caller gets its
 * part.
 */
enum { COR_MAX_BOUNCE = 32768 * 512 };

struct cor_ctx {
    int64_t cluster_offset, cluster_bytes, skip, progress, pnum;
    int64_t max_transfer;
    void *bounce;
    size_t bounce_len;
    struct iovec biov;
    struct iovec *sub;             /* part of the caller's buffers */
};

/* The cluster size copy-on-read rounds to (filters ask their child). */
static int64_t node_cluster_size(struct bk_node *node)
{
    struct bk_node *n = bk_node_skip_filters(node);
    int64_t cs = n != NULL ? n->bl.cluster_size : 0;

    return cs > 0 ? cs : (node->bl.request_alignment > 1
                              ? node->bl.request_alignment : 1);
}

static void cor_finish(struct bk_io *io, int ret)
{
    struct cor_ctx *c = io->split;

    io->split = NULL;
    free(c->bounce);
    free(c->sub);
    free(c);
    io->ret = ret < 0 ? ret : 0;
    io_finish(io);
}

static void cor_next(struct bk_io *io);

static void cor_advance(struct bk_io *io)
{
    struct cor_ctx *c = io->split;

    if (io->ret < 0) {
        cor_finish(io, io->ret);
        return;
    }
    free(c->sub);
    c->sub = NULL;
    c->cluster_offset += c->pnum;
    c->cluster_bytes -= c->pnum;
    c->progress += c->pnum - c->skip;
    c->skip = 0;
    cor_next(io);
}

static void cor_copied(struct bk_io *io)
{
    struct cor_ctx *c = io->split;
    int64_t len = c->pnum - c->skip;
    const char *src = (char *)c->bounce + c->skip;
    size_t skip = (size_t)c->progress;

    if (io->ret < 0) {
        cor_finish(io, io->ret);
        return;
    }
    if (len > io->bytes - c->progress)
        len = io->bytes - c->progress;
    /* The caller's part of what was copied. */
    bk_iov_fill(io->iov, io->iovcnt, skip, src, (size_t)len);
    cor_advance(io);
}

static void cor_zero_done(struct bk_io *io)
{
    struct cor_ctx *c = io->split;

    /* A driver that cannot zero gets the zeroes written. */
    if (io->ret == -ENOTSUP) {
        driver_call(io, BK_OP_WRITE, c->cluster_offset, c->pnum, &c->biov, 1,
                    0, cor_copied);
        return;
    }
    cor_copied(io);
}

static void cor_write(struct bk_io *io)
{
    struct cor_ctx *c = io->split;

    if (io->node->drv->pwrite_zeroes != NULL &&
        bk_iov_is_zero(&c->biov, 1)) {
        driver_call(io, BK_OP_WRITE_ZEROES, c->cluster_offset, c->pnum, NULL,
                    0, 0, cor_zero_done);
        return;
    }
    driver_call(io, BK_OP_WRITE, c->cluster_offset, c->pnum, &c->biov, 1, 0,
                cor_copied);
}

static void cor_read_done(struct bk_io *io)
{
    if (io->ret < 0) {
        cor_finish(io, io->ret);
        return;
    }
    bk_node_event(io->node, RULES_EV_COR_WRITE, io, cor_write);
}

static void cor_status_done(void *arg, int ret, const struct bk_io_status *st,
                            int depth)
{
    struct bk_io *io = arg;
    struct cor_ctx *c = io->split;
    int64_t chunk = c->cluster_bytes < c->max_transfer ? c->cluster_bytes
                                                       : c->max_transfer;
    bool allocated = ret >= 0 && (st->flags & BK_BS_ALLOCATED);

    (void)depth;
    /* An error counts as unallocated: the read will fail and say why. */
    c->pnum = ret < 0 ? chunk : st->pnum;
    /* The image ends inside the cluster. */
    if (ret >= 0 && !allocated && c->pnum == 0) {
        cor_finish(io, 0);
        return;
    }
    if (!allocated) {
        if (c->pnum > COR_MAX_BOUNCE)
            c->pnum = COR_MAX_BOUNCE;
        if (c->bounce == NULL) {
            int64_t need = c->pnum > c->cluster_bytes - c->pnum
                               ? c->pnum : c->cluster_bytes - c->pnum;
            int64_t max = c->max_transfer < COR_MAX_BOUNCE
                              ? c->max_transfer : COR_MAX_BOUNCE;

            c->bounce_len = (size_t)(need < max ? need : max);
            c->bounce = node_alloc_bounce(io->node, c->bounce_len);
        }
        c->biov = (struct iovec){ c->bounce, (size_t)c->pnum };
        driver_call(io, BK_OP_READ, c->cluster_offset, c->pnum, &c->biov, 1,
                    0, cor_read_done);
        return;
    }
    /* What the node has: straight into the caller's buffers. */
    {
        int64_t len = c->pnum - c->skip;
        int n;

        if (len > io->bytes - c->progress)
            len = io->bytes - c->progress;
        c->sub = bk_iov_slice(io->iov, io->iovcnt, c->progress, len, &n);
        driver_call(io, BK_OP_READ, io->offset + c->progress, len, c->sub, n,
                    0, cor_advance);
    }
}

static void cor_next(struct bk_io *io)
{
    struct cor_ctx *c = io->split;
    int64_t chunk = c->cluster_bytes < c->max_transfer ? c->cluster_bytes
                                                       : c->max_transfer;

    if (c->cluster_bytes == 0) {
        cor_finish(io, 0);
        return;
    }
    bk_node_status_above(io->node, io->node, true, false, c->cluster_offset,
                         chunk, io->req, cor_status_done, io);
}

static void cor_start(struct bk_io *io)
{
    struct cor_ctx *c = calloc(1, sizeof(*c));
    int64_t cs = node_cluster_size(io->node);
    int64_t max = io->node->bl.max_transfer;

    if (c == NULL)
        abort();
    c->max_transfer = max > 0 && max < INT32_MAX - 511 ? max : INT32_MAX - 511;
    c->cluster_offset = io->offset - io->offset % cs;
    c->cluster_bytes = io->offset + io->bytes - c->cluster_offset;
    c->cluster_bytes += (cs - c->cluster_bytes % cs) % cs;
    c->skip = io->offset - c->cluster_offset;
    io->split = c;
    cor_next(io);
}

static void read_status_done(void *arg, int ret, const struct bk_io_status *st,
                             int depth)
{
    struct bk_io *io = arg;

    (void)depth;
    if (ret < 0) {
        io->ret = ret;
        io_finish(io);
        return;
    }
    /* All of it here: a plain read. */
    if ((st->flags & BK_BS_ALLOCATED) && st->pnum == io->bytes) {
        read_aligned(io);
        return;
    }
    cor_start(io);
}

static void read_start(struct bk_io *io)
{
    if (io_copy_on_read(io) && io->bytes > 0) {
        bk_node_status_above(io->node, io->node, true, false, io->offset,
                             io->bytes, io->req, read_status_done, io);
        return;
    }
    read_aligned(io);
}

/* ---- write and write-zeroes ------------------------------------------ */

/* The steps of a write, in phase order (write_step dispatches by it). */
enum write_step {
    /* padding */
    W_BEGIN, W_PRE_HEAD, W_HEAD_READ, W_POST_HEAD, W_PRE_TAIL, W_TAIL_READ,
    W_POST_TAIL,
    /* segments */
    W_SEGMENTS, W_SEG_EVENT, W_SEG_DRIVER, W_SEG_FUA, W_SEG_DONE_EVENT,
    W_SEG_NEXT,
    W_END,
};

/*
 * An aligned write is cut into at most three segments: the padded head
 * block, the aligned middle (the only one that may be a zero write), and
 * the padded tail block.  A plain aligned write is one middle segment.
 *
 * The bounce buffer holds the head block at its start and the tail block
 * at its end; when head and tail fall in one block, or in two adjacent
 * ones, a single read fills it ("merged" reads, one pair of events each).
 */
struct write_seg {
    int64_t offset, bytes;
    struct iovec *iov;
    int iovcnt;
    bool zero;
};

struct write_ctx {
    int64_t head, tail;            /* pad bytes before / after the data */
    bool merge;
    size_t bounce_len;
    struct write_seg seg[3];
    int nseg, cur;
    struct iovec *padded;          /* head pad + caller iov + tail pad */
    struct iovec one;
    enum rules_event seq[2];       /* events fired before going on */
    int nseq, iseq;
    int after_seq;                 /* step to take after the events */
    int ret;
};

/*
 * Every write on every node it crosses has a context: ended ones stay on
 * their node for the next write, as io records do (iorec.c), rather than
 * a calloc and a free per write and node.  AddressSanitizer builds keep
 * none, so that a context used after its write ended is still caught.
 */
enum { NODE_SPARE_WRITES_MAX = 64 };

static struct write_ctx *write_ctx_get(struct bk_node *node)
{
    struct write_ctx *w = spares_take(&node->spare_writes);

    if (w == NULL) {
        w = calloc(1, sizeof(*w));
        if (w == NULL)
            abort();
        return w;
    }
    memset(w, 0, sizeof(*w));
    return w;
}

static void write_ctx_put(struct bk_node *node, struct write_ctx *w)
{
    free(w->padded);
    spares_put(&node->spare_writes, w, NODE_SPARE_WRITES_MAX);
}

void bk_node_free_spare_writes(struct bk_node *node)
{
    spares_free(&node->spare_writes);
}

static void write_step(struct bk_io *io);

static void write_goto(struct bk_io *io, int step)
{
    io->step = step;
    write_step(io);
}

/* Fire the queued events one after the other, then go to after_seq. */
static void write_fire_seq(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;

    if (w->iseq == w->nseq) {
        write_goto(io, w->after_seq);
        return;
    }
    bk_node_event(io->node, w->seq[w->iseq++], io, write_fire_seq);
}

static void write_events(struct bk_io *io, int after, enum rules_event a,
                         bool fire_a, enum rules_event b, bool fire_b)
{
    struct write_ctx *w = io->u.write;

    w->nseq = w->iseq = 0;
    if (fire_a)
        w->seq[w->nseq++] = a;
    if (fire_b)
        w->seq[w->nseq++] = b;
    w->after_seq = after;
    write_fire_seq(io);
}

static char *write_tail_buf(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;

    return (char *)io->bounce + w->bounce_len - io->node->bl.request_alignment;
}

static void write_build_segments(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;
    int64_t align = io->node->bl.request_alignment;
    char *buf = io->bounce;
    int64_t off = io->offset, bytes = io->bytes;

    w->nseg = 0;
    w->cur = 0;
    if (w->head == 0 && w->tail == 0) {
        w->seg[w->nseg++] = (struct write_seg){
            off, bytes, io->iov, io->iovcnt, io->op == BK_OP_WRITE_ZEROES };
        return;
    }
    if (io->op == BK_OP_WRITE) {
        int n = 0;

        w->padded = calloc((size_t)io->iovcnt + 2, sizeof(struct iovec));
        if (w->padded == NULL)
            abort();
        if (w->head > 0)
            w->padded[n++] = (struct iovec){ buf, (size_t)w->head };
        for (int i = 0; i < io->iovcnt; i++)
            w->padded[n++] = io->iov[i];
        if (w->tail > 0)
            w->padded[n++] = (struct iovec){
                write_tail_buf(io) + align - w->tail, (size_t)w->tail };
        w->seg[w->nseg++] = (struct write_seg){
            io->align_offset, io->align_bytes, w->padded, n, false };
        return;
    }
    /* Zero write: partial blocks are written as data, zeroed in memory. */
    if (w->merge) {
        memset(buf + w->head, 0, (size_t)bytes);
        w->one = (struct iovec){ buf, w->bounce_len };
        w->seg[w->nseg++] = (struct write_seg){
            io->align_offset, (int64_t)w->bounce_len, &w->one, 1, false };
        return;
    }
    if (w->head > 0) {
        memset(buf + w->head, 0, (size_t)(align - w->head));
        w->one = (struct iovec){ buf, (size_t)align };
        w->seg[w->nseg++] = (struct write_seg){
            io->align_offset, align, &w->one, 1, false };
        off += align - w->head;
        bytes -= align - w->head;
    }
    if (bytes >= align) {
        int64_t mid = bytes - bytes % align;

        w->seg[w->nseg++] = (struct write_seg){ off, mid, NULL, 0, true };
        off += mid;
        bytes -= mid;
    }
    if (bytes > 0) {
        memset(write_tail_buf(io), 0, (size_t)bytes);
        w->padded = calloc(1, sizeof(struct iovec));
        if (w->padded == NULL)
            abort();
        w->padded[0] = (struct iovec){ write_tail_buf(io), (size_t)align };
        w->seg[w->nseg++] = (struct write_seg){ off, align, w->padded, 1,
                                                false };
    }
}

/*
 * A padding read that fails does not fail the write: qemu 7.2 ignores the
 * result and writes whatever the buffer held (measured: the write reports
 * success and the neighbouring bytes are lost).  We write zeroes there,
 * which is what qemu's fresh buffer mostly holds, and is deterministic.
 */
static void write_padding_read_done(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;

    if (io->ret < 0)
        memset(w->one.iov_base, 0, w->one.iov_len);
    io->ret = 0;
}

static void write_flush_done(struct bk_io *flush)
{
    struct bk_io *io = flush->cb_arg;

    io->ret = flush->ret;
    bk_io_free(flush);
    write_goto(io, W_SEG_DONE_EVENT);
}

/*
 * The padding phase: the events around the reads of partial head and tail
 * blocks, and the reads themselves, in the block layer's order.
 */
static void write_pad_step(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;
    int64_t align = io->node->bl.request_alignment;
    bool tail_in_merge = w->merge && w->tail > 0;

    switch ((enum write_step)io->step) {
    case W_BEGIN:
        if (w->head == 0 && w->tail == 0)
            write_goto(io, W_SEGMENTS);
        else if (w->head > 0 || w->merge)
            write_goto(io, W_PRE_HEAD);
        else
            write_goto(io, W_PRE_TAIL);
        return;
    case W_PRE_HEAD:
        write_events(io, W_HEAD_READ, RULES_EV_PWRITEV_RMW_HEAD, w->head > 0,
                     RULES_EV_PWRITEV_RMW_TAIL, tail_in_merge);
        return;
    case W_HEAD_READ:
        io->step = W_POST_HEAD;
        w->one = (struct iovec){ io->bounce,
                                 w->merge ? w->bounce_len : (size_t)align };
        driver_call(io, BK_OP_READ, io->align_offset, (int64_t)w->one.iov_len,
                    &w->one, 1, 0, write_step);
        return;
    case W_POST_HEAD:
        write_padding_read_done(io);
        write_events(io, w->merge ? W_SEGMENTS : W_PRE_TAIL,
                     RULES_EV_PWRITEV_RMW_AFTER_HEAD, w->head > 0,
                     RULES_EV_PWRITEV_RMW_AFTER_TAIL, tail_in_merge);
        return;
    case W_PRE_TAIL:
        if (w->tail == 0) {
            write_goto(io, W_SEGMENTS);
            return;
        }
        write_events(io, W_TAIL_READ, RULES_EV_PWRITEV_RMW_TAIL, true,
                     RULES_EV_NONE, false);
        return;
    case W_TAIL_READ:
        io->step = W_POST_TAIL;
        w->one = (struct iovec){ write_tail_buf(io), (size_t)align };
        driver_call(io, BK_OP_READ, io->align_offset + io->align_bytes - align,
                    align, &w->one, 1, 0, write_step);
        return;
    case W_POST_TAIL:
        write_padding_read_done(io);
        write_events(io, W_SEGMENTS, RULES_EV_PWRITEV_RMW_AFTER_TAIL, true,
                     RULES_EV_NONE, false);
        return;
    default:
        abort();
    }
}

/*
 * A segment written past the node's end grows the node to where it ended
 * (qemu's bdrv_co_write_req_finish, after pwritev_done): only a write
 * that succeeded, each node by what was written to it, so a format's
 * file grows as the format allocates, whatever sits between them.  The
 * length stays exact; readers round it to sectors as qemu counts them.
 * Nothing else grows a node: a request past the device's end is refused,
 * a discard never grows, and a VM state write passes no generic layer
 * of the node that takes it.
 */
static void write_grow(struct bk_node *node, int64_t offset, int64_t bytes)
{
    if (bytes <= INT64_MAX - offset && offset + bytes > node->total_bytes)
        node->total_bytes = offset + bytes;
}

/*
 * The segment phase: each segment is announced (pwritev or pwritev_zero),
 * written by the driver, made durable by a flush when FUA was asked and
 * the driver cannot do it, followed by pwritev_done, and grows the node
 * when it ended past it.
 */
static void write_seg_step(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;
    struct bk_node *node = io->node;
    struct write_seg *s = &w->seg[w->cur];
    unsigned flags = io->flags;

    switch ((enum write_step)io->step) {
    case W_SEGMENTS:
        write_build_segments(io);
        write_goto(io, W_SEG_EVENT);
        return;
    case W_SEG_EVENT:
        io->step = W_SEG_DRIVER;
        /* A compressed write is announced by nothing (qemu's block layer
         * fires only pwritev_done for it). */
        if (io->flags & BK_REQ_COMPRESSED) {
            write_step(io);
            return;
        }
        bk_node_event(node, s->zero ? RULES_EV_PWRITEV_ZERO : RULES_EV_PWRITEV,
                      io, write_step);
        return;
    case W_SEG_DRIVER:
        io->step = W_SEG_FUA;
        if (io->flags & BK_REQ_COMPRESSED) {
            /* Not split, and no FUA: qemu's compressed path has neither. */
            io->step = W_SEG_DONE_EVENT;
            if (!node->drv->supports_compressed) {
                io->ret = -ENOTSUP;
                write_step(io);
                return;
            }
            driver_call(io, BK_OP_WRITE, s->offset, s->bytes, s->iov,
                        s->iovcnt, BK_REQ_COMPRESSED, write_step);
            return;
        }
        /* FUA the driver lacks is emulated by a flush of this node. */
        if (!(node->supported_write_flags & BK_REQ_FUA))
            flags &= ~(unsigned)BK_REQ_FUA;
        if (!s->zero)
            flags &= ~(unsigned)BK_REQ_MAY_UNMAP;
        driver_call_split(io, s->zero ? BK_OP_WRITE_ZEROES : BK_OP_WRITE,
                          s->offset, s->bytes, s->iov, s->iovcnt, flags,
                          write_step);
        return;
    case W_SEG_FUA:
        if (io->ret == 0 && (io->flags & BK_REQ_FUA) &&
            !(node->supported_write_flags & BK_REQ_FUA)) {
            /*
             * As in the block layer, this node's write generation counts
             * the write only after the flush: the flush writes back the
             * child, whose generation already moved.
             */
            bk_node_submit(bk_io_new(node, BK_OP_FLUSH, 0, 0, NULL, 0, 0,
                                     io->req, write_flush_done, io));
            return;
        }
        write_goto(io, W_SEG_DONE_EVENT);
        return;
    case W_SEG_DONE_EVENT:
        node->write_gen++;
        w->ret = io->ret;
        io->step = W_SEG_NEXT;
        bk_node_event(node, RULES_EV_PWRITEV_DONE, io, write_step);
        return;
    case W_SEG_NEXT:
        io->ret = w->ret;
        if (io->ret >= 0)
            write_grow(node, s->offset, s->bytes);
        if (io->ret >= 0 && ++w->cur < w->nseg)
            write_goto(io, W_SEG_EVENT);
        else
            write_goto(io, W_END);
        return;
    default:
        abort();
    }
}

static void note_write(struct bk_node *node, int64_t offset, int64_t bytes)
{
    if (bytes > 0 && node->drv->note_write != NULL)
        node->drv->note_write(node, offset, bytes);
}

static void write_end(struct bk_io *io)
{
    struct write_ctx *w = io->u.write;

    if (io->ret > 0)
        io->ret = 0;
    note_write(io->node, io->align_offset, io->align_bytes);
    write_ctx_put(io->node, w);
    io->u.write = NULL;
    io_finish(io);
}

/* Every wait in a write comes back here, and goes on in its phase. */
static void write_step(struct bk_io *io)
{
    if (io->step < W_SEGMENTS)
        write_pad_step(io);
    else if (io->step < W_END)
        write_seg_step(io);
    else
        write_end(io);
}

static void write_start(struct bk_io *io)
{
    struct write_ctx *w = write_ctx_get(io->node);
    int64_t align = io->node->bl.request_alignment;

    io->u.write = w;
    if (align > 1) {
        w->head = io->offset - io->align_offset;
        w->tail = io->align_offset + io->align_bytes - io->offset - io->bytes;
    }
    if (w->head > 0 || w->tail > 0) {
        w->merge = io->align_bytes <= align ||
                   (w->head > 0 && w->tail > 0 && io->align_bytes == 2 * align);
        w->bounce_len = w->merge ? (size_t)io->align_bytes : (size_t)(2 * align);
        io->bounce = node_alloc_bounce(io->node, w->bounce_len);
    }
    io->step = W_BEGIN;
    write_step(io);
}

/* ---- discard --------------------------------------------------------- */

/*
 * Discard is advisory: pieces a driver cannot do (-ENOTSUP) are skipped.
 * The request is cut at alignment boundaries so that a device which only
 * discards whole blocks still gets every whole block.
 */
static void discard_step(struct bk_io *io);

static void discard_piece_done(struct bk_io *io)
{
    if (io->ret < 0 && io->ret != -ENOTSUP) {
        io->node->write_gen++;
        note_write(io->node, io->offset, io->bytes);
        io_finish(io);
        return;
    }
    io->ret = 0;
    discard_step(io);
}

static void discard_step(struct bk_io *io)
{
    struct bk_node *node = io->node;
    int64_t req_align = node->bl.request_alignment ? node->bl.request_alignment : 1;
    int64_t align = node->bl.pdiscard_alignment > req_align
                        ? node->bl.pdiscard_alignment : req_align;
    int64_t max = node->bl.max_pdiscard > 0 ? node->bl.max_pdiscard : INT64_MAX;
    int64_t off = io->u.discard.offset, bytes = io->u.discard.bytes;
    int64_t head = off % align, tail = (off + bytes) % align;
    int64_t num = bytes;

    if (bytes <= 0) {
        node->write_gen++;
        note_write(node, io->offset, io->bytes);
        io->ret = 0;
        io_finish(io);
        return;
    }
    max -= max % align;
    if (max <= 0)
        max = align;
    if (head) {
        num = bytes < align - head ? bytes : align - head;
        if (num % req_align)
            num %= req_align;
    } else if (tail) {
        if (num > align)
            num -= tail;
        else if (tail % req_align && tail > req_align)
            num -= tail % req_align;
    }
    if (num > max)
        num = max;
    io->u.discard.offset = off + num;
    io->u.discard.bytes = bytes - num;
    driver_call(io, BK_OP_DISCARD, off, num, NULL, 0, 0, discard_piece_done);
}

static void discard_start(struct bk_io *io)
{
    io->u.discard.offset = io->offset;
    io->u.discard.bytes = io->bytes;
    discard_step(io);
}

/* ---- flush ----------------------------------------------------------- */
/*
 * A flush passes these phases, each named for where it goes on:
 *
 *   flush_begin       wait for the node's running flush; fire flush_to_os
 *   flush_to_os       the driver's own write-back of what it caches
 *   flush_if_written  skip the rest when nothing was written since the
 *                     last flush (or -t unsafe); else fire flush_to_disk
 *   flush_driver      the driver's own flush, if it has one
 *   flush_children    then the child's flush, through the generic layer
 *   flush_end         note what was flushed; wake the next waiter
 */
static void flush_begin(struct bk_io *io);
static void flush_to_os(struct bk_io *io);
static void flush_if_written(struct bk_io *io);
static void flush_driver(struct bk_io *io);
static void flush_children(struct bk_io *io);
static void flush_end(struct bk_io *io);

static void flush_restart_cb(void *arg)
{
    flush_begin(arg);
}

static void flush_begin(struct bk_io *io)
{
    struct bk_node *node = io->node;

    if (node->flush_active) {
        /* One flush at a time per node; queue behind the running one. */
        io->wait_next = NULL;
        if (node->flush_waiters_tail != NULL)
            node->flush_waiters_tail->wait_next = io;
        else
            node->flush_waiters = io;
        node->flush_waiters_tail = io;
        return;
    }
    node->flush_active = true;
    bk_node_event(node->file, RULES_EV_FLUSH_TO_OS, io, flush_to_os);
}

/* The driver's caches go to the OS even with cache.no-flush (qcow2's
 * metadata); a failure ends the flush. */
static void flush_to_os_done(struct bk_io *io)
{
    if (io->ret < 0) {
        flush_end(io);
        return;
    }
    flush_if_written(io);
}

static void flush_to_os(struct bk_io *io)
{
    if (io->node->drv->flush_to_os != NULL) {
        driver_call(io, BK_OP_FLUSH, 0, 0, NULL, 0, BK_FLUSH_TO_OS,
                    flush_to_os_done);
        return;
    }
    flush_if_written(io);
}

static void flush_if_written(struct bk_io *io)
{
    struct bk_node *node = io->node;

    if ((node->open_flags & BK_O_NO_FLUSH) ||
        node->flushed_gen == io->u.flush_gen) {
        flush_children(io);
        return;
    }
    bk_node_event(node->file, RULES_EV_FLUSH_TO_DISK, io, flush_driver);
}

static void flush_driver(struct bk_io *io)
{
    if (io->node->drv->flush_to_disk != NULL) {
        driver_call(io, BK_OP_FLUSH, 0, 0, NULL, 0, 0, flush_children);
        return;
    }
    io->ret = 0;
    flush_children(io);
}

static void flush_child_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;

    if (io->ret == 0)
        io->ret = child->ret;
    bk_io_free(child);
    flush_end(io);
}

static void flush_file(struct bk_io *io)
{
    struct bk_node *node = io->node;

    if (node->file == NULL || !(node->file->open_flags & BK_O_RDWR)) {
        flush_end(io);
        return;
    }
    bk_node_submit(bk_io_new(node->file, BK_OP_FLUSH, 0, 0, NULL, 0, 0,
                             io->req, flush_child_done, io));
}

/* The data child first (qemu's child list has it before the file); its
 * error is kept, and the file is flushed all the same. */
static void flush_data_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;

    if (io->ret == 0)
        io->ret = child->ret;
    bk_io_free(child);
    flush_file(io);
}

static void flush_children(struct bk_io *io)
{
    struct bk_node *node = io->node;

    if (io->ret < 0) {
        flush_end(io);
        return;
    }
    io->ret = 0;
    if (node->data != NULL && (node->data->open_flags & BK_O_RDWR)) {
        bk_node_submit(bk_io_new(node->data, BK_OP_FLUSH, 0, 0, NULL, 0, 0,
                                 io->req, flush_data_done, io));
        return;
    }
    flush_file(io);
}

static void flush_end(struct bk_io *io)
{
    struct bk_node *node = io->node;
    struct bk_io *next = node->flush_waiters;

    if (io->ret == 0)
        node->flushed_gen = io->u.flush_gen;
    node->flush_active = false;
    /*
     * Wake only the oldest waiter: it will usually find the generation it
     * wanted already flushed and pass straight on, waking the next.
     * Waking all would make each re-queue.
     */
    if (next != NULL) {
        node->flush_waiters = next->wait_next;
        if (node->flush_waiters == NULL)
            node->flush_waiters_tail = NULL;
        next->wait_next = NULL;
        bk_loop_defer(node->loop, flush_restart_cb, next);
    }
    io->cb(io);
}

static void flush_start(struct bk_io *io)
{
    if (!(io->node->open_flags & BK_O_RDWR)) {
        io->ret = 0;
        io->cb(io);
        return;
    }
    /* The generation to be flushed is fixed now, before any wait. */
    io->u.flush_gen = io->node->write_gen;
    flush_begin(io);
}

/* ---- truncate -------------------------------------------------------- */

static void truncate_done(struct bk_io *io)
{
    struct bk_node *node = io->node;

    if (io->ret == 0) {
        /* Ask the driver: a raw window or a file whose first block was
         * written can differ from the length asked for. */
        int64_t len = node->drv->get_length ? node->drv->get_length(node)
                                            : io->offset;

        node->total_bytes = len >= 0 ? len : io->offset;
        node->write_gen++;
    }
    io_finish(io);
}

static void truncate_start(struct bk_io *io)
{
    struct bk_node *node = io->node, *cow = bk_node_cow(node);
    int64_t old = (node->total_bytes + 511) & ~(int64_t)511;

    /* A backing file longer than the node would show through the new
     * area: it must read as zeroes. */
    if (io->offset > old && cow != NULL &&
        ((bk_node_length(cow) + 511) & ~(int64_t)511) > old)
        io->flags |= BK_TRUNC_ZERO_WRITE;
    if (io->flags & ~(unsigned)BK_TRUNC_MODE_MASK &
        ~node->supported_truncate_flags) {
        if (io->req != NULL)
            snprintf(io->req->cause, sizeof(io->req->cause),
                     "Block driver does not support requested flags");
        io->ret = -ENOTSUP;
        io_finish(io);
        return;
    }
    driver_call(io, BK_OP_TRUNCATE, io->offset, 0, NULL, 0, io->flags,
                truncate_done);
}

/* ---- entry ----------------------------------------------------------- */

static void submit_tracked(struct bk_io *io)
{
    switch (io->op) {
    case BK_OP_READ:
        read_start(io);
        break;
    case BK_OP_WRITE:
    case BK_OP_WRITE_ZEROES:
        write_start(io);
        break;
    case BK_OP_DISCARD:
        discard_start(io);
        break;
    case BK_OP_TRUNCATE:
        if (io->node->drv->truncate == NULL) {
            if (io->req != NULL)
                snprintf(io->req->cause, sizeof(io->req->cause),
                         "Image format driver does not support resize");
            io->ret = -ENOTSUP;
            io_finish(io);
            break;
        }
        truncate_start(io);
        break;
    case BK_OP_FLUSH:          /* not tracked: flush_start */
    case BK_OP_BLOCK_STATUS:   /* never submitted: status.c asks drivers */
    case BK_OP__MAX:
        break;
    }
}

bool bk_node_can_pipe(struct bk_node *node, int64_t offset, int64_t bytes)
{
    uint32_t align = node->bl.request_alignment;

    if (node->drv->can_pipe == NULL ||
        (node->open_flags & BK_O_COPY_ON_READ) ||
        (align > 1 && (offset % align != 0 || bytes % align != 0)) ||
        (node->bl.max_transfer > 0 && bytes > node->bl.max_transfer))
        return false;
    return node->drv->can_pipe(node, offset, bytes);
}

void bk_node_submit(struct bk_io *io)
{
    struct bk_node *node = io->node;
    uint32_t align = node->bl.request_alignment ? node->bl.request_alignment : 1;

    if (io->op == BK_OP_FLUSH) {
        flush_start(io);
        return;
    }
    if (io->op == BK_OP_DISCARD && !(node->open_flags & BK_O_UNMAP)) {
        bk_io_complete(io, 0);
        return;
    }
    /*
     * As the block layer: an unaligned request of no bytes is nothing to
     * do (no tracking, no driver, so no blkdebug rule either), and neither
     * is a zero write of no bytes (no event, no FUA flush), while an
     * aligned write of no bytes goes all the way down.
     */
    if (io->bytes == 0 &&
        ((io->offset % align != 0 &&
          (io->op == BK_OP_READ || io->op == BK_OP_WRITE)) ||
         io->op == BK_OP_WRITE_ZEROES)) {
        bk_io_complete(io, 0);
        return;
    }
    /* A child's detect-zeroes, as the device's (dev.c) for the top. */
    if (io->op == BK_OP_WRITE && node->detect_zeroes != BK_DZ_OFF &&
        bk_iov_is_zero(io->iov, io->iovcnt)) {
        io->op = BK_OP_WRITE_ZEROES;
        io->iov = NULL;
        io->iovcnt = 0;
        if (node->detect_zeroes == BK_DZ_UNMAP)
            io->flags |= BK_REQ_MAY_UNMAP;
    }
    if (io->op == BK_OP_WRITE_ZEROES && !(node->open_flags & BK_O_UNMAP))
        io->flags &= ~(unsigned)BK_REQ_MAY_UNMAP;

    io->align_offset = io->offset - io->offset % align;
    io->align_bytes = io->offset + io->bytes - io->align_offset;
    if (io->align_bytes % align)
        io->align_bytes += align - io->align_bytes % align;
    /* Copy-on-read reads serialise too (over whole blocks, as qemu's
     * over clusters: a raw node's cluster is its request alignment). */
    io->serialising = ((io->op == BK_OP_WRITE || io->op == BK_OP_WRITE_ZEROES)
                       && (io->align_offset != io->offset
                           || io->align_bytes != io->bytes)) ||
                      io_copy_on_read(io);
    if (io->op == BK_OP_TRUNCATE)
        io->serialising = false;
    io->cb_wait = NULL;
    track_begin(io);
    track_wait(io, submit_tracked);
}
