/*
 * number.c — sizes and pattern bytes (see number.h for the grammar).
 *
 * Sizes are qemu's qemu_strtosz() (util/strtosz.c, shared with the block
 * options), limited to INT64_MAX as qemu-io's cvtnum limits them.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/number.h"
#include "cmd/out.h"
#include "util/strtosz.h"

int num_parse_size(struct out *o, const char *s, int64_t *value)
{
    uint64_t val;
    bool hex_suffix;
    int ret = strtosz(s, &val, &hex_suffix);

    /* qemu warns when it meets the suffix, whatever follows */
    if (hex_suffix)
        out_warn(o, "Using a multiplier suffix on hex numbers is "
                 "deprecated: %s", s);
    if (ret < 0)
        return ret;
    if (val > (uint64_t)INT64_MAX)
        return -ERANGE;
    *value = (int64_t)val;
    return 0;
}

void num_print_error(struct out *o, int err, const char *arg)
{
    switch (err) {
    case -EINVAL:
        out_printf(o, "Parsing error: non-numeric argument, or "
                   "extraneous/unrecognized suffix -- %s\n", arg);
        break;
    case -ERANGE:
        out_printf(o, "Parsing error: argument too large -- %s\n", arg);
        break;
    default:
        out_printf(o, "Parsing error: %s\n", arg);
    }
}

int num_size_arg(struct out *o, const char *s, int64_t *value)
{
    int ret = num_parse_size(o, s, value);

    if (ret < 0)
        num_print_error(o, ret, s);
    return ret;
}

int num_parse_pattern(struct out *o, const char *arg)
{
    char *end;
    long pattern;

    errno = 0;
    pattern = strtol(arg, &end, 0);
    if (pattern < 0 || pattern > UCHAR_MAX || *end != '\0') {
        out_printf(o, "%s is not a valid pattern byte\n", arg);
        return -1;
    }
    return (int)pattern;
}

int num_check_sector_aligned(struct out *o, int64_t offset, int64_t count)
{
    static const char *const names[] = { "offset", "count" };
    const int64_t values[] = { offset, count };

    for (int i = 0; i < 2; i++) {
        if (values[i] % 512 != 0) {
            out_printf(o, "%" PRId64 " is not a sector-aligned value for "
                       "'%s'\n", values[i], names[i]);
            return -EINVAL;
        }
    }
    return 0;
}
