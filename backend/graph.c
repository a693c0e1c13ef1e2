/*
 * graph.c — how the nodes of a stack hang together: a node's length, the
 * node below its filters, its backing file, the bottom of its stack, the
 * node that keeps breakpoints.  Plain reads of the node records: the
 * generic layer, block status and the stack's open and close all ask
 * these, and they call nothing.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

/* Append one node and what is under it; a second child in braces. */
static void describe_at(struct bk_node *node, char *buf, size_t len)
{
    size_t used = strlen(buf);
    char extra[128] = "";

    if (node == NULL || used + 1 >= len)
        return;
    if (node->drv->describe != NULL)
        node->drv->describe(node, extra, sizeof(extra));
    snprintf(buf + used, len - used, "%s%s%s%s", used > 0 ? " > " : "",
             node->drv->name, extra[0] ? "[" : "", extra);
    if (extra[0]) {
        used = strlen(buf);
        snprintf(buf + used, len - used, "]");
    }
    if (node->data != NULL) {
        used = strlen(buf);
        snprintf(buf + used, len - used, " {");
        describe_at(node->data, buf, len);
        used = strlen(buf);
        snprintf(buf + used, len - used, "}");
    }
    describe_at(node->file, buf, len);
}

void bk_node_describe(struct bk_node *node, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    describe_at(node, buf, len);
}
