/*
 * test_tui_layers.c — a format image's views (tui/layers.c): runs spliced
 * against a byte-per-byte model, cells classified by the kind covering
 * most of them, extents mapped to guest kinds, pending reads coalesced.
 *
 * Run one test: test_tui_layers <glob>.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/layers.c"

/* The view as one kind per byte (length <= 4096). */
static void flatten(const struct layers_view *v, uint8_t *out)
{
    int64_t at = 0;

    for (size_t i = 0; i < v->n; i++) {
        assert_int_equal(v->v[i].offset, at);           /* no gap */
        assert_true(v->v[i].length > 0);
        if (i > 0)                                      /* merged */
            assert_int_not_equal(v->v[i].kind, v->v[i - 1].kind);
        memset(out + at, v->v[i].kind, (size_t)v->v[i].length);
        at += v->v[i].length;
    }
    assert_int_equal(at, v->length);
}

static void test_layers_push_merges_adjacent_runs(void **state)
{
    struct layers_view v = { .length = 30 };

    (void)state;
    view_push(&v, 0, 10, 1);
    view_push(&v, 10, 5, 1);
    view_push(&v, 15, 0, 2);          /* empty: nothing */
    view_push(&v, 15, 15, 2);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.v[0].length, 15);
    assert_int_equal(v.v[1].offset, 15);
    assert_int_equal(view_find(&v, 14), 0);
    assert_int_equal(view_find(&v, 15), 1);
    assert_int_equal(view_find(&v, 30), 2);
    free(v.v);
}

static void test_layers_splice_matches_byte_model(void **state)
{
    enum { LEN = 4096 };
    struct layers_view v = { .length = LEN };
    uint8_t model[LEN], got[LEN];

    (void)state;
    srand(7);
    view_push(&v, 0, LEN, 0);
    memset(model, 0, sizeof(model));
    for (int round = 0; round < 2000; round++) {
        int64_t off = rand() % LEN, len = 1 + rand() % (LEN - off);
        struct layers_view mid = { 0 };
        int64_t at = off;

        /* The new range in up to four runs of random kinds. */
        while (at < off + len) {
            int64_t n = 1 + rand() % (off + len - at);
            uint8_t k = (uint8_t)(rand() % 4);

            view_push(&mid, at, n, k);
            memset(model + at, k, (size_t)n);
            at += n;
        }
        view_splice(&v, off, len, &mid);
        free(mid.v);
        flatten(&v, got);
        assert_memory_equal(got, model, LEN);
    }
    free(v.v);
}

static void test_layers_classify_takes_the_majority(void **state)
{
    struct tui_layers *l = tui_layers_new();
    const struct tui_run runs[] = {
        { 0, 100, TUI_GUEST_DATA },
        { 100, 40, TUI_GUEST_ZERO },
        { 140, 60, TUI_GUEST_BACKING },
    };
    struct tui_kcell c[5];

    (void)state;
    tui_layers_set_runs(l, TUI_LAYERS_GUEST, 200, 0, runs, 3);
    /* Cells of 50 bytes: data, data, [100, 150) 40 zero + 10 backing,
     * backing, past the end. */
    tui_layers_classify(l, TUI_LAYERS_GUEST, 0, 250, 5, c);
    assert_int_equal(c[0].kind, TUI_GUEST_DATA);
    assert_false(c[0].mixed);
    assert_int_equal(c[1].kind, TUI_GUEST_DATA);
    assert_int_equal(c[2].kind, TUI_GUEST_ZERO);
    assert_true(c[2].mixed);
    assert_int_equal(c[3].kind, TUI_GUEST_BACKING);
    assert_false(c[3].mixed);
    assert_true(c[4].none);
    /* Narrower than a byte: the byte at the cell's start. */
    {
        struct tui_kcell n[8];

        tui_layers_classify(l, TUI_LAYERS_GUEST, 98, 102, 8, n);
        assert_int_equal(n[0].kind, TUI_GUEST_DATA);
        assert_int_equal(n[7].kind, TUI_GUEST_ZERO);
        for (int i = 0; i < 8; i++)
            assert_false(n[i].none);
    }
    tui_layers_free(l);
}

