/*
 * test_rules_faults.c — blkmon's extensions of the rule language: the new
 * groups and their keys (parser), the conditions every rule takes, the
 * verdicts the engine gives requests, seeded randomness, bad sectors,
 * torn prefixes and corruption (through rules_int.h, rules/'s own API).
 *
 * Run one test: test_rules_faults NAME-GLOB
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules/rules_int.h"

#define R RULES_IO_READ
#define W RULES_IO_WRITE
#define F RULES_IO_FLUSH

/* A clock the tests move by hand, for up/down windows. */
static int64_t fake_now;

static int64_t
fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

static int
setup(void **state)
{
    struct rules_engine *e = rules_engine_new();

    rules_set_seed(42);
    fake_now = 1000000000;
    rules_engine_set_clock(e, fake_clock, NULL);
    *state = e;
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

/* "group k=v k=v": add one rule, return its id (fails the test on error). */
static unsigned
add(struct rules_engine *e, const char *line)
{
    char *copy = strdup(line), *save = NULL, *group, *word, *cause = NULL;
    struct rules_kv kv[16];
    size_t n = 0;
    unsigned id = 0;

    group = strtok_r(copy, " ", &save);
    while ((word = strtok_r(NULL, " ", &save)) != NULL) {
        char *eq = strchr(word, '=');

        *eq = '\0';
        kv[n++] = (struct rules_kv){ word, eq + 1 };
    }
    if (rules_add(e, group, kv, n, &id, &cause) != 0)
        fail_msg("rule add %s: %s", line, cause);
    free(copy);
    return id;
}

/* The message adding the rule gives. */
static char *
add_msg(const char *line)
{
    struct rules_engine *e = rules_engine_new();
    char *copy = strdup(line), *save = NULL, *group, *word, *cause = NULL;
    struct rules_kv kv[16];
    size_t n = 0;

    group = strtok_r(copy, " ", &save);
    while ((word = strtok_r(NULL, " ", &save)) != NULL) {
        char *eq = strchr(word, '=');

        *eq = '\0';
        kv[n++] = (struct rules_kv){ word, eq + 1 };
    }
    if (rules_add(e, group, kv, n, NULL, &cause) == 0)
        cause = strdup("OK");
    free(copy);
    rules_engine_free(e);
    return cause;
}

#define assert_add_msg(line, expected)              \
    do {                                            \
        char *m_ = add_msg(line);                   \
        assert_string_equal(m_, expected);          \
        free(m_);                                   \
    } while (0)

static bool
check(struct rules_engine *e, uint64_t off, uint64_t bytes,
      enum rules_iotype type, struct rules_verdict *v)
{
    struct rules_io io = { off, bytes, type };

    return rules_check_io(e, &io, v);
}

/* ---- randomness ------------------------------------------------------ */

static void
test_rng_is_splitmix64(void **state)
{
    /* The published SplitMix64 outputs for state 1234567. */
    static const uint64_t ref[] = {
        6457827717110365317ull, 3203168211198807973ull,
        9817491932198370423ull, 4593380528125082431ull,
        16408922859458223821ull,
    };
    struct rules_rng r = { 1234567 };

    (void)state;
    for (size_t i = 0; i < 5; i++)
        assert_true(rules_rng_next(&r) == ref[i]);
    /* Stream (42, 1), as tests/faults/model.py computes it. */
    rules_rng_init(&r, 42, 1);
    assert_true(rules_rng_next(&r) == 3559393546817448020ull);
    assert_true(rules_rng_next(&r) == 6457831781006907122ull);
    for (int i = 0; i < 1000; i++) {
        double u = rules_rng_uniform(&r);

        assert_true(u >= 0.0 && u < 1.0);
    }
}

static void
test_probability_is_reproducible_and_per_rule(void **state)
{
    struct rules_engine *e = *state, *e2;
    struct rules_verdict v;
    char a[200], b[200];

    add(e, "delay latency=1ms probability=0.5");
    for (int i = 0; i < 200; i++) {
        a[i] = (char)check(e, 0, 512, R, &v);
        rules_verdict_fini(&v);
    }
    /* Same seed, same rule id: the same choices... */
    e2 = rules_engine_new();
    add(e2, "delay latency=1ms probability=0.5");
    for (int i = 0; i < 200; i++) {
        b[i] = (char)check(e2, 0, 512, R, &v);
        rules_verdict_fini(&v);
    }
    assert_memory_equal(a, b, sizeof(a));
    rules_engine_free(e2);
    /* ...and a rule added before it does not change them. */
    e2 = rules_engine_new();
    rules_set_seed(42);
    add(e2, "drop-writes probability=0.3");
    rules_delete(e2, 1);
    add(e2, "delay latency=1ms probability=0.5");
    for (int i = 0; i < 200; i++) {
        b[i] = (char)check(e2, 0, 512, R, &v);
        rules_verdict_fini(&v);
    }
    /* Rule 2 draws from stream 2: a different sequence. */
    assert_memory_not_equal(a, b, sizeof(a));
    rules_engine_free(e2);
    assert_true(rules_uses_random(e));
}

/* ---- parser ---------------------------------------------------------- */

static void
test_new_groups_parse_with_defaults(void **state)
{
    struct rules_engine *e = *state;
    const struct rules_rule *r;

    load(e, "[delay]\nlatency = \"5ms\"\n"
            "[hang]\niotype = \"write\"\n"
            "[corrupt]\n"
            "[drop-writes]\n"
            "[torn-write]\n"
            "[bad-blocks]\nsectors = \"9,3-4\"\n"
            "[powercut]\n"
            "[write-cache]\n");
    r = rules_get(e, 1);
    assert_int_equal(r->action, RULES_DELAY);
    assert_int_equal(r->u.delay.kind, RULES_DELAY_FIXED);
    assert_int_equal(r->u.delay.ns, 5000000);
    assert_int_equal(r->m.iotype_mask, (1u << RULES_IO_BLOCK_STATUS) - 1);
    r = rules_get(e, 2);
    assert_string_equal(r->u.hang.tag, "hang");
    assert_int_equal(r->u.hang.timeout_ns, 0);
    assert_int_equal(r->u.hang.error, EIO);
    assert_int_equal(r->m.iotype_mask, 1u << W);
    r = rules_get(e, 3);
    assert_int_equal(r->u.corrupt.mode, RULES_CORRUPT_FLIP);
    assert_int_equal(r->u.corrupt.bits, 1);
    assert_int_equal(r->m.iotype_mask, 1u << R);
    r = rules_get(e, 5);
    assert_true(r->u.torn.random);
    assert_int_equal(r->u.torn.error, EIO);
    r = rules_get(e, 6);
    assert_int_equal(r->u.bad_blocks.bad.n, 2);
    assert_int_equal(r->u.bad_blocks.bad.v[0].first, 3);
    assert_int_equal(r->u.bad_blocks.bad.v[0].last, 4);
    assert_int_equal(r->u.bad_blocks.bad.v[1].first, 9);
    r = rules_get(e, 7);
    assert_true(r->u.powercut.keep == 0.0);
    assert_false(r->u.powercut.exit);
    assert_true(rules_write_cache(e));
    assert_int_equal(rules_count(e), 8);
}

static void
test_values_sizes_durations_fractions(void **state)
{
    uint64_t n;
    int64_t ns;
    double f;

    (void)state;
    assert_int_equal(rules_parse_size("4k", &n), 0);
    assert_int_equal(n, 4096);
    assert_int_equal(rules_parse_size("1.5M", &n), 0);
    assert_int_equal(n, 1572864);
    assert_int_equal(rules_parse_size("0x1000", &n), 0);
    assert_int_equal(n, 4096);
    assert_int_equal(rules_parse_size("-1", &n), -EINVAL);
    assert_int_equal(rules_parse_size("4q", &n), -EINVAL);
    assert_int_equal(rules_parse_duration("5ms", &ns), 0);
    assert_int_equal(ns, 5000000);
    assert_int_equal(rules_parse_duration("250us", &ns), 0);
    assert_int_equal(ns, 250000);
    assert_int_equal(rules_parse_duration("1.5s", &ns), 0);
    assert_int_equal(ns, 1500000000);
    assert_int_equal(rules_parse_duration("7", &ns), 0);
    assert_int_equal(ns, 7000000);
    assert_int_equal(rules_parse_duration("3ns", &ns), 0);
    assert_int_equal(ns, 3);
    assert_int_equal(rules_parse_duration("5 ms", &ns), -EINVAL);
    assert_int_equal(rules_parse_duration("-5ms", &ns), -EINVAL);
    assert_int_equal(rules_parse_duration("5h", &ns), -EINVAL);
    assert_int_equal(rules_parse_fraction("0.25", &f), 0);
    assert_true(f == 0.25);
    assert_int_equal(rules_parse_fraction("25%", &f), 0);
    assert_true(f == 0.25);
    assert_int_equal(rules_parse_fraction("1e-6", &f), 0);
    assert_true(f == 1e-6);
    assert_int_equal(rules_parse_fraction("1.5", &f), -EINVAL);
    assert_int_equal(rules_parse_fraction("nan", &f), -EINVAL);
}

static void
test_bad_keys_and_values_are_refused(void **state)
{
    (void)state;
    assert_add_msg("delay", "Missing latency for delay");
    assert_add_msg("delay latency=1 latency-max=2 stddev=1",
                   "Only one of 'latency-max' and 'stddev' may be given");
    assert_add_msg("delay latency=5 latency-max=4",
                   "Parameter 'latency-max' must not be below 'latency'");
    assert_add_msg("delay latency=5xs",
                   "Parameter 'latency' expects a duration: a number and ns, "
                   "us, ms or s");
    assert_add_msg("delay histogram=/nonexistent/h",
                   "Could not read histogram '/nonexistent/h': No such file "
                   "or directory");
    assert_add_msg("delay event=read_aio latency=1",
                   "Invalid parameter 'event'");
    assert_add_msg("hang tag=", "Parameter 'tag' is empty");
    assert_add_msg("corrupt mode=melt", "invalid parameter value: melt");
    assert_add_msg("corrupt mode=stuck",
                   "Missing bit-probability for stuck bits");
    assert_add_msg("corrupt bits=2 at=1",
                   "Parameter 'at' is not for mode flip");
    assert_add_msg("corrupt bits=2 bit-probability=0.1",
                   "Only one of 'bits' and 'bit-probability' may be given");
    assert_add_msg("corrupt mode=overwrite value=256",
                   "Parameter 'value' expects a byte (0 to 255)");
    assert_add_msg("corrupt iotype=flush",
                   "[corrupt] acts on read, write only");
    assert_add_msg("torn-write iotype=read",
                   "[torn-write] acts on write, write-zeroes only");
    assert_add_msg("bad-blocks", "Missing sectors for bad-blocks");
    assert_add_msg("bad-blocks sectors=5-3",
                   "Parameter 'sectors' expects sector numbers and ranges "
                   "(8,16,100-107)");
    assert_add_msg("write-cache iotype=read", "Invalid parameter 'iotype'");
    assert_add_msg("drop-writes start=2k end=1k",
                   "Parameter 'end' must be above 'start'");
    assert_add_msg("drop-writes nth=0",
                   "Parameter 'nth' expects a number above 0");
    assert_add_msg("drop-writes nth=1 first=2",
                   "Only one of 'nth', 'every' and 'first' may be given");
    assert_add_msg("drop-writes up=1s",
                   "Parameters 'up' and 'down' go together");
    assert_add_msg("drop-writes min-length=2k max-length=1k",
                   "Parameter 'max-length' must not be below 'min-length'");
    assert_add_msg("powercut keep=2",
                   "Parameter 'keep' expects a number from 0 to 1, or a "
                   "percentage");
    assert_add_msg("inject-error event=none iotype=read,bogus",
                   "invalid parameter value: read,bogus");
    assert_add_msg("inject-error event=none start=4x",
                   "Parameter 'start' expects a non-negative number below "
                   "2^64\nOptional suffix k, M, G, T, P or E means kilo-, "
                   "mega-, giga-, tera-, peta-\nand exabytes, respectively.");
    /* QEMU's messages for QEMU's groups stay. */
    assert_add_msg("set-state event=read_aio errno=5",
                   "Invalid parameter 'errno'");
    assert_add_msg("break event=read_aio", "There is no option group 'break'");
}

static void
test_load_order_and_inline_groups(void **state)
{
    struct rules_engine *e = *state;
    struct rules_kv kv[] = {
        { "delay.0.latency", "2ms" }, { "delay.1.latency", "3ms" },
        { "write-cache.x", "1" },
    };
    char *cause = NULL;

    /* QEMU's groups first (inject-error, then set-state), then blkmon's in
     * file order, inline ones after the file's. */
    assert_int_equal(rules_load_string(e,
        "[drop-writes]\n[set-state]\nevent = \"none\"\n[delay]\n"
        "latency = \"1ms\"\n[inject-error]\nevent = \"none\"\n",
        kv, 2, &cause), 0);
    assert_int_equal(rules_get(e, 1)->action, RULES_INJECT_ERROR);
    assert_int_equal(rules_get(e, 2)->action, RULES_SET_STATE);
    assert_int_equal(rules_get(e, 3)->action, RULES_DROP_WRITES);
    assert_int_equal(rules_get(e, 4)->action, RULES_DELAY);
    assert_int_equal(rules_get(e, 4)->u.delay.ns, 1000000);
    assert_int_equal(rules_get(e, 5)->u.delay.ns, 2000000);
    assert_int_equal(rules_get(e, 6)->u.delay.ns, 3000000);
    assert_true(rules_is_option("delay.0.latency"));
    assert_true(rules_is_option("powercut.keep"));
    assert_false(rules_is_option("break.0.x"));
    /* write-cache has no keys to give inline. */
    assert_int_equal(rules_load_string(e, NULL, &kv[2], 1, &cause), -EINVAL);
    assert_string_equal(cause, "Unused option 'x' for [write-cache]");
    free(cause);
}

static void
test_format_writes_new_groups_only_when_present(void **state)
{
    struct rules_engine *e = *state, *e2;
    char *text, *again;

    load(e, "[inject-error]\nevent = \"read_aio\"\nsector = \"8\"\n");
    text = rules_format(e);
    assert_string_equal(text, "[inject-error]\nevent = \"read_aio\"\n"
                              "errno = \"5\"\nsector = \"8\"\n");
    free(text);
    add(e, "delay latency=1500us iotype=write,flush every=3");
    add(e, "bad-blocks sectors=1,2,3,10");
    add(e, "inject-error event=none probability=10% up=1s down=500ms");
    text = rules_format(e);
    assert_string_equal(text,
        "[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\n"
        "sector = \"8\"\n\n"
        "[inject-error]\nevent = \"none\"\nerrno = \"5\"\n"
        "probability = \"0.1\"\nup = \"1s\"\ndown = \"500ms\"\n\n"
        "[delay]\nlatency = \"1500us\"\niotype = \"write,flush\"\n"
        "every = \"3\"\n\n"
        "[bad-blocks]\nsectors = \"1-3,10\"\nerrno = \"5\"\n");
    e2 = rules_engine_new();
    load(e2, text);
    again = rules_format(e2);
    assert_string_equal(text, again);
    free(again);
    free(text);
    rules_engine_free(e2);
}

/* ---- conditions ------------------------------------------------------ */

static void
test_range_and_length_conditions(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "drop-writes start=4096 end=8192 min-length=512 max-length=4096");
    /* Touching [4096, 8192) at either end, or not at all. */
    assert_false(check(e, 0, 4096, W, &v));
    assert_true(check(e, 3584, 1024, W, &v));
    assert_true(check(e, 8191, 1, W, &v) == false);   /* under min-length */
    assert_true(check(e, 7680, 512, W, &v));
    assert_false(check(e, 8192, 512, W, &v));
    assert_false(check(e, 0, 16384, W, &v));          /* over max-length */
    assert_false(check(e, 4096, 512, R, &v));         /* not a write type */
    assert_int_equal(rules_get(e, 1)->matched, 2);
    assert_int_equal(rules_get(e, 1)->injected, 2);
}

