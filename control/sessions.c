/*
 * sessions.c — the control socket's sessions as the Clients pane shows
 * them (control.h's ctl_server_export): the local TUI draws the export
 * this makes, and an attached TUI gets it in its view frames (view.c).
 *
 * A session's counts are its source's tally, which the device keeps as
 * its requests end, so they run from its connection on whether or not a
 * TUI watches.  What is in flight is counted from the device's list at
 * each call: there is no observer of submissions, and a frame's walk of
 * the list costs no more than the Requests pane's.
 */

#include "control/control.h"
#include "control/server-int.h"

static const struct export_ops ctl_export_ops = {
    .kind = "control",
    .source_kind = BK_SRC_CONTROL,
};

static void count_inflight(const struct bk_req *req, void *arg)
{
    struct ctl_server *s = arg;

    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next) {
        if (req->source == &ss->st.source) {
            ss->row.inflight++;
            return;
        }
    }
}

const struct export *ctl_server_export(struct ctl_server *s,
                                       struct bk_dev *dev)
{
    struct export *x = &s->as_export;
    struct export_client *tail = NULL;

    *x = (struct export){ .ops = &ctl_export_ops, .name = s->where,
                          .where = s->where, .nclients_total = s->next_id };
    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next)
        ss->row.inflight = 0;
    if (dev != NULL)
        bk_dev_for_each_req(dev, count_inflight, s);
    /* Oldest first, as an export lists its clients (the list is newest
     * first): each row goes in front of the ones after it. */
    for (struct ctl_sess *ss = s->sessions; ss != NULL; ss = ss->next) {
        struct export_client *c = &ss->row;

        if (ss->conn == NULL)
            continue;          /* its client left; reaped soon */
        c->exp = x;
        c->source = ss->st.source;
        c->peer = ss->conn->peer;
        c->answered = ss->st.source.tally;
        c->prev = NULL;
        c->next = x->clients;
        if (x->clients != NULL)
            x->clients->prev = c;
        else
            tail = c;
        x->clients = c;
        x->nclients++;
    }
    x->clients_tail = tail;
    return x;
}
