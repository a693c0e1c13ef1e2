/*
 * node.h — the backend's insides: nodes, drivers, I/O records, the pool.
 *
 * A *node* is one layer of an open image (raw, blkdebug, file) run by a
 * *driver*, a table of operations.  A node may have one child, its "file".
 * An *io* is one operation on one node.  Layers talk only through ios: a
 * driver that forwards work creates a child io on its child node and
 * continues in the child's completion callback.  Everything here runs on
 * the loop thread except the pool's work functions.
 *
 * The generic layer (node.c) wraps every driver call: bounds, alignment and
 * read-modify-write, serialisation of overlapping requests, write
 * generations for flush, FUA emulation, and the debug events that blkdebug
 * listens to.  Drivers only do their own job.
 */
#ifndef BLKMON_NODE_H
#define BLKMON_NODE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "util/spares.h"
#include "backend/backend.h"
#include "backend/events.h"
#include "util/strfmt.h"

struct bk_node;
struct bk_io;
struct bk_info;
struct bk_stack;

/* ---- Pool: blocking calls on worker threads -------------------------- */

struct bk_lane;

struct bk_work {
    void (*work)(struct bk_work *w);   /* on a worker thread */
    void (*done)(struct bk_work *w);   /* on the loop thread, afterwards */
    struct bk_work *next;              /* guarded by the queue it is on */
    struct bk_lane *lane;              /* the lane it was submitted to */
};
void bk_pool_submit(struct bk_loop *loop, struct bk_work *w);

/*
 * A lane: work that gains little from running side by side, such as the
 * buffered writes of one file (they take turns on its inode lock).  The
 * pool runs at most `width` of a lane's items at a time; the rest wait on
 * the lane, and a worker that ends one of its items takes every item
 * waiting (up to a bound) and hands them to run() together, in order, so
 * that it can merge them; then hands each back to the loop for its done(),
 * and goes on with what came in meanwhile, without a trip through the
 * loop.  Items' work() is not used.
 */
struct bk_lane {
    /* On a worker: do the items, linked by next, in order. */
    void (*run)(struct bk_lane *lane, struct bk_work *items);
    unsigned width;                    /* set once, before the first item */
    struct bk_work *head, *tail;       /* waiting: guarded by the pool */
    unsigned running;                  /* guarded by the pool */
};
void bk_pool_submit_lane(struct bk_loop *loop, struct bk_lane *lane,
                         struct bk_work *w);

/* Run fn(arg) on the loop thread at the next pass (a "bottom half"). */
void bk_loop_defer(struct bk_loop *loop, void (*fn)(void *arg), void *arg);

/* ---- I/O records ----------------------------------------------------- */

typedef void bk_io_cb(struct bk_io *io);

struct write_ctx;

/* What a block status query found (BK_BS_* flags of backend.h). */
struct bk_io_status {
    unsigned flags;
    int64_t pnum;              /* bytes from the offset it holds for */
    int64_t map;               /* where they are in `file`, if OFFSET_VALID */
    struct bk_node *file;      /* the node map refers to */
};

/*
 * A truncate io's flags: the preallocation mode (enum bk_prealloc) in the
 * low bits, and BK_TRUNC_ZERO_WRITE when the new area must read as
 * zeroes rather than what a backing file has there (qemu's
 * BDRV_REQ_ZERO_WRITE: the generic layer asks it when the backing file
 * is longer than the node).  A driver takes it only if its node's
 * supported_truncate_flags say so.
 */
enum { BK_TRUNC_MODE_MASK = 0xff, BK_TRUNC_ZERO_WRITE = 1 << 8 };

/*
 * A read io's flag besides backend.h's BK_REQ_*: the generic layer of the
 * node it enters copies what the read finds below into that node, as the
 * node's own copy-on-read (-C) would (qemu's BDRV_REQ_COPY_ON_READ, which
 * the copy-on-read filter adds).  Drivers never see it.
 */
enum { BK_REQ_COPY_ON_READ = 1 << 16 };

/* Flags a driver's block status may give besides backend.h's BK_BS_*. */
enum {
    BK_BS_RAW     = 1u << 16,  /* ask `file` at `map`: it knows */
    BK_BS_RECURSE = 1u << 17,  /* data; `file` at `map` may know it is zero */
};