static void
test_count_conditions(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;
    char got[10];

    add(e, "delay latency=1 every=3");
    add(e, "drop-writes nth=4");
    add(e, "corrupt iotype=write mode=overwrite first=2");
    for (int i = 0; i < 9; i++) {
        check(e, 0, 512, W, &v);
        got[i] = (char)('0' + (v.delay_rule != 0) + 2 * (v.drop_rule != 0) +
                        4 * (v.corrupt_rule != 0));
        rules_verdict_fini(&v);
    }
    got[9] = '\0';
    /* Corrupt acts on writes 1 and 2, delay on 3, 6, 9; drop on 4 (the 4th
     * write counts for drop although delay acted on the 3rd). */
    assert_string_equal(got, "441201001");
}

static void
test_window_up_then_down(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "drop-writes up=1s down=500ms");
    assert_false(check(e, 0, 512, W, &v));            /* t = 0: up */
    fake_now += 999999999;
    assert_false(check(e, 0, 512, W, &v));
    fake_now += 1;                                    /* t = 1 s: down */
    assert_true(check(e, 0, 512, W, &v));
    fake_now += 499999999;
    assert_true(check(e, 0, 512, W, &v));
    fake_now += 1;                                    /* 1.5 s: up again */
    assert_false(check(e, 0, 512, W, &v));
    fake_now += 1000000000;                           /* 2.5 s: down */
    assert_true(check(e, 0, 512, W, &v));
}

