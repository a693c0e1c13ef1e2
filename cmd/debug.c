/*
 * debug.c — the blkdebug breakpoint commands: "break", "remove_break",
 * "resume" and "wait_break".
 *
 * They go through the session's cmd_debug_ops, which the device may or may
 * not back with a blkdebug node.  Without one every hook answers -ENOTSUP,
 * and "wait_break" waits for ever, exactly as qemu-io does.
 * cmd_debug_blkdebug is the set that reaches the backend's blkdebug node;
 * the notes it sends back (a request parked or resumed) print qemu-io's
 * "blkdebug: ..." lines.
 */
#include <errno.h>
#include <string.h>

#include "cmd/entries.h"
#include "cmd/out.h"

static int break_exec(struct cmd_state *st, int argc, char **argv);
static int remove_break_exec(struct cmd_state *st, int argc, char **argv);
static int resume_exec(struct cmd_state *st, int argc, char **argv);
static int wait_break_exec(struct cmd_state *st, int argc, char **argv);
static bool debug_is_suspended(struct bk_dev *dev, const char *tag);

const struct cmd_debug_ops cmd_debug_blkdebug = {
    .set_break = bk_dev_break,
    .remove_break = bk_dev_remove_break,
    .resume = bk_dev_resume,
    .is_suspended = debug_is_suspended,
};

const struct cmd_entry cmd_break_entry = {
    .name = "break",
    .exec = break_exec,
    .argmin = 2,
    .argmax = 2,
    .flags = CMD_F_CONTROL,
    .args = "event tag",
    .oneline = "sets a breakpoint on event and tags the stopped request as tag",
    .words = { CMD_WORD_EVENT, CMD_WORD_TAG },
};

const struct cmd_entry cmd_remove_break_entry = {
    .name = "remove_break",
    .exec = remove_break_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CMD_F_CONTROL,
    .args = "tag",
    .oneline = "remove a breakpoint by tag",
    .words = { CMD_WORD_TAG },
};

const struct cmd_entry cmd_resume_entry = {
    .name = "resume",
    .exec = resume_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CMD_F_CONTROL,
    .args = "tag",
    .oneline = "resumes the request tagged as tag",
    .words = { CMD_WORD_TAG },
};

const struct cmd_entry cmd_wait_break_entry = {
    .name = "wait_break",
    .exec = wait_break_exec,
    .argmin = 1,
    .argmax = 1,
    .args = "tag",
    .oneline = "waits for the suspension of a request",
    .words = { CMD_WORD_TAG },
};

static int break_exec(struct cmd_state *st, int argc, char **argv)
{
    int ret = -ENOTSUP;

    (void)argc;
    if (st->debug != NULL && st->debug->set_break != NULL)
        ret = st->debug->set_break(st->dev, argv[1], argv[2]);
    if (ret < 0)
        out_printf(st->out, "Could not set breakpoint: %s\n", strerror(-ret));
    return ret;
}

static int remove_break_exec(struct cmd_state *st, int argc, char **argv)
{
    int ret = -ENOTSUP;

    (void)argc;
    if (st->debug != NULL && st->debug->remove_break != NULL)
        ret = st->debug->remove_break(st->dev, argv[1]);
    if (ret < 0)
        out_printf(st->out, "Could not remove breakpoint %s: %s\n", argv[1],
                   strerror(-ret));
    return ret;
}

static int resume_exec(struct cmd_state *st, int argc, char **argv)
{
    int ret = -ENOTSUP;

    (void)argc;
    if (st->debug != NULL && st->debug->resume != NULL)
        ret = st->debug->resume(st->dev, argv[1]);
    if (ret < 0)
        out_printf(st->out, "Could not resume request: %s\n", strerror(-ret));
    return ret;
}

static int wait_break_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    while (st->debug == NULL || st->debug->is_suspended == NULL ||
           !st->debug->is_suspended(st->dev, argv[1]))
        bk_loop_iterate(st->loop, -1);
    return 0;
}

static bool debug_is_suspended(struct bk_dev *dev, const char *tag)
{
    return bk_dev_is_suspended(dev, tag);
}

void cmd_debug_note(struct bk_dev *dev, enum bk_debug_note note,
                    const char *tag, const struct bk_req *req, void *arg)
{
    struct cmd_state *st = arg;

    (void)dev;
    (void)req;
    if (note == BK_NOTE_SUSPENDED)
        out_printf(st->out, "blkdebug: Suspended request '%s'\n", tag);
    else
        out_printf(st->out, "blkdebug: Resuming request '%s'\n", tag);
}
