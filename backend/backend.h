/*
 * backend.h — blkmon's block backend, as the front ends (headless command
 * loop, TUI) see it.
 *
 * The model.  A *loop* is one thread's event loop: it owns every request's
 * state, runs every completion callback, and waits on file descriptors and
 * timers.  Blocking system calls run on a pool of worker threads that belongs
 * to the loop; a worker never touches request state, it only hands its
 * finished work item back to the loop.  Because all state is owned by the
 * loop thread, a front end running on that thread (it must) always sees a
 * consistent picture: requests, counters and allocation cannot change under
 * it between two calls.
 *
 * A *device* (bk_dev) is an open image: a stack of *nodes* such as
 * raw -> blkdebug -> file, each driven by a driver.  A *request* (bk_req) is
 * one read, write, discard, flush... submitted to a device.  Its life cycle:
 *
 *     QUEUED -> INFLIGHT -> DONE            (and any number of times
 *           \-> SUSPENDED -/                 SUSPENDED at a blkdebug event)
 *
 * A suspended request is a parked record: no thread waits for it.
 *
 * Errors: functions return 0 or -errno; where a message helps, a
 * heap-allocated text is stored in *cause for the caller to place and free.
 * The backend never prints.
 */
#ifndef BLKMON_BACKEND_H
#define BLKMON_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct bk_loop;
struct bk_dev;
struct bk_opts;
struct rules_engine;

/* ---- Loop ------------------------------------------------------------ */

typedef void bk_fd_fn(struct bk_loop *loop, int fd, void *arg);
/* A timer handler returns the next interval in milliseconds, or -1 to stop. */
typedef long bk_timer_fn(struct bk_loop *loop, void *arg);
typedef void bk_idle_fn(struct bk_loop *loop, void *arg);

/* nworkers 0 picks a default. */
struct bk_loop *bk_loop_new(int nworkers);
void bk_loop_free(struct bk_loop *loop);
/* Watch fd for readability; one handler per fd. */
int bk_loop_add_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn, void *arg);
/*
 * The same for a peer that may wait a moment for the loop: while busy(arg)
 * is false, fd does not keep the loop from counting as idle, so a small
 * page-cache transfer may run on the loop thread itself (file.c's
 * file_idle_inline) rather than on a worker.  An NBD client with one
 * request in flight is such a peer: it sends nothing until answered.
 */
int bk_loop_add_peer_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn,
                        void *arg, bool (*busy)(void *arg));
/*
 * A peer that is a client, sending its next request soon after an answer
 * (an NBD connection): after its handler ran, the loop stays awake a
 * moment before it sleeps (loop.c, loop_spin_for_client).
 */
int bk_loop_add_client_fd(struct bk_loop *loop, int fd, bk_fd_fn *fn,
                          void *arg, bool (*busy)(void *arg));
/*
 * What a watched fd is waited for: BK_FD_READ (the default), BK_FD_WRITE,
 * both, or 0 (not polled at all, hang-ups included).  The handler runs
 * when any of them is ready and finds out which by trying (non-blocking
 * I/O).  -ENOENT when fd is not watched.
 */
enum { BK_FD_READ = 1 << 0, BK_FD_WRITE = 1 << 1 };
int bk_loop_fd_events(struct bk_loop *loop, int fd, unsigned events);
void bk_loop_del_fd(struct bk_loop *loop, int fd);
/* Returns a timer id (> 0) for bk_loop_del_timer. */
int bk_loop_add_timer(struct bk_loop *loop, long ms, bk_timer_fn *fn,
                      void *arg);
/* The same, first due after ns nanoseconds (the handler still answers in
 * milliseconds, or -1). */
int bk_loop_add_timer_ns(struct bk_loop *loop, int64_t ns, bk_timer_fn *fn,
                         void *arg);
void bk_loop_del_timer(struct bk_loop *loop, int id);
/* Called once per pass just before the loop sleeps (the TUI redraws here). */
void bk_loop_set_before_sleep(struct bk_loop *loop, bk_idle_fn *fn,
                              void *arg);
