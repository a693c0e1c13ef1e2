/*
 * main.c — blkmon's command line, qemu-io's: [OPTIONS]... [-c STRING]...
 * [file].  Options set up the session and open the image; the commands
 * then run headless, or in the TUI when stdin and stdout are terminals:
 * with -c commands only under --tui (they then run inside the TUI at
 * start-up); --headless keeps the screen off.
 *
 * Exit status as qemu-io: 1 for a bad command line, an image that does not
 * open, or any failed command; 0 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "util/strfmt.h"
#include "cmd/headless.h"
#include "cmd/modes.h"
#include "cmd/out.h"
#include "control/control.h"
#include "control/events.h"
#include "control/metrics.h"
#include "export/export.h"
#include "export/serve.h"
#include "fuse/server.h"
#include "nbd/server.h"
#include "rules/rules.h"
#include "tui/tui.h"

/* Long options without a short letter. */
enum {
    OPT_OBJECT = 256,
    OPT_IMAGE_OPTS,
    OPT_HEADLESS,
    OPT_TUI,
    OPT_THEME,
    OPT_SEED,
    OPT_LOG_FAULTS,
    OPT_NBD,
    OPT_EXPORT_NAME,
    OPT_TLS_CREDS,
    OPT_TLS,
    OPT_FUSE,
    OPT_CONTROL,
    OPT_EVENTS,
    OPT_IO_TRACE,
    OPT_METRICS,
};

struct main_args {
    char **cmds;
    int ncmds;
    const char *format;
    const char *file;
    unsigned flags;
    bool readonly, force_share, image_opts, misalign, snapshot;
    bool headless, tui, log_faults;
    const char *theme;
    const char *nbd;             /* --nbd ADDR */
    const char *fuse;            /* --fuse MOUNTPOINT */
    const char *export_name;
    const char *tls_creds;
    enum nbd_tls_mode tls;
    bool tls_given;
    const char *control;         /* --control unix:PATH */
    const char *events;          /* --events FILE|- */
    const char *io_trace;        /* --io-trace FILE */
    const char *metrics;         /* --metrics ADDR */
};

struct main_opt;
/* Take one option: 0, or -1 when blkmon must exit with status 1 (the
 * complaint printed). */
typedef int main_take_fn(struct main_args *a, const struct main_opt *opt,
                         const char *arg);

/*
 * One option of the command line, qemu-io's first: its long name, whether
 * it takes an argument, its short letter (or OPT_*), whether qemu-io has it
 * (an abbreviation means what it means to qemu-io), and its handler with
 * the field or mode it sets.
 */
struct main_opt {
    const char *name;
    int has_arg;
    int val;
    bool qemu;
    main_take_fn *take;
    size_t field;                          /* main_set_true, main_set_str */
    int (*mode)(const char *mode, unsigned *flags);   /* main_set_mode */
    const char *what;                      /* main_set_mode: its name */
};

static main_take_fn main_help, main_version, main_add_cmd, main_set_str,
                    main_set_true, main_nocache, main_copy_on_read,
                    main_native_aio, main_set_mode, main_trace, main_object,
                    main_seed, main_tls;

#define MAIN_FIELD(f) offsetof(struct main_args, f)

