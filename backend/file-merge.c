/*
 * file-merge.c — a file's buffered writes, run in order, adjacent ones
 * merged.
 *
 * A buffered write holds the file's inode lock while it copies, so two
 * workers writing one file only take turns, and pay for the turns: 4k
 * writes at depth 32 on 2 CPUs spent a third of their time spinning on
 * that lock and switching tasks (perf).  So file.c puts a file's buffered
 * writes on a pool lane (node.h): one worker runs them, and gets all that
 * queued up meanwhile at once.  Here writes that follow each other on disk
 * (one ends where the next begins) become one pwritev, as the kernel's
 * block layer merges adjacent requests.  A merged call that fails is
 * redone write by write, so every request gets its own result; writing
 * the same bytes twice is harmless.
 *
 * O_DIRECT writes take the inode lock shared and gain from running side by
 * side: file.c gives each its own work item, as it does reads.
 */
#include <stddef.h>

#include "backend/file.h"

/* Buffers per merged call: file_full_rw's own limit for a single call. */
enum { MERGE_MAX_IOV = 64 };

static size_t io_size(const struct bk_io *io)
{
    return bk_iov_size(io->iov, io->iovcnt);
}

static int io_fd(const struct bk_io *io)
{
    return ((const struct file_state *)io->node->state)->fd;
}

static void write_one(struct bk_io *io)
{
    io->ret = file_full_rw(io_fd(io), true, io->iov, io->iovcnt, io->offset,
                           io_size(io));
}

/* Write the items from first up to (not including) end as one call;
 * returns how many had to be redone alone. */
static unsigned write_merged(struct bk_work *first, struct bk_work *end,
                             struct iovec *vec, int nvec, size_t total)
{
    struct bk_io *io = bk_work_io(first);
    int ret = file_full_rw(io_fd(io), true, vec, nvec, io->offset, total);
    unsigned redone = 0;

    for (struct bk_work *w = first; w != end; w = w->next) {
        if (ret == 0) {
            bk_work_io(w)->ret = 0;
        } else {
            write_one(bk_work_io(w));
            redone++;
        }
    }
    return redone;
}

struct file_merge_counts file_write_items(struct bk_work *items)
{
    struct file_merge_counts n = { 0, 0 };
    struct iovec vec[MERGE_MAX_IOV];
    struct bk_work *first = items;

    while (first != NULL) {
        struct bk_io *head = bk_work_io(first);
        struct bk_work *w = first;
        size_t total = 0;
        int nvec = 0;

        /* The run: items that continue where the previous one ended and
         * whose buffers still fit in vec. */
        while (w != NULL) {
            struct bk_io *io = bk_work_io(w);

            if (io->node != head->node ||
                io->offset != head->offset + (int64_t)total ||
                io->iovcnt > MERGE_MAX_IOV - nvec)
                break;
            for (int i = 0; i < io->iovcnt; i++)
                vec[nvec++] = io->iov[i];
            total += io_size(io);
            w = w->next;
        }
        n.calls++;
        if (w == first || w == first->next) {
            /* Alone (or with more buffers than vec holds). */
            write_one(head);
            first = first->next;
            continue;
        }
        n.redone += write_merged(first, w, vec, nvec, total);
        first = w;
    }
    return n;
}

void file_write_lane_run(struct bk_lane *lane, struct bk_work *items)
{
    (void)lane;
    (void)file_write_items(items);
}
