/*
 * node-flags.c — the options qemu's block layer takes for any node.
 *
 * They are not a driver's: cache.direct, cache.no-flush and discard hold
 * for the node that is given them and every node below it; read-only,
 * force-share and auto-read-only belong to the device alone.  Each becomes
 * a BK_O_* flag, with qemu's words for a bad value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

/*
 * The options qemu's block layer takes for any node, as flags.  The device
 * takes all of them; a child node (stack.c) the cache and discard ones,
 * which then hold for it and the nodes below it.
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
        { "force-share", BK_O_FORCE_SHARE, false, true },
        /* Accepted and checked: a writable open that fails is not
         * retried read-only here. */
        { "auto-read-only", 0, false, true },
    };
    char *v;

    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        bool b;

        if (bools[i].device_only && !device)
            continue;
        v = bk_opts_take(opts, bools[i].key);
        if (v == NULL)
            continue;
        if (bk_opts_parse_bool(v, &b) < 0) {
            *cause = strfmt("Parameter '%s' expects 'on' or 'off'",
                                      bools[i].key);
            free(v);
            return -EINVAL;
        }
        free(v);
        /* Asking for a read-only node while opening for writing fails,
         * as in qemu; read-only=off makes a -r open writable. */
        if (bools[i].flag == BK_O_RDWR && b && (*flags & BK_O_RDWR)) {
            *cause = strfmt("Block node is read-only");
            return -EACCES;
        }
        if (b != bools[i].invert)
            *flags |= bools[i].flag;
        else
            *flags &= ~bools[i].flag;
    }
    v = bk_opts_take(opts, "node-name");
    if (v != NULL) {
        /* Nothing refers to nodes by name here; the name is still
         * checked as qemu checks it. */
        size_t ok = strspn(v, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
        bool letter = (v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z';

        if (!letter || v[ok] != '\0')
            *cause = strfmt("Invalid node-name: '%s'", v);
        else if (strlen(v) >= 32)
            *cause = strfmt("Node name too long");
        free(v);
        if (*cause != NULL)
            return -EINVAL;
    }
    v = bk_opts_take(opts, "discard");
    if (v != NULL) {
        if (strcmp(v, "unmap") == 0 || strcmp(v, "on") == 0)
            *flags |= BK_O_UNMAP;
        else if (strcmp(v, "ignore") == 0 || strcmp(v, "off") == 0)
            *flags &= ~(unsigned)BK_O_UNMAP;
        else {
            *cause = strfmt("Invalid discard option");
            free(v);
            return -EINVAL;
        }
        free(v);
    }
    return 0;
}
