/*
 * faults.c — what blkmon's rules decide for one request: the latency a
 * delay draws, the bytes a torn write keeps, the bits corrupt changes, the
 * sectors bad-blocks holds.  Pure decisions: the data itself is changed by
 * the filter that carries the verdict out (backend/blkdebug.c).
 *
 * Random choices draw from the rule's stream, in the order written here,
 * so that tests/faults/model.py can predict them:
 *
 *   delay, uniform    one draw u: latency + u * (latency-max - latency)
 *   delay, normal     two draws u1, u2 (Box-Muller):
 *                     latency + stddev * sqrt(-2 ln(1 - u1)) * cos(2 pi u2),
 *                     never below 0
 *   delay, histogram  one draw u: the first line whose running weight
 *                     exceeds u * total
 *   torn, random      one draw x: x mod (sectors the write touches) kept
 *   flip, bits=N      one draw x per bit: bit x mod (8 * bytes) of the
 *                     request, drawn again when already taken
 *   flip, probability one draw u per flipped bit: the gap to the next one
 *                     is floor(ln(1 - u) / ln(1 - p)) bits
 *   stuck             per 4 KiB block of the image, its own stream
 *                     (seed, rule id << 44 | block): gaps as for flip, and
 *                     one more draw per stuck bit, whose low bit is the
 *                     value the bit is stuck at
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"

#define SECTOR 512u
#define STUCK_BLOCK 4096u

/* ---- delay ----------------------------------------------------------- */

int64_t
rules_delay_draw(const struct rules_rule *r, struct rules_rng *rng)
{
    const struct rules_histogram *h = r->u.delay.hist;
    double u1, u2, v, x, run = 0;

    switch (r->u.delay.kind) {
    case RULES_DELAY_FIXED:
        return r->u.delay.ns;
    case RULES_DELAY_UNIFORM:
        u1 = rules_rng_uniform(rng);
        return r->u.delay.ns +
               (int64_t)(u1 * (double)(r->u.delay.max_ns - r->u.delay.ns));
    case RULES_DELAY_NORMAL:
        u1 = rules_rng_uniform(rng);
        u2 = rules_rng_uniform(rng);
        v = (double)r->u.delay.ns + (double)r->u.delay.stddev_ns *
            sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
        return v > 0 ? (int64_t)llround(v) : 0;
    case RULES_DELAY_HISTOGRAM:
        x = rules_rng_uniform(rng) * h->total;
        for (size_t i = 0; i < h->n; i++) {
            run += h->weights[i];
            if (x < run)
                return h->values_ns[i];
        }
        return h->values_ns[h->n - 1];
    }
    return 0;
}

void
rules_histogram_free(struct rules_histogram *h)
{
    if (h == NULL)
        return;
    free(h->path);
    free(h->values_ns);
    free(h->weights);
    free(h);
}

int
rules_histogram_load(const char *path, struct rules_histogram **out,
                     char **cause)
{
    struct rules_histogram *h;
    char line[256], lat[64];
    double w;
    int lineno = 0, ret = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        ret = -errno;
        return rules_fail(cause, ret, "Could not read histogram '%s': %s",
                          path, strerror(-ret));
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL || (h->path = strdup(path)) == NULL)
        abort();
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, extra[2];

        lineno++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        if (sscanf(p, "%63s %lf %1s", lat, &w, extra) != 2 || !(w >= 0) ||
            !isfinite(w)) {
            ret = rules_fail(cause, -EINVAL, "Histogram '%s' line %d: "
                             "expected a latency and a weight", path, lineno);
            goto out;
        }
        h->values_ns = realloc(h->values_ns, (h->n + 1) * sizeof(int64_t));
        h->weights = realloc(h->weights, (h->n + 1) * sizeof(double));
        if (h->values_ns == NULL || h->weights == NULL)
            abort();
        if (rules_parse_duration(lat, &h->values_ns[h->n]) < 0) {
            ret = rules_fail(cause, -EINVAL, "Histogram '%s' line %d: '%s' "
                             "is no duration", path, lineno, lat);
            goto out;
        }
        h->weights[h->n++] = w;
        h->total += w;
    }
    if (h->total <= 0)
        ret = rules_fail(cause, -EINVAL, "Histogram '%s' has no weight", path);
out:
    fclose(f);
    if (ret < 0) {
        rules_histogram_free(h);
        return ret;
    }
    *out = h;
    return 0;
}

/* ---- torn writes ----------------------------------------------------- */

