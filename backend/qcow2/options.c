/*
 * options.c — the qcow2 node's runtime options (QEMU's qcow2_runtime_opts):
 * the caches' sizes, cache-clean-interval, lazy-refcounts, the overlap
 * checks and the pass-discard-* switches.
 *
 * They are read in two steps, as QEMU's qcow2_update_options_prepare and
 * _commit do, so that open, reopen and truncate share them: prepare takes
 * the keys from an option list, checks them with qemu's words, writes the
 * current caches back (they are replaced by new ones) and makes the new
 * caches; commit puts all that in place; abort drops it.  Nothing of the
 * node changes before commit, except the dirty bit cleared when
 * lazy-refcounts goes off.
 *
 * The caches are sized as QEMU sizes them (read_cache_sizes): the L2
 * cache covers the whole disk up to 32 MiB (in 4 KiB slices when it cannot
 * cover it all), the refcount cache gets 4 clusters, both at least their
 * minimum (2 L2 slices, 4 refcount blocks).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

#define DEFAULT_L2_CACHE_MAX_SIZE (32ULL << 20)
#define DEFAULT_CACHE_CLEAN_INTERVAL 600
#define MIN_L2_CACHE_SIZE 2
#define MIN_REFCOUNT_CACHE_SIZE 4

/* The keys qcow2 takes as its own (the overlap-check.* ones from the
 * overlap table), in QEMU's order. */
static const char *const runtime_keys[] = {
    "lazy-refcounts", "pass-discard-request", "pass-discard-snapshot",
    "pass-discard-other", "overlap-check", "overlap-check.template",
    "cache-size", "l2-cache-size", "l2-cache-entry-size",
    "refcount-cache-size", "cache-clean-interval",
};

static bool is_runtime_key(const char *key)
{
    for (size_t i = 0; i < sizeof(runtime_keys) / sizeof(runtime_keys[0]);
         i++)
        if (strcmp(key, runtime_keys[i]) == 0)
            return true;
    for (int i = 0; i < QCOW2_OL_MAX_BITNR; i++)
        if (strcmp(key, qcow2_overlap_options[i]) == 0)
            return true;
    return strncmp(key, "encrypt.", 8) == 0;
}

struct bk_opts *qcow2_options_copy(const struct bk_opts *opts)
{
    struct bk_opts *out = bk_opts_new();
    const char *k, *v;

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++)
        if (is_runtime_key(k))
            bk_opts_set(out, k, v);
    return out;
}

static int refuse(char **cause, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char **cause, int ret, const char *fmt, ...)
{
    va_list ap;

    if (*cause == NULL) {
        va_start(ap, fmt);
        *cause = vstrfmt(fmt, ap);
        va_end(ap);
    }
    return ret;
}

static int take_bool(struct bk_opts *opts, const char *key, bool def,
                     bool *out, char **cause)
{
    char *v = bk_opts_take(opts, key);
    int ret = 0;

    *out = def;
    if (v != NULL && bk_opts_parse_bool(v, out) < 0)
        ret = refuse(cause, -EINVAL, "Parameter '%s' expects 'on' or 'off'",
                   key);
    free(v);
    return ret;
}

static int take_size(struct bk_opts *opts, const char *key, uint64_t def,
                     uint64_t *out, bool *given, char **cause)
{
    int ret = bk_opts_take_size(opts, key, out, given, cause);

    if (ret == 0 && !*given)
        *out = def;
    return ret;
}

static int take_number(struct bk_opts *opts, const char *key, uint64_t def,
                       uint64_t *out, char **cause)
{
    char *v = bk_opts_take(opts, key), *end;
    int ret = 0;

    *out = def;
    if (v == NULL)
        return 0;
    errno = 0;
    *out = strtoull(v, &end, 0);
    /* A minus sign wraps, as with qemu_strtou64: "-1" is too big. */
    if (*v == '\0' || *end != '\0' || errno != 0)
        ret = refuse(cause, -EINVAL, "Parameter '%s' expects a number", key);
    free(v);
    return ret;
}

