/*
 * strfmt.c — printf into a newly allocated string (see strfmt.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "util/strfmt.h"

char *vstrfmt(const char *fmt, va_list ap)
{
    char *s;

    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

char *strfmt(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = vstrfmt(fmt, ap);
    va_end(ap);
    return s;
}
