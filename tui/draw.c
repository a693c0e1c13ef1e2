/*
 * draw.c — one frame: place the panes (on resize only), frame and fill
 * each, then the overlay, then put the cursor where the command line
 * wants it, and hand the result to curses, which sends only what changed.
 *
 * Called from the loop's before-sleep hook when the screen is dirty (and,
 * rarely, from the sampling timer when completions starve before-sleep).
 * Never from a key handler or an observer: those only set flags.
 */
#include <stdio.h>
#include <string.h>

#include "export/export.h"
#include "tui/draw.h"
#include "tui/model.h"
#include "tui/panel.h"
#include "tui/screen.h"

const struct tui_panel_class *const tui_panels[TUI_PANE__MAX] = {
    [TUI_PANE_ALLOC] = &tui_panel_alloc,
    [TUI_PANE_REQUESTS] = &tui_panel_requests,
    [TUI_PANE_SUSPENDED] = &tui_panel_suspended,
    [TUI_PANE_THROUGHPUT] = &tui_panel_throughput,
    [TUI_PANE_OUTPUT] = &tui_panel_output,
    [TUI_PANE_CMDLINE] = &tui_panel_cmdline,
    [TUI_PANE_STATUS] = &tui_panel_status,
    [TUI_PANE_RULES] = &tui_panel_rules,
    [TUI_PANE_CLIENTS] = &tui_panel_clients,
};

/* One pane maximised (F2, as tmux's prefix-z): it takes the room of
 * all the others but the command line and the status line. */
static struct tui_lnode draw_zoom_rows[] = {
    { .kind = TUI_LEAF, .weight = 1, .min_w = 20, .min_h = 3 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_CMDLINE, .fixed = 3, .min_w = 20,
      .min_h = 3 },
    { .kind = TUI_LEAF, .pane = TUI_PANE_STATUS, .fixed = 1, .min_w = 20 },
};
static const struct tui_lnode draw_zoom_layout = {
    .kind = TUI_TB, .child = draw_zoom_rows, .nchild = 3,
};

/* The arrangement: one pane maximised; else all, the Clients pane only
 * while there are exports. */
static const struct tui_lnode *draw_layout(const struct tui *t)
{
    static struct tui_lnode pool[48];

    if (t->zoomed >= 0) {
        draw_zoom_rows[0].pane = t->zoomed;
        return &draw_zoom_layout;
    }
    /* Panes hidden by their number keys give their room away. */
    return tui_layout_prune(t->layout_exports ? &tui_layout_exports
                                              : &tui_layout_default,
                            t->hidden, pool, sizeof(pool) / sizeof(pool[0]));
}

void tui_relayout(struct tui *t)
{
    struct tui_rect area = { 0, 0, t->cols, t->lines };
    struct tui_rect rect[TUI_PANE__MAX] = { { 0, 0, 0, 0 } };

    /* Panes the arrangement leaves out get no room. */
    t->too_small = tui_layout_place(draw_layout(t), area, rect) < 0;
    if (!t->too_small)
        memcpy(t->rect, rect, sizeof(rect));
    t->ps.view_ok = t->ps.view_ok && !t->too_small;
}

static void draw_too_small(struct tui *t)
{
    char msg[128], line[128];
    const char *p = msg;
    int nlines = 0, y;

    tui_layout_too_small(draw_layout(t), t->cols, t->lines, msg,
                         sizeof(msg));
    /* Wrapped between words, centred: legible on any width. */
    for (const char *q = msg; *q != '\0'; nlines++) {
        size_t skip, k = tui_wrap(q, t->cols, &skip);

        q += k + skip;
    }
    y = t->lines > nlines + 1 ? (t->lines - 1 - nlines) / 2 : 0;
    for (; *p != '\0' && y < t->lines; y++) {
        size_t skip, k = tui_wrap(p, t->cols, &skip);

        snprintf(line, sizeof(line), "%.*s", (int)k, p);
        tui_put(y, (t->cols - tui_width(line)) / 2, t->cols, TUI_R_WARNING,
                line);
        p += k + skip;
    }
    if (t->lines > 1)
        tui_put(t->lines - 1, 0, t->cols, TUI_R_DIM, "F10: quit");
}

void tui_draw(struct tui *t)
{
    if (!t->screen_on)
        return;
    if (t->layout_exports != (tui_model_export_count(t) > 0 ||
                              (t->show_sessions &&
                               tui_model_has_control(t)))) {
        t->layout_exports = !t->layout_exports;
        tui_relayout(t);
    }
    tui_watch_rescan(t);
    erase();
    t->cursor_y = t->cursor_x = -1;
    if (t->too_small) {
        draw_too_small(t);
    } else {
        for (int p = 0; p < TUI_PANE__MAX; p++) {
            const struct tui_panel_class *c = tui_panels[p];
            struct tui_rect r = t->rect[p];
            bool focus = t->focus == p;
            char info[256] = "";

            if (r.w <= 0 || r.h <= 0)
                continue;
            if (c->framed) {
                c->draw(t, tui_inner(r), focus, info, sizeof(info));
                tui_frame(r, c->title, info, focus);
            } else {
                c->draw(t, r, focus, info, sizeof(info));
            }
        }
        if (t->help)
            tui_help_draw(t);
    }
    if (!t->help && !t->too_small && t->focus == TUI_PANE_CMDLINE &&
        t->cursor_y >= 0) {
        move(t->cursor_y, t->cursor_x);
        curs_set(1);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
    t->dirty = false;
    t->data_dirty = false;
    t->last_draw_ns = bk_now_ns();
}
