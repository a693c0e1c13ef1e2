"""nbdlib: start blkmon (and qemu-nbd) as NBD servers for the tests in
tests/nbd, and talk NBD on a raw socket where a client library would
refuse to send what a test needs to send.

Servers run on Unix sockets in a fresh directory; every wait is bounded
and fails the test with a message rather than hanging.
"""
import hashlib, os, select, signal, socket, struct, subprocess, tempfile, time

BLKMON = os.environ.get('BLKMON', 'blkmon')
WAIT = float(os.environ.get('NBD_TEST_WAIT', '20'))   # seconds, generous


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def sha(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def mkimage(path, size, pieces=()):
    """A sparse file of size bytes with (offset, bytes) pieces written."""
    with open(path, 'wb') as f:
        f.truncate(size)
        for off, data in pieces:
            f.seek(off)
            f.write(data)


def wait_for(pred, what, timeout=WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.01)
    raise Fail('timed out waiting for ' + what)


STARTED = []     # servers of the running test, for its failure report


class Blkmon:
    """blkmon --headless ... --nbd unix:SOCK IMAGE, commands on stdin."""

    def __init__(self, workdir, image, args=(), name='b.sock', stdin=False,
                 env=None):
        STARTED.append(self)
        self.sock = os.path.join(workdir, name)
        # The child appends (O_APPEND): the offset of a descriptor shared
        # with it would let a read here move where its next write lands.
        self.out_path = os.path.join(workdir, name + '.out')
        open(self.out_path, 'wb').close()
        self.out = open(self.out_path, 'ab')
        cmd = [BLKMON, '--headless'] + list(args) + \
              ['--nbd', 'unix:' + self.sock, image]
        self.p = subprocess.Popen(cmd, cwd=workdir,
                                  stdin=subprocess.PIPE if stdin
                                  else subprocess.DEVNULL,
                                  stdout=self.out, stderr=subprocess.STDOUT,
                                  env=env)
        wait_for(lambda: os.path.exists(self.sock) or
                 self.p.poll() is not None, 'the socket')
        if self.p.poll() is not None:
            raise Fail('blkmon did not start: ' + self.output())
        self.url = 'nbd+unix:///?socket=' + self.sock

    def output(self):
        with open(self.out_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def send(self, line):
        self.p.stdin.write((line + '\n').encode())
        self.p.stdin.flush()

    def wait_output(self, text, timeout=WAIT):
        wait_for(lambda: text in self.output(), repr(text), timeout)

    def stop(self, sig=signal.SIGTERM):
        """End it with sig and return its exit status."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise Fail('blkmon did not exit after signal %d' % sig)

        return rc

    def alive(self):
        return self.p.poll() is None


class QemuNbd:
    def __init__(self, workdir, image, args=(), name='q.sock'):
        self.sock = os.path.join(workdir, name)
        pid = os.path.join(workdir, name + '.pid')
        self.p = subprocess.Popen(['qemu-nbd', '--persistent',
                                   '--pid-file=' + pid, '-k', self.sock] +
                                  list(args) + [image],
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(pid) or self.p.poll() is not None,
                 'qemu-nbd')
        check(self.p.poll() is None, 'qemu-nbd did not start')
        self.url = 'nbd+unix:///?socket=' + self.sock

    def stop(self):
        self.p.terminate()
        self.p.wait(WAIT)


def run(cmd, **kw):
    """Run a client tool; its exit status and output, bounded in time."""
    kw.setdefault('timeout', 120)
    p = subprocess.run(cmd, capture_output=True, **kw)
    return p.returncode, p.stdout.decode('utf-8', 'replace') + \
        p.stderr.decode('utf-8', 'replace')


# ---- raw protocol, for the hostile client -------------------------------

NBDMAGIC = 0x4e42444d41474943
IHAVEOPT = 0x49484156454f5054
REPLY_MAGIC = 0x3e889045565a9
REQ_MAGIC = 0x25609513
SIMPLE_MAGIC = 0x67446698
CHUNK_MAGIC = 0x668e33ef
OPT_GO, OPT_STRUCTURED = 7, 8
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH = 0, 1, 2, 3
REP_ACK, REP_INFO = 1, 3


class Raw:
    """A client on a plain socket that sends exactly what it is told."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)       # blocking: a full backlog waits
        self.s.settimeout(WAIT)

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.sendall(data)

    def recv(self, n):
        """n bytes, or None when the server closed first."""
        buf = b''
        while len(buf) < n:
            try:
                got = self.s.recv(n - len(buf))
            except (ConnectionResetError, BrokenPipeError):
                return None
            if not got:
                return None
            buf += got
        return buf

    def closed(self):
        """Did the server close the connection (EOF within WAIT)?"""
        try:
            while True:
                got = self.s.recv(65536)
                if not got:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def greet(self, flags=3):
        g = self.recv(18)
        check(g is not None and struct.unpack('>QQH', g)[:2] ==
              (NBDMAGIC, IHAVEOPT), 'greeting: %r' % (g,))
        self.send(struct.pack('>I', flags))

    def option(self, opt, payload=b''):
        self.send(struct.pack('>QII', IHAVEOPT, opt, len(payload)) + payload)

    def opt_reply(self):
        h = self.recv(20)
        if h is None:
            return None
        magic, opt, typ, ln = struct.unpack('>QIII', h)
        check(magic == REPLY_MAGIC, 'option reply magic')
        data = self.recv(ln) if ln else b''
        return opt, typ, data

    def go(self, name=b'', structured=True, greet=True):
        """Handshake to transmission; the export size."""
        if greet:
            self.greet()
        if structured:
            self.option(OPT_STRUCTURED)
            check(self.opt_reply()[1] == REP_ACK, 'structured reply ack')
        self.option(OPT_GO, struct.pack('>I', len(name)) + name +
                    struct.pack('>H', 0))
        size = None
        while True:
            r = self.opt_reply()
            check(r is not None, 'GO reply')
            if r[1] == REP_INFO and struct.unpack('>H', r[2][:2])[0] == 0:
                size = struct.unpack('>Q', r[2][2:10])[0]
            if r[1] == REP_ACK:
                return size
            check(r[1] & 0x80000000 == 0, 'GO refused: %r' % (r,))

    def request(self, typ, offset, length, flags=0, cookie=1, data=b''):
        self.send(struct.pack('>IHHQQI', REQ_MAGIC, flags, typ, cookie,
                              offset, length) + data)

    def reply(self):
        """One reply: ('simple', error, cookie, b'') or
        ('chunk', flags, type, cookie, payload); None when closed."""
        m = self.recv(4)
        if m is None:
            return None
        magic = struct.unpack('>I', m)[0]
        if magic == SIMPLE_MAGIC:
            rest = self.recv(12)
            if rest is None:
                return None
            err, cookie = struct.unpack('>IQ', rest)
            return ('simple', err, cookie, b'')
        check(magic == CHUNK_MAGIC, 'reply magic %#x' % magic)
        rest = self.recv(16)
        if rest is None:
            return None
        flags, typ, cookie, ln = struct.unpack('>HHQI', rest)
        payload = self.recv(ln) if ln else b''
        return ('chunk', flags, typ, cookie, payload)

    def error_of(self, r):
        """The NBD error a reply carries (0 for success)."""
        check(r is not None, 'a reply, not a closed connection')
        if r[0] == 'simple':
            return r[1]
        if r[2] & 0x8000:
            return struct.unpack('>I', r[4][:4])[0]
        return 0


def tmpdir():
    return tempfile.mkdtemp(prefix='blkmon-nbd.')
