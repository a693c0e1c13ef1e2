/*
 * help.c — the F1 overlay: every key, printed from the binding tables
 * (bindings.c), so the overlay cannot drift from what the keys do, plus
 * the TUI's own commands.  Up/Down/PgUp/PgDn scroll it; any other key
 * closes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/bindings.h"
#include "tui/draw.h"
#include "tui/key.h"
#include "tui/panel.h"
#include "tui/screen.h"

struct help_line {
    char key[40];
    char text[200];
    bool heading;
};

static const char *help_scope_name(int scope)
{
    if (scope == TUI_SCOPE_ANY)
        return "Everywhere";
    return tui_panels[scope]->title;
}

static size_t help_lines(struct help_line *out, size_t max)
{
    static const int scopes[] = { TUI_SCOPE_ANY, TUI_PANE_CMDLINE,
                                  TUI_PANE_SUSPENDED, TUI_PANE_ALLOC,
                                  TUI_PANE_REQUESTS, TUI_PANE_OUTPUT };
    size_t n = 0;

    for (size_t s = 0; s < sizeof(scopes) / sizeof(scopes[0]); s++) {
        if (n < max) {
            out[n] = (struct help_line){ .heading = true };
            snprintf(out[n++].text, sizeof(out[0].text), "%s",
                     help_scope_name(scopes[s]));
        }
        for (size_t i = 0; i < tui_nbindings && n < max; i++) {
            const struct tui_binding *b = &tui_bindings[i];

            if (b->scope != scopes[s])
                continue;
            out[n] = (struct help_line){ 0 };
            tui_key_name(b->key, out[n].key, sizeof(out[n].key));
            snprintf(out[n++].text, sizeof(out[0].text), "%s  [%s]", b->help,
                     b->command);
        }
        for (size_t i = 0; i < tui_npane_keys && n < max; i++) {
            if (tui_pane_keys[i].scope != scopes[s])
                continue;
            out[n] = (struct help_line){ 0 };
            snprintf(out[n].key, sizeof(out[n].key), "%s",
                     tui_pane_keys[i].keys);
            snprintf(out[n++].text, sizeof(out[0].text), "%s",
                     tui_pane_keys[i].help);
        }
    }
    if (n < max) {
        out[n] = (struct help_line){ .heading = true };
        snprintf(out[n++].text, sizeof(out[0].text),
                 "Commands (type them; 'help' lists qemu-io's)");
    }
    for (const struct cmd_entry *const *e = tui_cmd_table; *e && n < max;
         e++) {
        out[n] = (struct help_line){ 0 };
        snprintf(out[n].key, sizeof(out[n].key), "%s", (*e)->name);
        snprintf(out[n++].text, sizeof(out[0].text), "%s%s%s",
                 (*e)->args ? (*e)->args : "", (*e)->args ? " -- " : "",
                 (*e)->oneline);
    }
    return n;
}

void tui_help_draw(struct tui *t)
{
    struct help_line lines[128];
    size_t n = help_lines(lines, sizeof(lines) / sizeof(lines[0]));
    int w = t->cols - 4 < 100 ? t->cols - 4 : 100;
    int h = t->lines - 2 < (int)n + 2 ? t->lines - 2 : (int)n + 2;
    struct tui_rect r = { (t->cols - w) / 2, (t->lines - h) / 2, w, h };
    struct tui_rect in = tui_inner(r);
    char info[64];

    if (in.h <= 0 || in.w <= 0)
        return;
    if (t->help_top + (size_t)in.h > n)
        t->help_top = n > (size_t)in.h ? n - (size_t)in.h : 0;
    for (int y = r.y; y < r.y + r.h; y++)
        tui_fill(y, r.x, r.w, TUI_R_HELP);
    for (int i = 0; i < in.h && t->help_top + (size_t)i < n; i++) {
        const struct help_line *l = &lines[t->help_top + (size_t)i];

        if (l->heading) {
            tui_put(in.y + i, in.x, in.w, TUI_R_TITLE, l->text);
            continue;
        }
        tui_put(in.y + i, in.x + 1, 24, TUI_R_HELP_KEY, l->key);
        tui_put(in.y + i, in.x + 26, in.w - 26, TUI_R_HELP, l->text);
    }
    snprintf(info, sizeof(info), "Up/Down scroll, any other key closes");
    tui_frame(r, "Help: keys", info, true);
}

unsigned tui_help_key(struct tui *t, int key)
{
    switch (key) {
    case TUI_KEY_UP:
        if (t->help_top > 0)
            t->help_top--;
        break;
    case TUI_KEY_DOWN:
        t->help_top++;
        break;
    case TUI_KEY_PGUP:
        t->help_top = t->help_top > 10 ? t->help_top - 10 : 0;
        break;
    case TUI_KEY_PGDN:
        t->help_top += 10;
        break;
    case TUI_KEY_RESIZE:
        return TUI_HR_IGNORED;
    default:
        t->help = false;
        break;
    }
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}
