/*
 * reopen.c — changing a stack's flags and options in place, in the order
 * of qemu 7.2's bdrv_reopen_queue() and bdrv_reopen_multiple():
 *
 *  0. the *queue*: the top node, then each node's children, depth first,
 *     its backing child, then its data file, then its file (qemu's child
 *     list has the child attached last first); each child takes the options under its name
 *     ("backing.*", "file.*", "image.*") from its parent's; a child named
 *     by a reference ("backing=NODE") stays as it is;
 *  1. every queued node is flushed, in queue order (the flush events fire;
 *     a failed flush fails the reopen: "Error flushing drive");
 *  2. each node, in queue order, takes its own options: the ones a reopen
 *     may change (read-only, auto-read-only, cache.direct, cache.no-flush,
 *     discard, detect-zeroes), then the copy-on-read check, then its
 *     driver's own (qcow2's caches, overlap checks, lazy refcounts...,
 *     made ready but not yet in place), then a child reference must name
 *     the child it has, then every other key must say what the node was
 *     opened with, or "Cannot change the option '<key as the node knows
 *     it>'".  A file child not told otherwise takes read-only and the
 *     cache options from its parent, unless its own open set them; a
 *     backing child takes the cache options and stays read-only;
 *  3. a node that must stay writable for its parent (the top one for the
 *     device, when it is to be writable; a file child under a writable
 *     node that needs it; never a backing file) but is to be read-only
 *     fails: "Read-only block node '<name>' cannot support read-write
 *     users", or "Block node is read-only" when it already was;
 *  4. only then does anything change: files are opened again where their
 *     access mode changes, then each node takes its new flags and its
 *     driver's prepared change.  A failure before that undoes what the
 *     drivers made ready.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

enum { REOPEN_MAX_NODES = 32 };

struct reopen_node {
    struct bk_node *node;
    int parent;               /* index in the queue; -1: the top */
    bool backing;             /* its parent's backing child (else file) */
    unsigned flags;           /* the node's flags after the reopen */
    unsigned explicit_flags;  /* the cache flags its options now set */
    int detect_zeroes;        /* BK_DZ_*, after the reopen */
    struct bk_opts *opts;     /* its own options, owned */
    bool prepared;            /* its driver has a change ready */
};

struct reopen_queue {
    struct reopen_node e[REOPEN_MAX_NODES];
    size_t n;
};

/* Queue node with opts (consumed) and, depth first, its children. */
static void queue_node(struct reopen_queue *q, struct bk_node *node,
                       int parent, bool backing, struct bk_opts *opts)
{
    struct reopen_node *r;
    int self;

    if (q->n == REOPEN_MAX_NODES)
        abort();
    self = (int)q->n++;
    r = &q->e[self];
    *r = (struct reopen_node){
        .node = node, .parent = parent, .backing = backing,
        .flags = node->open_flags, .explicit_flags = node->explicit_flags,
        .detect_zeroes = node->detect_zeroes,
        .opts = opts != NULL ? opts : bk_opts_new(),
    };
    if (node->backing != NULL) {
        const char *ref = bk_opts_get(r->opts, "backing");

        /* A reference to the child it has reopens it as it is; to
         * another node, leaves it out (step 2 refuses it). */
        if (ref == NULL)
            queue_node(q, node->backing, self, true,
                       bk_opts_extract_prefix(q->e[self].opts, "backing"));
        else if (strcmp(ref, node->backing->node_name) == 0)
            queue_node(q, node->backing, self, true, NULL);
    }
    if (node->data != NULL) {
        const char *ref = bk_opts_get(q->e[self].opts, "data-file");

        if (ref == NULL)
            queue_node(q, node->data, self, false,
                       bk_opts_extract_prefix(q->e[self].opts, "data-file"));
        else if (strcmp(ref, node->data->node_name) == 0)
            queue_node(q, node->data, self, false, NULL);
    }
    if (node->file != NULL && node->drv->child_name != NULL) {
        const char *name = node->drv->child_name;

        const char *ref = bk_opts_get(q->e[self].opts, name);

        if (ref == NULL)
            queue_node(q, node->file, self, false,
                       bk_opts_extract_prefix(q->e[self].opts, name));
        else if (strcmp(ref, node->file->node_name) == 0)
            queue_node(q, node->file, self, false, NULL);
    }
}

