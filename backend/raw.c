/*
 * raw.c — the "raw" format driver: the image is its file, byte for byte.
 *
 * raw adds nothing to the data, but it is the layer that announces reads
 * and writes to its file as read_aio / write_aio, which is why a blkdebug
 * node only sees those events when raw sits on top of it.  Zero writes and
 * discards are forwarded without an event.
 *
 * Its offset and size options make the image a window of the file: bytes
 * [offset, offset + size), with qemu's checks and messages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

struct raw_window {
    uint64_t offset;            /* where the image starts in the file */
    uint64_t size;              /* its fixed length, when has_size */
    bool has_size;
};

struct raw_state {
    uint64_t offset;            /* where the image starts in the file */
    uint64_t size;              /* its fixed length, when has_size */
    bool has_size;
    struct raw_window pending;  /* a reopen's, until commit */
    bool data_role;             /* opened with a window: its file is its
                                   data, not a filtered child (kept) */
};

/* The file's length as qemu's block layer counts it: whole sectors. */
static int64_t raw_file_length(struct bk_node *node)
{
    return (bk_node_length(node->file) + 511) & ~(int64_t)511;
}

/* The window's checks, once the file's length is known (qemu makes them
 * after its probe warning, so they come after it here too). */
static int raw_check_window(const struct raw_window *s, int64_t file_len,
                            char **cause)
{
    if (s->offset > (uint64_t)file_len) {
        *cause = strfmt("Offset (%" PRIu64 ") cannot be greater than size of "
                        "the containing file (%" PRId64 ")", s->offset,
                        file_len);
        return -EINVAL;
    }
    if (s->has_size && (uint64_t)file_len - s->offset < s->size) {
        *cause = strfmt("The sum of offset (%" PRIu64 ") and size (%" PRIu64
                        ") has to be smaller or equal to the  actual size of "
                        "the containing file (%" PRId64 ")", s->offset,
                        s->size, file_len);
        return -EINVAL;
    }
    if (s->has_size && s->size % 512 != 0) {
        *cause = strfmt("Specified size is not multiple of 512");
        return -EINVAL;
    }
    return 0;
}

static int raw_open(struct bk_node *node, struct bk_opts *opts,
                    const char *filename, char **cause)
{
    struct raw_state *s = node->state;
    bool has_offset = false;
    int ret;

    /* As qemu: the child first, then this node's common options, then
     * its own. */
    ret = bk_filter_open(node, opts, filename, cause);
    if (ret < 0)
        return ret;
    ret = bk_opts_take_size(opts, "offset", &s->offset, &has_offset, cause);
    if (ret == 0)
        ret = bk_opts_take_size(opts, "size", &s->size, &s->has_size, cause);
    if (ret < 0) {
        bk_filter_drop_child(node);
        return ret;
    }
    if (!has_offset)
        s->offset = 0;
    s->data_role = s->offset != 0 || s->has_size;
    bk_filter_take_limits(node);
    node->bl.request_alignment = 1;
    if (node->open_flags & BK_O_PROBED) {
        /*
         * A guessed format protects sector 0 (see raw_pwritev); whole
         * sectors make that check simple.
         */
        node->probed = true;
        node->bl.request_alignment = 512;
        /* qemu warns here, and only when the image may be written. */
        if (node->open_flags & BK_O_RDWR)
            bk_stack_notify(node->stack, BK_NOTICE_GUESSED_FORMAT,
                            (node->open_flags & BK_O_TOP) ? NULL
                                                          : node->filename,
                            NULL);
    }
    ret = raw_check_window(&(struct raw_window){ s->offset, s->size,
                                                 s->has_size },
                           raw_file_length(node), cause);
    if (ret < 0)
        bk_filter_drop_child(node);
    return ret;
}

static int64_t raw_get_length(struct bk_node *node)
{
    struct raw_state *s = node->state;
    int64_t file_len = raw_file_length(node);

    if (s->has_size)
        return (int64_t)s->size;
    return file_len > (int64_t)s->offset ? file_len - (int64_t)s->offset : 0;
}

/* raw has no clusters of its own: its file answers. */
static int raw_get_info(struct bk_node *node, struct bk_info *info)
{
    return bk_node_get_info(node->file, info);
}

/* Down to the file, shifted by the window's offset. */
static void raw_forward(struct bk_io *io)
{
    struct raw_state *s = io->node->state;

    bk_filter_pass(io, io->offset + (int64_t)s->offset, io->flags);
}

