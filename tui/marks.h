/*
 * marks.h — the markers laid over Allocation cells: where outstanding
 * requests land, where suspended ones are parked, which sectors an inject
 * rule targets.
 *
 * A cell shows one marker, the most urgent: suspended over outstanding over
 * inject (a parked request is what the user came to see; an inject target
 * is static decoration).  Marking costs O(cells covered) per range, so a
 * thousand small requests cost a thousand small loops, not a thousand
 * passes over the pane.
 */
#ifndef BLKMON_TUI_MARKS_H
#define BLKMON_TUI_MARKS_H

#include <stddef.h>
#include <stdint.h>

#include "tui/viewport.h"

/* In increasing priority. */
enum tui_mark {
    TUI_MARK_NONE,
    TUI_MARK_INJECT,
    TUI_MARK_OUTSTANDING,
    TUI_MARK_SUSPENDED,
};

/* Raise the cells of v touched by [offset, offset+bytes) to at least m
 * (bytes 0 marks the one cell holding offset).  marks has v->ncells. */
void tui_marks_add(uint8_t *marks, const struct tui_view *v, int64_t offset,
                   int64_t bytes, enum tui_mark m);

#endif
