/*
 * create.c — a new, empty qcow2 image file, laid out as `qemu-img create
 * -f qcow2` lays one out with its defaults (version 3, 64 KiB clusters,
 * 16-bit refcounts, zlib): the header cluster, the refcount table (one
 * cluster), one refcount block, then the L1 table, which ends the file.
 * Every one of those clusters has refcount 1.
 *
 * blkmon makes images only for qemu-io's snapshot mode (-s), whose
 * temporary overlay is such an image.  The file is written with plain
 * system calls: it is no node yet, and nothing watches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/qcow2/qcow2.h"

enum { CREATE_CLUSTER_BITS = 16, CREATE_REFCOUNT_ORDER = 4 };

static int write_all(int fd, const void *buf, size_t len, off_t offset)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, offset);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
        offset += n;
    }
    return 0;
}

int qcow2_create_file(const char *path, uint64_t size, char **cause)
{
    const uint64_t cs = 1u << CREATE_CLUSTER_BITS;
    unsigned l2_bits = CREATE_CLUSTER_BITS - 3;
    uint64_t l1_size, l1_clusters;
    struct qcow2_header h;
    struct qcow2_header_vars v = { .feature_table = true };
    unsigned char *buf;
    int fd, ret;

    size = (size + 511) & ~511ULL;   /* whole sectors, as qemu-img's */
    l1_size = (size + (1ULL << (CREATE_CLUSTER_BITS + l2_bits)) - 1)
                       >> (CREATE_CLUSTER_BITS + l2_bits);
    l1_clusters = (l1_size * 8 + cs - 1) / cs;
    h = (struct qcow2_header){
        .version = 3,
        .cluster_bits = CREATE_CLUSTER_BITS,
        .size = size,
        .l1_size = (uint32_t)l1_size,
        .l1_table_offset = l1_size ? 3 * cs : 0,
        .refcount_table_offset = cs,
        .refcount_table_clusters = 1,
        .refcount_order = CREATE_REFCOUNT_ORDER,
    };

    /* One refcount block covers 32768 clusters: plenty for the tables. */
    if (l1_size > QCOW2_MAX_L1_SIZE / 8) {
        *cause = strfmt("Image is too big");
        return -EFBIG;
    }
    buf = calloc(1, cs);
    if (buf == NULL)
        return -ENOMEM;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = -errno;
        *cause = strfmt("Could not create '%s': %s", path, strerror(-ret));
        free(buf);
        return ret;
    }
    ret = qcow2_header_build(&h, &v, buf, cs);
    if (ret == 0)
        ret = write_all(fd, buf, cs, 0);
    if (ret == 0) {
        memset(buf, 0, cs);
        qcow2_put_be64(buf, 2 * cs);
        ret = write_all(fd, buf, cs, (off_t)cs);
    }
    if (ret == 0) {
        memset(buf, 0, cs);
        for (uint64_t i = 0; i < 3 + l1_clusters; i++)
            qcow2_rc_set(CREATE_REFCOUNT_ORDER, buf, i, 1);
        ret = write_all(fd, buf, cs, (off_t)(2 * cs));
    }
    /* The L1 table is all zeroes: the file ends with it. */
    if (ret == 0 && ftruncate(fd, (off_t)(3 * cs + l1_size * 8)) < 0)
        ret = -errno;
    if (close(fd) < 0 && ret == 0)
        ret = -errno;
    if (ret < 0 && *cause == NULL)
        *cause = strfmt("Could not write '%s': %s", path, strerror(-ret));
    free(buf);
    return ret;
}
