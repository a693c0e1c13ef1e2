/*
 * server.h — the NBD server: exports of the session's device over the
 * NBD protocol (fixed newstyle handshake, structured replies,
 * base:allocation, TLS), as an export kind (export/export.h).
 *
 * Several exports may share an address: each has its own name, and a
 * client picks one with NBD_OPT_GO (NBD_OPT_LIST lists them all).
 */
#ifndef BLKMON_NBD_SERVER_H
#define BLKMON_NBD_SERVER_H

#include <stdbool.h>

#include "export/export.h"
#include "nbd/tls.h"

struct nbd_export_opts {
    const char *addr;           /* unix:PATH, HOST:PORT, :PORT */
    const char *name;           /* "" by default */
    const char *description;    /* NULL: none */
    bool read_only;
    const char *tls_creds;      /* a directory, or NULL */
    enum nbd_tls_mode tls;      /* with tls_creds: on or require */
};

extern const struct export_ops nbd_export_ops;

/* Start serving dev; the export joins set.  0, or -errno with *cause. */
int nbd_export_start(struct export_set *set, struct bk_dev *dev,
                     const struct nbd_export_opts *o, struct export **expp,
                     char **cause);

#endif