static void
test_state_and_disable(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "drop-writes state=2");
    assert_false(check(e, 0, 512, W, &v));
    rules_set_state(e, 2);
    assert_true(check(e, 0, 512, W, &v));
    assert_int_equal(rules_enable(e, 1, false), 0);
    assert_false(check(e, 0, 512, W, &v));
    assert_int_equal(rules_get(e, 1)->matched, 1);
    assert_int_equal(rules_enable(e, 1, true), 0);
    assert_true(check(e, 0, 512, W, &v));
    assert_int_equal(rules_enable(e, 9, true), -ENOENT);
}

static void
test_inject_error_with_conditions_keeps_qemu_order(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    /* Armed oldest first; the first whose conditions hold decides. */
    load(e, "[inject-error]\nevent = \"none\"\nerrno = \"28\"\nnth = \"2\"\n"
            "[inject-error]\nevent = \"none\"\nerrno = \"5\"\n"
            "start = \"1M\"\n");
    rules_event(e, RULES_EV_NONE, NULL, NULL);
    assert_int_equal(rules_check(e, 0, 512, R, NULL), 0);
    assert_int_equal(rules_check(e, 0, 512, R, NULL), -ENOSPC);
    assert_int_equal(rules_check(e, 1 << 20, 512, R, NULL), -EIO);
    assert_true(check(e, 1 << 20, 512, R, &v));
    assert_int_equal(v.error, -EIO);
    assert_int_equal(v.error_rule, 2);
}

