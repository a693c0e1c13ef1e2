/*
 * graph.c — how the nodes of a stack hang together: a node's length, the
 * node below its filters, its backing file, the bottom of its stack, the
 * node that keeps breakpoints.  Plain reads of the node records: the
 * generic layer, block status and the stack's open and close all ask
 * these, and they call nothing.
 */
#include <stddef.h>

#include "backend/node.h"

struct bk_node *bk_node_skip_filters(struct bk_node *node)
{
    while (node != NULL && node->drv->is_filter)
        node = node->file;
    return node;
}

struct bk_node *bk_node_cow(struct bk_node *node)
{
    return node->drv->supports_backing ? node->backing : NULL;
}

struct bk_node *bk_node_debug(struct bk_node *top)
{
    for (struct bk_node *n = top; n != NULL; n = n->file)
        if (n->drv->debug != NULL)
            return n;
    return NULL;
}

struct bk_node *bk_node_bottom(struct bk_node *node)
{
    while (node->file != NULL)
        node = node->file;
    return node;
}

bool bk_node_is_inserted(struct bk_node *node)
{
    if (node == NULL)
        return true;
    if (node->drv->is_inserted != NULL)
        return node->drv->is_inserted(node);
    return bk_node_is_inserted(node->file) &&
           bk_node_is_inserted(node->data) &&
           bk_node_is_inserted(node->backing);
}

int64_t bk_node_length(struct bk_node *node)
{
    return node->total_bytes;
}

struct bk_node *bk_node_filter_or_cow(struct bk_node *node)
{
    if (node->drv->is_filter)
        return node->file;
    return bk_node_cow(node);
}
