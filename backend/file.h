/*
 * file.h — the file driver's state, shared by file.c and file-merge.c;
 * private to backend/.
 */
#ifndef BLKMON_FILE_H
#define BLKMON_FILE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "backend/node.h"

/* Which driver opened the file: "file", "host_device", "host_cdrom". */
enum file_kind { FILE_KIND_FILE, FILE_KIND_HDEV, FILE_KIND_CDROM };

/*
 * The image locks of one file (lock.c): the permissions the node holds
 * and shares now (BK_PERM_*), and the lock bytes its fd holds for them.
 */
struct file_lock {
    int mode;                   /* the locking option: -1 absent, else
                                   0 off, 1 on, 2 auto */
    bool use;                   /* locks are taken (on, or auto) */
    uint64_t perm, shared;
    uint64_t held, held_unshared;
};

struct file_state {
    int fd;
    enum file_kind kind;
    bool blkdev;                /* a block device (ioctls apply) */
    /* A device's logical and physical block sizes (BLKSSZGET,
     * BLKPBSZGET), 0 when it does not say. */
    uint32_t logical_block_size, physical_block_size;
    atomic_bool has_write_zeroes;   /* BLKZEROOUT may be tried */
    struct file_lock lock;
    /* A second open file description of the file that holds the image
     * locks, or -1: they are on fd.  The io_uring engine keeps fd's
     * description alive after the process ends (the kernel tears a ring
     * down later), and the locks would outlive it; nothing else ever
     * holds this one. */
    int lock_fd;
    unsigned engine;            /* BK_O_IO_URING / BK_O_NATIVE_AIO or 0:
                                   -i, or the node's aio option */
    bool engine_fixed;          /* the aio option chose it: keep on reopen */
    bool direct;
    size_t buf_align;
    atomic_bool has_discard;
    atomic_bool has_zero_range;
    struct bk_uring *uring;     /* the io_uring engine, or NULL: the pool */
    struct bk_lane write_lane;  /* buffered writes for the pool */
    /*
     * qemu's block status cache: the last data extent SEEK_HOLE found,
     * [bsc_start, bsc_end) (empty when equal).  Writes only turn holes
     * into data, so it stays true until something may punch a hole or
     * shrink the file: discards, zero writes and truncation empty it when
     * they start and when they end, and none is in flight while it is
     * used (holes_busy).  Loop thread only.
     */
    int64_t bsc_start, bsc_end;
    unsigned holes_busy;
    /* Page-cache I/O from the loop thread (file.c, file_nowait); all
     * four are the loop thread's.  nowait_read / nowait_write: try
     * RWF_NOWAIT reads / writes on this file, true until the kernel
     * answers EOPNOTSUPP (ext4 does for buffered writes);
     * nowait_write_taken: it took one (done, or EAGAIN). */
    bool nowait_read, nowait_write, nowait_write_taken;
    unsigned pool_ios;          /* ios of this node on the pool, not done */
};

/* Check and take the file driver's own options (file-opts.c); *engine
 * gets the engine flags the node is to use, *engine_given whether its aio
 * option chose them. */
int file_take_opts(struct bk_node *node, struct bk_opts *opts,
                   unsigned *engine, bool *engine_given, int *locking,
                   char **cause);

/* Open node's file as the driver of kind does (file.c). */
int file_open_kind(struct bk_node *node, struct bk_opts *opts,
                   const char *filename, enum file_kind kind, char **cause);
/* The driver ops the device drivers share with "file" (file.c). */
void file_close(struct bk_node *node);
int file_reopen(struct bk_node *node, unsigned flags, char **cause);
int file_get_info(struct bk_node *node, struct bk_info *info);
int64_t file_get_length(struct bk_node *node);
int64_t file_get_allocated_size(struct bk_node *node);
void file_preadv(struct bk_io *io);
void file_pwritev(struct bk_io *io);
void file_pwrite_zeroes(struct bk_io *io);
void file_pdiscard(struct bk_io *io);
void file_flush(struct bk_io *io);
void file_truncate(struct bk_io *io);
int file_check_perm(struct bk_node *node, uint64_t perm, uint64_t shared,
                    char **cause);
