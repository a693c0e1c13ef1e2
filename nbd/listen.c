/*
 * listen.c — NBD listeners and the NBD export kind.
 *
 * A listener is one listening socket.  The exports given the same address
 * share it (so a client can choose among them by name); it closes, and
 * a Unix socket file is removed, when its last export goes.  Connections
 * belong to their listener until NBD_OPT_GO attaches them to an export.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nbd/server-int.h"
#include "util/strfmt.h"

static void nbd_export_shutdown(struct export *exp);
static void nbd_export_free(struct export *exp);

const struct export_ops nbd_export_ops = {
    .kind = "nbd",
    .source_kind = BK_SRC_NBD,
    .shutdown = nbd_export_shutdown,
    .free = nbd_export_free,
};

/* A client connecting while the loop makes a blocking call only waits a
 * moment longer for its greeting (bk_loop_add_peer_fd). */
static bool listener_busy(void *arg)
{
    (void)arg;
    return false;
}

static void listener_accept(struct bk_loop *loop, int fd, void *arg)
{
    struct nbd_listener *lis = arg;

    (void)loop;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int one = 1;

        if (cfd < 0)
            return;   /* EAGAIN, or a client that went away meanwhile */
        /* Beyond the cap, and with no export left, the client is turned
         * away at once rather than queued. */
        if (lis->nconns >= NBD_MAX_CONNS || lis->nexports == 0) {
            close(cfd);
            continue;
        }
        /* Replies are small and latency matters: no Nagle delay. */
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        nbd_conn_new(lis, cfd);
    }
}

/* The listener already serving addr (as written), or NULL.  A port 0 is
 * never shared: each asks for a port of its own. */
static struct nbd_listener *listener_find(struct export_set *set,
                                          const char *key)
{
    for (struct export *e = export_first(set); e != NULL; e = e->next) {
        struct nbd_export *ne = e->priv;

        if (e->ops == &nbd_export_ops && !e->draining &&
            strcmp(ne->lis->key, key) == 0 &&
            (ne->lis->addr.is_unix || strcmp(ne->lis->addr.port, "0") != 0))
            return ne->lis;
    }
    return NULL;
}

static void listener_free(struct nbd_listener *lis)
{
    if (lis->flush_timer > 0)
        bk_loop_del_timer(lis->loop, lis->flush_timer);
    if (lis->fd >= 0) {
        bk_loop_del_fd(lis->loop, lis->fd);
        close(lis->fd);
        lis->fd = -1;
        if (lis->addr.is_unix)
            unlink(lis->addr.path);
    }
    nbd_tls_creds_free(lis->tls);
    nbd_pipes_clear(&lis->pipes);
    nbd_addr_clear(&lis->addr);
    free(lis->key);
    free(lis->where);
    free(lis->exports);
    free(lis);
}

static int listener_new(struct bk_loop *loop, const char *text,
                        const struct nbd_export_opts *o,
                        struct nbd_listener **out, char **cause)
{
    struct nbd_listener *lis = calloc(1, sizeof(*lis));
    int ret;

    if (lis == NULL)
        abort();
    lis->loop = loop;
    lis->fd = -1;
    ret = nbd_addr_parse(text, &lis->addr, cause);
    if (ret < 0) {
        free(lis);
        return ret;
    }
    lis->key = nbd_addr_text(&lis->addr);
    if (o->tls_creds != NULL && o->tls != NBD_TLS_OFF) {
        ret = nbd_tls_creds_load(o->tls_creds, true, &lis->tls, cause);
        if (ret < 0)
            goto fail;
        lis->tls_mode = o->tls;
    }
    ret = nbd_addr_listen(&lis->addr, &lis->fd, cause);
    if (ret < 0)
        goto fail;
    lis->where = nbd_addr_text(&lis->addr);
    ret = bk_loop_add_peer_fd(loop, lis->fd, listener_accept, lis,
                              listener_busy);
    if (ret < 0) {
        *cause = strfmt("cannot watch the listening socket: %s",
                        strerror(-ret));
        goto fail;
    }
    *out = lis;
    return 0;
fail:
    listener_free(lis);
    return ret;
}

struct export *nbd_listener_find(struct nbd_listener *lis, const char *name)
{
    for (size_t i = 0; i < lis->nexports; i++)
        if (!lis->exports[i]->draining &&
            strcmp(lis->exports[i]->name, name) == 0)
            return lis->exports[i];
    return NULL;
}

