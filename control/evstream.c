/*
 * evstream.c — the event stream's writer thread (see evstream.h).
 *
 * Records in the ring: a 4-byte length (of the record, header included,
 * rounded up to 8), a 4-byte type, the payload.  A record never wraps:
 * when it does not fit before the end of the ring, a PAD record fills the
 * rest and it starts again at 0.  Types: a request's end (EVS_REQ, a
 * struct ev_req_rec: 64 bytes after its header), a source's name for the
 * requests after it (EVS_SRC), a finished line (EVS_LINE) and a note for
 * ops->note (EVS_NOTE), the last two with their length first.
 *
 * A request's end is the one record there is one of per request, and the
 * loop thread's share of it is kept to filling the record: no name is
 * copied, room is checked against a bound the loop keeps (it reads the
 * consumer's `head` only when that bound is reached), and the writer is
 * woken only when a quarter of the ring waits or after a quiet time.
 *
 * Who formats: the writer thread, in the CPU time nothing else wants
 * (SCHED_IDLE), so that at a queue depth of 32, where the loop and the
 * kernel's copies keep both CPUs of a small machine busy, the stream
 * takes only what is left: with the writer at a plain lower priority,
 * writes at QD 32 ran 11% slower with the stream on; idle, 4.5%.  When
 * nothing is left, the ring fills, and then the loop thread formats from
 * it itself, a chunk at a time: a busy machine slows requests by about
 * what formatting them inline would cost, never more, and a flush or the
 * end never waits for a thread that gets no CPU.
 *
 * Locks: `drain` is held by the one thread formatting and writing, so
 * lines go out in order; the writer takes it for a chunk at a time, so
 * the loop never waits long behind it.  `lock` guards only the sleeping
 * and waking (the flags and the condition variable).  The ring's bytes
 * are handed over by `head` and `tail`.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control/evstream.h"

#define EVS_RING      (16u << 20)
#define EVS_WAKE      (EVS_RING / 4)
#define EVS_OUT       (1024u * 1024)
#define EVS_PERIOD_NS (200 * 1000000LL)
/* Source names the stream keeps (evstream.h: struct ev_src_name). */
#define EVS_SOURCES   16
#define EVS_NO_SOURCE 0xff
/* Ring bytes the writer formats per turn of `drain` (some 400 records). */
#define EVS_CHUNK     (32u << 10)

enum { EVS_PAD, EVS_REQ, EVS_LINE, EVS_NOTE, EVS_SRC };

struct evs_hdr {
    uint32_t len;            /* the whole record, padded to 8 */
    uint32_t type;
};

#define EVS_REQ_LEN \
    ((sizeof(struct evs_hdr) + sizeof(struct ev_req_rec) + 7) & ~(size_t)7)

/* EVS_SRC's payload: which slot, then the name. */
struct evs_src_rec {
    uint8_t slot;
    struct ev_src_name name;
};

/* The loop's note of which source a slot's name belongs to. */
struct evs_src_seen {
    const struct bk_source *src;   /* compared, never followed */
    const char *name;
    uint64_t id;
};

struct evstream {
    char *ring;
    const struct evstream_ops *ops;
    void *ctx;

    /* The consumer's (whoever holds `drain`): apart from the loop's. */
    _Alignas(64) _Atomic size_t head;    /* next byte to read */
    struct ev_src_name names[EVS_SOURCES];
    struct jbuf out;         /* lines gathered for write(2) */
    uint64_t lost;           /* bytes a failed write dropped */

    /* The loop thread's. */
    _Alignas(64) _Atomic size_t tail;    /* next byte to write */
    size_t room_end;         /* tail may reach it without reading head */
    size_t wake_at;          /* at this tail, wake the writer */
    struct evs_src_seen seen[EVS_SOURCES];

    int fd;
    bool own_fd;

    pthread_t thread;
    pthread_mutex_t drain;   /* held to format and write */
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* the writer waits here */
    bool stop;               /* lock */
    bool kick;               /* lock: write now */
};

static void evs_write_out(struct evstream *s)
{
    size_t off = 0;

    while (off < s->out.len) {
        ssize_t n = write(s->fd, s->out.p + off, s->out.len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->lost += s->out.len - off;
            break;
        }
        off += (size_t)n;
    }
    jb_reset(&s->out);
}

