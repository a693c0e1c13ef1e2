/*
 * wcache.h — a device's volatile write cache, which a power cut loses;
 * private to backend/ (blkdebug uses it when a write-cache or powercut
 * rule is on).
 *
 * The words.  The cache holds every write not yet covered by a completed
 * flush, in memory: the image file below never sees it until a flush
 * *writes it back*.  Reads see the file with the cache laid over it.  A
 * *power cut* forgets the cache: the file is left holding exactly what
 * completed flushes put there — or, when asked, that plus a random part
 * of the lost sectors, as a disk whose volatile cache had written some of
 * them when the power went.  A clean close writes the cache back.
 *
 * The cache is kept in *layers*: the writes since the running flush began,
 * over those the running flush is writing back.  A flush that fails puts
 * its layer back under the newer one, to be written by the next.  A cut
 * waits for a running flush to end (the caller sees that flush succeed or
 * fail, and the image agrees with what it saw), then applies itself.
 *
 * Everything runs on the loop thread.
 */
#ifndef BLKMON_WCACHE_H
#define BLKMON_WCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/node.h"
#include "rules/rules.h"

struct bk_wcache;

/* What a power cut did. */
struct bk_wcache_cut {
    uint64_t writes;            /* writes the cache held */
    uint64_t sectors;           /* 512-byte sectors they touched */
    uint64_t kept;              /* of which the cut wrote after all */
    int ret;                    /* 0, or -errno writing the kept ones */
};

typedef void bk_wcache_io_done(struct bk_io *io, int ret);

/* A cache over node's child (node->file). */
struct bk_wcache *bk_wcache_new(struct bk_node *node);
/* Drops whatever it holds (see bk_wcache_writeback_sync). */
void bk_wcache_free(struct bk_wcache *wc);
/* It holds writes, or is writing them back. */
bool bk_wcache_dirty(const struct bk_wcache *wc);

/* Take a write (iov NULL: zeroes; unmap: a discard or an unmapping zero
 * write, passed on as such when written back). */
void bk_wcache_write(struct bk_wcache *wc, int64_t offset, int64_t bytes,
                     const struct iovec *iov, int iovcnt, bool unmap);
/* Read io's range into its buffers: the file, then the cache over it. */
void bk_wcache_read(struct bk_wcache *wc, struct bk_io *io,
                    bk_wcache_io_done *done);
/* Write the cache back and flush the file; done(io, ret) after. */
void bk_wcache_flush(struct bk_wcache *wc, struct bk_io *io,
                     bk_wcache_io_done *done);
/* The same without a request, iterating the loop until it is done (a
 * clean close). */
void bk_wcache_writeback_sync(struct bk_wcache *wc);
/*
 * Cut the power: once a running flush ended, forget the cache, write the
 * lost sectors each drawn (one draw of rng per sector, in order) below
 * keep, flush the file, and call done.  The caller refuses I/O meanwhile.
 */
void bk_wcache_cut(struct bk_wcache *wc, double keep,
                   const struct rules_rng *rng,
                   void (*done)(void *arg, const struct bk_wcache_cut *res),
                   void *arg);
/*
 * What the cache holds at offset: 0 nothing (the file decides), 1 data,
 * 2 zeroes; *pnum the bytes from offset that holds for (at most bytes).
 */
int bk_wcache_status(const struct bk_wcache *wc, int64_t offset,
                     int64_t bytes, int64_t *pnum);
/* The image shrank or grew to len: forget what lies beyond. */
void bk_wcache_truncate(struct bk_wcache *wc, int64_t len);

#endif
