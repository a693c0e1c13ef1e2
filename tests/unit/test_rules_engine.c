/*
 * test_rules_engine.c — blkdebug's run-time semantics: state machine,
 * arming, once, sector and iotype matching, breakpoints and resumes.
 * Every behaviour here was first observed with the real qemu-io 7.2
 * (see rules/EVENTS.md for the commands).
 *
 * Run one test: test_rules_engine NAME-GLOB
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/rules.h"

#define R RULES_IO_READ
#define W RULES_IO_WRITE

static int
setup(void **state)
{
    *state = rules_engine_new();
    return 0;
}

static int
teardown(void **state)
{
    rules_engine_free(*state);
    return 0;
}

static void
load(struct rules_engine *e, const char *text)
{
    char *cause = NULL;

    if (rules_load_string(e, text, NULL, 0, &cause) != 0)
        fail_msg("load: %s", cause);
}

static void
fire(struct rules_engine *e, enum rules_event ev)
{
    rules_event(e, ev, NULL, NULL);
}

/* A read as raw-over-blkdebug does it: read_aio, then the check. */
static int
read_io(struct rules_engine *e, uint64_t off, uint64_t len)
{
    fire(e, RULES_EV_READ_AIO);
    return rules_check(e, off, len, R, NULL);
}

static void
test_engine_starts_in_state_one(void **state)
{
    struct rules_engine *e = *state;

    assert_int_equal(rules_state(e), 1);
    assert_int_equal(rules_check(e, 0, 512, R, NULL), 0);
}

static void
test_engine_inject_arms_on_its_event_and_stays_armed(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\n");
    /* A write before any read_aio passes... */
    fire(e, RULES_EV_WRITE_AIO);
    assert_int_equal(rules_check(e, 0, 4096, W, NULL), 0);
    /* ...the read arms the rule, and then writes fail too (case 039). */
    assert_int_equal(read_io(e, 0, 4096), -EIO);
    fire(e, RULES_EV_WRITE_AIO);
    assert_int_equal(rules_check(e, 0, 4096, W, NULL), -EIO);
    assert_true(rules_get(e, 1)->armed);
    assert_int_equal(rules_get(e, 1)->injected, 2);
}

static void
test_engine_state_machine_set_state_then_inject(void **state)
{
    struct rules_engine *e = *state;

    /* Case 041: reads fail only after a write moved the state to 2. */
    load(e, "[inject-error]\nevent = \"read_aio\"\nstate = \"2\"\n"
         "errno = \"28\"\n\n[set-state]\nevent = \"write_aio\"\n"
         "state = \"1\"\nnew_state = \"2\"\n");
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(read_io(e, 0, 512), 0);
    fire(e, RULES_EV_WRITE_AIO);
    assert_int_equal(rules_state(e), 2);
    assert_int_equal(rules_check(e, 0, 512, W, NULL), 0);
    assert_int_equal(read_io(e, 0, 512), -ENOSPC);
    fire(e, RULES_EV_WRITE_AIO);
    assert_int_equal(rules_check(e, 0, 512, W, NULL), -ENOSPC);
}

static void
test_engine_state_change_applies_after_all_rules(void **state)
{
    struct rules_engine *e = *state;
    struct rules_fired f;

    /* Case 041 "chain": each read moves one state only, and the inject
     * rule of state 3 does not see the 2 -> 3 move of the same event. */
    load(e, "[set-state]\nevent = \"read_aio\"\nstate = \"1\"\n"
         "new_state = \"2\"\n\n[set-state]\nevent = \"read_aio\"\n"
         "state = \"2\"\nnew_state = \"3\"\n\n[inject-error]\n"
         "event = \"read_aio\"\nstate = \"3\"\nerrno = \"13\"\n");
    rules_event(e, RULES_EV_READ_AIO, NULL, &f);
    assert_int_equal(f.old_state, 1);
    assert_int_equal(f.new_state, 2);
    assert_false(f.rearmed);
    rules_fired_fini(&f);
    assert_int_equal(rules_check(e, 0, 512, R, NULL), 0);
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(rules_state(e), 3);
    assert_int_equal(read_io(e, 0, 512), -EACCES);
    assert_int_equal(read_io(e, 0, 512), -EACCES);
}

static void
test_engine_first_set_state_in_file_wins(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[set-state]\nevent = \"read_aio\"\nnew_state = \"2\"\n"
         "[set-state]\nevent = \"read_aio\"\nnew_state = \"3\"\n"
         "[inject-error]\nevent = \"read_aio\"\nstate = \"2\"\nerrno = \"2\"\n"
         "[inject-error]\nevent = \"read_aio\"\nstate = \"3\"\n"
         "errno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(rules_state(e), 2);
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
}

