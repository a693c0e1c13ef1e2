/*
 * inject.h — the byte ranges blkdebug inject-error rules target, for the
 * Allocation pane's markers.
 *
 * A rule names a sector (or none: every request of its event); the pane
 * marks the cells holding targeted sectors.  The rules live in rules/
 * (struct rules_engine behind bk_dev_rules); this file is the one place
 * that asks them, so the pane does not depend on the engine's layout.
 */
#ifndef BLKMON_TUI_INJECT_H
#define BLKMON_TUI_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

struct tui_inject_range {
    int64_t offset, bytes;
};

/*
 * The ranges targeted by the run's inject-error rules (model.h) (sector rules only: a
 * rule without a sector targets no particular place).  Returns how many
 * were stored in out (at most max).
 */
struct tui;
size_t tui_inject_ranges(struct tui *t, struct tui_inject_range *out,
                         size_t max);

#endif
