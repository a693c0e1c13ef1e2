/*
 * model.c — the panes' one way to the run (see model.h): the device of a
 * local TUI, the mirror of an attached one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/control.h"
#include "export/export.h"
#include "tui/app.h"
#include "tui/layers.h"
#include "tui/model.h"
#include "tui/remote.h"

bool tui_model_image(struct tui *t, struct tui_model_image *img)
{
    struct bk_dev *dev = t->w.dev;

    if (t->remote != NULL)
        return tui_remote_image(t->remote, img);
    if (dev == NULL)
        return false;
    /* A local device shows its whole stack where the format goes. */
    static char stack[256];

    if (img != NULL) {
        bk_dev_describe_stack(dev, stack, sizeof(stack));
        *img = (struct tui_model_image){
            .filename = bk_dev_filename(dev),
            .format = stack,
            .length = t->w.length,
            .blkdebug = bk_dev_has_debug(dev),
        };
    }
    return true;
}

bool tui_model_storage(struct tui *t, struct bk_storage *st)
{
    if (t->remote != NULL)
        return tui_remote_storage(t->remote, st);
    if (t->w.dev == NULL)
        return false;
    bk_dev_storage(t->w.dev, st);
    return true;
}

size_t tui_model_outstanding(struct tui *t)
{
    if (t->remote != NULL)
        return tui_remote_outstanding(t->remote);
    return t->w.dev != NULL ? bk_dev_outstanding(t->w.dev) : 0;
}

void tui_model_for_each_req(struct tui *t,
                            void (*fn)(const struct bk_req *req, void *arg),
                            void *arg)
{
    if (t->remote != NULL)
        tui_remote_for_each_req(t->remote, fn, arg);
    else if (t->w.dev != NULL)
        bk_dev_for_each_req(t->w.dev, fn, arg);
}

void tui_model_for_each_break(struct tui *t,
                              void (*fn)(const char *event, const char *tag,
                                         void *arg),
                              void *arg)
{
    if (t->remote != NULL)
        tui_remote_for_each_break(t->remote, fn, arg);
    else if (t->w.dev != NULL)
        bk_dev_for_each_break(t->w.dev, fn, arg);
}

void tui_model_for_each_suspension(struct tui *t,
                                   void (*fn)(const char *tag,
                                              const struct bk_req *req,
                                              void *arg),
                                   void *arg)
{
    if (t->remote != NULL)
        tui_remote_for_each_suspension(t->remote, fn, arg);
    else if (t->w.dev != NULL)
        bk_dev_for_each_suspension(t->w.dev, fn, arg);
}

bool tui_model_rules(struct tui *t, int *state, size_t *count)
{
    struct rules_engine *e;

    if (t->remote != NULL)
        return tui_remote_rules(t->remote, state, count);
    e = t->w.dev != NULL ? bk_dev_rules(t->w.dev) : NULL;
    if (e == NULL)
        return false;
    *state = rules_state(e);
    *count = rules_count(e);
    return true;
}

char *tui_model_rule_text(struct tui *t, const struct rules_rule *r)
{
    if (t->remote != NULL)
        return tui_remote_rule_text(t->remote, r->id);
    return rules_describe(r);
}

void tui_model_for_each_rule(struct tui *t,
                             void (*fn)(const struct rules_rule *r,
                                        void *arg),
                             void *arg)
{
    struct rules_engine *e;

    if (t->remote != NULL) {
        tui_remote_for_each_rule(t->remote, fn, arg);
        return;
    }
    e = t->w.dev != NULL ? bk_dev_rules(t->w.dev) : NULL;
    if (e != NULL)
        rules_foreach(e, fn, arg);
}

void tui_model_dev_stats(struct tui *t, struct bk_stats *out)
{
    *out = (struct bk_stats){ 0 };
    if (t->remote != NULL)
        tui_remote_dev_stats(t->remote, out);
    else if (t->w.dev != NULL)
        bk_dev_stats(t->w.dev, out);
}

bool tui_model_bench(struct tui *t, struct bench_progress *out)
{
    struct bench_job *job;

    if (t->remote != NULL)
        return tui_remote_bench(t->remote, out);
    job = bench_background_job(t->st);
    if (job == NULL)
        return false;
    bench_progress(job, out);
    return true;
}

