/*
 * server.c — the control socket: listening, who may connect, and each
 * connection's bytes (see server-int.h).
 *
 * A connection is read when readable (as long as its queued output stays
 * under CTL_OUT_HARD: a client that does not read its replies stops being
 * read) and written when its queue is not empty and the socket takes it.
 * Everything is non-blocking and on the loop thread.  A hang-up or a
 * broken stream detaches the session (its commands give up) and frees the
 * connection at once.
 *
 * Who: the socket file is born 0600 (nbd/addr.c's Unix listener), so
 * only its owner (and root) can open it; and each peer's credentials
 * (SO_PEERCRED) are checked again, so that a socket file made reachable
 * some other way still refuses other users.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/events.h"
#include "control/server-int.h"
#include "control/view.h"
#include "nbd/addr.h"
#include "util/strfmt.h"

static void conn_ready(struct bk_loop *loop, int fd, void *arg);
static void conn_free(struct ctl_conn *c);

size_t ctl_conn_queued(const struct ctl_conn *c)
{
    return c->out.len - c->out_off;
}

static void conn_write(struct ctl_conn *c)
{
    while (c->fd >= 0 && !c->gone && c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.p + c->out_off,
                         c->out.len - c->out_off, MSG_NOSIGNAL);

        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 && errno == EINTR)
            continue;
        c->gone = true;      /* the peer is not reading any more */
    }
    if (c->out_off == c->out.len) {
        jb_reset(&c->out);
        c->out_off = 0;
    } else if (c->out_off > (64u << 10) && c->out_off * 2 > c->out.len) {
        memmove(c->out.p, c->out.p + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
}

/* Whether to take more requests: a client that does not read its
 * replies, or piles up requests, is not read until it catches up. */
static bool conn_may_read(const struct ctl_conn *c)
{
    unsigned pending = c->nheld + (c->sess != NULL ? c->sess->nqueued : 0);

    return !c->gone && ctl_conn_queued(c) < CTL_OUT_HARD &&
           pending < CTL_MAX_PENDING;
}

void ctl_conn_update(struct ctl_conn *c)
{
    unsigned ev = 0;

    if (c->fd < 0)
        return;
    c->reading = conn_may_read(c);
    /* A connection found broken is still watched: its hang-up frees it. */
    if (c->reading || c->gone)
        ev |= BK_FD_READ;
    if (ctl_conn_queued(c) > 0 && !c->gone)
        ev |= BK_FD_WRITE;
    bk_loop_fd_events(c->srv->loop, c->fd, ev);
}

void ctl_conn_send(struct ctl_conn *c, const char *data, size_t len)
{
    if (c->gone || c->fd < 0 || len == 0)
        return;
    jb_raw(&c->out, data, len);
    conn_write(c);
    ctl_conn_update(c);
}

static void conn_request(const struct ctl_request *req, void *arg)
{
    struct ctl_conn *c = arg;

    if (c->sess != NULL && !c->gone)
        ctl_sess_request(c->sess, req);
}

static void conn_unlink(struct ctl_conn *c)
{
    struct ctl_server *s = c->srv;

    for (struct ctl_conn **p = &s->conns; *p != NULL; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            s->nconns--;
            return;
        }
    }
}

static void conn_free(struct ctl_conn *c)
{
    struct ctl_server *s = c->srv;

    if (c->sess != NULL) {
        if (s->hub != NULL)
            ev_hub_client(s->hub, false, "control", &c->sess->st.source,
                          c->peer, NULL);
        ctl_sess_detach(c->sess);
        c->sess = NULL;
    }
    conn_unlink(c);
    if (c->fd >= 0) {
        bk_loop_del_fd(s->loop, c->fd);
        close(c->fd);
    }
    while (c->held != NULL) {
        struct ctl_job *j = c->held;

        c->held = j->next;
        ctl_job_free(j);
    }
    jb_free(&c->out);
    free(c->peer);
    free(c);
}

static void conn_ready(struct bk_loop *loop, int fd, void *arg)
{
    struct ctl_conn *c = arg;
    char buf[16384];

    (void)loop;
    if (ctl_conn_queued(c) > 0)
        conn_write(c);
    while (c->reading && !c->gone) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);

        if (n > 0) {
            ctl_input_take(&c->in, buf, (size_t)n, conn_request, c);
            /* A request may have filled a queue: read no more. */
            c->reading = conn_may_read(c);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 && errno == EINTR)
            continue;
        c->gone = true;      /* end of file or an error: the client left */
    }
    if (c->gone) {
        conn_free(c);
        return;
    }
    ctl_conn_update(c);
}

