/*
 * faults-cmd.c — blkmon's "powercut" and "seed" commands.
 *
 * powercut cuts the power of the image's volatile write cache (a
 * write-cache or powercut rule turns one on): every write no completed
 * flush covered is lost, and the image file is left as the crash leaves
 * it.  Then blkmon goes on against that image, or exits (-x) so that
 * whatever runs next checks recovery.
 *
 * seed prints the seed random rules draw from (blkmon --seed N replays
 * a run).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/out.h"
#include "rules/rules.h"

static int powercut_exec(struct cmd_state *st, int argc, char **argv);
static int seed_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_powercut_entry = {
    .name = "powercut",
    .exec = powercut_exec,
    .argmin = 0,
    .argmax = 3,
    .flags = CMD_F_EXTRA,
    .args = "[-k keep] [-x]",
    .oneline = "cuts the power: writes no flush covered are lost",
    .help =
        "\n"
        " cuts the power of the image's volatile write cache: every write\n"
        " that no completed flush covered is lost, as a disk's cache loses\n"
        " it, and the image file is left as the crash leaves it\n"
        "\n"
        " Example:\n"
        " 'rule add write-cache' then 'write -P 1 0 4k', 'flush',\n"
        " 'write -P 2 0 4k', 'powercut' - the image holds the 1s\n"
        " 'powercut -k 50%' - each lost 512-byte sector is written after all\n"
        "                     with chance 1/2 (seeded: see 'seed')\n"
        " 'powercut -x' - then exit, as the machine would\n"
        "\n"
        " The image needs a blkdebug node with a write-cache (or powercut)\n"
        " rule: without a volatile cache there is nothing to lose.\n"
        " -k, -- share of the lost sectors kept anyway: 0 to 1, or a\n"
        "        percentage (0)\n"
        " -x, -- exit after the cut (the image keeps its crash state)\n"
        "\n",
};

const struct cmd_entry cmd_seed_entry = {
    .name = "seed",
    .exec = seed_exec,
    .argmin = 0,
    .argmax = 0,
    .flags = CMD_F_EXTRA | CMD_F_NOFILE_OK | CMD_F_CONTROL,
    .oneline = "shows the seed of random faults",
    .help =
        "\n"
        " shows the seed every random rule draws from (probability,\n"
        " latency ranges, bit flips, torn writes, powercut -k); blkmon\n"
        " --seed N runs with seed N, so that a run can be replayed\n"
        "\n",
};

static int powercut_exec(struct cmd_state *st, int argc, char **argv)
{
    struct argv_opts o;
    struct bk_fault res;
    double keep = 0;
    bool exit_after = false;
    int c, ret;

    argv_opts_init(&o, st->out, argc, argv, "k:x");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'k':
            if (rules_parse_fraction(o.optarg, &keep) < 0) {
                out_printf(st->out, "powercut: '%s' is no share: 0 to 1, or a "
                           "percentage\n", o.optarg);
                return -EINVAL;
            }
            break;
        case 'x':
            exit_after = true;
            break;
        default:
            return cmd_usage(st->out, &cmd_powercut_entry);
        }
    }
    if (o.optind != argc)
        return cmd_usage(st->out, &cmd_powercut_entry);
    if (bk_dev_rules(st->dev) == NULL) {
        out_printf(st->out, "powercut: the image has no blkdebug node "
                   "(open it as blkdebug:CONFIG:IMAGE)\n");
        return -ENOTSUP;
    }
    if (keep > 0 && keep < 1 && !st->seed_shown) {
        st->seed_shown = true;
        out_printf(st->out, "%s: seed %" PRIu64 "\n", out_progname(),
                   rules_seed());
    }
    ret = bk_dev_powercut(st->dev, keep, exit_after, &res);
    if (ret == -ENOTSUP) {
        out_printf(st->out, "powercut: the image has no write cache: "
                   "nothing can be lost (add one with 'rule add "
                   "write-cache')\n");
        return ret;
    }
    if (ret < 0) {
        out_printf(st->out, "powercut: the power is already off\n");
        return ret;
    }
    out_printf(st->out, "powercut: %" PRIu64 " write%s not flushed, %" PRIu64
               " sector%s lost, %" PRIu64 " kept\n", res.writes,
               res.writes == 1 ? "" : "s", res.amount,
               res.amount == 1 ? "" : "s", res.kept);
    return 0;
}

static int seed_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    st->seed_shown = true;
    out_printf(st->out, "seed %" PRIu64 "\n", rules_seed());
    return 0;
}