/* ---- verdicts -------------------------------------------------------- */

static void
test_verdict_precedence(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "torn-write sectors=1");
    add(e, "corrupt iotype=write mode=overwrite");
    add(e, "delay latency=2ms");
    assert_true(check(e, 0, 2048, W, &v));
    assert_int_equal(v.torn_rule, 1);
    assert_int_equal(v.torn_bytes, 512);
    assert_int_equal(v.corrupt_rule, 2);
    assert_int_equal(v.nedits, 1);
    assert_int_equal(v.delay_ns, 2000000);
    rules_verdict_fini(&v);
    /* Dropping takes the place of tearing and corrupting. */
    add(e, "drop-writes");
    assert_true(check(e, 0, 2048, W, &v));
    assert_int_equal(v.drop_rule, 4);
    assert_int_equal(v.torn_rule, 0);
    assert_int_equal(v.corrupt_rule, 0);
    assert_int_equal(v.delay_rule, 3);
    rules_verdict_fini(&v);
    /* An error takes the place of all three, not of the delay. */
    load(e, "[inject-error]\nevent = \"none\"\n");
    rules_event(e, RULES_EV_NONE, NULL, NULL);
    assert_true(check(e, 0, 2048, W, &v));
    assert_int_equal(v.error, -EIO);
    assert_int_equal(v.drop_rule, 0);
    assert_int_equal(v.delay_rule, 3);
    rules_verdict_fini(&v);
    /* A power cut takes the request: nothing else applies. */
    add(e, "powercut keep=0.5 exit=on once=on");
    assert_true(check(e, 0, 2048, W, &v));
    assert_int_equal(v.powercut_rule, 6);
    assert_true(v.powercut_exit);
    assert_int_equal(v.error, 0);
    assert_int_equal(v.delay_rule, 0);
    rules_verdict_fini(&v);
    /* once: gone after it acted. */
    assert_null(rules_get(e, 6));
}

