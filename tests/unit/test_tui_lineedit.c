/*
 * test_tui_lineedit.c — the command line editor as a key-driven state
 * machine, its horizontal scrolling, and the key codes it reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <locale.h>
#include <cmocka.h>

#include "tui/lineedit.c"
#include "tui/key.h"
#include <curses.h>

static int setup(void **state)
{
    struct tui_lineedit *le = malloc(sizeof(*le));
    tui_lineedit_init(le);
    *state = le;
    return 0;
}

static int teardown(void **state)
{
    tui_lineedit_fini(*state);
    free(*state);
    return 0;
}

static void type(struct tui_lineedit *le, const char *s)
{
    for (; *s; s++)
        assert_true(tui_lineedit_key(le, (unsigned char)*s) & TUI_LE_CHANGED);
}

static void press(struct tui_lineedit *le, int key, int times)
{
    while (times--)
        tui_lineedit_key(le, key);
}

static void test_lineedit_typing_inserts_at_cursor(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "read 0 4k");
    assert_string_equal(tui_lineedit_text(le), "read 0 4k");
    assert_int_equal(tui_lineedit_cursor(le), 9);
    press(le, TUI_KEY_LEFT, 4);
    type(le, "-v ");
    assert_string_equal(tui_lineedit_text(le), "read -v 0 4k");
    assert_int_equal(tui_lineedit_cursor(le), 8);
}

static void test_lineedit_home_end_and_ctrl_a_e(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "flush");
    assert_true(tui_lineedit_key(le, TUI_KEY_HOME) & TUI_LE_MOVED);
    assert_int_equal(tui_lineedit_cursor(le), 0);
    assert_true(tui_lineedit_key(le, TUI_KEY_HOME) & TUI_LE_BELL);
    tui_lineedit_key(le, TUI_KEY_CTRL('E'));
    assert_int_equal(tui_lineedit_cursor(le), 5);
    tui_lineedit_key(le, TUI_KEY_CTRL('A'));
    assert_int_equal(tui_lineedit_cursor(le), 0);
    tui_lineedit_key(le, TUI_KEY_END);
    assert_int_equal(tui_lineedit_cursor(le), 5);
    assert_true(tui_lineedit_key(le, TUI_KEY_RIGHT) & TUI_LE_BELL);
}

static void test_lineedit_backspace_and_delete(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "abcd");
    assert_true(tui_lineedit_key(le, TUI_KEY_BACKSPACE) & TUI_LE_CHANGED);
    assert_string_equal(tui_lineedit_text(le), "abc");
    press(le, TUI_KEY_HOME, 1);
    assert_true(tui_lineedit_key(le, TUI_KEY_BACKSPACE) & TUI_LE_BELL);
    assert_true(tui_lineedit_key(le, TUI_KEY_DELETE) & TUI_LE_CHANGED);
    assert_string_equal(tui_lineedit_text(le), "bc");
    assert_int_equal(tui_lineedit_cursor(le), 0);
    tui_lineedit_key(le, TUI_KEY_CTRL('D'));
    tui_lineedit_key(le, TUI_KEY_CTRL('D'));
    assert_string_equal(tui_lineedit_text(le), "");
    assert_true(tui_lineedit_key(le, TUI_KEY_CTRL('D')) & TUI_LE_EOF);
}

static void test_lineedit_ctrl_k_kills_to_end_and_ctrl_y_yanks(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "write -P 0xaa 0 64k");
    press(le, TUI_KEY_CTRL_LEFT, 2);
    assert_int_equal(tui_lineedit_cursor(le), 14);
    unsigned r = tui_lineedit_key(le, TUI_KEY_CTRL('K'));
    assert_true(r & TUI_LE_CHANGED);
    assert_false(r & TUI_LE_MOVED);
    assert_string_equal(tui_lineedit_text(le), "write -P 0xaa ");
    assert_int_equal(tui_lineedit_cursor(le), 14);
    assert_true(tui_lineedit_key(le, TUI_KEY_CTRL('K')) & TUI_LE_BELL);
    press(le, TUI_KEY_HOME, 1);
    tui_lineedit_key(le, TUI_KEY_CTRL('Y'));
    assert_string_equal(tui_lineedit_text(le), "0 64kwrite -P 0xaa ");
    assert_int_equal(tui_lineedit_cursor(le), 5);
}

static void test_lineedit_ctrl_u_kills_to_start(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "resume tag1");
    press(le, TUI_KEY_LEFT, 4);
    tui_lineedit_key(le, TUI_KEY_CTRL('U'));
    assert_string_equal(tui_lineedit_text(le), "tag1");
    assert_int_equal(tui_lineedit_cursor(le), 0);
}

static void test_lineedit_ctrl_w_kills_previous_word(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "break read_aio  tag1  ");
    tui_lineedit_key(le, TUI_KEY_CTRL('W'));
    assert_string_equal(tui_lineedit_text(le), "break read_aio  ");
    tui_lineedit_key(le, TUI_KEY_CTRL('W'));
    assert_string_equal(tui_lineedit_text(le), "break ");
    /* From the middle of a word: only the part before the cursor goes. */
    type(le, "write_aio");
    press(le, TUI_KEY_LEFT, 3);
    tui_lineedit_key(le, TUI_KEY_CTRL('W'));
    assert_string_equal(tui_lineedit_text(le), "break aio");
    assert_int_equal(tui_lineedit_cursor(le), 6);
    tui_lineedit_key(le, TUI_KEY_CTRL('Y'));
    assert_string_equal(tui_lineedit_text(le), "break write_aio");
}

