/*
 * dev.c — devices and top-level requests.
 *
 * A device is what a front end opens: the top node of a stack plus what
 * qemu calls the block backend — the cache mode (writethrough adds FUA to
 * every write), the bounds check against the image length, and the list of
 * outstanding requests a front end can walk at any moment.
 *
 * Every request ends in req_end on the loop thread, whatever happened to it
 * (done, failed, refused up front, injected error, resumed after a
 * suspension): that is where counters, the outstanding list and the
 * observers are kept right.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/loop.h"

struct bk_dev {
    struct bk_loop *loop;
    struct bk_stack stack;        /* what its nodes are opened in */
    struct bk_node *top;
    unsigned flags;
    bool probed;
    bool probe_warning;       /* see bk_dev_open_warn */
    int detect_zeroes;          /* BK_DZ_*: the top node's */
    uint64_t next_id;
    struct bk_req *out_head, *out_tail;
    size_t nout;
    size_t nhold;                 /* queries in flight (bk_dev_hold) */
    struct bk_observer *observers;   /* in the order they were added */
    struct bk_stats stats;
    struct dev_message { enum bk_message_kind kind; char *text; } *messages;
    size_t nmessages;             /* kept until an observer takes them */
    /* Asynchronous requests refused before any I/O, to end at the next
     * pass (req_refuse). */
    struct bk_req **refused;
    size_t nrefused, refused_cap;
    bool refuse_pending;          /* req_refuse_cb is deferred */
    /* The device needs its top node writable: opened for writing, or a
     * write command ran since; "reopen -r" gives it up even when it then
     * fails, as qemu-io's BlockBackend drops its permission first. */
    bool write_perm;
    struct bk_req *submitting;    /* in bk_submit */
    const struct bk_observer *early;   /* messages while it opens */
};

const char *const bk_op_names[BK_OP__MAX] = {
    [BK_OP_READ] = "read",
    [BK_OP_WRITE] = "write",
    [BK_OP_WRITE_ZEROES] = "write_zeroes",
    [BK_OP_DISCARD] = "discard",
    [BK_OP_FLUSH] = "flush",
    [BK_OP_TRUNCATE] = "truncate",
    [BK_OP_BLOCK_STATUS] = "block_status",
};

/* Largest request the block layer accepts, as qemu's BDRV_REQUEST_MAX_BYTES. */
#define DEV_REQUEST_MAX_BYTES (INT32_MAX - 511)

/* ---- probing --------------------------------------------------------- */

/*
 * Open the protocol node the format will sit on, read its start and name
 * the format (probe-open.c).  The node is left in dev->stack.preopened for
 * the format driver to adopt.  0, or -errno with *cause.
 */
static int dev_probe(struct bk_dev *dev, struct bk_opts *opts,
                     const char *filename, unsigned flags,
                     const char **format, char **cause)
{
    struct bk_node *file = NULL;
    int ret;

    ret = bk_stack_open_child(&dev->stack, flags, opts, "file", filename,
                              "file", &file, cause);
    if (ret < 0)
        return ret;
    ret = bk_stack_probe_node(&dev->stack, file, format, cause);
    if (ret < 0) {
        bk_node_close(file);
        return ret;
    }
    dev->stack.preopened = file;
    return 0;
}

/* ---- open / close ---------------------------------------------------- */

/* What qemu-io's BlockBackend needs of its node (it shares everything). */
static uint64_t dev_perm(bool write)
{
    return BK_PERM_CONSISTENT_READ | (write ? BK_PERM_WRITE : 0);
}

/* Is every byte of the request's buffer zero? */
static bool iov_is_zero(const struct iovec *iov, int iovcnt)
{
    for (int i = 0; i < iovcnt; i++) {
        const unsigned char *b = iov[i].iov_base;
        size_t n = iov[i].iov_len;

        if (n > 0 && (b[0] != 0 || memcmp(b, b + 1, n - 1) != 0))
            return false;
    }
    return true;
}

