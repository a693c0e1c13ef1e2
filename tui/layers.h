/*
 * layers.h — the two maps of a format image (qcow2): the guest view and
 * the host view.
 *
 * The *guest view* says, for each byte of the virtual disk, where a read
 * finds it: data in the image itself, zeroes the image records (zero
 * clusters), the backing file, or nowhere (unallocated: reads as zeroes).
 * The *host view* says what each byte of the image *file* holds: the
 * header, the L1 table, L2 tables, the refcount table and blocks,
 * snapshots, bitmaps, guest data, compressed data, or nothing (free), or
 * something nothing points at (a leak) — bk_dev_layout's kinds.
 *
 * Both are lists of runs (offset, length, kind) in order, adjacent runs of
 * one kind merged.  The guest view is read once (bk_dev_extents) and then
 * only the ranges requests changed are read again; the host view is read
 * whole (bk_dev_layout) when a request may have moved metadata, at most
 * every so often so that a busy image does not spend its time being
 * looked at.  A frame classifies N cells in O(N log runs + runs).
 *
 * One set serves the local TUI (tui/watch.c feeds it) and the server of
 * attached TUIs (control/view.c sends its runs); an attached TUI fills
 * its own from the frames (tui_layers_set_runs).
 */
#ifndef BLKMON_TUI_LAYERS_H
#define BLKMON_TUI_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

enum tui_layers_which { TUI_LAYERS_GUEST, TUI_LAYERS_HOST, TUI_LAYERS__MAX };

enum tui_guest_kind {
    TUI_GUEST_UNALLOCATED,
    TUI_GUEST_DATA,
    TUI_GUEST_ZERO,
    TUI_GUEST_BACKING,
    TUI_GUEST__MAX
};
extern const char *const tui_guest_names[TUI_GUEST__MAX];

struct tui_run {
    int64_t offset, length;
    uint8_t kind;                /* tui_guest_kind or bk_layout_kind */
};

/* What one cell holds: the kind covering most of it, and whether any
 * other kind shares it. */
struct tui_kcell {
    uint8_t kind;
    bool mixed;
    bool none;                   /* past the end */
};

struct tui_layers;

/*
 * The layers of dev's image, read now; NULL when its format has no host
 * layout to show (raw) or out of memory.
 */
struct tui_layers *tui_layers_open(struct bk_dev *dev);
/* An empty set, to be filled by tui_layers_set_runs (an attached TUI). */
struct tui_layers *tui_layers_new(void);
void tui_layers_free(struct tui_layers *l);

/* A request ended: what it changed is read again at the next refresh. */
void tui_layers_note_req(struct tui_layers *l, const struct bk_req *req);
/*
 * Read again what requests changed (now: the monotonic clock); true when
 * a view changed.  The host view is read at most every
 * max(250 ms, 4 x its last reading's time).
 */
bool tui_layers_refresh(struct tui_layers *l, struct bk_dev *dev,
                        int64_t now);
/* Something waits to be read again (a refresh would change a view). */
bool tui_layers_pending(const struct tui_layers *l);
/* Bumped by every change: a frame sends the runs when it moved. */
uint64_t tui_layers_gen(const struct tui_layers *l);

int64_t tui_layers_length(const struct tui_layers *l,
                          enum tui_layers_which w);
/* The host view's error (-EFBIG: too many clusters to draw), or 0. */
int tui_layers_error(const struct tui_layers *l, enum tui_layers_which w);
size_t tui_layers_runs(const struct tui_layers *l, enum tui_layers_which w,
                       const struct tui_run **runs);
/* Bytes of each kind (the title's summary); kinds past max are ignored. */
void tui_layers_totals(const struct tui_layers *l, enum tui_layers_which w,
                       int64_t *bytes, size_t max);
/* Replace a view whole (runs in order; err as tui_layers_error). */
void tui_layers_set_runs(struct tui_layers *l, enum tui_layers_which w,
                         int64_t length, int err, const struct tui_run *runs,
                         size_t n);

/*
 * Classify the n cells of [start, end) as tui_extmap_classify cuts them:
 * cell i covers [start + i*span/n, start + (i+1)*span/n).
 */
void tui_layers_classify(const struct tui_layers *l, enum tui_layers_which w,
                         int64_t start, int64_t end, size_t n,
                         struct tui_kcell *out);

/* The guest kind of an extent (bk_dev_extents'). */
enum tui_guest_kind tui_layers_guest_kind(const struct bk_extent *ext);

#endif
