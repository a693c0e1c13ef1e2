/*
 * extents.c — "extents [-j] [off [len]]", blkmon's own command: the data
 * and hole extents of the image file, as the file system reports them.
 *
 * The range runs to the image length (rounded up to 512 like "length");
 * whatever the file does not cover there (its unaligned tail) is a hole.
 * -j prints what "qemu-img map -f raw --output=json" prints for the same
 * range, so scripts can compare the two.
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
    int64_t next;                /* where the next extent should start */
    int64_t end;                 /* end of the range asked for */
};

static int extents_exec(struct cmd_state *st, int argc, char **argv);
static void extents_add(struct extents_list *l, int64_t offset,
                        int64_t length, bool data);
static int extents_collect(const struct bk_extent *ext, void *arg);
static void extents_print(const struct extents_list *l, bool json);

const struct cmd_entry cmd_extents_entry = {
    .name = "extents",
    .exec = extents_exec,
    .argmin = 0,
    .argmax = -1,
    .flags = CMD_F_EXTRA,
    .args = "[-j] [off [len]]",
    .oneline = "prints the data and hole extents of the image file",
    .help =
        "\n"
        " prints the data and hole extents of the image file\n"
        "\n"
        " Example:\n"
        " 'extents -j' - the whole image, as 'qemu-img map --output=json' does\n"
        "\n"
        " The range starts at off (default 0) and covers len bytes (default: to\n"
        " the end of the image).\n"
        " -j, -- print JSON, one object per extent\n"
        "\n",
};

/* Append, merging with the previous extent when it is of the same kind. */
static void extents_add(struct extents_list *l, int64_t offset,
                        int64_t length, bool data)
{
    struct bk_extent *last = l->n > 0 ? &l->v[l->n - 1] : NULL;

    if (length <= 0)
        return;
    if (last != NULL && last->data == data &&
        last->offset + last->length == offset) {
        last->length += length;
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    l->v[l->n++] = (struct bk_extent){ offset, length, data };
}

static int extents_collect(const struct bk_extent *ext, void *arg)
{
    struct extents_list *l = arg;
    int64_t start = ext->offset, stop = ext->offset + ext->length;

    /* Clip to the range; a gap the backend left out is a hole. */
    if (stop > l->end)
        stop = l->end;
    if (start < l->next)
        start = l->next;
    if (start > l->end)
        start = l->end;
    if (start > l->next) {
        extents_add(l, l->next, start - l->next, false);
        l->next = start;
    }
    if (stop > start) {
        extents_add(l, start, stop - start, ext->data);
        l->next = stop;
    }
    return 0;
}

static void extents_print(const struct extents_list *l, bool json)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct bk_extent *e = &l->v[i];

        if (json) {
            out_printf("%s{ \"start\": %" PRId64 ", \"length\": %" PRId64
                       ", \"depth\": 0, \"present\": true, \"zero\": %s, "
                       "\"data\": %s, \"offset\": %" PRId64 "}%s",
                       i == 0 ? "[" : "", e->offset, e->length,
                       e->data ? "false" : "true", e->data ? "true" : "false",
                       e->offset, i + 1 < l->n ? ",\n" : "]\n");
        } else {
            char s1[64], s2[64];

            report_cvtstr((double)e->length, s1, sizeof(s1));
            report_cvtstr((double)e->offset, s2, sizeof(s2));
            out_printf("%s (0x%" PRIx64 ") bytes %s at offset %s (0x%" PRIx64
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

    argv_opts_init(&o, argc, argv, "j");
    while ((c = argv_opts_next(&o)) != -1) {
        if (c != 'j')
            return cmd_usage(&cmd_extents_entry);
        json = true;
    }
    if (argc - o.optind > 2)
        return cmd_usage(&cmd_extents_entry);
    len = bk_dev_length(st->dev);
    if (len < 0) {
        out_error("Failed to query image length: %s", strerror((int)-len));
        return (int)len;
    }
    if (o.optind < argc && num_size_arg(argv[o.optind], &offset) < 0)
        return -EINVAL;
    bytes = len > offset ? len - offset : 0;
    if (o.optind + 1 < argc && num_size_arg(argv[o.optind + 1], &bytes) < 0)
        return -EINVAL;
    end = offset < len ? (bytes < len - offset ? offset + bytes : len)
                       : offset;
    if (end <= offset) {
        if (json)
            out_printf("[{ \"start\": %" PRId64 ", \"length\": 0, \"depth\": 0,"
                       " \"present\": false, \"zero\": false, \"data\": "
                       "false}]\n", offset);
        return 0;
    }

    l.next = offset;
    l.end = end;
    ret = bk_dev_extents(st->dev, offset, end - offset, extents_collect, &l);
    if (ret < 0) {
        out_error("Failed to get allocation status: %s", strerror(-ret));
        free(l.v);
        return ret;
    }
    /* The rest, past the end of the file, reads as zeroes. */
    extents_collect(&(struct bk_extent){ end, 0, false }, &l);
    extents_print(&l, json);
    free(l.v);
    return 0;
}