/* Do the options say anything of the "file" child? */
static bool dev_names_file(const struct bk_opts *opts)
{
    const char *k, *v;

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++)
        if (strcmp(k, "file") == 0 || strncmp(k, "file.", 5) == 0)
            return true;
    return false;
}

/*
 * What qemu refuses once the stack is open, when it asks its nodes for
 * write permission: a node that asked to be read-only, and a node whose
 * request alignment does not divide the image length (counted in whole
 * 512-byte sectors), since an unaligned write at the end would grow the
 * image.
 */
static int dev_check_writable(struct bk_dev *dev, unsigned flags,
                              char **cause)
{
    if (!(flags & BK_O_RDWR))
        return 0;
    bool resize = false;

    for (struct bk_node *n = dev->top; n != NULL; n = n->file) {
        int64_t sectors = (n->total_bytes + 511) / 512;

        if (n->read_only_opt) {
            *cause = strfmt("Block node is read-only");
            return -EACCES;
        }
        /* Below a format that grows its file (qcow2 takes 'resize' on
         * it), a file's alignment need not divide its length. */
        if (!resize && n->bl.request_alignment > 1 &&
            sectors * 512 % n->bl.request_alignment != 0) {
            *cause = strfmt("Cannot get 'write' permission without "
                            "'resize': Image size is not a multiple of "
                            "request alignment");
            return -EPERM;
        }
        resize = resize || n->drv->grows_file;
    }
    return 0;
}

/* A node that writes into its child when read (copy-on-read) needs the
 * write permission on a read-only device too: qemu refuses it then. */
static int dev_check_writes_on_read(struct bk_dev *dev, char **cause)
{
    for (struct bk_node *n = dev->top; n != NULL; n = n->file)
        if (n->drv->writes_on_read && !(n->open_flags & BK_O_RDWR)) {
            *cause = strfmt("Block node is read-only");
            return -EACCES;
        }
    return 0;
}

int bk_dev_open(struct bk_loop *loop, const char *filename,
                struct bk_opts *opts, unsigned flags, struct bk_dev **devp,
                char **cause)
{
    bool warn;

    return bk_dev_open_warn(loop, filename, opts, flags, devp, cause, &warn,
                            NULL);
}

static void dev_tell_debug(struct bk_dev *dev, enum bk_debug_note note,
                           const char *tag, const struct bk_req *req)
{
    struct bk_observer *o, *next;

    for (o = dev->observers; o != NULL; o = next) {
        next = o->next;   /* an observer may remove itself */
        if (o->debug != NULL)
            o->debug(dev, note, tag, req, o->arg);
    }
}

static void dev_tell_fault(struct bk_dev *dev, const struct bk_fault *f)
{
    struct bk_observer *o, *next;

    for (o = dev->observers; o != NULL; o = next) {
        next = o->next;   /* an observer may remove itself */
        if (o->fault != NULL)
            o->fault(dev, f, o->arg);
    }
}

/* Messages go to the observers that take them; until one is added they
 * are kept (qemu prints them during open, before anyone watches). */
static void dev_tell_message(struct bk_dev *dev, enum bk_message_kind kind,
                             const char *text)
{
    struct dev_message *m;
    bool told = false;

    if (dev->early != NULL) {
        dev->early->message(dev, kind, text, dev->early->arg);
        return;
    }
    for (struct bk_observer *o = dev->observers, *next; o != NULL; o = next) {
        next = o->next;
        if (o->message != NULL) {
            o->message(dev, kind, text, o->arg);
            told = true;
        }
    }
    if (told)
        return;
    m = realloc(dev->messages, (dev->nmessages + 1) * sizeof(*m));
    if (m == NULL)
        return;
    dev->messages = m;
    m[dev->nmessages] = (struct dev_message){ kind, strdup(text) };
    if (m[dev->nmessages].text != NULL)
        dev->nmessages++;
}

