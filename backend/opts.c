/*
 * opts.c — the flat key=value option list that configures a device.
 *
 * Keys are dotted paths as the block layer names them ("file.driver",
 * "file.image.filename").  Drivers take the keys they understand; whatever
 * is left after opening a stack is an error, so typos do not pass silently.
 * Order is kept so that messages name options in the order given.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"
#include "util/strtosz.h"

struct bk_opt {
    char *key;
    char *value;
};

struct bk_opts {
    struct bk_opt *v;
    size_t n;
};

struct bk_opts *bk_opts_new(void)
{
    return calloc(1, sizeof(struct bk_opts));
}

void bk_opts_free(struct bk_opts *opts)
{
    if (opts == NULL)
        return;
    for (size_t i = 0; i < opts->n; i++) {
        free(opts->v[i].key);
        free(opts->v[i].value);
    }
    free(opts->v);
    free(opts);
}

static ssize_t opts_find(const struct bk_opts *opts, const char *key)
{
    for (size_t i = 0; i < opts->n; i++)
        if (strcmp(opts->v[i].key, key) == 0)
            return (ssize_t)i;
    return -1;
}

void bk_opts_set(struct bk_opts *opts, const char *key, const char *value)
{
    ssize_t i = opts_find(opts, key);
    struct bk_opt *n;

    if (i >= 0) {
        free(opts->v[i].value);
        opts->v[i].value = strdup(value);
        return;
    }
    n = realloc(opts->v, (opts->n + 1) * sizeof(*n));
    if (n == NULL)
        abort();
    opts->v = n;
    opts->v[opts->n].key = strdup(key);
    opts->v[opts->n].value = strdup(value);
    opts->n++;
}

const char *bk_opts_get(const struct bk_opts *opts, const char *key)
{
    ssize_t i = opts == NULL ? -1 : opts_find(opts, key);

    return i < 0 ? NULL : opts->v[i].value;
}

bool bk_opts_has(const struct bk_opts *opts, const char *key)
{
    return bk_opts_get(opts, key) != NULL;
}

void bk_opts_del(struct bk_opts *opts, const char *key)
{
    ssize_t i = opts_find(opts, key);

    if (i < 0)
        return;
    free(opts->v[i].key);
    free(opts->v[i].value);
    memmove(&opts->v[i], &opts->v[i + 1],
            (opts->n - (size_t)i - 1) * sizeof(opts->v[0]));
    opts->n--;
}

size_t bk_opts_count(const struct bk_opts *opts)
{
    return opts == NULL ? 0 : opts->n;
}

bool bk_opts_at(const struct bk_opts *opts, size_t i, const char **key,
                const char **value)
{
    if (opts == NULL || i >= opts->n)
        return false;
    *key = opts->v[i].key;
    *value = opts->v[i].value;
    return true;
}

char *bk_opts_take(struct bk_opts *opts, const char *key)
{
    ssize_t i = opts_find(opts, key);
    char *value;

    if (i < 0)
        return NULL;
    value = opts->v[i].value;
    opts->v[i].value = NULL;
    bk_opts_del(opts, key);
    return value;
}

struct bk_opts *bk_opts_extract_prefix(struct bk_opts *opts,
                                       const char *prefix)
{
    struct bk_opts *out = bk_opts_new();
    size_t plen = strlen(prefix);

    for (size_t i = 0; i < opts->n;) {
        const char *k = opts->v[i].key;

        if (strncmp(k, prefix, plen) == 0 && k[plen] == '.') {
            bk_opts_set(out, k + plen + 1, opts->v[i].value);
            bk_opts_del(opts, k);
        } else {
            i++;
        }
    }
    return out;
}

/* Copy one value up to an unescaped comma; ",," is a literal comma. */
static const char *opts_scan_value(const char *p, char **out)
{
    size_t cap = strlen(p) + 1, n = 0;
    char *v = malloc(cap);

    while (*p != '\0') {
        if (*p == ',') {
            if (p[1] != ',')
                break;
            p++;
        }
        v[n++] = *p++;
    }
    v[n] = '\0';
    *out = v;
    return p;
}

