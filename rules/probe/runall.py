#!/usr/bin/env python3
"""Run every probe of rules/EVENTS.md against the real qemu-io.

Usage: runall.py async|align|direct|sync > results/NAME.txt
(one section per process: each uses its own scratch directory)."""
import json, subprocess, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe import run
from hang import order
wd = '/tmp/blkmon-probe-' + (sys.argv[1] if len(sys.argv) > 1 else 'all')
os.makedirs(wd, exist_ok=True)
os.chdir(wd)
def fresh():
    subprocess.run('rm -f img; truncate -s 1M img', shell=True)
def say(*a):
    print(*a, flush=True)

RB = 'open %s-o driver=raw,file.driver=blkdebug,file.image.filename=img%s'
section = sys.argv[1] if len(sys.argv) > 1 else 'all'

if section in ('all', 'async'):
    for mode in ['', '-t writeback ', '-t none ', '-t directsync ', '-t unsafe ']:
        for op in ['aio_read 0 512', 'aio_write -P 1 0 512', 'aio_write -f -P 1 0 512',
                   'aio_write -z 0 4k', 'aio_write -z -u 0 4k', 'aio_write -P 1 0 64k',
                   'aio_write -P 1 100 200']:
            fresh()
            o = RB % (mode, '')
            say('### qemu-io (interactive) %s ; %s' % (o, op))
            for l in run([], [o], op, ['aio_flush']):
                say(l)
            say()
if section in ('all', 'align'):
    for op in ['aio_write -P 2 512 512', 'aio_write -P 2 0 512', 'aio_write -P 2 3584 512',
               'aio_write -P 2 2048 4096', 'aio_write -P 2 0 4k', 'aio_read 512 512',
               'aio_write -z 512 512', 'aio_write -z 0 8k', 'aio_write -z 512 8k']:
        for mode in ['-t writeback ', '']:
            fresh()
            subprocess.run(['qemu-io', '-f', 'raw', '-c', 'write -q -P 9 0 16k', 'img'])
            o = RB % (mode, ',file.align=4096')
            say('### qemu-io (interactive) %s ; %s' % (o, op))
            for l in run([], [o], op, ['aio_flush']):
                say(l)
            say()
if section in ('all', 'direct'):
    for mode in ['', '-t writeback ']:
        for op in ['aio_read 0 512', 'aio_write -P 1 0 512', 'aio_write -f -P 1 0 512', 'aio_write -z 0 4k', 'aio_write -P 1 100 200']:
            fresh()
            o = 'open %s-o driver=blkdebug,image.filename=img' % mode
            say('### qemu-io (interactive) %s ; %s' % (o, op))
            for l in run([], [o], op, ['aio_flush']):
                say(l)
            say()
    for op in ['aio_read 0 512', 'aio_write -P 1 0 512']:
        fresh()
        o = 'open -o driver=raw blkdebug::img'
        say('### qemu-io (interactive) %s ; %s' % (o, op))
        for l in run([], [o], op, ['aio_flush']):
            say(l)
        say()
if section in ('all', 'sync'):
    stacks = [['-f', 'raw', '%s', 'blkdebug::img'], ['--image-opts', '%s', 'driver=blkdebug,image.filename=img']]
    for st in stacks:
        for mode in ['writethrough', 'writeback', 'none', 'directsync', 'unsafe']:
            for pre, op in [([], 'flush'), (['write -P 1 0 512'], 'flush'),
                            (['write -P 1 0 512', 'flush'], 'flush'),
                            (['write -P 1 0 512'], 'close'), ([], 'close'),
                            ([], 'discard 0 4k'), ([], 'discard 0 512'), ([], 'discard 100 1000'),
                            ([], 'truncate 2M'), ([], 'truncate 512k'),
                            ([], 'write -z 0 4k'), ([], 'write -z -u 0 4k'), ([], 'write -z 100 1000'),
                            ([], 'read 0 512'), ([], 'write -P 1 0 512'), ([], 'writev -P 1 0 512 512'),
                            ([], 'write -f -P 1 0 512'), ([], 'write -c -P 1 0 512'),
                            ([], 'alloc 0 512'), ([], 'map'), ([], 'length')]:
                fresh()
                args = [a if a != '%s' else '-t' for a in st]
                args = []
                for a in st:
                    if a == '%s':
                        args += ['-t', mode]
                    else:
                        args.append(a)
                seq = order(args, pre, op)
                say('### qemu-io %s %s -c %r: %s' % (' '.join(args), ' '.join('-c %r' % p for p in pre), op, ' -> '.join(seq) or '(no event)'))
