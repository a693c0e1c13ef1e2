/*
 * test_tui_glyphs.c — glyph choice by locale, one-column glyphs, cell and
 * graph glyph selection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "tui/glyphs.c"

static const char *const *all(const struct tui_glyphs *g, size_t *n)
{
    static const char *v[32];
    size_t k = 0;
    v[k++] = g->none; v[k++] = g->hole; v[k++] = g->data;
    for (int i = 0; i < 3; i++) v[k++] = g->mixed[i];
    for (int i = 0; i < 9; i++) v[k++] = g->bar[i];
    v[k++] = g->mark_outstanding; v[k++] = g->mark_suspended;
    v[k++] = g->mark_inject; v[k++] = g->more_left; v[k++] = g->more_right;
    v[k++] = g->more_up; v[k++] = g->more_down; v[k++] = g->ellipsis;
    v[k++] = g->pointer;
    *n = k;
    return v;
}

static void test_glyphs_codeset_names(void **state)
{
    assert_true(tui_glyphs_codeset_is_utf8("UTF-8"));
    assert_true(tui_glyphs_codeset_is_utf8("utf8"));
    assert_false(tui_glyphs_codeset_is_utf8("ANSI_X3.4-1968"));
    assert_false(tui_glyphs_codeset_is_utf8("ISO-8859-1"));
    assert_false(tui_glyphs_codeset_is_utf8(NULL));
}

static void test_glyphs_follow_the_locale(void **state)
{
    setlocale(LC_ALL, "C");
    assert_ptr_equal(tui_glyphs_from_locale(), &tui_glyphs_ascii);
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        print_message("skipped: this machine has no C.UTF-8 locale\n");
        skip();
    }
    assert_ptr_equal(tui_glyphs_from_locale(), &tui_glyphs_unicode);
    setlocale(LC_ALL, "C");
}

static void test_glyphs_ascii_set_is_single_ascii_bytes(void **state)
{
    size_t n;
    const char *const *v = all(&tui_glyphs_ascii, &n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(v[i]), 1);
        assert_true((unsigned char)v[i][0] >= 0x20 &&
                    (unsigned char)v[i][0] < 0x7f);
    }
}

static void test_glyphs_unicode_set_is_one_column_each(void **state)
{
    size_t n;
    const char *const *v = all(&tui_glyphs_unicode, &n);
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        print_message("skipped: this machine has no C.UTF-8 locale\n");
        skip();
    }
    for (size_t i = 0; i < n; i++) {
        wchar_t w[4];
        assert_int_equal(mbstowcs(w, v[i], 4), 1);
        if (wcwidth(w[0]) != 1)
            fail_msg("glyph %zu (%s) is %d columns", i, v[i], wcwidth(w[0]));
    }
    setlocale(LC_ALL, "C");
}

static void test_glyphs_cell_by_kind_and_fraction(void **state)
{
    const struct tui_glyphs *g = &tui_glyphs_ascii;
    struct tui_cell c = { TUI_CELL_HOLE, 0, 100 };
    assert_string_equal(tui_glyphs_cell(g, &c), ".");
    c = (struct tui_cell){ TUI_CELL_DATA, 100, 100 };
    assert_string_equal(tui_glyphs_cell(g, &c), "#");
    c = (struct tui_cell){ TUI_CELL_NONE, 0, 0 };
    assert_string_equal(tui_glyphs_cell(g, &c), " ");
    c = (struct tui_cell){ TUI_CELL_MIXED, 1, 3 };
    assert_string_equal(tui_glyphs_cell(g, &c), ":");
    c = (struct tui_cell){ TUI_CELL_MIXED, 2, 3 };
    assert_string_equal(tui_glyphs_cell(g, &c), "+");
    c = (struct tui_cell){ TUI_CELL_MIXED, 99, 100 };
    assert_string_equal(tui_glyphs_cell(g, &c), "%");
    assert_string_equal(tui_glyphs_cell(&tui_glyphs_unicode, &c), "\u2593");
}

static void test_glyphs_graph_fills_from_the_bottom(void **state)
{
    const struct tui_glyphs *g = &tui_glyphs_unicode;
    /* Height 2 rows = 16 eighths; 0.5 fills row 0, leaves row 1 empty. */
    assert_string_equal(tui_glyphs_graph(g, 0.5, 0, 2), g->bar[8]);
    assert_string_equal(tui_glyphs_graph(g, 0.5, 1, 2), g->bar[0]);
    /* 0.75: row 1 half full. */
    assert_string_equal(tui_glyphs_graph(g, 0.75, 1, 2), g->bar[4]);
    /* Tiny non-zero values still show; zero and NaN do not. */
    assert_string_equal(tui_glyphs_graph(g, 1e-9, 0, 4), g->bar[1]);
    assert_string_equal(tui_glyphs_graph(g, 0, 0, 4), g->bar[0]);
    assert_string_equal(tui_glyphs_graph(g, 0.0 / 0.0, 0, 4), g->bar[0]);
    assert_string_equal(tui_glyphs_graph(g, 7.0, 3, 4), g->bar[8]);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glyphs_codeset_names),
        cmocka_unit_test(test_glyphs_follow_the_locale),
        cmocka_unit_test(test_glyphs_ascii_set_is_single_ascii_bytes),
        cmocka_unit_test(test_glyphs_unicode_set_is_one_column_each),
        cmocka_unit_test(test_glyphs_cell_by_kind_and_fraction),
        cmocka_unit_test(test_glyphs_graph_fills_from_the_bottom),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
