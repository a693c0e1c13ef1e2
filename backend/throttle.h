/*
 * throttle.h — throttle groups (throttle-group.c) as the throttle driver
 * (throttle.c) uses them.
 *
 * A group is a named set of limits (qemu's --object throttle-group) shared
 * by every throttle node that names it: their reads and writes draw from
 * the same leaky buckets.  A request over the limits waits in its group's
 * queue for its direction, oldest first, and goes on from a loop timer:
 * no thread waits, nothing blocks the loop.
 */
#ifndef BLKMON_THROTTLE_H
#define BLKMON_THROTTLE_H

#include "backend/node.h"

struct bk_throttle_group;

/* The group called name, or NULL. */
struct bk_throttle_group *bk_throttle_group_find(const char *name);
/* A throttle node starts or stops using the group. */
void bk_throttle_group_ref(struct bk_throttle_group *tg);
void bk_throttle_group_unref(struct bk_throttle_group *tg);
/*
 * io (bytes long, a write when is_write) may go on: cont(io) runs now when
 * the limits allow it, else later from a timer, in order.
 */
void bk_throttle_group_admit(struct bk_throttle_group *tg, struct bk_io *io,
                             bool is_write, int64_t bytes, bk_io_cb *cont);
const char *bk_throttle_group_name(const struct bk_throttle_group *tg);
/* Requests waiting in the group, by direction (0 read, 1 write). */
size_t bk_throttle_group_waiting(const struct bk_throttle_group *tg,
                                 int is_write);

#endif