struct model_other {
    const struct cmd_state *self, *found;
};

static void model_other_bench(struct cmd_state *m, void *arg)
{
    struct model_other *o = arg;

    if (o->found == NULL && m != o->self && bench_session_job(m) != NULL)
        o->found = m;
}

bool tui_model_bench_other(struct tui *t, struct bench_progress *out,
                           struct bk_source *who)
{
    struct model_other o = { t->st, NULL };

    if (t->remote != NULL)
        return tui_remote_bench_other(t->remote, out, who);
    if (t->st->group == NULL)
        return false;
    cmd_group_for_each(t->st->group, model_other_bench, &o);
    if (o.found == NULL)
        return false;
    bench_progress(bench_session_job(o.found), out);
    *who = o.found->source;
    return true;
}

struct tui_stats_latency tui_model_latency(struct tui *t,
                                           enum tui_stats_class c)
{
    if (t->remote != NULL)
        return tui_remote_latency(t->remote, c);
    return tui_stats_latency(t->stats, c, true);
}

struct tui_stats_total tui_model_total(struct tui *t, enum tui_stats_class c)
{
    if (t->remote != NULL)
        return tui_remote_total(t->remote, c);
    return tui_stats_total(t->stats, c);
}

const char *tui_model_running(struct tui *t, size_t *queued)
{
    if (t->remote != NULL)
        return tui_remote_running(t->remote, queued);
    *queued = tui_cmdq_count(t->queue);
    return t->running;
}

const struct export *tui_model_exports(struct tui *t)
{
    if (t->remote != NULL)
        return tui_remote_exports(t->remote);
    return export_first(t->st->exports);
}

size_t tui_model_export_count(struct tui *t)
{
    size_t n = 0;

    for (const struct export *x = tui_model_exports(t); x != NULL;
         x = x->next)
        n++;
    return n;
}

bool tui_model_has_control(struct tui *t)
{
    return t->remote != NULL ? tui_remote_control(t->remote) != NULL
                             : t->control != NULL;
}

const struct export *tui_model_control(struct tui *t)
{
    if (t->remote != NULL)
        return tui_remote_control(t->remote);
    return t->control != NULL ? ctl_server_export(t->control, t->st->dev)
                              : NULL;
}

struct model_find {
    uint64_t id;
    const struct bk_req *req;
};

static void model_find(const struct bk_req *req, void *arg)
{
    struct model_find *f = arg;

    if (req->id == f->id)
        f->req = req;
}

int tui_model_resume_req(struct tui *t, uint64_t id)
{
    struct model_find f = { id, NULL };
    char line[64];

    if (t->remote != NULL) {
        snprintf(line, sizeof(line), "resume-request %llu",
                 (unsigned long long)id);
        tui_remote_send(t->remote, line);
        return 0;
    }
    if (t->w.dev == NULL)
        return -ENOENT;
    bk_dev_for_each_req(t->w.dev, model_find, &f);
    return f.req != NULL ? bk_dev_resume_req(t->w.dev, f.req) : -ENOENT;
}

int tui_model_resume_all(struct tui *t)
{
    if (t->remote != NULL) {
        tui_remote_send(t->remote, "resume-all");
        return 0;
    }
    if (t->w.dev == NULL)
        return -ENOENT;
    bk_dev_resume_all(t->w.dev);
    return 0;
}

const struct tui_layers *tui_model_layers(struct tui *t)
{
    if (t->remote != NULL)
        return tui_remote_layers(t->remote);
    return t->w.dev != NULL ? t->w.layers : NULL;
}

void tui_model_for_each_subreq(struct tui *t,
                               void (*fn)(const struct bk_subreq *sub,
                                          void *arg),
                               void *arg)
{
    if (t->remote != NULL)
        tui_remote_for_each_subreq(t->remote, fn, arg);
    else if (t->w.dev != NULL && t->w.layers != NULL)
        bk_dev_for_each_subreq(t->w.dev, fn, arg);
}

static void count_sub(const struct bk_subreq *sub, void *arg)
{
    (void)sub;
    ++*(size_t *)arg;
}

size_t tui_model_subreqs(struct tui *t)
{
    size_t n = 0;

    tui_model_for_each_subreq(t, count_sub, &n);
    return n;
}