static const struct main_opt main_opts[] = {
    { .name = "help", .val = 'h', .qemu = true, .take = main_help },
    { .name = "version", .val = 'V', .qemu = true, .take = main_version },
    { .name = "cmd", .has_arg = required_argument, .val = 'c', .qemu = true,
      .take = main_add_cmd },
    { .name = "format", .has_arg = required_argument, .val = 'f',
      .qemu = true, .take = main_set_str, .field = MAIN_FIELD(format) },
    { .name = "read-only", .val = 'r', .qemu = true, .take = main_set_true,
      .field = MAIN_FIELD(readonly) },
    { .name = "snapshot", .val = 's', .qemu = true, .take = main_set_true,
      .field = MAIN_FIELD(snapshot) },
    { .name = "nocache", .val = 'n', .qemu = true, .take = main_nocache },
    { .name = "copy-on-read", .val = 'C', .qemu = true,
      .take = main_copy_on_read },
    { .name = "misalign", .val = 'm', .qemu = true, .take = main_set_true,
      .field = MAIN_FIELD(misalign) },
    { .name = "native-aio", .val = 'k', .qemu = true,
      .take = main_native_aio },
    { .name = "aio", .has_arg = required_argument, .val = 'i', .qemu = true,
      .take = main_set_mode, .mode = modes_aio, .what = "aio" },
    { .name = "discard", .has_arg = required_argument, .val = 'd',
      .qemu = true, .take = main_set_mode, .mode = modes_discard,
      .what = "discard" },
    { .name = "cache", .has_arg = required_argument, .val = 't',
      .qemu = true, .take = main_set_mode, .mode = modes_cache,
      .what = "cache" },
    { .name = "trace", .has_arg = required_argument, .val = 'T',
      .qemu = true, .take = main_trace },
    { .name = "object", .has_arg = required_argument, .val = OPT_OBJECT,
      .qemu = true, .take = main_object },
    { .name = "image-opts", .val = OPT_IMAGE_OPTS, .qemu = true,
      .take = main_set_true, .field = MAIN_FIELD(image_opts) },
    { .name = "force-share", .val = 'U', .qemu = true,
      .take = main_set_true, .field = MAIN_FIELD(force_share) },
    /* blkmon's own. */
    { .name = "headless", .val = OPT_HEADLESS, .take = main_set_true,
      .field = MAIN_FIELD(headless) },
    { .name = "tui", .val = OPT_TUI, .take = main_set_true,
      .field = MAIN_FIELD(tui) },
    { .name = "theme", .has_arg = required_argument, .val = OPT_THEME,
      .take = main_set_str, .field = MAIN_FIELD(theme) },
    { .name = "seed", .has_arg = required_argument, .val = OPT_SEED,
      .take = main_seed },
    { .name = "log-faults", .val = OPT_LOG_FAULTS, .take = main_set_true,
      .field = MAIN_FIELD(log_faults) },
    { .name = "nbd", .has_arg = required_argument, .val = OPT_NBD,
      .take = main_set_str, .field = MAIN_FIELD(nbd) },
    { .name = "fuse", .has_arg = required_argument, .val = OPT_FUSE,
      .take = main_set_str, .field = MAIN_FIELD(fuse) },
    { .name = "export-name", .has_arg = required_argument,
      .val = OPT_EXPORT_NAME, .take = main_set_str,
      .field = MAIN_FIELD(export_name) },
    { .name = "tls-creds", .has_arg = required_argument,
      .val = OPT_TLS_CREDS, .take = main_set_str,
      .field = MAIN_FIELD(tls_creds) },
    { .name = "tls", .has_arg = required_argument, .val = OPT_TLS,
      .take = main_tls },
    { .name = "control", .has_arg = required_argument, .val = OPT_CONTROL,
      .take = main_set_str, .field = MAIN_FIELD(control) },
    { .name = "events", .has_arg = required_argument, .val = OPT_EVENTS,
      .take = main_set_str, .field = MAIN_FIELD(events) },
    { .name = "io-trace", .has_arg = required_argument, .val = OPT_IO_TRACE,
      .take = main_set_str, .field = MAIN_FIELD(io_trace) },
    { .name = "metrics", .has_arg = required_argument, .val = OPT_METRICS,
      .take = main_set_str, .field = MAIN_FIELD(metrics) },
};
#define MAIN_NOPTS (sizeof(main_opts) / sizeof(main_opts[0]))

static void main_usage(const char *name);
static int main_trace_option(const char *arg);
static int main_parse(int argc, char **argv, struct main_args *a);
static int main_open(struct cmd_state *st, const struct main_args *a);
static int main_export(struct cmd_state *st, const struct main_args *a);

