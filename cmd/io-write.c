/*
 * io-write.c — "write" and "writev": synchronous writes of a pattern
 * (-P, default 0xcd), of a file's bytes repeated (-s), or of zeroes (-z,
 * -u lets them punch holes).  -b and -c target qemu features a raw image
 * lacks (VM state, compression) and fail as qemu-io's do, after the same
 * argument checks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/io.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "cmd/report.h"

static int write_exec(struct cmd_state *st, int argc, char **argv);
static int writev_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_write_entry = {
    .name = "write",
    .altname = "w",
    .exec = write_exec,
    .argmin = 2,
    .argmax = -1,
    .flags = CMD_F_WRITE,
    .args = "[-bcCfnquz] [-P pattern | -s source_file] off len",
    .oneline = "writes a number of bytes at a specified offset",
    .help =
        "\n"
        " writes a range of bytes from the given offset\n"
        "\n"
        " Example:\n"
        " 'write 512 1k' - writes 1 kilobyte at 512 bytes into the open file\n"
        "\n"
        " Writes into a segment of the currently open file, using a buffer\n"
        " filled with a set pattern (0xcdcdcdcd).\n"
        " -b, -- write to the VM state rather than the virtual disk\n"
        " -c, -- write compressed data with blk_write_compressed\n"
        " -f, -- use Force Unit Access semantics\n"
        " -n, -- with -z, don't allow slow fallback\n"
        " -p, -- ignored for backwards compatibility\n"
        " -P, -- use different pattern to fill file\n"
        " -s, -- use a pattern file to fill the write buffer\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        " -u, -- with -z, allow unmapping\n"
        " -z, -- write zeroes using blk_co_pwrite_zeroes\n"
        "\n",
};

const struct cmd_entry cmd_writev_entry = {
    .name = "writev",
    .exec = writev_exec,
    .argmin = 2,
    .argmax = -1,
    .flags = CMD_F_WRITE,
    .args = "[-Cfq] [-P pattern] off len [len..]",
    .oneline = "writes a number of bytes at a specified offset",
    .help =
        "\n"
        " writes a range of bytes from the given offset source from multiple buffers\n"
        "\n"
        " Example:\n"
        " 'writev 512 1k 1k' - writes 2 kilobytes at 512 bytes into the open file\n"
        "\n"
        " Writes into a segment of the currently open file, using a buffer\n"
        " filled with a set pattern (0xcdcdcdcd).\n"
        " -P, -- use different pattern to fill file\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -f, -- use Force Unit Access semantics\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        "\n",
};

static int write_exec(struct cmd_state *st, int argc, char **argv)
{
    bool Cflag = false, qflag = false, bflag = false, cflag = false;
    bool Pflag = false, zflag = false, sflag = false;
    bool fua = false, unmap = false, nofallback = false;
    const char *source = NULL;
    int64_t offset, count, elapsed = 0;
    int pattern = 0xcd, c, ret;
    struct argv_opts o;
    struct iovec iov;
    char *buf = NULL;

    argv_opts_init(&o, st->out, argc, argv, "bcCfnpP:qs:uz");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'b': bflag = true; break;
        case 'c': cflag = true; break;
        case 'C': Cflag = true; break;
        case 'f': fua = true; break;
        case 'n': nofallback = true; break;
        case 'p': break;    /* ignored, as in qemu-io */
        case 'q': qflag = true; break;
        case 'u': unmap = true; break;
        case 'z': zflag = true; break;
        case 's':
            sflag = true;
            source = o.optarg;
            break;
        case 'P':
            Pflag = true;
            pattern = num_parse_pattern(st->out, o.optarg);
            if (pattern < 0)
                return -EINVAL;
            break;
        default:
            return cmd_usage(st->out, &cmd_write_entry);
        }
    }
    if (o.optind != argc - 2)
        return cmd_usage(st->out, &cmd_write_entry);
    if (bflag && zflag) {
        out_printf(st->out, "-b and -z cannot be specified at the same "
                   "time\n");
        return -EINVAL;
    }
    if (fua && (bflag || cflag)) {
        out_printf(st->out, "-f and -b or -c cannot be specified at the "
                   "same time\n");
        return -EINVAL;
    }
    if (nofallback && !zflag) {
        out_printf(st->out, "-n requires -z to be specified\n");
        return -EINVAL;
    }
    if (unmap && !zflag) {
        out_printf(st->out, "-u requires -z to be specified\n");
        return -EINVAL;
    }
    if ((int)zflag + (int)Pflag + (int)sflag > 1) {
        out_printf(st->out, "Only one of -z, -P, and -s can be specified at "
                   "the same time\n");
        return -EINVAL;
    }
    if (io_parse_range(st, argv + o.optind,
                       nofallback ? IO_LEN_ANY : IO_LEN_MAX_UNLESS_N,
                       &offset, &count) < 0)
        return -EINVAL;
    if ((bflag || cflag) &&
        num_check_sector_aligned(st->out, offset, count) < 0)
        return -EINVAL;

    if (zflag) {
        ret = io_run(st, BK_OP_WRITE_ZEROES, offset, count, NULL, 0,
                     (fua ? BK_REQ_FUA : 0) | (unmap ? BK_REQ_MAY_UNMAP : 0),
                     &elapsed);
    } else {
        buf = sflag ? io_buf_from_file(st, (size_t)count, source)
                    : io_buf_alloc(st, offset, (size_t)count, pattern);
        if (buf == NULL)
            return -EINVAL;
        iov.iov_base = buf;
        iov.iov_len = (size_t)count;
        /* -c writes compressed clusters where the driver can (qcow2;
         * raw answers ENOTSUP); -b the VM state area (qcow2 has one). */
        if (cflag)
            ret = io_run(st, BK_OP_WRITE, offset, count, &iov, 1,
                         BK_REQ_COMPRESSED, &elapsed);
        else if (bflag)
            ret = io_run(st, BK_OP_WRITE, offset, count, &iov, 1,
                         BK_REQ_VMSTATE, &elapsed);
        else
            ret = io_run(st, BK_OP_WRITE, offset, count, &iov, 1,
                         fua ? BK_REQ_FUA : 0, &elapsed);
    }
    if (ret < 0) {
        out_printf(st->out, "write failed: %s\n", strerror(-ret));
        goto out;
    }
    if (!qflag)
        report_io(st->out, "wrote", elapsed, offset, count, count, 1, Cflag);
