/*
 * debug.c — the device's breakpoint controls, routed to the node that
 * keeps breakpoints.
 *
 * A stack has at most one such node that matters: the topmost one, as in
 * qemu, where breakpoints go to the first node down the chain whose driver
 * handles them.  The device knows no driver by name: it asks each node's
 * driver for its debug operations.
 */
#include <errno.h>
#include <stddef.h>

#include "backend/node.h"

static struct bk_node *debug_node(const struct bk_dev *dev)
{
    return bk_node_debug(bk_dev_top((struct bk_dev *)dev));
}

bool bk_dev_has_debug(const struct bk_dev *dev)
{
    return debug_node(dev) != NULL;
}

int bk_dev_break(struct bk_dev *dev, const char *event, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->set_break(n, event, tag) : -ENOTSUP;
}

int bk_dev_remove_break(struct bk_dev *dev, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->remove_break(n, tag) : -ENOTSUP;
}

int bk_dev_resume(struct bk_dev *dev, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->resume(n, tag) : -ENOTSUP;
}

int bk_dev_resume_req(struct bk_dev *dev, const struct bk_req *req)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->resume_req(n, req) : -ENOTSUP;
}

bool bk_dev_is_suspended(const struct bk_dev *dev, const char *tag)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->is_suspended(n, tag) : false;
}

void bk_dev_resume_all(struct bk_dev *dev)
{
    struct bk_node *n = debug_node(dev);

    if (n != NULL)
        n->drv->debug->resume_all(n);
}

void bk_dev_for_each_break(const struct bk_dev *dev,
                           void (*fn)(const char *event, const char *tag,
                                      void *arg),
                           void *arg)
{
    struct bk_node *n = debug_node(dev);

    if (n != NULL)
        n->drv->debug->for_each_break(n, fn, arg);
}

void bk_dev_for_each_suspension(const struct bk_dev *dev,
                                void (*fn)(const char *tag,
                                           const struct bk_req *req,
                                           void *arg),
                                void *arg)
{
    struct bk_node *n = debug_node(dev);

    if (n != NULL && n->drv->debug->for_each_suspension != NULL)
        n->drv->debug->for_each_suspension(n, fn, arg);
}

int bk_dev_powercut(struct bk_dev *dev, double keep, bool exit,
                    struct bk_fault *out)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->powercut(n, keep, exit, out) : -ENOTSUP;
}

struct rules_engine *bk_dev_rules(struct bk_dev *dev)
{
    struct bk_node *n = debug_node(dev);

    return n ? n->drv->debug->rules(n) : NULL;
}
