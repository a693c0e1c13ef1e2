/*
 * drivers.c — the drivers a device may open its stacks with.
 *
 * Only the device reads this table: it hands it to the stack it opens, so
 * that the generic layer and the drivers find each other by name or by
 * protocol prefix, and no code below the device names a driver by address.
 */
#include <stddef.h>

#include "backend/node.h"

extern const struct bk_driver bk_driver_file;
extern const struct bk_driver bk_driver_raw;
extern const struct bk_driver bk_driver_blkdebug;
extern const struct bk_driver bk_driver_null_co;
extern const struct bk_driver bk_driver_null_aio;
extern const struct bk_driver bk_driver_qcow2;
extern const struct bk_driver bk_driver_nbd;
extern const struct bk_driver bk_driver_nbd_tcp;
extern const struct bk_driver bk_driver_nbd_unix;
extern const struct bk_driver bk_driver_host_cdrom;
extern const struct bk_driver bk_driver_host_device;
extern const struct bk_driver bk_driver_copy_on_read;
extern const struct bk_driver bk_driver_blkverify;
extern const struct bk_driver bk_driver_throttle;
extern const struct bk_driver bk_driver_quorum;

const struct bk_driver *const bk_drivers[] = {
    &bk_driver_raw,
    &bk_driver_qcow2,
    &bk_driver_file,
    &bk_driver_blkdebug,
    &bk_driver_null_co,
    &bk_driver_null_aio,
    /* driver=nbd finds the first: qemu's list has the last registered
     * (nbd+unix) first, and qemu-io's info names its protocol. */
    &bk_driver_nbd_unix,
    &bk_driver_nbd_tcp,
    &bk_driver_nbd,
    /* a device name fitting both drivers as well is a CD-ROM's (qemu's
     * order) */
    &bk_driver_host_cdrom,
    &bk_driver_host_device,
    &bk_driver_copy_on_read,
    &bk_driver_blkverify,
    &bk_driver_throttle,
    &bk_driver_quorum,
    NULL,
};
