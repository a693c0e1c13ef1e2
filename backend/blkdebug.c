/*
 * blkdebug.c — the blkdebug filter driver: error injection, a state
 * machine and breakpoints, by rule (rules/ holds the language and engine).
 *
 * blkdebug sits over an "image" child and forwards everything to it.  On
 * the way it does three things:
 *
 *   - events fired at it (by the generic layer, or by raw above it) run
 *     the engine: inject-error rules arm, set-state rules move the state,
 *     breakpoints suspend the request;
 *   - each request it forwards is first checked against the armed rules,
 *     and may fail with the rule's errno instead — on the next loop pass
 *     unless the rule says "immediately";
 *   - its device limits (align, max-transfer, opt/max-write-zero,
 *     opt/max-discard) make the generic layer align and split requests,
 *     which is how tests reach read-modify-write and fallback paths.
 *
 * A suspended request is parked in a record of its own (struct parked),
 * handed to the engine as a cookie; nothing waits for it.  A resume takes
 * it back and continues it where it stopped.
 *
 * blkmon's own rules (delays, hangs, corruption, lost writes, power cuts)
 * act on the requests the driver gets: blkdebug-faults.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/blkdebug.h"

/* ---- open ------------------------------------------------------------ */

/* The size options, with where their value goes and what it must divide. */
enum limit { L_ALIGN, L_MAX_TRANSFER, L_OPT_WRITE_ZERO, L_MAX_WRITE_ZERO,
             L_OPT_DISCARD, L_MAX_DISCARD, L__MAX };
static const char *const limit_names[L__MAX] = {
    [L_ALIGN] = "align",
    [L_MAX_TRANSFER] = "max-transfer",
    [L_OPT_WRITE_ZERO] = "opt-write-zero",
    [L_MAX_WRITE_ZERO] = "max-write-zero",
    [L_OPT_DISCARD] = "opt-discard",
    [L_MAX_DISCARD] = "max-discard",
};

static int take_limits(struct bk_opts *opts, uint64_t v[L__MAX], char **cause)
{
    for (int i = 0; i < L__MAX; i++) {
        bool given;
        int ret = bk_opts_take_size(opts, limit_names[i], &v[i], &given,
                                    cause);

        if (ret < 0)
            return ret;
        if (!given)
            v[i] = 0;
    }
    return 0;
}

static bool aligned(uint64_t v, uint64_t a)
{
    return a == 0 || v % a == 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The constraints blkdebug puts on its limits, checked in its order. */
static int check_limits(const uint64_t v[L__MAX], uint64_t child_align,
                        char **cause)
{
    uint64_t align = max_u64(v[L_ALIGN], child_align);
    static const struct { enum limit lim; enum limit base; } rules[] = {
        { L_MAX_TRANSFER, L__MAX },
        { L_OPT_WRITE_ZERO, L__MAX },
        { L_MAX_WRITE_ZERO, L_OPT_WRITE_ZERO },
        { L_OPT_DISCARD, L__MAX },
        { L_MAX_DISCARD, L_OPT_DISCARD },
    };

    if (v[L_ALIGN] && (v[L_ALIGN] >= INT_MAX ||
                       (v[L_ALIGN] & (v[L_ALIGN] - 1)) != 0)) {
        *cause = strfmt("Cannot meet constraints with align %llu",
                                  (unsigned long long)v[L_ALIGN]);
        return -EINVAL;
    }
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        uint64_t x = v[rules[i].lim];
        uint64_t must = rules[i].base == L__MAX
                            ? align : max_u64(v[rules[i].base], align);

        if (x && (x >= INT_MAX || !aligned(x, must))) {
            *cause = strfmt("Cannot meet constraints with %s %llu",
                                      limit_names[rules[i].lim],
                                      (unsigned long long)x);
            return -EINVAL;
        }
    }
    return 0;
}