static void raw_truncate(struct bk_io *io)
{
    struct raw_state *s = io->node->state;

    if (s->has_size) {
        if (io->req != NULL)
            snprintf(io->req->cause, sizeof(io->req->cause),
                     "Cannot resize fixed-size raw disks");
        bk_io_complete(io, -ENOTSUP);
        return;
    }
    raw_forward(io);
}

/* Ask the file: the image is its bytes, shifted by the offset option. */
static void raw_block_status(struct bk_io *io)
{
    struct raw_state *s = io->node->state;

    io->u.status = (struct bk_io_status){
        .flags = BK_BS_RAW | BK_BS_OFFSET_VALID,
        .pnum = io->bytes,
        .map = io->offset + (int64_t)s->offset,
        .file = io->node->file,
    };
    bk_io_complete(io, 0);
}

/* A pipe read is the file's, shifted as any read. */
static bool raw_can_pipe(struct bk_node *node, int64_t offset, int64_t bytes)
{
    struct raw_state *s = node->state;

    return bk_node_can_pipe(node->file, offset + (int64_t)s->offset, bytes);
}

static void raw_preadv(struct bk_io *io)
{
    bk_node_event(io->node->file, RULES_EV_READ_AIO, io, raw_forward);
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
    bk_node_event(io->node->file, RULES_EV_WRITE_AIO, io, raw_forward);
}

/*
 * A reopen may move the window (qemu allows it): offset and size as given,
 * else as the node was opened with them (qemu keeps the old options), an
 * offset never given being 0.  Checked against the file as at open.
 */
static int raw_reopen_prepare(struct bk_node *node, struct bk_opts *opts,
                              unsigned flags, char **cause)
{
    struct raw_state *s = node->state;
    struct raw_window *w = &s->pending;
    bool given;
    int ret;

    (void)flags;
    *w = (struct raw_window){ 0 };
    if (!bk_opts_has(opts, "offset") &&
        bk_opts_get(node->open_opts, "offset") != NULL)
        bk_opts_set(opts, "offset", bk_opts_get(node->open_opts, "offset"));
    if (!bk_opts_has(opts, "size") &&
        bk_opts_get(node->open_opts, "size") != NULL)
        bk_opts_set(opts, "size", bk_opts_get(node->open_opts, "size"));
    ret = bk_opts_take_size(opts, "offset", &w->offset, &given, cause);
    if (ret == 0)
        ret = bk_opts_take_size(opts, "size", &w->size, &w->has_size, cause);
    if (ret == 0)
        ret = raw_check_window(w, raw_file_length(node), cause);
    return ret;
}

/* The new window, and what a later reopen keeps of it. */
static void raw_reopen_commit(struct bk_node *node)
{
    struct raw_state *s = node->state;
    char num[32];

    s->offset = s->pending.offset;
    s->size = s->pending.size;
    s->has_size = s->pending.has_size;
    snprintf(num, sizeof(num), "%" PRIu64, s->offset);
    bk_opts_set(node->open_opts, "offset", num);
    if (s->has_size) {
        snprintf(num, sizeof(num), "%" PRIu64, s->size);
        bk_opts_set(node->open_opts, "size", num);
    } else {
        bk_opts_del(node->open_opts, "size");
    }
    node->total_bytes = raw_get_length(node);
}

/*
 * Without a window raw is as good as a filter; with one its file holds
 * the data of a node that knows its size (qemu's raw_child_perm).  Either
 * way it writes or resizes the file only when its own users do.
 */
static void raw_child_perm(const struct bk_node *node,
                           const struct bk_node *child, uint64_t perm,
                           uint64_t shared, uint64_t *nperm,
                           uint64_t *nshared)
{
    const struct raw_state *s = node->state;
    const uint64_t wr = BK_PERM_WRITE | BK_PERM_RESIZE;

    (void)child;
    bk_default_perms(node, s->data_role ? BK_ROLE_DATA : BK_ROLE_FILTERED,
                     perm, shared, nperm, nshared);
    *nperm = (*nperm & ~wr) | (perm & wr);
}

const struct bk_driver bk_driver_raw = {
    .name = "raw",
    .child_name = "file",
    .is_format = true,
    .state_size = sizeof(struct raw_state),
    .open = raw_open,
    .get_length = raw_get_length,
    .get_info = raw_get_info,
    .preadv = raw_preadv,
    .can_pipe = raw_can_pipe,
    .pwritev = raw_pwritev,
    .pwrite_zeroes = raw_forward,
    .pdiscard = raw_forward,
    .truncate = raw_truncate,
    .block_status = raw_block_status,
    .child_perm = raw_child_perm,
    .reopen_prepare = raw_reopen_prepare,
    .reopen_commit = raw_reopen_commit,
};
