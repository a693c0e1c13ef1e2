/*
 * test_tui_layout.c — placing layout trees: exact tiling, fixed rows,
 * weighted shares, minimums and the "terminal too small" message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/layout.c"

/* Every cell of the area belongs to exactly one pane.  Only the Rules
 * and Clients panes, which have no minimum (and Clients is not in the
 * default arrangement), may be left without cells. */
static void assert_tiles(const struct tui_rect *r, size_t n, int w, int h)
{
    static unsigned char grid[300][300];
    memset(grid, 0, sizeof(grid));
    for (size_t p = 0; p < n; p++) {
        assert_true(r[p].w >= 0 && r[p].h >= 0);
        assert_true(p == TUI_PANE_RULES || p == TUI_PANE_CLIENTS ||
                    (r[p].w > 0 && r[p].h > 0));
        for (int y = r[p].y; y < r[p].y + r[p].h; y++)
            for (int x = r[p].x; x < r[p].x + r[p].w; x++) {
                assert_true(x >= 0 && x < w && y >= 0 && y < h);
                grid[y][x]++;
            }
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            assert_int_equal(grid[y][x], 1);
}

static void test_layout_default_tiles_common_terminal_sizes(void **state)
{
    static const int sizes[][2] = { { 80, 24 }, { 50, 17 }, { 132, 43 },
                                    { 251, 77 }, { 81, 25 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct tui_rect r[TUI_PANE__MAX] = { { 0, 0, 0, 0 } };
        struct tui_rect area = { 0, 0, sizes[i][0], sizes[i][1] };
        assert_int_equal(tui_layout_place(&tui_layout_default, area, r), 0);
        assert_int_equal(r[TUI_PANE_CLIENTS].w * r[TUI_PANE_CLIENTS].h, 0);
        assert_tiles(r, TUI_PANE__MAX, area.w, area.h);
        /* The framed command line (3 rows) and the status line, full
         * width, at the end. */
        assert_int_equal(r[TUI_PANE_CMDLINE].h, 3);
        assert_int_equal(r[TUI_PANE_CMDLINE].w, area.w);
        assert_int_equal(r[TUI_PANE_CMDLINE].y, area.h - 4);
        assert_int_equal(r[TUI_PANE_STATUS].y, area.h - 1);
    }
}

static void test_layout_exports_adds_clients_above_output(void **state)
{
    static const int sizes[][2] = { { 80, 24 }, { 132, 43 }, { 140, 40 },
                                    { 251, 77 } };
    int w, h, dw, dh;

    (void)state;
    tui_layout_min(&tui_layout_exports, &w, &h);
    tui_layout_min(&tui_layout_default, &dw, &dh);
    /* The Clients pane needs no room of its own. */
    assert_int_equal(h, dh);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct tui_rect r[TUI_PANE__MAX] = { { 0, 0, 0, 0 } };
        struct tui_rect area = { 0, 0, sizes[i][0], sizes[i][1] };

        assert_int_equal(tui_layout_place(&tui_layout_exports, area, r), 0);
        assert_tiles(r, TUI_PANE__MAX, area.w, area.h);
        assert_true(r[TUI_PANE_CLIENTS].h >= 3);
        assert_int_equal(r[TUI_PANE_CLIENTS].x, r[TUI_PANE_OUTPUT].x);
        assert_int_equal(r[TUI_PANE_CLIENTS].w, r[TUI_PANE_OUTPUT].w);
        assert_int_equal(r[TUI_PANE_OUTPUT].y,
                         r[TUI_PANE_CLIENTS].y + r[TUI_PANE_CLIENTS].h);
    }
}

static void test_layout_rules_pane_gives_way_when_small(void **state)
{
    struct tui_rect r[TUI_PANE__MAX];

    (void)state;
    assert_int_equal(tui_layout_place(&tui_layout_default,
                                      (struct tui_rect){ 0, 0, 50, 17 }, r),
                     0);
    assert_int_equal(r[TUI_PANE_RULES].h, 0);
    assert_int_equal(r[TUI_PANE_SUSPENDED].h, 3);
    assert_int_equal(tui_layout_place(&tui_layout_default,
                                      (struct tui_rect){ 0, 0, 132, 43 }, r),
                     0);
    assert_true(r[TUI_PANE_RULES].h >= 5);
    assert_int_equal(r[TUI_PANE_RULES].x, r[TUI_PANE_SUSPENDED].x);
    assert_int_equal(r[TUI_PANE_RULES].y,
                     r[TUI_PANE_SUSPENDED].y + r[TUI_PANE_SUSPENDED].h);
}

static void test_layout_minimum_and_too_small_message(void **state)
{
    struct tui_rect r[TUI_PANE__MAX];
    char buf[80];
    int w, h;

    tui_layout_min(&tui_layout_default, &w, &h);
    assert_int_equal(w, 50);
    assert_int_equal(h, 17);
    assert_int_equal(tui_layout_place(&tui_layout_default,
                                      (struct tui_rect){ 0, 0, 49, 40 }, r), -1);
    assert_int_equal(tui_layout_place(&tui_layout_default,
                                      (struct tui_rect){ 0, 0, 80, 16 }, r), -1);
    assert_string_equal(tui_layout_too_small(&tui_layout_default, 40, 10, buf,
                                             sizeof(buf)),
                        "Terminal too small: 50x17 needed, 40x10 available.");
}

static void test_layout_weights_share_extra_space(void **state)
{
    static const struct tui_lnode kids[] = {
        { .kind = TUI_LEAF, .pane = 0, .weight = 1, .min_w = 2, .min_h = 1 },
        { .kind = TUI_LEAF, .pane = 1, .weight = 3, .min_w = 2, .min_h = 1 },
        { .kind = TUI_LEAF, .pane = 2, .fixed = 5, .min_h = 1 },
    };
    static const struct tui_lnode root = { .kind = TUI_LR, .child = kids,
                                           .nchild = 3 };
    struct tui_rect r[3];

    assert_int_equal(tui_layout_place(&root, (struct tui_rect){ 10, 3, 49, 7 },
                                      r), 0);
    /* 49 - 5 fixed - 4 minimum = 40 extra: 10 and 30. */
    assert_int_equal(r[0].w, 12);
    assert_int_equal(r[1].w, 32);
    assert_int_equal(r[2].w, 5);
    assert_int_equal(r[0].x, 10);
    assert_int_equal(r[2].x, 10 + 44);
    assert_int_equal(r[1].y, 3);
    assert_int_equal(r[1].h, 7);
}

static void test_layout_equal_weights_differ_by_at_most_one(void **state)
{
    static const struct tui_lnode kids[] = {
        { .kind = TUI_LEAF, .pane = 0 }, { .kind = TUI_LEAF, .pane = 1 },
        { .kind = TUI_LEAF, .pane = 2 },
    };
    static const struct tui_lnode root = { .kind = TUI_TB, .child = kids,
                                           .nchild = 3 };
    struct tui_rect r[3];
    for (int h = 3; h < 40; h++) {
        assert_int_equal(tui_layout_place(&root, (struct tui_rect){ 0, 0, 5, h },
                                          r), 0);
        assert_int_equal(r[0].h + r[1].h + r[2].h, h);
        assert_true(r[0].h - r[2].h <= 1 && r[0].h >= r[2].h);
    }
}

/* Hidden panes give their room to the others: the rest still tiles the
 * screen exactly, and a split left empty disappears. */
static void test_layout_prune_hidden_panes(void **state)
{
    struct tui_lnode pool[48];
    struct tui_rect r[TUI_PANE__MAX];
    const struct tui_lnode *root;
    unsigned hidden = 1u << TUI_PANE_ALLOC | 1u << TUI_PANE_SUSPENDED;

    (void)state;
    memset(r, 0, sizeof(r));
    root = tui_layout_prune(&tui_layout_default, hidden, pool, 48);
    assert_int_equal(tui_layout_place(root, (struct tui_rect){ 0, 0, 80, 24 },
                                      r), 0);
    assert_int_equal(r[TUI_PANE_ALLOC].w, 0);
    assert_int_equal(r[TUI_PANE_SUSPENDED].w, 0);
    assert_int_equal(r[TUI_PANE_REQUESTS].w, 80);
    /* Both panes of the bottom row hidden: the row goes, the top grows. */
    memset(r, 0, sizeof(r));
    hidden = 1u << TUI_PANE_THROUGHPUT | 1u << TUI_PANE_OUTPUT;
    root = tui_layout_prune(&tui_layout_default, hidden, pool, 48);
    assert_int_equal(tui_layout_place(root, (struct tui_rect){ 0, 0, 80, 24 },
                                      r), 0);
    assert_int_equal(r[TUI_PANE_OUTPUT].h, 0);
    assert_int_equal(r[TUI_PANE_ALLOC].h, 24 - 3 - 1);
    /* A pool too small for the copy: the tree as it is. */
    assert_ptr_equal(tui_layout_prune(&tui_layout_default, 0, pool, 2),
                     &tui_layout_default);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_default_tiles_common_terminal_sizes),
        cmocka_unit_test(test_layout_prune_hidden_panes),
        cmocka_unit_test(test_layout_rules_pane_gives_way_when_small),
        cmocka_unit_test(test_layout_exports_adds_clients_above_output),
        cmocka_unit_test(test_layout_minimum_and_too_small_message),
        cmocka_unit_test(test_layout_weights_share_extra_space),
        cmocka_unit_test(test_layout_equal_weights_differ_by_at_most_one),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
