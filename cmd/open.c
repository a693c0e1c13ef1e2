/*
 * open.c — the session's image: "open", "close", "reopen" and "quit", and
 * the open/close helpers the command line shares with them.
 *
 * Defaults are qemu-io's: read-write, discard passes through (unmap),
 * writethrough cache.  Options given with -o are the block layer's flat
 * keys ("driver=raw,file.driver=blkdebug,...") and go to the backend as
 * they are; a filename "blkdebug:CFG:IMG" does too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/bench.h"
#include "cmd/entries.h"
#include "cmd/modes.h"
#include "cmd/out.h"
#include "export/export.h"

static int open_exec(struct cmd_state *st, int argc, char **argv);
static int close_exec(struct cmd_state *st, int argc, char **argv);
static int reopen_exec(struct cmd_state *st, int argc, char **argv);
static int quit_exec(struct cmd_state *st, int argc, char **argv);
static void open_warn_short_booleans(struct out *o, const char *text,
                                     const char *implied);

const struct cmd_entry cmd_open_entry = {
    .name = "open",
    .altname = "o",
    .exec = open_exec,
    .argmin = 1,
    .argmax = -1,
    .flags = CMD_F_NOFILE_OK | CMD_F_IMAGE,
    .args = "[-rsCnkU] [-t cache] [-d discard] [-o options] [path]",
    .oneline = "open the file specified by path",
    .help =
        "\n"
        " opens a new file in the requested mode\n"
        "\n"
        " Example:\n"
        " 'open -n -o driver=raw /tmp/data' - opens raw data file read-write, uncached\n"
        "\n"
        " Opens a file for subsequent use by all of the other qemu-io commands.\n"
        " -r, -- open file read-only\n"
        " -s, -- use snapshot file\n"
        " -C, -- use copy-on-read\n"
        " -n, -- disable host cache, short for -t none\n"
        " -U, -- force shared permissions\n"
        " -k, -- use kernel AIO implementation (Linux only, prefer use of -i)\n"
        " -i, -- use AIO mode (threads, native or io_uring)\n"
        " -t, -- use the given cache mode for the image\n"
        " -d, -- use the given discard mode for the image\n"
        " -o, -- options to be given to the block driver\n",
};

const struct cmd_entry cmd_close_entry = {
    .name = "close",
    .altname = "c",
    .exec = close_exec,
    .flags = CMD_F_IMAGE,
    .oneline = "close the current open file",
};

const struct cmd_entry cmd_reopen_entry = {
    .name = "reopen",
    .exec = reopen_exec,
    .argmin = 0,
    .argmax = -1,
    .flags = CMD_F_IMAGE,
    .args = "[(-r|-w)] [-c cache] [-o options]",
    .oneline = "reopens an image with new options",
    .help =
        "\n"
        " Changes the open options of an already opened image\n"
        "\n"
        " Example:\n"
        " 'reopen -o lazy-refcounts=on' - activates lazy refcount writeback on a qcow2 image\n"
        "\n"
        " -r, -- Reopen the image read-only\n"
        " -w, -- Reopen the image read-write\n"
        " -c, -- Change the cache mode to the given value\n"
        " -o, -- Changes block driver options (cf. 'open' command)\n"
        "\n",
};

const struct cmd_entry cmd_quit_entry = {
    .name = "quit",
    .altname = "q",
    .exec = quit_exec,
    .argmin = -1,
    .argmax = -1,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL,
    .oneline = "exit the program",
};

int cmd_open_image(struct cmd_state *st, const char *name,
                   struct bk_opts *opts, unsigned flags, bool force_share)
{
    struct bk_dev *dev = NULL;
    char *cause = NULL, *probe_name = NULL;
    const char *warn_name = name;
    bool probe_warning;
    int ret;

    if (st->dev != NULL) {
        out_error(st->out, "file open already, try 'help close'");
        bk_opts_free(opts);
        return -EBUSY;
    }
    if (opts == NULL)
        opts = bk_opts_new();
    if (force_share) {
        const char *fs = bk_opts_get(opts, "force-share");

        if (fs != NULL && strcmp(fs, "on") != 0) {
            out_error(st->out, "-U conflicts with image options");
            bk_opts_free(opts);
            return -EINVAL;
        }
        bk_opts_del(opts, "force-share");
        flags |= BK_O_FORCE_SHARE;
    }
    /* Whom the probe warning names when the options name the file. */
    if (name == NULL && bk_opts_get(opts, "file.filename") != NULL)
        probe_name = strdup(bk_opts_get(opts, "file.filename"));
    /* qemu-io prints what the drivers say (qcow2's corruption notices, a
     * dirty image's repair) as it comes, an open that fails included. */
    st->debug_observer = (struct bk_observer){ .debug = cmd_debug_note,
                                               .fault = cmd_fault_note,
                                               .message = cmd_message_note,
                                               .arg = st };
    ret = bk_dev_open_warn(st->loop, name, opts, flags, &dev, &cause,
                           &probe_warning, &st->debug_observer);
    /* With a json: name qemu names the file it found in it; an NBD
     * node by the URI it makes of its address ("nbd://h/e" becomes
     * "nbd://h:10809/e"). */
    if (name != NULL && (strncmp(name, "json:", 5) == 0 ||
                         (strncmp(name, "nbd", 3) == 0 &&
                          (name[3] == ':' || name[3] == '+'))))
        warn_name = NULL;
    if (ret == 0 && warn_name == NULL) {
        free(probe_name);
        probe_name = strdup(bk_dev_filename(dev));
    }
    if (probe_warning)
        out_eprintf(st->out, "WARNING: Image format was not specified for "
                    "'%s' and probing guessed raw.\n"
                    "         Automatically detecting the format is "
                    "dangerous for raw images, write operations on block 0 "
                    "will be restricted.\n"
                    "         Specify the 'raw' format explicitly to remove "
                    "the restrictions.\n",
                    warn_name == NULL ? (probe_name != NULL ? probe_name : "")
                    : strncmp(warn_name, "file:", 5) == 0 ? warn_name + 5
                    : warn_name);
    free(probe_name);
    if (ret < 0) {
        out_error(st->out, "can't open%s%s: %s",
                  name != NULL ? " device " : "", name != NULL ? name : "",
                  cause != NULL ? cause : strerror(-ret));
        free(cause);
        return ret;
    }
    free(cause);
    /* ...and blkdebug's suspend and resume lines from now on. */
    bk_dev_add_observer(dev, &st->debug_observer);
    st->dev = dev;
    cmd_group_publish(st);
    cmd_show_seed(st);
    return 0;
}

