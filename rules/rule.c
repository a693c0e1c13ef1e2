/*
 * rule.c — turning a checked group into a rule, and a rule back into text.
 *
 * For QEMU's groups this is blkdebug's add_rule: the event must be named
 * and known, an inject-error iotype must be known; numbers are read as
 * QEMU stores them (64-bit, then cut to int), defaults are errno EIO,
 * sector -1 (any), state 0 (any), new_state 0.  blkmon's groups and the
 * conditions every group takes are checked here too, with messages worded
 * like QEMU's.  The text form is the config group; it leaves out what
 * equals the default so that saving is stable.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

#define IO(t) (1u << RULES_IO_##t)
#define IO_ALL ((1u << RULES_IO__MAX) - 1)
#define IO_REQUESTS (IO_ALL & ~IO(BLOCK_STATUS))
#define IO_WRITES (IO(WRITE) | IO(WRITE_ZEROES) | IO(DISCARD))

/* The types each action acts on without "iotype", and may act on. */
static const struct {
    unsigned def, allowed;
} action_types[RULES_ACTION__MAX] = {
    [RULES_INJECT_ERROR] = { RULES_IO_DEFAULT_MASK, IO_ALL },
    [RULES_SET_STATE]    = { IO_ALL, IO_ALL },
    [RULES_SUSPEND]      = { IO_ALL, IO_ALL },
    [RULES_DELAY]        = { IO_REQUESTS, IO_REQUESTS },
    [RULES_HANG]         = { IO_REQUESTS, IO_REQUESTS },
    [RULES_CORRUPT]      = { IO(READ), IO(READ) | IO(WRITE) },
    [RULES_DROP_WRITES]  = { IO_WRITES, IO_WRITES | IO(FLUSH) },
    [RULES_TORN_WRITE]   = { IO(WRITE) | IO(WRITE_ZEROES),
                             IO(WRITE) | IO(WRITE_ZEROES) },
    [RULES_BAD_BLOCKS]   = { IO(READ), IO(READ) },
    [RULES_POWERCUT]     = { IO_WRITES | IO(FLUSH), IO_REQUESTS },
    [RULES_WRITE_CACHE]  = { IO_ALL, IO_ALL },
};

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        abort();
    return p;
}

/* "read", "read,write", "read|flush": 0 and the mask, or -1. */
static int
parse_iotypes(const char *text, unsigned *mask)
{
    char *copy = xstrdup(text), *save = NULL, *word;
    int io, ret = 0;

    *mask = 0;
    /* One name, as QEMU has it, is looked up whole (no trimming). */
    if (strpbrk(text, ",|") == NULL) {
        io = rules_iotype_lookup(text);
        free(copy);
        if (io < 0)
            return -1;
        *mask = 1u << io;
        return 0;
    }
    for (word = strtok_r(copy, ",|", &save); word != NULL;
         word = strtok_r(NULL, ",|", &save)) {
        io = rules_iotype_lookup(word);
        if (io < 0) {
            ret = -1;
            break;
        }
        *mask |= 1u << io;
    }
    free(copy);
    return *mask != 0 ? ret : -1;
}

static const char *
types_text(unsigned mask, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int i = 0; i < RULES_IO__MAX; i++) {
        if (mask & (1u << i))
            n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
                                  n ? ", " : "", rules_iotype_names[i]);
    }
    return buf;
}

int
rules_match_from_opts(const struct rules_opts *o, enum rules_action a,
                      struct rules_match *m, char **cause)
{
    const char *iotype = rules_opts_string(o, "iotype");
    const char *name = rules_group_name((int)a);
    bool has_start = rules_opts_string(o, "start") != NULL;
    bool has_end = rules_opts_string(o, "end") != NULL;
    int counts = 0;
    char buf[96];

