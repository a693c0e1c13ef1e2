/*
 * test_tui_complete.c — Tab completion: word finding, candidate choice by
 * position, common prefixes, and applying the result to the line editor.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/complete.c"
#include "tui/lineedit.h"

static const char *const commands[] = {
    "aio_read", "aio_write", "break", "flush", "help", "read", "readv",
    "remove_break", "resume", "wait_break", "write", "writev", "r", "w", NULL,
};
static const char *const events[] = {
    "read_aio", "write_aio", "flush_to_os", "flush_to_disk", "pwritev",
    "pwritev_done", NULL,
};
static const char *const tags[] = { "tag1", "tag2", "slow", "tag1", NULL };

static const struct tui_complete_sources src = {
    .commands = commands, .events = events, .tags = tags,
};

static void test_complete_first_word_unique_command_gets_space(void **state)
{
    struct tui_completion c;
    assert_int_equal(tui_complete("fl", 2, &src, &c), 1);
    assert_int_equal(c.kind, CMD_WORD_COMMAND);
    assert_int_equal(c.start, 0);
    assert_int_equal(c.end, 2);
    assert_string_equal(c.insert, "flush ");
    tui_completion_fini(&c);
}

static void test_complete_ambiguous_gives_common_prefix_and_list(void **state)
{
    struct tui_completion c;
    assert_int_equal(tui_complete("  wri", 5, &src, &c), 2);
    assert_int_equal(c.start, 2);
    assert_string_equal(c.insert, "write");
    assert_string_equal(c.matches[0], "write");
    assert_string_equal(c.matches[1], "writev");
    tui_completion_fini(&c);

    /* No progress possible: the list is what the caller shows. */
    assert_int_equal(tui_complete("re", 2, &src, &c), 4);
    assert_string_equal(c.insert, "re");
    assert_string_equal(c.matches[0], "read");
    assert_string_equal(c.matches[3], "resume");
    tui_completion_fini(&c);
}

static void test_complete_empty_word_lists_all_commands(void **state)
{
    struct tui_completion c;
    assert_int_equal(tui_complete("", 0, &src, &c), 14);
    assert_string_equal(c.insert, "");
    tui_completion_fini(&c);
}

static void test_complete_break_args_are_event_then_tag(void **state)
{
    struct tui_completion c;
    assert_int_equal(tui_complete("break flush_to_", 15, &src, &c), 2);
    assert_int_equal(c.kind, CMD_WORD_EVENT);
    assert_string_equal(c.insert, "flush_to_");
    tui_completion_fini(&c);

    assert_int_equal(tui_complete("break write_aio t", 17, &src, &c), 2);
    assert_int_equal(c.kind, CMD_WORD_TAG);
    assert_string_equal(c.insert, "tag");      /* tag1 listed once */
    tui_completion_fini(&c);

    assert_int_equal(tui_complete("break write_aio tag1 x", 22, &src, &c), 0);
    assert_int_equal(c.kind, CMD_WORD_NONE);
    assert_null(c.insert);
    tui_completion_fini(&c);
}

static void test_complete_tag_commands_and_help(void **state)
{
    struct tui_completion c;
    assert_int_equal(tui_complete("resume s", 8, &src, &c), 1);
    assert_string_equal(c.insert, "slow ");
    tui_completion_fini(&c);
    assert_int_equal(tui_complete("remove_break ", 13, &src, &c), 3);
    tui_completion_fini(&c);
    assert_int_equal(tui_complete("help wa", 7, &src, &c), 1);
    assert_string_equal(c.insert, "wait_break ");
    tui_completion_fini(&c);
}

static void test_complete_offers_nothing_for_numbers_and_options(void **state)
{
    struct tui_completion c;
    assert_int_equal(tui_complete("read 0", 6, &src, &c), 0);
    assert_int_equal(c.kind, CMD_WORD_NONE);
    tui_completion_fini(&c);
    assert_int_equal(tui_complete("resume -", 8, &src, &c), 0);
    tui_completion_fini(&c);
    assert_int_equal(tui_complete("xyz", 3, &src, &c), 0);
    assert_int_equal(c.kind, CMD_WORD_COMMAND);
    tui_completion_fini(&c);
}

static void test_complete_mid_line_completes_word_before_cursor(void **state)
{
    struct tui_completion c;
    /* Cursor after "fl" in "fl 0 4k": no extra space before the blank. */
    assert_int_equal(tui_complete("fl 0 4k", 2, &src, &c), 1);
    assert_string_equal(c.insert, "flush");
    tui_completion_fini(&c);
}

static enum cmd_word custom_kind(const char *command, int argi, void *arg)
{
    (*(int *)arg)++;
    return strcmp(command, "tagit") == 0 ? CMD_WORD_TAG : CMD_WORD_NONE;
}

static void test_complete_uses_caller_arg_kind(void **state)
{
    int calls = 0;
    struct tui_complete_sources s = src;
    struct tui_completion c;
    s.arg_kind = custom_kind;
    s.arg = &calls;
    assert_int_equal(tui_complete("tagit  ta", 9, &s, &c), 2);
    assert_int_equal(calls, 1);
    tui_completion_fini(&c);
}

static void test_complete_result_applies_to_line_editor(void **state)
{
    struct tui_lineedit le;
    struct tui_completion c;
    tui_lineedit_init(&le);
    tui_lineedit_set(&le, "wait_b");
    assert_int_equal(tui_complete(tui_lineedit_text(&le),
                                  tui_lineedit_cursor(&le), &src, &c), 1);
    tui_lineedit_replace(&le, c.start, c.end, c.insert);
    assert_string_equal(tui_lineedit_text(&le), "wait_break ");
    assert_int_equal(tui_lineedit_cursor(&le), 11);
    tui_completion_fini(&c);
    tui_lineedit_fini(&le);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_first_word_unique_command_gets_space),
        cmocka_unit_test(test_complete_ambiguous_gives_common_prefix_and_list),
        cmocka_unit_test(test_complete_empty_word_lists_all_commands),
        cmocka_unit_test(test_complete_break_args_are_event_then_tag),
        cmocka_unit_test(test_complete_tag_commands_and_help),
        cmocka_unit_test(test_complete_offers_nothing_for_numbers_and_options),
        cmocka_unit_test(test_complete_mid_line_completes_word_before_cursor),
        cmocka_unit_test(test_complete_uses_caller_arg_kind),
        cmocka_unit_test(test_complete_result_applies_to_line_editor),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
