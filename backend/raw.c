/*
 * raw.c — the "raw" format driver: the image is its file, byte for byte.
 *
 * raw adds nothing to the data, but it is the layer that announces reads
 * and writes to its file as read_aio / write_aio, which is why a blkdebug
 * node only sees those events when raw sits on top of it.  Zero writes and
 * discards are forwarded without an event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

static int raw_open(struct bk_node *node, struct bk_opts *opts,
                    const char *filename, char **cause)
{
    int ret = bk_node_open_child(node, opts, "file", filename, "file", cause);

    if (ret < 0)
        return ret;
    node->supported_write_flags = node->file->supported_write_flags & BK_REQ_FUA;
    node->bl.request_alignment = 1;
    node->bl.max_transfer = node->file->bl.max_transfer;
    if (node->open_flags & BK_O_PROBED) {
        /*
         * A guessed format protects sector 0 (see raw_pwritev); whole
         * sectors make that check simple.
         */
        node->probed = true;
        node->bl.request_alignment = 512;
        /* qemu warns here, and only when the image may be written. */
        if (node->open_flags & BK_O_RDWR)
            bk_dev_note_guessed_format(node->dev);
    }
    node->bl.buf_align = node->file->bl.buf_align;
    return 0;
}

static int64_t raw_get_length(struct bk_node *node)
{
    return bk_node_length(node->file);
}

static void raw_child_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    bk_io_complete(io, ret);
}

static void raw_forward(struct bk_io *io)
{
    struct bk_io *child = bk_io_new(io->node->file, io->op, io->offset,
                                    io->bytes, io->iov, io->iovcnt, io->flags,
                                    io->req, raw_child_done, io);

    bk_node_submit(child);
}

static void raw_preadv(struct bk_io *io)
{
    bk_node_event(io->node->file, BK_EV_READ_AIO, io, raw_forward);
}

/*
 * On a probed image, data written to sector 0 must not make the image
 * probe as another format next time: that would let whoever writes the
 * disk choose how the host reads it.
 */
static bool raw_write_changes_format(struct bk_io *io)
{
    unsigned char sector[512];
    size_t off = 0;

    if (!io->node->probed || io->offset >= 512 || io->bytes == 0)
        return false;
    for (int i = 0; i < io->iovcnt && off < sizeof(sector); i++) {
        size_t n = io->iov[i].iov_len;

        if (n > sizeof(sector) - off)
            n = sizeof(sector) - off;
        memcpy(sector + off, io->iov[i].iov_base, n);
        off += n;
    }
    return bk_probe_format(sector, off) != NULL;
}

static void raw_pwritev(struct bk_io *io)
{
    if (raw_write_changes_format(io)) {
        bk_io_complete(io, -EPERM);
        return;
    }
    bk_node_event(io->node->file, BK_EV_WRITE_AIO, io, raw_forward);
}

const struct bk_driver bk_driver_raw = {
    .name = "raw",
    .is_format = true,
    .open = raw_open,
    .get_length = raw_get_length,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .pwrite_zeroes = raw_forward,
    .pdiscard = raw_forward,
    .truncate = raw_forward,
};
