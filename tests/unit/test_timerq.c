/*
 * test_timerq.c — many timers behind one loop timer: they fire in order of
 * due time (ties in the order added), a deleted one never fires, a
 * callback may add and delete others, and ten thousand of them cost one
 * loop timer, not ten thousand.
 *
 * Run one test: test_timerq NAME-GLOB
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/loop.h"
#include "backend/timerq.h"

struct item {
    struct bk_timerq_entry e;
    int id;
};

static int fired[20000];
static size_t nfired;
static struct bk_timerq *q_for_cb;
static struct item *victim;

static void on_fire(struct bk_timerq_entry *e)
{
    fired[nfired++] = ((struct item *)e)->id;
}

static void run_until(struct bk_loop *loop, size_t n)
{
    while (nfired < n)
        bk_loop_iterate(loop, -1);
}

static void test_fire_in_due_order_ties_in_added_order(void **state)
{
    struct bk_loop *loop = bk_loop_new(1);
    struct bk_timerq q;
    struct item it[6];
    static const int64_t ms[6] = { 30, 10, 20, 10, 0, 20 };

    (void)state;
    nfired = 0;
    bk_timerq_init(&q, loop);
    for (int i = 0; i < 6; i++) {
        it[i].id = i;
        bk_timerq_entry_init(&it[i].e);
        bk_timerq_add(&q, &it[i].e, ms[i] * 1000000, on_fire);
    }
    run_until(loop, 6);
    assert_int_equal(fired[0], 4);
    assert_int_equal(fired[1], 1);
    assert_int_equal(fired[2], 3);
    assert_int_equal(fired[3], 2);
    assert_int_equal(fired[4], 5);
    assert_int_equal(fired[5], 0);
    assert_false(bk_timerq_queued(&it[0].e));
    bk_timerq_fini(&q);
    bk_loop_free(loop);
}

static void delete_victim(struct bk_timerq_entry *e)
{
    on_fire(e);
    bk_timerq_del(q_for_cb, &victim->e);
}

static void test_deleted_never_fires_even_from_a_callback(void **state)
{
    struct bk_loop *loop = bk_loop_new(1);
    struct bk_timerq q;
    struct item a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 };

    (void)state;
    nfired = 0;
    bk_timerq_init(&q, loop);
    q_for_cb = &q;
    victim = &c;
    bk_timerq_entry_init(&a.e);
    bk_timerq_entry_init(&b.e);
    bk_timerq_entry_init(&c.e);
    bk_timerq_add(&q, &a.e, 5000000, delete_victim);
    bk_timerq_add(&q, &b.e, 1000000, on_fire);
    bk_timerq_add(&q, &c.e, 5000000, on_fire);   /* due with a, after it */
    bk_timerq_del(&q, &b.e);
    bk_timerq_del(&q, &b.e);                      /* twice: harmless */
    run_until(loop, 1);
    for (int i = 0; i < 5; i++)
        bk_loop_iterate(loop, 10);
    assert_int_equal(nfired, 1);
    assert_int_equal(fired[0], 1);
    bk_timerq_fini(&q);
    bk_loop_free(loop);
}

static void test_many_timers_one_loop_timer(void **state)
{
    struct bk_loop *loop = bk_loop_new(1);
    struct bk_timerq q;
    struct item *it = calloc(10000, sizeof(*it));
    int64_t t0 = bk_now_ns();

    (void)state;
    nfired = 0;
    bk_timerq_init(&q, loop);
    for (int i = 0; i < 10000; i++) {
        it[i].id = i;
        bk_timerq_entry_init(&it[i].e);
        /* Due in scrambled order, all within 50 ms. */
        bk_timerq_add(&q, &it[i].e, (int64_t)((i * 7919) % 10000) * 5000,
                      on_fire);
    }
    assert_int_equal(loop->ntimers, 1);
    run_until(loop, 10000);
    /* Due times (fixed when added) never go back. */
    for (int i = 1; i < 10000; i++)
        assert_true(it[fired[i - 1]].e.due_ns <= it[fired[i]].e.due_ns);
    /* Never early. */
    assert_true(bk_now_ns() - t0 >= 49995000);
    assert_int_equal(loop->ntimers, 0);
    bk_timerq_fini(&q);
    free(it);
    bk_loop_free(loop);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fire_in_due_order_ties_in_added_order),
        cmocka_unit_test(test_deleted_never_fires_even_from_a_callback),
        cmocka_unit_test(test_many_timers_one_loop_timer),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
