/*
 * qcow2.h — the qcow2 format driver's insides, shared by its files.
 *
 * The on-disk format is QEMU's (docs/interop/qcow2.txt).  Words:
 *   - a *cluster* is the unit of allocation in the image file (512 B to
 *     2 MiB); the guest disk is cut into clusters too;
 *   - the *L1 table* points at *L2 tables*, one cluster each; an *L2 entry*
 *     maps one guest cluster (standard entries: 8 bytes; *extended* ones:
 *     16, with a 32-bit allocation bitmap and a 32-bit zero bitmap over
 *     the cluster's 32 *subclusters*);
 *   - the *refcount table* points at *refcount blocks*, one cluster each,
 *     holding one refcount of refcount_bits (1..64) per host cluster;
 *   - a *slice* is the part of an L2 table the metadata cache holds in one
 *     entry (l2-cache-entry-size; a whole table unless the cache is small).
 *
 * Files, each owning one structure and its invariants, from the bottom
 * up; each calls only files above it in this list (QCOW2.md, "Layers"):
 *   header.c    header fields and extensions, in and out of bytes
 *   entry.c     L1/L2 entry encoding, cluster and subcluster types
 *   rcarray.c   refcount arrays at every refcount_bits
 *   cache.c     the metadata cache's bookkeeping (no I/O)
 *   overlap.c   the metadata overlap check (no I/O)
 *   create.c    a new empty image (plain system calls: -s's overlay)
 *   io.c        requests as coroutines; I/O and events on the file
 *   task.c      the pieces of one request run side by side
 *   layout.c    what each cluster of the file holds (a view, no events)
 *   image.c     the header written back, dirty/corrupt bits, corruption,
 *               the overlap check with its message
 *   meta.c      cache entries read and written through the file
 *   refcount.c  refcounts, cluster allocation and freeing
 *   bitmap.c    persistent dirty bitmaps: directory, load, store
 *   map.c       guest to host offsets, read only
 *   compress.c  compression codecs, compressed reads
 *   read.c      guest reads (and COW reads)
 *   cluster.c   L1 growth, L2 allocation, zeroing and discarding clusters
 *   alloc.c     clusters for writes, copy-on-write, linking L2 entries
 *   status.c    block status, "does this read as zeroes?"
 *   write.c     guest writes, plain and compressed
 *   check.c     the refcount check that repairs a dirty image
 *   options.c   the runtime options (caches, overlap checks, discards)
 *   truncate.c  changing the disk's size
 *   open.c      opening and closing: validation, extensions, backing file
 *   qcow2.c     the driver's table and its small entry points
 *
 * Metadata is written in an order a crash cannot make inconsistent (leaks
 * allowed): a refcount is raised and on disk before anything points at
 * the cluster; data is written before the L2 entry that points at it; the
 * caches' dependencies (an L2 table "depends on" the refcount cache)
 * carry that order to the moment entries are written back.
 */
#ifndef BLKMON_QCOW2_H
#define BLKMON_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/spares.h"
#include "backend/coro.h"
#include "backend/node.h"

struct qcow2_dbitmap;

/* ---- on-disk constants -------------------------------------------------- */

#define QCOW2_MAGIC 0x514649fbU              /* "QFI\xfb" */

#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_HEADER_V2_LEN 72
#define QCOW2_HEADER_V3_MIN_LEN 104
#define QCOW2_HEADER_LEN 112                 /* v3 with compression type */

/* Header extension magics. */
#define QCOW2_EXT_END 0x00000000U
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acaU
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857U
#define QCOW2_EXT_CRYPTO_HEADER 0x0537be77U
#define QCOW2_EXT_BITMAPS 0x23852875U
#define QCOW2_EXT_DATA_FILE 0x44415441U

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY (1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ULL << 4)
#define QCOW2_INCOMPAT_MASK 0x1fULL
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ULL << 0)
#define QCOW2_AUTOCLEAR_BITMAPS (1ULL << 0)
#define QCOW2_AUTOCLEAR_DATA_FILE_RAW (1ULL << 1)
#define QCOW2_AUTOCLEAR_MASK 0x3ULL

/* Feature table entry types. */
enum { QCOW2_FEAT_INCOMPAT = 0, QCOW2_FEAT_COMPAT = 1, QCOW2_FEAT_AUTOCLEAR = 2 };

/* Table limits, as QEMU enforces them. */
#define QCOW2_MAX_REFTABLE_SIZE (8ULL << 20)
#define QCOW2_MAX_L1_SIZE (32ULL << 20)
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_SNAPSHOT_HEADER_SIZE 40
#define QCOW2_MAX_CLUSTER_OFFSET ((1ULL << 56) - 1)
#define QCOW2_MAX_BITMAPS 65535
#define QCOW2_MAX_BITMAP_DIRECTORY_SIZE (1024ULL * QCOW2_MAX_BITMAPS)
#define QCOW2_MAX_BACKING_NAME 1023

/* The largest request the block layer passes down (BDRV_REQUEST_MAX_BYTES). */
#define QCOW2_REQUEST_MAX_BYTES (INT32_MAX - 511)

/* ---- header (header.c) -------------------------------------------------- */

struct qcow2_ext {                 /* an extension kept as it was */
    uint32_t magic;
    uint32_t len;
    struct qcow2_ext *next;
    unsigned char data[];
};

struct qcow2_header {
    uint32_t magic, version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t incompatible_features, compatible_features, autoclear_features;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
};

