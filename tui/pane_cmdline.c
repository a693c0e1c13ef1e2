/*
 * pane_cmdline.c — the Command line: a prompt and the line editor, with
 * history on Up/Down and completion on Tab.
 *
 * Tab: with a word to complete it completes (commands, blkdebug events,
 * breakpoint tags; a second Tab with nothing to add lists the matches in
 * Output; attached, the run's control-session commands too); on an empty
 * line it is left to the global binding and moves focus, so Tab alone
 * still walks the panes.  PgUp/PgDn scroll Output,
 * since that is where a command's answer goes.
 */
#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "tui/complete.h"
#include "tui/draw.h"
#include "tui/key.h"
#include "tui/panel.h"
#include "tui/screen.h"
#include "rules/rules.h"

#define CMDLINE_MAX_TAGS 256

struct tag_list {
    const char *tags[CMDLINE_MAX_TAGS + 1];
    char store[CMDLINE_MAX_TAGS][48];
    size_t n;
};

static void tag_add(struct tag_list *l, const char *tag)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->store[i], tag) == 0)
            return;
    if (l->n == CMDLINE_MAX_TAGS)
        return;
    snprintf(l->store[l->n], sizeof(l->store[0]), "%s", tag);
    l->tags[l->n] = l->store[l->n];
    l->n++;
    l->tags[l->n] = NULL;
}

static void tag_from_break(const char *event, const char *tag, void *arg)
{
    (void)event;
    tag_add(arg, tag);
}

static void tag_from_req(const struct bk_req *req, void *arg)
{
    if (req->state == BK_REQ_SUSPENDED && req->suspend_tag != NULL)
        tag_add(arg, req->suspend_tag);
}

#define CMDLINE_MAX_NAMES 160

/* Command names, NULL-terminated: every entry the session knows (the
 * command table's and the TUI's), names and altnames. */
struct name_list {
    const char *names[CMDLINE_MAX_NAMES + 1];
    size_t n;
};

static void name_add(const struct cmd_entry *e, void *arg)
{
    struct name_list *l = arg;

    if (l->n + 2 > CMDLINE_MAX_NAMES)
        return;
    l->names[l->n++] = e->name;
    if (e->altname != NULL)
        l->names[l->n++] = e->altname;
    l->names[l->n] = NULL;
}

/* What an operand of command is: its entry says. */
static enum cmd_word cmdline_arg_kind(const char *command, int argi,
                                      void *arg)
{
    const struct cmd_entry *e = cmd_find(arg, command);

    if (e == NULL || argi < 0 || argi >= CMD_WORDS)
        return CMD_WORD_NONE;
    return e->words[argi];
}

/* blkdebug's event names, NULL-terminated as completion wants them. */
static const char *const *cmdline_events(void)
{
    static const char *names[RULES_EV__MAX + 1];

    if (names[0] == NULL)
        for (int i = 0; i < RULES_EV__MAX; i++)
            names[i] = rules_event_names[i];
    return names;
}

static void cmdline_complete(struct tui *t)
{
    struct tag_list *tags = calloc(1, sizeof(*tags));
    struct name_list names = { .n = 0 };
    struct tui_complete_sources src = {
        .events = cmdline_events(),
        .arg_kind = cmdline_arg_kind,
        .arg = t->st,
    };
    struct tui_completion c;
    const char *line = tui_lineedit_text(&t->le);
    int n;

    if (tags == NULL)
        abort();
    cmd_for_each(t->st, name_add, &names);
    /* Attached, lines run in a control session of the run, which has
     * commands of its own (events, resume-request...); not "attach",
     * which this TUI has sent already. */
    if (t->remote != NULL)
        for (const struct cmd_entry *const *p = ctl_cmd_table; *p != NULL;
             p++)
            if (strcmp((*p)->name, "attach") != 0)
                name_add(*p, &names);
    src.commands = names.names;
    src.tags = tags->tags;
    tui_model_for_each_break(t, tag_from_break, tags);
    tui_model_for_each_req(t, tag_from_req, tags);
    n = tui_complete(line, tui_lineedit_cursor(&t->le), &src, &c);
    if (n > 0 && c.insert != NULL) {
        size_t had = c.end - c.start;

        if (n > 1 && strlen(c.insert) == had) {
            /* Nothing to add: show the candidates, as bash does. */
            char buf[512];
            size_t used = 0;

            buf[0] = '\0';
            for (size_t i = 0; i < c.n && used + 2 < sizeof(buf); i++)
                used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                         "%s%s", i ? "  " : "",
                                         c.matches[i]);
            tui_outbuf_printf(t->out, TUI_OUT_NOTE, "%s", buf);
        } else {
            tui_lineedit_replace(&t->le, c.start, c.end, c.insert);
        }
    } else if (n == 0) {
        tui_app_status(t, "no completion");
    }
    tui_completion_fini(&c);
    free(tags);
}

