/*
 * test_nbd_client.c — the NBD client's parts: the reply parser
 * (nbd/reply.c), the handshake against a scripted server on a socketpair
 * (nbd/client.c), and the nbd driver's names and options
 * (backend/nbd-opts.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/nbd.h"
#include "nbd/client.h"
#include "nbd/reply.h"

/* ---- reply parser ---------------------------------------------------- */

struct reqs {
    struct nbd_pending p[3];
    int ended[3];
    uint8_t buf[8192];
    struct iovec iov[2];
};

static struct nbd_pending *reqs_lookup(void *opaque, uint64_t cookie)
{
    struct reqs *r = opaque;

    return cookie >= 1 && cookie <= 3 && !r->ended[cookie - 1]
           ? &r->p[cookie - 1] : NULL;
}

static void reqs_done(void *opaque, struct nbd_pending *p)
{
    struct reqs *r = opaque;

    r->ended[p - r->p]++;
}

static const struct nbd_reply_ops reqs_ops = { reqs_lookup, reqs_done };

/* Cookie 1: READ 8192 at 4096 (two buffers); 2: BLOCK_STATUS 65536 at
 * 0; 3: WRITE. */
static void reqs_init(struct reqs *r, struct nbd_reply_parser *p,
                      bool structured)
{
    memset(r, 0, sizeof(*r));
    memset(r->buf, 0xee, sizeof(r->buf));
    r->iov[0] = (struct iovec){ r->buf, 100 };
    r->iov[1] = (struct iovec){ r->buf + 100, 8092 };
    r->p[0] = (struct nbd_pending){ .type = NBD_CMD_READ, .offset = 4096,
                                    .length = 8192, .iov = r->iov,
                                    .iovcnt = 2 };
    r->p[1] = (struct nbd_pending){ .type = NBD_CMD_BLOCK_STATUS,
                                    .length = 65536 };
    r->p[2] = (struct nbd_pending){ .type = NBD_CMD_WRITE, .length = 512 };
    nbd_reply_init(p, &reqs_ops, r, structured, 5, 512);
}

static size_t put_simple(uint8_t *b, uint32_t err, uint64_t cookie)
{
    nbd_encode_simple_reply(b, err, cookie);
    return NBD_SIMPLE_REPLY_SIZE;
}

static size_t put_chunk(uint8_t *b, uint16_t flags, uint16_t type,
                        uint64_t cookie, const void *payload, uint32_t len)
{
    struct nbd_chunk c = { flags, type, cookie, len };

    nbd_encode_chunk(b, &c);
    if (len > 0)
        memcpy(b + NBD_CHUNK_HEADER_SIZE, payload, len);
    return NBD_CHUNK_HEADER_SIZE + len;
}

static void test_simple_read_reply_lands_across_feeds(void **state)
{
    static uint8_t s[NBD_SIMPLE_REPLY_SIZE + 8192 + 16];
    struct nbd_reply_parser p;
    struct reqs r;
    char *cause = NULL;
    size_t n;

    (void)state;
    reqs_init(&r, &p, false);
    n = put_simple(s, 0, 3);
    n += put_simple(s + n, 0, 1);
    for (int i = 0; i < 8192; i++)
        s[n + (size_t)i] = (uint8_t)i;
    n += 8192;
    /* Odd pieces: a header and the data cut anywhere. */
    for (size_t off = 0; off < n; off += 7)
        assert_int_equal(nbd_reply_feed(&p, s + off, n - off < 7 ? n - off : 7,
                                        &cause), 0);
    assert_int_equal(r.ended[0], 1);
    assert_int_equal(r.ended[2], 1);
    for (int i = 0; i < 8192; i++)
        assert_int_equal(r.buf[i], (uint8_t)i);
    assert_false(nbd_reply_partial(&p));
}

