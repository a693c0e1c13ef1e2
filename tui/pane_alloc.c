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

struct alloc_legend_item {
    int which;
    enum tui_role role;
    const char *label;
};

static const struct alloc_legend_item alloc_legend_items[] = {
    { 0, TUI_R_CELL_DATA, "data" },
    { 1, TUI_R_CELL_MIXED, "mixed" },
    { 2, TUI_R_CELL_HOLE, "hole" },
    { 0, TUI_R_RECENT_WRITE, "written" },
    { 0, TUI_R_RECENT_READ, "read" },
    { 3, TUI_R_MARK_OUTSTANDING, "in flight" },
    { 4, TUI_R_MARK_SUSPENDED, "parked" },
    { 5, TUI_R_MARK_INJECT, "inject" },
};
#define ALLOC_NLEGEND (sizeof(alloc_legend_items) / \
                       sizeof(alloc_legend_items[0]))

/* The legend, wrapped item by item into as many rows as the width needs:
 * every glyph the map can show is explained, whatever the width.  With
 * draw false, only counts the rows. */
static int alloc_legend(int y, int x, int w, bool draw)
{
    const struct tui_glyphs *g = tui_scr.g;
    int used = 0, rows = 1;

    for (size_t i = 0; i < ALLOC_NLEGEND; i++) {
        const struct alloc_legend_item *it = &alloc_legend_items[i];
        const char *glyph = it->which == 0 ? g->data
                          : it->which == 1 ? g->mixed[1]
                          : it->which == 2 ? g->hole
                          : it->which == 3 ? g->mark_outstanding
                          : it->which == 4 ? g->mark_suspended
                          : g->mark_inject;
        int need = 1 + 1 + (int)strlen(it->label);

        if (used > 0 && used + 1 + need > w) {
            rows++;
            used = 0;
        }
        if (used > 0)
            used++;
        if (draw) {
            tui_put(y + rows - 1, x + used, w - used, it->role, glyph);
            tui_putf(y + rows - 1, x + used + 1, w - used - 1, TUI_R_DIM,
                     " %s", it->label);
        }
        used += need;
    }
    return rows;
}

/*
 * The cell cursor (the pane focused): its cell in reverse, and a line
 * saying what it covers, below the map, which gives up that row (*rows).
 * A cursor the view left behind (a zoom, a pan) comes back to the middle.
 */
static void alloc_draw_cursor(struct tui *t, struct tui_rect in, int rows,
                              int *maprows)
{
    struct tui_pane_state *ps = &t->ps;
    struct tui_alloc_scratch *sc = &t->alloc_scratch;
    long i = tui_view_cell_of(&ps->view, ps->cursor);
    const struct tui_cell *c;
    char off[24], len[16], what[64];
    int y, x;

    if (i < 0 || (size_t)i >= (size_t)in.w * (size_t)rows) {
        i = (long)(ps->view.ncells / 2);
        ps->cursor = tui_view_cell_start(&ps->view, (size_t)i);
    }
    c = &sc->cells[i];
    y = in.y + (int)(i / in.w);
    x = in.x + (int)(i % in.w);
    mvchgat(y, x, 1, A_REVERSE, 0, NULL);
    if (c->kind == TUI_CELL_DATA)
        snprintf(what, sizeof(what), "data");
    else if (c->kind == TUI_CELL_HOLE)
        snprintf(what, sizeof(what), "hole");
    else if (c->kind == TUI_CELL_MIXED && c->bytes > 0 &&
             100 * c->data_bytes < c->bytes)
        snprintf(what, sizeof(what), "<1%% data");
    else if (c->kind == TUI_CELL_MIXED && c->bytes > 0)
        snprintf(what, sizeof(what), "%.0f%% data",
                 100.0 * (double)c->data_bytes / (double)c->bytes);
    else
        snprintf(what, sizeof(what), "past the end");
    if (sc->marks[i] == TUI_MARK_SUSPENDED)
        strcat(what, ", parked");
    else if (sc->marks[i] == TUI_MARK_OUTSTANDING)
        strcat(what, ", in flight");
    else if (sc->marks[i] == TUI_MARK_INJECT)
        strcat(what, ", inject");
    tui_fmt_offset(off, sizeof(off),
                   tui_view_cell_start(&ps->view, (size_t)i),
                   t->exact_offsets);
    tui_fmt_size(len, sizeof(len),
                 tui_view_cell_start(&ps->view, (size_t)i + 1) -
                 tui_view_cell_start(&ps->view, (size_t)i));
    tui_putf(in.y + rows, in.x, in.w, TUI_R_VALUE, "%s %s+%s: %s",
             tui_scr.g->pointer, off, len, what);
    *maprows = rows + 1;
}

/* "data 0.006%, 0 B-64 MiB, cell 57.8 KiB" */
static void alloc_info(struct tui *t, char *info, size_t infosize)
{
    struct tui_pane_state *ps = &t->ps;
    char a[16], b[16], c[16];

    if (!ps->view_ok) {
        info[0] = '\0';
        return;
    }
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
    } else {
        snprintf(info, infosize, "%s-%s, cell %s", a, b, c);
    }
}

