/*
 * extents.c — the data and hole extents of an image file.
 *
 * The file system knows which ranges hold data: SEEK_DATA finds the next
 * byte of data, SEEK_HOLE the end of it.  Two system calls per data extent
 * make a scan of a huge sparse image cost what its extent count costs, not
 * its size.  A file system without SEEK_DATA reports all data, which is
 * what such a file system would also tell qemu-img.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/node.h"




/* Report [off, off+len) of the file as image bytes (base: where the image
 * starts in the file, a raw offset option). */
static int emit(int64_t base, int64_t off, int64_t len, bool data,
                int (*fn)(const struct bk_extent *, void *), void *arg)
{
    struct bk_extent e = { off - base, len, data };

    return len > 0 ? fn(&e, arg) : 0;
}

int bk_dev_extents(struct bk_dev *dev, int64_t offset, int64_t bytes,
                   int (*fn)(const struct bk_extent *ext, void *arg),
                   void *arg)
{
    struct bk_node *top = bk_dev_top(dev);
    int fd = bk_file_fd(bk_node_bottom(top));
    int64_t base = bk_raw_offset(top);
    int64_t end, pos = base + offset;
    struct stat st;

    if (fd < 0)
        return -ENOTSUP;
    if (fstat(fd, &st) < 0)
        return -errno;
    end = pos + bytes;
    if (end > st.st_size)
        end = st.st_size;
    if (end > base + bk_node_length(top))
        end = base + bk_node_length(top);
    while (pos < end) {
        off_t d = lseek(fd, pos, SEEK_DATA);
        off_t h;

        if (d < 0) {
            if (errno == ENXIO)          /* only a hole up to the end */
                return emit(base, pos, end - pos, false, fn, arg) > 0 ? 0 : 0;
            if (errno == EINVAL || errno == ENOTSUP)
                return emit(base, pos, end - pos, true, fn, arg) > 0 ? 0 : 0;
            return -errno;
        }
        if (d > end)
            d = end;
        if (emit(base, pos, d - pos, false, fn, arg))
            return 0;
        if (d >= end)
            break;
        h = lseek(fd, d, SEEK_HOLE);
        if (h < 0)
            return -errno;
        if (h > end)
            h = end;
        if (emit(base, d, h - d, true, fn, arg))
            return 0;
        pos = h;
    }
    return 0;
}
