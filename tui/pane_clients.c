/*
 * pane_clients.c — the Clients pane: each export, then each of its
 * clients (an NBD connection, a process's open of the FUSE file) with
 * what it did:
 *
 *       ID     PEER             INFL   REQS     READ  WRITTEN ERR    AGE
 *     nbd '' at unix:/tmp/img.sock, writable
 *       nbd3   unix                2  1.23k    4 MiB   12 MiB   0 12.4 s
 *     fuse /tmp/disk, writable
 *       fuse5  pid 4242 (fio)     16    812      0 B  3.2 MiB   0 3.10 s
 *
 * Columns are ordered by what matters when the pane is narrow: the age
 * goes first.
 *
 * The ID is the word the Requests pane's SRC column and the Suspended
 * pane show for that client's requests.  A run's control socket comes
 * last, as "control unix:PATH: its sessions", each session with a client
 * a row: ctl2 for a blkmon ctl or script, tui3 for an attached TUI (this
 * one among them), its requests counted from its connection.  The pane
 * reads the exports each frame through the model (the counters live in
 * export_client; an attached TUI's are the mirror's) and keeps nothing;
 * it is placed while the run has exports, and when 7 asks for the
 * control sessions of a run without (tcmd.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "export/export.h"
#include "tui/draw.h"
#include "tui/model.h"
#include "tui/fmt.h"
#include "tui/panel.h"

static void clients_export_line(const struct export *e, char *buf,
                                size_t size)
{
    const char *mode = e->read_only ? "read-only" : "writable";

    if (strcmp(e->ops->kind, "control") == 0)
        snprintf(buf, size, "control %s: its sessions", e->where);
    else if (strcmp(e->name, e->where) == 0)
        snprintf(buf, size, "%s %s, %s%s", e->ops->kind, e->where, mode,
                 e->draining ? ", draining" : "");
    else
        snprintf(buf, size, "%s '%s' at %s, %s%s", e->ops->kind, e->name,
                 e->where, mode, e->draining ? ", draining" : "");
}

static void clients_client_line(const struct export_client *c, int64_t now,
                                char *buf, size_t size)
{
    char id[24], age[16], reqs[16], rd[16], wr[16], errs[16];

    tui_fmt_source(id, sizeof(id), &c->source);
    tui_fmt_duration(age, sizeof(age), now - c->connect_ns);
    tui_fmt_count(reqs, sizeof(reqs), (double)c->answered.requests);
    tui_fmt_size(rd, sizeof(rd), (int64_t)c->answered.bytes_read);
    tui_fmt_size(wr, sizeof(wr), (int64_t)c->answered.bytes_written);
    tui_fmt_count(errs, sizeof(errs), (double)c->answered.errors);
    snprintf(buf, size, "  %-6s %-16.16s %4u %6s %8s %8s %3s %6s", id,
             c->peer, c->inflight, reqs, rd, wr, errs, age);
}

/* An export's line, then its clients' rows, from row *y on. */
static void clients_draw_export(const struct export *e, struct tui_rect in,
                                int64_t now, int *y)
{
    char line[256];

    clients_export_line(e, line, sizeof(line));
    tui_put(in.y + (*y)++, in.x, in.w, TUI_R_VALUE, line);
    if (e->clients == NULL && *y < in.h)
        tui_put(in.y + (*y)++, in.x, in.w, TUI_R_DIM, "  (no clients)");
    for (const struct export_client *c = e->clients; c != NULL && *y < in.h;
         c = c->next) {
        clients_client_line(c, now, line, sizeof(line));
        tui_put(in.y + (*y)++, in.x, in.w,
                c->answered.errors > 0 ? TUI_R_WARNING : TUI_R_DEFAULT,
                line);
    }
}

static void clients_draw(struct tui *t, struct tui_rect in, bool focus,
                         char *info, size_t infosize)
{
    const struct export *control = tui_model_control(t);
    size_t nexports = 0, nclients = 0;
    int64_t now = bk_now_ns();
    int y = 0;
    int n;

    (void)focus;
    for (const struct export *e = tui_model_exports(t); e != NULL;
         e = e->next) {
        nexports++;
        nclients += e->nclients;
    }
    n = snprintf(info, infosize, "%zu export%s, %zu client%s", nexports,
                 nexports == 1 ? "" : "s", nclients, nclients == 1 ? "" : "s");
    if (control != NULL && control->nclients > 0 && n > 0 &&
        (size_t)n < infosize)
        snprintf(info + n, infosize - (size_t)n, "; %zu control session%s",
                 control->nclients, control->nclients == 1 ? "" : "s");
    if (in.h <= 0 || in.w <= 0)
        return;
    if (tui_model_exports(t) == NULL && control == NULL) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM,
                "no exports (try: export nbd unix:/tmp/img.sock)");
        return;
    }
    tui_putf(in.y + y++, in.x, in.w, TUI_R_DIM,
             "  %-6s %-16s %4s %6s %8s %8s %3s %6s", "ID", "PEER", "INFL",
             "REQS", "READ", "WRITTEN", "ERR", "AGE");
    for (const struct export *e = tui_model_exports(t); e != NULL && y < in.h;
         e = e->next)
        clients_draw_export(e, in, now, &y);
    if (control != NULL && y < in.h)
        clients_draw_export(control, in, now, &y);
}

const struct tui_panel_class tui_panel_clients = {
    .title = "Clients",
    .framed = true,
    .focusable = false,
    .draw = clients_draw,
};
