/*
 * rules-cmd.c — blkmon's own commands for the blkdebug rule engine:
 * "rules" (list, load, save, log), "rule" (add, del, enable, disable) and
 * "state".
 *
 * qemu-io has no way to look at or change blkdebug's rules once the image
 * is open; these commands do it live, on the engine of the image's
 * blkdebug node (rules/rules.h).  They are left out of the "help" listing
 * (CMD_F_EXTRA) so that listing stays qemu-io's, but "help rules" works.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/entries.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "rules/rules.h"

static int rules_exec(struct cmd_state *st, int argc, char **argv);
static int rule_exec(struct cmd_state *st, int argc, char **argv);
static int state_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_rules_entry = {
    .name = "rules",
    .exec = rules_exec,
    .argmin = 0,
    .argmax = 2,
    .flags = CMD_F_EXTRA | CMD_F_CONTROL,
    .args = "[load file | save file | log [on|off]]",
    .oneline = "lists, loads or saves the blkdebug rules",
    .help =
        "\n"
        " lists the blkdebug rules of the image with their ids, or reads or\n"
        " writes them in the blkdebug config file format\n"
        "\n"
        " Example:\n"
        " 'rules' - every rule and breakpoint: id, kind, event, options,\n"
        "           how often its event ran it, its hits (requests that met\n"
        "           its conditions) and the faults it injected\n"
        " 'rules save /tmp/now.cfg' - write the rules (blkmon's own groups,\n"
        "           [delay], [corrupt]..., only when there are any)\n"
        " 'rules load fail-flush.cfg' - replace them with the file's rules\n"
        " 'rules log on' - print a line for every fault a rule injects\n"
        "           ('blkmon: injected EIO into write 0+512 by rule 1');\n"
        "           off by default headless (--log-faults turns it on), on\n"
        "           in the TUI\n"
        "\n"
        " Breakpoints are kept by 'rules load' and not written by 'rules save'.\n"
        " The image must have a blkdebug node (blkdebug:CONFIG:IMAGE).\n"
        " The rule language is described in rules/FAULTS.md.\n"
        "\n",
};

const struct cmd_entry cmd_rule_entry = {
    .name = "rule",
    .exec = rule_exec,
    .argmin = 2,
    .argmax = -1,
    .flags = CMD_F_EXTRA | CMD_F_CONTROL,
    .args = "add group key=value... | del id | enable id | disable id",
    .oneline = "adds, deletes, enables or disables one blkdebug rule",
    .help =
        "\n"
        " adds a blkdebug rule live, with the keys of its config file group,\n"
        " or deletes, disables or enables again a rule or breakpoint by the\n"
        " id 'rules' shows\n"
        "\n"
        " Example:\n"
        " 'rule add inject-error event=write_aio errno=28 once=on'\n"
        " 'rule add set-state event=flush_to_os state=1 new_state=2'\n"
        " 'rule add delay iotype=read latency=5ms'\n"
        " 'rule add inject-error event=read_aio probability=1%'\n"
        " 'rule add corrupt iotype=read start=1M end=2M bits=1'\n"
        " 'rule add write-cache' - writes wait in a volatile cache for a\n"
        "           flush\n"
        " 'rule disable 3', 'rule enable 3', 'rule del 3'\n"
        "\n"
        " Groups: inject-error, set-state (QEMU's), delay, hang, corrupt,\n"
        " drop-writes, torn-write, bad-blocks, powercut, write-cache.\n"
        " inject-error keys: event, state, errno, sector, once, immediately,\n"
        " iotype.  set-state keys: event, state, new_state.  Every group but\n"
        " write-cache also takes the conditions iotype, start, end,\n"
        " min-length, max-length, nth, every, first, probability, up, down,\n"
        " once, state.  rules/FAULTS.md has every key.\n"
        "\n",
};

const struct cmd_entry cmd_state_entry = {
    .name = "state",
    .exec = state_exec,
    .argmin = 0,
    .argmax = 1,
    .flags = CMD_F_EXTRA | CMD_F_CONTROL,
    .args = "[n]",
    .oneline = "shows or sets the blkdebug state",
    .help =
        "\n"
        " shows the state of the blkdebug state machine, or sets it to n\n"
        " (rules with a state only act in that state; it starts at 1)\n"
        "\n",
};

/* The engine, or NULL after saying why there is none. */
static struct rules_engine *engine_of(struct cmd_state *st, const char *cmd)
{
    struct rules_engine *e = bk_dev_rules(st->dev);

