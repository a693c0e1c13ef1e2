/*
 * quorum.c — the "quorum" driver: N copies of one image, children.0 ...
 * children.N-1, written together and read by vote.
 *
 * Words (qemu's, block/quorum.c).  A read in the "quorum" read pattern goes
 * to every child.  Children that read without error *vote* with their
 * data: equal data is one *version*, and the version with the most votes
 * wins when it has at least vote-threshold of them; its data is the
 * read's, and the children of other versions are *bad* (with
 * rewrite-corrupted, the winning data is written back into them before
 * the read ends).  Fewer successful reads than the threshold fail the
 * read with the error most children gave.  With blkverify=on (two
 * children, threshold 2) a difference is fatal, as blkverify's is.  The
 * "fifo" pattern reads the children in order until one succeeds.
 *
 * Writes and zero writes go to every child and succeed when at least
 * vote-threshold children did; a flush the same.  Ties between versions
 * (or errors) go as in qemu, whose list of versions puts the newest
 * first: among versions with the most votes, the one whose first child
 * comes last.
 *
 * qemu reports bad children (a read or write that failed, or data
 * outvoted) and failed votes as QMP events (QUORUM_REPORT_BAD,
 * QUORUM_FAILURE), which qemu-io does not print; blkmon counts them for
 * the TUI's picture of the stack (describe).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"

struct quorum_state {
    struct bk_node **child;
    int n;
    int threshold;
    bool fifo;                  /* read-pattern=fifo */
    bool blkverify;
    bool rewrite;               /* rewrite-corrupted */
    /* What the votes did, for the TUI. */
    uint64_t votes;             /* reads voted on */
    int last_agree;             /* votes for the last read's winner */
    uint64_t bad, failed;
};

/* One child's part of a request. */
struct quorum_part {
    void *buf;                  /* a quorum read: the child's data */
    struct iovec iov;
    int ret;
    int version;                /* index of the version it voted for */
};

struct quorum_req {
    struct bk_io *io;
    struct quorum_part *part;
    int left, success;
    int next;                   /* fifo: the child to read next */
    int rewrites;               /* rewrites still running */
};

/* ---- open ------------------------------------------------------------ */

/* How many children "children.N[.*]" name: 0..N-1, all there, nothing
 * else under "children.".  -1 when they are not such an array. */
static int quorum_count_children(const struct bk_opts *opts)
{
    const char *k, *v;
    int max = -1, n = 0;
    bool seen[256] = { false };

    for (size_t i = 0; bk_opts_at(opts, i, &k, &v); i++) {
        char *end;
        long idx;

        if (strncmp(k, "children.", 9) != 0)
            continue;
        idx = strtol(k + 9, &end, 10);
        if (end == k + 9 || (*end != '\0' && *end != '.') || idx < 0 ||
            idx >= 256 || (k[9] == '0' && end - (k + 9) > 1))
            return -1;
        if (!seen[idx]) {
            seen[idx] = true;
            n++;
        }
        if (idx > max)
            max = (int)idx;
    }
    return n == max + 1 ? n : -1;
}

