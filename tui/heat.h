/*
 * heat.h — "recently touched" ranges of the image, fading with time.
 *
 * Every completed read or write is *noted* as a touch: a byte range, a kind
 * (read or write) and a time.  Touches live in a fixed ring, so memory is
 * bounded whatever the request rate; when the ring is full the oldest touch
 * is forgotten early.  A touch's *intensity* falls linearly from 255 when
 * it happens to 0 after fade_ns.
 *
 * Sequential streams would flood the ring with tiny touches, so a touch
 * that continues or overlaps the newest touch of the same kind, within
 * merge_ns of it, is merged into it (range union, time = now).  The price:
 * a merged range looks as fresh as its newest part, an error of at most
 * merge_ns in its age.
 *
 * Rendering maps each live touch onto the cells of a view and keeps, per
 * cell and kind, the highest intensity: O(touches + cells touched).
 */
#ifndef BLKMON_TUI_HEAT_H
#define BLKMON_TUI_HEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "tui/viewport.h"

enum tui_heat_kind { TUI_HEAT_READ, TUI_HEAT_WRITE, TUI_HEAT__MAX };

struct tui_heat;

/* capacity touches (0: 512); fade_ns 0: 3 s; merge_ns 0: fade_ns / 16. */
struct tui_heat *tui_heat_new(size_t capacity, int64_t fade_ns,
                              int64_t merge_ns);
void tui_heat_free(struct tui_heat *h);

void tui_heat_note(struct tui_heat *h, enum tui_heat_kind kind,
                   int64_t offset, int64_t bytes, int64_t now_ns);
/*
 * A completed request at req->complete_ns: reads are reads; writes,
 * write-zeroes and discards are writes; flush and truncate touch no range.
 */
void tui_heat_note_req(struct tui_heat *h, const struct bk_req *req);
/* Forget everything (a new image). */
void tui_heat_clear(struct tui_heat *h);

/* 255 at age 0, falling linearly to 0 at fade_ns. */
uint8_t tui_heat_intensity(const struct tui_heat *h, int64_t age_ns);
/* Touches still visible at now_ns: the TUI keeps redrawing while true. */
bool tui_heat_active(const struct tui_heat *h, int64_t now_ns);
size_t tui_heat_count(const struct tui_heat *h);

/*
 * Per-cell intensity of the view's v->ncells cells; out[kind] arrays of
 * ncells each (either may be NULL).  Cells no touch reaches get 0.
 */
void tui_heat_render(const struct tui_heat *h, const struct tui_view *v,
                     int64_t now_ns, uint8_t *out[TUI_HEAT__MAX]);

/* Visit the touches still visible at now_ns, oldest first (to copy them
 * elsewhere: an attached TUI's heat is the watched blkmon's). */
void tui_heat_for_each(const struct tui_heat *h, int64_t now_ns,
                       void (*fn)(enum tui_heat_kind kind, int64_t offset,
                                  int64_t bytes, int64_t t_ns, void *arg),
                       void *arg);

/* Bucket an intensity into one of nlevels shades (1..nlevels; 0 = none). */
int tui_heat_level(uint8_t intensity, int nlevels);

#endif
