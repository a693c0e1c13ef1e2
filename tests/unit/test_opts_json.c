/*
 * test_opts_json.c — json: file names flattened into options as qemu does.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/backend.h"

static struct bk_opts *parse(const char *text, int expect)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    assert_int_equal(bk_opts_parse_json(o, text, &cause), expect);
    if (expect == 0)
        assert_null(cause);
    free(cause);
    return o;
}

static void test_nesting_arrays_and_scalars_flatten(void **state)
{
    struct bk_opts *o = parse(
        "{ \"driver\" : \"raw\", \"file\": {\"driver\": \"blkdebug\","
        " \"inject-error\": [{\"event\": \"read_aio\", \"errno\": 5,"
        " \"once\": true}, {\"event\": 'write_aio', \"immediately\": false}],"
        " \"image\": {\"filename\": \"a\\\"b\\u00e9\\n\"}, \"x\": null,"
        " \"align\": 4096}}", 0);

    (void)state;
    assert_string_equal(bk_opts_get(o, "driver"), "raw");
    assert_string_equal(bk_opts_get(o, "file.driver"), "blkdebug");
    assert_string_equal(bk_opts_get(o, "file.inject-error.0.event"),
                        "read_aio");
    assert_string_equal(bk_opts_get(o, "file.inject-error.0.errno"), "5");
    assert_string_equal(bk_opts_get(o, "file.inject-error.0.once"), "on");
    assert_string_equal(bk_opts_get(o, "file.inject-error.1.event"),
                        "write_aio");
    assert_string_equal(bk_opts_get(o, "file.inject-error.1.immediately"),
                        "off");
    assert_string_equal(bk_opts_get(o, "file.image.filename"),
                        "a\"b\xc3\xa9\n");
    assert_string_equal(bk_opts_get(o, "file.x"), "");
    assert_string_equal(bk_opts_get(o, "file.align"), "4096");
    assert_int_equal(bk_opts_count(o), 10);
    bk_opts_free(o);
}

static void test_options_given_apart_win(void **state)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    (void)state;
    bk_opts_set(o, "driver", "file");
    assert_int_equal(bk_opts_parse_json(o, "{\"driver\": \"raw\", "
                                        "\"filename\": \"img\"}", &cause), 0);
    assert_string_equal(bk_opts_get(o, "driver"), "file");
    assert_string_equal(bk_opts_get(o, "filename"), "img");
    bk_opts_free(o);
}

static void test_bad_json_gets_qemus_words(void **state)
{
    static const struct { const char *text, *message; } bad[] = {
        { "", "Could not parse the JSON options: Expecting a JSON value" },
        { "[1]", "Invalid JSON object given" },
        { "{\"a\":", "Could not parse the JSON options: JSON parse error, "
                     "premature EOI" },
        { "{\"a\": 1 \"b\": 2}", "Could not parse the JSON options: JSON "
                                 "parse error, expected separator in dict" },
        { "{\"a\": 1} x", "Could not parse the JSON options: Expecting at "
                          "most one JSON value" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bk_opts *o = bk_opts_new();
        char *cause = NULL;

        assert_int_equal(bk_opts_parse_json(o, bad[i].text, &cause), -EINVAL);
        assert_non_null(cause);
        assert_string_equal(cause, bad[i].message);
        free(cause);
        bk_opts_free(o);
    }
}

/* Parse text, expecting failure with message (after qemu's prefix). */
static void expect_error(const char *text, const char *message)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    assert_int_equal(bk_opts_parse_json(o, text, &cause), -EINVAL);
    assert_non_null(cause);
    assert_string_equal(cause, message);
    free(cause);
    bk_opts_free(o);
}

#define JSON_ERR "Could not parse the JSON options: JSON parse error, "

/*
 * The text is copied to a buffer of exactly its size, so that a read past
 * its end is caught by AddressSanitizer.
 */
static void expect_error_exact(const char *text, const char *message)
{
    size_t n = strlen(text) + 1;
    char *copy = malloc(n);

    assert_non_null(copy);
    memcpy(copy, text, n);
    expect_error(copy, message);
    free(copy);
}

static void test_unicode_escape_cut_short_is_a_stray_token(void **state)
{
    (void)state;
    expect_error_exact("{\"\\u", JSON_ERR "stray '\"\\u'");
    expect_error_exact("{\"\\u1", JSON_ERR "stray '\"\\u1'");
    expect_error_exact("{\"\\u12", JSON_ERR "stray '\"\\u12'");
    expect_error_exact("{\"\\u123", JSON_ERR "stray '\"\\u123'");
    expect_error_exact("{\"\\ud800\\u", JSON_ERR "stray '\"\\ud800\\u'");
    expect_error_exact("{\"a\\", JSON_ERR "stray '\"a\\'");
    expect_error_exact("{'a", JSON_ERR "stray ''a'");
    /* the string is closed: the escape is checked, within the string */
    expect_error_exact("{\"\\u12\"}",
                       JSON_ERR "\\u12\" is not a valid Unicode character");
    expect_error_exact("{'\\u1'}",
                       JSON_ERR "\\u1' is not a valid Unicode character");
}

