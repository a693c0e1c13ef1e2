/*
 * test_rules_parse.c — the blkdebug config reader: every malformed input
 * gives the message qemu-io 7.2 prints after "can't open device X: ".
 * Each expected text was taken from the real qemu-io.
 *
 * Run one test: test_rules_parse NAME-GLOB
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules/rules.h"

/* The message a config text gets, or "OK". */
static char *
load_msg(const char *text)
{
    struct rules_engine *e = rules_engine_new();
    char *cause = NULL;
    int ret = rules_load_string(e, text, NULL, 0, &cause);

    rules_engine_free(e);
    if (ret == 0) {
        assert_null(cause);
        return strdup("OK");
    }
    assert_int_equal(ret, -EINVAL);
    assert_non_null(cause);
    return cause;
}

#define assert_msg(text, expected)                  \
    do {                                            \
        char *m_ = load_msg(text);                  \
        assert_string_equal(m_, expected);          \
        free(m_);                                   \
    } while (0)

/* Inline options only: "k=v" strings. */
static char *
inline_msg(const char *cfg, size_t n, ...)
{
    struct rules_engine *e = rules_engine_new();
    struct rules_kv kv[16];
    char *copies[16], *cause = NULL, *eq;
    va_list ap;
    size_t i;
    int ret;

    va_start(ap, n);
    for (i = 0; i < n; i++) {
        copies[i] = strdup(va_arg(ap, const char *));
        eq = strchr(copies[i], '=');
        *eq = '\0';
        kv[i].key = copies[i];
        kv[i].value = eq + 1;
    }
    va_end(ap);
    ret = rules_load_string(e, cfg, kv, n, &cause);
    for (i = 0; i < n; i++)
        free(copies[i]);
    rules_engine_free(e);
    if (ret == 0)
        return strdup("OK");
    return cause;
}

static void
test_parse_missing_event(void **state)
{
    assert_msg("[inject-error]\nerrno = \"5\"\n",
               "Missing event name for rule");
    assert_msg("[set-state]\nstate = \"1\"\n", "Missing event name for rule");
}

static void
test_parse_unknown_event(void **state)
{
    assert_msg("[inject-error]\nevent = \"no_such_event\"\n",
               "invalid parameter value: no_such_event");
    /* The old dotted spelling is not accepted by 7.2. */
    assert_msg("[inject-error]\nevent = \"pwritev_rmw.head\"\n",
               "invalid parameter value: pwritev_rmw.head");
}

static void
test_parse_unknown_group(void **state)
{
    assert_msg("[bogus]\nevent = \"read_aio\"\n",
               "There is no option group 'bogus'");
    /* No ']': the group name runs to the end of the line. */
    assert_msg("[inject-error\nevent = \"read_aio\"\n",
               "There is no option group 'inject-error\n'");
    assert_msg("[ inject-error ]\nevent = \"read_aio\"\n",
               "There is no option group ' inject-error '");
}

static void
test_parse_unknown_key(void **state)
{
    assert_msg("[inject-error]\nevent = \"read_aio\"\nflavour = \"mint\"\n",
               "Invalid parameter 'flavour'");
    assert_msg("[set-state]\nevent = \"read_aio\"\nerrno = \"5\"\n",
               "Invalid parameter 'errno'");
    /* No spaces around '=': the whole line is one word, the key. */
    assert_msg("[inject-error]\nevent=\"read_aio\"\n",
               "Invalid parameter 'event=\"read_aio\"'");
}

static void
test_parse_no_group(void **state)
{
    assert_msg("event = \"read_aio\"\n", "no group defined");
    /* '#' only starts a comment in column one. */
    assert_msg(" #x\n", "no group defined");
    /* "[]" is not a group line, so it is a key. */
    assert_msg("[]\n", "no group defined");
}

static void
test_parse_error_lines(void **state)
{
    assert_msg("[inject-error]\n  \nevent = \"read_aio\"\n", "parse error");
    assert_msg("\r\n", "parse error");
    assert_msg("[inject-error]\n\t\n", "parse error");
}

