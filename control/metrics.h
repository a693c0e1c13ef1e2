/*
 * metrics.h — counters and latency histograms for Prometheus.
 *
 * --metrics ADDR serves a plain HTTP GET (or HEAD) of /metrics with the
 * text exposition format (version 0.0.4): requests and bytes by
 * operation, latency histograms by class (read, write, other), requests
 * in flight and suspended, injected faults by kind, each rule's hits and
 * injections, the blkdebug state, the image size, and the exports'
 * clients.  Counters count from the start of the process, across opens
 * and closes of the image.  README.md lists every metric.
 *
 * The server is as small and strict as it can be: one request per
 * connection (then it closes), a request line and headers of at most
 * METRICS_HEAD_MAX bytes read within METRICS_TIMEOUT_MS, nothing but GET
 * or HEAD of /metrics (optionally with a query, ignored): anything else
 * gets 400, 404, 405 or 431 and the connection closed.  Non-blocking, on
 * the loop, METRICS_MAX_CONNS connections at once.
 */
#ifndef BLKMON_CONTROL_METRICS_H
#define BLKMON_CONTROL_METRICS_H

#include "cmd/cmd.h"

#define METRICS_HEAD_MAX   8192
#define METRICS_TIMEOUT_MS 10000
#define METRICS_MAX_CONNS  16

struct metrics;

/* Serve owner's group's image at addr (HOST:PORT, :PORT, unix:PATH, as
 * --nbd takes them).  0, or -errno with *cause. */
int metrics_start(struct cmd_state *owner, const char *addr,
                  struct metrics **out, char **cause);
/* Where it listens ("127.0.0.1:9100"): a port 0 resolved. */
const char *metrics_where(const struct metrics *m);
void metrics_stop(struct metrics *m);

/*
 * The parser, for tests and the fuzz harness: what to answer a request
 * head (text up to and including the blank line): 200 for GET or HEAD of
 * /metrics (*head_only for HEAD), else 400, 404, 405.  0 when more bytes
 * are needed (no blank line yet), 431 when len exceeds METRICS_HEAD_MAX
 * without one.
 */
int metrics_parse_head(const char *text, size_t len, bool *head_only);

#endif
