/*
 * addr.h — where an NBD server listens and a client connects.
 *
 * An address is written as
 *   unix:PATH         a Unix socket (created 0600, a stale socket replaced)
 *   HOST:PORT         TCP; HOST may be a name, an IPv4 address or [IPv6]
 *   :PORT             TCP on 127.0.0.1: nothing is exposed unless asked
 * PORT 0 lets the kernel pick one; the listener then names the real one.
 */
#ifndef BLKMON_NBD_ADDR_H
#define BLKMON_NBD_ADDR_H

#include <stdbool.h>

struct nbd_addr {
    bool is_unix;
    char *path;             /* unix */
    char *host, *port;      /* TCP */
};

/* 0, or -EINVAL with *cause. */
int nbd_addr_parse(const char *text, struct nbd_addr *a, char **cause);
void nbd_addr_clear(struct nbd_addr *a);
/* The address as written back: "unix:/run/s", "127.0.0.1:10809". */
char *nbd_addr_text(const struct nbd_addr *a);

/*
 * A non-blocking, close-on-exec listening socket for a.  For a TCP port 0
 * the port the kernel chose is stored back into a.  0, or -errno with
 * *cause.
 */
int nbd_addr_listen(struct nbd_addr *a, int *fdp, char **cause);
/* A blocking, close-on-exec socket connected to a; -errno with *cause. */
int nbd_addr_connect(const struct nbd_addr *a, int *fdp, char **cause);
/* The peer of an accepted socket, as a client is shown: "127.0.0.1:40122",
 * "[::1]:40122", or "unix" (Unix peers have no name). */
char *nbd_addr_peer(int fd);

#endif
