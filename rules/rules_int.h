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
/*
 * Value types.  QEMU's three keep QEMU's checks and messages; blkmon's
 * keys add sizes (qemu's suffixes), durations and fractions.
 */
enum rules_opt_type { RULES_OPT_STRING, RULES_OPT_NUMBER, RULES_OPT_BOOL,
                      RULES_OPT_SIZE, RULES_OPT_DURATION,
                      RULES_OPT_FRACTION };

struct rules_opts {
    enum rules_action group;        /* a config group: not RULES_SUSPEND */
    char *id;                       /* NULL when anonymous */
    struct rules_dict *values;      /* checked key -> value text */
    unsigned long seq;              /* creation order across groups */
    struct rules_opts *next;
};

struct rules_session {
    struct rules_opts *head[RULES_ACTION__MAX];    /* per group */
    struct rules_opts **tail[RULES_ACTION__MAX];
    unsigned long seq;
};

void rules_session_init(struct rules_session *s);
void rules_session_fini(struct rules_session *s);
/* The config group called name (-1 if none; "break" is none) and the
 * type of one of its keys (-1 if none).  Breakpoint conditions are looked
 * up as keys of RULES_SUSPEND. */
int rules_group_lookup(const char *name);
int rules_group_key_type(int group, const char *key);
/* The group's name ("inject-error"...). */
const char *rules_group_name(int group);
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
/* A size: a number (decimal fraction allowed) and a suffix of
 * b k M G T P E (binary), as qemu reads sizes.  0 or -EINVAL/-ERANGE. */
int rules_parse_size(const char *text, uint64_t *out);
/* A duration: a number and ns, us, ms or s (none: ms).  0 or -EINVAL. */
int rules_parse_duration(const char *text, int64_t *out);

/* Value getters for checked opts (default when absent). */
uint64_t rules_opts_number(const struct rules_opts *o, const char *key,
                           uint64_t def);
bool rules_opts_bool(const struct rules_opts *o, const char *key, bool def);
const char *rules_opts_string(const struct rules_opts *o, const char *key);
uint64_t rules_opts_size(const struct rules_opts *o, const char *key,
                         uint64_t def);
int64_t rules_opts_duration(const struct rules_opts *o, const char *key,
                            int64_t def);
double rules_opts_fraction(const struct rules_opts *o, const char *key,
                           double def);

/* ---- config.c ---- */
/* qemu_config_parse over len bytes of config text. */
int rules_config_parse(struct rules_session *s, const char *text, size_t len,
                       char **cause);

/* ---- inline.c ---- */
/* qemu_config_parse_qdict over the inline options. */
int rules_inline_parse(struct rules_session *s, const struct rules_kv *kv,
                       size_t n, char **cause);

/* ---- rule.c ---- */
/* add_rule: fill *r (id and counters zero) from checked opts.  r owns what
 * it points to (tags, lists): rules_rule_fini releases it. */
int rules_rule_from_opts(const struct rules_opts *o, struct rules_rule *r,
                         char **cause);
void rules_rule_fini(struct rules_rule *r);
/* A deep copy of src into dst. */
void rules_rule_copy(struct rules_rule *dst, const struct rules_rule *src);
/* The conditions of checked opts into *m, for an action whose default
 * types are def_mask and which may act on allowed_mask. */
int rules_match_from_opts(const struct rules_opts *o, enum rules_action a,
                          struct rules_match *m, char **cause);
/* Append r as a config group to an allocated string buffer. */
void rules_rule_format(const struct rules_rule *r, char **buf, size_t *len);
/* The blank line between two groups. */
void rules_rule_format_sep(char **buf, size_t *len);

/* ---- engine.c ---- */
/* Add r as the newest rule (of its event, for QEMU's actions); the engine
 * takes what r points to. */
unsigned rules_engine_insert(struct rules_engine *e, struct rules_rule *r);

/* ---- faults.c ---- */
/* Add the changes a corrupt rule (which draws from rng) makes to a
 * request to *edits (sorted by position, one record per byte). */
void rules_corrupt_edits(const struct rules_rule *r, struct rules_rng *rng,
                         const struct rules_io *io, struct rules_edit **edits,
                         size_t *nedits, uint64_t *nbits);
/* A latency drawn from a delay rule. */
int64_t rules_delay_draw(const struct rules_rule *r, struct rules_rng *rng);
/* Bytes of io a torn write writes: whole sectors from its start. */
uint64_t rules_torn_bytes(const struct rules_rule *r, struct rules_rng *rng,
                          const struct rules_io *io);
/* The first bad sector io touches, or -1. */
int64_t rules_sectors_first_in(const struct rules_sectors *s,
                               uint64_t offset, uint64_t bytes);
/* Forget the sectors [first, last] (a write covered them). */
void rules_sectors_remove(struct rules_sectors *s, uint64_t first,
                          uint64_t last);
/* Parse "8,16,100-107" (commas or spaces): 0 or -EINVAL. */
int rules_sectors_parse(const char *text, struct rules_sectors *out);
/* A histogram file: lines "LATENCY WEIGHT" ('#' comments). */
int rules_histogram_load(const char *path, struct rules_histogram **out,
                         char **cause);
void rules_histogram_free(struct rules_histogram *h);

#endif