static void flush_done(struct bk_io *io)
{
    int *ret = io->cb_arg;

    *ret = io->ret;
    bk_io_free(io);
}

/* Flush node (and the files below it); 0 or -errno. */
static int flush_node(struct bk_node *node)
{
    int ret = 1;   /* a flush ends with 0 or -errno */

    bk_node_submit(bk_io_new(node, BK_OP_FLUSH, 0, 0, NULL, 0, 0, NULL,
                             flush_done, &ret));
    while (ret == 1)
        bk_loop_iterate(node->loop, -1);
    return ret;
}

/* One bool option into bit of *flags; *explicit_flags notes it. */
static int take_bool(struct bk_opts *mine, const char *key, unsigned bit,
                     bool invert, unsigned *flags, unsigned *explicit_flags,
                     char **cause)
{
    bool b, given;
    int ret = bk_opts_take_bool(mine, key, &b, &given, cause);

    if (ret < 0 || !given)
        return ret;
    if (b != invert)
        *flags |= bit;
    else
        *flags &= ~bit;
    *explicit_flags |= bit;
    return 0;
}

/* Drop key from mine when its value is what the node has. */
static void drop_same(struct bk_opts *mine, const char *key,
                      const char *have)
{
    const char *v = bk_opts_get(mine, key);

    if (v != NULL && have != NULL && strcmp(v, have) == 0)
        bk_opts_del(mine, key);
}

/* Is there a node called name in the stack below (and at) top? */
static bool stack_has_name(const struct bk_node *top, const char *name)
{
    if (top == NULL)
        return false;
    return strcmp(top->node_name, name) == 0 ||
           stack_has_name(top->file, name) ||
           stack_has_name(top->data, name) ||
           stack_has_name(top->backing, name);
}

/* A child reference ("backing=NODE") must name the child the node has. */
static int check_child_ref(const struct bk_node *top, struct bk_node *n,
                           struct bk_opts *mine, const char *key,
                           struct bk_node *child, char **cause)
{
    const char *ref = bk_opts_get(mine, key);

    if (ref == NULL)
        return 0;
    if (child != NULL && strcmp(ref, child->node_name) == 0) {
        bk_opts_del(mine, key);
        return 0;
    }
    if (!stack_has_name(top, ref)) {
        *cause = strfmt("Cannot find device='' nor node-name='%s'", ref);
        return -EINVAL;
    }
    if (strcmp(ref, n->node_name) == 0 && strcmp(key, "backing") == 0) {
        *cause = strfmt("Making '%s' a backing child of '%s' would create "
                        "a cycle", ref, n->node_name);
        return -EINVAL;
    }
    *cause = strfmt("Cannot change the '%s' child of '%s': blkmon keeps "
                    "the stack it opened", key, n->node_name);
    return -ENOTSUP;
}

