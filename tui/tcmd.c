/*
 * tcmd.c — the TUI's own commands: what keys are bound to, and what a user
 * may type too ("focus output", "zoom in", "resume-selected").
 *
 * They are command entries like qemu-io's (cmd.h), in the session's
 * front-end table, so the one dispatcher parses a binding string and a
 * typed line alike, checks their arity, and "help zoom" and completion
 * know them.  They are control commands: they act on the screen or on
 * breakpoints and run at once, even while an I/O command waits.  Names use
 * hyphens, qemu-io's use underscores, so the two tables can never clash.
 * Handlers reach the TUI as the session's front end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/out.h"
#include "tui/panel.h"
#include "tui/qmap.h"
#include "tui/screen.h"

static int tc_focus_next(struct cmd_state *st, int argc, char **argv);
static int tc_focus_prev(struct cmd_state *st, int argc, char **argv);
static int tc_focus(struct cmd_state *st, int argc, char **argv);
static int tc_resume_selected(struct cmd_state *st, int argc, char **argv);
static int tc_resume_all(struct cmd_state *st, int argc, char **argv);
static int tc_remove_selected(struct cmd_state *st, int argc, char **argv);
static int tc_redraw(struct cmd_state *st, int argc, char **argv);
static int tc_help_keys(struct cmd_state *st, int argc, char **argv);
static int tc_zoom(struct cmd_state *st, int argc, char **argv);
static int tc_pan(struct cmd_state *st, int argc, char **argv);
static int tc_leave(struct cmd_state *st, int argc, char **argv);
static int tc_detach(struct cmd_state *st, int argc, char **argv);

/* Every TUI command acts on the view or on breakpoints, without an image
 * too, and stays out of qemu-io's "help" listing. */
#define TC_FLAGS (CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA)

static const struct cmd_entry tc_detach_entry = {
    .name = "detach", .exec = tc_detach, .flags = TC_FLAGS,
    .oneline = "leave the run this TUI is attached to (it goes on)",
};
static const struct cmd_entry tc_focus_entry = {
    .name = "focus", .exec = tc_focus, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS,
    .args = "alloc|requests|suspended|throughput|output|cmdline",
    .oneline = "move the focus to a pane",
};
static const struct cmd_entry tc_focus_next_entry = {
    .name = "focus-next", .exec = tc_focus_next, .flags = TC_FLAGS,
    .oneline = "focus the next pane",
};
static const struct cmd_entry tc_focus_prev_entry = {
    .name = "focus-prev", .exec = tc_focus_prev, .flags = TC_FLAGS,
    .oneline = "focus the previous pane",
};
static const struct cmd_entry tc_help_keys_entry = {
    .name = "help-keys", .exec = tc_help_keys, .flags = TC_FLAGS,
    .oneline = "show or hide the key help",
};
static const struct cmd_entry tc_leave_entry = {
    .name = "leave", .exec = tc_leave, .flags = TC_FLAGS,
    .oneline = "quit; attached to a run (blkmon attach), detach from it",
};
static const struct cmd_entry tc_pan_entry = {
    .name = "pan", .exec = tc_pan, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "ROWS|page|-page",
    .oneline = "move the Allocation view (negative: towards offset 0)",
};
static const struct cmd_entry tc_redraw_entry = {
    .name = "redraw", .exec = tc_redraw, .flags = TC_FLAGS,
    .oneline = "redraw the whole screen",
};
static const struct cmd_entry tc_remove_selected_entry = {
    .name = "remove-selected-break", .exec = tc_remove_selected,
    .flags = TC_FLAGS,
    .oneline = "remove_break the selected row's tag",
};
static const struct cmd_entry tc_resume_all_entry = {
    .name = "resume-all", .exec = tc_resume_all, .flags = TC_FLAGS,
    .oneline = "resume every suspended request",
};
static const struct cmd_entry tc_resume_selected_entry = {
    .name = "resume-selected", .exec = tc_resume_selected, .flags = TC_FLAGS,
    .oneline = "resume the selected suspended request, else the oldest",
};
static const struct cmd_entry tc_zoom_entry = {
    .name = "zoom", .exec = tc_zoom, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "in|out|whole",
    .oneline = "zoom the Allocation view",
};

/* The session's front-end table (cmd.h), sorted by name. */
const struct cmd_entry *const tui_cmd_table[] = {
    &tc_detach_entry,
    &tc_focus_entry,
    &tc_focus_next_entry,
    &tc_focus_prev_entry,
    &tc_help_keys_entry,
    &tc_leave_entry,
    &tui_map_view_entry,
    &tc_pan_entry,
    &tc_redraw_entry,
    &tc_remove_selected_entry,
    &tc_resume_all_entry,
    &tc_resume_selected_entry,
    &tc_zoom_entry,
    NULL,
};

