/*
 * opts.c — the config groups, their keys, and how values are checked.
 *
 * This is QEMU's QemuOpts as blkdebug uses it: a group ("inject-error",
 * "set-state", and blkmon's own) lists its keys and their types; setting
 * a key checks the name, then the value (numbers as qemu_strtou64 reads
 * them, booleans as on/off/yes/no/true/false/y/n).  The messages are
 * QEMU's, word for word, for QEMU's types; blkmon's types (sizes,
 * durations, fractions) word theirs the same way.
 *
 * Every group also takes the *condition* keys (match_keys), which
 * rules_match_from_opts reads.  "break" is a group only for its keys (the
 * conditions of "break EVENT TAG if ..."): no config file may name it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

struct key_desc {
    const char *name;
    enum rules_opt_type type;
};

struct group_desc {
    const char *name;
    bool config;                /* may be a [group] of a config file */
    const struct key_desc *keys;
    size_t nkeys;
};

#define KEYS(a) a, sizeof(a) / sizeof(a[0])

/* The conditions every group takes besides its own keys. */
static const struct key_desc match_keys[] = {
    { "start",       RULES_OPT_SIZE },
    { "end",         RULES_OPT_SIZE },
    { "min-length",  RULES_OPT_SIZE },
    { "max-length",  RULES_OPT_SIZE },
    { "nth",         RULES_OPT_NUMBER },
    { "every",       RULES_OPT_NUMBER },
    { "first",       RULES_OPT_NUMBER },
    { "probability", RULES_OPT_FRACTION },
    { "up",          RULES_OPT_DURATION },
    { "down",        RULES_OPT_DURATION },
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
    { "iotype",    RULES_OPT_STRING },
    { "once",      RULES_OPT_BOOL },
};

static const struct key_desc break_keys[] = {
    { "state",  RULES_OPT_NUMBER },
    { "iotype", RULES_OPT_STRING },
};

static const struct key_desc delay_keys[] = {
    { "state",       RULES_OPT_NUMBER },
    { "iotype",      RULES_OPT_STRING },
    { "once",        RULES_OPT_BOOL },
    { "latency",     RULES_OPT_DURATION },
    { "latency-max", RULES_OPT_DURATION },
    { "stddev",      RULES_OPT_DURATION },
    { "histogram",   RULES_OPT_STRING },
};

static const struct key_desc hang_keys[] = {
    { "state",   RULES_OPT_NUMBER },
    { "iotype",  RULES_OPT_STRING },
    { "once",    RULES_OPT_BOOL },
    { "tag",     RULES_OPT_STRING },
    { "timeout", RULES_OPT_DURATION },
    { "errno",   RULES_OPT_NUMBER },
};

static const struct key_desc corrupt_keys[] = {
    { "state",           RULES_OPT_NUMBER },
    { "iotype",          RULES_OPT_STRING },
    { "once",            RULES_OPT_BOOL },
    { "mode",            RULES_OPT_STRING },
    { "bits",            RULES_OPT_NUMBER },
    { "bit-probability", RULES_OPT_FRACTION },
    { "at",              RULES_OPT_SIZE },
    { "count",           RULES_OPT_SIZE },
    { "value",           RULES_OPT_NUMBER },
};

static const struct key_desc drop_writes_keys[] = {
    { "state",  RULES_OPT_NUMBER },
    { "iotype", RULES_OPT_STRING },
    { "once",   RULES_OPT_BOOL },
};

static const struct key_desc torn_write_keys[] = {
    { "state",   RULES_OPT_NUMBER },
    { "iotype",  RULES_OPT_STRING },
    { "once",    RULES_OPT_BOOL },
    { "sectors", RULES_OPT_NUMBER },
    { "errno",   RULES_OPT_NUMBER },
};

static const struct key_desc bad_blocks_keys[] = {
    { "state",   RULES_OPT_NUMBER },
    { "iotype",  RULES_OPT_STRING },
    { "once",    RULES_OPT_BOOL },
    { "sectors", RULES_OPT_STRING },
    { "errno",   RULES_OPT_NUMBER },
};

static const struct key_desc powercut_keys[] = {
    { "state",  RULES_OPT_NUMBER },
    { "iotype", RULES_OPT_STRING },
    { "once",   RULES_OPT_BOOL },
    { "keep",   RULES_OPT_FRACTION },
    { "exit",   RULES_OPT_BOOL },
};

/* Indexed by the action the group's rules take. */
static const struct group_desc groups[RULES_ACTION__MAX] = {
    [RULES_INJECT_ERROR] = { "inject-error", true, KEYS(inject_error_keys) },
    [RULES_SET_STATE]    = { "set-state", true, KEYS(set_state_keys) },
    [RULES_SUSPEND]      = { "break", false, KEYS(break_keys) },
    [RULES_DELAY]        = { "delay", true, KEYS(delay_keys) },
    [RULES_HANG]         = { "hang", true, KEYS(hang_keys) },
    [RULES_CORRUPT]      = { "corrupt", true, KEYS(corrupt_keys) },
    [RULES_DROP_WRITES]  = { "drop-writes", true, KEYS(drop_writes_keys) },
    [RULES_TORN_WRITE]   = { "torn-write", true, KEYS(torn_write_keys) },
    [RULES_BAD_BLOCKS]   = { "bad-blocks", true, KEYS(bad_blocks_keys) },
    [RULES_POWERCUT]     = { "powercut", true, KEYS(powercut_keys) },
    /* No keys, and no conditions: it is a property of the device. */
    [RULES_WRITE_CACHE]  = { "write-cache", true, NULL, 0 },
};

