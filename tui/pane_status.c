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
    size_t nq;
    const char *running = tui_model_running(t, &nq);
    struct tui_model_image img;

    (void)focus;
    (void)info;
    (void)infosize;
    tui_fill(r.y, r.x, r.w, TUI_R_STATUS);
    for (size_t i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
        const char *label = status_keys[i].label;

        /* Attached, F10 leaves the run going. */
        if (t->remote != NULL && strcmp(status_keys[i].key, "F10") == 0)
            label = "Detach";
        used += tui_put(r.y, r.x + used, r.w - used, TUI_R_STATUS_KEY,
                        status_keys[i].key);
        used += tui_putf(r.y, r.x + used, r.w - used, TUI_R_STATUS, " %s  ",
                         label);
    }
    if (t->quitting)
        snprintf(msg, sizeof(msg), "| quitting: draining requests...");
    else if (t->status[0] != '\0')
        snprintf(msg, sizeof(msg), "| %s", t->status);
    else if (running != NULL && nq > 0)
        snprintf(msg, sizeof(msg), "| running: %s (+%zu queued)", running,
                 nq);
    else if (running != NULL)
        snprintf(msg, sizeof(msg), "| running: %s", running);
    else
        snprintf(msg, sizeof(msg), "| ready");
    if (tui_model_image(t, &img))
        snprintf(right, sizeof(right), " %s %s %s ", img.filename,
                 img.format, tui_fmt_size(len, sizeof(len), img.length));
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
