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
#include "backend/backend.h"
#include "backend/events.h"
#include "util/strfmt.h"

struct bk_node;
struct bk_io;

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

    /* Generic layer (node.c) private. */
    int step;
    struct bk_io *inner;       /* sub-io for multi-step operations */
    void *bounce;
    struct iovec bounce_iov;
    struct iovec *saved_iov;
    int saved_iovcnt;
    int64_t saved_offset, saved_bytes;
    int64_t align_offset, align_bytes;
    uint64_t flush_gen;
    bool serialising;
    bool tracked;
    struct bk_io *track_prev, *track_next;   /* node->tracked */
    struct bk_io *blocked;     /* ios waiting for this one to end */
    struct bk_io *wait_next;   /* on another io's blocked list, or on
                                  node->flush_waiters */
    bk_io_cb *cb_wait;         /* where to go on after a wait */
    bk_io_cb *cb_drv;          /* where to go on after a driver call */

    void *split;               /* a driver call cut into pieces */

    /* Parked at a breakpoint (blkdebug.c). */
    bk_io_cb *park_cont;       /* where it goes on when resumed */
    size_t park_left;          /* resumes still needed */
    char *park_tag;            /* the tag shown while it waits */

    /* Driver private. */
    struct bk_work work;
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

struct bk_io *bk_io_new(struct bk_node *node, enum bk_op op, int64_t offset,
                        int64_t bytes, struct iovec *iov, int iovcnt,
                        unsigned flags, struct bk_req *req, bk_io_cb *cb,
                        void *cb_arg);
void bk_io_free(struct bk_io *io);
/* Free the records bk_io_free kept on node for reuse (at close). */
void bk_node_free_spare_ios(struct bk_node *node);
/* End io with ret: calls its cb.  Safe from any loop-thread context. */
void bk_io_complete(struct bk_io *io, int ret);
/* End io with ret at the next loop pass, not inline. */
void bk_io_complete_later(struct bk_io *io, int ret);

/* ---- Drivers --------------------------------------------------------- */

struct bk_driver {
    const char *name;
    size_t state_size;
    bool is_format;            /* probed/raw-like layer over a "file" */

    int (*open)(struct bk_node *node, struct bk_opts *opts, const char *filename,
                char **cause);
    void (*close)(struct bk_node *node);
    int (*reopen)(struct bk_node *node, unsigned flags, char **cause);
    int64_t (*get_length)(struct bk_node *node);

    /* I/O: start io, end it with bk_io_complete.  Missing = unsupported. */
    void (*preadv)(struct bk_io *io);
    void (*pwritev)(struct bk_io *io);
    void (*pwrite_zeroes)(struct bk_io *io);
    void (*pdiscard)(struct bk_io *io);
    void (*flush_to_disk)(struct bk_io *io);
    void (*truncate)(struct bk_io *io);

    /*
     * A debug event fired at this node.  The driver may park io and call
     * cont(io) later; otherwise it calls cont(io) before returning.
     */
    void (*debug_event)(struct bk_node *node, enum bk_event ev,
                        struct bk_io *io, bk_io_cb *cont);
};

extern const struct bk_driver bk_driver_file;
extern const struct bk_driver bk_driver_raw;
extern const struct bk_driver bk_driver_blkdebug;

/* blkdebug's controls (blkdebug.c); the device routes to them. */
int bk_blkdebug_break(struct bk_node *node, const char *event,
                      const char *tag);
int bk_blkdebug_remove_break(struct bk_node *node, const char *tag);
int bk_blkdebug_resume(struct bk_node *node, const char *tag);
int bk_blkdebug_resume_req(struct bk_node *node, const struct bk_req *req);
bool bk_blkdebug_is_suspended(struct bk_node *node, const char *tag);
void bk_blkdebug_resume_all(struct bk_node *node);
void bk_blkdebug_for_each_break(struct bk_node *node,
                                void (*fn)(const char *event, const char *tag,
                                           void *arg),
                                void *arg);
struct rules_engine *bk_blkdebug_rules(struct bk_node *node);
int bk_blkdebug_check_status(struct bk_node *node, int64_t offset,
                             int64_t bytes);
