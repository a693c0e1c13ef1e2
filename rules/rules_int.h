/*
 * rules_int.h — what the files of rules/ share and nobody else uses.
 *
 * Loading a configuration goes through the same stages as in QEMU, because
 * the stage decides which error a broken file reports first:
 *
 *   text / inline options  --(config.c, inline.c)-->  dicts of strings
 *   dict  --(opts.c: group known? keys known? values well-typed?)-->  opts
 *   opts  --(rule.c: event known? iotype known?)-->  rules
 *
 * A *dict* mimics QEMU's QDict, including the order it walks its keys in
 * (hash buckets), since that order picks which bad key gets reported.  An
 * *opts* is one checked group (QemuOpts); a *session* holds the opts of
 * one load, per group, in the order they were created.
 */
#ifndef BLKMON_RULES_INT_H
#define BLKMON_RULES_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

/* ---- msg.c ---- */
char *rules_msg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Store a message in *cause (cause may be NULL) and return ret. */
int rules_fail(char **cause, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- dict.c ---- */
struct rules_dict;
struct rules_dict *rules_dict_new(void);
void rules_dict_free(struct rules_dict *d);
/* Add, or replace the value in place (the key keeps its position). */
void rules_dict_put(struct rules_dict *d, const char *key, const char *value);
const char *rules_dict_get(const struct rules_dict *d, const char *key);
bool rules_dict_del(struct rules_dict *d, const char *key);
size_t rules_dict_size(const struct rules_dict *d);
/*
 * The i-th key in QDict's walking order (bucket by bucket, newest first
 * within a bucket); NULL past the end.  Indexes are invalidated by put/del.
 */
const char *rules_dict_key_at(const struct rules_dict *d, size_t i,
                              const char **value);

/* ---- opts.c ---- */
enum rules_opt_type { RULES_OPT_STRING, RULES_OPT_NUMBER, RULES_OPT_BOOL };

struct rules_opts {
    enum rules_action group;        /* RULES_INJECT_ERROR or RULES_SET_STATE */
    char *id;                       /* NULL when anonymous */
    struct rules_dict *values;      /* checked key -> value text */
    struct rules_opts *next;
};

struct rules_session {
    struct rules_opts *head[2], **tail[2];     /* per group */
};

void rules_session_init(struct rules_session *s);
void rules_session_fini(struct rules_session *s);
/* The group called name (-1 if none) and the type of its key (-1 if none). */
int rules_group_lookup(const char *name);
int rules_group_key_type(int group, const char *key);
/*
 * qemu_opts_create: a new opts in group with this id (NULL: anonymous),
 * appended to the session.  Fails for a malformed or duplicate id.
 */
int rules_opts_create(struct rules_session *s, int group, const char *id,
                      struct rules_opts **op, char **cause);
/* qemu_opt_set: check key and value and store them. */
int rules_opts_set(struct rules_opts *o, const char *key, const char *value,
                   char **cause);
/* qemu_config_do_parse: a whole dict read from a file group. */
int rules_opts_from_dict(struct rules_session *s, const char *group,
                         const struct rules_dict *d, char **cause);
/* Drop opts o from the session (it must be the last one of its group). */
void rules_opts_drop_last(struct rules_session *s, struct rules_opts *o);
/* qemu_strtou64 with base 0 and the whole string consumed. */
int rules_parse_u64(const char *text, uint64_t *out);
int rules_parse_bool(const char *text, bool *out);
/* Value getters for checked opts (default when absent). */
uint64_t rules_opts_number(const struct rules_opts *o, const char *key,
                           uint64_t def);
bool rules_opts_bool(const struct rules_opts *o, const char *key, bool def);
const char *rules_opts_string(const struct rules_opts *o, const char *key);

/* ---- config.c ---- */
/* qemu_config_parse over len bytes of config text. */
int rules_config_parse(struct rules_session *s, const char *text, size_t len,
                       char **cause);

/* ---- inline.c ---- */
/* qemu_config_parse_qdict over the inline options. */
int rules_inline_parse(struct rules_session *s, const struct rules_kv *kv,
                       size_t n, char **cause);

/* ---- rule.c ---- */
/* add_rule: fill *r (id and counters zero) from checked opts. */
int rules_rule_from_opts(const struct rules_opts *o, struct rules_rule *r,
                         char **cause);
/* Append r as a config group to an allocated string buffer. */
void rules_rule_format(const struct rules_rule *r, char **buf, size_t *len);
/* The blank line between two groups. */
void rules_rule_format_sep(char **buf, size_t *len);

/* ---- engine.c ---- */
/* Add a copy of r (tag duplicated) as the newest rule of its event. */
unsigned rules_engine_insert(struct rules_engine *e,
                             const struct rules_rule *r);

#endif
