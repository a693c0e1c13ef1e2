/*
 * bindings.h — which key runs which command.
 *
 * As in tmux, a binding is data: a key, a *scope* (one pane, or any) and a
 * command string.  The string goes through the same parser as a typed
 * line, so F5 and typing "resume-selected" are one code path, and the help
 * overlay is printed from this table.  Lookup tries the focused pane's
 * scope first, then TUI_SCOPE_ANY.
 *
 * Keys a pane interprets itself (arrows moving a selection, the command
 * line's editing keys) are not bindings: they are the pane's handler, and
 * the overlay lists them from tui_pane_keys.
 */
#ifndef BLKMON_TUI_BINDINGS_H
#define BLKMON_TUI_BINDINGS_H

#include <stddef.h>

#define TUI_SCOPE_ANY (-1)

struct tui_binding {
    int scope;             /* a tui_pane, or TUI_SCOPE_ANY */
    int key;               /* a tui_key */
    const char *command;
    const char *help;
    const char *bar;       /* its word on the function-key bar, or NULL */
};

extern const struct tui_binding tui_bindings[];
extern const size_t tui_nbindings;

/* What a pane does with keys that are not bindings, for the overlay. */
struct tui_pane_key {
    int scope;
    const char *keys;      /* "Up/Down" */
    const char *help;
};
extern const struct tui_pane_key tui_pane_keys[];
extern const size_t tui_npane_keys;

/* The binding of key in pane, else the global one; NULL when unbound. */
const struct tui_binding *tui_binding_find(int pane, int key);

#endif
