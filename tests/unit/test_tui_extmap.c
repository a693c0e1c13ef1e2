/*
 * test_tui_extmap.c — the allocation map against a byte-per-byte model, and
 * the classification of viewport cells at 1 TiB / 100,000-extent scale.
 *
 * Run one test: test_tui_extmap <glob>.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/extmap.c"

#define TiB (1024LL * 1024 * 1024 * 1024)
#define GiB (1024LL * 1024 * 1024)

struct collect { int64_t r[64][2]; int n; };

static int collect_fn(int64_t start, int64_t end, void *arg)
{
    struct collect *c = arg;
    c->r[c->n][0] = start;
    c->r[c->n][1] = end;
    c->n++;
    return c->n == 64;
}

static struct collect ranges(const struct tui_extmap *m)
{
    struct collect c = { .n = 0 };
    tui_extmap_walk(m, 0, INT64_MAX, collect_fn, &c);
    return c;
}

static void test_extmap_new_map_is_all_hole(void **state)
{
    struct tui_extmap *m = tui_extmap_new(TiB);
    assert_int_equal(tui_extmap_length(m), TiB);
    assert_int_equal(tui_extmap_count(m), 0);
    assert_int_equal(tui_extmap_data_in(m, 0, TiB), 0);
    assert_false(tui_extmap_is_data(m, 12345));
    tui_extmap_free(m);
}

static void test_extmap_adjacent_and_overlapping_writes_merge(void **state)
{
    struct tui_extmap *m = tui_extmap_new(1 << 20);
    struct collect c;

    assert_int_equal(tui_extmap_set_data(m, 4096, 4096), 0);
    assert_int_equal(tui_extmap_set_data(m, 8192, 4096), 0);   /* touches */
    assert_int_equal(tui_extmap_set_data(m, 0, 512), 0);       /* apart */
    assert_int_equal(tui_extmap_set_data(m, 6000, 10000), 0);  /* overlaps */
    c = ranges(m);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.r[0][0], 0);
    assert_int_equal(c.r[0][1], 512);
    assert_int_equal(c.r[1][0], 4096);
    assert_int_equal(c.r[1][1], 16000);
    assert_int_equal(tui_extmap_data_bytes(m), 512 + 16000 - 4096);

    /* One write covering everything swallows both ranges. */
    assert_int_equal(tui_extmap_set_data(m, 0, 20000), 0);
    c = ranges(m);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0][1], 20000);
    tui_extmap_free(m);
}

static void test_extmap_hole_inside_range_splits_it(void **state)
{
    struct tui_extmap *m = tui_extmap_new(1 << 20);
    struct collect c;

    tui_extmap_set_data(m, 0, 65536);
    assert_int_equal(tui_extmap_set_hole(m, 4096, 4096), 0);
    c = ranges(m);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.r[0][1], 4096);
    assert_int_equal(c.r[1][0], 8192);
    assert_int_equal(c.r[1][1], 65536);

    /* A hole spanning the tail of one range and the head of the next. */
    tui_extmap_set_data(m, 100000, 1000);
    tui_extmap_set_hole(m, 60000, 40500);
    c = ranges(m);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.r[1][1], 60000);
    assert_int_equal(c.r[2][0], 100500);
    assert_int_equal(c.r[2][1], 101000);
    tui_extmap_free(m);
}

static void test_extmap_updates_are_clipped_to_the_image(void **state)
{
    struct tui_extmap *m = tui_extmap_new(10000);
    tui_extmap_set_data(m, 9000, 5000);
    tui_extmap_set_data(m, -100, 200);
    assert_int_equal(tui_extmap_data_bytes(m), 1000 + 100);
    tui_extmap_set_data(m, 20000, 10);
    assert_int_equal(tui_extmap_count(m), 2);
    tui_extmap_free(m);
}

static void test_extmap_truncate_shrinks_and_grows(void **state)
{
    struct tui_extmap *m = tui_extmap_new(1 << 20);
    struct collect c;

    tui_extmap_set_data(m, 0, 1000);
    tui_extmap_set_data(m, 5000, 5000);
    tui_extmap_set_data(m, 20000, 100);
    tui_extmap_truncate(m, 7000);
    c = ranges(m);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.r[1][1], 7000);
    assert_int_equal(tui_extmap_length(m), 7000);

    tui_extmap_truncate(m, 1 << 20);        /* growth is a hole */
    assert_int_equal(tui_extmap_data_in(m, 7000, 1 << 20), 0);
    tui_extmap_set_data(m, 30000, 10);       /* and writable again */
    assert_true(tui_extmap_is_data(m, 30005));
    tui_extmap_free(m);
}

