/*
 * rules.h — blkdebug's rule language and rule engine, as QEMU 7.2 has them,
 * extended with the faults real devices have (rules/FAULTS.md).
 *
 * The words.  An *event* is a named point in the life of a request that
 * the block layer reports to a blkdebug node ("read_aio", "pwritev_done",
 * "flush_to_os"...; rules/EVENTS.md says which fire where).  QEMU's rules
 * hang off one event and have an *action*:
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
 * blkmon's own actions hang off no event: they look at every *request* as
 * it reaches the filter (rules_check_io), and the filter carries out what
 * the *verdict* says:
 *
 *   delay        the request waits a latency first;
 *   hang         the request is parked under a tag until resumed, or until
 *                a timeout, then fails with an errno;
 *   corrupt      bits of the data a read returns, or a write writes, change;
 *   drop-writes  the write is acknowledged and not done;
 *   torn-write   only a prefix of the write is done, sector by sector;
 *   bad-blocks   listed sectors fail reads until they are written;
 *   powercut     the power fails: the write cache is lost;
 *   write-cache  the device has a volatile write cache (writes are held
 *                until a flush), which is what a power cut loses.
 *
 * Every rule, QEMU's included, may carry *conditions* (struct rules_match):
 * I/O types, a byte range the request must touch, a length range, the
 * Nth / every Nth / first N matching requests, a probability, up/down time
 * windows.  Randomness is seeded (rules_set_seed): the same seed and the
 * same requests give the same faults.
 *
 * Configuration is QEMU's blkdebug config file ([inject-error] and
 * [set-state] groups of key = "value" lines, and blkmon's new groups) plus
 * inline options ("inject-error.0.event=read_aio", ...).  Every error
 * message about QEMU's groups is the text qemu-io 7.2 prints after its own
 * prefix ("can't open device X: ", "can't open: "); it is returned in
 * *cause, heap-allocated, and may hold a second line (a hint) — print it
 * as "%s: %s\n".
 *
 * Threads: an engine belongs to the thread that runs the backend's loop.
 * Every call on an engine must come from that thread; there are no locks.
 * The seed is process-wide: set it before any engine gets rules.  The
 * engine never prints, and knows requests only as cookies and as offset,
 * length and type (struct rules_io).
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

/* ---- Requests as the engine sees them -------------------------------- */

struct rules_io {
    uint64_t offset;
    uint64_t bytes;
    enum rules_iotype type;
};

/* ---- Seeded randomness (random.c) -------------------------------------- */
/*
 * One stream per user: a rule draws from its own, so that adding a rule
 * does not change what another one does.  The generator is SplitMix64:
 *
 *   state += 0x9e3779b97f4a7c15;  z = state;
 *   z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
 *   z = (z ^ (z >> 27)) * 0x94d049bb133111eb;  next = z ^ (z >> 31)
 *
 * and the stream for (seed, id) starts at state = mix(seed ^ mix(id)),
 * where mix() is the three last lines above applied to its argument.  A
 * uniform draw is (next >> 11) * 2^-53, in [0, 1).  This is written down
 * so that a test can predict a run (tests/faults/model.py does).
 */
struct rules_rng {
    uint64_t state;
};
/* The process-wide seed; chosen from the clock on first use if not set. */
void rules_set_seed(uint64_t seed);
uint64_t rules_seed(void);
bool rules_seed_given(void);
uint64_t rules_mix64(uint64_t x);
void rules_rng_init(struct rules_rng *r, uint64_t seed, uint64_t id);
uint64_t rules_rng_next(struct rules_rng *r);
double rules_rng_uniform(struct rules_rng *r);
/* A fraction in [0, 1], or a percentage ("25%"): 0 or -EINVAL. */
int rules_parse_fraction(const char *text, double *out);
/* Streams that belong to no rule: the n-th power cut of an image. */
#define RULES_STREAM_POWERCUT(n) (0x706f776572000000ull + (uint64_t)(n))

/* ---- Rules ------------------------------------------------------------ */

