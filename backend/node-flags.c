/*
 * node-flags.c — the options qemu's block layer takes for any node.
 *
 * They are not a driver's: cache.direct and cache.no-flush hold for the
 * node that is given them and every node below it, and so does
 * force-share; read-only and auto-read-only belong to the device alone.  Each becomes a BK_O_*
 * flag, with qemu's words for a bad value.  discard, detect-zeroes and
 * node-name are a node's too, taken in its open's common step (stack.c),
 * where qemu takes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

/*
 * The options qemu's block layer takes for any node, as flags.  The device
 * takes all of them; a child node (stack.c) the cache ones and
 * force-share, which then hold for it and the nodes below it.
 */
int bk_take_node_flags(struct bk_opts *opts, unsigned *flags, bool device,
                       char **cause)
{
    static const struct { const char *key; unsigned flag; bool invert;
                          bool device_only; }
        bools[] = {
        { "read-only", BK_O_RDWR, true, true },
        { "cache.direct", BK_O_NOCACHE, false, false },
        { "cache.no-flush", BK_O_NO_FLUSH, false, false },
        { "force-share", BK_O_FORCE_SHARE, false, false },
        /* Accepted and checked: a writable open that fails is not
         * retried read-only here. */
        { "auto-read-only", 0, false, true },
    };

    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        bool b, given;

        if (bools[i].device_only && !device)
            continue;
        if (bk_opts_take_bool(opts, bools[i].key, &b, &given, cause) < 0)
            return -EINVAL;
        if (!given)
            continue;
        /* read-only=on makes the node read-only (a writable open then
         * fails once the stack is open, as in qemu); read-only=off makes
         * a -r open writable. */
        if (b != bools[i].invert)
            *flags |= bools[i].flag;
        else
            *flags &= ~bools[i].flag;
    }
    return 0;
}

int bk_parse_discard(const char *v, unsigned *flags, char **cause)
{
    if (v == NULL)
        return 0;
    if (strcmp(v, "unmap") == 0 || strcmp(v, "on") == 0) {
        *flags |= BK_O_UNMAP;
    } else if (strcmp(v, "ignore") == 0 || strcmp(v, "off") == 0) {
        *flags &= ~(unsigned)BK_O_UNMAP;
    } else {
        *cause = strfmt("Invalid discard option");
        return -EINVAL;
    }
    return 0;
}

int bk_parse_detect_zeroes(const char *v, unsigned flags, int *dz,
                           char **cause)
{
    static const char *const names[] = { "off", "on", "unmap" };

    if (v == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(v, names[i]) != 0)
            continue;
        if (i == BK_DZ_UNMAP && !(flags & BK_O_UNMAP)) {
            *cause = strfmt("setting detect-zeroes to unmap is not allowed "
                            "without setting discard operation to unmap");
            return -EINVAL;
        }
        *dz = (int)i;
        return 0;
    }
    *cause = strfmt("invalid parameter value: %s", v);
    return -EINVAL;
}