/* Hand kept messages to obs (NULL: drop them). */
static void dev_flush_messages(struct bk_dev *dev, struct bk_observer *obs)
{
    for (size_t i = 0; i < dev->nmessages; i++) {
        if (obs != NULL)
            obs->message(dev, dev->messages[i].kind, dev->messages[i].text,
                         obs->arg);
        free(dev->messages[i].text);
    }
    free(dev->messages);
    dev->messages = NULL;
    dev->nmessages = 0;
}

/* What the drivers of its stack tell the device. */
static void dev_notice(void *opaque, const struct bk_notice *n)
{
    struct bk_dev *dev = opaque;

    switch (n->kind) {
    case BK_NOTICE_FAULT:
        /* The errors counted are those a request ends with. */
        if (n->fault->error < 0)
            dev->stats.injected++;
        dev_tell_fault(dev, n->fault);
        break;
    case BK_NOTICE_SUSPENDED:
        dev_tell_debug(dev, BK_NOTE_SUSPENDED, n->tag, n->req);
        break;
    case BK_NOTICE_RESUMED:
        dev_tell_debug(dev, BK_NOTE_RESUMED, n->tag, n->req);
        break;
    case BK_NOTICE_GUESSED_FORMAT:
        if (n->tag == NULL) {
            dev->probe_warning = true;
            break;
        }
        /* A child's: qemu warns as it opens it, in the same words. */
        {
            char *text = strfmt(
                "WARNING: Image format was not specified for '%s' and "
                "probing guessed raw.\n"
                "         Automatically detecting the format is dangerous "
                "for raw images, write operations on block 0 will be "
                "restricted.\n"
                "         Specify the 'raw' format explicitly to remove the "
                "restrictions.\n", n->tag);

            dev_tell_message(dev, BK_MSG_TEXT, text);
            free(text);
        }
        break;
    case BK_NOTICE_MESSAGE:
        dev_tell_message(dev, n->message, n->text);
        break;
    }
}