/*
 * One pass: run what is ready (completions, deferred calls, fds, timers),
 * sleeping at most timeout_ms (-1: until something happens) when nothing is.
 * Nested calls are allowed: a synchronous command waits by iterating.
 */
void bk_loop_iterate(struct bk_loop *loop, int timeout_ms);
/*
 * Commands may wait on coroutines of their own (coro.h), so that several
 * wait at once; a fiber must then not nest a pass of the loop.  Whoever
 * runs them hooks bk_loop_iterate: every call asks the hook first, which
 * returns true when it took the call over (the caller is a fiber, which
 * yielded and has been resumed: a pass ran meanwhile); otherwise it may
 * lower *timeout_ms (to a fiber's deadline, 0 for a fiber ready to run)
 * and the pass runs.  nested: the call comes from inside a pass (a
 * handler, a callback), not from the top of the stack.  One hook per loop.
 */
typedef bool bk_iterate_hook_fn(struct bk_loop *loop, int *timeout_ms,
                                bool nested, void *arg);
void bk_loop_set_iterate_hook(struct bk_loop *loop, bk_iterate_hook_fn *fn,
                              void *arg);
/* Callbacks the loop has run so far (completions, deferred calls, fd
 * handlers, timers): when it has not moved, nothing happened. */
uint64_t bk_loop_ran(const struct bk_loop *loop);
/* Monotonic clock in nanoseconds. */
int64_t bk_now_ns(void);
/*
 * Run fn(arg) on one of the loop's worker threads, then done(arg) on the
 * loop thread.  For a front end's CPU-bound work that would stall the loop
 * (filling or checking a buffer of a gigabyte); fn must not touch anything
 * the loop owns.  0, or -ENOMEM (nothing will run).
 */
int bk_loop_run_work(struct bk_loop *loop, void (*fn)(void *arg),
                     void (*done)(void *arg), void *arg);

/* ---- Options --------------------------------------------------------- */
/*
 * A flat, ordered key=value list with dotted keys, as the block layer takes
 * them: "driver", "file.driver", "file.filename", "file.config", ...
 */
struct bk_opts *bk_opts_new(void);
void bk_opts_free(struct bk_opts *opts);
/* Replace or add. */
void bk_opts_set(struct bk_opts *opts, const char *key, const char *value);
const char *bk_opts_get(const struct bk_opts *opts, const char *key);
bool bk_opts_has(const struct bk_opts *opts, const char *key);
void bk_opts_del(struct bk_opts *opts, const char *key);
size_t bk_opts_count(const struct bk_opts *opts);
/* The i-th pair in insertion order; false past the end. */
bool bk_opts_at(const struct bk_opts *opts, size_t i, const char **key,
                const char **value);
/* Take key as a size (qemu's parser and messages); *given when it was
 * there.  0, or -EINVAL with *cause. */
int bk_opts_take_size(struct bk_opts *opts, const char *key, uint64_t *out,
                      bool *given, char **cause);
/* Add the options of a "json:" file name (the text after the prefix),
 * flattened as qemu does; keys already in opts are kept. */
int bk_opts_parse_json(struct bk_opts *opts, const char *text, char **cause);
/*
 * The key of opts that qemu names first when it complains about options
 * left over: qemu keeps options in a hash table and reports the first it
 * walks to, so the order is its hash's, not the command line's.  False
 * when opts is empty.
 */
bool bk_opts_first_leftover(const struct bk_opts *opts, const char **key);
/* The indices of opts's pairs (at most max) in the order qemu walks its
 * dictionary; returns how many. */
size_t bk_opts_qemu_order(const struct bk_opts *opts, size_t *order,
                          size_t max);
/*
 * Parse "k=v,k2=v2" (",," stands for a literal comma).  A part without '='
 * is taken as implied_key=part when implied_key is given (first part only),
 * else as "part=on".  On error returns -EINVAL and a message in *cause.
 */
int bk_opts_parse(struct bk_opts *opts, const char *text,
                  const char *implied_key, char **cause);

/* ---- Objects --------------------------------------------------------- */
/*
 * --object throttle-group,id=ID,x-bps-total=...: a group of limits that
 * throttle nodes (throttle-group=ID) share, for the rest of the process.
 * def is the whole definition, "throttle-group" first.  0, or -EINVAL
 * with *cause in qemu's words.
 */
