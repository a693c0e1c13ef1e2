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
 *
 * blkmon extends two of them, in forms qemu-io refuses with "bad argument
 * count" (so no qemu-io script can mean anything else by them):
 *
 *   break EVENT TAG if KEY=VALUE...   a breakpoint with conditions, the
 *                                     keys of the rule language's (start,
 *                                     end, iotype, min-length, nth...);
 *   wait_break TAG TIMEOUT_MS         fails (-ETIMEDOUT, so headless exits
 *                                     1) when nothing is suspended under
 *                                     TAG within TIMEOUT_MS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/entries.h"
#include "cmd/out.h"
#include "rules/rules.h"

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

/* Longer than qemu-io's: break_exec refuses what qemu-io refuses. */
const struct cmd_entry cmd_break_entry = {
    .name = "break",
    .exec = break_exec,
    .argmin = 2,
    .argmax = 2,
    .flags = CMD_F_CONTROL | CMD_F_MORE_ARGS,
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

/* The timeout is blkmon's; wait_break_exec words a bad count. */
const struct cmd_entry cmd_wait_break_entry = {
    .name = "wait_break",
    .exec = wait_break_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CMD_F_MORE_ARGS,
    .args = "tag",
    .oneline = "waits for the suspension of a request",
    .words = { CMD_WORD_TAG },
};

/* qemu-io's words for a count it refuses. */
static int bad_count(struct cmd_state *st, int argc, const char *name,
                     int want)
{
    out_eprintf(st->out,
                "bad argument count %d to %s, expected %d arguments\n",
                argc - 1, name, want);
    return -EINVAL;
}

/* break EVENT TAG if KEY=VALUE...: the conditions go to the engine. */
static int break_if(struct cmd_state *st, int argc, char **argv)
{
    struct rules_engine *e = st->dev ? bk_dev_rules(st->dev) : NULL;
    struct rules_kv *kv = calloc((size_t)argc, sizeof(*kv));
    char *cause = NULL;
    size_t n = 0;
    int ret = -ENOTSUP;

    if (kv == NULL)
        return -ENOMEM;
    for (int i = 4; i < argc; i++) {
        char *eq = strchr(argv[i], '=');

        if (eq == NULL || eq == argv[i]) {
            out_printf(st->out,
                       "Could not set breakpoint: '%s' is not key=value\n",
                       argv[i]);
            free(kv);
            return -EINVAL;
        }
        *eq = '\0';
        kv[n++] = (struct rules_kv){ argv[i], eq + 1 };
    }
    if (e != NULL)
        ret = rules_break_add_if(e, argv[1], argv[2], kv, n, NULL, &cause);
    if (ret < 0)
        out_printf(st->out, "Could not set breakpoint: %s\n",
                   cause != NULL ? cause : strerror(-ret));
    free(cause);
    free(kv);
    return ret;
}

static int break_exec(struct cmd_state *st, int argc, char **argv)
{
    int ret = -ENOTSUP;

    if (argc >= 5 && strcmp(argv[3], "if") == 0)
        return break_if(st, argc, argv);
    if (argc != 3)
        return bad_count(st, argc, argv[0], 2);
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
    /* A wait_break for the tag could only wait for ever now (a front end
     * runs this while it waits). */
    if (st->waiting_tag != NULL && strcmp(st->waiting_tag, argv[1]) == 0)
        st->cancel = true;
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

static bool waited_for(struct cmd_state *st, const char *tag)
{
    return st->debug != NULL && st->debug->is_suspended != NULL &&
           st->debug->is_suspended(st->dev, tag);
}

/* Iterate the loop until tag is waited for, the deadline (0: none)
 * passes, or the wait is given up: 0, -ETIMEDOUT, -ECANCELED. */
static int wait_break_loop(struct cmd_state *st, const char *tag,
                           int64_t deadline)
{
    while (!waited_for(st, tag)) {
        int64_t left = deadline - bk_now_ns();

        /* The session ends (quit elsewhere, its client gone). */
        if (st->quit)
            return -ECANCELED;
        if (st->cancel) {
            out_printf(st->out, "wait_break: stopped waiting for '%s'\n",
                       tag);
            return -ECANCELED;
        }
        if (deadline != 0 && left <= 0)
            return -ETIMEDOUT;
        bk_loop_iterate(st->loop, deadline == 0 ? -1
                                  : (int)((left + 999999) / 1000000));
    }
    return 0;
}

static int wait_break_exec(struct cmd_state *st, int argc, char **argv)
{
    const char *was = st->waiting, *was_tag = st->waiting_tag;
    unsigned long ms = 0;
    int64_t deadline = 0;
    char *end;
    int ret;

    if (argc > 3)
        return bad_count(st, argc, argv[0], 1);
    if (argc == 3) {
        ms = strtoul(argv[2], &end, 10);
        if (argv[2][0] < '0' || argv[2][0] > '9' || *end != '\0' ||
            ms > 365ul * 86400 * 1000) {
            out_printf(st->out, "wait_break: '%s' is not a timeout in "
                       "milliseconds\n", argv[2]);
            return -EINVAL;
        }
        deadline = bk_now_ns() + (int64_t)ms * 1000000;
        if (deadline == 0)
            deadline = 1;
    }
    /* Without a timeout: qemu-io's, for ever if need be. */
    st->waiting = argv[0];
    st->waiting_tag = argv[1];
    st->cancel = false;
    ret = wait_break_loop(st, argv[1], deadline);
    st->waiting = was;
    st->waiting_tag = was_tag;
    st->cancel = false;
    if (ret == -ETIMEDOUT)
        out_printf(st->out, "wait_break: no request suspended as "
                   "'%s' within %lu ms\n", argv[1], ms);
    return ret;
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

void cmd_message_note(struct bk_dev *dev, enum bk_message_kind kind,
                      const char *text, void *arg)
{
    struct cmd_state *st = arg;

    (void)dev;
    switch (kind) {
    case BK_MSG_PLAIN: out_eprintf(st->out, "%s\n", text); break;
    case BK_MSG_TEXT: out_eprintf(st->out, "%s", text); break;
    case BK_MSG_REPORT: out_error(st->out, "%s", text); break;
    case BK_MSG_WARNING: out_warn(st->out, "%s", text); break;
    case BK_MSG_FATAL:
        out_eprintf(st->out, "%s\n", text);
        /* Headless, as qemu-io: nothing more is printed, nothing is
         * closed.  A TUI keeps the screen (the request failed with EIO):
         * ending there would leave the terminal unrestored. */
        if (st->out != NULL)
            break;
        fflush(NULL);
        exit(1);
    }
}