/* Collect the inline rule options ("inject-error.0.event=...") for rules/. */
static int load_rules(struct blkdebug_state *s, struct bk_opts *opts,
                      const char *config, char **cause)
{
    size_t n = bk_opts_count(opts), nkv = 0;
    struct rules_kv *kv = calloc(n ? n : 1, sizeof(*kv));
    const char *key, *value;
    int ret;

    if (kv == NULL)
        return -ENOMEM;
    for (size_t i = 0; bk_opts_at(opts, i, &key, &value); i++)
        if (rules_is_option(key))
            kv[nkv++] = (struct rules_kv){ key, value };
    ret = rules_load(s->rules, config, kv, nkv, cause);
    free(kv);
    if (ret < 0)
        return ret;
    /* Now that they are loaded, the consumed keys go. */
    for (size_t i = 0; i < bk_opts_count(opts);) {
        bk_opts_at(opts, i, &key, &value);
        if (rules_is_option(key))
            bk_opts_del(opts, key);
        else
            i++;
    }
    return 0;
}

/* Do the options say anything of the "image" child? */
static bool opts_name_image(const struct bk_opts *opts)
{
    const char *k, *v;

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++)
        if (strcmp(k, "image") == 0 || strncmp(k, "image.", 6) == 0)
            return true;
    return false;
}

