/*
 * control.h — driving and watching a running blkmon from outside.
 *
 * The *control server* (--control unix:PATH) takes clients on a Unix
 * socket that only its owner may use.  Each client gets a *session* of
 * its own (cmd.h) in the process's group, so that it runs blkmon's
 * commands on the one image, in the language of -c, each line answered
 * with a framed reply (proto.h).  A client's commands keep their order;
 * control commands (resume, break, rule...) run at once, even while one
 * of its commands waits; a command that waits (wait_break, sleep, a read
 * parked at a breakpoint) waits on a fiber of its session, so that it
 * holds up neither other clients nor the front end.  While a wait_break
 * waits, the commands queued behind it run nested in it, as the TUI runs
 * a line typed meanwhile: one of them may issue the request it waits for.
 *
 * A client cancels its own waiting command with the control command
 * "cancel" (ctl-cmd.c), as Ctrl-C does in the TUI: a sleep or wait_break
 * gives up (ECANCELED, in its own reply), a foreground bench stops, and
 * "cancel" answers "cancelled 'LINE'"; EBUSY when the command's request
 * is parked (only a resume frees it).  With none running, the client's
 * next command, sent and not started yet, is dropped (ECANCELED in its
 * own reply, "cancelled 'LINE' before it started"); ENOENT when there is
 * none either.  blkmon attach sends it for Ctrl-C, blkmon ctl for SIGINT
 * (then exits 130).
 *
 * The *event hub* (events.h) turns what happens to the image into JSON
 * lines for the event stream (--events) and for subscribed clients.
 *
 * Everything runs on the loop thread.
 */
#ifndef BLKMON_CONTROL_H
#define BLKMON_CONTROL_H

#include <stdbool.h>

#include "cmd/cmd.h"

struct ctl_server;
struct ev_hub;

/*
 * Listen at addr (unix:PATH; the socket is created 0600 and a stale one
 * replaced) for clients of owner's group (owner must be in one).  hub (may
 * be NULL) serves the "events" subscriptions.  0, or -errno with *cause.
 */
int ctl_server_start(struct cmd_state *owner, struct ev_hub *hub,
                     const char *addr, struct ctl_server **out, char **cause);
/* What the front end does when a client asks the process to quit. */
void ctl_server_on_quit(struct ctl_server *s, void (*fn)(void *arg),
                        void *arg);
/* The address as listened on ("unix:/run/x.sock"). */
const char *ctl_server_where(const struct ctl_server *s);
/*
 * Stop: no new clients; every session's waiting command gives up (its
 * parked requests are resumed), its last replies are sent if the socket
 * takes them, its connection closed; the socket file is removed.
 */
void ctl_server_stop(struct ctl_server *s);

/*
 * The control socket as the Clients pane shows it: one more export, of
 * kind "control", whose clients are the sessions with a client (an
 * attached TUI's among them), each with its requests' tally and those of
 * dev's requests in flight that are its.  Made again at each call (what a
 * frame needs); valid until the next call or the server stops.
 */
struct export;
struct bk_dev;
const struct export *ctl_server_export(struct ctl_server *s,
                                       struct bk_dev *dev);

/* The headless front end's quit for ctl_server_on_quit (arg: the owner
 * session): stop reading commands, let parked requests go. */
void ctl_quit_headless(void *arg);

/* The commands only control sessions have (ctl-cmd.c: events, cancel,
 * resume-request...), their front-end table; an attached TUI offers them
 * in completion, since its lines run in such a session. */
extern const struct cmd_entry *const ctl_cmd_table[];

/* The control socket a client names (unix:PATH) into *a: 0, or -EINVAL
 * said on standard error (ctl and attach). */
struct nbd_addr;
int ctl_socket_parse(const char *text, struct nbd_addr *a);
/* blkmon ctl ADDR COMMAND...: the exit status. */
int ctl_client_main(int argc, char **argv);

#endif
