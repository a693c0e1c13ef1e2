/*
 * engine.c — the running state of blkdebug: rules, state, active list,
 * suspended requests.
 *
 * Each event has a list of rules, newest first (QEMU inserts at the head),
 * and every rule is also on the list of all rules in id order, which is
 * what front ends show and what is saved.  The active list holds the
 * inject-error rules the last arming event chose, oldest first; rules_check
 * walks it.  A suspended request is a (tag, cookie) record, newest first,
 * because resume picks the most recent one.
 *
 * Everything runs on the backend's loop thread (see rules.h): no locks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

struct node {
    struct rules_rule r;
    struct node *ev_next;       /* rules of the same event, newest first */
    struct node *all_next;      /* every rule, by id */
    struct node *act_next;      /* active list, when r.armed */
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
};

struct rules_engine *
rules_engine_new(void)
{
    struct rules_engine *e = calloc(1, sizeof(*e));

    if (e == NULL)
        abort();
    e->state = 1;
    e->next_id = 1;
    return e;
}

static void
node_free(struct node *n)
{
    if (n->r.action == RULES_SUSPEND)
        free(n->r.u.suspend.tag);
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
rules_engine_insert(struct rules_engine *e, const struct rules_rule *r)
{
    struct node *n = calloc(1, sizeof(*n)), **pp;

    if (n == NULL)
        abort();
    n->r = *r;
    n->r.id = e->next_id++;
    n->r.armed = false;
    n->r.fired = 0;
    n->r.hits = 0;
    if (r->action == RULES_SUSPEND &&
        (n->r.u.suspend.tag = strdup(r->u.suspend.tag)) == NULL)
        abort();
    n->ev_next = e->events[r->event];
    e->events[r->event] = n;
    for (pp = &e->all; *pp != NULL; pp = &(*pp)->all_next)
        ;
    *pp = n;
    return n->r.id;
}

/* Take n off every list and free it. */
static void
node_remove(struct rules_engine *e, struct node *n)
{
    struct node **pp;

    for (pp = &e->events[n->r.event]; *pp != NULL; pp = &(*pp)->ev_next) {
        if (*pp == n) {
            *pp = n->ev_next;
            break;
        }
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
    e->state = state;
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

bool
rules_event_has_rules(const struct rules_engine *e, enum rules_event ev)
{
    return e->events[ev] != NULL;
}

void
rules_event(struct rules_engine *e, enum rules_event ev, void *req,
            struct rules_fired *out)
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
        if (n->r.state != 0 && n->r.state != e->state)
            continue;
        n->r.fired++;
        switch (n->r.action) {
        case RULES_INJECT_ERROR:
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
            new_state = n->r.u.set_state.new_state;
            break;
        case RULES_SUSPEND:
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
        case RULES_ACTION__MAX:
            break;
        }
    }
    e->state = new_state;
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

int
rules_check(struct rules_engine *e, uint64_t offset, uint64_t bytes,
            enum rules_iotype type, bool *immediately)
{
    struct node *n;
    uint64_t at;
    int error;

    if (immediately != NULL)
        *immediately = false;
    for (n = e->active; n != NULL; n = n->act_next) {
        /* QEMU compares unsigned: a negative sector never matches. */
        at = n->r.u.inject.sector == -1 ? UINT64_MAX :
             (uint64_t)n->r.u.inject.sector * 512u;
        if ((at == UINT64_MAX ||
             (bytes != 0 && at >= offset && at - offset < bytes)) &&
            (n->r.u.inject.iotype_mask & (1u << type)))
            break;
    }
    if (n == NULL || n->r.u.inject.error == 0)
        return 0;
    error = n->r.u.inject.error;
    n->r.hits++;
    if (immediately != NULL)
        *immediately = n->r.u.inject.immediately;
    if (n->r.u.inject.once)
        node_remove(e, n);
    return -error;
}

int
rules_break_add(struct rules_engine *e, const char *event, const char *tag,
                unsigned *idp)
{
    struct rules_rule r;
    int ev = rules_event_lookup(event);
    unsigned id;

    if (ev < 0)
        return -ENOENT;
    memset(&r, 0, sizeof(r));
    r.event = (enum rules_event)ev;
    r.action = RULES_SUSPEND;
    r.u.suspend.tag = (char *)tag;
    id = rules_engine_insert(e, &r);
    if (idp != NULL)
        *idp = id;
    return 0;
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
