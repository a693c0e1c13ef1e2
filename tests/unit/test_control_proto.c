/*
 * test_control_proto.c — the control socket's wire format: JSON written
 * (control/json.c) and read back, request lines split and classified
 * (control/proto.c), reply frames, the tree parser.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/events.h"
#include "control/evstream.h"
#include "control/json.h"
#include "control/proto.h"

static void test_numbers_are_written_exactly(void **state)
{
    struct jbuf b;

    (void)state;
    jb_init(&b);
    jb_open(&b, '[');
    jb_u64(&b, 0);
    jb_u64(&b, 9);
    jb_u64(&b, 10);
    jb_u64(&b, 99);
    jb_u64(&b, 100);
    jb_u64(&b, 18446744073709551615ull);
    jb_i64(&b, -1);
    jb_i64(&b, INT64_MIN);
    jb_bool(&b, true);
    jb_null(&b);
    jb_close(&b, ']');
    assert_string_equal(b.p, "[0,9,10,99,100,18446744073709551615,-1,"
                        "-9223372036854775808,true,null]");
    jb_free(&b);
}

/* Every digit count's edges, and 10^9's (where the digits start to come
 * eight at a time), against printf's. */
static void test_each_length_of_number_is_written_whole(void **state)
{
    uint64_t edges[] = { 999999999ull, 1000000000ull, 1000000001ull,
                         4294967295ull, 4294967296ull, 99999999999999999ull,
                         100000000000000000ull, UINT64_MAX, UINT64_MAX - 1 };
    char want[32], got[32];
    uint64_t p = 1;

    (void)state;
    for (int k = 0; k < 20; k++, p *= 10) {
        uint64_t around[] = { p - 1, p, p + 1, p * 2 - 1, p * 9 + p - 1 };

        for (size_t i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
            size_t n;

            if (k == 19 && i == 4)
                break;       /* 10^20 - 1 does not fit */
            memset(got, 'x', sizeof(got));
            n = json_utoa(around[i], got);
            snprintf(want, sizeof(want), "%" PRIu64, around[i]);
            assert_int_equal(n, strlen(want));
            assert_memory_equal(got, want, n);
            assert_int_equal(got[n], 'x');
        }
    }
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        size_t n = json_utoa(edges[i], got);

        snprintf(want, sizeof(want), "%" PRIu64, edges[i]);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(got, want, n);
    }
    /* And a spread of every size: the digits come from a rounded
     * fraction, and a rounding error would show as a wrong digit. */
    for (uint64_t x = 88172645463325252ull, i = 0; i < 200000; i++) {
        uint64_t v;
        size_t n;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v = x >> (i % 64);
        n = json_utoa(v, got);
        snprintf(want, sizeof(want), "%" PRIu64, v);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(got, want, n);
    }
}

/* A request's line read back: every member as the record had it, and a
 * source name of 255 control characters (each escaped to six bytes)
 * whole, however far past the numbers' room it runs. */
static void test_request_line_reads_back_whole(void **state)
{
    struct ev_req_rec r = { .t = 1306198123, .id = 1234567,
                            .offset = 4294967296 + 512, .length = 4096,
                            .latency = 110493, .ret = -28, .op = BK_OP_WRITE,
                            .has_src = 1, .src_kind = BK_SRC_NBD,
                            .src_id = 3 };
    struct ev_src_name name = { .len = 255 };
    const struct json_value *src;
    struct json_value v;
    struct jbuf b;
    char *cause = NULL;

    (void)state;
    memset(name.text, 1, sizeof(name.text));
    jb_init(&b);
    jb_lit(&b, "x");
    ev_format_request(&b, &r, &name);
    assert_int_equal(b.p[0], 'x');
    assert_int_equal(b.p[b.len - 1], '\n');
    assert_int_equal(json_parse(b.p + 1, b.len - 2, &v, &cause), 0);
    assert_int_equal(json_int(json_get(&v, "v"), 0), EV_SCHEMA_VERSION);
    assert_string_equal(json_str(json_get(&v, "event")), "request");
    assert_int_equal(json_int(json_get(&v, "t"), 0), 1306198123);
    assert_int_equal(json_int(json_get(&v, "id"), 0), 1234567);
    assert_string_equal(json_str(json_get(&v, "op")), "write");
    assert_int_equal(json_int(json_get(&v, "offset"), 0), 4294967296 + 512);
    assert_int_equal(json_int(json_get(&v, "length"), 0), 4096);
    assert_int_equal(json_int(json_get(&v, "latency_ns"), 0), 110493);
    assert_int_equal(json_int(json_get(&v, "result"), 0), -28);
    assert_string_equal(json_str(json_get(&v, "errno")), "ENOSPC");
    src = json_get(&v, "source");
    assert_string_equal(json_str(json_get(src, "kind")), "nbd");
    assert_int_equal(json_int(json_get(src, "id"), -1), 3);
    assert_int_equal(strlen(json_str(json_get(src, "name"))), 255);
    assert_int_equal(json_str(json_get(src, "name"))[254], 1);
    json_value_fini(&v);
    jb_free(&b);
}

