/*
 * client.h — the client's side of an NBD handshake.
 *
 * The handshake is a short conversation on a connected, blocking socket:
 * the server's greeting, then (fixed newstyle) STRUCTURED_REPLY,
 * SET_META_CONTEXT base:allocation and GO with a request for the block
 * sizes, falling back to EXPORT_NAME on servers that lack GO; an oldstyle
 * server just names its size.  What it learns is one nbd_export_info.
 * Transmission (requests and replies) is reply.h's and the block driver's.
 *
 * Messages are qemu's (nbd/client.c), so that a failed open reads as
 * qemu-io's does; a server's own words come after a line break, as qemu's
 * hint "server reported: ...".
 */
#ifndef BLKMON_NBD_CLIENT_H
#define BLKMON_NBD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

struct nbd_export_info {
    uint64_t size;
    uint16_t flags;             /* NBD_FLAG_* transmission flags */
    uint32_t min_block;         /* 0: the server did not say */
    uint32_t opt_block;
    uint32_t max_block;
    bool structured_reply;
    bool base_allocation;       /* block status has its context: */
    uint32_t context_id;
};

/*
 * Negotiate export name (at most NBD_MAX_STRING bytes) on fd, a connected
 * blocking socket, and leave it in transmission.  0, or -errno with
 * *cause; on failure the server has been sent NBD_OPT_ABORT where the
 * protocol allows it.
 */
int nbd_client_negotiate(int fd, const char *name,
                         struct nbd_export_info *info, char **cause);

/* Send NBD_CMD_DISC on a blocking socket, as a courtesy: errors ignored. */
void nbd_client_send_disc(int fd);

#endif
