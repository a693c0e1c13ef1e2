/*
 * test_perm_lock.c — permissions down a stack (perm.c) and the image locks
 * they become (lock.c): qemu's default permissions per child role, and
 * lock bytes taken, tested and dropped between two open file descriptions
 * of one file (OFD locks conflict between them as between processes).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "backend/lock.c"
#include "backend/perm.c"

enum { CR = BK_PERM_CONSISTENT_READ, W = BK_PERM_WRITE,
       WU = BK_PERM_WRITE_UNCHANGED, RS = BK_PERM_RESIZE, ALL = BK_PERM_ALL };

static void test_filter_passes_permissions_on(void **state)
{
    struct bk_node n = { .open_flags = BK_O_RDWR };
    uint64_t p, s;

    (void)state;
    bk_default_perms(&n, BK_ROLE_FILTERED, CR | W, ALL & ~WU, &p, &s);
    assert_int_equal(p, CR | W);
    assert_int_equal(s, ALL & ~WU);
}

static void test_image_file_of_writable_format(void **state)
{
    struct bk_node rw = { .open_flags = BK_O_RDWR }, ro = { 0 };
    uint64_t p, s;

    (void)state;
    /* even with no user: metadata is read, and written when writable */
    bk_default_perms(&rw, BK_ROLE_DATA | BK_ROLE_METADATA, 0, ALL, &p, &s);
    assert_int_equal(p, CR | W | RS);
    assert_int_equal(s, CR | WU);
    bk_default_perms(&ro, BK_ROLE_DATA | BK_ROLE_METADATA, CR, ALL, &p, &s);
    assert_int_equal(p, CR);
    assert_int_equal(s, CR | WU);
}

static void test_data_role_keeps_size(void **state)
{
    struct bk_node n = { .open_flags = BK_O_RDWR };
    uint64_t p, s;

    (void)state;
    bk_default_perms(&n, BK_ROLE_DATA, 0, ALL, &p, &s);
    assert_int_equal(p, 0);
    assert_int_equal(s, ALL & ~RS);
    /* writing unchanged may write; writing may grow */
    bk_default_perms(&n, BK_ROLE_DATA, WU, ALL, &p, &s);
    assert_int_equal(p, WU | W | RS);
}

static void test_backing_is_read_only(void **state)
{
    struct bk_node n = { .open_flags = BK_O_RDWR };
    uint64_t p, s;

    (void)state;
    bk_default_perms(&n, BK_ROLE_COW, CR | W | RS, ALL, &p, &s);
    assert_int_equal(p, CR);
    assert_int_equal(s, ALL);
    bk_default_perms(&n, BK_ROLE_COW, CR, CR | WU, &p, &s);
    assert_int_equal(s, CR | WU);
}

struct lockfix {
    char path[64];
    int a, b;                 /* two open file descriptions */
    struct file_lock la, lb;
};

static int lock_setup(void **state)
{
    struct lockfix *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    strcpy(f->path, "/tmp/blkmon-lock.XXXXXX");
    f->a = mkstemp(f->path);
    if (f->a < 0)
        return -1;
    f->b = open(f->path, O_RDWR);
    if (f->b < 0)
        return -1;
    file_lock_init(&f->la, -1);
    file_lock_init(&f->lb, -1);
    *state = f;
    return 0;
}

static int lock_teardown(void **state)
{
    struct lockfix *f = *state;

    close(f->a);
    close(f->b);
    unlink(f->path);
    free(f);
    return 0;
}

/* Does another description than fd's hold byte off? */
static bool held_by_other(int fd, int off)
{
    return lock_test(fd, off) == -EAGAIN;
}

static void test_lock_bytes_follow_permissions(void **state)
{
    struct lockfix *f = *state;
    char *cause = NULL;

    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", CR | W | RS,
                                       CR | WU, &cause), 0);
    file_lock_commit(&f->la, f->a, CR | W | RS, CR | WU);
    for (int i = 0; i < BK_PERM_COUNT; i++) {
        assert_int_equal(held_by_other(f->b, 100 + i),
                         ((CR | W | RS) >> i) & 1);
        assert_int_equal(held_by_other(f->b, 200 + i),
                         (~(unsigned)(CR | WU) >> i) & 1);
    }
    /* dropping to a reader releases the write and resize bytes */
    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", CR, ALL,
                                       &cause), 0);
    file_lock_commit(&f->la, f->a, CR, ALL);
    assert_true(held_by_other(f->b, 100));
    for (int off = 101; off < 104; off++)
        assert_false(held_by_other(f->b, off));
    for (int off = 200; off < 204; off++)
        assert_false(held_by_other(f->b, off));
}

