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
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/bench.h"
#include "cmd/entries.h"
#include "cmd/number.h"
#include "cmd/out.h"

/* Long options without a short letter. */
enum {
    OPT_FLUSH_INTERVAL = 256,
    OPT_NO_DRAIN,
    OPT_PATTERN,
    OPT_SEED,
    OPT_TIME,
    OPT_KEEP_GOING,
    OPT_ALL,
};

struct bench_opt;
/* Read arg (NULL for options without one) into p: 0, or -EINVAL after
 * qemu-img's complaint. */
typedef int bench_take_fn(struct out *o, const struct bench_opt *opt,
                          const char *arg, struct bench_params *p);

/*
 * One option: its letter (or OPT_* when it has only a long name), its long
 * name, how its argument is read and into which field, and the words of
 * its complaint (for sizes, the name cvtnum's text puts in).
 */
struct bench_opt {
    int val;
    const char *long_name;
    bool has_arg;
    bench_take_fn *take;
    size_t field;                /* offsetof(struct bench_params, ...) */
    unsigned long max;           /* counts and sizes: the largest value */
    const char *what;
};

static bench_take_fn bench_take_on, bench_take_off, bench_take_count,
                     bench_take_requests, bench_take_size_int,
                     bench_take_size64, bench_take_seed, bench_take_time;

#define BENCH_FIELD(f) offsetof(struct bench_params, f)

/* Long names are matched by unambiguous prefix, in this order. */
static const struct bench_opt bench_opts[] = {
    { .val = 'c', .has_arg = true, .take = bench_take_requests,
      .field = BENCH_FIELD(count), .max = INT_MAX,
      .what = "Invalid request count specified" },
    { .val = 'd', .has_arg = true, .take = bench_take_count,
      .field = BENCH_FIELD(depth), .max = INT_MAX,
      .what = "Invalid queue depth specified" },
    { .val = 'k', .take = bench_take_on, .field = BENCH_FIELD(stop) },
    { .val = 'M', .has_arg = true, .take = bench_take_count,
      .field = BENCH_FIELD(write_percent), .max = 100,
      .what = "Invalid write percentage specified (0 to 100)" },
    { .val = 'o', .has_arg = true, .take = bench_take_size64,
      .field = BENCH_FIELD(offset), .max = INT64_MAX, .what = "offset" },
    { .val = 'q', .take = bench_take_on, .field = BENCH_FIELD(quiet) },
    { .val = 'r', .take = bench_take_on, .field = BENCH_FIELD(random) },
    { .val = 's', .has_arg = true, .take = bench_take_size_int,
      .field = BENCH_FIELD(size), .max = INT_MAX, .what = "buffer size" },
    { .val = 'S', .has_arg = true, .take = bench_take_size_int,
      .field = BENCH_FIELD(step), .max = INT_MAX, .what = "step_size" },
    { .val = 'w', .take = bench_take_on, .field = BENCH_FIELD(write) },
    { .val = OPT_FLUSH_INTERVAL, .long_name = "flush-interval",
      .has_arg = true, .take = bench_take_count,
      .field = BENCH_FIELD(flush_interval), .max = INT_MAX,
      .what = "Invalid flush interval specified" },
    { .val = OPT_NO_DRAIN, .long_name = "no-drain", .take = bench_take_off,
      .field = BENCH_FIELD(drain_on_flush) },
    { .val = OPT_PATTERN, .long_name = "pattern", .has_arg = true,
      .take = bench_take_count, .field = BENCH_FIELD(pattern), .max = 0xff,
      .what = "Invalid pattern byte specified" },
    { .val = OPT_SEED, .long_name = "seed", .has_arg = true,
      .take = bench_take_seed, .field = BENCH_FIELD(seed),
      .what = "Invalid seed specified" },
    { .val = OPT_TIME, .long_name = "time", .has_arg = true,
      .take = bench_take_time, .field = BENCH_FIELD(time_limit),
      .what = "Invalid time specified (seconds, above 0)" },
    { .val = OPT_KEEP_GOING, .long_name = "keep-going",
      .take = bench_take_on, .field = BENCH_FIELD(keep_going) },
    { .val = OPT_ALL, .long_name = "all", .take = bench_take_on,
      .field = BENCH_FIELD(stop_all) },
};
#define BENCH_NOPTS (sizeof(bench_opts) / sizeof(bench_opts[0]))

