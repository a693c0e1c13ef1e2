/*
 * inject.c — inject-rule targets.  See inject.h.
 *
 * Only inject-error rules with a sector mark anything; armed or not, a rule
 * is shown (it is where the user aimed it; "armed" only says its event has
 * run).  Sectors are qemu's 512 bytes.
 */
#include "tui/inject.h"

#include "rules/rules.h"
#include "tui/model.h"

struct inject_walk {
    struct tui_inject_range *out;
    size_t n, max;
};

static void inject_rule(const struct rules_rule *r, void *arg)
{
    struct inject_walk *w = arg;

    if (r->action != RULES_INJECT_ERROR || r->u.inject.sector < 0 ||
        w->n == w->max)
        return;
    w->out[w->n++] = (struct tui_inject_range){
        .offset = r->u.inject.sector * 512,
        .bytes = 512,
    };
}

size_t tui_inject_ranges(struct tui *t, struct tui_inject_range *out,
                         size_t max)
{
    struct inject_walk w = { out, 0, max };

    tui_model_for_each_rule(t, inject_rule, &w);
    return w.n;
}