struct bk_io {
    struct bk_node *node;
    enum bk_op op;
    int64_t offset;
    int64_t bytes;
    struct iovec *iov;
    int iovcnt;
    unsigned flags;
    int ret;
    struct bk_req *req;        /* the top-level request this io serves */
    bk_io_cb *cb;              /* the parent's continuation */
    void *cb_arg;

    /* Generic layer (node.c) private: where it goes on, and tracking. */
    int step;
    int64_t align_offset, align_bytes;
    bool serialising;
    bool tracked;
    bool waiting;              /* behind another io (track_wait) */
    struct bk_io *track_prev, *track_next;   /* node->tracked */
    struct bk_io *blocked;     /* ios waiting for this one to end */
    struct bk_io *wait_next;   /* on another io's blocked list, or on
                                  node->flush_waiters */
    bk_io_cb *cb_wait;         /* where to go on after a wait */
    bk_io_cb *cb_drv;          /* where to go on after a driver call */
    void *bounce;              /* padding buffer, freed with the io */
    void *split;               /* a driver call cut into pieces */
    union {                    /* by op */
        struct iovec bounce_iov;             /* read: the padded range */
        struct write_ctx *write;             /* write, write zeroes */
        struct { int64_t offset, bytes; } discard;   /* what is left */
        uint64_t flush_gen;                  /* flush: what it flushes */
        struct bk_io_status status;          /* block status: the answer */
    } u;

    /* Driver private: the driver the io is given to owns these. */
    struct bk_work work;       /* a pool item */
    void *drv_priv;
};

/* The io a pool work item is embedded in. */
static inline struct bk_io *bk_work_io(struct bk_work *w)
{
    return (struct bk_io *)((char *)w - offsetof(struct bk_io, work));
}

/* Bytes in iov[0..n); whether every buffer's address and length are
 * multiples of align. */
size_t bk_iov_size(const struct iovec *iov, int n);
bool bk_iov_aligned(const struct iovec *iov, int n, size_t align);
/* Is every byte of the buffers zero? */
bool bk_iov_is_zero(const struct iovec *iov, int n);
/* The bytes [skip, skip+len) of iov[0..iovcnt) as a new array of
 * *outcnt buffers (free it; the data is not copied). */
struct iovec *bk_iov_slice(const struct iovec *iov, int iovcnt, int64_t skip,
                           int64_t len, int *outcnt);
/* Copy len bytes of src (NULL: zeroes) into the buffers from byte skip
 * on, as far as they go (qemu's iov_from_buf, iov_memset). */
void bk_iov_fill(const struct iovec *iov, int iovcnt, size_t skip,
                 const void *src, size_t len);

struct bk_io *bk_io_new(struct bk_node *node, enum bk_op op, int64_t offset,
                        int64_t bytes, struct iovec *iov, int iovcnt,
                        unsigned flags, struct bk_req *req, bk_io_cb *cb,
                        void *cb_arg);
void bk_io_free(struct bk_io *io);
/* Free the records bk_io_free kept on node for reuse (at close). */
void bk_node_free_spare_ios(struct bk_node *node);
/* The same for the contexts of the writes node ended (node.c). */
void bk_node_free_spare_writes(struct bk_node *node);
/* End io with ret: calls its cb.  Safe from any loop-thread context. */
void bk_io_complete(struct bk_io *io, int ret);
/* End io with ret at the next loop pass, not inline. */
void bk_io_complete_later(struct bk_io *io, int ret);

/* ---- Drivers --------------------------------------------------------- */

/*
 * Breakpoints, for a driver that parks requests (blkdebug).  The device
 * sends these to the first node down its stack whose driver has them, as
 * qemu does.  Tags are the user's names for breakpoints.
 */
struct bk_debug_ops {
    /* -ENOENT: no such event. */
    int (*set_break)(struct bk_node *node, const char *event,
                     const char *tag);
    /* Remove the breakpoints with tag and resume what they hold. */
    int (*remove_break)(struct bk_node *node, const char *tag);
    /* Resume the newest request suspended with tag; -ENOENT when none. */
    int (*resume)(struct bk_node *node, const char *tag);
    /* Resume one suspension of req, whichever tag holds it. */
    int (*resume_req)(struct bk_node *node, const struct bk_req *req);
    bool (*is_suspended)(struct bk_node *node, const char *tag);
    void (*resume_all)(struct bk_node *node);
    /* bk_dev_powercut. */
    int (*powercut)(struct bk_node *node, double keep, bool exit,
                    struct bk_fault *out);
    /* Armed breakpoints, in the order they would fire. */
    void (*for_each_break)(struct bk_node *node,
                           void (*fn)(const char *event, const char *tag,
                                      void *arg),
                           void *arg);
    /* Every suspension: a request held under two tags shows twice. */
    void (*for_each_suspension)(struct bk_node *node,
                                void (*fn)(const char *tag,
                                           const struct bk_req *req,
                                           void *arg),
                                void *arg);
    struct rules_engine *(*rules)(struct bk_node *node);
};

