"""ctllib: a Python client of blkmon's control socket, and a running blkmon.

    srv = Blkmon(BLKMON, dir, ['--image-opts', 'driver=raw,...'])
    c = srv.client()
    ok, err, out = c.cmd('break write_aio A')       # text request, in order
    r = c.call('wait_break A 5000')                  # JSON request: a dict
    c.subscribe('break')                             # events as JSON lines
    ev = c.next_event(lambda e: e['event'] == 'suspended')
    srv.quit()                                       # exit status

Text replies are frames ("ok LEN" / "error LEN ERRNO", then LEN bytes);
frames that come between them ("event", "output") are kept in .events and
.outputs.  JSON replies are lines with an "id" and no "event"; event lines have
"event".
Every read has a deadline (TIMEOUT seconds): a test never hangs.
"""
import json
import os
import socket
import subprocess
import time

TIMEOUT = float(os.environ.get('CTL_TEST_TIMEOUT', '20'))


class Fail(Exception):
    pass


class Client:
    def __init__(self, path, timeout=TIMEOUT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b''
        self.events = []
        self.outputs = []
        self.replies = {}
        self.next_id = 0

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail('no answer from blkmon within the deadline')
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            raise Fail('no answer from blkmon within the deadline')
        if not d:
            raise EOFError('blkmon closed the connection')
        self.buf += d

    def _line(self, deadline):
        while b'\n' not in self.buf:
            self._fill(deadline)
        line, self.buf = self.buf.split(b'\n', 1)
        return line.decode()

    def _bytes(self, n, deadline):
        while len(self.buf) < n:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data.decode('utf-8', 'replace')

    def frame(self, timeout=TIMEOUT):
        """The next text frame: (kind, errname, body); JSON lines come as
        ('json', None, dict)."""
        deadline = time.monotonic() + timeout
        head = self._line(deadline)
        if head.startswith('{'):
            return 'json', None, json.loads(head)
        parts = head.split(' ')
        if len(parts) < 2 or not parts[1].isdigit():
            raise Fail('not a frame header: %r' % head)
        body = self._bytes(int(parts[1]), deadline)
        return parts[0], parts[2] if len(parts) > 2 else None, body

    def _keep(self, kind, body):
        if kind == 'event':
            self.events.append(json.loads(body))
        elif kind == 'output':
            self.outputs.append(body)
        elif kind == 'json':
            # Events have "event" (some have an "id" of their own too).
            if body.get('event') == 'output':
                self.outputs.append(body['output'])
            elif 'event' in body:
                self.events.append(body)
            else:
                self.replies[json.dumps(body['id'])] = body
        else:
            return False
        return True

    def cmd(self, line, timeout=TIMEOUT):
        """A text request: (ok, errname, output)."""
        self.send(line.encode() + b'\n')
        return self.reply(timeout)

    def reply(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            kind, err, body = self.frame(deadline - time.monotonic())
            if kind in ('ok', 'error'):
                return kind == 'ok', err, body
            self._keep(kind, body)

    def ok(self, line, timeout=TIMEOUT):
        ok, err, out = self.cmd(line, timeout)
        if not ok:
            raise Fail('%r failed (%s): %s' % (line, err, out))
        return out

    def send_json(self, cmd, id=None):
        if id is None:
            self.next_id += 1
            id = self.next_id
        self.send(json.dumps({'id': id, 'cmd': cmd}).encode() + b'\n')
        return id

    def wait_reply(self, id, timeout=TIMEOUT):
        key = json.dumps(id)
        deadline = time.monotonic() + timeout
        while key not in self.replies:
            kind, _, body = self.frame(deadline - time.monotonic())
            self._keep(kind, body)
        return self.replies.pop(key)

    def call(self, cmd, timeout=TIMEOUT):
        return self.wait_reply(self.send_json(cmd), timeout)

    def subscribe(self, kinds='all'):
        r = self.call('events on %s' % kinds)
        if not r['ok']:
            raise Fail('events on %s: %s' % (kinds, r))

    def next_event(self, pred=lambda e: True, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    return self.events.pop(i)
            kind, _, body = self.frame(deadline - time.monotonic())
            self._keep(kind, body)


class Blkmon:
    """A headless blkmon with a control socket in dir."""

    def __init__(self, blkmon, dir, args, cmds=(), events=None, env=None,
                 name='ctl.sock'):
        self.path = os.path.join(dir, name)
        self.dir = dir
        argv = [blkmon, '--headless', '--control', 'unix:' + self.path]
        if events:
            argv += ['--events', events]
        for c in cmds:
            argv += ['-c', c]
        argv += args
        self.out = open(os.path.join(dir, 'blkmon.out'), 'wb')
        self.err = open(os.path.join(dir, 'blkmon.err'), 'wb')
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err,
                                     env=e, cwd=dir)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(self.path):
            if self.proc.poll() is not None:
                raise Fail('blkmon exited %d: %s' % (
                    self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                raise Fail('no control socket at %s' % self.path)
            time.sleep(0.02)

    def client(self):
        return Client(self.path)

    def stdout(self):
        self.out.flush()
        with open(self.out.name, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stderr(self):
        self.err.flush()
        with open(self.err.name, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def alive(self):
        return self.proc.poll() is None

    def quit(self, timeout=TIMEOUT):
        if self.alive():
            c = self.client()
            ok, _, _ = c.cmd('quit')
            c.close()
            if not ok:
                raise Fail('quit failed')
        return self.wait(timeout)

    def wait(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail('blkmon did not exit within %s s' % timeout)

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
