/*
 * test_nbd_server.c — the NBD server's parsers: the request validator
 * (tx_check, reached by including transmit.c) and the handshake and
 * request parsing run through a real connection on a socketpair, with the
 * loop iterated by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "nbd/transmit.c"

struct fixture {
    char dir[64];
    char path[96];
    struct bk_loop *loop;
    struct bk_dev *dev;
    struct export_set *set;
    struct export *exp;
    struct nbd_listener *lis;      /* built by hand: no socket */
    int cfd;                        /* the client's end */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;
    int fd, sv[2];

    strcpy(f->dir, "/tmp/blkmon-nbdunit.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/img", f->dir);
    fd = open(f->path, O_CREAT | O_RDWR, 0644);
    if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
        return -1;
    close(fd);
    f->loop = bk_loop_new(1);
    bk_opts_set(o, "driver", "raw");
    if (bk_dev_open(f->loop, f->path, o, BK_O_RDWR, &f->dev, &cause) < 0)
        return -1;
    f->set = export_set_new(f->loop);
    f->exp = export_new(&nbd_export_ops, f->dev, "", "test", false, NULL);
    export_add(f->set, f->exp, &cause);
    {
        struct nbd_export *ne = calloc(1, sizeof(*ne));

        f->lis = calloc(1, sizeof(*f->lis));
        f->lis->loop = f->loop;
        f->lis->fd = -1;
        f->lis->exports = calloc(1, sizeof(struct export *));
        f->lis->exports[0] = f->exp;
        f->lis->nexports = 1;
        ne->exp = f->exp;
        ne->lis = f->lis;
        f->exp->priv = ne;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    f->cfd = sv[1];
    nbd_conn_new(f->lis, sv[0]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    close(f->cfd);
    /* Drains the export, frees the hand-built listener with it. */
    export_set_free(f->set);
    bk_dev_close(f->dev);
    bk_loop_free(f->loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Send bytes as the client. */
static void put(struct fixture *f, const void *p, size_t n)
{
    assert_int_equal(write(f->cfd, p, n), (ssize_t)n);
}

/* Read exactly n bytes as the client, running the server meanwhile;
 * false when the server closed first. */
static bool get(struct fixture *f, void *p, size_t n)
{
    size_t got = 0;

    fcntl(f->cfd, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < 2000 && got < n; i++) {
        ssize_t r = read(f->cfd, (char *)p + got, n - got);

        if (r == 0)
            return false;
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        bk_loop_iterate(f->loop, 5);
    }
    assert_int_equal(got, n);
    return true;
}

static void opt(struct fixture *f, uint32_t option, const void *p,
                uint32_t len)
{
    uint8_t h[NBD_OPT_HEADER_SIZE];

    nbd_encode_opt(h, option, len);
    put(f, h, sizeof(h));
    if (len > 0)
        put(f, p, len);
}

/* One option reply; its payload (NUL-terminated) into buf. */
static struct nbd_opt_reply opt_reply(struct fixture *f, char *buf,
                                      size_t size)
{
    uint8_t h[NBD_OPT_REPLY_SIZE];
    struct nbd_opt_reply r;

    assert_true(get(f, h, sizeof(h)));
    assert_int_equal(nbd_decode_opt_reply(h, &r), 0);
    assert_true(r.length < size);
    if (r.length > 0)
        assert_true(get(f, buf, r.length));
    buf[r.length] = '\0';
    return r;
}

static void greet(struct fixture *f, uint32_t flags)
{
    uint8_t g[NBD_GREETING_SIZE], fl[4];
    uint16_t hf;

    assert_true(get(f, g, sizeof(g)));
    assert_int_equal(nbd_decode_greeting(g, &hf), 0);
    assert_int_equal(hf, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    nbd_put32(fl, flags);
    put(f, fl, 4);
}

static void test_unknown_option_is_refused_with_qemus_words(void **state)
{
    struct fixture *f = *state;
    struct nbd_opt_reply r;
    char buf[256];

    greet(f, 3);
    opt(f, 4, "abc", 3);
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.option, 4);
    assert_int_equal(r.type, NBD_REP_ERR_UNSUP);
    assert_string_equal(buf, "Unsupported option 4 (<unknown>)");
    /* The connection goes on: LIST answers. */
    opt(f, NBD_OPT_LIST, NULL, 0);
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.type, NBD_REP_SERVER);
    assert_int_equal(r.length, 4);          /* "" and no description */
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.type, NBD_REP_ACK);
}

static void test_inconsistent_go_is_invalid(void **state)
{
    struct fixture *f = *state;
    uint8_t p[6] = { 0, 0, 0, 9, 'a', 'b' };
    struct nbd_opt_reply r;
    char buf[256];

    greet(f, 3);
    opt(f, NBD_OPT_GO, p, sizeof(p));
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.type, NBD_REP_ERR_INVALID);
    assert_string_equal(buf, "Inconsistent lengths in option go");
    /* A LIST with a payload: unexpected length. */
    opt(f, NBD_OPT_LIST, "x", 1);
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.type, NBD_REP_ERR_INVALID);
    assert_string_equal(buf, "option 'list' has unexpected length");
}

