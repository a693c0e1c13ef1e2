/*
 * marks.c — request and rule markers on Allocation cells.  See marks.h.
 */
#include "tui/marks.h"

void tui_marks_add(uint8_t *marks, const struct tui_view *v, int64_t offset,
                   int64_t bytes, enum tui_mark m)
{
    size_t first, last;

    if (!tui_view_cells_of(v, offset, bytes, &first, &last))
        return;
    for (size_t i = first; i <= last && i < v->ncells; i++)
        if (marks[i] < (uint8_t)m)
            marks[i] = (uint8_t)m;
}
