/*
 * io.c — the I/O commands' operands, vectors and synchronous requests
 * (see io.h); their buffers are iobuf.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/io.h"
#include "cmd/number.h"
#include "cmd/out.h"

static void io_run_done(struct bk_req *req, int ret);

int io_parse_range(struct cmd_state *st, char **words,
                   enum io_len_limit limit, int64_t *offset, int64_t *bytes)
{
    if (num_size_arg(st->out, words[0], offset) < 0 ||
        num_size_arg(st->out, words[1], bytes) < 0)
        return -EINVAL;
    if (limit == IO_LEN_ANY || *bytes <= NUM_REQUEST_MAX_BYTES)
        return 0;
    out_printf(st->out, "length cannot exceed %" PRId64 "%s, given %s\n",
               NUM_REQUEST_MAX_BYTES,
               limit == IO_LEN_MAX_UNLESS_N ? " without -n" : "", words[1]);
    return -EINVAL;
}

int io_vec_create(struct cmd_state *st, struct io_vec *v, int64_t offset,
                  char **lens, int nlens, int pattern)
{
    int64_t *sizes = calloc((size_t)nlens + 1, sizeof(int64_t));
    int64_t total = 0;
    char *p;

    if (sizes == NULL)
        abort();
    memset(v, 0, sizeof(*v));
    for (int i = 0; i < nlens; i++) {
        if (num_size_arg(st->out, lens[i], &sizes[i]) < 0)
            goto fail;
        if (sizes[i] > NUM_REQUEST_MAX_BYTES) {
            out_printf(st->out, "Argument '%s' exceeds maximum size %" PRId64
                       "\n", lens[i], NUM_REQUEST_MAX_BYTES);
            goto fail;
        }
        if (total > NUM_REQUEST_MAX_BYTES - sizes[i]) {
            out_printf(st->out, "The total number of bytes exceed the "
                       "maximum size %" PRId64 "\n", NUM_REQUEST_MAX_BYTES);
            goto fail;
        }
        total += sizes[i];
    }
    v->iov = calloc((size_t)nlens + 1, sizeof(struct iovec));
    if (v->iov == NULL)
        abort();
    v->buf = p = io_buf_alloc(st, offset, (size_t)total, pattern);
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

int io_parse_vec(struct cmd_state *st, char **words, int nwords,
                 int pattern, int64_t *offset, struct io_vec *v)
{
    if (num_size_arg(st->out, words[0], offset) < 0)
        return -EINVAL;
    return io_vec_create(st, v, *offset, words + 1, nwords - 1, pattern);
}

static void io_run_done(struct bk_req *req, int ret)
{
    (void)req;
    (void)ret;
}

static int io_wait(struct cmd_state *st, enum bk_op op, int64_t offset,
                   int64_t bytes, struct iovec *iov, int iovcnt,
                   unsigned flags, int64_t *elapsed_ns, bool as_aio)
{
    struct bk_req req = {
        .op = op,
        .offset = offset,
        .bytes = bytes,
        .iov = iov,
        .iovcnt = iovcnt,
        .flags = flags,
        .done = io_run_done,
        .source = &st->source,
    };
    int64_t t0 = bk_now_ns();
    int ret;

    if (as_aio) {
        bk_submit(st->dev, &req);
        while (req.state != BK_REQ_DONE)
            bk_loop_iterate(bk_dev_loop(st->dev), -1);
        ret = req.ret;
    } else {
        ret = bk_run(st->dev, &req);
    }
    if (elapsed_ns != NULL)
        *elapsed_ns = bk_now_ns() - t0;
    return ret;
}

int io_run(struct cmd_state *st, enum bk_op op, int64_t offset,
           int64_t bytes, struct iovec *iov, int iovcnt, unsigned flags,
           int64_t *elapsed_ns)
{
    return io_wait(st, op, offset, bytes, iov, iovcnt, flags, elapsed_ns,
                   false);
}

int io_run_aio(struct cmd_state *st, enum bk_op op, int64_t offset,
               int64_t bytes, struct iovec *iov, int iovcnt, unsigned flags,
               int64_t *elapsed_ns)
{
    return io_wait(st, op, offset, bytes, iov, iovcnt, flags, elapsed_ns,
                   true);
}
