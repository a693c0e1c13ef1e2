/*
 * msg.c — allocated messages for the char **cause out-parameters.
 *
 * Running out of memory while building a message is a broken invariant,
 * not a user mistake: abort.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "rules/rules_int.h"
#include "util/strfmt.h"

/* Rule messages are never optional: running out of memory here aborts. */
static char *
vmsg(const char *fmt, va_list ap)
{
    char *s = vstrfmt(fmt, ap);

    if (s == NULL)
        abort();
    return s;
}

char *
rules_msg(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = vmsg(fmt, ap);
    va_end(ap);
    return s;
}

int
rules_fail(char **cause, int ret, const char *fmt, ...)
{
    va_list ap;

    if (cause != NULL) {
        va_start(ap, fmt);
        *cause = vmsg(fmt, ap);
        va_end(ap);
    }
    return ret;
}