struct bk_driver {
    const char *name;
    /* The prefix that names this driver in a file name ("blkdebug:..."),
     * or NULL: a protocol driver has one, a format never. */
    const char *protocol_name;
    /* The option name of the child its data goes to: "file", "image". */
    const char *child_name;
    size_t state_size;
    bool is_format;            /* a layer over a "file" child that it
                                  opens first, before its own common
                                  options (raw, qcow2, and the filters
                                  qemu opens that way) */
    bool is_filter;            /* passes its child's data through as is */
    bool supports_backing;     /* unallocated ranges read from "backing" */
    bool supports_compressed;  /* takes BK_REQ_COMPRESSED writes */
    bool grows_file;           /* writes past its file's end (qcow2) */
    bool writes_on_read;       /* writes into its child even when only
                                  read (copy-on-read): needs it writable */
    bool no_reopen;            /* qemu's driver cannot be reopened: every
                                  reopen of a stack holding it fails */

    int (*open)(struct bk_node *node, struct bk_opts *opts, const char *filename,
                char **cause);
    void (*close)(struct bk_node *node);
    int (*reopen)(struct bk_node *node, unsigned flags, char **cause);
    /*
     * A reopen's own options (reopen.c): take the driver's keys from opts,
     * check them and make the change ready for flags (the node's flags
     * after the reopen), with nothing changed yet; then commit or abort
     * it.  Missing: a reopen may change none of the driver's options.
     */
    int (*reopen_prepare)(struct bk_node *node, struct bk_opts *opts,
                          unsigned flags, char **cause);
    void (*reopen_commit)(struct bk_node *node);
    void (*reopen_abort)(struct bk_node *node);
    int64_t (*get_length)(struct bk_node *node);
    /* Bytes the node takes on its storage.  Missing: a protocol does not
     * know (-ENOTSUP), a filter asks its child, a format sums its
     * children (qemu's bdrv_get_allocated_file_size). */
    int64_t (*get_allocated_size)(struct bk_node *node);
    /* What qemu-io's info prints.  Missing: a filter asks its child;
     * anything else has nothing to say (-ENOTSUP). */
    int (*get_info)(struct bk_node *node, struct bk_info *info);

    /* I/O: start io, end it with bk_io_complete.  Missing = unsupported. */
    void (*preadv)(struct bk_io *io);
    void (*pwritev)(struct bk_io *io);
    void (*pwrite_zeroes)(struct bk_io *io);
    void (*pdiscard)(struct bk_io *io);
    /* Write back what the driver caches (qcow2's metadata), after the
     * flush_to_os event, before flush_to_disk, even with cache.no-flush. */
    void (*flush_to_os)(struct bk_io *io);
    void (*flush_to_disk)(struct bk_io *io);
    /* A write, zero write or discard of [offset, +bytes) ended, whatever
     * its result (qemu's bdrv_set_dirty: persistent bitmaps follow it). */
    void (*note_write)(struct bk_node *node, int64_t offset, int64_t bytes);
    void (*truncate)(struct bk_io *io);
    /* Read (io->op READ) or write the VM state area at io->offset, past
     * the generic layer as qemu's bdrv_co_{read,write}v_vmstate calls
     * it.  Missing: the primary child is asked; at the bottom -ENOTSUP. */
    void (*vmstate)(struct bk_io *io);
    /*
     * What [io->offset, +io->bytes) holds, from its start (both aligned
     * to the node's request alignment); BK_REQ_WANT_ZERO in io->flags
     * asks for ZERO where the driver can tell.  Fill io->status and
     * complete io.  Missing: a filter is asked through its child, any
     * other node is all data.
     */
    void (*block_status)(struct bk_io *io);

