/*
 * engine.c — the running state of the rules: rules, state, active list,
 * suspended requests.
 *
 * Each event has a list of its (QEMU) rules, newest first (QEMU inserts at
 * the head), and every rule is also on the list of all rules in id order,
 * which is what front ends show, what is saved, and the order blkmon's
 * request rules are asked in.  The active list holds the inject-error
 * rules the last arming event chose, oldest first; rules_check walks it.
 * A suspended request is a (tag, cookie) record, newest first, because
 * resume picks the most recent one.
 *
 * Conditions are tested in one order everywhere (rule_acts): the request's
 * type, range and length (and for bad-blocks, a bad sector in it), the
 * rule's time window decide whether it *matches* (counted: the rule's
 * hits); then its count (nth, every, first) and its probability decide
 * whether it *acts*.
 *
 * Everything runs on the backend's loop thread (see rules.h): no locks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/rules_int.h"

#define IO_ALL ((1u << RULES_IO__MAX) - 1)

struct node {
    struct rules_rule r;
    struct node *ev_next;       /* rules of the same event, newest first */
    struct node *all_next;      /* every rule, by id */
    struct node *act_next;      /* active list, when r.armed */
    struct rules_rng rng;       /* its random stream */
    int64_t created_ns;         /* time windows count from here */
    bool acting;                /* rules_check_io: it acts on this one */
};

struct parked {
    char *tag;
    void *req;
    struct parked *next;        /* newest first */
};

struct rules_engine {
    int state;
    unsigned next_id;
    struct node *events[RULES_EV__MAX];
    struct node *all;
    struct node *active;
    struct parked *parked;
    size_t nrequest;            /* rules of blkmon's request actions */
    uint64_t cuts;              /* power cuts commands made */
    int64_t (*now_ns)(void *arg);
    void *now_arg;
    rules_notify_fn *notify;
    void *notify_arg;
};

