/*
 * test_evstream.c — the event stream's ring: every line appended reaches
 * the file, once and in order, whichever thread writes it (the idle writer
 * or, with the ring full, the appending thread), and a flush leaves the
 * file complete.
 *
 * Run one test: test_evstream NAME-GLOB
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/evstream.h"

/* More than the 16 MiB ring holds: it fills at least once. */
#define NLINES 400000

static int tmp_file(char *path)
{
    int fd;

    strcpy(path, "/tmp/blkmon-evstream.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    return fd;
}

/* Lines "n <i> <padding>\n" for i in [from, to). */
static void append(struct evstream *s, int from, int to)
{
    char line[128];

    for (int i = from; i < to; i++) {
        int n = snprintf(line, sizeof(line),
                         "n %d ..........................................\n",
                         i);

        evstream_line(s, line, (size_t)n);
    }
}

/* The file holds lines 0..n-1, each once, in order. */
static void check_file(const char *path, int n)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int next = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        int i;

        assert_int_equal(sscanf(line, "n %d", &i), 1);
        assert_int_equal(i, next);
        next++;
    }
    fclose(f);
    assert_int_equal(next, n);
}

static void test_every_line_once_in_order_past_a_full_ring(void **state)
{
    char path[64];
    int fd = tmp_file(path);
    struct evstream *s = evstream_new(fd, true, ev_format_request);

    (void)state;
    assert_non_null(s);
    append(s, 0, NLINES);
    evstream_free(s);
    check_file(path, NLINES);
    unlink(path);
}

static void test_flush_writes_everything_appended_so_far(void **state)
{
    char path[64];
    int fd = tmp_file(path);
    struct evstream *s = evstream_new(fd, false, ev_format_request);

    (void)state;
    assert_non_null(s);
    append(s, 0, 1000);
    evstream_flush(s);
    check_file(path, 1000);
    append(s, 1000, NLINES);
    evstream_flush(s);
    check_file(path, NLINES);
    evstream_free(s);
    close(fd);
    unlink(path);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_line_once_in_order_past_a_full_ring),
        cmocka_unit_test(test_flush_writes_everything_appended_so_far),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