int bk_dev_open_warn(struct bk_loop *loop, const char *filename,
                     struct bk_opts *opts, unsigned flags,
                     struct bk_dev **devp, char **cause, bool *probe_warning,
                     const struct bk_observer *early)
{
    struct bk_dev *dev = calloc(1, sizeof(*dev));
    const struct bk_driver *drv;
    bool want_write = (flags & BK_O_RDWR) != 0;
    char *format, *discard = NULL;
    int ret;

    *probe_warning = false;
    if (dev == NULL) {
        bk_opts_free(opts);
        return -ENOMEM;
    }
    if (opts == NULL)
        opts = bk_opts_new();
    dev->loop = loop;
    dev->early = early != NULL && early->message != NULL ? early : NULL;
    dev->stack = (struct bk_stack){
        .loop = loop, .drivers = bk_drivers, .notify = dev_notice,
        .opaque = dev,
    };
    if (filename != NULL && strncmp(filename, "json:", 5) == 0) {
        ret = bk_opts_parse_json(opts, filename + 5, cause);
        if (ret < 0)
            goto fail;
        filename = NULL;
    }
    ret = bk_take_node_flags(opts, &flags, true, cause);
    if (ret < 0)
        goto fail;
    dev->flags = flags;
    if ((flags & BK_O_FORCE_SHARE) && (flags & BK_O_RDWR)) {
        *cause = strfmt("force-share=on can only be used with "
                                  "read-only images");
        ret = -EINVAL;
        goto fail;
    }

    if (filename == NULL && !bk_opts_has(opts, "driver") &&
        !dev_names_file(opts)) {
        *cause = strfmt("Must specify either driver or file");
        ret = -EINVAL;
        goto fail;
    }
    format = bk_opts_take(opts, "driver");
    if (format == NULL) {
        const char *probed = NULL;

        ret = dev_probe(dev, opts, filename, flags, &probed, cause);
        if (ret < 0)
            goto fail;
        format = strdup(probed);
        /* Only a guessed raw is "probed": its sector 0 is guarded. */
        dev->probed = strcmp(probed, "raw") == 0;
    }
    drv = bk_driver_find(&dev->stack, format);
    if (drv == NULL) {
        *cause = strfmt("Unknown driver '%s'", format);
        free(format);
        ret = -EINVAL;
        goto fail;
    }
    free(format);
    /* The overlay of -s takes the discard option the user gave. */
    if ((flags & BK_O_SNAPSHOT) && bk_opts_get(opts, "discard") != NULL)
        discard = strdup(bk_opts_get(opts, "discard"));
    ret = bk_node_open(&dev->stack, drv, opts, filename,
                       (flags & BK_O_SNAPSHOT
                            ? bk_snapshot_base_flags(flags)
                            : flags | BK_O_TOP) |
                           (dev->probed ? BK_O_PROBED : 0),
                       &dev->top, cause);
    /* A format that opened no child leaves the probed node unused. */
    bk_node_close(dev->stack.preopened);
    dev->stack.preopened = NULL;
    *probe_warning = dev->probe_warning;
    if (ret == 0 && (flags & BK_O_SNAPSHOT)) {
        struct bk_node *overlay;

        ret = bk_snapshot_overlay(&dev->stack, dev->top, flags | BK_O_TOP,
                                  discard, &overlay, cause);
        if (ret < 0)
            bk_node_close(dev->top);
        else
            dev->top = overlay;
        dev->probed = false;
    }
    free(discard);
    if (ret < 0)
        goto fail;
    /* The top node's own discard and detect-zeroes (its open took them). */
    dev->flags = (dev->flags & ~(unsigned)BK_O_UNMAP) |
                 (dev->top->open_flags & BK_O_UNMAP);
    dev->detect_zeroes = dev->top->detect_zeroes;
    /* Asked for writing, a node made read-only by its options fails once
     * the stack is open, as qemu's permission check does. */
    if (want_write && !(dev->flags & BK_O_RDWR)) {
        *cause = strfmt("Block node is read-only");
        ret = -EACCES;
    }
    if (ret == 0)
        ret = dev_check_writable(dev, dev->flags, cause);
    /*
     * The permissions once the stack is open: the files' locks.  qemu
     * asks twice: as each child is attached, for what its parent needs
     * with no user yet (a format's metadata, a raw window's size), then
     * for the user's needs, as the device takes the top node.
     */
    if (ret == 0)
        ret = bk_perm_update(dev->top, 0, BK_PERM_ALL, cause);
    if (ret == 0)
        ret = bk_perm_update(dev->top, dev_perm(dev->flags & BK_O_RDWR),
                             BK_PERM_ALL, cause);
    if (ret == 0)
        ret = dev_check_writes_on_read(dev, cause);
    if (ret < 0) {
        bk_node_close(dev->top);
        goto fail;
    }
    bk_opts_free(opts);
    dev->write_perm = (dev->flags & BK_O_RDWR) != 0;
    dev->early = NULL;
    *devp = dev;
    return 0;

fail:
    bk_opts_free(opts);
    dev_flush_messages(dev, NULL);
    free(dev);
    return ret;
}

void bk_dev_close(struct bk_dev *dev)
{
    struct bk_node *debug;

    if (dev == NULL)
        return;
    /* Nothing may stay parked: resume, then wait for everything. */
    debug = bk_node_debug(dev->top);
    if (debug != NULL)
        debug->drv->debug->resume_all(debug);
    bk_drain(dev);
    bk_node_close(dev->top);
    dev_flush_messages(dev, NULL);
    free(dev->refused);
    free(dev);
}

/* ---- reopen ---------------------------------------------------------- */

/* The stack's part is reopen.c's; the device keeps its own flags. */
int bk_dev_reopen(struct bk_dev *dev, unsigned flags, struct bk_opts *opts,
                  char **cause)
{
    int ret;

    if (!(flags & BK_O_RDWR))
        dev->write_perm = false;
    bk_drain(dev);
    ret = bk_stack_reopen(dev->top, flags, dev->flags, dev->write_perm, opts,
                          cause);
    if (ret < 0)
        return ret;
    dev->detect_zeroes = dev->top->detect_zeroes;
    dev->flags = (flags & ~(unsigned)(BK_O_RDWR | BK_O_NOCACHE |
                                      BK_O_NO_FLUSH | BK_O_UNMAP)) |
                 (dev->top->open_flags & (BK_O_RDWR | BK_O_NOCACHE |
                                          BK_O_NO_FLUSH | BK_O_UNMAP));
    return 0;
}

