/*
 * test_throttle_group.c — throttle groups: qemu's checks of a group's
 * limits, the leaky buckets' arithmetic on a clock the test sets (a tenth
 * of a second's worth passes at once, then each request waits its share;
 * iops-size counts big requests as several; a burst rate lets a burst
 * through), and requests over the limits going on from the loop, in order,
 * no earlier than the buckets allow.
 *
 * Run one test: test_throttle_group NAME-GLOB
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/loop.h"
#include "backend/throttle-group.c"

/* A group made as --object makes it; fails the test when refused. */
static struct bk_throttle_group *group(const char *def)
{
    char *cause = NULL;
    const char *id;
    int ret = bk_throttle_group_add(def, &cause);

    if (ret != 0)
        fail_msg("%s: %s", def, cause);
    id = strstr(def, "id=") + 3;
    {
        char name[32];
        size_t n = strcspn(id, ",");

        memcpy(name, id, n);
        name[n] = '\0';
        return bk_throttle_group_find(name);
    }
}

static void refused(const char *def, const char *want)
{
    char *cause = NULL;

    assert_int_equal(bk_throttle_group_add(def, &cause), -EINVAL);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

/* Waits are computed in floating point: equal to the nanosecond or so. */
static void assert_wait(int64_t got, int64_t want)
{
    assert_in_range(got, want - 1000, want + 1000);
}

static void test_limits_checked_in_qemus_words(void **state)
{
    (void)state;
    refused("throttle-group,id=a,x-iops-total-max=5",
            "bps_max/iops_max require corresponding bps/iops values");
    refused("throttle-group,id=a,x-iops-total=10,x-iops-read=5",
            "bps/iops/max total values and read/write values cannot be "
            "used at the same time");
    refused("throttle-group,id=a,x-iops-size=512",
            "iops size requires an iops value to be set");
    refused("throttle-group,id=a,x-bps-total=10,x-bps-total-max-length=2",
            "burst length set without burst rate");
    refused("throttle-group,id=a,x-bps-total=10,x-bps-total-max=5",
            "bps_max/iops_max cannot be lower than bps/iops");
    refused("throttle-group,id=a,x-bps-total=-1",
            "Property values cannot be negative");
    refused("throttle-group,id=a,limits.bps-total=-1",
            "bps/iops/max values must be within [0, 1000000000000000]");
    refused("throttle-group,id=a,x-bps=1", "Parameter 'x-bps' is unexpected");
    refused("throttle-group,x-bps-total=1", "Parameter 'id' is missing");
    /* Refused groups leave no name behind. */
    assert_null(bk_throttle_group_find("a"));
    group("throttle-group,id=dup");
    refused("throttle-group,id=dup", "attempt to add duplicate property "
            "'dup' to object (type 'container')");
}

static void test_a_tenth_of_a_second_passes_then_each_waits(void **state)
{
    struct bk_throttle_group *tg = group("throttle-group,id=t1,"
                                         "x-iops-total=10");

    (void)state;
    tg->previous_leak = 0;
    tg_leak(tg, 0);
    /* Bucket size: avg / 10 = 1 operation.  Two pass at once... */
    assert_int_equal(tg_wait_for(tg, 0), 0);
    tg_account(tg, 0, 4096);
    assert_int_equal(tg_wait_for(tg, 1), 0);
    tg_account(tg, 1, 4096);
    /* ...the third waits for one operation to leak: 100 ms. */
    assert_wait(tg_wait_for(tg, 0), 100000000);
    tg_leak(tg, 40000000);
    assert_wait(tg_wait_for(tg, 0), 60000000);
    tg_leak(tg, 100000000);
    assert_int_equal(tg_wait_for(tg, 0), 0);
}

static void test_iops_size_counts_big_requests_as_several(void **state)
{
    struct bk_throttle_group *tg = group("throttle-group,id=t2,"
                                         "x-iops-write=10,x-iops-size=4096");

    (void)state;
    tg->previous_leak = 0;
    tg_account(tg, 1, 16384);
    assert_true(tg->b[TG_OPS_WRITE].level == 4.0);
    /* Reads are not limited by a write limit. */
    assert_int_equal(tg_wait_for(tg, 0), 0);
    assert_wait(tg_wait_for(tg, 1), 300000000);
}

static void test_burst_rate_lets_a_burst_through(void **state)
{
    struct bk_throttle_group *tg = group(
        "throttle-group,id=t3,x-bps-total=1000,x-bps-total-max=10000,"
        "x-bps-total-max-length=2");

    (void)state;
    tg->previous_leak = 0;
    /* The bucket holds max * length = 20000 bytes; the burst itself is
     * held to max per second: a tenth of it (1000) passes at once. */
    tg_account(tg, 0, 1000);
    assert_int_equal(tg_wait_for(tg, 0), 0);
    tg_account(tg, 0, 1000);
    assert_wait(tg_wait_for(tg, 0), 100000000);
}

struct order {
    int seen[8];
    int n;
    int64_t at[8];
};

static struct order order;

static void on_admitted(struct bk_io *io)
{
    order.at[order.n] = bk_now_ns();
    order.seen[order.n++] = (int)io->offset;
}

static void test_waiting_requests_go_on_from_the_loop_in_order(void **state)
{
    struct bk_throttle_group *tg = group("throttle-group,id=t4,"
                                         "x-iops-read=50");
    struct bk_loop *loop = bk_loop_new(1);
    struct bk_node node = { .loop = loop };
    struct bk_io io[5];
    int64_t t0 = bk_now_ns();

    (void)state;
    memset(&order, 0, sizeof(order));
    bk_throttle_group_ref(tg);
    for (int i = 0; i < 5; i++) {
        io[i] = (struct bk_io){ .node = &node, .offset = i };
        bk_throttle_group_admit(tg, &io[i], false, 512, on_admitted);
    }
    /* Five at once: a tenth of a second's worth (5) passes, none waits
     * for the loop. */
    assert_int_equal(order.n, 5);
    for (int i = 0; i < 5; i++)
        io[i] = (struct bk_io){ .node = &node, .offset = 10 + i };
    for (int i = 0; i < 3; i++)
        bk_throttle_group_admit(tg, &io[i], false, 512, on_admitted);
    /* Over the limit now: they wait, in the group, not in a thread. */
    assert_int_equal(order.n, 6);
    assert_int_equal(bk_throttle_group_waiting(tg, 0), 2);
    while (order.n < 8)
        bk_loop_iterate(loop, -1);
    assert_int_equal(order.seen[6], 11);
    assert_int_equal(order.seen[7], 12);
    /* At 50 a second, the eighth comes two operations (40 ms) after the
     * burst, however fast the machine: a lower bound only. */
    assert_true(order.at[7] - t0 >= 39000000);
    assert_int_equal(bk_throttle_group_waiting(tg, 0), 0);
    bk_throttle_group_unref(tg);
    bk_loop_free(loop);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_checked_in_qemus_words),
        cmocka_unit_test(test_a_tenth_of_a_second_passes_then_each_waits),
        cmocka_unit_test(test_iops_size_counts_big_requests_as_several),
        cmocka_unit_test(test_burst_rate_lets_a_burst_through),
        cmocka_unit_test(test_waiting_requests_go_on_from_the_loop_in_order),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
