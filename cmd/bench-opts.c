/*
 * bench-opts.c — the words of "bench": options, their checks and the
 * first lines of its output, with qemu-img 7.2's texts.
 *
 * qemu-img bench parses with getopt_long, so unlike the other commands
 * "bench" takes long options ("--pattern 1", "--pattern=1", and any
 * unambiguous prefix such as "--pat=1").  Short options cluster and may
 * come after operands, as everywhere; bench takes no operands (the image
 * is the open one).  Numbers are qemu's: counts are qemu_strtoul (base 0,
 * so "0x10" and octal "010"), sizes are cvtnum ("4k", "1.5M").
 *
 * Checks run in qemu-img's order: each option as it comes, then the flush
 * interval against the mode and the depth.  One deliberate difference: a
 * depth of 0 with requests to send is refused, where qemu-img waits
 * forever.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bench.h"
#include "cmd/entries.h"
#include "cmd/number.h"
#include "cmd/out.h"

enum {
    OPT_FLUSH_INTERVAL = 256,
    OPT_NO_DRAIN,
    OPT_PATTERN,
    OPT_SEED,
    OPT_TIME,
    OPT_KEEP_GOING,
};

struct bench_long_opt {
    const char *name;
    bool has_arg;
    int val;
};

static const struct bench_long_opt bench_long_opts[] = {
    { "flush-interval", true, OPT_FLUSH_INTERVAL },
    { "no-drain", false, OPT_NO_DRAIN },
    { "pattern", true, OPT_PATTERN },
    { "seed", true, OPT_SEED },
    { "time", true, OPT_TIME },
    { "keep-going", false, OPT_KEEP_GOING },
};

#define BENCH_SHORT_OPTS "c:d:kM:o:qrs:S:w"

struct bench_getopt {
    int argc;
    char **argv;
    int cur, pos;
    const char *optarg;
    int noperands;
};

static int bench_getopt_next(struct bench_getopt *g);
static int bench_getopt_long(struct bench_getopt *g, const char *word);
static int bench_parse_ulong(const char *s, unsigned long max,
                             unsigned long *out);
static int bench_parse_size(const char *name, const char *s, int64_t max,
                            int64_t *out);
static int bench_set_option(struct bench_params *p, int c, const char *arg);

void bench_params_init(struct bench_params *p)
{
    *p = (struct bench_params){
        .count = 75000,
        .depth = 64,
        .size = 4096,
        .drain_on_flush = true,
        .seed = 1,
        .write_percent = -1,
    };
}

/* ---- a getopt_long for command words --------------------------------- */

static int bench_getopt_long(struct bench_getopt *g, const char *word)
{
    const char *name = word + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct bench_long_opt *found = NULL;
    int matches = 0;

    for (size_t i = 0; i < sizeof(bench_long_opts) / sizeof(bench_long_opts[0]);
         i++) {
        const struct bench_long_opt *o = &bench_long_opts[i];

        if (strncmp(o->name, name, len) != 0)
            continue;
        if (o->name[len] == '\0') {     /* exact beats any prefix */
            found = o;
            matches = 1;
            break;
        }
        found = o;
        matches++;
    }
    if (matches == 0) {
        out_eprintf("%s: unrecognized option '%s'\n", g->argv[0], word);
        return '?';
    }
    if (matches > 1) {
        out_eprintf("%s: option '%.*s' is ambiguous\n", g->argv[0],
                    (int)(len + 2), word);
        return '?';
    }
    if (!found->has_arg) {
        if (eq != NULL) {
            out_eprintf("%s: option '--%s' doesn't allow an argument\n",
                        g->argv[0], found->name);
            return '?';
        }
        return found->val;
    }
    if (eq != NULL) {
        g->optarg = eq + 1;
    } else if (g->cur < g->argc) {
        g->optarg = g->argv[g->cur++];
    } else {
        out_eprintf("%s: option '--%s' requires an argument\n", g->argv[0],
                    found->name);
        return '?';
    }
    return found->val;
}

