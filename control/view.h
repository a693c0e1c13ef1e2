/*
 * view.h — what an attached TUI shows, sent to it as "view" frames.
 *
 * blkmon attach draws the whole TUI in another process, from a *view* of
 * this one's image: the allocation map, recent heat, the outstanding
 * requests, breakpoints, rules, throughput samples and latency, and the
 * attached session's own queue and background bench.  The view keeps
 * what the local TUI's watch keeps (tui/extmap.h, heat.h, stats.h; pure
 * modules), fed by a device observer, and sends each attached session a
 * JSON line (event "view") at most 10 times a second while anything
 * changes, 4 times a second while requests are outstanding, and nothing
 * while the image is idle.
 *
 * A frame carries the state whole (requests, breakpoints, rules, heat,
 * totals, latency) except for two parts sent as changes since the
 * session's last frame: throughput intervals, and the allocation map's
 * changed ranges with the data extents now in them.  A *full* frame
 * (on attach, after an open or close, or after a frame the client's
 * queue could not take) carries the whole map and every interval kept.
 * The layout is documented at the top of view.c and read by
 * tui/remote.c.
 */
#ifndef BLKMON_CONTROL_VIEW_H
#define BLKMON_CONTROL_VIEW_H

struct ctl_server;
struct ctl_sess;
struct ctl_view;

struct ctl_view *ctl_view_new(struct ctl_server *s);
void ctl_view_free(struct ctl_view *v);
/* The session is an attached TUI from now on: a full frame goes at once. */
void ctl_view_attach(struct ctl_view *v, struct ctl_sess *ss);
void ctl_view_detach(struct ctl_view *v, struct ctl_sess *ss);
/* Something the frames show changed (a command ran...): a frame soon. */
void ctl_view_dirty(struct ctl_view *v);

#endif