void bk_dev_storage(struct bk_dev *dev, struct bk_storage *st)
{
    struct bk_node *n = bk_node_bottom(dev->top);

    if (n->drv->storage != NULL) {
        n->drv->storage(n, st);
        return;
    }
    *st = (struct bk_storage){ .driver = n->drv->name, .path = n->filename };
}

unsigned bk_dev_flags(const struct bk_dev *dev) { return dev->flags; }
bool bk_dev_read_only(const struct bk_dev *dev) { return !(dev->flags & BK_O_RDWR); }

int bk_dev_want_write(struct bk_dev *dev, char **cause)
{
    int ret;

    if (bk_dev_read_only(dev)) {
        *cause = strfmt("Block node is read-only");
        return -EPERM;
    }
    if (dev->write_perm)
        return 0;
    ret = bk_perm_update(dev->top, dev_perm(true), BK_PERM_ALL, cause);
    if (ret == 0)
        dev->write_perm = true;
    return ret;
}
bool bk_dev_format_probed(const struct bk_dev *dev) { return dev->probed; }
struct bk_loop *bk_dev_loop(const struct bk_dev *dev) { return dev->loop; }
const char *bk_dev_format_name(const struct bk_dev *dev) { return dev->top->drv->name; }
void bk_dev_describe_stack(struct bk_dev *dev, char *buf, size_t len)
{
    bk_node_describe(dev->top, buf, len);
}

/* As qemu tells them: a protocol driver has a prefix of its own. */
bool bk_dev_top_is_format(const struct bk_dev *dev) { return dev->top->drv->protocol_name == NULL; }
const char *bk_dev_protocol_name(const struct bk_dev *dev)
{
    return dev->top->drv->protocol_name;
}

const char *bk_dev_filename(const struct bk_dev *dev)
{
    struct bk_node *n = dev->top;

    /* Under -s the top's file is the removed overlay: name the image. */
    if ((bk_node_bottom(n)->open_flags & BK_O_TEMPORARY) && n->backing)
        n = n->backing;
    return bk_node_bottom(n)->filename;
}

int64_t bk_dev_length(struct bk_dev *dev)
{
    int64_t len = dev->top->total_bytes;

    /* qemu's BlockBackend: no medium, no length */
    if (!bk_node_is_inserted(dev->top))
        return -ENOMEDIUM;
    return (len + 511) & ~(int64_t)511;
}

int bk_dev_get_info(struct bk_dev *dev, struct bk_info *info)
{
    return bk_node_get_info(dev->top, info);
}

uint32_t bk_dev_buf_align(const struct bk_dev *dev)
{
    uint32_t a = bk_node_bottom(dev->top)->bl.buf_align;

    return a > 1 ? a : 1;
}

uint32_t bk_dev_request_alignment(const struct bk_dev *dev)
{
    uint32_t a = dev->top->bl.request_alignment;

    return a > 1 ? a : 1;
}

int64_t bk_dev_max_transfer(const struct bk_dev *dev)
{
    int64_t max = dev->top->bl.max_transfer;

    return max > 0 ? max - max % bk_dev_request_alignment(dev) : 0;
}

void *bk_dev_alloc_buf(struct bk_dev *dev, size_t size)
{
    size_t align = bk_dev_buf_align(dev);
    void *p = NULL;

    if (align < 4096)
        align = 4096;   /* cheap, and right for any O_DIRECT reopen later */
    if (posix_memalign(&p, align, size ? size : 1) != 0)
        return NULL;
    return p;
}

/* ---- requests -------------------------------------------------------- */

