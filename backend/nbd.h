/*
 * nbd.h — the nbd client driver's parts, private to backend/.
 *
 * nbd-opts.c turns what the user wrote (a file name in one of qemu's
 * three spellings, or options) into a configuration; nbd.c is the driver.
 */
#ifndef BLKMON_BACKEND_NBD_H
#define BLKMON_BACKEND_NBD_H

#include <stdint.h>

#include "backend/node.h"
#include "nbd/addr.h"

#define BK_NBD_DEFAULT_PORT "10809"

struct bk_nbd_config {
    struct nbd_addr addr;
    char *export;               /* "" when none was named */
    uint64_t reconnect_delay;   /* seconds; 0: a lost connection fails */
    uint64_t open_timeout;      /* seconds; 0: one attempt at open */
};

/*
 * Take the driver's options from opts, after reading filename (may be
 * NULL) as qemu does: nbd://HOST[:PORT]/NAME, nbd+tcp://...,
 * nbd+unix:///NAME?socket=PATH, or nbd:HOST:PORT[:exportname=NAME] and
 * nbd:unix:PATH[:exportname=NAME]; then host/port/path (the old names)
 * or server.type with server.host/port or server.path, export,
 * reconnect-delay and open-timeout.  0, or -errno with *cause in qemu's
 * words.
 */
int bk_nbd_take_config(struct bk_opts *opts, const char *filename,
                       struct bk_nbd_config *cfg, char **cause);
void bk_nbd_config_clear(struct bk_nbd_config *cfg);
/* The name qemu gives the node: nbd+unix:///NAME?socket=PATH or
 * nbd://HOST:PORT/NAME (nbd://HOST:PORT without a name). */
char *bk_nbd_config_name(const struct bk_nbd_config *cfg);

#endif