static void
test_first_rule_of_a_kind_acts_every_rule_counts(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "delay latency=1ms iotype=read");
    add(e, "delay latency=7ms");
    check(e, 0, 512, R, &v);
    assert_int_equal(v.delay_rule, 1);
    check(e, 0, 512, W, &v);
    assert_int_equal(v.delay_rule, 2);
    assert_int_equal(rules_get(e, 2)->matched, 2);
    assert_int_equal(rules_get(e, 2)->injected, 1);
}

static void
test_hang_verdict(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "hang tag=slow timeout=250ms errno=110 iotype=flush");
    assert_false(check(e, 0, 512, W, &v));
    assert_true(check(e, 0, 0, F, &v));
    assert_string_equal(v.hang_tag, "slow");
    assert_int_equal(v.hang_timeout_ns, 250000000);
    assert_int_equal(v.hang_error, ETIMEDOUT);
    rules_verdict_fini(&v);
}

static void
test_bad_blocks_fail_reads_until_written(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "bad-blocks sectors=8,16-19 errno=61");
    assert_false(check(e, 0, 4096, R, &v));
    assert_true(check(e, 4096, 4096, R, &v));
    assert_int_equal(v.error, -ENODATA);
    assert_int_equal(v.bad_sector, 8);
    /* A write is never failed by the rule. */
    assert_false(check(e, 4096, 512, W, &v));
    /* Only whole sectors heal. */
    rules_note_written(e, 4096, 511);
    assert_true(check(e, 4096, 512, R, &v));
    rules_note_written(e, 4096, 512);
    assert_false(check(e, 4096, 512, R, &v));
    rules_note_written(e, 17 * 512, 1024);   /* splits 16-19 */
    assert_int_equal(rules_get(e, 1)->u.bad_blocks.bad.n, 2);
    assert_true(check(e, 16 * 512, 512, R, &v));
    assert_int_equal(v.bad_sector, 16);
    assert_false(check(e, 17 * 512, 1024, R, &v));
    assert_true(check(e, 17 * 512, 2048, R, &v));
    assert_int_equal(v.bad_sector, 19);
}

