/*
 * test_tui_cmdq.c — which lines run at once (control) and the FIFO order
 * of I/O lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tui/cmdq.c"

static void test_cmdq_control_commands_run_at_once(void **state)
{
    assert_true(tui_cmdq_is_control("resume A"));
    assert_true(tui_cmdq_is_control("  remove_break A"));
    assert_true(tui_cmdq_is_control("break write_aio A"));
    assert_true(tui_cmdq_is_control("help"));
    assert_true(tui_cmdq_is_control("quit"));
    assert_true(tui_cmdq_is_control("q"));
    assert_true(tui_cmdq_is_control("rules"));
    assert_true(tui_cmdq_is_control("state"));
}

static void test_cmdq_io_and_session_commands_keep_order(void **state)
{
    assert_false(tui_cmdq_is_control("write 0 4k"));
    assert_false(tui_cmdq_is_control("aio_read 0 4k"));
    assert_false(tui_cmdq_is_control("open -o driver=raw x"));
    assert_false(tui_cmdq_is_control("close"));
    assert_false(tui_cmdq_is_control("reopen -r"));
    assert_false(tui_cmdq_is_control("wait_break A"));
    assert_false(tui_cmdq_is_control("sleep 100"));
    assert_false(tui_cmdq_is_control("resumex A"));
    assert_false(tui_cmdq_is_control(""));
}

static void test_cmdq_verb_is_first_word(void **state)
{
    char b[8];

    assert_string_equal(tui_cmdq_verb("  write 0 4k", b, sizeof(b)), "write");
    assert_string_equal(tui_cmdq_verb("remove_break A", b, sizeof(b)),
                        "remove_");
    assert_string_equal(tui_cmdq_verb("", b, sizeof(b)), "");
}

static void test_cmdq_is_fifo_across_growth(void **state)
{
    struct tui_cmdq *q = tui_cmdq_new();
    char line[32], *got;

    for (int i = 0; i < 5; i++) {
        snprintf(line, sizeof(line), "write %d 1", i);
        tui_cmdq_push(q, line);
    }
    got = tui_cmdq_pop(q);
    assert_string_equal(got, "write 0 1");
    free(got);
    for (int i = 5; i < 20; i++) {
        snprintf(line, sizeof(line), "write %d 1", i);
        tui_cmdq_push(q, line);
    }
    assert_int_equal(tui_cmdq_count(q), 19);
    assert_string_equal(tui_cmdq_peek(q, 0), "write 1 1");
    for (int i = 1; i < 20; i++) {
        snprintf(line, sizeof(line), "write %d 1", i);
        got = tui_cmdq_pop(q);
        assert_string_equal(got, line);
        free(got);
    }
    assert_null(tui_cmdq_pop(q));
    tui_cmdq_push(q, "a");
    tui_cmdq_push(q, "b");
    assert_int_equal(tui_cmdq_clear(q), 2);
    assert_int_equal(tui_cmdq_count(q), 0);
    tui_cmdq_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdq_control_commands_run_at_once),
        cmocka_unit_test(test_cmdq_io_and_session_commands_keep_order),
        cmocka_unit_test(test_cmdq_verb_is_first_word),
        cmocka_unit_test(test_cmdq_is_fifo_across_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
