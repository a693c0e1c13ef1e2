/*
 * load.c — loading and saving rule sets, and adding one rule by its keys.
 *
 * A load runs QEMU's read_config: read the file, check its groups, add the
 * inline options' groups, then turn all inject-error groups into rules, then
 * all set-state groups; blkmon's groups come last, in the order they were
 * read (QEMU has none, so its order is kept for its own).  The rules are
 * built aside and only added to the engine once every group passed, so a
 * failed load changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

/* Read a whole stream; -errno when a read fails. */
static int
slurp(FILE *f, char **textp, size_t *lenp)
{
    char *text = NULL;
    size_t len = 0, cap = 0, n;

    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            if ((text = realloc(text, cap)) == NULL)
                abort();
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        int err = errno ? errno : EIO;

        free(text);
        return -err;
    }
    *textp = text;
    *lenp = len;
    return 0;
}

/* blkmon's groups' opts, oldest first, for commit. */
static size_t
later_groups(const struct rules_session *s, struct rules_opts ***out)
{
    struct rules_opts **v = NULL, *o;
    size_t n = 0;

    for (int g = 0; g < RULES_ACTION__MAX; g++) {
        if (rules_action_has_event((enum rules_action)g))
            continue;
        for (o = s->head[g]; o != NULL; o = o->next) {
            size_t i = n;

            v = realloc(v, (n + 1) * sizeof(*v));
            if (v == NULL)
                abort();
            while (i > 0 && v[i - 1]->seq > o->seq) {
                v[i] = v[i - 1];
                i--;
            }
            v[i] = o;
            n++;
        }
    }
    *out = v;
    return n;
}

/* Build one rule from o at the end of the array. */
static int
build(const struct rules_opts *o, struct rules_rule **rules, size_t *n,
      char **cause)
{
    int ret;

    *rules = realloc(*rules, (*n + 1) * sizeof(**rules));
    if (*rules == NULL)
        abort();
    ret = rules_rule_from_opts(o, &(*rules)[*n], cause);
    if (ret == 0)
        (*n)++;
    return ret;
}

/* Build the rules of a checked session and add them all, or none. */
static int
commit(struct rules_engine *e, struct rules_session *s, char **cause)
{
    static const int order[2] = { RULES_INJECT_ERROR, RULES_SET_STATE };
    struct rules_rule *rules = NULL;
    struct rules_opts *o, **later;
    size_t n = 0, i, nlater = later_groups(s, &later);
    int g, ret = 0;

    for (g = 0; g < 2 && ret == 0; g++)
        for (o = s->head[order[g]]; o != NULL && ret == 0; o = o->next)
            ret = build(o, &rules, &n, cause);
    for (i = 0; i < nlater && ret == 0; i++)
        ret = build(later[i], &rules, &n, cause);
    if (ret == 0) {
        for (i = 0; i < n; i++)
            rules_engine_insert(e, &rules[i]);
    } else {
        for (i = 0; i < n; i++)
            rules_rule_fini(&rules[i]);
    }
    free(rules);
    free(later);
    return ret;
}

static int
load_text(struct rules_engine *e, const char *text, size_t len,
          const struct rules_kv *opts, size_t nopts, char **cause)
{
    struct rules_session s;
    int ret = 0;

    rules_session_init(&s);
    if (text != NULL)
        ret = rules_config_parse(&s, text, len, cause);
    if (ret == 0)
        ret = rules_inline_parse(&s, opts, nopts, cause);
    if (ret == 0)
        ret = commit(e, &s, cause);
    rules_session_fini(&s);
    return ret;
}

int
rules_load(struct rules_engine *e, const char *path,
           const struct rules_kv *opts, size_t nopts, char **cause)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int ret;

    if (path == NULL)
        return load_text(e, NULL, 0, opts, nopts, cause);
    f = fopen(path, "r");
    if (f == NULL) {
        ret = -errno;
        return rules_fail(cause, ret,
                          "Could not read blkdebug config file: %s",
                          strerror(-ret));
    }
    /* A directory opens fine; its first read fails with EISDIR. */
    ret = slurp(f, &text, &len);
    fclose(f);
    if (ret < 0) {
        return rules_fail(cause, -EINVAL, "Cannot read config file: %s",
                          strerror(-ret));
    }
    ret = load_text(e, text, len, opts, nopts, cause);
    free(text);
    return ret;
}

int
rules_load_string(struct rules_engine *e, const char *text,
                  const struct rules_kv *opts, size_t nopts, char **cause)
{
    return load_text(e, text, text ? strlen(text) : 0, opts, nopts, cause);
}

int
rules_add(struct rules_engine *e, const char *group,
          const struct rules_kv *kv, size_t n, unsigned *idp, char **cause)
{
    struct rules_session s;
    struct rules_dict *d = rules_dict_new();
    struct rules_rule r;
    size_t i;
    int ret;

    rules_session_init(&s);
    for (i = 0; i < n; i++)
        rules_dict_put(d, kv[i].key, kv[i].value);
    ret = rules_opts_from_dict(&s, group, d, cause);
    if (ret == 0) {
        /* from_dict appended exactly one opts, in its group's list. */
        const struct rules_opts *o = s.head[rules_group_lookup(group)];

        ret = rules_rule_from_opts(o, &r, cause);
        if (ret == 0) {
            unsigned id = rules_engine_insert(e, &r);

            if (idp != NULL)
                *idp = id;
        }
    }
    rules_dict_free(d);
    rules_session_fini(&s);
    return ret;
}

struct format_ctx {
    char *buf;
    size_t len;
    int pass;
};

/* Which pass of rules_format writes a rule (-1: none, breakpoints). */
static int
format_pass(enum rules_action a)
{
    switch (a) {
    case RULES_INJECT_ERROR:
        return 0;
    case RULES_SET_STATE:
        return 1;
    case RULES_SUSPEND:
        return -1;
    default:
        return 2;
    }
}

static void
format_one(const struct rules_rule *r, void *arg)
{
    struct format_ctx *c = arg;

    if (format_pass(r->action) != c->pass)
        return;
    if (c->len > 0)
        rules_rule_format_sep(&c->buf, &c->len);
    rules_rule_format(r, &c->buf, &c->len);
}

char *
rules_format(const struct rules_engine *e)
{
    struct format_ctx c = { NULL, 0, 0 };

    /* Inject-error rules first, as a load adds them: the ids come back. */
    for (c.pass = 0; c.pass < 3; c.pass++)
        rules_foreach(e, format_one, &c);
    if (c.buf == NULL && (c.buf = strdup("")) == NULL)
        abort();
    return c.buf;
}

int
rules_save(const struct rules_engine *e, const char *path, char **cause)
{
    char *text = rules_format(e);
    size_t len = strlen(text);
    FILE *f;
    int ret = 0;

    f = fopen(path, "w");
    if (f == NULL) {
        ret = -errno;
        free(text);
        return rules_fail(cause, ret, "Could not write '%s': %s", path,
                          strerror(-ret));
    }
    if (fwrite(text, 1, len, f) != len)
        ret = -(errno ? errno : EIO);
    if (fclose(f) != 0 && ret == 0)
        ret = -(errno ? errno : EIO);
    free(text);
    if (ret < 0) {
        return rules_fail(cause, ret, "Could not write '%s': %s", path,
                          strerror(-ret));
    }
    return 0;
}
