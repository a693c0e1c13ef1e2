/*
 * test_coro.c — coroutines: a body runs until it yields and goes on when
 * entered again; wake-ups from a running coroutine run after it yields,
 * in order; waits complete whether the completion comes before or after
 * the yield; the lock hands over in FIFO order; stacks are reused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/coro.h"

static char trace[256];

static void note(const char *s)
{
    strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
}

static void body_yield_twice(void *arg)
{
    (void)arg;
    note("a");
    bk_co_yield();
    note("b");
    bk_co_yield();
    note("c");
}

static void test_body_runs_in_steps_between_yields(void **state)
{
    struct bk_co *co;

    (void)state;
    trace[0] = '\0';
    co = bk_co_new(body_yield_twice, NULL);
    assert_null(bk_co_self());
    bk_co_enter(co);
    assert_string_equal(trace, "a");
    bk_co_enter(co);
    assert_string_equal(trace, "ab");
    bk_co_enter(co);           /* ends and goes back to the pool */
    assert_string_equal(trace, "abc");
    assert_null(bk_co_self());
}

struct pair {
    struct bk_co *other;
    const char *name;
};

static void body_wake_other_then_yield(void *arg)
{
    struct pair *p = arg;

    note(p->name);
    bk_co_wake(p->other);      /* runs after this one yields */
    note("+");
    bk_co_yield();
    note(p->name);
}

static void body_note_twice(void *arg)
{
    struct pair *p = arg;

    note(p->name);
    bk_co_yield();
    note(p->name);
}

static void test_a_wake_from_a_coroutine_runs_after_it_yields(void **state)
{
    struct pair pb = { NULL, "B" };
    struct bk_co *b = bk_co_new(body_note_twice, &pb);
    struct pair pa = { b, "A" };
    struct bk_co *a = bk_co_new(body_wake_other_then_yield, &pa);

    (void)state;
    trace[0] = '\0';
    bk_co_enter(b);            /* B runs to its yield */
    bk_co_enter(a);            /* A wakes B, yields, then B goes on */
    assert_string_equal(trace, "BA+B");
    bk_co_enter(a);
    assert_string_equal(trace, "BA+BA");
}

static struct bk_co_wait *pending_wait;

static void body_wait(void *arg)
{
    struct bk_co_wait w;
    bool inline_done = *(bool *)arg;

    bk_co_wait_init(&w);
    if (inline_done)
        bk_co_wait_done(&w);   /* the completion came before the yield */
    else
        pending_wait = &w;
    bk_co_wait_for(&w);
    note("done");
}

static void test_a_wait_ends_with_the_completion_before_or_after(void **state)
{
    bool inline_done = true;
    struct bk_co *co;

    (void)state;
    trace[0] = '\0';
    co = bk_co_new(body_wait, &inline_done);
    bk_co_enter(co);
    assert_string_equal(trace, "done");

    trace[0] = '\0';
    inline_done = false;
    pending_wait = NULL;
    co = bk_co_new(body_wait, &inline_done);
    bk_co_enter(co);
    assert_string_equal(trace, "");
    assert_non_null(pending_wait);
    bk_co_wait_done(pending_wait);   /* from the loop: enters it */
    assert_string_equal(trace, "done");
}

static struct bk_co_mutex lock;

static void body_locker(void *arg)
{
    bk_co_mutex_lock(&lock);
    note(arg);
    bk_co_yield();             /* hold the lock across a yield */
    note(arg);
    bk_co_mutex_unlock(&lock);
}

static void test_the_lock_is_handed_over_in_arrival_order(void **state)
{
    struct bk_co *a = bk_co_new(body_locker, "1");
    struct bk_co *b = bk_co_new(body_locker, "2");
    struct bk_co *c = bk_co_new(body_locker, "3");

    (void)state;
    trace[0] = '\0';
    memset(&lock, 0, sizeof(lock));
    bk_co_enter(a);            /* takes the lock, yields */
    bk_co_enter(b);            /* waits */
    bk_co_enter(c);            /* waits */
    assert_string_equal(trace, "1");
    bk_co_enter(a);            /* unlocks: 2 goes on and yields */
    assert_string_equal(trace, "112");
    bk_co_enter(b);            /* unlocks: 3 goes on */
    assert_string_equal(trace, "11223");
    bk_co_enter(c);
    assert_string_equal(trace, "112233");
    assert_false(lock.locked);
}

static void body_nested_inner(void *arg)
{
    (void)arg;
    note("i");
    bk_co_yield();
    note("j");
}

static void body_nested_outer(void *arg)
{
    struct bk_co *inner = bk_co_new(body_nested_inner, NULL);

    (void)arg;
    note("o");
    bk_co_enter(inner);        /* runs nested, comes back here */
    note("p");
    bk_co_enter(inner);
    note("q");
}

static void test_a_coroutine_may_enter_another(void **state)
{
    (void)state;
    trace[0] = '\0';
    bk_co_enter(bk_co_new(body_nested_outer, NULL));
    assert_string_equal(trace, "oipjq");
    assert_null(bk_co_self());
}

static void body_deep_stack(void *arg)
{
    volatile char buf[256 * 1024];

    memset((char *)buf, 1, sizeof(buf));
    *(int *)arg = buf[sizeof(buf) - 1];
}

static void test_many_coroutines_reuse_stacks_and_have_room(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        int v = 0;

        bk_co_enter(bk_co_new(body_deep_stack, &v));
        assert_int_equal(v, 1);
    }
}

static void exit_note(void *arg)
{
    /* Hooks run on the thread's own stack. */
    assert_null(bk_co_self());
    note(arg);
}

static void body_short(void *arg)
{
    note(arg);
}

static void body_enter_two_that_end(void *arg)
{
    struct bk_co *a = bk_co_new(body_short, "a");
    struct bk_co *b = bk_co_new(body_short, "b");

    (void)arg;
    bk_co_on_exit(a, exit_note, "A");
    bk_co_on_exit(b, exit_note, "B");
    bk_co_enter(a);
    bk_co_enter(b);
    note("o");
}

static void test_exit_hooks_run_on_the_threads_stack_after_the_end(
    void **state)
{
    struct bk_co *co;

    (void)state;
    trace[0] = '\0';
    co = bk_co_new(body_short, "x");
    bk_co_on_exit(co, exit_note, "X");
    bk_co_set_data(co, trace);
    assert_ptr_equal(bk_co_data(co), trace);
    bk_co_enter(co);
    assert_string_equal(trace, "xX");
    /* Ended inside another coroutine: the hooks wait for the outermost
     * enter to return, and run in the order the coroutines ended. */
    trace[0] = '\0';
    bk_co_enter(bk_co_new(body_enter_two_that_end, NULL));
    assert_string_equal(trace, "aboAB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_runs_in_steps_between_yields),
        cmocka_unit_test(test_a_wake_from_a_coroutine_runs_after_it_yields),
        cmocka_unit_test(test_a_wait_ends_with_the_completion_before_or_after),
        cmocka_unit_test(test_the_lock_is_handed_over_in_arrival_order),
        cmocka_unit_test(test_a_coroutine_may_enter_another),
        cmocka_unit_test(test_many_coroutines_reuse_stacks_and_have_room),
        cmocka_unit_test(test_exit_hooks_run_on_the_threads_stack_after_the_end),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