static int64_t
monotonic_ns(void *arg)
{
    struct timespec ts;

    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct rules_engine *
rules_engine_new(void)
{
    struct rules_engine *e = calloc(1, sizeof(*e));

    if (e == NULL)
        abort();
    e->state = 1;
    e->next_id = 1;
    e->now_ns = monotonic_ns;
    return e;
}

void
rules_engine_set_clock(struct rules_engine *e, int64_t (*now_ns)(void *arg),
                       void *arg)
{
    e->now_ns = now_ns != NULL ? now_ns : monotonic_ns;
    e->now_arg = arg;
}

static void
node_free(struct node *n)
{
    rules_rule_fini(&n->r);
    free(n);
}

void
rules_engine_free(struct rules_engine *e)
{
    struct node *n, *next;
    struct parked *p, *pnext;

    if (e == NULL)
        return;
    for (n = e->all; n != NULL; n = next) {
        next = n->all_next;
        node_free(n);
    }
    for (p = e->parked; p != NULL; p = pnext) {
        pnext = p->next;
        free(p->tag);
        free(p);
    }
    free(e);
}

unsigned
rules_engine_insert(struct rules_engine *e, struct rules_rule *r)
{
    struct node *n = calloc(1, sizeof(*n)), **pp;

    if (n == NULL)
        abort();
    n->r = *r;
    memset(r, 0, sizeof(*r));       /* what it pointed to is ours now */
    n->r.id = e->next_id++;
    n->r.armed = false;
    n->r.fired = n->r.matched = n->r.injected = 0;
    rules_rng_init(&n->rng, rules_seed(), n->r.id);
    n->created_ns = e->now_ns(e->now_arg);
    if (rules_action_has_event(n->r.action)) {
        n->ev_next = e->events[n->r.event];
        e->events[n->r.event] = n;
    } else {
        e->nrequest++;
    }
    for (pp = &e->all; *pp != NULL; pp = &(*pp)->all_next)
        ;
    *pp = n;
    if (e->notify != NULL)
        e->notify(&n->r, RULES_ADDED, e->state, e->state, e->notify_arg);
    return n->r.id;
}

void
rules_set_notify(struct rules_engine *e, rules_notify_fn *fn, void *arg)
{
    e->notify = fn;
    e->notify_arg = arg;
}

/* The state moves (and the listener hears of it). */
static void
set_state(struct rules_engine *e, int state)
{
    int old = e->state;

    e->state = state;
    if (old != state && e->notify != NULL)
        e->notify(NULL, RULES_STATE, old, state, e->notify_arg);
}

/* Take n off every list and free it. */
static void
node_remove(struct rules_engine *e, struct node *n)
{
    struct node **pp;

    if (rules_action_has_event(n->r.action)) {
        for (pp = &e->events[n->r.event]; *pp != NULL;
             pp = &(*pp)->ev_next) {
            if (*pp == n) {
                *pp = n->ev_next;
                break;
            }
        }
    } else {
        e->nrequest--;
    }
    for (pp = &e->all; *pp != NULL; pp = &(*pp)->all_next) {
        if (*pp == n) {
            *pp = n->all_next;
            break;
        }
    }
    if (n->r.armed) {
        for (pp = &e->active; *pp != NULL; pp = &(*pp)->act_next) {
            if (*pp == n) {
                *pp = n->act_next;
                break;
            }
        }
    }
    if (e->notify != NULL)
        e->notify(&n->r, RULES_DELETED, e->state, e->state, e->notify_arg);
    node_free(n);
}

static struct node *
node_by_id(const struct rules_engine *e, unsigned id)
{
    struct node *n;

    for (n = e->all; n != NULL; n = n->all_next) {
        if (n->r.id == id)
            return n;
    }
    return NULL;
}

int
rules_delete(struct rules_engine *e, unsigned id)
{
    struct node *n = node_by_id(e, id);

    if (n == NULL)
        return -ENOENT;
    node_remove(e, n);
    return 0;
}

int
rules_enable(struct rules_engine *e, unsigned id, bool on)
{
    struct node *n = node_by_id(e, id);

    if (n == NULL)
        return -ENOENT;
    if (n->r.disabled == !on)
        return 0;
    n->r.disabled = !on;
    if (e->notify != NULL)
        e->notify(&n->r, on ? RULES_ENABLED : RULES_DISABLED, e->state,
                  e->state, e->notify_arg);
    return 0;
}

void
rules_clear(struct rules_engine *e)
{
    struct node *n, *next;

    for (n = e->all; n != NULL; n = next) {
        next = n->all_next;
        if (n->r.action != RULES_SUSPEND)
            node_remove(e, n);
    }
}

int
rules_state(const struct rules_engine *e)
{
    return e->state;
}

void
rules_set_state(struct rules_engine *e, int state)
{
    set_state(e, state);
}

static void
park(struct rules_engine *e, const char *tag, void *req)
{
    struct parked *p = calloc(1, sizeof(*p));

    if (p == NULL || (p->tag = strdup(tag)) == NULL)
        abort();
    p->req = req;
    p->next = e->parked;
    e->parked = p;
}

void
rules_park(struct rules_engine *e, const char *tag, void *req)
{
    park(e, tag, req);
}

bool
rules_event_has_rules(const struct rules_engine *e, enum rules_event ev)
{
    return e->events[ev] != NULL;
}

/* ---- conditions ------------------------------------------------------ */

/* Whether the request has a type, range and length the rule wants. */
static bool
io_matches(const struct rules_match *m, const struct rules_io *io)
{
    if (!(m->iotype_mask & (1u << io->type)))
        return false;
    if (m->end != 0 &&
        (io->bytes == 0 || io->offset >= m->end ||
         io->offset + io->bytes <= m->start))
        return false;
    return io->bytes >= m->min_bytes && io->bytes <= m->max_bytes;
}

/* Conditions that need a request to be tested. */
static bool
has_io_conditions(const struct rules_match *m)
{
    return m->iotype_mask != IO_ALL || m->end != 0 || m->min_bytes != 0 ||
           m->max_bytes != UINT64_MAX;
}

/* In the down part of its up/down cycle (always, without one). */
static bool
in_window(const struct rules_engine *e, const struct node *n)
{
    int64_t t;

    if (n->r.m.down_ns == 0)
        return true;
    t = (e->now_ns(e->now_arg) - n->created_ns) %
        (n->r.m.up_ns + n->r.m.down_ns);
    return t >= n->r.m.up_ns;
}

/*
 * The rule has matched (its hits are counted): do its count and its
 * probability let it act on this one?
 */
static bool
counted_and_drawn(struct node *n)
{
    const struct rules_match *m = &n->r.m;
    uint64_t k = n->r.matched;

    if (m->nth != 0 && k != m->nth)
        return false;
    if (m->every != 0 && k % m->every != 0)
        return false;
    if (m->first != 0 && k > m->first)
        return false;
    return m->probability >= 1.0 ||
           rules_rng_uniform(&n->rng) < m->probability;
}

/*
 * Every condition of n, in order, for a request (io NULL: an event that
 * fires for none, as "none" at open, which only rules without request
 * conditions match).
 */
static bool
rule_acts(struct rules_engine *e, struct node *n, const struct rules_io *io)
{
    if (io == NULL ? has_io_conditions(&n->r.m) : !io_matches(&n->r.m, io))
        return false;
    if (n->r.action == RULES_BAD_BLOCKS &&
        rules_sectors_first_in(&n->r.u.bad_blocks.bad, io->offset,
                               io->bytes) < 0)
        return false;
    if (!in_window(e, n))
        return false;
    n->r.matched++;
    return counted_and_drawn(n);
}

/* ---- events ---------------------------------------------------------- */

void
rules_event(struct rules_engine *e, enum rules_event ev, void *req,
            struct rules_fired *out)
{
    rules_event_io(e, ev, NULL, req, out);
}

void
rules_event_io(struct rules_engine *e, enum rules_event ev,
               const struct rules_io *io, void *req, struct rules_fired *out)
{
    struct node *n, *next, *a;
    int new_state = e->state;
    size_t narmed = 0, cap = 0;
    struct rules_fired dummy;

    if (out == NULL)
        out = &dummy;
    memset(out, 0, sizeof(*out));
    out->old_state = e->state;

    for (n = e->events[ev]; n != NULL; n = next) {
        next = n->ev_next;
        /* Rules of other states sleep; state compares with the old one. */
        if (n->r.disabled || (n->r.state != 0 && n->r.state != e->state))
            continue;
        n->r.fired++;
        switch (n->r.action) {
        case RULES_INJECT_ERROR:
            /* Arming is QEMU's; the conditions are looked at the check. */
            if (narmed++ == 0) {
                for (a = e->active; a != NULL; a = a->act_next)
                    a->r.armed = false;
                e->active = NULL;
            }
            /* At the head: walking newest first leaves it oldest first. */
            n->act_next = e->active;
            e->active = n;
            n->r.armed = true;
            break;
        case RULES_SET_STATE:
            if (!rule_acts(e, n, io))
                break;
            new_state = n->r.u.set_state.new_state;
            n->r.injected++;
            if (n->r.m.once)
                node_remove(e, n);
            break;
        case RULES_SUSPEND:
            if (!rule_acts(e, n, io))
                break;
            if (out->nsuspend == cap) {
                cap = cap ? cap * 2 : 4;
                out->tags = realloc(out->tags, cap * sizeof(*out->tags));
                if (out->tags == NULL)
                    abort();
            }
            /* The breakpoint is one-shot: its tag moves to the record. */
            park(e, n->r.u.suspend.tag, req);
            out->tags[out->nsuspend++] = strdup(n->r.u.suspend.tag);
            if (out->tags[out->nsuspend - 1] == NULL)
                abort();
            node_remove(e, n);
            break;
        default:
            break;
        }
    }
    set_state(e, new_state);
    out->new_state = new_state;
    out->rearmed = narmed > 0;
    if (out == &dummy)
        rules_fired_fini(&dummy);
}

void
rules_fired_fini(struct rules_fired *out)
{
    size_t i;

    for (i = 0; i < out->nsuspend; i++)
        free(out->tags[i]);
    free(out->tags);
    out->tags = NULL;
    out->nsuspend = 0;
}

/* ---- checks ---------------------------------------------------------- */

/* QEMU's check of the active list; *rulep gets the deciding rule's id. */
static int
check_active(struct rules_engine *e, const struct rules_io *io,
             bool *immediately, unsigned *rulep)
{
    struct node *n;
    uint64_t at;
    int error;

    *immediately = false;
    *rulep = 0;
    for (n = e->active; n != NULL; n = n->act_next) {
        if (n->r.disabled)
            continue;
        /* QEMU compares unsigned: a negative sector never matches. */
        at = n->r.u.inject.sector == -1 ? UINT64_MAX :
             (uint64_t)n->r.u.inject.sector * 512u;
        if (!(at == UINT64_MAX ||
              (io->bytes != 0 && at >= io->offset &&
               at - io->offset < io->bytes)))
            continue;
        if (rule_acts(e, n, io))
            break;
    }
    if (n == NULL || n->r.u.inject.error == 0)
        return 0;
    error = n->r.u.inject.error;
    n->r.injected++;
    *immediately = n->r.u.inject.immediately;
    *rulep = n->r.id;
    if (n->r.m.once)
        node_remove(e, n);
    return -error;
}

int
rules_check(struct rules_engine *e, uint64_t offset, uint64_t bytes,
            enum rules_iotype type, bool *immediately)
{
    struct rules_io io = { offset, bytes, type };
    unsigned rule;
    bool imm;
    int ret = check_active(e, &io, &imm, &rule);

    if (immediately != NULL)
        *immediately = imm;
    return ret;
}

/* The rule acted on the request: count it, and forget a "once" rule. */
static void
acted(struct rules_engine *e, struct node *n)
{
    n->r.injected++;
    if (n->r.m.once)
        node_remove(e, n);
}

bool
rules_check_io(struct rules_engine *e, const struct rules_io *io,
               struct rules_verdict *v)
{
    struct node *win[RULES_ACTION__MAX] = { NULL }, *n, *next;
    bool writes = io->type == RULES_IO_WRITE ||
                  io->type == RULES_IO_WRITE_ZEROES;

    memset(v, 0, sizeof(*v));
    v->bad_sector = -1;
    if (e->nrequest == 0 && e->active == NULL)
        return false;
    /* Every request rule looks, in id order; the first of each acts. */
    for (n = e->all; n != NULL && e->nrequest > 0; n = next) {
        next = n->all_next;
        n->acting = false;
        if (rules_action_has_event(n->r.action) ||
            n->r.action == RULES_WRITE_CACHE || n->r.disabled ||
            (n->r.state != 0 && n->r.state != e->state))
            continue;
        n->acting = rule_acts(e, n, io);
        if (n->acting && win[n->r.action] == NULL)
            win[n->r.action] = n;
    }
    if ((n = win[RULES_POWERCUT]) != NULL) {
        v->powercut_rule = n->r.id;
        v->powercut_keep = n->r.u.powercut.keep;
        v->powercut_exit = n->r.u.powercut.exit;
        acted(e, n);
        return true;
    }
    if ((n = win[RULES_HANG]) != NULL) {
        v->hang_rule = n->r.id;
        v->hang_tag = strdup(n->r.u.hang.tag);
        if (v->hang_tag == NULL)
            abort();
        v->hang_timeout_ns = n->r.u.hang.timeout_ns;
        v->hang_error = n->r.u.hang.error;
        acted(e, n);
    }
    if ((n = win[RULES_DELAY]) != NULL) {
        v->delay_rule = n->r.id;
        v->delay_ns = rules_delay_draw(&n->r, &n->rng);
        acted(e, n);
    }
    v->error = check_active(e, io, &v->immediately, &v->error_rule);
    if (v->error == 0 && (n = win[RULES_BAD_BLOCKS]) != NULL &&
        n->r.u.bad_blocks.error != 0) {
        v->error = -n->r.u.bad_blocks.error;
        v->error_rule = n->r.id;
        v->bad_sector = rules_sectors_first_in(&n->r.u.bad_blocks.bad,
                                               io->offset, io->bytes);
        acted(e, n);
    }
    if (v->error == 0 && (n = win[RULES_DROP_WRITES]) != NULL) {
        v->drop_rule = n->r.id;
        acted(e, n);
    } else if (v->error == 0) {
        if ((n = win[RULES_TORN_WRITE]) != NULL && writes) {
            v->torn_rule = n->r.id;
            v->torn_bytes = rules_torn_bytes(&n->r, &n->rng, io);
            v->torn_error = n->r.u.torn.error;
            acted(e, n);
        }
        /*
         * Every corrupt rule that acts changes the data, in id order; one
         * whose draws changed no bit (cosmic rays missed) did nothing.
         */
        for (n = e->all; n != NULL && win[RULES_CORRUPT] != NULL; n = next) {
            uint64_t before = v->corrupt_bits;

            next = n->all_next;
            if (n->r.action != RULES_CORRUPT || !n->acting)
                continue;
            rules_corrupt_edits(&n->r, &n->rng, io, &v->edits, &v->nedits,
                                &v->corrupt_bits);
            if (v->corrupt_bits == before)
                continue;
            if (v->corrupt_rule == 0)
                v->corrupt_rule = n->r.id;
            acted(e, n);
        }
    }
    return v->hang_rule || v->delay_rule || v->error != 0 || v->drop_rule ||
           v->torn_rule || v->corrupt_rule;
}

void
rules_verdict_fini(struct rules_verdict *v)
{
    free(v->hang_tag);
    free(v->edits);
    v->hang_tag = NULL;
    v->edits = NULL;
    v->nedits = 0;
}

void
rules_note_written(struct rules_engine *e, uint64_t offset, uint64_t bytes)
{
    uint64_t first = (offset + 511) / 512, end = (offset + bytes) / 512;
    struct node *n;

    if (e->nrequest == 0 || end <= first)
        return;
    /* Written sectors are good again, whatever state the rule is in. */
    for (n = e->all; n != NULL; n = n->all_next)
        if (n->r.action == RULES_BAD_BLOCKS)
            rules_sectors_remove(&n->r.u.bad_blocks.bad, first, end - 1);
}

bool
rules_write_cache(const struct rules_engine *e)
{
    const struct node *n;

    if (e->nrequest == 0)
        return false;
    for (n = e->all; n != NULL; n = n->all_next)
        if (!n->r.disabled && (n->r.action == RULES_WRITE_CACHE ||
                               n->r.action == RULES_POWERCUT))
            return true;
    return false;
}

uint64_t
rules_next_cut(struct rules_engine *e)
{
    return ++e->cuts;
}

bool
rules_uses_random(const struct rules_engine *e)
{
    const struct node *n;

    for (n = e->all; n != NULL; n = n->all_next)
        if (rules_rule_uses_random(&n->r))
            return true;
    return false;
}

/* ---- breakpoints ----------------------------------------------------- */

int
rules_break_add(struct rules_engine *e, const char *event, const char *tag,
                unsigned *idp)
{
    return rules_break_add_if(e, event, tag, NULL, 0, idp, NULL);
}

int
rules_break_add_if(struct rules_engine *e, const char *event,
                   const char *tag, const struct rules_kv *kv, size_t n,
                   unsigned *idp, char **cause)
{
    struct rules_session s;
    struct rules_opts *o;
    struct rules_rule r;
    int ev = rules_event_lookup(event);
    unsigned id;
    int ret;

    if (ev < 0)
        return -ENOENT;
    memset(&r, 0, sizeof(r));
    rules_session_init(&s);
    ret = rules_opts_create(&s, RULES_SUSPEND, NULL, &o, cause);
    for (size_t i = 0; ret == 0 && i < n; i++)
        ret = rules_opts_set(o, kv[i].key, kv[i].value, cause);
    if (ret == 0)
        ret = rules_match_from_opts(o, RULES_SUSPEND, &r.m, cause);
    if (ret == 0) {
        r.state = (int)rules_opts_number(o, "state", 0);
        r.event = (enum rules_event)ev;
        r.action = RULES_SUSPEND;
        r.u.suspend.tag = strdup(tag);
        if (r.u.suspend.tag == NULL)
            abort();
        id = rules_engine_insert(e, &r);
        if (idp != NULL)
            *idp = id;
    }
    rules_session_fini(&s);
    return ret;
}

int
rules_break_remove(struct rules_engine *e, const char *tag)
{
    struct node *n, *next;
    int ret = -ENOENT;

    for (n = e->all; n != NULL; n = next) {
        next = n->all_next;
        if (n->r.action == RULES_SUSPEND &&
            strcmp(n->r.u.suspend.tag, tag) == 0) {
            node_remove(e, n);
            ret = 0;
        }
    }
    return ret;
}

bool
rules_resume(struct rules_engine *e, const char *tag, void **reqp)
{
    struct parked **pp, *p;

    for (pp = &e->parked; *pp != NULL; pp = &(*pp)->next) {
        if (strcmp((*pp)->tag, tag) == 0) {
            p = *pp;
            *pp = p->next;
            if (reqp != NULL)
                *reqp = p->req;
            free(p->tag);
            free(p);
            return true;
        }
    }
    return false;
}

bool
rules_resume_req(struct rules_engine *e, const void *req, char **tagp)
{
    struct parked **pp, *p;

    for (pp = &e->parked; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->req == req) {
            p = *pp;
            *pp = p->next;
            if (tagp != NULL)
                *tagp = p->tag;
            else
                free(p->tag);
            free(p);
            return true;
        }
    }
    return false;
}

