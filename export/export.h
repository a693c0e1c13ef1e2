/*
 * export.h — serving the session's image to other programs.
 *
 * An *export* is a front end like the command line or the TUI: a client of
 * the device API (backend/backend.h) that turns what other programs ask
 * into requests on the session's device.  Its *kind* says how they reach
 * it (NBD over a socket, a FUSE file); each kind lives in its own folder
 * and fills an export_ops.  An export has *clients* (NBD connections,
 * processes using the FUSE file): each is a bk_source, so that every
 * request it issues can be traced back to it, with counters a listing or
 * a pane can show.
 *
 * The *set* is the session's exports; names are unique in it (the NBD
 * default name is the empty one).  Everything runs on the loop thread.
 *
 * Ending an export *drains* it: it takes no new clients and no new
 * requests, lets the requests in flight finish and be answered, flushes
 * the device, and closes its clients.  Ending the session ends every
 * export that way first.
 */
#ifndef BLKMON_EXPORT_H
#define BLKMON_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

struct export;
struct export_set;

struct export_ops {
    const char *kind;                   /* "nbd", "fuse" */
    enum bk_source_kind source_kind;    /* what its clients' requests say */
    /*
     * Stop taking clients and requests; answer what is in flight, then
     * close each client (export_client_del).  When nothing of the export
     * is left in flight, it calls export_drained().  May be called more
     * than once.
     */
    void (*shutdown)(struct export *exp);
    /* Free the kind's state once drained (listening sockets, files). */
    void (*free)(struct export *exp);
};

/* One client, for listings and the TUI's Clients pane. */
struct export_client {
    struct export *exp;
    struct bk_source source;    /* its requests carry &source */
    char *peer;                 /* "127.0.0.1:40122", "unix", a pid */
    int64_t connect_ns;
    struct bk_tally answered;   /* its requests, as they were answered
                                   (refused ones too, unlike source.tally) */
    unsigned inflight;          /* requests taken and not yet answered */
    struct export_client *next, *prev;
};

struct export {
    const struct export_ops *ops;
    struct export_set *set;
    struct bk_dev *dev;
    char *name;                 /* the name clients ask for; may be "" */
    char *where;                /* "unix:/run/x", "127.0.0.1:10809", a path */
    bool read_only;
    int64_t start_ns;
    bool draining;              /* shutdown asked */
    bool drained;               /* nothing left in flight */
    struct export_client *clients, *clients_tail;
    size_t nclients;
    uint64_t nclients_total;    /* ever connected */
    void *priv;                 /* the kind's state */
    struct export *next;
};

/* What the command line set for the exports the session starts. */
struct export_defaults {
    const char *tls_creds;      /* --tls-creds DIR, or NULL */
    int tls;                    /* --tls: enum nbd_tls_mode */
};

struct export_set *export_set_new(struct bk_loop *loop);
void export_set_defaults(struct export_set *set,
                         const struct export_defaults *d);
const struct export_defaults *export_defaults(const struct export_set *set);
/* Ends every export (export_remove_all) and frees the set. */
void export_set_free(struct export_set *set);
struct bk_loop *export_set_loop(const struct export_set *set);
size_t export_count(const struct export_set *set);
/* In the order they were added; NULL after the last. */
struct export *export_first(const struct export_set *set);
struct export *export_find(const struct export_set *set, const char *name);

/*
 * Register exp (its ops, dev, name, where, read_only and priv filled in;
 * the rest is the set's).  Fails with -EEXIST and qemu's words when the
 * name is taken; the caller then still owns exp.
 */
int export_add(struct export_set *set, struct export *exp, char **cause);
/* A zeroed export for a kind to fill; names are copied. */
struct export *export_new(const struct export_ops *ops, struct bk_dev *dev,
                          const char *name, const char *where,
                          bool read_only, void *priv);
/* Free an export that export_add refused (or never saw). */
void export_free(struct export *exp);
/* Drain exp (iterating the loop), flush the device, unlink and free it. */
void export_remove(struct export *exp);
/* The same for every export of the set. */
void export_remove_all(struct export_set *set);
/* For the kind: nothing of exp is in flight any more (see shutdown). */
void export_drained(struct export *exp);

/* Told when a client of an export of the set comes (after it is
 * counted) or goes (before it is freed): the event stream's watcher. */
typedef void export_client_fn(const struct export_client *c, bool connected,
                              void *arg);
void export_set_on_client(struct export_set *set, export_client_fn *fn,
                          void *arg);

/* A new client of exp, peer as it is shown; never NULL (aborts). */
struct export_client *export_client_new(struct export *exp, const char *peer);
/* The client is gone (its requests answered). */
void export_client_del(struct export_client *c);

#endif
