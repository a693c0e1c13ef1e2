/*
 * tcmd.c — the TUI's own commands: what keys are bound to, and what a user
 * may type too ("focus output", "zoom in", "resume-selected").
 *
 * They are control commands: they act on the screen or on breakpoints and
 * run at once, even while an I/O command waits.  Words are split by the
 * command language's own splitter (cmd/argv.h), so a binding string and a
 * typed line parse alike.  Names use hyphens, qemu-io's use underscores,
 * so the two tables can never clash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "tui/panel.h"
#include "tui/screen.h"

static int tc_focus_next(struct tui *t, int argc, char **argv);
static int tc_focus_prev(struct tui *t, int argc, char **argv);
static int tc_focus(struct tui *t, int argc, char **argv);
static int tc_resume_selected(struct tui *t, int argc, char **argv);
static int tc_resume_all(struct tui *t, int argc, char **argv);
static int tc_remove_selected(struct tui *t, int argc, char **argv);
static int tc_redraw(struct tui *t, int argc, char **argv);
static int tc_help_keys(struct tui *t, int argc, char **argv);
static int tc_zoom(struct tui *t, int argc, char **argv);
static int tc_pan(struct tui *t, int argc, char **argv);

const struct tui_cmd_entry tui_cmd_table[] = {
    { "focus", tc_focus, 1, 1,
      "alloc|requests|suspended|throughput|output|cmdline",
      "move the focus to a pane" },
    { "focus-next", tc_focus_next, 0, 0, NULL, "focus the next pane" },
    { "focus-prev", tc_focus_prev, 0, 0, NULL, "focus the previous pane" },
    { "help-keys", tc_help_keys, 0, 0, NULL, "show or hide the key help" },
    { "pan", tc_pan, 1, 1, "ROWS|page|-page",
      "move the Allocation view (negative: towards offset 0)" },
    { "redraw", tc_redraw, 0, 0, NULL, "redraw the whole screen" },
    { "remove-selected-break", tc_remove_selected, 0, 0, NULL,
      "remove_break the selected row's tag" },
    { "resume-all", tc_resume_all, 0, 0, NULL,
      "resume every suspended request" },
    { "resume-selected", tc_resume_selected, 0, 0, NULL,
      "resume the selected suspended request, else the oldest" },
    { "zoom", tc_zoom, 1, 1, "in|out|whole", "zoom the Allocation view" },
    { NULL, NULL, 0, 0, NULL, NULL },
};

static const char *const tc_pane_names[TUI_PANE__MAX] = {
    [TUI_PANE_ALLOC] = "alloc",
    [TUI_PANE_REQUESTS] = "requests",
    [TUI_PANE_SUSPENDED] = "suspended",
    [TUI_PANE_THROUGHPUT] = "throughput",
    [TUI_PANE_OUTPUT] = "output",
    [TUI_PANE_CMDLINE] = "cmdline",
};

const struct tui_cmd_entry *tui_cmd_find(const char *name)
{
    for (const struct tui_cmd_entry *e = tui_cmd_table; e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

int tui_cmd_execute(struct tui *t, const char *line)
{
    const struct tui_cmd_entry *e;
    int argc, ret;
    char **argv = argv_split(line, &argc);

    if (argc == 0 || (e = tui_cmd_find(argv[0])) == NULL) {
        free(argv);
        return -ENOENT;
    }
    if (argc - 1 < e->argmin || argc - 1 > e->argmax) {
        tui_outbuf_printf(t->out, TUI_OUT_ERROR, "usage: %s %s", e->name,
                          e->args ? e->args : "");
        ret = -EINVAL;
    } else {
        ret = e->exec(t, argc, argv);
    }
    free(argv);
    tui_app_dirty(t);
    return ret;
}

static void tc_move_focus(struct tui *t, int dir)
{
    int p = t->focus;

    do
        p = (p + dir + TUI_PANE__MAX) % TUI_PANE__MAX;
    while (!tui_panels[p]->focusable);
    t->focus = p;
}

static int tc_focus_next(struct tui *t, int argc, char **argv)
{
    tc_move_focus(t, 1);
    return 0;
}

static int tc_focus_prev(struct tui *t, int argc, char **argv)
{
    tc_move_focus(t, -1);
    return 0;
}

static int tc_focus(struct tui *t, int argc, char **argv)
{
    for (int p = 0; p < TUI_PANE__MAX; p++) {
        if (tc_pane_names[p] != NULL && strcmp(tc_pane_names[p], argv[1]) == 0) {
            t->focus = p;
            return 0;
        }
    }
    tui_outbuf_printf(t->out, TUI_OUT_ERROR, "focus: no pane '%s'", argv[1]);
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
static int tc_resume_selected(struct tui *t, int argc, char **argv)
{
    struct tui_srow r;
    struct tc_find_req f;
    char line[96];

    if (!tui_srows_target(t, &r)) {
        tui_app_status(t, "no suspended request");
        return -ENOENT;
    }
    f = (struct tc_find_req){ .id = r.id, .tag = r.tag };
    if (t->w.dev != NULL)
        bk_dev_for_each_req(t->w.dev, tc_find_req, &f);
    if (f.req != NULL && f.same_tag > 1) {
        tui_outbuf_printf(t->out, TUI_OUT_COMMAND, "(resume request %llu)",
                          (unsigned long long)r.id);
        return bk_dev_resume_req(t->w.dev, f.req);
    }
    snprintf(line, sizeof(line), "resume %s", r.tag);
    tui_app_submit(t, line, true);
    return 0;
}

static int tc_resume_all(struct tui *t, int argc, char **argv)
{
    if (t->w.dev == NULL) {
        tui_app_status(t, "no image open");
        return -ENOENT;
    }
    tui_outbuf_printf(t->out, TUI_OUT_COMMAND, "%s", "(resume all)");
    bk_dev_resume_all(t->w.dev);
    return 0;
}

static int tc_remove_selected(struct tui *t, int argc, char **argv)
{
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

static int tc_redraw(struct tui *t, int argc, char **argv)
{
    if (t->screen_on)
        clearok(curscr, TRUE);
    return 0;
}

static int tc_help_keys(struct tui *t, int argc, char **argv)
{
    t->help = !t->help;
    t->help_top = 0;
    return 0;
}

static int tc_zoom(struct tui *t, int argc, char **argv)
{
    if (strcmp(argv[1], "in") == 0)
        tui_alloc_zoom(t, 1);
    else if (strcmp(argv[1], "out") == 0)
        tui_alloc_zoom(t, -1);
    else if (strcmp(argv[1], "whole") == 0)
        tui_alloc_whole(t);
    else
        return -EINVAL;
    return 0;
}

static int tc_pan(struct tui *t, int argc, char **argv)
{
    char *end;
    long rows;

    if (strcmp(argv[1], "page") == 0)
        return tui_alloc_page(t, 1), 0;
    if (strcmp(argv[1], "-page") == 0)
        return tui_alloc_page(t, -1), 0;
    rows = strtol(argv[1], &end, 10);
    if (*end != '\0')
        return -EINVAL;
    tui_alloc_pan_rows(t, rows);
    return 0;
}
