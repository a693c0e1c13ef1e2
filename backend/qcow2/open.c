/*
 * qcow2-open.c — opening and closing a qcow2 image, its options, and the
 * header writes that change its state (dirty, clean, corrupt).
 *
 * Open follows qcow2_do_open step by step, because its error messages and
 * the order it reads the file in are what a user (or a blkdebug rule on
 * reads) sees: the header, unknown header fields, feature bits, the
 * tables' sanity, the L1 table, the options and caches, the refcount
 * table, the extensions, the backing file name, the snapshot table; then
 * bits to clear in the header.  It runs as a coroutine like any request;
 * the open call iterates the loop until it is done.
 *
 * The options (options.c) are read where QEMU reads them, after the L1
 * table; a node keeps its own to read them again (truncate, reopen).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"
#include "backend/qcow2/qcow2.h"

struct open_ctx {
    struct bk_node *node;
    struct bk_opts *opts;
    char *cause;
    int ret;
    struct qcow2_header h;        /* what the second part reads on from */
    bool update_header;           /* the extensions want it rewritten */
};

static int fail(struct open_ctx *o, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct open_ctx *o, int ret, const char *fmt, ...)
{
    va_list ap;

    if (o->cause == NULL) {
        va_start(ap, fmt);
        o->cause = vstrfmt(fmt, ap);
        va_end(ap);
    }
    return ret;
}

/* "MESSAGE: strerror" as error_setg_errno words it. */
static int fail_errno(struct open_ctx *o, int ret, const char *msg)
{
    return fail(o, ret, "%s: %s", msg, strerror(-ret));
}

static int validate_table(struct qcow2_state *s, struct open_ctx *o,
                          uint64_t offset, uint64_t entries, size_t entry_len,
                          uint64_t max_bytes, const char *name)
{
    if (entries > max_bytes / entry_len)
        return fail(o, -EFBIG, "%s too large", name);
    if ((uint64_t)INT64_MAX - entries * entry_len < offset ||
        qcow2_offset_into_cluster(s, offset))
        return fail(o, -EINVAL, "%s offset invalid", name);
    return 0;
}

/* ---- options ------------------------------------------------------------ */