void cmd_close_image(struct cmd_state *st)
{
    if (st->dev == NULL)
        return;
    /* A background bench would otherwise run its whole count first
     * (every session's: the image is theirs too). */
    cmd_group_closing(st);
    export_remove_all(st->exports);
    bk_dev_close(st->dev);
    st->dev = NULL;
    /* Reports of big reads still being checked against their pattern. */
    cmd_group_closed(st);
}

/*
 * qemu's option parser warns about bare keys ("foo" for foo=on, "nofoo"
 * for foo=off); the backend's parser takes them silently, so the warning
 * is ours to print.  Keys end at '=' or ','; values run to a ',' that is
 * not doubled.  With an implied key the first bare part is its value.
 */
static void open_warn_short_booleans(struct out *o, const char *text,
                                     const char *implied)
{
    const char *p = text;
    bool first = true;

    while (*p != '\0') {
        size_t len = strcspn(p, "=,");

        if (p[len] == '=') {
            p += len + 1;
            while (*p != '\0' && !(p[0] == ',' && p[1] != ',')) {
                if (p[0] == ',')
                    p++;
                p++;
            }
        } else if (!(first && implied != NULL) &&
                   !((len == 4 && strncmp(p, "help", 4) == 0) ||
                     (len == 1 && *p == '?'))) {
            /* qemu asks for no "=on" after help or "?" */
            bool no = len >= 2 && strncmp(p, "no", 2) == 0;

            out_warn(o, "short-form boolean option '%.*s' deprecated\n"
                     "Please use %.*s=%s instead", (int)len, p,
                     (int)(no ? len - 2 : len), no ? p + 2 : p,
                     no ? "off" : "on");
            p += len;
        } else {
            p += len;
        }
        first = false;
        if (*p == ',')
            p++;
    }
}

/* Merge "k=v,..." into opts; prints the parser's complaint. */
/*
 * Whether text names an option "id" (also as the flag "id" or "noid"):
 * qemu's lists of free-form options refuse one before anything else.
 */
static bool opts_text_has_id(const char *p)
{
    while (*p != '\0') {
        size_t len = strcspn(p, "=,");
        size_t skip = len > 2 && p[len] != '=' && strncmp(p, "no", 2) == 0;

        if (len - 2 * skip == 2 && strncmp(p + 2 * skip, "id", 2) == 0)
            return true;
        p += len;
        if (*p == '=') {
            /* the value runs to a single comma; ",," is a comma in it */
            for (p++; *p != '\0' && !(p[0] == ',' && p[1] != ','); p++)
                if (p[0] == ',')
                    p++;
        }
        if (*p == ',')
            p++;
    }
    return false;
}

/* open -o and reopen -o: qemu-io's lists of any options, merged, where an
 * "id" has no place. */
static int open_parse_opts(struct out *o, struct bk_opts *opts,
                           const char *text)
{
    if (opts_text_has_id(text)) {
        out_error(o, "Invalid parameter 'id'");
        return -EINVAL;
    }
    return cmd_parse_opts(o, opts, text, NULL);
}