static void test_lock_conflicts_in_qemus_words(void **state)
{
    struct lockfix *f = *state;
    char *cause = NULL;

    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", CR | W | RS,
                                       CR | WU, &cause), 0);
    file_lock_commit(&f->la, f->a, CR | W | RS, CR | WU);
    assert_int_equal(file_lock_prepare(&f->lb, f->b, "dir/img", CR | W, ALL,
                                       &cause), -EAGAIN);
    assert_string_equal(cause, "Failed to get \"write\" lock\n"
                               "Is another process using the image "
                               "[dir/img]?");
    free(cause);
    cause = NULL;
    /* the refused one went back to holding nothing */
    assert_false(held_by_other(f->a, 100));
    assert_int_equal(file_lock_prepare(&f->lb, f->b, "img", CR, CR, &cause),
                     -EAGAIN);
    assert_string_equal(cause, "Failed to get shared \"write\" lock\n"
                               "Is another process using the image [img]?");
    free(cause);
    cause = NULL;
    /* sharing everything, a reader gets in */
    assert_int_equal(file_lock_prepare(&f->lb, f->b, "img", CR, ALL, &cause),
                     0);
    file_lock_commit(&f->lb, f->b, CR, ALL);
}

static void test_lock_abort_goes_back(void **state)
{
    struct lockfix *f = *state;
    char *cause = NULL;

    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", CR, ALL, &cause),
                     0);
    file_lock_commit(&f->la, f->a, CR, ALL);
    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", CR | W, CR,
                                       &cause), 0);
    assert_true(held_by_other(f->b, 101));
    file_lock_abort(&f->la, f->a);
    assert_true(held_by_other(f->b, 100));
    assert_false(held_by_other(f->b, 101));
    assert_false(held_by_other(f->b, 201));
}

static void test_locking_off_takes_nothing(void **state)
{
    struct lockfix *f = *state;
    char *cause = NULL;

    file_lock_init(&f->la, 0);
    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", ALL, 0, &cause),
                     0);
    file_lock_commit(&f->la, f->a, ALL, 0);
    for (int off = 100; off < 204; off++)
        assert_false(held_by_other(f->b, off));
}

static void test_lock_move_to_new_fd(void **state)
{
    struct lockfix *f = *state;
    char *cause = NULL;
    int c;

    assert_int_equal(file_lock_prepare(&f->la, f->a, "img", CR | W, CR,
                                       &cause), 0);
    file_lock_commit(&f->la, f->a, CR | W, CR);
    c = open(f->path, O_RDWR);
    assert_true(c >= 0);
    assert_int_equal(file_lock_move(&f->la, c, &cause), 0);
    close(f->a);
    f->a = c;
    assert_true(held_by_other(f->b, 100));
    assert_true(held_by_other(f->b, 101));
    assert_true(held_by_other(f->b, 201));
    assert_true(held_by_other(f->b, 203));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_passes_permissions_on),
        cmocka_unit_test(test_image_file_of_writable_format),
        cmocka_unit_test(test_data_role_keeps_size),
        cmocka_unit_test(test_backing_is_read_only),
        cmocka_unit_test_setup_teardown(test_lock_bytes_follow_permissions,
                                        lock_setup, lock_teardown),
        cmocka_unit_test_setup_teardown(test_lock_conflicts_in_qemus_words,
                                        lock_setup, lock_teardown),
        cmocka_unit_test_setup_teardown(test_lock_abort_goes_back,
                                        lock_setup, lock_teardown),
        cmocka_unit_test_setup_teardown(test_locking_off_takes_nothing,
                                        lock_setup, lock_teardown),
        cmocka_unit_test_setup_teardown(test_lock_move_to_new_fd,
                                        lock_setup, lock_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