    if (e == NULL)
        out_printf(st->out, "%s: the image has no blkdebug node "
                   "(open it as blkdebug:CONFIG:IMAGE)\n", cmd);
    return e;
}

static void print_rule(const struct rules_rule *r, void *arg)
{
    struct out *o = arg;
    char *text = rules_describe(r);

    out_printf(o, "%4u  %s", r->id, text ? text : "?");
    switch (r->action) {
    case RULES_INJECT_ERROR:
        out_printf(o, "  [%s, fired %llu, hits %llu, injected %llu]",
                   r->armed ? "armed" : "not armed",
                   (unsigned long long)r->fired,
                   (unsigned long long)r->matched,
                   (unsigned long long)r->injected);
        break;
    case RULES_SET_STATE:
        out_printf(o, "  [fired %llu]", (unsigned long long)r->fired);
        break;
    case RULES_SUSPEND:
    case RULES_WRITE_CACHE:
        break;
    default:
        out_printf(o, "  [hits %llu, injected %llu]",
                   (unsigned long long)r->matched,
                   (unsigned long long)r->injected);
        break;
    }
    out_printf(o, "\n");
    free(text);
}

static void print_suspended(const char *tag, void *req, void *arg)
{
    struct out *o = arg;

    (void)req;
    out_printf(o, "      suspended request '%s'\n", tag);
}

static int rules_list(struct out *o, struct rules_engine *e)
{
    out_printf(o, "state %d, %zu rule%s\n", rules_state(e), rules_count(e),
               rules_count(e) == 1 ? "" : "s");
    rules_foreach(e, print_rule, o);
    rules_foreach_suspended(e, print_suspended, o);
    return 0;
}

/*
 * Load into a scratch engine first, so that a file with an error leaves
 * the live rules as they were.
 */
static int rules_load_file(struct cmd_state *st, struct rules_engine *e,
                           const char *path)
{
    struct rules_engine *check = rules_engine_new();
    char *cause = NULL;
    int ret;

    if (check == NULL)
        return -ENOMEM;
    ret = rules_load(check, path, NULL, 0, &cause);
    rules_engine_free(check);
    if (ret == 0) {
        rules_clear(e);
        ret = rules_load(e, path, NULL, 0, &cause);
    }
    if (ret < 0) {
        out_printf(st->out, "rules load: %s\n",
                   cause ? cause : strerror(-ret));
        free(cause);
        return ret;
    }
    out_printf(st->out, "loaded %s: %zu rule%s\n", path, rules_count(e),
               rules_count(e) == 1 ? "" : "s");
    cmd_show_seed(st);
    return 0;
}

/* "rules log [on|off]": show or set whether faults print a line. */
static int rules_log(struct cmd_state *st, int argc, char **argv)
{
    if (argc == 3) {
        if (strcmp(argv[2], "on") == 0) {
            st->fault_log = true;
        } else if (strcmp(argv[2], "off") == 0) {
            st->fault_log = false;
        } else {
            out_printf(st->out, "rules log: '%s' is neither on nor off\n",
                       argv[2]);
            return -EINVAL;
        }
    }
    out_printf(st->out, "fault log %s\n", st->fault_log ? "on" : "off");
    return 0;
}

