/*
 * extents.c — "extents [-j] [off [len]]", blkmon's own command: the data
 * and hole extents of the image, as its layers and the file system below
 * them report them.
 *
 * The range runs to the image length (rounded up to 512 like "length").
 * -j prints what "qemu-img map --output=json" prints for the same image
 * and range, so scripts can compare the two.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "cmd/report.h"

struct extents_list {
    struct bk_extent *v;
    size_t n, cap;
};

static int extents_exec(struct cmd_state *st, int argc, char **argv);
static int extents_collect(const struct bk_extent *ext, void *arg);
static void extents_print(struct out *o, const struct extents_list *l,
                          bool json);

const struct cmd_entry cmd_extents_entry = {
    .name = "extents",
    .exec = extents_exec,
    .argmin = 0,
    .argmax = -1,
    .flags = CMD_F_EXTRA,
    .args = "[-j] [off [len]]",
    .oneline = "prints the data and hole extents of the image",
    .help =
        "\n"
        " prints the data and hole extents of the image\n"
        "\n"
        " Example:\n"
        " 'extents -j' - the whole image, as 'qemu-img map --output=json' does\n"
        "\n"
        " The range starts at off (default 0) and covers len bytes (default: to\n"
        " the end of the image).\n"
        " -j, -- print JSON, one object per extent\n"
        "\n",
};

static int extents_collect(const struct bk_extent *ext, void *arg)
{
    struct extents_list *l = arg;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    l->v[l->n++] = *ext;
    return 0;
}

static void extents_print(struct out *o, const struct extents_list *l,
                          bool json)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct bk_extent *e = &l->v[i];

        if (json) {
            out_printf(o, "%s{ \"start\": %" PRId64 ", \"length\": %" PRId64
                       ", \"depth\": %d, \"present\": %s, \"zero\": %s, "
                       "\"data\": %s", i == 0 ? "[" : "", e->offset,
                       e->length, e->depth, e->present ? "true" : "false",
                       e->zero ? "true" : "false", e->data ? "true" : "false");
            if (e->has_map)
                out_printf(o, ", \"offset\": %" PRId64, e->map);
            out_printf(o, "}%s", i + 1 < l->n ? ",\n" : "]\n");
        } else {
            char s1[64], s2[64];

            report_cvtstr((double)e->length, s1, sizeof(s1));
            report_cvtstr((double)e->offset, s2, sizeof(s2));
            out_printf(o, "%s (0x%" PRIx64 ") bytes %s at offset %s (0x%" PRIx64
                       ")\n", s1, (uint64_t)e->length,
                       e->data ? "data" : "hole", s2, (uint64_t)e->offset);
        }
    }
}

static int extents_exec(struct cmd_state *st, int argc, char **argv)
{
    struct extents_list l = { 0 };
    int64_t len, offset = 0, bytes, end;
    struct argv_opts o;
    bool json = false;
    int c, ret;

    argv_opts_init(&o, st->out, argc, argv, "j");
    while ((c = argv_opts_next(&o)) != -1) {
        if (c != 'j')
            return cmd_usage(st->out, &cmd_extents_entry);
        json = true;
    }
    if (argc - o.optind > 2)
        return cmd_usage(st->out, &cmd_extents_entry);
    len = bk_dev_length(st->dev);
    if (len < 0) {
        out_error(st->out, "Failed to query image length: %s",
                  strerror((int)-len));
        return (int)len;
    }
    if (o.optind < argc && num_size_arg(st->out, argv[o.optind], &offset) < 0)
        return -EINVAL;
    bytes = len > offset ? len - offset : 0;
    if (o.optind + 1 < argc &&
        num_size_arg(st->out, argv[o.optind + 1], &bytes) < 0)
        return -EINVAL;
    end = offset < len ? (bytes < len - offset ? offset + bytes : len)
                       : offset;
    if (end <= offset) {
        if (json)
            out_printf(st->out, "[{ \"start\": %" PRId64 ", \"length\": 0, "
                       "\"depth\": 0, \"present\": false, \"zero\": false, "
                       "\"data\": false}]\n", offset);
        return 0;
    }

    ret = bk_dev_extents(st->dev, offset, end - offset, extents_collect, &l);
    if (ret < 0) {
        out_error(st->out, "Failed to get allocation status: %s",
                  strerror(-ret));
        free(l.v);
        return ret;
    }
    extents_print(st->out, &l, json);
    free(l.v);
    return 0;
}