static void test_strings_are_escaped_and_made_utf8(void **state)
{
    struct jbuf b;

    (void)state;
    jb_init(&b);
    jb_open(&b, '{');
    jb_key(&b, "a");
    jb_str(&b, "q\"b\\n\nt\tc\x01\x7f");
    jb_key(&b, "u");
    jb_str(&b, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    jb_key(&b, "bad");
    /* A lone continuation byte, an overlong '/', a surrogate half. */
    jb_str(&b, "\x80x\xc0\xaf\xed\xa0\x80");
    jb_close(&b, '}');
    assert_string_equal(b.p,
        "{\"a\":\"q\\\"b\\\\n\\nt\\tc\\u0001\\u007f\","
        "\"u\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
        "\"bad\":\"\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
        "\xef\xbf\xbd\xef\xbf\xbd\"}");
    jb_free(&b);
}

static int parse(const char *text, struct json_request *r, char **cause)
{
    return json_parse_request(text, strlen(text), r, cause);
}

static void test_requests_parse_cmd_and_keep_the_id_as_written(void **state)
{
    struct json_request r;
    char *cause = NULL;

    (void)state;
    assert_int_equal(parse(" { \"id\" : 1.5e3 , \"cmd\" : \"read 0 \\u0034k"
                           "\\ud83d\\ude00\" , \"x\":[{},[],null] } ", &r,
                           &cause), 0);
    assert_string_equal(r.id, "1.5e3");
    assert_string_equal(r.cmd, "read 0 4k\xf0\x9f\x98\x80");
    json_request_fini(&r);
    assert_int_equal(parse("{\"cmd\":\"info\",\"id\":\"a\\\"b\"}", &r,
                           &cause), 0);
    assert_string_equal(r.id, "\"a\\\"b\"");
    json_request_fini(&r);
    assert_int_equal(parse("{\"cmd\":\"info\"}", &r, &cause), 0);
    assert_null(r.id);
    json_request_fini(&r);
}

static void test_bad_requests_are_refused_with_a_reason(void **state)
{
    static const char *const bad[] = {
        "", "[]", "{", "{\"cmd\":1}", "{\"cmd\":\"a\",\"cmd\":\"b\"}",
        "{\"id\":{},\"cmd\":\"a\"}", "{\"cmd\":\"a\\u0000\"}",
        "{\"cmd\":\"\\ud800\"}", "{\"cmd\":\"a\"} x", "{\"cmd\":\"\x01\"}",
        "{\"cmd\":\"\xff\"}", "{\"id\":01,\"cmd\":\"a\"}",
        "{\"id\":-,\"cmd\":\"a\"}", "{\"id\":tru,\"cmd\":\"a\"}",
        "{\"cmd\":\"a\",}", "{\"cmd\" \"a\"}", "{\"cmd\":\"\\x\"}",
    };
    char deep[64];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct json_request r;
        char *cause = NULL;

        assert_int_equal(parse(bad[i], &r, &cause), -EINVAL);
        assert_non_null(cause);
        assert_null(r.cmd);
        assert_null(r.id);
        free(cause);
    }
    /* Nesting is bounded. */
    memset(deep, '[', sizeof(deep));
    memcpy(deep, "{\"a\":", 5);
    deep[sizeof(deep) - 1] = '\0';
    {
        struct json_request r;
        char *cause = NULL;

        assert_int_equal(parse(deep, &r, &cause), -EINVAL);
        assert_non_null(strstr(cause, "deep"));
        free(cause);
    }
}

struct got {
    int n;
    bool json[8];
    char cmd[8][64];
    char id[8][16];
    char refused[8][64];
};

static void collect(const struct ctl_request *r, void *arg)
{
    struct got *g = arg;

    assert_true(g->n < 8);
    g->json[g->n] = r->json;
    snprintf(g->cmd[g->n], 64, "%s", r->cmd ? r->cmd : "");
    snprintf(g->id[g->n], 16, "%s", r->id ? r->id : "");
    snprintf(g->refused[g->n], 64, "%s", r->refused ? r->refused : "");
    g->n++;
}

static void test_lines_are_split_and_classified(void **state)
{
    static const char in[] = "length\r\n  \n{\"id\":2,\"cmd\":\"info\"}\n"
                             "  {bad\nmap\n";
    struct ctl_input *ci = calloc(1, sizeof(*ci));
    struct got g = { 0 };

    (void)state;
    /* Fed a byte at a time: lines are put back together. */
    for (size_t i = 0; i < sizeof(in) - 1; i++)
        ctl_input_take(ci, in + i, 1, collect, &g);
    assert_int_equal(g.n, 4);
    assert_false(g.json[0]);
    assert_string_equal(g.cmd[0], "length");
    assert_true(g.json[1]);
    assert_string_equal(g.cmd[1], "info");
    assert_string_equal(g.id[1], "2");
    assert_true(g.json[2]);
    assert_string_not_equal(g.refused[2], "");
    assert_string_equal(g.cmd[3], "map");
    free(ci);
}