void
rules_session_init(struct rules_session *s)
{
    int g;

    for (g = 0; g < RULES_ACTION__MAX; g++) {
        s->head[g] = NULL;
        s->tail[g] = &s->head[g];
    }
    s->seq = 0;
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

    for (g = 0; g < RULES_ACTION__MAX; g++) {
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

    for (g = 0; g < RULES_ACTION__MAX; g++) {
        if (groups[g].config && strcmp(groups[g].name, name) == 0)
            return g;
    }
    return -1;
}

const char *
rules_group_name(int group)
{
    return groups[group].name;
}

int
rules_group_key_type(int group, const char *key)
{
    size_t i;

    for (i = 0; i < groups[group].nkeys; i++) {
        if (strcmp(groups[group].keys[i].name, key) == 0)
            return (int)groups[group].keys[i].type;
    }
    if (groups[group].keys == NULL)
        return -1;              /* write-cache: not even conditions */
    for (i = 0; i < sizeof(match_keys) / sizeof(match_keys[0]); i++) {
        if (strcmp(match_keys[i].name, key) == 0)
            return (int)match_keys[i].type;
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
    o->seq = s->seq++;
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

/* A decimal number, perhaps with a fraction or exponent, and what follows. */
static int
parse_real(const char *text, double *out, const char **rest)
{
    char *end;

    if (!isdigit((unsigned char)text[0]) && text[0] != '.')
        return -EINVAL;         /* no sign, no blanks, no "inf" or "nan" */
    errno = 0;
    *out = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(*out))
        return -EINVAL;
    *rest = end;
    return 0;
}

int
rules_parse_size(const char *text, uint64_t *out)
{
    static const char suffixes[] = "bkmgtpe";
    const char *rest, *p;
    double v, mul = 1;
    uint64_t n;

    /* No sign (strtoull would take one); a plain integer (hex or octal
     * too) keeps every bit. */
    if (text[0] == '-' || text[0] == '+')
        return -EINVAL;
    if (rules_parse_u64(text, &n) == 0) {
        *out = n;
        return 0;
    }
    if (parse_real(text, &v, &rest) < 0)
        return -EINVAL;
    if (*rest != '\0') {
        p = strchr(suffixes, tolower((unsigned char)*rest));
        if (p == NULL || rest[1] != '\0')
            return -EINVAL;
        for (; p > suffixes; p--)
            mul *= 1024;
    }
    v *= mul;
    if (v >= 18446744073709551616.0)
        return -ERANGE;
    *out = (uint64_t)v;
    return 0;
}

int
rules_parse_duration(const char *text, int64_t *out)
{
    static const struct { const char *unit; double ns; } units[] = {
        { "", 1e6 }, { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
    };
    const char *rest;
    double v;

    if (parse_real(text, &v, &rest) < 0)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(rest, units[i].unit) == 0) {
            v *= units[i].ns;
            /* A year is plenty; beyond, a typo is likelier. */
            if (v > 365.0 * 86400 * 1e9)
                return -EINVAL;
            *out = (int64_t)llround(v);
            return 0;
        }
    }
    return -EINVAL;
}

int
rules_parse_fraction(const char *text, double *out)
{
    const char *rest;
    double v;

    if (parse_real(text, &v, &rest) < 0)
        return -EINVAL;
    if (strcmp(rest, "%") == 0)
        v /= 100;
    else if (*rest != '\0')
        return -EINVAL;
    if (v < 0 || v > 1)
        return -EINVAL;
    *out = v;
    return 0;
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
    case RULES_OPT_SIZE:
        if (rules_parse_size(value, &n) < 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter '%s' expects a non-negative number "
                              "below 2^64\n"
                              "Optional suffix k, M, G, T, P or E means "
                              "kilo-, mega-, giga-, tera-, peta-\n"
                              "and exabytes, respectively.", key);
        }
        break;
    case RULES_OPT_DURATION: {
        int64_t ns;

        if (rules_parse_duration(value, &ns) < 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter '%s' expects a duration: a number "
                              "and ns, us, ms or s", key);
        }
        break;
    }
    case RULES_OPT_FRACTION: {
        double f;

        if (rules_parse_fraction(value, &f) < 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter '%s' expects a number from 0 to 1, "
                              "or a percentage", key);
        }
        break;
    }
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

uint64_t
rules_opts_size(const struct rules_opts *o, const char *key, uint64_t def)
{
    const char *v = rules_dict_get(o->values, key);
    uint64_t n;

    if (v == NULL || rules_parse_size(v, &n) < 0)
        return def;
    return n;
}

int64_t
rules_opts_duration(const struct rules_opts *o, const char *key, int64_t def)
{
    const char *v = rules_dict_get(o->values, key);
    int64_t ns;

    if (v == NULL || rules_parse_duration(v, &ns) < 0)
        return def;
    return ns;
}

double
rules_opts_fraction(const struct rules_opts *o, const char *key, double def)
{
    const char *v = rules_dict_get(o->values, key);
    double f;

    if (v == NULL || rules_parse_fraction(v, &f) < 0)
        return def;
    return f;
}