static int read_cache_sizes(struct qcow2_state *s, struct bk_opts *opts,
                            uint64_t *l2_size, uint64_t *l2_entry_size,
                            uint64_t *rc_size, char **cause)
{
    uint64_t combined, l2_max_setting;
    bool combined_set, l2_set, rc_set, entry_set;
    uint64_t min_rc = (uint64_t)MIN_REFCOUNT_CACHE_SIZE * s->cluster_size;
    uint64_t max_l2_entries = (s->size / 512 * 512 + s->cluster_size - 1) /
                              s->cluster_size;
    uint64_t max_l2_cache = (max_l2_entries * qcow2_l2_entry_size(s) +
                             s->cluster_size - 1) /
                            s->cluster_size * s->cluster_size;
    int ret;

    if ((ret = take_size(opts, "cache-size", 0, &combined, &combined_set,
                         cause)) ||
        (ret = take_size(opts, "l2-cache-size", DEFAULT_L2_CACHE_MAX_SIZE,
                         &l2_max_setting, &l2_set, cause)) ||
        (ret = take_size(opts, "refcount-cache-size", 0, rc_size, &rc_set,
                         cause)) ||
        (ret = take_size(opts, "l2-cache-entry-size", s->cluster_size,
                         l2_entry_size, &entry_set, cause)))
        return ret;
    *l2_size = max_l2_cache < l2_max_setting ? max_l2_cache : l2_max_setting;
    if (combined_set) {
        if (l2_set && rc_set)
            return refuse(cause, -EINVAL, "cache-size, l2-cache-size and "
                        "refcount-cache-size may not be set at the same "
                        "time");
        if (l2_set && l2_max_setting > combined)
            return refuse(cause, -EINVAL, "l2-cache-size may not exceed "
                        "cache-size");
        if (*rc_size > combined)
            return refuse(cause, -EINVAL, "refcount-cache-size may not exceed "
                        "cache-size");
        if (l2_set) {
            *rc_size = combined - *l2_size;
        } else if (rc_set) {
            *l2_size = combined - *rc_size;
        } else if (combined >= max_l2_cache + min_rc) {
            /* All the L2 cache it can use, the rest for refcounts. */
            *l2_size = max_l2_cache;
            *rc_size = combined - *l2_size;
        } else {
            *rc_size = combined < min_rc ? combined : min_rc;
            *l2_size = combined - *rc_size;
        }
    }
    /* A cache that cannot hold every table loads 4 KiB slices. */
    if (*l2_size < max_l2_cache && !entry_set)
        *l2_entry_size = s->cluster_size < 4096 ? s->cluster_size : 4096;
    if (*l2_entry_size < 512 || *l2_entry_size > s->cluster_size ||
        (*l2_entry_size & (*l2_entry_size - 1)) != 0)
        return refuse(cause, -EINVAL, "L2 cache entry size must be a power of "
                    "two between %d and the cluster size (%u)", 512,
                    s->cluster_size);
    return 0;
}

static int take_overlap_check(struct bk_opts *opts, int *out, char **cause)
{
    char *ol = bk_opts_take(opts, "overlap-check");
    char *ol_template = bk_opts_take(opts, "overlap-check.template");
    const char *name = ol ? ol : ol_template ? ol_template : "cached";
    int template = 0, ret = 0;
    bool b;

    if (ol != NULL && ol_template != NULL && strcmp(ol, ol_template) != 0) {
        ret = refuse(cause, -EINVAL, "Conflicting values for qcow2 options "
                   "'overlap-check' ('%s') and 'overlap-check.template' "
                   "('%s')", ol, ol_template);
        goto out;
    }
    if (strcmp(name, "none") == 0) {
        template = 0;
    } else if (strcmp(name, "constant") == 0) {
        template = QCOW2_OL_CONSTANT;
    } else if (strcmp(name, "cached") == 0) {
        template = QCOW2_OL_CACHED;
    } else if (strcmp(name, "all") == 0) {
        template = QCOW2_OL_ALL;
    } else {
        ret = refuse(cause, -EINVAL, "Unsupported value '%s' for qcow2 option "
                   "'overlap-check'. Allowed are any of the following: "
                   "none, constant, cached, all", name);
        goto out;
    }
    /* Each kind may be switched on its own over the template. */
    *out = 0;
    for (int i = 0; i < QCOW2_OL_MAX_BITNR; i++) {
        ret = take_bool(opts, qcow2_overlap_options[i], template & (1 << i),
                        &b, cause);
        if (ret < 0)
            goto out;
        *out |= (int)b << i;
    }
out:
    free(ol);
    free(ol_template);
    return ret;
}

