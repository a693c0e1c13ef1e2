/*
 * strtosz.h — qemu's size parser (qemu_strtosz in 7.2), for option values
 * such as raw's offset= and size= and blkdebug's align=.
 *
 * A size is decimal with an optional binary suffix (b k K m M g G t T p P
 * e E, powers of 1024), a fraction when a suffix scales it ("1.5k"), or
 * hexadecimal ("0x200").  A leading zero does not mean octal ("010" is
 * ten); leading blanks and '+' pass, any '-' is refused.
 */
#ifndef BLKMON_STRTOSZ_H
#define BLKMON_STRTOSZ_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Returns 0 with the value in *value (up to UINT64_MAX), -EINVAL (not a
 * number, bad suffix, junk after it) or -ERANGE (2^64 or more).  A suffix
 * on a hex number is accepted; qemu warns about it ("Using a multiplier
 * suffix on hex numbers is deprecated"): *hex_suffix (may be NULL) says
 * when that happened.
 */
int strtosz(const char *s, uint64_t *value, bool *hex_suffix);

#endif
