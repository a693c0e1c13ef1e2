/*
 * throttle.c — the "throttle" filter driver: the reads and writes that go
 * through it are held to the limits of a throttle group
 * (throttle-group.c), named by its throttle-group option.
 *
 * Reads count as reads; writes, zero writes and discards as writes, as in
 * qemu.  Flushes, truncates and block status queries pass untouched.  A
 * request over the limits waits in the group's queue; nothing else waits
 * for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/throttle.h"

struct throttle_state {
    struct bk_throttle_group *tg;
};

static int throttle_open(struct bk_node *node, struct bk_opts *opts,
                         const char *filename, char **cause)
{
    struct throttle_state *s = node->state;
    char *group;
    int ret;

    ret = bk_filter_open(node, opts, filename, cause);
    if (ret < 0)
        return ret;
    group = bk_opts_take(opts, "throttle-group");
    if (group == NULL) {
        *cause = strfmt("Please specify a throttle group");
        ret = -EINVAL;
    } else if ((s->tg = bk_throttle_group_find(group)) == NULL) {
        *cause = strfmt("Throttle group '%s' does not exist", group);
        ret = -EINVAL;
    }
    free(group);
    if (ret < 0) {
        bk_filter_drop_child(node);
        return ret;
    }
    bk_throttle_group_ref(s->tg);
    bk_filter_take_limits(node);
    return 0;
}

static void throttle_close(struct bk_node *node)
{
    struct throttle_state *s = node->state;

    if (s->tg != NULL)
        bk_throttle_group_unref(s->tg);
    s->tg = NULL;
}

/* Wait for the group, then go down. */
static void throttle_admit(struct bk_io *io)
{
    struct throttle_state *s = io->node->state;

    bk_throttle_group_admit(s->tg, io, io->op != BK_OP_READ, io->bytes,
                            bk_filter_forward);
}

/* The group, and what waits in it. */
static void throttle_describe(struct bk_node *node, char *buf, size_t len)
{
    struct throttle_state *s = node->state;
    size_t n = bk_throttle_group_waiting(s->tg, 0) +
               bk_throttle_group_waiting(s->tg, 1);

    if (n > 0)
        snprintf(buf, len, "%s: %zu waiting", bk_throttle_group_name(s->tg),
                 n);
    else
        snprintf(buf, len, "%s", bk_throttle_group_name(s->tg));
}

const struct bk_driver bk_driver_throttle = {
    .name = "throttle",
    .child_name = "file",
    .is_format = true,
    .is_filter = true,
    .state_size = sizeof(struct throttle_state),
    .open = throttle_open,
    .close = throttle_close,
    .get_length = bk_filter_get_length,
    .preadv = throttle_admit,
    .pwritev = throttle_admit,
    .pwrite_zeroes = throttle_admit,
    .pdiscard = throttle_admit,
    .truncate = bk_filter_forward,
    .describe = throttle_describe,
};
