/*
 * help.c — "help" and "help CMD".  The listing is qemu-io's byte for byte,
 * so blkmon's own commands (CMD_F_EXTRA) stay out of it; "help extents"
 * still answers.
 */
#include <errno.h>

#include "cmd/entries.h"
#include "cmd/out.h"

static void help_oneline(const char *word, const struct cmd_entry *e);
static int help_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .altname = "?",
    .exec = help_exec,
    .argmin = 0,
    .argmax = 1,
    .flags = CMD_F_GLOBAL,
    .args = "[command]",
    .oneline = "help for one or all commands",
};

/* A command is listed under the word the user asked about. */
static void help_oneline(const char *word, const struct cmd_entry *e)
{
    out_printf("%s ", word);
    if (e->args != NULL)
        out_printf("%s ", e->args);
    out_printf("-- %s\n", e->oneline);
}

static int help_exec(struct cmd_state *st, int argc, char **argv)
{
    const struct cmd_entry *e;

    (void)st;
    if (argc == 1) {
        for (const struct cmd_entry *const *t = cmd_table; *t != NULL; t++)
            if (!((*t)->flags & CMD_F_EXTRA))
                help_oneline((*t)->name, *t);
        out_printf("\nUse 'help commandname' for extended help.\n");
        return 0;
    }
    e = cmd_find(argv[1]);
    if (e == NULL) {
        out_printf("command %s not found\n", argv[1]);
        return -EINVAL;
    }
    help_oneline(argv[1], e);
    if (e->help != NULL)
        out_printf("%s", e->help);
    return 0;
}