enum rules_action {
    RULES_INJECT_ERROR,
    RULES_SET_STATE,
    RULES_SUSPEND,
    RULES_DELAY,
    RULES_HANG,
    RULES_CORRUPT,
    RULES_DROP_WRITES,
    RULES_TORN_WRITE,
    RULES_BAD_BLOCKS,
    RULES_POWERCUT,
    RULES_WRITE_CACHE,
    RULES_ACTION__MAX
};
/* "inject-error", "set-state", "break", "delay", ... (the group names). */
extern const char *const rules_action_names[RULES_ACTION__MAX];
/* Whether the action hangs off an event (QEMU's three) or a request. */
bool rules_action_has_event(enum rules_action a);

/*
 * Conditions a request (or, for set-state and breakpoints, the request an
 * event fires for) must meet.  Zeros mean "no condition" except where said.
 */
struct rules_match {
    unsigned iotype_mask;       /* 1 << enum rules_iotype; never 0 */
    uint64_t start, end;        /* must touch [start, end); end 0: no range */
    uint64_t min_bytes;         /* length at least this ... */
    uint64_t max_bytes;         /* ... and at most this (UINT64_MAX: any) */
    uint64_t nth, every, first; /* counted over requests meeting the above */
    double probability;         /* of acting once the rest holds; 1: always */
    int64_t up_ns, down_ns;     /* acts only in the down part of each cycle */
    bool once;                  /* deleted after it acted once */
};

enum rules_delay_kind { RULES_DELAY_FIXED, RULES_DELAY_UNIFORM,
                        RULES_DELAY_NORMAL, RULES_DELAY_HISTOGRAM };
enum rules_corrupt_mode { RULES_CORRUPT_FLIP, RULES_CORRUPT_STUCK,
                          RULES_CORRUPT_OVERWRITE };

/* A histogram of latencies: values[i] is drawn with weight weights[i]. */
struct rules_histogram {
    char *path;                 /* as given, for saving */
    size_t n;
    int64_t *values_ns;
    double *weights;
    double total;
};

/* Bad sectors: sorted, disjoint, inclusive ranges of 512-byte sectors. */
struct rules_sectors {
    size_t n;
    struct { uint64_t first, last; } *v;
};

struct rules_rule {
    unsigned id;                /* > 0, in the order rules were added */
    enum rules_event event;     /* QEMU's actions only */
    enum rules_action action;
    int state;                  /* 0: any state */
    struct rules_match m;
    union {
        struct {
            int error;          /* errno; 0 matches but injects nothing */
            bool immediately;   /* fail inline, not from a later callback */
            int64_t sector;     /* 512-byte sector to match; -1: any */
        } inject;
        struct {
            int new_state;
        } set_state;
        struct {
            char *tag;
        } suspend;
        struct {
            enum rules_delay_kind kind;
            int64_t ns;         /* fixed; low end; mean */
            int64_t max_ns;     /* uniform: high end */
            int64_t stddev_ns;  /* normal */
            struct rules_histogram *hist;
        } delay;
        struct {
            char *tag;
            int64_t timeout_ns; /* 0: until resumed */
            int error;          /* after the timeout; 0: go on */
        } hang;
        struct {
            enum rules_corrupt_mode mode;
            uint64_t bits;      /* flip: this many bits per request ... */
            double bit_probability;  /* ... or each bit with this chance */
            uint64_t at, count; /* overwrite: bytes [at, at+count) */
            uint8_t value;      /* of the request with this byte */
        } corrupt;
        struct {
            uint64_t sectors;   /* sectors of the prefix written ... */
            bool random;        /* ... or a random number of them */
            int error;          /* what the write reports; 0: success */
        } torn;
        struct {
            struct rules_sectors bad;   /* shrinks as sectors are written */
            int error;
        } bad_blocks;
        struct {
            double keep;        /* share of lost sectors kept after all */
            bool exit;          /* blkmon exits after the cut */
        } powercut;
    } u;
    /* Counters the engine keeps for front ends. */
    bool armed;                 /* inject-error: on the active list now */
    bool disabled;              /* rule disable: it looks at nothing */
    uint64_t fired;             /* times its event ran it (state matched) */
    uint64_t matched;           /* requests (or events) that met its
                                   conditions: its hits */
    uint64_t injected;          /* faults it caused (errors, delays...) */
};

