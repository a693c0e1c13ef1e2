/*
 * fuzz_nbd_reply.c — the NBD client's reply parser (nbd/reply.c).  The
 * input is what a server sends in transmission, answering four requests
 * in flight: cookie 1 a READ of 4096 bytes at 8192, 2 a BLOCK_STATUS of
 * 65536 bytes at 0, 3 a WRITE, 4 a READ of 16 bytes at 0.
 *
 * The first byte sets the parser up: bit 0 structured replies
 * negotiated, bit 1 a minimum block size of 512; the rest is the stream.
 *
 * Promises checked: the stream parsed whole and parsed a byte at a time
 * end the same way (the same error, the same requests ended in the same
 * order with the same results and the same bytes in their buffers); a
 * request ends at most once and is no longer found once ended; an
 * extent is never empty nor longer than asked; nothing outside the
 * buffers is touched (the sanitizers watch).
 */
#include "fuzz/fuzz.h"
#include "nbd/reply.h"

enum { NREQ = 4 };

struct run {
    struct nbd_pending req[NREQ];
    bool ended[NREQ];
    uint8_t read1[4096], read4[16];
    struct iovec iov1[2], iov4;
    int order[NREQ];
    int nended;
    int ret;
};

static struct nbd_pending *lookup(void *opaque, uint64_t cookie)
{
    struct run *r = opaque;

    if (cookie < 1 || cookie > NREQ || r->ended[cookie - 1])
        return NULL;
    return &r->req[cookie - 1];
}

static void done(void *opaque, struct nbd_pending *p)
{
    struct run *r = opaque;
    int i = (int)(p - r->req);

    if (i < 0 || i >= NREQ || r->ended[i])
        fuzz_fail("request %d ended twice or is not one", i + 1);
    if (p->has_extent && (p->ext_length == 0 || p->ext_length > p->length))
        fuzz_fail("extent of %u bytes for a request of %u", p->ext_length,
                  p->length);
    r->ended[i] = true;
    r->order[r->nended++] = i;
}

static const struct nbd_reply_ops ops = { .lookup = lookup, .done = done };

static void run_init(struct run *r)
{
    memset(r, 0, sizeof(*r));
    /* Split buffers: data lands across an iovec boundary. */
    r->iov1[0] = (struct iovec){ r->read1, 1000 };
    r->iov1[1] = (struct iovec){ r->read1 + 1000, 3096 };
    r->iov4 = (struct iovec){ r->read4, 16 };
    r->req[0] = (struct nbd_pending){ .type = NBD_CMD_READ, .offset = 8192,
                                      .length = 4096, .iov = r->iov1,
                                      .iovcnt = 2 };
    r->req[1] = (struct nbd_pending){ .type = NBD_CMD_BLOCK_STATUS,
                                      .offset = 0, .length = 65536 };
    r->req[2] = (struct nbd_pending){ .type = NBD_CMD_WRITE, .offset = 0,
                                      .length = 512 };
    r->req[3] = (struct nbd_pending){ .type = NBD_CMD_READ, .offset = 0,
                                      .length = 16, .iov = &r->iov4,
                                      .iovcnt = 1 };
    memset(r->read1, 0xa5, sizeof(r->read1));
    memset(r->read4, 0xa5, sizeof(r->read4));
}

static void parse(struct run *r, uint8_t setup, const uint8_t *data,
                  size_t size, size_t step)
{
    struct nbd_reply_parser p;
    char *cause = NULL;

    run_init(r);
    nbd_reply_init(&p, &ops, r, setup & 1, 1, setup & 2 ? 512 : 0);
    for (size_t off = 0; off < size && r->ret == 0; off += step) {
        size_t n = size - off < step ? size - off : step;

        r->ret = nbd_reply_feed(&p, data + off, n, &cause);
        if ((r->ret < 0) != (cause != NULL))
            fuzz_fail("error %d with cause %s", r->ret,
                      cause ? cause : "(none)");
        free(cause);
        cause = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run whole, bytes;

    if (size < 1)
        return 0;
    parse(&whole, data[0], data + 1, size - 1, size);
    parse(&bytes, data[0], data + 1, size - 1, 1);
    if (whole.ret != bytes.ret || whole.nended != bytes.nended ||
        memcmp(whole.order, bytes.order, sizeof(whole.order)) != 0)
        fuzz_fail("whole and bytewise parses differ: %d/%d ended, ret %d/%d",
                  whole.nended, bytes.nended, whole.ret, bytes.ret);
    for (int i = 0; i < NREQ; i++)
        if (whole.req[i].error != bytes.req[i].error ||
            whole.req[i].has_extent != bytes.req[i].has_extent ||
            whole.req[i].ext_length != bytes.req[i].ext_length ||
            whole.req[i].ext_flags != bytes.req[i].ext_flags)
            fuzz_fail("request %d ends differently", i + 1);
    if (memcmp(whole.read1, bytes.read1, sizeof(whole.read1)) != 0 ||
        memcmp(whole.read4, bytes.read4, sizeof(whole.read4)) != 0)
        fuzz_fail("read data differs between whole and bytewise parses");
    return 0;
}
