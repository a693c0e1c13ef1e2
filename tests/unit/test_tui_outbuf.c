/*
 * test_tui_outbuf.c — Output scrollback: lines assembled from pieces per
 * stream, kinds kept, oldest lines dropped at the limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/outbuf.c"

static void test_outbuf_joins_pieces_into_one_line(void **state)
{
    struct tui_outbuf *ob = tui_outbuf_new(10);
    enum tui_out_kind k;

    tui_outbuf_add(ob, TUI_OUT_TEXT, "wrote ", 6);
    assert_int_equal(tui_outbuf_count(ob), 0);
    tui_outbuf_add(ob, TUI_OUT_TEXT, "4096/4096 bytes\nnext", 20);
    assert_int_equal(tui_outbuf_count(ob), 1);
    assert_string_equal(tui_outbuf_line(ob, 0, &k), "wrote 4096/4096 bytes");
    assert_int_equal(k, TUI_OUT_TEXT);
    tui_outbuf_flush(ob);
    assert_string_equal(tui_outbuf_line(ob, 1, NULL), "next");
    tui_outbuf_free(ob);
}

static void test_outbuf_keeps_streams_apart_within_a_line(void **state)
{
    struct tui_outbuf *ob = tui_outbuf_new(10);
    enum tui_out_kind k;

    tui_outbuf_add(ob, TUI_OUT_TEXT, "half ", 5);
    tui_outbuf_add(ob, TUI_OUT_ERROR, "error!\n", 7);
    tui_outbuf_add(ob, TUI_OUT_TEXT, "line\n", 5);
    assert_string_equal(tui_outbuf_line(ob, 0, &k), "error!");
    assert_int_equal(k, TUI_OUT_ERROR);
    assert_string_equal(tui_outbuf_line(ob, 1, &k), "half line");
    assert_int_equal(k, TUI_OUT_TEXT);
    tui_outbuf_free(ob);
}

static void test_outbuf_drops_oldest_past_max(void **state)
{
    struct tui_outbuf *ob = tui_outbuf_new(3);

    for (int i = 0; i < 5; i++)
        tui_outbuf_printf(ob, TUI_OUT_NOTE, "line %d", i);
    assert_int_equal(tui_outbuf_count(ob), 3);
    assert_int_equal(tui_outbuf_total(ob), 5);
    assert_string_equal(tui_outbuf_line(ob, 0, NULL), "line 2");
    assert_string_equal(tui_outbuf_line(ob, 2, NULL), "line 4");
    assert_null(tui_outbuf_line(ob, 3, NULL));
    tui_outbuf_free(ob);
}

static void test_outbuf_empty_lines_and_seq(void **state)
{
    struct tui_outbuf *ob = tui_outbuf_new(0);
    uint64_t s0 = tui_outbuf_seq(ob);

    tui_outbuf_add(ob, TUI_OUT_TEXT, "\n\n", 2);
    assert_int_equal(tui_outbuf_count(ob), 2);
    assert_string_equal(tui_outbuf_line(ob, 1, NULL), "");
    assert_true(tui_outbuf_seq(ob) > s0);
    tui_outbuf_free(ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbuf_joins_pieces_into_one_line),
        cmocka_unit_test(test_outbuf_keeps_streams_apart_within_a_line),
        cmocka_unit_test(test_outbuf_drops_oldest_past_max),
        cmocka_unit_test(test_outbuf_empty_lines_and_seq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