/* One record, by the thread that holds `drain`. */
static void evs_consume(struct evstream *s, uint32_t type, const char *p)
{
    uint32_t n;

    switch (type) {
    case EVS_REQ: {
        const struct ev_req_rec *r =
            (const struct ev_req_rec *)(const void *)p;

        s->ops->request(s->ctx, &s->out, r,
                        r->src_slot < EVS_SOURCES ? &s->names[r->src_slot]
                                                  : NULL);
        break;
    }
    case EVS_SRC: {
        const struct evs_src_rec *src =
            (const struct evs_src_rec *)(const void *)p;

        s->names[src->slot].len = src->name.len;
        memcpy(s->names[src->slot].text, src->name.text, src->name.len);
        break;
    }
    case EVS_LINE:
        memcpy(&n, p, sizeof(n));
        jb_raw(&s->out, p + sizeof(n), n);
        break;
    case EVS_NOTE:
        memcpy(&n, p, sizeof(n));
        if (s->ops->note != NULL)
            s->ops->note(s->ctx, &s->out, p + sizeof(n), n);
        break;
    default:                 /* EVS_PAD */
        break;
    }
}

/*
 * Format the records from head on: max ring bytes of them (and the record
 * that crosses it), or all there are when max is 0.  The lines are written
 * as the buffer fills and, when finish, at the end; else they wait there
 * for the next to finish (in order, whichever thread that is: the buffer
 * is the drain's).  The caller holds `drain`.
 */
static void evs_drain_locked(struct evstream *s, size_t max, bool finish)
{
    size_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
    size_t start = head;

    while (head != tail && (max == 0 || head - start < max)) {
        const struct evs_hdr *h =
            (const struct evs_hdr *)(s->ring + head % EVS_RING);
        const char *payload = (const char *)(h + 1);

        evs_consume(s, h->type, payload);
        head += h->len;
        if (s->out.len >= EVS_OUT - 4096) {
            evs_write_out(s);
            /* Room for the loop as soon as the lines are out. */
            atomic_store_explicit(&s->head, head, memory_order_release);
        }
    }
    if (finish && s->out.len > 0)
        evs_write_out(s);
    atomic_store_explicit(&s->head, head, memory_order_release);
}

static bool evs_empty(struct evstream *s)
{
    return atomic_load_explicit(&s->head, memory_order_acquire) ==
           atomic_load_explicit(&s->tail, memory_order_acquire);
}

/*
 * The writer's turn: chunk by chunk, letting the loop in between, while a
 * whole chunk waits, then what was there when it began.  Not until the
 * ring is empty: a writer faster than the requests would then chase
 * them, a write(2) and a trip of `head` between the CPUs for every record
 * or two (154,000 writes for 1.3M requests, against 3,000 so).  Nor only
 * what was there: a writer that gets little CPU would then sleep out its
 * period with a ring filling, and leave the loop thread to write it.
 */
static void evs_drain_chunks(struct evstream *s)
{
    size_t end = atomic_load_explicit(&s->tail, memory_order_acquire);

    /* head and tail count bytes ever: they never wrap. */
    for (;;) {
        size_t head = atomic_load_explicit(&s->head, memory_order_acquire);
        size_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);

        if (head >= end && tail - head < EVS_CHUNK)
            break;
        pthread_mutex_lock(&s->drain);
        evs_drain_locked(s, EVS_CHUNK, false);
        pthread_mutex_unlock(&s->drain);
    }
    pthread_mutex_lock(&s->drain);
    if (s->out.len > 0)
        evs_write_out(s);
    pthread_mutex_unlock(&s->drain);
}

/*
 * The loop thread's, when the ring is full: a chunk, its lines left for
 * whoever fills the buffer or ends a turn next.  Not the whole ring: the
 * requests would wait the while (some 80 ms for 16 MiB), and the pool's
 * workers with them; a chunk at a time, they go on between chunks, and
 * the writer gets the CPU they leave.
 */
static void evs_drain_some(struct evstream *s)
{
    pthread_mutex_lock(&s->drain);
    evs_drain_locked(s, EVS_CHUNK, false);
    pthread_mutex_unlock(&s->drain);
}

/* The loop thread's: all of it, now. */
static void evs_drain_all(struct evstream *s)
{
    pthread_mutex_lock(&s->drain);
    evs_drain_locked(s, 0, true);
    pthread_mutex_unlock(&s->drain);
}

/* The writer runs when no other thread wants the CPU; where that is not
 * allowed, ten steps below the process, whatever its own niceness. */
static void evs_lower_priority(void)
{
    struct sched_param idle = { .sched_priority = 0 };
    int nice_now;

    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) == 0)
        return;
    errno = 0;
    nice_now = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 && nice_now < 10 &&
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
                    nice_now + 10) < 0) {
        /* Not allowed either: it runs at the loop's priority. */
    }
}

