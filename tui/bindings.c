/*
 * bindings.c — the default key bindings.  See bindings.h.
 *
 * Tab is global ("focus-next"), but the command line's handler sees keys
 * before the bindings and completes when there is a word to complete, so
 * Tab moves focus from an empty command line and completes on a non-empty
 * one; Shift-Tab always moves focus.
 */
#include "tui/bindings.h"

#include "tui/key.h"
#include "tui/layout.h"

const struct tui_binding tui_bindings[] = {
    { TUI_SCOPE_ANY, TUI_KEY_F(1), "help-keys", "show or hide this help",
      "Help" },
    { TUI_SCOPE_ANY, TUI_KEY_TAB, "focus-next",
      "next pane (on the command line: complete the word; "
      "on an empty line: next pane)", NULL },
    { TUI_SCOPE_ANY, TUI_KEY_BTAB, "focus-prev", "previous pane", NULL },
    { TUI_SCOPE_ANY, TUI_KEY_ESC, "focus cmdline", "back to the command line",
      NULL },
    { TUI_SCOPE_ANY, TUI_KEY_F(2), "maximize",
      "give the focused pane the whole screen, or give all panes back "
      "(z in a pane too)", "Zoom" },
    { TUI_SCOPE_ANY, TUI_KEY_F(5), "resume-selected",
      "resume the selected suspended request, else the oldest", "Resume" },
    { TUI_SCOPE_ANY, TUI_KEY_F(6), "resume-all",
      "resume every suspended request", "All" },
    { TUI_SCOPE_ANY, TUI_KEY_F(7), "offsets",
      "offsets exact (in bytes) or in units, in every pane", "Exact" },
    { TUI_SCOPE_ANY, TUI_KEY_F(8), "bench -k",
      "stop this session's bench run", "Stop" },
    { TUI_SCOPE_ANY, TUI_KEY_F(10), "leave",
      "quit (suspended requests are resumed and drained first); "
      "attached: detach, the run goes on", "Quit" },
    { TUI_SCOPE_ANY, TUI_KEY_CTRL('L'), "redraw", "redraw the screen", NULL },
    { TUI_SCOPE_ANY, '1', "toggle 1", "hide or show Allocation (not on the "
      "command line; 2-7: Requests, Suspended, Rules, Throughput, Output, "
      "Clients)", NULL },
    { TUI_SCOPE_ANY, '2', "toggle 2", "hide or show Requests", NULL },
    { TUI_SCOPE_ANY, '3', "toggle 3", "hide or show Suspended", NULL },
    { TUI_SCOPE_ANY, '4', "toggle 4", "hide or show Rules", NULL },
    { TUI_SCOPE_ANY, '5', "toggle 5", "hide or show Throughput", NULL },
    { TUI_SCOPE_ANY, '6', "toggle 6", "hide or show Output", NULL },
    { TUI_SCOPE_ANY, '7', "toggle 7", "hide or show Clients", NULL },
    { TUI_SCOPE_ANY, ' ', "pause", "pause: Requests and Output hold still "
      "to be read; again: go on (not on the command line)", NULL },
    { TUI_SCOPE_ANY, TUI_KEY_CTRL('C'), "cancel",
      "stop a waiting sleep or wait_break (on the command line: clear the "
      "line first)", NULL },
    { TUI_PANE_ALLOC, 'z', "maximize", "maximise this pane, or give all "
      "panes back", NULL },
    { TUI_PANE_REQUESTS, 'z', "maximize", "maximise this pane, or give all "
      "panes back", NULL },
    { TUI_PANE_SUSPENDED, 'z', "maximize", "maximise this pane, or give "
      "all panes back", NULL },
    { TUI_PANE_THROUGHPUT, 'z', "maximize", "maximise this pane, or give "
      "all panes back", NULL },
    { TUI_PANE_OUTPUT, 'z', "maximize", "maximise this pane, or give all "
      "panes back", NULL },
    { TUI_PANE_REQUESTS, '/', "prompt filter", "show only the rows "
      "containing a text (type it, Enter; nothing: all)", NULL },
    { TUI_PANE_REQUESTS, 's', "sort", "order by age, offset, operation, "
      "state (parked first)", NULL },
    { TUI_PANE_OUTPUT, '/', "prompt filter", "show only the lines "
      "containing a text (type it, Enter; nothing: all)", NULL },
    { TUI_PANE_RULES, 'd', "rule-selected disable", "disable the selected "
      "rule, or enable it again", NULL },
    { TUI_PANE_RULES, 'x', "rule-selected delete", "delete the selected "
      "rule", NULL },
    { TUI_PANE_RULES, TUI_KEY_DELETE, "rule-selected delete", "delete the "
      "selected rule", NULL },
    { TUI_PANE_RULES, 'e', "rule-selected edit", "edit the selected rule "
      "on the command line (as a new rule)", NULL },
    { TUI_PANE_RULES, 'a', "prompt rule add", "add a rule (type its group "
      "and keys)", NULL },
    { TUI_PANE_SUSPENDED, TUI_KEY_ENTER, "resume-selected",
      "resume the selected request", NULL },
    { TUI_PANE_SUSPENDED, 'r', "resume-selected",
      "resume the selected request", NULL },
    { TUI_PANE_SUSPENDED, 'R', "resume-all", "resume all", NULL },
    { TUI_PANE_SUSPENDED, 'd', "remove-selected-break",
      "remove the selected breakpoint (its requests resume)", NULL },
    { TUI_PANE_ALLOC, '+', "zoom in", "zoom in around the cell cursor",
      NULL },
    { TUI_PANE_ALLOC, '=', "zoom in", "zoom in", NULL },
    { TUI_PANE_ALLOC, '-', "zoom out", "zoom out around the cell cursor",
      NULL },
    { TUI_PANE_ALLOC, 'g', "prompt goto ", "go to an offset (type it, "
      "Enter)", NULL },
    { TUI_PANE_ALLOC, '0', "zoom whole", "show the whole image", NULL },
    { TUI_PANE_ALLOC, 'v', "map-view toggle",
      "a format image (qcow2): guest view / host view of its file", NULL },
    { TUI_PANE_ALLOC, TUI_KEY_LEFT, "cursor -1",
      "cell cursor one cell towards 0 (the line below the map says what "
      "the cell holds)", NULL },
    { TUI_PANE_ALLOC, TUI_KEY_RIGHT, "cursor 1",
      "cell cursor one cell towards the end", NULL },
    { TUI_PANE_ALLOC, TUI_KEY_UP, "pan -1", "cell cursor one row up (the "
      "view follows)", NULL },
    { TUI_PANE_ALLOC, TUI_KEY_DOWN, "pan 1", "cell cursor one row down",
      NULL },
    { TUI_PANE_ALLOC, TUI_KEY_PGUP, "pan -page", "pan one screen back", NULL },
    { TUI_PANE_ALLOC, TUI_KEY_PGDN, "pan page", "pan one screen on", NULL },
};
const size_t tui_nbindings = sizeof(tui_bindings) / sizeof(tui_bindings[0]);

