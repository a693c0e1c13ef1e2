/*
 * rules.h — blkdebug's rule language and rule engine, as QEMU 7.2 has them.
 *
 * The words.  An *event* is a named point in the life of a request that
 * the block layer reports to a blkdebug node ("read_aio", "pwritev_done",
 * "flush_to_os"...; rules/EVENTS.md says which fire where).  A *rule* hangs
 * off one event and has an *action*:
 *
 *   inject-error  arms the rule: the event puts it on the *active list*;
 *                 later I/O checked against that list fails with its errno;
 *   set-state     moves the engine's *state* (an int, 1 at open);
 *   suspend       a *breakpoint*: parks the request that raised the event
 *                 under a *tag* until a resume.  One-shot.
 *
 * A rule with a nonzero state only acts when the engine is in that state.
 * When an event fires, its rules run newest first; every inject-error rule
 * that applies replaces the active list (so the list ends up oldest first,
 * and the first rule of the file wins in rules_check); set-state is staged
 * and applied after every rule of the event ran (so the first set-state
 * rule of the file wins).  Suspensions are reported back, with their tags,
 * for the caller to park the request.
 *
 * Configuration is QEMU's blkdebug config file ([inject-error] and
 * [set-state] groups of key = "value" lines) plus inline options
 * ("inject-error.0.event=read_aio", ...).  Every error message is the text
 * qemu-io 7.2 prints after its own prefix ("can't open device X: ",
 * "can't open: "); it is returned in *cause, heap-allocated, and may hold a
 * second line (a hint) — print it as "%s: %s\n".
 *
 * Threads: an engine belongs to the thread that runs the backend's loop.
 * Every call on an engine must come from that thread; there are no locks.
 * The engine never prints.
 */
#ifndef BLKMON_RULES_H
#define BLKMON_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Events (BlkdebugEvent, in QEMU's order) -------------------------- */

enum rules_event {
    RULES_EV_L1_UPDATE,
    RULES_EV_L1_GROW_ALLOC_TABLE,
    RULES_EV_L1_GROW_WRITE_TABLE,
    RULES_EV_L1_GROW_ACTIVATE_TABLE,
    RULES_EV_L2_LOAD,
    RULES_EV_L2_UPDATE,
    RULES_EV_L2_UPDATE_COMPRESSED,
    RULES_EV_L2_ALLOC_COW_READ,
    RULES_EV_L2_ALLOC_WRITE,
    RULES_EV_READ_AIO,
    RULES_EV_READ_BACKING_AIO,
    RULES_EV_READ_COMPRESSED,
    RULES_EV_WRITE_AIO,
    RULES_EV_WRITE_COMPRESSED,
    RULES_EV_VMSTATE_LOAD,
    RULES_EV_VMSTATE_SAVE,
    RULES_EV_COW_READ,
    RULES_EV_COW_WRITE,
    RULES_EV_REFTABLE_LOAD,
    RULES_EV_REFTABLE_GROW,
    RULES_EV_REFTABLE_UPDATE,
    RULES_EV_REFBLOCK_LOAD,
    RULES_EV_REFBLOCK_UPDATE,
    RULES_EV_REFBLOCK_UPDATE_PART,
    RULES_EV_REFBLOCK_ALLOC,
    RULES_EV_REFBLOCK_ALLOC_HOOKUP,
    RULES_EV_REFBLOCK_ALLOC_WRITE,
    RULES_EV_REFBLOCK_ALLOC_WRITE_BLOCKS,
    RULES_EV_REFBLOCK_ALLOC_WRITE_TABLE,
    RULES_EV_REFBLOCK_ALLOC_SWITCH_TABLE,
    RULES_EV_CLUSTER_ALLOC,
    RULES_EV_CLUSTER_ALLOC_BYTES,
    RULES_EV_CLUSTER_FREE,
    RULES_EV_FLUSH_TO_OS,
    RULES_EV_FLUSH_TO_DISK,
    RULES_EV_PWRITEV_RMW_HEAD,
    RULES_EV_PWRITEV_RMW_AFTER_HEAD,
    RULES_EV_PWRITEV_RMW_TAIL,
    RULES_EV_PWRITEV_RMW_AFTER_TAIL,
    RULES_EV_PWRITEV,
    RULES_EV_PWRITEV_ZERO,
    RULES_EV_PWRITEV_DONE,
    RULES_EV_EMPTY_IMAGE_PREPARE,
    RULES_EV_L1_SHRINK_WRITE_TABLE,
    RULES_EV_L1_SHRINK_FREE_L2_CLUSTERS,
    RULES_EV_COR_WRITE,
    RULES_EV_CLUSTER_ALLOC_SPACE,
    RULES_EV_NONE,          /* fired once when the blkdebug node opens */
    RULES_EV__MAX
};

