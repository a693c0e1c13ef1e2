/*
 * extmap.h — the TUI's in-memory allocation map of an image.
 *
 * The map is the set of *data* byte ranges of an image of a given length;
 * every other byte is a *hole*.  It is built once from the file system's
 * extents (bk_dev_extents) and then kept current from completed requests, so
 * the Allocation pane never rescans a 1 TiB image because one write landed.
 *
 * Ranges are half-open [start, end), disjoint and never adjacent (touching
 * ranges are merged), kept in a treap ordered by start whose nodes also carry
 * the byte total of their subtree.  That sum makes "how many data bytes lie
 * below x" an O(log n) walk, so classifying N cells costs O(N log n) however
 * large the image is.  Updates are O(log n) plus the ranges they swallow
 * (amortised O(log n): an update creates at most two ranges).
 */
#ifndef BLKMON_TUI_EXTMAP_H
#define BLKMON_TUI_EXTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

struct tui_extmap;

/* What one cell of the Allocation pane holds. */
enum tui_cell_kind {
    TUI_CELL_NONE,   /* past the end of the image */
    TUI_CELL_HOLE,   /* no data byte */
    TUI_CELL_DATA,   /* every byte is data */
    TUI_CELL_MIXED,  /* some of each */
};

struct tui_cell {
    enum tui_cell_kind kind;
    int64_t data_bytes;     /* data bytes inside the cell (within the image) */
    int64_t bytes;          /* cell bytes inside the image */
};

/* An empty (all-hole) map of an image of length bytes; NULL if out of memory. */
struct tui_extmap *tui_extmap_new(int64_t length);
void tui_extmap_free(struct tui_extmap *map);

int64_t tui_extmap_length(const struct tui_extmap *map);
/* Number of disjoint data ranges, and their byte total. */
size_t tui_extmap_count(const struct tui_extmap *map);
int64_t tui_extmap_data_bytes(const struct tui_extmap *map);

/*
 * Mark [offset, offset+bytes) as data or as hole; the range is clipped to
 * the image.  Return 0 or -ENOMEM (the map is unchanged on failure).
 */
int tui_extmap_set_data(struct tui_extmap *map, int64_t offset, int64_t bytes);
int tui_extmap_set_hole(struct tui_extmap *map, int64_t offset, int64_t bytes);
/* Change the image length: shrinking drops data past the end, growing adds
 * a hole (prealloc modes that allocate are followed by set_data). */
void tui_extmap_truncate(struct tui_extmap *map, int64_t length);

/*
 * Feed one extent; the signature is bk_dev_extents' callback, arg is the map.
 * To rescan [a, b): tui_extmap_set_hole(map, a, b - a), then
 * bk_dev_extents(dev, a, b - a, tui_extmap_extent_cb, map).
 * Returns -ENOMEM (stops the walk) when out of memory.
 */
int tui_extmap_extent_cb(const struct bk_extent *ext, void *arg);

/*
 * Apply a completed request.  unmap: the device was opened with discard=unmap
 * (BK_O_UNMAP).  Failed requests change nothing.  Returns true when the
 * result is a guess the caller should confirm by rescanning the request's
 * range: the file system may keep partial blocks of a punched range, and may
 * report zeroed ranges either way.
 */
bool tui_extmap_apply_req(struct tui_extmap *map, const struct bk_req *req,
                          bool unmap);

/* Data bytes in [start, end) (clipped to the image): O(log n). */
int64_t tui_extmap_data_in(const struct tui_extmap *map, int64_t start,
                           int64_t end);
/* Is the byte at offset data? */
bool tui_extmap_is_data(const struct tui_extmap *map, int64_t offset);

/*
 * Classify the n cells of the viewport [start, end): cell i covers
 * [start + i*(end-start)/n, start + (i+1)*(end-start)/n), rounded down.
 * A cell narrower than one byte takes the class of the byte at its start.
 */
void tui_extmap_classify(const struct tui_extmap *map, int64_t start,
                         int64_t end, size_t n, struct tui_cell *out);

/*
 * Visit the data ranges that intersect [start, end) in order (unclipped);
 * fn returns nonzero to stop, and that value is returned.
 */
int tui_extmap_walk(const struct tui_extmap *map, int64_t start, int64_t end,
                    int (*fn)(int64_t start, int64_t end, void *arg),
                    void *arg);

#endif
