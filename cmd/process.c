/*
 * process.c — commands about the process rather than the image: "sleep",
 * "sigraise" and "abort".  None needs an open image.
 */
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cmd/entries.h"
#include "cmd/number.h"
#include "cmd/out.h"

static int sleep_exec(struct cmd_state *st, int argc, char **argv);
static int sigraise_exec(struct cmd_state *st, int argc, char **argv);
static int abort_exec(struct cmd_state *st, int argc, char **argv);
static long sleep_expired(struct bk_loop *loop, void *arg);

const struct cmd_entry cmd_sleep_entry = {
    .name = "sleep",
    .exec = sleep_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CMD_F_NOFILE_OK,
    .oneline = "waits for the given value in milliseconds",
};

const struct cmd_entry cmd_sigraise_entry = {
    .name = "sigraise",
    .exec = sigraise_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CMD_F_NOFILE_OK,
    .args = "signal",
    .oneline = "raises a signal",
    .help =
        "\n"
        " raises the given signal\n"
        "\n"
        " Example:\n"
        " 'sigraise 15' - raises SIGTERM\n"
        "\n"
        " Invokes raise(signal), where \"signal\" is the mandatory integer argument\n"
        " given to sigraise.\n"
        "\n",
};

const struct cmd_entry cmd_abort_entry = {
    .name = "abort",
    .exec = abort_exec,
    .flags = CMD_F_NOFILE_OK,
    .oneline = "simulate a program crash using abort(3)",
};

static long sleep_expired(struct bk_loop *loop, void *arg)
{
    (void)loop;
    *(bool *)arg = true;
    return -1;
}

/* The loop keeps running while we sleep: aio completions still report. */
static int sleep_exec(struct cmd_state *st, int argc, char **argv)
{
    const char *was;
    bool expired = false;
    char *end;
    long ms;
    int timer;

    (void)argc;
    errno = 0;
    ms = strtol(argv[1], &end, 0);
    if (ms < 0 || *end != '\0') {
        out_printf(st->out, "%s is not a valid number\n", argv[1]);
        return -EINVAL;
    }
    /* qemu's deadline in nanoseconds overflows into the past for values
     * this large, and it returns at once: so do we. */
    if (ms > (INT64_MAX - bk_now_ns()) / 1000000)
        return 0;
    timer = bk_loop_add_timer(st->loop, ms, sleep_expired, &expired);
    if (timer <= 0)
        return -ENOMEM;
    /* A session being ended (quit elsewhere, its client gone) stops
     * sleeping, as a front end's cancel does: the timer must not outlive
     * the flag it sets. */
    was = st->waiting;
    st->waiting = argv[0];
    st->cancel = false;
    while (!expired && !st->quit && !st->cancel)
        bk_loop_iterate(st->loop, -1);
    st->waiting = was;
    if (!expired)
        bk_loop_del_timer(st->loop, timer);
    if (st->cancel) {
        st->cancel = false;
        out_printf(st->out, "sleep: cancelled\n");
        return -ECANCELED;
    }
    return 0;
}

static int sigraise_exec(struct cmd_state *st, int argc, char **argv)
{
    int64_t sig;

    (void)st;
    (void)argc;
    if (num_size_arg(st->out, argv[1], &sig) < 0)
        return -EINVAL;
    if (sig > NSIG) {
        out_printf(st->out, "signal argument '%s' is too large to be a valid "
                   "signal\n", argv[1]);
        return -EINVAL;
    }
    /* raise() does not flush stdio; what was printed must get out. */
    out_flush(st->out);
    raise((int)sig);
    return 0;
}

/* Deliberately no flush: buffered output is lost, as in a crash. */
static int abort_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)st;
    (void)argc;
    (void)argv;
    out_discard(st->out);
    abort();
}