int bk_throttle_group_add(const char *def, char **cause);

/* ---- Devices --------------------------------------------------------- */

/* Open flags: the qemu-io options map onto these. */
enum {
    BK_O_RDWR        = 1 << 0,
    BK_O_NOCACHE     = 1 << 1,  /* O_DIRECT: -n, -t none|directsync */
    BK_O_NO_FLUSH    = 1 << 2,  /* -t unsafe: flushes never reach the disk */
    BK_O_WRITETHROUGH = 1 << 3, /* every write is followed by a flush */
    BK_O_UNMAP       = 1 << 4,  /* -d unmap: discard punches holes */
    BK_O_FORCE_SHARE = 1 << 5,  /* -U */
    BK_O_IO_URING    = 1 << 6,  /* -i io_uring */
    BK_O_NATIVE_AIO  = 1 << 7,  /* -i native / -k */
    BK_O_PROBED      = 1 << 8,  /* internal: the format was guessed */
    BK_O_COPY_ON_READ = 1 << 9, /* -C: reads ask block status first and
                                   are serialised (the top node only) */
    BK_O_TOP         = 1 << 10, /* internal: the device's top node */
    BK_O_SNAPSHOT    = 1 << 11, /* -s: writes go to a temporary qcow2
                                   overlay, removed at close */
    BK_O_TEMPORARY   = 1 << 12, /* internal: a file removed once open */
};

/*
 * Open filename (may be NULL when opts name it) with the given options.
 * opts is consumed.  Keys the stack does not use are an error, as in qemu.
 */
int bk_dev_open(struct bk_loop *loop, const char *filename,
                struct bk_opts *opts, unsigned flags, struct bk_dev **devp,
                char **cause);
/*
 * The same; *probe_warning says whether the front end owes qemu's
 * "probing guessed raw" warning: the format was guessed for a writable
 * image and the raw driver opened.  It is set even when the open then
 * fails, as qemu warns from the raw driver's open, before it checks the
 * options left over.  early (may be NULL) hears the drivers' messages
 * while the stack opens, as they come (a failed open has some: a dirty
 * image's repair); it is not added to the device.
 */
struct bk_observer;
int bk_dev_open_warn(struct bk_loop *loop, const char *filename,
                     struct bk_opts *opts, unsigned flags,
                     struct bk_dev **devp, char **cause, bool *probe_warning,
                     const struct bk_observer *early);
/* Drain (resuming any suspended request) and close. */
void bk_dev_close(struct bk_dev *dev);
/* Change read-only / cache flags; opts (may be NULL) is consumed. */
int bk_dev_reopen(struct bk_dev *dev, unsigned flags, struct bk_opts *opts,
                  char **cause);
unsigned bk_dev_flags(const struct bk_dev *dev);
bool bk_dev_read_only(const struct bk_dev *dev);
/*
 * A command is about to write: the device takes the write permission from
 * now on, as qemu-io's BlockBackend does (a reopen's checks depend on who
 * holds it), and its files' locks with it.  0, or -errno with *cause
 * ("Block node is read-only", or another process's lock).
 */
int bk_dev_want_write(struct bk_dev *dev, char **cause);

/*
 * Permissions, as qemu's (BLK_PERM_*, the same bits): what a user of an
 * image does with it, and what it lets others do.  Image locks stand for
 * them between processes; bk_perm_names has qemu's words for each bit.
 */
enum {
    BK_PERM_CONSISTENT_READ = 1 << 0,
    BK_PERM_WRITE           = 1 << 1,
    BK_PERM_WRITE_UNCHANGED = 1 << 2,
    BK_PERM_RESIZE          = 1 << 3,
    BK_PERM_ALL             = 0xf,
    BK_PERM_COUNT           = 4,
};
extern const char *const bk_perm_names[BK_PERM_COUNT];

