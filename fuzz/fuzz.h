/*
 * fuzz.h — what the harnesses share.
 *
 * A *harness* (fuzz_NAME.c) is one LLVMFuzzerTestOneInput feeding its
 * input to one parser and checking what the parser promises (besides not
 * crashing, which the sanitizers watch).  It links either with libFuzzer
 * (`make fuzz`, clang) or with standalone.c (any compiler), which replays
 * a corpus: `make check` replays fuzz/corpus/NAME/ through every harness.
 *
 * A broken promise ends in fuzz_fail(): a message, then abort(), which
 * libFuzzer saves as a crash like any other.
 */
#ifndef BLKMON_FUZZ_H
#define BLKMON_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: called once with main's arguments, before any input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a C string (it ends at its first NUL byte, if any). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static inline void fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static inline void fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#endif