static const char *const tc_pane_names[TUI_PANE__MAX] = {
    [TUI_PANE_ALLOC] = "alloc",
    [TUI_PANE_REQUESTS] = "requests",
    [TUI_PANE_SUSPENDED] = "suspended",
    [TUI_PANE_RULES] = "rules",
    [TUI_PANE_CLIENTS] = "clients",
    [TUI_PANE_THROUGHPUT] = "throughput",
    [TUI_PANE_OUTPUT] = "output",
    [TUI_PANE_CMDLINE] = "cmdline",
};

static void tc_move_focus(struct tui *t, int dir)
{
    int p = t->focus;

    do
        p = (p + dir + TUI_PANE__MAX) % TUI_PANE__MAX;
    while (!tui_panels[p]->focusable);
    t->focus = p;
}

static int tc_focus_next(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    tc_move_focus(t, 1);
    return 0;
}

static int tc_focus_prev(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    tc_move_focus(t, -1);
    return 0;
}

static int tc_focus(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    for (int p = 0; p < TUI_PANE__MAX; p++) {
        if (tc_pane_names[p] != NULL &&
            strcmp(tc_pane_names[p], argv[1]) == 0) {
            t->focus = p;
            return 0;
        }
    }
    out_eprintf(st->out, "focus: no pane '%s'\n", argv[1]);
    return -EINVAL;
}

struct tc_find_req {
    uint64_t id;
    const struct bk_req *req;
    const char *tag;
    int same_tag;            /* suspended requests sharing the tag */
};

static void tc_find_req(const struct bk_req *req, void *arg)
{
    struct tc_find_req *f = arg;

    if (req->id == f->id)
        f->req = req;
    if (req->state == BK_REQ_SUSPENDED && req->suspend_tag != NULL &&
        strcmp(req->suspend_tag, f->tag) == 0)
        f->same_tag++;
}

/*
 * Resuming goes through the command language when the tag names this
 * request alone, so the Output pane shows the same "resume TAG" and
 * messages as if it had been typed.  When other parked requests share the
 * tag, "resume TAG" would take the newest of them, so the selected request
 * is resumed directly instead.
 */
static int tc_resume_selected(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    struct tui_srow r;
    struct tc_find_req f;
    char line[96];

    if (!tui_srows_target(t, &r)) {
        tui_app_status(t, "no suspended request");
        return -ENOENT;
    }
    f = (struct tc_find_req){ .id = r.id, .tag = r.tag };
    tui_model_for_each_req(t, tc_find_req, &f);
    if (f.req != NULL && f.same_tag > 1) {
        tui_outbuf_printf(t->out, TUI_OUT_COMMAND, "(resume request %llu)",
                          (unsigned long long)r.id);
        return tui_model_resume_req(t, r.id);
    }
    snprintf(line, sizeof(line), "resume %s", r.tag);
    tui_app_submit(t, line, true);
    return 0;
}

static int tc_resume_all(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (!tui_model_image(t, NULL)) {
        tui_app_status(t, "no image open");
        return -ENOENT;
    }
    tui_outbuf_printf(t->out, TUI_OUT_COMMAND, "%s", "(resume all)");
    return tui_model_resume_all(t);
}

static int tc_remove_selected(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    struct tui_srow r;
    char line[96];

    if (!tui_srows_selected(t, &r)) {
        tui_app_status(t, "no breakpoint selected");
        return -ENOENT;
    }
    snprintf(line, sizeof(line), "remove_break %s", r.tag);
    tui_app_submit(t, line, true);
    return 0;
}

static int tc_redraw(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (t->screen_on)
        clearok(curscr, TRUE);
    return 0;
}

static int tc_help_keys(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    t->help = !t->help;
    t->help_top = 0;
    return 0;
}

static int tc_zoom(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (strcmp(argv[1], "in") == 0)
        tui_alloc_zoom(t, 1);
    else if (strcmp(argv[1], "out") == 0)
        tui_alloc_zoom(t, -1);
    else if (strcmp(argv[1], "whole") == 0)
        tui_alloc_whole(t);
    else
        return cmd_usage(st->out, &tc_zoom_entry);
    return 0;
}

static int tc_pan(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    char *end;
    long rows;

    if (strcmp(argv[1], "page") == 0)
        return tui_alloc_page(t, 1), 0;
    if (strcmp(argv[1], "-page") == 0)
        return tui_alloc_page(t, -1), 0;
    rows = strtol(argv[1], &end, 10);
    if (*end != '\0' || end == argv[1])
        return cmd_usage(st->out, &tc_pan_entry);
    tui_alloc_pan_rows(t, rows);
    return 0;
}

/* F10: a local TUI quits; an attached one detaches. */
static int tc_leave(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (t->remote != NULL)
        return tc_detach(st, argc, argv);
    tui_app_submit(t, "quit", false);
    return 0;
}

static int tc_detach(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (t->remote == NULL) {
        out_eprintf(st->out, "detach: this TUI is not attached to a run "
                    "(blkmon attach); quit ends it\n");
        return -EINVAL;
    }
    tui_app_quit(t);
    return 0;
}