static void dev_out_add(struct bk_dev *dev, struct bk_req *req)
{
    req->prev_out = dev->out_tail;
    req->next_out = NULL;
    if (dev->out_tail != NULL)
        dev->out_tail->next_out = req;
    else
        dev->out_head = req;
    dev->out_tail = req;
    dev->nout++;
    bk_loop_note_request(dev->loop, +1);
}

static void dev_out_remove(struct bk_dev *dev, struct bk_req *req)
{
    if (req->prev_out != NULL)
        req->prev_out->next_out = req->next_out;
    else
        dev->out_head = req->next_out;
    if (req->next_out != NULL)
        req->next_out->prev_out = req->prev_out;
    else
        dev->out_tail = req->prev_out;
    req->next_out = req->prev_out = NULL;
    dev->nout--;
    bk_loop_note_request(dev->loop, -1);
}

void bk_tally_add(struct bk_tally *t, enum bk_op op, uint64_t bytes, int ret)
{
    t->requests++;
    if (ret < 0)
        t->errors++;
    else if (op == BK_OP_READ)
        t->bytes_read += bytes;
    else if (op == BK_OP_WRITE || op == BK_OP_WRITE_ZEROES)
        t->bytes_written += bytes;
}

static void req_end(struct bk_req *req, int ret)
{
    struct bk_dev *dev = req->dev;

    dev_out_remove(dev, req);
    req->ret = ret;
    req->state = BK_REQ_DONE;
    req->complete_ns = bk_now_ns();
    req->suspend_event = req->suspend_tag = NULL;
    dev->stats.ops[req->op]++;
    if (ret < 0)
        dev->stats.errors++;
    else
        dev->stats.bytes[req->op] += (uint64_t)req->bytes;
    if (req->source != NULL)
        bk_tally_add(&req->source->tally, req->op, (uint64_t)req->bytes, ret);
    /* Observers first: done() may free the request. */
    for (struct bk_observer *o = dev->observers, *next; o != NULL; o = next) {
        next = o->next;   /* an observer may remove itself */
        if (o->req_end != NULL)
            o->req_end(dev, req, o->arg);
    }
    if (req->done != NULL)
        req->done(req, ret);
}

static void req_refuse(struct bk_req *req, int ret);

static void req_io_done(struct bk_io *io)
{
    struct bk_req *req = io->cb_arg;
    int ret = io->ret;

    bk_io_free(io);
    /* Ended before bk_submit returned (nothing to do: a zero-length zero
     * write, say): qemu ends it from a bottom half too. */
    if (req == req->dev->submitting)
        req_refuse(req, ret);
    else
        req_end(req, ret);
}

/*
 * An asynchronous request refused up front (or ended before its submission
 * returned) ends at the next pass, from what is qemu's bottom half; qemu
 * runs its pending bottom halves newest first, so several such requests
 * end in the reverse of their order (measured: aio_read, aio_read,
 * aio_write out of range print the write's failure first).
 */
static void req_refuse_cb(void *arg)
{
    struct bk_dev *dev = arg;

    dev->refuse_pending = false;
    while (dev->nrefused > 0) {
        struct bk_req *req = dev->refused[--dev->nrefused];

        req_end(req, req->ret);
    }
}

static void req_refuse(struct bk_req *req, int ret)
{
    struct bk_dev *dev = req->dev;

    req->ret = ret;
    if (dev->nrefused == dev->refused_cap) {
        size_t cap = dev->refused_cap ? 2 * dev->refused_cap : 8;
        struct bk_req **r = realloc(dev->refused, cap * sizeof(*r));

        if (r == NULL)
            abort();
        dev->refused = r;
        dev->refused_cap = cap;
    }
    /*
     * One call at a time: a request refused from req_end in the loop above
     * is ended by that loop, and by the call deferred for it only when a
     * nested loop runs that first.  Deferring one per request left a bench
     * on a driver that ends requests at once a call behind per request
     * (millions queued, never needed).
     */
    if (dev->nrefused == 0 && !dev->refuse_pending) {
        dev->refuse_pending = true;
        bk_loop_defer(dev->loop, req_refuse_cb, dev);
    }
    dev->refused[dev->nrefused++] = req;
}