int nbd_export_start(struct export_set *set, struct bk_dev *dev,
                     const struct nbd_export_opts *o, struct export **expp,
                     char **cause)
{
    struct nbd_listener *lis;
    struct nbd_export *ne;
    struct export *exp, **grown;
    struct nbd_addr probe;
    char *key;
    bool fresh = false;
    int ret;

    if (strlen(o->name) > NBD_MAX_STRING) {
        *cause = strfmt("export name '%.80s...' too long", o->name);
        return -EINVAL;
    }
    if (o->description != NULL && strlen(o->description) > NBD_MAX_STRING) {
        *cause = strfmt("description '%.80s...' too long", o->description);
        return -EINVAL;
    }
    if (export_find(set, o->name) != NULL) {
        *cause = strfmt("NBD server already has export named '%s'", o->name);
        return -EEXIST;
    }
    ret = nbd_addr_parse(o->addr, &probe, cause);
    if (ret < 0)
        return ret;
    key = nbd_addr_text(&probe);
    nbd_addr_clear(&probe);
    lis = listener_find(set, key);
    free(key);
    if (lis == NULL) {
        ret = listener_new(export_set_loop(set), o->addr, o, &lis, cause);
        if (ret < 0)
            return ret;
        fresh = true;
    }
    ne = calloc(1, sizeof(*ne));
    grown = realloc(lis->exports, (lis->nexports + 1) * sizeof(*grown));
    if (ne == NULL || grown == NULL)
        abort();
    lis->exports = grown;
    ne->lis = lis;
    ne->description = o->description ? strdup(o->description) : NULL;
    exp = export_new(&nbd_export_ops, dev, o->name, lis->where,
                     o->read_only || bk_dev_read_only(dev), ne);
    ne->exp = exp;
    ret = export_add(set, exp, cause);
    if (ret < 0) {
        free(ne->description);
        free(ne);
        export_free(exp);
        if (fresh)
            listener_free(lis);
        return ret;
    }
    lis->exports[lis->nexports++] = exp;
    if (expp != NULL)
        *expp = exp;
    return 0;
}

/* ---- draining ------------------------------------------------------------ */

static bool export_has_conns(struct export *exp)
{
    struct nbd_export *ne = exp->priv;

    for (struct nbd_conn *c = ne->lis->conns; c != NULL; c = c->next)
        if (c->exp == exp)
            return true;
    return false;
}

static long export_drain_timeout(struct bk_loop *loop, void *arg)
{
    struct export *exp = arg;
    struct nbd_export *ne = exp->priv;

    (void)loop;
    ne->drain_timer = 0;
    /* Clients that did not take their last replies in time lose them. */
    for (struct nbd_conn *c = ne->lis->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->exp == exp)
            nbd_conn_close(c, true, "drain timed out");
    }
    return -1;
}

static void nbd_export_shutdown(struct export *exp)
{
    struct nbd_export *ne = exp->priv;
    struct nbd_listener *lis = ne->lis;
    bool others = false;

    for (size_t i = 0; i < lis->nexports; i++)
        if (!lis->exports[i]->draining)
            others = true;
    for (struct nbd_conn *c = lis->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->exp == exp)
            nbd_conn_close(c, false, "export removed");
        else if (c->exp == NULL && !others)
            nbd_conn_close(c, true, "server shutting down");
    }
    /* The socket stops taking clients as soon as no export is left. */
    if (!others && lis->fd >= 0)
        bk_loop_fd_events(lis->loop, lis->fd, 0);
    if (!export_has_conns(exp))
        export_drained(exp);
    else if (ne->drain_timer == 0)
        ne->drain_timer = bk_loop_add_timer(lis->loop, NBD_DRAIN_MS,
                                            export_drain_timeout, exp);
}

static void nbd_export_free(struct export *exp)
{
    struct nbd_export *ne = exp->priv;
    struct nbd_listener *lis = ne->lis;
    size_t i;

    if (ne->drain_timer > 0)
        bk_loop_del_timer(lis->loop, ne->drain_timer);
    for (i = 0; i < lis->nexports && lis->exports[i] != exp; i++)
        ;
    if (i < lis->nexports)
        lis->exports[i] = lis->exports[--lis->nexports];
    free(ne->description);
    free(ne);
    if (lis->nexports == 0) {
        while (lis->conns != NULL)
            nbd_conn_close(lis->conns, true, "server shutting down");
        listener_free(lis);
    }
}

void nbd_listener_conn_gone(struct nbd_listener *lis, struct nbd_conn *c)
{
    struct export *exp = c->exp;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        lis->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    lis->nconns--;
    if (exp != NULL && exp->draining && !export_has_conns(exp))
        export_drained(exp);
}
