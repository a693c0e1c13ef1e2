/*
 * remote.h — an attached TUI's mirror of another blkmon (see model.h).
 *
 * The *mirror* holds what the last view frame (control/view.c) said,
 * converted into the types the panes read: requests as struct bk_req
 * (only what the panes read is filled), rules as struct rules_rule, and
 * the watch's map, heat and sampler (app.h), fed from the frames' changed
 * ranges, touches and intervals.  Times are moved onto this process's
 * clock (same host; the frame's "now" gives the offset).
 *
 * The connection is the control socket in JSON mode: lines typed go out
 * as {"id":N,"cmd":LINE}; replies, frames and events come back as lines,
 * read when the socket is readable (any size: a full frame carries the
 * whole allocation map).  When the server closes it, the TUI ends.
 */
#ifndef BLKMON_TUI_REMOTE_H
#define BLKMON_TUI_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/model.h"

struct tui_remote;

/* Attach t to the blkmon at fd (connected; "attach" is sent). */
struct tui_remote *tui_remote_new(struct tui *t, int fd, const char *where);
void tui_remote_free(struct tui_remote *r);
/* Send a command line; its reply shows in Output. */
void tui_remote_send(struct tui_remote *r, const char *line);
/* Ctrl-C: ask the run to cancel this TUI's command that waits; the answer
 * shows in the status line, in the local TUI's words. */
void tui_remote_cancel(struct tui_remote *r);
const char *tui_remote_where(const struct tui_remote *r);
/* Why the connection ended (NULL while it lasts). */
const char *tui_remote_gone(const struct tui_remote *r);

/* The mirror, for model.c. */
bool tui_remote_image(struct tui_remote *r, struct tui_model_image *img);
bool tui_remote_storage(struct tui_remote *r, struct bk_storage *st);
size_t tui_remote_outstanding(struct tui_remote *r);
void tui_remote_for_each_req(struct tui_remote *r,
                             void (*fn)(const struct bk_req *req, void *arg),
                             void *arg);
void tui_remote_for_each_break(struct tui_remote *r,
                               void (*fn)(const char *event, const char *tag,
                                          void *arg),
                               void *arg);
void tui_remote_for_each_suspension(struct tui_remote *r,
                                    void (*fn)(const char *tag,
                                               const struct bk_req *req,
                                               void *arg),
                                    void *arg);
bool tui_remote_rules(struct tui_remote *r, int *state, size_t *count);
/* A rule as the run describes it (allocated), or NULL. */
char *tui_remote_rule_text(struct tui_remote *r, unsigned id);
void tui_remote_for_each_rule(struct tui_remote *r,
                              void (*fn)(const struct rules_rule *rule,
                                         void *arg),
                              void *arg);
void tui_remote_dev_stats(struct tui_remote *r, struct bk_stats *out);
bool tui_remote_bench(struct tui_remote *r, struct bench_progress *out);
bool tui_remote_bench_other(struct tui_remote *r, struct bench_progress *out,
                            struct bk_source *who);
struct tui_stats_latency tui_remote_latency(struct tui_remote *r,
                                           enum tui_stats_class c);
struct tui_stats_total tui_remote_total(struct tui_remote *r,
                                        enum tui_stats_class c);
const char *tui_remote_running(struct tui_remote *r, size_t *queued);
const struct export *tui_remote_exports(struct tui_remote *r);
const struct export *tui_remote_control(struct tui_remote *r);
struct tui_layers;
const struct tui_layers *tui_remote_layers(struct tui_remote *r);
void tui_remote_for_each_subreq(struct tui_remote *r,
                                void (*fn)(const struct bk_subreq *sub,
                                           void *arg),
                                void *arg);

#endif