static void
test_engine_first_inject_in_file_wins(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "[inject-error]\nevent = \"read_aio\"\nerrno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
}

static void
test_engine_once_deletes_only_its_rule(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "once = \"on\"\n[inject-error]\nevent = \"read_aio\"\n"
         "errno = \"3\"\nonce = \"on\"\n");
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    assert_int_equal(read_io(e, 0, 512), -ESRCH);
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(rules_count(e), 0);
}

static void
test_engine_once_then_catch_all(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "once = \"on\"\n[inject-error]\nevent = \"read_aio\"\n"
         "errno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    assert_int_equal(read_io(e, 0, 512), -ESRCH);
    assert_int_equal(read_io(e, 0, 512), -ESRCH);
}

static void
test_engine_errno_zero_shields_later_rules(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"0\"\n"
         "once = \"on\"\n[inject-error]\nevent = \"read_aio\"\n"
         "errno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(read_io(e, 0, 512), 0);
    /* A shielding rule injects nothing, so "once" never consumes it. */
    assert_int_equal(rules_count(e), 2);
}

static void
test_engine_sector_matching(void **state)
{
    struct rules_engine *e = *state;

    /* Case 043: sector 8 is bytes 4096..4607. */
    load(e, "[inject-error]\nevent = \"read_aio\"\nsector = \"8\"\n"
         "errno = \"13\"\n");
    assert_int_equal(read_io(e, 0, 4096), 0);
    assert_int_equal(read_io(e, 4096, 4096), -EACCES);
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(read_io(e, 4095, 2), -EACCES);
    assert_int_equal(read_io(e, 4608, 512), 0);
    assert_int_equal(rules_check(e, 4096, 512, W, NULL), -EACCES);
    assert_int_equal(rules_check(e, 0, 4096, W, NULL), 0);
    /* Zero-length requests (flush) never match a sector rule. */
    assert_int_equal(rules_check(e, 4096, 0, RULES_IO_FLUSH, NULL), 0);
}

static void
test_engine_sector_rule_before_catch_all(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "sector = \"1\"\n[inject-error]\nevent = \"read_aio\"\n"
         "errno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), -ESRCH);
    assert_int_equal(read_io(e, 0, 1024), -ENOENT);
}

static void
test_engine_negative_sector_never_matches(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nsector = \"-3\"\n");
    assert_int_equal(read_io(e, 0, 1 << 20), 0);
}

static void
test_engine_iotype_mask(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "iotype = \"write\"\n");
    assert_int_equal(read_io(e, 0, 512), 0);
    assert_int_equal(rules_check(e, 0, 512, W, NULL), -ENOENT);
    assert_int_equal(read_io(e, 0, 512), 0);
}

static void
test_engine_default_iotypes_exclude_block_status(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"none\"\n");
    fire(e, RULES_EV_NONE);
    assert_int_equal(rules_check(e, 0, 512, RULES_IO_WRITE_ZEROES, NULL),
                     -EIO);
    assert_int_equal(rules_check(e, 0, 512, RULES_IO_DISCARD, NULL), -EIO);
    assert_int_equal(rules_check(e, 0, 0, RULES_IO_FLUSH, NULL), -EIO);
    assert_int_equal(rules_check(e, 0, 512, RULES_IO_BLOCK_STATUS, NULL),
                     0);
}

static void
test_engine_rearming_replaces_the_active_list(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "[inject-error]\nevent = \"write_aio\"\nerrno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    fire(e, RULES_EV_WRITE_AIO);
    assert_int_equal(rules_check(e, 0, 512, W, NULL), -ESRCH);
    assert_false(rules_get(e, 1)->armed);
    assert_true(rules_get(e, 2)->armed);
    /* A flush (no event of its own here) sees the write rule. */
    assert_int_equal(rules_check(e, 0, 0, RULES_IO_FLUSH, NULL), -ESRCH);
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
}

static void
test_engine_event_without_matching_inject_keeps_active_list(void **state)
{
    struct rules_engine *e = *state;
    struct rules_fired f;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n"
         "[inject-error]\nevent = \"write_aio\"\nstate = \"9\"\n"
         "errno = \"3\"\n");
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    rules_event(e, RULES_EV_WRITE_AIO, NULL, &f);
    assert_false(f.rearmed);
    rules_fired_fini(&f);
    assert_int_equal(rules_check(e, 0, 512, W, NULL), -ENOENT);
}

static void
test_engine_state_zero_means_any(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nstate = \"0\"\n"
         "errno = \"2\"\n");
    rules_set_state(e, 7);
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
}

static void
test_engine_none_event_sets_up_state(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[set-state]\nevent = \"none\"\nnew_state = \"5\"\n"
         "[inject-error]\nevent = \"read_aio\"\nstate = \"5\"\n"
         "errno = \"7\"\n");
    fire(e, RULES_EV_NONE);
    assert_int_equal(read_io(e, 0, 512), -E2BIG);
}

