/*
 * evstream.c — the event stream's writer thread (see evstream.h).
 *
 * Records in the ring: a 4-byte length (of the record, header included,
 * rounded up to 8), a 4-byte type, the payload.  A record never wraps:
 * when it does not fit before the end of the ring, a PAD record fills the
 * rest and it starts again at 0.
 *
 * Locks: `lock` guards only the sleeping and waking (the flags and the
 * two condition variables); the ring's bytes are handed over by `head`
 * and `tail` alone.  The loop thread takes the lock only to wake the
 * writer (the ring crossed a quarter, a flush) or to wait for room.
 */
#include <errno.h>
#include <pthread.h>
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

enum { EVS_PAD, EVS_REQ, EVS_LINE };

struct evs_hdr {
    uint32_t len;            /* the whole record, padded to 8 */
    uint32_t type;
};

struct evstream {
    char *ring;
    _Atomic size_t head;     /* the writer's: next byte to read */
    _Atomic size_t tail;     /* the loop's: next byte to write */
    size_t woke_at;          /* loop: tail when the writer was last woken */
    size_t pending;          /* loop: the begun record's length */

    int fd;
    bool own_fd;
    ev_format_fn *format;
    struct jbuf out;         /* writer: lines gathered for write(2) */
    uint64_t lost;           /* writer: bytes a failed write dropped */

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* the writer waits here */
    pthread_cond_t room;     /* the loop waits here for room or a flush */
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

/* Format and write every record between head and tail. */
static void evs_drain(struct evstream *s)
{
    size_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);

    while (head != tail) {
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

static void *evs_thread(void *arg)
{
    struct evstream *s = arg;
    bool stop = false;
    int nice_now;

    /* Lines are written in the CPU time I/O leaves: the ring holds what
     * waits (and the loop waits for room when it is full).  Ten steps
     * below the process, whatever its own niceness. */
    errno = 0;
    nice_now = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 && nice_now < 10 &&
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
                    nice_now + 10) < 0) {
        /* Not allowed: it runs at the loop's priority. */
    }

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
        evs_drain(s);
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->room);
        if (stop && atomic_load_explicit(&s->head, memory_order_relaxed) ==
                    atomic_load_explicit(&s->tail, memory_order_acquire))
            break;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Free what evstream_new made, once no thread runs (the fd is left). */
static void evs_destroy(struct evstream *s)
{
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->room);
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
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->room, NULL);
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
        /* Full: the writer is behind; wait for it (nothing is lost). */
        pthread_mutex_lock(&s->lock);
        s->kick = true;
        pthread_cond_signal(&s->wake);
        if (evs_used(atomic_load_explicit(&s->head, memory_order_acquire),
                     tail) + need > EVS_RING)
            pthread_cond_wait(&s->room, &s->lock);
        pthread_mutex_unlock(&s->lock);
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
    pthread_mutex_lock(&s->lock);
    s->kick = true;
    pthread_cond_signal(&s->wake);
    /* head reaches tail only once what it passed is written. */
    while (atomic_load_explicit(&s->head, memory_order_acquire) !=
           atomic_load_explicit(&s->tail, memory_order_relaxed))
        pthread_cond_wait(&s->room, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

void evstream_free(struct evstream *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    if (s->own_fd)
        close(s->fd);
    evs_destroy(s);
}
