/*
 * hdev.c — what a host device is asked through ioctls: whether it is
 * read-only (BLKROGET), its block sizes (BLKSSZGET, BLKPBSZGET), discard
 * (BLKDISCARD) and zeroes (BLKZEROOUT), whether a CD-ROM drive holds a
 * disc (CDROM_DRIVE_STATUS).  Errors meaning "the device cannot" come back
 * as -ENOTSUP, as qemu's translate_err makes them.  The file drivers
 * (file.c, hostdev.c) call these.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/cdrom.h>
#include <linux/fs.h>

#include "backend/hdev.h"

int hdev_writable(int fd)
{
    struct stat st;
    int ro = 0;

    if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
        return 0;
    if (ioctl(fd, BLKROGET, &ro) < 0)
        return 0;
    return ro ? -EACCES : 0;
}

void hdev_block_sizes(int fd, uint32_t *logical, uint32_t *physical)
{
    unsigned int lbs = 0, pbs = 0;

    *logical = *physical = 0;
    if (ioctl(fd, BLKSSZGET, &lbs) == 0)
        *logical = lbs;
    if (ioctl(fd, BLKPBSZGET, &pbs) == 0)
        *physical = pbs;
}

/* qemu's translate_err: "the device cannot" in all its spellings. */
static int hdev_err(int err)
{
    if (err == -ENODEV || err == -ENOSYS || err == -EOPNOTSUPP ||
        err == -ENOTTY)
        return -ENOTSUP;
    return err;
}

static int hdev_range_ioctl(int fd, unsigned long req, int64_t offset,
                            int64_t bytes)
{
    uint64_t range[2] = { (uint64_t)offset, (uint64_t)bytes };

    while (ioctl(fd, req, range) < 0) {
        if (errno != EINTR)
            return hdev_err(-errno);
    }
    return 0;
}

int hdev_discard(int fd, int64_t offset, int64_t bytes)
{
    return hdev_range_ioctl(fd, BLKDISCARD, offset, bytes);
}

int hdev_zeroout(int fd, int64_t offset, int64_t bytes)
{
    return hdev_range_ioctl(fd, BLKZEROOUT, offset, bytes);
}

int hdev_cdrom_status(int fd)
{
    int ret = ioctl(fd, CDROM_DRIVE_STATUS, CDSL_CURRENT);

    return ret < 0 ? -errno : ret;
}

bool hdev_cdrom_has_disc(int fd)
{
    return hdev_cdrom_status(fd) == CDS_DISC_OK;
}
