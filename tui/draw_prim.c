/*
 * draw_prim.c — clipped text and frames.  See draw.h.
 *
 * Text is decoded with mbrtowc under the current locale and written as
 * wide characters, so a UTF-8 glyph is one cell and a byte that does not
 * decode (or a locale that is not UTF-8) shows as '?' rather than as raw
 * bytes the terminal might misread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/draw.h"
#include "tui/screen.h"

#define PRIM_CHUNK 256

/*
 * Decode s into wc (at most cap characters, maxw columns); returns the
 * count, *cols the columns and *bytes the bytes of s they took.
 */
static size_t prim_decode(const char *s, int maxw, wchar_t *wc, size_t cap,
                          int *cols, size_t *bytes)
{
    mbstate_t ps;
    size_t n = 0, len = strlen(s), used_bytes = 0;
    int used = 0;

    memset(&ps, 0, sizeof(ps));
    while (len > 0 && n < cap) {
        wchar_t c;
        size_t k = mbrtowc(&c, s, len, &ps);
        int cw;

        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            memset(&ps, 0, sizeof(ps));
            c = L'?';
            k = 1;
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            c = c == L'\t' ? L' ' : L'?';
        cw = wcwidth(c);
        if (cw < 0) {
            c = L'?';
            cw = 1;
        }
        if (used + cw > maxw)
            break;
        wc[n++] = c;
        used += cw;
        s += k;
        len -= k;
        used_bytes += k;
    }
    *cols = used;
    *bytes = used_bytes;
    return n;
}

int tui_put(int y, int x, int maxw, enum tui_role role, const char *s)
{
    wchar_t wc[PRIM_CHUNK];
    int total = 0;

    if (maxw <= 0 || s == NULL)
        return 0;
    attrset(tui_scr.attr[role]);
    move(y, x);
    while (*s != '\0' && total < maxw) {
        int cols;
        size_t bytes;
        size_t n = prim_decode(s, maxw - total, wc, PRIM_CHUNK, &cols,
                               &bytes);

        if (n == 0)
            break;
        addnwstr(wc, (int)n);
        total += cols;
        s += bytes;
    }
    attrset(A_NORMAL);
    return total;
}

int tui_putf(int y, int x, int maxw, enum tui_role role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return tui_put(y, x, maxw, role, buf);
}

/* Display columns of the first n bytes of s. */
static int tui_width_n(const char *s, size_t n)
{
    char buf[1024];

    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return tui_width(buf);
}

int tui_width(const char *s)
{
    wchar_t wc[PRIM_CHUNK];
    int cols, total = 0;
    size_t bytes;

    while (*s != '\0' && prim_decode(s, 1 << 20, wc, PRIM_CHUNK, &cols,
                                      &bytes) > 0) {
        total += cols;
        s += bytes;
    }
    return total;
}

size_t tui_fit(const char *s, int maxw)
{
    wchar_t wc[PRIM_CHUNK];
    size_t total = 0, bytes;
    int cols;

    while (maxw > 0 && s[total] != '\0' &&
           prim_decode(s + total, maxw, wc, PRIM_CHUNK, &cols, &bytes) > 0) {
        total += bytes;
        maxw -= cols;
    }
    return total;
}

size_t tui_wrap(const char *s, int maxw, size_t *skip)
{
    size_t fit = tui_fit(s, maxw), cut = fit;

    *skip = 0;
    if (s[fit] == '\0')
        return fit;
    /* The last blank that keeps a word whole, unless it would leave the
     * line nearly empty (a long path then breaks where it must). */
    for (size_t i = fit; i > 0; i--) {
        if (s[i] == ' ') {
            if (tui_width_n(s, i) >= maxw / 3)
                cut = i;
            break;
        }
    }
    if (cut == 0)
        cut = fit > 0 ? fit : 1;
    while (s[cut + *skip] == ' ')
        (*skip)++;
    return cut;
}

int tui_put_right(int y, int x, int maxw, enum tui_role role, const char *s)
{
    int w = tui_width(s);

    if (w > maxw)
        w = maxw;
    return tui_put(y, x + maxw - w, w, role, s);
}

void tui_fill(int y, int x, int maxw, enum tui_role role)
{
    if (maxw <= 0)
        return;
    attrset(tui_scr.attr[role]);
    mvhline(y, x, ' ', maxw);
    attrset(A_NORMAL);
}

struct tui_rect tui_inner(struct tui_rect r)
{
    return (struct tui_rect){ r.x + 1, r.y + 1, r.w - 2, r.h - 2 };
}

void tui_frame(struct tui_rect r, const char *title, const char *info,
               bool focus)
{
    enum tui_role br = focus ? TUI_R_BORDER_FOCUS : TUI_R_BORDER;
    int used;

    if (r.w < 2 || r.h < 2)
        return;
    attrset(tui_scr.attr[br]);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    attrset(A_NORMAL);
    used = tui_putf(r.y, r.x + 1, r.w - 2,
                    focus ? TUI_R_TITLE_FOCUS : TUI_R_TITLE, " %s ", title);
    if (info != NULL && *info != '\0' && r.w - 4 - used > 4) {
        char buf[256];

        snprintf(buf, sizeof(buf), " %s ", info);
        tui_put_right(r.y, r.x + 2 + used, r.w - 4 - used, TUI_R_DIM, buf);
    }
}