/* Step 2 for one node: r->opts holds its keys and is emptied. */
static int prepare_node(struct reopen_queue *q, size_t i, unsigned dev_flags,
                        char **cause)
{
    struct reopen_node *r = &q->e[i];
    const struct reopen_node *parent = r->parent >= 0 ? &q->e[r->parent]
                                                      : NULL;
    struct bk_opts *mine = r->opts;
    struct bk_node *n = r->node;
    unsigned given = 0, rdwr = 0;
    const char *key, *k, *v;
    char *text;
    bool on;
    int ret;

    /* Inherited first; then the node's own, old and new. */
    if (parent != NULL && r->backing) {
        unsigned inherit = (BK_O_NOCACHE | BK_O_NO_FLUSH) &
                           ~n->explicit_flags;

        r->flags = (r->flags & ~inherit) | (parent->flags & inherit);
        r->flags &= ~(unsigned)BK_O_RDWR;   /* read-only unless told */
    } else if (parent != NULL) {
        unsigned inherit = (BK_O_RDWR | BK_O_NOCACHE | BK_O_NO_FLUSH) &
                           ~n->explicit_flags;

        r->flags = (r->flags & ~inherit) | (parent->flags & inherit);
    }
    if ((ret = take_bool(mine, "read-only", BK_O_RDWR, true, &rdwr, &given,
                         cause)) < 0)
        return ret;
    if (given & BK_O_RDWR)
        r->flags = (r->flags & ~(unsigned)BK_O_RDWR) | rdwr;
    if ((ret = take_bool(mine, "auto-read-only", 0, false, &rdwr, &given,
                         cause)) < 0 ||
        (ret = take_bool(mine, "cache.direct", BK_O_NOCACHE, false,
                         &r->flags, &r->explicit_flags, cause)) < 0 ||
        (ret = take_bool(mine, "cache.no-flush", BK_O_NO_FLUSH, false,
                         &r->flags, &r->explicit_flags, cause)) < 0)
        return ret;
    text = bk_opts_take(mine, "discard");
    ret = bk_parse_discard(text, &r->flags, cause);
    free(text);
    if (ret == 0) {
        text = bk_opts_take(mine, "detect-zeroes");
        ret = bk_parse_detect_zeroes(text, r->flags, &r->detect_zeroes,
                                     cause);
        free(text);
    }
    if (ret < 0)
        return ret;
    if ((n->open_flags & BK_O_COPY_ON_READ) && !(r->flags & BK_O_RDWR)) {
        *cause = strfmt("Can't set node '%s' to r/o with copy-on-read "
                        "enabled", n->node_name);
        return -EINVAL;
    }
    if (n->drv->no_reopen) {
        *cause = strfmt("Block format '%s' used by node '%s' does not "
                        "support reopening files", n->drv->name,
                        n->node_name);
        return -ENOTSUP;
    }
    /* The driver's own options, made ready. */
    if (n->drv->reopen_prepare != NULL) {
        ret = n->drv->reopen_prepare(n, mine, r->flags, cause);
        if (ret < 0)
            return ret;
        r->prepared = true;
    }
    if ((ret = check_child_ref(q->e[0].node, n, mine, "backing", n->backing,
                               cause)) < 0 ||
        (n->data != NULL &&
         (ret = check_child_ref(q->e[0].node, n, mine, "data-file", n->data,
                                cause)) < 0) ||
        (n->drv->child_name != NULL &&
         (ret = check_child_ref(q->e[0].node, n, mine, n->drv->child_name,
                                n->file, cause)) < 0))
        return ret;
    /* The rest must be what the node was opened with. */
    drop_same(mine, "driver", n->drv->name);
    /* only the file node keeps its file name among its options */
    if (n->file == NULL)
        drop_same(mine, "filename", n->filename);
    drop_same(mine, "node-name", n->node_name);
    /* force-share is in a node's options only when -U put it there */
    if ((v = bk_opts_get(mine, "force-share")) != NULL &&
        (dev_flags & BK_O_FORCE_SHARE) && bk_opts_parse_bool(v, &on) == 0 &&
        on)
        bk_opts_del(mine, "force-share");
    for (size_t j = 0; bk_opts_at(n->open_opts, j, &k, &v);)
        if (bk_opts_get(mine, k) != NULL &&
            strcmp(bk_opts_get(mine, k), v) == 0)
            bk_opts_del(mine, k);
        else
            j++;
    if (bk_opts_first_leftover(mine, &key)) {
        *cause = strfmt("Cannot change the option '%s'", key);
        return -EINVAL;
    }
    return 0;
}

static void queue_free(struct reopen_queue *q, bool abort_prepared)
{
    for (size_t i = 0; i < q->n; i++) {
        struct reopen_node *r = &q->e[i];

        if (abort_prepared && r->prepared && r->node->drv->reopen_abort)
            r->node->drv->reopen_abort(r->node);
        bk_opts_free(r->opts);
    }
}