uint64_t
rules_torn_bytes(const struct rules_rule *r, struct rules_rng *rng,
                 const struct rules_io *io)
{
    uint64_t first, pieces, keep, end;

    if (io->bytes == 0)
        return 0;
    first = io->offset / SECTOR;
    pieces = (io->offset + io->bytes - 1) / SECTOR - first + 1;
    if (r->u.torn.random)
        keep = rules_rng_next(rng) % pieces;
    else
        keep = r->u.torn.sectors < pieces ? r->u.torn.sectors : pieces;
    if (keep == 0)
        return 0;
    end = (first + keep) * SECTOR;
    if (end > io->offset + io->bytes)
        end = io->offset + io->bytes;
    return end - io->offset;
}

/* ---- bad sectors ----------------------------------------------------- */

static void
sectors_add(struct rules_sectors *s, uint64_t a, uint64_t b)
{
    size_t i, j;

    /* Insert in order, then fold whatever now touches or overlaps. */
    for (i = 0; i < s->n && s->v[i].first < a; i++)
        ;
    s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
    if (s->v == NULL)
        abort();
    memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
    s->v[i].first = a;
    s->v[i].last = b;
    s->n++;
    for (i = 0, j = 1; j < s->n; j++) {
        if (s->v[j].first <= s->v[i].last + 1 ||
            s->v[i].last == UINT64_MAX) {
            if (s->v[j].last > s->v[i].last)
                s->v[i].last = s->v[j].last;
        } else {
            s->v[++i] = s->v[j];
        }
    }
    s->n = i + 1;
}

int
rules_sectors_parse(const char *text, struct rules_sectors *out)
{
    const char *p = text;
    char *end;
    uint64_t a, b;

    memset(out, 0, sizeof(*out));
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return 0;
        if (*p < '0' || *p > '9')
            goto bad;
        a = strtoull(p, &end, 0);
        p = end;
        b = a;
        if (*p == '-') {
            if (p[1] < '0' || p[1] > '9')
                goto bad;
            b = strtoull(p + 1, &end, 0);
            p = end;
            if (b < a)
                goto bad;
        }
        if (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
            goto bad;
        sectors_add(out, a, b);
    }
bad:
    free(out->v);
    memset(out, 0, sizeof(*out));
    return -EINVAL;
}

int64_t
rules_sectors_first_in(const struct rules_sectors *s, uint64_t offset,
                       uint64_t bytes)
{
    uint64_t first, last;

    if (bytes == 0)
        return -1;
    first = offset / SECTOR;
    last = (offset + bytes - 1) / SECTOR;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].last < first)
            continue;
        if (s->v[i].first > last)
            return -1;
        return (int64_t)(s->v[i].first > first ? s->v[i].first : first);
    }
    return -1;
}

void
rules_sectors_remove(struct rules_sectors *s, uint64_t a, uint64_t b)
{
    for (size_t i = 0; i < s->n; i++) {
        uint64_t f = s->v[i].first, l = s->v[i].last;

        if (l < a || f > b)
            continue;
        if (f < a && l > b) {
            /* A hole in the middle: split in two. */
            s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
            if (s->v == NULL)
                abort();
            memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
            s->n++;
            s->v[i].last = a - 1;
            s->v[i + 1].first = b + 1;
            return;
        }
        if (f < a) {
            s->v[i].last = a - 1;
        } else if (l > b) {
            s->v[i].first = b + 1;
        } else {
            memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
            s->n--;
            i--;
        }
    }
}

/* ---- corruption ------------------------------------------------------ */

struct edits {
    struct rules_edit *v;
    size_t n, cap;
    uint64_t bits;
};

/* Change bit `bit` (from the request's start, LSB first in each byte). */
static void
edits_bit(struct edits *e, uint64_t base, uint64_t bit, bool flip, int value)
{
    uint64_t pos = base + bit / 8;
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    struct rules_edit *x;

    if (e->n > 0 && e->v[e->n - 1].pos == pos) {
        x = &e->v[e->n - 1];
    } else {
        if (e->n == e->cap) {
            e->cap = e->cap ? e->cap * 2 : 16;
            e->v = realloc(e->v, e->cap * sizeof(*e->v));
            if (e->v == NULL)
                abort();
        }
        x = &e->v[e->n++];
        *x = (struct rules_edit){ .pos = pos };
    }
    if (flip) {
        x->flip ^= mask;
    } else {
        x->set |= mask;
        x->bits = (uint8_t)((x->bits & ~mask) | (value ? mask : 0));
    }
    e->bits++;
}