/* Read the fixed header from its first QCOW2_HEADER_LEN bytes, with the
 * defaults of a version 2 header.  No validation. */
void qcow2_header_decode(const unsigned char *buf, struct qcow2_header *h);

/* What the variable part of the first cluster holds, to write it back. */
struct qcow2_header_vars {
    const unsigned char *unknown_fields;   /* header bytes past ours */
    size_t unknown_fields_len;
    const char *backing_format;
    const char *data_file;
    const char *backing_file;
    bool feature_table;                    /* v3 with clusters > 4 KiB */
    uint32_t nb_bitmaps;
    uint64_t bitmap_directory_size, bitmap_directory_offset;
    const struct qcow2_ext *unknown;       /* in the order to write */
};
/*
 * Build the whole first cluster as QEMU's header update writes it: fixed
 * header (72 bytes for v2, 112 for v3), unknown header fields, backing
 * format, data file, feature table, bitmaps, unknown extensions, end
 * marker, then the backing file name (h's backing fields are set from
 * it).  0, or -ENOSPC when it does not fit in buflen.
 */
int qcow2_header_build(struct qcow2_header *h,
                       const struct qcow2_header_vars *v,
                       unsigned char *buf, size_t buflen);
/* The feature name table QEMU writes (for messages and the extension). */
struct qcow2_feature {
    uint8_t type, bit;
    char name[46];
};
extern const struct qcow2_feature qcow2_known_features[8];
/* "Unsupported qcow2 feature(s): ..." for the unknown incompatible bits in
 * mask, named from table (n raw 48-byte entries) where it has them. */
char *qcow2_unsupported_features(const unsigned char *table, size_t n,
                                 uint64_t mask);

/* ---- entries (entry.c) -------------------------------------------------- */

#define QCOW2_OFLAG_COPIED (1ULL << 63)
#define QCOW2_OFLAG_COMPRESSED (1ULL << 62)
#define QCOW2_OFLAG_ZERO (1ULL << 0)
#define QCOW2_L1E_OFFSET_MASK 0x00fffffffffffe00ULL
#define QCOW2_L2E_OFFSET_MASK 0x00fffffffffffe00ULL
#define QCOW2_REFT_OFFSET_MASK 0xfffffffffffffe00ULL
#define QCOW2_SUBCLUSTERS 32
#define QCOW2_SUB_ALLOC_RANGE(x, y) \
    ((uint64_t)((1ULL << (y)) - (1ULL << (x))))
#define QCOW2_SUB_ZERO_RANGE(x, y) (QCOW2_SUB_ALLOC_RANGE(x, y) << 32)
#define QCOW2_BITMAP_ALL_ALLOC QCOW2_SUB_ALLOC_RANGE(0, 32)
#define QCOW2_BITMAP_ALL_ZEROES QCOW2_SUB_ZERO_RANGE(0, 32)

enum qcow2_cluster_type {
    QCOW2_CLUSTER_UNALLOCATED,
    QCOW2_CLUSTER_ZERO_PLAIN,
    QCOW2_CLUSTER_ZERO_ALLOC,
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
};

enum qcow2_subcluster_type {
    QCOW2_SC_UNALLOCATED_PLAIN,
    QCOW2_SC_UNALLOCATED_ALLOC,
    QCOW2_SC_ZERO_PLAIN,
    QCOW2_SC_ZERO_ALLOC,
    QCOW2_SC_NORMAL,
    QCOW2_SC_COMPRESSED,
    QCOW2_SC_INVALID,
};

/* What entry decoding needs to know of the image. */
struct qcow2_geom {
    bool extended;            /* extended L2 entries */
    bool data_file;           /* an external data file holds the data */
    unsigned cluster_bits;
};

uint64_t qcow2_be64(const void *p);
void qcow2_put_be64(void *p, uint64_t v);
uint32_t qcow2_be32(const void *p);
void qcow2_put_be32(void *p, uint32_t v);

/* Entry idx of an L2 slice (8 or 16 bytes an entry, big endian). */
uint64_t qcow2_l2_entry(const struct qcow2_geom *g, const void *slice,
                        unsigned idx);
uint64_t qcow2_l2_bitmap(const struct qcow2_geom *g, const void *slice,
                         unsigned idx);
void qcow2_set_l2_entry(const struct qcow2_geom *g, void *slice,
                        unsigned idx, uint64_t entry);
void qcow2_set_l2_bitmap(const struct qcow2_geom *g, void *slice,
                         unsigned idx, uint64_t bitmap);
enum qcow2_cluster_type qcow2_cluster_type(const struct qcow2_geom *g,
                                           uint64_t entry);
enum qcow2_subcluster_type qcow2_subcluster_type(const struct qcow2_geom *g,
                                                 uint64_t entry,
                                                 uint64_t bitmap,
                                                 unsigned sc);
/* Subclusters from sc on of the same type as sc in this entry (all of a
 * cluster without subclusters); -EINVAL with *type INVALID. */
int qcow2_subcluster_range(const struct qcow2_geom *g, uint64_t entry,
                           uint64_t bitmap, unsigned sc,
                           enum qcow2_subcluster_type *type);
bool qcow2_cluster_allocated(enum qcow2_cluster_type t);
/* Where a compressed cluster's bytes lie in the file, and how many. */
void qcow2_parse_compressed_l2_entry(const struct qcow2_geom *g,
                                     uint64_t l2_entry, uint64_t *coffset,
                                     uint64_t *csize);

