/*
 * qcow2-header.c — the first cluster: the fixed header, the header
 * extensions and the backing file name, in and out of bytes.
 *
 * A version 2 header is 72 bytes; version 3 adds feature bits, the
 * refcount order and the header length (104 bytes at least; 112 with the
 * compression type).  Extensions follow the header: each is a 4-byte
 * magic, a 4-byte length and the data padded to 8 bytes, up to an end
 * marker (magic 0).  The backing file name comes last, not terminated.
 *
 * Writing the header back rebuilds the whole cluster in QEMU's order
 * (qcow2_update_header): what this driver does not understand (header
 * fields past its own, unknown extensions) is kept and written again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/qcow2/qcow2.h"

const struct qcow2_feature qcow2_known_features[8] = {
    { QCOW2_FEAT_INCOMPAT, 0, "dirty bit" },
    { QCOW2_FEAT_INCOMPAT, 1, "corrupt bit" },
    { QCOW2_FEAT_INCOMPAT, 2, "external data file" },
    { QCOW2_FEAT_INCOMPAT, 3, "compression type" },
    { QCOW2_FEAT_INCOMPAT, 4, "extended L2 entries" },
    { QCOW2_FEAT_COMPAT, 0, "lazy refcounts" },
    { QCOW2_FEAT_AUTOCLEAR, 0, "bitmaps" },
    { QCOW2_FEAT_AUTOCLEAR, 1, "raw external data" },
};

void qcow2_header_decode(const unsigned char *b, struct qcow2_header *h)
{
    memset(h, 0, sizeof(*h));
    h->magic = qcow2_be32(b + 0);
    h->version = qcow2_be32(b + 4);
    h->backing_file_offset = qcow2_be64(b + 8);
    h->backing_file_size = qcow2_be32(b + 16);
    h->cluster_bits = qcow2_be32(b + 20);
    h->size = qcow2_be64(b + 24);
    h->crypt_method = qcow2_be32(b + 32);
    h->l1_size = qcow2_be32(b + 36);
    h->l1_table_offset = qcow2_be64(b + 40);
    h->refcount_table_offset = qcow2_be64(b + 48);
    h->refcount_table_clusters = qcow2_be32(b + 56);
    h->nb_snapshots = qcow2_be32(b + 60);
    h->snapshots_offset = qcow2_be64(b + 64);
    if (h->version == 2) {
        /* Version 2 has none of these: the defaults QEMU assumes. */
        h->refcount_order = 4;
        h->header_length = QCOW2_HEADER_V2_LEN;
        return;
    }
    h->incompatible_features = qcow2_be64(b + 72);
    h->compatible_features = qcow2_be64(b + 80);
    h->autoclear_features = qcow2_be64(b + 88);
    h->refcount_order = qcow2_be32(b + 96);
    h->header_length = qcow2_be32(b + 100);
    /* Older v3 headers end before the compression type: zlib. */
    h->compression_type = h->header_length > QCOW2_HEADER_V3_MIN_LEN ? b[104]
                                                                      : 0;
}

static void header_encode(const struct qcow2_header *h, unsigned char *b)
{
    qcow2_put_be32(b + 0, QCOW2_MAGIC);
    qcow2_put_be32(b + 4, h->version);
    qcow2_put_be64(b + 8, h->backing_file_offset);
    qcow2_put_be32(b + 16, h->backing_file_size);
    qcow2_put_be32(b + 20, h->cluster_bits);
    qcow2_put_be64(b + 24, h->size);
    qcow2_put_be32(b + 32, h->crypt_method);
    qcow2_put_be32(b + 36, h->l1_size);
    qcow2_put_be64(b + 40, h->l1_table_offset);
    qcow2_put_be64(b + 48, h->refcount_table_offset);
    qcow2_put_be32(b + 56, h->refcount_table_clusters);
    qcow2_put_be32(b + 60, h->nb_snapshots);
    qcow2_put_be64(b + 64, h->snapshots_offset);
    if (h->version < 3)
        return;
    qcow2_put_be64(b + 72, h->incompatible_features);
    qcow2_put_be64(b + 80, h->compatible_features);
    qcow2_put_be64(b + 88, h->autoclear_features);
    qcow2_put_be32(b + 96, h->refcount_order);
    qcow2_put_be32(b + 100, h->header_length);
    b[104] = h->compression_type;
    memset(b + 105, 0, 7);
}

