/*
 * io-read.c — "read" and "readv": synchronous reads, optionally verified
 * against a pattern (-P, narrowed by -s/-l for read) and dumped (-v).
 * A failed verification still prints the report, and fails the command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/io.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "cmd/report.h"

static int read_exec(struct cmd_state *st, int argc, char **argv);
static int readv_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_read_entry = {
    .name = "read",
    .altname = "r",
    .exec = read_exec,
    .argmin = 2,
    .argmax = -1,
    .args = "[-abCqv] [-P pattern [-s off] [-l len]] off len",
    .oneline = "reads a number of bytes at a specified offset",
    .help =
        "\n"
        " reads a range of bytes from the given offset\n"
        "\n"
        " Example:\n"
        " 'read -v 512 1k' - dumps 1 kilobyte read from 512 bytes into the file\n"
        "\n"
        " Reads a segment of the currently open file, optionally dumping it to the\n"
        " standard output stream (with -v option) for subsequent inspection.\n"
        " -b, -- read from the VM state rather than the virtual disk\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -l, -- length for pattern verification (only with -P)\n"
        " -p, -- ignored for backwards compatibility\n"
        " -P, -- use a pattern to verify read data\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        " -s, -- start offset for pattern verification (only with -P)\n"
        " -v, -- dump buffer to standard output\n"
        "\n",
};

const struct cmd_entry cmd_readv_entry = {
    .name = "readv",
    .exec = readv_exec,
    .argmin = 2,
    .argmax = -1,
    .args = "[-Cqv] [-P pattern] off len [len..]",
    .oneline = "reads a number of bytes at a specified offset",
    .help =
        "\n"
        " reads a range of bytes from the given offset into multiple buffers\n"
        "\n"
        " Example:\n"
        " 'readv -v 512 1k 1k ' - dumps 2 kilobytes read from 512 bytes into the file\n"
        "\n"
        " Reads a segment of the currently open file, optionally dumping it to the\n"
        " standard output stream (with -v option) for subsequent inspection.\n"
        " Uses multiple iovec buffers if more than one byte range is specified.\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -P, -- use a pattern to verify read data\n"
        " -v, -- dump buffer to standard output\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        "\n",
};

static int read_exec(struct cmd_state *st, int argc, char **argv)
{
    bool Cflag = false, qflag = false, vflag = false, bflag = false;
    bool Pflag = false, sflag = false, lflag = false;
    int64_t offset, count, pat_off = 0, pat_len = 0, elapsed = 0;
    int pattern = 0, c, ret;
    struct argv_opts o;
    struct iovec iov;
    char *buf;

    argv_opts_init(&o, st->out, argc, argv, "bCl:pP:qs:v");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'b': bflag = true; break;
        case 'C': Cflag = true; break;
        case 'p': break;    /* ignored, as in qemu-io */
        case 'q': qflag = true; break;
        case 'v': vflag = true; break;
        case 'l':
            lflag = true;
            if (num_size_arg(st->out, o.optarg, &pat_len) < 0)
                return -EINVAL;
            break;
        case 's':
            sflag = true;
            if (num_size_arg(st->out, o.optarg, &pat_off) < 0)
                return -EINVAL;
            break;
        case 'P':
            Pflag = true;
            pattern = num_parse_pattern(st->out, o.optarg);
            if (pattern < 0)
                return -EINVAL;
            break;
        default:
            return cmd_usage(st->out, &cmd_read_entry);
        }
    }
    if (o.optind != argc - 2)
        return cmd_usage(st->out, &cmd_read_entry);
    if (io_parse_range(st, argv + o.optind, IO_LEN_MAX, &offset, &count) < 0)
        return -EINVAL;
    if (!Pflag && (lflag || sflag))
        return cmd_usage(st->out, &cmd_read_entry);
    if (!lflag)
        pat_len = count - pat_off;
    if (pat_len < 0 || pat_len + pat_off > count) {
        out_printf(st->out, "pattern verification range exceeds end of "
                   "read data\n");
        return -EINVAL;
    }
    if (bflag && num_check_sector_aligned(st->out, offset, count) < 0)
        return -EINVAL;

    buf = io_buf_alloc(st, offset, (size_t)count, IO_READ_BUF);
    iov.iov_base = buf;
    iov.iov_len = (size_t)count;
    /* -b reads the VM state area (qcow2 has one; raw none). */
    if (bflag)
        ret = io_run(st, BK_OP_READ, offset, count, &iov, 1, BK_REQ_VMSTATE,
                     &elapsed);
    else
        ret = io_run(st, BK_OP_READ, offset, count, &iov, 1, 0, &elapsed);
    if (ret < 0) {
        out_printf(st->out, "read failed: %s\n", strerror(-ret));
        goto out;
    }
    if (Pflag)
        ret = io_verify(st, buf + pat_off, pattern, offset + pat_off,
                        pat_len);
    if (qflag)
        goto out;
    if (vflag)
        report_dump(st->out, buf, offset, count);
    report_io(st->out, "read", elapsed, offset, count, count, 1, Cflag);
out:
    io_buf_free(st, buf);
    return ret;
}

static int readv_exec(struct cmd_state *st, int argc, char **argv)
{
    bool Cflag = false, qflag = false, vflag = false, Pflag = false;
    int64_t offset, elapsed = 0;
    int pattern = 0, c, ret;
    struct argv_opts o;
    struct io_vec v;

    argv_opts_init(&o, st->out, argc, argv, "CP:qv");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'C': Cflag = true; break;
        case 'q': qflag = true; break;
        case 'v': vflag = true; break;
        case 'P':
            Pflag = true;
            pattern = num_parse_pattern(st->out, o.optarg);
            if (pattern < 0)
                return -EINVAL;
            break;
        default:
            return cmd_usage(st->out, &cmd_readv_entry);
        }
    }
    if (o.optind > argc - 2)
        return cmd_usage(st->out, &cmd_readv_entry);
    if (io_parse_vec(st, argv + o.optind, argc - o.optind, IO_READ_BUF,
                     &offset,
                     &v) < 0)
        return -EINVAL;

    ret = io_run_aio(st, BK_OP_READ, offset, v.size, v.iov, v.iovcnt, 0,
                 &elapsed);
    if (ret < 0) {
        out_printf(st->out, "readv failed: %s\n", strerror(-ret));
        goto out;
    }
    if (Pflag)
        ret = io_verify(st, v.buf, pattern, offset, v.size);
    if (qflag)
        goto out;
    if (vflag)
        report_dump(st->out, v.buf, offset, v.size);
    report_io(st->out, "read", elapsed, offset, v.size, v.size, 1, Cflag);
out:
    io_vec_destroy(st, &v);
    return ret;
}