/* ---- refcount arrays (rcarray.c) ---------------------------------------- */

/* Entry index of a refcount block of 2^order-bit entries. */
uint64_t qcow2_rc_get(unsigned order, const void *block, uint64_t index);
void qcow2_rc_set(unsigned order, void *block, uint64_t index, uint64_t v);
/* The largest refcount of that width. */
uint64_t qcow2_rc_max(unsigned order);
/* Bytes of a refcount array of n entries (whole bytes). */
uint64_t qcow2_rc_array_bytes(unsigned order, uint64_t n);

/* ---- the metadata cache's bookkeeping (cache.c) ------------------------- */

struct qcow2_cache_entry {
    int64_t offset;           /* 0: empty */
    uint64_t lru;
    int ref;
    bool dirty;
};

struct qcow2_cache {
    struct qcow2_cache_entry *entries;
    unsigned char *tables;    /* size * table_size bytes */
    int size;
    unsigned table_size;
    struct qcow2_cache *depends;   /* flush that one before writing ours */
    bool depends_on_flush;         /* flush the file before writing ours */
    uint64_t lru_counter;
    uint64_t clean_lru_counter;    /* cache-clean-interval's mark */
    const char *name;              /* "L2 table", "refcount block" */
};

struct qcow2_cache *qcow2_cache_new(int size, unsigned table_size,
                                   const char *name);
void qcow2_cache_free(struct qcow2_cache *c);
void *qcow2_cache_table(struct qcow2_cache *c, int i);
int qcow2_cache_index(const struct qcow2_cache *c, const void *table);
/* The entry holding offset, or -1; when -1, *victim is the entry a load
 * would replace (-1 when every entry is in use).  The search starts where
 * QEMU's does, so both pick the same victim. */
int qcow2_cache_lookup(const struct qcow2_cache *c, int64_t offset,
                       int *victim);
/* Take a reference on entry i, which now holds offset. */
void *qcow2_cache_take(struct qcow2_cache *c, int i, int64_t offset);
void qcow2_cache_put(struct qcow2_cache *c, void **table);
void qcow2_cache_mark_dirty(struct qcow2_cache *c, const void *table);
/* A cached table at offset, or NULL. */
void *qcow2_cache_find(struct qcow2_cache *c, int64_t offset);
void qcow2_cache_discard(struct qcow2_cache *c, void *table);
/* Forget clean, unused entries not used since the last call. */
void qcow2_cache_clean_unused(struct qcow2_cache *c);
/* Forget everything (after writing it all). */
void qcow2_cache_reset(struct qcow2_cache *c);

/* ---- overlap check (overlap.c) ------------------------------------------ */

enum qcow2_overlap {
    QCOW2_OL_MAIN_HEADER = 1 << 0,
    QCOW2_OL_ACTIVE_L1 = 1 << 1,
    QCOW2_OL_ACTIVE_L2 = 1 << 2,
    QCOW2_OL_REFCOUNT_TABLE = 1 << 3,
    QCOW2_OL_REFCOUNT_BLOCK = 1 << 4,
    QCOW2_OL_SNAPSHOT_TABLE = 1 << 5,
    QCOW2_OL_INACTIVE_L1 = 1 << 6,
    QCOW2_OL_INACTIVE_L2 = 1 << 7,
    QCOW2_OL_BITMAP_DIRECTORY = 1 << 8,
    QCOW2_OL_MAX_BITNR = 9,
};
#define QCOW2_OL_CONSTANT                                                  \
    (QCOW2_OL_MAIN_HEADER | QCOW2_OL_ACTIVE_L1 | QCOW2_OL_REFCOUNT_TABLE | \
     QCOW2_OL_SNAPSHOT_TABLE | QCOW2_OL_BITMAP_DIRECTORY)
#define QCOW2_OL_CACHED                                                    \
    (QCOW2_OL_CONSTANT | QCOW2_OL_ACTIVE_L2 | QCOW2_OL_REFCOUNT_BLOCK |    \
     QCOW2_OL_INACTIVE_L1)
#define QCOW2_OL_ALL (QCOW2_OL_CACHED | QCOW2_OL_INACTIVE_L2)

extern const char *const qcow2_overlap_names[QCOW2_OL_MAX_BITNR];
extern const char *const qcow2_overlap_options[QCOW2_OL_MAX_BITNR];

struct qcow2_snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str, *name;
};

/* Where the metadata lies, for the check. */
struct qcow2_layout {
    unsigned cluster_bits;
    uint64_t l1_table_offset;
    const uint64_t *l1_table;     /* host order; NULL while unloaded */
    uint32_t l1_size;
    uint64_t refcount_table_offset;
    const uint64_t *refcount_table;
    uint32_t refcount_table_size;  /* entries */
    uint32_t max_refcount_table_index;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;
    const struct qcow2_snapshot *snapshots;
    uint32_t nb_snapshots;
    bool bitmaps;                 /* the bitmaps autoclear bit is set */
    uint64_t bitmap_directory_offset, bitmap_directory_size;
};
/*
 * Which metadata of kinds chk (QCOW2_OL_*) the range [offset,offset+size)
 * touches: the first found in QEMU's order (header, active L1, refcount
 * table, snapshot table, inactive L1, active L2, refcount blocks, bitmap
 * directory), or 0.  Inactive L2 tables need reads and
 * are left to the caller (this never returns QCOW2_OL_INACTIVE_L2).
 */
