/*
 * qmap.h — the Allocation pane of a format image (pane_qmap.c): guest
 * and host views of tui/layers.h.  pane_alloc.c hands over to it when
 * the model has layers.
 */
#ifndef BLKMON_TUI_QMAP_H
#define BLKMON_TUI_QMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/app.h"

/* The image has layers: the pane is this one's. */
bool tui_qmap_active(struct tui *t);
/* The host view's viewport when it is the one shown, else NULL (the
 * pane's zoom and pan act on the guest view, ps->view). */
struct tui_view *tui_qmap_view(struct tui *t);
/* Show the host view (1), the guest view (0), or the other (-1);
 * -1 when the image has no layers. */
int tui_qmap_set_host(struct tui *t, int host);
/* The "map-view" command (tcmd_qmap.c), in tcmd.c's table. */
extern const struct cmd_entry tui_map_view_entry;
void tui_qmap_draw(struct tui *t, struct tui_rect in, char *info,
                   size_t infosize, struct tui_alloc_scratch *sc);

#endif
