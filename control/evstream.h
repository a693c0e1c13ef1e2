/*
 * evstream.h — the event stream's writer (--events FILE): a thread that
 * formats and writes, so that the loop thread only copies a record.
 *
 * At a queue depth of 32 blkmon ends a request every microsecond or two;
 * a JSON line and its share of write(2) cost about as much again, which
 * would halve throughput if the loop thread paid for them.  So the loop
 * thread appends a fixed binary record per request end (and, for the rare
 * other events, the line already formatted) to a ring of bytes, and a
 * writer thread turns records into lines, gathers them in a 1 MiB
 * buffer and writes it.  The writer wakes when the ring is a quarter
 * full, or 200 ms after it last wrote while records wait, so a reader
 * following the file sees an event within a fifth of a second.
 *
 * The ring has one producer (the loop thread) and one consumer at a
 * time: the writer, which runs only in CPU time nothing else wants, or,
 * when the ring is full or at the end, the loop thread itself (evstream.c
 * says why).  `tail` is the loop's, `head` the consumer's, each published
 * with release and read with acquire, so the bytes between them are the
 * other's to read.  The stream loses nothing: a disk slower than the
 * requests slows them down rather than growing memory.  A failed write
 * (a full disk, a closed pipe) drops the lines it held and is counted.
 */
#ifndef BLKMON_CONTROL_EVSTREAM_H
#define BLKMON_CONTROL_EVSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "control/json.h"

struct evstream;

/*
 * A request's end as the ring holds it: everything its line says, the
 * source's name copied (the source may be gone by the time it is
 * written).  events.c formats it (ev_format_request), here or on the
 * loop thread for subscribers, so both write the same line.
 */
struct ev_req_rec {
    int64_t t;               /* ns since the hub's time 0 */
    uint64_t id;
    int64_t offset, length, latency;
    int32_t ret;
    uint32_t rule;           /* 0: no rule acted on it */
    uint64_t src_id;
    uint8_t op;
    uint8_t src_kind;
    uint8_t has_src;
    uint8_t fault;           /* enum bk_fault_kind + 1; 0: none */
    uint8_t namelen;
    char name[255];          /* namelen bytes are stored */
};
void ev_req_rec_fill(struct ev_req_rec *r, const struct bk_req *req,
                     int64_t t, unsigned rule, int fault);
/* The bytes of the request's source name a record stores. */
size_t ev_req_rec_namelen(const struct bk_req *req);
/* A record as a line: the event stream's JSON, or the trace's
 * blkparse-like text (trace.c). */
typedef void ev_format_fn(struct jbuf *b, const struct ev_req_rec *r);
ev_format_fn ev_format_request, ev_format_trace;

/* Write to fd (closed at the end when own_fd), records as format makes
 * them.  NULL when out of memory or no thread could start. */
struct evstream *evstream_new(int fd, bool own_fd, ev_format_fn *format);
/* A request ended (the record filled by ev_req_rec_fill). */
void evstream_request(struct evstream *s, const struct ev_req_rec *r);
/*
 * The same without a copy: room in the ring for a record whose name has
 * namelen bytes, to fill with ev_req_rec_fill and then commit.  Nothing
 * else may be appended in between.
 */
struct ev_req_rec *evstream_request_begin(struct evstream *s,
                                          size_t namelen);
void evstream_request_commit(struct evstream *s);
/* Any other event, as its finished line (with '\n'). */
void evstream_line(struct evstream *s, const char *line, size_t len);
/* Write everything appended so far, on the calling thread if the writer
 * has not. */
void evstream_flush(struct evstream *s);
/* Flush, stop the thread, close the file if owned. */
void evstream_free(struct evstream *s);

#endif
