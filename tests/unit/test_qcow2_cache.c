/*
 * test_qcow2_cache.c — the metadata cache's bookkeeping: lookups start at
 * the slot the offset hashes to, a miss replaces the unused entry used
 * longest ago (the first such one from that slot on), entries in use are
 * never chosen, dirty marks stay until discarded, and unused clean
 * entries not used since the previous clean-up are forgotten by the
 * clean-up of cache-clean-interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/cache.c"

#define TS 4096

/* Load offset as a caller does: hit, or take the victim. */
static void *load(struct qcow2_cache *c, int64_t offset, int *slot)
{
    int victim, i = qcow2_cache_lookup(c, offset, &victim);

    if (i < 0)
        i = victim;
    assert_true(i >= 0);
    *slot = i;
    return qcow2_cache_take(c, i, offset);
}

static void test_a_miss_takes_the_slot_the_offset_hashes_to(void **state)
{
    struct qcow2_cache *c = qcow2_cache_new(8, TS, "L2 table");
    void *t;
    int slot;

    (void)state;
    /* (offset / table_size * 4) % size */
    t = load(c, 1 * TS, &slot);
    assert_int_equal(slot, 4);
    qcow2_cache_put(c, &t);
    assert_null(t);
    t = load(c, 3 * TS, &slot);
    assert_int_equal(slot, 5);   /* slot 4 used more recently than 5 */
    qcow2_cache_put(c, &t);
    t = load(c, 1 * TS, &slot);  /* a hit */
    assert_int_equal(slot, 4);
    qcow2_cache_put(c, &t);
    qcow2_cache_free(c);
}

static void test_the_least_recently_used_unused_entry_goes(void **state)
{
    struct qcow2_cache *c = qcow2_cache_new(2, TS, "L2 table");
    void *a, *b, *held;
    int sa, sb, s;

    (void)state;
    a = load(c, 2 * TS, &sa);
    qcow2_cache_put(c, &a);
    b = load(c, 5 * TS, &sb);
    qcow2_cache_put(c, &b);
    assert_int_not_equal(sa, sb);
    /* 2*TS was put first: it goes. */
    held = load(c, 9 * TS, &s);
    assert_int_equal(s, sa);
    /* With 9*TS held, the only candidate is 5*TS's slot. */
    a = load(c, 11 * TS, &s);
    assert_int_equal(s, sb);
    /* Both held: nothing can be replaced. */
    {
        int victim;

        assert_int_equal(qcow2_cache_lookup(c, 13 * TS, &victim), -1);
        assert_int_equal(victim, -1);
    }
    qcow2_cache_put(c, &held);
    qcow2_cache_put(c, &a);
    qcow2_cache_free(c);
}

static void test_dirty_until_discarded_and_found_by_offset(void **state)
{
    struct qcow2_cache *c = qcow2_cache_new(4, TS, "refcount block");
    void *t;
    int s;

    (void)state;
    t = load(c, 7 * TS, &s);
    qcow2_cache_mark_dirty(c, t);
    assert_true(c->entries[s].dirty);
    qcow2_cache_put(c, &t);
    assert_true(c->entries[s].dirty);
    t = qcow2_cache_find(c, 7 * TS);
    assert_ptr_equal(t, qcow2_cache_table(c, s));
    qcow2_cache_discard(c, t);
    assert_false(c->entries[s].dirty);
    assert_null(qcow2_cache_find(c, 7 * TS));
    qcow2_cache_free(c);
}

static void test_clean_up_forgets_only_idle_clean_entries(void **state)
{
    struct qcow2_cache *c = qcow2_cache_new(4, TS, "L2 table");
    void *a, *b, *d;
    int sa, sb, sd;

    (void)state;
    a = load(c, 1 * TS, &sa);
    qcow2_cache_put(c, &a);
    b = load(c, 2 * TS, &sb);
    qcow2_cache_mark_dirty(c, b);
    qcow2_cache_put(c, &b);
    d = load(c, 3 * TS, &sd);           /* still in use */
    /* The first pass only sets the mark: all were used since "then". */
    qcow2_cache_clean_unused(c);
    assert_non_null(qcow2_cache_find(c, 1 * TS));
    qcow2_cache_clean_unused(c);
    assert_null(qcow2_cache_find(c, 1 * TS));     /* clean, idle: gone */
    assert_non_null(qcow2_cache_find(c, 2 * TS)); /* dirty: kept */
    assert_non_null(qcow2_cache_find(c, 3 * TS)); /* in use: kept */
    qcow2_cache_put(c, &d);
    /* Used since the last clean-up: kept once more. */
    qcow2_cache_clean_unused(c);
    assert_non_null(qcow2_cache_find(c, 3 * TS));
    qcow2_cache_clean_unused(c);
    assert_null(qcow2_cache_find(c, 3 * TS));
    qcow2_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_miss_takes_the_slot_the_offset_hashes_to),
        cmocka_unit_test(test_the_least_recently_used_unused_entry_goes),
        cmocka_unit_test(test_dirty_until_discarded_and_found_by_offset),
        cmocka_unit_test(test_clean_up_forgets_only_idle_clean_entries),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
