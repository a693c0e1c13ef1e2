/*
 * probe-open.c — opening a node whose format nobody named: read the start
 * of its protocol node and let probe.c guess.
 *
 * The device does it for its top node; a driver does it for a child that
 * qemu opens without a default driver (blkverify's "test", quorum's
 * children).  The protocol node is opened first, from the child's options;
 * the guessed format then adopts it as its "file" (stack->preopened).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

/*
 * What qemu reads to guess a format: the first 2 KiB of the protocol node
 * (a file, or blkdebug over one), read through the stack, so that an
 * armed blkdebug rule can fail the probe as it fails qemu's.
 */
enum { PROBE_BYTES = 2048 };

struct probe_read {
    bool done;
    int ret;
};

static void probe_read_done(struct bk_io *io)
{
    struct probe_read *p = io->cb_arg;

    p->ret = io->ret;
    p->done = true;
    bk_io_free(io);
}

int bk_stack_probe_node(struct bk_stack *stack, struct bk_node *file,
                        const char **format, char **cause)
{
    struct probe_read p = { 0 };
    struct iovec iov;
    int64_t len;
    void *buf;

    len = bk_node_length(file);
    len = len < PROBE_BYTES ? len : PROBE_BYTES;
    if (posix_memalign(&buf, 4096, PROBE_BYTES) != 0)
        abort();
    memset(buf, 0, PROBE_BYTES);
    if (len > 0) {
        iov = (struct iovec){ buf, (size_t)len };
        bk_node_submit(bk_io_new(file, BK_OP_READ, 0, len, &iov, 1, 0, NULL,
                                 probe_read_done, &p));
        while (!p.done)
            bk_loop_iterate(stack->loop, -1);
        if (p.ret < 0) {
            *cause = strfmt("Could not read image for determining its "
                            "format: %s", strerror(-p.ret));
            free(buf);
            return p.ret;
        }
    }
    *format = bk_probe_format(buf, (size_t)len);
    free(buf);
    if (*format != NULL && bk_driver_find(stack, *format) == NULL) {
        *cause = strfmt("image format '%s' is not supported (blkmon drives "
                        "raw and qcow2 images)", *format);
        return -ENOTSUP;
    }
    if (*format == NULL)
        *format = "raw";
    return 0;
}

int bk_stack_open_probed(struct bk_stack *stack, unsigned parent_flags,
                         struct bk_opts *opts, const char *child_name,
                         const char *filename, struct bk_node **childp,
                         char **cause)
{
    char key[64];
    struct bk_opts *copts;
    const struct bk_driver *drv;
    struct bk_node *file = NULL;
    const char *format, *k, *v;
    bool names_file = false;
    unsigned flags;
    int ret;

    snprintf(key, sizeof(key), "%s.driver", child_name);
    if (bk_opts_has(opts, key) || bk_opts_has(opts, child_name))
        return bk_stack_open_child(stack, parent_flags, opts, child_name,
                                   filename, "file", childp, cause);
    /* The child's options are its format's; its "file.*" the protocol
     * node's, which the format is guessed from. */
    copts = bk_opts_extract_prefix(opts, child_name);
    for (size_t i = 0; bk_opts_at(copts, i, &k, &v); i++)
        names_file |= strcmp(k, "file") == 0 || strncmp(k, "file.", 5) == 0;
    if (filename == NULL && bk_opts_count(copts) == 0) {
        *cause = strfmt("A block device must be specified for \"%s\"",
                        child_name);
        bk_opts_free(copts);
        return -EINVAL;
    }
    if (filename == NULL && !names_file) {
        *cause = strfmt("Must specify either driver or file");
        bk_opts_free(copts);
        return -EINVAL;
    }
    flags = parent_flags & ~(unsigned)(BK_O_TOP | BK_O_COPY_ON_READ);
    ret = bk_stack_open_child(stack, flags, copts, "file", filename, "file",
                              &file, cause);
    if (ret == 0)
        ret = bk_stack_probe_node(stack, file, &format, cause);
    if (ret < 0) {
        bk_node_close(file);
        bk_opts_free(copts);
        return ret;
    }
    drv = bk_driver_find(stack, format);
    stack->preopened = file;
    /* Named after its file, as qemu's warning names it. */
    ret = bk_node_open(stack, drv, copts,
                       filename != NULL ? filename : file->filename,
                       flags | (strcmp(format, "raw") == 0 ? BK_O_PROBED : 0),
                       childp, cause);
    /* A format that opened no child leaves the probed node unused. */
    bk_node_close(stack->preopened);
    stack->preopened = NULL;
    bk_opts_free(copts);
    return ret;
}