    memset(m, 0, sizeof(*m));
    m->iotype_mask = action_types[a].def;
    if (iotype != NULL) {
        if (parse_iotypes(iotype, &m->iotype_mask) < 0) {
            return rules_fail(cause, -EINVAL, "invalid parameter value: %s",
                              iotype);
        }
        if (m->iotype_mask & ~action_types[a].allowed) {
            return rules_fail(cause, -EINVAL,
                              "[%s] acts on %s only", name,
                              types_text(action_types[a].allowed, buf,
                                         sizeof(buf)));
        }
    }
    m->start = rules_opts_size(o, "start", 0);
    m->end = rules_opts_size(o, "end", 0);
    if (has_start && !has_end)
        m->end = UINT64_MAX;
    if (has_end && m->end <= m->start) {
        return rules_fail(cause, -EINVAL,
                          "Parameter 'end' must be above 'start'");
    }
    m->min_bytes = rules_opts_size(o, "min-length", 0);
    m->max_bytes = rules_opts_size(o, "max-length", UINT64_MAX);
    if (m->max_bytes < m->min_bytes) {
        return rules_fail(cause, -EINVAL, "Parameter 'max-length' must not "
                          "be below 'min-length'");
    }
    m->nth = rules_opts_number(o, "nth", 0);
    m->every = rules_opts_number(o, "every", 0);
    m->first = rules_opts_number(o, "first", 0);
    static const char *const count_keys[] = { "nth", "every", "first" };
    for (int i = 0; i < 3; i++) {
        if (rules_opts_string(o, count_keys[i]) == NULL)
            continue;
        counts++;
        if (rules_opts_number(o, count_keys[i], 0) == 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter '%s' expects a number above 0",
                              count_keys[i]);
        }
    }
    if (counts > 1) {
        return rules_fail(cause, -EINVAL,
                          "Only one of 'nth', 'every' and 'first' may be "
                          "given");
    }
    m->probability = rules_opts_fraction(o, "probability", 1.0);
    m->up_ns = rules_opts_duration(o, "up", 0);
    m->down_ns = rules_opts_duration(o, "down", 0);
    if ((rules_opts_string(o, "up") != NULL) !=
        (rules_opts_string(o, "down") != NULL)) {
        return rules_fail(cause, -EINVAL,
                          "Parameters 'up' and 'down' go together");
    }
    if (rules_opts_string(o, "down") != NULL && m->down_ns <= 0) {
        return rules_fail(cause, -EINVAL,
                          "Parameter 'down' expects a duration above 0");
    }
    m->once = rules_opts_bool(o, "once", false);
    return 0;
}

/* The keys given that belong to another mode of corrupt, if any. */
static const char *
corrupt_foreign_key(const struct rules_opts *o, enum rules_corrupt_mode mode)
{
    static const struct {
        const char *key;
        unsigned modes;         /* 1 << mode */
    } keys[] = {
        { "bits", 1u << RULES_CORRUPT_FLIP },
        { "bit-probability",
          (1u << RULES_CORRUPT_FLIP) | (1u << RULES_CORRUPT_STUCK) },
        { "at", 1u << RULES_CORRUPT_OVERWRITE },
        { "count", 1u << RULES_CORRUPT_OVERWRITE },
        { "value", 1u << RULES_CORRUPT_OVERWRITE },
    };

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (rules_opts_string(o, keys[i].key) != NULL &&
            !(keys[i].modes & (1u << mode)))
            return keys[i].key;
    }
    return NULL;
}

static const char *const corrupt_modes[] = {
    [RULES_CORRUPT_FLIP] = "flip",
    [RULES_CORRUPT_STUCK] = "stuck",
    [RULES_CORRUPT_OVERWRITE] = "overwrite",
};

static int
corrupt_from_opts(const struct rules_opts *o, struct rules_rule *r,
                  char **cause)
{
    const char *mode = rules_opts_string(o, "mode");
    const char *foreign;
    int i;

    r->u.corrupt.mode = RULES_CORRUPT_FLIP;
    if (mode != NULL) {
        for (i = 0; i < 3 && strcmp(mode, corrupt_modes[i]) != 0; i++)
            ;
        if (i == 3) {
            return rules_fail(cause, -EINVAL, "invalid parameter value: %s",
                              mode);
        }
        r->u.corrupt.mode = (enum rules_corrupt_mode)i;
    }
    foreign = corrupt_foreign_key(o, r->u.corrupt.mode);
    if (foreign != NULL) {
        return rules_fail(cause, -EINVAL,
                          "Parameter '%s' is not for mode %s", foreign,
                          corrupt_modes[r->u.corrupt.mode]);
    }
    switch (r->u.corrupt.mode) {
    case RULES_CORRUPT_FLIP:
        if (rules_opts_string(o, "bits") != NULL &&
            rules_opts_string(o, "bit-probability") != NULL) {
            return rules_fail(cause, -EINVAL,
                              "Only one of 'bits' and 'bit-probability' may "
                              "be given");
        }
        r->u.corrupt.bit_probability =
            rules_opts_fraction(o, "bit-probability", 0);
        r->u.corrupt.bits = rules_opts_number(
            o, "bits", r->u.corrupt.bit_probability > 0 ? 0 : 1);
        break;
    case RULES_CORRUPT_STUCK:
        if (rules_opts_string(o, "bit-probability") == NULL) {
            return rules_fail(cause, -EINVAL,
                              "Missing bit-probability for stuck bits");
        }
        r->u.corrupt.bit_probability =
            rules_opts_fraction(o, "bit-probability", 0);
        break;
    case RULES_CORRUPT_OVERWRITE:
        r->u.corrupt.at = rules_opts_size(o, "at", 0);
        r->u.corrupt.count = rules_opts_size(o, "count", 1);
        if (rules_opts_number(o, "value", 0xff) > 0xff) {
            return rules_fail(cause, -EINVAL,
                              "Parameter 'value' expects a byte (0 to 255)");
        }
        r->u.corrupt.value = (uint8_t)rules_opts_number(o, "value", 0xff);
        break;
    }
    return 0;
}