static void test_meta_context_needs_structured_replies(void **state)
{
    struct fixture *f = *state;
    uint8_t q[4 + 4 + 4 + 15];
    struct nbd_opt_reply r;
    char buf[256];

    nbd_put32(q, 0);
    nbd_put32(q + 4, 1);
    nbd_put32(q + 8, 15);
    memcpy(q + 12, "base:allocation", 15);
    greet(f, 3);
    opt(f, NBD_OPT_SET_META_CONTEXT, q, sizeof(q));
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.type, NBD_REP_ERR_INVALID);
    opt(f, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    assert_int_equal(opt_reply(f, buf, sizeof(buf)).type, NBD_REP_ACK);
    opt(f, NBD_OPT_STRUCTURED_REPLY, NULL, 0);
    assert_int_equal(opt_reply(f, buf, sizeof(buf)).type,
                     NBD_REP_ERR_INVALID);
    opt(f, NBD_OPT_SET_META_CONTEXT, q, sizeof(q));
    r = opt_reply(f, buf, sizeof(buf));
    assert_int_equal(r.type, NBD_REP_META_CONTEXT);
    assert_string_equal(buf + 4, "base:allocation");
    assert_int_equal(opt_reply(f, buf, sizeof(buf)).type, NBD_REP_ACK);
    assert_true(f->lis->conns->meta_base);
}

static void test_go_then_requests_are_validated(void **state)
{
    struct fixture *f = *state;
    uint8_t p[6] = { 0 }, req[NBD_REQUEST_SIZE], rep[NBD_SIMPLE_REPLY_SIZE];
    struct nbd_request r = { .type = NBD_CMD_READ, .cookie = 5,
                             .length = 512, .flags = NBD_CMD_FLAG_DF };
    struct nbd_opt_reply o;
    uint32_t err;
    uint64_t cookie;
    char buf[256];
    bool block_size = false;

    greet(f, 3);
    opt(f, NBD_OPT_GO, p, sizeof(p));
    do {
        o = opt_reply(f, buf, sizeof(buf));
        if (o.type == NBD_REP_INFO &&
            nbd_get16((uint8_t *)buf) == NBD_INFO_BLOCK_SIZE) {
            block_size = true;
            assert_int_equal(nbd_get32((uint8_t *)buf + 2), 1);
            assert_int_equal(nbd_get32((uint8_t *)buf + 6), 4096);
            assert_int_equal(nbd_get32((uint8_t *)buf + 10),
                             NBD_MAX_PAYLOAD);
        }
    } while (o.type == NBD_REP_INFO);
    assert_int_equal(o.type, NBD_REP_ACK);
    assert_true(block_size);
    /* DF without structured replies: EINVAL, simple reply. */
    nbd_encode_request(req, &r);
    put(f, req, sizeof(req));
    assert_true(get(f, rep, sizeof(rep)));
    assert_int_equal(nbd_decode_simple_reply(rep, &err, &cookie), 0);
    assert_int_equal(err, NBD_EINVAL);
    assert_int_equal(cookie, 5);
    /* A write past the end: its payload is dropped, ENOSPC. */
    r = (struct nbd_request){ .type = NBD_CMD_WRITE, .cookie = 6,
                              .offset = (1 << 20) - 256, .length = 512 };
    nbd_encode_request(req, &r);
    put(f, req, sizeof(req));
    memset(buf, 0xee, 512 > sizeof(buf) ? sizeof(buf) : 512);
    put(f, buf, 256);
    put(f, buf, 256);
    assert_true(get(f, rep, sizeof(rep)));
    assert_int_equal(nbd_decode_simple_reply(rep, &err, &cookie), 0);
    assert_int_equal(err, NBD_ENOSPC);
    assert_int_equal(cookie, 6);
    /* A bad magic ends the connection. */
    memset(req, 0, sizeof(req));
    put(f, req, sizeof(req));
    assert_false(get(f, rep, 1));
}

/* Through NBD_OPT_GO, plain replies. */
static void go(struct fixture *f)
{
    uint8_t p[6] = { 0 };
    struct nbd_opt_reply o;
    char buf[256];

    greet(f, 3);
    opt(f, NBD_OPT_GO, p, sizeof(p));
    do
        o = opt_reply(f, buf, sizeof(buf));
    while (o.type == NBD_REP_INFO);
    assert_int_equal(o.type, NBD_REP_ACK);
}

