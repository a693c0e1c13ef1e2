/*
 * remote_qmap.h — an attached TUI's mirror of a format image's views and
 * sub-requests (tui/layers.h, backend.h's bk_subreq), from the "layers"
 * and "requests"."subs" parts of view frames (control/view.c).
 */
#ifndef BLKMON_TUI_REMOTE_QMAP_H
#define BLKMON_TUI_REMOTE_QMAP_H

#include <stdint.h>

#include "backend/backend.h"
#include "control/json.h"
#include "tui/layers.h"

struct tui_rqmap;

void tui_rqmap_free(struct tui_rqmap *q);
/* Take what frame (a "view" object) says; *q is made when needed. */
void tui_rqmap_mirror(struct tui_rqmap **q, const struct json_value *frame);
const struct tui_layers *tui_rqmap_layers(const struct tui_rqmap *q);
/* The sub-requests; find gives the mirrored request of an id (or NULL). */
void tui_rqmap_for_each_subreq(const struct tui_rqmap *q,
                               const struct bk_req *(*find)(void *ctx,
                                                            uint64_t id),
                               void *ctx,
                               void (*fn)(const struct bk_subreq *sub,
                                          void *arg),
                               void *arg);

#endif
