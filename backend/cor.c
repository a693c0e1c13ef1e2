/*
 * cor.c — the "copy-on-read" filter driver: what its reads find below the
 * image (in a backing file) is copied into the image.
 *
 * The copying itself is the generic layer's (node.c, the path -C takes):
 * the filter only marks the reads it sends to its "file" child with
 * BK_REQ_COPY_ON_READ.  Everything else passes through unchanged.
 *
 * With bottom=NODE-NAME, only what lies above that node of the backing
 * chain is copied (qemu's stream job uses it): each read is walked range by
 * range, asking first whether the child has it (then a plain read), else
 * whether a layer from the child's backing file down to bottom has it
 * (then a copying read); a range below bottom is read without copying.  A
 * failed query copies anyway, as qemu's filter does.
 *
 * The filter needs its child writable even when nothing writes through it
 * (writes_on_read): on a read-only device it refuses to open, with qemu's
 * "Block node is read-only".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

struct cor_state {
    struct bk_node *bottom;     /* bottom=, or NULL: copy everything */
};

/* One read walked range by range (bottom given). */
struct cor_walk {
    struct bk_io *io;
    int64_t done;               /* bytes of io handled so far */
    int64_t n;                  /* the current range's length */
    unsigned flags;             /* the current range's read flags */
    struct iovec *slice;
    int nslice;
};

/* ---- open ------------------------------------------------------------ */

/* The node named name under node (its children, their children...). */
static struct bk_node *cor_find(struct bk_node *node, const char *name)
{
    struct bk_node *kids[3], *found;

    if (node == NULL)
        return NULL;
    if (node->node_name != NULL && strcmp(node->node_name, name) == 0)
        return node;
    kids[0] = node->file;
    kids[1] = node->backing;
    kids[2] = node->data;
    for (int i = 0; i < 3; i++)
        if ((found = cor_find(kids[i], name)) != NULL)
            return found;
    return NULL;
}

static int cor_take_bottom(struct bk_node *node, struct bk_opts *opts,
                           char **cause)
{
    struct cor_state *s = node->state;
    char *name = bk_opts_take(opts, "bottom");
    struct bk_node *b, *n;
    int ret = 0;

    if (name == NULL)
        return 0;
    b = cor_find(node->file, name);
    if (b == NULL) {
        *cause = strfmt("Bottom node '%s' not found", name);
        ret = -EINVAL;
    } else if (b->drv->is_filter) {
        *cause = strfmt("Bottom node '%s' is a filter", name);
        ret = -EINVAL;
    } else {
        /* qemu takes any node and then walks the chain for ever when it
         * is not on it; only a node of the chain makes sense. */
        for (n = node->file; n != NULL && n != b; n = bk_node_filter_or_cow(n))
            ;
        if (n == NULL) {
            *cause = strfmt("Bottom node '%s' is not in the backing chain",
                            name);
            ret = -EINVAL;
        }
    }
    if (ret == 0)
        s->bottom = b;
    free(name);
    return ret;
}

static int cor_open(struct bk_node *node, struct bk_opts *opts,
                    const char *filename, char **cause)
{
    int ret = bk_filter_open(node, opts, filename, cause);

    if (ret < 0)
        return ret;
    ret = cor_take_bottom(node, opts, cause);
    if (ret < 0) {
        bk_filter_drop_child(node);
        return ret;
    }
    bk_filter_take_limits(node);
    return 0;
}

/* ---- I/O ------------------------------------------------------------- */

static void cor_walk_next(struct cor_walk *w);

static void cor_walk_end(struct cor_walk *w, int ret)
{
    struct bk_io *io = w->io;

    free(w->slice);
    free(w);
    bk_io_complete(io, ret);
}

static void cor_walk_read_done(struct bk_io *child)
{
    struct cor_walk *w = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    free(w->slice);
    w->slice = NULL;
    if (ret < 0) {
        cor_walk_end(w, ret);
        return;
    }
    w->done += w->n;
    cor_walk_next(w);
}

static void cor_walk_read(struct cor_walk *w)
{
    struct bk_io *io = w->io;

    /* The part of the caller's buffers this range fills. */
    w->slice = bk_iov_slice(io->iov, io->iovcnt, w->done, w->n, &w->nslice);
    bk_node_submit(bk_io_new(io->node->file, BK_OP_READ,
                             io->offset + w->done, w->n, w->slice, w->nslice,
                             w->flags, io->req, cor_walk_read_done, w));
}

/* Does a layer from the child's backing file down to bottom have it? */
static void cor_walk_above(void *arg, int ret, const struct bk_io_status *st,
                           int depth)
{
    struct cor_walk *w = arg;

    (void)depth;
    if (ret < 0 || (st->flags & BK_BS_ALLOCATED))
        w->flags |= BK_REQ_COPY_ON_READ;
    w->n = ret < 0 ? 0 : st->pnum;
    /* The backing file ends here: so does the read. */
    if (w->n == 0) {
        cor_walk_end(w, 0);
        return;
    }
    cor_walk_read(w);
}

/* Does the child itself have it? */
static void cor_walk_own(void *arg, int ret, const struct bk_io_status *st,
                         int depth)
{
    struct cor_walk *w = arg;
    struct bk_io *io = w->io;
    struct cor_state *s = io->node->state;
    struct bk_node *next;

    (void)depth;
    w->n = ret < 0 ? 0 : st->pnum;
    if (ret >= 0 && (st->flags & BK_BS_ALLOCATED)) {
        cor_walk_read(w);
        return;
    }
    /* The chain's next image: below the child's filters, its backing
     * file, below that one's filters (qemu's bdrv_backing_chain_next). */
    next = bk_node_skip_filters(io->node->file);
    next = next != NULL ? bk_node_skip_filters(bk_node_cow(next)) : NULL;
    if (next == NULL || w->n == 0) {
        if (w->n == 0) {
            cor_walk_end(w, 0);
            return;
        }
        cor_walk_read(w);
        return;
    }
    bk_node_status_above(next, s->bottom, true, false, io->offset + w->done,
                         w->n, io->req, cor_walk_above, w);
}

static void cor_walk_next(struct cor_walk *w)
{
    struct bk_io *io = w->io;

    if (w->done >= io->bytes) {
        cor_walk_end(w, 0);
        return;
    }
    w->flags = io->flags;
    bk_node_status_above(io->node->file, io->node->file, true, false,
                         io->offset + w->done, io->bytes - w->done, io->req,
                         cor_walk_own, w);
}

static void cor_preadv(struct bk_io *io)
{
    struct cor_state *s = io->node->state;
    struct cor_walk *w;

    if (s->bottom == NULL || io->bytes == 0) {
        bk_filter_pass(io, io->offset, io->flags | BK_REQ_COPY_ON_READ);
        return;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        abort();
    w->io = io;
    cor_walk_next(w);
}

const struct bk_driver bk_driver_copy_on_read = {
    .name = "copy-on-read",
    .child_name = "file",
    .is_format = true,
    .is_filter = true,
    .writes_on_read = true,
    .no_reopen = true,
    .state_size = sizeof(struct cor_state),
    .open = cor_open,
    .get_length = bk_filter_get_length,
    .preadv = cor_preadv,
    /* Writes, zero writes, discards and truncates go down as they are. */
    .pwritev = bk_filter_forward,
    .pwrite_zeroes = bk_filter_forward,
    .pdiscard = bk_filter_forward,
    .truncate = bk_filter_forward,
};
