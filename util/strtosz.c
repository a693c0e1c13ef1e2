/*
 * strtosz.c — qemu_strtosz as qemu 7.2 has it (see strtosz.h).
 *
 * The integral part is read as unsigned decimal; "0x" after a zero
 * switches to hex, where a fraction is refused.  A fraction is read with
 * strtod and kept as 64-bit fixed point, without the cast that overflows
 * in qemu (see strtosz_fraction); it needs a scaling suffix.  The product
 * is exact in 128 bits, rounding half up.  Whatever else went wrong, text
 * left over is -EINVAL, as in qemu; numbers too large for 64 bits are
 * -ERANGE only when they end the text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strtosz.h"

static uint64_t strtosz_suffix(char c);
static int strtosz_u64(const char *s, const char **end, int base,
                       uint64_t *value);
static int strtosz_fraction(const char *f, const char **end, uint64_t *frac);

/* The multiplier a suffix letter stands for; 0 when it is not one. */
static uint64_t strtosz_suffix(char c)
{
    static const char letters[] = "bkmgtpe";
    const char *p = c != '\0' ? strchr(letters, c | 0x20) : NULL;

    return p != NULL ? UINT64_C(1) << (10 * (p - letters)) : 0;
}

/* strtoull with qemu_strtou64()'s verdicts: no digits is -EINVAL. */
static int strtosz_u64(const char *s, const char **end, int base,
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
 *   qemu reads what follows in memory (what it finds varies); here the
 *   text ends there.
 * - A fraction that rounds to 1.0 ("0.99999999999999999") is out of range
 *   of qemu's cast to a 64-bit fraction; the gcc-built qemu-io 7.2
 *   (x86-64) gets 0 from that cast, so the fraction is dropped
 *   ("0.99999999999999999k" is 0).  The cast is only made below 1.0.
 */
static int strtosz_fraction(const char *f, const char **end, uint64_t *frac)
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

int strtosz(const char *s, uint64_t *value, bool *hex_suffix)
{
    const char *end;
    uint64_t val, frac = 0, mul;
    bool hex = false;
    int ret;

    if (hex_suffix != NULL)
        *hex_suffix = false;
    ret = strtosz_u64(s, &end, 10, &val);
    if (ret < 0)
        goto out;
    if (memchr(s, '-', (size_t)(end - s)) != NULL) {
        end = s;
        ret = -EINVAL;
        goto out;
    }
    if (val == 0 && (*end == 'x' || *end == 'X')) {
        ret = strtosz_u64(s, &end, 16, &val);
        if (ret < 0)
            goto out;
        if (*end == '.') {
            end = s;
            ret = -EINVAL;
            goto out;
        }
        hex = true;
    } else if (*end == '.') {
        ret = strtosz_fraction(end, &end, &frac);
        if (ret < 0) {
            end = s;
            goto out;
        }
    }
    mul = strtosz_suffix(*end);
    if (mul > 0) {
        if (hex && hex_suffix != NULL)
            *hex_suffix = true;
        end++;
    } else {
        mul = 1;
    }
    if (mul == 1) {
        /* A fraction needs a scale. */
        if (frac != 0) {
            end = s;
            ret = -EINVAL;
        }
    } else {
        unsigned __int128 exact = (unsigned __int128)val * mul;

        /* frac is a 0.64 fixed-point value: add frac * mul, rounded. */
        exact += ((unsigned __int128)frac * mul + (UINT64_C(1) << 63)) >> 64;
        if (exact >> 64 != 0)
            ret = -ERANGE;
        val = (uint64_t)exact;
    }
out:
    /* Whatever went wrong, text left over makes it a non-number: qemu
     * looks at the end last ("20000000000Ek" is not "too large"). */
    if (*end != '\0')
        return -EINVAL;
    if (ret == 0)
        *value = val;
    return ret;
}