static void test_extmap_apply_req_follows_op_semantics(void **state)
{
    struct tui_extmap *m = tui_extmap_new(1 << 20);
    struct bk_req r = { .op = BK_OP_WRITE, .offset = 0, .bytes = 65536 };

    assert_false(tui_extmap_apply_req(m, &r, true));
    assert_int_equal(tui_extmap_data_bytes(m), 65536);

    r = (struct bk_req){ .op = BK_OP_DISCARD, .offset = 0, .bytes = 4096 };
    assert_false(tui_extmap_apply_req(m, &r, false));   /* discard=ignore */
    assert_int_equal(tui_extmap_data_bytes(m), 65536);
    assert_true(tui_extmap_apply_req(m, &r, true));
    assert_int_equal(tui_extmap_data_bytes(m), 65536 - 4096);

    r = (struct bk_req){ .op = BK_OP_WRITE_ZEROES, .offset = 8192,
                         .bytes = 4096, .flags = BK_REQ_MAY_UNMAP };
    assert_true(tui_extmap_apply_req(m, &r, true));
    assert_false(tui_extmap_is_data(m, 8192));
    r.flags = 0;                                         /* allocates */
    assert_true(tui_extmap_apply_req(m, &r, true));
    assert_true(tui_extmap_is_data(m, 8192));

    r = (struct bk_req){ .op = BK_OP_WRITE, .offset = 100000, .bytes = 10,
                         .ret = -5 };
    assert_false(tui_extmap_apply_req(m, &r, true));    /* failed: no-op */
    assert_false(tui_extmap_is_data(m, 100000));

    r = (struct bk_req){ .op = BK_OP_TRUNCATE, .offset = 2 << 20,
                         .flags = BK_PREALLOC_FULL };
    assert_true(tui_extmap_apply_req(m, &r, true));
    assert_int_equal(tui_extmap_length(m), 2 << 20);
    assert_int_equal(tui_extmap_data_in(m, 1 << 20, 2 << 20), 1 << 20);
    tui_extmap_free(m);
}

static void test_extmap_extent_cb_builds_from_extents(void **state)
{
    struct tui_extmap *m = tui_extmap_new(1 << 20);
    struct bk_extent e[] = {
        { .offset = 0, .length = 4096, .data = true },
        { .offset = 4096, .length = 8192, .zero = true },
        { .offset = 12288, .length = 4096, .data = true },
    };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(tui_extmap_extent_cb(&e[i], m), 0);
    assert_int_equal(tui_extmap_count(m), 2);
    assert_int_equal(tui_extmap_data_bytes(m), 8192);
    tui_extmap_free(m);
}

static void test_extmap_classify_cells(void **state)
{
    struct tui_extmap *m = tui_extmap_new(4000);
    struct tui_cell c[5];

    tui_extmap_set_data(m, 1000, 1500);        /* cells of 1000 bytes */
    tui_extmap_classify(m, 0, 5000, 5, c);
    assert_int_equal(c[0].kind, TUI_CELL_HOLE);
    assert_int_equal(c[1].kind, TUI_CELL_DATA);
    assert_int_equal(c[2].kind, TUI_CELL_MIXED);
    assert_int_equal(c[2].data_bytes, 500);
    assert_int_equal(c[2].bytes, 1000);
    assert_int_equal(c[3].kind, TUI_CELL_HOLE);
    assert_int_equal(c[4].kind, TUI_CELL_NONE);  /* past the end */

    /* Zoomed in past one byte per cell: each cell takes its byte's class. */
    {
        struct tui_cell z[8];
        tui_extmap_classify(m, 998, 1002, 8, z);
        assert_int_equal(z[0].kind, TUI_CELL_HOLE);
        assert_int_equal(z[7].kind, TUI_CELL_DATA);
    }
    tui_extmap_free(m);
}