static void test_unicode_escapes_checked_as_qemu_does(void **state)
{
    struct bk_opts *o;

    (void)state;
    expect_error("{\"\\u0x12\": 1}",
                 JSON_ERR "\\u0x12 is not a valid Unicode character");
    expect_error("{\"\\u+123\": 1}",
                 JSON_ERR "\\u+123 is not a valid Unicode character");
    expect_error("{\"\\ud800\": 1}",
                 JSON_ERR "\\ud800 is not a valid Unicode character");
    expect_error("{\"\\ud800\\u0041\": 1}",
                 JSON_ERR "\\ud800 is not a valid Unicode character");
    expect_error("{\"\\udc00\": 1}",
                 JSON_ERR "\\udc00 is not a valid Unicode character");
    expect_error("{\"\\ufdd0\": 1}",
                 JSON_ERR "\\ufdd0 is not a valid Unicode character");
    expect_error("{\"\\ud83f\\udffe\": 1}",
                 JSON_ERR "\\ud83f\\udffe is not a valid Unicode character");
    expect_error("{\"a\\q\": 1}", JSON_ERR "invalid escape sequence in string");

    /* a pair is one character; NUL is kept as modified UTF-8 */
    o = parse("{\"k\": \"\\ud83d\\ude00\", \"z\": \"a\\u0000b\"}", 0);
    assert_string_equal(bk_opts_get(o, "k"), "\xf0\x9f\x98\x80");
    assert_string_equal(bk_opts_get(o, "z"), "a\xc0\x80" "b");
    bk_opts_free(o);
}

static void test_lexer_errors_come_before_grammar_errors(void **state)
{
    static const struct { const char *text, *message; } bad[] = {
        { "{1: \"abc", JSON_ERR "stray '\"abc'" },
        { "{\"a\": True}", JSON_ERR "stray 'T'" },
        { "{\"a\": 01}", JSON_ERR "stray '01'" },
        { "{\"a\": -}", JSON_ERR "stray '-}'" },
        { "{\"a\": 1.}", JSON_ERR "stray '1.}'" },
        { "{\"a\": 1e+}", JSON_ERR "stray '1e+}'" },
        { "{\"a\": \"x\x01\"}", JSON_ERR "stray '\"x\x01'" },
        /* after a whole first value, more text is a second value */
        { "{\"a\": 1} @", "Could not parse the JSON options: Expecting at "
                          "most one JSON value" },
        /* 0e5 is the number 0 and the keyword e5 */
        { "{\"a\": 0e5}", JSON_ERR "expected separator in dict" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i].text, bad[i].message);
}

static void test_grammar_errors_in_qemus_words(void **state)
{
    static const struct { const char *text, *message; } bad[] = {
        { "{]", JSON_ERR "expecting value" },
        { "{\"a\": 1,}", JSON_ERR "expecting value" },
        { "{1: 2}", JSON_ERR "key is not a string in object" },
        { "{{\"a\": 1}", JSON_ERR "key is not a string in object" },
        { "{[1 2]: 3}", JSON_ERR "expected separator in list" },
        { "{tru: 3}", JSON_ERR "invalid keyword 'tru'" },
        { "{\"e\": nulltrue}", JSON_ERR "invalid keyword 'nulltrue'" },
        { "{\"a\": 1, \"a\": 2", JSON_ERR "duplicate key" },
        { "{\"a\": {\"b\": 1, \"b\": [1 2]}}",
          JSON_ERR "expected separator in list" },
        { "[1", JSON_ERR "premature EOI" },
        { "[1,]", JSON_ERR "expecting value" },
        { "[1] 2", "Could not parse the JSON options: Expecting at most one "
                   "JSON value" },
        { "null", "Invalid JSON object given" },
    };
    struct bk_opts *o;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i].text, bad[i].message);
    /* the same name in two objects is no duplicate */
    o = parse("{\"a\": {\"b\": 1}, \"c\": {\"b\": 2}}", 0);
    assert_string_equal(bk_opts_get(o, "a.b"), "1");
    assert_string_equal(bk_opts_get(o, "c.b"), "2");
    bk_opts_free(o);
}

static void test_nesting_beyond_1024_refused_by_the_streamer(void **state)
{
    char text[1100];
    size_t n = 0;

    (void)state;
    text[n++] = '{';
    memcpy(text + n, "\"a\":", 4);
    n += 4;
    while (n < 4 + 1 + 1023)
        text[n++] = '[';
    text[n] = '\0';
    /* 1024 open: the end comes first */
    expect_error(text, JSON_ERR "premature EOI");
    text[n++] = '[';
    text[n] = '\0';
    expect_error(text, "Could not parse the JSON options: JSON nesting depth "
                       "limit exceeded");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_arrays_and_scalars_flatten),
        cmocka_unit_test(test_options_given_apart_win),
        cmocka_unit_test(test_bad_json_gets_qemus_words),
        cmocka_unit_test(test_unicode_escape_cut_short_is_a_stray_token),
        cmocka_unit_test(test_unicode_escapes_checked_as_qemu_does),
        cmocka_unit_test(test_lexer_errors_come_before_grammar_errors),
        cmocka_unit_test(test_grammar_errors_in_qemus_words),
        cmocka_unit_test(test_nesting_beyond_1024_refused_by_the_streamer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