int qcow2_overlap_check(const struct qcow2_layout *l, int chk, int64_t offset,
                        int64_t size);

/* ---- the driver's state ------------------------------------------------- */

enum qcow2_discard_type {
    QCOW2_DISCARD_NEVER,
    QCOW2_DISCARD_ALWAYS,
    QCOW2_DISCARD_REQUEST,
    QCOW2_DISCARD_SNAPSHOT,
    QCOW2_DISCARD_OTHER,
    QCOW2_DISCARD_MAX
};

/* A range of the file freed while discards are being collected. */
struct qcow2_discard {
    uint64_t offset, bytes;
    struct qcow2_discard *next;
};

/* The COW area before or after what a write covers, relative to the first
 * cluster of its allocation. */
struct qcow2_cow_region {
    unsigned offset;
    unsigned nb_bytes;
};

/*
 * One piece of a write whose L2 entries must change once its data is on
 * disk (QEMU's QCowL2Meta): new clusters, or clusters whose subcluster
 * bitmap changes.  In flight on the state's list so that overlapping
 * writes wait for it.
 */
struct qcow2_l2meta {
    uint64_t offset;             /* guest offset of the first cluster */
    uint64_t alloc_offset;       /* host offset of the first cluster */
    int nb_clusters;
    bool keep_old_clusters;
    bool skip_cow;               /* COW done by zeroing the clusters */
    bool prealloc;
    struct qcow2_cow_region cow_start, cow_end;
    /* Guest data written together with the COW regions, when merged. */
    const struct iovec *data_iov;
    int data_iovcnt;
    size_t data_skip;
    struct bk_co_queue dependent;
    struct qcow2_l2meta *next;           /* of the same request */
    struct qcow2_l2meta *next_in_flight, **prev_in_flight;
};

/* What the options set, made ready before anything changes (QEMU's
 * Qcow2ReopenState). */
struct qcow2_options {
    struct qcow2_cache *l2_cache, *rc_cache;
    uint32_t l2_slice_size;
    int overlap_check;
    bool use_lazy_refcounts;
    bool discard_passthrough[QCOW2_DISCARD_MAX];
    unsigned cache_clean_interval;
};

/* A sub-request in progress (io.c), on its coroutine's stack. */
struct qcow2_sub {
    struct bk_subreq pub;
    struct qcow2_sub *prev, *next;
};

struct qcow2_state {
    struct bk_node *node;        /* its backing file is node->backing */
    struct bk_node *data_file;   /* where guest data goes: node->data (an
                                    external data file) or node->file */
    struct qcow2_geom geom;

    int version;
    unsigned cluster_bits;
    uint32_t cluster_size;
    unsigned subcluster_bits;
    uint32_t subcluster_size;
    unsigned subclusters_per_cluster;
    unsigned l2_bits;
    uint32_t l2_size;            /* entries in an L2 table */
    uint32_t l2_slice_size;      /* entries in a cached slice */
    uint64_t size;               /* the guest disk, bytes */

    uint64_t l1_table_offset;
    uint64_t *l1_table;          /* host order */
    uint32_t l1_size;
    uint32_t l1_vm_state_index;

    unsigned refcount_order;
    uint64_t refcount_max;
    unsigned refcount_block_bits;
    uint32_t refcount_block_size;   /* entries in a block */
    uint64_t *refcount_table;    /* host order */
    uint64_t refcount_table_offset;
    uint32_t refcount_table_size;   /* entries */
    uint32_t max_refcount_table_index;
    uint64_t free_cluster_index;
    uint64_t free_byte_offset;   /* where the next compressed cluster goes */

    struct qcow2_cache *l2_cache;
    struct qcow2_cache *rc_cache;

    uint64_t incompatible_features, compatible_features, autoclear_features;
    uint8_t compression_type;
    uint32_t crypt_method;       /* refused when not 0 */
    unsigned char *unknown_header_fields;
    size_t unknown_header_fields_len;
    struct qcow2_ext *unknown_ext;   /* in the order QEMU writes them */
    char *image_backing_file, *image_backing_format, *image_data_file;

    uint64_t snapshots_offset;
    uint64_t snapshots_size;
    uint32_t nb_snapshots;
    struct qcow2_snapshot *snapshots;
    uint32_t nb_bitmaps;
    uint64_t bitmap_directory_offset, bitmap_directory_size;
    struct qcow2_dbitmap *dbitmaps;   /* loaded bitmaps (bitmap.c) */

    int overlap_check;           /* QCOW2_OL_* to check before writing */
    bool discard_passthrough[QCOW2_DISCARD_MAX];
    bool use_lazy_refcounts;
    unsigned cache_clean_interval;   /* seconds; 0: never */
    int cache_clean_timer;
    struct bk_opts *runtime_opts;   /* its options, to read them again */
    struct qcow2_options reopen;    /* what a reopen made ready */
    struct bk_opts *reopen_opts;    /* ... and its options */

    bool cache_discards;
    struct qcow2_discard *discards;

    struct bk_co_mutex lock;
    struct qcow2_l2meta *cluster_allocs;   /* in flight, newest first */
    bool signaled_corruption;
    bool broken;                 /* marked corrupt: no more I/O (ENOMEDIUM) */
    bool metadata_preallocation_checked, metadata_preallocation;