const char *
rules_suspended_tag(const struct rules_engine *e, const void *req)
{
    const struct parked *p;

    for (p = e->parked; p != NULL; p = p->next)
        if (p->req == req)
            return p->tag;
    return NULL;
}

bool
rules_is_suspended(const struct rules_engine *e, const char *tag)
{
    const struct parked *p;

    for (p = e->parked; p != NULL; p = p->next) {
        if (strcmp(p->tag, tag) == 0)
            return true;
    }
    return false;
}

void
rules_foreach(const struct rules_engine *e,
              void (*fn)(const struct rules_rule *r, void *arg), void *arg)
{
    const struct node *n;

    for (n = e->all; n != NULL; n = n->all_next)
        fn(&n->r, arg);
}

const struct rules_rule *
rules_get(const struct rules_engine *e, unsigned id)
{
    const struct node *n = node_by_id(e, id);

    return n ? &n->r : NULL;
}

size_t
rules_count(const struct rules_engine *e)
{
    const struct node *n;
    size_t count = 0;

    for (n = e->all; n != NULL; n = n->all_next)
        count++;
    return count;
}

void
rules_foreach_suspended(const struct rules_engine *e,
                        void (*fn)(const char *tag, void *req, void *arg),
                        void *arg)
{
    const struct parked *p;

    for (p = e->parked; p != NULL; p = p->next)
        fn(p->tag, p->req, arg);
}
