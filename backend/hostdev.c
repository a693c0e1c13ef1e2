/*
 * hostdev.c — the "host_device" and "host_cdrom" protocol drivers: a
 * block or character device of the host, as qemu's file-posix drives one.
 *
 * They are the file driver (file.c) with a device's ways (hdev.c asks the
 * device): the file must be a device; its size is where seeking to its
 * end lands, as qemu finds it on Linux (the kernel's BLKGETSIZE64); a
 * block device gives its logical block size as the alignment O_DIRECT
 * needs (BLKSSZGET) and says its physical one (BLKPBSZGET).  Discard is
 * BLKDISCARD; zeroes are BLKZEROOUT under O_DIRECT only, else written by
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
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/file.h"
#include "backend/hdev.h"

static int hostdev_open(struct bk_node *node, struct bk_opts *opts,
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

    return hdev_cdrom_has_disc(s->fd);
}

static int hostdev_probe(const char *filename)
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

static int cdrom_probe(const char *filename)
{
    struct stat st;
    int fd = open(filename, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int prio = 0;

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) &&
        hdev_cdrom_status(fd) >= 0)
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
    FILE_DRIVER_OPS,
    .open = hostdev_open,
    .get_info = file_get_info,
    .probe_device = hostdev_probe,
};

/* qemu's host_cdrom has no get_info: info says nothing. */
const struct bk_driver bk_driver_host_cdrom = {
    .name = "host_cdrom",
    .protocol_name = "host_cdrom",
    FILE_DRIVER_OPS,
    .open = cdrom_open,
    .probe_device = cdrom_probe,
    .is_inserted = cdrom_is_inserted,
};
