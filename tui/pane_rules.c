/*
 * pane_rules.c — the Rules pane: every blkdebug rule of the image, armed
 * or not, with what it did: its hits (requests or events that met its
 * conditions) and its injections.  One line a rule, in id order:
 *
 *     3 inject-error  read_aio  armed   hits 12  inj 4
 *     4 delay         read      on      hits 80  inj 80
 *
 * The second column is what the rule hangs off: an event for QEMU's
 * groups, the request types for blkmon's.  It reads the model each frame
 * (a few rules) and keeps only the selection, by rule id.  Focused, its
 * keys run the rule commands on the selected rule (bindings.c): d
 * disables or enables it, x deletes it, e puts it on the command line as
 * a "rule add" to edit (Enter adds the edited rule; x then deletes the
 * old one), a starts a new one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"
#include "tui/draw.h"
#include "tui/key.h"
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
    struct tui *t;
    bool focus;
    size_t index, top;
    unsigned sel_id;         /* the selected rule's id */
};

static void rules_row(const struct rules_rule *r, void *arg)
{
    struct rules_walk *w = arg;
    struct tui_rect in = w->in;
    char line[160];
    int y;
    bool sel = r->id == w->sel_id;

    if (w->index < w->top || w->index >= w->top + (size_t)in.h) {
        w->index++;
        return;
    }
    y = in.y + (int)(w->index++ - w->top);
    rules_line(r, line, sizeof(line));
    if (sel && w->focus) {
        tui_fill(y, in.x, in.w, TUI_R_SELECTION);
        tui_put(y, in.x, in.w, TUI_R_SELECTION, line);
        return;
    }
    tui_put(y, in.x, in.w,
            r->disabled ? TUI_R_DIM
            : r->armed || !rules_action_has_event(r->action) ? TUI_R_VALUE
            : TUI_R_DEFAULT, line);
}

/* The selection, by rule id (rules come and go): the selected rule, else
 * the one at the same place, else the last. */
struct rules_pick {
    unsigned want;
    size_t want_index, index, found_index;
    const struct rules_rule *found, *at, *last;
};

static void rules_pick_one(const struct rules_rule *r, void *arg)
{
    struct rules_pick *p = arg;

    if (r->id == p->want && p->found == NULL) {
        p->found = r;
        p->found_index = p->index;
    }
    if (p->index == p->want_index)
        p->at = r;
    p->last = r;
    p->index++;
}

bool tui_rules_selected(struct tui *t, struct rules_rule *out)
{
    struct tui_pane_state *ps = &t->ps;
    struct rules_pick p = { .want = ps->rule_sel_id,
                            .want_index = ps->rule_sel };
    const struct rules_rule *r;
    size_t count;
    int state;

    if (!tui_model_rules(t, &state, &count))
        return false;
    tui_model_for_each_rule(t, rules_pick_one, &p);
    if (p.found != NULL) {
        r = p.found;
        ps->rule_sel = p.found_index;
    } else if (p.at != NULL) {
        r = p.at;
    } else {
        r = p.last;
        ps->rule_sel = p.index > 0 ? p.index - 1 : 0;
    }
    if (r == NULL)
        return false;
    ps->rule_sel_id = r->id;
    if (out != NULL)
        *out = *r;
    return true;
}

static void rules_draw(struct tui *t, struct tui_rect in, bool focus,
                       char *info, size_t infosize)
{
    struct rules_walk w = { in, t, focus, 0, 0, 0 };
    struct rules_rule sel;
    size_t count;
    int state;

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
    if (tui_rules_selected(t, &sel)) {
        w.sel_id = sel.id;
        if (t->ps.rule_sel >= (size_t)in.h)
            w.top = t->ps.rule_sel - (size_t)in.h + 1;
        t->ps.rule_top = w.top;
    }
    tui_model_for_each_rule(t, rules_row, &w);
}

static unsigned rules_key(struct tui *t, int key)
{
    struct tui_pane_state *ps = &t->ps;
    struct rules_rule r;
    size_t idx, count;
    int state;

    if (key != TUI_KEY_UP && key != TUI_KEY_DOWN && key != TUI_KEY_HOME &&
        key != TUI_KEY_END)
        return TUI_HR_IGNORED;
    if (!tui_model_rules(t, &state, &count) || count == 0 ||
        !tui_rules_selected(t, &r))
        return TUI_HR_HANDLED;
    idx = ps->rule_sel;
    if (key == TUI_KEY_UP && idx > 0)
        idx--;
    else if (key == TUI_KEY_DOWN && idx + 1 < count)
        idx++;
    else if (key == TUI_KEY_HOME)
        idx = 0;
    else if (key == TUI_KEY_END)
        idx = count - 1;
    ps->rule_sel = idx;
    ps->rule_sel_id = 0;        /* the rule at idx */
    tui_rules_selected(t, NULL);
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

static void rules_click(struct tui *t, int row, int col)
{
    (void)col;
    t->ps.rule_sel = t->ps.rule_top + (size_t)row;
    t->ps.rule_sel_id = 0;      /* the rule at that row */
    tui_rules_selected(t, NULL);
}

const struct tui_panel_class tui_panel_rules = {
    .title = "Rules",
    .framed = true,
    .focusable = true,
    .draw = rules_draw,
    .key = rules_key,
    .click = rules_click,
};