static int take_encryption(struct qcow2_state *s, struct bk_opts *opts,
                           char **cause)
{
    char *fmt = bk_opts_take(opts, "encrypt.format");
    int ret = 0;

    switch (s->crypt_method) {
    case 0:
        if (fmt != NULL)
            ret = refuse(cause, -EINVAL, "No encryption in image header, but "
                       "options specified format '%s'", fmt);
        break;
    case 1:   /* AES */
    case 2:   /* LUKS */
        ret = refuse(cause, -ENOTSUP, "qcow2: encrypted images are not "
                   "supported (%s)", s->crypt_method == 1 ? "aes" : "luks");
        break;
    default:
        ret = refuse(cause, -EINVAL, "Unsupported encryption method %u",
                   s->crypt_method);
        break;
    }
    free(fmt);
    return ret;
}

/*
 * Every value read as its type first, as qemu_opts_absorb_qdict does
 * before anything else looks at them: the first bad one (in the order
 * qemu's dictionary walks them) is the error, and nothing has happened.
 */
static int check_types(struct bk_opts *opts, char **cause)
{
    static const char *const sizes[] = {
        "cache-size", "l2-cache-size", "l2-cache-entry-size",
        "refcount-cache-size",
    };
    size_t order[64], n = bk_opts_qemu_order(opts, order, 64);

    for (size_t i = 0; i < n; i++) {
        const char *k, *v;
        bool b, is_size = false;
        uint64_t u;
        char *end;

        bk_opts_at(opts, order[i], &k, &v);
        if (!is_runtime_key(k) || strncmp(k, "encrypt.", 8) == 0 ||
            strcmp(k, "overlap-check") == 0 ||
            strcmp(k, "overlap-check.template") == 0)
            continue;
        for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
            is_size |= strcmp(k, sizes[j]) == 0;
        if (is_size) {
            struct bk_opts *one = bk_opts_new();
            bool given;
            int ret;

            bk_opts_set(one, k, v);
            ret = bk_opts_take_size(one, k, &u, &given, cause);
            bk_opts_free(one);
            if (ret < 0)
                return ret;
        } else if (strcmp(k, "cache-clean-interval") == 0) {
            errno = 0;
            u = strtoull(v, &end, 0);
            if (*v == '\0' || *end != '\0' || errno != 0)
                return refuse(cause, -EINVAL, "Parameter '%s' expects a "
                            "number", k);
        } else if (bk_opts_parse_bool(v, &b) < 0) {
            return refuse(cause, -EINVAL, "Parameter '%s' expects 'on' or "
                        "'off'", k);
        }
    }
    return 0;
}

int qcow2_options_prepare(struct qcow2_state *s, struct bk_opts *opts,
                          unsigned flags, struct qcow2_options *r,
                          char **cause)
{
    uint64_t l2_size = 0, l2_entry_size = 0, rc_size = 0, interval;
    int ret;

    *r = (struct qcow2_options){ 0 };
    ret = check_types(opts, cause);
    if (ret < 0)
        return ret;
    ret = read_cache_sizes(s, opts, &l2_size, &l2_entry_size, &rc_size,
                           cause);
    if (ret < 0)
        return ret;
    l2_size /= l2_entry_size;
    if (l2_size < MIN_L2_CACHE_SIZE)
        l2_size = MIN_L2_CACHE_SIZE;
    if (l2_size > INT_MAX)
        return refuse(cause, -EINVAL, "L2 cache size too big");
    rc_size /= s->cluster_size;
    if (rc_size < MIN_REFCOUNT_CACHE_SIZE)
        rc_size = MIN_REFCOUNT_CACHE_SIZE;
    if (rc_size > INT_MAX)
        return refuse(cause, -EINVAL, "Refcount cache size too big");

    /* The caches in use are written back: new ones replace them. */
    if (s->l2_cache != NULL) {
        ret = qcow2_meta_flush(s, s->l2_cache);
        if (ret < 0)
            return refuse(cause, ret, "Failed to flush the L2 table cache: %s",
                        strerror(-ret));
    }
    if (s->rc_cache != NULL) {
        ret = qcow2_meta_flush(s, s->rc_cache);
        if (ret < 0)
            return refuse(cause, ret, "Failed to flush the refcount block "
                        "cache: %s", strerror(-ret));
    }
    r->l2_slice_size = (uint32_t)(l2_entry_size / qcow2_l2_entry_size(s));
    r->l2_cache = qcow2_cache_new((int)l2_size, (unsigned)l2_entry_size,
                                  "L2 table");
    r->rc_cache = qcow2_cache_new((int)rc_size, s->cluster_size,
                                  "refcount block");
    if (r->l2_cache == NULL || r->rc_cache == NULL)
        return refuse(cause, -ENOMEM, "Could not allocate metadata caches");

    ret = take_number(opts, "cache-clean-interval",
                      DEFAULT_CACHE_CLEAN_INTERVAL, &interval, cause);
    if (ret < 0)
        return ret;
    if (interval > UINT_MAX)
        return refuse(cause, -EINVAL, "Cache clean interval too big");
    r->cache_clean_interval = (unsigned)interval;

    ret = take_bool(opts, "lazy-refcounts",
                    s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS,
                    &r->use_lazy_refcounts, cause);
    if (ret < 0)
        return ret;
    if (r->use_lazy_refcounts && s->version < 3)
        return refuse(cause, -EINVAL, "Lazy refcounts require a qcow2 image "
                    "with at least qemu 1.1 compatibility level");
    /* Going from lazy to exact refcounts: the image must be clean. */
    if (s->use_lazy_refcounts && !r->use_lazy_refcounts) {
        ret = qcow2_mark_clean(s);
        if (ret < 0)
            return refuse(cause, ret, "Failed to disable lazy refcounts: %s",
                        strerror(-ret));
    }

    ret = take_overlap_check(opts, &r->overlap_check, cause);
    if (ret < 0)
        return ret;

    r->discard_passthrough[QCOW2_DISCARD_NEVER] = false;
    r->discard_passthrough[QCOW2_DISCARD_ALWAYS] = true;
    if ((ret = take_bool(opts, "pass-discard-request", flags & BK_O_UNMAP,
                         &r->discard_passthrough[QCOW2_DISCARD_REQUEST],
                         cause)) ||
        (ret = take_bool(opts, "pass-discard-snapshot", true,
                         &r->discard_passthrough[QCOW2_DISCARD_SNAPSHOT],
                         cause)) ||
        (ret = take_bool(opts, "pass-discard-other", false,
                         &r->discard_passthrough[QCOW2_DISCARD_OTHER],
                         cause)))
        return ret;
    return take_encryption(s, opts, cause);
}

