/*
 * test_nbd_proto.c — the NBD wire layouts, names, command facts and the
 * errno table (nbd/proto.c), and address parsing (nbd/addr.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nbd/addr.h"
#include "nbd/proto.h"
#include "nbd/tls.h"

static void test_request_round_trips_big_endian(void **state)
{
    struct nbd_request r = { .flags = 0x0102, .type = NBD_CMD_WRITE,
                             .cookie = 0x1122334455667788ull,
                             .offset = 0x0a0b0c0d0e0f1011ull,
                             .length = 0xdeadbeef }, back;
    uint8_t buf[NBD_REQUEST_SIZE];
    static const uint8_t want[NBD_REQUEST_SIZE] = {
        0x25, 0x60, 0x95, 0x13, 0x01, 0x02, 0x00, 0x01,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
        0xde, 0xad, 0xbe, 0xef,
    };

    (void)state;
    nbd_encode_request(buf, &r);
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(nbd_decode_request(buf, &back), 0);
    assert_int_equal(back.flags, r.flags);
    assert_int_equal(back.type, r.type);
    assert_int_equal(back.cookie, r.cookie);
    assert_int_equal(back.offset, r.offset);
    assert_int_equal(back.length, r.length);
}

static void test_bad_magic_is_a_protocol_error(void **state)
{
    uint8_t req[NBD_REQUEST_SIZE] = { 0x25, 0x60, 0x95, 0x14 };
    uint8_t opt[NBD_OPT_HEADER_SIZE] = { 'I', 'H', 'A', 'V', 'E', 'O', 'P',
                                         'U' };
    uint8_t chunk[NBD_CHUNK_HEADER_SIZE] = { 0 };
    struct nbd_request r;
    struct nbd_chunk c;
    uint32_t o, l;

    (void)state;
    assert_int_equal(nbd_decode_request(req, &r), -EPROTO);
    assert_int_equal(nbd_decode_opt(opt, &o, &l), -EPROTO);
    assert_int_equal(nbd_decode_chunk(chunk, &c), -EPROTO);
}

static void test_option_header_and_replies_round_trip(void **state)
{
    uint8_t h[NBD_OPT_HEADER_SIZE], rep[NBD_OPT_REPLY_SIZE],
        g[NBD_GREETING_SIZE];
    struct nbd_opt_reply r = { NBD_OPT_GO, NBD_REP_ERR_UNKNOWN, 17 }, rb;
    uint32_t opt, len;
    uint16_t flags;

    (void)state;
    nbd_encode_opt(h, NBD_OPT_SET_META_CONTEXT, 27);
    assert_memory_equal(h, "IHAVEOPT", 8);
    assert_int_equal(nbd_decode_opt(h, &opt, &len), 0);
    assert_int_equal(opt, NBD_OPT_SET_META_CONTEXT);
    assert_int_equal(len, 27);
    nbd_encode_opt_reply(rep, &r);
    assert_int_equal(nbd_get64(rep), NBD_REP_MAGIC);
    assert_int_equal(nbd_get32(rep + 12), 0x80000006u);
    assert_int_equal(nbd_decode_opt_reply(rep, &rb), 0);
    assert_memory_equal(&rb, &r, sizeof(r));
    nbd_encode_greeting(g, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    assert_memory_equal(g, "NBDMAGICIHAVEOPT\0\3", NBD_GREETING_SIZE);
    assert_int_equal(nbd_decode_greeting(g, &flags), 0);
    assert_int_equal(flags, 3);
}

static void test_reply_headers_round_trip(void **state)
{
    struct nbd_chunk c = { NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR,
                           42, 6 }, cb;
    uint8_t s[NBD_SIMPLE_REPLY_SIZE], ch[NBD_CHUNK_HEADER_SIZE];
    uint32_t err;
    uint64_t cookie;

    (void)state;
    nbd_encode_simple_reply(s, NBD_ENOSPC, 7);
    assert_int_equal(nbd_decode_simple_reply(s, &err, &cookie), 0);
    assert_int_equal(err, NBD_ENOSPC);
    assert_int_equal(cookie, 7);
    nbd_encode_chunk(ch, &c);
    assert_int_equal(nbd_get16(ch + 6), 0x8001);
    assert_int_equal(nbd_decode_chunk(ch, &cb), 0);
    assert_int_equal(cb.flags, c.flags);
    assert_int_equal(cb.type, c.type);
    assert_int_equal(cb.cookie, c.cookie);
    assert_int_equal(cb.length, c.length);
}

static void test_errno_table_follows_qemu_nbd(void **state)
{
    (void)state;
    assert_int_equal(nbd_errno_to_nbd(0), NBD_SUCCESS);
    assert_int_equal(nbd_errno_to_nbd(EPERM), NBD_EPERM);
    assert_int_equal(nbd_errno_to_nbd(EROFS), NBD_EPERM);
    assert_int_equal(nbd_errno_to_nbd(EIO), NBD_EIO);
    assert_int_equal(nbd_errno_to_nbd(ENOMEM), NBD_ENOMEM);
    assert_int_equal(nbd_errno_to_nbd(ENOSPC), NBD_ENOSPC);
    assert_int_equal(nbd_errno_to_nbd(EDQUOT), NBD_ENOSPC);
    assert_int_equal(nbd_errno_to_nbd(EFBIG), NBD_ENOSPC);
    assert_int_equal(nbd_errno_to_nbd(EOVERFLOW), NBD_EOVERFLOW);
    assert_int_equal(nbd_errno_to_nbd(ENOTSUP), NBD_ENOTSUP);
    assert_int_equal(nbd_errno_to_nbd(EOPNOTSUPP), NBD_ENOTSUP);
    assert_int_equal(nbd_errno_to_nbd(ESHUTDOWN), NBD_ESHUTDOWN);
    /* Anything else is EINVAL: EACCES, ENOENT, EAGAIN... */
    assert_int_equal(nbd_errno_to_nbd(EACCES), NBD_EINVAL);
    assert_int_equal(nbd_errno_to_nbd(ENOENT), NBD_EINVAL);
    /* And back: one errno per NBD error; unknown ones read as EINVAL. */
    assert_int_equal(nbd_errno_from_nbd(NBD_EPERM), EPERM);
    assert_int_equal(nbd_errno_from_nbd(NBD_ENOSPC), ENOSPC);
    assert_int_equal(nbd_errno_from_nbd(NBD_ENOTSUP), ENOTSUP);
    assert_int_equal(nbd_errno_from_nbd(NBD_SUCCESS), 0);
    assert_int_equal(nbd_errno_from_nbd(12345), EINVAL);
    assert_string_equal(nbd_err_name(NBD_ENOSPC), "ENOSPC");
}

