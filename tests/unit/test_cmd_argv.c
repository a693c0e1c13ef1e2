/*
 * test_cmd_argv.c — command lines split like qemu-io's breakline() and
 * options scan like GNU getopt, complaints included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cmd/argv.h"
#include "tests/unit/cmd_capture.h"

static void test_split_on_single_spaces_dropping_empty_words(void **state)
{
    int argc;
    char **v = argv_split("  read   -v\t 0  512 ", &argc);

    (void)state;
    assert_int_equal(argc, 4);
    assert_string_equal(v[0], "read");
    assert_string_equal(v[1], "-v\t");    /* tabs are not separators */
    assert_string_equal(v[2], "0");
    assert_string_equal(v[3], "512");
    assert_null(v[4]);
    free(v);
}

static void test_split_empty_line(void **state)
{
    int argc;
    char **v = argv_split("", &argc);

    (void)state;
    assert_int_equal(argc, 0);
    assert_null(v[0]);
    free(v);
}

/* Scan all options of "words" with spec; returns them as a string. */
static const char *scan(const char *words, const char *spec, int *optind,
                        char ***argvp, int *argcp)
{
    static char seen[64];
    struct argv_opts o;
    size_t n = 0;
    int c;

    *argvp = argv_split(words, argcp);
    argv_opts_init(&o, CAPTURE, *argcp, *argvp, spec);
    while ((c = argv_opts_next(&o)) != -1) {
        seen[n++] = (char)c;
        if (o.optarg != NULL) {
            seen[n++] = '=';
            for (const char *p = o.optarg; *p; p++)
                seen[n++] = *p;
        }
        seen[n++] = ',';
        if (c == '?')
            break;
    }
    seen[n] = '\0';
    *optind = o.optind;
    return seen;
}

static void test_options_clusters_and_arguments(void **state)
{
    char **v;
    int argc, optind;

    (void)state;
    assert_string_equal(scan("read -vq -P1 -l 512 0 1k", "bCl:pP:qs:v",
                             &optind, &v, &argc), "v,q,P=1,l=512,");
    assert_string_equal(v[optind], "0");
    assert_int_equal(optind, argc - 2);
    free(v);
}

static void test_operands_before_options_are_moved_last(void **state)
{
    char **v;
    int argc, optind;

    (void)state;
    assert_string_equal(scan("read 0 -P 5 512 -v", "bCl:pP:qs:v", &optind,
                             &v, &argc), "P=5,v,");
    assert_int_equal(argc - optind, 2);
    assert_string_equal(v[optind], "0");
    assert_string_equal(v[optind + 1], "512");
    free(v);
}

static void test_double_dash_and_lone_dash(void **state)
{
    char **v;
    int argc, optind;

    (void)state;
    assert_string_equal(scan("read - -v -- -1 512", "v", &optind, &v, &argc),
                        "v,");
    assert_int_equal(argc - optind, 3);
    assert_string_equal(v[optind], "-");
    assert_string_equal(v[optind + 1], "-1");
    assert_string_equal(v[optind + 2], "512");
    free(v);
}

static void test_invalid_option_complains_with_command_name(void **state)
{
    char **v;
    int argc, optind;

    (void)state;
    capture_start();
    assert_string_equal(scan("discard 0 -512", "Cq", &optind, &v, &argc),
                        "?,");
    capture_stop();
    assert_string_equal(CAPTURED_ERR, "discard: invalid option -- '5'\n");
    free(v);
}

static void test_missing_argument_complains(void **state)
{
    char **v;
    int argc, optind;

    (void)state;
    capture_start();
    assert_string_equal(scan("read -v -P", "P:v", &optind, &v, &argc),
                        "v,?,");
    capture_stop();
    assert_string_equal(CAPTURED_ERR,
                        "read: option requires an argument -- 'P'\n");
    free(v);
}

static void test_option_argument_may_look_like_an_option(void **state)
{
    char **v;
    int argc, optind;

    (void)state;
    assert_string_equal(scan("write -P -1 0 1", "P:", &optind, &v, &argc),
                        "P=-1,");
    assert_int_equal(argc - optind, 2);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_on_single_spaces_dropping_empty_words),
        cmocka_unit_test(test_split_empty_line),
        cmocka_unit_test(test_options_clusters_and_arguments),
        cmocka_unit_test(test_operands_before_options_are_moved_last),
        cmocka_unit_test(test_double_dash_and_lone_dash),
        cmocka_unit_test(test_invalid_option_complains_with_command_name),
        cmocka_unit_test(test_missing_argument_complains),
        cmocka_unit_test(test_option_argument_may_look_like_an_option),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
