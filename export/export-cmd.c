/*
 * export-cmd.c — the commands "export" (list, or start an export) and
 * "unexport", blkmon's own (left out of qemu-io's help listing).
 *
 * The export name "" (the NBD default) cannot be typed as a word: on the
 * command line "" or '' stand for it, and an export may also be named by
 * its address.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/out.h"
#include "cmd/report.h"
#include "export/export.h"
#include "export/serve.h"
#include "fuse/server.h"
#include "nbd/server.h"

static int export_exec(struct cmd_state *st, int argc, char **argv);
static int unexport_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_export_entry = {
    .name = "export",
    .exec = export_exec,
    .argmin = 0,
    .argmax = -1,
    /* Listing and starting touch no I/O: they run at once in the TUI. */
    .flags = CMD_F_EXTRA | CMD_F_NOFILE_OK | CMD_F_CONTROL,
    .args = "[nbd [-r] [-n name] [-d description] addr | "
            "fuse [-r] [-g] [-a on|off|auto] [-n name] mountpoint]",
    .oneline = "serves the image to other programs, or lists the exports",
    .help =
        "\n"
        " without arguments, lists the exports and their clients; with 'nbd',\n"
        " serves the open image over the NBD protocol at addr; with 'fuse',\n"
        " shows it as a regular file mounted over the file mountpoint\n"
        "\n"
        " Example:\n"
        " 'export nbd unix:/tmp/img.sock' - export '' on a Unix socket\n"
        " 'export nbd -r -n base :10809' - read-only export 'base' on\n"
        "                                  127.0.0.1, port 10809\n"
        " 'export fuse /tmp/disk' - /tmp/disk (an existing file) is the image\n"
        " 'export' - every export: name, kind, address, clients with their\n"
        "            requests, bytes read and written, errors, requests in flight\n"
        "\n"
        " addr is unix:PATH (a socket only its owner may use), HOST:PORT, or\n"
        " :PORT (127.0.0.1).  Several exports may share an address; clients\n"
        " choose one by name.  Client requests go through the image's whole\n"
        " stack: blkdebug rules and breakpoints act on them.\n"
        " -r, -- export read-only\n"
        " -n, -- the export name (default: the empty name)\n"
        " -d, -- a description clients may be shown\n"
        " TLS (--tls-creds, --tls on the command line) applies to every NBD export.\n"
        "\n"
        " fuse: the file reads, writes, fallocates (punch hole, zero range),\n"
        " fsyncs, truncates and seeks data and holes through the image's stack;\n"
        " each process that opens it is a client.  The export is named by\n"
        " its mountpoint unless -n names it.\n"
        " -r, -- export read-only (mode 0400; else 0600, owned by blkmon's user)\n"
        " -g, -- growable: writes past the end grow the image\n"
        " -a, -- allow_other: on, off, or auto (default: on when the mount\n"
        "        allows it)\n"
        "\n",
};

const struct cmd_entry cmd_unexport_entry = {
    .name = "unexport",
    .exec = unexport_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CMD_F_EXTRA | CMD_F_NOFILE_OK,
    .args = "name",
    .oneline = "stops an export",
    .help =
        "\n"
        " stops the export called name (\"\" is the empty name; its address\n"
        " names it too): it takes no new clients or requests, answers what is\n"
        " in flight (requests parked at a breakpoint are resumed), flushes the\n"
        " image and closes its clients\n"
        "\n",
};

static void export_list_client(struct cmd_state *st,
                               const struct export_client *c, int64_t now)
{
    char rd[64], wr[64];

    report_cvtstr((double)c->answered.bytes_read, rd, sizeof(rd));
    report_cvtstr((double)c->answered.bytes_written, wr, sizeof(wr));
    out_printf(st->out, "  client %" PRIu64 " %s: %.1f s, %" PRIu64 " requests, %u in "
               "flight, %s read, %s written, %" PRIu64 " errors\n",
               c->source.id, c->peer, (double)(now - c->connect_ns) / 1e9,
               c->answered.requests, c->inflight, rd, wr,
               c->answered.errors);
}

