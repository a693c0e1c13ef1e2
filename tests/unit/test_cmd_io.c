/*
 * test_cmd_io.c — the I/O commands on a real raw image in a temporary
 * directory: what they print, what they leave in the file, and that a
 * command that fails to parse never reaches the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "tests/unit/cmd_capture.h"

struct fixture {
    char dir[64];
    char path[96];
    struct cmd_state st;
};

static int setup_sized(void **state, off_t size)
{
    struct fixture *f = calloc(1, sizeof(*f));
    int fd;

    strcpy(f->dir, "/tmp/test_cmd_io.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/img", f->dir);
    fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, size) < 0)
        return -1;
    close(fd);
    f->st.loop = bk_loop_new(2);
    capture_start();
    {
        struct bk_opts *opts = bk_opts_new();

        bk_opts_set(opts, "driver", "raw");
        if (cmd_open_image(&f->st, f->path, opts,
                           BK_O_RDWR | BK_O_UNMAP | BK_O_WRITETHROUGH,
                           false) < 0)
            return -1;
    }
    capture_stop();
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_sized(state, 65536);
}

/* Room for buffers of tens of megabytes, the size io.h calls big. */
#define BIG_IMG (64 << 20)

static int setup_big(void **state)
{
    return setup_sized(state, BIG_IMG);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    cmd_close_image(&f->st);
    bk_loop_free(f->st.loop);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int run(struct fixture *f, const char *line)
{
    return capture_run(&f->st, line);
}

/* Bytes of the image file, read behind the device's back. */
static void file_bytes(struct fixture *f, off_t off, void *buf, size_t len)
{
    int fd = open(f->path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static void test_write_then_read_verifies(void **state)
{
    struct fixture *f = *state;
    unsigned char buf[16];

    assert_int_equal(run(f, "write -q -P 0xab 100 16"), 0);
    assert_string_equal(CAPTURED_OUT, "");
    file_bytes(f, 100, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xab);
    assert_int_equal(run(f, "read -q -P 0xab 100 16"), 0);
    assert_int_equal(run(f, "read -q -P 0xac 100 16"), -EIO);
    assert_string_equal(CAPTURED_OUT,
                        "Pattern verification failed at offset 100, 16 bytes\n");
}

static void test_read_report_lines(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "read 512 1k"), 0);
    assert_true(strncmp(CAPTURED_OUT, "read 1024/1024 bytes at offset 512\n"
                        "1 KiB, 1 ops; ", 49) == 0);
}

static void test_bad_commands_never_touch_the_image(void **state)
{
    static const char *const bad[] = {
        "write -P 256 0 1", "write 0 1x", "write -z -P 1 0 1",
        "write -s nofile 0 1", "write -u 0 1", "write -n 0 1",
        "write -b -z 0 1", "write 0 3G", "writev 0 1 2x",
        "writev -P xyz 0 1", "aio_write -P 300 0 1", "aio_write -u 0 1",
        "aio_write -z 0 1 2", "discard 0 3G", "discard -x 0 1",
        "truncate -m bogus 1", "truncate x", "write -f -c 0 512",
        "read -P 0 -s 3k 0 2k", "write 0", "write",
    };
    struct fixture *f = *state;
    unsigned char buf[512];
    struct bk_stats stats;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_true(run(f, bad[i]) < 0);
    bk_drain(f->st.dev);
    bk_dev_stats(f->st.dev, &stats);
    for (int op = 0; op < BK_OP__MAX; op++)
        assert_int_equal(stats.ops[op], 0);
    file_bytes(f, 0, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(bk_dev_length(f->st.dev), 65536);
}

static void test_aio_reports_on_completion(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "aio_write -P 7 0 512"), 0);
    capture_start();
    assert_int_equal(cmd_execute(&f->st, "aio_flush"), 0);
    capture_stop();
    assert_true(strncmp(CAPTURED_OUT, "wrote 512/512 bytes at offset 0\n",
                        32) == 0);
    assert_int_equal(run(f, "read -q -P 7 0 512"), 0);
}

static void test_aio_errors_do_not_fail_the_command(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "aio_read 64k 512"), 0);
    capture_start();
    cmd_execute(&f->st, "aio_flush");
    capture_stop();
    assert_string_equal(CAPTURED_OUT, "readv failed: Input/output error\n");
}

