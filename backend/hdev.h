/*
 * hdev.h — host device ioctls (hdev.c); private to backend/.
 */
#ifndef BLKMON_HDEV_H
#define BLKMON_HDEV_H

#include <stdbool.h>
#include <stdint.h>

/* 0, or -EACCES for a block device set read-only (blockdev --setro). */
int hdev_writable(int fd);
/* A block device's logical and physical block sizes; 0 where it does
 * not say (not a block device). */
void hdev_block_sizes(int fd, uint32_t *logical, uint32_t *physical);
/* BLKDISCARD and BLKZEROOUT over [offset, +bytes): 0 or -errno, -ENOTSUP
 * when the device cannot.  They block: call them on workers. */
int hdev_discard(int fd, int64_t offset, int64_t bytes);
int hdev_zeroout(int fd, int64_t offset, int64_t bytes);
/* CDROM_DRIVE_STATUS (>= 0), or -errno: anything but a CD-ROM drive
 * refuses it. */
int hdev_cdrom_status(int fd);
bool hdev_cdrom_has_disc(int fd);

#endif
