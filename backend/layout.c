/*
 * layout.c — a format's own I/O and the layout of its file, asked of the
 * nodes that have them (backend.h: bk_dev_for_each_subreq, bk_dev_layout).
 *
 * The device knows no format by name: it asks each node's driver.  Sub-
 * requests come from every node of the graph (a qcow2 backing file loads
 * its L2 tables too); the layout from the first node down the file chain
 * that has one, the format the user looks at.
 */
#include <errno.h>
#include <stddef.h>

#include "backend/node.h"

const char *const bk_layout_names[BK_LAYOUT__MAX] = {
    [BK_LAYOUT_FREE] = "free",
    [BK_LAYOUT_HEADER] = "header",
    [BK_LAYOUT_L1] = "L1 table",
    [BK_LAYOUT_L2] = "L2 tables",
    [BK_LAYOUT_REFTABLE] = "refcount table",
    [BK_LAYOUT_REFBLOCK] = "refcount blocks",
    [BK_LAYOUT_SNAPSHOT] = "snapshots",
    [BK_LAYOUT_BITMAP] = "bitmaps",
    [BK_LAYOUT_DATA] = "data",
    [BK_LAYOUT_COMPRESSED] = "compressed",
    [BK_LAYOUT_OTHER] = "leaked",
};

struct subreq_walk {
    void (*fn)(const struct bk_subreq *sub, void *arg);
    void *arg;
    int layer;
};

static void subreq_layer(const struct bk_subreq *sub, void *arg)
{
    const struct subreq_walk *w = arg;
    struct bk_subreq copy = *sub;

    copy.layer = w->layer;
    w->fn(&copy, w->arg);
}

/* Depth-first; a backing file is one layer further down.  The depth is
 * bounded so that a bad graph cannot loop. */
static void subreq_walk(struct bk_node *n, int depth, struct subreq_walk *w)
{
    if (n == NULL || depth > 64)
        return;
    if (n->drv->for_each_subreq != NULL)
        n->drv->for_each_subreq(n, subreq_layer, w);
    subreq_walk(n->file, depth + 1, w);
    subreq_walk(n->data, depth + 1, w);
    if (n->backing != NULL) {
        w->layer++;
        subreq_walk(n->backing, depth + 1, w);
        w->layer--;
    }
}

void bk_dev_for_each_subreq(struct bk_dev *dev,
                            void (*fn)(const struct bk_subreq *sub,
                                       void *arg),
                            void *arg)
{
    struct subreq_walk w = { fn, arg, 0 };

    subreq_walk(bk_dev_top(dev), 0, &w);
}

int bk_dev_layout(struct bk_dev *dev, int64_t *file_length,
                  int (*fn)(const struct bk_layout_run *run, void *arg),
                  void *arg)
{
    for (struct bk_node *n = bk_dev_top(dev); n != NULL; n = n->file)
        if (n->drv->layout != NULL)
            return n->drv->layout(n, file_length, fn, arg);
    return -ENOTSUP;
}