static long cache_clean_cb(struct bk_loop *loop, void *arg)
{
    struct qcow2_state *s = arg;

    (void)loop;
    qcow2_cache_clean_unused(s->l2_cache);
    qcow2_cache_clean_unused(s->rc_cache);
    return (long)s->cache_clean_interval * 1000;
}

void qcow2_cache_clean_timer_del(struct qcow2_state *s)
{
    if (s->cache_clean_timer > 0)
        bk_loop_del_timer(s->node->loop, s->cache_clean_timer);
    s->cache_clean_timer = 0;
}

static void cache_clean_timer_init(struct qcow2_state *s)
{
    if (s->cache_clean_interval > 0)
        s->cache_clean_timer = bk_loop_add_timer(
            s->node->loop, (long)s->cache_clean_interval * 1000,
            cache_clean_cb, s);
}

void qcow2_options_commit(struct qcow2_state *s, struct qcow2_options *r)
{
    qcow2_cache_free(s->l2_cache);
    qcow2_cache_free(s->rc_cache);
    s->l2_cache = r->l2_cache;
    s->rc_cache = r->rc_cache;
    s->l2_slice_size = r->l2_slice_size;
    s->overlap_check = r->overlap_check;
    s->use_lazy_refcounts = r->use_lazy_refcounts;
    memcpy(s->discard_passthrough, r->discard_passthrough,
           sizeof(s->discard_passthrough));
    if (s->cache_clean_interval != r->cache_clean_interval) {
        qcow2_cache_clean_timer_del(s);
        s->cache_clean_interval = r->cache_clean_interval;
        cache_clean_timer_init(s);
    }
    *r = (struct qcow2_options){ 0 };
}

void qcow2_options_abort(struct qcow2_options *r)
{
    qcow2_cache_free(r->l2_cache);
    qcow2_cache_free(r->rc_cache);
    *r = (struct qcow2_options){ 0 };
}

/* ---- reopen ---------------------------------------------------------- */

/* The new options joined with the old, as qcow2_join_options does: a new
 * overlap template drops the old overlap options, a new cache-size the
 * old cache sizes, and an old cache-size goes when any size is set. */
