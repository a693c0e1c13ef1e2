/*
 * server-int.h — the control server's insides, shared by its files:
 *   server.c    the listening socket, connections: reading requests,
 *               sending frames, who may connect
 *   session.c   a client's session: its queue, its fiber, output capture,
 *               replies, and the loop hook that schedules fibers
 *   ctl-cmd.c   the commands only control sessions have (events...)
 *
 * Words: a *job* is one request being run (its line, its id, its captured
 * output, its result).  A *session* outlives its connection when the
 * client goes while a command of it still runs: the command is asked to
 * give up (the session's quit flag), its aio reports are waited for, and
 * then the session is *reaped*.
 */
#ifndef BLKMON_CONTROL_SERVER_INT_H
#define BLKMON_CONTROL_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "cmd/out.h"
#include "control/control.h"
#include "control/json.h"
#include "control/proto.h"
#include "export/export.h"
#include "backend/coro.h"

/* Clients at once; more are answered "error ... EBUSY" and closed. */
#define CTL_MAX_CLIENTS   64
/* Output queued for a client: past SOFT its events are dropped (and
 * counted); past HARD its requests are not read until it reads. */
#define CTL_OUT_SOFT      (1u << 20)
#define CTL_OUT_HARD      (8u << 20)
/* Requests a client may have waiting (queued, or answered and held for
 * their turn): past it, its input is not read until some end. */
#define CTL_MAX_PENDING   1024
/* A command's output kept for its reply; the rest is counted. */
#define CTL_CAPTURE_MAX   (16u << 20)
/* Waiting fibers are looked at this often even when nothing seems to
 * have happened (a safety net: every change they wait for moves the
 * loop's or the server's activity counter). */
#define CTL_SWEEP_MS      500

struct ev_sub;
struct ctl_view;

/* A stretch of a capture's text printed on one stream. */
struct ctl_run {
    bool err;
    size_t len;
};

struct ctl_cap {
    struct jbuf all, out, err;   /* both streams; stdout; stderr */
    size_t dropped;              /* bytes past CTL_CAPTURE_MAX */
    struct ctl_run *runs;        /* all, stream by stream, in order */
    size_t nruns, runs_cap;
};

struct ctl_job {
    char *line;
    char *id;                    /* JSON requests: the id as written */
    bool json;
    uint64_t seq;                /* text requests: their order */
    struct ctl_cap cap;
    int ret;
    struct ctl_job *next;
};

enum ctl_fstate {
    CTL_F_IDLE,      /* nothing to run */
    CTL_F_READY,     /* a job waits: resume at the next chance */
    CTL_F_WAITING,   /* inside a command, waiting for the loop */
    CTL_F_TOP,       /* an open or close waits for the top of the stack */
};

struct ctl_conn;
struct ctl_server;

struct ctl_sess {
    struct ctl_server *srv;
    struct ctl_conn *conn;       /* NULL once the client is gone */
    uint64_t id;
    struct cmd_state st;
    struct out sink;
    struct ctl_cap *cur;         /* where the session's output goes now */
    struct ctl_cap idle;         /* output printed between commands */
    bool last_json;              /* the mode of its last request */
    struct ctl_job *queue, *queue_tail;
    unsigned nqueued;
    struct ctl_job *running;     /* the job its fiber runs */
    bool side_running;           /* a job runs nested in a wait_break */
    struct bk_co *co;            /* its fiber (a coroutine), or NULL */
    bool co_done;                /* it returned: coro.c freed it */
    enum ctl_fstate fstate;
    int64_t deadline_ns;         /* WAITING: when to look again; -1 */
    uint64_t seen;               /* WAITING: activity when it yielded */
    bool top_only;               /* running an open or close */
    bool ending;                 /* its client left, or the server stops */
    struct ev_sub *sub;          /* its events subscription, or NULL */
    bool sub_json;               /* events as JSON lines, not frames */
    bool attached;               /* an attached TUI's: view frames */
    bool view_full;              /* its next frame is a full one */
    int64_t view_sent;           /* the last throughput interval sent */
    /* Its row in the Clients pane (sessions.c); its requests' tally is
     * st.source's, and an attached TUI's requests say "tui". */
    struct export_client row;
    struct ctl_sess *next;
};

struct ctl_conn {
    struct ctl_server *srv;
    struct ctl_sess *sess;
    int fd;
    char *peer;                  /* "pid 123 uid 1000" */
    struct ctl_input in;
    struct jbuf out;             /* frames not yet written */
    size_t out_off;              /* how much of out went already */
    uint64_t next_seq;           /* the next text request's number */
    uint64_t send_seq;           /* the next text reply due */
    struct ctl_job *held;        /* text replies ended early, by seq */
    unsigned nheld;
    bool reading;                /* watched for input */
    bool gone;                   /* peer hung up or broke the stream */
    struct ctl_conn *next;
};

struct ctl_server {
    struct bk_loop *loop;
    struct cmd_state *owner;
    struct cmd_group *group;
    struct ev_hub *hub;
    int fd;
    char *path;                  /* the socket file, removed at stop */
    char *where;
    struct ctl_conn *conns;
    unsigned nconns;
    struct ctl_sess *sessions;
    uint64_t next_id;
    uint64_t activity;           /* moves with every job and device note */
    int64_t sweep_ns;            /* next safety-net look at waiters */
    struct ctl_sess *current;    /* whose fiber runs now */
    void (*quit_fn)(void *arg);
    void *quit_arg;
    bool stopping;
    int flush_timer;             /* > 0: idle output goes out soon */
    struct ctl_view *view;       /* made by the first attach */
    struct export as_export;     /* ctl_server_export's */
};

/* ---- server.c ---- */
/* Queue bytes for the client (written as the socket takes them). */
void ctl_conn_send(struct ctl_conn *c, const char *data, size_t len);
/* Bytes queued and not yet written. */
size_t ctl_conn_queued(const struct ctl_conn *c);
/* Read requests again after the queue drained below the hard bound. */
void ctl_conn_update(struct ctl_conn *c);

/* ---- session.c ---- */
struct ctl_sess *ctl_sess_new(struct ctl_server *s, struct ctl_conn *c);
/* Free a job (one whose reply will not be sent). */
void ctl_job_free(struct ctl_job *j);
/* A request from the client: runs it now (control) or queues it. */
void ctl_sess_request(struct ctl_sess *ss, const struct ctl_request *req);
/* cancel with no command running: the next queued one (there must be
 * one) is not run; it answers ECANCELED, and cancel says so. */
void ctl_sess_drop_next(struct ctl_sess *ss);
/* The client is gone: end what runs, reap later. */
void ctl_sess_detach(struct ctl_sess *ss);
/* Install the loop hook that runs the sessions' fibers. */
void ctl_sched_install(struct ctl_server *s);
void ctl_sched_remove(struct ctl_server *s);
/* Something the fibers may wait for happened. */
void ctl_sched_kick(struct ctl_server *s);
/* Every session's waiting command gives up (wait: iterate until none
 * runs); they take no more requests. */
void ctl_sess_end_all(struct ctl_server *s, bool wait);
/* Iterate until every detached session is reaped. */
void ctl_sess_reap_all(struct ctl_server *s);
/* Send idle output of every session now. */
void ctl_sess_flush_idle(struct ctl_server *s);


#endif