/* The next option; operands are counted and skipped (GNU permutation). */
static int bench_getopt_next(struct bench_getopt *g)
{
    for (;;) {
        const char *a, *spec;
        char c;

        g->optarg = NULL;
        if (g->pos == 0) {
            if (g->cur >= g->argc)
                return -1;
            a = g->argv[g->cur];
            if (strcmp(a, "--") == 0) {
                g->noperands += g->argc - g->cur - 1;
                g->cur = g->argc;
                return -1;
            }
            if (a[0] != '-' || a[1] == '\0') {
                g->noperands++;
                g->cur++;
                continue;
            }
            g->cur++;
            if (a[1] == '-')
                return bench_getopt_long(g, a);
            g->pos = 1;
        }
        a = g->argv[g->cur - 1];
        c = a[g->pos++];
        if (a[g->pos] == '\0')
            g->pos = 0;
        spec = c == ':' ? NULL : strchr(BENCH_SHORT_OPTS, c);
        if (spec == NULL) {
            out_eprintf("%s: invalid option -- '%c'\n", g->argv[0], c);
            return '?';
        }
        if (spec[1] != ':')
            return c;
        if (g->pos != 0) {
            g->optarg = a + g->pos;   /* "-c100" */
            g->pos = 0;
        } else if (g->cur < g->argc) {
            g->optarg = g->argv[g->cur++];
        } else {
            out_eprintf("%s: option requires an argument -- '%c'\n",
                        g->argv[0], c);
            return '?';
        }
        return c;
    }
}

/* ---- numbers ---------------------------------------------------------- */

/* qemu_strtoul, base 0, the whole word, at most max. */
static int bench_parse_ulong(const char *s, unsigned long max,
                             unsigned long *out)
{
    const char *p = s;
    unsigned long long v;
    char *end;
    bool neg;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    neg = *p == '-';
    errno = 0;
    v = strtoull(s, &end, 0);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -EINVAL;
    if (neg && v != 0)
        return -ERANGE;   /* wraps to a huge value in qemu: too large */
    if (v > max)
        return -ERANGE;
    *out = (unsigned long)v;
    return 0;
}

