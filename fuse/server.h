/*
 * server.h — the FUSE export: the session's image as one regular file
 * mounted over an existing regular file (the *mountpoint*), as
 * qemu-storage-daemon's FUSE export shows it.  Any program is then a
 * client: dd, fio, mkfs.ext4, a loop device with a mounted file system.
 *
 * The file may be read and written, fallocate'd (punch hole, zero range,
 * growth at the end), fsync'd, truncated, and asked for SEEK_DATA and
 * SEEK_HOLE; every one of those becomes requests on the device, through
 * its whole stack (rules and breakpoints included).  libfuse3's session
 * is driven from the loop: nothing blocks, and replies leave as the
 * requests end.
 */
#ifndef BLKMON_FUSE_SERVER_H
#define BLKMON_FUSE_SERVER_H

#include <stdbool.h>

#include "export/export.h"

/* qemu's FuseExportAllowOther: try allow_other, and go without it when
 * the mount refuses (not root, no user_allow_other in /etc/fuse.conf). */
enum fuse_export_allow_other { FUSE_ALLOW_OTHER_AUTO, FUSE_ALLOW_OTHER_ON,
                               FUSE_ALLOW_OTHER_OFF };

struct fuse_export_opts {
    const char *mountpoint;     /* an existing regular file */
    const char *name;           /* NULL: the mountpoint as given */
    bool read_only;
    bool growable;              /* writes past the end grow the image */
    enum fuse_export_allow_other allow_other;
};

extern const struct export_ops fuse_export_ops;

/* Mount and serve dev; the export joins set.  0, or -errno with *cause. */
int fuse_export_start(struct export_set *set, struct bk_dev *dev,
                      const struct fuse_export_opts *o, struct export **expp,
                      char **cause);
/* Parse on|off|auto; -EINVAL for anything else. */
int fuse_export_allow_other_parse(const char *text,
                                  enum fuse_export_allow_other *out);

#endif
