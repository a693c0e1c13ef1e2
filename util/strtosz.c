/*
 * strtosz.c — qemu_strtosz as qemu 7.2 has it (see strtosz.h).
 *
 * The integral part is read as unsigned decimal; "0x" after a zero
 * switches to hex, where a fraction is refused.  A fraction is read with
 * strtod and kept as 64-bit fixed point; it needs a scaling suffix.  The
 * product is exact in 128 bits, rounding half up.  Numbers too large for
 * 64 bits are -ERANGE when they end the text and -EINVAL when something
 * follows them (qemu gives up before it looks at a suffix).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strtosz.h"

static uint64_t strtosz_suffix(char c);
static int strtosz_u64(const char *s, const char **end, int base,
                       uint64_t *value);

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
        return *ep != '\0' ? -EINVAL : -ERANGE;
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
        return ret;
    if (memchr(s, '-', (size_t)(end - s)) != NULL)
        return -EINVAL;
    if (val == 0 && (*end == 'x' || *end == 'X')) {
        ret = strtosz_u64(s, &end, 16, &val);
        if (ret < 0)
            return ret;
        if (*end == '.')
            return -EINVAL;
        hex = true;
    } else if (*end == '.') {
        const char *f = end;
        char *fend;
        double fraction;

        /* "1." and "1.k" are fine: a bare dot has no fraction digits. */
        errno = 0;
        fraction = strtod(f, &fend);
        if (fend == f || errno == ERANGE) {
            end = f + 1;
        } else if (memchr(f, 'e', (size_t)(fend - f)) != NULL ||
                   memchr(f, 'E', (size_t)(fend - f)) != NULL) {
            return -EINVAL;
        } else {
            end = fend;
            /* ".99999999999999999" rounds to 1.0, whose fixed point does
             * not fit: qemu-io 7.2 (built with gcc, x86-64) then has no
             * fraction at all. */
            frac = fraction < 1.0 ? (uint64_t)(fraction * 0x1p64) : 0;
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
        if (frac != 0)
            return -EINVAL;
    } else {
        unsigned __int128 exact = (unsigned __int128)val * mul;

        /* frac is a 0.64 fixed-point value: add frac * mul, rounded. */
        exact += ((unsigned __int128)frac * mul + (UINT64_C(1) << 63)) >> 64;
        if (exact >> 64 != 0)
            return -ERANGE;
        val = (uint64_t)exact;
    }
    if (*end != '\0')
        return -EINVAL;
    *value = val;
    return 0;
}