/*
 * An abbreviated long option means what it means to qemu-io: "--h" is
 * --help there, though --headless (ours) would make it ambiguous to
 * getopt.  Expand abbreviations that name exactly one of qemu-io's
 * options before getopt sees them; option arguments are left alone.
 */
static void expand_qemu_abbreviations(int argc, char **argv,
                                      const char *shortopts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *name = a + 2;
        const struct main_opt *hit = NULL;
        size_t len;
        int n = 0;

        if (strcmp(a, "--") == 0)
            return;
        if (a[0] == '-' && a[1] != '-' && a[1] != '\0') {
            /* A cluster of short options: one taking an argument takes
             * the rest of the word, or else the next word. */
            for (const char *p = a + 1; *p != '\0'; p++) {
                const char *o = strchr(shortopts, *p);

                if (o != NULL && o[1] == ':') {
                    if (p[1] == '\0')
                        i++;
                    break;
                }
            }
            continue;
        }
        if (a[0] != '-' || a[1] != '-')
            continue;
        len = strcspn(name, "=");
        for (const struct main_opt *o = main_opts; o < main_opts + MAIN_NOPTS;
             o++) {
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
                hit = o;
                n = 1;
                break;
            }
            if (o->qemu && strncmp(o->name, name, len) == 0) {
                hit = o;
                n++;
            }
        }
        if (n != 1)
            continue;
        if (strncmp(hit->name, name, len) != 0 || strlen(hit->name) != len)
            argv[i] = strfmt("--%s%s", hit->name, name + len);
        if (hit->has_arg == required_argument && name[len] != '=')
            i++;
    }
}

static void main_usage(const char *name)
{
    printf(
"Usage: %s [OPTIONS]... [-c STRING]... [file]\n"
"blkmon: block I/O exerciser, qemu-io compatible\n"
"\n"
"  --object OBJECTDEF   not supported (qemu objects such as secrets)\n"
"  --image-opts         treat file as option string\n"
"  -c, --cmd STRING     execute command with its arguments\n"
"                       from the given string\n"
"  -f, --format FMT     specifies the block driver to use (raw)\n"
"  -r, --read-only      export read-only\n"
"  -s, --snapshot       use snapshot file\n"
"  -n, --nocache        disable host cache, short for -t none\n"
"  -C, --copy-on-read   enable copy-on-read\n"
"  -m, --misalign       misalign allocations for O_DIRECT\n"
"  -k, --native-aio     use kernel AIO implementation\n"
"                       (Linux only, prefer use of -i)\n"
"  -i, --aio=MODE       use AIO mode (threads, native or io_uring)\n"
"  -t, --cache=MODE     use the given cache mode for the image\n"
"  -d, --discard=MODE   use the given discard mode for the image\n"
"  -T, --trace PATTERN  accepted for compatibility; blkmon has no trace events\n"
"  -U, --force-share    force shared permissions\n"
"      --headless       run commands without the screen interface\n"
"      --tui            open the screen interface even with -c commands\n"
"                       (they run first, inside it)\n"
"      --theme NAME     colour theme of the screen interface\n"
"                       (default, light, mono, or a file path)\n"
"      --seed N         seed of random faults (blkdebug rules), to replay\n"
"                       a run; printed when a rule draws random numbers\n"
"      --log-faults     print a line for every fault a rule injects\n"
"      --nbd ADDR       serve the image over NBD at ADDR (unix:PATH,\n"
"                       HOST:PORT, :PORT for 127.0.0.1) until quit,\n"
"                       SIGINT or SIGTERM\n"
"      --export-name NAME  the NBD export's name (default: empty)\n"
"      --fuse FILE      show the image as the regular file FILE (an existing\n"
"                       file, which the FUSE mount overlays) until quit,\n"
"                       SIGINT or SIGTERM\n"
"      --tls-creds DIR  TLS credentials for NBD: keys.psk, or ca-cert.pem,\n"
"                       server-cert.pem and server-key.pem\n"
"      --tls=MODE       off, on (TLS offered, default with --tls-creds)\n"
"                       or require (plain clients refused)\n"
"      --control unix:PATH  take commands from control clients (blkmon ctl,\n"
"                       blkmon attach) on a Unix socket only its owner may\n"
"                       use; serve on until quit, SIGINT or SIGTERM\n"
"      --events FILE    write an event per line (JSON) to FILE, - for stdout\n"
"      --io-trace FILE  write a line per request (blkparse's layout) to FILE\n"
"      --metrics ADDR   serve counters and latency histograms to Prometheus\n"
"                       (HTTP GET /metrics) at ADDR (HOST:PORT, :PORT for\n"
"                       127.0.0.1, unix:PATH)\n"
"  -h, --help           display this help and exit\n"
"  -V, --version        output version information and exit\n"
"\n"
"See '%s -c help' for information on available commands.\n",
           name, name);
}

