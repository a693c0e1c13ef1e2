/*
 * group.c — sessions sharing one image (see cmd.h, cmd_group).
 *
 * The image is the owner's: g->owner->dev is the truth, and every member's
 * dev is set from it whenever it changes, which only happens while an
 * image command runs and no other command does.  The *gate* is two
 * counters: commands running, and whether an image command runs; a
 * command waits at the gate by iterating the loop (on a fiber that is a
 * yield), like any other wait.
 */
#include <stdlib.h>

#include "cmd/bench.h"
#include "cmd/cmd.h"

struct group_watch {
    cmd_image_fn *image;
    cmd_start_fn *start;
    cmd_ran_fn *ran;
    void *arg;
    struct group_watch *next;
};

struct cmd_group {
    struct cmd_state *owner;
    struct bk_dev *dev;              /* the image every member has */
    struct cmd_state *members;       /* via group_next, the owner first */
    unsigned running;
    const struct cmd_state *exclusive;
    struct group_watch *watches;
    void (*on_close)(void *arg);
    void *on_close_arg;
    struct cmd_record *record;
};

struct cmd_group *cmd_group_new(struct cmd_state *owner)
{
    struct cmd_group *g = calloc(1, sizeof(*g));

    if (g == NULL)
        abort();
    g->owner = owner;
    g->dev = owner->dev;
    owner->group = g;
    owner->group_next = NULL;
    g->members = owner;
    return g;
}

void cmd_group_free(struct cmd_group *g)
{
    if (g == NULL)
        return;
    cmd_record_end(g);
    while (g->watches != NULL) {
        struct group_watch *w = g->watches;

        g->watches = w->next;
        free(w);
    }
    g->owner->group = NULL;
    g->owner->group_next = NULL;
    free(g);
}

void cmd_group_join(struct cmd_group *g, struct cmd_state *st)
{
    struct cmd_state **p = &g->members;

    while (*p != NULL)
        p = &(*p)->group_next;
    *p = st;
    st->group_next = NULL;
    st->group = g;
    st->dev = g->dev;
    st->exports = g->owner->exports;
}

void cmd_group_leave(struct cmd_state *st)
{
    struct cmd_group *g = st->group;

    if (g == NULL)
        return;
    for (struct cmd_state **p = &g->members; *p != NULL;
         p = &(*p)->group_next) {
        if (*p == st) {
            *p = st->group_next;
            break;
        }
    }
    st->group = NULL;
    st->group_next = NULL;
    /* The image stays the owner's. */
    if (st != g->owner)
        st->dev = NULL;
}

struct cmd_state *cmd_group_owner(const struct cmd_group *g)
{
    return g->owner;
}

void cmd_group_watch(struct cmd_group *g, cmd_image_fn *image,
                     cmd_start_fn *start, cmd_ran_fn *ran, void *arg)
{
    struct group_watch *w = calloc(1, sizeof(*w)), **p = &g->watches;

    if (w == NULL)
        abort();
    w->image = image;
    w->start = start;
    w->ran = ran;
    w->arg = arg;
    while (*p != NULL)
        p = &(*p)->next;
    *p = w;
}

void cmd_group_unwatch(struct cmd_group *g, void *arg)
{
    for (struct group_watch **p = &g->watches; *p != NULL;) {
        if ((*p)->arg == arg) {
            struct group_watch *w = *p;

            *p = w->next;
            free(w);
        } else {
            p = &(*p)->next;
        }
    }
}

void cmd_group_started(struct cmd_state *st, const char *line)
{
    struct cmd_group *g = st->group;

    if (g == NULL)
        return;
    for (struct group_watch *w = g->watches, *next; w != NULL; w = next) {
        next = w->next;
        if (w->start != NULL)
            w->start(st, line, w->arg);
    }
}

void cmd_group_ran(struct cmd_state *st, const char *line, int ret)
{
    struct cmd_group *g = st->group;

    if (g == NULL)
        return;
    for (struct group_watch *w = g->watches, *next; w != NULL; w = next) {
        next = w->next;
        if (w->ran != NULL)
            w->ran(st, line, ret, w->arg);
    }
}