static int
delay_from_opts(const struct rules_opts *o, struct rules_rule *r,
                char **cause)
{
    const char *hist = rules_opts_string(o, "histogram");
    bool has_max = rules_opts_string(o, "latency-max") != NULL;
    bool has_dev = rules_opts_string(o, "stddev") != NULL;

    if (hist != NULL) {
        if (rules_opts_string(o, "latency") != NULL || has_max || has_dev) {
            return rules_fail(cause, -EINVAL,
                              "A histogram takes no latency, latency-max or "
                              "stddev");
        }
        r->u.delay.kind = RULES_DELAY_HISTOGRAM;
        return rules_histogram_load(hist, &r->u.delay.hist, cause);
    }
    if (rules_opts_string(o, "latency") == NULL)
        return rules_fail(cause, -EINVAL, "Missing latency for delay");
    if (has_max && has_dev) {
        return rules_fail(cause, -EINVAL,
                          "Only one of 'latency-max' and 'stddev' may be "
                          "given");
    }
    r->u.delay.ns = rules_opts_duration(o, "latency", 0);
    r->u.delay.kind = RULES_DELAY_FIXED;
    if (has_max) {
        r->u.delay.kind = RULES_DELAY_UNIFORM;
        r->u.delay.max_ns = rules_opts_duration(o, "latency-max", 0);
        if (r->u.delay.max_ns < r->u.delay.ns) {
            return rules_fail(cause, -EINVAL, "Parameter 'latency-max' must "
                              "not be below 'latency'");
        }
    } else if (has_dev) {
        r->u.delay.kind = RULES_DELAY_NORMAL;
        r->u.delay.stddev_ns = rules_opts_duration(o, "stddev", 0);
    }
    return 0;
}

/* The part of add_rule that depends on the action. */
static int
action_from_opts(const struct rules_opts *o, struct rules_rule *r,
                 char **cause)
{
    const char *text;

    switch (o->group) {
    case RULES_INJECT_ERROR:
        r->u.inject.error = (int)rules_opts_number(o, "errno", EIO);
        r->u.inject.immediately = rules_opts_bool(o, "immediately", false);
        r->u.inject.sector =
            (int64_t)rules_opts_number(o, "sector", (uint64_t)-1);
        return 0;
    case RULES_SET_STATE:
        r->u.set_state.new_state =
            (int)rules_opts_number(o, "new_state", 0);
        return 0;
    case RULES_DELAY:
        return delay_from_opts(o, r, cause);
    case RULES_HANG:
        text = rules_opts_string(o, "tag");
        if (text != NULL && text[0] == '\0')
            return rules_fail(cause, -EINVAL, "Parameter 'tag' is empty");
        r->u.hang.tag = xstrdup(text != NULL ? text : "hang");
        r->u.hang.timeout_ns = rules_opts_duration(o, "timeout", 0);
        r->u.hang.error = (int)rules_opts_number(o, "errno", EIO);
        return 0;
    case RULES_CORRUPT:
        return corrupt_from_opts(o, r, cause);
    case RULES_DROP_WRITES:
    case RULES_WRITE_CACHE:
        return 0;
    case RULES_TORN_WRITE:
        r->u.torn.random = rules_opts_string(o, "sectors") == NULL;
        r->u.torn.sectors = rules_opts_number(o, "sectors", 0);
        r->u.torn.error = (int)rules_opts_number(o, "errno", EIO);
        return 0;
    case RULES_BAD_BLOCKS:
        text = rules_opts_string(o, "sectors");
        if (text == NULL)
            return rules_fail(cause, -EINVAL,
                              "Missing sectors for bad-blocks");
        if (rules_sectors_parse(text, &r->u.bad_blocks.bad) < 0) {
            return rules_fail(cause, -EINVAL,
                              "Parameter 'sectors' expects sector numbers "
                              "and ranges (8,16,100-107)");
        }
        r->u.bad_blocks.error = (int)rules_opts_number(o, "errno", EIO);
        return 0;
    case RULES_POWERCUT:
        r->u.powercut.keep = rules_opts_fraction(o, "keep", 0);
        r->u.powercut.exit = rules_opts_bool(o, "exit", false);
        return 0;
    case RULES_SUSPEND:
    case RULES_ACTION__MAX:
        break;
    }
    abort();
}