/* A trace pattern: qemu warns about an event name it does not know (a
 * leading '-' disables); blkmon knows none, and a glob matches none. */
static bool trace_pattern_warns(const char *pattern, const char **name)
{
    if (*pattern == '-')
        pattern++;
    *name = pattern;
    return strpbrk(pattern, "*?") == NULL;
}

/* -T events=FILE: one pattern a line, warnings naming the line. */
static int trace_events_file(const char *file)
{
    FILE *f = fopen(file, "r");
    char line[1024];
    int n = 0;

    if (f == NULL) {
        out_eprintf(NULL, "%s:%s: %s\n", out_progname(), file,
                    strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *name;

        n++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0' && trace_pattern_warns(line, &name))
            out_eprintf(NULL, "%s:%s:%d: warning: trace event '%s' does not "
                        "exist\n", out_progname(), file, n, name);
    }
    fclose(f);
    return 0;
}

/*
 * -T [enable=]PATTERN,events=FILE,file=FILE, parsed as qemu parses it.
 * blkmon has no trace events: what qemu would warn about, we warn about.
 */
static int main_trace_option(const char *arg)
{
    struct bk_opts *o = bk_opts_new();
    const char *key, *value, *name;
    int ret = -1;

    if (cmd_parse_opts(NULL, o, arg, "enable") < 0)
        goto out;
    for (size_t i = 0; bk_opts_at(o, i, &key, &value); i++) {
        if (strcmp(key, "enable") != 0 && strcmp(key, "events") != 0 &&
            strcmp(key, "file") != 0) {
            out_error(NULL, "Invalid parameter '%s'", key);
            goto out;
        }
    }
    if (bk_opts_get(o, "events") != NULL &&
        trace_events_file(bk_opts_get(o, "events")) < 0)
        goto out;
    value = bk_opts_get(o, "enable");
    if (value != NULL && trace_pattern_warns(value, &name))
        out_warn(NULL, "trace event '%s' does not exist", name);
    ret = 0;
out:
    bk_opts_free(o);
    return ret;
}

/* ---- the options' handlers -------------------------------------------- */

static int main_help(struct main_args *a, const struct main_opt *opt,
                     const char *arg)
{
    main_usage(out_progname());
    exit(0);
}

static int main_version(struct main_args *a, const struct main_opt *opt,
                        const char *arg)
{
    printf("%s version %s (qemu-io 7.2 compatible)\n", out_progname(),
           BLKMON_VERSION);
    exit(0);
}

static int main_add_cmd(struct main_args *a, const struct main_opt *opt,
                        const char *arg)
{
    a->cmds[a->ncmds++] = (char *)arg;
    return 0;
}

static int main_set_str(struct main_args *a, const struct main_opt *opt,
                        const char *arg)
{
    *(const char **)((char *)a + opt->field) = arg;
    return 0;
}

static int main_set_true(struct main_args *a, const struct main_opt *opt,
                         const char *arg)
{
    *(bool *)((char *)a + opt->field) = true;
    return 0;
}

static int main_nocache(struct main_args *a, const struct main_opt *opt,
                        const char *arg)
{
    a->flags = (a->flags | BK_O_NOCACHE) & ~BK_O_WRITETHROUGH;
    return 0;
}

/* -C: copy-on-read (a raw image has nothing to copy, but reads ask block
 * status and serialise as with qemu). */
static int main_copy_on_read(struct main_args *a, const struct main_opt *opt,
                             const char *arg)
{
    (void)opt;
    (void)arg;
    a->flags |= BK_O_COPY_ON_READ;
    return 0;
}

static int main_native_aio(struct main_args *a, const struct main_opt *opt,
                           const char *arg)
{
    a->flags |= BK_O_NATIVE_AIO;
    return 0;
}

static int main_set_mode(struct main_args *a, const struct main_opt *opt,
                         const char *arg)
{
    if (opt->mode(arg, &a->flags) == 0)
        return 0;
    out_error(NULL, "Invalid %s option: %s", opt->what, arg);
    return -1;
}

static int main_trace(struct main_args *a, const struct main_opt *opt,
                      const char *arg)
{
    return main_trace_option(arg);
}

/* --seed N: the seed random fault rules draw from (rules/rules.h). */
static int main_seed(struct main_args *a, const struct main_opt *opt,
                     const char *arg)
{
    unsigned long long seed;
    char *end;

    errno = 0;
    seed = strtoull(arg, &end, 0);
    if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0) {
        out_error(NULL, "Invalid seed: %s", arg);
        return -1;
    }
    rules_set_seed((uint64_t)seed);
    return 0;
}

