/*
 * theme_curses.c — install a resolved theme into curses.  See
 * theme_curses.h.  Kept apart so the parser and resolver never need a
 * terminal.
 */
#include "tui/theme_curses.h"

static const struct {
    uint16_t ours;
    attr_t curses;
} attr_map[] = {
    { TUI_A_BOLD, A_BOLD },           { TUI_A_DIM, A_DIM },
    { TUI_A_UNDERLINE, A_UNDERLINE }, { TUI_A_REVERSE, A_REVERSE },
    { TUI_A_BLINK, A_BLINK },         { TUI_A_ITALIC, A_ITALIC },
};

void tui_theme_curses_start(struct tui_term_caps *caps)
{
    *caps = (struct tui_term_caps){ .no_color = tui_theme_no_color_env() };
    if (caps->no_color || !has_colors() || start_color() != OK)
        return;
    caps->default_colors = use_default_colors() == OK;
    caps->colors = COLORS;
    caps->pairs = COLOR_PAIRS;
}

attr_t tui_theme_curses_attrs(uint16_t attrs)
{
    attr_t a = A_NORMAL;

    for (size_t i = 0; i < sizeof(attr_map) / sizeof(attr_map[0]); i++)
        if (attrs & attr_map[i].ours)
            a |= attr_map[i].curses;
    return a;
}

void tui_theme_curses_install(const struct tui_resolved *r,
                              attr_t out[TUI_R__MAX])
{
    for (int i = 1; i <= r->npairs; i++)
        init_pair((short)i, r->pair[i].fg, r->pair[i].bg);
    for (int k = 0; k < TUI_R__MAX; k++)
        out[k] = tui_theme_curses_attrs(r->role[k].attrs) |
                 (attr_t)COLOR_PAIR(r->role[k].pair);
}
