#!/usr/bin/env python3
"""Order of distinct blkdebug events fired by a *synchronous* qemu-io command.

A breakpoint on a synchronous request hangs qemu-io (nothing resumes it), but
blkdebug prints 'Suspended request' first.  Break on every event, run the
command, note the first event, kill; repeat without that event."""
import subprocess, sys, re, json
from probe import EVENTS

def first_event(args, pre, op, events, timeout=1.5):
    cmds = []
    for c in pre:
        cmds += ['-c', c]
    for e in events:
        cmds += ['-c', 'break %s %s' % (e, e)]
    cmds += ['-c', op]
    # Breakpoints still set when the op returns would catch the flush of
    # qemu-io's exit: drop them, so only the op's own events show.
    for e in events:
        cmds += ['-c', 'remove_break %s' % e]
    try:
        p = subprocess.run(['stdbuf', '-o0', 'qemu-io'] + args + cmds, capture_output=True, text=True, timeout=timeout)
        out = p.stdout
        hung = False
    except subprocess.TimeoutExpired as ex:
        out = ex.stdout.decode() if ex.stdout else ''
        hung = True
    m = re.findall(r"Suspended request '(.*)'", out)
    return m, hung, out

def order(args, pre, op, events=EVENTS, nonhang_ok=True):
    ev = list(events)
    seq = []
    for _ in range(20):
        m, hung, out = first_event(args, pre, op, ev)
        if not m:
            break
        # events fired before the op (in pre) are not the op's
        seq.append(m[-1] if len(m) == 1 else '+'.join(m))
        for x in m:
            if x in ev:
                ev.remove(x)
    return seq

if __name__ == '__main__':
    spec = json.loads(sys.argv[1])
    print(' -> '.join(order(spec['args'], spec.get('pre', []), spec['op'])) or '(no event)')