static int main_tls(struct main_args *a, const struct main_opt *opt,
                    const char *arg)
{
    if (nbd_tls_mode_parse(arg, &a->tls) < 0) {
        out_error(NULL, "Invalid --tls option: %s (off, on, require)", arg);
        return -1;
    }
    a->tls_given = true;
    return 0;
}

static int main_object(struct main_args *a, const struct main_opt *opt,
                       const char *arg)
{
    /* Throttle groups, for the throttle driver; nothing else. */
    if (strncmp(arg, "throttle-group", 14) == 0 &&
        (arg[14] == ',' || arg[14] == '\0')) {
        char *cause = NULL;

        if (bk_throttle_group_add(arg, &cause) == 0)
            return 0;
        out_error(NULL, "%s", cause);
        free(cause);
        return -1;
    }
    out_error(NULL, "--object is not supported by blkmon: %s", arg);
    return -1;
}

/* ---- parsing ------------------------------------------------------------ */

/* getopt_long's tables, from main_opts. */
static void main_getopt_tables(struct option *lopt, char *shortopts)
{
    for (size_t i = 0; i < MAIN_NOPTS; i++) {
        const struct main_opt *o = &main_opts[i];

        lopt[i] = (struct option){ o->name, o->has_arg, NULL, o->val };
        if (o->val < 256) {
            *shortopts++ = (char)o->val;
            if (o->has_arg == required_argument)
                *shortopts++ = ':';
        }
    }
    lopt[MAIN_NOPTS] = (struct option){ NULL, 0, NULL, 0 };
    *shortopts = '\0';
}

static const struct main_opt *main_find(int val)
{
    for (size_t i = 0; i < MAIN_NOPTS; i++)
        if (main_opts[i].val == val)
            return &main_opts[i];
    return NULL;
}

/* What the options say together, in qemu-io's order of complaints. */
static int main_check(int argc, char **argv, struct main_args *a)
{
    if (argc - optind > 1) {
        main_usage(out_progname());
        return -1;
    }
    if (a->format != NULL && a->image_opts) {
        out_error(NULL, "--image-opts and -f are mutually exclusive");
        return -1;
    }
    if (a->snapshot)
        a->flags |= BK_O_SNAPSHOT;
    if (a->tls_creds != NULL && !a->tls_given)
        a->tls = NBD_TLS_ON;
    if (a->tls != NBD_TLS_OFF && a->tls_creds == NULL) {
        out_error(NULL, "--tls=%s needs --tls-creds DIR",
                  a->tls == NBD_TLS_ON ? "on" : "require");
        return -1;
    }
    if (a->nbd != NULL && optind >= argc) {
        out_error(NULL, "--nbd needs an image to serve");
        return -1;
    }
    if (a->fuse != NULL && optind >= argc) {
        out_error(NULL, "--fuse needs an image to serve");
        return -1;
    }
    if (!a->readonly)
        a->flags |= BK_O_RDWR;
    a->file = optind < argc ? argv[optind] : NULL;
    return 0;
}