static void test_layers_set_runs_clips_and_totals(void **state)
{
    struct tui_layers *l = tui_layers_new();
    const struct tui_run runs[] = {
        { 0, 512, BK_LAYOUT_HEADER },
        { 512, 512, BK_LAYOUT_L1 },
        { 1024, 4096, BK_LAYOUT_DATA },   /* past the end: clipped */
        { 9000, 10, BK_LAYOUT_DATA },     /* wholly past: dropped */
    };
    const struct tui_run *got;
    int64_t totals[BK_LAYOUT__MAX];
    uint64_t gen = tui_layers_gen(l);

    (void)state;
    tui_layers_set_runs(l, TUI_LAYERS_HOST, 2048, 0, runs, 4);
    assert_true(tui_layers_gen(l) != gen);
    assert_int_equal(tui_layers_runs(l, TUI_LAYERS_HOST, &got), 3);
    assert_int_equal(got[2].length, 1024);
    tui_layers_totals(l, TUI_LAYERS_HOST, totals, BK_LAYOUT__MAX);
    assert_int_equal(totals[BK_LAYOUT_HEADER], 512);
    assert_int_equal(totals[BK_LAYOUT_DATA], 1024);
    assert_int_equal(totals[BK_LAYOUT_FREE], 0);
    tui_layers_set_runs(l, TUI_LAYERS_HOST, 0, -EFBIG, NULL, 0);
    assert_int_equal(tui_layers_error(l, TUI_LAYERS_HOST), -EFBIG);
    tui_layers_free(l);
}

static void test_layers_guest_kind_of_extents(void **state)
{
    (void)state;
    assert_int_equal(tui_layers_guest_kind(&(struct bk_extent){
        .present = false, .zero = true }), TUI_GUEST_UNALLOCATED);
    assert_int_equal(tui_layers_guest_kind(&(struct bk_extent){
        .present = true, .data = true }), TUI_GUEST_DATA);
    assert_int_equal(tui_layers_guest_kind(&(struct bk_extent){
        .present = true, .zero = true }), TUI_GUEST_ZERO);
    assert_int_equal(tui_layers_guest_kind(&(struct bk_extent){
        .present = true, .data = true, .depth = 1 }), TUI_GUEST_BACKING);
}

static void test_layers_note_req_coalesces(void **state)
{
    struct tui_layers *l = tui_layers_new();
    struct bk_req r = { .op = BK_OP_WRITE, .bytes = 10 };

    (void)state;
    assert_false(tui_layers_pending(l));
    r.op = BK_OP_READ;
    tui_layers_note_req(l, &r);
    assert_false(tui_layers_pending(l));      /* reads change nothing */
    r.op = BK_OP_WRITE;
    for (int i = 0; i < LAYERS_MAX_PENDING + 5; i++) {
        r.offset = 100 * i;
        tui_layers_note_req(l, &r);
    }
    assert_true(tui_layers_pending(l));
    assert_true(l->host_stale);
    assert_true(l->npending <= LAYERS_MAX_PENDING);
    /* Past the bound: one range covering them all. */
    assert_int_equal(l->npending, 5);
    assert_int_equal(l->pending[0].offset, 0);
    assert_true(l->pending[0].offset + l->pending[0].bytes >=
                100 * LAYERS_MAX_PENDING + 10);
    tui_layers_free(l);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers_push_merges_adjacent_runs),
        cmocka_unit_test(test_layers_splice_matches_byte_model),
        cmocka_unit_test(test_layers_classify_takes_the_majority),
        cmocka_unit_test(test_layers_set_runs_clips_and_totals),
        cmocka_unit_test(test_layers_guest_kind_of_extents),
        cmocka_unit_test(test_layers_note_req_coalesces),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
