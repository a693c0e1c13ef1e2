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

#include "cmd/number.h"
#include "cmd/out.h"
#include "rules/rules.h"
#include "tui/panel.h"
#include "tui/qmap.h"
#include "tui/remote.h"
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
static int tc_offsets(struct cmd_state *st, int argc, char **argv);
static int tc_maximize(struct cmd_state *st, int argc, char **argv);
static int tc_goto(struct cmd_state *st, int argc, char **argv);
static int tc_prompt(struct cmd_state *st, int argc, char **argv);
static int tc_filter(struct cmd_state *st, int argc, char **argv);
static int tc_sort(struct cmd_state *st, int argc, char **argv);
static int tc_pause(struct cmd_state *st, int argc, char **argv);
static int tc_toggle(struct cmd_state *st, int argc, char **argv);
static int tc_rule_selected(struct cmd_state *st, int argc, char **argv);
static int tc_cursor(struct cmd_state *st, int argc, char **argv);
static int tc_cancel(struct cmd_state *st, int argc, char **argv);
static int tc_leave(struct cmd_state *st, int argc, char **argv);
static int tc_detach(struct cmd_state *st, int argc, char **argv);

/* Every TUI command acts on the view or on breakpoints, without an image
 * too, and stays out of qemu-io's "help" listing. */
#define TC_FLAGS (CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA)