static int blkdebug_open(struct bk_node *node, struct bk_opts *opts,
                         const char *filename, char **cause)
{
    struct blkdebug_state *s = node->state;
    char *config = bk_opts_take(opts, "config");
    char *image = bk_opts_take(opts, "x-image");
    uint64_t lim[L__MAX];
    int ret;

    if (filename != NULL && strncmp(filename, "blkdebug:", 9) == 0) {
        const char *cfg = filename + 9;
        const char *colon = strchr(cfg, ':');

        if (colon == NULL) {
            *cause = strfmt(
                "blkdebug requires both config file and image path");
            ret = -EINVAL;
            goto out;
        }
        /* The file name's config wins over a config option, as in qemu. */
        if (colon > cfg) {
            free(config);
            config = strndup(cfg, (size_t)(colon - cfg));
        }
        free(image);
        image = strdup(colon + 1);
    } else if (filename != NULL && image == NULL) {
        image = strdup(filename);
    }

    ret = take_limits(opts, lim, cause);
    if (ret < 0)
        goto out;
    s->rules = rules_engine_new();
    if (s->rules == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    ret = load_rules(s, opts, config, cause);
    if (ret < 0)
        goto out;
    /* Before the image is opened, as qemu parses them. */
    ret = bk_perm_take_list(opts, "take-child-perms", &s->take_child_perms,
                            cause);
    if (ret == 0)
        ret = bk_perm_take_list(opts, "unshare-child-perms",
                                &s->unshare_child_perms, cause);
    if (ret < 0)
        goto out;

    if (image == NULL && !opts_name_image(opts)) {
        *cause = strfmt(
            "A block device must be specified for \"image\"");
        ret = -EINVAL;
        goto out;
    }
    ret = bk_node_open_child(node, opts, "image", image, "file", cause);
    if (ret < 0)
        goto out;
    ret = check_limits(lim, node->file->bl.request_alignment, cause);
    if (ret < 0) {
        bk_node_close(node->file);
        node->file = NULL;
        goto out;
    }

    s->align = lim[L_ALIGN];
    s->max_transfer = lim[L_MAX_TRANSFER];
    s->opt_write_zero = lim[L_OPT_WRITE_ZERO];
    s->max_write_zero = lim[L_MAX_WRITE_ZERO];
    s->opt_discard = lim[L_OPT_DISCARD];
    s->max_discard = lim[L_MAX_DISCARD];
    node->supported_write_flags = node->file->supported_write_flags & BK_REQ_FUA;
    /*
     * Like any node, blkdebug takes its child's transfer and memory limits
     * but not its request alignment: under O_DIRECT the file node does its
     * own read-modify-write below blkdebug, and blkdebug sees the request
     * unaligned, as in qemu.
     */
    node->bl.request_alignment = s->align ? (uint32_t)s->align : 1;
    node->bl.buf_align = node->file->bl.buf_align;
    node->bl.max_transfer = node->file->bl.max_transfer;
    if (s->max_transfer)
        node->bl.max_transfer = (int64_t)s->max_transfer;
    if (s->opt_write_zero)
        node->bl.pwrite_zeroes_alignment = (int64_t)s->opt_write_zero;
    if (s->max_write_zero)
        node->bl.max_pwrite_zeroes = (int64_t)s->max_write_zero;
    if (s->opt_discard)
        node->bl.pdiscard_alignment = (int64_t)s->opt_discard;
    if (s->max_discard)
        node->bl.max_pdiscard = (int64_t)s->max_discard;

    bd_faults_open(node);
    /* "none" fires once, when the node is ready. */
    rules_event(s->rules, RULES_EV_NONE, NULL, NULL);
    ret = 0;
out:
    if (ret < 0 && s->rules != NULL) {
        rules_engine_free(s->rules);
        s->rules = NULL;
    }
    free(config);
    free(image);
    return ret;
}

static void blkdebug_close(struct bk_node *node)
{
    struct blkdebug_state *s = node->state;

    bd_faults_close(node);
    rules_engine_free(s->rules);
    s->rules = NULL;
}

/* ---- events and breakpoints ------------------------------------------ */

/* The types of request the engine knows, by op. */
static const enum rules_iotype op_types[BK_OP__MAX] = {
    [BK_OP_READ] = RULES_IO_READ,
    [BK_OP_WRITE] = RULES_IO_WRITE,
    [BK_OP_WRITE_ZEROES] = RULES_IO_WRITE_ZEROES,
    [BK_OP_DISCARD] = RULES_IO_DISCARD,
    [BK_OP_FLUSH] = RULES_IO_FLUSH,
    [BK_OP_TRUNCATE] = RULES_IO_WRITE,
    [BK_OP_BLOCK_STATUS] = RULES_IO_BLOCK_STATUS,
};

static void blkdebug_event(struct bk_node *node, enum rules_event ev,
                           struct bk_io *io, bk_io_cb *cont)
{
    struct blkdebug_state *s = node->state;
    struct rules_fired fired;
    struct rules_io rio;
    struct parked *p;

    if (!rules_event_has_rules(s->rules, ev)) {
        cont(io);
        return;
    }
    /* The record is the request's cookie in case a breakpoint parks it. */
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    /* What the event fires for, for rules with conditions. */
    rio = (struct rules_io){ (uint64_t)io->offset, (uint64_t)io->bytes,
                             op_types[io->op] };
    rules_event_io(s->rules, ev, &rio, p, &fired);
    if (fired.nsuspend == 0) {
        rules_fired_fini(&fired);
        free(p);
        cont(io);
        return;
    }
    /* Park: the engine holds the record under each tag until resumed. */
    *p = (struct parked){ .io = io, .cont = cont, .left = fired.nsuspend };
    bd_parked_show_tag(p, fired.tags[0]);
    if (io->req != NULL) {
        io->req->state = BK_REQ_SUSPENDED;
        io->req->suspend_event = rules_event_names[ev];
        io->req->suspend_ns = bk_now_ns();
    }
    for (size_t i = 0; i < fired.nsuspend; i++)
        bk_stack_notify(node->stack, BK_NOTICE_SUSPENDED, fired.tags[i],
                        io->req);
    rules_fired_fini(&fired);
}

/* One resume of a parked request; it goes on after its last breakpoint. */
static void blkdebug_unpark(struct bk_node *node, struct parked *p,
                            const char *tag)
{
    struct blkdebug_state *s = node->state;
    struct bk_io *io = p->io;
    bk_io_cb *cont = p->cont;

    /* A hang's request: no breakpoint, no qemu-io line. */
    if (p->job != NULL) {
        bd_hang_resumed(node, p);
        return;
    }
    bk_stack_notify(node->stack, BK_NOTICE_RESUMED, tag, io->req);
    if (--p->left > 0) {
        /* Still held by another breakpoint: show that one's tag. */
        const char *left = rules_suspended_tag(s->rules, p);

        if (left != NULL)
            bd_parked_show_tag(p, left);
        return;
    }
    if (io->req != NULL) {
        io->req->state = BK_REQ_INFLIGHT;
        io->req->suspend_event = NULL;
    }
    bd_parked_show_tag(p, NULL);
    free(p);
    cont(io);
}

static int blkdebug_break(struct bk_node *node, const char *event,
                          const char *tag)
{
    struct blkdebug_state *s = node->state;

    return rules_break_add(s->rules, event, tag, NULL);
}

static int blkdebug_resume(struct bk_node *node, const char *tag)
{
    struct blkdebug_state *s = node->state;
    void *cookie;

    if (!rules_resume(s->rules, tag, &cookie))
        return -ENOENT;
    blkdebug_unpark(node, cookie, tag);
    return 0;
}

struct find_parked {
    const struct bk_req *req;
    struct parked *found;
};

static void match_parked(const char *tag, void *cookie, void *arg)
{
    struct find_parked *f = arg;
    struct parked *p = cookie;

    (void)tag;
    if (f->found == NULL && p != NULL && p->io->req == f->req)
        f->found = p;
}

/* Resume one suspension of req, whichever tag holds it. */
static int blkdebug_resume_req(struct bk_node *node, const struct bk_req *req)
{
    struct blkdebug_state *s = node->state;
    struct find_parked f = { req, NULL };
    char *tag = NULL;

    rules_foreach_suspended(s->rules, match_parked, &f);
    if (f.found == NULL || !rules_resume_req(s->rules, f.found, &tag))
        return -ENOENT;
    blkdebug_unpark(node, f.found, tag);
    free(tag);
    return 0;
}

/*
 * QEMU answers -ENOENT unless a breakpoint was deleted, even when it
 * resumed requests.  A tag only hang rules park under is blkmon's: letting
 * those go is what was asked, and is no error.
 */
static int blkdebug_remove_break(struct bk_node *node, const char *tag)
{
    struct blkdebug_state *s = node->state;
    int ret = rules_break_remove(s->rules, tag);
    bool hangs = false;
    void *cookie;

    while (rules_resume(s->rules, tag, &cookie)) {
        hangs |= ((struct parked *)cookie)->job != NULL;
        blkdebug_unpark(node, cookie, tag);
    }
    return ret == -ENOENT && hangs ? 0 : ret;
}

static bool blkdebug_is_suspended(struct bk_node *node, const char *tag)
{
    struct blkdebug_state *s = node->state;

    return rules_is_suspended(s->rules, tag);
}

static void first_tag(const char *tag, void *cookie, void *arg)
{
    char **out = arg;

    (void)cookie;
    if (*out == NULL)
        *out = strdup(tag);
}

static void blkdebug_resume_all(struct bk_node *node)
{
    struct blkdebug_state *s = node->state;

    for (;;) {
        char *tag = NULL;

        rules_foreach_suspended(s->rules, first_tag, &tag);
        if (tag == NULL)
            return;
        blkdebug_resume(node, tag);
        free(tag);
    }
}

struct break_visit {
    void (*fn)(const char *event, const char *tag, void *arg);
    void *arg;
};

static void visit_break(const struct rules_rule *r, void *arg)
{
    struct break_visit *v = arg;

    if (r->action == RULES_SUSPEND)
        v->fn(rules_event_names[r->event], r->u.suspend.tag, v->arg);
}

static void blkdebug_for_each_break(struct bk_node *node,
                                    void (*fn)(const char *event,
                                               const char *tag, void *arg),
                                    void *arg)
{
    struct blkdebug_state *s = node->state;
    struct break_visit v = { fn, arg };

    rules_foreach(s->rules, visit_break, &v);
}

struct susp_visit {
    void (*fn)(const char *tag, const struct bk_req *req, void *arg);
    void *arg;
};

static void visit_suspension(const char *tag, void *cookie, void *arg)
{
    struct susp_visit *v = arg;
    struct parked *p = cookie;

    v->fn(tag, p != NULL ? p->io->req : NULL, v->arg);
}

static void blkdebug_for_each_suspension(struct bk_node *node,
                                         void (*fn)(const char *tag,
                                                    const struct bk_req *req,
                                                    void *arg),
                                         void *arg)
{
    struct blkdebug_state *s = node->state;
    struct susp_visit v = { fn, arg };

    rules_foreach_suspended(s->rules, visit_suspension, &v);
}

static struct rules_engine *blkdebug_rules(struct bk_node *node)
{
    return ((struct blkdebug_state *)node->state)->rules;
}

/* ---- I/O ------------------------------------------------------------- */

static void blkdebug_preadv(struct bk_io *io)
{
    bd_request(io, RULES_IO_READ);
}

static void blkdebug_pwritev(struct bk_io *io)
{
    bd_request(io, RULES_IO_WRITE);
}

static void blkdebug_pwrite_zeroes(struct bk_io *io)
{
    int64_t align = io->node->bl.request_alignment;

    if (io->node->bl.pwrite_zeroes_alignment > align)
        align = io->node->bl.pwrite_zeroes_alignment;
    /*
     * Pieces smaller than the zero alignment are refused, so that the
     * generic layer's fallback to writing zeroes gets exercised.
     */
    if (io->bytes < align) {
        bk_io_complete(io, -ENOTSUP);
        return;
    }
    bd_request(io, RULES_IO_WRITE_ZEROES);
}

static void blkdebug_pdiscard(struct bk_io *io)
{
    if (io->bytes < (int64_t)io->node->bl.request_alignment) {
        bk_io_complete(io, -ENOTSUP);
        return;
    }
    bd_request(io, RULES_IO_DISCARD);
}

/* A flush is checked as QEMU checks it: no range. */
static void blkdebug_flush(struct bk_io *io)
{
    io->offset = io->bytes = 0;
    bd_request(io, RULES_IO_FLUSH);
}

static int blkdebug_powercut(struct bk_node *node, double keep, bool exit,
                             struct bk_fault *out)
{
    return bd_powercut(node, keep, exit, out);
}

static const struct bk_debug_ops blkdebug_debug_ops = {
    .set_break = blkdebug_break,
    .remove_break = blkdebug_remove_break,
    .resume = blkdebug_resume,
    .resume_req = blkdebug_resume_req,
    .is_suspended = blkdebug_is_suspended,
    .resume_all = blkdebug_resume_all,
    .powercut = blkdebug_powercut,
    .for_each_break = blkdebug_for_each_break,
    .for_each_suspension = blkdebug_for_each_suspension,
    .rules = blkdebug_rules,
};

/* A filter's permissions, with what the options add and take away. */
static void blkdebug_child_perm(const struct bk_node *node,
                                const struct bk_node *child, uint64_t perm,
                                uint64_t shared, uint64_t *nperm,
                                uint64_t *nshared)
{
    const struct blkdebug_state *s = node->state;

    (void)child;
    bk_default_perms(node, BK_ROLE_FILTERED, perm, shared, nperm, nshared);
    *nperm |= s->take_child_perms;
    *nshared &= ~s->unshare_child_perms;
}

const struct bk_driver bk_driver_blkdebug = {
    .name = "blkdebug",
    .protocol_name = "blkdebug",
    .child_name = "image",
    .is_filter = true,
    .state_size = sizeof(struct blkdebug_state),
    .open = blkdebug_open,
    .close = blkdebug_close,
    .get_length = bk_filter_get_length,
    .preadv = blkdebug_preadv,
    .pwritev = blkdebug_pwritev,
    .pwrite_zeroes = blkdebug_pwrite_zeroes,
    .pdiscard = blkdebug_pdiscard,
    .flush_to_disk = blkdebug_flush,
    .truncate = bd_truncate,
    .block_status = bd_block_status,
    .debug_event = blkdebug_event,
    .debug = &blkdebug_debug_ops,
    .child_perm = blkdebug_child_perm,
};
