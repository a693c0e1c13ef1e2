/*
 * test_rules_save.c — "rules save" writes the blkdebug config format, and
 * loading what it wrote gives back the same rules, in the same order, with
 * the same behaviour.
 *
 * Run one test: test_rules_save NAME-GLOB
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules/rules.h"

static const char mixed[] =
    "# a comment, dropped on save\n"
    "[set-state]\nevent = \"write_aio\"\nstate = \"1\"\nnew_state = \"2\"\n"
    "\n[inject-error]\nevent = \"read_aio\"\nstate = \"2\"\nerrno = \"28\"\n"
    "sector = \"8\"\nonce = \"yes\"\nimmediately = \"on\"\n"
    "iotype = \"read\"\n"
    "\n[inject-error \"named\"]\nevent = \"flush_to_os\"\n"
    "\n[set-state]\nevent = \"none\"\nnew_state = \"0x10\"\n";

static const char mixed_saved[] =
    "[inject-error]\nevent = \"read_aio\"\nstate = \"2\"\nerrno = \"28\"\n"
    "sector = \"8\"\nonce = \"on\"\nimmediately = \"on\"\n"
    "iotype = \"read\"\n"
    "\n[inject-error]\nevent = \"flush_to_os\"\nerrno = \"5\"\n"
    "\n[set-state]\nevent = \"write_aio\"\nstate = \"1\"\nnew_state = \"2\"\n"
    "\n[set-state]\nevent = \"none\"\nnew_state = \"16\"\n";

static struct rules_engine *
loaded(const char *text)
{
    struct rules_engine *e = rules_engine_new();
    char *cause = NULL;

    if (rules_load_string(e, text, NULL, 0, &cause) != 0)
        fail_msg("load: %s", cause);
    return e;
}

static void
test_save_format_is_canonical(void **state)
{
    struct rules_engine *e = loaded(mixed);
    char *text = rules_format(e);

    assert_string_equal(text, mixed_saved);
    free(text);
    rules_engine_free(e);
}

static void
assert_same_rules(const struct rules_engine *a, const struct rules_engine *b)
{
    size_t i, n = rules_count(a);

    assert_int_equal(n, rules_count(b));
    for (i = 1; i <= n; i++) {
        const struct rules_rule *x = rules_get(a, (unsigned)i);
        const struct rules_rule *y = rules_get(b, (unsigned)i);

        assert_non_null(x);
        assert_non_null(y);
        assert_int_equal(x->event, y->event);
        assert_int_equal(x->action, y->action);
        assert_int_equal(x->state, y->state);
        if (x->action == RULES_INJECT_ERROR) {
            assert_int_equal(x->u.inject.error, y->u.inject.error);
            assert_int_equal(x->m.once, y->m.once);
            assert_int_equal(x->u.inject.immediately,
                             y->u.inject.immediately);
            assert_int_equal(x->u.inject.sector, y->u.inject.sector);
            assert_int_equal(x->m.iotype_mask,
                             y->m.iotype_mask);
        } else {
            assert_int_equal(x->u.set_state.new_state,
                             y->u.set_state.new_state);
        }
    }
}

static void
test_save_round_trip_through_a_file(void **state)
{
    struct rules_engine *a = loaded(mixed), *b = rules_engine_new();
    char path[] = "/tmp/blkmon-save-XXXXXX", *cause = NULL, *t1, *t2;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(rules_save(a, path, &cause), 0);
    assert_int_equal(rules_load(b, path, NULL, 0, &cause), 0);
    assert_same_rules(a, b);
    t1 = rules_format(a);
    t2 = rules_format(b);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    unlink(path);
    rules_engine_free(a);
    rules_engine_free(b);
}

static void
test_save_round_trip_after_live_edits(void **state)
{
    struct rules_engine *a = loaded(mixed), *b;
    struct rules_kv kv[] = { { "event", "pwritev" }, { "errno", "-5" },
                             { "sector", "18446744073709551615" } };
    struct rules_kv ss[] = { { "event", "pwritev" }, { "state", "3" },
                             { "new_state", "4" } };
    char *text;

    assert_int_equal(rules_add(a, "set-state", ss, 3, NULL, NULL), 0);
    assert_int_equal(rules_add(a, "inject-error", kv, 3, NULL, NULL), 0);
    assert_int_equal(rules_delete(a, 1), 0);
    rules_break_add(a, "read_aio", "not-saved", NULL);
    text = rules_format(a);
    b = loaded(text);
    /* Breakpoints are not config; the rest comes back with new ids. */
    assert_int_equal(rules_count(b), rules_count(a) - 1);
    {
        char *again = rules_format(b);

        assert_string_equal(again, text);
        free(again);
    }
    assert_int_equal(rules_get(b, 2)->u.inject.error, -5);
    assert_int_equal(rules_get(b, 2)->u.inject.sector, -1);
    free(text);
    rules_engine_free(a);
    rules_engine_free(b);
}

static void
test_save_round_trip_keeps_behaviour(void **state)
{
    struct rules_engine *a = loaded(
        "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\nonce = \"on\"\n"
        "[inject-error]\nevent = \"read_aio\"\nerrno = \"3\"\n"
        "[set-state]\nevent = \"read_aio\"\nnew_state = \"2\"\n"
        "[set-state]\nevent = \"read_aio\"\nnew_state = \"3\"\n");
    char *text = rules_format(a);
    struct rules_engine *b = loaded(text);
    struct rules_engine *both[2] = { a, b };
    int i, k, got[2][3];

    for (k = 0; k < 2; k++) {
        for (i = 0; i < 3; i++) {
            rules_event(both[k], RULES_EV_READ_AIO, NULL, NULL);
            got[k][i] = rules_check(both[k], 0, 512, RULES_IO_READ, NULL);
        }
        assert_int_equal(rules_state(both[k]), 2);
    }
    assert_memory_equal(got[0], got[1], sizeof(got[0]));
    assert_int_equal(got[0][0], -ENOENT);
    assert_int_equal(got[0][1], -ESRCH);
    free(text);
    rules_engine_free(a);
    rules_engine_free(b);
}

static void
test_save_empty_engine(void **state)
{
    struct rules_engine *e = rules_engine_new();
    char *text = rules_format(e);

    assert_string_equal(text, "");
    free(text);
    rules_engine_free(e);
}

static void
test_save_unwritable_path(void **state)
{
    struct rules_engine *e = loaded(mixed);
    char *cause = NULL;

    assert_int_equal(rules_save(e, "/nonexistent/dir/x.cfg", &cause),
                     -ENOENT);
    assert_string_equal(cause, "Could not write '/nonexistent/dir/x.cfg': "
                        "No such file or directory");
    free(cause);
    rules_engine_free(e);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_format_is_canonical),
        cmocka_unit_test(test_save_round_trip_through_a_file),
        cmocka_unit_test(test_save_round_trip_after_live_edits),
        cmocka_unit_test(test_save_round_trip_keeps_behaviour),
        cmocka_unit_test(test_save_empty_engine),
        cmocka_unit_test(test_save_unwritable_path),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
