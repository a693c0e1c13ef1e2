/*
 * standalone.c — a main() for the harnesses without libFuzzer: feed every
 * file named on the command line, or found in a directory named there, to
 * LLVMFuzzerTestOneInput once.  This is the regression pass of `make
 * check`: the corpora replay in seconds with any compiler, under the
 * sanitizers of the build at hand.
 *
 *   build/fuzz/fuzz_NAME fuzz/corpus/NAME [FILE]...
 *
 * Arguments starting with '-' are libFuzzer options and are ignored, so
 * a libFuzzer command line works unchanged.  Exits 1 when there was
 * nothing to replay: an empty corpus tests nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

/* A harness may define it; libFuzzer calls it when it exists. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path);
static int replay_dir(const char *path, size_t *count);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            if (buf == NULL)
                abort();
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    /* A copy of exactly len bytes, so that ASan sees a read past the end. */
    {
        uint8_t *exact = malloc(len ? len : 1);

        if (exact == NULL)
            abort();
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *path, size_t *count)
{
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name), ret = 0;

    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char sub[4096];
        struct stat st;

        snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(sub, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            if (replay_file(sub) < 0)
                ret = -1;
            else
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

int main(int argc, char **argv)
{
    char **paths;
    size_t count = 0;
    int ret = 0;

    /* It may change the arguments (fuzz_cmd makes paths absolute). */
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    paths = calloc((size_t)argc, sizeof(char *));
    if (paths == NULL)
        abort();
    /* Absolute paths first: a harness may change directory (fuzz_cmd). */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        paths[i] = realpath(argv[i], NULL);
        if (paths[i] == NULL) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            ret = 1;
        }
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (paths[i] == NULL)
            continue;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (replay_dir(paths[i], &count) < 0)
                ret = 1;
        } else if (replay_file(paths[i]) < 0) {
            ret = 1;
        } else {
            count++;
        }
        free(paths[i]);
    }
    free(paths);
    if (count == 0) {
        fprintf(stderr, "%s: no input to replay\n", basename(argv[0]));
        return 1;
    }
    printf("%s: %zu inputs replayed\n", basename(argv[0]), count);
    return ret;
}
