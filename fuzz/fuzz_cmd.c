/*
 * fuzz_cmd.c — the command language (cmd/): splitting a line into words,
 * the lookup and arity checks of the dispatcher, option parsing, and the
 * commands themselves, run headless against a small raw image with their
 * output discarded.
 *
 * The input is a command script, one command per line, as qemu-io reads
 * from stdin.  A first line "#! WORD..." sets up the session instead of
 * running: "readonly", "blkdebug" (the image under a blkdebug node),
 * "nocache" (O_DIRECT), "misalign" (buffers 16 bytes off).
 *
 * Every input starts afresh: the scratch directory (the current one) is
 * emptied and the image written again, 64 KiB with data at 0 and 32 KiB.
 *
 * Left out, so that a run is quick, deterministic and ends: commands that
 * sleep, wait for a breakpoint, park requests (break) or kill the process
 * (abort, sigraise); a FUSE export (export fuse: a mount over a file of
 * the scratch directory, which the next command could open and the loop
 * thread would then wait on itself); a bench without -c, with a count above 1024 or a
 * depth above 64; lines naming a path with '/' (the fuzzer stays in its
 * directory); lines asking for more than 1 MiB at once below qemu's 2 GiB
 * request limit, or more than 32 MiB in all, and preallocated truncates
 * (full, falloc): I/O that size only makes a run slow.  Numbers above the
 * limit stay in: they are refused before any buffer exists.  What the
 * commands promise is checked by the sanitizers and by the process
 * staying alive; the texts are the behaviour tests'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "cmd/argv.h"
#include "cmd/cmd.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "fuzz/fuzz.h"

#define FUZZ_IMAGE_SIZE 65536
#define FUZZ_MAX_LINES 64
#define FUZZ_LINE_MAX 1023           /* qemu-io's fgets() pieces */
#define FUZZ_MAX_ONE (INT64_C(1) << 20)
#define FUZZ_MAX_ALL (INT64_C(32) << 20)
/* bench runs 75000 requests unless told: it must say -c, with a small
 * count, and a small -d (its buffers are depth times size). */
#define FUZZ_BENCH_COUNT 1024
#define FUZZ_BENCH_DEPTH 64

static const char *const left_out[] = {
    "abort", "break", "sigraise", "sleep", "wait_break",
};

static void discard(enum out_stream stream, const char *text, size_t len,
                    void *arg)
{
}

static struct bk_loop *fuzz_loop;
static struct out fuzz_out = { .sink = discard };
static char fuzz_dir[64];

/* FUZZ_CMD_ECHO=1: the commands and their output on stderr, for triage. */
static void echo(enum out_stream stream, const char *text, size_t len,
                 void *arg)
{
    fwrite(text, 1, len, stderr);
}

static void empty_dir(void)
{
    DIR *d = opendir(".");
    struct dirent *e;

    if (d == NULL)
        fuzz_fail("scratch directory: %s", strerror(errno));
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(e->d_name);
    closedir(d);
}

static void cleanup(void)
{
    empty_dir();
    if (chdir("/") == 0)
        rmdir(fuzz_dir);
}

/*
 * The scratch directory becomes the current one, for good: the commands
 * name files relative to it.  So the arguments that name files (the
 * corpus directories) are made absolute first, and libFuzzer is told to
 * write crash files where it was started.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char *args[256];
    static char prefix[4200];
    const char *tmp = getenv("TMPDIR");
    bool has_prefix = false;
    char cwd[4096];
    int n = 0;

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        fuzz_fail("getcwd: %s", strerror(errno));
    for (int i = 0; i < *argc && n < 254; i++) {
        char *abs = NULL;

        if (i > 0 && (*argv)[i][0] != '-')
            abs = realpath((*argv)[i], NULL);
        if (strncmp((*argv)[i], "-artifact_prefix=", 17) == 0)
            has_prefix = true;
        args[n++] = abs != NULL ? abs : (*argv)[i];
    }
    if (!has_prefix) {
        snprintf(prefix, sizeof(prefix), "-artifact_prefix=%s/", cwd);
        args[n++] = prefix;
    }
    args[n] = NULL;
    *argc = n;
    *argv = args;

    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/blkmon-fuzz.XXXXXX",
             tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
    if (mkdtemp(fuzz_dir) == NULL || chdir(fuzz_dir) < 0)
        fuzz_fail("%s: %s", fuzz_dir, strerror(errno));
    atexit(cleanup);
    out_set_progname("blkmon");
    if (getenv("FUZZ_CMD_ECHO"))
        fuzz_out.sink = echo;
    fuzz_loop = bk_loop_new(2);
    return 0;
}

static void write_image(void)
{
    static char data[4096];
    int fd = open("img", O_RDWR | O_CREAT | O_TRUNC, 0644);

    memset(data, 0x5a, sizeof(data));
    if (fd < 0 || ftruncate(fd, FUZZ_IMAGE_SIZE) < 0 ||
        pwrite(fd, data, sizeof(data), 0) != sizeof(data) ||
        pwrite(fd, data, sizeof(data), 32768) != sizeof(data))
        fuzz_fail("writing the image: %s", strerror(errno));
    close(fd);
}

/* Whether every "-X N" or "-XN" of a bench line is at most max, and one
 * is there when needed. */