int
rules_rule_from_opts(const struct rules_opts *o, struct rules_rule *r,
                     char **cause)
{
    const char *event = rules_opts_string(o, "event");
    int ev, ret;

    memset(r, 0, sizeof(*r));
    r->action = o->group;
    if (rules_action_has_event(o->group)) {
        if (event == NULL)
            return rules_fail(cause, -EINVAL, "Missing event name for rule");
        ev = rules_event_lookup(event);
        if (ev < 0) {
            return rules_fail(cause, -EINVAL, "invalid parameter value: %s",
                              event);
        }
        r->event = (enum rules_event)ev;
    }
    r->state = (int)rules_opts_number(o, "state", 0);
    ret = rules_match_from_opts(o, o->group, &r->m, cause);
    if (ret == 0)
        ret = action_from_opts(o, r, cause);
    if (ret < 0)
        rules_rule_fini(r);
    return ret;
}

void
rules_rule_fini(struct rules_rule *r)
{
    switch (r->action) {
    case RULES_SUSPEND:
        free(r->u.suspend.tag);
        r->u.suspend.tag = NULL;
        break;
    case RULES_HANG:
        free(r->u.hang.tag);
        r->u.hang.tag = NULL;
        break;
    case RULES_DELAY:
        rules_histogram_free(r->u.delay.hist);
        r->u.delay.hist = NULL;
        break;
    case RULES_BAD_BLOCKS:
        free(r->u.bad_blocks.bad.v);
        r->u.bad_blocks.bad.v = NULL;
        r->u.bad_blocks.bad.n = 0;
        break;
    default:
        break;
    }
}

void
rules_rule_copy(struct rules_rule *dst, const struct rules_rule *src)
{
    const struct rules_histogram *h;
    size_t n;

    *dst = *src;
    switch (src->action) {
    case RULES_SUSPEND:
        dst->u.suspend.tag = xstrdup(src->u.suspend.tag);
        break;
    case RULES_HANG:
        dst->u.hang.tag = xstrdup(src->u.hang.tag);
        break;
    case RULES_DELAY:
        h = src->u.delay.hist;
        if (h == NULL)
            break;
        dst->u.delay.hist = calloc(1, sizeof(*h));
        if (dst->u.delay.hist == NULL)
            abort();
        *dst->u.delay.hist = *h;
        dst->u.delay.hist->path = xstrdup(h->path);
        dst->u.delay.hist->values_ns = malloc(h->n * sizeof(int64_t) + 1);
        dst->u.delay.hist->weights = malloc(h->n * sizeof(double) + 1);
        if (dst->u.delay.hist->values_ns == NULL ||
            dst->u.delay.hist->weights == NULL)
            abort();
        memcpy(dst->u.delay.hist->values_ns, h->values_ns,
               h->n * sizeof(int64_t));
        memcpy(dst->u.delay.hist->weights, h->weights, h->n * sizeof(double));
        break;
    case RULES_BAD_BLOCKS:
        n = src->u.bad_blocks.bad.n;
        dst->u.bad_blocks.bad.v = malloc(n * sizeof(*src->u.bad_blocks.bad.v)
                                         + 1);
        if (dst->u.bad_blocks.bad.v == NULL)
            abort();
        memcpy(dst->u.bad_blocks.bad.v, src->u.bad_blocks.bad.v,
               n * sizeof(*src->u.bad_blocks.bad.v));
        break;
    default:
        break;
    }
}