static int rules_exec(struct cmd_state *st, int argc, char **argv)
{
    struct rules_engine *e = engine_of(st, "rules");
    char *cause = NULL;
    int ret;

    if (e == NULL)
        return -ENOTSUP;
    if (argc == 1)
        return rules_list(st->out, e);
    if (strcmp(argv[1], "log") == 0)
        return rules_log(st, argc, argv);
    if (argc == 3 && strcmp(argv[1], "load") == 0)
        return rules_load_file(st, e, argv[2]);
    if (argc == 3 && strcmp(argv[1], "save") == 0) {
        ret = rules_save(e, argv[2], &cause);
        if (ret < 0) {
            out_printf(st->out, "rules save: %s\n",
                       cause ? cause : strerror(-ret));
            free(cause);
        }
        return ret;
    }
    return cmd_usage(st->out, &cmd_rules_entry);
}

static int rule_add(struct cmd_state *st, struct rules_engine *e, int argc,
                    char **argv)
{
    struct rules_kv *kv = calloc((size_t)argc, sizeof(*kv));
    char *cause = NULL;
    unsigned id = 0;
    size_t n = 0;
    int ret = 0;

    if (kv == NULL)
        return -ENOMEM;
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');

        if (eq == NULL || eq == argv[i]) {
            out_printf(st->out, "rule add: '%s' is not key=value\n", argv[i]);
            ret = -EINVAL;
            goto out;
        }
        *eq = '\0';
        kv[n++] = (struct rules_kv){ argv[i], eq + 1 };
    }
    ret = rules_add(e, argv[2], kv, n, &id, &cause);
    if (ret < 0) {
        out_printf(st->out, "rule add: %s\n", cause ? cause : strerror(-ret));
        free(cause);
        goto out;
    }
    out_printf(st->out, "added rule %u\n", id);
    cmd_show_seed(st);
out:
    free(kv);
    return ret;
}

/* "rule del|enable|disable ID". */
static int rule_by_id(struct out *o, struct rules_engine *e,
                      const char *verb, const char *text)
{
    static const char *const done[] = { "deleted", "enabled", "disabled" };
    int which = strcmp(verb, "del") == 0 ? 0
                : strcmp(verb, "enable") == 0 ? 1 : 2;
    unsigned long id;
    char *end;
    int ret;

    id = strtoul(text, &end, 10);
    if (*text == '\0' || *end != '\0' || id == 0 || id > UINT32_MAX) {
        out_printf(o, "rule %s: '%s' is not a rule id\n", verb, text);
        return -EINVAL;
    }
    ret = which == 0 ? rules_delete(e, (unsigned)id)
                     : rules_enable(e, (unsigned)id, which == 1);
    if (ret < 0) {
        out_printf(o, "rule %s: no rule %lu\n", verb, id);
        return -ENOENT;
    }
    out_printf(o, "%s rule %lu\n", done[which], id);
    return 0;
}

static int rule_exec(struct cmd_state *st, int argc, char **argv)
{
    struct rules_engine *e = engine_of(st, "rule");

    if (e == NULL)
        return -ENOTSUP;
    if (strcmp(argv[1], "add") == 0 && argc >= 3)
        return rule_add(st, e, argc, argv);
    if (argc == 3 && (strcmp(argv[1], "del") == 0 ||
                      strcmp(argv[1], "enable") == 0 ||
                      strcmp(argv[1], "disable") == 0))
        return rule_by_id(st->out, e, argv[1], argv[2]);
    return cmd_usage(st->out, &cmd_rule_entry);
}

static int state_exec(struct cmd_state *st, int argc, char **argv)
{
    struct rules_engine *e = engine_of(st, "state");
    char *end;
    long n;

    if (e == NULL)
        return -ENOTSUP;
    if (argc == 2) {
        n = strtol(argv[1], &end, 0);
        if (*argv[1] == '\0' || *end != '\0' || n < 0 || n > INT32_MAX) {
            out_printf(st->out, "state: '%s' is not a state number\n",
                       argv[1]);
            return -EINVAL;
        }
        rules_set_state(e, (int)n);
    }
    out_printf(st->out, "state %d\n", rules_state(e));
    return 0;
}
