/*
 * glyphs.c — Unicode and ASCII glyph sets.  See glyphs.h.
 *
 * The ASCII density ramp . : + % # keeps the Allocation map readable on a
 * Linux console or under LANG=C, where block elements would print as '?'.
 */
#include "tui/glyphs.h"

#include <langinfo.h>
#include <math.h>
#include <strings.h>

const struct tui_glyphs tui_glyphs_unicode = {
    .utf8 = true,
    .none = " ",
    .hole = "\u00b7",                               /* · */
    .mixed = { "\u2591", "\u2592", "\u2593" },      /* ░ ▒ ▓ */
    .data = "\u2588",                               /* █ */
    .bar = { " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
             "\u2586", "\u2587", "\u2588" },        /* ▁..█ */
    .mark_outstanding = "\u2022",                   /* • */
    .mark_suspended = "\u2016",                     /* ‖ */
    .mark_inject = "\u00d7",                        /* × */
    .more_left = "\u25c2", .more_right = "\u25b8",  /* ◂ ▸ */
    .more_up = "\u25b4", .more_down = "\u25be",     /* ▴ ▾ */
    .ellipsis = "\u2026",                           /* … */
    .pointer = "\u25b6",                            /* ▶ */
};

const struct tui_glyphs tui_glyphs_ascii = {
    .utf8 = false,
    .none = " ",
    .hole = ".",
    .mixed = { ":", "+", "%" },
    .data = "#",
    .bar = { " ", " ", ".", ".", "_", "_", "=", "=", "#" },
    .mark_outstanding = "*",
    .mark_suspended = "S",
    .mark_inject = "X",
    .more_left = "<", .more_right = ">",
    .more_up = "^", .more_down = "v",
    .ellipsis = "~",
    .pointer = ">",
};

bool tui_glyphs_codeset_is_utf8(const char *codeset)
{
    return codeset && (strcasecmp(codeset, "UTF-8") == 0 ||
                       strcasecmp(codeset, "UTF8") == 0);
}

const struct tui_glyphs *tui_glyphs_from_locale(void)
{
    return tui_glyphs_codeset_is_utf8(nl_langinfo(CODESET))
           ? &tui_glyphs_unicode : &tui_glyphs_ascii;
}

const char *tui_glyphs_cell(const struct tui_glyphs *g,
                            const struct tui_cell *c)
{
    switch (c->kind) {
    case TUI_CELL_HOLE:
        return g->hole;
    case TUI_CELL_DATA:
        return g->data;
    case TUI_CELL_MIXED:
        /* Exact thirds in integers: a cell of 3 bytes with 1 of data is
         * "low", never "mid" by rounding. */
        if (c->data_bytes * 3 <= c->bytes)
            return g->mixed[0];
        if (c->data_bytes * 3 <= c->bytes * 2)
            return g->mixed[1];
        return g->mixed[2];
    default:
        return g->none;
    }
}

const char *tui_glyphs_graph(const struct tui_glyphs *g, double frac, int row,
                             int height)
{
    double eighths;

    if (height <= 0 || !(frac > 0))
        return g->bar[0];
    if (frac > 1)
        frac = 1;
    /* Round up so that any non-zero value shows at least one eighth. */
    eighths = ceil(frac * height * 8) - row * 8.0;
    if (eighths <= 0)
        return g->bar[0];
    return g->bar[eighths >= 8 ? 8 : (int)eighths];
}
