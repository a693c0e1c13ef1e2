/*
 * pane_qmap.c — the Allocation pane of a format image (qcow2): the guest
 * view, or the host view of its file (tui/layers.h), "map-view" switches.
 *
 * A cell shows the kind that covers most of it, as a letter, so that the
 * layout reads even without colour: in the guest view data, 0 (zero
 * clusters), b (read from the backing file), and holes where nothing is
 * allocated; in the host view H header, 1 L1 table, 2 L2 tables, T the
 * refcount table, R refcount blocks, S snapshots, B bitmaps, data, C
 * compressed data, ! leaked, holes where the file is free.  Heat and the
 * markers of requests lie over the guest view as over a raw image; over
 * the host view, the format's own I/O in progress is marked where it
 * reads or writes the file.  The legend row names the kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/marks.h"
#include "tui/panel.h"
#include "tui/qmap.h"
#include "tui/screen.h"

struct qmap_kind {
    const char *glyph;           /* NULL: the glyph set's data / hole */
    bool hole;
    enum tui_role role;
    const char *label;           /* in the legend */
};

static const struct qmap_kind qmap_guest[TUI_GUEST__MAX] = {
    [TUI_GUEST_UNALLOCATED] = { NULL, true, TUI_R_CELL_HOLE, "unallocated" },
    [TUI_GUEST_DATA] = { NULL, false, TUI_R_CELL_DATA, "data" },
    [TUI_GUEST_ZERO] = { "0", false, TUI_R_CELL_MIXED, "zero" },
    [TUI_GUEST_BACKING] = { "b", false, TUI_R_DIM, "backing" },
};

static const struct qmap_kind qmap_host[BK_LAYOUT__MAX] = {
    [BK_LAYOUT_FREE] = { NULL, true, TUI_R_CELL_HOLE, "free" },
    [BK_LAYOUT_HEADER] = { "H", false, TUI_R_CELL_MIXED, "header" },
    [BK_LAYOUT_L1] = { "1", false, TUI_R_CELL_MIXED, "L1" },
    [BK_LAYOUT_L2] = { "2", false, TUI_R_CELL_MIXED, "L2" },
    [BK_LAYOUT_REFTABLE] = { "T", false, TUI_R_CELL_MIXED, "reftable" },
    [BK_LAYOUT_REFBLOCK] = { "R", false, TUI_R_CELL_MIXED, "refblock" },
    [BK_LAYOUT_SNAPSHOT] = { "S", false, TUI_R_CELL_MIXED, "snapshot" },
    [BK_LAYOUT_BITMAP] = { "B", false, TUI_R_CELL_MIXED, "bitmap" },
    [BK_LAYOUT_DATA] = { NULL, false, TUI_R_CELL_DATA, "data" },
    [BK_LAYOUT_COMPRESSED] = { "C", false, TUI_R_CELL_DATA, "compressed" },
    [BK_LAYOUT_OTHER] = { "!", false, TUI_R_ERROR, "leaked" },
};

/* The frame's cells, grown to the pane (one TUI per process). */
static struct tui_kcell *qmap_cells;
static size_t qmap_cap;

static const struct qmap_kind *qmap_kinds(bool host, size_t *n)
{
    *n = host ? BK_LAYOUT__MAX : TUI_GUEST__MAX;
    return host ? qmap_host : qmap_guest;
}

static const char *qmap_glyph(const struct qmap_kind *k)
{
    const struct tui_glyphs *g = tui_scr.g;

    return k->glyph != NULL ? k->glyph : k->hole ? g->hole : g->data;
}

bool tui_qmap_active(struct tui *t)
{
    return tui_model_layers(t) != NULL;
}

struct tui_view *tui_qmap_view(struct tui *t)
{
    return tui_qmap_active(t) && t->ps.host_view && t->ps.hview_ok
           ? &t->ps.hview : NULL;
}

int tui_qmap_set_host(struct tui *t, int host)
{
    if (!tui_qmap_active(t))
        return -1;
    t->ps.host_view = host < 0 ? !t->ps.host_view : host != 0;
    return 0;
}

struct qmap_marking {
    const struct tui_view *view;
    uint8_t *marks;
};

static void qmap_mark_sub(const struct bk_subreq *sub, void *arg)
{
    const struct qmap_marking *m = arg;

    /* Only the image's own file: the offsets of a backing file's I/O, or
     * of a request waiting at an event, are not this file's. */
    if (sub->layer != 0 || sub->at_event)
        return;
    tui_marks_add(m->marks, m->view, sub->offset, sub->bytes,
                  TUI_MARK_OUTSTANDING);
}

static void qmap_mark_req(const struct bk_req *req, void *arg)
{
    const struct qmap_marking *m = arg;

    tui_marks_add(m->marks, m->view, req->offset,
                  req->op == BK_OP_TRUNCATE ? 0 : req->bytes,
                  req->state == BK_REQ_SUSPENDED ? TUI_MARK_SUSPENDED
                                                 : TUI_MARK_OUTSTANDING);
}

