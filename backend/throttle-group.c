/*
 * throttle-group.c — throttle groups: qemu's --object throttle-group, its
 * limits, and the leaky buckets that enforce them.
 *
 * Words (qemu's, util/throttle.c).  A *bucket* counts bytes or operations,
 * for reads, writes or both (total).  Its *level* rises by what each
 * request does and leaks at the average rate (avg per second).  A request
 * waits while a bucket it counts in is fuller than its size: avg / 10
 * without a burst rate, else max * burst-length, the burst itself being
 * kept to max per second by a second level.  With iops-size, a request
 * larger than it counts as several operations.
 *
 * Groups live for the process, as --object made them: the table is the
 * process's, like qemu's object tree.  Their timers belong to the loop of
 * the requests that wait; a group with no node left has none armed.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backend/throttle.h"

enum tg_bucket { TG_BPS_TOTAL, TG_BPS_READ, TG_BPS_WRITE, TG_OPS_TOTAL,
                 TG_OPS_READ, TG_OPS_WRITE, TG__MAX };
enum tg_what { TG_AVG, TG_MAX, TG_BURST_LENGTH, TG_IOPS_SIZE };

/* The largest rate qemu takes (THROTTLE_VALUE_MAX). */
#define TG_VALUE_MAX 1000000000000000LL

/* The limits, as qemu names them after "x-" or "limits.". */
static const struct tg_param {
    const char *name;
    enum tg_bucket bucket;
    enum tg_what what;
} tg_params[] = {
    { "iops-total", TG_OPS_TOTAL, TG_AVG },
    { "iops-total-max", TG_OPS_TOTAL, TG_MAX },
    { "iops-total-max-length", TG_OPS_TOTAL, TG_BURST_LENGTH },
    { "iops-read", TG_OPS_READ, TG_AVG },
    { "iops-read-max", TG_OPS_READ, TG_MAX },
    { "iops-read-max-length", TG_OPS_READ, TG_BURST_LENGTH },
    { "iops-write", TG_OPS_WRITE, TG_AVG },
    { "iops-write-max", TG_OPS_WRITE, TG_MAX },
    { "iops-write-max-length", TG_OPS_WRITE, TG_BURST_LENGTH },
    { "bps-total", TG_BPS_TOTAL, TG_AVG },
    { "bps-total-max", TG_BPS_TOTAL, TG_MAX },
    { "bps-total-max-length", TG_BPS_TOTAL, TG_BURST_LENGTH },
    { "bps-read", TG_BPS_READ, TG_AVG },
    { "bps-read-max", TG_BPS_READ, TG_MAX },
    { "bps-read-max-length", TG_BPS_READ, TG_BURST_LENGTH },
    { "bps-write", TG_BPS_WRITE, TG_AVG },
    { "bps-write-max", TG_BPS_WRITE, TG_MAX },
    { "bps-write-max-length", TG_BPS_WRITE, TG_BURST_LENGTH },
    { "iops-size", TG_BPS_TOTAL, TG_IOPS_SIZE },
};

struct tg_bucket_state {
    uint64_t avg, max, burst_length;
    double level, burst_level;
};

/* A request waiting for its turn. */
struct tg_wait {
    struct bk_io *io;
    int64_t bytes;
    bk_io_cb *cont;
    struct tg_wait *next;
};

/* One direction's queue and the timer that lets it go on. */
struct tg_queue {
    struct bk_throttle_group *tg;
    int is_write;
    struct tg_wait *head, *tail;
    size_t n;
    int timer;                   /* 0: none armed */
    struct bk_loop *loop;        /* the timer's */
};

struct bk_throttle_group {
    char *name;
    struct tg_bucket_state b[TG__MAX];
    uint64_t op_size;
    int64_t previous_leak;
    struct tg_queue q[2];
    unsigned refs;
    struct bk_throttle_group *next;
};

static struct bk_throttle_group *tg_list;

/* ---- the buckets (qemu's arithmetic) ---------------------------------- */