    struct qcow2_sub *subs, *subs_tail;   /* sub-requests, oldest first */
    const char *sync_what;       /* the last event outside a request */
    struct spares spare_tasks;        /* ended, kept for reuse (io.c) */
};

static inline uint64_t qcow2_offset_into_cluster(const struct qcow2_state *s,
                                                 uint64_t offset)
{
    return offset & (s->cluster_size - 1);
}

static inline uint64_t qcow2_offset_into_subcluster(const struct qcow2_state *s,
                                                    uint64_t offset)
{
    return offset & (s->subcluster_size - 1);
}

static inline uint64_t qcow2_start_of_cluster(const struct qcow2_state *s,
                                              uint64_t offset)
{
    return offset & ~(uint64_t)(s->cluster_size - 1);
}

static inline uint64_t qcow2_size_to_clusters(const struct qcow2_state *s,
                                              uint64_t size)
{
    return (size + s->cluster_size - 1) >> s->cluster_bits;
}

static inline uint64_t qcow2_size_to_subclusters(const struct qcow2_state *s,
                                                 uint64_t size)
{
    return (size + s->subcluster_size - 1) >> s->subcluster_bits;
}

static inline uint64_t qcow2_offset_to_l1_index(const struct qcow2_state *s,
                                                uint64_t offset)
{
    return offset >> (s->l2_bits + s->cluster_bits);
}

static inline unsigned qcow2_offset_to_l2_index(const struct qcow2_state *s,
                                                uint64_t offset)
{
    return (unsigned)((offset >> s->cluster_bits) & (s->l2_size - 1));
}

static inline unsigned qcow2_offset_to_l2_slice_index(
    const struct qcow2_state *s, uint64_t offset)
{
    return (unsigned)((offset >> s->cluster_bits) & (s->l2_slice_size - 1));
}

static inline unsigned qcow2_offset_to_sc_index(const struct qcow2_state *s,
                                                uint64_t offset)
{
    return (unsigned)((offset >> s->subcluster_bits) &
                      (s->subclusters_per_cluster - 1));
}

static inline size_t qcow2_l2_entry_size(const struct qcow2_state *s)
{
    return s->geom.extended ? 16 : 8;
}

/* An external data file whose contents are the disk as raw (the
 * data-file-raw autoclear bit). */
static inline bool qcow2_data_file_is_raw(const struct qcow2_state *s)
{
    return s->geom.data_file &&
           (s->autoclear_features & QCOW2_AUTOCLEAR_DATA_FILE_RAW);
}

static inline bool qcow2_need_accurate_refcounts(const struct qcow2_state *s)
{
    return !(s->incompatible_features & QCOW2_INCOMPAT_DIRTY);
}

static inline uint64_t qcow2_l2meta_cow_start(const struct qcow2_l2meta *m)
{
    return m->offset + m->cow_start.offset;
}

static inline uint64_t qcow2_l2meta_cow_end(const struct qcow2_l2meta *m)
{
    return m->offset + m->cow_end.offset + m->cow_end.nb_bytes;
}

/* ---- requests and I/O on the file (io.c) -------------------------------- */

/* Run fn for io in a new coroutine; io ends with fn's return value. */
void qcow2_spawn(struct bk_io *io, int (*fn)(struct bk_io *io));
/* Free the task records qcow2_spawn kept for reuse (at close). */
void qcow2_free_spare_tasks(struct qcow2_state *s);
/* Run fn(arg) in a coroutine serving no request and iterate the loop
 * until it ends (open, close, reopen); its return value. */
int qcow2_run_sync(struct bk_node *node, int (*fn)(void *arg), void *arg);
/* The request the running coroutine serves (for its child ios). */
struct bk_req *qcow2_current_req(void);
/* I/O on the image file, from a coroutine; 0 or -errno. */
int qcow2_file_pread(struct qcow2_state *s, int64_t offset, void *buf,
                     size_t bytes);
int qcow2_file_pwrite(struct qcow2_state *s, int64_t offset, const void *buf,
                      size_t bytes);
/* pwrite, then a flush of the file (bdrv_pwrite_sync). */
int qcow2_file_pwrite_sync(struct qcow2_state *s, int64_t offset,
                           const void *buf, size_t bytes);
int qcow2_file_preadv(struct qcow2_state *s, int64_t offset,
                      struct iovec *iov, int iovcnt, int64_t bytes);
int qcow2_file_pwritev(struct qcow2_state *s, int64_t offset,
                       struct iovec *iov, int iovcnt, int64_t bytes);
int qcow2_file_zero(struct qcow2_state *s, int64_t offset, int64_t bytes,
                    unsigned flags);
int qcow2_file_discard(struct qcow2_state *s, int64_t offset, int64_t bytes);
int qcow2_file_flush(struct qcow2_state *s);
/* Truncate the file to len; flags: a bk_prealloc mode and BK_TRUNC_*. */
int qcow2_file_truncate(struct qcow2_state *s, int64_t len, unsigned flags);
/* I/O on the data file: the image file, or the external data file. */
int qcow2_data_preadv(struct qcow2_state *s, int64_t offset,
                      struct iovec *iov, int iovcnt, int64_t bytes);
int qcow2_data_pwritev(struct qcow2_state *s, int64_t offset,
                       struct iovec *iov, int iovcnt, int64_t bytes);
