/*
 * status.c — block status through the stack: what a range of a node holds
 * and where, answered the way qemu's block layer answers it
 * (bdrv_co_block_status, bdrv_co_common_block_status_above).
 *
 * Words.  A node's *status* of a range holds for `pnum` bytes from its
 * start.  A driver answers for its own node; the answer BK_BS_RAW means
 * "ask my child there" (raw, blkdebug), and BK_BS_RECURSE "this is data
 * at that place of my file, which may know it reads as zeroes" (a format
 * whose clusters sit in a sparse file).  A *chain* is a node and what its
 * unallocated ranges read from: its backing file, or a filter's child;
 * asking *above* a base walks the chain from the top until a layer
 * decides, counting the layers it went through (the depth).
 *
 * Every query may wait (a format reads its metadata through the stack),
 * so each step ends in a callback.  A query is a small record on the heap
 * with the step to go on in; recursion into a child is a new record whose
 * callback resumes the parent.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend/node.h"

typedef void node_status_cb(void *arg, int ret, const struct bk_io_status *st);

struct node_q {
    struct bk_node *node;
    bool want_zero;
    int64_t offset, bytes, total;
    int64_t head;                /* offset - the aligned offset asked */
    struct bk_io_status st;
    struct bk_req *req;
    node_status_cb *cb;
    void *arg;
};

static void node_status(struct bk_node *node, bool want_zero, int64_t offset,
                        int64_t bytes, struct bk_req *req, node_status_cb *cb,
                        void *arg);

/* The length qemu's block layer counts with: whole 512-byte sectors. */
static int64_t status_length(struct bk_node *node)
{
    return (bk_node_length(node) + 511) & ~(int64_t)511;
}

static void node_q_end(struct node_q *q, int ret)
{
    if (ret >= 0 && q->offset + q->st.pnum == q->total)
        q->st.flags |= BK_BS_EOF;
    if (ret < 0)
        q->st.pnum = 0;
    q->cb(q->arg, ret, &q->st);
    free(q);
}

/* The file's own answer, asked because the format said RECURSE. */
static void node_recursed(void *arg, int ret, const struct bk_io_status *fst)
{
    struct node_q *q = arg;

    /* Errors are ignored: the file only adds what it knows of zeroes. */
    if (ret >= 0) {
        if ((fst->flags & BK_BS_EOF) &&
            (fst->pnum == 0 || (fst->flags & BK_BS_ZERO))) {
            /* A format may read past its file's end: that reads zeroes. */
            q->st.flags |= BK_BS_ZERO;
        } else {
            q->st.pnum = fst->pnum;
            q->st.flags |= fst->flags & BK_BS_ZERO;
        }
    }
    q->st.flags &= ~(unsigned)BK_BS_RECURSE;
    node_q_end(q, 0);
}

/* The child's answer stands for this node (BK_BS_RAW). */
static void node_raw_done(void *arg, int ret, const struct bk_io_status *cst)
{
    struct node_q *q = arg;

    if (ret >= 0)
        q->st = *cst;
    q->st.flags &= ~(unsigned)BK_BS_EOF;   /* ours is set against our end */
    node_q_end(q, ret);
}

/* The driver (or the filter default) answered: make it this range's. */
static void node_answered(struct node_q *q, int ret)
{
    struct bk_node *node = q->node;
    struct bk_io_status *st = &q->st;

    if (ret < 0) {
        node_q_end(q, ret);
        return;
    }
    st->pnum -= q->head;
    if (st->pnum > q->bytes)
        st->pnum = q->bytes;
    if (st->flags & BK_BS_OFFSET_VALID)
        st->map += q->head;
    if (st->flags & BK_BS_RAW) {
        node_status(st->file, q->want_zero, st->map, st->pnum, q->req,
                    node_raw_done, q);
        return;
    }
    if (st->flags & (BK_BS_DATA | BK_BS_ZERO)) {
        st->flags |= BK_BS_ALLOCATED;
    } else if (node->drv->supports_backing) {
        if (node->backing == NULL)
            st->flags |= BK_BS_ZERO;
        else if (q->want_zero && q->offset >= status_length(node->backing))
            st->flags |= BK_BS_ZERO;
    }
    if (q->want_zero && (st->flags & BK_BS_RECURSE) && st->file != NULL &&
        st->file != node && (st->flags & BK_BS_DATA) &&
        !(st->flags & BK_BS_ZERO) && (st->flags & BK_BS_OFFSET_VALID)) {
        node_status(st->file, true, st->map, st->pnum, q->req, node_recursed,
                    q);
        return;
    }
    st->flags &= ~(unsigned)BK_BS_RECURSE;
    node_q_end(q, 0);
}

static void node_driver_done(struct bk_io *io)
{
    struct node_q *q = io->cb_arg;
    int ret = io->ret;

    q->st = io->u.status;
    bk_io_free(io);
    node_answered(q, ret);
}