static bool opts_have_prefix(const struct bk_opts *opts, const char *prefix)
{
    const char *k, *v;

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++)
        if (strncmp(k, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

/* ---- extensions and the snapshot table ---------------------------------- */

/* Read the extensions in [start, end) as QEMU does, one read per header
 * and one per body.  With table, only the feature table is kept. */
static int read_extensions(struct qcow2_state *s, struct open_ctx *o,
                           uint64_t start, uint64_t end,
                           unsigned char **table, size_t *table_len)
{
    uint64_t offset = start;
    int ret;

    while (offset < end) {
        unsigned char hdr[8];
        uint32_t magic, len;

        ret = qcow2_file_pread(s, (int64_t)offset, hdr, sizeof(hdr));
        if (ret < 0)
            return fail(o, -EINVAL, "qcow2_read_extension: ERROR: pread "
                        "fail from offset %" PRIu64 ": %s", offset,
                        strerror(-ret));
        magic = qcow2_be32(hdr);
        len = qcow2_be32(hdr + 4);
        offset += 8;
        if (offset > end || len > end - offset)
            return fail(o, -EINVAL, "Header extension too large");
        if (magic == QCOW2_EXT_END)
            return 0;
        if (table != NULL) {
            if (magic == QCOW2_EXT_FEATURE_TABLE) {
                free(*table);
                *table = calloc(1, (size_t)len + 2 * 48);
                if (*table == NULL)
                    return -ENOMEM;
                ret = qcow2_file_pread(s, (int64_t)offset, *table, len);
                if (ret < 0)
                    return fail_errno(o, ret, "ERROR: ext_feature_table: "
                                      "Could not read table");
                *table_len = len / 48;
            }
            offset += ((uint64_t)len + 7) & ~7ULL;
            continue;
        }
        switch (magic) {
        case QCOW2_EXT_BACKING_FORMAT:
            if (len >= 16)
                return fail(o, -EINVAL, "ERROR: ext_backing_format: len=%"
                            PRIu32 " too large (>=%zu)", len, (size_t)16);
            free(s->image_backing_format);
            s->image_backing_format = calloc(1, (size_t)len + 1);
            if (s->image_backing_format == NULL)
                return -ENOMEM;
            ret = qcow2_file_pread(s, (int64_t)offset,
                                   s->image_backing_format, len);
            if (ret < 0)
                return fail_errno(o, -EINVAL, "ERROR: ext_backing_format: "
                                  "Could not read format name");
            break;
        case QCOW2_EXT_FEATURE_TABLE:
            break;
        case QCOW2_EXT_CRYPTO_HEADER:
            return fail(o, -EINVAL, "CRYPTO header extension only expected "
                        "with LUKS encryption method");
        case QCOW2_EXT_BITMAPS: {
            unsigned char b[24];

            if (len != sizeof(b))
                return fail(o, -EINVAL, "bitmaps_ext: Invalid extension "
                            "length");
            if (!(s->autoclear_features & QCOW2_AUTOCLEAR_BITMAPS)) {
                char *m = s->version < 3
                    ? strfmt("This qcow2 v2 image contains bitmaps, "
                             "but they may have been modified by a program "
                             "without persistent bitmap support; so now "
                             "they must all be considered inconsistent")
                    : strfmt("a program lacking bitmap support "
                             "modified this file, so all bitmaps are now "
                             "considered inconsistent");

                bk_stack_message(s->node->stack, BK_MSG_WARNING, m);
                free(m);
                /* qemu prints it with no line end. */
                m = strfmt("Some clusters may be leaked, run 'qemu-img "
                           "check -r' on the image file to fix.");
                bk_stack_message(s->node->stack, BK_MSG_TEXT, m);
                free(m);
                /* The extension goes when the header is written. */
                o->update_header = true;
                break;
            }
            ret = qcow2_file_pread(s, (int64_t)offset, b, sizeof(b));
            if (ret < 0)
                return fail_errno(o, ret, "bitmaps_ext: Could not read ext "
                                  "header");
            if (qcow2_be32(b + 4) != 0)
                return fail(o, -EINVAL, "bitmaps_ext: Reserved field is not "
                            "zero");
            s->nb_bitmaps = qcow2_be32(b);
            s->bitmap_directory_size = qcow2_be64(b + 8);
            s->bitmap_directory_offset = qcow2_be64(b + 16);
            if (s->nb_bitmaps > QCOW2_MAX_BITMAPS)
                return fail(o, -EINVAL, "bitmaps_ext: Image has %" PRIu32
                            " bitmaps, exceeding the QEMU supported maximum "
                            "of %d", s->nb_bitmaps, QCOW2_MAX_BITMAPS);
            if (s->nb_bitmaps == 0)
                return fail(o, -EINVAL, "found bitmaps extension with zero "
                            "bitmaps");
            if (qcow2_offset_into_cluster(s, s->bitmap_directory_offset))
                return fail(o, -EINVAL, "bitmaps_ext: invalid bitmap "
                            "directory offset");
            if (s->bitmap_directory_size > QCOW2_MAX_BITMAP_DIRECTORY_SIZE)
                return fail(o, -EINVAL, "bitmaps_ext: bitmap directory size "
                            "(%" PRIu64 ") exceeds the maximum supported "
                            "size (%llu)", s->bitmap_directory_size,
                            QCOW2_MAX_BITMAP_DIRECTORY_SIZE);
            break;
        }
        case QCOW2_EXT_DATA_FILE:
            free(s->image_data_file);
            s->image_data_file = calloc(1, (size_t)len + 1);
            if (s->image_data_file == NULL)
                return -ENOMEM;
            ret = qcow2_file_pread(s, (int64_t)offset, s->image_data_file,
                                   len);
            if (ret < 0)
                return fail_errno(o, ret, "ERROR: Could not read data file "
                                  "name");
            break;
        default: {
            /* Kept, to be written back; QEMU's list puts each in front. */
            struct qcow2_ext *e = calloc(1, sizeof(*e) + len);

            if (e == NULL)
                return -ENOMEM;
            e->magic = magic;
            e->len = len;
            e->next = s->unknown_ext;
            s->unknown_ext = e;
            ret = qcow2_file_pread(s, (int64_t)offset, e->data, len);
            if (ret < 0)
                return fail_errno(o, ret, "ERROR: unknown extension: Could "
                                  "not read data");
            break;
        }
        }
        offset += ((uint64_t)len + 7) & ~7ULL;
    }
    return 0;
}

/*
 * The snapshot table, read as QEMU reads it: per entry the fixed part, the
 * extra data QEMU knows (up to 24 bytes), the rest of it, the ID, the
 * name, one read each.  What is kept: where each L1 table lies, the ID and
 * the name (the check's messages name snapshots).
 */
static int read_snapshots(struct qcow2_state *s, struct open_ctx *o)
{
    uint64_t offset = s->snapshots_offset;

    if (s->nb_snapshots == 0)
        return 0;
    s->snapshots = calloc(s->nb_snapshots, sizeof(*s->snapshots));
    if (s->snapshots == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        unsigned char h[QCOW2_SNAPSHOT_HEADER_SIZE], extra[24], *rest;
        struct qcow2_snapshot *sn = &s->snapshots[i];
        uint32_t extra_size, known;
        uint16_t id_len, name_len;
        int ret;

        offset = (offset + 7) & ~7ULL;
        ret = qcow2_file_pread(s, (int64_t)offset, h, sizeof(h));
        if (ret < 0)
            return fail_errno(o, ret, "Failed to read snapshot table");
        offset += sizeof(h);
        sn->l1_table_offset = qcow2_be64(h);
        sn->l1_size = qcow2_be32(h + 8);
        id_len = (uint16_t)(h[12] << 8 | h[13]);
        name_len = (uint16_t)(h[14] << 8 | h[15]);
        extra_size = qcow2_be32(h + 36);
        if (extra_size > 1024)
            return fail(o, -EFBIG, "Too much extra metadata in snapshot "
                        "table entry %u", i);
        known = extra_size < sizeof(extra) ? extra_size : sizeof(extra);
        ret = qcow2_file_pread(s, (int64_t)offset, extra, known);
        if (ret < 0)
            return fail_errno(o, ret, "Failed to read snapshot table");
        offset += known;
        if (extra_size > sizeof(extra)) {
            rest = malloc(extra_size - sizeof(extra));
            if (rest == NULL)
                return -ENOMEM;
            ret = qcow2_file_pread(s, (int64_t)offset, rest,
                                   extra_size - sizeof(extra));
            free(rest);
            if (ret < 0)
                return fail_errno(o, ret, "Failed to read snapshot table");
            offset += extra_size - sizeof(extra);
        }
        sn->id_str = calloc(1, (size_t)id_len + 1);
        sn->name = calloc(1, (size_t)name_len + 1);
        if (sn->id_str == NULL || sn->name == NULL)
            return -ENOMEM;
        ret = qcow2_file_pread(s, (int64_t)offset, sn->id_str, id_len);
        if (ret < 0)
            return fail_errno(o, ret, "Failed to read snapshot table");
        offset += id_len;
        ret = qcow2_file_pread(s, (int64_t)offset, sn->name, name_len);
        if (ret < 0)
            return fail_errno(o, ret, "Failed to read snapshot table");
        offset += name_len;
        if (offset - s->snapshots_offset > 1024ULL * QCOW2_MAX_SNAPSHOTS ||
            offset - s->snapshots_offset > INT_MAX)
            return fail(o, -EFBIG, "Snapshot table is too big");
    }
    s->snapshots_size = offset - s->snapshots_offset;
    return 0;
}

/* ---- backing file ------------------------------------------------------- */

/*
 * The format of a backing file the header does not name: what its first
 * sector looks like (qcow2 or raw; others are named in the error), as
 * QEMU probes it.
 */
static const char *backing_format_probe(struct qcow2_state *s,
                                        const char *path)
{
    unsigned char buf[512];
    const char *name;
    FILE *f;
    size_t n;

    (void)s;
    if (path == NULL || (f = fopen(path, "rb")) == NULL)
        return "raw";
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    name = bk_probe_format(buf, n);
    return name != NULL ? name : "raw";
}

/* The backing file's name as QEMU resolves it: relative to the image. */
static char *backing_path(const char *image, const char *backing)
{
    const char *slash;

    if (backing[0] == '/' || image == NULL ||
        (slash = strrchr(image, '/')) == NULL ||
        strchr(backing, ':') != NULL)
        return strdup(backing);
    return strfmt("%.*s%s", (int)(slash - image + 1), image, backing);
}

/* Put the options of a json: backing file name under "backing.", where
 * none is given already. */
static int json_backing_opts(struct open_ctx *o, const char *json)
{
    struct bk_opts *j = bk_opts_new();
    const char *k, *v;
    int ret = bk_opts_parse_json(j, json, &o->cause);

    for (size_t i = 0; ret == 0 && bk_opts_at(j, i, &k, &v); i++) {
        char *key = strfmt("backing.%s", k);

        if (key == NULL) {
            ret = -ENOMEM;
            break;
        }
        if (!bk_opts_has(o->opts, key))
            bk_opts_set(o->opts, key, v);
        free(key);
    }
    bk_opts_free(j);
    return ret;
}

/*
 * The backing file, as bdrv_open_backing_file opens it: named by the
 * header (relative to the image's directory) unless the options name a
 * file (backing.file.filename) or a node (backing=NAME, which blkmon has
 * none of); in the header's format unless backing.driver says; read-only.
 * "backing": null (or "") means none.  Any failure is prefixed "Could not
 * open backing file: ".
 */
static int open_backing(struct qcow2_state *s, struct open_ctx *o)
{
    struct bk_node *node = s->node;
    const char *ref = bk_opts_get(o->opts, "backing");
    const char *fmt = NULL;
    char *path = NULL;
    int ret;

    if (ref != NULL && ref[0] == '\0') {
        bk_opts_del(o->opts, "backing");
        return 0;
    }
    if (ref == NULL && !bk_opts_has(o->opts, "backing.file.filename")) {
        if (s->image_backing_file == NULL &&
            !opts_have_prefix(o->opts, "backing."))
            return 0;
        if (s->image_backing_file != NULL &&
            strncmp(s->image_backing_file, "json:", 5) == 0) {
            /* A json: name is options; given ones win. */
            ret = json_backing_opts(o, s->image_backing_file + 5);
            if (ret < 0)
                goto out;
        } else if (s->image_backing_file != NULL) {
            path = backing_path(bk_node_bottom(node)->filename,
                                s->image_backing_file);
        }
    }
    /* The format goes in as an option, so that an unknown one is named
     * as one given by the user would be. */
    if (ref == NULL && !bk_opts_has(o->opts, "backing.driver")) {
        fmt = s->image_backing_format != NULL
                  ? s->image_backing_format
                  : backing_format_probe(
                        s, path != NULL
                               ? path
                               : bk_opts_get(o->opts,
                                             "backing.file.filename"));
        bk_opts_set(o->opts, "backing.driver", fmt);
    }
    ret = bk_stack_open_child(node->stack,
                              node->open_flags & ~(unsigned)BK_O_RDWR,
                              o->opts, "backing", path, "raw",
                              &node->backing, &o->cause);
out:
    if (ret < 0) {
        char *c = strfmt("Could not open backing file: %s",
                         o->cause != NULL ? o->cause : strerror(-ret));

        free(o->cause);
        o->cause = c;
    }
    free(path);
    return ret;
}

/* ---- the open sequence -------------------------------------------------- */

static int do_open(struct qcow2_state *s, struct open_ctx *o)
{
    struct bk_node *node = s->node;
    unsigned flags = node->open_flags;
    unsigned char buf[QCOW2_HEADER_LEN];
    struct qcow2_header h;
    struct qcow2_options r;
    uint64_t ext_end, l1_vm_state_index;
    int ret;

    ret = qcow2_file_pread(s, 0, buf, sizeof(buf));
    if (ret < 0)
        return fail_errno(o, ret, "Could not read qcow2 header");
    qcow2_header_decode(buf, &h);
    if (h.magic != QCOW2_MAGIC)
        return fail(o, -EINVAL, "Image is not in qcow2 format");
    if (h.version < 2 || h.version > 3)
        return fail(o, -ENOTSUP, "Unsupported qcow2 version %" PRIu32,
                    h.version);
    s->version = (int)h.version;
    if (h.cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
        h.cluster_bits > QCOW2_MAX_CLUSTER_BITS)
        return fail(o, -EINVAL, "Unsupported cluster size: 2^%" PRIu32,
                    h.cluster_bits);
    s->cluster_bits = h.cluster_bits;
    s->cluster_size = 1u << h.cluster_bits;
    if (h.version >= 3 && h.header_length < QCOW2_HEADER_V3_MIN_LEN)
        return fail(o, -EINVAL, "qcow2 header too short");
    if (h.header_length > s->cluster_size)
        return fail(o, -EINVAL, "qcow2 header exceeds cluster size");
    if (h.header_length > QCOW2_HEADER_LEN) {
        s->unknown_header_fields_len = h.header_length - QCOW2_HEADER_LEN;
        s->unknown_header_fields = malloc(s->unknown_header_fields_len);
        if (s->unknown_header_fields == NULL)
            return -ENOMEM;
        ret = qcow2_file_pread(s, QCOW2_HEADER_LEN, s->unknown_header_fields,
                               s->unknown_header_fields_len);
        if (ret < 0)
            return fail_errno(o, ret, "Could not read unknown qcow2 header "
                              "fields");
    }
    if (h.backing_file_offset > s->cluster_size)
        return fail(o, -EINVAL, "Invalid backing file offset");
    ext_end = h.backing_file_offset ? h.backing_file_offset : s->cluster_size;

    s->incompatible_features = h.incompatible_features;
    s->compatible_features = h.compatible_features;
    s->autoclear_features = h.autoclear_features;
    s->compression_type = h.compression_type;
    if (s->compression_type > 1)
        return fail(o, -ENOTSUP, "qcow2: unknown compression type: %u",
                    s->compression_type);
    if (s->compression_type == 0 &&
        (s->incompatible_features & QCOW2_INCOMPAT_COMPRESSION))
        return fail(o, -EINVAL, "qcow2: Compression type incompatible "
                    "feature bit must not be set");
    if (s->compression_type != 0 &&
        !(s->incompatible_features & QCOW2_INCOMPAT_COMPRESSION))
        return fail(o, -EINVAL, "qcow2: Compression type incompatible "
                    "feature bit must be set");
    if (s->incompatible_features & ~QCOW2_INCOMPAT_MASK) {
        unsigned char *table = NULL;
        size_t n = 0;

        read_extensions(s, o, h.header_length, ext_end, &table, &n);
        free(o->cause);   /* only the feature names matter here */
        o->cause = qcow2_unsupported_features(
            table, n + 1, s->incompatible_features & ~QCOW2_INCOMPAT_MASK);
        free(table);
        return -ENOTSUP;
    }
    if ((s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) &&
        (flags & BK_O_RDWR))
        return fail(o, -EACCES, "qcow2: Image is corrupt; cannot be opened "
                    "read/write");
    s->geom.extended = (s->incompatible_features & QCOW2_INCOMPAT_EXTL2) != 0;
    s->geom.cluster_bits = s->cluster_bits;
    s->subclusters_per_cluster = s->geom.extended ? QCOW2_SUBCLUSTERS : 1;
    s->subcluster_size = s->cluster_size / s->subclusters_per_cluster;
    s->subcluster_bits = (unsigned)__builtin_ctz(s->subcluster_size);
    if (s->subcluster_size < 512)
        return fail(o, -EINVAL, "Unsupported subcluster size: %u",
                    s->subcluster_size);
    if (h.refcount_order > 6)
        return fail(o, -EINVAL, "Reference count entry width too large; may "
                    "not exceed 64 bits");
    s->refcount_order = h.refcount_order;
    s->refcount_max = qcow2_rc_max(h.refcount_order);
    s->crypt_method = h.crypt_method;
    s->l2_bits = s->cluster_bits - (s->geom.extended ? 4 : 3);
    s->l2_size = 1u << s->l2_bits;
    s->refcount_block_bits = s->cluster_bits - (s->refcount_order - 3);
    s->refcount_block_size = 1u << s->refcount_block_bits;
    s->size = h.size;
    s->refcount_table_offset = h.refcount_table_offset;
    s->refcount_table_size = h.refcount_table_clusters << (s->cluster_bits - 3);
    if (h.refcount_table_clusters == 0)
        return fail(o, -EINVAL, "Image does not contain a reference count "
                    "table");
    ret = validate_table(s, o, s->refcount_table_offset,
                         h.refcount_table_clusters, s->cluster_size,
                         QCOW2_MAX_REFTABLE_SIZE, "Reference count table");
    if (ret == 0)
        ret = validate_table(s, o, h.snapshots_offset, h.nb_snapshots,
                             QCOW2_SNAPSHOT_HEADER_SIZE,
                             QCOW2_SNAPSHOT_HEADER_SIZE *
                                 (uint64_t)QCOW2_MAX_SNAPSHOTS,
                             "Snapshot table");
    if (ret == 0)
        ret = validate_table(s, o, h.l1_table_offset, h.l1_size, 8,
                             QCOW2_MAX_L1_SIZE, "Active L1 table");
    if (ret < 0)
        return ret;
    s->l1_size = h.l1_size;
    s->l1_table_offset = h.l1_table_offset;
    l1_vm_state_index = (h.size + (1ULL << (s->cluster_bits + s->l2_bits)) -
                         1) >> (s->cluster_bits + s->l2_bits);
    if (l1_vm_state_index > INT_MAX)
        return fail(o, -EFBIG, "Image is too big");
    s->l1_vm_state_index = (uint32_t)l1_vm_state_index;
    if (s->l1_size < s->l1_vm_state_index)
        return fail(o, -EINVAL, "L1 table is too small");
    if (s->l1_size > 0) {
        s->l1_table = malloc((size_t)s->l1_size * 8);
        if (s->l1_table == NULL)
            return fail(o, -ENOMEM, "Could not allocate L1 table");
        ret = qcow2_file_pread(s, (int64_t)s->l1_table_offset, s->l1_table,
                               (size_t)s->l1_size * 8);
        if (ret < 0)
            return fail_errno(o, ret, "Could not read L1 table");
        for (uint32_t i = 0; i < s->l1_size; i++)
            s->l1_table[i] = qcow2_be64(&s->l1_table[i]);
    }

    s->runtime_opts = qcow2_options_copy(o->opts);
    ret = qcow2_options_prepare(s, o->opts, flags, &r, &o->cause);
    if (ret < 0) {
        qcow2_options_abort(&r);
        return ret;
    }
    qcow2_options_commit(s, &r);
    ret = qcow2_refcount_init(s);
    if (ret < 0)
        return fail_errno(o, ret, "Could not initialize refcount handling");
    ret = read_extensions(s, o, h.header_length, ext_end, NULL, NULL);
    if (ret < 0)
        return fail(o, -EINVAL, "%s", "Invalid extension");
    o->h = h;
    return 0;
}

/*
 * The external data file, where qemu opens it (after the extensions):
 * the one the options give ("data-file.*", or a node reference), else the
 * one the header names; refused for an image without one.  Outside the
 * coroutine: opening a node may wait on the loop.
 */
static int open_data_file(struct qcow2_state *s, struct open_ctx *o)
{
    struct bk_node *node = s->node;
    int ret;

    if (bk_opts_get(o->opts, "data-file") != NULL ||
        opts_have_prefix(o->opts, "data-file.")) {
        ret = bk_stack_open_child(node->stack, node->open_flags, o->opts,
                                  "data-file", NULL, "file", &node->data,
                                  &o->cause);
        if (ret < 0)
            return ret;
    }
    if (s->incompatible_features & QCOW2_INCOMPAT_DATA_FILE) {
        if (node->data == NULL && s->image_data_file != NULL) {
            ret = bk_stack_open_child(node->stack, node->open_flags,
                                      o->opts, "data-file",
                                      s->image_data_file, "file",
                                      &node->data, &o->cause);
            if (ret < 0)
                return ret;
        }
        if (node->data == NULL)
            return fail(o, -EINVAL, "'data-file' is required for this "
                        "image");
    } else {
        if (node->data != NULL)
            return fail(o, -EINVAL, "'data-file' can only be set for images "
                        "with an external data file");
        if (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW)
            return fail(o, -EINVAL, "data-file-raw requires a data file");
    }
    s->data_file = node->data != NULL ? node->data : node->file;
    s->geom.data_file = node->data != NULL;
    return 0;
}

/* The rest of qcow2_do_open, once the data file is open. */
static int do_open_tail(struct qcow2_state *s, struct open_ctx *o)
{
    unsigned flags = s->node->open_flags;
    struct qcow2_header h = o->h;
    bool update_header = false;
    int ret;

    if (h.backing_file_offset != 0) {
        uint32_t len = h.backing_file_size;
        uint64_t room = s->cluster_size - h.backing_file_offset;

        if (len > (room < QCOW2_MAX_BACKING_NAME ? room
                                                  : QCOW2_MAX_BACKING_NAME) ||
            len >= 1024)
            return fail(o, -EINVAL, "Backing file name too long");
        s->image_backing_file = calloc(1, (size_t)len + 1);
        if (s->image_backing_file == NULL)
            return -ENOMEM;
        ret = qcow2_file_pread(s, (int64_t)h.backing_file_offset,
                               s->image_backing_file, len);
        if (ret < 0)
            return fail_errno(o, ret, "Could not read backing file name");
    }
    s->snapshots_offset = h.snapshots_offset;
    s->nb_snapshots = h.nb_snapshots;
    ret = read_snapshots(s, o);
    if (ret < 0)
        return ret;

    /* Unknown autoclear bits are cleared when the image may be written. */
    update_header = o->update_header ||
                    (s->autoclear_features & ~QCOW2_AUTOCLEAR_MASK) != 0;
    update_header = update_header && (flags & BK_O_RDWR);
    if (update_header)
        s->autoclear_features &= QCOW2_AUTOCLEAR_MASK;
    /* Persistent bitmaps: loaded, and in use from now in a writable
     * image (which writes the header already). */
    {
        bool header_updated = false;

        ret = qcow2_load_dirty_bitmaps(s, &header_updated, &o->cause);
        if (ret < 0)
            return -EINVAL;
        update_header = update_header && !header_updated;
    }
    if (update_header) {
        ret = qcow2_update_header(s);
        if (ret < 0)
            return fail_errno(o, ret, "Could not update qcow2 header");
    }
    /* Dirty (lazy refcounts, then a crash): repaired before any use. */
    if ((flags & BK_O_RDWR) &&
        (s->incompatible_features & QCOW2_INCOMPAT_DIRTY)) {
        struct qcow2_check res;

        ret = qcow2_check(s, &res, QCOW2_FIX_ERRORS | QCOW2_FIX_LEAKS);
        if (ret < 0 || res.check_errors)
            return fail_errno(o, ret < 0 ? ret : -EIO,
                              "Could not repair dirty image");
    }
    return 0;
}

static int open_head_co(void *arg)
{
    struct open_ctx *o = arg;

    return do_open(o->node->state, o);
}

static int open_tail_co(void *arg)
{
    struct open_ctx *o = arg;

    return do_open_tail(o->node->state, o);
}

static void qcow2_free_state(struct qcow2_state *s)
{
    qcow2_bitmaps_free(s);
    qcow2_cache_clean_timer_del(s);
    bk_opts_free(s->runtime_opts);
    free(s->l1_table);
    free(s->refcount_table);
    qcow2_cache_free(s->l2_cache);
    qcow2_cache_free(s->rc_cache);
    free(s->unknown_header_fields);
    while (s->unknown_ext != NULL) {
        struct qcow2_ext *e = s->unknown_ext;

        s->unknown_ext = e->next;
        free(e);
    }
    free(s->image_backing_file);
    free(s->image_backing_format);
    free(s->image_data_file);
    for (uint32_t i = 0; s->snapshots != NULL && i < s->nb_snapshots; i++) {
        free(s->snapshots[i].id_str);
        free(s->snapshots[i].name);
    }
    free(s->snapshots);
    while (s->discards != NULL) {
        struct qcow2_discard *d = s->discards;

        s->discards = d->next;
        free(d);
    }
    qcow2_free_spare_tasks(s);
    memset(s, 0, sizeof(*s));
}

int qcow2_open(struct bk_node *node, struct bk_opts *opts,
               const char *filename, char **cause)
{
    struct qcow2_state *s = node->state;
    struct open_ctx o = { .node = node, .opts = opts };
    int ret;

    s->node = node;
    /* As qemu: the child first, then this node's common options
     * (node-name, discard, detect-zeroes), then its own. */
    ret = bk_node_open_child(node, opts, "file", filename, "file", cause);
    if (ret < 0)
        return ret;
    ret = bk_node_open_common(node, opts, cause);
    if (ret < 0) {
        bk_node_close(node->file);
        node->file = NULL;
        return ret;
    }
    /* The data file opens between the two parts, outside coroutines. */
    s->data_file = node->file;
    o.ret = qcow2_run_sync(node, open_head_co, &o);
    if (o.ret == 0)
        o.ret = open_data_file(s, &o);
    if (o.ret == 0)
        o.ret = qcow2_run_sync(node, open_tail_co, &o);
    if (o.ret == 0)
        o.ret = open_backing(s, &o);
    if (o.ret < 0) {
        *cause = o.cause != NULL ? o.cause : strfmt("%s", strerror(-o.ret));
        qcow2_free_state(s);
        bk_node_close(node->backing);
        bk_node_close(node->data);
        bk_node_close(node->file);
        node->file = node->backing = node->data = NULL;
        return o.ret;
    }
    free(o.cause);
    node->bl.request_alignment = 1;
    node->bl.pwrite_zeroes_alignment = s->subcluster_size;
    node->bl.pdiscard_alignment = s->cluster_size;
    node->bl.cluster_size = s->cluster_size;
    node->bl.max_transfer = node->file->bl.max_transfer;
    node->bl.buf_align = node->file->bl.buf_align;
    node->supported_write_flags = 0;
    node->supported_truncate_flags = BK_TRUNC_ZERO_WRITE;
    return 0;
}

/* ---- close -------------------------------------------------------------- */

struct close_ctx {
    struct qcow2_state *s;
    bool done;
};

static void note_failure(struct qcow2_state *s, const char *what, int ret)
{
    char *m = strfmt("Failed to flush the %s cache: %s", what,
                     strerror(-ret));

    if (m != NULL)
        bk_stack_message(s->node->stack, BK_MSG_REPORT, m);
    free(m);
}

/*
 * What closing does in QEMU: a flush of the node (events, caches, the
 * file), then the caches written and flushed once more and the dirty bit
 * cleared.
 */
static void close_co(void *arg)
{
    struct close_ctx *c = arg;
    struct qcow2_state *s = c->s;
    int ret, result = 0;

    if ((s->node->open_flags & BK_O_RDWR) && !s->broken) {
        char *cause = NULL;

        qcow2_node_flush(s, s->node);
        /* Bitmaps first: storing them allocates. */
        if (qcow2_store_persistent_dirty_bitmaps(s, true, &cause) < 0) {
            char *m = strfmt("Lost persistent bitmaps during inactivation "
                             "of node '%s': %s", s->node->node_name,
                             cause != NULL ? cause : "");

            if (m != NULL)
                bk_stack_message(s->node->stack, BK_MSG_REPORT, m);
            free(m);
            result = -EINVAL;
        }
        free(cause);
        ret = qcow2_meta_flush(s, s->l2_cache);
        if (ret < 0) {
            result = ret;
            note_failure(s, "L2 table", ret);
        }
        ret = qcow2_meta_flush(s, s->rc_cache);
        if (ret < 0) {
            result = ret;
            note_failure(s, "refcount block", ret);
        }
        if (result == 0)
            qcow2_mark_clean(s);
    }
    c->done = true;
}

void qcow2_close(struct bk_node *node)
{
    struct qcow2_state *s = node->state;
    struct close_ctx c = { .s = s };

    qcow2_cache_clean_timer_del(s);
    bk_co_enter(bk_co_new(close_co, &c));
    while (!c.done)
        bk_loop_iterate(node->loop, -1);
    qcow2_free_state(s);   /* the children close after this */
}
