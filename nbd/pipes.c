/*
 * pipes.c — a listener's spare pipes, for reads sent without a copy.
 *
 * A READ of a raw image on a regular file (bk_dev_can_pipe) goes from the
 * page cache into a pipe with splice(2) on a worker, and from the pipe
 * into the client's socket on the loop thread: the kernel moves page
 * references, and neither thread copies the data.  Read into a buffer and
 * written from it, each byte was copied twice on the server, out of the
 * page cache and into the socket; that was most of the server's time for
 * nbdcopy (perf: _copy_to_iter and _copy_from_iter together more than
 * half of its samples).
 *
 * A request holds its pipe from the read until its reply has gone out,
 * so that the bytes of one reply never mix with another's.  A pipe that
 * went back empty is kept for the next request; one that may hold bytes
 * nobody will send (a connection closed, a read that failed half way) is
 * closed.  At most NBD_PIPES_MAX pipes live per listener, fewer when the
 * kernel gives a pipe less room than asked (it caps what an unprivileged
 * user's pipes may hold, 64 MiB by default): past that, reads take
 * buffers as ever.  Loop thread only.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "nbd/server-int.h"

/* A reply's pages: a read not aligned to pages takes one slot more at
 * each end than its length in pages. */
#define PIPE_SLACK (2 * 4096)

static struct nbd_pipe *pipe_new(struct nbd_pipes *ps)
{
    struct nbd_pipe *p = calloc(1, sizeof(*p));
    int fd[2];
    int size;

    if (p == NULL)
        return NULL;
    if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(p);
        return NULL;
    }
    /* Smaller when the user's pipe memory is short: then it says so. */
    (void)fcntl(fd[1], F_SETPIPE_SZ, NBD_PIPE_SIZE);
    size = fcntl(fd[1], F_GETPIPE_SZ);
    p->r = fd[0];
    p->w = fd[1];
    p->size = size > 0 ? (size_t)size : 0;
    ps->nlive++;
    return p;
}

static void pipe_close(struct nbd_pipes *ps, struct nbd_pipe *p)
{
    close(p->r);
    close(p->w);
    free(p);
    ps->nlive--;
}

struct nbd_pipe *nbd_pipe_get(struct nbd_pipes *ps, size_t len)
{
    struct nbd_pipe *p = ps->spare;

    if (len + PIPE_SLACK > NBD_PIPE_SIZE)
        return NULL;
    if (p != NULL) {
        ps->spare = p->next;
    } else if (ps->nlive < (ps->capped ? ps->cap : NBD_PIPES_MAX)) {
        p = pipe_new(ps);
        if (p != NULL && p->size < NBD_PIPE_SIZE) {
            /* The user's pipe memory is spent: no more than these. */
            pipe_close(ps, p);
            ps->capped = true;
            ps->cap = ps->nlive;
            p = NULL;
        }
    }
    if (p != NULL)
        p->next = NULL;
    return p;
}

void nbd_pipe_put(struct nbd_pipes *ps, struct nbd_pipe *p, bool empty)
{
    if (p == NULL)
        return;
    if (!empty) {
        pipe_close(ps, p);
        return;
    }
    p->next = ps->spare;
    ps->spare = p;
}

void nbd_pipes_clear(struct nbd_pipes *ps)
{
    while (ps->spare != NULL) {
        struct nbd_pipe *p = ps->spare;

        ps->spare = p->next;
        pipe_close(ps, p);
    }
}
