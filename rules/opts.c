/*
 * opts.c — the two config groups, their keys, and how values are checked.
 *
 * This is QEMU's QemuOpts as blkdebug uses it: a group ("inject-error",
 * "set-state") lists its keys and their types; setting a key checks the
 * name, then the value (numbers as qemu_strtou64 reads them, booleans as
 * on/off/yes/no/true/false/y/n).  The messages are QEMU's, word for word.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

struct key_desc {
    const char *name;
    enum rules_opt_type type;
};

struct group_desc {
    const char *name;
    const struct key_desc *keys;
    size_t nkeys;
};

static const struct key_desc inject_error_keys[] = {
    { "event",       RULES_OPT_STRING },
    { "state",       RULES_OPT_NUMBER },
    { "iotype",      RULES_OPT_STRING },
    { "errno",       RULES_OPT_NUMBER },
    { "sector",      RULES_OPT_NUMBER },
    { "once",        RULES_OPT_BOOL },
    { "immediately", RULES_OPT_BOOL },
};

static const struct key_desc set_state_keys[] = {
    { "event",     RULES_OPT_STRING },
    { "state",     RULES_OPT_NUMBER },
    { "new_state", RULES_OPT_NUMBER },
};

/* Indexed by the action the group's rules take. */
static const struct group_desc groups[2] = {
    [RULES_INJECT_ERROR] = { "inject-error", inject_error_keys,
                             sizeof(inject_error_keys) /
                             sizeof(inject_error_keys[0]) },
    [RULES_SET_STATE]    = { "set-state", set_state_keys,
                             sizeof(set_state_keys) /
                             sizeof(set_state_keys[0]) },
};

void
rules_session_init(struct rules_session *s)
{
    int g;

    for (g = 0; g < 2; g++) {
        s->head[g] = NULL;
        s->tail[g] = &s->head[g];
    }
}

static void
opts_free(struct rules_opts *o)
{
    free(o->id);
    rules_dict_free(o->values);
    free(o);
}

void
rules_session_fini(struct rules_session *s)
{
    struct rules_opts *o, *next;
    int g;

    for (g = 0; g < 2; g++) {
        for (o = s->head[g]; o != NULL; o = next) {
            next = o->next;
            opts_free(o);
        }
    }
    rules_session_init(s);
}

int
rules_group_lookup(const char *name)
{
    int g;

    for (g = 0; g < 2; g++) {
        if (strcmp(groups[g].name, name) == 0)
            return g;
    }
    return -1;
}

int
rules_group_key_type(int group, const char *key)
{
    size_t i;

    for (i = 0; i < groups[group].nkeys; i++) {
        if (strcmp(groups[group].keys[i].name, key) == 0)
            return (int)groups[group].keys[i].type;
    }
    return -1;
}

/* QEMU's id_wellformed: a letter, then letters, digits, '-', '.', '_'. */
static bool
id_wellformed(const char *id)
{
    size_t i;

    if (!isalpha((unsigned char)id[0]))
        return false;
    for (i = 1; id[i] != '\0'; i++) {
        if (!isalnum((unsigned char)id[i]) && strchr("-._", id[i]) == NULL)
            return false;
    }
    return true;
}

int
rules_opts_create(struct rules_session *s, int group, const char *id,
                  struct rules_opts **op, char **cause)
{
    struct rules_opts *o;

    if (id != NULL) {
        if (!id_wellformed(id)) {
            return rules_fail(cause, -EINVAL,
                              "Parameter 'id' expects an identifier\n"
                              "Identifiers consist of letters, digits, "
                              "'-', '.', '_', starting with a letter.");
        }
        for (o = s->head[group]; o != NULL; o = o->next) {
            if (o->id != NULL && strcmp(o->id, id) == 0) {
                return rules_fail(cause, -EINVAL, "Duplicate ID '%s' for %s",
                                  id, groups[group].name);
            }
        }
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL)
        abort();
    o->group = (enum rules_action)group;
    if (id != NULL && (o->id = strdup(id)) == NULL)
        abort();
    o->values = rules_dict_new();
    *s->tail[group] = o;
    s->tail[group] = &o->next;
    *op = o;
    return 0;
}

void
rules_opts_drop_last(struct rules_session *s, struct rules_opts *o)
{
    struct rules_opts **pp;
    int g = (int)o->group;

    for (pp = &s->head[g]; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == o) {
            *pp = NULL;
            s->tail[g] = pp;
            opts_free(o);
            return;
        }
    }
}

int
rules_parse_u64(const char *text, uint64_t *out)
{
    char *end;
    unsigned long long v;
    int err;

    errno = 0;
    v = strtoull(text, &end, 0);
    err = errno;
    if (err == 0 && end == text)
        return -EINVAL;         /* nothing converted */
    if (*end != '\0')
        return -EINVAL;         /* trailing garbage */
    if (err == ERANGE)
        return -ERANGE;
    if (err != 0)
        return -err;
    *out = (uint64_t)v;
    return 0;
}

int
rules_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

int
rules_opts_set(struct rules_opts *o, const char *key, const char *value,
               char **cause)
{
    int type = rules_group_key_type((int)o->group, key);
    uint64_t n;
    bool b;
    int ret;

    if (type < 0)
        return rules_fail(cause, -EINVAL, "Invalid parameter '%s'", key);
    switch ((enum rules_opt_type)type) {
    case RULES_OPT_STRING:
        break;
    case RULES_OPT_NUMBER:
        ret = rules_parse_u64(value, &n);
        if (ret == -ERANGE) {
            return rules_fail(cause, -EINVAL,
                              "Value '%s' is too large for parameter '%s'",
                              value, key);
        }
        if (ret < 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter '%s' expects a number", key);
        }
        break;
    case RULES_OPT_BOOL:
        if (rules_parse_bool(value, &b) < 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter '%s' expects 'on' or 'off'", key);
        }
        break;
    }
    rules_dict_put(o->values, key, value);
    return 0;
}

int
rules_opts_from_dict(struct rules_session *s, const char *group,
                     const struct rules_dict *d, char **cause)
{
    struct rules_opts *o;
    const char *key, *value;
    size_t i;
    int g, ret;

    g = rules_group_lookup(group);
    if (g < 0) {
        return rules_fail(cause, -EINVAL, "There is no option group '%s'",
                          group);
    }
    ret = rules_opts_create(s, g, rules_dict_get(d, "id"), &o, cause);
    if (ret < 0)
        return ret;
    for (i = 0; (key = rules_dict_key_at(d, i, &value)) != NULL; i++) {
        if (strcmp(key, "id") == 0)
            continue;
        ret = rules_opts_set(o, key, value, cause);
        if (ret < 0) {
            rules_opts_drop_last(s, o);
            return ret;
        }
    }
    return 0;
}

uint64_t
rules_opts_number(const struct rules_opts *o, const char *key, uint64_t def)
{
    const char *v = rules_dict_get(o->values, key);
    uint64_t n;

    if (v == NULL || rules_parse_u64(v, &n) < 0)
        return def;
    return n;
}

bool
rules_opts_bool(const struct rules_opts *o, const char *key, bool def)
{
    const char *v = rules_dict_get(o->values, key);
    bool b;

    if (v == NULL || rules_parse_bool(v, &b) < 0)
        return def;
    return b;
}

const char *
rules_opts_string(const struct rules_opts *o, const char *key)
{
    return rules_dict_get(o->values, key);
}
