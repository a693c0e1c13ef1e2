#!/usr/bin/env python3
"""model.py: what blkmon's random faults must do, computed apart from blkmon.

The rule language draws every random number from SplitMix64 streams, one
per rule, written down in rules/rules.h and rules/faults.c.  This module is
a second implementation of those few lines, in Python, so that a test can
say in advance exactly how many errors a seeded probability injects, which
bits a cosmic ray flips, which lost sectors a power cut keeps, and what
latencies a random delay draws — and compare with what blkmon did.

It is also the power-cut model: given the writes and flushes a script
made, it knows which writes a completed flush covered, and so what the
image must hold after a cut.

Used as a program by tests/faults/cases (see the subcommands at the end).
"""
import math
import struct
import sys

M64 = (1 << 64) - 1
SECTOR = 512
GOLDEN = 0x9e3779b97f4a7c15


def mix64(z):
    z &= M64
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


class Stream:
    """rules_rng: the stream of (seed, id)."""

    def __init__(self, seed, ident):
        self.state = mix64(seed ^ mix64(ident))

    def next(self):
        self.state = (self.state + GOLDEN) & M64
        return mix64(self.state)

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def powercut_stream(seed, n):
    """The n-th power cut of an image (RULES_STREAM_POWERCUT)."""
    return Stream(seed, 0x706f776572000000 + n)


# ---- conditions ------------------------------------------------------------

def probability_acts(seed, rule, matched, p):
    """Indexes (1-based) of the matched requests a rule with probability p
    acts on, when probability is its only condition that draws."""
    s = Stream(seed, rule)
    return [k for k in range(1, matched + 1) if s.uniform() < p]


# ---- delays ----------------------------------------------------------------

def delay_uniform(seed, rule, n, lo_ns, hi_ns):
    s = Stream(seed, rule)
    return [lo_ns + int(s.uniform() * float(hi_ns - lo_ns)) for _ in range(n)]


def delay_normal(seed, rule, n, mean_ns, dev_ns):
    s = Stream(seed, rule)
    out = []
    for _ in range(n):
        u1, u2 = s.uniform(), s.uniform()
        v = float(mean_ns) + float(dev_ns) * math.sqrt(-2.0 * math.log(1.0 - u1)) \
            * math.cos(2.0 * math.pi * u2)
        # llround: halves away from zero.
        out.append(int(math.floor(v + 0.5)) if v > 0 else 0)
    return out


def delay_histogram(seed, rule, n, table):
    """table: [(ns, weight)] in file order."""
    s = Stream(seed, rule)
    total = sum(w for _, w in table)
    out = []
    for _ in range(n):
        x = s.uniform() * total
        run = 0.0
        pick = table[-1][0]
        for ns, w in table:
            run += w
            if x < run:
                pick = ns
                break
        out.append(pick)
    return out


# ---- torn writes -----------------------------------------------------------

def torn_bytes(seed, rule, writes):
    """Bytes each of writes [(offset, length)] keeps under a torn-write rule
    without "sectors": a draw x, x mod (sectors the write touches)."""
    s = Stream(seed, rule)
    out = []
    for off, length in writes:
        first = off // SECTOR
        pieces = (off + length - 1) // SECTOR - first + 1
        keep = s.next() % pieces
        end = min(off + length, (first + keep) * SECTOR) if keep else off
        out.append(end - off)
    return out


# ---- corruption ------------------------------------------------------------

def geometric_gap(s, p):
    u = s.uniform()
    if p >= 1.0:
        return 0
    return int(math.floor(math.log1p(-u) / math.log1p(-p)))


def flip_probability_bits(seed, rule, nbytes, p, requests=1):
    """Bit positions (from each request's start) a cosmic-ray rule flips,
    one list per request, the rule's stream running on across them."""
    s = Stream(seed, rule)
    out = []
    for _ in range(requests):
        total, bit, bits = nbytes * 8, 0, []
        while True:
            gap = geometric_gap(s, p)
            if gap >= total - bit:
                break
            bit += gap
            bits.append(bit)
            bit += 1
        out.append(bits)
    return out


# ---- power cut -------------------------------------------------------------