bool
rules_rule_uses_random(const struct rules_rule *r)
{
    if (r->m.probability < 1.0)
        return true;
    switch (r->action) {
    case RULES_DELAY:
        return r->u.delay.kind != RULES_DELAY_FIXED;
    case RULES_CORRUPT:
        return r->u.corrupt.mode != RULES_CORRUPT_OVERWRITE;
    case RULES_TORN_WRITE:
        return r->u.torn.random;
    case RULES_POWERCUT:
        return r->u.powercut.keep > 0 && r->u.powercut.keep < 1;
    default:
        return false;
    }
}

/* ---- text ------------------------------------------------------------ */

static void
append(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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

void
rules_format_duration(int64_t ns, char *buf, size_t len)
{
    if (ns != 0 && ns % 1000000000 == 0)
        snprintf(buf, len, "%llds", (long long)(ns / 1000000000));
    else if (ns % 1000000 == 0)
        snprintf(buf, len, "%lldms", (long long)(ns / 1000000));
    else if (ns % 1000 == 0)
        snprintf(buf, len, "%lldus", (long long)(ns / 1000));
    else
        snprintf(buf, len, "%lldns", (long long)ns);
}

/* The shortest text that reads back as the same double. */
static void
format_real(double v, char *buf, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/*
 * One key and value, in a group ("key = \"value\"\n") or on a line
 * (" key=value").
 */
struct writer {
    char **buf;
    size_t *len;
    bool line;
};

static void
put(struct writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
put(struct writer *w, const char *key, const char *fmt, ...)
{
    va_list ap;
    char *v;

    va_start(ap, fmt);
    if (vasprintf(&v, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (w->line)
        append(w->buf, w->len, " %s=%s", key, v);
    else
        append(w->buf, w->len, "%s = \"%s\"\n", key, v);
    free(v);
}

static void
put_duration(struct writer *w, const char *key, int64_t ns)
{
    char b[40];

    rules_format_duration(ns, b, sizeof(b));
    put(w, key, "%s", b);
}

static void
put_real(struct writer *w, const char *key, double v)
{
    char b[40];

    format_real(v, b, sizeof(b));
    put(w, key, "%s", b);
}

/* The iotype key: left out when it is the action's default. */
static void
put_iotype(struct writer *w, const struct rules_rule *r)
{
    unsigned mask = r->m.iotype_mask;
    char b[128];
    size_t n = 0;

    if (mask == action_types[r->action].def)
        return;
    b[0] = '\0';
    for (int i = 0; i < RULES_IO__MAX; i++) {
        if (mask & (1u << i))
            n += (size_t)snprintf(b + n, sizeof(b) - n, "%s%s", n ? "," : "",
                                  rules_iotype_names[i]);
    }
    put(w, "iotype", "%s", b);
}

/* The conditions, after the action's own keys. */
static void
put_match(struct writer *w, const struct rules_rule *r)
{
    const struct rules_match *m = &r->m;

    if (m->end != 0) {
        if (m->start != 0 || m->end == UINT64_MAX)
            put(w, "start", "%llu", (unsigned long long)m->start);
        if (m->end != UINT64_MAX)
            put(w, "end", "%llu", (unsigned long long)m->end);
    }
    if (m->min_bytes != 0)
        put(w, "min-length", "%llu", (unsigned long long)m->min_bytes);
    if (m->max_bytes != UINT64_MAX)
        put(w, "max-length", "%llu", (unsigned long long)m->max_bytes);
    if (m->nth != 0)
        put(w, "nth", "%llu", (unsigned long long)m->nth);
    if (m->every != 0)
        put(w, "every", "%llu", (unsigned long long)m->every);
    if (m->first != 0)
        put(w, "first", "%llu", (unsigned long long)m->first);
    if (m->probability < 1.0)
        put_real(w, "probability", m->probability);
    if (m->down_ns != 0) {
        put_duration(w, "up", m->up_ns);
        put_duration(w, "down", m->down_ns);
    }
}

static void
put_sectors(struct writer *w, const struct rules_sectors *s)
{
    char *b = NULL;
    size_t n = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].first == s->v[i].last)
            append(&b, &n, "%s%llu", i ? "," : "",
                   (unsigned long long)s->v[i].first);
        else
            append(&b, &n, "%s%llu-%llu", i ? "," : "",
                   (unsigned long long)s->v[i].first,
                   (unsigned long long)s->v[i].last);
    }
    /* Every sector written over: nothing is bad any more. */
    put(w, "sectors", "%s", b != NULL ? b : "");
    free(b);
}

/* The keys of r, in the order a saved group lists them. */
static void
put_rule(struct writer *w, const struct rules_rule *r)
{
    if (rules_action_has_event(r->action))
        put(w, "event", "%s", rules_event_names[r->event]);
    if (r->state != 0)
        put(w, "state", "%d", r->state);
    switch (r->action) {
    case RULES_INJECT_ERROR:
        /* QEMU's keys first, in the order blkmon always wrote them. */
        put(w, "errno", "%d", r->u.inject.error);
        if (r->u.inject.sector != -1)
            put(w, "sector", "%lld", (long long)r->u.inject.sector);
        if (r->m.once)
            put(w, "once", "on");
        if (r->u.inject.immediately)
            put(w, "immediately", "on");
        put_iotype(w, r);
        put_match(w, r);
        return;
    case RULES_SET_STATE:
        put(w, "new_state", "%d", r->u.set_state.new_state);
        break;
    case RULES_SUSPEND:
        if (w->line)
            put(w, "tag", "%s", r->u.suspend.tag);
        break;
    case RULES_DELAY:
        switch (r->u.delay.kind) {
        case RULES_DELAY_HISTOGRAM:
            put(w, "histogram", "%s", r->u.delay.hist->path);
            break;
        case RULES_DELAY_UNIFORM:
            put_duration(w, "latency", r->u.delay.ns);
            put_duration(w, "latency-max", r->u.delay.max_ns);
            break;
        case RULES_DELAY_NORMAL:
            put_duration(w, "latency", r->u.delay.ns);
            put_duration(w, "stddev", r->u.delay.stddev_ns);
            break;
        case RULES_DELAY_FIXED:
            put_duration(w, "latency", r->u.delay.ns);
            break;
        }
        break;
    case RULES_HANG:
        put(w, "tag", "%s", r->u.hang.tag);
        if (r->u.hang.timeout_ns != 0)
            put_duration(w, "timeout", r->u.hang.timeout_ns);
        put(w, "errno", "%d", r->u.hang.error);
        break;
    case RULES_CORRUPT:
        put(w, "mode", "%s", corrupt_modes[r->u.corrupt.mode]);
        switch (r->u.corrupt.mode) {
        case RULES_CORRUPT_FLIP:
            if (r->u.corrupt.bit_probability > 0)
                put_real(w, "bit-probability", r->u.corrupt.bit_probability);
            else
                put(w, "bits", "%llu", (unsigned long long)r->u.corrupt.bits);
            break;
        case RULES_CORRUPT_STUCK:
            put_real(w, "bit-probability", r->u.corrupt.bit_probability);
            break;
        case RULES_CORRUPT_OVERWRITE:
            put(w, "at", "%llu", (unsigned long long)r->u.corrupt.at);
            put(w, "count", "%llu", (unsigned long long)r->u.corrupt.count);
            put(w, "value", "0x%02x", r->u.corrupt.value);
            break;
        }
        break;
    case RULES_TORN_WRITE:
        if (!r->u.torn.random)
            put(w, "sectors", "%llu", (unsigned long long)r->u.torn.sectors);
        put(w, "errno", "%d", r->u.torn.error);
        break;
    case RULES_BAD_BLOCKS:
        put_sectors(w, &r->u.bad_blocks.bad);
        put(w, "errno", "%d", r->u.bad_blocks.error);
        break;
    case RULES_POWERCUT:
        if (r->u.powercut.keep > 0)
            put_real(w, "keep", r->u.powercut.keep);
        if (r->u.powercut.exit)
            put(w, "exit", "on");
        break;
    case RULES_DROP_WRITES:
    case RULES_WRITE_CACHE:
    case RULES_ACTION__MAX:
        break;
    }
    if (r->action == RULES_WRITE_CACHE)
        return;
    if (r->m.once)
        put(w, "once", "on");
    put_iotype(w, r);
    put_match(w, r);
}

void
rules_rule_format_sep(char **buf, size_t *len)
{
    append(buf, len, "\n");
}

void
rules_rule_format(const struct rules_rule *r, char **buf, size_t *len)
{
    struct writer w = { buf, len, false };

    append(buf, len, "[%s]\n", rules_action_names[r->action]);
    put_rule(&w, r);
}

char *
rules_describe(const struct rules_rule *r)
{
    char *buf = NULL;
    size_t len = 0;
    struct writer w = { &buf, &len, true };

    append(&buf, &len, "%s", rules_action_names[r->action]);
    put_rule(&w, r);
    if (r->disabled)
        append(&buf, &len, " (disabled)");
    return buf;
}
