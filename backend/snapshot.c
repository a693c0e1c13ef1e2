/*
 * snapshot.c — qemu-io's snapshot mode (-s, open -s): the image is opened
 * read-only, as a backing file, under a temporary qcow2 overlay that takes
 * every write and is gone when the device closes.
 *
 * As qemu's bdrv_append_temp_snapshot: the overlay is a new qcow2 file of
 * the image's length (rounded up to a sector) in $TMPDIR (/tmp means
 * /var/tmp: images are big), named vl.XXXXXX; it is removed as soon as
 * its file node has it open, so nothing is left behind whatever happens.
 * Its header names no backing file: the image is attached to it as its
 * backing node.  It takes the device's flags, without O_DIRECT and with
 * flushes that never reach the disk (qemu's cache=unsafe for temporary
 * files), and the discard option the user gave.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/node.h"

static char *tmp_dir(void)
{
    const char *dir = getenv("TMPDIR");

    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    return strdup(strcmp(dir, "/tmp") == 0 ? "/var/tmp" : dir);
}

unsigned bk_snapshot_base_flags(unsigned flags)
{
    /* Opened as a backing file: read-only, discards passed down. */
    return (flags & ~(unsigned)(BK_O_RDWR | BK_O_SNAPSHOT |
                                BK_O_COPY_ON_READ | BK_O_TOP)) |
           BK_O_UNMAP;
}

int bk_snapshot_overlay(struct bk_stack *stack, struct bk_node *base,
                        unsigned flags, const char *discard,
                        struct bk_node **overlay, char **cause)
{
    const struct bk_driver *qcow2 = bk_driver_find(stack, "qcow2");
    int64_t size = (bk_node_length(base) + 511) & ~(int64_t)511;
    struct bk_opts *opts;
    char *dir, *path, *why = NULL;
    int fd, ret;

    if (qcow2 == NULL) {
        *cause = strfmt("Unknown driver 'qcow2'");
        return -EINVAL;
    }
    dir = tmp_dir();
    path = dir != NULL ? strfmt("%s/vl.XXXXXX", dir) : NULL;
    free(dir);
    if (path == NULL)
        return -ENOMEM;
    fd = mkstemp(path);
    if (fd < 0) {
        ret = -errno;
        *cause = strfmt("Could not open temporary file '%s': %s", path,
                        strerror(-ret));
        free(path);
        return ret;
    }
    close(fd);
    ret = qcow2_create_file(path, (uint64_t)size, &why);
    if (ret < 0) {
        *cause = strfmt("Could not create temporary overlay '%s': %s", path,
                        why != NULL ? why : strerror(-ret));
        free(why);
        unlink(path);
        free(path);
        return ret;
    }
    opts = bk_opts_new();
    bk_opts_set(opts, "file.driver", "file");
    bk_opts_set(opts, "file.filename", path);
    if (discard != NULL)
        bk_opts_set(opts, "discard", discard);
    flags = (flags & ~(unsigned)(BK_O_SNAPSHOT | BK_O_NATIVE_AIO |
                                 BK_O_NOCACHE)) |
            BK_O_TEMPORARY | BK_O_NO_FLUSH;
    ret = bk_node_open(stack, qcow2, opts, NULL, flags, overlay, cause);
    bk_opts_free(opts);
    /* The file node removed it once open; not if it never opened. */
    unlink(path);
    free(path);
    if (ret < 0)
        return ret;
    (*overlay)->backing = base;
    return 0;
}
