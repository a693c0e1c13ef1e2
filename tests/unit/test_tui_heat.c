/*
 * test_tui_heat.c — fading touches: intensity over time, merging of
 * sequential streams, bounded memory, and rendering onto view cells.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/heat.c"

#define SEC 1000000000LL
#define MS  1000000LL

static void test_heat_intensity_fades_linearly_to_zero(void **state)
{
    struct tui_heat *h = tui_heat_new(16, 2 * SEC, 0);
    assert_int_equal(tui_heat_intensity(h, 0), 255);
    assert_int_equal(tui_heat_intensity(h, SEC), 128);
    assert_true(tui_heat_intensity(h, 2 * SEC - 1) >= 1);
    assert_int_equal(tui_heat_intensity(h, 2 * SEC), 0);
    assert_int_equal(tui_heat_intensity(h, -5), 255);   /* clock skew */
    tui_heat_free(h);
}

static void test_heat_render_marks_cells_of_touch_by_kind(void **state)
{
    struct tui_heat *h = tui_heat_new(16, SEC, 0);
    struct tui_view v;
    uint8_t r[10], w[10];

    tui_view_init(&v, 10240, 10, 1);                  /* 1 KiB per cell */
    tui_heat_note(h, TUI_HEAT_WRITE, 2048, 2048, 0);  /* cells 2-3 */
    tui_heat_note(h, TUI_HEAT_READ, 9000, 100, 0);    /* cell 8 */
    tui_heat_render(h, &v, SEC / 2, (uint8_t *[]){ r, w });
    for (int i = 0; i < 10; i++) {
        assert_int_equal(w[i], (i == 2 || i == 3) ? 128 : 0);
        assert_int_equal(r[i], i == 8 ? 128 : 0);
    }
    /* Once faded, nothing is left and the TUI may stop redrawing. */
    assert_true(tui_heat_active(h, SEC / 2));
    tui_heat_render(h, &v, SEC, (uint8_t *[]){ r, w });
    assert_int_equal(w[2], 0);
    assert_false(tui_heat_active(h, SEC));
    tui_heat_free(h);
}

static void test_heat_newest_touch_wins_per_cell(void **state)
{
    struct tui_heat *h = tui_heat_new(16, SEC, 1);
    struct tui_view v;
    uint8_t w[4];

    tui_view_init(&v, 4096, 4, 1);
    tui_heat_note(h, TUI_HEAT_WRITE, 0, 4096, 0);
    tui_heat_note(h, TUI_HEAT_WRITE, 1024, 10, SEC / 2);
    tui_heat_render(h, &v, SEC / 2, (uint8_t *[]){ NULL, w });
    assert_int_equal(w[0], 128);
    assert_int_equal(w[1], 255);
    tui_heat_free(h);
}

static void test_heat_sequential_stream_merges_into_one_touch(void **state)
{
    struct tui_heat *h = tui_heat_new(16, SEC, 100 * MS);

    for (int i = 0; i < 1000; i++)
        tui_heat_note(h, TUI_HEAT_WRITE, i * 4096LL, 4096, i * 10000LL);
    assert_int_equal(tui_heat_count(h), 1);
    /* A gap in time, a different kind or a jump in offset starts anew. */
    tui_heat_note(h, TUI_HEAT_WRITE, 1000 * 4096LL, 4096, SEC);
    tui_heat_note(h, TUI_HEAT_READ, 1001 * 4096LL, 4096, SEC);
    tui_heat_note(h, TUI_HEAT_READ, 5000 * 4096LL, 4096, SEC);
    assert_int_equal(tui_heat_count(h), 4);
    tui_heat_free(h);
}

static void test_heat_memory_is_bounded_by_capacity(void **state)
{
    struct tui_heat *h = tui_heat_new(8, SEC, 1);
    struct tui_view v;
    uint8_t w[100];

    tui_view_init(&v, 100 * 1024, 100, 1);
    for (int i = 0; i < 100; i++)          /* random-ish, no merging */
        tui_heat_note(h, TUI_HEAT_WRITE, ((i * 37) % 100) * 1024LL, 1, i);
    assert_int_equal(tui_heat_count(h), 8);
    tui_heat_render(h, &v, 100, (uint8_t *[]){ NULL, w });
    {
        int lit = 0;
        for (int i = 0; i < 100; i++)
            lit += w[i] > 0;
        assert_int_equal(lit, 8);            /* only the newest 8 */
        assert_true(w[(99 * 37) % 100] > 0);
        assert_int_equal(w[(0 * 37) % 100], 0);
    }
    tui_heat_free(h);
}

static void test_heat_note_req_maps_ops_to_kinds(void **state)
{
    struct tui_heat *h = tui_heat_new(16, SEC, 1);
    struct tui_view v;
    uint8_t r[4], w[4];
    struct bk_req reqs[] = {
        { .op = BK_OP_READ, .offset = 0, .bytes = 10, .complete_ns = 5 },
        { .op = BK_OP_DISCARD, .offset = 1024, .bytes = 10, .complete_ns = 5 },
        { .op = BK_OP_WRITE_ZEROES, .offset = 2048, .bytes = 10, .complete_ns = 5 },
        { .op = BK_OP_FLUSH, .offset = 3072, .bytes = 0, .complete_ns = 5 },
    };

    tui_view_init(&v, 4096, 4, 1);
    for (int i = 0; i < 4; i++)
        tui_heat_note_req(h, &reqs[i]);
    tui_heat_render(h, &v, 5, (uint8_t *[]){ r, w });
    assert_true(r[0] && !w[0]);
    assert_true(w[1] && !r[1]);
    assert_true(w[2]);
    assert_true(!r[3] && !w[3]);
    tui_heat_free(h);
}

static void test_heat_level_buckets_intensity(void **state)
{
    assert_int_equal(tui_heat_level(0, 3), 0);
    assert_int_equal(tui_heat_level(1, 3), 1);
    assert_int_equal(tui_heat_level(85, 3), 1);
    assert_int_equal(tui_heat_level(86, 3), 2);
    assert_int_equal(tui_heat_level(255, 3), 3);
    assert_int_equal(tui_heat_level(255, 1), 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heat_intensity_fades_linearly_to_zero),
        cmocka_unit_test(test_heat_render_marks_cells_of_touch_by_kind),
        cmocka_unit_test(test_heat_newest_touch_wins_per_cell),
        cmocka_unit_test(test_heat_sequential_stream_merges_into_one_touch),
        cmocka_unit_test(test_heat_memory_is_bounded_by_capacity),
        cmocka_unit_test(test_heat_note_req_maps_ops_to_kinds),
        cmocka_unit_test(test_heat_level_buckets_intensity),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
