/*
 * dispatch.c — from a command line to a handler: lookup, preconditions,
 * arity, in that order, with qemu-io's texts for each refusal.
 *
 * Lookup is exact (scripts never match prefixes): the command table first,
 * then the session's front-end table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/cmd.h"
#include "cmd/out.h"

static int dispatch_check(struct cmd_state *st, const struct cmd_entry *e,
                          int argc, char **argv);

static const struct cmd_entry *dispatch_find_in(
    const struct cmd_entry *const *table, const char *name)
{
    for (const struct cmd_entry *const *e = table; *e != NULL; e++) {
        if (strcmp((*e)->name, name) == 0)
            return *e;
        if ((*e)->altname != NULL && strcmp((*e)->altname, name) == 0)
            return *e;
    }
    return NULL;
}

const struct cmd_entry *cmd_find(const struct cmd_state *st,
                                 const char *name)
{
    const struct cmd_entry *e = dispatch_find_in(cmd_table, name);

    if (e == NULL && st != NULL && st->frontend_table != NULL)
        e = dispatch_find_in(st->frontend_table, name);
    return e;
}

void cmd_for_each(const struct cmd_state *st,
                  void (*fn)(const struct cmd_entry *e, void *arg),
                  void *arg)
{
    for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
        fn(*e, arg);
    if (st == NULL || st->frontend_table == NULL)
        return;
    for (const struct cmd_entry *const *e = st->frontend_table; *e != NULL;
         e++)
        fn(*e, arg);
}

unsigned cmd_line_flags(const struct cmd_state *st, const char *line,
                        const struct cmd_entry **ep)
{
    const struct cmd_entry *e = NULL;
    unsigned flags = 0;
    int argc;
    char **argv = argv_split(line, &argc);

    if (argc > 0)
        e = cmd_find(st, argv[0]);
    if (e != NULL) {
        flags = e->flags;
        if (e->flags_for != NULL)
            flags |= e->flags_for(argc, argv);
    }
    free(argv);
    if (ep != NULL)
        *ep = e;
    return flags;
}

int cmd_usage(struct out *o, const struct cmd_entry *e)
{
    out_printf(o, "%s %s -- %s\n", e->name,
               e->args != NULL ? e->args : "", e->oneline);
    return -EINVAL;
}

static int dispatch_check(struct cmd_state *st, const struct cmd_entry *e,
                          int argc, char **argv)
{
    int n = argc - 1;

    if (!(e->flags & (CMD_F_GLOBAL | CMD_F_NOFILE_OK)) && st->dev == NULL) {
        out_eprintf(st->out, "no file open, try 'help open'\n");
        return -EINVAL;
    }
    if (n < e->argmin || (e->argmax != -1 && n > e->argmax &&
                          !(e->flags & CMD_F_MORE_ARGS))) {
        if (e->argmax == -1)
            out_eprintf(st->out, "bad argument count %d to %s, expected at "
                        "least %d arguments\n", n, argv[0], e->argmin);
        else if (e->argmin == e->argmax)
            out_eprintf(st->out, "bad argument count %d to %s, expected %d "
                        "arguments\n", n, argv[0], e->argmin);
        else
            out_eprintf(st->out, "bad argument count %d to %s, expected "
                        "between %d and %d arguments\n", n, argv[0],
                        e->argmin, e->argmax);
        return -EINVAL;
    }
    /* qemu-io asks for the write permission before parsing anything. */
    if ((e->flags & CMD_F_WRITE) && st->dev != NULL) {
        char *why = NULL;
        int ret = bk_dev_want_write(st->dev, &why);

        if (ret < 0) {
            out_error(st->out, "%s", why);
            free(why);
            return ret;
        }
    }
    return 0;
}

int cmd_execute(struct cmd_state *st, const char *line)
{
    const struct cmd_entry *e;
    char **argv;
    int argc, ret = 0;

    argv = argv_split(line, &argc);
    if (argc == 0) {
        free(argv);
        return 0;
    }
    e = cmd_find(st, argv[0]);
    if (e == NULL) {
        out_eprintf(st->out, "command \"%s\" not found\n", argv[0]);
        ret = -EINVAL;
    } else {
        unsigned flags = e->flags;

        if (e->flags_for != NULL)
            flags |= e->flags_for(argc, argv);
        /* Sessions sharing the image take turns with open and close. */
        cmd_group_enter(st, flags);
        cmd_group_started(st, line);
        ret = dispatch_check(st, e, argc, argv);
        if (ret == 0)
            ret = e->exec(st, argc, argv);
        cmd_group_exit(st, flags);
    }
    free(argv);
    cmd_group_ran(st, line, ret);
    return ret;
}