    /*
     * A debug event fired at this node.  The driver may park io and call
     * cont(io) later; otherwise it calls cont(io) before returning.
     */
    /*
     * Permissions (perm.c).  child_perm: what node needs of child and
     * shares with others, given what node's users need and share;
     * missing: qemu's default for the child's role (a filter passes them
     * on, a format asks more of its file).  check_perm, then set_perm or
     * abort_perm: a protocol node takes the new permissions (its locks).
     */
    void (*child_perm)(const struct bk_node *node,
                       const struct bk_node *child, uint64_t perm,
                       uint64_t shared, uint64_t *nperm, uint64_t *nshared);
    int (*check_perm)(struct bk_node *node, uint64_t perm, uint64_t shared,
                      char **cause);
    void (*set_perm)(struct bk_node *node, uint64_t perm, uint64_t shared);
    void (*abort_perm)(struct bk_node *node);
    /* Score how well this protocol driver fits a file name no driver was
     * given for (qemu's bdrv_probe_device): the highest above 0 wins. */
    int (*probe_device)(const char *filename);
    /* Is there a medium (a disc in the drive)?  Missing: there is, if
     * every child has one (qemu's bdrv_is_inserted). */
    bool (*is_inserted)(struct bk_node *node);
    /* What bk_dev_storage tells of this (bottom) node.  Missing: its
     * driver's name and the node's file name, nothing more. */
    void (*storage)(struct bk_node *node, struct bk_storage *st);
    /* Live words for the node's place in a stack picture ("tg: 3
     * waiting"), or nothing (buf left empty).  May be NULL. */
    void (*describe)(struct bk_node *node, char *buf, size_t len);

    void (*debug_event)(struct bk_node *node, enum rules_event ev,
                        struct bk_io *io, bk_io_cb *cont);
    const struct bk_debug_ops *debug;
    /* The sub-requests in progress (backend.h).  Missing: none. */
    void (*for_each_subreq)(struct bk_node *node,
                            void (*fn)(const struct bk_subreq *sub,
                                       void *arg),
                            void *arg);
    /*
     * Can a read of [offset, +bytes) of the node go into a pipe
     * (BK_REQ_TO_PIPE, the pipe in io->req)?  Only asked once the generic
     * layer would hand the read to the driver whole (bk_node_can_pipe).
     * Missing: no.
     */
    bool (*can_pipe)(struct bk_node *node, int64_t offset, int64_t bytes);
    /* bk_dev_layout.  Missing: -ENOTSUP. */
    int (*layout)(struct bk_node *node, int64_t *file_length,
                  int (*fn)(const struct bk_layout_run *run, void *arg),
                  void *arg);
};

/*
 * A one-child pass-through's defaults (filter.c), for the driver tables
 * of filters and raw.  get_length: the child's.  forward: io's request
 * to node->file as it is, ending io with the child's result; pass: the
 * same at another offset or with other flags.  open: the "file" child,
 * then the node's common options (0, or -errno with *cause and no
 * child); drop_child undoes it when the driver's own options fail.
 * take_limits: what the child does natively (FUA, truncate flags), its
 * buffer alignment and transfer limit.
 */
int64_t bk_filter_get_length(struct bk_node *node);
void bk_filter_forward(struct bk_io *io);
void bk_filter_pass(struct bk_io *io, int64_t offset, unsigned flags);
int bk_filter_open(struct bk_node *node, struct bk_opts *opts,
                   const char *filename, char **cause);
void bk_filter_drop_child(struct bk_node *node);
void bk_filter_take_limits(struct bk_node *node);

/* Permissions (BK_PERM_*, backend.h) go down a stack: each node needs
 * some of its children and lets others have some (perm.c); the protocol
 * nodes at the bottom lock their files accordingly (lock.c). */
/* What a child is to its parent (qemu's BdrvChildRole). */
enum {
    BK_ROLE_DATA     = 1 << 0,
    BK_ROLE_METADATA = 1 << 1,
    BK_ROLE_FILTERED = 1 << 2,
    BK_ROLE_COW      = 1 << 3,
};
/* qemu's bdrv_default_perms: what node needs of a child in role, given
 * what node's users need (perm) and share (shared). */
void bk_default_perms(const struct bk_node *node, unsigned role,
                      uint64_t perm, uint64_t shared, uint64_t *nperm,
                      uint64_t *nshared);