/* The options qemu reads before it opens a child, in its order. */
static int quorum_take_options(struct quorum_state *s, struct bk_opts *opts,
                               char **cause)
{
    char *v = bk_opts_take(opts, "vote-threshold");
    char *pattern;
    bool blkverify = false, rewrite = false;
    int ret;

    if (v != NULL) {
        char *end;
        unsigned long long t;

        errno = 0;
        t = strtoull(v, &end, 0);
        if (errno != 0 || end == v || *end != '\0' || v[0] == '-') {
            *cause = strfmt("Parameter 'vote-threshold' expects a number");
            free(v);
            return -EINVAL;
        }
        s->threshold = t > 1000000 ? 1000000 : (int)t;
        free(v);
    }
    ret = bk_opts_take_bool(opts, "blkverify", &blkverify, NULL, cause);
    if (ret == 0)
        ret = bk_opts_take_bool(opts, "rewrite-corrupted", &rewrite, NULL,
                                cause);
    if (ret < 0)
        return ret;
    if (s->threshold < 1) {
        *cause = strfmt("Parameter 'vote-threshold' expects a value >= 1");
        return -ERANGE;
    }
    if (s->threshold > s->n) {
        *cause = strfmt("threshold may not exceed children count");
        return -ERANGE;
    }
    pattern = bk_opts_take(opts, "read-pattern");
    if (pattern != NULL && strcmp(pattern, "quorum") != 0 &&
        strcmp(pattern, "fifo") != 0) {
        *cause = strfmt("Please set read-pattern as fifo or quorum");
        free(pattern);
        return -EINVAL;
    }
    s->fifo = pattern != NULL && strcmp(pattern, "fifo") == 0;
    free(pattern);
    /* Only the quorum pattern looks at these two. */
    if (s->fifo)
        return 0;
    s->blkverify = blkverify;
    if (blkverify && (s->n != 2 || s->threshold != 2)) {
        *cause = strfmt("blkverify=on can only be set if there are exactly "
                        "two files and vote-threshold is 2");
        return -EINVAL;
    }
    s->rewrite = rewrite;
    if (rewrite && blkverify) {
        *cause = strfmt("rewrite-corrupted=on cannot be used with "
                        "blkverify=on");
        return -EINVAL;
    }
    return 0;
}

static void quorum_close(struct bk_node *node)
{
    struct quorum_state *s = node->state;

    for (int i = 0; i < s->n && s->child != NULL; i++)
        bk_node_close(s->child[i]);
    free(s->child);
    s->child = NULL;
}

static int quorum_open(struct bk_node *node, struct bk_opts *opts,
                       const char *filename, char **cause)
{
    struct quorum_state *s = node->state;
    int ret;

    (void)filename;
    s->n = quorum_count_children(opts);
    if (s->n < 0) {
        *cause = strfmt("Option children is not a valid array");
        return -EINVAL;
    }
    if (s->n < 1) {
        *cause = strfmt("Number of provided children must be 1 or more");
        return -EINVAL;
    }
    ret = quorum_take_options(s, opts, cause);
    if (ret < 0)
        return ret;
    s->child = calloc((size_t)s->n, sizeof(*s->child));
    if (s->child == NULL)
        return -ENOMEM;
    for (int i = 0; i < s->n; i++) {
        char name[32];

        snprintf(name, sizeof(name), "children.%d", i);
        ret = bk_stack_open_probed(node->stack, node->open_flags, opts, name,
                                   NULL, &s->child[i], cause);
        if (ret < 0) {
            quorum_close(node);
            return ret;
        }
    }
    /* Every copy must be as long as the others. */
    for (int i = 1; i < s->n; i++)
        if (bk_node_length(s->child[i]) != bk_node_length(s->child[0])) {
            *cause = strfmt("Could not refresh total sector count: %s",
                            strerror(EIO));
            quorum_close(node);
            return -EIO;
        }
    for (int i = 0; i < s->n; i++)
        if (s->child[i]->bl.buf_align > node->bl.buf_align)
            node->bl.buf_align = s->child[i]->bl.buf_align;
    /* Named after its copies (qemu makes up a json: name). */
    free(node->filename);
    node->filename = strdup("quorum:");
    for (int i = 0; i < s->n && node->filename != NULL; i++) {
        char *f = strfmt("%s%s%s", node->filename, i ? "," : "",
                         s->child[i]->filename ? s->child[i]->filename : "");

        free(node->filename);
        node->filename = f;
    }
    return node->filename != NULL ? 0 : -ENOMEM;
}

static int64_t quorum_get_length(struct bk_node *node)
{
    struct quorum_state *s = node->state;

    return bk_node_length(s->child[0]);
}

/* ---- votes ----------------------------------------------------------- */

static struct quorum_req *quorum_req_new(struct bk_io *io)
{
    struct quorum_state *s = io->node->state;
    struct quorum_req *r = calloc(1, sizeof(*r));

