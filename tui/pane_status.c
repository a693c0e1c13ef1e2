/*
 * pane_status.c — the status line: the function keys, a transient
 * message (else the image at a glance); and the session's state (what
 * runs, what waits, quitting), which the Command line frame shows.
 */
#include <stdio.h>
#include <string.h>

#include "tui/bindings.h"
#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/key.h"
#include "tui/panel.h"

/*
 * What the session does, always current (it is computed each frame, never
 * left behind by a message): shown in the Command line frame.  Quitting
 * says how to abandon a command that will not end, before anything else,
 * so that no width cuts it off.
 */
void tui_session_state(struct tui *t, char *buf, size_t size)
{
    struct bench_progress bp;
    size_t nq;
    const char *running = tui_model_running(t, &nq);
    char more[32] = "";

    if (nq > 0)
        snprintf(more, sizeof(more), " (+%zu queued)", nq);
    if (t->quitting && running != NULL && t->remote == NULL)
        snprintf(buf, size, "F10 again: abandon '%s'; quitting after it",
                 running);
    else if (t->quitting)
        snprintf(buf, size, "quitting: draining requests");
    else if (running != NULL)
        snprintf(buf, size, "running: %s%s", running, more);
    else if (tui_model_bench(t, &bp))
        snprintf(buf, size, "bench running (F8 stops it)");
    else
        snprintf(buf, size, "ready");
}

/* The function-key bar, as htop's: every F-key bound, from the bindings,
 * so it lists exactly what the keys do. */
static int status_fkeys(struct tui *t, struct tui_rect r)
{
    int used = 0;

    for (int n = 1; n <= 12; n++) {
        const struct tui_binding *b = tui_binding_find(TUI_SCOPE_ANY,
                                                       TUI_KEY_F(n));
        const char *label;
        char key[16];

        if (b == NULL || b->bar == NULL)
            continue;
        label = b->bar;
        /* Attached, F10 leaves the run going. */
        if (t->remote != NULL && n == 10)
            label = "Detach";
        snprintf(key, sizeof(key), "F%d", n);
        if (used + tui_width(key) + tui_width(label) > r.w)
            break;
        used += tui_put(r.y, r.x + used, r.w - used, TUI_R_STATUS_KEY, key);
        used += tui_putf(r.y, r.x + used, r.w - used, TUI_R_STATUS, "%s ",
                         label);
    }
    return used;
}

static void status_draw(struct tui *t, struct tui_rect r, bool focus,
                        char *info, size_t infosize)
{
    char msg[512], right[128], len[16];
    int used, rw;
    struct tui_model_image img;

    (void)focus;
    (void)info;
    (void)infosize;
    tui_fill(r.y, r.x, r.w, TUI_R_STATUS);
    /* A message while it is fresh, else the image; a message too long
     * for the room the keys leave takes the room of all but F1. */
    if (t->status[0] != '\0')
        snprintf(msg, sizeof(msg), "| %s", t->status);
    else
        msg[0] = '\0';
    used = status_fkeys(t, r);
    if (msg[0] != '\0' && used + tui_width(msg) > r.w) {
        tui_fill(r.y, r.x, r.w, TUI_R_STATUS);
        used = status_fkeys(t, (struct tui_rect){ r.x, r.y, 7, 1 });
    }
    if (tui_model_image(t, &img))
        snprintf(right, sizeof(right), " %s %s %s ", img.filename,
                 img.format, tui_fmt_size(len, sizeof(len), img.length));
    else
        snprintf(right, sizeof(right), " no image ");
    rw = tui_width(right);
    if (msg[0] != '\0' || rw > r.w - used)
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