int cmd_parse_opts(struct out *o, struct bk_opts *opts, const char *text,
                   const char *implied)
{
    char *cause = NULL;
    int ret;

    open_warn_short_booleans(o, text, implied);
    ret = bk_opts_parse(opts, text, implied, &cause);

    if (ret < 0) {
        out_error(o, "%s", cause != NULL ? cause : "Invalid options");
        free(cause);
    }
    return ret;
}

static int open_exec(struct cmd_state *st, int argc, char **argv)
{
    unsigned flags = BK_O_UNMAP | BK_O_WRITETHROUGH;
    struct bk_opts *opts = bk_opts_new();
    bool readonly = false, force_share = false, snapshot = false;
    struct argv_opts o;
    int c, ret = -EINVAL;

    argv_opts_init(&o, st->out, argc, argv, "snCro:ki:t:d:U");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 's': snapshot = true; break;
        case 'n': flags = (flags | BK_O_NOCACHE) & ~BK_O_WRITETHROUGH; break;
        case 'C': flags |= BK_O_COPY_ON_READ; break;
        case 'r': readonly = true; break;
        case 'k': flags |= BK_O_NATIVE_AIO; break;
        case 'U': force_share = true; break;
        case 't':
            if (modes_cache(o.optarg, &flags) < 0) {
                out_error(st->out, "Invalid cache option: %s", o.optarg);
                goto out;
            }
            break;
        case 'd':
            if (modes_discard(o.optarg, &flags) < 0) {
                out_error(st->out, "Invalid discard option: %s", o.optarg);
                goto out;
            }
            break;
        case 'i':
            if (modes_aio(o.optarg, &flags) < 0) {
                out_error(st->out, "Invalid aio option: %s", o.optarg);
                goto out;
            }
            break;
        case 'o':
            if (st->image_opts) {
                out_printf(st->out, "--image-opts and 'open -o' are mutually "
                           "exclusive\n");
                goto out;
            }
            if (open_parse_opts(st->out, opts, o.optarg) < 0)
                goto out;
            break;
        default:
            cmd_usage(st->out, &cmd_open_entry);
            goto out;
        }
    }
    if (!readonly)
        flags |= BK_O_RDWR;
    if (st->image_opts && o.optind == argc - 1) {
        if (open_parse_opts(st->out, opts, argv[o.optind]) < 0)
            goto out;
        o.optind++;
    }
    if (o.optind < argc - 1) {
        cmd_usage(st->out, &cmd_open_entry);
        goto out;
    }
    if (snapshot)
        flags |= BK_O_SNAPSHOT;
    ret = cmd_open_image(st, o.optind == argc - 1 ? argv[o.optind] : NULL,
                         opts, flags, force_share);
    return ret < 0 ? -EINVAL : 0;
out:
    bk_opts_free(opts);
    return ret;
}

static int close_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cmd_close_image(st);
    return 0;
}

static int reopen_exec(struct cmd_state *st, int argc, char **argv)
{
    unsigned flags = bk_dev_flags(st->dev);
    struct bk_opts *opts = NULL;
    bool has_rw = false, has_cache = false;
    struct argv_opts o;
    char *cause = NULL;
    int c, ret = -EINVAL;

    argv_opts_init(&o, st->out, argc, argv, "c:o:rw");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'c':
            if (modes_cache(o.optarg, &flags) < 0) {
                out_error(st->out, "Invalid cache option: %s", o.optarg);
                goto out;
            }
            has_cache = true;
            break;
        case 'o':
            if (opts == NULL)
                opts = bk_opts_new();
            if (open_parse_opts(st->out, opts, o.optarg) < 0)
                goto out;
            break;
        case 'r':
        case 'w':
            if (has_rw) {
                out_error(st->out, "Only one -r/-w option may be given");
                goto out;
            }
            has_rw = true;
            flags = c == 'w' ? flags | BK_O_RDWR : flags & ~BK_O_RDWR;
            break;
        default:
            cmd_usage(st->out, &cmd_reopen_entry);
            goto out;
        }
    }
    if (o.optind != argc) {
        cmd_usage(st->out, &cmd_reopen_entry);
        goto out;
    }
    /* The options and the switches may not both say the same thing. */
    if (opts != NULL && has_rw && bk_opts_has(opts, "read-only")) {
        out_error(st->out, "Cannot set both -r/-w and 'read-only'");
        goto out;
    }
    if (opts != NULL && has_cache && (bk_opts_has(opts, "cache.direct") ||
                                      bk_opts_has(opts, "cache.no-flush"))) {
        out_error(st->out, "Cannot set both -c and the cache options");
        goto out;
    }
    ret = bk_dev_reopen(st->dev, flags, opts, &cause);
    opts = NULL;
    if (ret < 0)
        out_error(st->out, "%s", cause != NULL ? cause : strerror(-ret));
    free(cause);
out:
    bk_opts_free(opts);
    return ret;
}

static int quit_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    st->quit = true;
    return 0;
}