/* What the device's data sits on: the bottom node of its stack. */
struct bk_storage {
    const char *driver;          /* "file", "host_device", "null-co"... */
    const char *path;            /* its file name, or NULL */
    /* A block device's logical and physical block sizes; 0 otherwise. */
    uint32_t logical_block_size, physical_block_size;
    bool lockable;               /* a file, which image locks could guard */
    bool locking;                /* image locks are taken (locking=) */
    /* The permissions the locks say it holds, and those it keeps from
     * others (BK_PERM_* bits). */
    uint64_t locked, unshared;
};
/* Describe the storage under dev (into *st; strings live as long as the
 * device's stack). */
void bk_dev_storage(struct bk_dev *dev, struct bk_storage *st);
/* True when the format was probed (no driver given): front ends warn. */
bool bk_dev_format_probed(const struct bk_dev *dev);
const char *bk_dev_filename(const struct bk_dev *dev);
const char *bk_dev_format_name(const struct bk_dev *dev);
/* False when the top node is a protocol (file, blkdebug), not a format. */
bool bk_dev_top_is_format(const struct bk_dev *dev);
/* The prefix naming the top node's driver in a file name ("nbd+unix"),
 * or NULL for a format. */
const char *bk_dev_protocol_name(const struct bk_dev *dev);
struct bk_loop *bk_dev_loop(const struct bk_dev *dev);
/* The stack as a one-line picture, top first: "raw > throttle[tg: 2
 * waiting] > blkdebug > file". */
void bk_dev_describe_stack(struct bk_dev *dev, char *buf, size_t len);
/* Length in bytes as the block layer reports it (rounded up to 512). */
int64_t bk_dev_length(struct bk_dev *dev);
/* The required alignment of the bottom node (512 or 4096 with O_DIRECT). */
uint32_t bk_dev_buf_align(const struct bk_dev *dev);
/*
 * What requests to the device should look like, as qemu's block backend
 * tells its exports: the request alignment of the top node (1 for raw;
 * offsets and lengths not a multiple of it are read-modify-written), and
 * the largest transfer (a multiple of that alignment; 0: no limit).
 */
uint32_t bk_dev_request_alignment(const struct bk_dev *dev);
int64_t bk_dev_max_transfer(const struct bk_dev *dev);

/* ---- Requests -------------------------------------------------------- */

enum bk_op {
    BK_OP_READ,
    BK_OP_WRITE,
    BK_OP_WRITE_ZEROES,
    BK_OP_DISCARD,
    BK_OP_FLUSH,
    BK_OP_TRUNCATE,   /* offset = new length; flags = prealloc mode */
    BK_OP_BLOCK_STATUS,   /* a query, never a request: bk_dev_block_status */
    BK_OP__MAX
};
extern const char *const bk_op_names[BK_OP__MAX];

enum {
    BK_REQ_FUA       = 1 << 0,
    BK_REQ_MAY_UNMAP = 1 << 1,  /* write zeroes may punch a hole */
    BK_REQ_WANT_ZERO = 1 << 2,  /* block status: tell zeroes from data */
    BK_REQ_NO_FALLBACK = 1 << 3, /* write zeroes: -ENOTSUP rather than
                                    write buffers of zeroes (qemu's
                                    BDRV_REQ_NO_FALLBACK, NBD's FAST_ZERO) */
    BK_REQ_VMSTATE   = 1 << 4,  /* read/write: the VM state area (-b), at
                                   an offset within it */
    BK_REQ_COMPRESSED = 1 << 5, /* write: compressed clusters (-c) */
    BK_REQ_TO_PIPE   = 1 << 6,  /* read: the bytes go into req->pipe_fd,
                                   not iov (only where bk_dev_can_pipe
                                   says so; elsewhere -ENOTSUP) */
};

enum bk_prealloc { BK_PREALLOC_OFF, BK_PREALLOC_METADATA, BK_PREALLOC_FALLOC,
                   BK_PREALLOC_FULL };

enum bk_req_state {
    BK_REQ_QUEUED,     /* waiting: for a worker, or behind another request */
    BK_REQ_INFLIGHT,   /* a worker runs its system call */
    BK_REQ_SUSPENDED,  /* parked at a blkdebug event until resumed */
    BK_REQ_DONE,
};

