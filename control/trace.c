/*
 * trace.c — the request trace's line (--io-trace): blkparse's layout of
 * a completion, so that what reads blkparse output reads it:
 *
 *   blkmon  0   12   0.004182934   3  C   W 2048 + 8 [0] (53121 ns) nbd ...
 *
 * DEV (always "blkmon"), CPU (0: one loop thread ends every request),
 * SEQ (the request's id), TIME (seconds since blkmon started, at the
 * end), PID (the source's id: tells clients of one kind apart), the
 * action C (complete), RWBS (R read, W write, Z write
 * zeroes, D discard, F flush, T truncate, N block status), SECTOR + N
 * (512-byte sectors; a range not on sector bounds is widened to them),
 * [ERRNO] (0 when it succeeded, as blkparse's error field), then
 * blkmon's: the latency, and the source's name.
 */
#include <stdio.h>
#include <string.h>

#include "control/evstream.h"

static const char *const trace_rwbs[BK_OP__MAX] = {
    [BK_OP_READ] = "R",
    [BK_OP_WRITE] = "W",
    [BK_OP_WRITE_ZEROES] = "Z",
    [BK_OP_DISCARD] = "D",
    [BK_OP_FLUSH] = "F",
    [BK_OP_TRUNCATE] = "T",
    [BK_OP_BLOCK_STATUS] = "N",
};

void ev_format_trace(struct jbuf *b, const struct ev_req_rec *r,
                     const struct ev_src_name *name)
{
    int64_t first = r->offset / 512;
    int64_t last = (r->offset + r->length + 511) / 512;
    char line[160];
    int n;

    n = snprintf(line, sizeof(line),
                 "%8s %2d %8llu %5lld.%09lld %5llu  C %3s %lld + %lld [%d] "
                 "(%lld ns) ", "blkmon", 0, (unsigned long long)r->id,
                 (long long)(r->t / 1000000000),
                 (long long)(r->t % 1000000000),
                 (unsigned long long)r->src_id,
                 r->op < BK_OP__MAX ? trace_rwbs[r->op] : "?",
                 (long long)first, (long long)(last - first), -r->ret,
                 (long long)r->latency);
    jb_raw(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    if (r->has_src && name != NULL && name->len > 0) {
        /* One line each, whatever a name holds. */
        for (size_t i = 0; i < name->len; i++) {
            char c = (unsigned char)name->text[i] < 0x20 ? '?'
                                                         : name->text[i];

            jb_raw(b, &c, 1);
        }
    } else {
        jb_lit(b, "-");
    }
    jb_lit(b, "\n");
}