static void tg_leak(struct bk_throttle_group *tg, int64_t now)
{
    int64_t delta = now - tg->previous_leak;

    tg->previous_leak = now;
    if (delta <= 0)
        return;
    for (int i = 0; i < TG__MAX; i++) {
        struct tg_bucket_state *b = &tg->b[i];
        double leak = (double)b->avg * (double)delta / 1e9;

        b->level = b->level - leak > 0 ? b->level - leak : 0;
        if (b->burst_length > 1) {
            leak = (double)b->max * (double)delta / 1e9;
            b->burst_level = b->burst_level - leak > 0
                                 ? b->burst_level - leak : 0;
        }
    }
}

/* Nanoseconds until the bucket lets a request through. */
static int64_t tg_bucket_wait(const struct tg_bucket_state *b)
{
    double size, burst_size, extra;

    if (b->avg == 0)
        return 0;
    if (b->max == 0) {
        /* Short bursts all the same, or every other request would wait. */
        size = (double)b->avg / 10;
        burst_size = 0;
    } else {
        size = (double)b->max * (double)b->burst_length;
        burst_size = (double)b->max / 10;
    }
    extra = b->level - size;
    if (extra > 0)
        return (int64_t)(extra * 1e9 / (double)b->avg);
    if (b->burst_length > 1) {
        extra = b->burst_level - burst_size;
        if (extra > 0)
            return (int64_t)(extra * 1e9 / (double)b->max);
    }
    return 0;
}

static int64_t tg_wait_for(const struct bk_throttle_group *tg, int is_write)
{
    static const enum tg_bucket check[2][4] = {
        { TG_BPS_TOTAL, TG_OPS_TOTAL, TG_BPS_READ, TG_OPS_READ },
        { TG_BPS_TOTAL, TG_OPS_TOTAL, TG_BPS_WRITE, TG_OPS_WRITE },
    };
    int64_t max = 0;

    for (int i = 0; i < 4; i++) {
        int64_t w = tg_bucket_wait(&tg->b[check[is_write][i]]);

        if (w > max)
            max = w;
    }
    return max;
}

static void tg_account(struct bk_throttle_group *tg, int is_write,
                       int64_t bytes)
{
    enum tg_bucket bps[2] = { TG_BPS_TOTAL,
                              is_write ? TG_BPS_WRITE : TG_BPS_READ };
    enum tg_bucket ops[2] = { TG_OPS_TOTAL,
                              is_write ? TG_OPS_WRITE : TG_OPS_READ };
    double units = 1.0;

    if (tg->op_size && (uint64_t)bytes > tg->op_size)
        units = (double)bytes / (double)tg->op_size;
    for (int i = 0; i < 2; i++) {
        struct tg_bucket_state *b = &tg->b[bps[i]], *o = &tg->b[ops[i]];

        b->level += (double)bytes;
        if (b->burst_length > 1)
            b->burst_level += (double)bytes;
        o->level += units;
        if (o->burst_length > 1)
            o->burst_level += units;
    }
}

/* ---- waiting ---------------------------------------------------------- */

static void tg_schedule(struct tg_queue *q);

static long tg_timer_fired(struct bk_loop *loop, void *arg)
{
    struct tg_queue *q = arg;
    struct bk_throttle_group *tg = q->tg;

    (void)loop;
    q->timer = 0;
    tg_leak(tg, bk_now_ns());
    /* Let go of what the buckets allow now, oldest first. */
    while (q->head != NULL && tg_wait_for(tg, q->is_write) == 0) {
        struct tg_wait *w = q->head;

        q->head = w->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->n--;
        tg_account(tg, q->is_write, w->bytes);
        w->cont(w->io);
        free(w);
    }
    if (q->head != NULL)
        tg_schedule(q);
    return -1;
}

static void tg_schedule(struct tg_queue *q)
{
    int64_t wait;

    if (q->timer != 0 || q->head == NULL)
        return;
    wait = tg_wait_for(q->tg, q->is_write);
    q->loop = q->head->io->node->loop;
    q->timer = bk_loop_add_timer_ns(q->loop, wait > 0 ? wait : 0,
                                    tg_timer_fired, q);
}