/* Count an error injected by blkdebug (dev.c). */
void bk_dev_note_injected(struct bk_dev *dev);
/* The device tells its debug observer (dev.c). */
void bk_dev_note_debug(struct bk_dev *dev, enum bk_debug_note note,
                       const char *tag, const struct bk_req *req);

/* Fill in a node's limits; drivers set these in open. */
struct bk_limits {
    uint32_t request_alignment;  /* bytes; 1 = any */
    uint32_t buf_align;          /* memory alignment for O_DIRECT */
    int64_t max_transfer;        /* 0 = unlimited */
    int64_t max_pwrite_zeroes;
    int64_t pwrite_zeroes_alignment;
    int64_t max_pdiscard;
    int64_t pdiscard_alignment;
};

struct bk_node {
    const struct bk_driver *drv;
    void *state;                  /* drv->state_size bytes */
    struct bk_node *file;         /* the child, or NULL */
    struct bk_dev *dev;
    struct bk_loop *loop;
    char *filename;
    unsigned open_flags;          /* BK_O_* */
    unsigned supported_write_flags;   /* BK_REQ_FUA if done natively */
    struct bk_limits bl;
    int64_t total_bytes;          /* cached length, bytes, exact */
    bool probed;                  /* format guessed, not given */
    bool read_only_opt;           /* its read-only option said on */

    /* Flush bookkeeping: writes bump write_gen; a flush records what it saw. */
    uint64_t write_gen;
    uint64_t flushed_gen;
    bool flush_active;
    struct bk_io *flush_waiters, *flush_waiters_tail;   /* FIFO */

    /* Requests in progress on this node, oldest first, for serialisation. */
    struct bk_io *tracked, *tracked_tail;
    size_t nserialising;

    /* Ended io records kept for reuse (node.c), linked by wait_next. */
    struct bk_io *spare_ios;
    unsigned nspare_ios;
};

/* Generic entry points: every layer submits to its child through these. */
void bk_node_submit(struct bk_io *io);
/* Fire ev at node (blkdebug listens); cont(io) runs when it may go on. */
void bk_node_event(struct bk_node *node, enum bk_event ev, struct bk_io *io,
                   bk_io_cb *cont);

/* Open a node with the given driver; opts keys for it are consumed. */
int bk_node_open(struct bk_dev *dev, const struct bk_driver *drv,
                 struct bk_opts *opts, const char *filename, unsigned flags,
                 struct bk_node **nodep, char **cause);
void bk_node_close(struct bk_node *node);
/* Open the child named "file" from opts "file.*" (or filename). */
int bk_node_open_child(struct bk_node *parent, struct bk_opts *opts,
                       const char *child_name, const char *filename,
                       const char *default_driver, char **cause);
const struct bk_driver *bk_driver_find(const char *name);
struct bk_node *bk_dev_top(struct bk_dev *dev);
/* Take the options any node has (cache.direct, cache.no-flush, discard;
 * for the device also read-only, force-share) into *flags (dev.c). */
int bk_take_node_flags(struct bk_opts *opts, unsigned *flags, bool device,
                       char **cause);
/* Where a raw node's image starts in its file (its offset option); 0 for
 * other drivers (raw.c). */
int64_t bk_raw_offset(const struct bk_node *node);
/* The raw driver opened a guessed format on a writable image (raw.c). */
void bk_dev_note_guessed_format(struct bk_dev *dev);
/* The descriptor of a file node, or -1 for other drivers. */
int bk_file_fd(struct bk_node *node);
/* The bottom (protocol) node of a stack. */
struct bk_node *bk_node_bottom(struct bk_node *node);
int64_t bk_node_length(struct bk_node *node);

/* Options helpers for drivers: take (get and remove) a key. */
char *bk_opts_take(struct bk_opts *opts, const char *key);
/* Move every "prefix.*" key into a new opts without the prefix. */
struct bk_opts *bk_opts_extract_prefix(struct bk_opts *opts,
                                       const char *prefix);
/* Parse a qemu bool: on/off/yes/no/true/false. */
int bk_opts_parse_bool(const char *text, bool *out);
int bk_opts_parse_size(const char *text, uint64_t *out);

/* The non-raw format a first sector looks like, or NULL (probe.c). */
const char *bk_probe_format(const void *buf, size_t len);


#endif
