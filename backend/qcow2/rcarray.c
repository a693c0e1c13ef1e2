/*
 * qcow2-rcarray.c — refcount arrays: one entry of 2^order bits per host
 * cluster, order 0 (1 bit) to 6 (64 bits).
 *
 * Entries narrower than a byte are packed from the least significant bit
 * of each byte up (entry 0 of a 1-bit array is bit 0 of byte 0); entries of
 * a byte or more are big-endian integers.  That is the on-disk format, so
 * a refcount block in the cache is used as it is.
 */
#include <assert.h>

#include "backend/qcow2/qcow2.h"

uint64_t qcow2_rc_get(unsigned order, const void *block, uint64_t index)
{
    const unsigned char *b = block;

    switch (order) {
    case 0: case 1: case 2: {
        unsigned bits = 1u << order, per_byte = 8 / bits;
        unsigned shift = (unsigned)(index % per_byte) * bits;

        return (b[index / per_byte] >> shift) & ((1u << bits) - 1);
    }
    case 3:
        return b[index];
    case 4:
        return (uint64_t)b[2 * index] << 8 | b[2 * index + 1];
    case 5:
        return qcow2_be32(b + 4 * index);
    default:
        return qcow2_be64(b + 8 * index);
    }
}

void qcow2_rc_set(unsigned order, void *block, uint64_t index, uint64_t v)
{
    unsigned char *b = block;

    assert(v <= qcow2_rc_max(order));
    switch (order) {
    case 0: case 1: case 2: {
        unsigned bits = 1u << order, per_byte = 8 / bits;
        unsigned shift = (unsigned)(index % per_byte) * bits;
        unsigned mask = ((1u << bits) - 1) << shift;

        b[index / per_byte] = (unsigned char)((b[index / per_byte] & ~mask) |
                                              (unsigned)(v << shift));
        return;
    }
    case 3:
        b[index] = (unsigned char)v;
        return;
    case 4:
        b[2 * index] = (unsigned char)(v >> 8);
        b[2 * index + 1] = (unsigned char)v;
        return;
    case 5:
        qcow2_put_be32(b + 4 * index, (uint32_t)v);
        return;
    default:
        qcow2_put_be64(b + 8 * index, v);
        return;
    }
}

uint64_t qcow2_rc_max(unsigned order)
{
    return order >= 6 ? UINT64_MAX : (1ULL << (1u << order)) - 1;
}

uint64_t qcow2_rc_array_bytes(unsigned order, uint64_t n)
{
    uint64_t bits = n << order;

    return (bits + 7) / 8;
}