/* Append one extension at *pos; -ENOSPC when it does not fit. */
static int ext_add(unsigned char *buf, size_t buflen, size_t *pos,
                   uint32_t magic, const void *data, uint32_t len)
{
    size_t total = 8 + (((size_t)len + 7) & ~(size_t)7);

    if (buflen - *pos < total)
        return -ENOSPC;
    qcow2_put_be32(buf + *pos, magic);
    qcow2_put_be32(buf + *pos + 4, len);
    if (len > 0)
        memcpy(buf + *pos + 8, data, len);
    *pos += total;
    return 0;
}

static void feature_table_bytes(unsigned char *out)
{
    for (size_t i = 0; i < 8; i++) {
        unsigned char *e = out + i * 48;

        memset(e, 0, 48);
        e[0] = qcow2_known_features[i].type;
        e[1] = qcow2_known_features[i].bit;
        memcpy(e + 2, qcow2_known_features[i].name,
               strlen(qcow2_known_features[i].name));
    }
}

int qcow2_header_build(struct qcow2_header *h,
                       const struct qcow2_header_vars *v,
                       unsigned char *buf, size_t buflen)
{
    size_t pos = h->version < 3 ? QCOW2_HEADER_V2_LEN : QCOW2_HEADER_LEN;
    int ret = 0;

    if (buflen < QCOW2_HEADER_LEN)
        return -ENOSPC;
    memset(buf, 0, buflen);
    if (h->version >= 3)
        h->header_length = (uint32_t)(QCOW2_HEADER_LEN + v->unknown_fields_len);
    if (v->unknown_fields_len > 0) {
        if (buflen - pos < v->unknown_fields_len)
            return -ENOSPC;
        memcpy(buf + pos, v->unknown_fields, v->unknown_fields_len);
        pos += v->unknown_fields_len;
    }
    if (v->backing_format != NULL)
        ret = ext_add(buf, buflen, &pos, QCOW2_EXT_BACKING_FORMAT,
                      v->backing_format, (uint32_t)strlen(v->backing_format));
    if (ret == 0 && v->data_file != NULL)
        ret = ext_add(buf, buflen, &pos, QCOW2_EXT_DATA_FILE, v->data_file,
                      (uint32_t)strlen(v->data_file));
    if (ret == 0 && v->feature_table) {
        unsigned char table[8 * 48];

        feature_table_bytes(table);
        ret = ext_add(buf, buflen, &pos, QCOW2_EXT_FEATURE_TABLE, table,
                      sizeof(table));
    }
    if (ret == 0 && v->nb_bitmaps > 0) {
        unsigned char b[24];

        qcow2_put_be32(b, v->nb_bitmaps);
        qcow2_put_be32(b + 4, 0);
        qcow2_put_be64(b + 8, v->bitmap_directory_size);
        qcow2_put_be64(b + 16, v->bitmap_directory_offset);
        ret = ext_add(buf, buflen, &pos, QCOW2_EXT_BITMAPS, b, sizeof(b));
    }
    for (const struct qcow2_ext *e = v->unknown; ret == 0 && e != NULL;
         e = e->next)
        ret = ext_add(buf, buflen, &pos, e->magic, e->data, e->len);
    if (ret == 0)
        ret = ext_add(buf, buflen, &pos, QCOW2_EXT_END, NULL, 0);
    if (ret < 0)
        return ret;
    h->backing_file_offset = 0;
    h->backing_file_size = 0;
    if (v->backing_file != NULL) {
        size_t len = strlen(v->backing_file);

        if (buflen - pos < len)
            return -ENOSPC;
        memcpy(buf + pos, v->backing_file, len);
        h->backing_file_offset = pos;
        h->backing_file_size = (uint32_t)len;
    }
    header_encode(h, buf);
    return 0;
}

char *qcow2_unsupported_features(const unsigned char *table, size_t n,
                                 uint64_t mask)
{
    char list[4096] = "";
    size_t len = 0;

    /* A table entry with an empty name ends the table, as in QEMU. */
    for (size_t i = 0; table != NULL && i < n && table[i * 48 + 2] != '\0';
         i++) {
        const unsigned char *e = table + i * 48;

        if (e[0] != QCOW2_FEAT_INCOMPAT || e[1] >= 64 ||
            !(mask & (1ULL << e[1])))
            continue;
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%.46s",
                                len ? ", " : "", (const char *)e + 2);
        if (len >= sizeof(list))
            len = sizeof(list) - 1;
        mask &= ~(1ULL << e[1]);
    }
    if (mask)
        snprintf(list + len, sizeof(list) - len,
                 "%sUnknown incompatible feature: %" PRIx64, len ? ", " : "",
                 mask);
    return strfmt("Unsupported qcow2 feature(s): %s", list);
}
