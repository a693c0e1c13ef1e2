"""casefmt: run one behaviour case and describe what it did.

A case is a bash fragment (the format of the shared qiodiff corpus):
  $QIO   the program under test, as words (use it unquoted)
  $T     a fresh, empty working directory (the current directory too)
  mkimg SIZE [NAME]   create a sparse raw image (default name: img)
  qbench [OPTION]... IMAGE   qemu-img bench -f raw when recording (qemu-io),
                      else the program's "bench" command on IMAGE
Directives: '#@ skip-map' (do not compare data/hole maps of the files) and
'#@ timeout N' (seconds, default 20).

What a run leaves is four texts, normalised so that two programs can be
compared: stdout, stderr, exit status and a summary of every file in $T
(size, hash, data extents).  Timings and rates, the program name in front
of messages and in the prompt, the random digits of a made-up node name
('#block1NN') and the directory path are replaced by fixed words.
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile

LIB = '''
set -u
mkimg() { truncate -s "$1" "${2:-img}"; }
qbench() {
  local img=${!#} args=("${@:1:$#-1}")
  case $QIO in
  qemu-io*) qemu-img bench -f raw "${args[@]}" "$img" ;;
  *) $QIO -f raw -c "bench ${args[*]}" "$img" ;;
  esac
}
'''

PARTS = ('out', 'err', 'exit', 'files')

_RULES = [
    (re.compile(r'^(.*), (\d+) ops; .*\(.* and .* ops/sec\)$', re.M),
     r'\1, \2 ops; TIME (RATE)'),
    (re.compile(r'^(\d+),(\d+),[0-9:.]+,[-0-9.a-z]+,[-0-9.a-z]+$', re.M),
     r'\1,\2,TIME,RATE,RATE'),
    (re.compile(r'^(qemu-io|qemu-img|blkmon)(:| >|>) ?', re.M), r'PROG\2 '),
    # bench: qemu-img's time, and blkmon's own summary (not qemu-img's).
    (re.compile(r'^Run completed in [0-9.]+ seconds\.$', re.M),
     'Run completed in TIME seconds.'),
    (re.compile(r'^bench: (\d+ requests|\d+ IOPS|latency)\b.*\n', re.M), ''),
    (re.compile(r'(qemu-io|blkmon)> ', re.M), r'PROMPT> '),
    # a made-up node name ends in two random digits
    (re.compile(r"'#block(\d+)\d\d'"), r"'#block\1NN'"),
]


def normalise(text, workdir):
    text = text.replace(workdir, '$T')
    for rx, rep in _RULES:
        text = rx.sub(rep, text)
    return text


def _data_map(path):
    out, off = [], 0
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        fd = f.fileno()
        while off < size:
            try:
                d = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break
            h = os.lseek(fd, d, os.SEEK_HOLE)
            out.append('%d+%d' % (d, h - d))
            off = h
    return ' '.join(out) or '-'


def _files(workdir, with_map):
    lines = []
    for name in sorted(os.listdir(workdir)):
        p = os.path.join(workdir, name)
        if name.startswith('.') or not os.path.isfile(p):
            continue
        h = hashlib.sha256()
        with open(p, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                h.update(chunk)
        line = 'file %s size=%d sha256=%s' % (name, os.path.getsize(p),
                                             h.hexdigest()[:16])
        if with_map:
            line += ' data=' + _data_map(p)
        lines.append(line)
    return '\n'.join(lines) + '\n' if lines else ''


def _default_signals():
    # A shell without job control starts background commands with SIGINT
    # and SIGQUIT ignored, and they stay ignored down to the program
    # (`make check &`): cases that raise them expect their default.
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def run(case, prog):
    """Run case with $QIO=prog; returns {part: text}."""
    script = open(case).read()
    m = re.search(r'^#@ timeout (\d+)', script, re.M)
    timeout = int(m.group(1)) if m else 20
    workdir = tempfile.mkdtemp(prefix='behaviour.')
    try:
        env = dict(os.environ, QIO=prog, T=workdir)
        try:
            p = subprocess.run(['bash', '-c', LIB + script], cwd=workdir,
                               env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout,
                               preexec_fn=_default_signals)
            rc, out, err = str(p.returncode), p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = 'timeout', e.stdout or b'', e.stderr or b''
        return {
            'out': normalise(out.decode('utf-8', 'replace'), workdir),
            'err': normalise(err.decode('utf-8', 'replace'), workdir),
            'exit': rc + '\n',
            'files': _files(workdir, '#@ skip-map' not in script),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def cases(paths):
    for p in paths:
        if os.path.isdir(p):
            for n in sorted(os.listdir(p)):
                if n.endswith('.sh'):
                    yield os.path.join(p, n)
        elif p.endswith('.sh'):
            yield p
        # Anything else (a recorded .out given by a shell glob) is no case.


def expected_path(case, part):
    return case[:-3] + '.' + part