/* A simple reply without error: its cookie. */
static uint64_t simple_reply_ok(struct fixture *f)
{
    uint8_t rep[NBD_SIMPLE_REPLY_SIZE];
    uint64_t cookie;
    uint32_t err;

    assert_true(get(f, rep, sizeof(rep)));
    assert_int_equal(nbd_decode_simple_reply(rep, &err, &cookie), 0);
    assert_int_equal(err, 0);
    return cookie;
}

static void simple_ok(struct fixture *f, uint64_t want_cookie)
{
    assert_int_equal(simple_reply_ok(f), want_cookie);
}

/*
 * An ended request's buffer is kept for the next of the same length, and
 * handed out again with the new request's data in it, not the old one's:
 * a write, then two reads that pass through the same buffer and each get
 * what the file holds; a read of another length takes a buffer of its own.
 * Both requests of a pair sent in one piece are answered.
 */
static void test_request_buffers_are_kept_for_the_next(void **state)
{
    struct fixture *f = *state;
    static uint8_t data[4096], got[4096];
    uint8_t req[2 * NBD_REQUEST_SIZE];
    struct nbd_request r = { .type = NBD_CMD_WRITE, .cookie = 1,
                             .offset = 8192, .length = sizeof(data) };
    struct nbd_conn *c;
    void *kept;

    go(f);
    c = f->lis->conns;
    assert_non_null(c);
    memset(data, 0x5a, sizeof(data));
    nbd_encode_request(req, &r);
    put(f, req, NBD_REQUEST_SIZE);
    put(f, data, sizeof(data));
    simple_ok(f, 1);
    assert_int_equal(c->bufs.n, 1);
    assert_int_equal(c->bufs.bytes, sizeof(data));
    kept = c->bufs.buf[0];

    /* Two reads at once: the first takes the kept buffer, the second a
     * new one, and both come back to be kept. */
    r = (struct nbd_request){ .type = NBD_CMD_READ, .cookie = 2,
                              .offset = 8192, .length = sizeof(got) };
    nbd_encode_request(req, &r);
    r.cookie = 3;
    r.offset = 0;
    nbd_encode_request(req + NBD_REQUEST_SIZE, &r);
    put(f, req, sizeof(req));
    for (int i = 0; i < 2; i++) {
        uint64_t cookie = simple_reply_ok(f);

        assert_true(get(f, got, sizeof(got)));
        if (cookie == 2) {
            assert_memory_equal(got, data, sizeof(got));
        } else {
            assert_int_equal(cookie, 3);
            for (size_t j = 0; j < sizeof(got); j++)
                assert_int_equal(got[j], 0);
        }
    }
    assert_int_equal(c->bufs.n, 2);
    assert_true(c->bufs.buf[0] == kept || c->bufs.buf[1] == kept);

    /* Another length: a buffer of its own, kept beside the others. */
    r = (struct nbd_request){ .type = NBD_CMD_READ, .cookie = 4,
                              .offset = 8192, .length = 512 };
    nbd_encode_request(req, &r);
    put(f, req, NBD_REQUEST_SIZE);
    simple_ok(f, 4);
    assert_true(get(f, got, 512));
    assert_memory_equal(got, data, 512);
    assert_int_equal(c->bufs.n, 3);
    assert_int_equal(c->bufs.bytes, 2 * sizeof(data) + 512);
}

/* The spare buffers are bounded in number and in bytes; the rest are
 * freed (a leak shows under make asan). */
static void test_spare_buffers_are_bounded(void **state)
{
    struct fixture *f = *state;
    struct nbd_bufs b = { 0 };
    size_t big = NBD_BUFS_BYTES / 2 + 1;

    (void)f;
    for (int i = 0; i < NBD_BUFS_MAX + 3; i++)
        nbd_bufs_put(&b, nbd_bufs_get(&b, f->dev, 512), 512);
    assert_int_equal(b.n, 1);            /* the same one, over and over */
    {
        void *p[NBD_BUFS_MAX + 3];

        for (int i = 0; i < NBD_BUFS_MAX + 3; i++)
            p[i] = nbd_bufs_get(&b, f->dev, 512);
        for (int i = 0; i < NBD_BUFS_MAX + 3; i++) {
            assert_non_null(p[i]);
            assert_int_equal((uintptr_t)p[i] % 4096, 0);
            nbd_bufs_put(&b, p[i], 512);
        }
    }
    assert_int_equal(b.n, NBD_BUFS_MAX);
    assert_int_equal(b.bytes, (size_t)NBD_BUFS_MAX * 512);
    nbd_bufs_clear(&b);
    assert_int_equal(b.n, 0);
    assert_int_equal(b.bytes, 0);

    nbd_bufs_put(&b, nbd_bufs_get(&b, f->dev, big), big);
    nbd_bufs_put(&b, nbd_bufs_get(&b, f->dev, big + 1), big + 1);
    assert_int_equal(b.n, 1);            /* the second would pass the cap */
    assert_int_equal(b.bytes, big);
    nbd_bufs_clear(&b);
}

