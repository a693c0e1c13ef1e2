/*
 * file-opts.c — the file driver's runtime options, with qemu's names,
 * values and messages: aio, aio-max-batch, locking, drop-cache,
 * x-check-cache-dropped, pr-manager and read-only.
 *
 * aio picks this node's engine, over what -i said; locking says whether
 * the file is locked (lock.c).  The others are checked and then have
 * nothing to act on: blkmon keeps no cache of its own to drop, and knows
 * no persistent-reservation managers, so naming one fails as in qemu when
 * it does not exist.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/file.h"
#include "util/strfmt.h"

/* Values of enumerated options; anything else is qemu's "invalid
 * parameter value". */
static const char *const aio_values[] = { "threads", "native", "io_uring",
                                          NULL };
static const char *const locking_values[] = { "off", "on", "auto", NULL };

static int take_enum(struct bk_opts *opts, const char *key,
                     const char *const *values, int *out, char **cause)
{
    char *v = bk_opts_take(opts, key);

    *out = -1;
    if (v == NULL)
        return 0;
    for (int i = 0; values[i] != NULL; i++) {
        if (strcmp(v, values[i]) == 0) {
            *out = i;
            free(v);
            return 0;
        }
    }
    *cause = strfmt("invalid parameter value: %s", v);
    free(v);
    return -EINVAL;
}

/* A bool option: -1 absent, 0 off, 1 on. */
static int take_bool(struct bk_opts *opts, const char *key, int *out,
                     char **cause)
{
    bool b, given;
    int ret = bk_opts_take_bool(opts, key, &b, &given, cause);

    *out = ret == 0 && given ? b : -1;
    return ret;
}

static int take_number(struct bk_opts *opts, const char *key, char **cause)
{
    char *v = bk_opts_take(opts, key);
    char *end;

    if (v == NULL)
        return 0;
    errno = 0;
    (void)strtoull(v, &end, 0);
    if (*v == '\0' || *end != '\0' || errno != 0) {
        *cause = strfmt("Parameter '%s' expects a number", key);
        free(v);
        return -EINVAL;
    }
    free(v);
    return 0;
}

int file_take_opts(struct bk_node *node, struct bk_opts *opts,
                   unsigned *engine, bool *engine_given, int *locking_mode,
                   char **cause)
{
    static const unsigned aio_flags[] = { 0, BK_O_NATIVE_AIO,
                                          BK_O_IO_URING };
    int aio, locking, read_only, b, ret;
    char *pr;

    *engine = node->open_flags & (BK_O_IO_URING | BK_O_NATIVE_AIO);
    if ((ret = take_bool(opts, "read-only", &read_only, cause)) < 0 ||
        (ret = take_bool(opts, "drop-cache", &b, cause)) < 0 ||
        (ret = take_bool(opts, "x-check-cache-dropped", &b, cause)) < 0 ||
        (ret = take_number(opts, "aio-max-batch", cause)) < 0 ||
        (ret = take_enum(opts, "aio", aio_values, &aio, cause)) < 0 ||
        (ret = take_enum(opts, "locking", locking_values, &locking, cause)) < 0)
        return ret;
    pr = bk_opts_take(opts, "pr-manager");
    if (pr != NULL) {
        *cause = strfmt("No persistent reservation manager with id '%s'", pr);
        free(pr);
        return -EINVAL;
    }
    /* Checked once the whole stack is open, as qemu does (dev.c). */
    node->read_only_opt = read_only == 1;
    *engine_given = aio >= 0;
    *locking_mode = locking;
    if (aio >= 0)
        *engine = aio_flags[aio];
    return 0;
}
