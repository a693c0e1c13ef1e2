/*
 * io.h — what the I/O commands share: buffers, vectors, verification and
 * running one request synchronously with its timing.
 *
 * Buffers are aligned for O_DIRECT by the device, or deliberately 16 bytes
 * off with -m (qemu-io's misalign), and filled with a pattern byte before
 * use: reads fill with 0xab so a short read cannot pass for zeroes.
 */
#ifndef BLKMON_CMD_IO_H
#define BLKMON_CMD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "cmd/cmd.h"

char *io_buf_alloc(struct cmd_state *st, size_t len, int pattern);
void io_buf_free(struct cmd_state *st, char *buf);

/* A buffer cut into the lengths given as words ("512 1k 2k"). */
struct io_vec {
    char *buf;
    struct iovec *iov;
    int iovcnt;
    int64_t size;
};
/* Parse lengths and allocate; 0, or -EINVAL with the message printed. */
int io_vec_create(struct cmd_state *st, struct io_vec *v, char **lens,
                  int nlens, int pattern);
void io_vec_destroy(struct cmd_state *st, struct io_vec *v);

/* Compare buf with pattern; prints qemu-io's failure line; 0 or -EIO. */
int io_verify(const char *buf, int pattern, int64_t offset, int64_t len);

/* Run one request to its end; returns its result, *elapsed_ns its time. */
int io_run(struct cmd_state *st, enum bk_op op, int64_t offset,
           int64_t bytes, struct iovec *iov, int iovcnt, unsigned flags,
           int64_t *elapsed_ns);

#endif
