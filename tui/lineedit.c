/*
 * lineedit.c — line editor state machine.  See lineedit.h for the keys.
 *
 * Words, for ^W and Ctrl-Left/Right, are runs of non-whitespace: the
 * qemu-io language splits arguments on blanks, so this is what a user
 * means by "the previous argument".
 */
#include "tui/lineedit.h"
#include "tui/key.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static bool is_cont(unsigned char c) { return (c & 0xc0) == 0x80; }
static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static size_t next_char(const struct tui_lineedit *le, size_t i)
{
    if (i < le->len)
        i++;
    while (i < le->len && is_cont((unsigned char)le->buf[i]))
        i++;
    return i;
}

static size_t prev_char(const struct tui_lineedit *le, size_t i)
{
    if (i > 0)
        i--;
    while (i > 0 && is_cont((unsigned char)le->buf[i]))
        i--;
    return i;
}

/* Display width of the character starting at byte i (at least 1). */
static size_t char_width(const struct tui_lineedit *le, size_t i)
{
    const unsigned char *s = (const unsigned char *)le->buf + i;
    uint32_t cp;
    int n, w;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) { cp = s[0] & 0x1f; n = 1; }
    else if ((s[0] & 0xf0) == 0xe0) { cp = s[0] & 0x0f; n = 2; }
    else if ((s[0] & 0xf8) == 0xf0) { cp = s[0] & 0x07; n = 3; }
    else return 1;
    for (int k = 1; k <= n; k++) {
        if (!is_cont(s[k]))
            return 1;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    w = wcwidth((wchar_t)cp);
    return w > 0 ? (size_t)w : 1;
}

