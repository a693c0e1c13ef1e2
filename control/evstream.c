/*
 * evstream.c — the event stream's writer thread (see evstream.h).
 *
 * Records in the ring: a 4-byte length (of the record, header included,
 * rounded up to 8), a 4-byte type, the payload.  A record never wraps:
 * when it does not fit before the end of the ring, a PAD record fills the
 * rest and it starts again at 0.
 *
 * Who formats: the writer thread, in the CPU time nothing else wants
 * (SCHED_IDLE), so that at a queue depth of 32, where the loop and the
 * kernel's copies keep both CPUs of a small machine busy, the stream
 * takes only what is left: with the writer at a plain lower priority,
 * writes at QD 32 ran 11% slower with the stream on; idle, 4.5%.  When
 * nothing is left, the ring fills, and then the loop thread formats and
 * writes it itself: a busy machine slows requests by about what
 * formatting them inline would cost, never more, and a flush or the end
 * never waits for a thread that gets no CPU.
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
/* Ring bytes the writer formats per turn of `drain` (some 400 records). */
#define EVS_CHUNK     (32u << 10)

enum { EVS_PAD, EVS_REQ, EVS_LINE };

struct evs_hdr {
    uint32_t len;            /* the whole record, padded to 8 */
    uint32_t type;
};

struct evstream {
    char *ring;
    _Atomic size_t head;     /* drain: next byte to read */
    _Atomic size_t tail;     /* the loop's: next byte to write */
    size_t woke_at;          /* loop: tail when the writer was last woken */
    size_t pending;          /* loop: the begun record's length */

    int fd;
    bool own_fd;
    ev_format_fn *format;
    struct jbuf out;         /* drain: lines gathered for write(2) */
    uint64_t lost;           /* drain: bytes a failed write dropped */

    pthread_t thread;
    pthread_mutex_t drain;   /* held to format and write */
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* the writer waits here */
    bool stop;               /* lock */
    bool kick;               /* lock: write now */
};

static size_t evs_used(size_t head, size_t tail)
{
    return tail - head;      /* both count bytes ever, never wrap */
}

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

/*
 * Format and write the records from head on: max ring bytes of them (and
 * the record that crosses it), or all there are when max is 0.  The caller
 * holds `drain`.
 */
static void evs_drain_locked(struct evstream *s, size_t max)
{
    size_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
    size_t start = head;

    while (head != tail && (max == 0 || head - start < max)) {
        const struct evs_hdr *h =
            (const struct evs_hdr *)(s->ring + head % EVS_RING);
        const char *payload = (const char *)(h + 1);

        if (h->type == EVS_REQ)
            s->format(&s->out,
                      (const struct ev_req_rec *)(const void *)payload);
        else if (h->type == EVS_LINE)
            jb_raw(&s->out, payload + sizeof(uint32_t),
                   *(const uint32_t *)(const void *)payload);
        head += h->len;
        if (s->out.len >= EVS_OUT - 4096) {
            evs_write_out(s);
            /* Room for the loop as soon as the lines are out. */
            atomic_store_explicit(&s->head, head, memory_order_release);
        }
    }
    if (s->out.len > 0)
        evs_write_out(s);
    atomic_store_explicit(&s->head, head, memory_order_release);
}

static bool evs_empty(struct evstream *s)
{
    return atomic_load_explicit(&s->head, memory_order_acquire) ==
           atomic_load_explicit(&s->tail, memory_order_acquire);
}

/* The writer's turn: chunk by chunk, letting the loop in between. */
static void evs_drain_chunks(struct evstream *s)
{
    while (!evs_empty(s)) {
        pthread_mutex_lock(&s->drain);
        evs_drain_locked(s, EVS_CHUNK);
        pthread_mutex_unlock(&s->drain);
    }
}

/* The loop thread's: all of it, now. */
static void evs_drain_all(struct evstream *s)
{
    pthread_mutex_lock(&s->drain);
    evs_drain_locked(s, 0);
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

struct evstream *evstream_new(int fd, bool own_fd, ev_format_fn *format)
{
    struct evstream *s = calloc(1, sizeof(*s));
    pthread_condattr_t ca;

    if (s == NULL)
        return NULL;
    s->ring = malloc(EVS_RING);
    if (s->ring == NULL) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->own_fd = own_fd;
    s->format = format;
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

/* Room for a record of len bytes (padded): its address in the ring. */
static char *evs_reserve(struct evstream *s, size_t len)
{
    size_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    size_t at = tail % EVS_RING, need = len;

    /* A record does not wrap: pad to the end first. */
    if (at + len > EVS_RING)
        need += EVS_RING - at;
    for (;;) {
        size_t head = atomic_load_explicit(&s->head, memory_order_acquire);

        if (evs_used(head, tail) + need <= EVS_RING)
            break;
        /* Full: the writer gets no CPU; write the ring from here
         * (nothing is lost). */
        evs_drain_all(s);
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

static void evs_commit(struct evstream *s, size_t len)
{
    size_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed) + len;

    atomic_store_explicit(&s->tail, tail, memory_order_release);
    if (tail - s->woke_at >= EVS_WAKE) {
        s->woke_at = tail;
        evs_kick(s);
    } else if (tail - len == atomic_load_explicit(&s->head,
                                                  memory_order_acquire)) {
        /* The first record after a quiet time starts the period. */
        pthread_mutex_lock(&s->lock);
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
    }
}

static size_t evs_req_len(size_t namelen)
{
    return (sizeof(struct evs_hdr) + offsetof(struct ev_req_rec, name) +
            namelen + 7) & ~7ul;
}

struct ev_req_rec *evstream_request_begin(struct evstream *s,
                                          size_t namelen)
{
    size_t len = evs_req_len(namelen);
    struct evs_hdr *h = (struct evs_hdr *)(void *)evs_reserve(s, len);

    h->len = (uint32_t)len;
    h->type = EVS_REQ;
    s->pending = len;
    return (struct ev_req_rec *)(void *)(h + 1);
}

void evstream_request_commit(struct evstream *s)
{
    evs_commit(s, s->pending);
    s->pending = 0;
}

void evstream_request(struct evstream *s, const struct ev_req_rec *r)
{
    memcpy(evstream_request_begin(s, r->namelen), r,
           offsetof(struct ev_req_rec, name) + r->namelen);
    evstream_request_commit(s);
}

void evstream_line(struct evstream *s, const char *line, size_t n)
{
    size_t len;
    char *p;
    struct evs_hdr *h;
    uint32_t n32;

    /* A line longer than a quarter of the ring is cut (no event is). */
    if (n > EVS_WAKE)
        n = EVS_WAKE;
    n32 = (uint32_t)n;
    len = (sizeof(struct evs_hdr) + sizeof(uint32_t) + n + 7) & ~7ul;
    p = evs_reserve(s, len);
    h = (struct evs_hdr *)(void *)p;
    h->len = (uint32_t)len;
    h->type = EVS_LINE;
    memcpy(h + 1, &n32, sizeof(n32));
    memcpy((char *)(h + 1) + sizeof(n32), line, n);
    evs_commit(s, len);
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