static void test_chunks_out_of_order_fill_data_and_holes(void **state)
{
    static uint8_t s[16384];
    uint8_t payload[8 + 4096];
    struct nbd_reply_parser p;
    struct reqs r;
    char *cause = NULL;
    size_t n = 0;

    (void)state;
    reqs_init(&r, &p, true);
    /* The second half as data, the status of cookie 2, the first half a
     * hole, then NONE with DONE. */
    nbd_put64(payload, 4096 + 4096);
    memset(payload + 8, 0x5a, 4096);
    n += put_chunk(s + n, 0, NBD_REPLY_TYPE_OFFSET_DATA, 1, payload,
                   sizeof(payload));
    nbd_put32(payload, 5);
    nbd_put32(payload + 4, 4096);
    nbd_put32(payload + 8, NBD_STATE_HOLE | NBD_STATE_ZERO);
    n += put_chunk(s + n, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, 2,
                   payload, 12);
    nbd_put64(payload, 4096);
    nbd_put32(payload + 8, 4096);
    n += put_chunk(s + n, 0, NBD_REPLY_TYPE_OFFSET_HOLE, 1, payload, 12);
    n += put_chunk(s + n, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, 1, NULL,
                   0);
    assert_int_equal(nbd_reply_feed(&p, s, n, &cause), 0);
    assert_int_equal(r.ended[0], 1);
    assert_int_equal(r.ended[1], 1);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(r.buf[i], 0);
    for (int i = 4096; i < 8192; i++)
        assert_int_equal(r.buf[i], 0x5a);
    assert_true(r.p[1].has_extent);
    assert_int_equal(r.p[1].ext_length, 4096);
    assert_int_equal(r.p[1].ext_flags, NBD_STATE_HOLE | NBD_STATE_ZERO);
}

static void test_unaligned_extent_is_cut_back_as_qemu_does(void **state)
{
    uint8_t s[64], payload[12];
    struct nbd_reply_parser p;
    struct reqs r;
    char *cause = NULL;
    size_t n;

    (void)state;
    reqs_init(&r, &p, true);
    nbd_put32(payload, 5);
    nbd_put32(payload + 4, 1000);       /* min_block 512: cut to 512 */
    nbd_put32(payload + 8, NBD_STATE_HOLE);
    n = put_chunk(s, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, 2,
                  payload, 12);
    assert_int_equal(nbd_reply_feed(&p, s, n, &cause), 0);
    assert_int_equal(r.p[1].ext_length, 512);
    assert_int_equal(r.p[1].ext_flags, NBD_STATE_HOLE);
    /* Shorter than a block: one block of data. */
    reqs_init(&r, &p, true);
    nbd_put32(payload + 4, 100);
    n = put_chunk(s, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, 2,
                  payload, 12);
    assert_int_equal(nbd_reply_feed(&p, s, n, &cause), 0);
    assert_int_equal(r.p[1].ext_length, 512);
    assert_int_equal(r.p[1].ext_flags, 0);
}

static void test_errors_reach_the_request(void **state)
{
    uint8_t s[64], payload[6 + 3];
    struct nbd_reply_parser p;
    struct reqs r;
    char *cause = NULL;
    size_t n;

    (void)state;
    reqs_init(&r, &p, true);
    nbd_put32(payload, NBD_ENOSPC);
    nbd_put16(payload + 4, 3);
    memcpy(payload + 6, "ful", 3);
    n = put_chunk(s, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR, 3, payload,
                  sizeof(payload));
    n += put_simple(s + n, NBD_EPERM, 2);
    assert_int_equal(nbd_reply_feed(&p, s, n, &cause), 0);
    assert_int_equal(r.p[2].error, -ENOSPC);
    assert_int_equal(r.p[1].error, -EPERM);
    assert_int_equal(r.ended[1] + r.ended[2], 2);
}

