/*
 * ctl-cmd.c — the commands only a control client's session has (its
 * front-end table, cmd.h): they act on the connection rather than on the
 * image.
 *
 *   events [on [KINDS] | off]   subscribe to the event stream's lines
 *                               (events.h); KINDS: all, or a list such as
 *                               request,break,rule
 *   cancel                      the session's command that waits (sleep,
 *                               wait_break) gives up, as Ctrl-C makes it
 *                               in the TUI, or its next command, sent and
 *                               not started yet, is dropped; what blkmon
 *                               attach's Ctrl-C and blkmon ctl's SIGINT
 *                               send
 *
 * Event lines come as "event LEN" frames to a client that subscribed with
 * a text request, as bare JSON lines to one that used a JSON request.  A
 * client that does not read them loses them rather than holding the
 * server: past CTL_OUT_SOFT queued bytes they are counted, and a
 * "dropped" event with the count comes once there is room again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/events.h"
#include "control/server-int.h"
#include "control/view.h"

static int events_exec(struct cmd_state *st, int argc, char **argv);

static const struct cmd_entry ctl_events_entry = {
    .name = "events",
    .exec = events_exec,
    .argmin = 0,
    .argmax = 2,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA,
    .args = "[on [KINDS] | off]",
    .oneline = "subscribes this control client to the event stream",
    .help =
        "\n"
        " sends this client a JSON line for each event (README.md, Events)\n"
        "\n"
        " Example:\n"
        " 'events on' - every kind\n"
        " 'events on break,rule,state' - breakpoint hits and resumes, rule\n"
        "           and state changes\n"
        " 'events off'\n"
        "\n"
        " Kinds: hello, request, suspended, resumed (or break for both),\n"
        " fault, rule, state, client, stats, command, image, dropped; all.\n"
        "\n",
};

static int attach_exec(struct cmd_state *st, int argc, char **argv);
static int resume_request_exec(struct cmd_state *st, int argc, char **argv);
static int resume_all_exec(struct cmd_state *st, int argc, char **argv);
static int cancel_exec(struct cmd_state *st, int argc, char **argv);

/* The flags of the commands an attached TUI's keys send. */
#define CTL_TUI_FLAGS (CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA)

static const struct cmd_entry ctl_attach_entry = {
    .name = "attach",
    .exec = attach_exec,
    .flags = CTL_TUI_FLAGS,
    .oneline = "makes this control client an attached TUI (blkmon attach)",
    .help =
        "\n"
        " sends this client view frames (what the TUI's panes show) as JSON\n"
        " lines while anything changes, and the blkdebug and fault events the\n"
        " Output pane shows; a bench it starts runs in the background.  It is\n"
        " what blkmon attach sends first.\n"
        "\n",
};

static const struct cmd_entry ctl_resume_request_entry = {
    .name = "resume-request",
    .exec = resume_request_exec,
    .argmin = 1,
    .argmax = 1,
    .flags = CTL_TUI_FLAGS,
    .args = "id",
    .oneline = "resumes one suspension of the request with this id",
};

static const struct cmd_entry ctl_resume_all_entry = {
    .name = "resume-all",
    .exec = resume_all_exec,
    .flags = CTL_TUI_FLAGS,
    .oneline = "resumes every suspended request",
};

/* A control command, so that it runs while the command it cancels waits
 * (and answers at once to a JSON request). */
static const struct cmd_entry ctl_cancel_entry = {
    .name = "cancel",
    .exec = cancel_exec,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA,
    .oneline = "stops this client's command that waits (sleep, "
               "wait_break, bench)",
    .help =
        "\n"
        " makes this client's running command give up, if it is one that\n"
        " waits for time or for a breakpoint (sleep, wait_break): it ends\n"
        " with ECANCELED and says so in its own reply; a foreground bench\n"
        " stops and reports.  A command whose\n"
        " request is parked at a breakpoint cannot give up: resume the\n"
        " request (EBUSY).  A command of this client sent and not started\n"
        " yet is dropped: it ends with ECANCELED, and is not run.  Nothing\n"
        " running or waiting: ENOENT.  Commands of other clients are not\n"
        " touched.\n"
        "\n",
};

const struct cmd_entry *const ctl_cmd_table[] = {
    &ctl_attach_entry,
    &ctl_cancel_entry,
    &ctl_events_entry,
    &ctl_resume_all_entry,
    &ctl_resume_request_entry,
    NULL,
};

/* A subscribed client's sink: one frame per line, unless it lags. */
static void events_line(const char *line, size_t len, void *arg)
{
    struct ctl_sess *ss = arg;
    struct ctl_conn *c = ss->conn;
    struct jbuf h;

    if (c == NULL || c->gone)
        return;
    if (ctl_conn_queued(c) > CTL_OUT_SOFT) {
        if (ss->sub != NULL)
            ev_sub_dropped(ss->sub, 1);
        return;
    }
    if (ss->sub != NULL)
        ev_sub_tell_dropped(ss->sub);
    if (ss->sub_json) {
        ctl_conn_send(c, line, len);
        return;
    }
    jb_init(&h);
    ctl_frame_header(&h, "event", len, NULL);
    ctl_conn_send(c, h.p, h.len);
    ctl_conn_send(c, line, len);
    jb_free(&h);
}

