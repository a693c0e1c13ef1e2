/*
 * test_tui_history.c — history recall semantics, bounds, and the history
 * file (round trip, atomic save, default path per XDG).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/history.c"

static struct tui_history *with(const char *const *lines, size_t max)
{
    struct tui_history *h = tui_history_new(max);
    for (; *lines; lines++)
        tui_history_add(h, *lines);
    return h;
}

static void test_history_skips_blank_and_consecutive_duplicates(void **state)
{
    struct tui_history *h = tui_history_new(0);
    assert_true(tui_history_add(h, "read 0 4k"));
    assert_false(tui_history_add(h, "read 0 4k"));
    assert_false(tui_history_add(h, ""));
    assert_false(tui_history_add(h, "   \t"));
    assert_true(tui_history_add(h, "flush"));
    assert_true(tui_history_add(h, "read 0 4k"));   /* not consecutive */
    assert_int_equal(tui_history_count(h), 3);
    assert_string_equal(tui_history_get(h, 0), "read 0 4k");
    assert_string_equal(tui_history_get(h, 2), "read 0 4k");
    assert_null(tui_history_get(h, 3));
    tui_history_free(h);
}

static void test_history_drops_oldest_past_max(void **state)
{
    struct tui_history *h = with((const char *[]){ "a", "b", "c", "d", NULL }, 3);
    assert_int_equal(tui_history_count(h), 3);
    assert_string_equal(tui_history_get(h, 0), "b");
    assert_string_equal(tui_history_get(h, 2), "d");
    tui_history_free(h);
}

static void test_history_up_down_walks_entries_and_back_to_typed(void **state)
{
    struct tui_history *h = with((const char *[]){ "one", "two", NULL }, 0);
    assert_false(tui_history_browsing(h));
    assert_string_equal(tui_history_prev(h, "typed"), "two");
    assert_true(tui_history_browsing(h));
    assert_string_equal(tui_history_prev(h, "two"), "one");
    assert_null(tui_history_prev(h, "one"));           /* top: stays */
    assert_string_equal(tui_history_next(h, "one"), "two");
    assert_string_equal(tui_history_next(h, "two"), "typed");
    assert_false(tui_history_browsing(h));
    assert_null(tui_history_next(h, "typed"));         /* bottom: stays */
    tui_history_free(h);
}

static void test_history_edits_to_recalled_lines_survive_browsing(void **state)
{
    struct tui_history *h = with((const char *[]){ "one", "two", NULL }, 0);
    tui_history_prev(h, "");
    tui_history_prev(h, "two EDITED");                 /* leave "two" edited */
    assert_string_equal(tui_history_next(h, "one"), "two EDITED");
    assert_string_equal(tui_history_next(h, "two EDITED"), "");
    assert_string_equal(tui_history_prev(h, ""), "two EDITED");
    /* Accepting a line forgets the edits; the stored entry never changed. */
    assert_true(tui_history_add(h, "two EDITED"));
    assert_string_equal(tui_history_get(h, 1), "two");
    assert_string_equal(tui_history_prev(h, ""), "two EDITED");
    assert_string_equal(tui_history_prev(h, "two EDITED"), "two");
    tui_history_free(h);
}

static void test_history_reset_forgets_edits(void **state)
{
    struct tui_history *h = with((const char *[]){ "one", NULL }, 0);
    tui_history_prev(h, "draft");
    tui_history_reset(h);
    assert_false(tui_history_browsing(h));
    assert_string_equal(tui_history_prev(h, ""), "one");
    assert_string_equal(tui_history_next(h, "one"), "");
    tui_history_free(h);
}

static void test_history_empty_has_nothing_to_recall(void **state)
{
    struct tui_history *h = tui_history_new(0);
    assert_null(tui_history_prev(h, "x"));
    assert_null(tui_history_next(h, "x"));
    tui_history_free(h);
}

static char dir[] = "/tmp/blkmon-history-XXXXXX";