static void test_long_lines_and_nul_bytes_are_refused_once(void **state)
{
    struct ctl_input *ci = calloc(1, sizeof(*ci));
    struct got g = { 0 };
    char *big = malloc(CTL_LINE_MAX * 3);

    (void)state;
    memset(big, 'x', CTL_LINE_MAX * 3);
    ctl_input_take(ci, big, CTL_LINE_MAX * 3, collect, &g);
    ctl_input_take(ci, big, 100, collect, &g);
    ctl_input_take(ci, "\nnext\n", 6, collect, &g);
    ctl_input_take(ci, "a\0b\n", 4, collect, &g);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.refused[0], "request line too long");
    assert_string_equal(g.cmd[1], "next");
    assert_string_equal(g.refused[2], "a NUL byte in the request");
    /* A line of exactly the limit is taken. */
    memset(big, 'y', CTL_LINE_MAX);
    big[CTL_LINE_MAX] = '\n';
    g.n = 0;
    ctl_input_take(ci, big, CTL_LINE_MAX + 1, collect, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.refused[0], "");
    free(big);
    free(ci);
}

static void test_replies_are_framed(void **state)
{
    struct jbuf b;
    char nb[16];

    (void)state;
    jb_init(&b);
    ctl_frame_header(&b, "ok", 12, NULL);
    ctl_frame_header(&b, "error", 0, ctl_errno_name(-EIO, nb, sizeof(nb)));
    assert_string_equal(b.p, "ok 12\nerror 0 EIO\n");
    jb_reset(&b);
    ctl_json_reply(&b, "\"x\"", -ENOENT, "out\n", 4, "err\n", 4);
    assert_string_equal(b.p, "{\"id\":\"x\",\"ok\":false,\"output\":\"out\\n\","
                        "\"error\":\"err\\n\",\"errno\":\"ENOENT\"}\n");
    jb_reset(&b);
    ctl_json_reply(&b, NULL, 0, "", 0, NULL, 0);
    assert_string_equal(b.p, "{\"id\":null,\"ok\":true,\"output\":\"\","
                        "\"error\":null}\n");
    jb_free(&b);
    assert_string_equal(ctl_errno_name(-9999, nb, sizeof(nb)), "E9999");
}

static void test_event_kinds_parse(void **state)
{
    unsigned m;

    (void)state;
    assert_int_equal(ev_parse_kinds("break,rule", &m), 0);
    assert_int_equal(m, 1u << EV_SUSPENDED | 1u << EV_RESUMED |
                        1u << EV_RULE);
    assert_int_equal(ev_parse_kinds("all", &m), 0);
    assert_int_equal(m, EV_MASK_ALL);
    assert_int_equal(ev_parse_kinds("request,nope", &m), -EINVAL);
    assert_int_equal(ev_parse_kinds(",", &m), -EINVAL);
}

static void test_trees_keep_integers_exact(void **state)
{
    static const char text[] =
        "{\"a\":[1,-9223372036854775807,18014398509481985,2.5e3,\"x\\n\"],"
        "\"b\":{\"c\":null,\"d\":true}}";
    struct json_value v;
    const struct json_value *a;
    char *cause = NULL;

    (void)state;
    assert_int_equal(json_parse(text, strlen(text), &v, &cause), 0);
    a = json_get(&v, "a");
    assert_int_equal(a->n, 5);
    assert_int_equal(json_int(&a->items[0], 0), 1);
    assert_int_equal(json_int(&a->items[1], 0), -9223372036854775807LL);
    /* Past a double's 53 bits, still exact. */
    assert_int_equal(json_int(&a->items[2], 0), 18014398509481985LL);
    assert_int_equal(json_int(&a->items[3], 0), 2500);
    assert_string_equal(json_str(&a->items[4]), "x\n");
    assert_true(json_true(json_get(json_get(&v, "b"), "d")));
    assert_null(json_str(json_get(json_get(&v, "b"), "c")));
    assert_null(json_get(&v, "nope"));
    json_value_fini(&v);
    assert_int_equal(json_parse("[1,]", 4, &v, &cause), -EINVAL);
    free(cause);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_are_written_exactly),
        cmocka_unit_test(test_each_length_of_number_is_written_whole),
        cmocka_unit_test(test_request_line_reads_back_whole),
        cmocka_unit_test(test_strings_are_escaped_and_made_utf8),
        cmocka_unit_test(test_requests_parse_cmd_and_keep_the_id_as_written),
        cmocka_unit_test(test_bad_requests_are_refused_with_a_reason),
        cmocka_unit_test(test_lines_are_split_and_classified),
        cmocka_unit_test(test_long_lines_and_nul_bytes_are_refused_once),
        cmocka_unit_test(test_replies_are_framed),
        cmocka_unit_test(test_event_kinds_parse),
        cmocka_unit_test(test_trees_keep_integers_exact),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