/* What a client's requests did, counted as each ended. */
struct bk_tally {
    uint64_t requests;        /* ended, failed ones included */
    uint64_t bytes_read;      /* by reads that succeeded */
    uint64_t bytes_written;   /* by writes and write zeroes that succeeded */
    uint64_t errors;          /* ended with an error */
};
void bk_tally_add(struct bk_tally *t, enum bk_op op, uint64_t bytes, int ret);

/* Who issued a request: front ends show it, events carry it. */
enum bk_source_kind { BK_SRC_COMMAND, BK_SRC_BENCH, BK_SRC_TUI, BK_SRC_NBD,
                      BK_SRC_FUSE, BK_SRC_CONTROL, BK_SRC_INTERNAL };
struct bk_source {
    enum bk_source_kind kind;
    const char *name;     /* "command line", "bench", "nbd 127.0.0.1:40122" */
    uint64_t id;          /* tells apart clients of one kind */
    /* Its requests that ended, counted by the device: so a front end whose
     * requests come from commands (a control session) need not follow
     * them to show what they did. */
    struct bk_tally tally;
};

struct bk_req {
    /* Filled by the submitter. */
    enum bk_op op;
    int64_t offset;
    int64_t bytes;
    struct iovec *iov;       /* READ / WRITE */
    int iovcnt;
    unsigned flags;
    void (*done)(struct bk_req *req, int ret);   /* on the loop thread */
    void *opaque;
    struct bk_source *source;   /* NULL: issued by the backend itself; it
                                   outlives the request (its tally) */
    int pipe_fd;             /* BK_REQ_TO_PIPE: a pipe's write end, with
                                room for bytes more */

    /* Owned by the backend; front ends may read them on the loop thread. */
    uint64_t id;
    enum bk_req_state state;
    int64_t submit_ns;
    int64_t complete_ns;
    int ret;
    char cause[128];             /* words for a failure, when the backend
                                    has them ("" otherwise) */
    const char *suspend_event;   /* when SUSPENDED */
    const char *suspend_tag;     /* a tag still holding it */
    int64_t suspend_ns;          /* when it was last suspended */
    struct bk_req *next_out, *prev_out;   /* the device's outstanding list */
    struct bk_dev *dev;
};

/* Start req; req->done runs on the loop thread when it ends. */
void bk_submit(struct bk_dev *dev, struct bk_req *req);
/* Submit req and iterate the loop until it is done; returns req->ret. */
int bk_run(struct bk_dev *dev, struct bk_req *req);
/*
 * May a read of [offset, +bytes) go into a pipe (BK_REQ_TO_PIPE) rather
 * than into buffers?  Yes when every layer down to the file passes the
 * bytes through as they are (raw), the file is one the kernel splices
 * from (a regular file, not O_DIRECT), and the range suits each layer
 * whole (aligned, one call).  A front end that sends the bytes on to a
 * socket then copies none of them itself: splice(2) moves references to
 * the page cache's pages.  Anything else (a format, blkdebug, a filter)
 * answers no: the read takes buffers as ever.
 */
bool bk_dev_can_pipe(struct bk_dev *dev, int64_t offset, int64_t bytes);
/* Iterate the loop until no request is outstanding on dev. */
void bk_drain(struct bk_dev *dev);
/* Visit the outstanding requests, oldest first. */
void bk_dev_for_each_req(struct bk_dev *dev,
                         void (*fn)(const struct bk_req *req, void *arg),
                         void *arg);
size_t bk_dev_outstanding(const struct bk_dev *dev);

/* ---- Observers ------------------------------------------------------- */
/*
 * Front ends watch a device through observers: any number of them, told
 * in the order they were added.  The storage is the caller's; an observer
 * may remove itself (or another) from inside a call.
 */
enum bk_debug_note { BK_NOTE_SUSPENDED, BK_NOTE_RESUMED };

/*
 * A fault a blkdebug rule (or the powercut command) caused, as it
 * happened: front ends print it ("blkmon: injected EIO into write
 * 4096+512 by rule 3") and count it.  op, offset and bytes are the
 * request as it reached blkdebug.
 */