    if (r == NULL ||
        (r->part = calloc((size_t)s->n, sizeof(*r->part))) == NULL)
        abort();
    r->io = io;
    return r;
}

static void quorum_req_end(struct quorum_req *r, int ret)
{
    struct quorum_state *s = r->io->node->state;
    struct bk_io *io = r->io;

    for (int i = 0; i < s->n; i++)
        free(r->part[i].buf);
    free(r->part);
    free(r);
    bk_io_complete(io, ret);
}

/*
 * The winner among the children in mask by key: qemu keeps versions
 * newest first and takes the first with the most votes.  same(a, b) says
 * whether children a and b vote alike.  *count gets its votes; each
 * part's version is set to the index of its version's first child.
 */
static int quorum_winner(struct quorum_req *r, int n, const bool *mask,
                         bool (*same)(struct quorum_req *r, int a, int b),
                         int *count)
{
    int best = -1, best_count = 0;

    for (int i = 0; i < n; i++) {
        if (!mask[i])
            continue;
        r->part[i].version = i;
        for (int j = 0; j < i; j++)
            if (mask[j] && r->part[j].version == j && same(r, i, j)) {
                r->part[i].version = j;
                break;
            }
    }
    /* Versions from the newest (its first child last) to the oldest. */
    for (int v = n - 1; v >= 0; v--) {
        int c = 0;

        if (!mask[v] || r->part[v].version != v)
            continue;
        for (int i = 0; i < n; i++)
            c += mask[i] && r->part[i].version == v;
        if (c > best_count) {
            best_count = c;
            best = v;
        }
    }
    *count = best_count;
    return best;
}

static bool quorum_same_error(struct quorum_req *r, int a, int b)
{
    return r->part[a].ret == r->part[b].ret;
}

static bool quorum_same_data(struct quorum_req *r, int a, int b)
{
    return memcmp(r->part[a].buf, r->part[b].buf, (size_t)r->io->bytes) == 0;
}

/* The error most children failed with. */
static int quorum_vote_error(struct quorum_req *r)
{
    struct quorum_state *s = r->io->node->state;
    bool mask[s->n];
    int count, w;

    for (int i = 0; i < s->n; i++)
        mask[i] = r->part[i].ret != 0;
    w = quorum_winner(r, s->n, mask, quorum_same_error, &count);
    return w >= 0 ? r->part[w].ret : 0;
}

static void quorum_copy_out(struct bk_io *io, const char *src)
{
    for (int i = 0; i < io->iovcnt; i++) {
        memcpy(io->iov[i].iov_base, src, io->iov[i].iov_len);
        src += io->iov[i].iov_len;
    }
}

/* blkverify mode: the two copies differ; fatal, as in qemu. */
static int quorum_mismatch(struct quorum_req *r, int a, int b)
{
    const unsigned char *x = r->part[a].buf, *y = r->part[b].buf;
    struct bk_io *io = r->io;
    int64_t at = 0;
    char *text;

    while (at < io->bytes && x[at] == y[at])
        at++;
    text = strfmt("quorum: offset=%" PRId64 " bytes=%" PRId64 " contents "
                  "mismatch at offset %" PRId64, io->offset, io->bytes,
                  io->offset + at);
    bk_stack_message(io->node->stack, BK_MSG_FATAL, text);
    free(text);
    return -EIO;
}

static void quorum_rewrite_done(struct bk_io *child)
{
    struct quorum_req *r = child->cb_arg;

    /* A correction that fails changes nothing: it is ignored. */
    bk_io_free(child);
    if (--r->rewrites == 0)
        quorum_req_end(r, 0);
}

