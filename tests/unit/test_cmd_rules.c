/*
 * test_cmd_rules.c — "rules", "rule" and "state" on a live blkdebug stack:
 * what they print, and that their changes really steer the I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "cmd_capture.h"

struct fixture {
    char dir[64];
    char img[96];
    char cfg[96];
    struct cmd_state st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct bk_opts *opts;
    FILE *c;
    int fd;

    strcpy(f->dir, "/tmp/test_cmd_rules.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->img, sizeof(f->img), "%s/img", f->dir);
    snprintf(f->cfg, sizeof(f->cfg), "%s/cfg", f->dir);
    fd = open(f->img, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 65536) < 0)
        return -1;
    close(fd);
    c = fopen(f->cfg, "w");
    fputs("[set-state]\nevent = \"write_aio\"\nstate = \"1\"\n"
          "new_state = \"2\"\n", c);
    fclose(c);
    f->st.loop = bk_loop_new(2);
    opts = bk_opts_new();
    bk_opts_set(opts, "driver", "raw");
    bk_opts_set(opts, "file.driver", "blkdebug");
    bk_opts_set(opts, "file.config", f->cfg);
    bk_opts_set(opts, "file.image.filename", f->img);
    capture_start();
    if (cmd_open_image(&f->st, NULL, opts, BK_O_RDWR | BK_O_UNMAP, false) < 0)
        return -1;
    capture_stop();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    cmd_close_image(&f->st);
    bk_loop_free(f->st.loop);
    unlink(f->img);
    unlink(f->cfg);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int run(struct fixture *f, const char *line)
{
    return capture_run(&f->st, line);
}

static void test_rules_lists_config_rules_with_state(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "rules"), 0);
    assert_string_equal(CAPTURED_OUT,
                        "state 1, 1 rule\n"
                        "   1  set-state event=write_aio state=1 new_state=2"
                        "  [fired 0]\n");
}

static void test_rule_add_arms_an_error_that_write_then_hits(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "rule add inject-error event=write_aio errno=28 "
                            "once=on"), 0);
    assert_string_equal(CAPTURED_OUT, "added rule 2\n");
    /* The first write arms it and fails; once=on removes it. */
    run(f, "write 0 512");
    assert_string_equal(CAPTURED_OUT,
                        "write failed: No space left on device\n");
    run(f, "write -q 0 512");
    assert_string_equal(CAPTURED_OUT, "");
    /* The set-state rule moved the state on the first write. */
    assert_int_equal(run(f, "state"), 0);
    assert_string_equal(CAPTURED_OUT, "state 2\n");
}

static void test_rule_add_refuses_bad_input_and_changes_nothing(void **state)
{
    struct fixture *f = *state;

    assert_true(run(f, "rule add inject-error event=write_aio errno") < 0);
    assert_string_equal(CAPTURED_OUT,
                        "rule add: 'errno' is not key=value\n");
    assert_true(run(f, "rule add inject-error event=bogus") < 0);
    assert_non_null(strstr(CAPTURED_OUT, "rule add: "));
    assert_true(run(f, "rule add frobnicate event=read_aio") < 0);
    run(f, "rules");
    assert_non_null(strstr(CAPTURED_OUT, "state 1, 1 rule\n"));
}

static void test_rule_del_and_state_set(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "rule del 1"), 0);
    assert_string_equal(CAPTURED_OUT, "deleted rule 1\n");
    assert_int_equal(run(f, "rule del 1"), -ENOENT);
    assert_string_equal(CAPTURED_OUT, "rule del: no rule 1\n");
    assert_int_equal(run(f, "rule del x"), -EINVAL);
    assert_int_equal(run(f, "state 7"), 0);
    assert_string_equal(CAPTURED_OUT, "state 7\n");
    assert_int_equal(run(f, "state -1"), -EINVAL);
}

static void test_rules_save_then_load_round_trips(void **state)
{
    struct fixture *f = *state;
    static char listed[sizeof(CAPTURED_OUT)];
    char line[256];

    run(f, "rule add inject-error event=read_aio errno=5 sector=8");
    snprintf(line, sizeof(line), "rules save %s/saved", f->dir);
    assert_int_equal(run(f, line), 0);
    run(f, "rules");
    snprintf(listed, sizeof(listed), "%s", CAPTURED_OUT);
    snprintf(line, sizeof(line), "rules load %s/saved", f->dir);
    assert_int_equal(run(f, line), 0);
    run(f, "rules");
    /* Same rules, new ids: compare everything after the ids. */
    assert_non_null(strstr(CAPTURED_OUT, "set-state event=write_aio state=1 "
                                         "new_state=2"));
    assert_non_null(strstr(CAPTURED_OUT, "inject-error event=read_aio errno=5 "
                                         "sector=8"));
    assert_non_null(strstr(listed, "sector=8"));
    snprintf(line, sizeof(line), "%s/saved", f->dir);
    unlink(line);
}

static void test_rules_load_of_a_bad_file_keeps_the_rules(void **state)
{
    struct fixture *f = *state;

    assert_true(run(f, "rules load /nonexistent.cfg") < 0);
    assert_string_equal(CAPTURED_OUT,
                        "rules load: Could not read blkdebug config file: "
                        "No such file or directory\n");
    run(f, "rules");
    assert_non_null(strstr(CAPTURED_OUT, "state 1, 1 rule\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_rules_lists_config_rules_with_state),
        T(test_rule_add_arms_an_error_that_write_then_hits),
        T(test_rule_add_refuses_bad_input_and_changes_nothing),
        T(test_rule_del_and_state_set),
        T(test_rules_save_then_load_round_trips),
        T(test_rules_load_of_a_bad_file_keeps_the_rules),
#undef T
    };

    return cmocka_run_group_tests_name("cmd_rules", tests, NULL, NULL);
}