static void
test_sector_lists(void **state)
{
    struct rules_sectors s;

    (void)state;
    assert_int_equal(rules_sectors_parse("5 1-3,4 10-12,11", &s), 0);
    /* Merged and sorted: 1-5, 10-12. */
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0].first, 1);
    assert_int_equal(s.v[0].last, 5);
    assert_int_equal(s.v[1].last, 12);
    assert_int_equal(rules_sectors_first_in(&s, 6 * 512, 4 * 512), -1);
    assert_int_equal(rules_sectors_first_in(&s, 6 * 512, 4 * 512 + 1), 10);
    assert_int_equal(rules_sectors_first_in(&s, 0, 0), -1);
    rules_sectors_remove(&s, 0, 100);
    assert_int_equal(s.n, 0);
    free(s.v);
    assert_int_equal(rules_sectors_parse("", &s), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(rules_sectors_parse("3-", &s), -EINVAL);
    assert_int_equal(rules_sectors_parse("a", &s), -EINVAL);
}

static void
test_torn_prefixes_follow_sector_boundaries(void **state)
{
    struct rules_rule r = { .action = RULES_TORN_WRITE };
    struct rules_io io = { 100, 1000, W };
    struct rules_rng rng;

    (void)state;
    r.u.torn.sectors = 1;
    assert_int_equal(rules_torn_bytes(&r, &rng, &io), 412);
    r.u.torn.sectors = 2;
    assert_int_equal(rules_torn_bytes(&r, &rng, &io), 924);
    r.u.torn.sectors = 9;   /* more than it touches: all of it */
    assert_int_equal(rules_torn_bytes(&r, &rng, &io), 1000);
    r.u.torn.sectors = 0;
    assert_int_equal(rules_torn_bytes(&r, &rng, &io), 0);
    /* Random: x mod 3 sectors, never all of them. */
    r.u.torn.random = true;
    rules_rng_init(&rng, 1, 1);
    for (int i = 0; i < 100; i++) {
        uint64_t b = rules_torn_bytes(&r, &rng, &io);

        assert_true(b == 0 || b == 412 || b == 924);
    }
}

