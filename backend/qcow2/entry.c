/*
 * qcow2-entry.c — L1/L2 entries: big-endian fields, cluster types and
 * subcluster types.
 *
 * A standard L2 entry is one 64-bit word: bit 63 COPIED (refcount is
 * exactly 1, so it may be written in place), bit 62 COMPRESSED, bits 9..55
 * the host offset, bit 0 "reads as zeroes".  An extended entry adds a
 * second word: bits 0..31 say which subclusters are allocated, bits 32..63
 * which read as zeroes; bit 0 of the first word is then unused.  A type is
 * computed from both, and an impossible combination is INVALID (the image
 * is corrupt).
 */
#include <errno.h>

#include "backend/qcow2/qcow2.h"

uint64_t qcow2_be64(const void *p)
{
    const unsigned char *b = p;
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

void qcow2_put_be64(void *p, uint64_t v)
{
    unsigned char *b = p;

    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)v;
        v >>= 8;
    }
}

uint32_t qcow2_be32(const void *p)
{
    const unsigned char *b = p;

    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
           b[3];
}

void qcow2_put_be32(void *p, uint32_t v)
{
    unsigned char *b = p;

    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static unsigned entry_words(const struct qcow2_geom *g)
{
    return g->extended ? 2 : 1;
}

uint64_t qcow2_l2_entry(const struct qcow2_geom *g, const void *slice,
                        unsigned idx)
{
    return qcow2_be64((const unsigned char *)slice +
                      (size_t)idx * entry_words(g) * 8);
}

uint64_t qcow2_l2_bitmap(const struct qcow2_geom *g, const void *slice,
                         unsigned idx)
{
    if (!g->extended)
        return 0;   /* no meaning; callers may still pass it around */
    return qcow2_be64((const unsigned char *)slice + (size_t)idx * 16 + 8);
}

void qcow2_set_l2_entry(const struct qcow2_geom *g, void *slice,
                        unsigned idx, uint64_t entry)
{
    qcow2_put_be64((unsigned char *)slice + (size_t)idx * entry_words(g) * 8,
                   entry);
}

void qcow2_set_l2_bitmap(const struct qcow2_geom *g, void *slice,
                         unsigned idx, uint64_t bitmap)
{
    if (g->extended)
        qcow2_put_be64((unsigned char *)slice + (size_t)idx * 16 + 8, bitmap);
}

enum qcow2_cluster_type qcow2_cluster_type(const struct qcow2_geom *g,
                                           uint64_t entry)
{
    if (entry & QCOW2_OFLAG_COMPRESSED)
        return QCOW2_CLUSTER_COMPRESSED;
    if ((entry & QCOW2_OFLAG_ZERO) && !g->extended)
        return (entry & QCOW2_L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC
                                               : QCOW2_CLUSTER_ZERO_PLAIN;
    if (!(entry & QCOW2_L2E_OFFSET_MASK)) {
        /*
         * Offset 0 is a valid place in an external data file; there every
         * cluster has refcount 1, so COPIED tells the two apart.
         */
        if (g->data_file && (entry & QCOW2_OFLAG_COPIED))
            return QCOW2_CLUSTER_NORMAL;
        return QCOW2_CLUSTER_UNALLOCATED;
    }
    return QCOW2_CLUSTER_NORMAL;
}

bool qcow2_cluster_allocated(enum qcow2_cluster_type t)
{
    return t == QCOW2_CLUSTER_COMPRESSED || t == QCOW2_CLUSTER_NORMAL ||
           t == QCOW2_CLUSTER_ZERO_ALLOC;
}

enum qcow2_subcluster_type qcow2_subcluster_type(const struct qcow2_geom *g,
                                                 uint64_t entry,
                                                 uint64_t bitmap,
                                                 unsigned sc)
{
    enum qcow2_cluster_type t = qcow2_cluster_type(g, entry);
    uint64_t alloc = 1ULL << sc, zero = 1ULL << (sc + 32);

    if (!g->extended) {
        switch (t) {
        case QCOW2_CLUSTER_COMPRESSED: return QCOW2_SC_COMPRESSED;
        case QCOW2_CLUSTER_ZERO_PLAIN: return QCOW2_SC_ZERO_PLAIN;
        case QCOW2_CLUSTER_ZERO_ALLOC: return QCOW2_SC_ZERO_ALLOC;
        case QCOW2_CLUSTER_NORMAL: return QCOW2_SC_NORMAL;
        case QCOW2_CLUSTER_UNALLOCATED: return QCOW2_SC_UNALLOCATED_PLAIN;
        }
        return QCOW2_SC_INVALID;
    }
    switch (t) {
    case QCOW2_CLUSTER_COMPRESSED:
        return QCOW2_SC_COMPRESSED;
    case QCOW2_CLUSTER_NORMAL:
        /* A subcluster both allocated and zero cannot be. */
        if ((bitmap >> 32) & bitmap)
            return QCOW2_SC_INVALID;
        if (bitmap & zero)
            return QCOW2_SC_ZERO_ALLOC;
        if (bitmap & alloc)
            return QCOW2_SC_NORMAL;
        return QCOW2_SC_UNALLOCATED_ALLOC;
    case QCOW2_CLUSTER_UNALLOCATED:
        if (bitmap & QCOW2_BITMAP_ALL_ALLOC)
            return QCOW2_SC_INVALID;
        if (bitmap & zero)
            return QCOW2_SC_ZERO_PLAIN;
        return QCOW2_SC_UNALLOCATED_PLAIN;
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        break;   /* not reachable with extended entries */
    }
    return QCOW2_SC_INVALID;
}

static unsigned count_trailing_ones32(uint32_t v)
{
    return v == UINT32_MAX ? 32 : (unsigned)__builtin_ctz(~v);
}

static unsigned count_trailing_zeros32(uint32_t v)
{
    return v == 0 ? 32 : (unsigned)__builtin_ctz(v);
}

int qcow2_subcluster_range(const struct qcow2_geom *g, uint64_t entry,
                           uint64_t bitmap, unsigned sc,
                           enum qcow2_subcluster_type *type)
{
    uint32_t below = (uint32_t)QCOW2_SUB_ALLOC_RANGE(0, sc);

    *type = qcow2_subcluster_type(g, entry, bitmap, sc);
    if (*type == QCOW2_SC_INVALID)
        return -EINVAL;
    if (!g->extended || *type == QCOW2_SC_COMPRESSED)
        return (int)((g->extended ? QCOW2_SUBCLUSTERS : 1) - sc);
    switch (*type) {
    case QCOW2_SC_NORMAL:
        return (int)(count_trailing_ones32((uint32_t)bitmap | below) - sc);
    case QCOW2_SC_ZERO_PLAIN:
    case QCOW2_SC_ZERO_ALLOC:
        return (int)(count_trailing_ones32((uint32_t)(bitmap >> 32) | below) -
                     sc);
    case QCOW2_SC_UNALLOCATED_PLAIN:
    case QCOW2_SC_UNALLOCATED_ALLOC:
        return (int)(count_trailing_zeros32(
                         ((uint32_t)(bitmap >> 32) | (uint32_t)bitmap) &
                         ~below) - sc);
    case QCOW2_SC_COMPRESSED:
    case QCOW2_SC_INVALID:
        break;
    }
    return -EINVAL;
}

void qcow2_parse_compressed_l2_entry(const struct qcow2_geom *g,
                                     uint64_t l2_entry, uint64_t *coffset,
                                     uint64_t *csize)
{
    unsigned shift = 62 - (g->cluster_bits - 8);
    uint64_t mask = (1ULL << (g->cluster_bits - 8)) - 1;
    uint64_t sectors = ((l2_entry >> shift) & mask) + 1;

    *coffset = l2_entry & ((1ULL << shift) - 1);
    *csize = sectors * 512 - (*coffset & 511);
}