static void
test_engine_immediately_and_negative_errno(void **state)
{
    struct rules_engine *e = *state;
    bool imm = false;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"-5\"\n"
         "immediately = \"on\"\n");
    fire(e, RULES_EV_READ_AIO);
    /* QEMU returns -errno as is: positive here, a silent "success". */
    assert_int_equal(rules_check(e, 0, 512, R, &imm), 5);
    assert_true(imm);
}

static void
test_engine_numbers_cut_to_int(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"4294967298\"\n");
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
}

static void
test_engine_breakpoints_are_one_shot_newest_first(void **state)
{
    struct rules_engine *e = *state;
    struct rules_fired f;
    int req = 0;
    void *got = NULL;

    assert_int_equal(rules_break_add(e, "write_aio", "A", NULL), 0);
    assert_int_equal(rules_break_add(e, "write_aio", "B", NULL), 0);
    rules_event(e, RULES_EV_WRITE_AIO, &req, &f);
    /* qemu-io prints Suspended 'B' then 'A'; the request waits for two
     * resumes, in any order. */
    assert_int_equal(f.nsuspend, 2);
    assert_string_equal(f.tags[0], "B");
    assert_string_equal(f.tags[1], "A");
    rules_fired_fini(&f);
    assert_int_equal(rules_count(e), 0);
    assert_true(rules_is_suspended(e, "A"));
    assert_true(rules_resume(e, "A", &got));
    assert_ptr_equal(got, &req);
    assert_false(rules_is_suspended(e, "A"));
    assert_true(rules_resume(e, "B", &got));
    assert_false(rules_resume(e, "B", &got));
    /* One-shot: the next write_aio passes. */
    rules_event(e, RULES_EV_WRITE_AIO, &req, &f);
    assert_int_equal(f.nsuspend, 0);
    rules_fired_fini(&f);
}

static void
test_engine_resume_picks_most_recent_suspension(void **state)
{
    struct rules_engine *e = *state;
    int wreq = 0, rreq = 0;
    void *got = NULL;

    rules_break_add(e, "write_aio", "A", NULL);
    rules_break_add(e, "read_aio", "A", NULL);
    rules_event(e, RULES_EV_WRITE_AIO, &wreq, NULL);
    rules_event(e, RULES_EV_READ_AIO, &rreq, NULL);
    assert_true(rules_resume(e, "A", &got));
    assert_ptr_equal(got, &rreq);
    assert_true(rules_resume(e, "A", &got));
    assert_ptr_equal(got, &wreq);
}

static void
test_engine_break_errors(void **state)
{
    struct rules_engine *e = *state;

    assert_int_equal(rules_break_add(e, "bogus_event", "X", NULL), -ENOENT);
    assert_int_equal(rules_break_remove(e, "X"), -ENOENT);
    assert_false(rules_resume(e, "X", NULL));
    assert_int_equal(rules_break_add(e, "write_aio", "Y", NULL), 0);
    assert_int_equal(rules_break_remove(e, "Y"), 0);
    assert_int_equal(rules_break_remove(e, "Y"), -ENOENT);
}

static void
test_engine_break_remove_after_hit_is_enoent(void **state)
{
    struct rules_engine *e = *state;
    int req = 0;

    /* qemu-io: Resuming request 'A', then "Could not remove breakpoint
     * A: No such file or directory" — the breakpoint was used up. */
    rules_break_add(e, "write_aio", "A", NULL);
    rules_event(e, RULES_EV_WRITE_AIO, &req, NULL);
    assert_int_equal(rules_break_remove(e, "A"), -ENOENT);
    assert_true(rules_is_suspended(e, "A"));
}

static void
test_engine_break_remove_deletes_every_rule_with_tag(void **state)
{
    struct rules_engine *e = *state;

    rules_break_add(e, "write_aio", "T", NULL);
    rules_break_add(e, "read_aio", "T", NULL);
    rules_break_add(e, "read_aio", "U", NULL);
    assert_int_equal(rules_break_remove(e, "T"), 0);
    assert_int_equal(rules_count(e), 1);
}

static void
test_engine_breakpoints_and_rules_on_one_event(void **state)
{
    struct rules_engine *e = *state;
    struct rules_fired f;

    load(e, "[inject-error]\nevent = \"write_aio\"\nerrno = \"28\"\n"
         "[set-state]\nevent = \"write_aio\"\nnew_state = \"4\"\n");
    rules_break_add(e, "write_aio", "W", NULL);
    rules_event(e, RULES_EV_WRITE_AIO, NULL, &f);
    assert_int_equal(f.nsuspend, 1);
    assert_true(f.rearmed);
    assert_int_equal(f.new_state, 4);
    rules_fired_fini(&f);
    assert_int_equal(rules_check(e, 0, 512, W, NULL), -ENOSPC);
}

