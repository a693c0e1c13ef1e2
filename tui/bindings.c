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
    { TUI_SCOPE_ANY, TUI_KEY_F(1), "help-keys", "show or hide this help" },
    { TUI_SCOPE_ANY, TUI_KEY_TAB, "focus-next",
      "next pane (on the command line: complete the word; "
      "on an empty line: next pane)" },
    { TUI_SCOPE_ANY, TUI_KEY_BTAB, "focus-prev", "previous pane" },
    { TUI_SCOPE_ANY, TUI_KEY_ESC, "focus cmdline", "back to the command line" },
    { TUI_SCOPE_ANY, TUI_KEY_F(5), "resume-selected",
      "resume the selected suspended request, else the oldest" },
    { TUI_SCOPE_ANY, TUI_KEY_F(6), "resume-all",
      "resume every suspended request" },
    { TUI_SCOPE_ANY, TUI_KEY_F(8), "bench -k",
      "stop the background bench run" },
    { TUI_SCOPE_ANY, TUI_KEY_F(10), "leave",
      "quit (suspended requests are resumed and drained first); "
      "attached: detach, the run goes on" },
    { TUI_SCOPE_ANY, TUI_KEY_CTRL('L'), "redraw", "redraw the screen" },
    { TUI_PANE_SUSPENDED, TUI_KEY_ENTER, "resume-selected",
      "resume the selected request" },
    { TUI_PANE_SUSPENDED, 'r', "resume-selected",
      "resume the selected request" },
    { TUI_PANE_SUSPENDED, 'R', "resume-all", "resume all" },
    { TUI_PANE_SUSPENDED, 'd', "remove-selected-break",
      "remove the selected breakpoint (its requests resume)" },
    { TUI_PANE_ALLOC, '+', "zoom in", "zoom in around the middle" },
    { TUI_PANE_ALLOC, '=', "zoom in", "zoom in" },
    { TUI_PANE_ALLOC, '-', "zoom out", "zoom out" },
    { TUI_PANE_ALLOC, '0', "zoom whole", "show the whole image" },
    { TUI_PANE_ALLOC, 'v', "map-view toggle",
      "a format image (qcow2): guest view / host view of its file" },
    { TUI_PANE_ALLOC, TUI_KEY_LEFT, "pan -1", "pan one row towards 0" },
    { TUI_PANE_ALLOC, TUI_KEY_RIGHT, "pan 1", "pan one row towards the end" },
    { TUI_PANE_ALLOC, TUI_KEY_UP, "pan -1", "pan one row towards 0" },
    { TUI_PANE_ALLOC, TUI_KEY_DOWN, "pan 1", "pan one row towards the end" },
    { TUI_PANE_ALLOC, TUI_KEY_PGUP, "pan -page", "pan one screen back" },
    { TUI_PANE_ALLOC, TUI_KEY_PGDN, "pan page", "pan one screen on" },
};
const size_t tui_nbindings = sizeof(tui_bindings) / sizeof(tui_bindings[0]);

const struct tui_pane_key tui_pane_keys[] = {
    { TUI_PANE_CMDLINE, "Enter", "run the command (I/O commands queue "
      "behind a running one; resume/break/... run at once)" },
    { TUI_PANE_CMDLINE, "Up/Down", "history (kept across runs)" },
    { TUI_PANE_CMDLINE, "Left/Right Home/End", "move; Ctrl-A/E too" },
    { TUI_PANE_CMDLINE, "Ctrl-K/U/W/Y", "kill to end / to start / word; yank" },
    { TUI_PANE_CMDLINE, "Ctrl-C", "clear the line" },
    { TUI_PANE_CMDLINE, "PgUp/PgDn", "scroll the Output pane" },
    { TUI_PANE_REQUESTS, "Up/Down PgUp/PgDn Home/End", "scroll" },
    { TUI_PANE_SUSPENDED, "Up/Down", "select a breakpoint or request" },
    { TUI_PANE_OUTPUT, "Up/Down PgUp/PgDn Home/End", "scroll (End: follow)" },
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
