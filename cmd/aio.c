/*
 * aio.c — "aio_read", "aio_write" and "aio_flush".
 *
 * An aio command parses, submits and returns at once; its request carries
 * everything the completion needs (an aio_job around the bk_req), and the
 * report is printed by the completion, on the loop thread, whenever the
 * loop next runs: during a later synchronous command, "aio_flush", "close"
 * or the drain at exit.  As in qemu-io, a submitted command has succeeded:
 * I/O errors and pattern mismatches at completion are printed but do not
 * change the exit status.
 *
 * A job counts in the session's aio_pending from its submission until its
 * report is printed: a big read checked against a pattern is checked on
 * the workers after its request ended (io_verify_async), and aio_flush
 * waits for that report as qemu-io's would have come.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/io.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "cmd/report.h"

struct aio_job {
    struct bk_req req;           /* first: recovered from the request */
    struct cmd_state *st;
    struct io_vec vec;
    int64_t offset;
    int64_t size;
    int64_t start_ns;
    int64_t elapsed_ns;          /* request time, taken at its end */
    int pattern;
    bool Pflag, qflag, vflag, Cflag;
};

static int aio_read_exec(struct cmd_state *st, int argc, char **argv);
static int aio_write_exec(struct cmd_state *st, int argc, char **argv);
static int aio_flush_exec(struct cmd_state *st, int argc, char **argv);
static void aio_read_done(struct bk_req *req, int ret);
static void aio_write_done(struct bk_req *req, int ret);
static void aio_job_submit(struct aio_job *job, enum bk_op op,
                           unsigned flags, void (*done)(struct bk_req *, int));
static void aio_read_checked(void *arg, int ret);
static void aio_job_end(struct aio_job *job);

const struct cmd_entry cmd_aio_read_entry = {
    .name = "aio_read",
    .exec = aio_read_exec,
    .argmin = 2,
    .argmax = -1,
    .args = "[-Ciqv] [-P pattern] off len [len..]",
    .oneline = "asynchronously reads a number of bytes",
    .help =
        "\n"
        " asynchronously reads a range of bytes from the given offset\n"
        "\n"
        " Example:\n"
        " 'aio_read -v 512 1k 1k ' - dumps 2 kilobytes read from 512 bytes into the file\n"
        "\n"
        " Reads a segment of the currently open file, optionally dumping it to the\n"
        " standard output stream (with -v option) for subsequent inspection.\n"
        " The read is performed asynchronously and the aio_flush command must be\n"
        " used to ensure all outstanding aio requests have been completed.\n"
        " Note that due to its asynchronous nature, this command will be\n"
        " considered successful once the request is submitted, independently\n"
        " of potential I/O errors or pattern mismatches.\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -P, -- use a pattern to verify read data\n"
        " -i, -- treat request as invalid, for exercising stats\n"
        " -v, -- dump buffer to standard output\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        "\n",
};

const struct cmd_entry cmd_aio_write_entry = {
    .name = "aio_write",
    .exec = aio_write_exec,
    .argmin = 2,
    .argmax = -1,
    .flags = CMD_F_WRITE,
    .args = "[-Cfiquz] [-P pattern] off len [len..]",
    .oneline = "asynchronously writes a number of bytes",
    .help =
        "\n"
        " asynchronously writes a range of bytes from the given offset source\n"
        " from multiple buffers\n"
        "\n"
        " Example:\n"
        " 'aio_write 512 1k 1k' - writes 2 kilobytes at 512 bytes into the open file\n"
        "\n"
        " Writes into a segment of the currently open file, using a buffer\n"
        " filled with a set pattern (0xcdcdcdcd).\n"
        " The write is performed asynchronously and the aio_flush command must be\n"
        " used to ensure all outstanding aio requests have been completed.\n"
        " Note that due to its asynchronous nature, this command will be\n"
        " considered successful once the request is submitted, independently\n"
        " of potential I/O errors or pattern mismatches.\n"
        " -P, -- use different pattern to fill file\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -f, -- use Force Unit Access semantics\n"
        " -i, -- treat request as invalid, for exercising stats\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        " -u, -- with -z, allow unmapping\n"
        " -z, -- write zeroes using blk_aio_pwrite_zeroes\n"
        "\n",
};

const struct cmd_entry cmd_aio_flush_entry = {
    .name = "aio_flush",
    .exec = aio_flush_exec,
    .oneline = "completes all outstanding aio requests",
};

static void aio_job_submit(struct aio_job *job, enum bk_op op,
                           unsigned flags, void (*done)(struct bk_req *, int))
{
    job->req.op = op;
    job->req.offset = job->offset;
    job->req.bytes = job->size;
    job->req.iov = job->vec.iov;
    job->req.iovcnt = job->vec.iovcnt;
    job->req.flags = flags;
    job->req.done = done;
    job->req.opaque = job;
    job->req.source = &job->st->source;
    job->start_ns = bk_now_ns();
    job->st->aio_pending++;
    bk_submit(job->st->dev, &job->req);
}

static void aio_job_end(struct aio_job *job)
{
    job->st->aio_pending--;
    io_vec_destroy(job->st, &job->vec);
    free(job);
}

