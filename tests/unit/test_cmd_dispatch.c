/*
 * test_cmd_dispatch.c — the command table and the shared checks: lookup,
 * "no file open", arity, help.  None needs an image: the session has no
 * device, as qemu-io has none before "open".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "cmd/modes.h"
#include "tests/unit/cmd_capture.h"

/* qemu-io 7.2's "help", recorded from the real program. */
static const char help_all_text[] =
        "abort -- simulate a program crash using abort(3)\n"
        "aio_flush -- completes all outstanding aio requests\n"
        "aio_read [-Ciqv] [-P pattern] off len [len..] -- asynchronously reads a number of bytes\n"
        "aio_write [-Cfiquz] [-P pattern] off len [len..] -- asynchronously writes a number of bytes\n"
        "alloc offset [count] -- checks if offset is allocated in the file\n"
        "break event tag -- sets a breakpoint on event and tags the stopped request as tag\n"
        "close -- close the current open file\n"
        "discard [-Cq] off len -- discards a number of bytes at a specified offset\n"
        "flush -- flush all in-core file state to disk\n"
        "help [command] -- help for one or all commands\n"
        "info -- prints information about the current file\n"
        "length -- gets the length of the current file\n"
        "map  -- prints the allocated areas of a file\n"
        "open [-rsCnkU] [-t cache] [-d discard] [-o options] [path] -- open the file specified by path\n"
        "quit -- exit the program\n"
        "read [-abCqv] [-P pattern [-s off] [-l len]] off len -- reads a number of bytes at a specified offset\n"
        "readv [-Cqv] [-P pattern] off len [len..] -- reads a number of bytes at a specified offset\n"
        "remove_break tag -- remove a breakpoint by tag\n"
        "reopen [(-r|-w)] [-c cache] [-o options] -- reopens an image with new options\n"
        "resume tag -- resumes the request tagged as tag\n"
        "sigraise signal -- raises a signal\n"
        "sleep -- waits for the given value in milliseconds\n"
        "truncate [-m prealloc_mode] off -- truncates the current file at the given offset\n"
        "wait_break tag -- waits for the suspension of a request\n"
        "write [-bcCfnquz] [-P pattern | -s source_file] off len -- writes a number of bytes at a specified offset\n"
        "writev [-Cfq] [-P pattern] off len [len..] -- writes a number of bytes at a specified offset\n"
        "\n"
        "Use 'help commandname' for extended help.\n";

static const char help_read_text[] =
        "read [-abCqv] [-P pattern [-s off] [-l len]] off len -- reads a number of bytes at a specified offset\n"
        "\n"
        " reads a range of bytes from the given offset\n"
        "\n"
        " Example:\n"
        " 'read -v 512 1k' - dumps 1 kilobyte read from 512 bytes into the file\n"
        "\n"
        " Reads a segment of the currently open file, optionally dumping it to the\n"
        " standard output stream (with -v option) for subsequent inspection.\n"
        " -b, -- read from the VM state rather than the virtual disk\n"
        " -C, -- report statistics in a machine parsable format\n"
        " -l, -- length for pattern verification (only with -P)\n"
        " -p, -- ignored for backwards compatibility\n"
        " -P, -- use a pattern to verify read data\n"
        " -q, -- quiet mode, do not show I/O statistics\n"
        " -s, -- start offset for pattern verification (only with -P)\n"
        " -v, -- dump buffer to standard output\n"
        "\n";

static int run(const char *line)
{
    struct cmd_state st = { 0 };

    return capture_run(&st, line);
}

static void test_table_is_sorted_and_complete(void **state)
{
    (void)state;
    for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++) {
        assert_non_null((*e)->name);
        assert_non_null((*e)->oneline);
        assert_non_null((*e)->exec);
        if (e[1] != NULL)
            assert_true(strcmp(e[0]->name, e[1]->name) < 0);
    }
}

