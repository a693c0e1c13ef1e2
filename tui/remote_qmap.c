/*
 * remote_qmap.c — the mirror of a format image's views and sub-requests
 * (see remote_qmap.h; the frame layout is at the top of control/view.c).
 *
 * "layers" is absent from a frame when nothing changed, null when the
 * image has no layers, else both views whole.  Sub-requests come with
 * every frame, as the requests do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/remote_qmap.h"

struct rqmap_sub {
    int64_t req_id;              /* -1: the format's own work */
    char what[40];               /* "" when it had no event yet */
    struct bk_subreq sub;
};

struct tui_rqmap {
    struct tui_layers *layers;
    struct rqmap_sub *subs;
    size_t nsubs;
};

void tui_rqmap_free(struct tui_rqmap *q)
{
    if (q == NULL)
        return;
    tui_layers_free(q->layers);
    free(q->subs);
    free(q);
}

/* [length, err, [[offset, length, kind], ...]] */
static void mirror_view(struct tui_layers *l, enum tui_layers_which w,
                        const struct json_value *a)
{
    const struct json_value *list;
    struct tui_run *runs;
    size_t n = 0;

    if (a == NULL || a->type != JSON_ARRAY || a->n < 3 ||
        a->items[2].type != JSON_ARRAY)
        return;
    list = &a->items[2];
    runs = calloc(list->n ? list->n : 1, sizeof(*runs));
    if (runs == NULL)
        abort();
    for (size_t i = 0; i < list->n; i++) {
        const struct json_value *r = &list->items[i];

        if (r->type != JSON_ARRAY || r->n < 3)
            continue;
        runs[n++] = (struct tui_run){ r->items[0].i, r->items[1].i,
                                      (uint8_t)r->items[2].i };
    }
    tui_layers_set_runs(l, w, a->items[0].i, (int)a->items[1].i, runs, n);
    free(runs);
}

static void mirror_subs(struct tui_rqmap *q, const struct json_value *list)
{
    size_t n = list != NULL && list->type == JSON_ARRAY ? list->n : 0;

    free(q->subs);
    q->subs = calloc(n ? n : 1, sizeof(*q->subs));
    if (q->subs == NULL)
        abort();
    q->nsubs = 0;
    for (size_t i = 0; i < n; i++) {
        const struct json_value *a = &list->items[i];
        struct rqmap_sub *x = &q->subs[q->nsubs];
        const char *what;

        if (a->type != JSON_ARRAY || a->n < 7)
            continue;
        x->req_id = a->items[0].type == JSON_NULL ? -1 : a->items[0].i;
        what = json_str(&a->items[1]);
        snprintf(x->what, sizeof(x->what), "%s", what != NULL ? what : "");
        x->sub = (struct bk_subreq){
            .op = (unsigned)a->items[2].i < BK_OP__MAX
                  ? (enum bk_op)a->items[2].i : BK_OP_READ,
            .offset = a->items[3].i, .bytes = a->items[4].i,
            .at_event = json_true(&a->items[5]),
            .layer = (int)a->items[6].i,
        };
        q->nsubs++;
    }
}

void tui_rqmap_mirror(struct tui_rqmap **qp, const struct json_value *frame)
{
    const struct json_value *l = json_get(frame, "layers");
    const struct json_value *rq = json_get(frame, "requests");
    struct tui_rqmap *q = *qp;

    if (q == NULL) {
        q = calloc(1, sizeof(*q));
        if (q == NULL)
            abort();
        *qp = q;
    }
    if (l != NULL && l->type != JSON_OBJECT) {
        tui_layers_free(q->layers);
        q->layers = NULL;
    } else if (l != NULL) {
        if (q->layers == NULL)
            q->layers = tui_layers_new();
        if (q->layers == NULL)
            abort();
        mirror_view(q->layers, TUI_LAYERS_GUEST, json_get(l, "guest"));
        mirror_view(q->layers, TUI_LAYERS_HOST, json_get(l, "host"));
    }
    mirror_subs(q, json_get(rq, "subs"));
}

const struct tui_layers *tui_rqmap_layers(const struct tui_rqmap *q)
{
    return q != NULL ? q->layers : NULL;
}

void tui_rqmap_for_each_subreq(const struct tui_rqmap *q,
                               const struct bk_req *(*find)(void *ctx,
                                                            uint64_t id),
                               void *ctx,
                               void (*fn)(const struct bk_subreq *sub,
                                          void *arg),
                               void *arg)
{
    for (size_t i = 0; q != NULL && i < q->nsubs; i++) {
        struct bk_subreq s = q->subs[i].sub;

        s.what = q->subs[i].what[0] != '\0' ? q->subs[i].what : NULL;
        s.req = q->subs[i].req_id >= 0
                ? find(ctx, (uint64_t)q->subs[i].req_id) : NULL;
        fn(&s, arg);
    }
}