static void
test_corrupt_edits(void **state)
{
    struct rules_rule r = { .action = RULES_CORRUPT, .id = 3 };
    struct rules_io io = { 8192, 4096, R }, part = { 10240, 100, R };
    struct rules_edit *ed = NULL, *ed2 = NULL;
    struct rules_rng rng;
    size_t n = 0, n2 = 0, bits;
    uint64_t nbits = 0;

    (void)state;
    rules_rng_init(&rng, 5, 3);
    r.u.corrupt.mode = RULES_CORRUPT_FLIP;
    r.u.corrupt.bits = 17;
    rules_corrupt_edits(&r, &rng, &io, &ed, &n, &nbits);
    bits = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(ed[i].pos >= 8192 && ed[i].pos < 8192 + 4096);
        assert_true(i == 0 || ed[i].pos > ed[i - 1].pos);
        bits += (size_t)__builtin_popcount(ed[i].flip);
    }
    assert_int_equal(bits, 17);     /* distinct bits: exactly 17 flips */
    free(ed);
    ed = NULL;
    n = 0;
    /* Overwrite: bytes at..at+count of the request, clipped to it. */
    r.u.corrupt.mode = RULES_CORRUPT_OVERWRITE;
    r.u.corrupt.at = 98;
    r.u.corrupt.count = 5;
    r.u.corrupt.value = 0xa5;
    rules_corrupt_edits(&r, &rng, &part, &ed, &n, &nbits);
    assert_int_equal(n, 2);
    assert_int_equal(ed[0].pos, 10240 + 98);
    assert_int_equal(ed[0].set, 0xff);
    assert_int_equal(ed[1].bits, 0xa5);
    free(ed);
    ed = NULL;
    n = 0;
    /* Stuck bits: the same at an offset whatever the request. */
    rules_set_seed(77);
    r.u.corrupt.mode = RULES_CORRUPT_STUCK;
    r.u.corrupt.bit_probability = 0.01;
    rules_corrupt_edits(&r, &rng, &io, &ed, &n, &nbits);
    rules_corrupt_edits(&r, &rng, &part, &ed2, &n2, &nbits);
    assert_true(n > 0 && n2 > 0);
    for (size_t i = 0, j = 0; j < n2; i++) {
        assert_true(i < n);
        if (ed[i].pos < ed2[j].pos)
            continue;
        assert_true(ed[i].pos == ed2[j].pos);
        assert_int_equal(ed[i].set, ed2[j].set);
        assert_int_equal(ed[i].bits, ed2[j].bits);
        j++;
    }
    free(ed);
    free(ed2);
}

static void
test_every_corrupt_rule_acts(void **state)
{
    struct rules_engine *e = *state;
    struct rules_verdict v;

    add(e, "corrupt mode=overwrite at=0 value=1");
    add(e, "corrupt mode=overwrite at=3 value=2 start=4k");
    add(e, "corrupt mode=overwrite at=0 value=3 nth=2");
    assert_true(check(e, 4096, 512, R, &v));
    assert_int_equal(v.corrupt_rule, 1);
    assert_int_equal(v.nedits, 2);
    assert_int_equal(v.edits[0].bits, 1);
    assert_int_equal(v.edits[1].pos, 4099);
    rules_verdict_fini(&v);
    /* Byte 0 changed by two rules: the later one's value wins. */
    assert_true(check(e, 4096, 512, R, &v));
    assert_int_equal(v.nedits, 2);
    assert_int_equal(v.edits[0].bits, 3);
    rules_verdict_fini(&v);
    assert_int_equal(rules_get(e, 1)->injected, 2);
    assert_int_equal(rules_get(e, 3)->injected, 1);
}

