/*
 * pane_rules.c — the Rules pane: every blkdebug rule of the image, armed
 * or not, with what it did: its hits (requests or events that met its
 * conditions) and its injections.  One line a rule, in id order:
 *
 *     3 inject-error  read_aio  armed   hits 12  inj 4
 *     4 delay         read      on      hits 80  inj 80
 *
 * The second column is what the rule hangs off: an event for QEMU's
 * groups, the request types for blkmon's.  It reads the engine each frame
 * (a few rules) and keeps nothing.  Editing is done with the rule
 * commands on the command line (rule add, rule disable ID...).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"
#include "tui/draw.h"
#include "tui/model.h"
#include "tui/panel.h"

/* The request types of a mask, short: "read,write". */
static void rules_types(unsigned mask, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    if (mask == (1u << RULES_IO__MAX) - 1) {
        snprintf(buf, size, "all");
        return;
    }
    for (int i = 0; i < RULES_IO__MAX; i++)
        if (mask & (1u << i))
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
                                  n ? "," : "", rules_iotype_names[i]);
}

/* One rule's line. */
static void rules_line(const struct rules_rule *r, char *buf, size_t size)
{
    char on[16], what[64];

    if (rules_action_has_event(r->action))
        snprintf(what, sizeof(what), "%s", rules_event_names[r->event]);
    else if (r->action == RULES_WRITE_CACHE)
        snprintf(what, sizeof(what), "-");
    else
        rules_types(r->m.iotype_mask, what, sizeof(what));
    if (r->disabled)
        snprintf(on, sizeof(on), "off");
    else if (r->action == RULES_INJECT_ERROR)
        snprintf(on, sizeof(on), "%s", r->armed ? "armed" : "unarmed");
    else
        snprintf(on, sizeof(on), "on");
    snprintf(buf, size, "%3u %-12s %-13s %-7s hits %-6" PRIu64 " inj %"
             PRIu64, r->id, rules_action_names[r->action], what, on,
             r->matched, r->injected);
}

struct rules_walk {
    struct tui_rect in;
    int y;
};

static void rules_row(const struct rules_rule *r, void *arg)
{
    struct rules_walk *w = arg;
    char line[160];

    if (w->y >= w->in.h)
        return;
    rules_line(r, line, sizeof(line));
    tui_put(w->in.y + w->y++, w->in.x, w->in.w,
            r->disabled ? TUI_R_DIM
            : r->armed || !rules_action_has_event(r->action) ? TUI_R_VALUE
            : TUI_R_DEFAULT, line);
}

static void rules_draw(struct tui *t, struct tui_rect in, bool focus,
                       char *info, size_t infosize)
{
    struct rules_walk w = { in, 0 };
    size_t count;
    int state;

    (void)focus;
    if (in.h <= 0 || in.w <= 0)
        return;                 /* given way on a small screen */
    if (!tui_model_rules(t, &state, &count)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM,
                tui_model_image(t, NULL) ? "no blkdebug node"
                                         : "no image open");
        return;
    }
    snprintf(info, infosize, "state %d, %zu rules", state, count);
    if (count == 0) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM,
                "no rules (try: rule add delay latency=5ms)");
        return;
    }
    tui_model_for_each_rule(t, rules_row, &w);
}

const struct tui_panel_class tui_panel_rules = {
    .title = "Rules",
    .framed = true,
    .focusable = false,
    .draw = rules_draw,
};