static void quorum_vote(struct quorum_req *r)
{
    struct bk_io *io = r->io;
    struct quorum_state *s = io->node->state;
    bool mask[s->n];
    int first = -1, w, count;
    bool agree = true;

    s->votes++;
    if (r->success < s->threshold) {
        s->failed++;
        s->last_agree = 0;
        quorum_req_end(r, quorum_vote_error(r));
        return;
    }
    for (int i = 0; i < s->n; i++) {
        mask[i] = r->part[i].ret == 0;
        if (mask[i] && first < 0)
            first = i;
    }
    for (int j = first + 1; j < s->n && agree; j++) {
        if (!mask[j])
            continue;
        if (s->blkverify && !quorum_same_data(r, first, j)) {
            quorum_req_end(r, quorum_mismatch(r, first, j));
            return;
        }
        agree = quorum_same_data(r, first, j);
    }
    if (agree) {
        s->last_agree = r->success;
        quorum_copy_out(io, r->part[first].buf);
        quorum_req_end(r, 0);
        return;
    }
    w = quorum_winner(r, s->n, mask, quorum_same_data, &count);
    s->last_agree = count;
    if (count < s->threshold) {
        s->failed++;
        quorum_req_end(r, -EIO);
        return;
    }
    quorum_copy_out(io, r->part[w].buf);
    for (int i = 0; i < s->n; i++)
        if (mask[i] && r->part[i].version != w)
            s->bad++;
    if (!s->rewrite) {
        quorum_req_end(r, 0);
        return;
    }
    /* Put the winning data back where it was lost; the read waits. */
    r->rewrites = 1;
    for (int i = 0; i < s->n; i++)
        if (mask[i] && r->part[i].version != w) {
            r->rewrites++;
            bk_node_submit(bk_io_new(s->child[i], BK_OP_WRITE, io->offset,
                                     io->bytes, io->iov, io->iovcnt, 0,
                                     io->req, quorum_rewrite_done, r));
        }
    if (--r->rewrites == 0)
        quorum_req_end(r, 0);
}

/* ---- I/O ------------------------------------------------------------- */

static int quorum_child_index(struct quorum_state *s, struct bk_node *n)
{
    for (int i = 0; i < s->n; i++)
        if (s->child[i] == n)
            return i;
    abort();
}

/* Note what a child's part of r gave; true when it was the last part. */
static bool quorum_part_done(struct bk_io *child)
{
    struct quorum_req *r = child->cb_arg;
    struct quorum_state *s = r->io->node->state;
    int i = quorum_child_index(s, child->node);

    r->part[i].ret = child->ret;
    r->success += child->ret == 0;
    s->bad += child->ret != 0;
    bk_io_free(child);
    return --r->left == 0;
}

static void quorum_read_done(struct bk_io *child)
{
    struct quorum_req *r = child->cb_arg;

    if (quorum_part_done(child))
        quorum_vote(r);
}

static void quorum_fifo_next(struct quorum_req *r);

static void quorum_fifo_done(struct bk_io *child)
{
    struct quorum_req *r = child->cb_arg;
    struct quorum_state *s = r->io->node->state;
    int ret = child->ret;

    bk_io_free(child);
    s->bad += ret < 0;
    if (ret < 0 && r->next < s->n) {
        quorum_fifo_next(r);
        return;
    }
    quorum_req_end(r, ret);
}

static void quorum_fifo_next(struct quorum_req *r)
{
    struct quorum_state *s = r->io->node->state;
    struct bk_io *io = r->io;

    bk_node_submit(bk_io_new(s->child[r->next++], BK_OP_READ, io->offset,
                             io->bytes, io->iov, io->iovcnt, 0, io->req,
                             quorum_fifo_done, r));
}

static void quorum_preadv(struct bk_io *io)
{
    struct quorum_state *s = io->node->state;
    struct quorum_req *r = quorum_req_new(io);
    size_t align = io->node->bl.buf_align > sizeof(void *)
                       ? io->node->bl.buf_align : sizeof(void *);

    if (s->fifo) {
        quorum_fifo_next(r);
        return;
    }
    for (int i = 0; i < s->n; i++) {
        struct quorum_part *p = &r->part[i];

        if (posix_memalign(&p->buf, align,
                           io->bytes > 0 ? (size_t)io->bytes : align) != 0)
            abort();
        p->iov = (struct iovec){ p->buf, (size_t)io->bytes };
    }
    r->left = s->n;
    for (int i = 0; i < s->n; i++)
        bk_node_submit(bk_io_new(s->child[i], BK_OP_READ, io->offset,
                                 io->bytes, &r->part[i].iov, 1, 0, io->req,
                                 quorum_read_done, r));
}

