/*
 * extents.c — the device's allocation queries: block status of the chain,
 * qemu-io's "is allocated", and the extent map qemu-img map prints.
 *
 * All three ask the stack (status.c), so a format's own metadata, a
 * backing file, a raw window or a blkdebug rule on "block-status" each
 * have their say, and the bottom file answers for data and holes with
 * SEEK_DATA/SEEK_HOLE.  A scan of a huge sparse image costs its extent
 * count, not its size.
 *
 * The synchronous calls iterate the loop until their answer comes, as a
 * synchronous command does (bk_run): a format may have to read metadata.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend/loop.h"

/* ---- asynchronous: the whole chain ----------------------------------- */

struct dev_status_q {
    struct bk_dev *dev;
    bk_status_fn *fn;
    void *arg;
};

static void dev_status_done(void *arg, int ret, const struct bk_io_status *st,
                            int depth)
{
    struct dev_status_q *q = arg;
    struct bk_status out = { st->flags & (BK_BS_DATA | BK_BS_ZERO |
                                          BK_BS_OFFSET_VALID |
                                          BK_BS_ALLOCATED | BK_BS_EOF),
                             st->pnum, st->map, depth };

    bk_dev_hold(q->dev, -1);
    q->fn(q->arg, ret, &out);
    free(q);
}

void bk_dev_block_status(struct bk_dev *dev, int64_t offset, int64_t bytes,
                         bool want_zero, bk_status_fn *fn, void *arg)
{
    struct dev_status_q *q = calloc(1, sizeof(*q));

    if (q == NULL)
        abort();
    *q = (struct dev_status_q){ dev, fn, arg };
    bk_dev_hold(dev, 1);
    bk_node_status_above(bk_dev_top(dev), NULL, false, want_zero, offset,
                         bytes, NULL, dev_status_done, q);
}

/* ---- synchronous ----------------------------------------------------- */

struct sync_q {
    bool done;
    int ret;
    struct bk_io_status st;
    int depth;
};

static void sync_done(void *arg, int ret, const struct bk_io_status *st,
                      int depth)
{
    struct sync_q *q = arg;

    q->ret = ret;
    q->st = *st;
    q->depth = depth;
    q->done = true;
}

/* Ask above base and wait for the answer. */
static int status_sync(struct bk_dev *dev, struct bk_node *node,
                       struct bk_node *base, bool include_base,
                       bool want_zero, int64_t offset, int64_t bytes,
                       struct sync_q *q)
{
    struct bk_loop *loop = bk_dev_loop(dev);

    *q = (struct sync_q){ 0 };
    bk_dev_hold(dev, 1);
    bk_node_status_above(node, base, include_base, want_zero, offset, bytes,
                         NULL, sync_done, q);
    while (!q->done)
        bk_loop_iterate(loop, -1);
    bk_dev_hold(dev, -1);
    return q->ret;
}

int bk_dev_is_allocated(struct bk_dev *dev, int64_t offset, int64_t bytes,
                        int64_t *pnum)
{
    struct bk_node *top = bk_dev_top(dev);
    struct sync_q q;
    int ret = status_sync(dev, top, top, true, false, offset, bytes, &q);

    *pnum = ret < 0 ? 0 : q.st.pnum;
    if (ret < 0)
        return ret;
    return (q.st.flags & BK_BS_ALLOCATED) != 0;
}

/*
 * One extent as qemu-img map finds it: ask each layer (filters skipped)
 * until one holds data or zeroes; the depth is how many it went down.
 */
static int extent_at(struct bk_dev *dev, int64_t offset, int64_t bytes,
                     struct bk_extent *e)
{
    struct bk_node *bs = bk_dev_top(dev);
    unsigned flags;
    struct sync_q q;
    int depth = 0, ret;

    for (;;) {
        bs = bk_node_skip_filters(bs);
        ret = status_sync(dev, bs, bk_node_filter_or_cow(bs), false, true,
                          offset, bytes, &q);
        if (ret < 0)
            return ret;
        if (q.st.pnum <= 0)
            return -EIO;            /* a layer that answers nothing */
        bytes = q.st.pnum;
        flags = q.st.flags;
        if (flags & (BK_BS_ZERO | BK_BS_DATA))
            break;
        bs = bk_node_cow(bs);
        if (bs == NULL) {
            flags = 0;
            break;
        }
        depth++;
    }
    *e = (struct bk_extent){
        .offset = offset, .length = bytes,
        .data = (flags & BK_BS_DATA) != 0, .zero = (flags & BK_BS_ZERO) != 0,
        .present = (flags & BK_BS_ALLOCATED) != 0, .depth = depth,
        .has_map = (flags & BK_BS_OFFSET_VALID) != 0, .map = q.st.map,
    };
    return 0;
}

static bool extent_mergeable(const struct bk_extent *a,
                             const struct bk_extent *b)
{
    if (a->length == 0 || a->zero != b->zero || a->data != b->data ||
        a->depth != b->depth || a->present != b->present ||
        a->has_map != b->has_map)
        return false;
    return !a->has_map || a->map + a->length == b->map;
}

int bk_dev_extents(struct bk_dev *dev, int64_t offset, int64_t bytes,
                   int (*fn)(const struct bk_extent *ext, void *arg),
                   void *arg)
{
    struct bk_extent curr = { .offset = offset }, next;
    int64_t end = offset + bytes, len = bk_dev_length(dev);
    int ret;

    if (end > len)
        end = len;
    while (curr.offset + curr.length < end) {
        int64_t at = curr.offset + curr.length;

        ret = extent_at(dev, at, end - at, &next);
        if (ret < 0)
            return ret;
        if (extent_mergeable(&curr, &next)) {
            curr.length += next.length;
            continue;
        }
        if (curr.length > 0 && fn(&curr, arg))
            return 0;
        curr = next;
    }
    if (curr.length > 0)
        fn(&curr, arg);
    return 0;
}