struct bench_getopt {
    int argc;
    char **argv;
    int cur, pos;
    const char *optarg;
    int noperands;
    struct out *out;
    bool quiet;                  /* complain to nobody */
};

static const struct bench_opt *bench_getopt_next(struct bench_getopt *g,
                                                 bool *bad);
static const struct bench_opt *bench_getopt_long(struct bench_getopt *g,
                                                 const char *word);
static void bench_getopt_complain(struct bench_getopt *g, const char *fmt,
                                  ...) __attribute__((format(printf, 2, 3)));
static int bench_parse_ulong(const char *s, unsigned long max,
                             unsigned long *out);
static int bench_parse_size(struct out *o, const char *name, const char *s,
                            int64_t max, int64_t *out);
static int bench_usage(struct out *o);

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

static void bench_getopt_complain(struct bench_getopt *g, const char *fmt,
                                  ...)
{
    va_list ap;
    char *text = NULL;

    if (g->quiet)
        return;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) >= 0) {
        out_eprintf(g->out, "%s: %s\n", g->argv[0], text);
        free(text);
    }
    va_end(ap);
}

static const struct bench_opt *bench_find_short(char c)
{
    for (size_t i = 0; i < BENCH_NOPTS; i++)
        if (bench_opts[i].val == (unsigned char)c)
            return &bench_opts[i];
    return NULL;
}

static const struct bench_opt *bench_getopt_long(struct bench_getopt *g,
                                                 const char *word)
{
    const char *name = word + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct bench_opt *found = NULL;
    int matches = 0;

    for (size_t i = 0; i < BENCH_NOPTS; i++) {
        const struct bench_opt *o = &bench_opts[i];

        if (o->long_name == NULL || strncmp(o->long_name, name, len) != 0)
            continue;
        if (o->long_name[len] == '\0') {     /* exact beats any prefix */
            found = o;
            matches = 1;
            break;
        }
        found = o;
        matches++;
    }
    if (matches == 0) {
        bench_getopt_complain(g, "unrecognized option '%s'", word);
        return NULL;
    }
    if (matches > 1) {
        bench_getopt_complain(g, "option '%.*s' is ambiguous",
                              (int)(len + 2), word);
        return NULL;
    }
    if (!found->has_arg) {
        if (eq != NULL) {
            bench_getopt_complain(g, "option '--%s' doesn't allow an "
                                  "argument", found->long_name);
            return NULL;
        }
        return found;
    }
    if (eq != NULL) {
        g->optarg = eq + 1;
    } else if (g->cur < g->argc) {
        g->optarg = g->argv[g->cur++];
    } else {
        bench_getopt_complain(g, "option '--%s' requires an argument",
                              found->long_name);
        return NULL;
    }
    return found;
}

/*
 * The next option, NULL at the end or (with *bad set) after a complaint;
 * operands are counted and skipped (GNU permutation).
 */