static void test_lineedit_enter_accepts_and_unknown_keys_pass(void **state)
{
    struct tui_lineedit *le = *state;
    type(le, "info");
    assert_true(tui_lineedit_key(le, TUI_KEY_ENTER) & TUI_LE_ACCEPT);
    assert_int_equal(tui_lineedit_key(le, TUI_KEY_UP), 0);
    assert_int_equal(tui_lineedit_key(le, TUI_KEY_TAB), 0);
    assert_int_equal(tui_lineedit_key(le, TUI_KEY_F(5)), 0);
    assert_string_equal(tui_lineedit_text(le), "info");
}

static void test_lineedit_moves_over_utf8_characters(void **state)
{
    struct tui_lineedit *le = *state;
    tui_lineedit_key(le, 'a');
    tui_lineedit_key(le, 0x00e9);               /* é: 2 bytes */
    tui_lineedit_key(le, 0x20ac);               /* €: 3 bytes */
    assert_string_equal(tui_lineedit_text(le), "a\xc3\xa9\xe2\x82\xac");
    assert_int_equal(tui_lineedit_cursor(le), 6);
    tui_lineedit_key(le, TUI_KEY_LEFT);
    assert_int_equal(tui_lineedit_cursor(le), 3);
    tui_lineedit_key(le, TUI_KEY_BACKSPACE);
    assert_string_equal(tui_lineedit_text(le), "a\xe2\x82\xac");
    assert_int_equal(tui_lineedit_cursor(le), 1);
}

static void test_lineedit_set_and_replace(void **state)
{
    struct tui_lineedit *le = *state;
    tui_lineedit_set(le, "rea 0 1");
    assert_int_equal(tui_lineedit_cursor(le), 7);
    assert_true(tui_lineedit_replace(le, 0, 3, "read"));
    assert_string_equal(tui_lineedit_text(le), "read 0 1");
    assert_int_equal(tui_lineedit_cursor(le), 4);
    tui_lineedit_clear(le);
    assert_string_equal(tui_lineedit_text(le), "");
}

static void test_lineedit_refuses_lines_past_the_limit(void **state)
{
    struct tui_lineedit *le = *state;
    char *big = malloc(TUI_LINEEDIT_MAX + 1);
    memset(big, 'x', TUI_LINEEDIT_MAX);
    big[TUI_LINEEDIT_MAX] = '\0';
    assert_true(tui_lineedit_insert(le, big));
    assert_true(tui_lineedit_key(le, 'y') & TUI_LE_BELL);
    assert_int_equal(strlen(tui_lineedit_text(le)), TUI_LINEEDIT_MAX);
    free(big);
}

static void test_lineedit_layout_scrolls_only_to_keep_cursor_visible(void **state)
{
    struct tui_lineedit *le = *state;
    struct tui_lineedit_layout l;

    type(le, "0123456789");
    tui_lineedit_layout(le, 20, &l);             /* fits: no scroll */
    assert_int_equal(l.first, 0);
    assert_int_equal(l.bytes, 10);
    assert_int_equal(l.cursor_col, 10);
    assert_false(l.more_left || l.more_right);

    tui_lineedit_layout(le, 8, &l);              /* cursor at end, col 10 */
    assert_int_equal(l.first, 3);
    assert_int_equal(l.cursor_col, 7);
    assert_true(l.more_left);
    assert_false(l.more_right);
    assert_int_equal(l.bytes, 7);

    press(le, TUI_KEY_LEFT, 3);                  /* still visible: steady */
    tui_lineedit_layout(le, 8, &l);
    assert_int_equal(l.first, 3);
    assert_int_equal(l.cursor_col, 4);

    tui_lineedit_key(le, TUI_KEY_HOME);          /* jump left */
    tui_lineedit_layout(le, 8, &l);
    assert_int_equal(l.first, 0);
    assert_int_equal(l.cursor_col, 0);
    assert_true(l.more_right);
    assert_int_equal(l.bytes, 8);
}