void file_set_perm(struct bk_node *node, uint64_t perm, uint64_t shared);
void file_abort_perm(struct bk_node *node);
void file_storage(struct bk_node *node, struct bk_storage *st);
/*
 * Those ops as designated initializers, for the table of each file-like
 * driver (file, host_device, host_cdrom), which adds its names, open and
 * what it alone has (info, block status, probing, a medium).
 */
#define FILE_DRIVER_OPS                                                     \
    .state_size = sizeof(struct file_state),                                \
    .close = file_close,                                                    \
    .reopen = file_reopen,                                                  \
    .get_length = file_get_length,                                          \
    .preadv = file_preadv,                                                  \
    .pwritev = file_pwritev,                                                \
    .pwrite_zeroes = file_pwrite_zeroes,                                    \
    .pdiscard = file_pdiscard,                                              \
    .flush_to_disk = file_flush,                                            \
    .truncate = file_truncate,                                              \
    .get_allocated_size = file_get_allocated_size,                          \
    .check_perm = file_check_perm,                                          \
    .set_perm = file_set_perm,                                              \
    .abort_perm = file_abort_perm,                                          \
    .storage = file_storage

/* ---- image locks (lock.c) ---- */
/* mode: the locking option (-1 absent, 0 off, 1 on, 2 auto). */
void file_lock_init(struct file_lock *lk, int mode);
/* Take the bytes for perm/shared besides those held, and check nobody
 * else's conflict: 0, or -errno with *cause (qemu's words and hint) and
 * the old bytes back. */
int file_lock_prepare(struct file_lock *lk, int fd, const char *filename,
                      uint64_t perm, uint64_t shared, char **cause);
/* Keep only the bytes of perm/shared, which become the node's. */
void file_lock_commit(struct file_lock *lk, int fd, uint64_t perm,
                      uint64_t shared);
/* Back to the bytes of the permissions held before prepare. */
void file_lock_abort(struct file_lock *lk, int fd);
/* Take on fd `to` (a reopen's new fd) the bytes held on the old one. */
int file_lock_move(struct file_lock *lk, int to, char **cause);
void file_lock_release(struct file_lock *lk);

/* pread/pwrite [offset, offset+total) through iov in full: short transfers
 * go on, EINTR is retried, a read past the end gives zeroes, a write that
 * makes no progress is EIO.  Returns 0 or -errno. */
int file_full_rw(int fd, bool write, struct iovec *iov, int iovcnt,
                 int64_t offset, size_t total);
/* Read [offset, offset+total) of fd into the pipe pipe_fd (which has
 * room for it) with splice(2), the part past the end of the file as
 * zeroes.  Returns 0 or -errno (the pipe may then hold part of it). */
int file_splice_read(int fd, int pipe_fd, int64_t offset, size_t total);

/*
 * Buffered writes of one file on the pool at a time.  One: they take the
 * inode lock in turn, and a second writer waits for it spinning on the
 * lock's owner (a seventh of its time, perf) and switching tasks, on a CPU
 * the loop thread needs for the completions.  With the loop's page-cache
 * and idle paths in place, 130k 4k writes took, one at a time against two:
 * random at depth 32 0.303 s / 0.338 s, at depth 4 0.73 s / 1.01 s, at
 * depth 2 0.27 s / 0.72 s; sequential at depth 32 0.153 s / 0.219 s
 * (medians of 9).  Two had been 18% faster at depth 2 before the pool's
 * worker spun for the next item.
 */
enum { FILE_WRITE_LANE_WIDTH = 1 };

/* The write lane's run(): the writes in order, adjacent ones merged
 * (file-merge.c). */
void file_write_lane_run(struct bk_lane *lane, struct bk_work *items);
/* The same, saying what it did: write calls made (merged or not), and
 * writes redone alone after a merged call failed. */
struct file_merge_counts {
    unsigned calls, redone;
};
struct file_merge_counts file_write_items(struct bk_work *items);

#endif
