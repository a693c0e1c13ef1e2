/*
 * bufs.c — a connection's spare request buffers.
 *
 * A READ or WRITE needs a buffer of its length, aligned for the device,
 * for as long as it is in flight.  Taken from malloc each time, large ones
 * came from fresh memory again and again: glibc returns freed memory at the
 * top of the heap to the kernel, and the next buffer faults its pages back
 * in (nbdcopy, 256 KiB reads over 4 connections: 2,778 brk calls per GiB,
 * and page faults a seventh of the loop thread's time).  Clients ask for
 * the same lengths over and over, so the buffers of ended requests are
 * kept here, up to NBD_BUFS_MAX of them and NBD_BUFS_BYTES in all, and
 * handed out again for the same length.  Everything runs on the loop
 * thread.
 */
#include <stdlib.h>

#include "nbd/server-int.h"

void *nbd_bufs_get(struct nbd_bufs *b, struct bk_dev *dev, size_t size)
{
    for (unsigned i = b->n; i-- > 0;) {
        if (b->size[i] == size) {
            void *p = b->buf[i];

            b->n--;
            b->buf[i] = b->buf[b->n];
            b->size[i] = b->size[b->n];
            b->bytes -= size;
            return p;
        }
    }
    return bk_dev_alloc_buf(dev, size);
}

void nbd_bufs_put(struct nbd_bufs *b, void *p, size_t size)
{
    if (p == NULL)
        return;
    if (b->n == NBD_BUFS_MAX || size > NBD_BUFS_BYTES - b->bytes) {
        free(p);
        return;
    }
    b->buf[b->n] = p;
    b->size[b->n] = size;
    b->n++;
    b->bytes += size;
}

void nbd_bufs_clear(struct nbd_bufs *b)
{
    while (b->n > 0)
        free(b->buf[--b->n]);
    b->bytes = 0;
}