static void
test_parse_quotes(void **state)
{
    /* Unquoted value: the key gets "". */
    assert_msg("[inject-error]\nevent = read_aio\n",
               "invalid parameter value: ");
    /* No closing quote: the value keeps the newline. */
    assert_msg("[inject-error]\nevent = \"read_aio\n",
               "invalid parameter value: read_aio\n");
    assert_msg("[inject-error]\nevent = \"read_aio\" trailing\n", "OK");
}

static void
test_parse_numbers(void **state)
{
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"abc\"\n",
               "Parameter 'errno' expects a number");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"\"\n",
               "Parameter 'errno' expects a number");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"5 \"\n",
               "Parameter 'errno' expects a number");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"08\"\n",
               "Parameter 'errno' expects a number");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"5k\"\n",
               "Parameter 'errno' expects a number");
    assert_msg("[inject-error]\nevent = \"read_aio\"\n"
               "errno = \"99999999999999999999\"\n",
               "Value '99999999999999999999' is too large for parameter "
               "'errno'");
    assert_msg("[inject-error]\nevent = \"read_aio\"\n"
               "errno = \"-18446744073709551616\"\n",
               "Value '-18446744073709551616' is too large for parameter "
               "'errno'");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nstate = \"x\"\n",
               "Parameter 'state' expects a number");
    assert_msg("[set-state]\nevent = \"read_aio\"\nnew_state = \"x\"\n",
               "Parameter 'new_state' expects a number");
    /* What qemu_strtou64 accepts. */
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \" 5\"\n"
               "sector = \"0x10\"\nstate = \"034\"\n", "OK");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"+5\"\n"
               "sector = \"-3\"\n", "OK");
}

static void
test_parse_booleans(void **state)
{
    assert_msg("[inject-error]\nevent = \"read_aio\"\nonce = \"maybe\"\n",
               "Parameter 'once' expects 'on' or 'off'");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nonce = \"ON\"\n",
               "Parameter 'once' expects 'on' or 'off'");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nimmediately = \"1\"\n",
               "Parameter 'immediately' expects 'on' or 'off'");
    assert_msg("[inject-error]\nevent = \"read_aio\"\nonce = \"yes\"\n"
               "immediately = \"n\"\n", "OK");
}

static void
test_parse_iotype(void **state)
{
    assert_msg("[inject-error]\nevent = \"read_aio\"\niotype = \"bogus\"\n",
               "invalid parameter value: bogus");
    assert_msg("[inject-error]\nevent = \"read_aio\"\n"
               "iotype = \"block-status\"\n", "OK");
}

static void
test_parse_ids(void **state)
{
    assert_msg("[inject-error \"a\"]\nevent = \"read_aio\"\n"
               "[inject-error \"a\"]\nevent = \"read_aio\"\n",
               "Duplicate ID 'a' for inject-error");
    /* Ids are per group. */
    assert_msg("[inject-error \"a\"]\nevent = \"read_aio\"\n"
               "[set-state \"a\"]\nevent = \"read_aio\"\n", "OK");
    assert_msg("[inject-error \"1a\"]\nevent = \"read_aio\"\n",
               "Parameter 'id' expects an identifier\n"
               "Identifiers consist of letters, digits, '-', '.', '_', "
               "starting with a letter.");
}

static void
test_parse_malformed_group_names_last_group(void **state)
{
    /* The end of the text checks the last group under the name the last
     * '[' line scanned. */
    assert_msg("[inject-error]\n[]\n", "There is no option group ']'");
}

