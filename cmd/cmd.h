/*
 * cmd.h — the qemu-io command language, shared by headless mode and the TUI.
 *
 * A *command* is one line ("read -P 0xab 0 4k"): words split on spaces,
 * the first names an *entry* of the command table by name or altname.  An
 * entry is data (cmd_entry): arity, preconditions and classes as flags,
 * help texts, the kinds of word its operands are (for completion) and the
 * handler.  cmd_execute() does lookup, the preconditions and arity;
 * handlers parse their options and do the work.  A front end may add its
 * own table (the TUI's "focus", "zoom"...), looked up after qemu-io's, so
 * that its key bindings, completion and help go through the same entries.
 *
 * The *session* (cmd_state) is what commands act on: the loop, the open
 * device (or none), where output goes, who its requests say issued them,
 * and the switches the command line set.  A process may hold several
 * sessions (a TUI, a control socket's clients); nothing a command keeps
 * lives outside its session.  Every handler runs on the loop thread and
 * prints only through out.h, to its session's output.
 *
 * A command's result is 0 or a negative errno; headless mode exits 1 when
 * any command failed, as qemu-io does.
 */
#ifndef BLKMON_CMD_H
#define BLKMON_CMD_H

#include <stdbool.h>

#include "backend/backend.h"

struct out;
struct cmd_bench;
struct cmd_group;
struct export_set;

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
/* A bk_debug_fn printing qemu-io's "blkdebug: Suspended request 'A'";
 * arg is the session. */
/* Print a driver's message on stderr, as qemu-io does. */
void cmd_message_note(struct bk_dev *dev, enum bk_message_kind kind,
                      const char *text, void *arg);
void cmd_debug_note(struct bk_dev *dev, enum bk_debug_note note,
                    const char *tag, const struct bk_req *req, void *arg);

struct cmd_entry;

struct cmd_state {
    struct bk_loop *loop;
    struct bk_dev *dev;          /* NULL: no file open */
    struct out *out;             /* where its commands write; NULL: stdio */
    struct bk_source source;     /* carried by every request it issues */
    bool quit;                   /* set by "quit": stop reading commands */
    bool misalign;               /* -m: buffers start 16 bytes off */
    bool image_opts;             /* --image-opts: "open" takes an opt string */
    const struct cmd_debug_ops *debug;   /* may be NULL */
    struct bk_observer debug_observer;   /* on dev: prints blkdebug's lines */

    /* A front end's own commands (NULL-terminated, or NULL) and the state
     * their handlers reach (the TUI's struct tui). */
    const struct cmd_entry *const *frontend_table;
    void *frontend;

    /* Background bench runs (bench-cmd.c); NULL: runs are foreground. */
    struct cmd_bench *bench;
    /* The foreground run while its "bench" command waits, or NULL: so
     * that "bench -k" (of this session, or --all) can stop it and a TUI
     * show it. */
    struct bench_job *bench_fg;
    /* aio commands submitted whose report is not printed yet: the
     * completion of a big read checks its pattern off the loop thread,
     * and aio_flush waits for that too. */
    unsigned aio_pending;
    bool fault_log;              /* print a line per injected fault */
    bool seed_shown;             /* the random seed was printed */
    /* The exports serving the image to other programs (export/); may be
     * shared by every session of the process. */
    struct export_set *exports;
    /* The sessions sharing this one's image (group.c); NULL: alone. */
    struct cmd_group *group;
    struct cmd_state *group_next;
    /*
     * A command that waits (sleep, wait_break) says so here while it waits,
     * and gives up when cancel is set: a front end's Ctrl-C, or
     * remove_break of the tag wait_break waits for (which no headless
     * script can do while it waits: headless waits as qemu-io does).
     */
    const char *waiting;         /* the waiting command's name, or NULL */
    const char *waiting_tag;     /* wait_break's tag, or NULL */
    bool cancel;
};

/*
 * A front end's Ctrl-C (the TUI's, a control client's "cancel"): the
 * session's command that waits (sleep, wait_break) gives up, a foreground
 * bench stops (and reports).  running is
 * its line (NULL: none runs).  0, -ENOENT when none runs, -EBUSY when it
 * waits for its own request, which only a resume frees; what to tell the
 * user, one line without a newline, into msg either way.
 */
int cmd_cancel(struct cmd_state *st, const char *running, char *msg,
               size_t size);