out:
    io_buf_free(st, buf);
    return ret;
}

static int writev_exec(struct cmd_state *st, int argc, char **argv)
{
    bool Cflag = false, qflag = false, fua = false;
    int64_t offset, elapsed = 0;
    int pattern = 0xcd, c, ret;
    struct argv_opts o;
    struct io_vec v;

    argv_opts_init(&o, st->out, argc, argv, "CfqP:");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'C': Cflag = true; break;
        case 'f': fua = true; break;
        case 'q': qflag = true; break;
        case 'P':
            pattern = num_parse_pattern(st->out, o.optarg);
            if (pattern < 0)
                return -EINVAL;
            break;
        default:
            return cmd_usage(st->out, &cmd_writev_entry);
        }
    }
    if (o.optind > argc - 2)
        return cmd_usage(st->out, &cmd_writev_entry);
    if (io_parse_vec(st, argv + o.optind, argc - o.optind, pattern, &offset,
                     &v) < 0)
        return -EINVAL;

    ret = io_run_aio(st, BK_OP_WRITE, offset, v.size, v.iov, v.iovcnt,
                 fua ? BK_REQ_FUA : 0, &elapsed);
    if (ret < 0)
        out_printf(st->out, "writev failed: %s\n", strerror(-ret));
    else if (!qflag)
        report_io(st->out, "wrote", elapsed, offset, v.size, v.size, 1, Cflag);
    io_vec_destroy(st, &v);
    return ret;
}