/* tx_check alone, on a connection the test builds. */
static void test_validator_answers_in_qemus_order(void **state)
{
    struct fixture *f = *state;
    /* The size told to the client is what ranges are checked against. */
    const uint64_t SZ = 1ULL << 32;
    struct nbd_conn c = { .exp = f->exp, .size = SZ, .min_block = 1,
                          .tx_flags = NBD_FLAG_HAS_FLAGS |
                                      NBD_FLAG_SEND_FLUSH |
                                      NBD_FLAG_SEND_TRIM |
                                      NBD_FLAG_SEND_WRITE_ZEROES |
                                      NBD_FLAG_SEND_CACHE },
                    *cp = &c;
    struct nbd_request r;
    char *msg = NULL;

#define CHECK(want, ...) do {                                              \
        r = (struct nbd_request){ __VA_ARGS__ };                           \
        assert_int_equal(tx_check(cp, &r, &msg), want);                    \
        free(msg);                                                         \
        msg = NULL;                                                        \
    } while (0)
    CHECK(0, .type = NBD_CMD_READ, .length = 512);
    CHECK(EINVAL, .type = 9, .length = 512);
    CHECK(EINVAL, .type = NBD_CMD_READ, .length = NBD_MAX_PAYLOAD + 1);
    CHECK(0, .type = NBD_CMD_TRIM, .length = NBD_MAX_PAYLOAD + 1);
    CHECK(EINVAL, .type = NBD_CMD_READ, .offset = SZ - 1, .length = 2);
    CHECK(ENOSPC, .type = NBD_CMD_WRITE, .offset = SZ, .length = 1);
    CHECK(ENOSPC, .type = NBD_CMD_WRITE_ZEROES, .offset = UINT64_MAX,
          .length = 1);
    CHECK(EINVAL, .type = NBD_CMD_TRIM, .offset = SZ, .length = 1);
    CHECK(EINVAL, .type = NBD_CMD_READ, .flags = NBD_CMD_FLAG_DF);
    c.structured = true;
    CHECK(0, .type = NBD_CMD_READ, .flags = NBD_CMD_FLAG_DF);
    CHECK(EINVAL, .type = NBD_CMD_WRITE_ZEROES,
          .flags = NBD_CMD_FLAG_FAST_ZERO);
    c.tx_flags |= NBD_FLAG_SEND_FAST_ZERO;
    CHECK(0, .type = NBD_CMD_WRITE_ZEROES, .flags = NBD_CMD_FLAG_FAST_ZERO |
          NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FUA);
    CHECK(EINVAL, .type = NBD_CMD_FLUSH, .flags = NBD_CMD_FLAG_REQ_ONE);
    CHECK(EINVAL, .type = NBD_CMD_BLOCK_STATUS, .length = 512);
    c.meta_base = true;
    CHECK(0, .type = NBD_CMD_BLOCK_STATUS, .length = 512,
          .flags = NBD_CMD_FLAG_REQ_ONE);
    CHECK(EINVAL, .type = NBD_CMD_BLOCK_STATUS, .length = 0);
    c.min_block = 512;
    CHECK(EINVAL, .type = NBD_CMD_READ, .offset = 1, .length = 512);
    CHECK(EINVAL, .type = NBD_CMD_WRITE, .length = 100);
    CHECK(0, .type = NBD_CMD_BLOCK_STATUS, .offset = 1, .length = 100);
    c.tx_flags |= NBD_FLAG_READ_ONLY;
    CHECK(EPERM, .type = NBD_CMD_WRITE, .offset = SZ, .length = 512);
    CHECK(EPERM, .type = NBD_CMD_TRIM, .length = 512);
    CHECK(0, .type = NBD_CMD_READ, .length = 512);
#undef CHECK
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_unknown_option_is_refused_with_qemus_words),
        T(test_inconsistent_go_is_invalid),
        T(test_meta_context_needs_structured_replies),
        T(test_go_then_requests_are_validated),
        T(test_validator_answers_in_qemus_order),
        T(test_request_buffers_are_kept_for_the_next),
        T(test_spare_buffers_are_bounded),
#undef T
    };

    return cmocka_run_group_tests_name("nbd_server", tests, NULL, NULL);
}
