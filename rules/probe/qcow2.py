#!/usr/bin/env python3
"""Probe the blkdebug events qemu-io 7.2 fires on qcow2 images, in order.

Usage: qcow2.py [SECTION...] > results/qcow2.txt
Each probe makes a fresh image with qemu-img (the options shown), opens it
as qcow2 over blkdebug over the file in an interactive qemu-io, breaks on
every event, runs the asynchronous command, and answers each suspension
(see probe.py).  Syscalls on the image file are shown where they happened."""
import os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe import run

wd = '/tmp/blkmon-probe-qcow2'
os.makedirs(wd, exist_ok=True)
os.chdir(wd)

def say(*a):
    print(*a, flush=True)

def img(opts='', size='64M', pre=()):
    subprocess.run('rm -f t.qcow2 b.img b.qcow2', shell=True)
    if 'backing_file=b.qcow2' in opts:
        # The backing file: data in its first MiB.
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', 'b.qcow2',
                        size], check=True)
        subprocess.run(['qemu-io', '-c', 'write -P 9 0 1M', 'b.qcow2'],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2'] +
                   (['-o', opts] if opts else []) + ['t.qcow2', size], check=True)
    for c in pre:
        # "!cmd": a shell command (qemu-img snapshot -c ...)
        if c.startswith('!'):
            subprocess.run(c[1:], shell=True, check=True,
                           stdout=subprocess.DEVNULL)
            continue
        subprocess.run(['qemu-io', '-c', c, 't.qcow2'], check=True,
                       stdout=subprocess.DEVNULL)

def probe(title, opts, pre, mode, op, extra=''):
    img(opts, pre=pre)
    o = 'open %s-o driver=qcow2%s,file.driver=blkdebug,file.image.filename=t.qcow2' % (mode, extra)
    say('### %s  [qemu-img create -o "%s"; pre %s] %s ; %s' % (title, opts, list(pre), o, op))
    for l in run([], [o], op, ['aio_flush']):
        say(l)
    say()

SECTIONS = sys.argv[1:] or ['write', 'read', 'zero', 'discard', 'flush', 'grow',
                            'backing', 'snapshot', 'reftable', 'compressed']
if 'write' in SECTIONS:
    for mode in ['-t writeback ', '']:
        probe('first write, fresh image', '', [], mode, 'aio_write -P 1 0 4k')
    probe('write in an allocated cluster', '', ['write 0 4k'], '-t writeback ', 'aio_write -P 2 4k 4k')
    probe('new cluster, same L2', '', ['write 0 4k'], '-t writeback ', 'aio_write -P 2 64k 4k')
    probe('two clusters, unaligned', '', [], '-t writeback ', 'aio_write -P 2 60k 8k')
    probe('whole cluster', '', [], '-t writeback ', 'aio_write -P 2 64k 64k')
    probe('write after zero cluster', '', ['write -z 0 64k'], '-t writeback ', 'aio_write -P 2 4k 4k')
    probe('write, 4k clusters', 'cluster_size=4096', [], '-t writeback ', 'aio_write -P 1 0 4k')
    probe('write, 512b clusters, 64-bit refcounts', 'cluster_size=512,refcount_bits=64', [], '-t writeback ', 'aio_write -P 1 0 512')
if 'read' in SECTIONS:
    probe('read unallocated', '', [], '-t writeback ', 'aio_read 0 4k')
    probe('read allocated', '', ['write 0 4k'], '-t writeback ', 'aio_read 0 4k')
    probe('read zero cluster', '', ['write -z 0 64k'], '-t writeback ', 'aio_read 0 4k')
if 'zero' in SECTIONS:
    probe('zero whole cluster, fresh', '', [], '-t writeback ', 'aio_write -z 0 64k')
    probe('zero whole cluster, allocated', '', ['write 0 64k'], '-t writeback ', 'aio_write -z 0 64k')
    probe('zero -u whole cluster, allocated', '', ['write 0 64k'], '-t writeback ', 'aio_write -z -u 0 64k')
    probe('zero partial cluster, fresh', '', [], '-t writeback ', 'aio_write -z 0 4k')
    probe('zero partial cluster, allocated', '', ['write 0 64k'], '-t writeback ', 'aio_write -z 0 4k')
if 'discard' in SECTIONS:
    probe('discard allocated', '', ['write 0 64k'], '-t writeback ', 'aio_discard 0 64k')
if 'flush' in SECTIONS:
    probe('flush after a write', '', ['write 0 4k'], '-t writeback ', 'aio_flush')
if 'grow' in SECTIONS:
    probe('L1 growth', 'cluster_size=512', [], '-t writeback ', 'aio_write -P 1 32M 512')
    probe('refcount block allocation', 'cluster_size=512', ['write 0 100k'], '-t writeback ', 'aio_write -P 1 200k 512')
if 'backing' in SECTIONS:
    bk = 'backing_file=b.qcow2,backing_fmt=qcow2'
    probe('COW from the backing file', bk, [], '-t writeback ', 'aio_write -P 2 4k 4k')
    probe('read from the backing file', bk, [], '-t writeback ', 'aio_read 0 4k')
if 'snapshot' in SECTIONS:
    snap = ['write -P 1 0 64k', '!qemu-img snapshot -c s1 t.qcow2']
    probe('write to a cluster shared with a snapshot', '', snap, '-t writeback ', 'aio_write -P 2 0 4k')
if 'reftable' in SECTIONS:
    # 512-byte clusters, 64-bit refcounts: a block counts 64 clusters, the
    # one-cluster table 64 blocks (2 MiB of file); the pre-write leaves the
    # file just short of that, the probed write crosses it.
    probe('refcount table growth', 'cluster_size=512,refcount_bits=64', ['write 0 1950k'], '-t writeback ', 'aio_write -P 1 3M 20k')
if 'compressed' in SECTIONS:
    # (qemu-io's aio_write has no -c: compressed writes are measured by
    # injection, cases 522 and 534.)
    probe('compressed read', '', ['write -c -P 1 0 64k'], '-t writeback ', 'aio_read 0 4k')
