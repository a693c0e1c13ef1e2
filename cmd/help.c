/*
 * help.c — "help" and "help CMD".  The listing is qemu-io's byte for byte,
 * so blkmon's own commands (CMD_F_EXTRA) stay out of it; "help extents"
 * still answers.
 */
#include <errno.h>

#include "cmd/entries.h"
#include "cmd/out.h"

static void help_oneline(struct out *o, const char *word,
                         const struct cmd_entry *e);
static int help_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .altname = "?",
    .exec = help_exec,
    .argmin = 0,
    .argmax = 1,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL,
    .args = "[command]",
    .oneline = "help for one or all commands",
    .words = { CMD_WORD_COMMAND },
};

/* A command is listed under the word the user asked about. */
static void help_oneline(struct out *o, const char *word,
                         const struct cmd_entry *e)
{
    out_printf(o, "%s ", word);
    if (e->args != NULL)
        out_printf(o, "%s ", e->args);
    out_printf(o, "-- %s\n", e->oneline);
}

static int help_exec(struct cmd_state *st, int argc, char **argv)
{
    const struct cmd_entry *e;

    if (argc == 1) {
        for (const struct cmd_entry *const *t = cmd_table; *t != NULL; t++)
            if (!((*t)->flags & CMD_F_EXTRA))
                help_oneline(st->out, (*t)->name, *t);
        out_printf(st->out, "\nUse 'help commandname' for extended help.\n");
        return 0;
    }
    e = cmd_find(st, argv[1]);
    if (e == NULL) {
        out_printf(st->out, "command %s not found\n", argv[1]);
        return -EINVAL;
    }
    help_oneline(st->out, argv[1], e);
    if (e->help != NULL)
        out_printf(st->out, "%s", e->help);
    return 0;
}
