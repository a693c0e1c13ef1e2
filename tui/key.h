/*
 * key.h — the TUI's key codes, independent of curses.
 *
 * A key is an int: a Unicode code point for text, TUI_KEY_CTRL(c) (1..31)
 * for control characters, or one of the named keys from TUI_KEY__BASE up
 * (past every code point).  The drawing side turns curses' get_wch() result
 * into a key once (tui_key_from_curses / tui_key_from_char); everything
 * behind it (line editor, panes, bindings) compares against names, never
 * against bare numbers.
 */
#ifndef BLKMON_TUI_KEY_H
#define BLKMON_TUI_KEY_H

#include <stdbool.h>
#include <stddef.h>

#define TUI_KEY_CTRL(c) ((c) & 0x1f)

enum tui_key {
    TUI_KEY_NONE = 0,
    TUI_KEY__BASE = 0x110000,
    TUI_KEY_UP = TUI_KEY__BASE,
    TUI_KEY_DOWN,
    TUI_KEY_LEFT,
    TUI_KEY_RIGHT,
    TUI_KEY_CTRL_LEFT,
    TUI_KEY_CTRL_RIGHT,
    TUI_KEY_HOME,
    TUI_KEY_END,
    TUI_KEY_PGUP,
    TUI_KEY_PGDN,
    TUI_KEY_INSERT,
    TUI_KEY_DELETE,
    TUI_KEY_BACKSPACE,
    TUI_KEY_ENTER,
    TUI_KEY_TAB,
    TUI_KEY_BTAB,          /* Shift-Tab */
    TUI_KEY_ESC,
    TUI_KEY_RESIZE,
    TUI_KEY_MOUSE,
    TUI_KEY_F0,            /* F1..F12 are TUI_KEY_F(1)..TUI_KEY_F(12) */
    TUI_KEY__END = TUI_KEY_F0 + 13,
};
#define TUI_KEY_F(n) (TUI_KEY_F0 + (n))

/* True for a key that inserts text. */
bool tui_key_is_text(int key);
/* A character from get_wch(): Enter, Tab, Backspace, Esc get their names. */
int tui_key_from_char(unsigned int ch);
/* A KEY_* code from get_wch() == KEY_CODE_YES; TUI_KEY_NONE if unknown. */
int tui_key_from_curses(int code);
/* "Ctrl-A", "F5", "Shift-Tab", "Up", "x"; returns buf. */
const char *tui_key_name(int key, char *buf, size_t size);

#endif
