/*
 * image.c — commands about the image as a whole: "flush", "truncate",
 * "length", "info", "discard", "alloc" and "map".
 *
 * Allocation: "alloc" and "map" ask whether ranges are allocated in the
 * top image itself (bk_dev_is_allocated), in the loops qemu-io runs; a raw
 * image is allocated everywhere below its length, holes in its file
 * included, which are what "extents" (extents.c) shows.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/io.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "cmd/report.h"

/* qemu's BDRV_MAX_LENGTH: INT64_MAX rounded down to 1 GiB. */
#define IMAGE_MAX_LENGTH (INT64_MAX - INT64_MAX % (1LL << 30))

static int flush_exec(struct cmd_state *st, int argc, char **argv);
static int truncate_exec(struct cmd_state *st, int argc, char **argv);
static int length_exec(struct cmd_state *st, int argc, char **argv);
static int info_exec(struct cmd_state *st, int argc, char **argv);
static int discard_exec(struct cmd_state *st, int argc, char **argv);
static int alloc_exec(struct cmd_state *st, int argc, char **argv);
static int map_exec(struct cmd_state *st, int argc, char **argv);
static void image_req_done(struct bk_req *req, int ret);

/* qemu's PreallocMode names, indexed by enum bk_prealloc. */
static const char *const image_prealloc_names[] = {
    [BK_PREALLOC_OFF] = "off",
    [BK_PREALLOC_METADATA] = "metadata",
    [BK_PREALLOC_FALLOC] = "falloc",
    [BK_PREALLOC_FULL] = "full",
};

const struct cmd_entry cmd_flush_entry = {
    .name = "flush",
    .altname = "f",
    .exec = flush_exec,
    .oneline = "flush all in-core file state to disk",
};

const struct cmd_entry cmd_truncate_entry = {
    .name = "truncate",
    .altname = "t",
    .exec = truncate_exec,
    .argmin = 1,
    .argmax = 3,
    .flags = CMD_F_WRITE,
    .args = "[-m prealloc_mode] off",
    .oneline = "truncates the current file at the given offset",
};

const struct cmd_entry cmd_length_entry = {
    .name = "length",
    .altname = "l",
    .exec = length_exec,
    .oneline = "gets the length of the current file",
};

const struct cmd_entry cmd_info_entry = {
    .name = "info",
    .altname = "i",
    .exec = info_exec,
    .oneline = "prints information about the current file",
};

const struct cmd_entry cmd_discard_entry = {
    .name = "discard",
    .altname = "d",
    .exec = discard_exec,
    .argmin = 2,
    .argmax = -1,
    .flags = CMD_F_WRITE,
    .args = "[-Cq] off len",
    .oneline = "discards a number of bytes at a specified offset",
    .help =
        "\n"
        " discards a range of bytes from the given offset\n"
        "\n"
        " Example:\n"
        " 'discard 512 1k' - discards 1 kilobyte from 512 bytes into the file\n"
        "\n"
        " Discards a segment of the currently open file.\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        "\n",
};

const struct cmd_entry cmd_alloc_entry = {
    .name = "alloc",
    .altname = "a",
    .exec = alloc_exec,
    .argmin = 1,
    .argmax = 2,
    .args = "offset [count]",
    .oneline = "checks if offset is allocated in the file",
};

const struct cmd_entry cmd_map_entry = {
    .name = "map",
    .exec = map_exec,
    .argmin = 0,
    .argmax = 0,
    .args = "",
    .oneline = "prints the allocated areas of a file",
};

static void image_req_done(struct bk_req *req, int ret)
{
    (void)req;
    (void)ret;
}

static int flush_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* qemu-io prints nothing when a flush fails; the status shows it. */
    return io_run(st, BK_OP_FLUSH, 0, 0, NULL, 0, 0, NULL);
}

static int truncate_exec(struct cmd_state *st, int argc, char **argv)
{
    enum bk_prealloc prealloc = BK_PREALLOC_OFF;
    struct bk_req req = { .op = BK_OP_TRUNCATE, .done = image_req_done,
                          .source = &st->source };
    struct argv_opts o;
    bool known;
    int c, ret;

    argv_opts_init(&o, st->out, argc, argv, "m:");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'm':
            known = false;
            for (size_t i = 0; i < sizeof(image_prealloc_names) /
                                   sizeof(image_prealloc_names[0]); i++) {
                if (strcmp(o.optarg, image_prealloc_names[i]) == 0) {
                    prealloc = (enum bk_prealloc)i;
                    known = true;
                }
            }
            if (!known) {
                out_error(st->out, "Invalid preallocation mode '%s'",
                          o.optarg);
                return -EINVAL;
            }
            break;
        default:
            return cmd_usage(st->out, &cmd_truncate_entry);
        }
    }
    /* qemu-io takes the first operand and ignores the rest; with none it
     * crashes, where we print the usage. */
    if (o.optind >= argc)
        return cmd_usage(st->out, &cmd_truncate_entry);
    /* qemu-io names argv[1] in the complaint, whatever it parsed. */
    ret = num_parse_size(st->out, argv[o.optind], &req.offset);
    if (ret < 0) {
        num_print_error(st->out, ret, argv[1]);
        return ret;
    }
    /* The block layer's largest length: INT64_MAX rounded down to its
     * largest request alignment, checked before anything else. */
    if (req.offset > IMAGE_MAX_LENGTH) {
        out_error(st->out, "offset(%" PRId64 ") exceeds maximum(%" PRId64 ")",
                  req.offset, (int64_t)IMAGE_MAX_LENGTH);
        return -EFBIG;
    }
    req.flags = prealloc;
    ret = bk_run(st->dev, &req);
    if (ret == 0)
        return 0;
    /* The block layer's words when it has them, as error_report prints. */
    if (req.cause[0] != '\0')
        out_error(st->out, "%s", req.cause);
    else
        out_error(st->out, "Could not resize file: %s", strerror(-ret));
    return ret;
}