static int main_parse(int argc, char **argv, struct main_args *a)
{
    struct option lopt[MAIN_NOPTS + 1];
    char shortopts[2 * MAIN_NOPTS + 1];
    const struct main_opt *opt;
    int c;

    main_getopt_tables(lopt, shortopts);
    expand_qemu_abbreviations(argc, argv, shortopts);
    a->flags = BK_O_UNMAP | BK_O_WRITETHROUGH;
    a->cmds = calloc((size_t)argc + 1, sizeof(char *));
    if (a->cmds == NULL)
        abort();
    while ((c = getopt_long(argc, argv, shortopts, lopt, NULL)) != -1) {
        opt = main_find(c);
        if (opt == NULL) {
            main_usage(out_progname());
            return -1;
        }
        if (opt->take(a, opt, optarg) < 0)
            return -1;
    }
    return main_check(argc, argv, a);
}

static int main_open(struct cmd_state *st, const struct main_args *a)
{
    struct bk_opts *opts = bk_opts_new();

    if (a->image_opts) {
        if (cmd_parse_opts(st->out, opts, a->file, NULL) < 0) {
            bk_opts_free(opts);
            return -1;
        }
        return cmd_open_image(st, NULL, opts, a->flags, a->force_share);
    }
    if (a->format != NULL)
        bk_opts_set(opts, "driver", a->format);
    return cmd_open_image(st, a->file, opts, a->flags, a->force_share);
}

/* --fuse: show the image just opened as a file. */
static int main_fuse(struct cmd_state *st, const struct main_args *a)
{
    struct fuse_export_opts o = {
        .mountpoint = a->fuse,
        .read_only = a->readonly,
    };
    char *cause = NULL;
    int ret = fuse_export_start(st->exports, st->dev, &o, NULL, &cause);

    if (ret < 0) {
        out_error(st->out, "%s", cause != NULL ? cause : strerror(-ret));
        free(cause);
    }
    return ret;
}

/* --nbd: serve the image just opened. */
static int main_export(struct cmd_state *st, const struct main_args *a)
{
    struct nbd_export_opts o = {
        .addr = a->nbd,
        .name = a->export_name != NULL ? a->export_name : "",
        .read_only = a->readonly,
        .tls_creds = a->tls_creds,
        .tls = a->tls,
    };
    char *cause = NULL;
    int ret = nbd_export_start(st->exports, st->dev, &o, NULL, &cause);

    if (ret < 0) {
        out_error(st->out, "%s", cause != NULL ? cause : strerror(-ret));
        free(cause);
    }
    return ret;
}

/*
 * qemu-io blocks these (its main loop reads them from a signalfd), so a
 * "sigraise 10" or a stray SIGALRM does not end it: neither may it end
 * us.  Done before any thread starts, so that every thread inherits it.
 */
static void block_qemu_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGIO);
    sigaddset(&set, SIGBUS);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* --events, --io-trace, --metrics and --control: the hub, the files, the
 * sockets.  0, or -1 with the complaint printed. */
static int main_control(struct cmd_state *st, const struct main_args *a,
                        struct ev_hub **hub, struct ctl_server **ctl,
                        struct metrics **metrics)
{
    char *cause = NULL;
    int ret = 0;

