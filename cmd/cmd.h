/*
 * cmd.h — the qemu-io command language, shared by headless mode and the TUI.
 *
 * A *command* is one line ("read -P 0xab 0 4k"): words split on spaces,
 * the first names an *entry* of the command table by name or altname.  An
 * entry is data (cmd_entry): arity, preconditions as flags, help texts and
 * the handler.  cmd_execute() does lookup, the preconditions and arity;
 * handlers parse their options and do the work.
 *
 * The *session* (cmd_state) is what commands act on: the loop, the open
 * device (or none), and the switches the command line set.  Every handler
 * runs on the loop thread and prints only through out.h.
 *
 * A command's result is 0 or a negative errno; headless mode exits 1 when
 * any command failed, as qemu-io does.
 */
#ifndef BLKMON_CMD_H
#define BLKMON_CMD_H

#include <stdbool.h>

#include "backend/backend.h"

/*
 * The blkdebug seam: breakpoints live in a filter node the device may or
 * may not have.  Each returns 0 or -errno; -ENOTSUP when the device has no
 * such node.  A session without hooks answers as qemu-io does for an image
 * without blkdebug.
 */
struct cmd_debug_ops {
    int (*set_break)(struct bk_dev *dev, const char *event, const char *tag);
    int (*remove_break)(struct bk_dev *dev, const char *tag);
    int (*resume)(struct bk_dev *dev, const char *tag);
    bool (*is_suspended)(struct bk_dev *dev, const char *tag);
};

/* The hooks that reach the backend's blkdebug node (bk_dev_break, ...). */
extern const struct cmd_debug_ops cmd_debug_blkdebug;
/* A bk_debug_fn printing qemu-io's "blkdebug: Suspended request 'A'". */
void cmd_debug_note(struct bk_dev *dev, enum bk_debug_note note,
                    const char *tag, const struct bk_req *req, void *arg);

struct cmd_state {
    struct bk_loop *loop;
    struct bk_dev *dev;          /* NULL: no file open */
    bool quit;                   /* set by "quit": stop reading commands */
    bool misalign;               /* -m: buffers start 16 bytes off */
    bool image_opts;             /* --image-opts: "open" takes an opt string */
    const struct cmd_debug_ops *debug;   /* may be NULL */
    struct bk_observer debug_observer;   /* on dev: prints blkdebug's lines */
};

enum {
    CMD_F_NOFILE_OK = 1 << 0,  /* runs without an open image */
    CMD_F_GLOBAL    = 1 << 1,  /* runs anywhere (help, quit) */
    CMD_F_WRITE     = 1 << 2,  /* needs a writable image */
    CMD_F_EXTRA     = 1 << 3,  /* blkmon's own: left out of "help" listing */
};

struct cmd_entry {
    const char *name;
    const char *altname;
    int (*exec)(struct cmd_state *st, int argc, char **argv);
    int argmin;
    int argmax;                  /* -1: no limit */
    unsigned flags;
    const char *args;            /* synopsis of the arguments, or NULL */
    const char *oneline;
    const char *help;            /* the long help text, or NULL */
};

/* The table, sorted by name and ended by NULL. */
extern const struct cmd_entry *const cmd_table[];

/* Run one command line; returns 0 or -errno (the message is printed). */
int cmd_execute(struct cmd_state *st, const char *line);
/* Exact name or altname; NULL when unknown. */
const struct cmd_entry *cmd_find(const char *name);
/* For TUI completion only (scripts never match prefixes): call fn with
 * each command name that starts with prefix, in table order. */
void cmd_complete(const char *prefix, void (*fn)(const char *name, void *arg),
                  void *arg);
/* Print "name args -- oneline" (the usage line) and return -EINVAL. */
int cmd_usage(const struct cmd_entry *e);

/* Open an image for the session (the command line and "open" share it).
 * opts is consumed.  Returns 0 or -errno, message printed. */
int cmd_open_image(struct cmd_state *st, const char *name,
                   struct bk_opts *opts, unsigned flags, bool force_share);
/* Merge "k=v,k2=v2" into opts as qemu-io's option lists do (bare keys
 * warn).  Returns 0, or -EINVAL with the complaint printed. */
int cmd_parse_opts(struct bk_opts *opts, const char *text,
                   const char *implied);
/* Wait for every aio request of the session, then close the image. */
void cmd_close_image(struct cmd_state *st);

#endif