static void qmap_legend(bool host, int y, int x, int w)
{
    size_t n;
    const struct qmap_kind *k = qmap_kinds(host, &n);
    int used = tui_putf(y, x, w, TUI_R_DIM, "%s ", host ? "host" : "guest");

    for (size_t i = 0; i < n; i++) {
        int need = 1 + 1 + (int)strlen(k[i].label) + 1;

        if (used + need > w)
            break;
        used += tui_put(y, x + used, w - used, k[i].role, qmap_glyph(&k[i]));
        used += tui_putf(y, x + used, w - used, TUI_R_DIM, " %s ",
                         k[i].label);
    }
}

/* Keep view matching length and the pane's cells. */
static void qmap_fit(struct tui_view *v, bool *ok, int64_t length, size_t n)
{
    if (!*ok) {
        tui_view_init(v, length, n, 0);
        *ok = true;
    } else if (v->ncells != n) {
        tui_view_resize(v, n);
    }
    if (v->length != length)
        tui_view_set_length(v, length);
}

void tui_qmap_draw(struct tui *t, struct tui_rect in, char *info,
                   size_t infosize, struct tui_alloc_scratch *sc)
{
    const struct tui_layers *l = tui_model_layers(t);
    struct tui_pane_state *ps = &t->ps;
    bool host = ps->host_view;
    enum tui_layers_which which = host ? TUI_LAYERS_HOST : TUI_LAYERS_GUEST;
    int rows = in.h >= 3 ? in.h - 1 : in.h;
    size_t n = (size_t)in.w * (size_t)(rows > 0 ? rows : 0), nk;
    const struct qmap_kind *kinds = qmap_kinds(host, &nk);
    int64_t length = tui_layers_length(l, which), totals[BK_LAYOUT__MAX];
    struct tui_view *v = host ? &ps->hview : &ps->view;
    char a[16], b[16], c[16], d[16];

    if (n == 0) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM, "pane too small");
        return;
    }
    if (host && tui_layers_error(l, which) != 0) {
        tui_putf(in.y, in.x, in.w, TUI_R_DIM, "host view unavailable: %s",
                 strerror(-tui_layers_error(l, which)));
        return;
    }
    qmap_fit(v, host ? &ps->hview_ok : &ps->view_ok, length, n);
    if (n > qmap_cap) {
        struct tui_kcell *cells = realloc(qmap_cells, n * sizeof(*cells));

        if (cells == NULL)
            tui_screen_fatal("out of memory");
        qmap_cells = cells;
        qmap_cap = n;
    }
    tui_layers_classify(l, which, v->start, tui_view_end(v), n, qmap_cells);
    memset(sc->marks, 0, n);
    if (host) {
        memset(sc->heat[TUI_HEAT_WRITE], 0, n);
        memset(sc->heat[TUI_HEAT_READ], 0, n);
        tui_model_for_each_subreq(t, qmap_mark_sub,
                                  &(struct qmap_marking){ v, sc->marks });
    } else {
        tui_heat_render(t->w.heat, v, bk_now_ns(), sc->heat);
        tui_model_for_each_req(t, qmap_mark_req,
                               &(struct qmap_marking){ v, sc->marks });
    }
    for (int y = 0; y < rows; y++) {
        for (int x = 0; x < in.w; x++) {
            size_t i = (size_t)y * (size_t)in.w + (size_t)x;
            const struct tui_kcell *kc = &qmap_cells[i];
            const struct tui_glyphs *g = tui_scr.g;
            const char *glyph = " ";
            enum tui_role role = TUI_R_CELL_NONE;
            int lw = tui_heat_level(sc->heat[TUI_HEAT_WRITE][i], 2);
            int lr = tui_heat_level(sc->heat[TUI_HEAT_READ][i], 2);

            if (!kc->none && kc->kind < nk) {
                glyph = qmap_glyph(&kinds[kc->kind]);
                role = kinds[kc->kind].role;
            }
            if (lw > 0)
                role = lw == 2 ? TUI_R_RECENT_WRITE
                               : TUI_R_RECENT_WRITE_FADING;
            else if (lr > 0)
                role = lr == 2 ? TUI_R_RECENT_READ : TUI_R_RECENT_READ_FADING;
            if (sc->marks[i] == TUI_MARK_SUSPENDED) {
                glyph = g->mark_suspended;
                role = TUI_R_MARK_SUSPENDED;
            } else if (sc->marks[i] == TUI_MARK_OUTSTANDING) {
                glyph = g->mark_outstanding;
                role = TUI_R_MARK_OUTSTANDING;
            }
            tui_put(in.y + y, in.x + x, 1, role, glyph);
        }
    }
    if (rows < in.h)
        qmap_legend(host, in.y + rows, in.x, in.w);

    tui_layers_totals(l, which, totals, BK_LAYOUT__MAX);
    tui_fmt_size(a, sizeof(a), v->start);
    tui_fmt_size(b, sizeof(b), tui_view_end(v));
    tui_fmt_size(c, sizeof(c), (int64_t)tui_view_cell_bytes(v));
    /* The view first: the title may be cut. */
    if (host)
        snprintf(info, infosize, "host, file %s, cell %s, %s-%s",
                 tui_fmt_size(d, sizeof(d), length), c, a, b);
    else
        snprintf(info, infosize, "guest, data %s, cell %s, %s-%s",
                 tui_fmt_size(d, sizeof(d), totals[TUI_GUEST_DATA]), c, a,
                 b);
}
