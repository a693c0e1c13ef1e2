/*
 * number.c — sizes and pattern bytes (see number.h for the grammar).
 *
 * The size rules follow qemu's qemu_strtosz() in 7.2: the integral part is
 * read as unsigned decimal (strtoull, so leading blanks and '+' pass but any
 * '-' is refused); "0x" switches to hex, where a fraction is refused; a
 * fraction is kept as 64-bit fixed point and needs a scaling suffix; the
 * product is exact in 128 bits, rounding half up, and overflow is -ERANGE;
 * text left after all that is -EINVAL, whatever else went wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/number.h"
#include "cmd/out.h"

static int64_t size_suffix(char c);
static int strtou64_checked(const char *s, const char **end, int base,
                            uint64_t *value);
static int size_fraction(const char *f, const char **end, uint64_t *frac);

/* The multiplier a suffix letter stands for; 0 when it is not one. */
static int64_t size_suffix(char c)
{
    switch (c) {
    case 'b': case 'B': return 1;
    case 'k': case 'K': return INT64_C(1) << 10;
    case 'm': case 'M': return INT64_C(1) << 20;
    case 'g': case 'G': return INT64_C(1) << 30;
    case 't': case 'T': return INT64_C(1) << 40;
    case 'p': case 'P': return INT64_C(1) << 50;
    case 'e': case 'E': return INT64_C(1) << 60;
    }
    return 0;
}

/* strtoull with qemu_strtou64()'s verdicts: no digits is -EINVAL. */
static int strtou64_checked(const char *s, const char **end, int base,
                            uint64_t *value)
{
    char *ep;

    errno = 0;
    *value = strtoull(s, &ep, base);
    *end = ep;
    if (ep == s)
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    return 0;
}

/*
 * The fraction after the dot at f as 64-bit fixed point, and where the
 * text goes on, as qemu 7.2 reads it (-EINVAL for an exponent).
 *
 * - No digits ("1.k"): the text goes on after the dot.
 * - strtod out of range ("1.5e999", or so many zeros that the value is
 *   subnormal): qemu keeps no fraction and skips one more character, so
 *   "1.5e999k" is 1.  At the end of the text that character is past it;
 *   qemu reads what follows in memory (NUL for a last argument, which is
 *   what is modelled here).
 * - A fraction that rounds to 1.0 ("0.99999999999999999") is out of range
 *   of qemu's cast to a 64-bit fraction; the gcc-built qemu-io gets 0 from
 *   that cast, so the fraction is dropped ("0.99999999999999999k" is 0).
 */
static int size_fraction(const char *f, const char **end, uint64_t *frac)
{
    char *fend;
    double fraction;

    errno = 0;
    fraction = strtod(f, &fend);
    *frac = 0;
    if (fend == f) {
        *end = f + 1;
        return 0;
    }
    if (errno == ERANGE) {
        *end = *fend != '\0' ? fend + 1 : fend;
        return 0;
    }
    if (memchr(f, 'e', (size_t)(fend - f)) != NULL ||
        memchr(f, 'E', (size_t)(fend - f)) != NULL)
        return -EINVAL;
    *end = fend;
    if (fraction < 1.0)
        *frac = (uint64_t)(fraction * 0x1p64);
    return 0;
}

int num_parse_size(struct out *o, const char *s, int64_t *value)
{
    const char *end;
    uint64_t val, frac = 0;
    int64_t mul;
    bool hex = false;
    int ret;

    ret = strtou64_checked(s, &end, 10, &val);
    if (ret < 0)
        goto out;
    if (memchr(s, '-', (size_t)(end - s)) != NULL) {
        end = s;
        ret = -EINVAL;
        goto out;
    }
    if (val == 0 && (*end == 'x' || *end == 'X')) {
        ret = strtou64_checked(s, &end, 16, &val);
        if (ret < 0)
            goto out;
        if (*end == '.') {
            end = s;
            ret = -EINVAL;
            goto out;
        }
        hex = true;
    } else if (*end == '.') {
        ret = size_fraction(end, &end, &frac);
        if (ret < 0) {
            end = s;
            goto out;
        }
    }
    mul = size_suffix(*end);
    if (mul > 0) {
        if (hex)
            out_warn(o, "Using a multiplier suffix on hex numbers is "
                     "deprecated: %s", s);
        end++;
    } else {
        mul = 1;
    }
    if (mul == 1) {
        /* A fraction needs a scale. */
        if (frac != 0) {
            end = s;
            ret = -EINVAL;
            goto out;
        }
    } else {
        unsigned __int128 exact = (unsigned __int128)val * (uint64_t)mul;

        /* frac is a 0.64 fixed-point value: add frac * mul, rounded. */
        exact += ((unsigned __int128)frac * (uint64_t)mul + (UINT64_C(1) << 63))
                 >> 64;
        if (exact >> 64 != 0) {
            ret = -ERANGE;
            goto out;
        }
        val = (uint64_t)exact;
    }
out:
    /* Whatever went wrong, text left over makes it a non-number (qemu
     * checks the end last: "1e30000000000Ex" is not "too large"). */
    if (*end != '\0')
        return -EINVAL;
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
