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
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

const struct bk_driver *bk_driver_find(const struct bk_stack *stack,
                                       const char *name)
{
    for (size_t i = 0; stack->drivers[i] != NULL; i++)
        if (strcmp(stack->drivers[i]->name, name) == 0)
            return stack->drivers[i];
    return NULL;
}

/* The driver whose protocol prefix is proto, or NULL. */
static const struct bk_driver *driver_by_protocol(const struct bk_stack *stack,
                                                  const char *proto)
{
    for (size_t i = 0; stack->drivers[i] != NULL; i++)
        if (stack->drivers[i]->protocol_name != NULL &&
            strcmp(stack->drivers[i]->protocol_name, proto) == 0)
            return stack->drivers[i];
    return NULL;
}

void bk_stack_notify(struct bk_stack *stack, enum bk_notice_kind kind,
                     const char *tag, const struct bk_req *req)
{
    struct bk_notice n = { .kind = kind, .tag = tag, .req = req };

    if (stack->notify != NULL)
        stack->notify(stack->opaque, &n);
}

void bk_stack_notify_fault(struct bk_stack *stack,
                           const struct bk_fault *fault)
{
    struct bk_notice n = { .kind = BK_NOTICE_FAULT, .tag = fault->tag,
                           .req = fault->req, .fault = fault };

    if (stack->notify != NULL)
        stack->notify(stack->opaque, &n);
}

void bk_stack_message(struct bk_stack *stack, enum bk_message_kind kind,
                      const char *text)
{
    struct bk_notice n = { .kind = BK_NOTICE_MESSAGE, .text = text,
                           .message = kind };

    if (stack->notify != NULL)
        stack->notify(stack->opaque, &n);
}

/* Protocols qemu has that blkmon does not: named as such, not "unknown". */
static const char *const foreign_protocols[] = {
    "ssh", "http", "https", "ftp", "ftps",
    "iscsi", "iser", "rbd", "gluster", "gluster+tcp", "gluster+unix",
    "gluster+rdma", "nfs", "fat", "vvfat", NULL
};

/*
 * The device driver for a file name, if it names a device (qemu's
 * find_hdev_driver): the driver that scores it highest, the first on a
 * tie; NULL when none does.  qemu asks before reading any protocol
 * prefix, so that device names with colons work.
 */
static const struct bk_driver *driver_for_device(const struct bk_stack *stack,
                                                 const char *filename)
{
    const struct bk_driver *best = NULL;
    int best_score = 0;

    for (size_t i = 0; filename != NULL && stack->drivers[i] != NULL; i++) {
        const struct bk_driver *d = stack->drivers[i];
        int score = d->probe_device ? d->probe_device(filename) : 0;

        if (score > best_score) {
            best = d;
            best_score = score;
        }
    }
    return best;
}

/*
 * The driver a protocol prefix names: "blkdebug:...", "file:...", read as
 * qemu reads one, a colon before any slash ("./a:b" has none).  0 with
 * *drv NULL when there is no prefix; an error for one blkmon lacks.
 */
static int driver_for_protocol(const struct bk_stack *stack,
                               const char *filename,
                               const struct bk_driver **drv, char **cause)
{
    size_t len = filename ? strcspn(filename, ":/") : 0;
    char *proto;
    int ret = 0;

    *drv = NULL;
    if (filename == NULL || filename[len] != ':')
        return 0;
    proto = strndup(filename, len);
    if (proto == NULL)
        return -ENOMEM;
    *drv = driver_by_protocol(stack, proto);
    if (*drv == NULL && strcmp(proto, "json") == 0) {
        *cause = strfmt("json: filenames are not supported; give the same "
                        "options with -o or --image-opts");
        ret = -ENOTSUP;
    } else if (*drv == NULL) {
        bool foreign = false;

        for (size_t i = 0; foreign_protocols[i] != NULL; i++)
            foreign |= strcmp(proto, foreign_protocols[i]) == 0;
        *cause = foreign
            ? strfmt("Protocol '%s' is not supported: blkmon drives local "
                     "image files", proto)
            : strfmt("Unknown protocol '%s'", proto);
        ret = foreign ? -ENOTSUP : -EINVAL;
    }
    free(proto);
    return ret;
}

int bk_node_open(struct bk_stack *stack, const struct bk_driver *drv,
                 struct bk_opts *opts, const char *filename, unsigned flags,
                 struct bk_node **nodep, char **cause)
{
    struct bk_node *node = calloc(1, sizeof(*node));
    const char *key, *value;
    int ret;

