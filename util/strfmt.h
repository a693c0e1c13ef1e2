/*
 * strfmt.h — printf into a newly allocated string.
 *
 * Messages handed up through `char **cause` and texts built for the screen
 * are made this way all over blkmon; one helper keeps the out-of-memory
 * rule in one place: NULL comes back, and the caller decides.
 */
#ifndef BLKMON_STRFMT_H
#define BLKMON_STRFMT_H

#include <stdarg.h>

char *strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vstrfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
