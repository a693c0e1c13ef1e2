/*
 * pane_alloc.c — the Allocation pane: the image scaled onto the pane.
 *
 * Cells run left to right, top to bottom, each a byte range of the view
 * (viewport.h).  A cell's glyph says data, hole or mixed (how much data);
 * its colour says whether it was written or read lately (heat.h, fading);
 * a marker replaces the glyph where a request is outstanding or parked, or
 * an inject rule aims (marks.h).  The last row is a legend when there is
 * room.  A frame costs O(cells x log extents + touches + requests), never
 * a scan of the image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/fmt.h"
#include "tui/inject.h"
#include "tui/marks.h"
#include "tui/panel.h"
#include "tui/qmap.h"
#include "tui/screen.h"

#define ALLOC_MAX_INJECT 256

/* The frame's scratch (the TUI's, see app.h), grown to the pane. */
static void alloc_grow(struct tui_alloc_scratch *sc, size_t n)
{
    if (n <= sc->cap)
        return;
    sc->cells = realloc(sc->cells, n * sizeof(*sc->cells));
    sc->marks = realloc(sc->marks, n);
    for (int k = 0; k < TUI_HEAT__MAX; k++)
        sc->heat[k] = realloc(sc->heat[k], n);
    if (sc->cells == NULL || sc->marks == NULL || sc->heat[0] == NULL ||
        sc->heat[1] == NULL)
        tui_screen_fatal("out of memory");
    sc->cap = n;
}

void tui_alloc_scratch_free(struct tui_alloc_scratch *sc)
{
    free(sc->cells);
    free(sc->marks);
    for (int k = 0; k < TUI_HEAT__MAX; k++)
        free(sc->heat[k]);
    *sc = (struct tui_alloc_scratch){ 0 };
}

struct alloc_marking {
    const struct tui_view *view;
    uint8_t *marks;
};

static void alloc_mark_req(const struct bk_req *req, void *arg)
{
    const struct alloc_marking *m = arg;

    tui_marks_add(m->marks, m->view, req->offset,
                  req->op == BK_OP_TRUNCATE ? 0 : req->bytes,
                  req->state == BK_REQ_SUSPENDED ? TUI_MARK_SUSPENDED
                                                 : TUI_MARK_OUTSTANDING);
}

/* Keep the view matching the image and the pane; false without an image. */
static bool alloc_view(struct tui *t, size_t ncells)
{
    struct tui_pane_state *ps = &t->ps;

    if (!tui_model_image(t, NULL) || ncells == 0)
        return false;
    if (!ps->view_ok) {
        tui_view_init(&ps->view, t->w.length, ncells, 0);
        ps->view_ok = true;
    } else if (ps->view.ncells != ncells) {
        tui_view_resize(&ps->view, ncells);
    }
    if (ps->view.length != t->w.length)
        tui_view_set_length(&ps->view, t->w.length);
    return true;
}

static enum tui_role alloc_role(const struct tui_cell *c, uint8_t w,
                                uint8_t r)
{
    int lw = tui_heat_level(w, 2), lr = tui_heat_level(r, 2);

    if (lw > 0)
        return lw == 2 ? TUI_R_RECENT_WRITE : TUI_R_RECENT_WRITE_FADING;
    if (lr > 0)
        return lr == 2 ? TUI_R_RECENT_READ : TUI_R_RECENT_READ_FADING;
    switch (c->kind) {
    case TUI_CELL_DATA:  return TUI_R_CELL_DATA;
    case TUI_CELL_MIXED: return TUI_R_CELL_MIXED;
    case TUI_CELL_HOLE:  return TUI_R_CELL_HOLE;
    default:             return TUI_R_CELL_NONE;
    }
}

static void alloc_legend(int y, int x, int w)
{
    const struct tui_glyphs *g = tui_scr.g;
    static const struct { int which; enum tui_role role; const char *label; }
        items[] = {
        { 0, TUI_R_CELL_DATA, "data" },
        { 1, TUI_R_CELL_MIXED, "mixed" },
        { 2, TUI_R_CELL_HOLE, "hole" },
        { 0, TUI_R_RECENT_WRITE, "written" },
        { 0, TUI_R_RECENT_READ, "read" },
        { 3, TUI_R_MARK_OUTSTANDING, "in flight" },
        { 4, TUI_R_MARK_SUSPENDED, "suspended" },
        { 5, TUI_R_MARK_INJECT, "inject" },
    };
    int used = 0;

    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        const char *glyph = items[i].which == 0 ? g->data
                          : items[i].which == 1 ? g->mixed[1]
                          : items[i].which == 2 ? g->hole
                          : items[i].which == 3 ? g->mark_outstanding
                          : items[i].which == 4 ? g->mark_suspended
                          : g->mark_inject;
        int need = 1 + 1 + (int)strlen(items[i].label) + 1;

        if (used + need > w)
            break;
        used += tui_put(y, x + used, w - used, items[i].role, glyph);
        used += tui_putf(y, x + used, w - used, TUI_R_DIM, " %s ",
                         items[i].label);
    }
}

