/*
 * test_tui_viewport.c — zoom, pan and cell arithmetic of the Allocation pane.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/viewport.c"
#include "tui/extmap.h"

#define TiB (1024LL * 1024 * 1024 * 1024)

static void test_view_init_shows_whole_image(void **state)
{
    struct tui_view v;
    tui_view_init(&v, TiB, 1000, 0);
    assert_int_equal(v.start, 0);
    assert_int_equal(v.span, TiB);
    assert_int_equal(v.min_cell, TUI_VIEW_MIN_CELL);
    assert_int_equal(tui_view_cell_start(&v, 0), 0);
    assert_int_equal(tui_view_cell_start(&v, 1000), TiB);
}

static void test_view_cells_tile_the_view_without_gaps(void **state)
{
    struct tui_view v;
    tui_view_init(&v, 1000003, 7, 1);
    for (size_t i = 0; i < 7; i++) {
        int64_t a = tui_view_cell_start(&v, i), b = tui_view_cell_start(&v, i + 1);
        assert_true(b - a == 1000003 / 7 || b - a == 1000003 / 7 + 1);
        assert_int_equal(tui_view_cell_of(&v, a), i);
        assert_int_equal(tui_view_cell_of(&v, b - 1), i);
    }
    assert_int_equal(tui_view_cell_of(&v, 1000003), -1);
    assert_int_equal(tui_view_cell_of(&v, -1), -1);
}

static void test_view_cell_of_is_exact_at_exabyte_scale(void **state)
{
    struct tui_view v;
    int64_t len = INT64_MAX / 4;
    tui_view_init(&v, len, 4099, 0);
    for (size_t i = 0; i < 4099; i += 97) {
        int64_t a = tui_view_cell_start(&v, i);
        assert_int_equal(tui_view_cell_of(&v, a), i);
        assert_int_equal(tui_view_cell_of(&v, a - 1), (long)i - (i ? 1 : 1 + i));
    }
}

static void test_view_zoom_keeps_focus_byte_in_focus_cell(void **state)
{
    struct tui_view v;
    int64_t focus;
    tui_view_init(&v, TiB, 100, 0);
    focus = tui_view_cell_start(&v, 30) + v.span / 200;   /* mid cell 30 */
    assert_true(tui_view_zoom(&v, 1, 30));
    assert_int_equal(v.span, TiB / 2);
    assert_int_equal(tui_view_cell_of(&v, focus), 30);
    assert_true(tui_view_zoom(&v, 3, 30));
    assert_int_equal(v.span, TiB / 16);
    assert_int_equal(tui_view_cell_of(&v, focus), 30);
    assert_true(tui_view_zoom(&v, -4, 30));
    assert_int_equal(v.span, TiB);
    assert_int_equal(v.start, 0);
    assert_false(tui_view_zoom(&v, -1, 30));    /* already whole */
}

static void test_view_zoom_in_stops_at_min_cell(void **state)
{
    struct tui_view v;
    tui_view_init(&v, TiB, 100, 512);
    tui_view_zoom(&v, 60, 0);
    assert_int_equal(v.span, 100 * 512);
    assert_false(tui_view_zoom(&v, 1, 0));
    assert_int_equal(tui_view_cell_bytes(&v), 512.0);
}

static void test_view_zoom_near_the_end_clamps_inside_image(void **state)
{
    struct tui_view v;
    int64_t last = (1 << 30) - 1;
    tui_view_init(&v, 1 << 30, 64, 0);
    tui_view_zoom(&v, 2, 63);
    assert_int_equal(v.span, 1 << 28);
    assert_true(tui_view_end(&v) <= 1 << 30);
    assert_int_equal(tui_view_cell_of(&v, (1 << 30) - (1 << 30) / 128), 63);
    /* The last byte's cell, zoomed in fully, still fits the image. */
    tui_view_zoom(&v, 40, 63);
    assert_true(tui_view_end(&v) <= 1 << 30);
    tui_view_center(&v, last);
    assert_int_equal(tui_view_end(&v), 1 << 30);
    assert_int_equal(tui_view_cell_of(&v, last), 63);
}

