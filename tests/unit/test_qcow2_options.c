/*
 * test_qcow2_options.c — the runtime options a reopen gives qcow2: joined
 * with the node's old ones as qemu's qcow2_join_options joins them (a new
 * overlap template drops the old overlap switches but bitmap-directory, a
 * new cache-size the old cache sizes, and an old cache-size goes when any
 * size is set), and every value checked for its type before anything
 * else, the first bad one in the order qemu's dictionary walks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/qcow2/options.c"

static struct bk_opts *opts_of(const char *text)
{
    struct bk_opts *o = bk_opts_new();
    char *cause = NULL;

    assert_int_equal(bk_opts_parse(o, text, NULL, &cause), 0);
    return o;
}

/* The joined options, key=value in their order, comma-separated. */
static char *joined(const char *new_text, const char *old_text)
{
    struct bk_opts *old = opts_of(old_text);
    struct bk_opts *o = join_options(opts_of(new_text), old);
    const char *k, *v;
    char *out = strdup(""), *t;

    for (size_t i = 0; bk_opts_at(o, i, &k, &v); i++) {
        t = strfmt("%s%s%s=%s", out, i ? "," : "", k, v);
        free(out);
        out = t;
    }
    bk_opts_free(o);
    bk_opts_free(old);
    return out;
}

static void test_old_options_not_given_again_are_kept(void **state)
{
    char *j = joined("lazy-refcounts=on", "pass-discard-other=on");

    (void)state;
    assert_string_equal(j, "lazy-refcounts=on,pass-discard-other=on");
    free(j);
    /* A value given again wins. */
    j = joined("lazy-refcounts=off", "lazy-refcounts=on");
    assert_string_equal(j, "lazy-refcounts=off");
    free(j);
}

static void test_a_new_overlap_template_drops_the_old_switches(void **state)
{
    char *j = joined("overlap-check=none",
                     "overlap-check.main-header=on,"
                     "overlap-check.inactive-l2=on,"
                     "overlap-check.bitmap-directory=off,"
                     "overlap-check.template=all,lazy-refcounts=on");

    (void)state;
    /* bitmap-directory is not in qemu's list: it stays. */
    assert_string_equal(j, "overlap-check=none,"
                           "overlap-check.bitmap-directory=off,"
                           "lazy-refcounts=on");
    free(j);
    /* A switch alone keeps the old template. */
    j = joined("overlap-check.active-l1=off", "overlap-check=all");
    assert_string_equal(j, "overlap-check.active-l1=off,overlap-check=all");
    free(j);
}

static void test_cache_sizes_join_as_qemu_joins_them(void **state)
{
    char *j = joined("cache-size=1M", "l2-cache-size=64k,"
                                      "refcount-cache-size=64k");

    (void)state;
    assert_string_equal(j, "cache-size=1M");
    free(j);
    /* An old total goes when a size is set... */
    j = joined("l2-cache-size=512k", "cache-size=1M");
    assert_string_equal(j, "l2-cache-size=512k");
    free(j);
    /* ...and with any size among the old ones too. */
    j = joined("lazy-refcounts=on", "cache-size=1M,l2-cache-size=64k");
    assert_string_equal(j, "lazy-refcounts=on,l2-cache-size=64k");
    free(j);
    /* All three new: kept, for open's own error. */
    j = joined("cache-size=1M,l2-cache-size=64k,refcount-cache-size=64k",
               "");
    assert_string_equal(j, "cache-size=1M,l2-cache-size=64k,"
                           "refcount-cache-size=64k");
    free(j);
}

static void test_types_are_checked_first_in_qemus_order(void **state)
{
    struct bk_opts *o = opts_of("lazy-refcounts=y,l2-cache-size=x");
    char *cause = NULL;

    (void)state;
    assert_int_equal(check_types(o, &cause), -EINVAL);
    /* qemu's dictionary walks l2-cache-size before lazy-refcounts. */
    assert_non_null(strstr(cause, "'l2-cache-size'"));
    free(cause);
    bk_opts_free(o);

    o = opts_of("cache-clean-interval=-1,pass-discard-request=maybe");
    cause = NULL;
    assert_int_equal(check_types(o, &cause), -EINVAL);
    assert_string_equal(cause, "Parameter 'pass-discard-request' expects "
                               "'on' or 'off'");
    free(cause);
    bk_opts_free(o);

    /* Values of the right type pass, whatever their range; others'
     * keys are not looked at. */
    o = opts_of("cache-clean-interval=-1,overlap-check=blubb,"
                "l2-cache-entry-size=33k,file.bogus=x");
    cause = NULL;
    assert_int_equal(check_types(o, &cause), 0);
    assert_null(cause);
    bk_opts_free(o);
}

static void test_only_runtime_keys_are_copied(void **state)
{
    struct bk_opts *o = opts_of("lazy-refcounts=on,file.filename=x,"
                                "overlap-check.active-l2=off,backing.driver="
                                "raw,encrypt.format=luks,driver=qcow2");
    struct bk_opts *c = qcow2_options_copy(o);

    (void)state;
    assert_int_equal(bk_opts_count(c), 3);
    assert_string_equal(bk_opts_get(c, "lazy-refcounts"), "on");
    assert_string_equal(bk_opts_get(c, "overlap-check.active-l2"), "off");
    assert_string_equal(bk_opts_get(c, "encrypt.format"), "luks");
    bk_opts_free(c);
    bk_opts_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_options_not_given_again_are_kept),
        cmocka_unit_test(test_a_new_overlap_template_drops_the_old_switches),
        cmocka_unit_test(test_cache_sizes_join_as_qemu_joins_them),
        cmocka_unit_test(test_types_are_checked_first_in_qemus_order),
        cmocka_unit_test(test_only_runtime_keys_are_copied),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