int bk_opts_parse(struct bk_opts *opts, const char *text,
                  const char *implied_key, char **cause)
{
    const char *p = text;
    bool first = true;

    while (*p != '\0') {
        const char *eq = strchr(p, '=');
        const char *comma = strchr(p, ',');
        char *key, *value;

        if (eq == NULL || (comma != NULL && comma < eq)) {
            /* No '=' before the next comma. */
            if (first && implied_key != NULL) {
                p = opts_scan_value(p, &value);
                bk_opts_set(opts, implied_key, value);
                free(value);
            } else {
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                /* An empty part is an empty key, as in qemu: the open
                 * then names the option '' as unsupported. */
                key = strndup(p, len);
                /* "noflag" means flag=off, "flag" means flag=on. */
                if (strncmp(key, "no", 2) == 0)
                    bk_opts_set(opts, key + 2, "off");
                else
                    bk_opts_set(opts, key, "on");
                free(key);
                p += len;
            }
        } else {
            key = strndup(p, (size_t)(eq - p));
            p = opts_scan_value(eq + 1, &value);
            bk_opts_set(opts, key, value);
            free(key);
            free(value);
        }
        first = false;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* The bucket of qemu's option dictionary that key falls in (512 of
 * them, walked in order; the entry added last comes first in a bucket). */
static unsigned opts_qemu_bucket(const char *key)
{
    uint32_t v = 0x238F13AFu * (uint32_t)strlen(key);

    for (unsigned i = 0; key[i] != '\0'; i++)
        v += (uint32_t)(unsigned char)key[i] << (i * 5 % 24);
    return (1103515243u * v + 12345u) % 512u;
}

bool bk_opts_first_leftover(const struct bk_opts *opts, const char **key)
{
    const char *k, *v;
    unsigned best = 0;
    bool found = false;

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++) {
        unsigned b = opts_qemu_bucket(k);

        if (!found || b <= best) {
            best = b;
            *key = k;
            found = true;
        }
    }
    return found;
}

size_t bk_opts_qemu_order(const struct bk_opts *opts, size_t *order,
                          size_t max)
{
    const char *k, *v;
    size_t n = 0;

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v) && n < max; i++) {
        unsigned b = opts_qemu_bucket(k);
        size_t j = n++;

        /* Insertion sort: by bucket, the later key first within one. */
        while (j > 0) {
            const char *pk = "", *pv;

            bk_opts_at(opts, order[j - 1], &pk, &pv);
            if (opts_qemu_bucket(pk) < b)
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    return n;
}

int bk_opts_take_size(struct bk_opts *opts, const char *key, uint64_t *out,
                      bool *given, char **cause)
{
    char *text = bk_opts_take(opts, key);
    int ret;

    *given = text != NULL;
    if (text == NULL)
        return 0;
    ret = bk_opts_parse_size(text, out);
    if (ret == -ERANGE)
        *cause = strfmt("Value '%s' is out of range for parameter '%s'",
                        text, key);
    else if (ret < 0)
        *cause = strfmt(
            "Parameter '%s' expects a non-negative number below 2^64\n"
            "Optional suffix k, M, G, T, P or E means kilo-, mega-, "
            "giga-, tera-, peta-\nand exabytes, respectively.", key);
    free(text);
    return ret < 0 ? -EINVAL : 0;
}

int bk_opts_take_number(struct bk_opts *opts, const char *key, uint64_t *out,
                        char **cause)
{
    char *text = bk_opts_take(opts, key), *end;

    *out = 0;
    if (text == NULL)
        return 0;
    errno = 0;
    *out = strtoull(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0') {
        *cause = strfmt("Parameter '%s' expects a number", key);
        free(text);
        return -EINVAL;
    }
    free(text);
    return 0;
}

int bk_opts_take_bool(struct bk_opts *opts, const char *key, bool *out,
                      bool *given, char **cause)
{
    char *text = bk_opts_take(opts, key);
    int ret = 0;

    if (given != NULL)
        *given = text != NULL;
    if (text != NULL && bk_opts_parse_bool(text, out) < 0) {
        *cause = strfmt("Parameter '%s' expects 'on' or 'off'", key);
        ret = -EINVAL;
    }
    free(text);
    return ret;
}

int bk_opts_parse_bool(const char *text, bool *out)
{
    static const struct { const char *name; bool value; } words[] = {
        { "on", true }, { "yes", true }, { "true", true }, { "y", true },
        { "off", false }, { "no", false }, { "false", false }, { "n", false },
    };

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(text, words[i].name) == 0) {
            *out = words[i].value;
            return 0;
        }
    }
    return -EINVAL;
}

int bk_opts_parse_size(const char *text, uint64_t *out)
{
    /* qemu's options read sizes with qemu_strtosz, as qemu-io's commands
     * do, up to UINT64_MAX. */
    return strtosz(text, out, NULL);
}
