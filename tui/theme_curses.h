/*
 * theme_curses.h — the one place where a resolved theme meets curses.
 *
 * Call order, after initscr(): tui_theme_curses_start() fills the caps
 * (starting colour when the terminal has it and NO_COLOR is not set),
 * tui_theme_resolve() fits the theme, tui_theme_curses_install() defines
 * the pairs and fills the attribute table drawing code indexes by role
 * (htop's CRT_colors).
 */
#ifndef BLKMON_TUI_THEME_CURSES_H
#define BLKMON_TUI_THEME_CURSES_H

#include <curses.h>

#include "tui/theme.h"

void tui_theme_curses_start(struct tui_term_caps *caps);
/* Our attribute bits as curses attributes (no terminal needed). */
attr_t tui_theme_curses_attrs(uint16_t attrs);
void tui_theme_curses_install(const struct tui_resolved *r,
                              attr_t out[TUI_R__MAX]);

#endif