void bk_throttle_group_admit(struct bk_throttle_group *tg, struct bk_io *io,
                             bool is_write, int64_t bytes, bk_io_cb *cont)
{
    struct tg_queue *q = &tg->q[is_write ? 1 : 0];
    struct tg_wait *w;

    tg_leak(tg, bk_now_ns());
    if (q->head == NULL && tg_wait_for(tg, q->is_write) == 0) {
        tg_account(tg, q->is_write, bytes);
        cont(io);
        return;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        abort();
    *w = (struct tg_wait){ .io = io, .bytes = bytes, .cont = cont };
    if (q->tail != NULL)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    q->n++;
    tg_schedule(q);
}

const char *bk_throttle_group_name(const struct bk_throttle_group *tg)
{
    return tg->name;
}

size_t bk_throttle_group_waiting(const struct bk_throttle_group *tg,
                                 int is_write)
{
    return tg->q[is_write ? 1 : 0].n;
}

struct bk_throttle_group *bk_throttle_group_find(const char *name)
{
    for (struct bk_throttle_group *tg = tg_list; tg != NULL; tg = tg->next)
        if (strcmp(tg->name, name) == 0)
            return tg;
    return NULL;
}

void bk_throttle_group_ref(struct bk_throttle_group *tg)
{
    tg->refs++;
}

void bk_throttle_group_unref(struct bk_throttle_group *tg)
{
    /* The last node is gone (drained): its loop may go too. */
    if (--tg->refs == 0)
        for (int d = 0; d < 2; d++)
            if (tg->q[d].timer != 0) {
                bk_loop_del_timer(tg->q[d].loop, tg->q[d].timer);
                tg->q[d].timer = 0;
            }
}

/* ---- --object throttle-group ------------------------------------------ */

/* qemu's identifier rule for object ids. */
static bool tg_id_ok(const char *id)
{
    if (!((id[0] | 0x20) >= 'a' && (id[0] | 0x20) <= 'z'))
        return false;
    return id[strspn(id, "abcdefghijklmnopqrstuvwxyz"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")] == '\0';
}

/* One limit: "x-NAME" or "limits.NAME". */
static int tg_set(struct bk_throttle_group *tg, const char *key,
                  const char *value, char **cause)
{
    bool x = strncmp(key, "x-", 2) == 0;
    const char *name = x ? key + 2
                         : strncmp(key, "limits.", 7) == 0 ? key + 7 : NULL;
    const struct tg_param *p = NULL;
    long long v;
    char *end;

    for (size_t i = 0; name != NULL &&
                       i < sizeof(tg_params) / sizeof(tg_params[0]); i++)
        if (strcmp(name, tg_params[i].name) == 0)
            p = &tg_params[i];
    if (p == NULL) {
        *cause = strfmt("Parameter '%s' is unexpected", key);
        return -EINVAL;
    }
    errno = 0;
    v = strtoll(value, &end, 0);
    if (errno != 0 || end == value || *end != '\0') {
        *cause = strfmt("Parameter '%s' expects integer", key);
        return -EINVAL;
    }
    if (x && v < 0) {
        *cause = strfmt("Property values cannot be negative");
        return -EINVAL;
    }
    switch (p->what) {
    case TG_AVG: tg->b[p->bucket].avg = (uint64_t)v; break;
    case TG_MAX: tg->b[p->bucket].max = (uint64_t)v; break;
    case TG_IOPS_SIZE: tg->op_size = (uint64_t)v; break;
    case TG_BURST_LENGTH:
        if ((uint64_t)v > UINT_MAX) {
            *cause = x ? strfmt("%s value must be in therange [0, %u]", key,
                                UINT_MAX)
                       : strfmt("%s value must be in the range [0, %u]",
                                name, UINT_MAX);
            return -EINVAL;
        }
        tg->b[p->bucket].burst_length = (uint64_t)v;
        break;
    }
    return 0;
}

/* qemu's throttle_is_valid, in its order and words. */
static int tg_check(const struct bk_throttle_group *tg, char **cause)
{
    const struct tg_bucket_state *b = tg->b;
    bool mix = (b[TG_BPS_TOTAL].avg &&
                (b[TG_BPS_READ].avg || b[TG_BPS_WRITE].avg)) ||
               (b[TG_OPS_TOTAL].avg &&
                (b[TG_OPS_READ].avg || b[TG_OPS_WRITE].avg)) ||
               (b[TG_BPS_TOTAL].max &&
                (b[TG_BPS_READ].max || b[TG_BPS_WRITE].max)) ||
               (b[TG_OPS_TOTAL].max &&
                (b[TG_OPS_READ].max || b[TG_OPS_WRITE].max));

    if (mix) {
        *cause = strfmt("bps/iops/max total values and read/write values "
                        "cannot be used at the same time");
        return -EINVAL;
    }
    if (tg->op_size && !b[TG_OPS_TOTAL].avg && !b[TG_OPS_READ].avg &&
        !b[TG_OPS_WRITE].avg) {
        *cause = strfmt("iops size requires an iops value to be set");
        return -EINVAL;
    }
    for (int i = 0; i < TG__MAX; i++) {
        if (b[i].avg > TG_VALUE_MAX || b[i].max > TG_VALUE_MAX) {
            *cause = strfmt("bps/iops/max values must be within [0, %lld]",
                            TG_VALUE_MAX);
            return -EINVAL;
        }
        if (b[i].burst_length == 0) {
            *cause = strfmt("the burst length cannot be 0");
            return -EINVAL;
        }
        if (b[i].burst_length > 1 && b[i].max == 0) {
            *cause = strfmt("burst length set without burst rate");
            return -EINVAL;
        }
        if (b[i].max && b[i].burst_length > TG_VALUE_MAX / b[i].max) {
            *cause = strfmt("burst length too high for this burst rate");
            return -EINVAL;
        }
        if (b[i].max && !b[i].avg) {
            *cause = strfmt("bps_max/iops_max require corresponding "
                            "bps/iops values");
            return -EINVAL;
        }
        if (b[i].max && b[i].max < b[i].avg) {
            *cause = strfmt("bps_max/iops_max cannot be lower than "
                            "bps/iops");
            return -EINVAL;
        }
    }
    return 0;
}

int bk_throttle_group_add(const char *def, char **cause)
{
    struct bk_opts *opts = bk_opts_new();
    struct bk_throttle_group *tg = calloc(1, sizeof(*tg));
    const char *type, *id, *k, *v;
    int ret;

    if (tg == NULL)
        abort();
    for (int i = 0; i < TG__MAX; i++)
        tg->b[i].burst_length = 1;
    ret = bk_opts_parse(opts, def, "qom-type", cause);
    if (ret < 0)
        goto fail;
    type = bk_opts_get(opts, "qom-type");
    id = bk_opts_get(opts, "id");
    if (type == NULL || strcmp(type, "throttle-group") != 0) {
        *cause = strfmt("Parameter 'qom-type' does not accept value '%s'",
                        type != NULL ? type : "");
        ret = -EINVAL;
        goto fail;
    }
    if (id == NULL) {
        *cause = strfmt("Parameter 'id' is missing");
        ret = -EINVAL;
        goto fail;
    }
    if (!tg_id_ok(id)) {
        *cause = strfmt("Parameter 'id' expects an identifier\n"
                        "Identifiers consist of letters, digits, '-', '.', "
                        "'_', starting with a letter.");
        ret = -EINVAL;
        goto fail;
    }
    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++) {
        if (strcmp(k, "qom-type") == 0 || strcmp(k, "id") == 0)
            continue;
        ret = tg_set(tg, k, v, cause);
        if (ret < 0)
            goto fail;
    }
    if (bk_throttle_group_find(id) != NULL) {
        *cause = strfmt("attempt to add duplicate property '%s' to object "
                        "(type 'container')", id);
        ret = -EINVAL;
        goto fail;
    }
    ret = tg_check(tg, cause);
    if (ret < 0)
        goto fail;
    tg->name = strdup(id);
    tg->previous_leak = bk_now_ns();
    for (int d = 0; d < 2; d++)
        tg->q[d] = (struct tg_queue){ .tg = tg, .is_write = d };
    tg->next = tg_list;
    tg_list = tg;
    bk_opts_free(opts);
    return 0;
fail:
    bk_opts_free(opts);
    free(tg);
    return ret;
}