static void node_status(struct bk_node *node, bool want_zero, int64_t offset,
                        int64_t bytes, struct bk_req *req, node_status_cb *cb,
                        void *arg)
{
    struct node_q *q = calloc(1, sizeof(*q));
    int64_t align, aligned, aligned_bytes;
    struct bk_io *io;

    if (q == NULL)
        abort();
    *q = (struct node_q){ .node = node, .want_zero = want_zero,
                          .offset = offset, .bytes = bytes, .req = req,
                          .cb = cb, .arg = arg };
    q->total = status_length(node);
    if (offset >= q->total) {
        q->st.flags = BK_BS_EOF;
        cb(arg, 0, &q->st);
        free(q);
        return;
    }
    if (bytes == 0) {
        cb(arg, 0, &q->st);
        free(q);
        return;
    }
    if (q->bytes > q->total - offset)
        q->bytes = q->total - offset;
    if (node->drv->block_status == NULL && !node->drv->is_filter) {
        /* Nothing to ask: all data, and a protocol knows where. */
        q->st = (struct bk_io_status){ .flags = BK_BS_DATA | BK_BS_ALLOCATED,
                                       .pnum = q->bytes };
        if (node->drv->protocol_name != NULL) {
            q->st.flags |= BK_BS_OFFSET_VALID;
            q->st.map = offset;
            q->st.file = node;
        }
        node_q_end(q, 0);
        return;
    }
    align = node->bl.request_alignment > 1 ? node->bl.request_alignment : 1;
    aligned = offset - offset % align;
    aligned_bytes = offset + q->bytes - aligned;
    if (aligned_bytes % align)
        aligned_bytes += align - aligned_bytes % align;
    q->head = offset - aligned;
    if (node->drv->block_status == NULL) {
        /* A filter without its own answer: its child has it. */
        q->st = (struct bk_io_status){
            .flags = BK_BS_RAW | BK_BS_OFFSET_VALID, .pnum = aligned_bytes,
            .map = aligned, .file = node->file };
        node_answered(q, 0);
        return;
    }
    io = bk_io_new(node, BK_OP_BLOCK_STATUS, aligned, aligned_bytes, NULL, 0,
                   want_zero ? BK_REQ_WANT_ZERO : 0, req, node_driver_done, q);
    node->drv->block_status(io);
}

/* ---- above a base ---------------------------------------------------- */

struct above_q {
    struct bk_node *base;
    bool include_base;
    bool want_zero;
    int64_t offset, bytes;
    int64_t eof;                 /* where the top layer ends, if it does */
    struct bk_node *p;           /* the layer being asked */
    int depth;
    struct bk_req *req;
    bk_above_cb *cb;
    void *arg;
};

static void above_end(struct above_q *q, int ret, struct bk_io_status *st)
{
    if (ret >= 0 && q->eof && q->offset + st->pnum == q->eof)
        st->flags |= BK_BS_EOF;
    q->cb(q->arg, ret, st, q->depth);
    free(q);
}

static void above_layer_done(void *arg, int ret, const struct bk_io_status *lst)
{
    struct above_q *q = arg;
    struct bk_io_status st = *lst;

    q->depth++;
    if (ret < 0) {
        q->cb(q->arg, ret, &st, q->depth);
        free(q);
        return;
    }
    if (st.pnum == 0) {
        /*
         * The layer above deferred to this one, which is shorter: what it
         * lacks reads as zeroes, as if allocated here.
         */
        st = (struct bk_io_status){ .flags = BK_BS_ZERO | BK_BS_ALLOCATED,
                                    .pnum = q->bytes, .file = q->p };
        above_end(q, 0, &st);
        return;
    }
    if (st.flags & BK_BS_ALLOCATED) {
        st.flags &= ~(unsigned)BK_BS_EOF;  /* not for a larger layer above */
        above_end(q, 0, &st);
        return;
    }
    if (q->p == q->base) {
        above_end(q, 0, &st);
        return;
    }
    q->bytes = st.pnum;
    q->p = bk_node_filter_or_cow(q->p);
    if (q->p == NULL || (!q->include_base && q->p == q->base)) {
        above_end(q, 0, &st);
        return;
    }
    node_status(q->p, q->want_zero, q->offset, q->bytes, q->req,
                above_layer_done, q);
}

static void above_top_done(void *arg, int ret, const struct bk_io_status *tst)
{
    struct above_q *q = arg;
    struct bk_io_status st = *tst;
    struct bk_node *top = q->p;

    q->depth = 1;
    if (ret < 0 || st.pnum == 0 || (st.flags & BK_BS_ALLOCATED) ||
        top == q->base) {
        q->cb(q->arg, ret, &st, q->depth);
        free(q);
        return;
    }
    if (st.flags & BK_BS_EOF)
        q->eof = q->offset + st.pnum;
    q->bytes = st.pnum;
    q->p = bk_node_filter_or_cow(top);
    if (q->p == NULL || (!q->include_base && q->p == q->base)) {
        above_end(q, 0, &st);
        return;
    }
    node_status(q->p, q->want_zero, q->offset, q->bytes, q->req,
                above_layer_done, q);
}

void bk_node_status_above(struct bk_node *node, struct bk_node *base,
                          bool include_base, bool want_zero, int64_t offset,
                          int64_t bytes, struct bk_req *req, bk_above_cb *cb,
                          void *arg)
{
    struct above_q *q;

    if (!include_base && node == base) {
        struct bk_io_status st = { .pnum = bytes };

        cb(arg, 0, &st, 0);
        return;
    }
    q = calloc(1, sizeof(*q));
    if (q == NULL)
        abort();
    *q = (struct above_q){ .base = base, .include_base = include_base,
                           .want_zero = want_zero, .offset = offset,
                           .bytes = bytes, .p = node, .req = req, .cb = cb,
                           .arg = arg };
    node_status(node, want_zero, offset, bytes, req, above_top_done, q);
}
