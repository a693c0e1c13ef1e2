#!/bin/bash
# crash-sqlite.sh — crash consistency of a real stack: sqlite on ext4 on a
# loop device over blkmon's FUSE export; the power fails at a random write
# or flush; e2fsck and sqlite then check what recovery finds.
#
#     rules/examples/crash-sqlite.sh [--sync LEVEL] [--trials N] [--seed S]
#                                    [--txns T] [--blkmon PATH]
#
# Needs root (losetup, mount) and FUSE.  Each trial:
#
#   1. mkfs.ext4 a fresh 64 MiB image;
#   2. blkmon serves it as a file (--fuse), -t writeback (so only the flushes
#      ext4 sends reach the disk), with
#
#        [powercut]  iotype = "write,flush"  nth = "K"  keep = "50%"
#                    exit = "on"
#
#      K drawn from S and the trial: at the K-th write or flush reaching
#      blkdebug, the volatile write cache is lost (each lost sector kept
#      with chance 1/2, as a disk's cache writes some) and blkmon exits,
#      leaving the image as the crash left it;
#   3. the image is attached to a loop device and mounted; a program
#      inserts rows into a sqlite database (journal_mode=DELETE,
#      synchronous=EXTRA: every commit fsyncs the journal and the database,
#      and the directory once the journal is deleted, the deletion being
#      the commit), one transaction per row, and counts a row as
#      *acknowledged* once its COMMIT returned — until the I/O errors that
#      follow the cut stop it;
#   4. recovery, on the image file itself: e2fsck -fy (replays the
#      journal), then e2fsck -fn must find it clean; the database (with
#      its rollback journal, as the crash left them) is copied out and
#      opened, which rolls back the unfinished transaction; then:
#
#        consistent  PRAGMA integrity_check is "ok", every row's checksum
#                    holds, the ids are 1..n without a gap;
#        durable     every acknowledged row is there (n >= acknowledged).
#
# --sync chooses the level.  With FULL the directory is not synced after
# the journal's deletion, and a cut soon after a commit can leave the
# journal behind: recovery rolls the acknowledged transaction back (LOST)
# — sqlite's documentation says as much, and blkmon shows it happen: with
# --seed 1, most of the first trials lose their last commit.  With OFF
# commits do not wait for the disk at all.
# Prints one line per trial and a summary; exits 1 when a trial failed,
# 77 when it cannot run here (not root, no FUSE, no loop devices).
set -u
here=$(cd "$(dirname "$0")" && pwd)
blkmon=${BLKMON:-$here/../../blkmon}
sync=EXTRA trials=5 seed=1 txns=150
while [ $# -gt 0 ]; do
  case $1 in
  --sync) sync=$2; shift ;;
  --trials) trials=$2; shift ;;
  --seed) seed=$2; shift ;;
  --txns) txns=$2; shift ;;
  --blkmon) blkmon=$2; shift ;;
  *) echo "usage: $0 [--sync LEVEL] [--trials N] [--seed S] [--txns T]" \
          "[--blkmon PATH]" >&2
     exit 2 ;;
  esac
  shift
done
export PATH=$PATH:/sbin:/usr/sbin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

exec python3 - "$blkmon" "$work" "$sync" "$trials" "$seed" "$txns" <<'PY'
import os, random, shutil, sqlite3, subprocess, sys, time, zlib

blkmon, work = sys.argv[1], sys.argv[2]
sync, trials, seed, txns = (sys.argv[3].upper(), int(sys.argv[4]),
                            int(sys.argv[5]), int(sys.argv[6]))
if sync not in ('OFF', 'NORMAL', 'FULL', 'EXTRA'):
    sys.exit('crash-sqlite: --sync takes OFF, NORMAL, FULL or EXTRA')
IMG, CFG = os.path.join(work, 'img'), os.path.join(work, 'cut.cfg')
MNT, FS = os.path.join(work, 'disk'), os.path.join(work, 'fs')
WAIT = 30


def sh(*cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    return p.returncode, p.stdout


def cannot(why):
    print('crash-sqlite: cannot run here: ' + why)
    sys.exit(77)


def mounted(path):
    with open('/proc/self/mounts') as f:
        return any(line.split()[1] == path for line in f)


def wait_for(pred, secs=WAIT):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return False


def payload(i):
    return bytes((i * 31 + j) & 0xff for j in range(200 + i % 300))


def workload(db):
    """Insert rows until an error; the count acknowledged."""
    acked = 0
    try:
        c = sqlite3.connect(db, timeout=1, isolation_level=None)
        c.execute('PRAGMA synchronous=%s' % sync)
        c.execute('PRAGMA journal_mode=DELETE')
        c.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, '
                  'data BLOB, crc INTEGER)')
        for i in range(1, txns + 1):
            c.execute('BEGIN')
            c.execute('INSERT INTO t VALUES (?, ?, ?)',
                      (i, payload(i), zlib.crc32(payload(i))))
            c.execute('COMMIT')
            acked = i
        c.close()
    except (sqlite3.Error, OSError):
        pass
    return acked


