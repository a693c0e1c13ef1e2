/*
 * test_quorum.c — quorum's own rules, apart from I/O: which "children.N"
 * options make an array (0..N-1, all there), and which version wins a
 * vote (most votes; among equals, the one whose first child comes last,
 * as qemu's newest-first list decides).
 *
 * Run one test: test_quorum NAME-GLOB
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/quorum.c"

static int count(const char *text)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;
    int n;

    assert_int_equal(bk_opts_parse(o, text, NULL, &cause), 0);
    n = quorum_count_children(o);
    bk_opts_free(o);
    return n;
}

static void test_children_must_form_an_array(void **state)
{
    (void)state;
    assert_int_equal(count("vote-threshold=1"), 0);
    assert_int_equal(count("children.0.driver=raw,children.0.file.filename=a,"
                           "children.1=b"), 2);
    assert_int_equal(count("children.1.driver=raw"), -1);
    assert_int_equal(count("children.0=a,children.2=c"), -1);
    assert_int_equal(count("children.x=a"), -1);
    assert_int_equal(count("children.00=a"), -1);
}

/* Children 0..n-1 reading the bytes in data[i] (one byte each). */
static int vote(const char *data, const bool *mask, int *votes)
{
    int n = (int)strlen(data);
    struct bk_io io = { .bytes = 1 };
    struct quorum_part part[8];
    struct quorum_req r = { .io = &io, .part = part };
    bool all[8];

    for (int i = 0; i < n; i++) {
        part[i] = (struct quorum_part){ .buf = (void *)(data + i) };
        all[i] = true;
    }
    return quorum_winner(&r, n, mask != NULL ? mask : all, quorum_same_data,
                         votes);
}

static void test_most_votes_win_ties_go_to_the_newest_version(void **state)
{
    int votes;
    static const bool skip_first[] = { false, true, true, true };

    (void)state;
    assert_int_equal(vote("AAB", NULL, &votes), 0);
    assert_int_equal(votes, 2);
    assert_int_equal(vote("BAA", NULL, &votes), 1);
    assert_int_equal(votes, 2);
    /* All different: the last child's version is the newest. */
    assert_int_equal(vote("ABC", NULL, &votes), 2);
    assert_int_equal(votes, 1);
    /* Two against two: the version first seen later wins. */
    assert_int_equal(vote("ABAB", NULL, &votes), 1);
    assert_int_equal(votes, 2);
    /* Children out of the vote (their read failed) are not counted. */
    assert_int_equal(vote("AABB", skip_first, &votes), 2);
    assert_int_equal(votes, 2);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_children_must_form_an_array),
        cmocka_unit_test(test_most_votes_win_ties_go_to_the_newest_version),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
