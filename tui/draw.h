/*
 * draw.h — drawing primitives on stdscr: clipped UTF-8 text by role,
 * pane frames with titles.  Every pane draws through these, so width
 * arithmetic (wide characters, control bytes) lives in one place.
 */
#ifndef BLKMON_TUI_DRAW_H
#define BLKMON_TUI_DRAW_H

#include "tui/layout.h"
#include "tui/theme.h"

/* Text at (y, x) in at most maxw columns; returns the columns used.
 * Control characters show as '?', so output can never move the cursor. */
int tui_put(int y, int x, int maxw, enum tui_role role, const char *s);
int tui_putf(int y, int x, int maxw, enum tui_role role, const char *fmt,
             ...) __attribute__((format(printf, 5, 6)));
/* Text right-aligned to end at column x + maxw. */
int tui_put_right(int y, int x, int maxw, enum tui_role role, const char *s);
/* Display columns of s (as tui_put would draw it). */
int tui_width(const char *s);
/* Bytes of s that fit in maxw columns (whole characters). */
size_t tui_fit(const char *s, int maxw);
/*
 * Wrapping: the bytes of s for one line of maxw columns, broken after a
 * word when one ends in the line's last two thirds; *skip gets the blanks
 * to pass over before the next line.  Always at least one byte.
 */
size_t tui_wrap(const char *s, int maxw, size_t *skip);
/* maxw blanks in role. */
void tui_fill(int y, int x, int maxw, enum tui_role role);
/* A pane frame: title at the top left, info at the top right. */
void tui_frame(struct tui_rect r, const char *title, const char *info,
               bool focus);
/* The inside of a framed rectangle. */
struct tui_rect tui_inner(struct tui_rect r);

#endif