static struct bk_opts *join_options(struct bk_opts *new_opts,
                                    const struct bk_opts *old)
{
    static const char *const overlap_dropped[] = {
        "overlap-check", "overlap-check.template",
        "overlap-check.main-header", "overlap-check.active-l1",
        "overlap-check.active-l2", "overlap-check.refcount-table",
        "overlap-check.refcount-block", "overlap-check.snapshot-table",
        "overlap-check.inactive-l1", "overlap-check.inactive-l2",
    };
    bool new_template = bk_opts_has(new_opts, "overlap-check") ||
                        bk_opts_has(new_opts, "overlap-check.template");
    bool new_total = bk_opts_has(new_opts, "cache-size");
    const char *k, *v;

    for (size_t i = 0; bk_opts_at(old, i, &k, &v); i++) {
        bool dropped = false;

        for (size_t j = 0; new_template && j < sizeof(overlap_dropped) /
                                               sizeof(overlap_dropped[0]);
             j++)
            dropped |= strcmp(k, overlap_dropped[j]) == 0;
        if (new_total && (strcmp(k, "l2-cache-size") == 0 ||
                          strcmp(k, "refcount-cache-size") == 0))
            dropped = true;
        if (!dropped && !bk_opts_has(new_opts, k))
            bk_opts_set(new_opts, k, v);
    }
    if (!new_total && (bk_opts_has(new_opts, "cache-size") ||
                       bk_opts_has(new_opts, "l2-cache-size") ||
                       bk_opts_has(new_opts, "refcount-cache-size")))
        bk_opts_del(new_opts, "cache-size");
    return new_opts;
}

struct reopen_ctx {
    struct qcow2_state *s;
    struct bk_opts *opts;
    unsigned flags;
    char **cause;
};

static int reopen_prepare_co(void *arg)
{
    struct reopen_ctx *c = arg;
    struct qcow2_state *s = c->s;
    int ret;

    ret = qcow2_options_prepare(s, c->opts, c->flags, &s->reopen, c->cause);
    if (ret < 0)
        return ret;
    /* Going read-only: bitmaps stored, everything written back and the
     * image clean. */
    if (!(c->flags & BK_O_RDWR) && (s->node->open_flags & BK_O_RDWR)) {
        ret = qcow2_reopen_bitmaps_ro(s, c->cause);
        if (ret < 0)
            return ret;
        ret = qcow2_node_flush(s, s->node);
        if (ret == 0)
            ret = qcow2_mark_clean(s);
        if (ret < 0 && *c->cause == NULL)
            *c->cause = strfmt("failed while preparing to reopen image "
                               "'%s'", bk_node_bottom(s->node)->filename);
    }
    return ret;
}

int qcow2_reopen_prepare(struct bk_node *node, struct bk_opts *opts,
                         unsigned flags, char **cause)
{
    struct qcow2_state *s = node->state;
    struct bk_opts *mine = bk_opts_new();
    struct reopen_ctx c = { .s = s, .flags = flags, .cause = cause };
    const char *k, *v;
    int ret;

    /* This node's keys leave opts; the ones not given keep their value. */
    for (size_t i = 0; bk_opts_at(opts, i, &k, &v);) {
        if (is_runtime_key(k)) {
            bk_opts_set(mine, k, v);
            bk_opts_del(opts, k);
        } else {
            i++;
        }
    }
    c.opts = join_options(mine, s->runtime_opts);
    s->reopen_opts = qcow2_options_copy(c.opts);
    ret = qcow2_run_sync(node, reopen_prepare_co, &c);
    bk_opts_free(c.opts);
    if (ret < 0)
        qcow2_reopen_abort(node);
    return ret;
}

static int reopen_bitmaps_rw_co(void *arg)
{
    struct qcow2_state *s = arg;
    char *cause = NULL;
    int ret = qcow2_reopen_bitmaps_rw(s, &cause);

    /* Not fatal: the bitmaps stay read-only, writes fail. */
    if (ret < 0) {
        char *m = strfmt("%s: Failed to make dirty bitmaps writable: %s",
                         s->node->node_name, cause != NULL ? cause : "");

        if (m != NULL)
            bk_stack_message(s->node->stack, BK_MSG_REPORT, m);
        free(m);
    }
    free(cause);
    return 0;
}

void qcow2_reopen_commit(struct bk_node *node)
{
    struct qcow2_state *s = node->state;

    qcow2_options_commit(s, &s->reopen);
    bk_opts_free(s->runtime_opts);
    s->runtime_opts = s->reopen_opts;
    s->reopen_opts = NULL;
    if (node->open_flags & BK_O_RDWR)
        qcow2_run_sync(node, reopen_bitmaps_rw_co, s);
}

void qcow2_reopen_abort(struct bk_node *node)
{
    struct qcow2_state *s = node->state;

    qcow2_options_abort(&s->reopen);
    bk_opts_free(s->reopen_opts);
    s->reopen_opts = NULL;
}