enum bk_fault_kind {
    BK_FAULT_ERROR,         /* failed with error (inject-error, bad-blocks) */
    BK_FAULT_DELAY,         /* waits ns first */
    BK_FAULT_HANG,          /* parked under tag; ns: its timeout, 0: none */
    BK_FAULT_HANG_TIMEOUT,  /* a hang ran out: fails with error (0: goes on) */
    BK_FAULT_CORRUPT,       /* amount bits of its data changed */
    BK_FAULT_DROP,          /* acknowledged and not done */
    BK_FAULT_TORN,          /* amount bytes of it written, error reported */
    BK_FAULT_POWERCUT,      /* the power failed: the write cache is lost */
};
struct bk_fault {
    enum bk_fault_kind kind;
    unsigned rule;          /* the rule's id; 0: the powercut command */
    enum bk_op op;          /* BK_OP__MAX: no request (a command's cut) */
    int64_t offset, bytes;
    int error;              /* -errno the request gets, or 0 */
    int64_t ns;
    uint64_t amount;        /* see the kinds; a cut: sectors lost */
    uint64_t kept;          /* a cut: lost sectors written after all */
    uint64_t writes;        /* a cut: writes the cache held */
    int64_t sector;         /* bad-blocks: the bad sector; else -1 */
    const char *tag;        /* a hang's */
    bool exit;              /* a cut: blkmon is to exit now */
    const struct bk_req *req;
};
/* A request ended: called just before req->done, which may free it. */
typedef void bk_observer_fn(struct bk_dev *dev, const struct bk_req *req,
                            void *arg);
/* A request was suspended at a breakpoint called tag, or resumed. */
typedef void bk_debug_fn(struct bk_dev *dev, enum bk_debug_note note,
                         const char *tag, const struct bk_req *req,
                         void *arg);
/*
 * Words a driver has for the user while it works (qcow2's "Marking image
 * as corrupt"): headless mode prints them on stderr as qemu-io does, with
 * the program's name in front when qemu reports them (error_report), as
 * they are when qemu prints them plainly.  Messages from before the first
 * observer with a message callback was added reach it then.
 */
enum bk_message_kind { BK_MSG_PLAIN, BK_MSG_REPORT, BK_MSG_WARNING,
                       BK_MSG_TEXT /* as is: no line end added */,
                       /* plain, and the device can no longer be trusted
                        * (blkverify saw its images differ): qemu-io
                        * exits at once with status 1 */
                       BK_MSG_FATAL };
typedef void bk_message_fn(struct bk_dev *dev, enum bk_message_kind kind,
                           const char *text, void *arg);
/* A rule caused a fault. */
typedef void bk_fault_fn(struct bk_dev *dev, const struct bk_fault *fault,
                         void *arg);
struct bk_observer {
    bk_observer_fn *req_end;     /* may be NULL */
    bk_debug_fn *debug;          /* may be NULL */
    bk_fault_fn *fault;          /* may be NULL */
    bk_message_fn *message;      /* may be NULL */
    void *arg;
    struct bk_observer *next;    /* the device's */
};
void bk_dev_add_observer(struct bk_dev *dev, struct bk_observer *obs);
void bk_dev_remove_observer(struct bk_dev *dev, struct bk_observer *obs);

struct bk_stats {
    uint64_t ops[BK_OP__MAX];
    uint64_t bytes[BK_OP__MAX];
    uint64_t errors;          /* requests that ended with ret < 0 */
    uint64_t injected;        /* of which blkdebug injected */
};
void bk_dev_stats(const struct bk_dev *dev, struct bk_stats *out);

/* ---- Allocation ------------------------------------------------------ */
/*
 * Block status: what a range of the image holds, as qemu's block layer
 * answers it.  The answer holds for `pnum` bytes from the offset asked
 * about (at least one byte unless the offset is at or past the end);
 * the rest has to be asked again.
 */