static void
test_engine_live_add_and_delete(void **state)
{
    struct rules_engine *e = *state;
    struct rules_kv kv[] = { { "event", "read_aio" }, { "errno", "5" } };
    unsigned id;

    load(e, "[inject-error]\nevent = \"read_aio\"\nerrno = \"2\"\n");
    assert_int_equal(rules_add(e, "inject-error", kv, 2, &id, NULL), 0);
    assert_int_equal(id, 2);
    /* An older rule keeps precedence over a live-added one. */
    assert_int_equal(read_io(e, 0, 512), -ENOENT);
    assert_int_equal(rules_delete(e, 1), 0);
    /* Deleting an armed rule takes it off the active list at once: the
     * live one, armed by the same read, decides now. */
    assert_int_equal(rules_check(e, 0, 512, R, NULL), -EIO);
    assert_int_equal(rules_delete(e, 2), 0);
    assert_int_equal(rules_check(e, 0, 512, R, NULL), 0);
    assert_int_equal(rules_delete(e, 1), -ENOENT);
    rules_break_add(e, "read_aio", "K", NULL);
    rules_clear(e);
    assert_int_equal(rules_count(e), 1);
    assert_int_equal(rules_get(e, 3)->action, RULES_SUSPEND);
    assert_int_equal(rules_check(e, 0, 512, R, NULL), 0);
}

static void
test_engine_counters(void **state)
{
    struct rules_engine *e = *state;

    load(e, "[inject-error]\nevent = \"read_aio\"\nsector = \"1\"\n"
         "[set-state]\nevent = \"read_aio\"\nstate = \"1\"\n"
         "new_state = \"2\"\n");
    read_io(e, 0, 512);
    read_io(e, 512, 512);
    assert_int_equal(rules_get(e, 1)->fired, 2);
    assert_int_equal(rules_get(e, 1)->injected, 1);
    assert_int_equal(rules_get(e, 2)->fired, 1);
}

static void
collect(const char *tag, void *req, void *arg)
{
    char *buf = arg;

    strcat(buf, tag);
}

static void
test_engine_describe_and_list_suspended(void **state)
{
    struct rules_engine *e = *state;
    char buf[16] = "", *d;

    load(e, "[inject-error]\nevent = \"write_aio\"\nerrno = \"28\"\n"
         "sector = \"8\"\nonce = \"on\"\niotype = \"write\"\n");
    d = rules_describe(rules_get(e, 1));
    assert_string_equal(d, "inject-error event=write_aio errno=28 sector=8 "
                        "once=on iotype=write");
    free(d);
    rules_break_add(e, "read_aio", "a", NULL);
    rules_break_add(e, "read_aio", "b", NULL);
    d = rules_describe(rules_get(e, 2));
    assert_string_equal(d, "break event=read_aio tag=a");
    free(d);
    fire(e, RULES_EV_READ_AIO);
    rules_foreach_suspended(e, collect, buf);
    assert_string_equal(buf, "ab");
}

int
main(int argc, char **argv)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_engine_starts_in_state_one),
        T(test_engine_inject_arms_on_its_event_and_stays_armed),
        T(test_engine_state_machine_set_state_then_inject),
        T(test_engine_state_change_applies_after_all_rules),
        T(test_engine_first_set_state_in_file_wins),
        T(test_engine_first_inject_in_file_wins),
        T(test_engine_once_deletes_only_its_rule),
        T(test_engine_once_then_catch_all),
        T(test_engine_errno_zero_shields_later_rules),
        T(test_engine_sector_matching),
        T(test_engine_sector_rule_before_catch_all),
        T(test_engine_negative_sector_never_matches),
        T(test_engine_iotype_mask),
        T(test_engine_default_iotypes_exclude_block_status),
        T(test_engine_rearming_replaces_the_active_list),
        T(test_engine_event_without_matching_inject_keeps_active_list),
        T(test_engine_state_zero_means_any),
        T(test_engine_none_event_sets_up_state),
        T(test_engine_immediately_and_negative_errno),
        T(test_engine_numbers_cut_to_int),
        T(test_engine_breakpoints_are_one_shot_newest_first),
        T(test_engine_resume_picks_most_recent_suspension),
        T(test_engine_break_errors),
        T(test_engine_break_remove_after_hit_is_enoent),
        T(test_engine_break_remove_deletes_every_rule_with_tag),
        T(test_engine_breakpoints_and_rules_on_one_event),
        T(test_engine_live_add_and_delete),
        T(test_engine_counters),
        T(test_engine_describe_and_list_suspended),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
