/*
 * pane_output.c — the Output pane: what commands print, newest at the
 * bottom.  It follows new text unless the user has scrolled back; then
 * it stays on what they read (out_back counts lines from the end) and the
 * frame says how far back they are.
 */
#include <stdio.h>

#include "tui/draw.h"
#include "tui/key.h"
#include "tui/panel.h"

static const enum tui_role out_roles[TUI_OUT__MAX] = {
    [TUI_OUT_TEXT] = TUI_R_OUTPUT,
    [TUI_OUT_ERROR] = TUI_R_ERROR,
    [TUI_OUT_COMMAND] = TUI_R_OUTPUT_COMMAND,
    [TUI_OUT_NOTE] = TUI_R_WARNING,
};

static void output_draw(struct tui *t, struct tui_rect in, bool focus,
                        char *info, size_t infosize)
{
    size_t n = tui_outbuf_count(t->out), rows = (size_t)in.h, first;
    struct tui_pane_state *ps = &t->ps;

    (void)focus;
    ps->out_rows = rows;
    if (ps->out_back + rows > n)
        ps->out_back = n > rows ? n - rows : 0;
    first = n > rows + ps->out_back ? n - rows - ps->out_back : 0;
    for (size_t i = 0; i < rows && first + i < n - ps->out_back; i++) {
        enum tui_out_kind kind;
        const char *line = tui_outbuf_line(t->out, first + i, &kind);

        tui_put(in.y + (int)i, in.x, in.w, out_roles[kind], line);
    }
    if (ps->out_back > 0)
        snprintf(info, infosize, "%zu lines back (End: follow)",
                 ps->out_back);
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
        break;
    default:
        return TUI_HR_IGNORED;
    }
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

const struct tui_panel_class tui_panel_output = {
    .title = "Output",
    .framed = true,
    .focusable = true,
    .draw = output_draw,
    .key = tui_output_scroll,
};
