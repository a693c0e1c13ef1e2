/*
 * viewport.c — zoom and pan arithmetic of the Allocation pane.  See
 * viewport.h for the model.
 *
 * Edges use 128-bit intermediates: span * i overflows int64 once an image
 * passes 2^63 / ncells bytes (about 2 PiB for a 4000-cell pane), and an
 * off-by-one between the drawn cells and the marker cells would show a
 * request in the wrong cell.
 */
#include "tui/viewport.h"

static void clamp(struct tui_view *v)
{
    int64_t min_span;

    if (v->ncells == 0)
        v->ncells = 1;
    if (v->length < 0)
        v->length = 0;
    if (v->min_cell <= 0)
        v->min_cell = TUI_VIEW_MIN_CELL;
    min_span = (int64_t)v->ncells > v->length / v->min_cell
             ? v->length : v->min_cell * (int64_t)v->ncells;
    if (v->span > v->length)
        v->span = v->length;
    if (v->span < min_span)
        v->span = min_span;
    if (v->start > v->length - v->span)
        v->start = v->length - v->span;
    if (v->start < 0)
        v->start = 0;
}

void tui_view_init(struct tui_view *v, int64_t length, size_t ncells,
                   int64_t min_cell)
{
    *v = (struct tui_view){ .length = length, .start = 0, .span = length,
                            .ncells = ncells, .min_cell = min_cell };
    clamp(v);
}

void tui_view_resize(struct tui_view *v, size_t ncells)
{
    v->ncells = ncells;
    clamp(v);
}

void tui_view_set_length(struct tui_view *v, int64_t length)
{
    bool whole = v->start == 0 && v->span == v->length;

    v->length = length;
    if (whole)
        v->span = length;
    clamp(v);
}

static bool changed(const struct tui_view *v, int64_t start, int64_t span)
{
    return v->start != start || v->span != span;
}

bool tui_view_zoom(struct tui_view *v, int steps, size_t focus_cell)
{
    int64_t old_start = v->start, old_span = v->span, focus, span = v->span;

    if (focus_cell >= v->ncells)
        focus_cell = v->ncells - 1;
    /* The middle of the focus cell, so repeated zooms do not drift left. */
    focus = tui_view_edge(v->start, v->span, 2 * focus_cell + 1,
                          2 * v->ncells);
    for (; steps > 0 && span > 1; steps--)
        span /= 2;
    for (; steps < 0 && span < v->length; steps++)
        span = span > v->length / 2 ? v->length : span * 2;
    v->span = span;
    clamp(v);
    v->start = focus - (tui_view_edge(0, v->span, 2 * focus_cell + 1,
                                      2 * v->ncells));
    clamp(v);
    return changed(v, old_start, old_span);
}

bool tui_view_pan(struct tui_view *v, int64_t cells)
{
    int64_t old = v->start, step = v->span / (int64_t)v->ncells;

    if (step < 1)
        step = 1;
    if (cells > 0)
        v->start = cells > (v->length - v->start) / step
                 ? v->length : v->start + cells * step;
    else if (cells < 0)
        v->start = -cells > v->start / step ? 0 : v->start + cells * step;
    clamp(v);
    return v->start != old;
}

bool tui_view_page(struct tui_view *v, int pages)
{
    return tui_view_pan(v, (int64_t)pages * (int64_t)v->ncells);
}

bool tui_view_whole(struct tui_view *v)
{
    int64_t old_start = v->start, old_span = v->span;

    v->start = 0;
    v->span = v->length;
    clamp(v);
    return changed(v, old_start, old_span);
}

bool tui_view_center(struct tui_view *v, int64_t offset)
{
    int64_t old = v->start;

    v->start = offset - v->span / 2;
    clamp(v);
    return v->start != old;
}

int64_t tui_view_edge(int64_t start, int64_t span, size_t i, size_t n)
{
    if (n == 0 || span <= 0)
        return start;
    return start + (int64_t)((unsigned __int128)span * i / n);
}

int64_t tui_view_cell_start(const struct tui_view *v, size_t i)
{
    return tui_view_edge(v->start, v->span, i, v->ncells);
}

int64_t tui_view_end(const struct tui_view *v)
{
    return v->start + v->span;
}

long tui_view_cell_of(const struct tui_view *v, int64_t offset)
{
    unsigned __int128 d;

    if (offset < v->start || offset >= v->start + v->span)
        return -1;
    /* The largest i with edge(i) <= offset. */
    d = (unsigned __int128)(offset - v->start);
    return (long)(((d + 1) * v->ncells - 1) / (unsigned __int128)v->span);
}

bool tui_view_cells_of(const struct tui_view *v, int64_t offset,
                       int64_t bytes, size_t *first, size_t *last)
{
    int64_t end = tui_view_end(v), a, b;

    if (bytes < 1)
        bytes = 1;
    a = offset > v->start ? offset : v->start;
    b = bytes > end - offset ? end : offset + bytes;
    if (a >= b)
        return false;
    *first = (size_t)tui_view_cell_of(v, a);
    *last = (size_t)tui_view_cell_of(v, b - 1);
    return true;
}

double tui_view_cell_bytes(const struct tui_view *v)
{
    return (double)v->span / (double)v->ncells;
}
