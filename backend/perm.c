/*
 * perm.c — permissions down a stack, as qemu's block layer passes them.
 *
 * The device's user (qemu-io's BlockBackend) needs consistent reads, and
 * writes when the image is open for writing, and shares everything.  Each
 * node turns what its users need and share into what it needs of each
 * child and shares with others, by the child's *role*: a filter passes
 * them on; a format's file holds its metadata (written whenever the node
 * is writable, never shared for writing or resizing) and its data (never
 * resized by others); a backing file is only read, and may change under
 * the node when the node's users allow that.  A child opened with
 * force-share shares everything.  The protocol nodes at the bottom act on
 * what reaches them: the file drivers lock their files (lock.c).
 *
 * An update checks every node first and commits only when all agree, so
 * that a refusal anywhere leaves every file's locks as they were.
 */
#include <errno.h>
#include <stddef.h>

#include "backend/node.h"

enum { PERM_MAX_NODES = 64 };

const char *const bk_perm_names[BK_PERM_COUNT] = {
    "consistent read", "write", "write unchanged", "resize",
};

/* Permissions that pass a filter as they are. */
static const uint64_t perm_passthrough = BK_PERM_ALL;

void bk_default_perms(const struct bk_node *node, unsigned role,
                      uint64_t perm, uint64_t shared, uint64_t *nperm,
                      uint64_t *nshared)
{
    if (role & BK_ROLE_COW) {
        /* Only read, and only consistently if the user reads so. */
        *nperm = perm & BK_PERM_CONSISTENT_READ;
        *nshared = (shared & BK_PERM_WRITE)
            ? BK_PERM_WRITE | BK_PERM_RESIZE : 0;
        *nshared |= BK_PERM_CONSISTENT_READ | BK_PERM_WRITE_UNCHANGED;
        return;
    }
    perm &= perm_passthrough;
    shared &= perm_passthrough;
    if (role & BK_ROLE_METADATA) {
        /* A format writes its metadata even when its users do not. */
        if (node->open_flags & BK_O_RDWR)
            perm |= BK_PERM_WRITE | BK_PERM_RESIZE;
        perm |= BK_PERM_CONSISTENT_READ;
        shared &= ~(uint64_t)(BK_PERM_WRITE | BK_PERM_RESIZE);
    }
    if (role & BK_ROLE_DATA) {
        /* The format knows the file's size; unchanged writes may still
         * need real ones (copy-on-read), and writes may grow the file. */
        shared &= ~(uint64_t)BK_PERM_RESIZE;
        if (perm & BK_PERM_WRITE_UNCHANGED)
            perm |= BK_PERM_WRITE;
        if (perm & BK_PERM_WRITE)
            perm |= BK_PERM_RESIZE;
    }
    *nperm = perm;
    *nshared = shared;
}

/* The role child plays for node when the driver does not say. */
static unsigned perm_role(const struct bk_node *node,
                          const struct bk_node *child)
{
    if (child == node->backing)
        return BK_ROLE_COW;
    if (!node->drv->is_format || node->drv->is_filter)
        return BK_ROLE_FILTERED;
    if (child == node->data)
        return BK_ROLE_DATA;
    return node->data != NULL ? BK_ROLE_METADATA
                              : BK_ROLE_DATA | BK_ROLE_METADATA;
}

struct perm_entry {
    struct bk_node *node;
    uint64_t perm, shared;
};

struct perm_list {
    struct perm_entry e[PERM_MAX_NODES];
    size_t n;
};

/* Node and everything below it, each with what its parent asks. */
static void perm_collect(struct perm_list *l, struct bk_node *node,
                         uint64_t perm, uint64_t shared)
{
    if (node == NULL || l->n == PERM_MAX_NODES)
        return;
    struct bk_node *const children[] = { node->file, node->data,
                                         node->backing };

    l->e[l->n++] = (struct perm_entry){ node, perm, shared };
    for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
        const struct bk_node *c = children[i];
        uint64_t np, ns;

        if (c == NULL)
            continue;
        if (node->drv->child_perm != NULL)
            node->drv->child_perm(node, c, perm, shared, &np, &ns);
        else
            bk_default_perms(node, perm_role(node, c), perm, shared, &np,
                             &ns);
        if (c->open_flags & BK_O_FORCE_SHARE)
            ns = BK_PERM_ALL;
        perm_collect(l, children[i], np, ns);
    }
}

int bk_perm_update(struct bk_node *top, uint64_t perm, uint64_t shared,
                   char **cause)
{
    struct perm_list l = { .n = 0 };
    size_t checked;
    int ret = 0;

    perm_collect(&l, top, perm, shared);
    for (checked = 0; checked < l.n && ret == 0; checked++) {
        struct perm_entry *p = &l.e[checked];

        if (p->node->drv->check_perm != NULL)
            ret = p->node->drv->check_perm(p->node, p->perm, p->shared,
                                           cause);
    }
    if (ret < 0) {
        /* the one that refused went back by itself */
        for (size_t i = 0; i + 1 < checked; i++)
            if (l.e[i].node->drv->abort_perm != NULL)
                l.e[i].node->drv->abort_perm(l.e[i].node);
        return ret;
    }
    for (size_t i = 0; i < l.n; i++)
        if (l.e[i].node->drv->set_perm != NULL)
            l.e[i].node->drv->set_perm(l.e[i].node, l.e[i].perm,
                                       l.e[i].shared);
    return 0;
}
