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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "util/strfmt.h"
#include "cmd/headless.h"
#include "cmd/modes.h"
#include "cmd/out.h"
#include "tui/tui.h"

enum {
    OPT_OBJECT = 256,
    OPT_IMAGE_OPTS,
    OPT_HEADLESS,
    OPT_TUI,
    OPT_THEME,
};

struct main_args {
    char **cmds;
    int ncmds;
    const char *format;
    const char *file;
    unsigned flags;
    bool readonly, force_share, image_opts, misalign, snapshot;
    bool headless, tui;
    const char *theme;
};

static void main_usage(const char *name);
static int main_trace_option(const char *arg);
#define MAIN_SHORT_OPTS "hVc:d:f:rsnCmki:t:T:U"

/* qemu-io's own long options come first in the table: this many. */
enum { QEMU_LONG_OPTS = 17 };

/*
 * An abbreviated long option means what it means to qemu-io: "--h" is
 * --help there, though --headless (ours) would make it ambiguous to
 * getopt.  Expand abbreviations that name exactly one of qemu-io's
 * options before getopt sees them; option arguments are left alone.
 */
static void expand_qemu_abbreviations(int argc, char **argv,
                                      const struct option *lopt,
                                      const char *shortopts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *name = a + 2;
        const struct option *hit = NULL;
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
        for (const struct option *o = lopt; o->name != NULL; o++) {
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
                hit = o;
                n = 1;
                break;
            }
            if (o - lopt < QEMU_LONG_OPTS && strncmp(o->name, name, len) == 0) {
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

static int main_parse(int argc, char **argv, struct main_args *a);
static int main_open(struct cmd_state *st, const struct main_args *a);

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
"  -s, --snapshot       not supported (use snapshot file)\n"
"  -n, --nocache        disable host cache, short for -t none\n"
"  -C, --copy-on-read   enable copy-on-read (no effect on raw images)\n"
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
        out_eprintf("%s:%s: %s\n", out_progname(), file, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *name;

        n++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0' && trace_pattern_warns(line, &name))
            out_eprintf("%s:%s:%d: warning: trace event '%s' does not "
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

    if (cmd_parse_opts(o, arg, "enable") < 0)
        goto out;
    for (size_t i = 0; bk_opts_at(o, i, &key, &value); i++) {
        if (strcmp(key, "enable") != 0 && strcmp(key, "events") != 0 &&
            strcmp(key, "file") != 0) {
            out_error("Invalid parameter '%s'", key);
            goto out;
        }
    }
    if (bk_opts_get(o, "events") != NULL &&
        trace_events_file(bk_opts_get(o, "events")) < 0)
        goto out;
    value = bk_opts_get(o, "enable");
    if (value != NULL && trace_pattern_warns(value, &name))
        out_warn("trace event '%s' does not exist", name);
    ret = 0;
out:
    bk_opts_free(o);
    return ret;
}

static int main_parse(int argc, char **argv, struct main_args *a)
{
    static const struct option lopt[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "cmd", required_argument, NULL, 'c' },
        { "format", required_argument, NULL, 'f' },
        { "read-only", no_argument, NULL, 'r' },
        { "snapshot", no_argument, NULL, 's' },
        { "nocache", no_argument, NULL, 'n' },
        { "copy-on-read", no_argument, NULL, 'C' },
        { "misalign", no_argument, NULL, 'm' },
        { "native-aio", no_argument, NULL, 'k' },
        { "aio", required_argument, NULL, 'i' },
        { "discard", required_argument, NULL, 'd' },
        { "cache", required_argument, NULL, 't' },
        { "trace", required_argument, NULL, 'T' },
        { "object", required_argument, NULL, OPT_OBJECT },
        { "image-opts", no_argument, NULL, OPT_IMAGE_OPTS },
        { "force-share", no_argument, NULL, 'U' },
        { "headless", no_argument, NULL, OPT_HEADLESS },
        { "tui", no_argument, NULL, OPT_TUI },
        { "theme", required_argument, NULL, OPT_THEME },
        { NULL, 0, NULL, 0 },
    };
    const char *name = out_progname();
    int c;

    expand_qemu_abbreviations(argc, argv, lopt, MAIN_SHORT_OPTS);
    a->flags = BK_O_UNMAP | BK_O_WRITETHROUGH;
    a->cmds = calloc((size_t)argc + 1, sizeof(char *));
    if (a->cmds == NULL)
        abort();
    while ((c = getopt_long(argc, argv, MAIN_SHORT_OPTS, lopt,
                            NULL)) != -1) {
        switch (c) {
        case 's': a->snapshot = true; break;
        case 'n': a->flags = (a->flags | BK_O_NOCACHE) & ~BK_O_WRITETHROUGH;
                  break;
        case 'C': break;
        case 'f': a->format = optarg; break;
        case 'c': a->cmds[a->ncmds++] = optarg; break;
        case 'r': a->readonly = true; break;
        case 'm': a->misalign = true; break;
        case 'k': a->flags |= BK_O_NATIVE_AIO; break;
        case 'U': a->force_share = true; break;
        case 'T':
            if (main_trace_option(optarg) < 0)
                return -1;
            break;
        case OPT_IMAGE_OPTS: a->image_opts = true; break;
        case OPT_HEADLESS: a->headless = true; break;
        case OPT_TUI: a->tui = true; break;
        case OPT_THEME: a->theme = optarg; break;
        case 'd':
            if (modes_discard(optarg, &a->flags) < 0) {
                out_error("Invalid discard option: %s", optarg);
                return -1;
            }
            break;
        case 'i':
            if (modes_aio(optarg, &a->flags) < 0) {
                out_error("Invalid aio option: %s", optarg);
                return -1;
            }
            break;
        case 't':
            if (modes_cache(optarg, &a->flags) < 0) {
                out_error("Invalid cache option: %s", optarg);
                return -1;
            }
            break;
        case OPT_OBJECT:
            out_error("--object is not supported by blkmon: %s", optarg);
            return -1;
        case 'V':
            printf("%s version %s (qemu-io 7.2 compatible)\n", name,
                   BLKMON_VERSION);
            exit(0);
        case 'h':
            main_usage(name);
            exit(0);
        default:
            main_usage(name);
            return -1;
        }
    }
    if (argc - optind > 1) {
        main_usage(name);
        return -1;
    }
    if (a->format != NULL && a->image_opts) {
        out_error("--image-opts and -f are mutually exclusive");
        return -1;
    }
    if (a->snapshot) {
        out_error("snapshot mode (-s) is not supported by blkmon");
        return -1;
    }
    if (!a->readonly)
        a->flags |= BK_O_RDWR;
    a->file = optind < argc ? argv[optind] : NULL;
    return 0;
}

static int main_open(struct cmd_state *st, const struct main_args *a)
{
    struct bk_opts *opts = bk_opts_new();

    if (a->image_opts) {
        if (cmd_parse_opts(opts, a->file, NULL) < 0) {
            bk_opts_free(opts);
            return -1;
        }
        return cmd_open_image(st, NULL, opts, a->flags, a->force_share);
    }
    if (a->format != NULL)
        bk_opts_set(opts, "driver", a->format);
    return cmd_open_image(st, a->file, opts, a->flags, a->force_share);
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

int main(int argc, char **argv)
{
    struct main_args args = { 0 };
    struct cmd_state st = { 0 };
    struct tui *tui = NULL;
    int ret;

    /* Messages name the program as typed, without its directory. */
    argv[0] = basename(argv[0]);
    out_set_progname(argv[0]);
    signal(SIGPIPE, SIG_IGN);
    block_qemu_signals();

    if (main_parse(argc, argv, &args) < 0) {
        free(args.cmds);
        return 1;
    }
    st.loop = bk_loop_new(0);
    st.misalign = args.misalign;
    st.image_opts = args.image_opts;
    st.debug = &cmd_debug_blkdebug;
    /* The TUI captures output from here on, so open warnings show in it. */
    if (!args.headless && (args.ncmds == 0 || args.tui) && tui_possible()) {
        struct tui_options topts = { .theme = args.theme };

        tui = tui_new(&topts);
    }
    if (args.file != NULL && main_open(&st, &args) < 0) {
        if (tui != NULL)
            tui_abandon(tui);
        bk_loop_free(st.loop);
        free(args.cmds);
        return 1;
    }
    if (tui != NULL) {
        ret = tui_run(tui, &st, args.cmds, args.ncmds);
        bk_loop_free(st.loop);
        free(args.cmds);
        return ret;
    }
    ret = headless_run(&st, args.cmds, args.ncmds);
    /* Every outstanding request completes (and reports) before exit. */
    cmd_close_image(&st);
    bk_loop_free(st.loop);
    free(args.cmds);
    out_flush();
    return ret < 0 ? 1 : 0;
}