static size_t encode_utf8(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static bool reserve(struct tui_lineedit *le, size_t len)
{
    size_t cap = le->cap ? le->cap : 64;
    char *p;

    if (len > TUI_LINEEDIT_MAX)
        return false;
    if (len + 1 <= le->cap)
        return true;
    while (cap < len + 1)
        cap *= 2;
    p = realloc(le->buf, cap);
    if (!p)
        return false;
    le->buf = p;
    le->cap = cap;
    return true;
}

void tui_lineedit_init(struct tui_lineedit *le)
{
    *le = (struct tui_lineedit){ 0 };
    reserve(le, 0);
    if (le->buf)
        le->buf[0] = '\0';
}

void tui_lineedit_fini(struct tui_lineedit *le)
{
    free(le->buf);
    free(le->kill);
    *le = (struct tui_lineedit){ 0 };
}

const char *tui_lineedit_text(const struct tui_lineedit *le)
{
    return le->buf ? le->buf : "";
}

size_t tui_lineedit_cursor(const struct tui_lineedit *le)
{
    return le->cursor;
}

bool tui_lineedit_replace(struct tui_lineedit *le, size_t start, size_t end,
                          const char *text)
{
    size_t n = strlen(text);

    if (end > le->len)
        end = le->len;
    if (start > end)
        start = end;
    if (!reserve(le, le->len - (end - start) + n))
        return false;
    memmove(le->buf + start + n, le->buf + end, le->len - end + 1);
    memcpy(le->buf + start, text, n);
    le->len = le->len - (end - start) + n;
    le->cursor = start + n;
    return true;
}

bool tui_lineedit_insert(struct tui_lineedit *le, const char *text)
{
    return tui_lineedit_replace(le, le->cursor, le->cursor, text);
}

void tui_lineedit_set(struct tui_lineedit *le, const char *text)
{
    tui_lineedit_replace(le, 0, le->len, text);
    le->cursor = le->len;
}

void tui_lineedit_clear(struct tui_lineedit *le)
{
    tui_lineedit_set(le, "");
    le->scroll = 0;
}

/* Cut [start, end) into the kill buffer. */
static unsigned kill_range(struct tui_lineedit *le, size_t start, size_t end)
{
    char *k;

    if (start >= end)
        return TUI_LE_HANDLED | TUI_LE_BELL;
    k = malloc(end - start + 1);
    if (k) {
        memcpy(k, le->buf + start, end - start);
        k[end - start] = '\0';
        free(le->kill);
        le->kill = k;
    }
    tui_lineedit_replace(le, start, end, "");
    return TUI_LE_HANDLED | TUI_LE_CHANGED | TUI_LE_MOVED;
}

static size_t word_left(const struct tui_lineedit *le, size_t i)
{
    while (i > 0 && is_blank(le->buf[i - 1]))
        i--;
    while (i > 0 && !is_blank(le->buf[i - 1]))
        i--;
    return i;
}

static size_t word_right(const struct tui_lineedit *le, size_t i)
{
    while (i < le->len && is_blank(le->buf[i]))
        i++;
    while (i < le->len && !is_blank(le->buf[i]))
        i++;
    return i;
}

static unsigned move_to(struct tui_lineedit *le, size_t pos)
{
    if (pos == le->cursor)
        return TUI_LE_HANDLED | TUI_LE_BELL;
    le->cursor = pos;
    return TUI_LE_HANDLED | TUI_LE_MOVED;
}

unsigned tui_lineedit_key(struct tui_lineedit *le, int key)
{
    char enc[5];
    size_t at;

    if (tui_key_is_text(key)) {
        enc[encode_utf8((uint32_t)key, enc)] = '\0';
        if (!tui_lineedit_insert(le, enc))
            return TUI_LE_HANDLED | TUI_LE_BELL;
        return TUI_LE_HANDLED | TUI_LE_CHANGED | TUI_LE_MOVED;
    }
    switch (key) {
    case TUI_KEY_LEFT:
    case TUI_KEY_CTRL('B'):
        return move_to(le, prev_char(le, le->cursor));
    case TUI_KEY_RIGHT:
    case TUI_KEY_CTRL('F'):
        return move_to(le, next_char(le, le->cursor));
    case TUI_KEY_CTRL_LEFT:
        return move_to(le, word_left(le, le->cursor));
    case TUI_KEY_CTRL_RIGHT:
        return move_to(le, word_right(le, le->cursor));
    case TUI_KEY_HOME:
    case TUI_KEY_CTRL('A'):
        return move_to(le, 0);
    case TUI_KEY_END:
    case TUI_KEY_CTRL('E'):
        return move_to(le, le->len);
    case TUI_KEY_BACKSPACE:
    case TUI_KEY_CTRL('H'):
        if (le->cursor == 0)
            return TUI_LE_HANDLED | TUI_LE_BELL;
        at = prev_char(le, le->cursor);
        tui_lineedit_replace(le, at, le->cursor, "");
        return TUI_LE_HANDLED | TUI_LE_CHANGED | TUI_LE_MOVED;
    case TUI_KEY_CTRL('D'):
        if (le->len == 0)
            return TUI_LE_HANDLED | TUI_LE_EOF;
        /* fall through */
    case TUI_KEY_DELETE:
        if (le->cursor == le->len)
            return TUI_LE_HANDLED | TUI_LE_BELL;
        tui_lineedit_replace(le, le->cursor, next_char(le, le->cursor), "");
        return TUI_LE_HANDLED | TUI_LE_CHANGED;
    case TUI_KEY_CTRL('K'):
        /* The cursor stays: kill_range leaves it at the cut. */
        return kill_range(le, le->cursor, le->len) & ~TUI_LE_MOVED;
    case TUI_KEY_CTRL('U'):
        return kill_range(le, 0, le->cursor);
    case TUI_KEY_CTRL('W'):
        return kill_range(le, word_left(le, le->cursor), le->cursor);
    case TUI_KEY_CTRL('Y'):
        if (!le->kill || !*le->kill || !tui_lineedit_insert(le, le->kill))
            return TUI_LE_HANDLED | TUI_LE_BELL;
        return TUI_LE_HANDLED | TUI_LE_CHANGED | TUI_LE_MOVED;
    case TUI_KEY_ENTER:
        return TUI_LE_HANDLED | TUI_LE_ACCEPT;
    default:
        return 0;
    }
}

void tui_lineedit_layout(struct tui_lineedit *le, size_t width,
                         struct tui_lineedit_layout *out)
{
    size_t col = 0, cursor_col = 0, total, i, end;

    if (width == 0)
        width = 1;
    for (i = 0; i < le->len; i = next_char(le, i)) {
        if (i == le->cursor)
            cursor_col = col;
        col += char_width(le, i);
    }
    if (le->cursor >= le->len)
        cursor_col = col;
    total = col + 1;                 /* one column for a cursor at the end */

    if (cursor_col < le->scroll)
        le->scroll = cursor_col;
    else if (cursor_col >= le->scroll + width)
        le->scroll = cursor_col - width + 1;
    /* Text got shorter (a kill): pull it back rather than show blanks. */
    if (le->scroll > 0 && total < le->scroll + width)
        le->scroll = total > width ? total - width : 0;

    /* The first character starting at or after the scroll column. */
    col = 0;
    for (i = 0; i < le->len && col < le->scroll; i = next_char(le, i))
        col += char_width(le, i);
    out->first = i;
    out->first_col = col - le->scroll;
    out->more_left = i > 0;
    for (end = i; end < le->len; end = next_char(le, end)) {
        size_t w = char_width(le, end);
        if (col - le->scroll + w > width)
            break;
        col += w;
    }
    out->bytes = end - i;
    out->more_right = end < le->len;
    out->cursor_col = cursor_col - le->scroll;
}
