/*
 * test_tui_graph.c — fitting a minute of samples to a pane's columns and
 * choosing a nice scale.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/graph.c"

static void test_graph_resample_averages_when_narrower(void **state)
{
    double in[8] = { 1, 3, 5, 7, 0, 0, 10, 10 }, out[4];

    tui_graph_resample(in, 8, out, 4);
    assert_true(out[0] == 2 && out[1] == 6 && out[2] == 0 && out[3] == 10);
}

static void test_graph_resample_repeats_when_wider(void **state)
{
    double in[2] = { 1, 9 }, out[4];

    tui_graph_resample(in, 2, out, 4);
    assert_true(out[0] == 1 && out[1] == 1 && out[2] == 9 && out[3] == 9);
    tui_graph_resample(in, 0, out, 4);
    assert_true(out[0] == 0 && out[3] == 0);
}

static void test_graph_scale_is_one_two_five(void **state)
{
    double a[] = { 0.3 }, b[] = { 100 }, c[] = { 101 }, d[] = { 1000 },
           e[] = { 0 }, f[] = { 4.1, 1 };

    assert_true(tui_graph_scale(a, 1, 0) == 0.5);
    assert_true(tui_graph_scale(b, 1, 0) == 100);
    assert_true(tui_graph_scale(c, 1, 0) == 200);
    assert_true(tui_graph_scale(d, 1, 0) == 1000);
    assert_true(tui_graph_scale(e, 1, 0) == 1);
    assert_true(tui_graph_scale(e, 1, 0.1) > 0.099 &&
                tui_graph_scale(e, 1, 0.1) < 0.101);
    assert_true(tui_graph_scale(f, 2, 0) == 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_resample_averages_when_narrower),
        cmocka_unit_test(test_graph_resample_repeats_when_wider),
        cmocka_unit_test(test_graph_scale_is_one_two_five),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
