/*
 * test_tui_cmdq.c — the FIFO order of lines waiting their turn.  Which
 * lines run at once is the command table's (test_cmd_dispatch.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tui/cmdq.c"

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
        cmocka_unit_test(test_cmdq_is_fifo_across_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
