/*
 * test_evstream.c — the event stream's ring: every line appended reaches
 * the file, once and in order, whichever thread writes it (the idle writer
 * or, with the ring full, the appending thread), and a flush leaves the
 * file complete; each request's line names its own source, though the
 * stream is told a source's name only when it changes hands, and notes
 * come out among the requests where they were appended.
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

/* Requests as "r <id> <name or ->", notes as "n <text>". */
static void fmt_request(void *ctx, struct jbuf *out,
                        const struct ev_req_rec *r,
                        const struct ev_src_name *name)
{
    char line[300];
    int n;

    (void)ctx;
    n = snprintf(line, sizeof(line), "r %llu %.*s\n",
                 (unsigned long long)r->id,
                 name != NULL ? (int)name->len : 1,
                 name != NULL ? name->text : "-");
    jb_raw(out, line, (size_t)n);
}

static void fmt_note(void *ctx, struct jbuf *out, const void *data,
                     size_t len)
{
    (void)ctx;
    jb_lit(out, "n ");
    jb_raw(out, data, len);
    jb_lit(out, "\n");
}

static const struct evstream_ops test_ops = { .request = fmt_request,
                                              .note = fmt_note };

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
    struct evstream *s = evstream_new(fd, true, &test_ops, NULL);

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
    struct evstream *s = evstream_new(fd, false, &test_ops, NULL);

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

static void append_request(struct evstream *s, uint64_t id,
                           struct bk_source *src)
{
    struct bk_req req = { .id = id, .source = src };

    evstream_request(s, &req, 0, 0, -1);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    static char text[1 << 16];
    size_t n;

    assert_non_null(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void test_each_request_names_its_source(void **state)
{
    char path[64], expect[1 << 14], *e = expect;
    int fd = tmp_file(path);
    struct evstream *s = evstream_new(fd, true, &test_ops, NULL);
    /* a and b share a slot (ids 16 apart); c is a's struct reused, as a
     * freed source's memory can be, for a new source. */
    struct bk_source a = { .kind = BK_SRC_NBD, .name = "nbd one", .id = 1 };
    struct bk_source b = { .kind = BK_SRC_NBD, .name = "nbd two", .id = 17 };
    struct bk_source other = { .kind = BK_SRC_BENCH, .name = "bench" };
    uint64_t id = 1;

    (void)state;
    assert_non_null(s);
    for (int i = 0; i < 40; i++, id++) {
        struct bk_source *src = i % 5 == 4 ? NULL
                                      : i % 3 == 0 ? &a
                                      : i % 3 == 1 ? &b : &other;

        append_request(s, id, src);
        e += sprintf(e, "r %llu %s\n", (unsigned long long)id,
                     src != NULL ? src->name : "-");
        if (i == 20) {
            evstream_note(s, "half", 4);
            e += sprintf(e, "n half\n");
        }
        if (i == 30) {
            /* The client left; a new one got its memory. */
            a.id = 33;
            a.name = "nbd three";
        }
    }
    /* The same again, with the slot still a's when it changes. */
    append_request(s, id, &a);
    e += sprintf(e, "r %llu nbd three\n", (unsigned long long)id++);
    a.id = 49;
    a.name = "nbd four";
    append_request(s, id, &a);
    e += sprintf(e, "r %llu nbd four\n", (unsigned long long)id++);
    evstream_free(s);
    assert_string_equal(read_all(path), expect);
    unlink(path);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_line_once_in_order_past_a_full_ring),
        cmocka_unit_test(test_flush_writes_everything_appended_so_far),
        cmocka_unit_test(test_each_request_names_its_source),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