/* A session on loop with no image: output to stdio, requests from the
 * "command line", the blkdebug hooks. */
void cmd_state_init(struct cmd_state *st, struct bk_loop *loop);
/* Stop what runs in the background, close the image (draining it). */
void cmd_state_fini(struct cmd_state *st);

/* A bk_fault_fn: the fault's line when the session logs faults, and the
 * end of the session after a power cut that asks for it. */
void cmd_fault_note(struct bk_dev *dev, const struct bk_fault *fault,
                    void *arg);
/* The line for a fault, without a newline ("blkmon: injected EIO into
 * write 4096+512 by rule 3"). */
void cmd_fault_format(const struct bk_fault *fault, char *buf, size_t len);
/* Print the random seed once, if the image's rules draw random numbers. */
void cmd_show_seed(struct cmd_state *st);

enum {
    CMD_F_NOFILE_OK = 1 << 0,  /* runs without an open image */
    CMD_F_GLOBAL    = 1 << 1,  /* runs anywhere (help, quit) */
    CMD_F_WRITE     = 1 << 2,  /* needs a writable image */
    CMD_F_EXTRA     = 1 << 3,  /* blkmon's own: left out of "help" listing */
    /*
     * Touches only control state (breakpoints, rules, the blkdebug state,
     * a background run, the front end's view) and never waits for I/O: a
     * front end runs it at once, even while another command waits (the
     * TUI does, so that "resume" can free a parked write).  Commands that
     * wait (wait_break, sleep) or touch the image keep qemu-io's order.
     */
    CMD_F_CONTROL   = 1 << 4,
    CMD_F_MORE_ARGS = 1 << 5,  /* blkmon's longer forms: past argmax, the
                                  handler decides (and words the count) */
    /*
     * Changes which image is open (open, close): in a group of sessions it
     * waits until no other command of the group runs, and holds them back
     * while it runs (see cmd_group).
     */
    CMD_F_IMAGE     = 1 << 6,
};

/* What a command's operand names, for completion. */
enum cmd_word {
    CMD_WORD_NONE,       /* nothing to offer (numbers, file names...) */
    CMD_WORD_COMMAND,    /* a command name */
    CMD_WORD_EVENT,      /* a blkdebug event name */
    CMD_WORD_TAG,        /* a breakpoint or suspended request's tag */
};
#define CMD_WORDS 2

struct cmd_entry {
    const char *name;
    const char *altname;
    int (*exec)(struct cmd_state *st, int argc, char **argv);
    int argmin;
    int argmax;                  /* -1: no limit */
    unsigned flags;
    /* Flags only some invocations have ("bench -k" is control, "bench"
     * is not), from the words; NULL: none.  Prints nothing. */
    unsigned (*flags_for)(int argc, char **argv);
    const char *args;            /* synopsis of the arguments, or NULL */
    const char *oneline;
    const char *help;            /* the long help text, or NULL */
    enum cmd_word words[CMD_WORDS];   /* its first operands' kinds */
};

/* qemu-io's table and blkmon's additions, sorted by name, ended by NULL. */
extern const struct cmd_entry *const cmd_table[];

/* Run one command line; returns 0 or -errno (the message is printed). */
int cmd_execute(struct cmd_state *st, const char *line);
/* Exact name or altname in the command table, then in the session's
 * front-end table (st may be NULL); NULL when unknown. */
const struct cmd_entry *cmd_find(const struct cmd_state *st,
                                 const char *name);
/* Every entry the session knows, the command table's first. */
void cmd_for_each(const struct cmd_state *st,
                  void (*fn)(const struct cmd_entry *e, void *arg),
                  void *arg);
/*
 * The flags of line's command as these words invoke it (its entry's and
 * flags_for's); 0 for a blank line or an unknown command.  *ep (may be
 * NULL) gets the entry or NULL.
 */
unsigned cmd_line_flags(const struct cmd_state *st, const char *line,
                        const struct cmd_entry **ep);
/* Print "name args -- oneline" (the usage line) and return -EINVAL. */
int cmd_usage(struct out *o, const struct cmd_entry *e);