const struct tui_pane_key tui_pane_keys[] = {
    { TUI_PANE_CMDLINE, "Enter", "run the command (I/O commands queue "
      "behind a running one; resume/break/... run at once)" },
    { TUI_PANE_CMDLINE, "Up/Down", "history (kept across runs)" },
    { TUI_PANE_CMDLINE, "Left/Right Home/End", "move; Ctrl-A/E too" },
    { TUI_PANE_CMDLINE, "Ctrl-K/U/W/Y", "kill to end / to start / word; yank" },
    { TUI_PANE_CMDLINE, "Ctrl-C", "clear the line; on an empty one, stop a "
      "waiting sleep or wait_break" },
    { TUI_PANE_CMDLINE, "PgUp/PgDn", "scroll the Output pane" },
    { TUI_PANE_REQUESTS, "Up/Down PgUp/PgDn Home/End", "scroll" },
    { TUI_PANE_REQUESTS, "v", "next view: outstanding requests, the "
      "completed-request log, the error log (errno, injecting rule)" },
    { TUI_PANE_THROUGHPUT, "i", "graph IOPS instead of MiB/s (when the "
      "pane has no room for both)" },
    { TUI_PANE_RULES, "Up/Down Home/End", "select a rule" },
    { TUI_PANE_SUSPENDED, "h", "the history of suspensions and resumes, "
      "or what is suspended now" },
    { TUI_PANE_THROUGHPUT, "v", "next view: rates and graphs, the latency "
      "histogram in decades, the queue depth over the last minute" },
    { TUI_SCOPE_ANY, "mouse", "click: focus a pane, select a row or a "
      "cell; wheel: scroll the pane under it" },
    { TUI_PANE_SUSPENDED, "Up/Down", "select a breakpoint or request" },
    { TUI_PANE_OUTPUT, "Up/Down PgUp/PgDn Home/End", "scroll (End: follow)" },
    { TUI_PANE_OUTPUT, "w", "wrap long lines, or cut them (the default "
      "wraps)" },
    { TUI_PANE_OUTPUT, "Left/Right", "not wrapping: scroll sideways" },
    { TUI_SCOPE_ANY, "other text keys", "in a pane without a use for them: "
      "go to the command line and type" },
};
const size_t tui_npane_keys = sizeof(tui_pane_keys) / sizeof(tui_pane_keys[0]);

const struct tui_binding *tui_binding_find(int pane, int key)
{
    const struct tui_binding *any = NULL;

    for (size_t i = 0; i < tui_nbindings; i++) {
        if (tui_bindings[i].key != key)
            continue;
        if (tui_bindings[i].scope == pane)
            return &tui_bindings[i];
        if (tui_bindings[i].scope == TUI_SCOPE_ANY && any == NULL)
            any = &tui_bindings[i];
    }
    return any;
}
