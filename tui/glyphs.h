/*
 * glyphs.h — the characters the TUI draws with: Unicode block elements
 * when the locale's character set is UTF-8, ASCII otherwise.
 *
 * Every glyph is one column wide (a unit test checks with wcwidth), so
 * layout never depends on the set in use.  Pane borders are not here:
 * curses' ACS line drawing already falls back by itself.
 *
 * The caller must have called setlocale(LC_ALL, "") before asking the
 * locale (main does, first thing).
 */
#ifndef BLKMON_TUI_GLYPHS_H
#define BLKMON_TUI_GLYPHS_H

#include <stdbool.h>

#include "tui/extmap.h"

struct tui_glyphs {
    bool utf8;
    const char *none;              /* past the end of the image */
    const char *hole;
    const char *mixed[3];          /* data fraction <= 1/3, <= 2/3, < 1 */
    const char *data;
    const char *bar[9];            /* 0..8 eighths of a cell, bottom up */
    const char *mark_outstanding;
    const char *mark_suspended;
    const char *mark_inject;
    const char *more_left, *more_right, *more_up, *more_down;
    const char *ellipsis;
    const char *pointer;           /* selected row */
};

extern const struct tui_glyphs tui_glyphs_unicode;
extern const struct tui_glyphs tui_glyphs_ascii;

/* "UTF-8", "utf8", "UTF8"... as nl_langinfo(CODESET) may spell it. */
bool tui_glyphs_codeset_is_utf8(const char *codeset);
/* The set for the current LC_CTYPE. */
const struct tui_glyphs *tui_glyphs_from_locale(void);

/* The glyph of an Allocation cell: by kind, and by data fraction when mixed. */
const char *tui_glyphs_cell(const struct tui_glyphs *g,
                            const struct tui_cell *c);
/*
 * One character cell of a vertical bar graph: the bar's value as a fraction
 * of the graph's full height (0..1), the cell's row counted from the
 * bottom (0) and the graph's height in rows.
 */
const char *tui_glyphs_graph(const struct tui_glyphs *g, double frac, int row,
                             int height);

#endif