/*
 * A *group* is the sessions of one process that share one image: the
 * command line's (or the TUI's), which *owns* it (its output gets
 * blkdebug's lines), and a control socket's clients.  Any of them may run
 * commands at the same time — waiting ones on fibers — and all act on the
 * one image.  So that no command ever finds the image gone from under it,
 * a command that changes it (CMD_F_IMAGE: open, close) waits until no
 * other command of the group runs and holds new ones back while it runs;
 * control commands never wait (they do not touch what an open or close
 * replaces).  Then every session of the group has the new image, the
 * owner's observer prints blkdebug's lines for it, and the group's
 * watchers are told.  Closing stops every session's background run and
 * waits for every session's aio reports.
 */
typedef void cmd_image_fn(struct cmd_group *g, struct bk_dev *dev,
                          void *arg);
/* A group owned by owner (which joins it); aborts when out of memory. */
struct cmd_group *cmd_group_new(struct cmd_state *owner);
/* Every other session must have left; the owner leaves. */
void cmd_group_free(struct cmd_group *g);
/* st (initialised, no image of its own) joins: it gets the image. */
void cmd_group_join(struct cmd_group *g, struct cmd_state *st);
void cmd_group_leave(struct cmd_state *st);
struct cmd_state *cmd_group_owner(const struct cmd_group *g);
/* A command of a session of the group (control ones too) starts (it
 * passed the gate and its handler runs next), or ran (with its result). */
typedef void cmd_start_fn(struct cmd_state *st, const char *line, void *arg);
typedef void cmd_ran_fn(struct cmd_state *st, const char *line, int ret,
                        void *arg);
/* Call image(arg) each time the group's image changes, start(arg) and
 * ran(arg) around every command (any may be NULL; any number of
 * watchers). */
void cmd_group_watch(struct cmd_group *g, cmd_image_fn *image,
                     cmd_start_fn *start, cmd_ran_fn *ran, void *arg);
void cmd_group_unwatch(struct cmd_group *g, void *arg);
/*
 * Call fn(arg) when a session closes the image for good — outside a
 * close command: the front end is ending — before the close waits for
 * every other session's command to end (fn is to make them).  One; fn
 * NULL removes it.
 */
void cmd_group_on_close(struct cmd_group *g, void (*fn)(void *arg),
                        void *arg);
/* Commands (not control ones) running now in the group's sessions. */
unsigned cmd_group_running(const struct cmd_group *g);
/* The session running a CMD_F_IMAGE command now, or NULL. */
const struct cmd_state *cmd_group_exclusive(const struct cmd_group *g);
/* Visit every session of the group, the owner first. */
void cmd_group_for_each(struct cmd_group *g,
                        void (*fn)(struct cmd_state *st, void *arg),
                        void *arg);
/* The group's recording (record.c), or NULL; one at a time.  The group
 * ends it when it is freed. */
struct cmd_record;
struct cmd_record *cmd_group_record(const struct cmd_group *g);
void cmd_group_set_record(struct cmd_group *g, struct cmd_record *r);
void cmd_record_end(struct cmd_group *g);

/* For dispatch.c: wait at the gate and count the command; then uncount
 * it. */
void cmd_group_enter(struct cmd_state *st, unsigned flags);
void cmd_group_exit(struct cmd_state *st, unsigned flags);
/* For dispatch.c: tell the watchers a command starts, or ran. */
void cmd_group_started(struct cmd_state *st, const char *line);
void cmd_group_ran(struct cmd_state *st, const char *line, int ret);
/* For open.c: st's image changed: every member gets it (alone: nothing
 * to do).  Before a close, every member's background run is stopped;
 * after it, every member's aio reports are waited for. */
void cmd_group_publish(struct cmd_state *st);
void cmd_group_closing(struct cmd_state *st);
void cmd_group_closed(struct cmd_state *st);

/* Open an image for the session (the command line and "open" share it).
 * opts is consumed.  Returns 0 or -errno, message printed. */
int cmd_open_image(struct cmd_state *st, const char *name,
                   struct bk_opts *opts, unsigned flags, bool force_share);
/* Merge "k=v,k2=v2" into opts as qemu-io's option lists do (bare keys
 * warn).  Returns 0, or -EINVAL with the complaint printed to o. */
int cmd_parse_opts(struct out *o, struct bk_opts *opts, const char *text,
                   const char *implied);
/* End the exports (drained), wait for every aio request of the session,
 * then close the image. */
void cmd_close_image(struct cmd_state *st);

#endif
