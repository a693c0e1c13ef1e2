/*
 * io.c — the shared machinery of the I/O commands (see io.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/io.h"
#include "cmd/number.h"
#include "cmd/out.h"

#define IO_MISALIGN 16

static void io_run_done(struct bk_req *req, int ret);

char *io_buf_alloc(struct cmd_state *st, size_t len, int pattern)
{
    size_t extra = st->misalign ? IO_MISALIGN : 0;
    char *buf = bk_dev_alloc_buf(st->dev, len + extra + 1);

    if (buf == NULL)
        abort();
    memset(buf, pattern, len + extra);
    return buf + extra;
}

void io_buf_free(struct cmd_state *st, char *buf)
{
    if (buf != NULL)
        free(buf - (st->misalign ? IO_MISALIGN : 0));
}

int io_vec_create(struct cmd_state *st, struct io_vec *v, char **lens,
                  int nlens, int pattern)
{
    int64_t *sizes = calloc((size_t)nlens + 1, sizeof(int64_t));
    int64_t total = 0;
    char *p;

    if (sizes == NULL)
        abort();
    memset(v, 0, sizeof(*v));
    for (int i = 0; i < nlens; i++) {
        if (num_size_arg(lens[i], &sizes[i]) < 0)
            goto fail;
        if (sizes[i] > NUM_REQUEST_MAX_BYTES) {
            out_printf("Argument '%s' exceeds maximum size %" PRId64 "\n",
                       lens[i], NUM_REQUEST_MAX_BYTES);
            goto fail;
        }
        if (total > NUM_REQUEST_MAX_BYTES - sizes[i]) {
            out_printf("The total number of bytes exceed the maximum size %"
                       PRId64 "\n", NUM_REQUEST_MAX_BYTES);
            goto fail;
        }
        total += sizes[i];
    }
    v->iov = calloc((size_t)nlens + 1, sizeof(struct iovec));
    if (v->iov == NULL)
        abort();
    v->buf = p = io_buf_alloc(st, (size_t)total, pattern);
    for (int i = 0; i < nlens; i++) {
        v->iov[i].iov_base = p;
        v->iov[i].iov_len = (size_t)sizes[i];
        p += sizes[i];
    }
    v->iovcnt = nlens;
    v->size = total;
    free(sizes);
    return 0;
fail:
    free(sizes);
    return -EINVAL;
}

void io_vec_destroy(struct cmd_state *st, struct io_vec *v)
{
    io_buf_free(st, v->buf);
    free(v->iov);
    memset(v, 0, sizeof(*v));
}

int io_verify(const char *buf, int pattern, int64_t offset, int64_t len)
{
    for (int64_t i = 0; i < len; i++) {
        if ((unsigned char)buf[i] != (unsigned char)pattern) {
            out_printf("Pattern verification failed at offset %" PRId64
                       ", %" PRId64 " bytes\n", offset, len);
            return -EIO;
        }
    }
    return 0;
}

static void io_run_done(struct bk_req *req, int ret)
{
    (void)req;
    (void)ret;
}

int io_run(struct cmd_state *st, enum bk_op op, int64_t offset,
           int64_t bytes, struct iovec *iov, int iovcnt, unsigned flags,
           int64_t *elapsed_ns)
{
    struct bk_req req = {
        .op = op,
        .offset = offset,
        .bytes = bytes,
        .iov = iov,
        .iovcnt = iovcnt,
        .flags = flags,
        .done = io_run_done,
    };
    int64_t t0 = bk_now_ns();
    int ret = bk_run(st->dev, &req);

    if (elapsed_ns != NULL)
        *elapsed_ns = bk_now_ns() - t0;
    return ret;
}
