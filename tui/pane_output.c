/*
 * pane_output.c — the Output pane: what commands print, newest at the
 * bottom.  It follows new text unless the user has scrolled back; then
 * it stays on what they read (out_back counts lines from the end) and the
 * frame says how far back they are.
 *
 * Long lines wrap (after a word where one ends late enough), so a read -v
 * dump or a long message is whole even at 80 columns; w turns wrapping
 * off, and Left/Right then scroll sideways, 8 columns a step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/key.h"
#include "tui/panel.h"

static const enum tui_role out_roles[TUI_OUT__MAX] = {
    [TUI_OUT_TEXT] = TUI_R_OUTPUT,
    [TUI_OUT_ERROR] = TUI_R_ERROR,
    [TUI_OUT_COMMAND] = TUI_R_OUTPUT_COMMAND,
    [TUI_OUT_NOTE] = TUI_R_WARNING,
};

/* The screen rows line takes at width w when wrapped. */
static size_t out_rows_of(const char *line, int w)
{
    size_t rows = 0, skip;

    do {
        line += tui_wrap(line, w, &skip);
        line += skip;
        rows++;
    } while (*line != '\0');
    return rows;
}

/* Draw line from screen row y on, wrapped, leaving out its first drop
 * rows (a line cut by the top of the pane); returns the rows drawn. */
static int out_draw_wrapped(struct tui_rect in, int y, const char *line,
                            size_t drop, enum tui_role role)
{
    int drawn = 0;
    size_t skip, k = 0;

    do {
        size_t n = tui_wrap(line, in.w, &skip);

        if (k++ >= drop) {
            char buf[1024];

            if (y + drawn >= in.y + in.h)
                break;
            n = n < sizeof(buf) ? n : sizeof(buf) - 1;
            memcpy(buf, line, n);
            buf[n] = '\0';
            tui_put(y + drawn, in.x, in.w, role, buf);
            drawn++;
        }
        line += n + skip;
    } while (*line != '\0');
    return drawn;
}

/* The lines to consider, oldest first: those before the end the pause
 * and the scrolling leave, matching the filter; in *idx (allocated). */
static size_t out_lines(struct tui *t, size_t **idx)
{
    struct tui_pane_state *ps = &t->ps;
    size_t n = tui_outbuf_count(t->out), end = n, k = 0;
    const char *f = ps->out_filter;

    if (t->paused) {
        uint64_t since = tui_outbuf_total(t->out) - t->paused_out;

        end = since < end ? end - (size_t)since : 0;
    }
    *idx = malloc((end ? end : 1) * sizeof(**idx));
    if (*idx == NULL)
        abort();
    for (size_t i = 0; i < end; i++) {
        enum tui_out_kind kind;

        if (f[0] == '\0' ||
            strstr(tui_outbuf_line(t->out, i, &kind), f) != NULL)
            (*idx)[k++] = i;
    }
    if (ps->out_back > k)
        ps->out_back = k;
    return k - ps->out_back;
}

static void output_draw(struct tui *t, struct tui_rect in, bool focus,
                        char *info, size_t infosize)
{
    size_t rows = (size_t)in.h, first, end, *idx;
    struct tui_pane_state *ps = &t->ps;
    size_t used = 0, drop = 0;
    char notes[96] = "";
    int y = in.y;

    (void)focus;
    ps->out_rows = rows;
    end = out_lines(t, &idx);
    if (!t->out_nowrap) {
        /* Back from the last line shown until the pane is full. */
        first = end;
        while (first > 0 && used < rows) {
            enum tui_out_kind kind;

            used += out_rows_of(tui_outbuf_line(t->out, idx[first - 1],
                                                &kind), in.w);
            first--;
        }
        drop = used > rows ? used - rows : 0;
        for (size_t i = first; i < end && y < in.y + in.h; i++) {
            enum tui_out_kind kind;
            const char *line = tui_outbuf_line(t->out, idx[i], &kind);

            y += out_draw_wrapped(in, y, line, i == first ? drop : 0,
                                  out_roles[kind]);
        }
    } else {
        first = end > rows ? end - rows : 0;
        for (size_t i = first; i < end; i++) {
            enum tui_out_kind kind;
            const char *line = tui_outbuf_line(t->out, idx[i], &kind);
            size_t from = tui_fit(line, ps->out_hscroll);

            tui_put(in.y + (int)(i - first), in.x, in.w, out_roles[kind],
                    line + from);
        }
    }
    free(idx);
    if (t->paused)
        snprintf(notes, sizeof(notes), "PAUSED, ");
    if (ps->out_filter[0] != '\0')
        snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
                 "/%s, ", ps->out_filter);
    if (ps->out_back > 0)
        snprintf(info, infosize, "%s%zu lines back (End: follow)", notes,
                 ps->out_back);
    else if (t->out_nowrap)
        snprintf(info, infosize, "%sno wrap, column %d (w: wrap)", notes,
                 ps->out_hscroll + 1);
    else if (notes[0] != '\0')
        snprintf(info, infosize, "%.*s", (int)strlen(notes) - 2, notes);
}

unsigned tui_output_scroll(struct tui *t, int key)
{
    struct tui_pane_state *ps = &t->ps;
    size_t page = ps->out_rows > 1 ? ps->out_rows - 1 : 1;
    size_t n = tui_outbuf_count(t->out);

    switch (key) {
    case TUI_KEY_UP:
        ps->out_back++;
        break;
    case TUI_KEY_DOWN:
        if (ps->out_back > 0)
            ps->out_back--;
        break;
    case TUI_KEY_PGUP:
        ps->out_back += page;
        break;
    case TUI_KEY_PGDN:
        ps->out_back = ps->out_back > page ? ps->out_back - page : 0;
        break;
    case TUI_KEY_HOME:
        ps->out_back = n;      /* clamped when drawn */
        break;
    case TUI_KEY_END:
        ps->out_back = 0;
        ps->out_hscroll = 0;
        break;
    case TUI_KEY_LEFT:
        if (!t->out_nowrap)
            return TUI_HR_IGNORED;
        ps->out_hscroll = ps->out_hscroll > 8 ? ps->out_hscroll - 8 : 0;
        break;
    case TUI_KEY_RIGHT:
        if (!t->out_nowrap)
            return TUI_HR_IGNORED;
        ps->out_hscroll += 8;
        break;
    default:
        return TUI_HR_IGNORED;
    }
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

static unsigned output_key(struct tui *t, int key)
{
    if (key == 'w') {
        t->out_nowrap = !t->out_nowrap;
        t->ps.out_hscroll = 0;
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    }
    return tui_output_scroll(t, key);
}

const struct tui_panel_class tui_panel_output = {
    .title = "Output",
    .framed = true,
    .focusable = true,
    .draw = output_draw,
    .key = output_key,
};
