/*
 * inline.c — rules given as blkdebug node options instead of a file.
 *
 * QEMU accepts, for each group, either one unnumbered section
 * ("inject-error.event=read_aio,inject-error.errno=5") or numbered ones
 * starting at 0 ("inject-error.0.event=...,inject-error.1.event=...").
 * Numbered sections become opts with ids "inject-error.0", ...  The keys
 * of the unnumbered form are taken first; whatever remains must split
 * into numbered sections, or QEMU complains with one of four messages,
 * each naming the first leftover key in QDict order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

/* Whether group g may be given as options (every config group). */
static bool
is_config_group(int g)
{
    return rules_group_lookup(rules_group_name(g)) == g;
}

bool
rules_is_option(const char *key)
{
    int g;
    size_t n;

    for (g = 0; g < RULES_ACTION__MAX; g++) {
        if (!is_config_group(g))
            continue;
        n = strlen(rules_group_name(g));
        if (strncmp(key, rules_group_name(g), n) == 0 && key[n] == '.')
            return true;
    }
    return false;
}

/* qdict_extract_subqdict: move the keys under prefix into a new dict. */
static struct rules_dict *
extract(struct rules_dict *src, const char *prefix)
{
    struct rules_dict *dst = rules_dict_new();
    size_t plen = strlen(prefix), i = 0;
    const char *key, *value;
    char *k;

    while ((key = rules_dict_key_at(src, i, &value)) != NULL) {
        if (strncmp(key, prefix, plen) != 0) {
            i++;
            continue;
        }
        rules_dict_put(dst, key + plen, value);
        if ((k = strdup(key)) == NULL)
            abort();
        rules_dict_del(src, k);     /* the walk shifts: keep i */
        free(k);
    }
    return dst;
}

static size_t
count_prefixed(const struct rules_dict *d, const char *prefix)
{
    size_t plen = strlen(prefix), i, n = 0;
    const char *key;

    for (i = 0; (key = rules_dict_key_at(d, i, NULL)) != NULL; i++) {
        if (strncmp(key, prefix, plen) == 0)
            n++;
    }
    return n;
}

/* qemu_opts_absorb_qdict: take the keys o knows, leave the others. */
static int
absorb(struct rules_opts *o, struct rules_dict *d, char **cause)
{
    const char *key, *value;
    size_t i = 0;
    char *k;
    int ret;

    while ((key = rules_dict_key_at(d, i, &value)) != NULL) {
        if (rules_group_key_type((int)o->group, key) < 0) {
            i++;
            continue;
        }
        ret = rules_opts_set(o, key, value, cause);
        if (ret < 0)
            return ret;
        if ((k = strdup(key)) == NULL)
            abort();
        rules_dict_del(d, k);
        free(k);
    }
    return 0;
}

/* One numbered section: a dict of keys, or a plain value (an error). */
struct section {
    struct rules_dict *keys;
    bool plain;
};

static int
parse_group(struct rules_session *s, struct rules_dict *options, int g,
            char **cause)
{
    const char *name = rules_group_name(g);
    struct rules_dict *sub;
    struct rules_opts *o;
    struct section *sec = NULL;
    size_t orig, left, nsec = 0, i;
    char prefix[64], idx[32];
    int ret = 0;

    snprintf(prefix, sizeof(prefix), "%s.", name);
    sub = extract(options, prefix);
    orig = rules_dict_size(sub);
    if (orig == 0)
        goto out;

    ret = rules_opts_create(s, g, NULL, &o, cause);
    if (ret < 0)
        goto out;
    ret = absorb(o, sub, cause);
    if (ret < 0)
        goto out;
    left = rules_dict_size(sub);
    if (left == 0)
        goto out;
    if (left < orig) {
        ret = rules_fail(cause, -EINVAL, "Unknown option '%s' for [%s]",
                         rules_dict_key_at(sub, 0, NULL), name);
        goto out;
    }

    /* Only numbered sections are left: split them, 0, 1, ... */
    rules_opts_drop_last(s, o);
    for (;;) {
        bool has_plain, has_keys;

        snprintf(idx, sizeof(idx), "%zu", nsec);
        snprintf(prefix, sizeof(prefix), "%zu.", nsec);
        has_plain = rules_dict_get(sub, idx) != NULL;
        has_keys = count_prefixed(sub, prefix) > 0;
        if (has_plain == has_keys)
            break;
        sec = realloc(sec, (nsec + 1) * sizeof(*sec));
        if (sec == NULL)
            abort();
        if (has_keys) {
            sec[nsec].keys = extract(sub, prefix);
            sec[nsec].plain = false;
        } else {
            rules_dict_del(sub, idx);
            sec[nsec].keys = NULL;
            sec[nsec].plain = true;
        }
        nsec++;
    }
    if (rules_dict_size(sub) > 0) {
        ret = rules_fail(cause, -EINVAL, "Unused option '%s' for [%s]",
                         rules_dict_key_at(sub, 0, NULL), name);
        goto out;
    }
    for (i = 0; i < nsec; i++) {
        char id[80];

        if (sec[i].plain) {
            ret = rules_fail(cause, -EINVAL,
                             "[%s] section (index %zu) does not consist of "
                             "keys", name, i);
            goto out;
        }
        snprintf(id, sizeof(id), "%s.%zu", name, i);
        ret = rules_opts_create(s, g, id, &o, cause);
        if (ret < 0)
            goto out;
        ret = absorb(o, sec[i].keys, cause);
        if (ret < 0)
            goto out;
        if (rules_dict_size(sec[i].keys) > 0) {
            ret = rules_fail(cause, -EINVAL,
                             "[%s] section doesn't support the option '%s'",
                             name, rules_dict_key_at(sec[i].keys, 0, NULL));
            goto out;
        }
    }
out:
    for (i = 0; i < nsec; i++)
        rules_dict_free(sec[i].keys);
    free(sec);
    rules_dict_free(sub);
    return ret;
}

int
rules_inline_parse(struct rules_session *s, const struct rules_kv *kv,
                   size_t n, char **cause)
{
    struct rules_dict *options = rules_dict_new();
    size_t i;
    int g, ret = 0;

    /*
     * Backwards: by the time blkdebug sees its options, the block layer
     * has moved them out of the "file." level into a new QDict, which
     * reverses the order of keys sharing a bucket.
     */
    for (i = n; i-- > 0;) {
        if (rules_is_option(kv[i].key))
            rules_dict_put(options, kv[i].key, kv[i].value);
    }
    /* QEMU's two groups first, in its order; then blkmon's. */
    for (g = 0; g < RULES_ACTION__MAX && ret == 0; g++)
        if (is_config_group(g))
            ret = parse_group(s, options, g, cause);
    rules_dict_free(options);
    return ret;
}