static void test_lineedit_layout_pulls_back_after_kill(void **state)
{
    struct tui_lineedit *le = *state;
    struct tui_lineedit_layout l;

    type(le, "abcdefghijklmnopqrstuvwxyz");
    tui_lineedit_layout(le, 10, &l);
    assert_int_equal(l.first, 17);
    press(le, TUI_KEY_BACKSPACE, 5);
    press(le, TUI_KEY_CTRL('W'), 1);              /* now empty */
    tui_lineedit_layout(le, 10, &l);
    assert_int_equal(l.first, 0);
    assert_int_equal(l.cursor_col, 0);
}

static void test_lineedit_layout_counts_wide_characters(void **state)
{
    struct tui_lineedit *le = *state;
    struct tui_lineedit_layout l;

    if (!setlocale(LC_CTYPE, "C.UTF-8") || wcwidth(0x4e2d) != 2) {
        print_message("skipped: no C.UTF-8 locale with wide characters\n");
        skip();
    }
    for (int i = 0; i < 6; i++)
        tui_lineedit_key(le, 0x4e2d);            /* 中, 2 columns */
    tui_lineedit_layout(le, 5, &l);              /* 13 columns with cursor */
    assert_int_equal(l.cursor_col, 4);
    assert_int_equal(l.first, 12);               /* two characters shown */
    assert_int_equal(l.bytes, 6);
    assert_int_equal(l.first_col, 0);
    setlocale(LC_CTYPE, "C");
}

static void test_key_names_and_normalisation(void **state)
{
    char buf[32];
    assert_string_equal(tui_key_name(TUI_KEY_CTRL('A'), buf, sizeof(buf)), "Ctrl-A");
    assert_string_equal(tui_key_name(TUI_KEY_F(10), buf, sizeof(buf)), "F10");
    assert_string_equal(tui_key_name(TUI_KEY_BTAB, buf, sizeof(buf)), "Shift-Tab");
    assert_string_equal(tui_key_name('r', buf, sizeof(buf)), "r");
    assert_int_equal(tui_key_from_char('\r'), TUI_KEY_ENTER);
    assert_int_equal(tui_key_from_char('\n'), TUI_KEY_ENTER);
    assert_int_equal(tui_key_from_char(0x7f), TUI_KEY_BACKSPACE);
    assert_int_equal(tui_key_from_char('\t'), TUI_KEY_TAB);
    assert_int_equal(tui_key_from_char('a'), 'a');
    assert_int_equal(tui_key_from_curses(KEY_F(5)), TUI_KEY_F(5));
    assert_int_equal(tui_key_from_curses(KEY_LEFT), TUI_KEY_LEFT);
    assert_int_equal(tui_key_from_curses(KEY_BACKSPACE), TUI_KEY_BACKSPACE);
    assert_true(tui_key_is_text(0x20ac));
    assert_false(tui_key_is_text(TUI_KEY_CTRL('W')));
    assert_false(tui_key_is_text(TUI_KEY_UP));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        T(test_lineedit_typing_inserts_at_cursor),
        T(test_lineedit_home_end_and_ctrl_a_e),
        T(test_lineedit_backspace_and_delete),
        T(test_lineedit_ctrl_k_kills_to_end_and_ctrl_y_yanks),
        T(test_lineedit_ctrl_u_kills_to_start),
        T(test_lineedit_ctrl_w_kills_previous_word),
        T(test_lineedit_enter_accepts_and_unknown_keys_pass),
        T(test_lineedit_moves_over_utf8_characters),
        T(test_lineedit_set_and_replace),
        T(test_lineedit_refuses_lines_past_the_limit),
        T(test_lineedit_layout_scrolls_only_to_keep_cursor_visible),
        T(test_lineedit_layout_pulls_back_after_kill),
        T(test_lineedit_layout_counts_wide_characters),
        cmocka_unit_test(test_key_names_and_normalisation),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
