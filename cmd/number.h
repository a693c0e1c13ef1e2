/*
 * number.h — the numbers of the command language, parsed as qemu-io does.
 *
 * A *size* is an offset or a length: decimal with an optional binary suffix
 * (b k K m M g G t T p P e E, powers of 1024), a fraction when a suffix
 * scales it ("1.5k"), or hexadecimal ("0x200").  A leading zero does not
 * mean octal for sizes ("010" is ten).  A *pattern byte* is the argument of
 * -P: strtol base 0, so "010" is eight there.
 */
#ifndef BLKMON_CMD_NUMBER_H
#define BLKMON_CMD_NUMBER_H

#include <stdint.h>

struct out;

/* qemu's BDRV_REQUEST_MAX_BYTES: the largest single request. */
#define NUM_REQUEST_MAX_BYTES INT64_C(2147483136)

/*
 * Parse a size (qemu-io's cvtnum).  Messages go to o (NULL: stdio), as
 * everywhere in cmd/.  Returns 0, -EINVAL (not a number, bad
 * suffix, junk after it) or -ERANGE (above INT64_MAX).  A suffix on a hex
 * number is accepted with a deprecation warning, as qemu 7.2 does.
 */
int num_parse_size(struct out *o, const char *s, int64_t *value);
/* Print qemu-io's text for a num_parse_size() error (stdout). */
void num_print_error(struct out *o, int err, const char *arg);
/* Parse and report in one go: 0, or the error already printed. */
int num_size_arg(struct out *o, const char *s, int64_t *value);

/* Parse a pattern byte; prints "X is not a valid pattern byte" and returns
 * -1 when it is not one. */
int num_parse_pattern(struct out *o, const char *arg);
/*
 * VM-state and compressed I/O work in whole sectors: -EINVAL, after
 * qemu-io's message naming the first misaligned value, unless both are.
 */
int num_check_sector_aligned(struct out *o, int64_t offset, int64_t count);

#endif