static int make_dir(void **state)
{
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int remove_dir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_history_save_then_load_round_trips(void **state)
{
    struct tui_history *h = with((const char *[]){ "open -o driver=raw x.img",
                                                   "write -P 0xaa 0 64k", NULL }, 0);
    struct tui_history *g = tui_history_new(0);
    char path[256], *cause = NULL;
    struct stat st;

    snprintf(path, sizeof(path), "%s/new/sub/history", dir);
    assert_int_equal(tui_history_save(h, path, &cause), 0);
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof(path), "%s/new/sub", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/new/sub/history", dir);
    assert_int_equal(tui_history_load(g, path, &cause), 0);
    assert_int_equal(tui_history_count(g), 2);
    assert_string_equal(tui_history_get(g, 1), "write -P 0xaa 0 64k");
    tui_history_free(h);
    tui_history_free(g);
}

static void test_history_load_keeps_newest_and_strips_crlf(void **state)
{
    struct tui_history *h = tui_history_new(2);
    char path[256], *cause = NULL;
    FILE *f;

    snprintf(path, sizeof(path), "%s/crlf", dir);
    f = fopen(path, "w");
    fputs("old\r\nmid\r\nmid\r\n\r\nnew\n", f);
    fclose(f);
    assert_int_equal(tui_history_load(h, path, &cause), 0);
    assert_int_equal(tui_history_count(h), 2);
    assert_string_equal(tui_history_get(h, 0), "mid");
    assert_string_equal(tui_history_get(h, 1), "new");
    tui_history_free(h);
}

static void test_history_missing_file_is_no_error(void **state)
{
    struct tui_history *h = tui_history_new(0);
    char path[256], *cause = NULL;
    snprintf(path, sizeof(path), "%s/does-not-exist", dir);
    assert_int_equal(tui_history_load(h, path, &cause), 0);
    assert_null(cause);
    tui_history_free(h);
}

static void test_history_save_failure_reports_cause(void **state)
{
    struct tui_history *h = with((const char *[]){ "x", NULL }, 0);
    char path[256], *cause = NULL;
    FILE *f;

    snprintf(path, sizeof(path), "%s/file", dir);
    f = fopen(path, "w");
    fclose(f);
    snprintf(path, sizeof(path), "%s/file/history", dir);  /* parent is a file */
    assert_true(tui_history_save(h, path, &cause) < 0);
    assert_non_null(cause);
    assert_non_null(strstr(cause, "/file"));
    free(cause);
    tui_history_free(h);
}

static void test_history_default_path_follows_xdg(void **state)
{
    char *p;
    setenv("HOME", "/home/u", 1);
    setenv("XDG_STATE_HOME", "/state", 1);
    p = tui_history_default_path();
    assert_string_equal(p, "/state/blkmon/history");
    free(p);
    setenv("XDG_STATE_HOME", "relative", 1);      /* ignored per spec */
    p = tui_history_default_path();
    assert_string_equal(p, "/home/u/.local/state/blkmon/history");
    free(p);
    unsetenv("XDG_STATE_HOME");
    p = tui_history_default_path();
    assert_string_equal(p, "/home/u/.local/state/blkmon/history");
    free(p);
    unsetenv("HOME");
    assert_null(tui_history_default_path());
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_skips_blank_and_consecutive_duplicates),
        cmocka_unit_test(test_history_drops_oldest_past_max),
        cmocka_unit_test(test_history_up_down_walks_entries_and_back_to_typed),
        cmocka_unit_test(test_history_edits_to_recalled_lines_survive_browsing),
        cmocka_unit_test(test_history_reset_forgets_edits),
        cmocka_unit_test(test_history_empty_has_nothing_to_recall),
        cmocka_unit_test(test_history_save_then_load_round_trips),
        cmocka_unit_test(test_history_load_keeps_newest_and_strips_crlf),
        cmocka_unit_test(test_history_missing_file_is_no_error),
        cmocka_unit_test(test_history_save_failure_reports_cause),
        cmocka_unit_test(test_history_default_path_follows_xdg),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