static const struct bench_opt *bench_getopt_next(struct bench_getopt *g,
                                                 bool *bad)
{
    const struct bench_opt *opt;

    *bad = false;
    for (;;) {
        const char *a;
        char c;

        g->optarg = NULL;
        if (g->pos == 0) {
            if (g->cur >= g->argc)
                return NULL;
            a = g->argv[g->cur];
            if (strcmp(a, "--") == 0) {
                g->noperands += g->argc - g->cur - 1;
                g->cur = g->argc;
                return NULL;
            }
            if (a[0] != '-' || a[1] == '\0') {
                g->noperands++;
                g->cur++;
                continue;
            }
            g->cur++;
            if (a[1] == '-') {
                opt = bench_getopt_long(g, a);
                *bad = opt == NULL;
                return opt;
            }
            g->pos = 1;
        }
        a = g->argv[g->cur - 1];
        c = a[g->pos++];
        if (a[g->pos] == '\0')
            g->pos = 0;
        opt = bench_find_short(c);
        *bad = true;
        if (opt == NULL) {
            bench_getopt_complain(g, "invalid option -- '%c'", c);
            return NULL;
        }
        if (opt->has_arg) {
            if (g->pos != 0) {
                g->optarg = a + g->pos;   /* "-c100" */
                g->pos = 0;
            } else if (g->cur < g->argc) {
                g->optarg = g->argv[g->cur++];
            } else {
                bench_getopt_complain(g, "option requires an argument -- "
                                      "'%c'", c);
                return NULL;
            }
        }
        *bad = false;
        return opt;
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
static int bench_parse_size(struct out *o, const char *name, const char *s,
                            int64_t max, int64_t *out)
{
    int64_t v;
    int ret = num_parse_size(o, s, &v);

    if (ret < 0 && ret != -ERANGE) {
        out_error(o, "Invalid %s specified. You may use k, M, G, T, P or E "
                  "suffixes for", name);
        out_error(o, "kilobytes, megabytes, gigabytes, terabytes, petabytes "
                  "and exabytes.");
        return -EINVAL;
    }
    if (ret == -ERANGE || v > max) {
        out_error(o, "Invalid %s specified. Must be between 0 and %" PRId64
                  ".", name, max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* ---- options ---------------------------------------------------------- */

static void *bench_field(struct bench_params *p, const struct bench_opt *opt)
{
    return (char *)p + opt->field;
}

static int bench_take_on(struct out *o, const struct bench_opt *opt,
                         const char *arg, struct bench_params *p)
{
    *(bool *)bench_field(p, opt) = true;
    return 0;
}

static int bench_take_off(struct out *o, const struct bench_opt *opt,
                          const char *arg, struct bench_params *p)
{
    *(bool *)bench_field(p, opt) = false;
    return 0;
}

/* qemu_strtoul into an int, with the option's own complaint. */
static int bench_take_count(struct out *o, const struct bench_opt *opt,
                            const char *arg, struct bench_params *p)
{
    unsigned long ul;

    if (bench_parse_ulong(arg, opt->max, &ul) < 0) {
        out_error(o, "%s", opt->what);
        return -EINVAL;
    }
    *(int *)bench_field(p, opt) = (int)ul;
    return 0;
}

/* -c: a count, remembered as given (with --time both limit the run). */
static int bench_take_requests(struct out *o, const struct bench_opt *opt,
                               const char *arg, struct bench_params *p)
{
    if (bench_take_count(o, opt, arg, p) < 0)
        return -EINVAL;
    p->count_given = true;
    return 0;
}

static int bench_take_size64(struct out *o, const struct bench_opt *opt,
                             const char *arg, struct bench_params *p)
{
    return bench_parse_size(o, opt->what, arg, (int64_t)opt->max,
                            (int64_t *)bench_field(p, opt));
}

static int bench_take_size_int(struct out *o, const struct bench_opt *opt,
                               const char *arg, struct bench_params *p)
{
    int64_t v;

    if (bench_parse_size(o, opt->what, arg, (int64_t)opt->max, &v) < 0)
        return -EINVAL;
    *(int *)bench_field(p, opt) = (int)v;
    return 0;
}

static int bench_take_seed(struct out *o, const struct bench_opt *opt,
                           const char *arg, struct bench_params *p)
{
    unsigned long long s;
    char *end;

    errno = 0;
    s = strtoull(arg, &end, 0);
    if (end == arg || *end != '\0' || errno == ERANGE || arg[0] == '-') {
        out_error(o, "%s", opt->what);
        return -EINVAL;
    }
    *(uint64_t *)bench_field(p, opt) = s;
    return 0;
}

static int bench_take_time(struct out *o, const struct bench_opt *opt,
                           const char *arg, struct bench_params *p)
{
    char *end;
    double t;

    errno = 0;
    t = strtod(arg, &end);
    if (end == arg || *end != '\0' || errno == ERANGE || !(t > 0) ||
        !isfinite(t) || t > 1e6) {
        out_error(o, "%s", opt->what);
        return -EINVAL;
    }
    *(double *)bench_field(p, opt) = t;
    return 0;
}

static int bench_usage(struct out *o)
{
    return cmd_usage(o, &cmd_bench_entry);
}

bool bench_parse_stops(int argc, char **argv)
{
    struct bench_getopt g = { .argc = argc, .argv = argv, .cur = 1,
                              .quiet = true };
    const struct bench_opt *opt;
    bool bad;

    while ((opt = bench_getopt_next(&g, &bad)) != NULL || bad)
        if (opt != NULL && opt->val == 'k')
            return true;
    return false;
}

int bench_parse(struct out *o, int argc, char **argv, struct bench_params *p)
{
    struct bench_getopt g = { .argc = argc, .argv = argv, .cur = 1,
                              .out = o };
    const struct bench_opt *opt;
    bool writes, bad;

    bench_params_init(p);
    while ((opt = bench_getopt_next(&g, &bad)) != NULL || bad) {
        if (bad)
            return bench_usage(o);
        if (opt->take(o, opt, g.optarg, p) < 0)
            return -EINVAL;
    }
    if (g.noperands > 0)
        return bench_usage(o);
    if (p->stop)
        return 0;
    if (p->stop_all)
        return bench_usage(o);    /* --all goes with -k only */
    writes = p->write_percent >= 0 ? p->write_percent > 0 : p->write;
    if (!writes && p->flush_interval) {
        out_error(o, "--flush-interval is only available in write tests");
        return -EINVAL;
    }
    if (p->flush_interval && p->flush_interval < p->depth) {
        out_error(o, "Flush interval can't be smaller than depth");
        return -EINVAL;
    }
    if (p->depth == 0 && (p->count > 0 || p->time_limit > 0)) {
        /* qemu-img would wait forever for requests it never sends. */
        out_error(o, "Invalid queue depth specified");
        return -EINVAL;
    }
    return 0;
}

int bench_check(struct out *o, struct bk_dev *dev,
                const struct bench_params *p)
{
    bool writes = p->write_percent >= 0 ? p->write_percent > 0 : p->write;

    if (writes && bk_dev_read_only(dev)) {
        out_error(o, "Block node is read-only");
        return -EPERM;
    }
    return 0;
}

/* Only qemu-img's own options keep qemu-img's exact first line. */
void bench_print_header(struct out *o, const struct bench_params *p)
{
    int step = p->step ? p->step : p->size;
    const char *what = p->write_percent >= 0 ? "mixed"
                       : p->write ? "write" : "read";

    if (p->time_limit > 0 && !p->count_given)
        out_printf(o, "Sending %s requests for %g seconds", what,
                   p->time_limit);
    else if (p->time_limit > 0)
        out_printf(o, "Sending %d %s requests (at most %g seconds)",
                   p->count, what, p->time_limit);
    else
        out_printf(o, "Sending %d %s requests", p->count, what);
    if (p->write_percent >= 0)
        out_printf(o, " (%d%% writes)", p->write_percent);
    out_printf(o, ", %d bytes each, %d in parallel ", p->size, p->depth);
    if (p->random)
        out_printf(o, "(random offsets from %" PRId64 ", step size %d, "
                   "seed %" PRIu64 ")\n", p->offset, step, p->seed);
    else
        out_printf(o, "(starting at offset %" PRId64 ", step size %d)\n",
                   p->offset, step);
    if (p->flush_interval)
        out_printf(o, "Sending flush every %d requests\n",
                   p->flush_interval);
}