static void
test_parse_first_bad_key_in_qdict_order(void **state)
{
    /* "thing" walks before "flavour" in QDict's buckets. */
    assert_msg("[inject-error]\nevent = \"read_aio\"\n[inject-error]\n"
               "flavour = \"x\"\nevent = \"write_aio\"\nthing = \"y\"\n",
               "Invalid parameter 'thing'");
    assert_msg("[inject-error]\naaa = \"1\"\nbbb = \"2\"\n",
               "Invalid parameter 'bbb'");
    assert_msg("[inject-error]\nerrno = \"x\"\nzzz = \"2\"\n",
               "Invalid parameter 'zzz'");
    assert_msg("[inject-error]\nstate = \"x\"\nonce = \"x\"\n",
               "Parameter 'once' expects 'on' or 'off'");
    /* Same bucket: the newest key first; a replaced key keeps its place. */
    assert_msg("[inject-error]\nzj = \"1\"\nzz = \"2\"\n",
               "Invalid parameter 'zz'");
    assert_msg("[inject-error]\nzz = \"1\"\nzj = \"2\"\nzz = \"3\"\n",
               "Invalid parameter 'zj'");
    /* The last value of a repeated key wins. */
    assert_msg("[inject-error]\nevent = \"read_aio\"\nerrno = \"x\"\n"
               "errno = \"5\"\n", "OK");
}

static void
test_parse_error_order_between_stages(void **state)
{
    /* A group is checked when the next one starts... */
    assert_msg("[inject-error]\nevent = \"read_aio\"\nflavour = \"x\"\n"
               "[set-state]\n  \n", "Invalid parameter 'flavour'");
    /* ...so a syntax error inside it comes first. */
    assert_msg("[inject-error]\nevent = \"read_aio\"\nflavour = \"x\"\n  \n",
               "parse error");
    /* Events are looked up last, inject-error groups before set-state. */
    assert_msg("[set-state]\nevent = \"bad1\"\n[inject-error]\n"
               "event = \"bad2\"\n", "invalid parameter value: bad2");
}

static void
test_parse_comments_and_blank_lines(void **state)
{
    assert_msg("", "OK");
    assert_msg("#x\n\n# y\n[inject-error]\n\nevent = \"read_aio\"\n"
               "# z\n", "OK");
    assert_msg("[inject-error]\nevent = \"read_aio\"", "OK");
}

static void
test_parse_long_lines_split_like_fgets(void **state)
{
    /* QEMU reads 1023 bytes at a time: the rest of a line is a new line. */
    char text[1200];

    /* 1023 spaces are a blank line of their own: a syntax error. */
    strcpy(text, "[inject-error]\n");
    memset(text + 15, ' ', 1023);
    strcpy(text + 15 + 1023, "event = \"write_aio\"\n");
    assert_msg(text, "parse error");

    /* 1023 letters are a key (cut to 63) and the rest another line. */
    strcpy(text, "[inject-error]\nevent = \"read_aio\"\n");
    memset(text + 34, 'a', 1023);
    strcpy(text + 34 + 1023, "event = \"write_aio\"\n");
    assert_msg(text, "Invalid parameter 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
}

static void
test_parse_missing_file(void **state)
{
    struct rules_engine *e = rules_engine_new();
    char *cause = NULL;

    assert_int_equal(rules_load(e, "/nonexistent/blkmon.cfg", NULL, 0,
                                &cause), -ENOENT);
    assert_string_equal(cause, "Could not read blkdebug config file: "
                        "No such file or directory");
    free(cause);
    rules_engine_free(e);
}

static void
test_parse_directory(void **state)
{
    struct rules_engine *e = rules_engine_new();
    char dir[] = "/tmp/blkmon-rules-XXXXXX", *cause = NULL;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(rules_load(e, dir, NULL, 0, &cause), -EINVAL);
    assert_string_equal(cause, "Cannot read config file: Is a directory");
    free(cause);
    rmdir(dir);
    rules_engine_free(e);
}

static void
test_parse_file_loads(void **state)
{
    struct rules_engine *e = rules_engine_new();
    char path[] = "/tmp/blkmon-rules-XXXXXX", *cause = NULL;
    int fd = mkstemp(path);
    static const char text[] = "[inject-error]\nevent = \"read_aio\"\n";

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1),
                     (ssize_t)sizeof(text) - 1);
    close(fd);
    assert_int_equal(rules_load(e, path, NULL, 0, &cause), 0);
    assert_int_equal(rules_count(e), 1);
    assert_int_equal(rules_get(e, 1)->u.inject.error, EIO);
    unlink(path);
    rules_engine_free(e);
}