int qcow2_data_zero(struct qcow2_state *s, int64_t offset, int64_t bytes,
                    unsigned flags);
int qcow2_data_discard(struct qcow2_state *s, int64_t offset, int64_t bytes);
int qcow2_data_truncate(struct qcow2_state *s, int64_t len, unsigned flags);
/* Read the image file below any blkdebug node, with no event and no
 * sub-request (a view's look; past the end: zeroes). */
int qcow2_file_peek(struct qcow2_state *s, int64_t offset, void *buf,
                    size_t bytes);
/* Fire ev at the file (blkdebug listens); may park until resumed. */
void qcow2_event(struct qcow2_state *s, enum rules_event ev);
/* Read from another node (the backing file), from a coroutine. */
int qcow2_node_preadv(struct qcow2_state *s, struct bk_node *node,
                      int64_t offset,
                      struct iovec *iov, int iovcnt, int64_t bytes);
/* Flush a node through the generic layer (events and all). */
int qcow2_node_flush(struct qcow2_state *s, struct bk_node *node);
/* The driver's for_each_subreq: the child ios and parking events in
 * progress, named by the event before them (backend.h). */
void qcow2_for_each_subreq(struct bk_node *node,
                           void (*fn)(const struct bk_subreq *sub, void *arg),
                           void *arg);
/* The driver's layout (layout.c, backend.h's bk_dev_layout). */
int qcow2_layout(struct bk_node *node, int64_t *file_length,
                 int (*fn)(const struct bk_layout_run *run, void *arg),
                 void *arg);
/* A growing iovec array (QEMU's QEMUIOVector, what qcow2 needs of it). */
struct qcow2_iov {
    struct iovec *v;            /* inl, or allocated once it is too small */
    int n, cap;
    /* Most requests' buffers fit here: no allocation per request (the
     * record lives on its caller's stack and is never copied). */
    struct iovec inl[4];
};
void qcow2_iov_init(struct qcow2_iov *q);
void qcow2_iov_reset(struct qcow2_iov *q);
void qcow2_iov_destroy(struct qcow2_iov *q);
void qcow2_iov_add(struct qcow2_iov *q, void *base, size_t len);
/* Add [skip, skip+len) of iov. */
void qcow2_iov_concat(struct qcow2_iov *q, const struct iovec *iov, int n,
                      size_t skip, size_t len);
/* How many buffers [skip, skip+len) of iov spans. */
int qcow2_iov_count(const struct iovec *iov, int n, size_t skip, size_t len);
size_t qcow2_iov_total(const struct qcow2_iov *q);

/* ---- the image as a whole (image.c) ------------------------------------- */

struct qcow2_layout qcow2_layout_of(const struct qcow2_state *s);
/* "qcow2: Marking image as corrupt: ..." (or the non-fatal words) once,
 * then the image is marked corrupt and no more I/O is done. */