static void test_length_alloc_map(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "length"), 0);
    assert_string_equal(CAPTURED_OUT, "64 KiB\n");
    assert_int_equal(run(f, "alloc 60k 8k"), 0);
    assert_string_equal(CAPTURED_OUT,
                        "4096/4096 bytes allocated at offset 60 KiB\n");
    assert_int_equal(run(f, "map"), 0);
    assert_string_equal(CAPTURED_OUT, "64 KiB (0x10000) bytes     allocated "
                        "at offset 0 bytes (0x0)\n");
}

static void test_extents_json_matches_qemu_img(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "write -q -P 1 8k 4k"), 0);
    assert_int_equal(run(f, "extents -j"), 0);
    assert_string_equal(CAPTURED_OUT,
        "[{ \"start\": 0, \"length\": 8192, \"depth\": 0, \"present\": true, "
        "\"zero\": true, \"data\": false, \"offset\": 0},\n"
        "{ \"start\": 8192, \"length\": 4096, \"depth\": 0, \"present\": true, "
        "\"zero\": false, \"data\": true, \"offset\": 8192},\n"
        "{ \"start\": 12288, \"length\": 53248, \"depth\": 0, \"present\": "
        "true, \"zero\": true, \"data\": false, \"offset\": 12288}]\n");
}

static void test_breakpoints_without_blkdebug(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "break read_aio A"), -ENOTSUP);
    assert_string_equal(CAPTURED_OUT,
                        "Could not set breakpoint: Operation not supported\n");
    assert_int_equal(run(f, "remove_break A"), -ENOTSUP);
    assert_string_equal(CAPTURED_OUT, "Could not remove breakpoint A: "
                        "Operation not supported\n");
    assert_int_equal(run(f, "resume A"), -ENOTSUP);
    assert_string_equal(CAPTURED_OUT,
                        "Could not resume request: Operation not supported\n");
}

/* What the loop's first pass inside a command saw: was the request in? */
struct first_pass {
    struct bk_dev *dev;
    int fired;
    bool submitted;
};

static long note_first_pass(struct bk_loop *loop, void *arg)
{
    struct first_pass *p = arg;
    struct bk_stats stats;

    bk_dev_stats(p->dev, &stats);
    p->fired++;
    p->submitted = bk_dev_outstanding(p->dev) > 0 ||
                   stats.ops[BK_OP_WRITE] > 0;
    return -1;
}

/*
 * A big buffer is filled on the workers while the loop runs (a timer due
 * at once fires before the write is submitted); a small one at once, so
 * the loop first runs inside the request.  Either way the bytes land.
 */
static void test_big_write_buffer_is_filled_while_the_loop_runs(void **state)
{
    struct fixture *f = *state;
    struct first_pass big = { .dev = f->st.dev };
    struct first_pass small = { .dev = f->st.dev };
    unsigned char b[3];

    assert_true(bk_loop_add_timer(f->st.loop, 0, note_first_pass, &big) > 0);
    assert_int_equal(run(f, "write -q -P 0x5a 0 40M"), 0);
    assert_int_equal(big.fired, 1);
    assert_false(big.submitted);
    file_bytes(f, 0, &b[0], 1);
    file_bytes(f, 20 << 20, &b[1], 1);
    file_bytes(f, (40 << 20) - 1, &b[2], 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(b[i], 0x5a);

    assert_true(bk_loop_add_timer(f->st.loop, 0, note_first_pass,
                                  &small) > 0);
    assert_int_equal(run(f, "write -q -P 0x5b 0 4k"), 0);
    assert_int_equal(small.fired, 1);
    assert_true(small.submitted);
}

/* Past the end the device refuses a request before any I/O: a big
 * buffer for it is not filled at all (filling needs loop passes, and the
 * refused request ends without one, as qemu-io's does), the failure is
 * qemu-io's. */
static void test_big_buffer_past_the_end_is_not_filled(void **state)
{
    struct fixture *f = *state;
    struct first_pass past = { .dev = f->st.dev };
    int timer = bk_loop_add_timer(f->st.loop, 0, note_first_pass, &past);

    assert_true(timer > 0);
    assert_int_equal(run(f, "write -P 0x5c 60M 8M"), -EIO);
    assert_string_equal(CAPTURED_OUT, "write failed: Input/output error\n");
    assert_int_equal(past.fired, 0);
    bk_loop_del_timer(f->st.loop, timer);
}

/* The check is cut into chunks: a byte wrong in a late one still fails
 * the read, with qemu-io's line for the whole range. */
static void test_big_read_pattern_is_checked_to_the_end(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "write -q -P 0x11 0 40M"), 0);
    assert_int_equal(run(f, "write -q -P 0x22 37748741 1"), 0);
    assert_int_equal(run(f, "read -q -P 0x11 0 36M"), 0);
    assert_string_equal(CAPTURED_OUT, "");
    assert_int_equal(run(f, "read -q -P 0x11 0 40M"), -EIO);
    assert_string_equal(CAPTURED_OUT, "Pattern verification failed at "
                        "offset 0, 41943040 bytes\n");
    assert_int_equal(run(f, "readv -q -P 0x11 0 20M 20M"), -EIO);
    assert_string_equal(CAPTURED_OUT, "Pattern verification failed at "
                        "offset 0, 41943040 bytes\n");
}