/* Whether the rule draws random numbers (probability, ranges...). */
bool rules_rule_uses_random(const struct rules_rule *r);

/* ---- Engine ----------------------------------------------------------- */

struct rules_engine;

/* A new engine: no rules, state 1. */
struct rules_engine *rules_engine_new(void);
/* Frees rules and breakpoints; suspended requests are forgotten. */
void rules_engine_free(struct rules_engine *e);
/* The clock time windows count in (default: CLOCK_MONOTONIC), for tests. */
void rules_engine_set_clock(struct rules_engine *e,
                            int64_t (*now_ns)(void *arg), void *arg);

struct rules_kv {
    const char *key;
    const char *value;
};

/*
 * Load rules as blkdebug_open reads them: the config file at path (NULL:
 * none), then the inline options (keys relative to the blkdebug node, e.g.
 * "inject-error.0.event"; keys rules_is_option() rejects are ignored).
 * All inject-error rules are added before all set-state rules, each kind
 * in file order, inline ones last; then blkmon's groups in file order.
 * Nothing is added on error.  Returns 0, or -errno with the message in
 * *cause.
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
 * event=read_aio errno=28 once=on) to a group ("inject-error", "delay",
 * ...), checked with the messages a config file gets.  *idp (may be NULL)
 * receives its id.
 */
int rules_add(struct rules_engine *e, const char *group,
              const struct rules_kv *kv, size_t n, unsigned *idp,
              char **cause);
/* Delete the rule or breakpoint with this id: 0 or -ENOENT. */
int rules_delete(struct rules_engine *e, unsigned id);
/* Enable or disable a rule or breakpoint: 0 or -ENOENT. */
int rules_enable(struct rules_engine *e, unsigned id, bool on);
/* Delete every rule except breakpoints. */
void rules_clear(struct rules_engine *e);

/*
 * The rules in the config file format, one group per rule: inject-error,
 * then set-state, then blkmon's groups (only when there are any: qemu's
 * blkdebug refuses them) in id order; breakpoints are not written.
 * Loading the text gives back the same rules in the same order.
 * rules_format returns an allocated string.
 */
char *rules_format(const struct rules_engine *e);
int rules_save(const struct rules_engine *e, const char *path, char **cause);
/* Whether any rule draws random numbers: the seed is then worth printing. */
bool rules_uses_random(const struct rules_engine *e);

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
/* The same, telling what the event fires for (NULL: nothing, as at open),
 * so that set-state rules and breakpoints with conditions can look. */
void rules_event_io(struct rules_engine *e, enum rules_event ev,
                    const struct rules_io *io, void *req,
                    struct rules_fired *out);
void rules_fired_fini(struct rules_fired *out);
/* Whether any rule or breakpoint waits for ev (a cheap test first). */
bool rules_event_has_rules(const struct rules_engine *e, enum rules_event ev);

/*
 * Check an I/O against the active list, as blkdebug does before passing
 * it down: the first armed rule whose iotype matches and whose sector lies
 * in [offset, offset + bytes) (bytes 0, as flushes pass, never matches a
 * sector rule), and whose conditions hold, decides.  Returns 0 (no rule,
 * or errno 0) or -errno; a "once" rule is deleted.  *immediately (may be
 * NULL) tells whether the error is to be reported inline rather than from
 * a later callback.  A negative errno in the config makes the result
 * positive: QEMU then completes the request as a success without doing it.
 */
int rules_check(struct rules_engine *e, uint64_t offset, uint64_t bytes,
                enum rules_iotype type, bool *immediately);

/* A change corrupt makes to one byte: b = ((b ^ flip) & ~set) | bits. */
struct rules_edit {
    uint64_t pos;               /* byte offset in the image */
    uint8_t flip;
    uint8_t set;
    uint8_t bits;               /* within set */
};