/* cvtnum_full(name, s, 0, max) with its two texts. */
static int bench_parse_size(const char *name, const char *s, int64_t max,
                            int64_t *out)
{
    int64_t v;
    int ret = num_parse_size(s, &v);

    if (ret < 0 && ret != -ERANGE) {
        out_error("Invalid %s specified. You may use k, M, G, T, P or E "
                  "suffixes for", name);
        out_error("kilobytes, megabytes, gigabytes, terabytes, petabytes "
                  "and exabytes.");
        return -EINVAL;
    }
    if (ret == -ERANGE || v > max) {
        out_error("Invalid %s specified. Must be between 0 and %" PRId64 ".",
                  name, max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* ---- options ---------------------------------------------------------- */

static int bench_set_option(struct bench_params *p, int c, const char *arg)
{
    unsigned long ul;
    int64_t v;

    switch (c) {
    case 'c':
        if (bench_parse_ulong(arg, INT_MAX, &ul) < 0) {
            out_error("Invalid request count specified");
            return -EINVAL;
        }
        p->count = (int)ul;
        p->count_given = true;
        return 0;
    case 'd':
        if (bench_parse_ulong(arg, INT_MAX, &ul) < 0) {
            out_error("Invalid queue depth specified");
            return -EINVAL;
        }
        p->depth = (int)ul;
        return 0;
    case 'o':
        if (bench_parse_size("offset", arg, INT64_MAX, &v) < 0)
            return -EINVAL;
        p->offset = v;
        return 0;
    case 's':
        if (bench_parse_size("buffer size", arg, INT_MAX, &v) < 0)
            return -EINVAL;
        p->size = (int)v;
        return 0;
    case 'S':
        if (bench_parse_size("step_size", arg, INT_MAX, &v) < 0)
            return -EINVAL;
        p->step = (int)v;
        return 0;
    case 'q':
        p->quiet = true;
        return 0;
    case 'w':
        p->write = true;
        return 0;
    case 'r':
        p->random = true;
        return 0;
    case 'k':
        p->stop = true;
        return 0;
    case 'M':
        if (bench_parse_ulong(arg, 100, &ul) < 0) {
            out_error("Invalid write percentage specified (0 to 100)");
            return -EINVAL;
        }
        p->write_percent = (int)ul;
        return 0;
    case OPT_PATTERN:
        if (bench_parse_ulong(arg, 0xff, &ul) < 0) {
            out_error("Invalid pattern byte specified");
            return -EINVAL;
        }
        p->pattern = (int)ul;
        return 0;
    case OPT_FLUSH_INTERVAL:
        if (bench_parse_ulong(arg, INT_MAX, &ul) < 0) {
            out_error("Invalid flush interval specified");
            return -EINVAL;
        }
        p->flush_interval = (int)ul;
        return 0;
    case OPT_NO_DRAIN:
        p->drain_on_flush = false;
        return 0;
    case OPT_KEEP_GOING:
        p->keep_going = true;
        return 0;
    case OPT_SEED: {
        unsigned long long s;
        char *end;

        errno = 0;
        s = strtoull(arg, &end, 0);
        if (end == arg || *end != '\0' || errno == ERANGE || arg[0] == '-') {
            out_error("Invalid seed specified");
            return -EINVAL;
        }
        p->seed = s;
        return 0;
    }
    case OPT_TIME: {
        char *end;
        double t;

        errno = 0;
        t = strtod(arg, &end);
        if (end == arg || *end != '\0' || errno == ERANGE || !(t > 0) ||
            !isfinite(t) || t > 1e6) {
            out_error("Invalid time specified (seconds, above 0)");
            return -EINVAL;
        }
        p->time_limit = t;
        return 0;
    }
    default:
        return cmd_usage(&cmd_bench_entry);
    }
}

int bench_parse(int argc, char **argv, struct bench_params *p)
{
    struct bench_getopt g = { .argc = argc, .argv = argv, .cur = 1 };
    bool writes;
    int c;

    bench_params_init(p);
    while ((c = bench_getopt_next(&g)) != -1) {
        if (c == '?')
            return cmd_usage(&cmd_bench_entry);
        if (bench_set_option(p, c, g.optarg) < 0)
            return -EINVAL;
    }
    if (g.noperands > 0)
        return cmd_usage(&cmd_bench_entry);
    if (p->stop)
        return 0;
    writes = p->write_percent >= 0 ? p->write_percent > 0 : p->write;
    if (!writes && p->flush_interval) {
        out_error("--flush-interval is only available in write tests");
        return -EINVAL;
    }
    if (p->flush_interval && p->flush_interval < p->depth) {
        out_error("Flush interval can't be smaller than depth");
        return -EINVAL;
    }
    if (p->depth == 0 && (p->count > 0 || p->time_limit > 0)) {
        /* qemu-img would wait forever for requests it never sends. */
        out_error("Invalid queue depth specified");
        return -EINVAL;
    }
    return 0;
}

int bench_check(struct bk_dev *dev, const struct bench_params *p)
{
    bool writes = p->write_percent >= 0 ? p->write_percent > 0 : p->write;

    if (writes && bk_dev_read_only(dev)) {
        out_error("Block node is read-only");
        return -EPERM;
    }
    return 0;
}

/* Only qemu-img's own options keep qemu-img's exact first line. */
void bench_print_header(const struct bench_params *p)
{
    int step = p->step ? p->step : p->size;
    const char *what = p->write_percent >= 0 ? "mixed"
                       : p->write ? "write" : "read";

    if (p->time_limit > 0 && !p->count_given)
        out_printf("Sending %s requests for %g seconds", what, p->time_limit);
    else if (p->time_limit > 0)
        out_printf("Sending %d %s requests (at most %g seconds)", p->count,
                   what, p->time_limit);
    else
        out_printf("Sending %d %s requests", p->count, what);
    if (p->write_percent >= 0)
        out_printf(" (%d%% writes)", p->write_percent);
    out_printf(", %d bytes each, %d in parallel ", p->size, p->depth);
    if (p->random)
        out_printf("(random offsets from %" PRId64 ", step size %d, seed %"
                   PRIu64 ")\n", p->offset, step, p->seed);
    else
        out_printf("(starting at offset %" PRId64 ", step size %d)\n",
                   p->offset, step);
    if (p->flush_interval)
        out_printf("Sending flush every %d requests\n", p->flush_interval);
}
