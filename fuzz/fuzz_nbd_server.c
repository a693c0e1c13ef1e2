/*
 * fuzz_nbd_server.c — the NBD server's handshake and request parsers
 * (nbd/).  The input is what a client sends, fed to a real connection
 * over a socketpair, with the loop run until the server has taken it all
 * (or hung up); the image is a scratch file.
 *
 * The first byte picks the phase: odd inputs are prefixed with a valid
 * handshake (structured replies, base:allocation, GO) so that the rest is
 * parsed as requests; even inputs start at the greeting.
 *
 * Promises checked: besides not crashing, leaking or touching memory it
 * does not own, the server lets go of a connection once its client has
 * hung up and its requests have ended.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "export/export.h"
#include "nbd/proto.h"
#include "nbd/server-int.h"

static struct {
    bool ready;
    char path[64];
    struct bk_loop *loop;
    struct bk_dev *dev;
} fz;

static void fuzz_setup(void)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;
    int fd;

    strcpy(fz.path, "/tmp/blkmon-fuzz.XXXXXX");
    fd = mkstemp(fz.path);
    if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
        abort();
    close(fd);
    fz.loop = bk_loop_new(1);
    bk_opts_set(o, "driver", "raw");
    if (bk_dev_open(fz.loop, fz.path, o, BK_O_RDWR, &fz.dev, &cause) < 0)
        abort();
    unlink(fz.path);
    fz.ready = true;
}

/* A client's valid handshake up to transmission. */
static size_t fuzz_handshake(uint8_t *p)
{
    static const char meta[] = "base:allocation";
    size_t n = 0;

    nbd_put32(p + n, NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
    n += 4;
    nbd_encode_opt(p + n, NBD_OPT_STRUCTURED_REPLY, 0);
    n += NBD_OPT_HEADER_SIZE;
    nbd_encode_opt(p + n, NBD_OPT_SET_META_CONTEXT, 12 + sizeof(meta) - 1);
    n += NBD_OPT_HEADER_SIZE;
    nbd_put32(p + n, 0);
    nbd_put32(p + n + 4, 1);
    nbd_put32(p + n + 8, sizeof(meta) - 1);
    memcpy(p + n + 12, meta, sizeof(meta) - 1);
    n += 12 + sizeof(meta) - 1;
    nbd_encode_opt(p + n, NBD_OPT_GO, 6);
    n += NBD_OPT_HEADER_SIZE;
    memset(p + n, 0, 6);
    return n + 6;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct export_set *set;
    struct nbd_listener *lis;
    struct nbd_export *ne;
    struct export *exp;
    uint8_t hs[128], sink[65536];
    char *cause = NULL;
    size_t off = 0, hslen = 0;
    int sv[2];

    if (!fz.ready)
        fuzz_setup();
    if (size > 0 && (data[0] & 1))
        hslen = fuzz_handshake(hs);
    set = export_set_new(fz.loop);
    ne = calloc(1, sizeof(*ne));
    lis = calloc(1, sizeof(*lis));
    lis->loop = fz.loop;
    lis->fd = -1;
    lis->exports = calloc(1, sizeof(*lis->exports));
    exp = export_new(&nbd_export_ops, fz.dev, "", "fuzz", false, ne);
    export_add(set, exp, &cause);
    lis->exports[0] = exp;
    lis->nexports = 1;
    ne->exp = exp;
    ne->lis = lis;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    nbd_conn_new(lis, sv[0]);
    /* Feed the handshake, then the input, reading replies as they come
     * so that the server never stalls on a full socket. */
    for (int spins = 0; spins < 100000; spins++) {
        const uint8_t *p = off < hslen ? hs + off : data + 1 + off - hslen;
        size_t left = off < hslen ? hslen - off
                                  : (size > 0 ? size - 1 : 0) - (off - hslen);
        ssize_t w = 0;

        if (left > 0) {
            w = write(sv[1], p, left);
            if (w > 0)
                off += (size_t)w;
        }
        while (read(sv[1], sink, sizeof(sink)) > 0)
            ;
        bk_loop_iterate(fz.loop, 0);
        if (left == 0 && lis->conns != NULL && lis->conns->nreqs == 0 &&
            lis->conns->out_head == NULL)
            break;
        if (lis->conns == NULL)
            break;
    }
    close(sv[1]);
    for (int i = 0; i < 10000 && lis->conns != NULL; i++)
        bk_loop_iterate(fz.loop, 1);
    if (lis->conns != NULL)
        fuzz_fail("a connection outlived its client by 10 s");
    /* Ending the set drains the export and frees the listener with it. */
    export_set_free(set);
    return 0;
}
