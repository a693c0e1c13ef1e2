/*
 * reqlog.c — the rings of recent request history.  See reqlog.h.
 */
#include "tui/reqlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQLOG_CAP 512
#define REQLOG_FAULTS 64       /* faults waiting for their request's end */

struct ring {
    struct tui_reqlog_entry *e;
    size_t head, n;            /* oldest at head */
};

struct pending_fault {
    uint64_t id;
    unsigned rule;
};

struct tui_reqlog {
    struct ring ring[TUI_LOG__MAX];
    size_t cap;
    uint64_t seq;
    struct pending_fault faults[REQLOG_FAULTS];
    size_t nfaults;            /* a ring too: the oldest is overwritten */
};

struct tui_reqlog *tui_reqlog_new(size_t cap)
{
    struct tui_reqlog *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->cap = cap ? cap : REQLOG_CAP;
    for (int r = 0; r < TUI_LOG__MAX; r++) {
        l->ring[r].e = calloc(l->cap, sizeof(struct tui_reqlog_entry));
        if (l->ring[r].e == NULL) {
            tui_reqlog_free(l);
            return NULL;
        }
    }
    return l;
}

void tui_reqlog_free(struct tui_reqlog *l)
{
    if (l == NULL)
        return;
    for (int r = 0; r < TUI_LOG__MAX; r++)
        free(l->ring[r].e);
    free(l);
}

void tui_reqlog_clear(struct tui_reqlog *l)
{
    for (int r = 0; r < TUI_LOG__MAX; r++)
        l->ring[r].head = l->ring[r].n = 0;
    l->nfaults = 0;
}

/* The ring's next slot (the oldest entry's when full), numbered. */
static struct tui_reqlog_entry *reqlog_slot(struct tui_reqlog *l,
                                            enum tui_reqlog_ring r)
{
    struct ring *g = &l->ring[r];
    struct tui_reqlog_entry *slot;

    if (g->n < l->cap) {
        slot = &g->e[(g->head + g->n++) % l->cap];
    } else {
        slot = &g->e[g->head];
        g->head = (g->head + 1) % l->cap;
    }
    return slot;
}

void tui_reqlog_add(struct tui_reqlog *l, enum tui_reqlog_ring r,
                    const struct tui_reqlog_entry *e)
{
    struct tui_reqlog_entry *slot = reqlog_slot(l, r);

    *slot = *e;
    if (slot->seq == 0)
        slot->seq = ++l->seq;
    else if (slot->seq > l->seq)
        l->seq = slot->seq;
}

size_t tui_reqlog_count(const struct tui_reqlog *l, enum tui_reqlog_ring r)
{
    return l->ring[r].n;
}

const struct tui_reqlog_entry *tui_reqlog_get(const struct tui_reqlog *l,
                                              enum tui_reqlog_ring r,
                                              size_t i)
{
    const struct ring *g = &l->ring[r];

    return i < g->n ? &g->e[(g->head + i) % l->cap] : NULL;
}

uint64_t tui_reqlog_seq(const struct tui_reqlog *l)
{
    return l->seq;
}

static void reqlog_fill(struct tui_reqlog_entry *e, const struct bk_req *req)
{
    e->id = req->id;
    e->op = req->op;
    e->offset = req->offset;
    e->bytes = req->bytes;
    e->src_kind = req->source != NULL ? (int)req->source->kind : -1;
    e->src_id = req->source != NULL ? req->source->id : 0;
}

/* Every completion passes here, on the loop thread, under load too: the
 * entry is written in place, its strings left empty, nothing copied. */
void tui_reqlog_req_end(struct tui_reqlog *l, const struct bk_req *req)
{
    struct tui_reqlog_entry *e = reqlog_slot(l, TUI_LOG_DONE);

    e->seq = ++l->seq;
    reqlog_fill(e, req);
    e->t_ns = req->complete_ns;
    e->lat_ns = req->complete_ns - req->submit_ns;
    e->ret = req->ret;
    e->rule = 0;
    e->resumed = false;
    e->tag[0] = e->event[0] = '\0';
    if (req->ret >= 0)
        return;
    /* The newest fault noted for it names the rule. */
    for (size_t i = l->nfaults; i > 0 && l->nfaults - i < REQLOG_FAULTS;
         i--) {
        const struct pending_fault *f = &l->faults[(i - 1) % REQLOG_FAULTS];

        if (f->id == req->id) {
            e->rule = f->rule;
            break;
        }
    }
    tui_reqlog_add(l, TUI_LOG_ERROR, &(struct tui_reqlog_entry){
        .id = e->id, .op = e->op, .offset = e->offset, .bytes = e->bytes,
        .t_ns = e->t_ns, .lat_ns = e->lat_ns, .ret = e->ret,
        .rule = e->rule, .src_kind = e->src_kind, .src_id = e->src_id });
}

void tui_reqlog_fault(struct tui_reqlog *l, const struct bk_fault *f)
{
    if (f->req == NULL || f->error == 0 || f->rule == 0)
        return;
    l->faults[l->nfaults % REQLOG_FAULTS] =
        (struct pending_fault){ f->req->id, f->rule };
    l->nfaults++;
}

void tui_reqlog_debug(struct tui_reqlog *l, enum bk_debug_note note,
                      const char *tag, const struct bk_req *req)
{
    struct tui_reqlog_entry e = { 0 };

    if (req != NULL) {
        reqlog_fill(&e, req);
        snprintf(e.event, sizeof(e.event), "%s",
                 req->suspend_event ? req->suspend_event : "");
    }
    e.t_ns = bk_now_ns();
    e.resumed = note == BK_NOTE_RESUMED;
    if (e.resumed && req != NULL && req->suspend_ns > 0)
        e.lat_ns = e.t_ns - req->suspend_ns;
    snprintf(e.tag, sizeof(e.tag), "%s", tag ? tag : "");
    tui_reqlog_add(l, TUI_LOG_SUSP, &e);
}
