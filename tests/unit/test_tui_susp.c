/*
 * test_tui_susp.c — suspension times by request id: first notice wins,
 * forgetting, and the sweep that drops what is no longer suspended.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/susp.c"

static void test_susp_keeps_first_suspension_time(void **state)
{
    struct tui_susp *s = tui_susp_new();
    int64_t t;

    tui_susp_note(s, 7, 100);
    tui_susp_note(s, 7, 200);
    assert_true(tui_susp_since(s, 7, &t));
    assert_int_equal(t, 100);
    assert_false(tui_susp_since(s, 8, &t));
    tui_susp_forget(s, 7);
    assert_false(tui_susp_since(s, 7, &t));
    tui_susp_forget(s, 7);           /* unknown: no harm */
    tui_susp_free(s);
}

static void test_susp_sweep_drops_unseen(void **state)
{
    struct tui_susp *s = tui_susp_new();

    for (uint64_t id = 1; id <= 100; id++)
        tui_susp_note(s, id * 3 % 101, (int64_t)id);   /* any order */
    assert_int_equal(tui_susp_count(s), 100);
    assert_int_equal(tui_susp_seen(s, 3, 999), 1);
    assert_int_equal(tui_susp_seen(s, 500, 999), 999);  /* new: now */
    tui_susp_sweep(s);
    assert_int_equal(tui_susp_count(s), 2);
    tui_susp_sweep(s);                /* nothing marked since */
    assert_int_equal(tui_susp_count(s), 0);
    tui_susp_free(s);
}

static void test_susp_lookup_stays_sorted(void **state)
{
    struct tui_susp *s = tui_susp_new();
    int64_t t;

    for (uint64_t id = 1000; id > 0; id--)
        tui_susp_note(s, id, (int64_t)id * 10);
    for (uint64_t id = 1; id <= 1000; id++) {
        assert_true(tui_susp_since(s, id, &t));
        assert_int_equal(t, (int64_t)id * 10);
    }
    tui_susp_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_susp_keeps_first_suspension_time),
        cmocka_unit_test(test_susp_sweep_drops_unseen),
        cmocka_unit_test(test_susp_lookup_stays_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