static void test_names_are_qemus(void **state)
{
    (void)state;
    assert_string_equal(nbd_opt_name(NBD_OPT_GO), "go");
    assert_string_equal(nbd_opt_name(NBD_OPT_LIST_META_CONTEXT),
                        "list meta context");
    assert_string_equal(nbd_opt_name(4), "<unknown>");
    assert_string_equal(nbd_opt_name(0xffffffff), "<unknown>");
    assert_string_equal(nbd_cmd_name(NBD_CMD_WRITE_ZEROES), "write zeroes");
    assert_string_equal(nbd_cmd_name(99), "<unknown>");
    assert_string_equal(nbd_rep_name(NBD_REP_ERR_TLS_REQD), "TLS required");
    assert_string_equal(nbd_info_name(NBD_INFO_BLOCK_SIZE), "block size");
    assert_string_equal(nbd_reply_type_name(NBD_REPLY_TYPE_OFFSET_HOLE),
                        "hole");
}

static void test_command_facts(void **state)
{
    const struct nbd_cmd_info *i;

    (void)state;
    assert_null(nbd_cmd_info(NBD_CMD__MAX));
    i = nbd_cmd_info(NBD_CMD_READ);
    assert_true(i->flags & NBD_CMD_FLAG_DF);
    assert_false(i->writes);
    assert_true(i->payload_max);
    i = nbd_cmd_info(NBD_CMD_WRITE_ZEROES);
    assert_int_equal(i->flags, NBD_CMD_FLAG_FUA | NBD_CMD_FLAG_NO_HOLE |
                                   NBD_CMD_FLAG_FAST_ZERO);
    assert_true(i->writes);
    assert_false(i->payload_max);
    i = nbd_cmd_info(NBD_CMD_BLOCK_STATUS);
    assert_true(i->flags & NBD_CMD_FLAG_REQ_ONE);
    assert_int_equal(nbd_cmd_info(NBD_CMD_TRIM)->needs, NBD_FLAG_SEND_TRIM);
}

static void test_addresses_parse_as_documented(void **state)
{
    struct nbd_addr a;
    char *cause = NULL, *t;

    (void)state;
    assert_int_equal(nbd_addr_parse("unix:/tmp/x.sock", &a, &cause), 0);
    assert_true(a.is_unix);
    assert_string_equal(a.path, "/tmp/x.sock");
    nbd_addr_clear(&a);
    assert_int_equal(nbd_addr_parse(":10809", &a, &cause), 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_string_equal(a.port, "10809");
    t = nbd_addr_text(&a);
    assert_string_equal(t, "127.0.0.1:10809");
    free(t);
    nbd_addr_clear(&a);
    assert_int_equal(nbd_addr_parse("0.0.0.0:0", &a, &cause), 0);
    assert_string_equal(a.host, "0.0.0.0");
    nbd_addr_clear(&a);
    assert_int_equal(nbd_addr_parse("[::1]:99", &a, &cause), 0);
    assert_string_equal(a.host, "::1");
    t = nbd_addr_text(&a);
    assert_string_equal(t, "[::1]:99");
    free(t);
    nbd_addr_clear(&a);
    static const char *const bad[] = { "unix:", "nocolon", "host:", ":x",
                                       ":70000", ":-1", "[::1]99", "[::1" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cause = NULL;
        assert_int_equal(nbd_addr_parse(bad[i], &a, &cause), -EINVAL);
        assert_non_null(cause);
        free(cause);
    }
}

static void test_tls_modes_are_nbdkits(void **state)
{
    enum nbd_tls_mode m;

    (void)state;
    assert_int_equal(nbd_tls_mode_parse("off", &m), 0);
    assert_int_equal(m, NBD_TLS_OFF);
    assert_int_equal(nbd_tls_mode_parse("on", &m), 0);
    assert_int_equal(m, NBD_TLS_ON);
    assert_int_equal(nbd_tls_mode_parse("require", &m), 0);
    assert_int_equal(m, NBD_TLS_REQUIRE);
    assert_int_equal(nbd_tls_mode_parse("maybe", &m), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trips_big_endian),
        cmocka_unit_test(test_bad_magic_is_a_protocol_error),
        cmocka_unit_test(test_option_header_and_replies_round_trip),
        cmocka_unit_test(test_reply_headers_round_trip),
        cmocka_unit_test(test_errno_table_follows_qemu_nbd),
        cmocka_unit_test(test_names_are_qemus),
        cmocka_unit_test(test_command_facts),
        cmocka_unit_test(test_addresses_parse_as_documented),
        cmocka_unit_test(test_tls_modes_are_nbdkits),
    };

    return cmocka_run_group_tests_name("nbd_proto", tests, NULL, NULL);
}
