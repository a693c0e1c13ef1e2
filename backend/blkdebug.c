/*
 * blkdebug.c — the blkdebug filter driver.
 *
 * For now a pass-through: it opens its "image" child from
 * "blkdebug:CONFIG:IMAGE" or from image.* options and forwards every
 * operation.  Rules and breakpoints come with the rules engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

static int blkdebug_open(struct bk_node *node, struct bk_opts *opts,
                         const char *filename, char **cause)
{
    char *image = NULL;
    char *config = bk_opts_take(opts, "config");
    int ret;

    if (filename != NULL && strncmp(filename, "blkdebug:", 9) == 0) {
        const char *cfg = filename + 9;
        const char *colon = strchr(cfg, ':');

        if (colon == NULL) {
            *cause = bk_strdup_printf("Invalid filename: %s", filename);
            free(config);
            return -EINVAL;
        }
        if (colon > cfg && config == NULL)
            config = strndup(cfg, (size_t)(colon - cfg));
        image = strdup(colon + 1);
    }
    if (config != NULL && *config != '\0') {
        *cause = bk_strdup_printf("blkdebug rules are not supported yet");
        free(config);
        free(image);
        return -ENOTSUP;
    }
    free(config);
    ret = bk_node_open_child(node, opts, "image", image, "file", cause);
    free(image);
    if (ret < 0)
        return ret;
    node->supported_write_flags = node->file->supported_write_flags & BK_REQ_FUA;
    node->bl = node->file->bl;
    return 0;
}

static int64_t blkdebug_get_length(struct bk_node *node)
{
    return bk_node_length(node->file);
}

static void blkdebug_child_done(struct bk_io *child)
{
    struct bk_io *io = child->cb_arg;
    int ret = child->ret;

    bk_io_free(child);
    bk_io_complete(io, ret);
}

static void blkdebug_forward(struct bk_io *io)
{
    struct bk_io *child = bk_io_new(io->node->file, io->op, io->offset,
                                    io->bytes, io->iov, io->iovcnt, io->flags,
                                    io->req, blkdebug_child_done, io);

    bk_node_submit(child);
}

static void blkdebug_flush(struct bk_io *io)
{
    bk_io_complete(io, 0);
}

const struct bk_driver bk_driver_blkdebug = {
    .name = "blkdebug",
    .open = blkdebug_open,
    .get_length = blkdebug_get_length,
    .preadv = blkdebug_forward,
    .pwritev = blkdebug_forward,
    .pwrite_zeroes = blkdebug_forward,
    .pdiscard = blkdebug_forward,
    .flush_to_disk = blkdebug_flush,
    .truncate = blkdebug_forward,
};

/* Breakpoints arrive with the rules engine; until then there are none. */
int bk_blkdebug_break(struct bk_node *node, const char *event, const char *tag)
{
    return -ENOENT;
}

int bk_blkdebug_remove_break(struct bk_node *node, const char *tag)
{
    return -ENOENT;
}

int bk_blkdebug_resume(struct bk_node *node, const char *tag)
{
    return -ENOENT;
}

bool bk_blkdebug_is_suspended(struct bk_node *node, const char *tag)
{
    return false;
}

void bk_blkdebug_resume_all(struct bk_node *node)
{
}

void bk_blkdebug_for_each_break(struct bk_node *node,
                                void (*fn)(const char *event, const char *tag,
                                           void *arg),
                                void *arg)
{
}

struct rules_engine *bk_blkdebug_rules(struct bk_node *node)
{
    return NULL;
}