static void test_lookup_by_name_and_altname(void **state)
{
    (void)state;
    assert_ptr_equal(cmd_find(NULL, "r"), cmd_find(NULL, "read"));
    assert_ptr_equal(cmd_find(NULL, "?"), cmd_find(NULL, "help"));
    assert_ptr_equal(cmd_find(NULL, "q"), cmd_find(NULL, "quit"));
    assert_null(cmd_find(NULL, "rea"));    /* no prefix matching */
    assert_null(cmd_find(NULL, "s"));
}

/* A front end's table: looked up after qemu-io's, its handlers reach the
 * front end through the session. */
static int front_ran;

static int front_exec(struct cmd_state *st, int argc, char **argv)
{
    front_ran += *(int *)st->frontend;
    return 0;
}

static const struct cmd_entry front_entry = {
    .name = "front-thing", .exec = front_exec, .argmin = 1, .argmax = 1,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA,
    .oneline = "a front end's command",
};
static const struct cmd_entry front_read_entry = {
    .name = "read", .exec = front_exec, .flags = CMD_F_GLOBAL,
    .oneline = "cannot hide qemu-io's read",
};
static const struct cmd_entry *const front_table[] = {
    &front_entry, &front_read_entry, NULL,
};

static void test_front_end_table_extends_the_session(void **state)
{
    int weight = 3;
    struct cmd_state st = { .frontend_table = front_table,
                            .frontend = &weight };

    (void)state;
    assert_ptr_equal(cmd_find(&st, "front-thing"), &front_entry);
    assert_null(cmd_find(NULL, "front-thing"));
    assert_ptr_equal(cmd_find(&st, "read"), cmd_find(NULL, "read"));
    front_ran = 0;
    assert_int_equal(capture_run(&st, "front-thing x"), 0);
    assert_int_equal(front_ran, 3);
    /* The dispatcher checks its arity like any command's. */
    assert_int_equal(capture_run(&st, "front-thing"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "bad argument count 0 to front-thing, "
                        "expected 1 arguments\n");
    /* "help NAME" knows it; the listing stays qemu-io's. */
    assert_int_equal(capture_run(&st, "help front-thing"), 0);
    assert_string_equal(CAPTURED_OUT,
                        "front-thing -- a front end's command\n");
    assert_int_equal(capture_run(&st, "help"), 0);
    assert_null(strstr(CAPTURED_OUT, "front-thing"));
}

static void count_entry(const struct cmd_entry *e, void *arg)
{
    if (e == &front_entry)
        *(int *)arg += 1000;
    else
        *(int *)arg += 1;
}

static void test_for_each_walks_both_tables(void **state)
{
    struct cmd_state st = { .frontend_table = front_table };
    int n = 0, core = 0;

    (void)state;
    for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
        core++;
    cmd_for_each(NULL, count_entry, &n);
    assert_int_equal(n, core);
    n = 0;
    cmd_for_each(&st, count_entry, &n);
    assert_int_equal(n, core + 1000 + 1);
}

static bool is_control(const char *line)
{
    return (cmd_line_flags(NULL, line, NULL) & CMD_F_CONTROL) != 0;
}

/* What a front end may run at once while another command waits: control
 * state only, never a wait for I/O (cmd.h). */
static void test_control_commands_are_flagged_in_the_table(void **state)
{
    const struct cmd_entry *e;

    (void)state;
    assert_true(is_control("resume A"));
    assert_true(is_control("  remove_break A"));
    assert_true(is_control("break write_aio A"));
    assert_true(is_control("help"));
    assert_true(is_control("? read"));
    assert_true(is_control("quit"));
    assert_true(is_control("q"));
    assert_true(is_control("rules"));
    assert_true(is_control("rule add inject-error event=read_aio errno=5"));
    assert_true(is_control("rule del 1"));
    assert_true(is_control("state 2"));
    assert_true(is_control("bench -k"));
    assert_true(is_control("bench -qk"));
    assert_false(is_control("write 0 4k"));
    assert_false(is_control("aio_read 0 4k"));
    assert_false(is_control("open -o driver=raw x"));
    assert_false(is_control("close"));
    assert_false(is_control("reopen -r"));
    assert_false(is_control("wait_break A"));
    assert_false(is_control("sleep 100"));
    assert_false(is_control("resumex A"));
    assert_false(is_control(""));
    assert_false(is_control("bench"));
    assert_false(is_control("bench -c 5 -d 2"));
    /* An option's argument is not an option: "-k" is -c's count here. */
    assert_false(is_control("bench -c -k"));
    assert_int_equal(cmd_line_flags(NULL, "r 0 1", &e), 0);
    assert_ptr_equal(e, cmd_find(NULL, "read"));
    assert_int_equal(cmd_line_flags(NULL, "nope", &e), 0);
    assert_null(e);
}

static void test_help_lists_what_qemu_io_lists(void **state)
{
    (void)state;
    assert_int_equal(run("help"), 0);
    assert_string_equal(CAPTURED_OUT, help_all_text);
    assert_int_equal(run("?"), 0);
    assert_string_equal(CAPTURED_OUT, help_all_text);
}

static void test_help_for_one_command_uses_the_word_asked(void **state)
{
    (void)state;
    assert_int_equal(run("help read"), 0);
    assert_string_equal(CAPTURED_OUT, help_read_text);
    assert_int_equal(run("help q"), 0);
    assert_string_equal(CAPTURED_OUT, "q -- exit the program\n");
    assert_int_equal(run("help map"), 0);
    assert_string_equal(CAPTURED_OUT,
                        "map  -- prints the allocated areas of a file\n");
}

static void test_help_unknown_command_fails(void **state)
{
    (void)state;
    assert_int_equal(run("help nosuch"), -EINVAL);
    assert_string_equal(CAPTURED_OUT, "command nosuch not found\n");
}

static void test_extents_is_helped_but_not_listed(void **state)
{
    (void)state;
    assert_int_equal(run("help extents"), 0);
    assert_true(strncmp(CAPTURED_OUT, "extents [-j] [off [len]] -- ", 28) == 0);
}

static void test_unknown_command(void **state)
{
    (void)state;
    assert_int_equal(run("frobnicate 1 2"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "command \"frobnicate\" not found\n");
    assert_string_equal(CAPTURED_OUT, "");
}

static void test_blank_lines_do_nothing(void **state)
{
    (void)state;
    assert_int_equal(run(""), 0);
    assert_int_equal(run("    "), 0);
    assert_string_equal(CAPTURED_ERR, "");
}

static void test_no_file_open_comes_before_arity(void **state)
{
    (void)state;
    assert_int_equal(run("read"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "no file open, try 'help open'\n");
    assert_int_equal(run("break read_aio"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "no file open, try 'help open'\n");
}

static void test_arity_messages(void **state)
{
    (void)state;
    assert_int_equal(run("help a b"), -EINVAL);
    assert_string_equal(CAPTURED_ERR,
        "bad argument count 2 to help, expected between 0 and 1 arguments\n");
    assert_int_equal(run("sleep"), -EINVAL);
    assert_string_equal(CAPTURED_ERR,
        "bad argument count 0 to sleep, expected 1 arguments\n");
    assert_int_equal(run("open"), -EINVAL);
    assert_string_equal(CAPTURED_ERR,
        "bad argument count 0 to open, expected at least 1 arguments\n");
}

static void test_quit_takes_any_arguments_and_stops(void **state)
{
    struct cmd_state st = { 0 };

    (void)state;
    assert_int_equal(cmd_execute(&st, "q now please"), 0);
    assert_true(st.quit);
}

static void test_sleep_and_sigraise_refuse_bad_numbers(void **state)
{
    (void)state;
    assert_int_equal(run("sleep 1k"), -EINVAL);
    assert_string_equal(CAPTURED_OUT, "1k is not a valid number\n");
    assert_int_equal(run("sigraise 66"), -EINVAL);
    assert_string_equal(CAPTURED_OUT,
        "signal argument '66' is too large to be a valid signal\n");
    assert_int_equal(run("sigraise -1"), -EINVAL);
    assert_string_equal(CAPTURED_OUT, "Parsing error: non-numeric argument, "
                        "or extraneous/unrecognized suffix -- -1\n");
}

static void test_open_option_errors_touch_nothing(void **state)
{
    (void)state;
    assert_int_equal(run("open -t bogus img"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "blkmon: Invalid cache option: bogus\n");
    assert_int_equal(run("open -d nope img"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "blkmon: Invalid discard option: nope\n");
    assert_int_equal(run("open -i bogus img"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "blkmon: Invalid aio option: bogus\n");
    assert_int_equal(run("open -x img"), -EINVAL);
    assert_string_equal(CAPTURED_ERR, "open: invalid option -- 'x'\n");
    assert_string_equal(CAPTURED_OUT, "open [-rsCnkU] [-t cache] [-d discard] "
                        "[-o options] [path] -- open the file specified by "
                        "path\n");
}

static void test_cache_modes_map_to_flags(void **state)
{
    unsigned f = BK_O_RDWR | BK_O_WRITETHROUGH;

    (void)state;
    assert_int_equal(modes_cache("none", &f), 0);
    assert_int_equal(f, BK_O_RDWR | BK_O_NOCACHE);
    assert_int_equal(modes_cache("directsync", &f), 0);
    assert_int_equal(f, BK_O_RDWR | BK_O_NOCACHE | BK_O_WRITETHROUGH);
    assert_int_equal(modes_cache("unsafe", &f), 0);
    assert_int_equal(f, BK_O_RDWR | BK_O_NO_FLUSH);
    assert_int_equal(modes_cache("writeback", &f), 0);
    assert_int_equal(f, BK_O_RDWR);
    assert_int_equal(modes_cache("writethrough", &f), 0);
    assert_int_equal(f, BK_O_RDWR | BK_O_WRITETHROUGH);
    assert_int_equal(modes_cache("bogus", &f), -1);
    assert_int_equal(f, BK_O_RDWR | BK_O_WRITETHROUGH);
}

static void test_discard_and_aio_modes(void **state)
{
    unsigned f = BK_O_UNMAP;

    (void)state;
    assert_int_equal(modes_discard("ignore", &f), 0);
    assert_int_equal(f, 0);
    assert_int_equal(modes_discard("on", &f), 0);
    assert_int_equal(f, BK_O_UNMAP);
    assert_int_equal(modes_discard("off", &f), 0);
    assert_int_equal(f, 0);
    assert_int_equal(modes_discard("bogus", &f), -1);
    assert_int_equal(modes_aio("native", &f), 0);
    assert_int_equal(f, BK_O_NATIVE_AIO);
    assert_int_equal(modes_aio("io_uring", &f), 0);
    assert_int_equal(modes_aio("threads", &f), 0);
    assert_int_equal(modes_aio("posix", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_sorted_and_complete),
        cmocka_unit_test(test_lookup_by_name_and_altname),
        cmocka_unit_test(test_front_end_table_extends_the_session),
        cmocka_unit_test(test_for_each_walks_both_tables),
        cmocka_unit_test(test_control_commands_are_flagged_in_the_table),
        cmocka_unit_test(test_help_lists_what_qemu_io_lists),
        cmocka_unit_test(test_help_for_one_command_uses_the_word_asked),
        cmocka_unit_test(test_help_unknown_command_fails),
        cmocka_unit_test(test_extents_is_helped_but_not_listed),
        cmocka_unit_test(test_unknown_command),
        cmocka_unit_test(test_blank_lines_do_nothing),
        cmocka_unit_test(test_no_file_open_comes_before_arity),
        cmocka_unit_test(test_arity_messages),
        cmocka_unit_test(test_quit_takes_any_arguments_and_stops),
        cmocka_unit_test(test_sleep_and_sigraise_refuse_bad_numbers),
        cmocka_unit_test(test_open_option_errors_touch_nothing),
        cmocka_unit_test(test_cache_modes_map_to_flags),
        cmocka_unit_test(test_discard_and_aio_modes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
