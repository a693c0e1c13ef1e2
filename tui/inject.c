/*
 * inject.c — inject-rule targets.  See inject.h.
 *
 * rules/ does not yet say which sectors its rules target: until it exports
 * a walk over its inject-error rules (event, sector, errno, once), there
 * is nothing to mark and this answers none.  The pane's marking itself
 * (marks.c, TUI_MARK_INJECT) is in place and tested.
 */
#include "tui/inject.h"

size_t tui_inject_ranges(struct bk_dev *dev, struct tui_inject_range *out,
                         size_t max)
{
    (void)out;
    (void)max;
    if (dev == NULL || bk_dev_rules(dev) == NULL)
        return 0;
    return 0;
}
