/*
 * blkverify.c — the "blkverify" driver: an image under test checked, read
 * by read, against a raw reference copy of what it should hold.
 *
 * Children: "raw", the reference (node->file, a protocol node: a file by
 * default), and "test", the image under test (node->data, its format
 * guessed when not given).  Named "blkverify:RAW:TEST", or by options
 * (raw.*, test.*, or qemu's internal x-raw= and x-image=).
 *
 * Every read and write goes to both children at once.  When both are
 * back, their results must agree, and a read's data too: the test image's
 * data is the caller's, the reference's lands in a buffer of its own and
 * is compared.  A difference is fatal, as in qemu: the message names the
 * request and the first byte that differs, and the front end exits
 * (BK_MSG_FATAL); the request itself fails with EIO, for a front end that
 * does not exit.
 *
 * The length is the test image's.  A flush reaches both (the generic
 * layer flushes every child); a truncate only the reference, as qemu's
 * filter passes it down its file child.  Zero writes are written as
 * buffers of zeroes to both (qemu 7.2 aborts on an assertion instead).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

/* One read or write going to both children. */
struct bv_req {
    struct bk_io *io;
    void *buf;                  /* a read: the reference's data */
    struct iovec riov;
    int ret, raw_ret;
    int left;                   /* children still running */
};

/* ---- open ------------------------------------------------------------ */

static int bv_open(struct bk_node *node, struct bk_opts *opts,
                   const char *filename, char **cause)
{
    char *raw = bk_opts_take(opts, "x-raw");
    char *image = bk_opts_take(opts, "x-image");
    int ret;

    if (filename != NULL && strncmp(filename, "blkverify:", 10) == 0) {
        const char *rest = filename + 10;
        const char *colon = strchr(rest, ':');

        if (colon == NULL) {
            *cause = strfmt("blkverify requires raw copy and original "
                            "image path");
            ret = -EINVAL;
            goto out;
        }
        free(raw);
        free(image);
        raw = strndup(rest, (size_t)(colon - rest));
        image = strdup(colon + 1);
    } else if (filename != NULL) {
        free(image);
        image = strdup(filename);
    }
    ret = bk_node_open_child(node, opts, "raw", raw, "file", cause);
    if (ret < 0)
        goto out;
    ret = bk_stack_open_probed(node->stack, node->open_flags, opts, "test",
                               image, &node->data, cause);
    if (ret < 0) {
        bk_node_close(node->file);
        node->file = NULL;
        goto out;
    }
    node->bl.buf_align = node->file->bl.buf_align > node->data->bl.buf_align
                             ? node->file->bl.buf_align
                             : node->data->bl.buf_align;
    /* qemu names the node after both. */
    free(node->filename);
    node->filename = strfmt("blkverify:%s:%s",
                            node->file->filename ? node->file->filename : "",
                            node->data->filename ? node->data->filename : "");
out:
    free(raw);
    free(image);
    return ret;
}

static int64_t bv_get_length(struct bk_node *node)
{
    return bk_node_length(node->data);
}

/* ---- I/O ------------------------------------------------------------- */

/* The first byte where the caller's buffers and buf differ, or -1. */
static int64_t bv_compare(const struct iovec *iov, int iovcnt,
                          const unsigned char *buf)
{
    int64_t pos = 0;

    for (int i = 0; i < iovcnt; i++) {
        const unsigned char *a = iov[i].iov_base;
        size_t len = iov[i].iov_len;

        if (memcmp(a, buf + pos, len) != 0)
            for (size_t j = 0; j < len; j++)
                if (a[j] != buf[pos + (int64_t)j])
                    return pos + (int64_t)j;
        pos += (int64_t)len;
    }
    return -1;
}

/* The images differ: qemu's words, and the device is not to go on. */
static int bv_mismatch(struct bk_io *io, const char *what)
{
    char *text = strfmt("blkverify: %s offset=%" PRId64 " bytes=%" PRId64
                        " %s", io->op == BK_OP_READ ? "read" : "write",
                        io->offset, io->bytes, what);

    bk_stack_message(io->node->stack, BK_MSG_FATAL, text);
    free(text);
    return -EIO;
}

static void bv_child_done(struct bk_io *child)
{
    struct bv_req *r = child->cb_arg;
    struct bk_io *io = r->io;
    int ret;

    if (child->node == io->node->file)
        r->raw_ret = child->ret;
    else
        r->ret = child->ret;
    bk_io_free(child);
    if (--r->left > 0)
        return;
    ret = r->ret;
    if (r->ret != r->raw_ret) {
        char what[64];

        snprintf(what, sizeof(what), "return value mismatch %d != %d",
                 r->ret, r->raw_ret);
        ret = bv_mismatch(io, what);
    } else if (io->op == BK_OP_READ) {
        int64_t at = bv_compare(io->iov, io->iovcnt, r->buf);

        if (at >= 0) {
            char what[64];

            snprintf(what, sizeof(what), "contents mismatch at offset %"
                     PRId64, io->offset + at);
            ret = bv_mismatch(io, what);
        }
    }
    free(r->buf);
    free(r);
    bk_io_complete(io, ret);
}

static void bv_both(struct bk_io *io, struct iovec *raw_iov, int raw_iovcnt,
                    struct bv_req *r)
{
    r->io = io;
    r->left = 2;
    bk_node_submit(bk_io_new(io->node->data, io->op, io->offset, io->bytes,
                             io->iov, io->iovcnt, io->flags, io->req,
                             bv_child_done, r));
    bk_node_submit(bk_io_new(io->node->file, io->op, io->offset, io->bytes,
                             raw_iov, raw_iovcnt, io->flags, io->req,
                             bv_child_done, r));
}

static void bv_preadv(struct bk_io *io)
{
    struct bv_req *r = calloc(1, sizeof(*r));
    size_t align = io->node->bl.buf_align > sizeof(void *)
                       ? io->node->bl.buf_align : sizeof(void *);

    if (r == NULL || posix_memalign(&r->buf, align,
                                    io->bytes > 0 ? (size_t)io->bytes
                                                  : align) != 0)
        abort();
    r->riov = (struct iovec){ r->buf, (size_t)io->bytes };
    bv_both(io, &r->riov, 1, r);
}

static void bv_pwritev(struct bk_io *io)
{
    struct bv_req *r = calloc(1, sizeof(*r));

    if (r == NULL)
        abort();
    bv_both(io, io->iov, io->iovcnt, r);
}

const struct bk_driver bk_driver_blkverify = {
    .name = "blkverify",
    .protocol_name = "blkverify",
    .child_name = "raw",
    .is_filter = true,
    .no_reopen = true,
    .open = bv_open,
    .get_length = bv_get_length,
    .preadv = bv_preadv,
    .pwritev = bv_pwritev,
    .truncate = bk_filter_forward,     /* the reference only */
};
