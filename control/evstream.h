/*
 * evstream.h — the event stream's writer (--events FILE): a thread that
 * formats and writes, so that the loop thread only fills a record.
 *
 * At a queue depth of 32 blkmon ends a request every microsecond or two;
 * a JSON line and its share of write(2) cost about as much again, which
 * would halve throughput if the loop thread paid for them.  So the loop
 * thread fills a fixed binary record per request end (and, for the rare
 * other events, appends the line already formatted, or a note for the
 * stream's own ops) in a ring of bytes, and a writer thread turns records
 * into lines, gathers them in a 1 MiB buffer and writes it.  The writer
 * wakes when the ring is a quarter full, or 200 ms after it last wrote
 * while records wait, so a reader following the file sees an event
 * within a fifth of a second.
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
 * A request's end as the ring holds it: everything its line says but the
 * source's name, which the stream keeps apart (below).  events.c formats
 * it (ev_format_request), on the writer or on the loop thread for
 * subscribers, so both write the same line.
 */
struct ev_req_rec {
    int64_t t;               /* ns since the hub's time 0 */
    uint64_t id;
    int64_t offset, length, latency;
    uint64_t src_id;
    int32_t ret;
    uint32_t rule;           /* 0: no rule acted on it */
    uint8_t op;
    uint8_t src_kind;
    uint8_t has_src;
    uint8_t fault;           /* enum bk_fault_kind + 1; 0: none */
    uint8_t src_slot;        /* the stream's: where its source's name is */
};

/*
 * A source's name as a line shows it: copied, since the source may be
 * gone by the time the line is made.  A stream copies each source's name
 * once, not with every record: the loop thread remembers in a small table
 * which sources the stream has been told of (by the source, its id and
 * its name's address, none of which change while a source lives), and
 * tells it again only when a slot changes hands.
 */
struct ev_src_name {
    uint8_t len;
    char text[255];
};
/* The part of a source's name a line shows (the first 255 bytes). */
void ev_src_name_of(const struct bk_source *src, struct ev_src_name *out);

/*
 * What a stream makes of what the loop thread appended, called by
 * whichever thread writes (never two at once), in the order appended.
 */
struct evstream_ops {
    /* A request's line into out; name NULL when it had no source. */
    void (*request)(void *ctx, struct jbuf *out, const struct ev_req_rec *r,
                    const struct ev_src_name *name);
    /* A note (evstream_note): what it makes into out.  May be NULL. */
    void (*note)(void *ctx, struct jbuf *out, const void *data, size_t len);
};

/* A record as a line: the event stream's JSON, or the trace's
 * blkparse-like text (trace.c). */
typedef void ev_format_fn(struct jbuf *b, const struct ev_req_rec *r,
                          const struct ev_src_name *name);
ev_format_fn ev_format_request, ev_format_trace;

/* Write to fd (closed at the end when own_fd), what ops make of the
 * records.  NULL when out of memory or no thread could start. */
struct evstream *evstream_new(int fd, bool own_fd,
                              const struct evstream_ops *ops, void *ctx);
/*
 * A request's end, as its record: t is the line's time (ns since the
 * hub's time 0), rule the rule that acted on it (0: none) and fault its
 * kind (enum bk_fault_kind; -1: none).  Its source's name goes to the
 * stream first if the stream does not have it.  This is the loop thread's
 * whole share of a request's line.
 */
void evstream_request(struct evstream *s, const struct bk_req *req,
                      int64_t t, unsigned rule, int fault);
/* The record of req (all but src_slot), as evstream_request fills it. */
void ev_req_rec_fill(struct ev_req_rec *r, const struct bk_req *req,
                     int64_t t, unsigned rule, int fault);
/* Any other event, as its finished line (with '\n'). */
void evstream_line(struct evstream *s, const char *line, size_t len);
/* Data for ops->note, copied (at most a quarter of the ring). */
void evstream_note(struct evstream *s, const void *data, size_t len);
/* Write everything appended so far, on the calling thread if the writer
 * has not. */
void evstream_flush(struct evstream *s);
/* Flush, stop the thread, close the file if owned. */
void evstream_free(struct evstream *s);

#endif