/* Indexed by enum rules_event; the names rules and breakpoints use. */
extern const char *const rules_event_names[RULES_EV__MAX];
/* The event called name (exact, case-sensitive), or -1. */
int rules_event_lookup(const char *name);

/* ---- I/O types (BlkdebugIOType) --------------------------------------- */

enum rules_iotype {
    RULES_IO_READ,
    RULES_IO_WRITE,
    RULES_IO_WRITE_ZEROES,
    RULES_IO_DISCARD,
    RULES_IO_FLUSH,
    RULES_IO_BLOCK_STATUS,
    RULES_IO__MAX
};
extern const char *const rules_iotype_names[RULES_IO__MAX];
int rules_iotype_lookup(const char *name);
/* An inject-error rule without "iotype" matches these (not block-status). */
#define RULES_IO_DEFAULT_MASK                                               \
    ((1u << RULES_IO_READ) | (1u << RULES_IO_WRITE) |                       \
     (1u << RULES_IO_WRITE_ZEROES) | (1u << RULES_IO_DISCARD) |             \
     (1u << RULES_IO_FLUSH))

/* ---- Rules ------------------------------------------------------------ */

enum rules_action {
    RULES_INJECT_ERROR,
    RULES_SET_STATE,
    RULES_SUSPEND,
    RULES_ACTION__MAX
};
/* "inject-error", "set-state", "break". */
extern const char *const rules_action_names[RULES_ACTION__MAX];

struct rules_rule {
    unsigned id;                /* > 0, in the order rules were added */
    enum rules_event event;
    enum rules_action action;
    int state;                  /* 0: any state */
    union {
        struct {
            int error;          /* errno; 0 matches but injects nothing */
            bool once;          /* deleted after its first injection */
            bool immediately;   /* fail inline, not from a later callback */
            int64_t sector;     /* 512-byte sector to match; -1: any */
            unsigned iotype_mask;   /* 1 << enum rules_iotype */
        } inject;
        struct {
            int new_state;
        } set_state;
        struct {
            char *tag;
        } suspend;
    } u;
    /* Counters the engine keeps for front ends. */
    bool armed;                 /* inject-error: on the active list now */
    uint64_t fired;             /* times its event ran it (state matched) */
    uint64_t hits;              /* inject-error: errors injected */
};

/* ---- Engine ----------------------------------------------------------- */

struct rules_engine;

/* A new engine: no rules, state 1. */
struct rules_engine *rules_engine_new(void);
/* Frees rules and breakpoints; suspended requests are forgotten. */
void rules_engine_free(struct rules_engine *e);

struct rules_kv {
    const char *key;
    const char *value;
};

/*
 * Load rules as blkdebug_open reads them: the config file at path (NULL:
 * none), then the inline options (keys relative to the blkdebug node, e.g.
 * "inject-error.0.event"; keys rules_is_option() rejects are ignored).
 * All inject-error rules are added before all set-state rules, each kind
 * in file order, inline ones last.  Nothing is added on error.
 * Returns 0, or -errno with the message in *cause.
 */
int rules_load(struct rules_engine *e, const char *path,
               const struct rules_kv *opts, size_t nopts, char **cause);
/* The same with the config text in memory (text may be NULL). */
int rules_load_string(struct rules_engine *e, const char *text,
                      const struct rules_kv *opts, size_t nopts,
                      char **cause);
/* True for the blkdebug node option keys rules_load consumes. */
bool rules_is_option(const char *key);

/*
 * Add one rule from KEY=VALUE pairs (the keys of a group, such as
 * event=read_aio errno=28 once=on) to group "inject-error" or "set-state",
 * checked with the messages a config file gets.  *idp (may be NULL)
 * receives its id.
 */
int rules_add(struct rules_engine *e, const char *group,
              const struct rules_kv *kv, size_t n, unsigned *idp,
              char **cause);
