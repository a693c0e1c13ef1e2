/*
 * test_tui_reqlog.c — the request history rings: order, overwriting,
 * errors kept apart, the injecting rule found, seq kept for mirrors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/reqlog.c"

static struct bk_req req_of(uint64_t id, enum bk_op op, int ret)
{
    return (struct bk_req){ .id = id, .op = op, .offset = (int64_t)id * 4096,
                            .bytes = 4096, .ret = ret, .submit_ns = 100,
                            .complete_ns = 100 + (int64_t)id * 1000 };
}

static void test_reqlog_rings_keep_the_newest_in_order(void **state)
{
    struct tui_reqlog *l = tui_reqlog_new(4);

    (void)state;
    for (uint64_t id = 1; id <= 6; id++) {
        struct bk_req r = req_of(id, BK_OP_WRITE, id == 2 ? -EIO : 0);

        tui_reqlog_req_end(l, &r);
    }
    /* Four kept of six: 3..6, oldest first; the error of 2 stays in the
     * error ring although successes pushed it out of the other. */
    assert_int_equal(tui_reqlog_count(l, TUI_LOG_DONE), 4);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_DONE, 0)->id, 3);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_DONE, 3)->id, 6);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_DONE, 3)->lat_ns, 6000);
    assert_null(tui_reqlog_get(l, TUI_LOG_DONE, 4));
    assert_int_equal(tui_reqlog_count(l, TUI_LOG_ERROR), 1);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_ERROR, 0)->id, 2);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_ERROR, 0)->ret, -EIO);
    /* One seq for all rings: 6 completions and 1 error. */
    assert_int_equal(tui_reqlog_seq(l), 7);
    tui_reqlog_clear(l);
    assert_int_equal(tui_reqlog_count(l, TUI_LOG_DONE), 0);
    tui_reqlog_free(l);
}

static void test_reqlog_names_the_rule_of_an_injected_error(void **state)
{
    struct tui_reqlog *l = tui_reqlog_new(0);
    struct bk_req r = req_of(9, BK_OP_READ, -ENOSPC), ok = req_of(10,
                                                                 BK_OP_READ, 0);
    struct bk_fault f = { .kind = BK_FAULT_ERROR, .rule = 3, .error = -ENOSPC,
                          .req = &r };
    struct bk_fault delay = { .kind = BK_FAULT_DELAY, .rule = 4, .req = &ok };

    (void)state;
    tui_reqlog_fault(l, &f);
    tui_reqlog_fault(l, &delay);        /* not an error: no rule noted */
    tui_reqlog_req_end(l, &r);
    tui_reqlog_req_end(l, &ok);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_ERROR, 0)->rule, 3);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_DONE, 1)->rule, 0);
    tui_reqlog_free(l);
}

static void test_reqlog_suspensions_and_mirrored_seq(void **state)
{
    struct tui_reqlog *l = tui_reqlog_new(0);
    struct bk_req r = req_of(5, BK_OP_WRITE, 0);
    struct tui_reqlog_entry e = { .seq = 40, .id = 7 };

    (void)state;
    r.suspend_event = "write_aio";
    tui_reqlog_debug(l, BK_NOTE_SUSPENDED, "A", &r);
    r.suspend_ns = bk_now_ns() - 1000000;
    tui_reqlog_debug(l, BK_NOTE_RESUMED, "A", &r);
    assert_int_equal(tui_reqlog_count(l, TUI_LOG_SUSP), 2);
    assert_false(tui_reqlog_get(l, TUI_LOG_SUSP, 0)->resumed);
    assert_true(tui_reqlog_get(l, TUI_LOG_SUSP, 1)->resumed);
    assert_string_equal(tui_reqlog_get(l, TUI_LOG_SUSP, 1)->tag, "A");
    assert_string_equal(tui_reqlog_get(l, TUI_LOG_SUSP, 1)->event,
                        "write_aio");
    assert_true(tui_reqlog_get(l, TUI_LOG_SUSP, 1)->lat_ns >= 1000000);
    /* A mirror keeps the run's numbers, and numbers on after them. */
    tui_reqlog_add(l, TUI_LOG_DONE, &e);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_DONE, 0)->seq, 40);
    e.seq = 0;
    tui_reqlog_add(l, TUI_LOG_DONE, &e);
    assert_int_equal(tui_reqlog_get(l, TUI_LOG_DONE, 1)->seq, 41);
    tui_reqlog_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reqlog_rings_keep_the_newest_in_order),
        cmocka_unit_test(test_reqlog_names_the_rule_of_an_injected_error),
        cmocka_unit_test(test_reqlog_suspensions_and_mirrored_seq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
