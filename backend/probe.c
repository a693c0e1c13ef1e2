/*
 * probe.c — which image format does a first sector look like?
 *
 * blkmon drives raw images only, but it must recognise the others: an
 * image opened without a format that turns out to be qcow2 would show its
 * metadata as data, and a write to sector 0 of a probed raw image that
 * would make it probe as another format is refused, as in qemu (otherwise
 * a guest could turn its raw disk into a qcow2 that references host files).
 *
 * Each probe is the format's own test of its header, as strict as the
 * format's driver is: a magic alone is not enough where a version field
 * decides.
 */
#include <stdint.h>
#include <string.h>

#include "backend/node.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static bool probe_qcow2(const uint8_t *b, size_t n)
{
    return n >= 8 && memcmp(b, "QFI\xfb", 4) == 0 && be32(b + 4) >= 2;
}

static bool probe_qcow(const uint8_t *b, size_t n)
{
    return n >= 8 && memcmp(b, "QFI\xfb", 4) == 0 && be32(b + 4) == 1;
}

static bool probe_qed(const uint8_t *b, size_t n)
{
    return n >= 4 && memcmp(b, "QED\0", 4) == 0;
}

static bool probe_vmdk(const uint8_t *b, size_t n)
{
    return n >= 4 && (memcmp(b, "KDMV", 4) == 0 || memcmp(b, "COWD", 4) == 0);
}

static bool probe_vdi(const uint8_t *b, size_t n)
{
    return n >= 72 && le32(b + 64) == 0xbeda107f;
}

static bool probe_vpc(const uint8_t *b, size_t n)
{
    return n >= 8 && memcmp(b, "conectix", 8) == 0;
}

static bool probe_vhdx(const uint8_t *b, size_t n)
{
    return n >= 8 && memcmp(b, "vhdxfile", 8) == 0;
}

static bool probe_luks(const uint8_t *b, size_t n)
{
    return n >= 8 && memcmp(b, "LUKS\xba\xbe", 6) == 0 &&
           (be16(b + 6) == 1 || be16(b + 6) == 2);
}

static bool probe_parallels(const uint8_t *b, size_t n)
{
    return n >= 20 && (memcmp(b, "WithoutFreeSpace", 16) == 0 ||
                       memcmp(b, "WithouFreSpacExt", 16) == 0) &&
           le32(b + 16) == 2;
}

static bool probe_cloop(const uint8_t *b, size_t n)
{
    static const char magic[] =
        "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t "
        "iso9660 /dev/cloop $1\n";

    return n >= sizeof(magic) - 1 && memcmp(b, magic, sizeof(magic) - 1) == 0;
}

static const struct {
    const char *name;
    bool (*probe)(const uint8_t *buf, size_t len);
} probes[] = {
    { "qcow2", probe_qcow2 },
    { "qcow", probe_qcow },
    { "qed", probe_qed },
    { "vmdk", probe_vmdk },
    { "vdi", probe_vdi },
    { "vpc", probe_vpc },
    { "vhdx", probe_vhdx },
    { "luks", probe_luks },
    { "parallels", probe_parallels },
    { "cloop", probe_cloop },
};

const char *bk_probe_format(const void *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        if (probes[i].probe(buf, len))
            return probes[i].name;
    return NULL;
}
