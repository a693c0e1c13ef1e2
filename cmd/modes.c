/*
 * modes.c — mode names to open flags (the table in modes.h).
 */
#include <stddef.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/modes.h"

struct modes_name {
    const char *name;
    unsigned set;
};

#define MODES_CACHE_MASK (BK_O_NOCACHE | BK_O_NO_FLUSH | BK_O_WRITETHROUGH)

static const struct modes_name modes_cache_names[] = {
    { "none", BK_O_NOCACHE },
    { "off", BK_O_NOCACHE },
    { "directsync", BK_O_NOCACHE | BK_O_WRITETHROUGH },
    { "writeback", 0 },
    { "unsafe", BK_O_NO_FLUSH },
    { "writethrough", BK_O_WRITETHROUGH },
};

static const struct modes_name modes_discard_names[] = {
    { "off", 0 },
    { "ignore", 0 },
    { "on", BK_O_UNMAP },
    { "unmap", BK_O_UNMAP },
};

/* qemu adds the aio flag without clearing another: so do we. */
static const struct modes_name modes_aio_names[] = {
    { "threads", 0 },
    { "native", BK_O_NATIVE_AIO },
    { "io_uring", BK_O_IO_URING },
};

static const struct modes_name *modes_find(const struct modes_name *v,
                                           size_t n, const char *name);

static const struct modes_name *modes_find(const struct modes_name *v,
                                           size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

#define MODES_FIND(v, name) modes_find(v, sizeof(v) / sizeof(v[0]), name)

int modes_cache(const char *mode, unsigned *flags)
{
    const struct modes_name *m = MODES_FIND(modes_cache_names, mode);

    if (m == NULL)
        return -1;
    *flags = (*flags & ~MODES_CACHE_MASK) | m->set;
    return 0;
}

int modes_discard(const char *mode, unsigned *flags)
{
    const struct modes_name *m = MODES_FIND(modes_discard_names, mode);

    if (m == NULL)
        return -1;
    *flags = (*flags & ~BK_O_UNMAP) | m->set;
    return 0;
}

int modes_aio(const char *mode, unsigned *flags)
{
    const struct modes_name *m = MODES_FIND(modes_aio_names, mode);

    if (m == NULL)
        return -1;
    *flags |= m->set;
    return 0;
}