static void test_view_pan_and_page_clamp(void **state)
{
    struct tui_view v;
    tui_view_init(&v, 1 << 30, 64, 0);
    tui_view_zoom(&v, 3, 0);                     /* 1/8 of the image */
    assert_true(tui_view_pan(&v, -1000));
    assert_int_equal(v.start, 0);
    assert_false(tui_view_pan(&v, -5));
    assert_true(tui_view_pan(&v, 1));
    assert_int_equal(v.start, v.span / 64);
    assert_true(tui_view_page(&v, 100));
    assert_int_equal(tui_view_end(&v), 1 << 30);
    assert_true(tui_view_page(&v, -1));
    assert_int_equal(tui_view_end(&v), (1 << 30) - v.span);
    assert_true(tui_view_whole(&v));
    assert_int_equal(v.span, 1 << 30);
    tui_view_zoom(&v, 4, 0);
    assert_true(tui_view_center(&v, 1 << 29));
    assert_int_equal(v.start + v.span / 2, 1 << 29);
}

static void test_view_cells_of_marks_request_cells(void **state)
{
    struct tui_view v;
    size_t a, b;
    tui_view_init(&v, 100 * 1024, 100, 1);      /* 1 KiB per cell */
    assert_true(tui_view_cells_of(&v, 1024 * 10 + 5, 2048, &a, &b));
    assert_int_equal(a, 10);
    assert_int_equal(b, 12);
    assert_true(tui_view_cells_of(&v, 5000, 0, &a, &b));   /* flush-like */
    assert_int_equal(a, 4);
    assert_int_equal(b, 4);
    assert_false(tui_view_cells_of(&v, 200 * 1024, 4096, &a, &b));
    assert_true(tui_view_cells_of(&v, -4096, 8192, &a, &b));
    assert_int_equal(a, 0);
    assert_int_equal(b, 3);
}

static void test_view_resize_and_length_change(void **state)
{
    struct tui_view v;
    tui_view_init(&v, 1 << 20, 100, 0);
    tui_view_set_length(&v, 1 << 21);            /* whole stays whole */
    assert_int_equal(v.span, 1 << 21);
    tui_view_zoom(&v, 2, 99);
    tui_view_set_length(&v, 1 << 19);            /* zoomed: clamped */
    assert_true(tui_view_end(&v) <= 1 << 19);
    tui_view_resize(&v, 2000);                   /* 2000 * 512 > length */
    assert_int_equal(v.span, 1 << 19);
    tui_view_init(&v, 100, 80, 0);               /* tiny image */
    assert_int_equal(v.span, 100);
}

/* The pane's cells and extmap's classification agree on every edge. */
static void test_view_edges_match_extmap_classify(void **state)
{
    struct tui_view v;
    struct tui_extmap *m = tui_extmap_new(1000003);
    struct tui_cell c[13];
    tui_view_init(&v, 1000003, 13, 1);
    tui_view_zoom(&v, 1, 5);
    for (size_t i = 0; i < 13; i++) {
        tui_extmap_set_hole(m, 0, 1000003);
        tui_extmap_set_data(m, tui_view_cell_start(&v, i), 1);
        tui_extmap_classify(m, v.start, tui_view_end(&v), 13, c);
        for (size_t j = 0; j < 13; j++)
            assert_int_equal(c[j].kind, j == i ? TUI_CELL_MIXED : TUI_CELL_HOLE);
    }
    tui_extmap_free(m);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_init_shows_whole_image),
        cmocka_unit_test(test_view_cells_tile_the_view_without_gaps),
        cmocka_unit_test(test_view_cell_of_is_exact_at_exabyte_scale),
        cmocka_unit_test(test_view_zoom_keeps_focus_byte_in_focus_cell),
        cmocka_unit_test(test_view_zoom_in_stops_at_min_cell),
        cmocka_unit_test(test_view_zoom_near_the_end_clamps_inside_image),
        cmocka_unit_test(test_view_pan_and_page_clamp),
        cmocka_unit_test(test_view_cells_of_marks_request_cells),
        cmocka_unit_test(test_view_resize_and_length_change),
        cmocka_unit_test(test_view_edges_match_extmap_classify),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
