/*
 * events.h — what happens to the image, as JSON lines.
 *
 * The *hub* watches the group's image (whichever is open: it follows
 * open and close) through a device observer and the rules engine's
 * listener, hears from the front ends what the device cannot tell
 * (commands run, clients coming and going), and writes one JSON object
 * per line for each *event* to its *sinks*: the event stream (--events
 * FILE or -) and the control clients subscribed with "events on".  A sink
 * takes a set of event *kinds*; nothing is formatted that no sink takes,
 * so a hub without sinks costs a test per request.
 *
 * The schema is versioned ("v", EV_SCHEMA_VERSION) and written down in
 * control/events.schema.json and README.md; every event has "v", "event"
 * (its kind) and "t" (nanoseconds since the hub started).  A change that
 * removes or retypes a member bumps the version; new members and new
 * kinds do not.
 *
 * The stream is written by a thread of its own from a ring the loop
 * thread fills (evstream.h), so that a line per request costs the loop
 * little: measured in README.md (Benchmarks).
 */
#ifndef BLKMON_CONTROL_EVENTS_H
#define BLKMON_CONTROL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "cmd/cmd.h"

#define EV_SCHEMA_VERSION 1

enum ev_kind {
    EV_HELLO,        /* the first line of a stream or subscription */
    EV_REQUEST,      /* a request ended */
    EV_SUSPENDED,    /* a request parked at a breakpoint (or a hang) */
    EV_RESUMED,      /* ... and let go */
    EV_FAULT,        /* a rule injected a fault */
    EV_RULE,         /* a rule or breakpoint added, deleted, switched */
    EV_STATE,        /* the blkdebug state moved */
    EV_CLIENT,       /* an NBD or control client came or went */
    EV_STATS,        /* a sample of the Throughput pane's figures */
    EV_COMMAND,      /* a command ran (any session) */
    EV_IMAGE,        /* an image was opened or closed */
    EV_DROPPED,      /* a subscriber missed events: how many */
    EV__MAX
};
#define EV_MASK_ALL ((1u << EV__MAX) - 1)

/* "request", "suspended", ...: the names "event" holds and "events on"
 * takes. */
extern const char *const ev_kind_names[EV__MAX];
/* The words the events (and the metrics) give a fault's kind and a
 * request's source, by enum bk_fault_kind and enum bk_source_kind. */
enum { EV_FAULT_KINDS = BK_FAULT_POWERCUT + 1,
       EV_SOURCE_KINDS = BK_SRC_INTERNAL + 1 };
extern const char *const ev_fault_names[EV_FAULT_KINDS];
extern const char *const ev_source_names[EV_SOURCE_KINDS];
/* "request,break,..." into a mask ("all", and "break" for both suspend
 * kinds); 0 and -EINVAL on an unknown name. */
int ev_parse_kinds(const char *text, unsigned *mask);

struct ev_hub;
struct ev_sub;
struct export_set;

/* A hub on the group's image; exports (may be NULL): their clients are
 * announced. */
struct ev_hub *ev_hub_new(struct cmd_group *g, struct export_set *exports);
/* Flush and close the stream, say goodbye to nobody, free. */
void ev_hub_free(struct ev_hub *h);
/* --events PATH ("-": standard output).  0, or -errno with *cause. */
int ev_hub_open_stream(struct ev_hub *h, const char *path, char **cause);
/* --io-trace PATH: every request's end as a blkparse-like line. */
int ev_hub_open_trace(struct ev_hub *h, const char *path, char **cause);
/* Write what the stream's and the trace's rings hold. */
void ev_hub_flush(struct ev_hub *h);

/* A subscriber gets each line (with its '\n') of the kinds in mask. */
typedef void ev_line_fn(const char *line, size_t len, void *arg);
struct ev_sub *ev_hub_subscribe(struct ev_hub *h, unsigned mask,
                                ev_line_fn *fn, void *arg);
void ev_hub_resubscribe(struct ev_hub *h, struct ev_sub *sub, unsigned mask);
void ev_hub_unsubscribe(struct ev_hub *h, struct ev_sub *sub);
/* The subscriber missed n events (its queue was full); when it has room
 * again, ev_sub_tell_dropped sends it a "dropped" line with the count. */
void ev_sub_dropped(struct ev_sub *sub, uint64_t n);
void ev_sub_tell_dropped(struct ev_sub *sub);
unsigned ev_sub_mask(const struct ev_sub *sub);

/* Something new may happen for a kind the device observer sees: called
 * by the hub's users when they change what they watch. */
void ev_hub_command(struct ev_hub *h, const struct bk_source *src,
                    const char *line, int ret);
void ev_hub_client(struct ev_hub *h, bool connected, const char *kind,
                   const struct bk_source *src, const char *peer,
                   const char *export_name);
/* Called on every device note (for the control server's scheduler). */
void ev_hub_on_activity(struct ev_hub *h, void (*fn)(void *arg), void *arg);

#endif