enum {
    BK_BS_DATA         = 1 << 0,  /* reads return data (maybe zeroes) */
    BK_BS_ZERO         = 1 << 1,  /* reads return zeroes */
    BK_BS_OFFSET_VALID = 1 << 2,  /* map: where it lies in a file below */
    BK_BS_ALLOCATED    = 1 << 3,  /* this layer decides, not its backing */
    BK_BS_EOF          = 1 << 4,  /* the range reaches the end */
};
struct bk_status {
    unsigned flags;
    int64_t pnum;
    int64_t map;
    int depth;          /* the layer that answered: 1 = the top image */
};
typedef void bk_status_fn(void *arg, int ret, const struct bk_status *st);

/*
 * Ask about [offset, offset+bytes) of the whole chain: the first layer
 * that decides each byte, backing files included (qemu's
 * bdrv_block_status_above down to the bottom).  want_zero asks the file
 * system where it can tell zeroes from data.  fn runs on the loop thread,
 * later, with 0 or -errno (a blkdebug rule on "block-status" can fail a
 * query).  The device waits for queries in flight before it closes.
 */
void bk_dev_block_status(struct bk_dev *dev, int64_t offset, int64_t bytes,
                         bool want_zero, bk_status_fn *fn, void *arg);
/*
 * Is [offset, offset+bytes) allocated in the top image itself (qemu's
 * bdrv_is_allocated, what qemu-io's alloc and map ask)?  Iterates the loop
 * until it knows: 1 or 0 with *pnum, the bytes that answer holds for; or
 * -errno.
 */
int bk_dev_is_allocated(struct bk_dev *dev, int64_t offset, int64_t bytes,
                        int64_t *pnum);

/* One extent of the image, as qemu-img map --output=json describes it. */
struct bk_extent {
    int64_t offset;
    int64_t length;
    bool data;          /* reads return data... */
    bool zero;          /* ...or zeroes */
    bool present;       /* some layer holds it (else: unallocated) */
    int depth;          /* 0 = the top image, 1 = its backing file, ... */
    bool has_map;       /* map is valid: */
    int64_t map;        /* where it lies in the file that holds it */
};
/*
 * The extents of [offset, offset+bytes), merged as qemu-img map merges
 * them, in order.  Calls fn for each; fn returns nonzero to stop early.
 * Iterates the loop until done.  Returns 0 or -errno.
 */
int bk_dev_extents(struct bk_dev *dev, int64_t offset, int64_t bytes,
                   int (*fn)(const struct bk_extent *ext, void *arg),
                   void *arg);

/* ---- a format's own I/O and layout ---------------------------------- */
/*
 * A format driver (qcow2) reads and writes its file for a request: an L2
 * table load, a refcount block update, the guest data, copy-on-write.
 * Each such I/O in progress is a *sub-request*, named by the blkdebug
 * event that announced it ("l2_load", "refblock_update_part", "cow_read";
 * NULL before any), whether or not the stack has a blkdebug node.  req is
 * the request it serves (NULL: the format's own work, e.g. a flush at
 * close).  at_event: the sub-request waits at that event (a breakpoint
 * holds it) and its I/O has not started; op/offset/bytes then are the
 * request's.
 */
struct bk_subreq {
    const struct bk_req *req;
    const char *what;
    enum bk_op op;
    int64_t offset;            /* in the format's file */
    int64_t bytes;
    bool at_event;
    int layer;                 /* 0: the image; 1: its backing file... */
};
/* Visit the sub-requests in progress, oldest first per format node. */
void bk_dev_for_each_subreq(struct bk_dev *dev,
                            void (*fn)(const struct bk_subreq *sub,
                                       void *arg),
                            void *arg);

