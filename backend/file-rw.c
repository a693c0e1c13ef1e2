/*
 * file-rw.c — the file driver's reads and writes as system calls: a
 * transfer carried through to its end, on a worker thread.  Both the
 * driver (file.c) and the write merging (file-merge.c) call it, and it
 * calls neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "backend/file.h"

int file_full_rw(int fd, bool write, struct iovec *iov, int iovcnt,
                 int64_t offset, size_t total)
{
    struct iovec local[64];
    struct iovec *v = iov;
    size_t done = 0;

    if (iovcnt > (int)(sizeof(local) / sizeof(local[0]))) {
        /* Rare: many buffers.  Fall back to one call per buffer. */
        for (int i = 0; i < iovcnt; i++) {
            int r = file_full_rw(fd, write, &iov[i], 1, offset,
                                 iov[i].iov_len);

            if (r < 0)
                return r;
            offset += (int64_t)iov[i].iov_len;
        }
        return 0;
    }
    memcpy(local, iov, (size_t)iovcnt * sizeof(*iov));
    v = local;
    while (done < total) {
        ssize_t n = write ? pwritev(fd, v, iovcnt, offset + (int64_t)done)
                          : preadv(fd, v, iovcnt, offset + (int64_t)done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) {
            if (write)
                return -EIO;
            /* End of file: the rest reads as zeroes. */
            for (int i = 0; i < iovcnt; i++)
                memset(v[i].iov_base, 0, v[i].iov_len);
            return 0;
        }
        done += (size_t)n;
        while (iovcnt > 0 && (size_t)n >= v->iov_len) {
            n -= (ssize_t)v->iov_len;
            v++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            v->iov_base = (char *)v->iov_base + n;
            v->iov_len -= (size_t)n;
        }
    }
    return 0;
}

int file_splice_read(int fd, int pipe_fd, int64_t offset, size_t total)
{
    static const char zeroes[4096];
    size_t done = 0;

    while (done < total) {
        loff_t off = (loff_t)offset + (loff_t)done;
        /* Nonblocking on the pipe: one without room is the caller's
         * mistake, an error rather than a worker stuck. */
        ssize_t n = splice(fd, &off, pipe_fd, NULL, total - done,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;              /* end of file */
        done += (size_t)n;
    }
    /* Past the end of the file the image reads as zeroes. */
    while (done < total) {
        size_t k = total - done < sizeof(zeroes) ? total - done
                                                  : sizeof(zeroes);
        ssize_t n = write(pipe_fd, zeroes, k);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 0;
}