static void aio_read_done(struct bk_req *req, int ret)
{
    struct aio_job *job = req->opaque;

    job->elapsed_ns = bk_now_ns() - job->start_ns;
    if (ret < 0) {
        out_printf(job->st->out, "readv failed: %s\n", strerror(-ret));
        aio_job_end(job);
        return;
    }
    if (job->Pflag)
        io_verify_async(job->st, job->vec.buf, job->pattern, job->offset,
                        job->size, aio_read_checked, job);
    else
        aio_read_checked(job, 0);
}

/* The rest of the report, once the pattern (if any) has been checked. */
static void aio_read_checked(void *arg, int ret)
{
    struct aio_job *job = arg;
    struct out *o = job->st->out;

    (void)ret;    /* a mismatch was printed; aio does not fail for it */
    if (!job->qflag) {
        if (job->vflag)
            report_dump(o, job->vec.buf, job->offset, job->size);
        report_io(o, "read", job->elapsed_ns, job->offset, job->size,
                  job->size, 1, job->Cflag);
    }
    aio_job_end(job);
}

static void aio_write_done(struct bk_req *req, int ret)
{
    struct aio_job *job = req->opaque;

    if (ret < 0)
        out_printf(job->st->out, "aio_write failed: %s\n", strerror(-ret));
    else if (!job->qflag)
        report_io(job->st->out, "wrote", bk_now_ns() - job->start_ns,
                  job->offset, job->size, job->size, 1, job->Cflag);
    aio_job_end(job);
}

static int aio_read_exec(struct cmd_state *st, int argc, char **argv)
{
    struct aio_job job = { .st = st };
    struct aio_job *heap;
    struct argv_opts o;
    int c;

    argv_opts_init(&o, st->out, argc, argv, "CP:iqv");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'C': job.Cflag = true; break;
        case 'q': job.qflag = true; break;
        case 'v': job.vflag = true; break;
        case 'P':
            job.Pflag = true;
            job.pattern = num_parse_pattern(st->out, o.optarg);
            if (job.pattern < 0)
                return -EINVAL;
            break;
        case 'i':
            /* qemu-io counts an invalid request in its stats; we have
             * none to count, the text is what scripts see. */
            out_printf(st->out, "injecting invalid read request\n");
            return 0;
        default:
            return cmd_usage(st->out, &cmd_aio_read_entry);
        }
    }
    if (o.optind > argc - 2)
        return cmd_usage(st->out, &cmd_aio_read_entry);
    if (io_parse_vec(st, argv + o.optind, argc - o.optind, IO_READ_BUF,
                     &job.offset,
                     &job.vec) < 0)
        return -EINVAL;
    job.size = job.vec.size;

    heap = malloc(sizeof(*heap));
    if (heap == NULL)
        abort();
    *heap = job;
    aio_job_submit(heap, BK_OP_READ, 0, aio_read_done);
    return 0;
}

static int aio_write_exec(struct cmd_state *st, int argc, char **argv)
{
    struct aio_job job = { .st = st };
    struct aio_job *heap;
    bool zflag = false, unmap = false, fua = false;
    int pattern = 0xcd, c;
    struct argv_opts o;

    argv_opts_init(&o, st->out, argc, argv, "CfiqP:uz");
    while ((c = argv_opts_next(&o)) != -1) {
        switch (c) {
        case 'C': job.Cflag = true; break;
        case 'f': fua = true; break;
        case 'q': job.qflag = true; break;
        case 'u': unmap = true; break;
        case 'z': zflag = true; break;
        case 'P':
            /* Note: like qemu-io, -P does not count against -z. */
            pattern = num_parse_pattern(st->out, o.optarg);
            if (pattern < 0)
                return -EINVAL;
            break;
        case 'i':
            out_printf(st->out, "injecting invalid write request\n");
            return 0;
        default:
            return cmd_usage(st->out, &cmd_aio_write_entry);
        }
    }
    if (o.optind > argc - 2)
        return cmd_usage(st->out, &cmd_aio_write_entry);
    if (zflag && o.optind != argc - 2) {
        out_printf(st->out, "-z supports only a single length parameter\n");
        return -EINVAL;
    }
    if (unmap && !zflag) {
        out_printf(st->out, "-u requires -z to be specified\n");
        return -EINVAL;
    }
    if (zflag) {
        /* qemu-io sets no length limit here: the block layer refuses. */
        if (io_parse_range(st, argv + o.optind, IO_LEN_ANY, &job.offset,
                           &job.size) < 0)
            return -EINVAL;
    } else {
        if (io_parse_vec(st, argv + o.optind, argc - o.optind, pattern,
                         &job.offset, &job.vec) < 0)
            return -EINVAL;
        job.size = job.vec.size;
    }

    heap = malloc(sizeof(*heap));
    if (heap == NULL)
        abort();
    *heap = job;
    aio_job_submit(heap, zflag ? BK_OP_WRITE_ZEROES : BK_OP_WRITE,
                   (fua ? BK_REQ_FUA : 0) | (unmap ? BK_REQ_MAY_UNMAP : 0),
                   aio_write_done);
    return 0;
}

static int aio_flush_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    bk_drain(st->dev);
    while (st->aio_pending > 0)
        bk_loop_iterate(st->loop, -1);
    return 0;
}
