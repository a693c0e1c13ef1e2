/*
 * key.c — key codes: normalising what curses delivers, and naming keys for
 * the help overlay.
 *
 * curses.h is included for its KEY_* constants only; nothing here needs a
 * terminal.  Terminals disagree on Backspace (^H or DEL) and Enter (^M or
 * ^J): both spellings map to one key here so no handler has to know.
 */
#include "tui/key.h"

#include <curses.h>
#include <stdio.h>

static const struct {
    int curses;
    int key;
} curses_keys[] = {
    { KEY_UP, TUI_KEY_UP },         { KEY_DOWN, TUI_KEY_DOWN },
    { KEY_LEFT, TUI_KEY_LEFT },     { KEY_RIGHT, TUI_KEY_RIGHT },
    { KEY_HOME, TUI_KEY_HOME },     { KEY_END, TUI_KEY_END },
    { KEY_PPAGE, TUI_KEY_PGUP },    { KEY_NPAGE, TUI_KEY_PGDN },
    { KEY_IC, TUI_KEY_INSERT },     { KEY_DC, TUI_KEY_DELETE },
    { KEY_BACKSPACE, TUI_KEY_BACKSPACE },
    { KEY_ENTER, TUI_KEY_ENTER },   { KEY_BTAB, TUI_KEY_BTAB },
    { KEY_RESIZE, TUI_KEY_RESIZE }, { KEY_MOUSE, TUI_KEY_MOUSE },
    { KEY_SLEFT, TUI_KEY_CTRL_LEFT },  { KEY_SRIGHT, TUI_KEY_CTRL_RIGHT },
    { KEY_A1, TUI_KEY_HOME },       { KEY_C1, TUI_KEY_END },
    { KEY_A3, TUI_KEY_PGUP },       { KEY_C3, TUI_KEY_PGDN },
};

static const char *const key_names[TUI_KEY_F0 - TUI_KEY__BASE] = {
    [TUI_KEY_UP - TUI_KEY__BASE] = "Up",
    [TUI_KEY_DOWN - TUI_KEY__BASE] = "Down",
    [TUI_KEY_LEFT - TUI_KEY__BASE] = "Left",
    [TUI_KEY_RIGHT - TUI_KEY__BASE] = "Right",
    [TUI_KEY_CTRL_LEFT - TUI_KEY__BASE] = "Ctrl-Left",
    [TUI_KEY_CTRL_RIGHT - TUI_KEY__BASE] = "Ctrl-Right",
    [TUI_KEY_HOME - TUI_KEY__BASE] = "Home",
    [TUI_KEY_END - TUI_KEY__BASE] = "End",
    [TUI_KEY_PGUP - TUI_KEY__BASE] = "PgUp",
    [TUI_KEY_PGDN - TUI_KEY__BASE] = "PgDn",
    [TUI_KEY_INSERT - TUI_KEY__BASE] = "Insert",
    [TUI_KEY_DELETE - TUI_KEY__BASE] = "Delete",
    [TUI_KEY_BACKSPACE - TUI_KEY__BASE] = "Backspace",
    [TUI_KEY_ENTER - TUI_KEY__BASE] = "Enter",
    [TUI_KEY_TAB - TUI_KEY__BASE] = "Tab",
    [TUI_KEY_BTAB - TUI_KEY__BASE] = "Shift-Tab",
    [TUI_KEY_ESC - TUI_KEY__BASE] = "Esc",
    [TUI_KEY_RESIZE - TUI_KEY__BASE] = "Resize",
    [TUI_KEY_MOUSE - TUI_KEY__BASE] = "Mouse",
};

bool tui_key_is_text(int key)
{
    return key >= 0x20 && key < TUI_KEY__BASE && key != 0x7f &&
           !(key >= 0x80 && key < 0xa0) && !(key >= 0xd800 && key < 0xe000);
}

int tui_key_from_char(unsigned int ch)
{
    switch (ch) {
    case '\r': case '\n': return TUI_KEY_ENTER;
    case '\t':            return TUI_KEY_TAB;
    case 0x7f: case '\b': return TUI_KEY_BACKSPACE;
    case 0x1b:            return TUI_KEY_ESC;
    default:
        return ch < TUI_KEY__BASE ? (int)ch : TUI_KEY_NONE;
    }
}

int tui_key_from_curses(int code)
{
    if (code >= KEY_F(1) && code <= KEY_F(12))
        return TUI_KEY_F(code - KEY_F0);
    for (size_t i = 0; i < sizeof(curses_keys) / sizeof(curses_keys[0]); i++)
        if (curses_keys[i].curses == code)
            return curses_keys[i].key;
    return TUI_KEY_NONE;
}

const char *tui_key_name(int key, char *buf, size_t size)
{
    if (key >= TUI_KEY_F(1) && key < TUI_KEY__END)
        snprintf(buf, size, "F%d", key - TUI_KEY_F0);
    else if (key >= TUI_KEY__BASE && key < TUI_KEY_F0 &&
             key_names[key - TUI_KEY__BASE])
        snprintf(buf, size, "%s", key_names[key - TUI_KEY__BASE]);
    else if (key > 0 && key < 0x20)
        snprintf(buf, size, "Ctrl-%c", '@' + key);
    else if (key == ' ')
        snprintf(buf, size, "Space");
    else if (tui_key_is_text(key) && key < 0x80)
        snprintf(buf, size, "%c", key);
    else
        snprintf(buf, size, "U+%04X", (unsigned)key);
    return buf;
}