    if (node == NULL)
        return -ENOMEM;
    node->drv = drv;
    node->stack = stack;
    node->loop = stack->loop;
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
    /* What a reopen may be given again unchanged. */
    node->open_opts = bk_opts_new();
    for (size_t i = 0; bk_opts_at(opts, i, &key, &value); i++)
        bk_opts_set(node->open_opts, key, value);
    /* A format node opens its child first and then comes to this step
     * (raw.c); the others come to it before they open anything. */
    ret = drv->is_format ? 0 : bk_node_open_common(node, opts, cause);
    if (ret == 0)
        ret = drv->open(node, opts, filename, cause);
    if (ret == 0 && bk_opts_first_leftover(opts, &key)) {
        /* qemu words it by how the driver opens: as a protocol (it has
         * a prefix) or as a format. */
        *cause = drv->protocol_name == NULL
            ? strfmt("Block format '%s' does not support the "
                               "option '%s'", drv->name, key)
            : strfmt("Block protocol '%s' doesn't support the "
                               "option '%s'", drv->name, key);
        ret = -EINVAL;
        if (drv->close != NULL)
            drv->close(node);
        bk_node_close(node->data);
        bk_node_close(node->file);
        bk_node_close(node->backing);
        node->file = node->backing = node->data = NULL;
    }
    if (ret < 0) {
        bk_opts_free(node->open_opts);
        free(node->node_name);
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

int bk_stack_open_child(struct bk_stack *stack, unsigned parent_flags,
                        struct bk_opts *opts, const char *child_name,
                        const char *filename, const char *default_driver,
                        struct bk_node **childp, char **cause)
{
    struct bk_opts *child_opts = bk_opts_extract_prefix(opts, child_name);
    const char *ref = bk_opts_get(opts, child_name);
    char *drvname;
    const struct bk_driver *drv = NULL;
    unsigned flags, explicit_flags;
    int ret;

    /* "file=NAME" refers to a node by name; no node of another stack
     * exists here.  With options for the child too, qemu refuses the
     * mix first. */
    if (ref != NULL && bk_opts_count(child_opts) > 0) {
        *cause = strfmt("Cannot reference an existing block device with "
                        "additional options or a new filename");
        bk_opts_free(child_opts);
        return -EINVAL;
    }
    if (ref != NULL) {
        *cause = strfmt("Cannot find device='%s' nor node-name='%s'", ref,
                        ref);
        bk_opts_free(child_opts);
        return -EINVAL;
    }
    if (filename == NULL && bk_opts_count(child_opts) == 0) {
        *cause = strfmt("A block device must be specified for \"%s\"",
                        child_name);
        bk_opts_free(child_opts);
        return -EINVAL;
    }
    drvname = bk_opts_take(child_opts, "driver");
    if (drvname != NULL) {
        drv = bk_driver_find(stack, drvname);
        if (drv == NULL) {
            *cause = strfmt("Unknown driver '%s'", drvname);
            free(drvname);
            bk_opts_free(child_opts);
            return -EINVAL;
        }
        free(drvname);
    } else if (filename == NULL && !bk_opts_has(child_opts, "filename")) {
        /* Options for the child, but neither a driver nor a file. */
        *cause = strfmt("Must specify either driver or file");
        bk_opts_free(child_opts);
        return -EINVAL;
    } else if ((drv = driver_for_device(stack,
                   bk_opts_has(child_opts, "filename")
                       ? bk_opts_get(child_opts, "filename")
                       : filename)) != NULL) {
        /* a host device, by its name */
    } else if (!bk_opts_has(child_opts, "filename")) {
        /* Only a name given whole is read for a prefix, as in qemu. */
        ret = driver_for_protocol(stack, filename, &drv, cause);
        if (ret < 0) {
            bk_opts_free(child_opts);
            return ret;
        }
    }
    if (drv == NULL) {
        drv = bk_driver_find(stack, default_driver);
        /* The caller's default may name a driver this stack lacks. */
        if (drv == NULL) {
            *cause = strfmt("Unknown driver '%s'", default_driver);
            bk_opts_free(child_opts);
            return -EINVAL;
        }
    }
    flags = parent_flags & ~(unsigned)(BK_O_TOP | BK_O_COPY_ON_READ);
    /* Set here, they are the child's own: a reopen keeps them. */
    explicit_flags =
        (bk_opts_has(child_opts, "cache.direct") ? BK_O_NOCACHE : 0) |
        (bk_opts_has(child_opts, "cache.no-flush") ? BK_O_NO_FLUSH : 0);
    ret = bk_take_node_flags(child_opts, &flags, false, cause);
    if (ret == 0 && (flags & BK_O_FORCE_SHARE) && (flags & BK_O_RDWR)) {
        *cause = strfmt("force-share=on can only be used with read-only "
                        "images");
        ret = -EINVAL;
    }
    if (ret < 0) {
        bk_opts_free(child_opts);
        return ret;
    }
    ret = bk_node_open(stack, drv, child_opts, filename, flags, childp,
                       cause);
    if (ret == 0)
        (*childp)->explicit_flags = explicit_flags;
    bk_opts_free(child_opts);
    return ret;
}

int bk_node_open_child(struct bk_node *parent, struct bk_opts *opts,
                       const char *child_name, const char *filename,
                       const char *default_driver, char **cause)
{
    struct bk_stack *stack = parent->stack;

    /* Probing opened it already, with its options: adopt it. */
    if (stack->preopened != NULL) {
        parent->file = stack->preopened;
        stack->preopened = NULL;
        return 0;
    }
    return bk_stack_open_child(stack, parent->open_flags, opts, child_name,
                               filename, default_driver, &parent->file,
                               cause);
}

int64_t bk_node_allocated_size(struct bk_node *node)
{
    if (node->drv->get_allocated_size != NULL)
        return node->drv->get_allocated_size(node);
    if (node->drv->protocol_name != NULL)
        return -ENOTSUP;
    /* A filter's is its child's; a format's its children's, a data file
     * too (a backing file is not counted). */
    if (node->data != NULL) {
        int64_t a = bk_node_allocated_size(node->data);
        int64_t b = node->file != NULL ? bk_node_allocated_size(node->file)
                                       : 0;

        return a < 0 ? a : b < 0 ? b : a + b;
    }
    return node->file != NULL ? bk_node_allocated_size(node->file) : 0;
}

/*
 * qemu names every node given no name: '#block', a counter of the names
 * it made so far in the process, and two random digits.  Nodes are named
 * in the order qemu names them (a format after its child, the others
 * before theirs), so the counter part matches.
 */
static uint64_t node_names_made;

static char *node_name_make(void)
{
    return strfmt("#block%" PRIu64 "%02u", node_names_made++,
                  (unsigned)(bk_now_ns() / 1000 % 100));
}

int bk_node_open_common(struct bk_node *node, struct bk_opts *opts,
                        char **cause)
{
    char *v;
    int ret;

    if ((node->open_flags & BK_O_COPY_ON_READ) &&
        !(node->open_flags & BK_O_RDWR)) {
        *cause = strfmt("Can't use copy-on-read on read-only device");
        return -EINVAL;
    }
    v = bk_opts_take(opts, "discard");
    ret = bk_parse_discard(v, &node->open_flags, cause);
    free(v);
    if (ret == 0) {
        v = bk_opts_take(opts, "detect-zeroes");
        ret = bk_parse_detect_zeroes(v, node->open_flags,
                                     &node->detect_zeroes, cause);
        free(v);
    }
    if (ret < 0)
        return ret;
    v = bk_opts_take(opts, "node-name");
    if (v != NULL) {
        size_t ok = strspn(v, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
        bool letter = (v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z';

        if (!letter || v[ok] != '\0')
            *cause = strfmt("Invalid node-name: '%s'", v);
        else if (strlen(v) >= 32)
            *cause = strfmt("Node name too long");
        if (*cause != NULL) {
            free(v);
            return -EINVAL;
        }
    }
    node->node_name = v != NULL ? v : node_name_make();
    return 0;
}

void bk_node_close(struct bk_node *node)
{
    if (node == NULL)
        return;
    if (node->drv->close != NULL)
        node->drv->close(node);
    bk_node_close(node->data);
    bk_node_close(node->file);
    bk_node_close(node->backing);
    bk_node_free_spare_ios(node);
    bk_node_free_spare_writes(node);
    bk_opts_free(node->open_opts);
    free(node->node_name);
    free(node->filename);
    free(node->state);
    free(node);
}

int bk_node_get_info(struct bk_node *node, struct bk_info *info)
{
    *info = (struct bk_info){ 0 };
    if (node->drv->get_info != NULL)
        return node->drv->get_info(node, info);
    /* A filter passes on its child's info, but not what is specific to
     * the child's format: qemu asks only the top driver for that. */
    if (node->drv->is_filter && node->file != NULL) {
        int ret = bk_node_get_info(node->file, info);

        free(info->specific);
        info->specific = NULL;
        return ret;
    }
    return -ENOTSUP;
}