static void alloc_draw(struct tui *t, struct tui_rect in, bool focus,
                       char *info, size_t infosize)
{
    const struct tui_glyphs *g = tui_scr.g;
    struct tui_pane_state *ps = &t->ps;
    struct tui_alloc_scratch *sc = &t->alloc_scratch;
    struct tui_inject_range inj[ALLOC_MAX_INJECT];
    int legend = alloc_legend(0, 0, in.w, false) + (focus ? 1 : 0), inrow;
    int rows;
    size_t n, ninj;

    if (tui_qmap_active(t)) {
        /* A format image's views (tui/qmap.h) draw themselves. */
        n = (size_t)in.w * (size_t)in.h;
        if (n > 0)
            alloc_grow(sc, n);
        tui_qmap_draw(t, in, info, infosize, sc);
        return;
    }
    alloc_info(t, info, infosize);
    /* A title too long for the frame goes inside, above the legend,
     * wrapped after its commas. */
    inrow = tui_width(info) + 16 > in.w + 2
            ? (tui_width(info) > in.w ? 2 : 1) : 0;
    rows = in.h - legend - inrow >= 3 ? in.h - legend - inrow : in.h;
    n = (size_t)in.w * (size_t)(rows > 0 ? rows : 0);
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
    if (focus && rows > 0 && rows < in.h)
        alloc_draw_cursor(t, in, rows, &rows);
    if (rows < in.h) {
        if (inrow > 0) {
            size_t skip = 1, k = 0;
            char first[128];

            for (const char *p = strstr(info, ", "); p != NULL;
                 p = strstr(p + 1, ", "))
                if ((int)(p - info) + 1 <= in.w)
                    k = (size_t)(p - info) + 1;
            if (k == 0)
                k = tui_wrap(info, in.w, &skip);

            snprintf(first, sizeof(first), "%.*s", (int)k, info);
            tui_put(in.y + rows, in.x, in.w, TUI_R_DIM, first);
            if (inrow > 1)
                tui_put(in.y + rows + 1, in.x, in.w, TUI_R_DIM,
                        info + k + skip);
            info[0] = '\0';
        }
        alloc_legend(in.y + rows + inrow, in.x, in.w, true);
    }
}

/* The view zoom and pan act on: a format image's host view when shown. */
static struct tui_view *alloc_cur(struct tui *t)
{
    struct tui_view *v = tui_qmap_view(t);

    return v != NULL ? v : t->ps.view_ok ? &t->ps.view : NULL;
}

/* Zooms keep the cursor's byte under the cursor (the middle when the
 * cursor is out of view). */
static size_t alloc_focus_cell(struct tui *t)
{
    long i = tui_view_cell_of(&t->ps.view, t->ps.cursor);

    return i >= 0 ? (size_t)i : t->ps.view.ncells / 2;
}

bool tui_alloc_zoom(struct tui *t, int steps)
{
    struct tui_view *v = alloc_cur(t);
    size_t i;
    bool in_view;

    /* The host view has no cell cursor: it zooms around its middle. */
    if (v == NULL || v != &t->ps.view)
        return v != NULL && tui_view_zoom(v, steps, v->ncells / 2);
    i = alloc_focus_cell(t);
    in_view = tui_view_cell_of(v, t->ps.cursor) >= 0;
    if (!tui_view_zoom(v, steps, i))
        return false;
    /* A cell edge at the cursor's byte: its cell then starts there, and
     * what the cursor line says is about that byte on. */
    if (in_view)
        tui_view_center(v, t->ps.cursor - tui_view_edge(0, v->span, i,
                                                         v->ncells) +
                           v->span / 2);
    return true;
}

/* Move the cursor by cells, the view following it. */
bool tui_alloc_cursor(struct tui *t, int64_t cells)
{
    struct tui_view *v = alloc_cur(t);
    long i;
    int64_t step;

    if (v == NULL)
        return false;
    if (v != &t->ps.view)
        return tui_view_pan(v, cells);
    i = tui_view_cell_of(v, t->ps.cursor);
    if (i < 0)
        i = (long)(v->ncells / 2);
    step = v->span / (int64_t)v->ncells > 0 ? v->span / (int64_t)v->ncells
                                            : 1;
    if (i + cells < 0 || i + cells >= (long)v->ncells)
        tui_view_pan(v, cells);
    i = tui_view_cell_of(v, tui_view_cell_start(v, (size_t)i) + cells * step);
    if (i < 0)
        i = cells < 0 ? 0 : (long)v->ncells - 1;
    t->ps.cursor = tui_view_cell_start(v, (size_t)i);
    return true;
}

/* Put offset under the cursor, in the middle of the view. */
bool tui_alloc_goto(struct tui *t, int64_t offset)
{
    if (!t->ps.view_ok || offset < 0 || offset >= t->ps.view.length)
        return false;
    tui_view_center(&t->ps.view, offset);
    t->ps.cursor = offset;
    return true;
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

    if (v != NULL && v != &t->ps.view)
        return tui_view_pan(v, rows * in.w);
    return tui_alloc_cursor(t, rows * in.w);
}

bool tui_alloc_page(struct tui *t, int pages)
{
    struct tui_view *v = alloc_cur(t);

    return v != NULL && tui_view_page(v, pages);
}

/* A click on the map puts the cell cursor there. */
static void alloc_click(struct tui *t, int row, int col)
{
    struct tui_rect in = tui_inner(t->rect[TUI_PANE_ALLOC]);
    size_t i = (size_t)row * (size_t)in.w + (size_t)col;

    if (t->ps.view_ok && i < t->ps.view.ncells)
        t->ps.cursor = tui_view_cell_start(&t->ps.view, i);
}

const struct tui_panel_class tui_panel_alloc = {
    .title = "Allocation",
    .framed = true,
    .focusable = true,
    .draw = alloc_draw,
    .click = alloc_click,
};
