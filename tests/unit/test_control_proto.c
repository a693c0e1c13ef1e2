/*
 * test_control_proto.c — the control socket's wire format: JSON written
 * (control/json.c) and read back, request lines split and classified
 * (control/proto.c), reply frames, the tree parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/events.h"
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
