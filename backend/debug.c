/*
 * debug.c — the device's blkdebug controls, routed to the blkdebug node.
 *
 * A stack has at most one blkdebug node that matters: the topmost one, as
 * in qemu, where breakpoints go to the first node down the chain whose
 * driver handles them.
 */
#include <errno.h>
#include <stddef.h>

#include "backend/node.h"

static struct bk_node *debug_node(const struct bk_dev *dev)
{
    for (struct bk_node *n = bk_dev_top((struct bk_dev *)dev); n != NULL;
         n = n->file)
        if (n->drv == &bk_driver_blkdebug)
            return n;
    return NULL;
}

bool bk_dev_has_debug(const struct bk_dev *dev)
{
    return debug_node(dev) != NULL;
}

int bk_dev_break(struct bk_dev *dev, const char *event, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_break(n, event, tag) : -ENOTSUP;
}

int bk_dev_remove_break(struct bk_dev *dev, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_remove_break(n, tag) : -ENOTSUP;
}

int bk_dev_resume(struct bk_dev *dev, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_resume(n, tag) : -ENOTSUP;
}

int bk_dev_resume_req(struct bk_dev *dev, const struct bk_req *req)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_resume_req(n, req) : -ENOTSUP;
}

bool bk_dev_is_suspended(const struct bk_dev *dev, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_is_suspended(n, tag) : false;
}

void bk_dev_resume_all(struct bk_dev *dev)
{
    struct bk_node *n = debug_node(dev);

    if (n != NULL)
        bk_blkdebug_resume_all(n);
}

void bk_dev_for_each_break(const struct bk_dev *dev,
                           void (*fn)(const char *event, const char *tag,
                                      void *arg),
                           void *arg)
{
    struct bk_node *n = debug_node(dev);

    if (n != NULL)
        bk_blkdebug_for_each_break(n, fn, arg);
}

struct rules_engine *bk_dev_rules(struct bk_dev *dev)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_rules(n) : NULL;
}

int bk_dev_block_status(struct bk_dev *dev, int64_t offset, int64_t bytes)
{
    struct bk_node *n = debug_node(dev);

    return n ? bk_blkdebug_check_status(n, offset, bytes) : 0;
}
