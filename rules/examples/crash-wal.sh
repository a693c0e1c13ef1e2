#!/bin/bash
# crash-wal.sh — a crash-consistency check: an application writes through
# blkmon, the power fails at a random write, and a checker tests recovery.
#
# The application is a small write-ahead log: transaction t writes record
# t (one 512-byte sector: magic, number, CRC-32, payload), then updates the
# superblock (sector 0: magic, count of committed records).  It drives
# blkmon headless through its command language on a pipe, one command at a
# time, and counts a transaction as *acknowledged* once its last flush
# returned.  blkmon opens the image with
#
#     [powercut]  iotype = "write,flush"  nth = "K"  keep = "50%"  exit = "on"
#
# so at the K-th write or flush the power fails: writes no completed flush
# covered are lost, except about half of their sectors, which the disk's
# volatile cache had written (a disk may write its cache in any order) —
# and blkmon exits.
# The checker then reads the image as recovery would and asks:
#
#   durable     every acknowledged transaction is in the log;
#   consistent  every record the superblock counts is intact.
#
# The correct protocol flushes the record before writing the superblock
# that points at it, and flushes again:  record, flush, superblock, flush.
# With --buggy the first flush is left out, and some crashes leave a
# superblock that counts a record that never reached the disk.
#
#     rules/examples/crash-wal.sh [--buggy] [--trials N] [--seed S] [--blkmon PATH]
#
# Prints one line per trial, then a summary; exits 1 when any trial was
# not durable and consistent.  Trials are reproducible: trial i cuts at a
# request chosen from S and i, and runs blkmon with --seed S+i.
#
# A real file system and database are tested the same way, through the
# FUSE export, by crash-sqlite.sh beside this file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
blkmon=${BLKMON:-$here/../../blkmon}
buggy=0 trials=20 seed=1
while [ $# -gt 0 ]; do
  case $1 in
  --buggy) buggy=1 ;;
  --trials) trials=$2; shift ;;
  --seed) seed=$2; shift ;;
  --blkmon) blkmon=$2; shift ;;
  *) echo "usage: $0 [--buggy] [--trials N] [--seed S] [--blkmon PATH]" >&2
     exit 2 ;;
  esac
  shift
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

exec python3 - "$blkmon" "$work" "$buggy" "$trials" "$seed" <<'PY'
import os, random, struct, subprocess, sys, zlib

blkmon, work, buggy, trials, seed = sys.argv[1], sys.argv[2], \
    sys.argv[3] == '1', int(sys.argv[4]), int(sys.argv[5])
SECTOR, TXNS = 512, 40
IMG = os.path.join(work, 'img')
CFG = os.path.join(work, 'cut.cfg')
REC = os.path.join(work, 'rec.bin')


def record(t):
    payload = bytes((t * 7 + i) & 0xff for i in range(500))
    return b'WALR' + struct.pack('<II', t, zlib.crc32(payload)) + payload


def superblock(n):
    body = b'WALS' + struct.pack('<I', n)
    return (body + struct.pack('<I', zlib.crc32(body))).ljust(SECTOR, b'\0')


class Blkmon:
    """blkmon headless on a pipe: one command, then wait for the prompt."""

    def __init__(self, args):
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.read_prompt()

    def read_prompt(self):
        out = b''
        while not out.endswith(b'blkmon> '):
            c = self.p.stdout.read(1)
            if not c:
                return None             # blkmon exited: the power went
            out += c
        return out[:-len(b'blkmon> ')].decode()

    def run(self, cmd):
        try:
            self.p.stdin.write(cmd.encode() + b'\n')
            self.p.stdin.flush()
        except BrokenPipeError:
            return None
        return self.read_prompt()

    def write(self, data, offset):
        with open(REC, 'wb') as f:
            f.write(data)
        out = self.run('write -q -s %s %d %d' % (REC, offset, len(data)))
        return out is not None and 'failed' not in out

    def flush(self):
        return self.run('flush') is not None


def workload(k, trial_seed):
    """Run the log until the power fails; the transactions acknowledged."""
    with open(IMG, 'wb') as f:
        f.truncate(1 << 20)
    with open(CFG, 'w') as f:
        f.write('[powercut]\niotype = "write,flush"\nnth = "%d"\n'
                'keep = "50%%"\nexit = "on"\n' % k)
    b = Blkmon([blkmon, '--headless', '--seed', str(trial_seed),
                '-t', 'writeback', '-f', 'raw', 'blkdebug:%s:%s' % (CFG, IMG)])
    acked = 0
    for t in range(1, TXNS + 1):
        if not b.write(record(t), t * SECTOR):
            break
        if not buggy and not b.flush():
            break
        if not b.write(superblock(t), 0) or not b.flush():
            break
        acked = t
    b.p.stdin.close()
    b.p.wait()
    return acked


def recover():
    """What recovery finds: the superblock's count, and the first record
    it counts that is not intact (0: none)."""
    img = open(IMG, 'rb').read()
    sb = img[:SECTOR]
    if sb[:4] != b'WALS' or zlib.crc32(sb[:8]) != struct.unpack('<I', sb[8:12])[0]:
        return 0, 0                     # never written: an empty log
    n = struct.unpack('<I', sb[4:8])[0]
    for t in range(1, n + 1):
        if img[t * SECTOR:(t + 1) * SECTOR] != record(t):
            return n, t
    return n, 0


requests_per_txn = 3 if buggy else 4
bad = 0
for i in range(trials):
    rng = random.Random(seed * 1000 + i)
    k = rng.randint(1, TXNS * requests_per_txn)
    acked = workload(k, seed + i)
    n, broken = recover()
    durable = acked <= n
    ok = durable and not broken
    bad += not ok
    print('trial %2d: power cut at request %3d: %2d acknowledged, log has %2d: '
          '%s, %s' % (i + 1, k, acked, n, 'durable' if durable else 'LOST',
                      'consistent' if not broken else 'CORRUPT (record %d '
                      'counted but not on disk)' % broken))
print('%s protocol: %d of %d trials recovered' % (
    'buggy' if buggy else 'correct', trials - bad, trials))
sys.exit(1 if bad else 0)
PY