static bool cmdline_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static unsigned cmdline_key(struct tui *t, int key)
{
    const char *text;
    unsigned r;

    switch (key) {
    case TUI_KEY_UP:
        text = tui_history_prev(t->hist, tui_lineedit_text(&t->le));
        if (text != NULL)
            tui_lineedit_set(&t->le, text);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    case TUI_KEY_DOWN:
        text = tui_history_next(t->hist, tui_lineedit_text(&t->le));
        if (text != NULL)
            tui_lineedit_set(&t->le, text);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    case TUI_KEY_TAB:
        if (cmdline_blank(tui_lineedit_text(&t->le)))
            return TUI_HR_IGNORED;
        cmdline_complete(t);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    case TUI_KEY_PGUP:
    case TUI_KEY_PGDN:
        return tui_output_scroll(t, key);
    case TUI_KEY_CTRL('C'):
        /* On an empty line: the binding's (cancel a waiting command). */
        if (tui_lineedit_text(&t->le)[0] == '\0')
            return TUI_HR_IGNORED;
        tui_lineedit_clear(&t->le);
        tui_history_reset(t->hist);
        tui_app_status(t, "line cleared (quit: F10 or 'quit')");
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    default:
        break;
    }
    r = tui_lineedit_key(&t->le, key);
    if (r & TUI_LE_ACCEPT) {
        char *line = strdup(tui_lineedit_text(&t->le));

        if (line == NULL)
            abort();
        tui_history_add(t->hist, line);
        if (t->hist_path != NULL)
            tui_history_save(t->hist, t->hist_path, NULL);
        tui_lineedit_clear(&t->le);
        t->ps.out_back = 0;
        if (!cmdline_blank(line))
            tui_app_submit(t, line, true);
        free(line);
        return TUI_HR_HANDLED | TUI_HR_REDRAW;
    }
    if (r & TUI_LE_BELL)
        beep();
    return (r & TUI_LE_HANDLED) ? TUI_HR_HANDLED | TUI_HR_REDRAW
                                : TUI_HR_IGNORED;
}

/* Permission bits as short words, " read write" (the locks' meaning). */
static size_t cmdline_perms(char *buf, size_t size, uint64_t bits)
{
    static const char *const words[BK_PERM_COUNT] = {
        "read", "write", "write-unchanged", "resize",
    };
    size_t n = 0;

    for (int i = 0; i < BK_PERM_COUNT && n < size; i++)
        if (bits & (1u << i))
            n += (size_t)snprintf(buf + n, size - n, " %s", words[i]);
    if (n == 0)
        n = (size_t)snprintf(buf, size, " none");
    return n < size ? n : size;
}

/*
 * The title's right: what the image sits on, where it says more than the
 * status line's name, a host device with its logical and physical block
 * sizes, and the image locks held ("locked") and kept from others
 * ("unshared").
 */
static void cmdline_storage_info(struct tui *t, char *info, size_t size)
{
    struct bk_storage st;
    char held[80], unshared[80];
    size_t n = 0;

    if (!tui_model_storage(t, &st))
        return;
    if (strcmp(st.driver, "file") != 0)
        n = (size_t)snprintf(info, size, "%s %s", st.driver,
                             st.path != NULL ? st.path : "");
    if (st.logical_block_size > 0 && n < size)
        n += (size_t)snprintf(info + n, size - n, ", blocks %u/%u B",
                              st.logical_block_size, st.physical_block_size);
    if (n >= size || !st.lockable)
        return;
    if (!st.locking) {
        snprintf(info + n, size - n, "%slocking off", n ? " | " : "");
        return;
    }
    cmdline_perms(held, sizeof(held), st.locked);
    cmdline_perms(unshared, sizeof(unshared), st.unshared);
    snprintf(info + n, size - n, "%slocked:%s | unshared:%s", n ? " | " : "",
             held, unshared);
}

static void cmdline_draw(struct tui *t, struct tui_rect r, bool focus,
                         char *info, size_t infosize)
{
    struct tui_lineedit_layout lay;
    const char *prompt = "blkmon> ";
    int pw;

    /* What runs first (never cut), then what the image sits on. */
    tui_session_state(t, info, infosize);
    {
        char storage[256] = "";
        size_t n = strlen(info);

        cmdline_storage_info(t, storage, sizeof(storage));
        if (storage[0] != '\0' && n < infosize)
            snprintf(info + n, infosize - n, " | %s", storage);
    }
    tui_fill(r.y, r.x, r.w, TUI_R_INPUT);
    pw = tui_put(r.y, r.x, r.w, TUI_R_PROMPT, prompt);
    if (r.w - pw < 2)
        return;
    tui_lineedit_layout(&t->le, (size_t)(r.w - pw - 1), &lay);
    {
        char *seg = strndup(tui_lineedit_text(&t->le) + lay.first, lay.bytes);

        if (seg == NULL)
            abort();
        tui_put(r.y, r.x + pw + (int)lay.first_col, r.w - pw - 1, TUI_R_INPUT,
                seg);
        free(seg);
    }
    if (lay.more_left)
        tui_put(r.y, r.x + pw - 1, 1, TUI_R_SCROLL, tui_scr.g->more_left);
    if (lay.more_right)
        tui_put(r.y, r.x + r.w - 1, 1, TUI_R_SCROLL, tui_scr.g->more_right);
    t->cursor_y = r.y;
    t->cursor_x = r.x + pw + (int)lay.cursor_col;
    (void)focus;
}

const struct tui_panel_class tui_panel_cmdline = {
    .title = "Command line",
    .framed = true,
    .focusable = true,
    .draw = cmdline_draw,
    .key = cmdline_key,
};
