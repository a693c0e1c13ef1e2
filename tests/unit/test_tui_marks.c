/*
 * test_tui_marks.c — request and rule markers on Allocation cells: the
 * cells a range covers, and priority when they overlap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/marks.c"

static void test_marks_cover_cells_of_range(void **state)
{
    struct tui_view v;
    uint8_t m[10];

    tui_view_init(&v, 10240, 10, 1);       /* 1 KiB per cell */
    memset(m, 0, sizeof(m));
    tui_marks_add(m, &v, 2048, 2048, TUI_MARK_OUTSTANDING);
    for (int i = 0; i < 10; i++)
        assert_int_equal(m[i], (i == 2 || i == 3) ? TUI_MARK_OUTSTANDING
                                                  : TUI_MARK_NONE);
}

static void test_marks_suspended_wins_over_outstanding_and_inject(void **state)
{
    struct tui_view v;
    uint8_t m[10];

    tui_view_init(&v, 10240, 10, 1);
    memset(m, 0, sizeof(m));
    tui_marks_add(m, &v, 0, 10240, TUI_MARK_INJECT);
    tui_marks_add(m, &v, 4096, 1, TUI_MARK_SUSPENDED);
    tui_marks_add(m, &v, 4096, 2048, TUI_MARK_OUTSTANDING);
    assert_int_equal(m[0], TUI_MARK_INJECT);
    assert_int_equal(m[4], TUI_MARK_SUSPENDED);
    assert_int_equal(m[5], TUI_MARK_OUTSTANDING);
}

static void test_marks_out_of_view_and_zero_length(void **state)
{
    struct tui_view v;
    uint8_t m[4];

    tui_view_init(&v, 1 << 20, 4, 0);
    v.span = 512 * 1024;                   /* the first half of the image */
    memset(m, 0, sizeof(m));
    tui_marks_add(m, &v, 900 * 1024, 4096, TUI_MARK_OUTSTANDING);
    for (int i = 0; i < 4; i++)
        assert_int_equal(m[i], TUI_MARK_NONE);
    tui_marks_add(m, &v, 0, 0, TUI_MARK_SUSPENDED);   /* a flush at 0 */
    assert_int_equal(m[0], TUI_MARK_SUSPENDED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks_cover_cells_of_range),
        cmocka_unit_test(test_marks_suspended_wins_over_outstanding_and_inject),
        cmocka_unit_test(test_marks_out_of_view_and_zero_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
