/*
 * complete.h — Tab completion on the command line.
 *
 * The *word* is the run of non-blank bytes ending at the cursor (like
 * readline, only the part before the cursor is completed).  Its *kind*
 * decides the candidates: the first word of the line is a command; later
 * words ask the caller's arg_kind(command, argi), where argi counts the
 * arguments before the word (options, words starting with '-', included);
 * by default the command entry says (cmd_entry.words).
 * The candidate sets are passed in by the caller, who owns them: command
 * names (with altnames) from the command table, blkdebug event names, and
 * the tags of armed breakpoints and suspended requests.
 *
 * The result lists the matches (sorted, unique) and the text to put in
 * place of the word: the one match followed by a space, or the longest
 * common prefix of several.  When that adds nothing and there are several
 * matches, the caller shows the list (a second Tab in bash).
 */
#ifndef BLKMON_TUI_COMPLETE_H
#define BLKMON_TUI_COMPLETE_H

#include <stddef.h>

#include "cmd/cmd.h"

struct tui_complete_sources {
    const char *const *commands;   /* each NULL-terminated; NULL: none */
    const char *const *events;
    const char *const *tags;
    /* NULL: tui_complete_qemu_io_arg_kind. */
    enum cmd_word (*arg_kind)(const char *command, int argi, void *arg);
    void *arg;
};

struct tui_completion {
    enum cmd_word kind;
    size_t start, end;             /* the word: bytes [start, end) */
    const char **matches;          /* into the sources; sorted, unique */
    size_t n;
    char *insert;                  /* replaces [start, end); NULL if n==0 */
};

/*
 * Complete the word before cursor in line.  Returns the number of matches
 * (0 included) or -ENOMEM; release out with tui_completion_fini either way.
 */
int tui_complete(const char *line, size_t cursor,
                 const struct tui_complete_sources *src,
                 struct tui_completion *out);
void tui_completion_fini(struct tui_completion *c);

/*
 * What the command table's entry for command says its argi-th operand is
 * (break EVENT TAG, remove_break TAG, resume TAG, wait_break TAG, help
 * COMMAND); CMD_WORD_NONE for others and unknown commands.
 */
enum cmd_word tui_complete_qemu_io_arg_kind(const char *command, int argi,
                                             void *arg);

#endif