def check_db(dbdir):
    """Open the database as recovery would: n rows, or an error."""
    c = sqlite3.connect(os.path.join(dbdir, 'db'))
    if c.execute('PRAGMA integrity_check').fetchone()[0] != 'ok':
        return None, 'integrity_check failed'
    try:
        rows = c.execute('SELECT id, data, crc FROM t ORDER BY id').fetchall()
    except sqlite3.OperationalError:
        return 0, None                  # the table was never committed
    for k, (i, data, crc) in enumerate(rows, 1):
        if i != k or zlib.crc32(data) != crc or data != payload(i):
            return None, 'row %d damaged' % k
    return len(rows), None


def trial(n, k):
    for p in (IMG, CFG, MNT):
        if os.path.exists(p):
            os.unlink(p)
    with open(IMG, 'wb') as f:
        f.truncate(64 << 20)
    r, out = sh('mkfs.ext4', '-q', '-F', IMG)
    if r != 0:
        return 'mkfs.ext4 failed: ' + out
    with open(CFG, 'w') as f:
        f.write('[powercut]\niotype = "write,flush"\nnth = "%d"\n'
                'keep = "50%%"\nexit = "on"\n' % k)
    open(MNT, 'w').close()
    log = open(os.path.join(work, 'blkmon.out'), 'w+')
    b = subprocess.Popen([blkmon, '--headless', '--log-faults',
                          '--seed', str(seed + n),
                          '-t', 'writeback', '--image-opts',
                          'driver=raw,file.driver=blkdebug,'
                          'file.image.filename=%s,file.config=%s'
                          % (IMG, CFG), '--fuse', MNT],
                         stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT)
    if not wait_for(lambda: mounted(MNT) or b.poll() is not None) or \
            b.poll() is not None:
        log.seek(0)
        return 'blkmon did not start: ' + log.read()
    r, loop = sh('losetup', '-f', '--show', MNT)
    loop = loop.strip()
    acked, stage = 0, 'mount'
    if r == 0:
        os.makedirs(FS, exist_ok=True)
        if sh('mount', loop, FS)[0] == 0:
            stage = 'workload'
            acked = workload(os.path.join(FS, 'db'))
            if sh('umount', FS)[0] != 0:
                sh('umount', '-l', FS)
        sh('losetup', '-d', loop)
    if b.poll() is None:
        b.terminate()                   # no cut: a clean end
    b.wait()
    cut = 'cut' if 'power' in open(os.path.join(work, 'blkmon.out')).read() \
        or b.returncode != 0 else 'no cut'
    # Recovery, on the image as the crash left it.
    r1, fsck1 = sh('e2fsck', '-fy', IMG)
    if r1 not in (0, 1):
        return 'e2fsck -fy: exit %d\n%s' % (r1, fsck1)
    r2, fsck2 = sh('e2fsck', '-fn', IMG)
    if r2 != 0:
        return 'e2fsck -fn after recovery: exit %d\n%s' % (r2, fsck2)
    rows, err = 0, None
    copy = os.path.join(work, 'copy')
    shutil.rmtree(copy, ignore_errors=True)
    os.makedirs(copy)
    r, loop = sh('losetup', '-f', '--show', '-r', IMG)
    loop = loop.strip()
    try:
        if sh('mount', '-o', 'ro', loop, FS)[0] != 0:
            return 'the recovered file system does not mount'
        try:
            for name in ('db', 'db-journal'):
                if os.path.exists(os.path.join(FS, name)):
                    shutil.copy(os.path.join(FS, name), copy)
        finally:
            sh('umount', FS)
    finally:
        sh('losetup', '-d', loop)
    if os.path.exists(os.path.join(copy, 'db')):
        rows, err = check_db(copy)
    print('trial %2d: power cut at request %4d (%s, during %s): %3d rows '
          'acknowledged, %3d recovered; e2fsck %s: %s, %s' % (
              n + 1, k, cut, stage, acked, rows or 0,
              'replayed/fixed' if r1 == 1 else 'clean',
              'consistent' if err is None else 'CORRUPT (%s)' % err,
              'durable' if err is None and rows >= acked else 'LOST'))
    if err is not None:
        return err
    if rows < acked:
        return '%d acknowledged rows lost' % (acked - rows)
    return None


if os.geteuid() != 0:
    cannot('not root (losetup and mount need it)')
if not os.path.exists('/dev/fuse'):
    cannot('no /dev/fuse')
probe = os.path.join(work, 'probe')
with open(probe, 'wb') as f:
    f.truncate(1 << 20)
r, out = sh('losetup', '-f', '--show', probe)
if r != 0:
    cannot('losetup refused: ' + out.strip())
sh('losetup', '-d', out.strip())

bad = 0
for n in range(trials):
    rng = random.Random(seed * 1000 + n)
    # Mounting takes a few dozen requests and each transaction a few: most
    # cuts fall in the workload, some in the mount, a few never come.
    k = rng.randint(1, 12 * txns)
    why = trial(n, k)
    if why:
        bad += 1
        if not why.startswith('trial'):
            print('trial %2d: FAILED: %s' % (n + 1, why))
print('%s: %d of %d trials recovered consistent and durable' % (
    'synchronous=' + sync, trials - bad, trials))
sys.exit(1 if bad else 0)
PY