/*
 * Give the stack under top the permissions its user needs (perm) and
 * shares (shared), qemu's permission update: every node checks (the
 * files take and test their locks), then all commit, or all go back.
 * 0, or -errno with *cause.
 */
int bk_perm_update(struct bk_node *top, uint64_t perm, uint64_t shared,
                   char **cause);
/* Take a list of permissions given as NAME.0=write, NAME.1=resize...
 * (qemu's BlockPermission names) into *bits: 0, or -EINVAL with qemu's
 * words; none given is 0 bits. */
int bk_perm_take_list(struct bk_opts *opts, const char *name, uint64_t *bits,
                      char **cause);

/* The drivers a device opens stacks with (drivers.c), NULL-terminated. */
extern const struct bk_driver *const bk_drivers[];
/*
 * Snapshot mode (snapshot.c): the flags the image itself is opened with
 * under the overlay, and the overlay over base (opened with those), with
 * the device's flags and the discard option the user gave (or NULL).
 */
unsigned bk_snapshot_base_flags(unsigned flags);
int bk_snapshot_overlay(struct bk_stack *stack, struct bk_node *base,
                        unsigned flags, const char *discard,
                        struct bk_node **overlay, char **cause);
/*
 * Reopen the stack under top with the device's new flags and options
 * (consumed; may be NULL), as qemu-io's reopen (reopen.c).  dev_flags:
 * the device's flags now; need_write: the device holds the write
 * permission.  0, or -errno with *cause and nothing changed.
 */
int bk_stack_reopen(struct bk_node *top, unsigned flags, unsigned dev_flags,
                    bool need_write, struct bk_opts *opts, char **cause);
/* A new, empty qcow2 image of size bytes at path, as qemu-img create
 * makes it with its defaults (qcow2/create.c). */
int qcow2_create_file(const char *path, uint64_t size, char **cause);

/*
 * What drivers tell whoever opened their stack: the device counts and
 * passes these on to its observers.  Nothing below the device calls into
 * it; this is the one way up.
 */
enum bk_notice_kind {
    BK_NOTICE_FAULT,           /* a rule caused fault (an error: counted) */
    BK_NOTICE_SUSPENDED,       /* req parked at a breakpoint called tag */
    BK_NOTICE_RESUMED,         /* ... and let go from it */
    BK_NOTICE_GUESSED_FORMAT,  /* raw opened a guessed format writable;
                                  tag: the file name of a node under the
                                  top (a filter's child), NULL: the top */
    BK_NOTICE_MESSAGE,         /* words for the user: text, message */
};
struct bk_notice {
    enum bk_notice_kind kind;
    const char *tag;
    const struct bk_req *req;
    const struct bk_fault *fault;  /* BK_NOTICE_FAULT */
    const char *text;
    enum bk_message_kind message;
};

/*
 * What a stack of nodes is opened in: its loop, the drivers it may use,
 * and where its notices go.  The device owns it; every node points at it.
 */
struct bk_stack {
    struct bk_loop *loop;
    const struct bk_driver *const *drivers;    /* NULL-terminated */
    void (*notify)(void *opaque, const struct bk_notice *notice);
    void *opaque;
    /* A child opened before its parent, to probe the format through it:
     * the next primary child opened (bk_node_open_child) is this one. */
    struct bk_node *preopened;
};
/* Tell the stack's owner (drivers call this). */
void bk_stack_notify(struct bk_stack *stack, enum bk_notice_kind kind,
                     const char *tag, const struct bk_req *req);
void bk_stack_notify_fault(struct bk_stack *stack,
                           const struct bk_fault *fault);
/* Give the user words, as qemu prints them (BK_NOTICE_MESSAGE). */
void bk_stack_message(struct bk_stack *stack, enum bk_message_kind kind,
                      const char *text);

/* Fill in a node's limits; drivers set these in open. */
struct bk_limits {
    uint32_t request_alignment;  /* bytes; 1 = any */
    uint32_t buf_align;          /* memory alignment for O_DIRECT */
    int64_t max_transfer;        /* 0 = unlimited */
    int64_t max_pwrite_zeroes;
    int64_t pwrite_zeroes_alignment;
    int64_t max_pdiscard;
    int64_t pdiscard_alignment;
    int64_t cluster_size;        /* a format's (qemu's bdrv_get_cluster_size);
                                    0: the request alignment */
};

