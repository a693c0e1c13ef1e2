/*
 * addr.c — parsing NBD addresses, listening and connecting (see addr.h).
 *
 * Messages follow qemu's socket code where it has words ("Failed to bind
 * socket to PATH", "address resolution failed for HOST:PORT").
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "nbd/addr.h"
#include "util/strfmt.h"

#define ADDR_DEFAULT_HOST "127.0.0.1"
#define ADDR_BACKLOG 64

void nbd_addr_clear(struct nbd_addr *a)
{
    free(a->path);
    free(a->host);
    free(a->port);
    *a = (struct nbd_addr){ 0 };
}

static bool addr_port_ok(const char *p)
{
    char *end;
    long v;

    if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
        return false;
    v = strtol(p, &end, 10);
    return v >= 0 && v <= 65535;
}

int nbd_addr_parse(const char *text, struct nbd_addr *a, char **cause)
{
    const char *colon;

    *a = (struct nbd_addr){ 0 };
    if (strncmp(text, "unix:", 5) == 0) {
        if (text[5] == '\0' ||
            strlen(text + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            *cause = strfmt("invalid Unix socket path '%s'", text + 5);
            return -EINVAL;
        }
        a->is_unix = true;
        a->path = strdup(text + 5);
        return 0;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (close == NULL || close[1] != ':') {
            *cause = strfmt("invalid address '%s': expected [HOST]:PORT",
                            text);
            return -EINVAL;
        }
        a->host = strndup(text + 1, (size_t)(close - text - 1));
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL) {
            *cause = strfmt("invalid address '%s': expected unix:PATH, "
                            "HOST:PORT or :PORT", text);
            return -EINVAL;
        }
        a->host = colon == text ? strdup(ADDR_DEFAULT_HOST)
                                : strndup(text, (size_t)(colon - text));
    }
    if (!addr_port_ok(colon + 1)) {
        *cause = strfmt("invalid port '%s' in '%s'", colon + 1, text);
        nbd_addr_clear(a);
        return -EINVAL;
    }
    a->port = strdup(colon + 1);
    return 0;
}

char *nbd_addr_text(const struct nbd_addr *a)
{
    if (a->is_unix)
        return strfmt("unix:%s", a->path);
    if (strchr(a->host, ':') != NULL)
        return strfmt("[%s]:%s", a->host, a->port);
    return strfmt("%s:%s", a->host, a->port);
}

static int addr_listen_unix(struct nbd_addr *a, int *fdp, char **cause)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct stat st;
    mode_t old;
    bool tmp;
    int fd, ret;

    /* A socket left by a server that died is replaced, as qemu does; any
     * other file is not ours to remove. */
    if (lstat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(a->path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ret = -errno;
        *cause = strfmt("Failed to create socket: %s", strerror(errno));
        return ret;
    }
    /* The socket takes its name only once it listens: a client that sees
     * the file (scripts wait for it) could be refused between bind and
     * listen.  So it is bound under a name of its own beside the path and
     * renamed; where that name would not fit, bound in place. */
    tmp = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%ld~", a->path,
                   (long)getpid()) < (int)sizeof(sun.sun_path);
    if (!tmp)
        strcpy(sun.sun_path, a->path);
    /* Only the owner may connect: the file is born 0600. */
    old = umask(0177);
    ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old);
    if (ret == 0)
        ret = listen(fd, ADDR_BACKLOG);
    if (ret == 0 && tmp)
        ret = rename(sun.sun_path, a->path);
    if (ret < 0) {
        ret = -errno;
        if (tmp)
            unlink(sun.sun_path);
        *cause = strfmt("Failed to bind socket to %s: %s", a->path,
                        strerror(-ret));
        close(fd);
        return ret;
    }
    *fdp = fd;
    return 0;
}

static int addr_resolve(const struct nbd_addr *a, bool passive,
                        struct addrinfo **res, char **cause)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    int gai = getaddrinfo(a->host, a->port, &hints, res);

    if (gai != 0) {
        *cause = strfmt("address resolution failed for %s:%s: %s", a->host,
                        a->port, gai_strerror(gai));
        return -EINVAL;
    }
    return 0;
}

static int addr_listen_tcp(struct nbd_addr *a, int *fdp, char **cause)
{
    struct addrinfo *res, *ai;
    int fd = -1, err = EADDRNOTAVAIL, ret;

    ret = addr_resolve(a, true, &res, cause);
    if (ret < 0)
        return ret;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int one = 1;

        fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, ADDR_BACKLOG) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        *cause = strfmt("Failed to bind socket to %s:%s: %s", a->host,
                        a->port, strerror(err));
        return -err;
    }
    if (strcmp(a->port, "0") == 0) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char port[16];

        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
            getnameinfo((struct sockaddr *)&ss, len, NULL, 0, port,
                        sizeof(port), NI_NUMERICSERV) == 0) {
            free(a->port);
            a->port = strdup(port);
        }
    }
    *fdp = fd;
    return 0;
}

int nbd_addr_listen(struct nbd_addr *a, int *fdp, char **cause)
{
    return a->is_unix ? addr_listen_unix(a, fdp, cause)
                      : addr_listen_tcp(a, fdp, cause);
}

int nbd_addr_connect(const struct nbd_addr *a, int *fdp, char **cause)
{
    struct addrinfo *res, *ai;
    int fd, err = ECONNREFUSED, ret;

    if (a->is_unix) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };

        strcpy(sun.sun_path, a->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            ret = -errno;
            *cause = strfmt("Failed to connect to '%s': %s", a->path,
                            strerror(errno));
            if (fd >= 0)
                close(fd);
            return ret;
        }
        *fdp = fd;
        return 0;
    }
    ret = addr_resolve(a, false, &res, cause);
    if (ret < 0)
        return ret;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            int one = 1;

            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            freeaddrinfo(res);
            *fdp = fd;
            return 0;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    *cause = strfmt("Failed to connect to '%s:%s': %s", a->host, a->port,
                    strerror(err));
    return -err;
}

char *nbd_addr_peer(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST], port[NI_MAXSERV];

    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0 ||
        ss.ss_family == AF_UNIX)
        return strdup("unix");
    if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
                    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return strdup("?");
    if (ss.ss_family == AF_INET6)
        return strfmt("[%s]:%s", host, port);
    return strfmt("%s:%s", host, port);
}
