/*
 * rule.c — turning a checked group into a rule, and a rule back into text.
 *
 * This is blkdebug's add_rule: the event must be named and known, an
 * inject-error iotype must be known; numbers are read as QEMU stores them
 * (64-bit, then cut to int), defaults are errno EIO, sector -1 (any), state
 * 0 (any), new_state 0.  The text form is the config group; it leaves out
 * what equals the default so that saving is stable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

int
rules_rule_from_opts(const struct rules_opts *o, struct rules_rule *r,
                     char **cause)
{
    const char *event = rules_opts_string(o, "event");
    const char *iotype;
    int ev, io;

    memset(r, 0, sizeof(*r));
    if (event == NULL)
        return rules_fail(cause, -EINVAL, "Missing event name for rule");
    ev = rules_event_lookup(event);
    if (ev < 0) {
        return rules_fail(cause, -EINVAL, "invalid parameter value: %s",
                          event);
    }
    r->event = (enum rules_event)ev;
    r->action = o->group;
    r->state = (int)rules_opts_number(o, "state", 0);

    switch (o->group) {
    case RULES_INJECT_ERROR:
        r->u.inject.error = (int)rules_opts_number(o, "errno", EIO);
        r->u.inject.once = rules_opts_bool(o, "once", false);
        r->u.inject.immediately = rules_opts_bool(o, "immediately", false);
        r->u.inject.sector =
            (int64_t)rules_opts_number(o, "sector", (uint64_t)-1);
        iotype = rules_opts_string(o, "iotype");
        if (iotype == NULL) {
            r->u.inject.iotype_mask = RULES_IO_DEFAULT_MASK;
        } else {
            io = rules_iotype_lookup(iotype);
            if (io < 0) {
                return rules_fail(cause, -EINVAL,
                                  "invalid parameter value: %s", iotype);
            }
            r->u.inject.iotype_mask = 1u << io;
        }
        break;
    case RULES_SET_STATE:
        r->u.set_state.new_state =
            (int)rules_opts_number(o, "new_state", 0);
        break;
    case RULES_SUSPEND:
    case RULES_ACTION__MAX:
        abort();
    }
    return 0;
}

static void
append(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    *buf = realloc(*buf, *len + (size_t)n + 1);
    if (*buf == NULL)
        abort();
    memcpy(*buf + *len, s, (size_t)n + 1);
    *len += (size_t)n;
    free(s);
}

/* The name of a one-type mask, NULL for the default or a mixed mask. */
static const char *
iotype_name(unsigned mask)
{
    int i;

    for (i = 0; i < RULES_IO__MAX; i++) {
        if (mask == (1u << i))
            return rules_iotype_names[i];
    }
    return NULL;
}

void
rules_rule_format_sep(char **buf, size_t *len)
{
    append(buf, len, "\n");
}

void
rules_rule_format(const struct rules_rule *r, char **buf, size_t *len)
{
    const char *io;

    append(buf, len, "[%s]\nevent = \"%s\"\n", rules_action_names[r->action],
           rules_event_names[r->event]);
    if (r->state != 0)
        append(buf, len, "state = \"%d\"\n", r->state);
    switch (r->action) {
    case RULES_INJECT_ERROR:
        append(buf, len, "errno = \"%d\"\n", r->u.inject.error);
        if (r->u.inject.sector != -1) {
            append(buf, len, "sector = \"%lld\"\n",
                   (long long)r->u.inject.sector);
        }
        if (r->u.inject.once)
            append(buf, len, "once = \"on\"\n");
        if (r->u.inject.immediately)
            append(buf, len, "immediately = \"on\"\n");
        io = iotype_name(r->u.inject.iotype_mask);
        if (io != NULL)
            append(buf, len, "iotype = \"%s\"\n", io);
        break;
    case RULES_SET_STATE:
        append(buf, len, "new_state = \"%d\"\n", r->u.set_state.new_state);
        break;
    case RULES_SUSPEND:
    case RULES_ACTION__MAX:
        break;
    }
}

char *
rules_describe(const struct rules_rule *r)
{
    char *buf = NULL;
    size_t len = 0;
    const char *io;
    unsigned mask;
    int i;

    append(&buf, &len, "%s event=%s", rules_action_names[r->action],
           rules_event_names[r->event]);
    if (r->state != 0)
        append(&buf, &len, " state=%d", r->state);
    switch (r->action) {
    case RULES_INJECT_ERROR:
        append(&buf, &len, " errno=%d", r->u.inject.error);
        if (r->u.inject.sector != -1) {
            append(&buf, &len, " sector=%lld",
                   (long long)r->u.inject.sector);
        }
        if (r->u.inject.once)
            append(&buf, &len, " once=on");
        if (r->u.inject.immediately)
            append(&buf, &len, " immediately=on");
        mask = r->u.inject.iotype_mask;
        io = iotype_name(mask);
        if (io != NULL) {
            append(&buf, &len, " iotype=%s", io);
        } else if (mask != RULES_IO_DEFAULT_MASK) {
            append(&buf, &len, " iotype=");
            for (i = 0; i < RULES_IO__MAX; i++) {
                if (mask & (1u << i)) {
                    append(&buf, &len, "%s%s", rules_iotype_names[i],
                           (mask >> (i + 1)) ? "|" : "");
                }
            }
        }
        break;
    case RULES_SET_STATE:
        append(&buf, &len, " new_state=%d", r->u.set_state.new_state);
        break;
    case RULES_SUSPEND:
        append(&buf, &len, " tag=%s", r->u.suspend.tag);
        break;
    case RULES_ACTION__MAX:
        break;
    }
    return buf;
}