static int dev_check_request(struct bk_dev *dev, struct bk_req *req)
{
    int64_t len;

    /* Before anything else, as qemu's BlockBackend checks. */
    if (req->op != BK_OP_BLOCK_STATUS && !bk_node_is_inserted(dev->top)) {
        if (req->op == BK_OP_TRUNCATE)
            snprintf(req->cause, sizeof(req->cause),
                     "No medium inserted");
        return -ENOMEDIUM;
    }
    switch (req->op) {
    case BK_OP_FLUSH:
        return 0;
    case BK_OP_TRUNCATE:
        if (bk_dev_read_only(dev))
            return -EACCES;
        return req->offset < 0 ? -EINVAL : 0;
    case BK_OP_WRITE:
    case BK_OP_WRITE_ZEROES:
    case BK_OP_DISCARD:
        if (bk_dev_read_only(dev))
            return -EACCES;
        break;
    case BK_OP_BLOCK_STATUS:   /* a query: bk_dev_block_status */
    case BK_OP__MAX:
        return -EINVAL;
    case BK_OP_READ:
        break;
    }
    if (req->bytes > DEV_REQUEST_MAX_BYTES || req->bytes < 0 ||
        req->offset < 0)
        return -EIO;
    /* More buffers than one system call takes: qemu refuses them too. */
    if (req->iovcnt > IOV_MAX)
        return -EINVAL;
    if ((req->flags & BK_REQ_TO_PIPE) &&
        (req->op != BK_OP_READ ||
         !bk_dev_can_pipe(dev, req->offset, req->bytes)))
        return -ENOTSUP;
    len = bk_dev_length(dev);
    if (req->offset > len || len - req->offset < req->bytes)
        return -EIO;
    return 0;
}

static void vmstate_flush_done(struct bk_io *io)
{
    struct bk_req *req = io->cb_arg;
    int ret = io->ret;

    bk_io_free(io);
    req_end(req, ret);
}

/* A VM state write is made durable in writethrough modes, as
 * blk_save_vmstate does. */
static void vmstate_done(struct bk_io *io)
{
    struct bk_req *req = io->cb_arg;
    struct bk_dev *dev = req->dev;
    int ret = io->ret;

    bk_io_free(io);
    if (ret >= 0 && req->op == BK_OP_WRITE &&
        (dev->flags & BK_O_WRITETHROUGH)) {
        bk_node_submit(bk_io_new(dev->top, BK_OP_FLUSH, 0, 0, NULL, 0, 0,
                                 req, vmstate_flush_done, req));
        return;
    }
    req_end(req, ret < 0 ? ret : 0);
}

/* qemu-io's -b: to the first node down the primary children that has a
 * VM state area (qcow2); none has one in a raw stack. */
static void dev_submit_vmstate(struct bk_dev *dev, struct bk_req *req)
{
    struct bk_node *n = dev->top;

    if (req->offset < 0 || req->bytes < 0 ||
        req->offset > INT64_MAX - req->bytes) {
        req_refuse(req, -EIO);
        return;
    }
    while (n != NULL && n->drv->vmstate == NULL)
        n = n->file;
    if (n == NULL) {
        req_refuse(req, -ENOTSUP);
        return;
    }
    req->state = BK_REQ_INFLIGHT;
    n->drv->vmstate(bk_io_new(n, req->op, req->offset, req->bytes, req->iov,
                              req->iovcnt, BK_REQ_VMSTATE, req, vmstate_done,
                              req));
}

bool bk_dev_can_pipe(struct bk_dev *dev, int64_t offset, int64_t bytes)
{
    return dev->top != NULL && bytes > 0 &&
           bk_node_can_pipe(dev->top, offset, bytes);
}

