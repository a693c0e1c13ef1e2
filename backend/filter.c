/*
 * filter.c — what a node with one child ("file") that it passes requests
 * through to does by default, as qemu's bdrv_filter_default_* helpers and
 * its filters' common open: the filters (copy-on-read, throttle,
 * blkdebug, blkverify) and raw put these in their driver tables, or call
 * them, for whatever they do not intercept.
 *
 * A request passed through goes to the child unchanged (raw's window
 * moves its offset) and ends with the child's result.  A filter opens its
 * child first, then the node's common options, then its own; and lets
 * through what its child can do natively (FUA, truncate flags) and its
 * child's transfer and memory limits.
 */
#include "backend/node.h"

int64_t bk_filter_get_length(struct bk_node *node)
{
    return bk_node_length(node->file);
}

static void filter_child_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    bk_io_complete(io, ret);
}

void bk_filter_pass(struct bk_io *io, int64_t offset, unsigned flags)
{
    bk_node_submit(bk_io_new(io->node->file, io->op, offset, io->bytes,
                             io->iov, io->iovcnt, flags, io->req,
                             filter_child_done, io));
}

void bk_filter_forward(struct bk_io *io)
{
    bk_filter_pass(io, io->offset, io->flags);
}

int bk_filter_open(struct bk_node *node, struct bk_opts *opts,
                   const char *filename, char **cause)
{
    int ret = bk_node_open_child(node, opts, "file", filename, "file", cause);

    if (ret < 0)
        return ret;
    ret = bk_node_open_common(node, opts, cause);
    if (ret < 0)
        bk_filter_drop_child(node);
    return ret;
}

void bk_filter_drop_child(struct bk_node *node)
{
    bk_node_close(node->file);
    node->file = NULL;
}

void bk_filter_take_limits(struct bk_node *node)
{
    node->supported_write_flags = node->file->supported_write_flags &
                                  BK_REQ_FUA;
    node->supported_truncate_flags = node->file->supported_truncate_flags;
    node->bl.buf_align = node->file->bl.buf_align;
    node->bl.max_transfer = node->file->bl.max_transfer;
}