void qcow2_signal_corruption(struct qcow2_state *s, bool fatal,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The overlap check with QEMU's message; 0 or -EIO. */
int qcow2_pre_write_overlap_check(struct qcow2_state *s, int ign,
                                  int64_t offset, int64_t size,
                                  bool data_file);

/* Write the whole first cluster from the state (qcow2_header_build). */
int qcow2_update_header(struct qcow2_state *s);
/* Set the dirty bit in the file (8 bytes at offset 72, flushed) first. */
int qcow2_mark_dirty(struct qcow2_state *s);
int qcow2_mark_corrupt(struct qcow2_state *s);

/* ---- tasks: the pieces of a request side by side (task.c) --------------- */

struct qcow2_task_pool {
    int busy;
    int status;                /* the first error of a task */
    bool waiting;
    struct bk_co *main_co;
};

/* One piece of a guest read or write. */
struct qcow2_task {
    struct qcow2_task_pool *pool;
    int (*fn)(struct qcow2_task *t);
    struct qcow2_state *s;
    enum qcow2_subcluster_type type;
    uint64_t host_offset, offset, bytes;
    const struct iovec *iov;
    int iovcnt;
    size_t skip;
    struct qcow2_l2meta *l2meta;
};

/* A pool for the running coroutine's request. */
void qcow2_task_pool_init(struct qcow2_task_pool *p);
/* Run task->fn: at once when p is NULL, else as a task of p (copied)
 * that starts when the caller next yields; waits while eight run. */
int qcow2_task_run(struct qcow2_task_pool *p, const struct qcow2_task *task);
/* Wait for p's tasks (p may be NULL); ret, or else the first error. */
int qcow2_task_pool_finish(struct qcow2_task_pool *p, int ret);

/* ---- cache entries through the file (meta.c) ---------------------------- */

int qcow2_meta_get(struct qcow2_state *s, struct qcow2_cache *c,
                   uint64_t offset, void **table);
int qcow2_meta_get_empty(struct qcow2_state *s, struct qcow2_cache *c,
                         uint64_t offset, void **table);
int qcow2_meta_write(struct qcow2_state *s, struct qcow2_cache *c);
int qcow2_meta_flush(struct qcow2_state *s, struct qcow2_cache *c);
int qcow2_meta_set_dependency(struct qcow2_state *s, struct qcow2_cache *c,
                              struct qcow2_cache *dependency);
void qcow2_meta_depends_on_flush(struct qcow2_cache *c);
/* Write both caches (L2 first), refcounts only when they are kept exact. */
int qcow2_write_caches(struct qcow2_state *s);
int qcow2_flush_caches(struct qcow2_state *s);
/* Clear the dirty bit: the caches flushed, then the header written. */
int qcow2_mark_clean(struct qcow2_state *s);

/* ---- refcounts and allocation (refcount.c) ------------------------------ */

int qcow2_refcount_init(struct qcow2_state *s);
int qcow2_get_refcount(struct qcow2_state *s, uint64_t cluster_index,
                       uint64_t *refcount);
int64_t qcow2_alloc_clusters(struct qcow2_state *s, uint64_t size);
int64_t qcow2_alloc_clusters_at(struct qcow2_state *s, uint64_t offset,
                                int64_t nb_clusters);
/* size bytes (at most a cluster) for a compressed cluster, packed after
 * the last one. */
int64_t qcow2_alloc_bytes(struct qcow2_state *s, int size);
void qcow2_free_clusters(struct qcow2_state *s, int64_t offset, int64_t size,
                         enum qcow2_discard_type type);
void qcow2_free_any_cluster(struct qcow2_state *s, uint64_t l2_entry,
                            enum qcow2_discard_type type);
void qcow2_process_discards(struct qcow2_state *s, int ret);
int qcow2_update_cluster_refcount(struct qcow2_state *s,
                                  uint64_t cluster_index, uint64_t addend,
                                  bool decrease, enum qcow2_discard_type type);
int qcow2_detect_metadata_preallocation(struct qcow2_state *s);
/* New self-describing refcount blocks and table at start (the end of the
 * file) covering additional clusters after them (exact: no room to
 * spare; new_block, when not 0, entered at new_index); the offset after
 * them, or -errno. */
int64_t qcow2_refcount_area(struct qcow2_state *s, uint64_t start,
                            uint64_t additional, bool exact,
                            uint32_t new_index, uint64_t new_block);
/* Drop refcount blocks that count nothing (but themselves) from the
 * table, in the file first. */
int qcow2_shrink_reftable(struct qcow2_state *s);
/* The last cluster below size bytes with a refcount, or -errno. */
int64_t qcow2_get_last_cluster(struct qcow2_state *s, int64_t size);
/* The highest refcount table entry in use, after the table changed. */
void qcow2_update_max_refcount_table_index(struct qcow2_state *s);

/* ---- guest to host, read only (map.c) ----------------------------------- */

/* The cached slice of the L2 table at l2_offset that maps guest offset. */
int qcow2_l2_load(struct qcow2_state *s, uint64_t offset, uint64_t l2_offset,
                  void **slice);
/* What [offset, offset + *bytes) maps to: *bytes cut to the run of one
 * type from offset; *host_offset where it lies (compressed: the entry). */
int qcow2_get_host_offset(struct qcow2_state *s, uint64_t offset,
                          unsigned *bytes, uint64_t *host_offset,
                          enum qcow2_subcluster_type *type);

/* ---- persistent bitmaps, read (bitmap.c) -------------------------------- */

struct qcow2_bitmap {
    uint64_t table_offset;
    uint32_t table_size;         /* entries */
    uint32_t flags;              /* 1: in use, 2: auto */
    uint8_t granularity_bits;
    char *name;
};
/* The directory, checked as QEMU checks it (messages in *cause, which
 * may be NULL); free the list with qcow2_bitmap_list_free. */
int qcow2_bitmap_list_load(struct qcow2_state *s, struct qcow2_bitmap **list,
                           uint32_t *count, char **cause);
void qcow2_bitmap_list_free(struct qcow2_bitmap *list, uint32_t count);
/* A bitmap's table in host order, each entry checked. */
int qcow2_bitmap_table_load(struct qcow2_state *s,
                            const struct qcow2_bitmap *bm, uint64_t **table);
int qcow2_bitmap_check_table_entry(uint64_t entry, uint32_t cluster_size);
/* The bitmaps in memory: loaded at open (marked in use in a writable
 * image), set by writes, stored back at close or a read-only reopen. */
int qcow2_load_dirty_bitmaps(struct qcow2_state *s, bool *header_updated,
                             char **cause);
void qcow2_bitmaps_set_dirty(struct qcow2_state *s, int64_t offset,
                             int64_t bytes);
int qcow2_store_persistent_dirty_bitmaps(struct qcow2_state *s,
                                         bool release, char **cause);
int qcow2_reopen_bitmaps_ro(struct qcow2_state *s, char **cause);
int qcow2_reopen_bitmaps_rw(struct qcow2_state *s, char **cause);
int qcow2_truncate_bitmaps_check(struct qcow2_state *s, char **cause);
void qcow2_bitmaps_truncate(struct qcow2_state *s, uint64_t len);
void qcow2_bitmaps_free(struct qcow2_state *s);
/* info's "bitmaps:" lines, or NULL when there are none. */
char *qcow2_bitmap_info(struct qcow2_state *s);

/* ---- compressed clusters (compress.c) ----------------------------------- */

int qcow2_co_preadv_compressed(struct qcow2_state *s, uint64_t l2_entry,
                               uint64_t offset, uint64_t bytes,
                               const struct iovec *iov, int iovcnt,
                               size_t skip);
/* Compress src into dest on a worker: its length, -ENOMEM when it does not
 * fit (did not shrink), -EIO. */
ssize_t qcow2_compress(struct qcow2_state *s, void *dest, size_t dest_size,
                       const void *src, size_t src_size);

/* ---- guest reads (read.c) ----------------------------------------------- */

/* Read guest [offset, offset+bytes) into [skip, ...) of iov, as a guest
 * read does (COW reads come here too). */
int qcow2_co_preadv(struct qcow2_state *s, uint64_t offset, uint64_t bytes,
                    const struct iovec *iov, int iovcnt, size_t skip);

/* ---- L1 and L2 tables, zeroing and discarding clusters (cluster.c) ------ */

int qcow2_grow_l1_table(struct qcow2_state *s, uint64_t min_size,
                        bool exact_size);
int qcow2_write_l1_entry(struct qcow2_state *s, unsigned l1_index);
int qcow2_shrink_l1_table(struct qcow2_state *s, uint64_t exact_size);
/* The L2 slice for guest offset, with the L1 table grown and the L2 table
 * allocated (or copied from a shared one) as needed; *l2_index its entry. */
int qcow2_get_cluster_table(struct qcow2_state *s, uint64_t offset,
                            void **slice, unsigned *l2_index);
int qcow2_cluster_discard(struct qcow2_state *s, uint64_t offset,
                          uint64_t bytes, enum qcow2_discard_type type,
                          bool full_discard);
int qcow2_subcluster_zeroize(struct qcow2_state *s, uint64_t offset,
                             uint64_t bytes, unsigned flags);

/* ---- allocation for writes, COW, L2 entries (alloc.c) ------------------- */

int qcow2_alloc_host_offset(struct qcow2_state *s, uint64_t offset,
                            unsigned *bytes, uint64_t *host_offset,
                            struct qcow2_l2meta **m);
int qcow2_alloc_cluster_link_l2(struct qcow2_state *s, struct qcow2_l2meta *m);
/* Room for a compressed cluster at guest offset, its L2 entry set. */
int qcow2_alloc_compressed_cluster_offset(struct qcow2_state *s,
                                          uint64_t offset, int compressed_size,
                                          uint64_t *host_offset);
void qcow2_alloc_cluster_abort(struct qcow2_state *s, struct qcow2_l2meta *m);
/* Link (link) or free the allocations of *pm, and let the writes waiting
 * for them go on; on failure *pm is what is left. */
int qcow2_handle_l2meta(struct qcow2_state *s, struct qcow2_l2meta **pm,
                        bool link);

/* ---- block status (status.c) -------------------------------------------- */

/* The driver's block_status op. */
void qcow2_block_status(struct bk_io *io);
/* 1 when the range surely reads as zeroes (cheaply), 0 when not known. */
int qcow2_is_zero_fast(struct qcow2_state *s, int64_t offset, int64_t bytes);
/* Does the range read as zeroes (holes of a raw backing file count)? */
bool qcow2_is_zero(struct qcow2_state *s, int64_t offset, int64_t bytes);

/* ---- guest writes (write.c) --------------------------------------------- */

int qcow2_co_pwritev(struct qcow2_state *s, uint64_t offset, uint64_t bytes,
                     const struct iovec *iov, int iovcnt);
/* write -c: whole clusters (the last one may end with the disk). */
int qcow2_co_pwritev_compressed(struct qcow2_state *s, uint64_t offset,
                                uint64_t bytes, const struct iovec *iov,
                                int iovcnt);

/* ---- the runtime options (options.c) ------------------------------------ */

/* The keys of opts that are qcow2's runtime options, copied. */
struct bk_opts *qcow2_options_copy(const struct bk_opts *opts);
/* Take them from opts (flags: the node's BK_O_*), with qemu's messages;
 * the caches in use are written back.  From a coroutine. */
int qcow2_options_prepare(struct qcow2_state *s, struct bk_opts *opts,
                          unsigned flags, struct qcow2_options *r,
                          char **cause);
void qcow2_options_commit(struct qcow2_state *s, struct qcow2_options *r);
void qcow2_options_abort(struct qcow2_options *r);
void qcow2_cache_clean_timer_del(struct qcow2_state *s);
/* The driver's reopen ops (reopen.c calls them). */
int qcow2_reopen_prepare(struct bk_node *node, struct bk_opts *opts,
                         unsigned flags, char **cause);
void qcow2_reopen_commit(struct bk_node *node);
void qcow2_reopen_abort(struct bk_node *node);

/* ---- truncate (truncate.c) ---------------------------------------------- */

/* Change the disk's size to offset; flags: BK_TRUNC_*.  Words for a
 * failure go to the request's cause, as qemu's. */
int qcow2_co_truncate(struct qcow2_state *s, int64_t offset,
                      enum bk_prealloc prealloc, unsigned flags);

/* ---- the refcount check and repair (check.c) -------------------------- */

enum { QCOW2_FIX_LEAKS = 1, QCOW2_FIX_ERRORS = 2 };
struct qcow2_check {
    int corruptions, leaks, check_errors;
    int corruptions_fixed, leaks_fixed;
    int64_t image_end_offset;
};
/* Check the refcounts against every reference, fixing what fix says
 * (QCOW2_FIX_*); with nothing left wrong, the image is marked clean and
 * consistent.  What QEMU prints goes to the stack's messages. */
int qcow2_check(struct qcow2_state *s, struct qcow2_check *res, unsigned fix);

/* ---- open and close (open.c) -------------------------------------------- */

int qcow2_open(struct bk_node *node, struct bk_opts *opts,
               const char *filename, char **cause);
void qcow2_close(struct bk_node *node);

#endif