/* What a byte range of a format's file holds (the host view). */
enum bk_layout_kind {
    BK_LAYOUT_FREE,            /* no reference, refcount 0 */
    BK_LAYOUT_HEADER,
    BK_LAYOUT_L1,              /* the active L1 table */
    BK_LAYOUT_L2,
    BK_LAYOUT_REFTABLE,
    BK_LAYOUT_REFBLOCK,
    BK_LAYOUT_SNAPSHOT,        /* snapshot table, a snapshot's L1/L2 tables */
    BK_LAYOUT_BITMAP,          /* bitmap directory, tables and data */
    BK_LAYOUT_DATA,            /* guest data clusters */
    BK_LAYOUT_COMPRESSED,      /* compressed guest data */
    BK_LAYOUT_OTHER,           /* in use, no reference found (a leak) */
    BK_LAYOUT__MAX
};
extern const char *const bk_layout_names[BK_LAYOUT__MAX];
struct bk_layout_run {
    int64_t offset, length;
    enum bk_layout_kind kind;
};
/*
 * The layout of the top format node's file, runs in order covering
 * [0, *file_length), adjacent runs of one kind merged.  It reads the
 * format's tables below any blkdebug node (no event fires, no rule
 * acts) and iterates the loop while it reads.  -ENOTSUP: the format has
 * no layout to show (raw).  fn returns nonzero to stop.
 */
int bk_dev_layout(struct bk_dev *dev, int64_t *file_length,
                  int (*fn)(const struct bk_layout_run *run, void *arg),
                  void *arg);

/* ---- blkdebug control ------------------------------------------------ */
/*
 * When the stack holds a blkdebug node, these reach it; otherwise they
 * return -ENOTSUP (has_debug is false).  Tags are the user's names for
 * breakpoints; a suspended request carries its event and tag in its
 * bk_req (state BK_REQ_SUSPENDED).
 */
bool bk_dev_has_debug(const struct bk_dev *dev);
/* -ENOENT: no such event. */
int bk_dev_break(struct bk_dev *dev, const char *event, const char *tag);
/* Remove breakpoints with tag and resume requests suspended with it. */
int bk_dev_remove_break(struct bk_dev *dev, const char *tag);
/* Resume the newest request suspended with tag; -ENOENT when none. */
int bk_dev_resume(struct bk_dev *dev, const char *tag);
/*
 * Resume one suspension of this request, whatever tag holds it (a front
 * end's "resume the selected row"): 0, or -ENOENT when it is not parked.
 */
int bk_dev_resume_req(struct bk_dev *dev, const struct bk_req *req);
bool bk_dev_is_suspended(const struct bk_dev *dev, const char *tag);
/* Resume every suspended request (quit, close). */
void bk_dev_resume_all(struct bk_dev *dev);
/* Armed breakpoints, in the order they would fire. */
void bk_dev_for_each_break(const struct bk_dev *dev,
                           void (*fn)(const char *event, const char *tag,
                                      void *arg),
                           void *arg);
/*
 * Every suspension, newest first: a request held by two breakpoints at
 * once (both fired on one event) is visited under each tag.  req is NULL
 * for a record parked without a request (an internal one).
 */
void bk_dev_for_each_suspension(const struct bk_dev *dev,
                                void (*fn)(const char *tag,
                                           const struct bk_req *req,
                                           void *arg),
                                void *arg);
/* The rules engine of the blkdebug node (rules/rules.h), or NULL. */
struct rules_engine *bk_dev_rules(struct bk_dev *dev);
/*
 * Cut the power of the blkdebug node's write cache now: every write no
 * completed flush covered is lost, except lost sectors a random draw
 * (seeded) keeps with chance keep.  Iterates the loop until the image is
 * left as the crash leaves it; *out (may be NULL) says what was lost.
 * With exit, the device stays off (every request fails with EIO): the
 * front end is to exit.  0, -ENOTSUP (no blkdebug node, or no write
 * cache: nothing could be lost) or -EBUSY (a cut is running).
 */
int bk_dev_powercut(struct bk_dev *dev, double keep, bool exit,
                    struct bk_fault *out);

/* ---- Buffers --------------------------------------------------------- */

/* What qemu-io's info prints of an image. */
struct bk_info {
    int64_t cluster_size;
    int64_t vm_state_offset;
    /* Lines after "Format specific information:", each ending in '\n'
     * (allocated), or NULL when the format has none. */
    char *specific;
};
/* 0, or -errno (-ENOTSUP: the driver has nothing to tell); free
 * info->specific after. */
int bk_dev_get_info(struct bk_dev *dev, struct bk_info *info);

/* A buffer aligned for O_DIRECT on this device; free with free(). */
void *bk_dev_alloc_buf(struct bk_dev *dev, size_t size);

#endif
