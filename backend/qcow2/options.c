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

static int fail(char **cause, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char **cause, int ret, const char *fmt, ...)
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
        ret = fail(cause, -EINVAL, "Parameter '%s' expects 'on' or 'off'",
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
        ret = fail(cause, -EINVAL, "Parameter '%s' expects a number", key);
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
            return fail(cause, -EINVAL, "cache-size, l2-cache-size and "
                        "refcount-cache-size may not be set at the same "
                        "time");
        if (l2_set && l2_max_setting > combined)
            return fail(cause, -EINVAL, "l2-cache-size may not exceed "
                        "cache-size");
        if (*rc_size > combined)
            return fail(cause, -EINVAL, "refcount-cache-size may not exceed "
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
        return fail(cause, -EINVAL, "L2 cache entry size must be a power of "
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
        ret = fail(cause, -EINVAL, "Conflicting values for qcow2 options "
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
        ret = fail(cause, -EINVAL, "Unsupported value '%s' for qcow2 option "
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
            ret = fail(cause, -EINVAL, "No encryption in image header, but "
                       "options specified format '%s'", fmt);
        break;
    case 1:   /* AES */
    case 2:   /* LUKS */
        ret = fail(cause, -ENOTSUP, "qcow2: encrypted images are not "
                   "supported (%s)", s->crypt_method == 1 ? "aes" : "luks");
        break;
    default:
        ret = fail(cause, -EINVAL, "Unsupported encryption method %u",
                   s->crypt_method);
        break;
    }
    free(fmt);
    return ret;
}

int qcow2_options_prepare(struct qcow2_state *s, struct bk_opts *opts,
                          unsigned flags, struct qcow2_options *r,
                          char **cause)
{
    uint64_t l2_size = 0, l2_entry_size = 0, rc_size = 0, interval;
    int ret;

    *r = (struct qcow2_options){ 0 };
    ret = read_cache_sizes(s, opts, &l2_size, &l2_entry_size, &rc_size,
                           cause);
    if (ret < 0)
        return ret;
    l2_size /= l2_entry_size;
    if (l2_size < MIN_L2_CACHE_SIZE)
        l2_size = MIN_L2_CACHE_SIZE;
    if (l2_size > INT_MAX)
        return fail(cause, -EINVAL, "L2 cache size too big");
    rc_size /= s->cluster_size;
    if (rc_size < MIN_REFCOUNT_CACHE_SIZE)
        rc_size = MIN_REFCOUNT_CACHE_SIZE;
    if (rc_size > INT_MAX)
        return fail(cause, -EINVAL, "Refcount cache size too big");

    /* The caches in use are written back: new ones replace them. */
    if (s->l2_cache != NULL) {
        ret = qcow2_meta_flush(s, s->l2_cache);
        if (ret < 0)
            return fail(cause, ret, "Failed to flush the L2 table cache: %s",
                        strerror(-ret));
    }
    if (s->rc_cache != NULL) {
        ret = qcow2_meta_flush(s, s->rc_cache);
        if (ret < 0)
            return fail(cause, ret, "Failed to flush the refcount block "
                        "cache: %s", strerror(-ret));
    }
    r->l2_slice_size = (uint32_t)(l2_entry_size / qcow2_l2_entry_size(s));
    r->l2_cache = qcow2_cache_new((int)l2_size, (unsigned)l2_entry_size,
                                  "L2 table");
    r->rc_cache = qcow2_cache_new((int)rc_size, s->cluster_size,
                                  "refcount block");
    if (r->l2_cache == NULL || r->rc_cache == NULL)
        return fail(cause, -ENOMEM, "Could not allocate metadata caches");

    ret = take_number(opts, "cache-clean-interval",
                      DEFAULT_CACHE_CLEAN_INTERVAL, &interval, cause);
    if (ret < 0)
        return ret;
    if (interval > UINT_MAX)
        return fail(cause, -EINVAL, "Cache clean interval too big");
    r->cache_clean_interval = (unsigned)interval;

    ret = take_bool(opts, "lazy-refcounts",
                    s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS,
                    &r->use_lazy_refcounts, cause);
    if (ret < 0)
        return ret;
    if (r->use_lazy_refcounts && s->version < 3)
        return fail(cause, -EINVAL, "Lazy refcounts require a qcow2 image "
                    "with at least qemu 1.1 compatibility level");
    /* Going from lazy to exact refcounts: the image must be clean. */
    if (s->use_lazy_refcounts && !r->use_lazy_refcounts) {
        ret = qcow2_mark_clean(s);
        if (ret < 0)
            return fail(cause, ret, "Failed to disable lazy refcounts: %s",
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
