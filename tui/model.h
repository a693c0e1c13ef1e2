/*
 * model.h — what the panes show, wherever it comes from.
 *
 * The TUI draws a *run*: an image, its outstanding and parked requests,
 * breakpoints, rules, counters, a background bench.  In a local TUI the
 * run is this process's, and the model reads the device (and the watch,
 * app.h, which device observers keep current).  In an attached TUI
 * (blkmon attach) the run is another process's, and the model reads the
 * *mirror* that remote.c keeps from its view frames (control/view.h):
 * the same types (bk_req, rules_rule, the watch's map, heat and sampler),
 * filled from the frames, so a pane draws either the same way.  Panes ask
 * the model, never the device; actions on the run (resume a request,
 * resume all) go through it too.
 */
#ifndef BLKMON_TUI_MODEL_H
#define BLKMON_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "cmd/bench.h"
#include "rules/rules.h"
#include "tui/stats.h"

struct tui;

struct tui_model_image {
    const char *filename;
    const char *format;
    int64_t length;
    bool blkdebug;               /* breakpoints and rules are possible */
};

/* The image, if one is open (img may be NULL). */
bool tui_model_image(struct tui *t, struct tui_model_image *img);
/* What the image sits on (a host device, its locks), for a local TUI
 * only: an attached one has no view of it (false). */
bool tui_model_storage(struct tui *t, struct bk_storage *st);
size_t tui_model_outstanding(struct tui *t);
/* Outstanding requests, oldest first. */
void tui_model_for_each_req(struct tui *t,
                            void (*fn)(const struct bk_req *req, void *arg),
                            void *arg);
/* Armed breakpoints, in the order they would fire. */
void tui_model_for_each_break(struct tui *t,
                              void (*fn)(const char *event, const char *tag,
                                         void *arg),
                              void *arg);
/* Every suspension, newest first: a request two breakpoints hold is
 * visited under each tag. */
void tui_model_for_each_suspension(struct tui *t,
                                   void (*fn)(const char *tag,
                                              const struct bk_req *req,
                                              void *arg),
                                   void *arg);
/* The blkdebug rules: false when the image has none (no blkdebug node). */
bool tui_model_rules(struct tui *t, int *state, size_t *count);
void tui_model_for_each_rule(struct tui *t,
                             void (*fn)(const struct rules_rule *r,
                                        void *arg),
                             void *arg);
/* A rule in the rule language, as "rules" lists it (allocated; the
 * mirror's rules have only what the panes draw, not every key). */
char *tui_model_rule_text(struct tui *t, const struct rules_rule *r);
void tui_model_dev_stats(struct tui *t, struct bk_stats *out);
/* The session's background bench run, if one runs. */
bool tui_model_bench(struct tui *t, struct bench_progress *out);
/* Another session's run (the command line's -c bench, a control
 * client's, another attached TUI's), if one runs: *who is that session's
 * source (its word in the panes: cmd, ctl2, tui3; name not kept). */
bool tui_model_bench_other(struct tui *t, struct bench_progress *out,
                           struct bk_source *who);
/* Latency over the last minute (of one class, or TUI_ST_ALL), and
 * totals since the start. */
struct tui_stats_latency tui_model_latency(struct tui *t,
                                           enum tui_stats_class c);
struct tui_stats_total tui_model_total(struct tui *t, enum tui_stats_class c);
/* The session's command running, and how many wait behind it. */
const char *tui_model_running(struct tui *t, size_t *queued);

/* The exports serving the image and their clients (the Clients pane):
 * the first (follow ->next), or NULL. */
struct export;
const struct export *tui_model_exports(struct tui *t);
size_t tui_model_export_count(struct tui *t);
/* The run's control socket as one more export, of kind "control", whose
 * clients are its sessions (control.h's ctl_server_export); NULL when the
 * run has none. */
const struct export *tui_model_control(struct tui *t);
/* Whether the run has a control socket (without making its rows). */
bool tui_model_has_control(struct tui *t);

/* A format image's guest and host views (tui/layers.h); NULL when the
 * image has none (raw) or no image is open. */
struct tui_layers;
const struct tui_layers *tui_model_layers(struct tui *t);
/* The format's own I/O in progress (backend.h's bk_subreq): metadata
 * loads and updates, copy-on-write, named by their event; and how many. */
void tui_model_for_each_subreq(struct tui *t,
                               void (*fn)(const struct bk_subreq *sub,
                                          void *arg),
                               void *arg);
size_t tui_model_subreqs(struct tui *t);

/* Actions: 0 or -errno (remote: sent; the answer shows in Output). */
int tui_model_resume_req(struct tui *t, uint64_t id);
int tui_model_resume_all(struct tui *t);

#endif