static void
test_parse_failed_load_adds_nothing(void **state)
{
    struct rules_engine *e = rules_engine_new();
    char *cause = NULL;

    assert_int_equal(rules_load_string(e, "[inject-error]\nevent = "
                                       "\"read_aio\"\n[inject-error]\n", NULL,
                                       0, &cause), -EINVAL);
    assert_string_equal(cause, "Missing event name for rule");
    free(cause);
    assert_int_equal(rules_count(e), 0);
    rules_engine_free(e);
}

#define assert_inline(cfg, expected, ...)                               \
    do {                                                                \
        const char *kv_[] = { __VA_ARGS__ };                            \
        char *m_ = inline_msg(cfg, sizeof(kv_) / sizeof(kv_[0]),        \
                              __VA_ARGS__);                             \
        assert_string_equal(m_, expected);                              \
        free(m_);                                                       \
    } while (0)

static void
test_parse_inline_options(void **state)
{
    assert_inline(NULL, "OK", "inject-error.event=read_aio");
    assert_inline(NULL, "OK", "inject-error.0.event=read_aio",
                  "inject-error.0.once=on");
    assert_inline(NULL, "Unused option '1.event' for [inject-error]",
                  "inject-error.1.event=read_aio");
    assert_inline(NULL, "Unknown option '0.event' for [inject-error]",
                  "inject-error.0.event=read_aio",
                  "inject-error.event=write_aio");
    assert_inline(NULL, "[inject-error] section doesn't support the option "
                  "'bogus'", "inject-error.0.event=read_aio",
                  "inject-error.0.bogus=1");
    assert_inline(NULL, "Unknown option 'bogus' for [inject-error]",
                  "inject-error.event=read_aio", "inject-error.bogus=1");
    assert_inline(NULL, "Unused option 'x' for [inject-error]",
                  "inject-error.0.event=read_aio", "inject-error.x=1");
    assert_inline(NULL, "[inject-error] section (index 0) does not consist "
                  "of keys", "inject-error.0=read_aio");
    assert_inline(NULL, "Missing event name for rule",
                  "inject-error.0.errno=5");
    assert_inline(NULL, "invalid parameter value: bogus",
                  "inject-error.0.event=bogus");
    assert_inline(NULL, "Parameter 'errno' expects a number",
                  "inject-error.0.event=read_aio", "inject-error.0.errno=x");
    assert_inline(NULL, "Parameter 'new_state' expects a number",
                  "set-state.event=read_aio", "set-state.new_state=x");
    /* The file is read first. */
    assert_inline("[inject-error]\nerrno = \"x\"\n",
                  "Parameter 'errno' expects a number",
                  "inject-error.0.event=read_aio");
    /* Numbered sections get ids that a file id can collide with. */
    assert_inline("[inject-error \"inject-error.0\"]\nevent = \"read_aio\"\n",
                  "Duplicate ID 'inject-error.0' for inject-error",
                  "inject-error.0.event=read_aio");
    /* Keys of other options are not ours. */
    assert_inline(NULL, "OK", "config=x.cfg", "align=4096",
                  "image.filename=img");
}

static void
test_parse_is_option(void **state)
{
    assert_true(rules_is_option("inject-error.0.event"));
    assert_true(rules_is_option("set-state.event"));
    assert_false(rules_is_option("inject-error"));
    assert_false(rules_is_option("config"));
}