/* Delete the rule or breakpoint with this id: 0 or -ENOENT. */
int rules_delete(struct rules_engine *e, unsigned id);
/* Delete every inject-error and set-state rule (breakpoints stay). */
void rules_clear(struct rules_engine *e);

/*
 * The inject-error and set-state rules in the config file format, one
 * group per rule; loading the text gives back the same rules in the same
 * order.  rules_format returns an allocated string.
 */
char *rules_format(const struct rules_engine *e);
int rules_save(const struct rules_engine *e, const char *path, char **cause);

/* ---- Running ---------------------------------------------------------- */

int rules_state(const struct rules_engine *e);
void rules_set_state(struct rules_engine *e, int state);

/* What one event did. */
struct rules_fired {
    int old_state;
    int new_state;
    bool rearmed;       /* its inject-error rules replaced the active list */
    size_t nsuspend;    /* breakpoints hit: park the request this often */
    char **tags;        /* their tags, in the order blkdebug reports them */
};

/*
 * Run the rules of event ev for request req (an opaque cookie, may be
 * NULL).  Every breakpoint hit is deleted, and req is recorded as
 * suspended under its tag (see rules_resume).  out may be NULL; otherwise
 * release it with rules_fired_fini.
 */
void rules_event(struct rules_engine *e, enum rules_event ev, void *req,
                 struct rules_fired *out);
void rules_fired_fini(struct rules_fired *out);
/* Whether any rule or breakpoint waits for ev (a cheap test first). */
bool rules_event_has_rules(const struct rules_engine *e, enum rules_event ev);

/*
 * Check an I/O against the active list, as blkdebug does before passing
 * it down: the first armed rule whose iotype matches and whose sector lies
 * in [offset, offset + bytes) (bytes 0, as flushes pass, never matches a
 * sector rule) decides.  Returns 0 (no rule, or errno 0) or -errno; a
 * "once" rule is deleted.  *immediately (may be NULL) tells whether the
 * error is to be reported inline rather than from a later callback.
 * A negative errno in the config makes the result positive: QEMU then
 * completes the request as a success without doing it.
 */
int rules_check(struct rules_engine *e, uint64_t offset, uint64_t bytes,
                enum rules_iotype type, bool *immediately);

/* ---- Breakpoints and suspended requests -------------------------------- */

/* Add a breakpoint: 0, or -ENOENT for an unknown event name. */
int rules_break_add(struct rules_engine *e, const char *event,
                    const char *tag, unsigned *idp);
/*
 * Delete every breakpoint tagged tag: 0 if one was deleted, else -ENOENT.
 * QEMU's remove_break also resumes every request suspended under tag
 * (call rules_resume until it returns false) but still answers -ENOENT
 * when no breakpoint was deleted.
 */
int rules_break_remove(struct rules_engine *e, const char *tag);
/*
 * Resume the most recently suspended request under tag: true and its
 * cookie in *reqp, or false (qemu-io: -ENOENT).  A request suspended by n
 * breakpoints at one event continues after its n-th resume.
 */
bool rules_resume(struct rules_engine *e, const char *tag, void **reqp);
bool rules_is_suspended(const struct rules_engine *e, const char *tag);
/*
 * Resume one suspension of the request with this cookie (its most recent),
 * whatever its tag: true, and the tag (allocated; the caller frees it) in
 * *tagp when tagp is not NULL.  For a front end resuming a selected request.
 */
bool rules_resume_req(struct rules_engine *e, const void *req, char **tagp);
/* The tag of the request's most recent suspension, or NULL. */
const char *rules_suspended_tag(const struct rules_engine *e, const void *req);

/* ---- Listing ---------------------------------------------------------- */

/* Every rule and breakpoint in id order. */
void rules_foreach(const struct rules_engine *e,
                   void (*fn)(const struct rules_rule *r, void *arg),
                   void *arg);
const struct rules_rule *rules_get(const struct rules_engine *e,
                                   unsigned id);
size_t rules_count(const struct rules_engine *e);
/* Suspended requests, most recent first. */
void rules_foreach_suspended(const struct rules_engine *e,
                             void (*fn)(const char *tag, void *req,
                                        void *arg),
                             void *arg);
/* One rule as "inject-error event=read_aio errno=5 once=on" (allocated). */
char *rules_describe(const struct rules_rule *r);

#endif
