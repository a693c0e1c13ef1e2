/*
 * qcow2-compress.c — compressed clusters.
 *
 * A compressed cluster is a run of bytes anywhere in the file (not
 * cluster aligned; several may share a host cluster), described by its
 * L2 entry: the COMPRESSED flag, the host offset in the low bits and, above
 * them, the number of 512-byte sectors it touches minus one.  The data is
 * a raw deflate stream with a 4 KiB window (zlib, the default), or zstd
 * frames when the header's compression type says so.
 *
 * Writes compress whole clusters only (the last one may be short when the
 * disk is); a cluster that does not shrink is written as a normal one.
 * Compressed clusters are allocated byte by byte after the last one
 * (qcow2_alloc_bytes), so consecutive compressed writes pack together, as
 * in QEMU.  The (de)compression itself runs on a worker thread while the
 * request's coroutine waits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "backend/qcow2/qcow2.h"

/* ---- codecs ------------------------------------------------------------- */

static ssize_t zlib_compress(void *dest, size_t dest_size, const void *src,
                             size_t src_size)
{
    z_stream strm;
    ssize_t ret;

    /* Default level, 4 KiB window, no zlib header: QEMU's stream. */
    memset(&strm, 0, sizeof(strm));
    if (deflateInit2(&strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -EIO;
    strm.avail_in = (uInt)src_size;
    strm.next_in = (Bytef *)src;
    strm.avail_out = (uInt)dest_size;
    strm.next_out = dest;
    ret = deflate(&strm, Z_FINISH);
    if (ret == Z_STREAM_END)
        ret = (ssize_t)(dest_size - strm.avail_out);
    else
        ret = ret == Z_OK ? -ENOMEM : -EIO;   /* did not fit: not smaller */
    deflateEnd(&strm);
    return ret;
}

static ssize_t zlib_decompress(void *dest, size_t dest_size, const void *src,
                               size_t src_size)
{
    z_stream strm;
    int ret;

    memset(&strm, 0, sizeof(strm));
    strm.avail_in = (uInt)src_size;
    strm.next_in = (Bytef *)src;
    strm.avail_out = (uInt)dest_size;
    strm.next_out = dest;
    if (inflateInit2(&strm, -12) != Z_OK)
        return -EIO;
    ret = inflate(&strm, Z_FINISH);
    /* The input is known to the sector only: the output must be full. */
    ret = (ret == Z_STREAM_END || ret == Z_BUF_ERROR) && strm.avail_out == 0
              ? 0 : -EIO;
    inflateEnd(&strm);
    return ret;
}

static ssize_t zstd_compress(void *dest, size_t dest_size, const void *src,
                             size_t src_size)
{
    ZSTD_outBuffer out = { dest, dest_size, 0 };
    ZSTD_inBuffer in = { src, src_size, 0 };
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    size_t left;
    ssize_t ret;

    if (cctx == NULL)
        return -EIO;
    /* One call: anything left means the output was too small. */
    left = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
    if (left != 0)
        ret = left > out.size - out.pos ? -ENOMEM : -EIO;
    else
        ret = (ssize_t)out.pos;
    ZSTD_freeCCtx(cctx);
    return ret;
}

static ssize_t zstd_decompress(void *dest, size_t dest_size, const void *src,
                               size_t src_size)
{
    ZSTD_outBuffer out = { dest, dest_size, 0 };
    ZSTD_inBuffer in = { src, src_size, 0 };
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    size_t r = 0;
    ssize_t ret = 0;

    if (dctx == NULL)
        return -EIO;
    /* Frames until the cluster is whole; no progress is an error. */
    while (out.pos < out.size) {
        size_t in_pos = in.pos, out_pos = out.pos;

        r = ZSTD_decompressStream(dctx, &out, &in);
        if (ZSTD_isError(r) || (in_pos >= in.pos && out_pos >= out.pos)) {
            ret = -EIO;
            break;
        }
    }
    if (r > 0)
        ret = -EIO;
    ZSTD_freeDCtx(dctx);
    return ret;
}

/* ---- on a worker -------------------------------------------------------- */

struct codec_job {
    ssize_t (*fn)(void *, size_t, const void *, size_t);
    void *dest;
    size_t dest_size;
    const void *src;
    size_t src_size;
    ssize_t ret;
    struct bk_co_wait w;
};

static void codec_work(void *arg)
{
    struct codec_job *j = arg;

    j->ret = j->fn(j->dest, j->dest_size, j->src, j->src_size);
}

static void codec_done(void *arg)
{
    struct codec_job *j = arg;

    bk_co_wait_done(&j->w);
}

static ssize_t run_codec(struct qcow2_state *s, bool compress, void *dest,
                         size_t dest_size, const void *src, size_t src_size)
{
    struct codec_job j = {
        .fn = s->compression_type == 1
                  ? (compress ? zstd_compress : zstd_decompress)
                  : (compress ? zlib_compress : zlib_decompress),
        .dest = dest, .dest_size = dest_size, .src = src,
        .src_size = src_size,
    };

    bk_co_wait_init(&j.w);
    if (bk_loop_run_work(s->node->loop, codec_work, codec_done, &j) < 0)
        return -ENOMEM;
    bk_co_wait_for(&j.w);
    return j.ret;
}

/* ---- reads -------------------------------------------------------------- */

int qcow2_co_preadv_compressed(struct qcow2_state *s, uint64_t l2_entry,
                               uint64_t offset, uint64_t bytes,
                               const struct iovec *iov, int iovcnt,
                               size_t skip)
{
    uint64_t coffset, csize;
    unsigned char *buf, *out;
    struct qcow2_iov q;
    int ret;

    qcow2_parse_compressed_l2_entry(&s->geom, l2_entry, &coffset, &csize);
    buf = malloc(csize);
    if (buf == NULL)
        return -ENOMEM;
    if (posix_memalign((void **)&out, 4096, s->cluster_size) != 0) {
        free(buf);
        return -ENOMEM;
    }
    qcow2_event(s, RULES_EV_READ_COMPRESSED);
    ret = qcow2_file_pread(s, (int64_t)coffset, buf, csize);
    if (ret == 0 &&
        run_codec(s, false, out, s->cluster_size, buf, csize) < 0)
        ret = -EIO;
    if (ret == 0) {
        /* Copy the part asked for into the caller's buffers. */
        qcow2_iov_init(&q);
        qcow2_iov_concat(&q, iov, iovcnt, skip, bytes);
        for (int i = 0, done = 0; i < q.n; done += (int)q.v[i].iov_len, i++)
            memcpy(q.v[i].iov_base,
                   out + qcow2_offset_into_cluster(s, offset) + done,
                   q.v[i].iov_len);
        qcow2_iov_destroy(&q);
    }
    free(out);
    free(buf);
    return ret;
}

/* ---- writes ------------------------------------------------------------- */

ssize_t qcow2_compress(struct qcow2_state *s, void *dest, size_t dest_size,
                       const void *src, size_t src_size)
{
    return run_codec(s, true, dest, dest_size, src, src_size);
}