/*
 * What the filter is to do with one request, in this order: a power cut
 * takes it (nothing else applies); else it waits (hang, then delay); then
 * it fails (error), or is dropped, or goes on — a write perhaps torn, its
 * data or a read's perhaps corrupted.  A *_rule field is the id of the
 * rule that decided, 0 when none did.  Rules of one action: the first (by
 * id) whose conditions hold acts — except corrupt, where every one does,
 * in id order; every rule still counts the request.
 */
struct rules_verdict {
    unsigned powercut_rule;
    double powercut_keep;
    bool powercut_exit;

    unsigned hang_rule;
    char *hang_tag;             /* allocated */
    int64_t hang_timeout_ns;
    int hang_error;             /* errno after the timeout; 0: go on */

    unsigned delay_rule;
    int64_t delay_ns;

    unsigned error_rule;        /* inject-error or bad-blocks */
    int error;                  /* as rules_check returns it */
    bool immediately;
    int64_t bad_sector;         /* bad-blocks: the first bad one; else -1 */

    unsigned drop_rule;

    unsigned torn_rule;
    uint64_t torn_bytes;        /* of the request to write */
    int torn_error;             /* errno to report; 0: success */

    unsigned corrupt_rule;
    struct rules_edit *edits;   /* allocated, sorted by pos */
    size_t nedits;
    uint64_t corrupt_bits;      /* bits the edits change, at most */
};

/*
 * Every rule looks at the request io: QEMU's active list as rules_check
 * does, and blkmon's actions.  Fills *v (release with rules_verdict_fini)
 * and returns whether anything is to happen to the request.
 */
bool rules_check_io(struct rules_engine *e, const struct rules_io *io,
                    struct rules_verdict *v);
void rules_verdict_fini(struct rules_verdict *v);
/* A write reached the device: bad sectors it covers whole are good now. */
void rules_note_written(struct rules_engine *e, uint64_t offset,
                        uint64_t bytes);
/* Whether the device has a volatile write cache now (a write-cache or
 * powercut rule is enabled). */
bool rules_write_cache(const struct rules_engine *e);
/* Counts a power cut made by a command: its random stream's number. */
uint64_t rules_next_cut(struct rules_engine *e);

/* ---- Breakpoints and suspended requests -------------------------------- */

/* Add a breakpoint: 0, or -ENOENT for an unknown event name. */
int rules_break_add(struct rules_engine *e, const char *event,
                    const char *tag, unsigned *idp);
/*
 * The same with conditions ("start=4096", "iotype=write", "nth=3"...):
 * 0, -ENOENT for an unknown event, or -EINVAL with *cause.
 */
int rules_break_add_if(struct rules_engine *e, const char *event,
                       const char *tag, const struct rules_kv *kv, size_t n,
                       unsigned *idp, char **cause);
/*
 * Delete every breakpoint tagged tag: 0 if one was deleted, else -ENOENT.
 * QEMU's remove_break also resumes every request suspended under tag
 * (call rules_resume until it returns false) but still answers -ENOENT
 * when no breakpoint was deleted.
 */
int rules_break_remove(struct rules_engine *e, const char *tag);
/* Record req as suspended under tag (a hang parks requests this way). */
void rules_park(struct rules_engine *e, const char *tag, void *req);
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

/* ---- Changes ---------------------------------------------------------- */
/*
 * One listener may hear of every change to the rules (breakpoints
 * included) and to the state, as it happens: a rule added (loaded, rule
 * add, break), deleted (rule del, clear, a once rule that acted, a
 * breakpoint that fired or was removed: r is still whole during the
 * call), enabled or disabled; the state moved (r is NULL).  The listener
 * must not call back into the engine.
 */
enum rules_change { RULES_ADDED, RULES_DELETED, RULES_ENABLED,
                    RULES_DISABLED, RULES_STATE };
typedef void rules_notify_fn(const struct rules_rule *r,
                             enum rules_change what, int old_state,
                             int new_state, void *arg);
/* fn NULL: nobody listens. */
void rules_set_notify(struct rules_engine *e, rules_notify_fn *fn,
                      void *arg);

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
/* A duration as the rule language writes it ("5ms", "1500us"), into buf. */
void rules_format_duration(int64_t ns, char *buf, size_t len);

#endif
