/*
 * faults.c — what the session says about injected faults: one line per
 * fault when asked ("rules log on", --log-faults; always in the TUI), and
 * the random seed, printed once when some rule draws random numbers so
 * that the run can be replayed with --seed.
 *
 * qemu-io prints nothing of the sort, and headless blkmon must print what
 * it prints: so the lines are off unless asked for, and the seed appears
 * only once a rule uses randomness, which no qemu-io script can ask for.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/out.h"
#include "rules/rules.h"

/* "EIO", as the C library names it. */
static const char *errno_name(int err, char *buf, size_t len)
{
    const char *name = err > 0 ? strerrorname_np(err) : NULL;

    if (name != NULL)
        return name;
    snprintf(buf, len, "errno %d", err);
    return buf;
}

static const char *op_name(enum bk_op op)
{
    return op < BK_OP__MAX ? bk_op_names[op] : "request";
}

void cmd_fault_format(const struct bk_fault *f, char *buf, size_t len)
{
    const char *prog = out_progname();
    const char *op = op_name(f->op);
    char eb[32], at[192], by[32];
    const struct bk_source *src = f->req != NULL ? f->req->source : NULL;
    long long off = (long long)f->offset, bytes = (long long)f->bytes;
    double ms = (double)f->ns / 1e6;

    snprintf(by, sizeof(by), "rule %u", f->rule);
    /* An export's client is named: which of them the fault hit matters
     * (a command's requests keep the plain words). */
    if (src != NULL && (src->kind == BK_SRC_NBD || src->kind == BK_SRC_FUSE))
        snprintf(at, sizeof(at), "%s %lld+%lld from %s", op, off, bytes,
                 src->name);
    else
        snprintf(at, sizeof(at), "%s %lld+%lld", op, off, bytes);
    switch (f->kind) {
    case BK_FAULT_ERROR:
        if (f->sector >= 0)
            snprintf(buf, len, "%s: injected %s into %s by %s (bad sector "
                     "%" PRId64 ")", prog, errno_name(-f->error, eb,
                     sizeof(eb)), at, by, f->sector);
        else
            snprintf(buf, len, "%s: injected %s into %s by %s", prog,
                     errno_name(-f->error, eb, sizeof(eb)), at, by);
        return;
    case BK_FAULT_DELAY:
        snprintf(buf, len, "%s: delayed %s for %.3f ms by %s", prog, at, ms,
                 by);
        return;
    case BK_FAULT_HANG:
        if (f->ns > 0)
            snprintf(buf, len, "%s: hung %s as '%s' for at most %.3f ms by "
                     "%s", prog, at, f->tag, ms, by);
        else
            snprintf(buf, len, "%s: hung %s as '%s' by %s", prog, at, f->tag,
                     by);
        return;
    case BK_FAULT_HANG_TIMEOUT:
        if (f->error < 0)
            snprintf(buf, len, "%s: injected %s into %s by %s (hung %.3f "
                     "ms)", prog, errno_name(-f->error, eb, sizeof(eb)), at,
                     by, ms);
        else
            snprintf(buf, len, "%s: let %s go after %.3f ms by %s", prog, at,
                     ms, by);
        return;
    case BK_FAULT_CORRUPT:
        snprintf(buf, len, "%s: corrupted %s (%" PRIu64 " bit%s) by %s",
                 prog, at, f->amount, f->amount == 1 ? "" : "s", by);
        return;
    case BK_FAULT_DROP:
        snprintf(buf, len, "%s: dropped %s by %s", prog, at, by);
        return;
    case BK_FAULT_TORN:
        snprintf(buf, len, "%s: tore %s after %" PRIu64 " bytes, reporting "
                 "%s, by %s", prog, at, f->amount,
                 f->error < 0 ? errno_name(-f->error, eb, sizeof(eb))
                              : "success", by);
        return;
    case BK_FAULT_POWERCUT: {
        char where[256] = "";

        if (f->rule != 0)
            snprintf(where, sizeof(where), " at %s by %s", at, by);
        snprintf(buf, len, "%s: power cut%s: %" PRIu64 " write%s not "
                 "flushed, %" PRIu64 " sector%s lost, %" PRIu64 " kept%s",
                 prog, where, f->writes, f->writes == 1 ? "" : "s",
                 f->amount, f->amount == 1 ? "" : "s", f->kept,
                 f->exit ? "; exiting" : "");
        return;
    }
    }
    snprintf(buf, len, "%s: fault", prog);
}

void cmd_fault_note(struct bk_dev *dev, const struct bk_fault *f, void *arg)
{
    struct cmd_state *st = arg;
    char line[512];

    (void)dev;
    if (st->fault_log) {
        cmd_fault_format(f, line, sizeof(line));
        out_printf(st->out, "%s\n", line);
    }
    /* The image is as the crash left it: nothing more may happen. */
    if (f->kind == BK_FAULT_POWERCUT && f->exit)
        st->quit = true;
}

void cmd_show_seed(struct cmd_state *st)
{
    struct rules_engine *e;

    if (st->seed_shown || st->dev == NULL ||
        (e = bk_dev_rules(st->dev)) == NULL || !rules_uses_random(e))
        return;
    st->seed_shown = true;
    out_printf(st->out, "%s: seed %" PRIu64 "\n", out_progname(),
               rules_seed());
}
