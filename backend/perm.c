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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

        /* Writing a read-only node: refused before its driver is asked. */
        if ((p->perm & (BK_PERM_WRITE | BK_PERM_WRITE_UNCHANGED)) &&
            !(p->node->open_flags & BK_O_RDWR)) {
            *cause = strfmt("Block node is read-only");
            ret = -EPERM;
        } else if (p->node->drv->check_perm != NULL)
            ret = p->node->drv->check_perm(p->node, p->perm, p->shared,
                                           cause);
    }
    if (ret < 0) {
        /* the one that refused (the last checked) went back by itself */
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

/* qemu's names of the permissions in options (BlockPermission). */
static const char *const perm_option_names[BK_PERM_COUNT] = {
    "consistent-read", "write", "write-unchanged", "resize",
};

int bk_perm_take_list(struct bk_opts *opts, const char *name, uint64_t *bits,
                      char **cause)
{
    size_t plen = strlen(name), count = 0, max = 0;
    const char *key, *value;
    int ret = 0;

    *bits = 0;
    /* "NAME.0", "NAME.1"...: indices from 0 with none missing */
    for (size_t i = 0; bk_opts_at(opts, i, &key, &value); i++) {
        char *end;
        unsigned long idx;

        if (strncmp(key, name, plen) != 0 || key[plen] != '.')
            continue;
        idx = strtoul(key + plen + 1, &end, 10);
        if (*end != '\0' || end == key + plen + 1) {
            /* what qemu's list visitor says of a key that is no index */
            *cause = strfmt("Invalid parameter type for '<anonymous>', "
                            "expected: array");
            return -EINVAL;
        }
        count++;
        max = idx > max ? idx : max;
    }
    if (count == 0)
        return 0;
    if (max + 1 != count) {
        *cause = strfmt("List indices are not contiguous, saw %zu elements "
                        "but %zu largest index", count, max);
        return -EINVAL;
    }
    for (size_t idx = 0; idx < count && ret == 0; idx++) {
        char k[96];
        char *v;
        int bit = -1;

        snprintf(k, sizeof(k), "%s.%zu", name, idx);
        v = bk_opts_take(opts, k);
        for (int b = 0; v != NULL && b < BK_PERM_COUNT; b++)
            if (strcmp(v, perm_option_names[b]) == 0)
                bit = b;
        if (bit < 0) {
            /* qemu's words, list element and all */
            *cause = strfmt("Parameter 'null' does not accept value '%s'",
                            v != NULL ? v : "");
            ret = -EINVAL;
        } else {
            *bits |= 1ull << bit;
        }
        free(v);
    }
    return ret;
}
