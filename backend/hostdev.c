/*
 * hostdev.c — the "host_device" and "host_cdrom" protocol drivers: a
 * block or character device of the host, as qemu's file-posix drives one.
 *
 * They are the file driver (file.c) with a device's ways: the file must be
 * a device, its size is the device's (BLKGETSIZE64, by seeking to the
 * end), a block device gives its logical block size as the alignment
 * O_DIRECT needs (BLKSSZGET) and says its physical one (BLKPBSZGET).
 * Discard is BLKDISCARD; zeroes are BLKZEROOUT, tried only under O_DIRECT
 * (buffered, the page cache would keep stale data) and never when the
 * caller must not wait for a slow fallback, else written as buffers by
 * the generic layer.  A device cannot grow.
 *
 * A name given without a driver is a device's when it names one (qemu's
 * probe_device): host_device for any block or character device, or a
 * name under /dev/cdrom; host_cdrom for a block device that answers the
 * CD-ROM drive ioctl.  host_cdrom opens with O_NONBLOCK, so that a drive
 * with no disc opens; without a disc (CDROM_DRIVE_STATUS, which anything
 * but a CD-ROM drive refuses) the device has no medium, and it says
 * nothing for info (qemu's has no get_info).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/cdrom.h>
#include <linux/falloc.h>
#include <linux/fs.h>

#include "backend/file.h"

int file_hdev_writable(int fd)
{
    struct stat st;
    int ro = 0;

    if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
        return 0;
    if (ioctl(fd, BLKROGET, &ro) < 0)
        return 0;
    return ro ? -EACCES : 0;
}

void file_hdev_block_sizes(struct file_state *s)
{
    unsigned int lbs = 0, pbs = 0;

    s->logical_block_size = s->physical_block_size = 0;
    if (!s->blkdev)
        return;
    if (ioctl(s->fd, BLKSSZGET, &lbs) == 0)
        s->logical_block_size = lbs;
    if (ioctl(s->fd, BLKPBSZGET, &pbs) == 0)
        s->physical_block_size = pbs;
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

int file_hdev_discard(int fd, int64_t offset, int64_t bytes)
{
    return hdev_range_ioctl(fd, BLKDISCARD, offset, bytes);
}

int file_hdev_zeroes(struct file_state *s, int64_t offset, int64_t bytes,
                     unsigned flags)
{
    int ret;

    /* Zeroes and unmapping at once, where the device punches holes. */
    if (flags & BK_REQ_MAY_UNMAP) {
        ret = file_fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                             offset, bytes);
        if (ret != -ENOTSUP && ret != -EINVAL && ret != -EBUSY)
            return ret;
    }
    if (!atomic_load(&s->has_write_zeroes) || (flags & BK_REQ_NO_FALLBACK))
        return -ENOTSUP;
    /* The kernel's BLKZEROOUT may itself fall back to writing zeroes. */
    ret = hdev_range_ioctl(s->fd, BLKZEROOUT, offset, bytes);
    if (ret == -ENOTSUP)
        atomic_store(&s->has_write_zeroes, false);
    return ret;
}

static int hdev_open(struct bk_node *node, struct bk_opts *opts,
                     const char *filename, char **cause)
{
    return file_open_kind(node, opts, filename, FILE_KIND_HDEV, cause);
}

static int cdrom_open(struct bk_node *node, struct bk_opts *opts,
                      const char *filename, char **cause)
{
    return file_open_kind(node, opts, filename, FILE_KIND_CDROM, cause);
}

/* A disc in the drive?  Without one every request fails (ENOMEDIUM). */
static bool cdrom_is_inserted(struct bk_node *node)
{
    const struct file_state *s = node->state;

    return ioctl(s->fd, CDROM_DRIVE_STATUS, CDSL_CURRENT) == CDS_DISC_OK;
}

static int hdev_probe_device(const char *filename)
{
    struct stat st;

    /* the CD-ROM driver may claim these first */
    if (strncmp(filename, "/dev/cdrom", 10) == 0)
        return 50;
    if (stat(filename, &st) == 0 &&
        (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
        return 100;
    return 0;
}

static int cdrom_probe_device(const char *filename)
{
    struct stat st;
    int fd = open(filename, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int prio = 0;

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) &&
        ioctl(fd, CDROM_DRIVE_STATUS, CDSL_CURRENT) >= 0)
        prio = 100;
    close(fd);
    return prio;
}

/*
 * A device's block status is qemu's default: all data, where it is.  A
 * device has no holes to ask the file system about.
 */
const struct bk_driver bk_driver_host_device = {
    .name = "host_device",
    .protocol_name = "host_device",
    .state_size = sizeof(struct file_state),
    .open = hdev_open,
    .close = file_close,
    .reopen = file_reopen,
    .get_length = file_get_length,
    .get_info = file_get_info,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush_to_disk = file_flush,
    .truncate = file_truncate,
    .get_allocated_size = file_get_allocated_size,
    .check_perm = file_check_perm,
    .set_perm = file_set_perm,
    .abort_perm = file_abort_perm,
    .probe_device = hdev_probe_device,
};

const struct bk_driver bk_driver_host_cdrom = {
    .name = "host_cdrom",
    .protocol_name = "host_cdrom",
    .state_size = sizeof(struct file_state),
    .open = cdrom_open,
    .close = file_close,
    .reopen = file_reopen,
    .get_length = file_get_length,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush_to_disk = file_flush,
    .truncate = file_truncate,
    .get_allocated_size = file_get_allocated_size,
    .check_perm = file_check_perm,
    .set_perm = file_set_perm,
    .abort_perm = file_abort_perm,
    .probe_device = cdrom_probe_device,
    .is_inserted = cdrom_is_inserted,
};
