/*
 * susp.h — when each suspended request was parked.
 *
 * The backend tells the TUI (debug observer) when a request is suspended
 * and resumed, but a bk_req does not carry the time it was parked, and the
 * Suspended pane shows how long each has waited.  This map keeps request id
 * -> suspension time.  A notice can be missed (a request resumed by closing
 * the image, say), so the pane *sweeps*: each walk of the really suspended
 * requests marks what it saw, and tui_susp_sweep drops the rest.
 *
 * A sorted array: ids grow, so a new suspension lands at (or near) the end
 * and lookups are binary searches; thousands of parked requests cost a few
 * KiB and O(log n) per row drawn.
 */
#ifndef BLKMON_TUI_SUSP_H
#define BLKMON_TUI_SUSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tui_susp;

struct tui_susp *tui_susp_new(void);
void tui_susp_free(struct tui_susp *s);

/* Request id was suspended at now_ns (a second notice keeps the first time). */
void tui_susp_note(struct tui_susp *s, uint64_t id, int64_t now_ns);
void tui_susp_forget(struct tui_susp *s, uint64_t id);
/* When id was suspended; false when unknown. */
bool tui_susp_since(const struct tui_susp *s, uint64_t id, int64_t *since_ns);
/*
 * Like tui_susp_since, and marks id as still suspended for the next sweep;
 * an unknown id is added with now_ns (first seen now).
 */
int64_t tui_susp_seen(struct tui_susp *s, uint64_t id, int64_t now_ns);
/* Forget every id not marked by tui_susp_seen since the last sweep. */
void tui_susp_sweep(struct tui_susp *s);
size_t tui_susp_count(const struct tui_susp *s);

#endif
