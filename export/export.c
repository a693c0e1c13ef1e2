/*
 * export.c — the session's exports and their clients (see export.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/strfmt.h"

struct export_set {
    struct bk_loop *loop;
    struct export *head, *tail;
    size_t n;
    uint64_t next_client_id;
    struct export_defaults defaults;
    export_client_fn *on_client;
    void *on_client_arg;
};

struct export_set *export_set_new(struct bk_loop *loop)
{
    struct export_set *set = calloc(1, sizeof(*set));

    if (set == NULL)
        abort();
    set->loop = loop;
    return set;
}

void export_set_free(struct export_set *set)
{
    if (set == NULL)
        return;
    export_remove_all(set);
    free(set);
}

void export_set_defaults(struct export_set *set,
                         const struct export_defaults *d)
{
    set->defaults = *d;
}

void export_set_on_client(struct export_set *set, export_client_fn *fn,
                          void *arg)
{
    set->on_client = fn;
    set->on_client_arg = arg;
}

const struct export_defaults *export_defaults(const struct export_set *set)
{
    return &set->defaults;
}

struct bk_loop *export_set_loop(const struct export_set *set)
{
    return set->loop;
}

size_t export_count(const struct export_set *set)
{
    return set != NULL ? set->n : 0;
}

struct export *export_first(const struct export_set *set)
{
    return set != NULL ? set->head : NULL;
}

struct export *export_find(const struct export_set *set, const char *name)
{
    for (struct export *e = export_first(set); e != NULL; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

struct export *export_new(const struct export_ops *ops, struct bk_dev *dev,
                          const char *name, const char *where,
                          bool read_only, void *priv)
{
    struct export *exp = calloc(1, sizeof(*exp));

    if (exp == NULL)
        abort();
    exp->ops = ops;
    exp->dev = dev;
    exp->name = strdup(name);
    exp->where = strdup(where);
    exp->read_only = read_only;
    exp->priv = priv;
    if (exp->name == NULL || exp->where == NULL)
        abort();
    return exp;
}

void export_free(struct export *exp)
{
    if (exp == NULL)
        return;
    free(exp->name);
    free(exp->where);
    free(exp);
}

int export_add(struct export_set *set, struct export *exp, char **cause)
{
    if (export_find(set, exp->name) != NULL) {
        *cause = strfmt("an export named '%s' exists", exp->name);
        return -EEXIST;
    }
    exp->set = set;
    exp->start_ns = bk_now_ns();
    exp->next = NULL;
    if (set->tail != NULL)
        set->tail->next = exp;
    else
        set->head = exp;
    set->tail = exp;
    set->n++;
    return 0;
}

void export_drained(struct export *exp)
{
    exp->drained = true;
}

struct export_resume {
    struct export *exp;
    const struct bk_req *parked;
};

static void export_find_parked(const struct bk_req *req, void *arg)
{
    struct export_resume *r = arg;

    if (r->parked != NULL || req->state != BK_REQ_SUSPENDED ||
        req->source == NULL)
        return;
    for (struct export_client *c = r->exp->clients; c != NULL; c = c->next)
        if (req->source == &c->source)
            r->parked = req;
}

/* A drain would wait forever for a request parked at a breakpoint or by
 * a hang rule: the export's own parked requests are let go, as quitting
 * lets all go.  They go on as after "resume" (a hang's timeout and errno
 * do not apply: the request was let go before it ran out). */
static void export_resume_parked(struct export *exp)
{
    for (;;) {
        struct export_resume r = { exp, NULL };

        bk_dev_for_each_req(exp->dev, export_find_parked, &r);
        if (r.parked == NULL || bk_dev_resume_req(exp->dev, r.parked) < 0)
            return;
    }
}

static void export_flush_done(struct bk_req *req, int ret)
{
    (void)req;
    (void)ret;
}

static void export_unlink(struct export *exp)
{
    struct export_set *set = exp->set;
    struct export **p = &set->head, *prev = NULL;

    while (*p != NULL && *p != exp) {
        prev = *p;
        p = &(*p)->next;
    }
    if (*p == NULL)
        return;
    *p = exp->next;
    if (set->tail == exp)
        set->tail = prev;
    set->n--;
}

void export_remove(struct export *exp)
{
    struct bk_loop *loop = exp->set->loop;
    struct bk_req flush = { .op = BK_OP_FLUSH, .done = export_flush_done };

    exp->draining = true;
    exp->ops->shutdown(exp);
    while (!exp->drained) {
        export_resume_parked(exp);
        if (!exp->drained)
            bk_loop_iterate(loop, -1);
    }
    /* What the clients wrote reaches the disk before the export is gone.
     * A hang rule or a breakpoint may hold this flush too: a drain lets
     * it go, as it lets the clients' requests go. */
    if (!bk_dev_read_only(exp->dev)) {
        bk_submit(exp->dev, &flush);
        while (flush.state != BK_REQ_DONE) {
            if (flush.state != BK_REQ_SUSPENDED ||
                bk_dev_resume_req(exp->dev, &flush) < 0)
                bk_loop_iterate(loop, -1);
        }
    }
    export_unlink(exp);
    exp->ops->free(exp);
    export_free(exp);
}

void export_remove_all(struct export_set *set)
{
    if (set == NULL)
        return;
    /* Every export stops taking work first, then each is drained. */
    for (struct export *e = set->head; e != NULL; e = e->next) {
        e->draining = true;
        e->ops->shutdown(e);
    }
    while (set->head != NULL)
        export_remove(set->head);
}

/* ---- clients ----------------------------------------------------------- */

struct export_client *export_client_new(struct export *exp, const char *peer)
{
    struct export_client *c = calloc(1, sizeof(*c));

    if (c == NULL)
        abort();
    c->exp = exp;
    c->peer = strdup(peer);
    c->connect_ns = bk_now_ns();
    c->source.kind = exp->ops->source_kind;
    c->source.id = ++exp->set->next_client_id;
    c->source.name = strfmt("%s %s", exp->ops->kind, peer);
    if (c->peer == NULL || c->source.name == NULL)
        abort();
    c->prev = exp->clients_tail;
    if (exp->clients_tail != NULL)
        exp->clients_tail->next = c;
    else
        exp->clients = c;
    exp->clients_tail = c;
    exp->nclients++;
    exp->nclients_total++;
    if (exp->set->on_client != NULL)
        exp->set->on_client(c, true, exp->set->on_client_arg);
    return c;
}

void export_client_del(struct export_client *c)
{
    struct export *exp;

    if (c == NULL)
        return;
    exp = c->exp;
    if (exp->set->on_client != NULL)
        exp->set->on_client(c, false, exp->set->on_client_arg);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        exp->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        exp->clients_tail = c->prev;
    exp->nclients--;
    free((char *)c->source.name);
    free(c->peer);
    free(c);
}
