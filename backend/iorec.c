/*
 * iorec.c — io records: made, ended and kept for reuse on their node, and
 * the small helpers on their buffers.  Everything above (the generic layer
 * in node.c, block status in status.c, the drivers) makes its ios here,
 * so this file calls nothing of theirs.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

/* ---- io records ------------------------------------------------------ */

/*
 * A request passes through an io record on every node it crosses (three or
 * four of them), all created and ended on the loop thread.  At queue depth
 * 1 on cached data, calloc and free of those records were 9% of the run
 * time (perf), so ended records stay on their node for reuse, up to a
 * bound that covers a deep queue.  AddressSanitizer builds keep none, so
 * that a record used after its end is still caught there.
 */
enum { NODE_SPARE_IOS_MAX = 256 };

/*
 * Clear a reused record.  GCC expands a memset of a known size (304 bytes
 * when this was measured) into "rep stos", whose start-up cost made this
 * 6% of a QD1 cached read (perf); hiding the size makes it call the C
 * library's memset, which clears the record with a few vector stores.
 */
static void io_zero(struct bk_io *io)
{
    size_t n = sizeof(*io);

    __asm__("" : "+r"(n));
    memset(io, 0, n);
}

struct bk_io *bk_io_new(struct bk_node *node, enum bk_op op, int64_t offset,
                        int64_t bytes, struct iovec *iov, int iovcnt,
                        unsigned flags, struct bk_req *req, bk_io_cb *cb,
                        void *cb_arg)
{
    struct bk_io *io = spares_take(&node->spare_ios);

    if (io != NULL) {
        io_zero(io);
    } else {
        io = calloc(1, sizeof(*io));
        if (io == NULL)
            abort();
    }
    io->node = node;
    io->op = op;
    io->offset = offset;
    io->bytes = bytes;
    io->iov = iov;
    io->iovcnt = iovcnt;
    io->flags = flags;
    io->req = req;
    io->cb = cb;
    io->cb_arg = cb_arg;
    return io;
}

void bk_io_free(struct bk_io *io)
{
    struct bk_node *node;

    if (io == NULL)
        return;
    free(io->bounce);
    node = io->node;
    spares_put(&node->spare_ios, io, NODE_SPARE_IOS_MAX);
}

void bk_node_free_spare_ios(struct bk_node *node)
{
    spares_free(&node->spare_ios);
}

void bk_io_complete(struct bk_io *io, int ret)
{
    io->ret = ret;
    io->cb(io);
}

static void io_complete_deferred(void *arg)
{
    struct bk_io *io = arg;

    io->cb(io);
}

void bk_io_complete_later(struct bk_io *io, int ret)
{
    io->ret = ret;
    bk_loop_defer(io->node->loop, io_complete_deferred, io);
}

/* ---- buffers --------------------------------------------------------- */

size_t bk_iov_size(const struct iovec *iov, int n)
{
    size_t total = 0;

    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    return total;
}

bool bk_iov_aligned(const struct iovec *iov, int n, size_t align)
{
    for (int i = 0; i < n; i++)
        if ((uintptr_t)iov[i].iov_base % align || iov[i].iov_len % align)
            return false;
    return true;
}

bool bk_iov_is_zero(const struct iovec *iov, int n)
{
    for (int i = 0; i < n; i++) {
        const unsigned char *b = iov[i].iov_base;
        size_t len = iov[i].iov_len;

        if (len > 0 && (b[0] != 0 || memcmp(b, b + 1, len - 1) != 0))
            return false;
    }
    return true;
}

struct iovec *bk_iov_slice(const struct iovec *iov, int iovcnt, int64_t skip,
                           int64_t len, int *outcnt)
{
    /* One more than could be needed: never a calloc of nothing. */
    struct iovec *out = calloc((size_t)iovcnt + 1, sizeof(*out));
    int n = 0;

    if (out == NULL)
        abort();
    for (int i = 0; i < iovcnt && len > 0; i++) {
        int64_t l = (int64_t)iov[i].iov_len;

        if (skip >= l) {
            skip -= l;
            continue;
        }
        l -= skip;
        if (l > len)
            l = len;
        out[n++] = (struct iovec){ (char *)iov[i].iov_base + skip, (size_t)l };
        len -= l;
        skip = 0;
    }
    *outcnt = n;
    return out;
}

void bk_iov_fill(const struct iovec *iov, int iovcnt, size_t skip,
                 const void *src, size_t len)
{
    const char *from = src;

    for (int i = 0; i < iovcnt && len > 0; i++) {
        size_t n = iov[i].iov_len;

        if (skip >= n) {
            skip -= n;
            continue;
        }
        n -= skip;
        if (n > len)
            n = len;
        if (from != NULL) {
            memcpy((char *)iov[i].iov_base + skip, from, n);
            from += n;
        } else {
            memset((char *)iov[i].iov_base + skip, 0, n);
        }
        len -= n;
        skip = 0;
    }
}