/* Start req; false when it was refused up front (req->ret says why). */
static bool dev_start(struct bk_dev *dev, struct bk_req *req)
{
    unsigned flags = req->flags;
    enum bk_op op = req->op;
    struct bk_io *io;
    int ret;

    req->dev = dev;
    req->id = ++dev->next_id;
    req->state = BK_REQ_QUEUED;
    req->submit_ns = bk_now_ns();
    req->complete_ns = 0;
    req->ret = 0;
    req->cause[0] = '\0';
    req->suspend_event = req->suspend_tag = NULL;
    req->suspend_ns = 0;
    dev_out_add(dev, req);

    if (req->flags & BK_REQ_VMSTATE) {
        dev_submit_vmstate(dev, req);
        return true;
    }
    ret = dev_check_request(dev, req);
    if (ret < 0) {
        req->ret = ret;
        return false;
    }
    if ((req->op == BK_OP_WRITE || req->op == BK_OP_WRITE_ZEROES) &&
        (dev->flags & BK_O_WRITETHROUGH))
        flags |= BK_REQ_FUA;
    if (req->op == BK_OP_TRUNCATE)
        flags = req->flags;   /* the preallocation mode */
    /* detect-zeroes: a write of zeroes goes on as a zero write (the
     * request stays a write for whoever watches). */
    if (op == BK_OP_WRITE && dev->detect_zeroes != BK_DZ_OFF &&
        iov_is_zero(req->iov, req->iovcnt)) {
        op = BK_OP_WRITE_ZEROES;
        if (dev->detect_zeroes == BK_DZ_UNMAP && (dev->flags & BK_O_UNMAP))
            flags |= BK_REQ_MAY_UNMAP;
    }
    req->state = BK_REQ_INFLIGHT;
    io = bk_io_new(dev->top, op, req->offset, req->bytes,
                   op == req->op ? req->iov : NULL,
                   op == req->op ? req->iovcnt : 0, flags, req, req_io_done,
                   req);
    bk_node_submit(io);
    return true;
}

void bk_submit(struct bk_dev *dev, struct bk_req *req)
{
    dev->submitting = req;
    if (!dev_start(dev, req))
        req_refuse(req, req->ret);
    dev->submitting = NULL;
}

int bk_run(struct bk_dev *dev, struct bk_req *req)
{
    /* Refused up front, a synchronous request ends at once: qemu does not
     * poll then, so refused aio requests before it end after it. */
    if (!dev_start(dev, req)) {
        req_end(req, req->ret);
        return req->ret;
    }
    while (req->state != BK_REQ_DONE)
        bk_loop_iterate(dev->loop, -1);
    return req->ret;
}

void bk_drain(struct bk_dev *dev)
{
    while (dev->nout > 0 || dev->nhold > 0)
        bk_loop_iterate(dev->loop, -1);
}

void bk_dev_hold(struct bk_dev *dev, int delta)
{
    dev->nhold += (size_t)delta;
}

void bk_dev_for_each_req(struct bk_dev *dev,
                         void (*fn)(const struct bk_req *req, void *arg),
                         void *arg)
{
    for (struct bk_req *r = dev->out_head; r != NULL; r = r->next_out)
        fn(r, arg);
}

size_t bk_dev_outstanding(const struct bk_dev *dev)
{
    return dev->nout;
}

void bk_dev_add_observer(struct bk_dev *dev, struct bk_observer *obs)
{
    struct bk_observer **p = &dev->observers;

    while (*p != NULL)
        p = &(*p)->next;
    obs->next = NULL;
    *p = obs;
    if (obs->message != NULL)
        dev_flush_messages(dev, obs);
}

void bk_dev_remove_observer(struct bk_dev *dev, struct bk_observer *obs)
{
    for (struct bk_observer **p = &dev->observers; *p != NULL;
         p = &(*p)->next) {
        if (*p == obs) {
            *p = obs->next;
            obs->next = NULL;
            return;
        }
    }
}

void bk_dev_stats(const struct bk_dev *dev, struct bk_stats *out)
{
    *out = dev->stats;
}

struct bk_node *bk_dev_top(struct bk_dev *dev)
{
    return dev->top;
}
