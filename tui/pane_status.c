/*
 * pane_status.c — the status line: the keys that matter most, what is
 * running or queued (or a transient message), and the image at a glance.
 */
#include <stdio.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/panel.h"

static const struct { const char *key, *label; } status_keys[] = {
    { "F1", "Help" }, { "F5", "Resume" }, { "F6", "All" }, { "F10", "Quit" },
};

static void status_draw(struct tui *t, struct tui_rect r, bool focus,
                        char *info, size_t infosize)
{
    char msg[512], right[128], len[16];
    int used = 0, rw;
    size_t nq = tui_cmdq_count(t->queue);

    (void)focus;
    (void)info;
    (void)infosize;
    tui_fill(r.y, r.x, r.w, TUI_R_STATUS);
    for (size_t i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
        used += tui_put(r.y, r.x + used, r.w - used, TUI_R_STATUS_KEY,
                        status_keys[i].key);
        used += tui_putf(r.y, r.x + used, r.w - used, TUI_R_STATUS, " %s  ",
                         status_keys[i].label);
    }
    if (t->quitting)
        snprintf(msg, sizeof(msg), "| quitting: draining requests...");
    else if (t->status[0] != '\0')
        snprintf(msg, sizeof(msg), "| %s", t->status);
    else if (t->running != NULL && nq > 0)
        snprintf(msg, sizeof(msg), "| running: %s (+%zu queued)", t->running,
                 nq);
    else if (t->running != NULL)
        snprintf(msg, sizeof(msg), "| running: %s", t->running);
    else
        snprintf(msg, sizeof(msg), "| ready");
    if (t->w.dev != NULL)
        snprintf(right, sizeof(right), " %s %s %s ",
                 bk_dev_filename(t->w.dev), bk_dev_format_name(t->w.dev),
                 tui_fmt_size(len, sizeof(len), t->w.length));
    else
        snprintf(right, sizeof(right), " no image ");
    rw = tui_width(right);
    if (rw > r.w - used - 10)
        rw = 0;
    used += tui_put(r.y, r.x + used, r.w - used - rw, TUI_R_STATUS, msg);
    if (rw > 0)
        tui_put_right(r.y, r.x, r.w, TUI_R_STATUS, right);
}

const struct tui_panel_class tui_panel_status = {
    .title = "Status",
    .framed = false,
    .focusable = false,
    .draw = status_draw,
};