/* An aio read's check runs after its request ended; aio_flush waits for
 * its report, which keeps qemu-io's order: the mismatch, then the read. */
static void test_big_aio_read_reports_before_aio_flush_returns(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "write -q -P 0x11 0 40M"), 0);
    assert_int_equal(run(f, "write -q -P 0x22 37748741 1"), 0);
    assert_int_equal(run(f, "aio_read -P 0x11 0 40M"), 0);
    assert_int_equal(f->st.aio_pending, 1);
    assert_int_equal(run(f, "aio_flush"), 0);
    assert_int_equal(f->st.aio_pending, 0);
    assert_non_null(strstr(CAPTURED_OUT, "Pattern verification failed at "
                           "offset 0, 41943040 bytes\nread 41943040/"
                           "41943040 bytes at offset 0\n"));
    assert_int_equal(run(f, "aio_read -q -P 0x11 0 36M"), 0);
    assert_int_equal(run(f, "aio_flush"), 0);
    assert_string_equal(CAPTURED_OUT, "");
}

/* write -s: the file's bytes repeated over a big buffer, read on a
 * worker; its complaints are qemu-io's. */
static void test_big_write_from_file_repeats_it(void **state)
{
    struct fixture *f = *state;
    char src[128], empty[128], line[320];
    unsigned char b[4];
    FILE *fp;

    snprintf(src, sizeof(src), "%s/src", f->dir);
    snprintf(empty, sizeof(empty), "%s/empty", f->dir);
    fp = fopen(src, "w");
    fputs("abc", fp);
    fclose(fp);
    fclose(fopen(empty, "w"));
    snprintf(line, sizeof(line), "write -q -s %s 0 3M", src);
    assert_int_equal(run(f, line), 0);
    file_bytes(f, (3 << 20) - 4, b, 4);
    /* 3M is a multiple of 3: the last bytes end a whole "abc". */
    assert_memory_equal(b, "cabc", 4);
    file_bytes(f, 1 << 20, b, 4);      /* 1048576 = 3 * 349525 + 1 */
    assert_memory_equal(b, "bcab", 4);
    snprintf(line, sizeof(line), "write -q -s %s 0 3M", empty);
    assert_int_equal(run(f, line), -EINVAL);
    snprintf(line, sizeof(line), "%s: file is empty\n", empty);
    assert_string_equal(CAPTURED_ERR, line);
    snprintf(line, sizeof(line), "write -q -s %s/none 0 3M", f->dir);
    assert_int_equal(run(f, line), -EINVAL);
    snprintf(line, sizeof(line), "%s/none: No such file or directory\n",
             f->dir);
    assert_string_equal(CAPTURED_ERR, line);
    unlink(src);
    unlink(empty);
}

static void test_second_open_is_refused(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "open -o driver=raw img"), -EINVAL);
    assert_string_equal(CAPTURED_ERR,
                        "blkmon: file open already, try 'help close'\n");
    assert_non_null(f->st.dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_then_read_verifies, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_report_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_commands_never_touch_the_image,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_aio_reports_on_completion, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_aio_errors_do_not_fail_the_command,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_alloc_map, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_extents_json_matches_qemu_img,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakpoints_without_blkdebug,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_open_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_big_write_buffer_is_filled_while_the_loop_runs, setup_big,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_big_buffer_past_the_end_is_not_filled, setup_big, teardown),
        cmocka_unit_test_setup_teardown(
            test_big_read_pattern_is_checked_to_the_end, setup_big, teardown),
        cmocka_unit_test_setup_teardown(
            test_big_aio_read_reports_before_aio_flush_returns, setup_big,
            teardown),
        cmocka_unit_test_setup_teardown(test_big_write_from_file_repeats_it,
                                        setup_big, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
