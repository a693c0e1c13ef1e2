/*
 * input.c — keys from the terminal to whoever wants them.
 *
 * The loop calls tui_input_ready when stdin is readable, possibly nested
 * inside a command that waits (bk_run iterates the loop); the handler
 * reads every key available without blocking and returns, so a parked
 * request never stops the keyboard.
 *
 * A key goes to the first taker: the help overlay when shown; the focused
 * pane's own handler; the focused pane's bindings, then the global ones
 * (bindings.c), run as command strings; and a text key nobody wanted
 * moves to the command line and is typed there.
 */
#include <poll.h>
#include <unistd.h>

#include "tui/bindings.h"
#include "tui/draw.h"
#include "tui/key.h"
#include "tui/panel.h"
#include "tui/screen.h"

/* The pane on screen at (y, x), or -1. */
static int input_pane_at(const struct tui *t, int y, int x)
{
    for (int p = 0; p < TUI_PANE__MAX; p++) {
        struct tui_rect r = t->rect[p];

        if (r.w > 0 && r.h > 0 && y >= r.y && y < r.y + r.h && x >= r.x &&
            x < r.x + r.w)
            return p;
    }
    return -1;
}

/*
 * The mouse: the wheel scrolls the pane under it (three rows a notch, as
 * its Up/Down keys would); a click focuses the pane under it and selects
 * the row (Suspended, Rules) or cell (Allocation) clicked.
 */
static unsigned input_mouse(struct tui *t)
{
    MEVENT ev;
    int p;
    struct tui_rect in;

    if (getmouse(&ev) != OK || t->help || t->too_small)
        return TUI_HR_IGNORED;
    p = input_pane_at(t, ev.y, ev.x);
    if (p < 0 || !tui_panels[p]->focusable)
        return TUI_HR_IGNORED;
    in = tui_inner(t->rect[p]);
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        int key = ev.bstate & BUTTON4_PRESSED ? TUI_KEY_UP : TUI_KEY_DOWN;

        for (int i = 0; i < 3 && tui_panels[p]->key != NULL; i++)
            tui_panels[p]->key(t, key);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    }
    if (!(ev.bstate & BUTTON1_PRESSED))
        return TUI_HR_IGNORED;
    t->focus = p;
    if (p != TUI_PANE_CMDLINE)
        t->last_focus = p;
    if (ev.y >= in.y && ev.y < in.y + in.h && ev.x >= in.x &&
        ev.x < in.x + in.w)
        if (tui_panels[p]->click != NULL)
            tui_panels[p]->click(t, ev.y - in.y, ev.x - in.x);
    return TUI_HR_HANDLED | TUI_HR_REDRAW;
}

unsigned tui_input_key(struct tui *t, int key)
{
    const struct tui_panel_class *pc = tui_panels[t->focus];
    const struct tui_binding *b;
    unsigned r = TUI_HR_IGNORED;

    if (key == TUI_KEY_RESIZE) {
        /* curses already knows the size (resizeterm ran on SIGWINCH and
         * queued this key): calling it again would queue another. */
        t->cols = COLS;
        t->lines = LINES;
        tui_relayout(t);
        clearok(curscr, TRUE);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    }
    if (key == TUI_KEY_MOUSE)
        return input_mouse(t);
    if (t->help)
        return tui_help_key(t, key);
    if (t->too_small) {
        /* Only quitting makes sense on a screen we cannot draw. */
        if (key == TUI_KEY_F(10))
            tui_app_submit(t, "leave", false);
        return TUI_HR_HANDLED;
    }
    if (pc->key != NULL)
        r = pc->key(t, key);
    if (r & TUI_HR_HANDLED)
        return r;
    b = tui_binding_find(t->focus, key);
    if (b != NULL) {
        tui_app_submit(t, b->command, false);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    }
    if (tui_key_is_text(key) && t->focus != TUI_PANE_CMDLINE) {
        t->focus = TUI_PANE_CMDLINE;
        return tui_panels[TUI_PANE_CMDLINE]->key(t, key) | TUI_HR_REDRAW;
    }
    return TUI_HR_IGNORED;
}

/* stdin at end of file or broken: the terminal went away. */
static bool input_hangup(void)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

void tui_input_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct tui *t = arg;
    int got = 0;
    wint_t ch;
    int rc;

    (void)fd;
    while ((rc = get_wch(&ch)) != ERR) {
        int key = rc == KEY_CODE_YES ? tui_key_from_curses((int)ch)
                                     : tui_key_from_char((unsigned)ch);

        got++;
        if (key == TUI_KEY_NONE)
            continue;
        if (tui_input_key(t, key) & TUI_HR_REDRAW)
            tui_app_dirty(t);
    }
    if (got == 0 && input_hangup()) {
        /* Nothing will ever come: stop watching, quit without a screen. */
        bk_loop_del_fd(loop, STDIN_FILENO);
        t->screen_on = false;
        tui_app_quit(t);
    }
}
