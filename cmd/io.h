/*
 * io.h — what the I/O commands share: their operands, buffers, vectors,
 * verification and running one request synchronously with its timing.
 *
 * Operands: read, write and discard take "off len", parsed as qemu-io's
 * read_f, write_f and discard_f do (cvtnum's complaints, then the length
 * against the largest request, in each command's words); readv, writev,
 * aio_read and aio_write take "off len [len..]", an offset then a vector.
 *
 * Buffers are aligned for O_DIRECT by the device, or deliberately 16 bytes
 * off with -m (qemu-io's misalign), and filled with a pattern byte before
 * use.  A read's buffer (IO_READ_BUF) is filled with 0xab, as qemu-io's,
 * so that a short read cannot pass for zeroes, unless it is big: what a
 * buffer held before a read is never seen (a read that succeeds writes
 * every byte, zeroes past the end of the file; one that fails shows none),
 * and filling 2 GiB for nothing takes a second, 20 s under
 * ThreadSanitizer.  For the same reason a big buffer is not filled for a
 * request the device refuses before any I/O, one past its end (qemu's
 * blk_check_byte_request: EIO), as the compressed write already checks.
 *
 * A *big* buffer (IO_BIG_BYTES and up; a request may take 2 GiB) is
 * filled, read from a -s file and checked against a pattern on the loop's
 * workers, while the command waits by iterating the loop as it waits for
 * its request: the TUI keeps drawing and taking keys, other requests go
 * on.  Smaller ones are done at once, so that a script's output keeps
 * exactly qemu-io's order.  Either way the command's own steps, and so its
 * output, come in qemu-io's order.
 */
#ifndef BLKMON_CMD_IO_H
#define BLKMON_CMD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "cmd/cmd.h"

/* A megabyte takes about a millisecond to fill: above that, a worker's. */
#define IO_BIG_BYTES ((size_t)1 << 20)
/* The pattern of a read's buffer (see above). */
#define IO_READ_BUF (-1)

/* ---- operands --------------------------------------------------------- */

/* How a command bounds its length, in qemu-io's words for each. */
enum io_len_limit {
    IO_LEN_MAX,            /* read, discard: "length cannot exceed N" */
    IO_LEN_MAX_UNLESS_N,   /* write: "... cannot exceed N without -n" */
    IO_LEN_ANY,            /* write -n: the block layer decides */
};
/* words[0] and words[1], "off len": 0, or -EINVAL after the message. */
int io_parse_range(struct cmd_state *st, char **words,
                   enum io_len_limit limit, int64_t *offset, int64_t *bytes);

/* A buffer cut into the lengths given as words ("512 1k 2k"). */
struct io_vec {
    char *buf;
    struct iovec *iov;
    int iovcnt;
    int64_t size;
};
/* Parse lengths and allocate the buffer of a request at offset; 0, or
 * -EINVAL with the message printed. */
int io_vec_create(struct cmd_state *st, struct io_vec *v, int64_t offset,
                  char **lens, int nlens, int pattern);
void io_vec_destroy(struct cmd_state *st, struct io_vec *v);
/* "off len [len..]" (nwords of them): the offset, then the vector. */
int io_parse_vec(struct cmd_state *st, char **words, int nwords,
                 int pattern, int64_t *offset, struct io_vec *v);

/* ---- buffers (iobuf.c) ------------------------------------------------ */

/* The buffer of a request of len bytes at offset: len bytes of pattern,
 * misaligned with -m; free with io_buf_free. */
char *io_buf_alloc(struct cmd_state *st, int64_t offset, size_t len,
                   int pattern);
/* The buffer of write -s: the file's first bytes repeated to fill len;
 * NULL after qemu-io's complaint (stderr, perror style). */
char *io_buf_from_file(struct cmd_state *st, size_t len, const char *name);
void io_buf_free(struct cmd_state *st, char *buf);
/* len bytes of pattern, aligned, never misaligned (bench's slots); free
 * with free(). */
char *io_fill_new(struct cmd_state *st, size_t len, int pattern);

/* Compare buf with pattern; prints qemu-io's failure line; 0 or -EIO. */
int io_verify(struct cmd_state *st, const char *buf, int pattern,
              int64_t offset, int64_t len);
/*
 * The same without waiting, for a completion callback, which must not
 * iterate the loop: done(arg, 0 or -EIO) runs on the loop thread after the
 * failure line, before this returns when the buffer is small.
 */
void io_verify_async(struct cmd_state *st, const char *buf, int pattern,
                     int64_t offset, int64_t len,
                     void (*done)(void *arg, int ret), void *arg);

/* ---- requests --------------------------------------------------------- */

/* Run one request of the session to its end; returns its result,
 * *elapsed_ns its time. */
int io_run(struct cmd_state *st, enum bk_op op, int64_t offset,
           int64_t bytes, struct iovec *iov, int iovcnt, unsigned flags,
           int64_t *elapsed_ns);
/*
 * The same, waited for as qemu-io's readv and writev wait: as an aio
 * request and loop passes until it ends, so that aio requests refused
 * before it (which end at the next pass) are reported first even when it
 * is refused too.
 */
int io_run_aio(struct cmd_state *st, enum bk_op op, int64_t offset,
               int64_t bytes, struct iovec *iov, int iovcnt, unsigned flags,
               int64_t *elapsed_ns);

#endif
