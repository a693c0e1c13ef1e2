/*
 * lineedit.h — the command line's editor: keys in, text and cursor out.
 *
 * The text is UTF-8; the cursor is a byte offset on a character boundary
 * (0 .. length).  Keys follow readline's emacs defaults: Left/Right (^B/^F),
 * Ctrl-Left/Right by word, Home/End (^A/^E), Backspace, Delete (^D),
 * ^K kill to end, ^U kill to start, ^W kill the previous word (up to
 * whitespace, as unix-word-rubout), ^Y yank the last kill, Enter accepts.
 * Up/Down, Tab and everything else are left to the caller (history,
 * completion, pane keys): the editor answers 0 for them.
 *
 * Layout: for a field width columns wide, tui_lineedit_layout() says which
 * bytes to draw and where the cursor goes, scrolling horizontally only when
 * the cursor would leave the field (so the text does not jump at every key).
 * Widths come from wcwidth() under the current locale; undecodable bytes and
 * characters without a width count as one column.
 */
#ifndef BLKMON_TUI_LINEEDIT_H
#define BLKMON_TUI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line, in bytes; longer input is refused with TUI_LE_BELL. */
#define TUI_LINEEDIT_MAX 65536

/* tui_lineedit_key() result bits. */
enum {
    TUI_LE_HANDLED = 1 << 0,   /* the key was the editor's */
    TUI_LE_CHANGED = 1 << 1,   /* text changed */
    TUI_LE_MOVED   = 1 << 2,   /* cursor moved */
    TUI_LE_ACCEPT  = 1 << 3,   /* Enter: the caller takes the text */
    TUI_LE_BELL    = 1 << 4,   /* nothing to do (Backspace at start...) */
    TUI_LE_EOF     = 1 << 5,   /* ^D on an empty line */
};

struct tui_lineedit {
    char *buf;                 /* NUL-terminated */
    size_t len, cap;
    size_t cursor;             /* byte offset */
    size_t scroll;             /* first display column shown */
    char *kill;                /* last killed text, for ^Y */
};

struct tui_lineedit_layout {
    size_t first;              /* first byte to draw */
    size_t bytes;              /* bytes to draw */
    size_t first_col;          /* where to draw them: 1 when a wide
                                  character is cut by the left edge */
    size_t cursor_col;         /* cursor column inside the field */
    bool more_left, more_right;/* text hidden on either side */
};

void tui_lineedit_init(struct tui_lineedit *le);
void tui_lineedit_fini(struct tui_lineedit *le);

unsigned tui_lineedit_key(struct tui_lineedit *le, int key);

const char *tui_lineedit_text(const struct tui_lineedit *le);
size_t tui_lineedit_cursor(const struct tui_lineedit *le);
/* Replace the whole text (history recall); the cursor goes to the end. */
void tui_lineedit_set(struct tui_lineedit *le, const char *text);
void tui_lineedit_clear(struct tui_lineedit *le);
/* Insert at the cursor (paste).  False (and no change) when too long. */
bool tui_lineedit_insert(struct tui_lineedit *le, const char *text);
/* Replace bytes [start, end) by text, cursor after it (completion). */
bool tui_lineedit_replace(struct tui_lineedit *le, size_t start, size_t end,
                          const char *text);

void tui_lineedit_layout(struct tui_lineedit *le, size_t width,
                         struct tui_lineedit_layout *out);

#endif
