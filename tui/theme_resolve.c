/*
 * theme_resolve.c — fit a theme to what the terminal can show.
 *
 * Degrading: xterm's 256 colours map to the nearest of the 16 ANSI colours
 * by RGB distance (xterm's default palette); on 8-colour terminals a bright
 * colour becomes its dim twin, made bold when it is a foreground (most
 * 8-colour terminals show bold text bright).  Monochrome ignores colours
 * and keeps only bold and reverse from the theme's [mono] section.
 *
 * Pairs: each distinct (fg, bg) gets one curses pair, so the ~40 roles need
 * far fewer than the 64 pairs of the smallest colour terminals; should
 * pairs run out anyway, the roles left over fall back to their mono style
 * rather than to a wrong colour.
 */
#include "tui/theme.h"

#include <stdlib.h>

static const unsigned char ansi_rgb[16][3] = {
    { 0, 0, 0 },       { 205, 0, 0 },     { 0, 205, 0 },   { 205, 205, 0 },
    { 0, 0, 238 },     { 205, 0, 205 },   { 0, 205, 205 }, { 229, 229, 229 },
    { 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },   { 255, 255, 0 },
    { 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 }, { 255, 255, 255 },
};
static const unsigned char cube_level[6] = { 0, 95, 135, 175, 215, 255 };

bool tui_theme_no_color_env(void)
{
    const char *v = getenv("NO_COLOR");
    return v && *v;
}

enum tui_color_mode tui_theme_mode(const struct tui_term_caps *caps)
{
    if (caps->no_color || caps->colors < 8 || caps->pairs < 2)
        return TUI_MODE_MONO;
    if (caps->colors < 16)
        return TUI_MODE_8;
    if (caps->colors < 256)
        return TUI_MODE_16;
    return TUI_MODE_256;
}

static int nearest16(int c)
{
    int rgb[3], best = 0;
    long best_d = -1;

    if (c < 232) {
        c -= 16;
        rgb[0] = cube_level[c / 36];
        rgb[1] = cube_level[c / 6 % 6];
        rgb[2] = cube_level[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
    }
    for (int i = 0; i < 16; i++) {
        long d = 0;
        for (int k = 0; k < 3; k++)
            d += (long)(rgb[k] - ansi_rgb[i][k]) * (rgb[k] - ansi_rgb[i][k]);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

int tui_theme_degrade(int c, enum tui_color_mode mode, bool fg,
                      uint16_t *attrs)
{
    if (c < 0 || mode == TUI_MODE_MONO)
        return TUI_COLOR_DEFAULT;
    if (mode == TUI_MODE_256)
        return c;
    if (c >= 16)
        c = nearest16(c);
    if (mode == TUI_MODE_16 || c < 8)
        return c;
    if (fg)
        *attrs |= TUI_A_BOLD;
    return c - 8;
}

static short find_pair(struct tui_resolved *out, const struct tui_term_caps *caps,
                       int fg, int bg)
{
    for (int i = 1; i <= out->npairs; i++)
        if (out->pair[i].fg == fg && out->pair[i].bg == bg)
            return (short)i;
    if (out->npairs >= TUI_THEME_MAX_PAIRS || out->npairs + 1 >= caps->pairs)
        return -1;
    out->npairs++;
    out->pair[out->npairs].fg = (int16_t)fg;
    out->pair[out->npairs].bg = (int16_t)bg;
    return (short)out->npairs;
}

void tui_theme_resolve(const struct tui_theme *t,
                       const struct tui_term_caps *caps,
                       struct tui_resolved *out)
{
    *out = (struct tui_resolved){ .mode = tui_theme_mode(caps) };

    for (int r = 0; r < TUI_R__MAX; r++) {
        const struct tui_style *st = &t->colour[r];
        uint16_t attrs = st->attrs;
        int fg, bg;
        short pair;

        if (out->mode == TUI_MODE_MONO) {
            out->role[r].attrs = t->mono[r] & TUI_A_MONO_MASK;
            continue;
        }
        fg = tui_theme_degrade(st->fg, out->mode, true, &attrs);
        bg = tui_theme_degrade(st->bg, out->mode, false, &attrs);
        if (!caps->default_colors) {
            /* Without use_default_colors() -1 is not a colour: assume the
             * classic white on black. */
            if (fg < 0)
                fg = 7;
            if (bg < 0)
                bg = 0;
        }
        /* Degrading can make text invisible (bright-white on white). */
        if (fg == bg && fg >= 0)
            fg = (bg == 7 || bg == 15) ? 0 : 7;
        pair = fg < 0 && bg < 0 ? 0 : find_pair(out, caps, fg, bg);
        if (pair < 0) {
            out->role[r].attrs = t->mono[r] & TUI_A_MONO_MASK;
            continue;
        }
        out->role[r].pair = pair;
        out->role[r].attrs = attrs;
    }
}