static int export_list(struct cmd_state *st)
{
    int64_t now = bk_now_ns();

    if (export_count(st->exports) == 0) {
        out_printf(st->out, "no exports\n");
        return 0;
    }
    for (struct export *e = export_first(st->exports); e != NULL;
         e = e->next) {
        out_printf(st->out, "export '%s': %s %s, %s, %zu client%s (%" PRIu64
                   " since start)\n", e->name,
                   e->ops->kind, e->where,
                   e->read_only ? "read-only" : "writable", e->nclients,
                   e->nclients == 1 ? "" : "s", e->nclients_total);
        for (struct export_client *c = e->clients; c != NULL; c = c->next)
            export_list_client(st, c, now);
    }
    return 0;
}

static int export_nbd(struct cmd_state *st, int argc, char **argv)
{
    const struct export_defaults *d = export_defaults(st->exports);
    struct nbd_export_opts o = { .name = "" };
    struct argv_opts ao;
    char *cause = NULL;
    int c, ret;

    argv_opts_init(&ao, st->out, argc, argv, "rn:d:");
    while ((c = argv_opts_next(&ao)) != -1) {
        switch (c) {
        case 'r': o.read_only = true; break;
        case 'n': o.name = ao.optarg; break;
        case 'd': o.description = ao.optarg; break;
        default:
            return cmd_usage(st->out, &cmd_export_entry);
        }
    }
    if (ao.optind != argc - 1)
        return cmd_usage(st->out, &cmd_export_entry);
    if (st->dev == NULL) {
        out_eprintf(st->out, "no file open, try 'help open'\n");
        return -EINVAL;
    }
    if (strcmp(o.name, "\"\"") == 0 || strcmp(o.name, "''") == 0)
        o.name = "";
    o.addr = argv[ao.optind];
    o.tls_creds = d->tls_creds;
    o.tls = d->tls;
    ret = nbd_export_start(st->exports, st->dev, &o, NULL, &cause);
    if (ret < 0) {
        out_error(st->out, "%s", cause != NULL ? cause : strerror(-ret));
        free(cause);
        return ret;
    }
    return 0;
}

static int export_fuse(struct cmd_state *st, int argc, char **argv)
{
    struct fuse_export_opts o = { .name = NULL };
    struct argv_opts ao;
    char *cause = NULL;
    int c, ret;

    argv_opts_init(&ao, st->out, argc, argv, "rgn:a:");
    while ((c = argv_opts_next(&ao)) != -1) {
        switch (c) {
        case 'r': o.read_only = true; break;
        case 'g': o.growable = true; break;
        case 'n': o.name = ao.optarg; break;
        case 'a':
            if (fuse_export_allow_other_parse(ao.optarg,
                                              &o.allow_other) < 0) {
                out_error(st->out, "Invalid allow-other value '%s' (on, "
                          "off, auto)", ao.optarg);
                return -EINVAL;
            }
            break;
        default:
            return cmd_usage(st->out, &cmd_export_entry);
        }
    }
    if (ao.optind != argc - 1)
        return cmd_usage(st->out, &cmd_export_entry);
    if (st->dev == NULL) {
        out_eprintf(st->out, "no file open, try 'help open'\n");
        return -EINVAL;
    }
    o.mountpoint = argv[ao.optind];
    ret = fuse_export_start(st->exports, st->dev, &o, NULL, &cause);
    if (ret < 0) {
        out_error(st->out, "%s", cause != NULL ? cause : strerror(-ret));
        free(cause);
        return ret;
    }
    return 0;
}

static int export_exec(struct cmd_state *st, int argc, char **argv)
{
    if (argc == 1)
        return export_list(st);
    if (strcmp(argv[1], "nbd") == 0)
        return export_nbd(st, argc - 1, argv + 1);
    if (strcmp(argv[1], "fuse") == 0)
        return export_fuse(st, argc - 1, argv + 1);
    out_error(st->out, "unknown export kind '%s' (nbd and fuse are known)",
              argv[1]);
    return -EINVAL;
}

static int unexport_exec(struct cmd_state *st, int argc, char **argv)
{
    const char *name = argv[1];
    struct export *e;

    (void)argc;
    if (strcmp(name, "\"\"") == 0 || strcmp(name, "''") == 0)
        name = "";
    e = export_find(st->exports, name);
    for (struct export *x = export_first(st->exports); e == NULL && x != NULL;
         x = x->next)
        if (strcmp(x->where, name) == 0)
            e = x;
    if (e == NULL) {
        out_error(st->out, "export '%s' not found", name);
        return -ENOENT;
    }
    export_remove(e);
    return 0;
}