/* Random updates checked byte for byte against a plain array. */
static void test_extmap_matches_byte_model_under_random_updates(void **state)
{
    enum { LEN = 3000 };
    static unsigned char model[LEN];
    struct tui_extmap *m = tui_extmap_new(LEN);
    unsigned seed = 12345;

    memset(model, 0, sizeof(model));
    for (int step = 0; step < 20000; step++) {
        int64_t off, len;
        int op;

        seed = seed * 1103515245u + 12345u;
        op = (seed >> 16) % 10;
        seed = seed * 1103515245u + 12345u;
        off = (int64_t)((seed >> 8) % (LEN + 50)) - 25;
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % (op == 9 ? LEN : 200);

        if (op < 5)
            tui_extmap_set_data(m, off, len);
        else
            tui_extmap_set_hole(m, off, len);
        for (int64_t i = off; i < off + len; i++)
            if (i >= 0 && i < LEN)
                model[i] = op < 5;

        if (step % 500 == 0) {
            /* Full comparison, including non-adjacency of ranges. */
            struct collect c = { .n = 0 };
            int64_t total = 0, prev_end = -1;
            for (int64_t i = 0; i < LEN; i++) {
                total += model[i];
                assert_int_equal(tui_extmap_is_data(m, i), model[i]);
            }
            assert_int_equal(tui_extmap_data_bytes(m), total);
            tui_extmap_walk(m, 0, LEN, collect_fn, &c);
            for (int i = 0; i < c.n; i++) {
                assert_true(c.r[i][0] > prev_end);
                prev_end = c.r[i][1];
            }
        }
        {
            int64_t a = (seed >> 4) % LEN, b = a + (seed >> 12) % 400, d = 0;
            for (int64_t i = a; i < b && i < LEN; i++)
                d += model[i];
            assert_int_equal(tui_extmap_data_in(m, a, b), d);
        }
    }
    tui_extmap_free(m);
}

static int depth_of(const struct node *n)
{
    int l, r;

    if (n == NULL)
        return 0;
    l = depth_of(n->left);
    r = depth_of(n->right);
    return 1 + (l > r ? l : r);
}

/*
 * 100,000 extents over 1 TiB: building and classifying stay cheap because
 * the tree stays balanced (its depth grows with log n: a treap's expected
 * depth here is about 2 ln n, 23; appended in order without balancing it
 * would be 100,000), which is what this checks rather than a time.
 */
static void test_extmap_scales_to_1tib_with_100k_extents(void **state)
{
    struct tui_extmap *m = tui_extmap_new(TiB);
    static struct tui_cell cells[200 * 60];
    int64_t stride = TiB / 100000;

    /* Out of order, to exercise balancing rather than appends. */
    for (int64_t k = 0; k < 100000; k++) {
        int64_t i = (k * 7919) % 100000;
        assert_int_equal(tui_extmap_set_data(m, i * stride, 65536), 0);
    }
    assert_int_equal(tui_extmap_count(m), 100000);
    assert_int_equal(tui_extmap_data_bytes(m), 100000LL * 65536);
    assert_true(depth_of(m->root) <= 68);      /* 4 log2 n */

    for (int pass = 0; pass < 10; pass++) {
        tui_extmap_set_data(m, (int64_t)pass * GiB + 4096, 4096);
        tui_extmap_classify(m, 0, TiB, 200 * 60, cells);
    }
    assert_true(depth_of(m->root) <= 68);

    {
        int64_t sum = 0;
        for (size_t i = 0; i < 200 * 60; i++) {
            assert_int_equal(cells[i].kind, TUI_CELL_MIXED);
            sum += cells[i].data_bytes;
        }
        assert_int_equal(sum, tui_extmap_data_bytes(m));
    }
    tui_extmap_free(m);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extmap_new_map_is_all_hole),
        cmocka_unit_test(test_extmap_adjacent_and_overlapping_writes_merge),
        cmocka_unit_test(test_extmap_hole_inside_range_splits_it),
        cmocka_unit_test(test_extmap_updates_are_clipped_to_the_image),
        cmocka_unit_test(test_extmap_truncate_shrinks_and_grows),
        cmocka_unit_test(test_extmap_apply_req_follows_op_semantics),
        cmocka_unit_test(test_extmap_extent_cb_builds_from_extents),
        cmocka_unit_test(test_extmap_classify_cells),
        cmocka_unit_test(test_extmap_matches_byte_model_under_random_updates),
        cmocka_unit_test(test_extmap_scales_to_1tib_with_100k_extents),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