static bool bench_option_below(int argc, char **argv, char x, int64_t max,
                               bool needed)
{
    bool seen = false;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int64_t n;

        if (argv[i][0] == '-' && argv[i][1] == x)
            v = argv[i][2] != '\0' ? argv[i] + 2
                                   : i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            continue;
        seen = true;
        if (num_parse_size(&fuzz_out, v, &n) == 0 && n > max)
            return false;
    }
    return seen || !needed;
}

/* Whether line may run, and what its numbers cost from *budget. */
static bool line_allowed(const struct cmd_state *st, const char *line,
                         int64_t *budget)
{
    const struct cmd_entry *e;
    bool ok = true;
    char **argv;
    int argc;

    if (strchr(line, '/') != NULL)
        return false;
    argv = argv_split(line, &argc);
    if (argc == 0) {
        free(argv);
        return true;
    }
    e = cmd_find(st, argv[0]);
    for (size_t i = 0; e != NULL && i < sizeof(left_out) / sizeof(*left_out);
         i++)
        if (strcmp(e->name, left_out[i]) == 0)
            ok = false;
    if (e != NULL && strcmp(e->name, "export") == 0 && argc > 1 &&
        strcmp(argv[1], "fuse") == 0)
        ok = false;
    if (e != NULL && strcmp(e->name, "bench") == 0) {
        ok = bench_option_below(argc, argv, 'c', FUZZ_BENCH_COUNT, true) &&
             bench_option_below(argc, argv, 'd', FUZZ_BENCH_DEPTH, false);
    }
    for (int i = 1; ok && i < argc; i++) {
        if (e != NULL && strcmp(e->name, "truncate") == 0 &&
            (strstr(argv[i], "full") != NULL ||
             strstr(argv[i], "falloc") != NULL))
            ok = false;
        /* Any number in the word, "-l1M" and "len=1M" included: where
         * digits start, except inside a number ("0x1f", "1.5k"). */
        for (const char *p = argv[i]; ok && *p != '\0'; p++) {
            int64_t v;

            if (*p < '0' || *p > '9' ||
                (p > argv[i] && strchr("0123456789.xX", p[-1]) != NULL) ||
                num_parse_size(&fuzz_out, p, &v) < 0 ||
                v > NUM_REQUEST_MAX_BYTES)
                continue;
            if (v > FUZZ_MAX_ONE || v > *budget)
                ok = false;
            else
                *budget -= v;
        }
    }
    free(argv);
    return ok;
}

static int open_session(struct cmd_state *st, const char *header)
{
    unsigned flags = BK_O_RDWR | BK_O_UNMAP | BK_O_WRITETHROUGH;
    const char *name = "img";
    struct bk_opts *opts = bk_opts_new();

    if (strstr(header, "readonly") != NULL)
        flags &= ~(unsigned)BK_O_RDWR;
    if (strstr(header, "nocache") != NULL)
        flags = (flags | BK_O_NOCACHE) & ~(unsigned)BK_O_WRITETHROUGH;
    if (strstr(header, "blkdebug") != NULL)
        name = "blkdebug::img";
    st->misalign = strstr(header, "misalign") != NULL;
    bk_opts_set(opts, "driver", "raw");
    return cmd_open_image(st, name, opts, flags, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cmd_state st;
    char *text, *line, *next;
    int64_t budget = FUZZ_MAX_ALL;
    int n = 0;

    if (fuzz_loop == NULL)
        fuzz_fail("LLVMFuzzerInitialize did not run");
    empty_dir();
    write_image();
    cmd_state_init(&st, fuzz_loop);
    st.out = &fuzz_out;
    text = fuzz_text(data, size);
    line = text;
    if (strncmp(line, "#!", 2) == 0) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (open_session(&st, line) < 0)
            fuzz_fail("the image does not open for '%s'", line);
        line = next;
    } else if (open_session(&st, "") < 0) {
        fuzz_fail("the image does not open");
    }
    for (; line != NULL && !st.quit && n < FUZZ_MAX_LINES; line = next, n++) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (strlen(line) > FUZZ_LINE_MAX)
            line[FUZZ_LINE_MAX] = '\0';
        if (!line_allowed(&st, line, &budget))
            continue;
        if (getenv("FUZZ_CMD_ECHO"))
            fprintf(stderr, "> %s\n", line);
        cmd_execute(&st, line);
    }
    cmd_state_fini(&st);
    free(text);
    return 0;
}