static int events_exec(struct cmd_state *st, int argc, char **argv)
{
    struct ctl_sess *ss = st->frontend;
    struct ev_hub *hub = ss->srv->hub;
    unsigned mask = EV_MASK_ALL;

    if (hub == NULL) {
        out_printf(st->out, "events: no event hub\n");
        return -ENOTSUP;
    }
    if (argc == 1) {
        if (ss->sub == NULL) {
            out_printf(st->out, "events off\n");
        } else {
            out_printf(st->out, "events on");
            for (int k = 0; k < EV__MAX; k++)
                if (ev_sub_mask(ss->sub) & (1u << k))
                    out_printf(st->out, " %s", ev_kind_names[k]);
            out_printf(st->out, "\n");
        }
        return 0;
    }
    if (strcmp(argv[1], "off") == 0 && argc == 2) {
        if (ss->sub != NULL)
            ev_hub_unsubscribe(hub, ss->sub);
        ss->sub = NULL;
        return 0;
    }
    if (strcmp(argv[1], "on") != 0)
        return cmd_usage(st->out, &ctl_events_entry);
    if (argc == 3 && ev_parse_kinds(argv[2], &mask) < 0) {
        out_printf(st->out, "events: unknown kind in '%s'\n", argv[2]);
        return -EINVAL;
    }
    ss->sub_json = ss->last_json;
    if (ss->sub != NULL) {
        ev_hub_resubscribe(hub, ss->sub, mask);
        return 0;
    }
    /* The hello line goes out before this command's reply. */
    ss->sub = ev_hub_subscribe(hub, mask, events_line, ss);
    return 0;
}

static int attach_exec(struct cmd_state *st, int argc, char **argv)
{
    struct ctl_sess *ss = st->frontend;
    struct ctl_server *s = ss->srv;

    (void)argc;
    (void)argv;
    if (s->view == NULL)
        s->view = ctl_view_new(s);
    /* Its requests are a TUI's, told apart from the run's own TUI by the
     * session's number: "tui2" in the panes, {"kind":"tui","id":2,
     * "name":"attach 2"} in events. */
    ss->st.source.kind = BK_SRC_TUI;
    snprintf((char *)ss->st.source.name, 32, "attach %llu",
             (unsigned long long)ss->id);
    /* The Output pane's blkdebug and fault lines. */
    if (s->hub != NULL) {
        unsigned mask = 1u << EV_SUSPENDED | 1u << EV_RESUMED |
                        1u << EV_FAULT;

        ss->sub_json = true;
        if (ss->sub == NULL)
            ss->sub = ev_hub_subscribe(s->hub, mask, events_line, ss);
        else
            ev_hub_resubscribe(s->hub, ss->sub, mask);
    }
    ctl_view_attach(s->view, ss);
    return 0;
}

struct find_req {
    uint64_t id;
    const struct bk_req *req;
};

static void find_req(const struct bk_req *req, void *arg)
{
    struct find_req *f = arg;

    if (req->id == f->id)
        f->req = req;
}

static int resume_request_exec(struct cmd_state *st, int argc, char **argv)
{
    struct find_req f = { 0, NULL };
    char *end;
    int ret;

    (void)argc;
    f.id = strtoull(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0') {
        out_printf(st->out, "resume-request: '%s' is not a request id\n",
                   argv[1]);
        return -EINVAL;
    }
    if (st->dev != NULL)
        bk_dev_for_each_req(st->dev, find_req, &f);
    ret = f.req != NULL ? bk_dev_resume_req(st->dev, f.req) : -ENOENT;
    if (ret < 0)
        out_printf(st->out, "resume-request: request %s is not suspended\n",
                   argv[1]);
    return ret;
}

static int resume_all_exec(struct cmd_state *st, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (st->dev == NULL) {
        out_printf(st->out, "no file open, try 'help open'\n");
        return -ENOENT;
    }
    bk_dev_resume_all(st->dev);
    return 0;
}

/*
 * The words are those of the TUI's status line for Ctrl-C (cmd_cancel),
 * which an attached TUI shows from this reply; the TUI adds its key, F5,
 * to the advice to resume.
 */
static int cancel_exec(struct cmd_state *st, int argc, char **argv)
{
    struct ctl_sess *ss = st->frontend;
    char msg[320];
    int ret;

    (void)argc;
    (void)argv;
    if (ss->running == NULL && ss->queue != NULL) {
        ctl_sess_drop_next(ss);
        return 0;
    }
    ret = cmd_cancel(st, ss->running != NULL ? ss->running->line : NULL,
                     msg, sizeof(msg));
    if (ret < 0)
        out_eprintf(st->out, "%s\n", msg);
    else
        out_printf(st->out, "%s\n", msg);
    return ret;
}