static void
test_parse_event_table(void **state)
{
    assert_int_equal(RULES_EV__MAX, 48);
    assert_int_equal(rules_event_lookup("read_aio"), RULES_EV_READ_AIO);
    assert_int_equal(rules_event_lookup("none"), RULES_EV_NONE);
    assert_int_equal(rules_event_lookup("cluster_alloc_space"),
                     RULES_EV_CLUSTER_ALLOC_SPACE);
    assert_int_equal(rules_event_lookup("READ_AIO"), -1);
    assert_int_equal(rules_event_lookup("read_encrypted"), -1);
    assert_string_equal(rules_event_names[RULES_EV_PWRITEV_RMW_AFTER_TAIL],
                        "pwritev_rmw_after_tail");
    assert_int_equal(rules_iotype_lookup("write-zeroes"),
                     RULES_IO_WRITE_ZEROES);
    assert_int_equal(rules_iotype_lookup("write_zeroes"), -1);
}

static void
test_parse_add_from_pairs(void **state)
{
    struct rules_engine *e = rules_engine_new();
    const struct rules_rule *r;
    struct rules_kv ok[] = { { "event", "write_aio" }, { "errno", "28" },
                             { "sector", "8" }, { "iotype", "write" },
                             { "once", "on" } };
    struct rules_kv bad[] = { { "event", "write_aio" }, { "tag", "x" } };
    unsigned id = 0;
    char *cause = NULL;

    assert_int_equal(rules_add(e, "inject-error", ok, 5, &id, &cause), 0);
    r = rules_get(e, id);
    assert_non_null(r);
    assert_int_equal(r->event, RULES_EV_WRITE_AIO);
    assert_int_equal(r->u.inject.error, 28);
    assert_int_equal(r->u.inject.sector, 8);
    assert_true(r->m.once);
    assert_int_equal(r->m.iotype_mask, 1u << RULES_IO_WRITE);

    assert_int_equal(rules_add(e, "inject-error", bad, 2, NULL, &cause),
                     -EINVAL);
    assert_string_equal(cause, "Invalid parameter 'tag'");
    free(cause);
    assert_int_equal(rules_add(e, "break", ok, 1, NULL, &cause), -EINVAL);
    assert_string_equal(cause, "There is no option group 'break'");
    free(cause);
    assert_int_equal(rules_count(e), 1);
    rules_engine_free(e);
}

static void
test_parse_examples_load(void **state)
{
    static const char *const names[] = {
        "fail-nth-write", "fail-sector", "fail-flushes", "two-stage",
        "enospc",
    };
    char path[128], *cause = NULL;
    size_t i;

    /* make unit runs the tests from the top of the tree. */
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct rules_engine *e = rules_engine_new();

        snprintf(path, sizeof(path), "rules/examples/%s.cfg", names[i]);
        if (rules_load(e, path, NULL, 0, &cause) != 0)
            fail_msg("%s: %s", path, cause);
        assert_true(rules_count(e) > 0);
        rules_engine_free(e);
    }
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_missing_event),
        cmocka_unit_test(test_parse_unknown_event),
        cmocka_unit_test(test_parse_unknown_group),
        cmocka_unit_test(test_parse_unknown_key),
        cmocka_unit_test(test_parse_no_group),
        cmocka_unit_test(test_parse_error_lines),
        cmocka_unit_test(test_parse_quotes),
        cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_parse_booleans),
        cmocka_unit_test(test_parse_iotype),
        cmocka_unit_test(test_parse_ids),
        cmocka_unit_test(test_parse_malformed_group_names_last_group),
        cmocka_unit_test(test_parse_first_bad_key_in_qdict_order),
        cmocka_unit_test(test_parse_error_order_between_stages),
        cmocka_unit_test(test_parse_comments_and_blank_lines),
        cmocka_unit_test(test_parse_long_lines_split_like_fgets),
        cmocka_unit_test(test_parse_missing_file),
        cmocka_unit_test(test_parse_directory),
        cmocka_unit_test(test_parse_file_loads),
        cmocka_unit_test(test_parse_failed_load_adds_nothing),
        cmocka_unit_test(test_parse_inline_options),
        cmocka_unit_test(test_parse_is_option),
        cmocka_unit_test(test_parse_event_table),
        cmocka_unit_test(test_parse_add_from_pairs),
        cmocka_unit_test(test_parse_examples_load),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