/* What the parser says of a broken stream. */
static void assert_broken(const uint8_t *s, size_t n, bool structured,
                          const char *want)
{
    struct nbd_reply_parser p;
    struct reqs r;
    char *cause = NULL;

    reqs_init(&r, &p, structured);
    assert_int_equal(nbd_reply_feed(&p, s, n, &cause), -EINVAL);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

static void test_broken_streams_get_qemus_words(void **state)
{
    uint8_t s[64], payload[16];
    size_t n;

    (void)state;
    memcpy(s, "\xde\xad\xbe\xef", 4);
    assert_broken(s, 4, true, "invalid magic (got 0xdeadbeef)");
    n = put_simple(s, 0, 1);
    assert_broken(s, n, true, "Protocol error: simple reply when structured "
                  "reply chunk was expected");
    n = put_simple(s, 0, 9);
    assert_broken(s, n, true, "Protocol error: reply for unknown cookie 0x9");
    nbd_put64(payload, 0);
    memset(payload + 8, 1, 8);
    n = put_chunk(s, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_OFFSET_DATA, 1,
                  payload, 16);
    assert_broken(s, n, true, "Protocol error: server sent chunk exceeding "
                  "requested region");
    n = put_chunk(s, 0, NBD_REPLY_TYPE_NONE, 1, NULL, 0);
    assert_broken(s, n, true, "Protocol error: NBD_REPLY_TYPE_NONE chunk "
                  "without NBD_REPLY_FLAG_DONE flag set");
    n = put_chunk(s, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_OFFSET_HOLE, 3,
                  payload, 12);
    assert_broken(s, n, true, "Unexpected reply type: 2 (hole) for "
                  "CMD_other");
    nbd_put32(payload, 6);
    n = put_chunk(s, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, 2,
                  payload, 12);
    assert_broken(s, n, true, "Protocol error: unexpected context id 6 for "
                  "NBD_REPLY_TYPE_BLOCK_STATUS, when negotiated context id "
                  "is 5");
}

/* ---- handshake ------------------------------------------------------- */

/* Pre-write what a server says; run the client; what did it send? */
static int handshake(const uint8_t *server, size_t n, const char *name,
                     struct nbd_export_info *info, char **cause,
                     uint8_t *sent, size_t *nsent)
{
    int sv[2], ret;
    ssize_t r;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[1], server, n), (ssize_t)n);
    shutdown(sv[1], SHUT_WR);     /* then end-of-file */
    ret = nbd_client_negotiate(sv[0], name, info, cause);
    close(sv[0]);
    r = read(sv[1], sent, 4096);
    *nsent = r > 0 ? (size_t)r : 0;
    close(sv[1]);
    return ret;
}

static size_t put_opt_reply(uint8_t *b, uint32_t opt, uint32_t type,
                            const void *data, uint32_t len)
{
    struct nbd_opt_reply r = { opt, type, len };

    nbd_encode_opt_reply(b, &r);
    if (len > 0)
        memcpy(b + NBD_OPT_REPLY_SIZE, data, len);
    return NBD_OPT_REPLY_SIZE + len;
}

