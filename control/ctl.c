/*
 * ctl.c — blkmon ctl: a control client for shell scripts.
 *
 *     blkmon ctl [-f] [-q] unix:PATH [COMMAND]...
 *
 * Each COMMAND (one argument each; without any, one a line from standard
 * input) is sent as a text request and its reply awaited; the output is
 * printed on standard output, as the command printed it.  Frames that
 * come between replies (a session's later output, subscribed events) are
 * printed too.  With -f, after the last command it goes on printing them
 * until the server closes the connection (or SIGINT, SIGTERM).  -q leaves
 * out the output of commands that succeed.
 *
 * Exit status: 0 when every command succeeded, 1 when one failed (the
 * others still run, as with qemu-io's -c), 2 when the server cannot be
 * reached or breaks the protocol.  A failed command's errno name goes to
 * standard error ("blkmon: wait_break A 100: ETIMEDOUT").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/out.h"
#include "control/control.h"
#include "control/proto.h"
#include "nbd/addr.h"

struct ctl_client {
    int fd;
    char buf[65536];
    size_t len, off;
    bool quiet;
};

static void ctl_usage(void)
{
    fprintf(stderr, "Usage: %s ctl [-f] [-q] unix:PATH [COMMAND]...\n",
            out_progname());
}

/* Fill the buffer; false at end of file or on an error. */
static bool ctl_fill(struct ctl_client *c)
{
    ssize_t n;

    if (c->off > 0) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    if (c->len == sizeof(c->buf))
        return false;
    do
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    c->len += (size_t)n;
    return true;
}

/* One header line ("ok 12"), without its LF, into line. */
static bool ctl_header(struct ctl_client *c, char *line, size_t size)
{
    for (;;) {
        char *lf = memchr(c->buf + c->off, '\n', c->len - c->off);

        if (lf != NULL) {
            size_t n = (size_t)(lf - (c->buf + c->off));

            if (n >= size)
                return false;
            memcpy(line, c->buf + c->off, n);
            line[n] = '\0';
            c->off += n + 1;
            return true;
        }
        if (c->len - c->off > 256 || !ctl_fill(c))
            return false;
    }
}

/* Copy len body bytes to f (NULL: drop them). */
static bool ctl_body(struct ctl_client *c, size_t len, FILE *f)
{
    while (len > 0) {
        size_t have = c->len - c->off, n;

        if (have == 0) {
            if (!ctl_fill(c))
                return false;
            continue;
        }
        n = have < len ? have : len;
        if (f != NULL)
            fwrite(c->buf + c->off, 1, n, f);
        c->off += n;
        len -= n;
    }
    if (f != NULL)
        fflush(f);
    return true;
}

/*
 * Read frames until a reply: 0 (ok), 1 (error: its name in errname), or
 * -1 when the connection ended or the frame makes no sense.  With
 * follow, read until the connection ends (returns -1 then, normally).
 */
static int ctl_read_reply(struct ctl_client *c, char *errname, size_t size)
{
    char line[128], kind[16], name[64];

    while (ctl_header(c, line, sizeof(line))) {
        unsigned long long len;
        int n;

        name[0] = '\0';
        n = sscanf(line, "%15s %llu %63s", kind, &len, name);
        if (n < 2 || len > (1ull << 32))
            return -1;
        if (strcmp(kind, "ok") == 0) {
            if (!ctl_body(c, (size_t)len, c->quiet ? NULL : stdout))
                return -1;
            return 0;
        }
        if (strcmp(kind, "error") == 0) {
            if (!ctl_body(c, (size_t)len, stdout))
                return -1;
            snprintf(errname, size, "%s", n == 3 ? name : "error");
            return 1;
        }
        if (strcmp(kind, "output") != 0 && strcmp(kind, "event") != 0)
            return -1;
        if (!ctl_body(c, (size_t)len, stdout))
            return -1;
    }
    return -1;
}

static int ctl_run(struct ctl_client *c, const char *cmd, int *status)
{
    size_t n = strlen(cmd);
    char errname[64];
    int r;

    if (strchr(cmd, '\n') != NULL) {
        fprintf(stderr, "%s: a command is one line: '%s'\n", out_progname(),
                cmd);
        *status = 1;
        return 0;
    }
    if (send(c->fd, cmd, n, MSG_NOSIGNAL) != (ssize_t)n ||
        send(c->fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        int err = errno;

        /* A server that turned us away said why before it closed. */
        if (ctl_read_reply(c, errname, sizeof(errname)) == 1)
            fprintf(stderr, "%s: refused: %s\n", out_progname(), errname);
        else
            fprintf(stderr, "%s: the server went away: %s\n",
                    out_progname(), strerror(err));
        return -1;
    }
    r = ctl_read_reply(c, errname, sizeof(errname));
    if (r < 0) {
        fprintf(stderr, "%s: %s: no reply (the server closed the "
                "connection)\n", out_progname(), cmd);
        return -1;
    }
    if (r == 1) {
        fprintf(stderr, "%s: %s: %s\n", out_progname(), cmd, errname);
        *status = 1;
    }
    return 0;
}

int ctl_socket_parse(const char *text, struct nbd_addr *a)
{
    char *cause = NULL;

    if (nbd_addr_parse(text, a, &cause) < 0 || !a->is_unix) {
        fprintf(stderr, "%s: %s\n", out_progname(),
                cause != NULL ? cause : "the control socket is unix:PATH");
        free(cause);
        if (cause == NULL)
            nbd_addr_clear(a);
        return -EINVAL;
    }
    return 0;
}

int ctl_client_main(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "follow", no_argument, NULL, 'f' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct ctl_client *c = calloc(1, sizeof(*c));
    struct nbd_addr a;
    char *cause = NULL;
    bool follow = false;
    int opt, status = 0;

    if (c == NULL)
        return 2;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+fqh", lopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            follow = true;
            break;
        case 'q':
            c->quiet = true;
            break;
        case 'h':
            ctl_usage();
            free(c);
            return 0;
        default:
            ctl_usage();
            free(c);
            return 2;
        }
    }
    if (optind >= argc) {
        ctl_usage();
        free(c);
        return 2;
    }
    if (ctl_socket_parse(argv[optind], &a) < 0) {
        free(c);
        return 2;
    }
    if (nbd_addr_connect(&a, &c->fd, &cause) < 0) {
        fprintf(stderr, "%s: %s\n", out_progname(), cause);
        free(cause);
        nbd_addr_clear(&a);
        free(c);
        return 2;
    }
    nbd_addr_clear(&a);
    if (optind + 1 < argc) {
        for (int i = optind + 1; i < argc && status != 2; i++)
            if (ctl_run(c, argv[i], &status) < 0)
                status = 2;
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        while (status != 2 && (n = getline(&line, &cap, stdin)) >= 0) {
            if (n > 0 && line[n - 1] == '\n')
                line[n - 1] = '\0';
            if (line[0] != '\0' && ctl_run(c, line, &status) < 0)
                status = 2;
        }
        free(line);
    }
    if (follow && status != 2) {
        char errname[64];

        /* Until the server closes: frames only, no replies expected. */
        while (ctl_read_reply(c, errname, sizeof(errname)) >= 0)
            ;
    }
    close(c->fd);
    free(c);
    return status;
}
