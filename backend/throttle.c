/*
 * throttle.c — the "throttle" filter driver: the reads and writes that go
 * through it are held to the limits of a throttle group
 * (throttle-group.c), named by its throttle-group option.
 *
 * Reads count as reads; writes, zero writes and discards as writes, as in
 * qemu.  Flushes, truncates and block status queries pass untouched.  A
 * request over the limits waits in the group's queue; nothing else waits
 * for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/throttle.h"

struct throttle_state {
    struct bk_throttle_group *tg;
};

static int throttle_open(struct bk_node *node, struct bk_opts *opts,
                         const char *filename, char **cause)
{
    struct throttle_state *s = node->state;
    char *group;
    int ret;

    ret = bk_node_open_child(node, opts, "file", filename, "file", cause);
    if (ret < 0)
        return ret;
    /* As qemu: the child first, then this node's common options. */
    ret = bk_node_open_common(node, opts, cause);
    group = ret < 0 ? NULL : bk_opts_take(opts, "throttle-group");
    if (ret < 0) {
        /* said */
    } else if (group == NULL) {
        *cause = strfmt("Please specify a throttle group");
        ret = -EINVAL;
    } else if ((s->tg = bk_throttle_group_find(group)) == NULL) {
        *cause = strfmt("Throttle group '%s' does not exist", group);
        ret = -EINVAL;
    }
    free(group);
    if (ret < 0) {
        bk_node_close(node->file);
        node->file = NULL;
        return ret;
    }
    bk_throttle_group_ref(s->tg);
    node->supported_write_flags = node->file->supported_write_flags &
                                  BK_REQ_FUA;
    node->supported_truncate_flags = node->file->supported_truncate_flags;
    node->bl.buf_align = node->file->bl.buf_align;
    node->bl.max_transfer = node->file->bl.max_transfer;
    return 0;
}

static void throttle_close(struct bk_node *node)
{
    struct throttle_state *s = node->state;

    if (s->tg != NULL)
        bk_throttle_group_unref(s->tg);
    s->tg = NULL;
}

static int64_t throttle_get_length(struct bk_node *node)
{
    return bk_node_length(node->file);
}

static void throttle_child_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    bk_io_complete(io, ret);
}

static void throttle_forward(struct bk_io *io)
{
    bk_node_submit(bk_io_new(io->node->file, io->op, io->offset, io->bytes,
                             io->iov, io->iovcnt, io->flags, io->req,
                             throttle_child_done, io));
}

/* Wait for the group, then go down. */
static void throttle_admit(struct bk_io *io)
{
    struct throttle_state *s = io->node->state;

    bk_throttle_group_admit(s->tg, io, io->op != BK_OP_READ, io->bytes,
                            throttle_forward);
}

/* The group, and what waits in it. */
static void throttle_describe(struct bk_node *node, char *buf, size_t len)
{
    struct throttle_state *s = node->state;
    size_t n = bk_throttle_group_waiting(s->tg, 0) +
               bk_throttle_group_waiting(s->tg, 1);

    if (n > 0)
        snprintf(buf, len, "%s: %zu waiting", bk_throttle_group_name(s->tg),
                 n);
    else
        snprintf(buf, len, "%s", bk_throttle_group_name(s->tg));
}

const struct bk_driver bk_driver_throttle = {
    .name = "throttle",
    .child_name = "file",
    .is_format = true,
    .is_filter = true,
    .state_size = sizeof(struct throttle_state),
    .open = throttle_open,
    .close = throttle_close,
    .get_length = throttle_get_length,
    .preadv = throttle_admit,
    .pwritev = throttle_admit,
    .pwrite_zeroes = throttle_admit,
    .pdiscard = throttle_admit,
    .truncate = throttle_forward,
    .describe = throttle_describe,
};
