#!/usr/bin/env python3
"""Probe which blkdebug events a qemu-io request fires, in order.

Every event gets a breakpoint tagged with its own name; when a request is
suspended we re-arm that breakpoint (to catch the next occurrence) and
resume it.  file_paio_submit traces (stderr, same pty) show where the real
system calls happen relative to the events."""
import os, pty, re, select, subprocess, sys, time

EVENTS = """l1_update l1_grow_alloc_table l1_grow_write_table l1_grow_activate_table
l2_load l2_update l2_update_compressed l2_alloc_cow_read l2_alloc_write read_aio
read_backing_aio read_compressed write_aio write_compressed vmstate_load
vmstate_save cow_read cow_write reftable_load reftable_grow reftable_update
refblock_load refblock_update refblock_update_part refblock_alloc
refblock_alloc_hookup refblock_alloc_write refblock_alloc_write_blocks
refblock_alloc_write_table refblock_alloc_switch_table cluster_alloc
cluster_alloc_bytes cluster_free flush_to_os flush_to_disk pwritev_rmw_head
pwritev_rmw_after_head pwritev_rmw_tail pwritev_rmw_after_tail pwritev
pwritev_zero pwritev_done empty_image_prepare l1_shrink_write_table
l1_shrink_free_l2_clusters cor_write cluster_alloc_space none""".split()

class Q:
    def __init__(self, args):
        self.m, s = pty.openpty()
        self.p = subprocess.Popen(args, stdin=s, stdout=s, stderr=s, close_fds=True)
        os.close(s)
        self.buf = ''
        self.log = []
    def read(self, t=0.15):
        out = ''
        end = time.time() + t
        while True:
            r, _, _ = select.select([self.m], [], [], max(0, end - time.time()))
            if not r:
                break
            try:
                d = os.read(self.m, 65536).decode(errors='replace')
            except OSError:
                break
            if not d:
                break
            out += d
        return out
    def cmd(self, c, t=0.15, quiet=False):
        os.write(self.m, (c + '\n').encode())
        o = self.read(t)
        o = o.replace('\r', '')
        lines = [l for l in o.split('\n')]
        res = []
        for l in lines:
            l = re.sub(r'^(qemu-io> )+', '', l)
            if not l.strip() or l.strip() == c.strip():
                continue
            res.append(l)
        return res

def clean(l):
    l = re.sub(r'\d+@\d+\.\d+:', '', l)
    l = re.sub(r'acb 0x[0-9a-f]+ opaque 0x[0-9a-f]+ ', '', l)
    l = re.sub(r' \(.*ops/sec\)', '', l)
    return l

STLOG = os.path.abspath('st.log')
SYSCALLS = 'pread64,pwrite64,preadv,pwritev,preadv2,pwritev2,fdatasync,fsync,fallocate,ftruncate,io_submit,io_uring_enter'
def syscalls_since(pos):
    try:
        data = open(STLOG).read()
    except OSError:
        return pos, []
    new = data[pos:]
    res = []
    for l in new.split('\n'):
        m = re.search(r'(pread64|pwrite64|preadv2?|pwritev2?|fdatasync|fsync|fallocate|ftruncate|io_submit|io_uring_enter)\((\d+)(?:, )?(.*)', l)
        if not m or 'resumed' in l:
            continue
        fd = int(m.group(2))
        if fd < 3:
            continue
        args = m.group(3)
        if m.group(1) in ('pwrite64', 'pread64'):
            # pwrite64(fd, "..."..., count, off) = ret
            mm = re.search(r', (\d+), (\d+)\) += (-?\d+)', args)
            if mm: args = 'count=%s off=%s ret=%s' % mm.groups()
        elif m.group(1) in ('preadv','pwritev','preadv2','pwritev2'):
            mm = re.search(r'\], (\d+), (\d+)(?:, \w+)?\) += (-?\d+)', args)
            if mm: args = 'iovcnt=%s off=%s ret=%s' % mm.groups()
        else:
            args = re.sub(r'\s+', ' ', args)
        res.append('   [syscall] %s %s' % (m.group(1), args))
    return len(data), res

def run(qargs, pre, op, post=(), show_cmds=True, rearm=True, events=EVENTS, use_strace=True):
    import os as _os
    global STLOG
    STLOG = _os.path.abspath('st.log')
    if _os.path.exists(STLOG): _os.unlink(STLOG)
    # PROBE_PROG=blkmon runs the same probe against another program.
    base = os.environ.get('PROBE_PROG', 'qemu-io').split() + qargs
    if use_strace:
        base = ['strace', '-f', '-qq', '-e', 'trace=' + SYSCALLS, '-o', STLOG] + base
    q = Q(base)
    stpos = [0]
    out = []
    def emit(lines):
        for l in lines:
            l = clean(l)
            if 'Could not resume' in l or l.startswith('qemu-io>') or '\x1b' in l:
                continue
            m = re.search(r"Suspended request '(.*)'", l)
            if m and use_strace:
                # syscalls that happened before this suspension
                time.sleep(0.05)
                stpos[0], sc = syscalls_since(stpos[0])
                out.extend(sc)
            if 'Resuming request' in l:
                continue
            out.append(l)
    emit(q.cmd('', 0.3))
    for c in pre:
        emit(q.cmd(c))
    for e in events:
        q.cmd('break %s %s' % (e, e), 0.02)
    stpos[0], _ = syscalls_since(0)
    out.append('>> ' + op)
    # PROBE_WAIT: seconds to wait for output after a command (a loaded
    # machine needs more than the default).
    wait = float(os.environ.get('PROBE_WAIT', '0.3'))
    lines = q.cmd(op, wait)
    give_up = time.time() + 30
    time.sleep(0.05)
    for _ in range(200):
        emit(lines)
        sus = [re.search(r"Suspended request '(.*)'", l) for l in lines]
        sus = [m.group(1) for m in sus if m]
        if not sus:
            # Not ended yet (a slow fdatasync): wait for its next event
            # or its end, as long as the machine takes.
            done = re.compile(r'^(wrote|read|discard|\S+ failed|truncate)')
            if not any(done.search(l) for l in out) and _ < 199:
                more = q.read(wait).replace('\r', '').split('\n')
                lines = [re.sub(r'^(qemu-io> )+', '', l) for l in more
                         if l.strip()]
                if lines:
                    continue
                if time.time() < give_up:
                    continue
            break
        lines = []
        give_up = time.time() + 30
        time.sleep(0.05)
        for t in sus:
            # What a slow machine prints late (the next suspension) may
            # come with the answer to break: keep it.
            if rearm:
                lines += q.cmd('break %s %s' % (t, t), 0.02)
            lines += q.cmd('resume %s' % t, wait)
    stpos[0], sc = syscalls_since(stpos[0]); out.extend(sc)
    for e in events:
        q.cmd('remove_break %s' % e, 0.01)
    for c in post:
        out.append('>> ' + c)
        emit(q.cmd(c, 0.3))
    stpos[0], sc = syscalls_since(stpos[0]); out.extend(sc)
    q.cmd('quit', 0.3)
    try:
        q.p.wait(3)
    except subprocess.TimeoutExpired:
        out.append('!! qemu-io hung at quit')
        q.p.kill()
    return out

if __name__ == '__main__':
    import json
    spec = json.loads(sys.argv[1])
    for l in run(spec['args'], spec.get('pre', []), spec['op'], spec.get('post', []), events=spec.get('events', EVENTS)):
        print(l)
