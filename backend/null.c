/*
 * null.c — the "null-co" and "null-aio" protocol drivers: a device with no
 * storage.
 *
 * Writes go nowhere and reads return nothing (the caller's buffer is left
 * as it was) unless read-zeroes is on.  Its length is the size option
 * (1 GiB by default).  Nothing is ever allocated, except that with
 * read-zeroes every range reads as zeroes, which counts as allocated.
 * Useful for measuring the cost of an I/O path without the cost of a
 * disk, and, with latency-ns, as a device of fixed latency.
 *
 * The two drivers differ as qemu's do: null-co ends a request at once,
 * null-aio from a later loop pass (qemu's bottom half), so that callers see
 * an asynchronous completion.  A latency ends each request from a timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

struct null_state {
    uint64_t length;
    int64_t latency_ns;
    bool read_zeroes;
    bool aio;                  /* null-aio: end requests on a later pass */
};

/* A request waiting out the latency: the timer's argument. */
struct null_wait {
    struct bk_io *io;
};

/* latency-ns as qemu reads a number: an unsigned 64-bit value, so that
 * "-5" reads as a huge one that is negative as a latency. */
static int null_take_latency(struct bk_opts *opts, int64_t *out,
                             char **cause)
{
    uint64_t v;
    int ret = bk_opts_take_number(opts, "latency-ns", &v, cause);

    *out = (int64_t)v;
    if (ret == 0 && *out < 0) {
        *cause = strfmt("latency-ns is invalid");
        return -EINVAL;
    }
    return ret;
}

static int null_open(struct bk_node *node, struct bk_opts *opts,
                     const char *filename, char **cause)
{
    struct null_state *s = node->state;
    const char *name = node->drv->protocol_name;
    bool given;
    int ret;

    s->aio = strcmp(node->drv->name, "null-aio") == 0;
    /* The file name only names the driver: nothing else is allowed. */
    if (filename != NULL &&
        (strncmp(filename, name, strlen(name)) != 0 ||
         strcmp(filename + strlen(name), "://") != 0)) {
        *cause = strfmt("The only allowed filename for this driver is "
                        "'%s://'", name);
        return -EINVAL;
    }
    ret = bk_opts_take_size(opts, "size", &s->length, &given, cause);
    if (ret < 0)
        return ret;
    if (!given)
        s->length = 1ULL << 30;
    ret = null_take_latency(opts, &s->latency_ns, cause);
    if (ret < 0)
        return ret;
    ret = bk_opts_take_bool(opts, "read-zeroes", &s->read_zeroes, NULL,
                            cause);
    if (ret < 0)
        return ret;
    node->supported_write_flags = BK_REQ_FUA;
    /* qemu names such a node by its driver's file name. */
    if (node->filename == NULL)
        node->filename = strfmt("%s://", name);
    return 0;
}

static int64_t null_get_length(struct bk_node *node)
{
    return (int64_t)((struct null_state *)node->state)->length;
}

static long null_latency_done(struct bk_loop *loop, void *arg)
{
    struct null_wait *wait = arg;
    struct bk_io *io = wait->io;

    (void)loop;
    free(wait);
    bk_io_complete(io, 0);
    return -1;
}

/* End io as this driver ends requests: at once, later, or after the
 * latency (whole milliseconds: the loop's timers count in them). */
static void null_end(struct bk_io *io)
{
    struct null_state *s = io->node->state;
    struct null_wait *wait;

    if (s->latency_ns > 0) {
        wait = malloc(sizeof(*wait));
        if (wait == NULL)
            abort();
        wait->io = io;
        if (bk_loop_add_timer(io->node->loop,
                              (long)((s->latency_ns + 999999) / 1000000),
                              null_latency_done, wait) > 0)
            return;
        free(wait);
    }
    if (s->aio)
        bk_io_complete_later(io, 0);
    else
        bk_io_complete(io, 0);
}

static void null_preadv(struct bk_io *io)
{
    struct null_state *s = io->node->state;

    if (s->read_zeroes)
        for (int i = 0; i < io->iovcnt; i++)
            memset(io->iov[i].iov_base, 0, io->iov[i].iov_len);
    null_end(io);
}

/* Nothing is stored; with read-zeroes everything reads as zeroes. */
static void null_block_status(struct bk_io *io)
{
    struct null_state *s = io->node->state;

    io->u.status = (struct bk_io_status){
        .flags = BK_BS_OFFSET_VALID | (s->read_zeroes ? BK_BS_ZERO : 0),
        .pnum = io->bytes, .map = io->offset, .file = io->node,
    };
    bk_io_complete(io, 0);
}

/* The two drivers share everything but their names. */
#define NULL_DRIVER(NAME) {                                                  \
    .name = NAME,                                                           \
    .protocol_name = NAME,                                                  \
    .state_size = sizeof(struct null_state),                                \
    .open = null_open,                                                      \
    .get_length = null_get_length,                                          \
    .preadv = null_preadv,                                                  \
    .pwritev = null_end,                                                    \
    .flush_to_disk = null_end,                                              \
    .block_status = null_block_status,                                      \
}

const struct bk_driver bk_driver_null_co = NULL_DRIVER("null-co");
const struct bk_driver bk_driver_null_aio = NULL_DRIVER("null-aio");