class Disk:
    """A byte image with a volatile cache: writes since the last completed
    flush are 'dirty'; a cut keeps the flushed image, plus dirty sectors a
    draw keeps."""

    def __init__(self, size):
        self.flushed = bytearray(size)
        self.cur = bytearray(size)
        self.dirty = set()          # byte offsets not yet flushed
        self.writes = 0

    def write(self, off, data):
        self.cur[off:off + len(data)] = data
        self.dirty.update(range(off, off + len(data)))
        self.writes += 1

    def flush(self):
        self.flushed[:] = self.cur
        self.dirty.clear()
        self.writes = 0

    def cut(self, keep=0.0, stream=None):
        sectors = sorted({b // SECTOR for b in self.dirty})
        kept = set()
        for sec in sectors:
            if keep > 0 and stream.uniform() < keep:
                kept.add(sec)
        img = bytearray(self.flushed)
        for b in self.dirty:
            if b // SECTOR in kept:
                img[b] = self.cur[b]
        result = (self.writes, len(sectors) - len(kept), len(kept))
        self.flushed[:] = img
        self.cur[:] = img
        self.dirty.clear()
        self.writes = 0
        return img, result


def lcg(seed):
    """A small generator for the scripts (not blkmon's)."""
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) & M64
        yield x >> 33


def powercut_script(seed, size, nops):
    """A seeded script of writes and flushes, the last 30 ops writes (so
    that a cut loses some); returns (commands, disk)."""
    g = lcg(seed)
    disk = Disk(size)
    cmds = []
    for i in range(nops):
        r = next(g) % 10
        if r == 0 and i < nops - 30:
            cmds.append('flush')
            disk.flush()
            continue
        length = (next(g) % 8 + 1) * 512 + (next(g) % 3) * 100
        off = next(g) % (size - length)
        pat = next(g) % 255 + 1
        cmds.append('write -q -P %d %d %d' % (pat, off, length))
        disk.write(off, bytes([pat]) * length)
    return cmds, disk


def main(argv):
    cmd = argv[1]
    if cmd == 'probability':
        seed, rule, matched, p = int(argv[2]), int(argv[3]), int(argv[4]), \
            float(argv[5])
        acts = probability_acts(seed, rule, matched, p)
        print(len(acts))
    elif cmd == 'delays':
        kind, seed, rule, n = argv[2], int(argv[3]), int(argv[4]), int(argv[5])
        if kind == 'uniform':
            v = delay_uniform(seed, rule, n, int(argv[6]), int(argv[7]))
        elif kind == 'normal':
            v = delay_normal(seed, rule, n, int(argv[6]), int(argv[7]))
        else:
            table = []
            for line in open(argv[6]):
                line = line.split('#')[0].split()
                if line:
                    table.append((parse_duration(line[0]), float(line[1])))
            v = delay_histogram(seed, rule, n, table)
        for ns in v:
            print('%.3f' % (ns / 1e6))
    elif cmd == 'torn':
        seed, rule = int(argv[2]), int(argv[3])
        writes = [tuple(int(x) for x in w.split('+')) for w in argv[4:]]
        print(' '.join(str(b) for b in torn_bytes(seed, rule, writes)))
    elif cmd == 'flips':
        seed, rule, nbytes, p, reqs = int(argv[2]), int(argv[3]), \
            int(argv[4]), float(argv[5]), int(argv[6])
        for bits in flip_probability_bits(seed, rule, nbytes, p, reqs):
            print(len(bits), ' '.join(str(b) for b in bits))
    elif cmd == 'powercut-script':
        seed, size, nops = int(argv[2]), int(argv[3]), int(argv[4])
        cmds, _ = powercut_script(seed, size, nops)
        print('\n'.join(cmds))
    elif cmd == 'powercut-image':
        # The image a cut leaves: script seed, size, ops, blkmon seed, keep.
        seed, size, nops = int(argv[2]), int(argv[3]), int(argv[4])
        bseed, keep, out = int(argv[5]), float(argv[6]), argv[7]
        _, disk = powercut_script(seed, size, nops)
        img, (writes, lost, kept) = disk.cut(keep, powercut_stream(bseed, 1))
        with open(out, 'wb') as f:
            f.write(img)
        print('model: %d write%s not flushed, %d sector%s lost, %d kept' % (
            writes, '' if writes == 1 else 's', lost,
            '' if lost == 1 else 's', kept))
    else:
        sys.exit('model.py: unknown command %s' % cmd)


def parse_duration(text):
    for unit, mul in (('ns', 1), ('us', 1e3), ('ms', 1e6), ('s', 1e9)):
        if text.endswith(unit) and text[:-len(unit)].replace('.', '').isdigit():
            return int(round(float(text[:-len(unit)]) * mul))
    return int(round(float(text) * 1e6))


if __name__ == '__main__':
    main(sys.argv)