static void test_newstyle_go_learns_size_flags_and_block_sizes(void **state)
{
    static uint8_t srv[512], sent[4096];
    uint8_t d[32];
    struct nbd_export_info info;
    char *cause = NULL;
    size_t n, nsent;

    (void)state;
    nbd_encode_greeting(srv, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    n = NBD_GREETING_SIZE;
    n += put_opt_reply(srv + n, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ACK, NULL,
                       0);
    nbd_put32(d, 9);
    memcpy(d + 4, "base:allocation", 15);
    n += put_opt_reply(srv + n, NBD_OPT_SET_META_CONTEXT,
                       NBD_REP_META_CONTEXT, d, 19);
    n += put_opt_reply(srv + n, NBD_OPT_SET_META_CONTEXT, NBD_REP_ACK, NULL,
                       0);
    nbd_put16(d, NBD_INFO_BLOCK_SIZE);
    nbd_put32(d + 2, 4096);
    nbd_put32(d + 6, 65536);
    nbd_put32(d + 10, 1 << 20);
    n += put_opt_reply(srv + n, NBD_OPT_GO, NBD_REP_INFO, d, 14);
    nbd_put16(d, NBD_INFO_EXPORT);
    nbd_put64(d + 2, 1 << 30);
    nbd_put16(d + 10, NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH);
    n += put_opt_reply(srv + n, NBD_OPT_GO, NBD_REP_INFO, d, 12);
    n += put_opt_reply(srv + n, NBD_OPT_GO, NBD_REP_ACK, NULL, 0);
    assert_int_equal(handshake(srv, n, "disk", &info, &cause, sent, &nsent),
                     0);
    assert_null(cause);
    assert_int_equal(info.size, 1 << 30);
    assert_int_equal(info.flags, NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH);
    assert_int_equal(info.min_block, 4096);
    assert_int_equal(info.opt_block, 65536);
    assert_int_equal(info.max_block, 1 << 20);
    assert_true(info.structured_reply);
    assert_true(info.base_allocation);
    assert_int_equal(info.context_id, 9);
    /* client flags, then STRUCTURED_REPLY, SET_META_CONTEXT, GO */
    assert_int_equal(nbd_get32(sent), NBD_FLAG_C_FIXED_NEWSTYLE |
                     NBD_FLAG_C_NO_ZEROES);
    assert_int_equal(nbd_get32(sent + 4 + 8), NBD_OPT_STRUCTURED_REPLY);
    assert_int_equal(nbd_get32(sent + 20 + 8), NBD_OPT_SET_META_CONTEXT);
    /* GO names the export and asks for the block sizes */
    n = 20 + 16 + 4 + 4 + 4 + 4 + 15;
    assert_int_equal(nbd_get32(sent + n + 8), NBD_OPT_GO);
    assert_int_equal(nbd_get32(sent + n + 12), 4 + 4 + 2 + 2);
    assert_memory_equal(sent + n + 20, "disk", 4);
    assert_int_equal(nbd_get16(sent + n + 24), 1);
    assert_int_equal(nbd_get16(sent + n + 26), NBD_INFO_BLOCK_SIZE);
}

static void test_unknown_export_carries_the_servers_words(void **state)
{
    static uint8_t srv[512], sent[4096];
    struct nbd_export_info info;
    char *cause = NULL;
    size_t n, nsent;

    (void)state;
    nbd_encode_greeting(srv, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    n = NBD_GREETING_SIZE;
    n += put_opt_reply(srv + n, NBD_OPT_STRUCTURED_REPLY, NBD_REP_ERR_UNSUP,
                       NULL, 0);
    n += put_opt_reply(srv + n, NBD_OPT_GO, NBD_REP_ERR_UNKNOWN,
                       "no such disk", 12);
    assert_int_equal(handshake(srv, n, "x", &info, &cause, sent, &nsent),
                     -EINVAL);
    assert_string_equal(cause, "Requested export not available\n"
                        "server reported: no such disk");
    free(cause);
    /* and the client said goodbye: NBD_OPT_ABORT last */
    assert_true(nsent >= 16);
    assert_int_equal(nbd_get32(sent + nsent - 16 + 8), NBD_OPT_ABORT);
}

static void test_oldstyle_and_short_greetings(void **state)
{
    static uint8_t srv[512], sent[4096];
    struct nbd_export_info info;
    char *cause = NULL;
    size_t nsent;

    (void)state;
    memset(srv, 0, sizeof(srv));
    nbd_put64(srv, NBD_MAGIC);
    nbd_put64(srv + 8, NBD_OLDSTYLE_MAGIC);
    nbd_put64(srv + 16, 1 << 20);
    nbd_put32(srv + 24, NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY);
    assert_int_equal(handshake(srv, 28 + 124, "", &info, &cause, sent,
                               &nsent), 0);
    assert_int_equal(info.size, 1 << 20);
    assert_int_equal(info.flags, NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY);
    assert_false(info.structured_reply);
    assert_int_equal(nsent, 0);
    assert_int_equal(handshake(srv, 28 + 124, "a", &info, &cause, sent,
                               &nsent), -EINVAL);
    assert_string_equal(cause, "Server does not support non-empty export "
                        "names");
    free(cause);
    cause = NULL;
    assert_int_equal(handshake(srv, 5, "", &info, &cause, sent, &nsent),
                     -EINVAL);
    assert_string_equal(cause, "Failed to read initial magic: Unexpected "
                        "end-of-file before all data were read");
    free(cause);
}

/* ---- names and options ----------------------------------------------- */

static int config(const char *filename, const char *options,
                  struct bk_nbd_config *cfg, char **cause)
{
    struct bk_opts *o = bk_opts_new();
    int ret;

    *cause = NULL;
    if (options != NULL)
        assert_int_equal(bk_opts_parse(o, options, NULL, cause), 0);
    ret = bk_nbd_take_config(o, filename, cfg, cause);
    bk_opts_free(o);
    return ret;
}

static void test_uri_forms_make_the_same_config(void **state)
{
    struct bk_nbd_config c;
    char *cause, *name;

    (void)state;
    assert_int_equal(config("nbd://example.org/disk", NULL, &c, &cause), 0);
    assert_false(c.addr.is_unix);
    assert_string_equal(c.addr.host, "example.org");
    assert_string_equal(c.addr.port, "10809");
    assert_string_equal(c.export, "disk");
    bk_nbd_config_clear(&c);
    assert_int_equal(config("nbd+tcp://[::1]:4000", NULL, &c, &cause), 0);
    assert_string_equal(c.addr.host, "::1");
    assert_string_equal(c.addr.port, "4000");
    assert_string_equal(c.export, "");
    bk_nbd_config_clear(&c);
    assert_int_equal(config("nbd+unix:///a%2fb?socket=/run/s%6f", NULL, &c,
                            &cause), 0);
    assert_true(c.addr.is_unix);
    assert_string_equal(c.addr.path, "/run/so");
    assert_string_equal(c.export, "a/b");
    name = bk_nbd_config_name(&c);
    assert_string_equal(name, "nbd+unix:///a/b?socket=/run/so");
    free(name);
    bk_nbd_config_clear(&c);
    assert_int_equal(config("nbd:unix:/s:exportname=e", NULL, &c, &cause),
                     0);
    assert_string_equal(c.addr.path, "/s");
    assert_string_equal(c.export, "e");
    bk_nbd_config_clear(&c);
    assert_int_equal(config(NULL, "host=h,export=e,reconnect-delay=7", &c,
                            &cause), 0);
    assert_string_equal(c.addr.host, "h");
    assert_string_equal(c.addr.port, "10809");
    assert_int_equal(c.reconnect_delay, 7);
    name = bk_nbd_config_name(&c);
    assert_string_equal(name, "nbd://h:10809/e");
    free(name);
    bk_nbd_config_clear(&c);
}

static void test_bad_names_and_options_get_qemus_words(void **state)
{
    static const struct { const char *file, *opts, *want; } cases[] = {
        { "nbd+unix:///x", NULL, "No valid URL specified" },
        { "nbd://", NULL, "No valid URL specified" },
        { "nbd://h:x/e", NULL, "No valid URL specified" },
        { "nbd+unix:///x?socket=/a&b=c", NULL, "No valid URL specified" },
        { "nbd:localhost", NULL, "error parsing address 'localhost'" },
        { "nbd:unix:/s", "export=e",
          "Option 'export' cannot be used with a file name" },
        { NULL, NULL, "NBD server address missing" },
        { NULL, "server.host=h", "Parameter 'type' is missing" },
        { NULL, "server.type=x", "Parameter 'type' does not accept value "
          "'x'" },
        { NULL, "server.type=inet,server.host=h",
          "Parameter 'port' is missing" },
        { NULL, "server.type=unix,server.path=/s,server.z=1",
          "Parameter 'z' is unexpected" },
        { NULL, "path=/s,port=1", "port may not be used without host" },
        { NULL, "path=/s,host=h",
          "path and host may not be used at the same time" },
        { NULL, "path=/s,server.type=unix",
          "Cannot use 'server' and path/host/port at the same time" },
        { NULL, "path=/s,open-timeout=soon",
          "Parameter 'open-timeout' expects a number" },
    };
    struct bk_nbd_config c;
    char *cause;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_not_equal(config(cases[i].file, cases[i].opts, &c,
                                    &cause), 0);
        assert_non_null(cause);
        assert_string_equal(cause, cases[i].want);
        free(cause);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_read_reply_lands_across_feeds),
        cmocka_unit_test(test_chunks_out_of_order_fill_data_and_holes),
        cmocka_unit_test(test_unaligned_extent_is_cut_back_as_qemu_does),
        cmocka_unit_test(test_errors_reach_the_request),
        cmocka_unit_test(test_broken_streams_get_qemus_words),
        cmocka_unit_test(test_newstyle_go_learns_size_flags_and_block_sizes),
        cmocka_unit_test(test_unknown_export_carries_the_servers_words),
        cmocka_unit_test(test_oldstyle_and_short_greetings),
        cmocka_unit_test(test_uri_forms_make_the_same_config),
        cmocka_unit_test(test_bad_names_and_options_get_qemus_words),
    };

    return cmocka_run_group_tests_name("nbd_client", tests, NULL, NULL);
}