/*
 * The stack's permissions as they are with the queue's new flags (after:
 * true) or with the nodes' own (false), the device's user needing writes
 * when need_write.
 */
static int reopen_perms(struct reopen_queue *q, struct bk_node *top,
                        bool need_write, bool after, char **cause)
{
    unsigned saved[REOPEN_MAX_NODES];
    char *ignored = NULL;
    int ret;

    for (size_t i = 0; i < q->n; i++) {
        saved[i] = q->e[i].node->open_flags;
        if (after)
            q->e[i].node->open_flags = q->e[i].flags;
    }
    ret = bk_perm_update(top, BK_PERM_CONSISTENT_READ |
                                  (need_write ? BK_PERM_WRITE : 0),
                         BK_PERM_ALL, cause != NULL ? cause : &ignored);
    free(ignored);
    for (size_t i = 0; i < q->n; i++)
        q->e[i].node->open_flags = saved[i];
    return ret;
}

int bk_stack_reopen(struct bk_node *top, unsigned flags, unsigned dev_flags,
                    bool need_write, struct bk_opts *opts, char **cause)
{
    struct reopen_queue q = { .n = 0 };
    bool needs[REOPEN_MAX_NODES];
    bool perms_taken = false;
    int ret = 0;

    queue_node(&q, top, -1, false, opts);
    q.e[0].flags = (flags & ~(unsigned)BK_O_UNMAP) |
                   (top->open_flags & (BK_O_UNMAP | BK_O_TOP |
                                       BK_O_COPY_ON_READ));
    for (size_t i = 0; i < q.n && ret == 0; i++) {
        ret = flush_node(q.e[i].node);
        if (ret < 0)
            *cause = strfmt("Error flushing drive: %s", strerror(-ret));
    }
    for (size_t i = 0; i < q.n && ret == 0; i++)
        ret = prepare_node(&q, i, dev_flags, cause);
    /* Step 3: who must stay writable. */
    for (size_t i = 0; i < q.n && ret == 0; i++) {
        struct reopen_node *r = &q.e[i];

        needs[i] = r->parent < 0
            ? need_write
            : !r->backing && needs[r->parent] &&
              (q.e[r->parent].flags & BK_O_RDWR);
        if (needs[i] && !(r->flags & BK_O_RDWR)) {
            *cause = (r->node->open_flags & BK_O_RDWR)
                ? strfmt("Read-only block node '%s' cannot support "
                         "read-write users", r->node->node_name)
                : strfmt("Block node is read-only");
            ret = -EPERM;
        }
    }
    /* The permissions the new flags need (a file's locks), checked and
     * taken before anything changes, dropped again if a reopen fails. */
    if (ret == 0)
        ret = reopen_perms(&q, top, need_write, true, cause);
    perms_taken = ret == 0;
    /* Step 4: files opened again where their mode changes... */
    for (size_t i = 0; i < q.n && ret == 0; i++) {
        struct reopen_node *r = &q.e[i];
        struct bk_node *n = r->node;
        unsigned keep = BK_O_TOP | BK_O_COPY_ON_READ | BK_O_PROBED |
                        BK_O_TEMPORARY;

        r->flags = (r->flags & ~keep) | (n->open_flags & keep);
        if (n->drv->reopen != NULL)
            ret = n->drv->reopen(n, r->flags, cause);
    }
    if (ret < 0) {
        if (perms_taken)
            (void)reopen_perms(&q, top, need_write, false, NULL);
        queue_free(&q, true);
        return ret;
    }
    /* ...then every node takes its new state. */
    for (size_t i = 0; i < q.n; i++) {
        struct reopen_node *r = &q.e[i];
        struct bk_node *n = r->node;

        n->open_flags = r->flags;
        n->explicit_flags = r->explicit_flags;
        n->detect_zeroes = r->detect_zeroes;
        if (r->prepared && n->drv->reopen_commit != NULL)
            n->drv->reopen_commit(n);
    }
    queue_free(&q, false);
    return 0;
}