static int length_exec(struct cmd_state *st, int argc, char **argv)
{
    int64_t size = bk_dev_length(st->dev);
    char s[64];

    (void)argc;
    (void)argv;
    if (size < 0) {
        out_printf(st->out, "getlength: %s\n", strerror((int)-size));
        return (int)size;
    }
    report_cvtstr((double)size, s, sizeof(s));
    out_printf(st->out, "%s\n", s);
    return 0;
}

static int info_exec(struct cmd_state *st, int argc, char **argv)
{
    struct bk_info info;
    char s1[64], s2[64];
    int ret;

    (void)argc;
    (void)argv;
    out_printf(st->out, "format name: %s\n", bk_dev_format_name(st->dev));
    /* qemu-io prints the line a second time when the top node is a
     * protocol driver, with the protocol's name (measured with file,
     * blkdebug and nbd+unix, whose format is "nbd"). */
    if (!bk_dev_top_is_format(st->dev) && bk_dev_protocol_name(st->dev))
        out_printf(st->out, "format name: %s\n",
                   bk_dev_protocol_name(st->dev));
    ret = bk_dev_get_info(st->dev, &info);
    if (ret < 0)
        return ret;     /* qemu-io says nothing more, and fails */
    report_cvtstr((double)info.cluster_size, s1, sizeof(s1));
    report_cvtstr((double)info.vm_state_offset, s2, sizeof(s2));
    out_printf(st->out, "cluster size: %s\n", s1);
    out_printf(st->out, "vm state offset: %s\n", s2);
    if (info.specific != NULL)
        out_printf(st->out, "Format specific information:\n%s", info.specific);
    free(info.specific);
    return 0;
}

static int discard_exec(struct cmd_state *st, int argc, char **argv)
{
    bool Cflag = false, qflag = false;
    int64_t offset, bytes, elapsed = 0;
    struct argv_opts o;
    int c, ret;

    argv_opts_init(&o, st->out, argc, argv, "Cq");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'C': Cflag = true; break;
        case 'q': qflag = true; break;
        default:
            return cmd_usage(st->out, &cmd_discard_entry);
        }
    }
    if (o.optind != argc - 2)
        return cmd_usage(st->out, &cmd_discard_entry);
    if (io_parse_range(st, argv + o.optind, IO_LEN_MAX, &offset, &bytes) < 0)
        return -EINVAL;
    ret = io_run(st, BK_OP_DISCARD, offset, bytes, NULL, 0, 0, &elapsed);
    if (ret < 0) {
        out_printf(st->out, "discard failed: %s\n", strerror(-ret));
        return ret;
    }
    if (!qflag)
        report_io(st->out, "discard", elapsed, offset, bytes, bytes, 1, Cflag);
    return 0;
}

static int alloc_exec(struct cmd_state *st, int argc, char **argv)
{
    int64_t offset, start, count = 512, remaining, num, sum = 0;
    char s[64];
    int ret;

    if (num_size_arg(st->out, argv[1], &offset) < 0)
        return -EINVAL;
    if (argc == 3 && num_size_arg(st->out, argv[2], &count) < 0)
        return -EINVAL;
    start = offset;
    remaining = count;
    while (remaining > 0) {
        ret = bk_dev_is_allocated(st->dev, offset, remaining, &num);
        if (ret < 0) {
            out_printf(st->out, "is_allocated failed: %s\n", strerror(-ret));
            return ret;
        }
        offset += num;
        remaining -= num;
        if (ret)
            sum += num;
        if (num == 0) {           /* the end of the image */
            count -= remaining;
            remaining = 0;
        }
    }
    report_cvtstr((double)start, s, sizeof(s));
    out_printf(st->out, "%" PRId64 "/%" PRId64 " bytes allocated at offset %s\n",
               sum, count, s);
    return 0;
}

/* How far from offset the allocation state stays the same: 1 or 0 for
 * allocated or not, with the length in *pnum; or -errno. */
static int map_run(struct bk_dev *dev, int64_t offset, int64_t bytes,
                   int64_t *pnum)
{
    int64_t num;
    int first = bk_dev_is_allocated(dev, offset, bytes, &num), ret;

    if (first < 0)
        return first;
    *pnum = num;
    while (bytes > 0) {
        offset += num;
        bytes -= num;
        ret = bk_dev_is_allocated(dev, offset, bytes, &num);
        if (ret != first || num == 0)
            break;
        *pnum += num;
    }
    return first;
}

static int map_exec(struct cmd_state *st, int argc, char **argv)
{
    int64_t offset = 0, bytes = bk_dev_length(st->dev), num;
    char s1[64], s2[64];
    int ret;

    (void)argc;
    (void)argv;
    if (bytes < 0) {
        out_error(st->out, "Failed to query image length: %s", strerror((int)-bytes));
        return (int)bytes;
    }
    while (bytes > 0) {
        ret = map_run(st->dev, offset, bytes, &num);
        if (ret < 0) {
            out_error(st->out, "Failed to get allocation status: %s", strerror(-ret));
            return ret;
        }
        if (num == 0) {
            out_error(st->out, "Unexpected end of image");
            return -EIO;
        }
        report_cvtstr((double)num, s1, sizeof(s1));
        report_cvtstr((double)offset, s2, sizeof(s2));
        out_printf(st->out, "%s (0x%" PRIx64 ") bytes %s at offset %s (0x%" PRIx64
                   ")\n", s1, (uint64_t)num,
                   ret ? "    allocated" : "not allocated", s2,
                   (uint64_t)offset);
        offset += num;
        bytes -= num;
    }
    return 0;
}
