/*
 * history.h — command-line history: recall with Up/Down, kept across runs.
 *
 * Entries are numbered oldest first.  At most max are kept; adding past that
 * drops the oldest.  An empty or blank line is never added, nor a line equal
 * to the newest entry (consecutive duplicates collapse, like bash's
 * ignoredups).
 *
 * Browsing: the line being typed is a virtual entry below the newest.  Up
 * shows the next older entry, Down the next newer, down to the typed line.
 * Leaving an entry stores what the user made of it, so edits to a recalled
 * line survive moving away and back, as in readline; adding a line (Enter)
 * ends browsing and forgets those edits, so the stored history never
 * changes behind the user's back.
 *
 * File: one entry per line, oldest first, UTF-8, no escaping (entries never
 * hold a newline: the line editor cannot type one).  Saving writes a
 * temporary file and renames it, so a crash never leaves half a history.
 */
#ifndef BLKMON_TUI_HISTORY_H
#define BLKMON_TUI_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#define TUI_HISTORY_DEFAULT_MAX 1000

struct tui_history;

/* max 0: TUI_HISTORY_DEFAULT_MAX. */
struct tui_history *tui_history_new(size_t max);
void tui_history_free(struct tui_history *h);

size_t tui_history_count(const struct tui_history *h);
/* Entry i, 0 the oldest; NULL past the end. */
const char *tui_history_get(const struct tui_history *h, size_t i);

/* Add line (accepting it ends browsing); false when skipped or no memory. */
bool tui_history_add(struct tui_history *h, const char *line);

/*
 * Move up (older) or down (newer); current is the editor's text, stored
 * for the entry being left.  Returns the text to put in the editor, or NULL
 * when there is nothing further that way (the editor keeps its text).
 */
const char *tui_history_prev(struct tui_history *h, const char *current);
const char *tui_history_next(struct tui_history *h, const char *current);
/* Stop browsing and forget edits (Ctrl-C, Esc). */
void tui_history_reset(struct tui_history *h);
/* True while a stored entry (not the typed line) is shown. */
bool tui_history_browsing(const struct tui_history *h);

/*
 * Append the entries of the file at path.  A missing file is no error.
 * Returns 0 or -errno with a message in *cause.
 */
int tui_history_load(struct tui_history *h, const char *path, char **cause);
/* Write every entry, creating missing parent directories (mode 0700). */
int tui_history_save(const struct tui_history *h, const char *path,
                     char **cause);
/*
 * $XDG_STATE_HOME/blkmon/history when XDG_STATE_HOME is an absolute path,
 * else $HOME/.local/state/blkmon/history; NULL without HOME.  Allocated.
 */
char *tui_history_default_path(void);

#endif