struct bk_node {
    const struct bk_driver *drv;
    void *state;                  /* drv->state_size bytes */
    struct bk_node *file;         /* the child its data goes to, or NULL */
    struct bk_node *backing;      /* what unallocated ranges read, or NULL */
    struct bk_node *data;         /* a second child the data goes to
                                     (qcow2's data-file), or NULL: flushed
                                     before file, closed with the node */
    struct bk_stack *stack;
    struct bk_loop *loop;
    char *filename;
    unsigned open_flags;          /* BK_O_* */
    unsigned supported_write_flags;   /* BK_REQ_FUA if done natively */
    unsigned supported_truncate_flags;   /* BK_TRUNC_ZERO_WRITE or 0 */
    struct bk_limits bl;
    int64_t total_bytes;          /* cached length, bytes, exact; a
                                     write past it grows it (node.c) */
    bool probed;                  /* format guessed, not given */
    char *node_name;              /* given, or made up as qemu does */
    struct bk_opts *open_opts;    /* the options it was opened with */
    unsigned explicit_flags;      /* cache flags its own options set */
    int detect_zeroes;            /* BK_DZ_* */
    bool read_only_opt;           /* its read-only option said on */

    /* Flush bookkeeping: writes bump write_gen; a flush records what it saw. */
    uint64_t write_gen;
    uint64_t flushed_gen;
    bool flush_active;
    struct bk_io *flush_waiters, *flush_waiters_tail;   /* FIFO */

    /* Requests in progress on this node, oldest first, for serialisation. */
    struct bk_io *tracked, *tracked_tail;
    size_t nserialising;

    /* Ended io records kept for reuse (node.c), linked by wait_next;
     * ended writes' contexts likewise (node.c). */
    struct spares spare_ios;           /* ended io records (iorec.c) */
    struct spares spare_writes;        /* ended write contexts (node.c) */
};

/* Generic entry points: every layer submits to its child through these. */
void bk_node_submit(struct bk_io *io);
/* Would a read of [offset, +bytes) reach node's driver whole (aligned,
 * one call, no copy-on-read), and can the driver put it in a pipe? */
bool bk_node_can_pipe(struct bk_node *node, int64_t offset, int64_t bytes);
/* Fire ev at node (blkdebug listens); cont(io) runs when it may go on. */
void bk_node_event(struct bk_node *node, enum rules_event ev, struct bk_io *io,
                   bk_io_cb *cont);

/* Open a node with the given driver; opts keys for it are consumed. */
int bk_node_open(struct bk_stack *stack, const struct bk_driver *drv,
                 struct bk_opts *opts, const char *filename, unsigned flags,
                 struct bk_node **nodep, char **cause);
void bk_node_close(struct bk_node *node);
/*
 * Open parent's primary child, named child_name ("file", "image"), from
 * opts "child_name.*" (or filename) into parent->file.
 */
int bk_node_open_child(struct bk_node *parent, struct bk_opts *opts,
                       const char *child_name, const char *filename,
                       const char *default_driver, char **cause);
/* The same for any child (a backing file, say), into *childp; it takes
 * the cache and discard flags of its parent's parent_flags. */
int bk_stack_open_child(struct bk_stack *stack, unsigned parent_flags,
                        struct bk_opts *opts, const char *child_name,
                        const char *filename, const char *default_driver,
                        struct bk_node **childp, char **cause);
const struct bk_driver *bk_driver_find(const struct bk_stack *stack,
                                       const char *name);
struct bk_node *bk_dev_top(struct bk_dev *dev);
/* Count a query in flight on dev (+1) or ended (-1): close waits for it. */
void bk_dev_hold(struct bk_dev *dev, int delta);
/*
 * A node's part of its open that qemu makes before the driver's (after a
 * format's child is open, before anything else for other drivers): its
 * node-name (checked, or one made up as qemu's), discard, detect-zeroes,
 * and for the top node copy-on-read on a read-only node (stack.c).
 */
int bk_node_open_common(struct bk_node *node, struct bk_opts *opts,
                        char **cause);
/* detect-zeroes=off|on|unmap (BK_DZ_*) into *dz as qemu spells and checks
 * it (unmap needs BK_O_UNMAP in flags); NULL leaves it (node-flags.c). */
enum { BK_DZ_OFF, BK_DZ_ON, BK_DZ_UNMAP };
int bk_parse_detect_zeroes(const char *v, unsigned flags, int *dz,
                           char **cause);