static void alloc_draw(struct tui *t, struct tui_rect in, bool focus,
                       char *info, size_t infosize)
{
    const struct tui_glyphs *g = tui_scr.g;
    struct tui_pane_state *ps = &t->ps;
    struct tui_alloc_scratch *sc = &t->alloc_scratch;
    struct tui_inject_range inj[ALLOC_MAX_INJECT];
    int rows = in.h >= 3 ? in.h - 1 : in.h;
    size_t n = (size_t)in.w * (size_t)(rows > 0 ? rows : 0), ninj;
    char a[16], b[16], c[16];

    (void)focus;
    if (tui_qmap_active(t)) {
        if (n > 0)
            alloc_grow(sc, n);
        tui_qmap_draw(t, in, info, infosize, sc);
        return;
    }
    if (!alloc_view(t, n)) {
        tui_put(in.y, in.x, in.w, TUI_R_DIM,
                !tui_model_image(t, NULL) ? "no image open (try: open FILE)"
                                 : "pane too small");
        return;
    }
    alloc_grow(sc, n);
    if (t->w.map != NULL)
        tui_extmap_classify(t->w.map, ps->view.start,
                            tui_view_end(&ps->view), n, sc->cells);
    else
        for (size_t i = 0; i < n; i++)
            sc->cells[i] = (struct tui_cell){ TUI_CELL_MIXED, 1, 2 };
    tui_heat_render(t->w.heat, &ps->view, bk_now_ns(), sc->heat);
    memset(sc->marks, 0, n);
    ninj = tui_inject_ranges(t, inj, ALLOC_MAX_INJECT);
    for (size_t i = 0; i < ninj; i++)
        tui_marks_add(sc->marks, &ps->view, inj[i].offset, inj[i].bytes,
                      TUI_MARK_INJECT);
    tui_model_for_each_req(t, alloc_mark_req,
                           &(struct alloc_marking){ &ps->view, sc->marks });

    for (int y = 0; y < rows; y++) {
        move(in.y + y, in.x);
        for (int x = 0; x < in.w; x++) {
            size_t i = (size_t)y * (size_t)in.w + (size_t)x;
            const char *glyph = tui_glyphs_cell(g, &sc->cells[i]);
            enum tui_role role = alloc_role(&sc->cells[i],
                                            sc->heat[TUI_HEAT_WRITE][i],
                                            sc->heat[TUI_HEAT_READ][i]);

            switch (sc->marks[i]) {
            case TUI_MARK_SUSPENDED:
                glyph = g->mark_suspended;
                role = TUI_R_MARK_SUSPENDED;
                break;
            case TUI_MARK_OUTSTANDING:
                glyph = g->mark_outstanding;
                role = TUI_R_MARK_OUTSTANDING;
                break;
            case TUI_MARK_INJECT:
                glyph = g->mark_inject;
                role = TUI_R_MARK_INJECT;
                break;
            default:
                break;
            }
            tui_put(in.y + y, in.x + x, 1, role, glyph);
        }
    }
    if (rows < in.h)
        alloc_legend(in.y + rows, in.x, in.w);

    tui_fmt_size(a, sizeof(a), ps->view.start);
    tui_fmt_size(b, sizeof(b), tui_view_end(&ps->view));
    tui_fmt_size(c, sizeof(c), (int64_t)tui_view_cell_bytes(&ps->view));
    if (t->w.map != NULL && t->w.length > 0) {
        double pct = 100.0 * (double)tui_extmap_data_bytes(t->w.map) /
                     (double)t->w.length;

        char pcts[16];

        /* A few MiB in a TiB must not read as 0.0%. */
        if (pct > 0 && pct < 0.001)
            snprintf(pcts, sizeof(pcts), "<0.001");
        else
            snprintf(pcts, sizeof(pcts), pct > 0 && pct < 1 ? "%.3f" : "%.1f",
                     pct);
        snprintf(info, infosize, "data %s%%, %s-%s, cell %s", pcts, a, b, c);
    }
    else
        snprintf(info, infosize, "%s-%s, cell %s", a, b, c);
}

/* The view zoom and pan act on: a format image's host view when shown. */
static struct tui_view *alloc_cur(struct tui *t)
{
    struct tui_view *v = tui_qmap_view(t);

    return v != NULL ? v : t->ps.view_ok ? &t->ps.view : NULL;
}

bool tui_alloc_zoom(struct tui *t, int steps)
{
    struct tui_view *v = alloc_cur(t);

    return v != NULL && tui_view_zoom(v, steps, v->ncells / 2);
}

bool tui_alloc_whole(struct tui *t)
{
    struct tui_view *v = alloc_cur(t);

    return v != NULL && tui_view_whole(v);
}

bool tui_alloc_pan_rows(struct tui *t, int64_t rows)
{
    struct tui_rect in = tui_inner(t->rect[TUI_PANE_ALLOC]);
    struct tui_view *v = alloc_cur(t);

    return v != NULL && tui_view_pan(v, rows * in.w);
}

bool tui_alloc_page(struct tui *t, int pages)
{
    struct tui_view *v = alloc_cur(t);

    return v != NULL && tui_view_page(v, pages);
}

const struct tui_panel_class tui_panel_alloc = {
    .title = "Allocation",
    .framed = true,
    .focusable = true,
    .draw = alloc_draw,
};