/* A write, zero write or flush of every child; enough must succeed. */
static void quorum_all_done(struct bk_io *child)
{
    struct quorum_req *r = child->cb_arg;
    struct quorum_state *s = r->io->node->state;

    if (quorum_part_done(child))
        quorum_req_end(r, r->success >= s->threshold ? 0
                                                     : quorum_vote_error(r));
}

static void quorum_all(struct bk_io *io)
{
    struct quorum_state *s = io->node->state;
    struct quorum_req *r = quorum_req_new(io);
    /* A flush's flags are the generic layer's own (flush_to_os). */
    unsigned flags = io->op == BK_OP_FLUSH ? 0 : io->flags;

    r->left = s->n;
    for (int i = 0; i < s->n; i++)
        bk_node_submit(bk_io_new(s->child[i], io->op, io->offset, io->bytes,
                                 io->iov, io->iovcnt, flags, io->req,
                                 quorum_all_done, r));
}

/* ---- block status ---------------------------------------------------- */

/* Zero only where every child says so (the smallest such range), else
 * data (the largest range a child says it for), as qemu answers. */
struct quorum_status {
    struct bk_io *io;
    int i;
    int64_t pnum_zero, pnum_data;
};

static void quorum_status_next(struct quorum_status *q);

static void quorum_status_done(void *arg, int ret,
                               const struct bk_io_status *st, int depth)
{
    struct quorum_status *q = arg;

    (void)depth;
    if (ret < 0) {
        q->pnum_data = q->io->bytes;
        q->i = -1;
    } else if (st->flags & BK_BS_ZERO) {
        if (st->pnum < q->pnum_zero)
            q->pnum_zero = st->pnum;
    } else if (st->pnum > q->pnum_data) {
        q->pnum_data = st->pnum;
    }
    quorum_status_next(q);
}

static void quorum_status_next(struct quorum_status *q)
{
    struct bk_io *io = q->io;
    struct quorum_state *s = io->node->state;

    if (q->i >= 0 && q->i < s->n) {
        bk_node_status_above(s->child[q->i++], NULL, false,
                             (io->flags & BK_REQ_WANT_ZERO) != 0, io->offset,
                             io->bytes, io->req, quorum_status_done, q);
        return;
    }
    io->u.status = (struct bk_io_status){
        .flags = q->pnum_data ? BK_BS_DATA : BK_BS_ZERO,
        .pnum = q->pnum_data ? q->pnum_data : q->pnum_zero,
    };
    free(q);
    bk_io_complete(io, 0);
}

static void quorum_block_status(struct bk_io *io)
{
    struct quorum_status *q = calloc(1, sizeof(*q));

    if (q == NULL)
        abort();
    *q = (struct quorum_status){ .io = io, .pnum_zero = io->bytes };
    quorum_status_next(q);
}

/* The last vote and what went wrong so far. */
static void quorum_describe(struct bk_node *node, char *buf, size_t len)
{
    struct quorum_state *s = node->state;

    if (s->votes == 0)
        snprintf(buf, len, "%d copies, %d must agree", s->n, s->threshold);
    else
        snprintf(buf, len, "last read %d/%d agree, %d needed; %" PRIu64
                 " bad, %" PRIu64 " failed", s->last_agree, s->n,
                 s->threshold, s->bad, s->failed);
}

const struct bk_driver bk_driver_quorum = {
    .name = "quorum",
    .no_reopen = true,
    .state_size = sizeof(struct quorum_state),
    .open = quorum_open,
    .close = quorum_close,
    .get_length = quorum_get_length,
    .preadv = quorum_preadv,
    .pwritev = quorum_all,
    .pwrite_zeroes = quorum_all,
    .flush_to_os = quorum_all,
    .block_status = quorum_block_status,
    .describe = quorum_describe,
};
