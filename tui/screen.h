/*
 * screen.h — the terminal: curses on and off, colours, glyphs, signals.
 *
 * htop's CRT: one screen per process, so its state is global here too:
 * tui_scr.attr[role] is the curses attribute of each colour role (htop's
 * CRT_colors) and tui_scr.g the glyph set.  The terminal is restored on
 * every way out: tui_screen_stop on a normal exit, an atexit hook, the
 * fatal-signal handler (SIGSEGV, SIGABRT...: restore, then die by the same
 * signal), and tui_screen_fatal for broken invariants.
 *
 * Signals that ask us to stop (SIGINT, SIGTERM, SIGHUP) and SIGWINCH are
 * not handled inside the handler: it only writes the signal number to a
 * self-pipe whose read end the loop watches, so quitting and relayout run
 * as ordinary loop work.
 */
#ifndef BLKMON_TUI_SCREEN_H
#define BLKMON_TUI_SCREEN_H

#include <curses.h>
#include <stdbool.h>

#include "tui/glyphs.h"
#include "tui/theme.h"

struct tui_screen {
    bool active;
    attr_t attr[TUI_R__MAX];
    const struct tui_glyphs *g;
    enum tui_color_mode mode;
};
extern struct tui_screen tui_scr;

/* Start curses with the theme.  0, or -1 with a message in *cause. */
int tui_screen_start(const struct tui_theme *theme, char **cause);
/* Leave curses and restore the terminal; safe to call twice. */
void tui_screen_stop(void);
/* The terminal's size changed (SIGWINCH): tell curses. */
void tui_screen_resize(int *cols, int *lines);

/* Install the handlers; returns the fd the loop reads signal numbers from. */
int tui_screen_signals(void);
/* Restore default handlers and close the pipe. */
void tui_screen_signals_off(void);
/* Read one pending signal number from the pipe; 0 when none. */
int tui_screen_next_signal(void);

/* Restore the terminal, print the message, exit(1). */
void tui_screen_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