static void *evs_thread(void *arg)
{
    struct evstream *s = arg;
    bool stop = false;

    evs_lower_priority();

    pthread_mutex_lock(&s->lock);
    for (;;) {
        struct timespec ts;

        while (!s->stop && !s->kick) {
            size_t head = atomic_load_explicit(&s->head,
                                               memory_order_relaxed);
            size_t tail = atomic_load_explicit(&s->tail,
                                               memory_order_acquire);

            if (head == tail) {
                pthread_cond_wait(&s->wake, &s->lock);
                continue;
            }
            /* Records wait: write them within the period. */
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += EVS_PERIOD_NS;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            if (pthread_cond_timedwait(&s->wake, &s->lock, &ts) ==
                ETIMEDOUT)
                break;
        }
        stop = s->stop;
        s->kick = false;
        pthread_mutex_unlock(&s->lock);
        evs_drain_chunks(s);
        pthread_mutex_lock(&s->lock);
        if (stop && evs_empty(s))
            break;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Free what evstream_new made, once no thread runs (the fd is left). */
static void evs_destroy(struct evstream *s)
{
    pthread_mutex_destroy(&s->drain);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    jb_free(&s->out);
    free(s->ring);
    free(s);
}

struct evstream *evstream_new(int fd, bool own_fd,
                              const struct evstream_ops *ops, void *ctx)
{
    /* Aligned as its halves are, the loop's apart from the consumer's. */
    struct evstream *s = aligned_alloc(_Alignof(struct evstream),
                                       sizeof(struct evstream));
    pthread_condattr_t ca;

    if (s == NULL)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->ring = malloc(EVS_RING);
    if (s->ring == NULL) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->own_fd = own_fd;
    s->ops = ops;
    s->ctx = ctx;
    s->room_end = EVS_RING;
    s->wake_at = EVS_WAKE;
    jb_init(&s->out);
    jb_reserve(&s->out, EVS_OUT);
    pthread_mutex_init(&s->drain, NULL);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, evs_thread, s) != 0) {
        evs_destroy(s);
        return NULL;
    }
    return s;
}

static void evs_kick(struct evstream *s)
{
    pthread_mutex_lock(&s->lock);
    s->kick = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

/* Room for a record of len bytes (padded), when the bound is reached:
 * read where the consumer is, and wait for it (writing the ring from
 * here) if the ring is full. */
static char *evs_reserve_slow(struct evstream *s, size_t len)
{
    size_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    size_t at = tail % EVS_RING, need = len;

    /* A record does not wrap: pad to the end first. */
    if (at + len > EVS_RING)
        need += EVS_RING - at;
    for (;;) {
        s->room_end = atomic_load_explicit(&s->head, memory_order_acquire) +
                      EVS_RING;
        if (tail + need <= s->room_end)
            break;
        /* Full: the writer gets no CPU; make room from here (nothing is
         * lost). */
        evs_drain_some(s);
    }
    if (need > len) {
        struct evs_hdr *pad = (struct evs_hdr *)(void *)(s->ring + at);

        pad->len = (uint32_t)(EVS_RING - at);
        pad->type = EVS_PAD;
        tail += EVS_RING - at;
        at = 0;
        atomic_store_explicit(&s->tail, tail, memory_order_release);
    }
    return s->ring + at;
}

/* Room for a record of len bytes (padded): its address in the ring. */
static inline char *evs_reserve(struct evstream *s, size_t len)
{
    size_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    size_t at = tail % EVS_RING;

    if (tail + len <= s->room_end && at + len <= EVS_RING)
        return s->ring + at;
    return evs_reserve_slow(s, len);
}

static inline void evs_commit(struct evstream *s, size_t len)
{
    size_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed) + len;

    atomic_store_explicit(&s->tail, tail, memory_order_release);
    if (tail >= s->wake_at) {
        s->wake_at = tail + EVS_WAKE;
        evs_kick(s);
    } else if (tail - len == atomic_load_explicit(&s->head,
                                                  memory_order_acquire)) {
        /* The first record after a quiet time starts the period. */
        pthread_mutex_lock(&s->lock);
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
    }
}

/* A record of a type with its length first: a line, a note. */
static void evs_put_sized(struct evstream *s, uint32_t type,
                          const void *data, size_t n)
{
    size_t len;
    struct evs_hdr *h;
    uint32_t n32;

    /* Longer than a quarter of the ring is cut (no event is). */
    if (n > EVS_WAKE)
        n = EVS_WAKE;
    n32 = (uint32_t)n;
    len = (sizeof(struct evs_hdr) + sizeof(uint32_t) + n + 7) & ~(size_t)7;
    h = (struct evs_hdr *)(void *)evs_reserve(s, len);
    h->len = (uint32_t)len;
    h->type = type;
    memcpy(h + 1, &n32, sizeof(n32));
    memcpy((char *)(h + 1) + sizeof(n32), data, n);
    evs_commit(s, len);
}