/* The gap to the next chosen bit when each is chosen with chance p. */
static uint64_t
geometric_gap(struct rules_rng *rng, double p)
{
    double u = rules_rng_uniform(rng), g;

    if (p >= 1.0)
        return 0;
    g = floor(log1p(-u) / log1p(-p));
    return g >= 1.8e19 ? UINT64_MAX : (uint64_t)g;
}

static int
edit_cmp(const void *a, const void *b)
{
    const struct rules_edit *x = a, *y = b;

    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Exactly n distinct bits of the request, drawn at random. */
static void
flip_n_bits(struct edits *e, struct rules_rng *rng, const struct rules_io *io,
            uint64_t n)
{
    uint64_t total = io->bytes * 8, *chosen;
    size_t k = 0;

    if (n > total)
        n = total;
    chosen = calloc(n ? n : 1, sizeof(*chosen));
    if (chosen == NULL)
        abort();
    while (k < n) {
        uint64_t bit = rules_rng_next(rng) % total;
        size_t i;

        for (i = 0; i < k && chosen[i] != bit; i++)
            ;
        if (i == k)
            chosen[k++] = bit;
    }
    /* Drawn in no order: edits_merge sorts and folds them by byte. */
    for (size_t i = 0; i < k; i++)
        edits_bit(e, io->offset, chosen[i], true, 0);
    free(chosen);
}

/* Merge records of one byte (flip_n_bits may leave several). */
static void
edits_merge(struct edits *e)
{
    size_t i, j;

    if (e->n == 0)
        return;
    qsort(e->v, e->n, sizeof(*e->v), edit_cmp);
    for (i = 0, j = 1; j < e->n; j++) {
        if (e->v[j].pos == e->v[i].pos) {
            e->v[i].flip ^= e->v[j].flip;
            e->v[i].bits = (uint8_t)((e->v[i].bits & ~e->v[j].set) |
                                     e->v[j].bits);
            e->v[i].set |= e->v[j].set;
        } else {
            e->v[++i] = e->v[j];
        }
    }
    e->n = i + 1;
}

static void
stuck_bits(struct edits *e, const struct rules_rule *r,
           const struct rules_io *io)
{
    uint64_t end = io->offset + io->bytes;
    uint64_t blk = io->offset / STUCK_BLOCK;
    double p = r->u.corrupt.bit_probability;

    if (p <= 0)
        return;
    for (; blk * STUCK_BLOCK < end; blk++) {
        struct rules_rng b;
        uint64_t base = blk * STUCK_BLOCK, bit = 0, gap;

        rules_rng_init(&b, rules_seed(),
                       ((uint64_t)r->id << 44) | (blk & ((1ull << 44) - 1)));
        for (;;) {
            gap = geometric_gap(&b, p);
            if (gap >= STUCK_BLOCK * 8 - bit)
                break;
            bit += gap;
            uint64_t at = base * 8 + bit;
            int value = (int)(rules_rng_next(&b) & 1);

            if (at >= io->offset * 8 && at < end * 8)
                edits_bit(e, io->offset, at - io->offset * 8, false, value);
            bit++;
        }
    }
}

void
rules_corrupt_edits(const struct rules_rule *r, struct rules_rng *rng,
                    const struct rules_io *io, struct rules_edit **edits,
                    size_t *nedits, uint64_t *nbits)
{
    /* Append to what earlier rules changed: edits_merge folds it all. */
    struct edits e = { *edits, *nedits, *nedits, *nbits };
    uint64_t total = io->bytes * 8, bit = 0, gap;

    switch (r->u.corrupt.mode) {
    case RULES_CORRUPT_FLIP:
        if (r->u.corrupt.bit_probability > 0) {
            for (;;) {
                gap = geometric_gap(rng, r->u.corrupt.bit_probability);
                if (gap >= total - bit)
                    break;
                bit += gap;
                edits_bit(&e, io->offset, bit, true, 0);
                bit++;
            }
        } else {
            flip_n_bits(&e, rng, io, r->u.corrupt.bits);
        }
        break;
    case RULES_CORRUPT_STUCK:
        stuck_bits(&e, r, io);
        break;
    case RULES_CORRUPT_OVERWRITE:
        for (uint64_t i = r->u.corrupt.at;
             i < io->bytes && i - r->u.corrupt.at < r->u.corrupt.count; i++) {
            for (int b = 0; b < 8; b++)
                edits_bit(&e, io->offset, i * 8 + (uint64_t)b, false,
                          (r->u.corrupt.value >> b) & 1);
        }
        break;
    }
    edits_merge(&e);
    *edits = e.v;
    *nedits = e.n;
    *nbits = e.bits;
}
