/*
 * uring.h — the io_uring engine of the file driver, private to backend/.
 *
 * An *engine* is how the file driver's reads, writes and flushes reach the
 * kernel.  "threads" (the default) runs blocking system calls on the pool;
 * "io_uring" queues them on a ring that the loop thread alone submits and
 * reaps: the ring's descriptor is one of the loop's descriptors, so no
 * thread is added.  What the ring cannot do well (misaligned O_DIRECT buffers,
 * which need a bounce; zero writes, discards, truncation; buffered writes
 * the file system cannot take without blocking, which the kernel would
 * hand to its own workers one by one) stays on the pool, and page-cache
 * I/O the loop thread does itself (file.c).  The file driver asks the
 * engine after those and falls back when told.
 */
#ifndef BLKMON_URING_H
#define BLKMON_URING_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/node.h"

struct bk_uring;

/*
 * Does a node opened with these flags want the ring?  -i io_uring /
 * aio=io_uring say so; so does BLKMON_AIO=io_uring in the environment when
 * no aio mode was chosen (the test suite runs a second time that way).
 * *required is true when the user asked: then a ring that cannot be set
 * up is an error, else the pool is used quietly.
 */
bool bk_uring_wanted(unsigned open_flags, bool *required);
/* A ring for one file node, watched by loop.  0 or -errno with *cause. */
int bk_uring_new(struct bk_loop *loop, struct bk_uring **up, char **cause);
/* Nothing may be in flight (the device drained). */
void bk_uring_free(struct bk_uring *u);
/* Register fd, the node's file, with the ring (again after a reopen; the
 * device drained).  Failure is harmless: ops on fd then name it plainly. */
int bk_uring_set_file(struct bk_uring *u, int fd);

/*
 * Start io (BK_OP_READ, BK_OP_WRITE or BK_OP_FLUSH) on fd; it ends through
 * bk_io_complete on the loop thread, never inside this call.  false: the
 * engine does not take it (the caller uses the pool).  buf_align: memory
 * alignment O_DIRECT needs, 1 without it.
 */
bool bk_uring_submit(struct bk_uring *u, struct bk_io *io, int fd,
                     size_t buf_align);
/* Ops on the ring that have not completed yet. */
unsigned bk_uring_inflight(const struct bk_uring *u);

#endif
