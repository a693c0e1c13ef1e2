/*
 * viewport.h — which bytes of the image the Allocation pane shows, and how
 * they map onto its cells.
 *
 * A view is a window [start, start+span) of an image of length bytes, cut
 * into ncells cells.  Cell i covers [edge(i), edge(i+1)) with
 * edge(i) = start + floor(i * span / ncells): cells differ by at most one
 * byte, and the last cell ends exactly at start+span.  Zooming halves or
 * doubles span around a focus cell, panning moves start; both clamp so the
 * view stays inside the image and no cell is smaller than min_cell bytes
 * (a sector, by default), unless the whole image is smaller than that.
 *
 * The struct is a plain value: copy it, compare it, keep it per pane.
 */
#ifndef BLKMON_TUI_VIEWPORT_H
#define BLKMON_TUI_VIEWPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_VIEW_MIN_CELL 512

struct tui_view {
    int64_t length;     /* image length */
    int64_t start;      /* first byte shown */
    int64_t span;       /* bytes shown */
    size_t ncells;      /* cells in the pane (>= 1) */
    int64_t min_cell;   /* smallest bytes per cell when zoomed in */
};

/* The whole image over ncells cells; min_cell 0 means TUI_VIEW_MIN_CELL. */
void tui_view_init(struct tui_view *v, int64_t length, size_t ncells,
                   int64_t min_cell);
/* The pane changed size: keep start and span, re-clamp. */
void tui_view_resize(struct tui_view *v, size_t ncells);
/* The image changed size (truncate): a whole-image view stays whole. */
void tui_view_set_length(struct tui_view *v, int64_t length);

/* steps > 0 zooms in by 2^steps, < 0 out; the byte under focus_cell stays
 * under it where clamping allows.  Returns true when the view changed. */
bool tui_view_zoom(struct tui_view *v, int steps, size_t focus_cell);
/* Move by cells (negative: towards offset 0). */
bool tui_view_pan(struct tui_view *v, int64_t cells);
/* Move by whole screens. */
bool tui_view_page(struct tui_view *v, int pages);
/* Show the whole image. */
bool tui_view_whole(struct tui_view *v);
/* Put offset in the middle of the view, keeping the zoom. */
bool tui_view_center(struct tui_view *v, int64_t offset);

/* floor(i * span / n) + start, exact for any int64 span (no overflow). */
int64_t tui_view_edge(int64_t start, int64_t span, size_t i, size_t n);
/* Left edge of cell i (i == ncells gives the end of the view). */
int64_t tui_view_cell_start(const struct tui_view *v, size_t i);
int64_t tui_view_end(const struct tui_view *v);
/* The cell holding offset, or -1 when offset is not in view. */
long tui_view_cell_of(const struct tui_view *v, int64_t offset);
/*
 * Cells touched by [offset, offset+bytes) (bytes 0 counts as one byte, so a
 * flush at an offset still shows); false when none is in view.
 */
bool tui_view_cells_of(const struct tui_view *v, int64_t offset,
                       int64_t bytes, size_t *first, size_t *last);
/* Bytes per cell, for the pane title. */
double tui_view_cell_bytes(const struct tui_view *v);

#endif