/* The bytes of src's name a line shows. */
static size_t src_name_len(const struct bk_source *src)
{
    return src != NULL && src->name != NULL
           ? strnlen(src->name, sizeof(((struct ev_src_name *)0)->text)) : 0;
}

void ev_src_name_of(const struct bk_source *src, struct ev_src_name *out)
{
    out->len = (uint8_t)src_name_len(src);
    memcpy(out->text, out->len > 0 ? src->name : "", out->len);
}

/* Spread a run's few sources over the slots: by id, then kind. */
static unsigned evs_src_slot(const struct bk_source *src)
{
    return (unsigned)((src->id * 7 + (uint64_t)src->kind) % EVS_SOURCES);
}

/* Give the slot's name to src, for the requests that follow. */
static void evs_announce(struct evstream *s, unsigned slot,
                         const struct bk_source *src)
{
    struct evs_src_seen *z = &s->seen[slot];
    struct evs_src_rec *rec;
    struct evs_hdr *h;
    size_t len = (sizeof(*h) + offsetof(struct evs_src_rec, name.text) +
                  src_name_len(src) + 7) & ~(size_t)7;

    h = (struct evs_hdr *)(void *)evs_reserve(s, len);
    h->len = (uint32_t)len;
    h->type = EVS_SRC;
    rec = (struct evs_src_rec *)(void *)(h + 1);
    rec->slot = (uint8_t)slot;
    ev_src_name_of(src, &rec->name);
    evs_commit(s, len);
    *z = (struct evs_src_seen){ src, src->name, src->id };
}

static inline void req_rec_fill(struct ev_req_rec *r,
                                const struct bk_req *req, int64_t t,
                                unsigned rule, int fault)
{
    const struct bk_source *src = req->source;

    r->t = t;
    r->id = req->id;
    r->offset = req->offset;
    r->length = req->bytes;
    r->latency = req->complete_ns > req->submit_ns
                 ? req->complete_ns - req->submit_ns : 0;
    r->ret = req->ret < 0 ? req->ret : 0;
    r->rule = rule;
    r->fault = (uint8_t)(fault + 1);
    r->op = (uint8_t)req->op;
    r->has_src = src != NULL;
    r->src_kind = src != NULL ? (uint8_t)src->kind : 0;
    r->src_id = src != NULL ? src->id : 0;
}

void ev_req_rec_fill(struct ev_req_rec *r, const struct bk_req *req,
                     int64_t t, unsigned rule, int fault)
{
    req_rec_fill(r, req, t, rule, fault);
}

/* Reserve, fill and commit in one function: this runs once per request on
 * the loop thread, and calls between the three steps were a third of it. */
void evstream_request(struct evstream *s, const struct bk_req *req,
                      int64_t t, unsigned rule, int fault)
{
    const struct bk_source *src = req->source;
    unsigned slot = EVS_NO_SOURCE;
    struct evs_hdr *h;
    struct ev_req_rec *r;

    if (src != NULL) {
        const struct evs_src_seen *z;

        slot = evs_src_slot(src);
        z = &s->seen[slot];
        if (z->src != src || z->id != src->id || z->name != src->name)
            evs_announce(s, slot, src);
    }
    h = (struct evs_hdr *)(void *)evs_reserve(s, EVS_REQ_LEN);
    h->len = (uint32_t)EVS_REQ_LEN;
    h->type = EVS_REQ;
    r = (struct ev_req_rec *)(void *)(h + 1);
    req_rec_fill(r, req, t, rule, fault);
    r->src_slot = (uint8_t)slot;
    evs_commit(s, EVS_REQ_LEN);
}

void evstream_line(struct evstream *s, const char *line, size_t n)
{
    evs_put_sized(s, EVS_LINE, line, n);
}

void evstream_note(struct evstream *s, const void *data, size_t n)
{
    evs_put_sized(s, EVS_NOTE, data, n);
}

void evstream_flush(struct evstream *s)
{
    /* Behind the writer's chunk, if it is writing one: then the rest. */
    evs_drain_all(s);
}

void evstream_free(struct evstream *s)
{
    if (s == NULL)
        return;
    evstream_flush(s);
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    if (s->own_fd)
        close(s->fd);
    evs_destroy(s);
}