static void
test_delay_draws(void **state)
{
    struct rules_rule r = { .action = RULES_DELAY };
    struct rules_rng rng;
    double sum = 0;

    (void)state;
    rules_rng_init(&rng, 1, 1);
    r.u.delay.kind = RULES_DELAY_UNIFORM;
    r.u.delay.ns = 1000;
    r.u.delay.max_ns = 2000;
    for (int i = 0; i < 1000; i++) {
        int64_t d = rules_delay_draw(&r, &rng);

        assert_true(d >= 1000 && d < 2000);
    }
    r.u.delay.kind = RULES_DELAY_NORMAL;
    r.u.delay.ns = 1000000;
    r.u.delay.stddev_ns = 100000;
    for (int i = 0; i < 10000; i++)
        sum += (double)rules_delay_draw(&r, &rng);
    /* The mean of 10000 draws lies within 4 standard errors (4000 ns). */
    assert_true(sum / 10000 > 996000 && sum / 10000 < 1004000);
}

static void
test_break_with_conditions(void **state)
{
    struct rules_engine *e = *state;
    struct rules_kv kv[] = { { "start", "4k" }, { "end", "8k" },
                             { "iotype", "write" } };
    struct rules_io at0 = { 0, 512, W }, at4k = { 4096, 512, W },
                    rd = { 4096, 512, R };
    struct rules_fired f;
    char *cause = NULL;
    int cookie;

    assert_int_equal(rules_break_add_if(e, "write_aio", "A", kv, 3, NULL,
                                        &cause), 0);
    rules_event_io(e, RULES_EV_WRITE_AIO, &at0, &cookie, &f);
    assert_int_equal(f.nsuspend, 0);
    rules_event_io(e, RULES_EV_WRITE_AIO, &rd, &cookie, &f);
    assert_int_equal(f.nsuspend, 0);
    /* An event with no request never meets request conditions. */
    rules_event(e, RULES_EV_WRITE_AIO, &cookie, &f);
    assert_int_equal(f.nsuspend, 0);
    rules_event_io(e, RULES_EV_WRITE_AIO, &at4k, &cookie, &f);
    assert_int_equal(f.nsuspend, 1);
    rules_fired_fini(&f);
    assert_true(rules_is_suspended(e, "A"));
    assert_int_equal(rules_count(e), 0);    /* one-shot */
    kv[0] = (struct rules_kv){ "nth", "x" };
    assert_int_equal(rules_break_add_if(e, "write_aio", "B", kv, 1, NULL,
                                        &cause), -EINVAL);
    assert_string_equal(cause, "Parameter 'nth' expects a number");
    free(cause);
    assert_int_equal(rules_break_add_if(e, "nope", "B", NULL, 0, NULL, NULL),
                     -ENOENT);
}

static void
test_set_state_with_conditions(void **state)
{
    struct rules_engine *e = *state;
    struct rules_io w = { 0, 512, W }, far = { 1 << 20, 512, W };

    add(e, "set-state event=write_aio new_state=5 start=1M once=on");
    rules_event_io(e, RULES_EV_WRITE_AIO, &w, NULL, NULL);
    assert_int_equal(rules_state(e), 1);
    rules_event_io(e, RULES_EV_WRITE_AIO, &far, NULL, NULL);
    assert_int_equal(rules_state(e), 5);
    assert_int_equal(rules_count(e), 0);
}

int
main(int argc, char **argv)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rng_is_splitmix64),
        T(test_probability_is_reproducible_and_per_rule),
        T(test_new_groups_parse_with_defaults),
        T(test_values_sizes_durations_fractions),
        T(test_bad_keys_and_values_are_refused),
        T(test_load_order_and_inline_groups),
        T(test_format_writes_new_groups_only_when_present),
        T(test_range_and_length_conditions),
        T(test_count_conditions),
        T(test_window_up_then_down),
        T(test_state_and_disable),
        T(test_inject_error_with_conditions_keeps_qemu_order),
        T(test_verdict_precedence),
        T(test_first_rule_of_a_kind_acts_every_rule_counts),
        T(test_hang_verdict),
        T(test_bad_blocks_fail_reads_until_written),
        T(test_sector_lists),
        T(test_torn_prefixes_follow_sector_boundaries),
        T(test_corrupt_edits),
        T(test_every_corrupt_rule_acts),
        T(test_delay_draws),
        T(test_break_with_conditions),
        T(test_set_state_with_conditions),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