static const struct cmd_entry tc_cancel_entry = {
    .name = "cancel", .exec = tc_cancel, .flags = TC_FLAGS,
    .oneline = "stop the command that waits (sleep, wait_break)",
};
static const struct cmd_entry tc_detach_entry = {
    .name = "detach", .exec = tc_detach, .flags = TC_FLAGS,
    .oneline = "leave the run this TUI is attached to (it goes on)",
};
static const struct cmd_entry tc_filter_entry = {
    .name = "filter", .exec = tc_filter, .argmin = 0, .argmax = 8,
    .flags = TC_FLAGS, .args = "[TEXT]",
    .oneline = "show only the rows of Requests, or the lines of Output, "
               "containing TEXT (the pane focused last); no TEXT: all",
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
static const struct cmd_entry tc_cursor_entry = {
    .name = "cursor", .exec = tc_cursor, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "CELLS",
    .oneline = "move the Allocation cell cursor (negative: towards 0)",
};
static const struct cmd_entry tc_goto_entry = {
    .name = "goto", .exec = tc_goto, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "OFFSET",
    .oneline = "centre the Allocation view on OFFSET (512G, 0x1000...), "
               "the cell cursor on it",
};
static const struct cmd_entry tc_maximize_entry = {
    .name = "maximize", .exec = tc_maximize, .argmin = 0, .argmax = 1,
    .flags = TC_FLAGS, .args = "[PANE]",
    .oneline = "give one pane (the focused one) the whole screen; again: "
               "all panes",
};
static const struct cmd_entry tc_offsets_entry = {
    .name = "offsets", .exec = tc_offsets, .argmin = 0, .argmax = 1,
    .flags = TC_FLAGS, .args = "[exact|units]",
    .oneline = "offsets in bytes or in units in every pane (no word: switch)",
};
static const struct cmd_entry tc_pan_entry = {
    .name = "pan", .exec = tc_pan, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "ROWS|page|-page",
    .oneline = "move the Allocation view (negative: towards offset 0)",
};
static const struct cmd_entry tc_pause_entry = {
    .name = "pause", .exec = tc_pause, .flags = TC_FLAGS,
    .oneline = "hold Requests and Output still, to read them; again: go on",
};
static const struct cmd_entry tc_prompt_entry = {
    .name = "prompt", .exec = tc_prompt, .argmin = 1, .argmax = 8,
    .flags = TC_FLAGS, .args = "WORDS",
    .oneline = "go to the command line with WORDS typed, to finish there",
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
static const struct cmd_entry tc_rule_selected_entry = {
    .name = "rule-selected", .exec = tc_rule_selected, .argmin = 1,
    .argmax = 1, .flags = TC_FLAGS, .args = "disable|delete|edit",
    .oneline = "act on the Rules pane's selected rule: disable (or enable "
               "again), delete, or edit it on the command line",
};
static const struct cmd_entry tc_sort_entry = {
    .name = "sort", .exec = tc_sort, .argmin = 0, .argmax = 1,
    .flags = TC_FLAGS, .args = "[age|offset|op|state]",
    .oneline = "order the Requests pane (no word: the next order)",
};
static const struct cmd_entry tc_toggle_entry = {
    .name = "toggle", .exec = tc_toggle, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "PANE|NUMBER",
    .oneline = "hide a pane, or show it again (1 alloc, 2 requests, "
               "3 suspended, 4 rules, 5 throughput, 6 output, 7 clients)",
};
static const struct cmd_entry tc_zoom_entry = {
    .name = "zoom", .exec = tc_zoom, .argmin = 1, .argmax = 1,
    .flags = TC_FLAGS, .args = "in|out|whole",
    .oneline = "zoom the Allocation view",
};

/* The session's front-end table (cmd.h), sorted by name. */
const struct cmd_entry *const tui_cmd_table[] = {
    &tc_cancel_entry,
    &tc_cursor_entry,
    &tc_detach_entry,
    &tc_filter_entry,
    &tc_focus_entry,
    &tc_focus_next_entry,
    &tc_focus_prev_entry,
    &tc_goto_entry,
    &tc_help_keys_entry,
    &tc_leave_entry,
    &tui_map_view_entry,
    &tc_maximize_entry,
    &tc_offsets_entry,
    &tc_pan_entry,
    &tc_pause_entry,
    &tc_prompt_entry,
    &tc_redraw_entry,
    &tc_remove_selected_entry,
    &tc_resume_all_entry,
    &tc_resume_selected_entry,
    &tc_rule_selected_entry,
    &tc_sort_entry,
    &tc_toggle_entry,
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

/* Panes on screen now (a maximised pane hides the others). */
static bool tc_shown(const struct tui *t, int p)
{
    return t->rect[p].w > 0 && t->rect[p].h > 0;
}

static void tc_set_focus(struct tui *t, int p)
{
    t->focus = p;
    if (p != TUI_PANE_CMDLINE)
        t->last_focus = p;
}

/* Tab's order: as the panes sit, left to right, top to bottom. */
static const int tc_focus_order[] = {
    TUI_PANE_ALLOC, TUI_PANE_REQUESTS, TUI_PANE_SUSPENDED, TUI_PANE_RULES,
    TUI_PANE_THROUGHPUT, TUI_PANE_CLIENTS, TUI_PANE_OUTPUT, TUI_PANE_CMDLINE,
};
#define TC_NFOCUS ((int)(sizeof(tc_focus_order) / sizeof(tc_focus_order[0])))

static void tc_move_focus(struct tui *t, int dir)
{
    int i = 0;

    while (i < TC_NFOCUS && tc_focus_order[i] != t->focus)
        i++;
    for (int n = 0; n < TC_NFOCUS; n++) {
        int p;

        i = (i + dir + TC_NFOCUS) % TC_NFOCUS;
        p = tc_focus_order[i];
        if (tui_panels[p]->focusable && tc_shown(t, p))
            break;
    }
    tc_set_focus(t, tc_focus_order[i]);
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
            tc_set_focus(t, p);
            t->hidden &= ~(1u << p);
            if (t->screen_on)
                tui_relayout(t);
            /* A pane a maximised one hides, or one a small screen has no
             * room for: maximise it. */
            if (p != TUI_PANE_CMDLINE && p != t->zoomed &&
                (t->zoomed >= 0 || t->rect[p].h < 3)) {
                t->zoomed = p;
                if (t->screen_on)
                    tui_relayout(t);
            }
            return 0;
        }
    }
    out_eprintf(st->out, "focus: no pane '%s'\n", argv[1]);
    return -EINVAL;
}

struct tc_find_req {
    uint64_t id;
    const char *tag;
    int same_tag;            /* suspensions under the tag */
    bool found;
};

static void tc_find_susp(const char *tag, const struct bk_req *req,
                         void *arg)
{
    struct tc_find_req *f = arg;

    if (strcmp(tag, f->tag) != 0)
        return;
    f->same_tag++;
    if (req != NULL && req->id == f->id)
        f->found = true;
}

/*
 * In the Suspended pane the selected row is what Enter, r and F5 act on:
 * a breakpoint's row resumes nothing (d removes it).  Elsewhere F5 takes
 * the selected request, else the one waiting longest.
 *
 * Resuming goes through the command language when the tag holds this
 * request alone, so the Output pane shows the same "resume TAG" and
 * messages as if it had been typed.  When other suspensions share the
 * tag, "resume TAG" would take the newest of them, so the selected request
 * is resumed directly instead.
 */
static int tc_resume_selected(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    struct tui_srow r;
    struct tc_find_req f;
    char line[96];

    if (t->focus == TUI_PANE_SUSPENDED && tui_srows_selected(t, &r) &&
        r.kind == TUI_SROW_BREAK) {
        tui_app_status(t, "breakpoint '%s' holds no request (d removes it)",
                       r.tag);
        return -ENOENT;
    }
    if (!tui_srows_target(t, &r)) {
        tui_app_status(t, "no suspended request");
        return -ENOENT;
    }
    f = (struct tc_find_req){ .id = r.id, .tag = r.tag };
    tui_model_for_each_suspension(t, tc_find_susp, &f);
    if (f.found && f.same_tag > 1) {
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

/* Ctrl-C: a command that waits (sleep, wait_break) gives up; one whose
 * request is parked cannot, and the user is told how to free it.
 * Attached, the command runs in the run's blkmon: it is asked there, and
 * its answer comes to the status line (remote.c). */
static int tc_cancel(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    size_t queued;
    const char *running = tui_model_running(t, &queued);

    char msg[320];
    int ret;

    if (t->remote != NULL) {
        tui_remote_cancel(t->remote);
        return 0;
    }
    ret = cmd_cancel(st, running, msg, sizeof(msg));
    tui_app_status(t, "%s%s", msg, ret == -EBUSY ? " (F5)" : "");
    return ret;
}

static int tc_goto(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    int64_t off;

    if (num_size_arg(st->out, argv[1], &off) < 0)
        return -EINVAL;
    if (!tui_alloc_goto(t, off)) {
        out_eprintf(st->out, "goto: offset %s is past the end of the "
                    "image\n", argv[1]);
        return -EINVAL;
    }
    tc_set_focus(t, TUI_PANE_ALLOC);
    return 0;
}

static int tc_prompt(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    char line[256];
    size_t n = 0;

    line[0] = '\0';
    for (int i = 1; i < argc && n < sizeof(line); i++)
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%s ", argv[i]);
    tui_lineedit_set(&t->le, line);
    tc_set_focus(t, TUI_PANE_CMDLINE);
    return 0;
}

static int tc_filter(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    int p = t->focus == TUI_PANE_CMDLINE ? t->last_focus : t->focus;
    char *f;

    if (p == TUI_PANE_REQUESTS)
        f = t->ps.req_filter;
    else if (p == TUI_PANE_OUTPUT)
        f = t->ps.out_filter;
    else {
        out_eprintf(st->out, "filter: focus Requests or Output first\n");
        return -EINVAL;
    }
    f[0] = '\0';
    for (int i = 1; i < argc; i++)
        snprintf(f + strlen(f), sizeof(t->ps.req_filter) - strlen(f), "%s%s",
                 i > 1 ? " " : "", argv[i]);
    t->ps.req_top = 0;
    t->ps.out_back = 0;
    tc_set_focus(t, p);
    return 0;
}

static int tc_sort(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (argc == 1) {
        t->ps.req_sort = (t->ps.req_sort + 1) % TUI_REQ_SORT__MAX;
    } else {
        int k;

        for (k = 0; k < TUI_REQ_SORT__MAX; k++)
            if (strcmp(tui_req_sort_names[k], argv[1]) == 0)
                break;
        if (k == TUI_REQ_SORT__MAX)
            return cmd_usage(st->out, &tc_sort_entry);
        t->ps.req_sort = (enum tui_req_sort)k;
    }
    tui_app_status(t, "Requests by %s", tui_req_sort_names[t->ps.req_sort]);
    return 0;
}

static int tc_pause(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    t->paused = !t->paused;
    t->paused_ns = bk_now_ns();
    t->paused_out = tui_outbuf_total(t->out);
    tui_app_status(t, t->paused ? "paused: Requests and Output hold still "
                                  "(space goes on)" : "going on");
    return 0;
}

/* The number keys' panes, as btop numbers its boxes. */
static const int tc_pane_numbers[] = {
    TUI_PANE_ALLOC, TUI_PANE_REQUESTS, TUI_PANE_SUSPENDED, TUI_PANE_RULES,
    TUI_PANE_THROUGHPUT, TUI_PANE_OUTPUT, TUI_PANE_CLIENTS,
};

static int tc_toggle(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    int p = -1;
    char *end;
    long k = strtol(argv[1], &end, 10);

    if (*end == '\0' && k >= 1 &&
        k <= (long)(sizeof(tc_pane_numbers) / sizeof(tc_pane_numbers[0])))
        p = tc_pane_numbers[k - 1];
    for (int i = 0; p < 0 && i < TUI_PANE__MAX; i++)
        if (tc_pane_names[i] != NULL && strcmp(tc_pane_names[i], argv[1]) == 0)
            p = i;
    if (p < 0 || p == TUI_PANE_CMDLINE || p == TUI_PANE_STATUS) {
        out_eprintf(st->out, "toggle: no pane '%s'\n", argv[1]);
        return -EINVAL;
    }
    /* With a control socket and no exports, the Clients pane (its
     * sessions only) is placed when asked for, not by default. */
    if (p == TUI_PANE_CLIENTS && tui_model_has_control(t) &&
        tui_model_export_count(t) == 0) {
        t->hidden &= ~(1u << p);
        t->show_sessions = !t->show_sessions;
        tui_app_status(t, "%s: %s", tui_panels[p]->title,
                       t->show_sessions ? "shown" : "hidden");
    } else {
        t->hidden ^= 1u << p;
        if ((t->hidden & (1u << t->focus)) != 0)
            t->focus = TUI_PANE_CMDLINE;
        tui_app_status(t, "%s: %s", tui_panels[p]->title,
                       t->hidden & (1u << p) ? "hidden (its number shows it)"
                                             : "shown");
    }
    if (t->screen_on) {
        tui_relayout(t);
        clearok(curscr, TRUE);
    }
    return 0;
}

static int tc_rule_selected(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    struct rules_rule r;
    char line[600];

    if (!tui_rules_selected(t, &r)) {
        tui_app_status(t, "no rule selected");
        return -ENOENT;
    }
    if (strcmp(argv[1], "disable") == 0) {
        snprintf(line, sizeof(line), "rule %s %u",
                 r.disabled ? "enable" : "disable", r.id);
    } else if (strcmp(argv[1], "delete") == 0) {
        snprintf(line, sizeof(line), "rule del %u", r.id);
    } else if (strcmp(argv[1], "edit") == 0) {
        char *d = tui_model_rule_text(t, &r);

        if (d == NULL)
            return -ENOMEM;
        snprintf(line, sizeof(line), "rule add %s ", d);
        free(d);
        tui_lineedit_set(&t->le, line);
        tc_set_focus(t, TUI_PANE_CMDLINE);
        tui_app_status(t, "editing rule %u: Enter adds the new rule; x on "
                       "rule %u then deletes the old one", r.id, r.id);
        return 0;
    } else {
        return cmd_usage(st->out, &tc_rule_selected_entry);
    }
    tui_app_submit(t, line, true);
    return 0;
}

static int tc_cursor(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    char *end;
    long cells = strtol(argv[1], &end, 10);

    if (*end != '\0' || end == argv[1])
        return cmd_usage(st->out, &tc_cursor_entry);
    tui_alloc_cursor(t, cells);
    return 0;
}

static int tc_maximize(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    int p = t->focus == TUI_PANE_CMDLINE ? t->last_focus : t->focus;

    if (argc == 2) {
        p = -1;
        for (int k = 0; k < TUI_PANE__MAX; k++)
            if (tc_pane_names[k] != NULL &&
                strcmp(tc_pane_names[k], argv[1]) == 0)
                p = k;
        if (p < 0 || p == TUI_PANE_CMDLINE) {
            out_eprintf(st->out, "maximize: no pane '%s'\n", argv[1]);
            return -EINVAL;
        }
    } else if (t->zoomed >= 0) {
        p = -1;
    }
    t->zoomed = p;
    if (p >= 0 && t->focus != TUI_PANE_CMDLINE)
        tc_set_focus(t, p);
    if (t->screen_on) {
        tui_relayout(t);
        clearok(curscr, TRUE);
    }
    return 0;
}

static int tc_offsets(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;

    if (argc == 1)
        t->exact_offsets = !t->exact_offsets;
    else if (strcmp(argv[1], "exact") == 0)
        t->exact_offsets = true;
    else if (strcmp(argv[1], "units") == 0)
        t->exact_offsets = false;
    else
        return cmd_usage(st->out, &tc_offsets_entry);
    tui_app_status(t, "offsets %s", t->exact_offsets ? "exact, in bytes"
                                                     : "in units");
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
