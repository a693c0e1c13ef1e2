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

/* Add a line, its text wrapped to textw columns on lines of its own. */
static size_t help_add(struct help_line *out, size_t n, size_t max,
                       const char *key, const char *text, int textw)
{
    size_t skip;
    bool first = true;

    do {
        size_t k = textw > 0 ? tui_wrap(text, textw, &skip) : strlen(text);

        if (n >= max)
            return n;
        out[n] = (struct help_line){ 0 };
        if (first)
            snprintf(out[n].key, sizeof(out[n].key), "%s", key);
        snprintf(out[n].text, sizeof(out[n].text), "%.*s", (int)k, text);
        n++;
        first = false;
        text += k + (textw > 0 ? skip : 0);
    } while (*text != '\0');
    return n;
}

static size_t help_lines(struct help_line *out, size_t max, int textw)
{
    static const int scopes[] = { TUI_SCOPE_ANY, TUI_PANE_CMDLINE,
                                  TUI_PANE_SUSPENDED, TUI_PANE_ALLOC,
                                  TUI_PANE_REQUESTS, TUI_PANE_OUTPUT,
                                  TUI_PANE_THROUGHPUT, TUI_PANE_RULES };
    size_t n = 0;

    for (size_t s = 0; s < sizeof(scopes) / sizeof(scopes[0]); s++) {
        if (n < max) {
            out[n] = (struct help_line){ .heading = true };
            snprintf(out[n++].text, sizeof(out[0].text), "%s",
                     help_scope_name(scopes[s]));
        }
        for (size_t i = 0; i < tui_nbindings && n < max; i++) {
            const struct tui_binding *b = &tui_bindings[i];
            char key[40], text[200];

            if (b->scope != scopes[s])
                continue;
            tui_key_name(b->key, key, sizeof(key));
            snprintf(text, sizeof(text), "%s  [%s]", b->help, b->command);
            n = help_add(out, n, max, key, text, textw);
        }
        for (size_t i = 0; i < tui_npane_keys && n < max; i++) {
            if (tui_pane_keys[i].scope != scopes[s])
                continue;
            n = help_add(out, n, max, tui_pane_keys[i].keys,
                         tui_pane_keys[i].help, textw);
        }
    }
    if (n < max) {
        out[n] = (struct help_line){ .heading = true };
        snprintf(out[n++].text, sizeof(out[0].text),
                 "Commands (type them; 'help' lists qemu-io's)");
    }
    for (const struct cmd_entry *const *e = tui_cmd_table; *e && n < max;
         e++) {
        char text[200];

        snprintf(text, sizeof(text), "%s%s%s", (*e)->args ? (*e)->args : "",
                 (*e)->args ? " -- " : "", (*e)->oneline);
        n = help_add(out, n, max, (*e)->name, text, textw);
    }
    return n;
}

void tui_help_draw(struct tui *t)
{
    static struct help_line lines[512];
    int w = t->cols - 4 < 100 ? t->cols - 4 : 100;
    /* Narrow: a narrower key column, and text wrapped, never cut. */
    int keyw = w < 90 ? 18 : 24;
    size_t n = help_lines(lines, sizeof(lines) / sizeof(lines[0]),
                          w - 2 - keyw - 2);
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
        tui_put(in.y + i, in.x + 1, keyw, TUI_R_HELP_KEY, l->key);
        tui_put(in.y + i, in.x + keyw + 2, in.w - keyw - 2, TUI_R_HELP,
                l->text);
    }
    snprintf(info, sizeof(info), "%s", w < 60
             ? "Up/Down: scroll" : "Up/Down scroll, any other key closes");
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
