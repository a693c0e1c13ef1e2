/*
 * stack.c — opening and closing a stack of nodes.
 *
 * A stack is built top-down from one option list, as the block layer does:
 * the top node takes the keys it knows, its child takes the "file.*" keys,
 * and any key nobody took is an error naming the node that refused it.
 * A filename may carry its protocol ("blkdebug:CFG:IMG"); otherwise the
 * bottom is the "file" driver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

static const struct bk_driver *const drivers[] = {
    &bk_driver_raw,
    &bk_driver_file,
    &bk_driver_blkdebug,
};

const struct bk_driver *bk_driver_find(const char *name)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

/* "proto:rest" where proto names a driver: that driver, else NULL. */
static const struct bk_driver *driver_for_protocol(const char *filename)
{
    const char *colon = filename ? strchr(filename, ':') : NULL;
    char proto[32];
    size_t len;

    if (colon == NULL)
        return NULL;
    len = (size_t)(colon - filename);
    if (len == 0 || len >= sizeof(proto) || memchr(filename, '/', len))
        return NULL;
    memcpy(proto, filename, len);
    proto[len] = '\0';
    if (strcmp(proto, "file") == 0)
        return &bk_driver_file;
    if (strcmp(proto, "blkdebug") == 0)
        return &bk_driver_blkdebug;
    return NULL;
}

int bk_node_open(struct bk_dev *dev, const struct bk_driver *drv,
                 struct bk_opts *opts, const char *filename, unsigned flags,
                 struct bk_node **nodep, char **cause)
{
    struct bk_node *node = calloc(1, sizeof(*node));
    const char *key;
    int ret;

    if (node == NULL)
        return -ENOMEM;
    node->drv = drv;
    node->dev = dev;
    node->loop = bk_dev_loop(dev);
    node->open_flags = flags;
    node->bl.request_alignment = 1;
    node->bl.buf_align = 1;
    if (drv->state_size > 0) {
        node->state = calloc(1, drv->state_size);
        if (node->state == NULL) {
            free(node);
            return -ENOMEM;
        }
    }
    if (filename != NULL)
        node->filename = strdup(filename);
    ret = drv->open(node, opts, filename, cause);
    if (ret == 0 && bk_opts_first_leftover(opts, &key)) {
        *cause = drv->is_format
            ? strfmt("Block format '%s' does not support the "
                               "option '%s'", drv->name, key)
            : strfmt("Block protocol '%s' doesn't support the "
                               "option '%s'", drv->name, key);
        ret = -EINVAL;
        if (drv->close != NULL)
            drv->close(node);
        if (node->file != NULL)
            bk_node_close(node->file);
        node->file = NULL;
    }
    if (ret < 0) {
        free(node->filename);
        free(node->state);
        free(node);
        return ret;
    }
    node->total_bytes = drv->get_length ? drv->get_length(node) : 0;
    if (node->total_bytes < 0)
        node->total_bytes = 0;
    *nodep = node;
    return 0;
}

int bk_node_open_child(struct bk_node *parent, struct bk_opts *opts,
                       const char *child_name, const char *filename,
                       const char *default_driver, char **cause)
{
    struct bk_opts *child_opts = bk_opts_extract_prefix(opts, child_name);
    char *drvname = bk_opts_take(child_opts, "driver");
    const struct bk_driver *drv = NULL;
    int ret;

    if (drvname != NULL) {
        drv = bk_driver_find(drvname);
        if (drv == NULL) {
            *cause = strfmt("Unknown driver '%s'", drvname);
            free(drvname);
            bk_opts_free(child_opts);
            return -EINVAL;
        }
        free(drvname);
    } else if (!bk_opts_has(child_opts, "filename")) {
        drv = driver_for_protocol(filename);
    }
    if (drv == NULL)
        drv = bk_driver_find(default_driver);
    ret = bk_node_open(parent->dev, drv, child_opts, filename,
                       parent->open_flags, &parent->file, cause);
    bk_opts_free(child_opts);
    return ret;
}

void bk_node_close(struct bk_node *node)
{
    if (node == NULL)
        return;
    if (node->drv->close != NULL)
        node->drv->close(node);
    bk_node_close(node->file);
    bk_node_free_spare_ios(node);
    free(node->filename);
    free(node->state);
    free(node);
}

struct bk_node *bk_node_bottom(struct bk_node *node)
{
    while (node->file != NULL)
        node = node->file;
    return node;
}

int64_t bk_node_length(struct bk_node *node)
{
    return node->total_bytes;
}
