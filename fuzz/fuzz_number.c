/*
 * fuzz_number.c — the numbers of the command language (cmd/number.c:
 * sizes, pattern bytes) and of the option lists (backend/opts.c: size and
 * bool options).  The input is one argument, as a command word or an
 * option value.
 *
 * Promises checked:
 *   - num_parse_size answers 0 with a value in [0, INT64_MAX], -EINVAL or
 *     -ERANGE; plain decimal digits give their strtoll value;
 *   - the option parser reads a size as the command parser does (both are
 *     qemu_strtosz in qemu 7.2), except that it goes on to UINT64_MAX;
 *   - a pattern byte is -1 or 0..255.
 */
#include <errno.h>
#include <stdbool.h>

#include "backend/backend.h"
#include "backend/node.h"
#include "cmd/number.h"
#include "cmd/out.h"
#include "fuzz/fuzz.h"

static void discard(enum out_stream stream, const char *text, size_t len,
                    void *arg)
{
}

static struct out quiet = { .sink = discard };

static void check_size(const char *s)
{
    int64_t v = -1;
    uint64_t u = 0;
    int ret = num_parse_size(&quiet, s, &v), oret;
    size_t digits = strspn(s, "0123456789");

    if (ret != 0 && ret != -EINVAL && ret != -ERANGE)
        fuzz_fail("num_parse_size('%s') = %d", s, ret);
    if (ret == 0 && v < 0)
        fuzz_fail("num_parse_size('%s') gave %lld", s, (long long)v);
    if (digits > 0 && digits <= 18 && s[digits] == '\0' &&
        (ret != 0 || v != strtoll(s, NULL, 10)))
        fuzz_fail("num_parse_size('%s') = %d, value %lld", s, ret,
                  (long long)v);

    oret = bk_opts_parse_size(s, &u);
    if (ret == 0 ? oret != 0 || u != (uint64_t)v
                 : ret == -ERANGE ? !(oret == -ERANGE ||
                                      (oret == 0 && u > (uint64_t)INT64_MAX))
                                  : oret != -EINVAL)
        fuzz_fail("'%s': the command reads %d (%lld), the option %d (%llu)",
                  s, ret, (long long)v, oret, (unsigned long long)u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_text(data, size);
    bool b;
    int p;

    check_size(s);
    p = num_parse_pattern(&quiet, s);
    if (p < -1 || p > 255)
        fuzz_fail("num_parse_pattern('%s') = %d", s, p);
    if (bk_opts_parse_bool(s, &b) != 0 && bk_opts_parse_bool(s, &b) != -EINVAL)
        fuzz_fail("bk_opts_parse_bool('%s')", s);
    free(s);
    return 0;
}
