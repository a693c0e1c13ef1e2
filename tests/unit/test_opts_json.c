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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_arrays_and_scalars_flatten),
        cmocka_unit_test(test_options_given_apart_win),
        cmocka_unit_test(test_bad_json_gets_qemus_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