    if (a->events == NULL && a->control == NULL && a->io_trace == NULL &&
        a->metrics == NULL)
        return 0;
    *hub = ev_hub_new(st->group, st->exports);
    if (a->events != NULL)
        ret = ev_hub_open_stream(*hub, a->events, &cause);
    if (ret == 0 && a->io_trace != NULL)
        ret = ev_hub_open_trace(*hub, a->io_trace, &cause);
    if (ret == 0 && a->metrics != NULL)
        ret = metrics_start(st, a->metrics, metrics, &cause);
    if (ret == 0 && a->control != NULL)
        ret = ctl_server_start(st, *hub, a->control, ctl, &cause);
    if (ret < 0) {
        out_error(NULL, "%s", cause != NULL ? cause : strerror(-ret));
        free(cause);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct main_args args = { 0 };
    struct cmd_state st;
    struct cmd_group *group;
    struct ev_hub *hub = NULL;
    struct ctl_server *ctl = NULL;
    struct metrics *metrics = NULL;
    struct tui *tui = NULL;
    int ret;

    /* Messages name the program as typed, without its directory. */
    argv[0] = basename(argv[0]);
    out_set_progname(argv[0]);
    signal(SIGPIPE, SIG_IGN);
    block_qemu_signals();

    /* blkmon's clients of a running blkmon.  qemu-io takes one file name
     * at most, so "blkmon ctl ADDR ..." can mean nothing to it. */
    if (argc >= 3 && strcmp(argv[1], "ctl") == 0)
        return ctl_client_main(argc - 1, argv + 1);
    if (argc >= 3 && strcmp(argv[1], "attach") == 0)
        return tui_attach_main(argc - 1, argv + 1);

    if (main_parse(argc, argv, &args) < 0) {
        free(args.cmds);
        return 1;
    }
    cmd_state_init(&st, bk_loop_new(0));
    st.misalign = args.misalign;
    st.image_opts = args.image_opts;
    st.fault_log = args.log_faults;
    st.exports = export_set_new(st.loop);
    export_set_defaults(st.exports, &(struct export_defaults){
                            .tls_creds = args.tls_creds, .tls = args.tls });
    /* Every session of the process shares the image (control clients). */
    group = cmd_group_new(&st);
    if (main_control(&st, &args, &hub, &ctl, &metrics) < 0) {
        ret = -1;
        goto out;
    }
    /* The TUI captures output from here on, so open warnings show in it. */
    if (!args.headless && (args.ncmds == 0 || args.tui) && tui_possible()) {
        struct tui_options topts = { .theme = args.theme };

        tui = tui_new(&topts, &st);
        /* The Output pane shows every injected fault. */
        if (tui != NULL)
            st.fault_log = true;
    }
    if (ctl != NULL) {
        if (tui != NULL)
            tui_set_control(tui, ctl);
        else
            ctl_server_on_quit(ctl, ctl_quit_headless, &st);
    }
    if ((args.file != NULL && main_open(&st, &args) < 0) ||
        (args.nbd != NULL && main_export(&st, &args) < 0) ||
        (args.fuse != NULL && main_fuse(&st, &args) < 0)) {
        if (tui != NULL)
            tui_abandon(tui);
        ret = -1;
    } else if (tui != NULL) {
        ret = tui_run(tui, args.cmds, args.ncmds);
    } else {
        ret = headless_run(&st, args.cmds, args.ncmds);
        ret = ret < 0 ? 1 : 0;
        /* A control socket serves on, as an export does, until quit. */
        if (ctl != NULL) {
            export_serve_catch(&st);
            while (!st.quit)
                bk_loop_iterate(st.loop, -1);
        }
    }
    /* The TUI is gone: a client's quit only ends the loop now. */
    if (ctl != NULL)
        ctl_server_on_quit(ctl, ctl_quit_headless, &st);
out:
    ctl_server_stop(ctl);
    metrics_stop(metrics);
    /* Every outstanding request completes (and reports) before exit. */
    cmd_state_fini(&st);
    ev_hub_free(hub);
    cmd_group_free(group);
    export_set_free(st.exports);
    bk_loop_free(st.loop);
    free(args.cmds);
    out_flush(NULL);
    return ret < 0 ? 1 : ret;
}