void cmd_group_on_close(struct cmd_group *g, void (*fn)(void *arg),
                        void *arg)
{
    g->on_close = fn;
    g->on_close_arg = arg;
}

struct cmd_record *cmd_group_record(const struct cmd_group *g)
{
    return g->record;
}

void cmd_group_set_record(struct cmd_group *g, struct cmd_record *r)
{
    g->record = r;
}

unsigned cmd_group_running(const struct cmd_group *g)
{
    return g->running;
}

const struct cmd_state *cmd_group_exclusive(const struct cmd_group *g)
{
    return g->exclusive;
}

void cmd_group_for_each(struct cmd_group *g,
                        void (*fn)(struct cmd_state *st, void *arg),
                        void *arg)
{
    for (struct cmd_state *m = g->members, *next; m != NULL; m = next) {
        next = m->group_next;
        fn(m, arg);
    }
}

void cmd_group_enter(struct cmd_state *st, unsigned flags)
{
    struct cmd_group *g = st->group;

    if (g == NULL || (flags & CMD_F_CONTROL))
        return;
    if (flags & CMD_F_IMAGE) {
        while (g->exclusive != NULL || g->running > 0)
            bk_loop_iterate(st->loop, -1);
        g->exclusive = st;
    } else {
        while (g->exclusive != NULL)
            bk_loop_iterate(st->loop, -1);
    }
    g->running++;
}

/* The owner's observer prints blkdebug's lines for whatever image. */
static void group_adopt(struct cmd_group *g, struct cmd_state *opener)
{
    struct cmd_state *owner = g->owner;
    struct bk_dev *dev = opener->dev;

    if (opener == owner || dev == NULL)
        return;
    bk_dev_remove_observer(dev, &opener->debug_observer);
    owner->debug_observer = (struct bk_observer){ .debug = cmd_debug_note,
                                                  .fault = cmd_fault_note,
                                                  .arg = owner };
    bk_dev_add_observer(dev, &owner->debug_observer);
}

void cmd_group_exit(struct cmd_state *st, unsigned flags)
{
    struct cmd_group *g = st->group;

    if (g == NULL || (flags & CMD_F_CONTROL))
        return;
    g->running--;
    if (flags & CMD_F_IMAGE)
        g->exclusive = NULL;
}

void cmd_group_publish(struct cmd_state *st)
{
    struct cmd_group *g = st->group;
    struct bk_dev *dev = st->dev;

    if (g == NULL || dev == g->dev)
        return;
    g->dev = dev;
    group_adopt(g, st);
    for (struct cmd_state *m = g->members; m != NULL; m = m->group_next)
        m->dev = dev;
    for (struct group_watch *w = g->watches, *next; w != NULL; w = next) {
        next = w->next;
        if (w->image != NULL)
            w->image(g, dev, w->arg);
    }
}

struct group_close {
    bool pending;
};

static void group_stop_bench(struct cmd_state *m, void *arg)
{
    struct bench_job *job = bench_background_job(m);

    (void)arg;
    if (job != NULL)
        bench_stop(job);
}

static void group_aio_pending(struct cmd_state *m, void *arg)
{
    if (m->aio_pending > 0)
        ((struct group_close *)arg)->pending = true;
}

void cmd_group_closing(struct cmd_state *st)
{
    struct cmd_group *g = st->group;

    if (g == NULL) {
        group_stop_bench(st, NULL);
        return;
    }
    cmd_group_for_each(g, group_stop_bench, NULL);
    if (g->exclusive == st)
        return;
    /* Closing for good, outside the gate: the others' commands end
     * first, since they run on this image. */
    if (g->on_close != NULL)
        g->on_close(g->on_close_arg);
    while (g->running > 0)
        bk_loop_iterate(st->loop, -1);
}

void cmd_group_closed(struct cmd_state *st)
{
    struct group_close c = { true };

    while (c.pending) {
        c.pending = false;
        if (st->group != NULL)
            cmd_group_for_each(st->group, group_aio_pending, &c);
        else
            group_aio_pending(st, &c);
        if (c.pending)
            bk_loop_iterate(st->loop, -1);
    }
    cmd_group_publish(st);
}