/* discard=unmap|on|ignore|off into *flags; NULL leaves them
 * (node-flags.c). */
int bk_parse_discard(const char *v, unsigned *flags, char **cause);
/* Take the options any node has (cache.direct, cache.no-flush; for the
 * device also read-only, force-share) into *flags (node-flags.c). */
int bk_take_node_flags(struct bk_opts *opts, unsigned *flags, bool device,
                       char **cause);
/*
 * Block status (status.c): the chain from node down to base (including
 * base when include_base; base NULL: to the bottom), as qemu's
 * bdrv_co_common_block_status_above.  cb gets 0 or -errno, the status of
 * the layer that decided (or of the last asked), and how many layers were
 * asked.  req (may be NULL) is whom metadata reads are done for.
 */
typedef void bk_above_cb(void *arg, int ret, const struct bk_io_status *st,
                         int depth);
void bk_node_status_above(struct bk_node *node, struct bk_node *base,
                          bool include_base, bool want_zero, int64_t offset,
                          int64_t bytes, struct bk_req *req, bk_above_cb *cb,
                          void *arg);
/* Has node a medium, as far down as it goes? (graph.c) */
bool bk_node_is_inserted(struct bk_node *node);
/* The first node from node down that is no filter. */
struct bk_node *bk_node_skip_filters(struct bk_node *node);
/* The backing node of a format that has one, or NULL. */
struct bk_node *bk_node_cow(struct bk_node *node);
/* What unallocated ranges of node read from: a filter's child, or cow. */
struct bk_node *bk_node_filter_or_cow(struct bk_node *node);

/* A node's info (bk_info), asked as qemu asks it: through filters. */
int bk_node_get_info(struct bk_node *node, struct bk_info *info);

/* The first node from top down whose driver keeps breakpoints, or NULL. */
struct bk_node *bk_node_debug(struct bk_node *top);
/* The stack from node down its data children, as a one-line picture:
 * "raw > throttle[tg: 2 waiting] > file" (graph.c). */
void bk_node_describe(struct bk_node *node, char *buf, size_t len);
/* The bottom (protocol) node of a stack. */
struct bk_node *bk_node_bottom(struct bk_node *node);
int64_t bk_node_length(struct bk_node *node);

/* Options helpers for drivers: take (get and remove) a key. */
char *bk_opts_take(struct bk_opts *opts, const char *key);
/* Move every "prefix.*" key into a new opts without the prefix. */
struct bk_opts *bk_opts_extract_prefix(struct bk_opts *opts,
                                       const char *prefix);
/* Take key as a qemu number option (QEMU_OPT_NUMBER: unsigned, any base;
 * "-5" wraps as in qemu); *out 0 when absent.  0, or -EINVAL with
 * *cause. */
int bk_opts_take_number(struct bk_opts *opts, const char *key, uint64_t *out,
                        char **cause);
/* Take key as a qemu bool option into *out, left as it is when absent;
 * *given (may be NULL) says whether it was there.  0, or -EINVAL with
 * qemu's words in *cause. */
int bk_opts_take_bool(struct bk_opts *opts, const char *key, bool *out,
                      bool *given, char **cause);
/* Parse a qemu bool: on/off/yes/no/true/false. */
int bk_opts_parse_bool(const char *text, bool *out);
int bk_opts_parse_size(const char *text, uint64_t *out);

/* Bytes node takes on its storage, as qemu counts them, or -errno. */
int64_t bk_node_allocated_size(struct bk_node *node);

/*
 * Guess the format of what the protocol node file holds, reading its start
 * through the stack (iterates the loop): *format names a driver of the
 * stack ("raw" when nothing else fits).  0, or -errno with *cause
 * (probe-open.c).
 */
int bk_stack_probe_node(struct bk_stack *stack, struct bk_node *file,
                        const char **format, char **cause);
/*
 * Open a child as qemu opens one without a default driver: with the
 * driver its options name, or else a protocol node from them and the
 * format guessed over it (a guessed raw is probed: BK_O_PROBED).
 */
int bk_stack_open_probed(struct bk_stack *stack, unsigned parent_flags,
                         struct bk_opts *opts, const char *child_name,
                         const char *filename, struct bk_node **childp,
                         char **cause);

/* The non-raw format a first sector looks like, or NULL (probe.c). */
const char *bk_probe_format(const void *buf, size_t len);


#endif