/* Refuse a client with one error frame, then close it. */
static void refuse_client(int fd, const char *errname, const char *why)
{
    struct jbuf b;

    jb_init(&b);
    ctl_frame_header(&b, "error", strlen(why) + 1, errname);
    jb_raw(&b, why, strlen(why));
    jb_lit(&b, "\n");
    if (send(fd, b.p, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* It is being turned away anyway. */
    }
    jb_free(&b);
    close(fd);
}

static void server_accept(struct bk_loop *loop, int fd, void *arg)
{
    struct ctl_server *s = arg;

    (void)loop;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct ctl_conn *c;

        if (cfd < 0)
            return;
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != geteuid() && cred.uid != 0)) {
            refuse_client(cfd, "EACCES", "permission denied: the control "
                          "socket is its owner's only");
            continue;
        }
        if (s->stopping || s->nconns >= CTL_MAX_CLIENTS) {
            refuse_client(cfd, s->stopping ? "ESHUTDOWN" : "EBUSY",
                          s->stopping ? "blkmon is stopping"
                                      : "too many control clients");
            continue;
        }
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            abort();
        c->srv = s;
        c->fd = cfd;
        c->peer = strfmt("pid %d uid %u", (int)cred.pid,
                         (unsigned)cred.uid);
        if (c->peer == NULL)
            abort();
        jb_init(&c->out);
        c->next = s->conns;
        s->conns = c;
        s->nconns++;
        c->sess = ctl_sess_new(s, c);
        if (bk_loop_add_fd(s->loop, cfd, conn_ready, c) < 0) {
            conn_free(c);
            continue;
        }
        ctl_conn_update(c);
        if (s->hub != NULL)
            ev_hub_client(s->hub, true, "control", &c->sess->st.source,
                          c->peer, NULL);
    }
}

/* Something happened to the image or its clients: waiting fibers look
 * again, attached TUIs get a frame. */
static void server_activity(void *arg)
{
    struct ctl_server *s = arg;

    ctl_sched_kick(s);
    if (s->view != NULL)
        ctl_view_dirty(s->view);
}

/* When the image closes for good (the front end ends), the sessions'
 * commands must end first: they run on that image. */
static void server_on_close(void *arg)
{
    ctl_sess_end_all(arg, false);
}

int ctl_server_start(struct cmd_state *owner, struct ev_hub *hub,
                     const char *text, struct ctl_server **out, char **cause)
{
    struct ctl_server *s;
    struct nbd_addr a;
    int ret, fd = -1;

    if (owner->group == NULL) {
        *cause = strfmt("internal: the session has no group");
        return -EINVAL;
    }
    ret = nbd_addr_parse(text, &a, cause);
    if (ret < 0)
        return ret;
    if (!a.is_unix) {
        nbd_addr_clear(&a);
        *cause = strfmt("the control socket is a Unix socket: unix:PATH "
                        "(not '%s')", text);
        return -EINVAL;
    }
    ret = nbd_addr_listen(&a, &fd, cause);
    if (ret < 0) {
        nbd_addr_clear(&a);
        return ret;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    s->loop = owner->loop;
    s->owner = owner;
    s->group = owner->group;
    s->hub = hub;
    s->fd = fd;
    s->path = strdup(a.path);
    s->where = nbd_addr_text(&a);
    nbd_addr_clear(&a);
    if (s->path == NULL || s->where == NULL)
        abort();
    ret = bk_loop_add_fd(s->loop, fd, server_accept, s);
    if (ret < 0) {
        *cause = strfmt("cannot watch the control socket: %s",
                        strerror(-ret));
        close(fd);
        unlink(s->path);
        free(s->path);
        free(s->where);
        free(s);
        return ret;
    }
    ctl_sched_install(s);
    if (hub != NULL)
        ev_hub_on_activity(hub, server_activity, s);
    cmd_group_on_close(s->group, server_on_close, s);
    *out = s;
    return 0;
}

void ctl_server_on_quit(struct ctl_server *s, void (*fn)(void *arg),
                        void *arg)
{
    s->quit_fn = fn;
    s->quit_arg = arg;
}

const char *ctl_server_where(const struct ctl_server *s)
{
    return s->where;
}

void ctl_server_stop(struct ctl_server *s)
{
    if (s == NULL)
        return;
    s->stopping = true;
    bk_loop_del_fd(s->loop, s->fd);
    close(s->fd);
    unlink(s->path);
    cmd_group_on_close(s->group, NULL, NULL);
    ctl_sess_end_all(s, true);
    ctl_sess_flush_idle(s);
    /* Last replies go if the sockets take them; nobody waits for them. */
    while (s->conns != NULL) {
        struct ctl_conn *c = s->conns;

        conn_write(c);
        conn_free(c);
    }
    ctl_sess_reap_all(s);
    ctl_view_free(s->view);
    if (s->hub != NULL)
        ev_hub_on_activity(s->hub, NULL, NULL);
    if (s->flush_timer > 0)
        bk_loop_del_timer(s->loop, s->flush_timer);
    ctl_sched_remove(s);
    free(s->path);
    free(s->where);
    free(s);
}

void ctl_quit_headless(void *arg)
{
    struct cmd_state *st = arg;

    st->quit = true;
    /* A request parked at a breakpoint would hold the drain forever. */
    if (st->dev != NULL)
        bk_dev_resume_all(st->dev);
}
