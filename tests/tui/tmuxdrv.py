"""tmuxdrv: drive blkmon's TUI through a real terminal (a detached tmux).

Each Term is one tmux server on its own socket, so tests never touch the
user's tmux and always start from a known size and environment.  Every
check polls capture-pane until the expected text shows up or a generous
deadline passes: no fixed sleep is ever an assertion.
"""
import os
import re
import shlex
import subprocess
import time

TIMEOUT = float(os.environ.get('TUI_TEST_TIMEOUT', '10'))


class Fail(Exception):
    pass


class Term:
    _seq = 0

    def __init__(self, cmd, width=140, height=40, env=None, cwd=None):
        # A fresh socket per terminal: a killed server may linger a moment.
        Term._seq += 1
        self.sock = 'blkmon-test-%d-%d' % (os.getpid(), Term._seq)
        self.width, self.height = width, height
        e = {'LANG': 'C.UTF-8', 'LC_ALL': ''}
        e.update(env or {})
        envs = ' '.join('%s=%s' % (k, shlex.quote(v)) for k, v in e.items())
        # The shell reports the exit status and keeps the pane alive, so a
        # test can see both the status and the restored terminal.
        script = ('stty sane; export %s; %s; echo "EXIT=$?"; '
                  'exec sleep 600' % (envs, cmd))
        self.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main',
                  '-x', str(width), '-y', str(height),
                  'sh -c %s' % shlex.quote(script), cwd=cwd)
        self.tmux('set-option', '-g', 'remain-on-exit', 'on')

    def tmux(self, *args, cwd=None, check=True):
        r = subprocess.run(['tmux', '-u', '-L', self.sock] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, cwd=cwd)
        if check and r.returncode != 0:
            raise Fail('tmux %s: %s' % (' '.join(args), r.stderr.strip()))
        return r.stdout

    def screen(self):
        return self.tmux('capture-pane', '-p', '-t', 'main')

    def styled(self):
        """The screen with the style of every character (see Styled)."""
        return Styled(self.tmux('capture-pane', '-p', '-e', '-t', 'main'))

    def keys(self, *keys):
        self.tmux('send-keys', '-t', 'main', *keys)

    def type(self, text):
        self.tmux('send-keys', '-t', 'main', '-l', text)

    def line(self, text):
        self.type(text)
        self.keys('Enter')

    def resize(self, w, h):
        self.tmux('resize-window', '-t', 'main', '-x', str(w), '-y', str(h))

    def pid(self):
        """The pid of blkmon (the shell's child)."""
        shell = int(self.tmux('display', '-p', '-t', 'main',
                              '#{pane_pid}').strip())
        out = subprocess.run(['pgrep', '-P', str(shell), '-x', 'blkmon'],
                             stdout=subprocess.PIPE,
                             universal_newlines=True).stdout.split()
        if not out:
            raise Fail('blkmon is not running')
        return int(out[0])

    def alternate_on(self):
        return self.tmux('display', '-p', '-t', 'main',
                         '#{alternate_on}').strip() == '1'

    def wait(self, pattern, timeout=TIMEOUT, what=None):
        """Poll the screen until pattern (a regex, or a function of the
        screen) matches; returns the match (or the function's value)."""
        deadline = time.time() + timeout
        screen = ''
        while True:
            screen = self.screen()
            if callable(pattern):
                v = pattern(screen)
                if v:
                    return v
            else:
                m = re.search(pattern, screen, re.M)
                if m:
                    return m
            if time.time() > deadline:
                raise Fail('timed out waiting for %s\n--- screen ---\n%s'
                           % (what or repr(pattern), screen))
            time.sleep(0.1)

    def wait_styles(self, want, timeout=TIMEOUT, what=None):
        """Poll until the text each regex of want (a dict: regex -> Style,
        or a function of the Style returning an error or None) matches is
        drawn in that style; the Styled screen is returned."""
        deadline = time.time() + timeout
        while True:
            s = self.styled()
            bad = []
            for pattern, w in want.items():
                got = s.style_of(pattern)
                if got is None:
                    bad.append('%r: not on screen' % pattern)
                elif callable(w):
                    err = w(got)
                    if err:
                        bad.append('%r: %s (%r)' % (pattern, err, got))
                elif got != w:
                    bad.append('%r: %r, wanted %r' % (pattern, got, w))
            if not bad:
                return s
            if time.time() > deadline:
                raise Fail('timed out waiting for %s:\n  %s\n--- screen ---'
                           '\n%s' % (what or 'styles', '\n  '.join(bad),
                                      s.text()))
            time.sleep(0.1)

    def wait_gone(self, pattern, timeout=TIMEOUT):
        return self.wait(lambda s: not re.search(pattern, s, re.M),
                         timeout, 'no %r' % pattern)

    def close(self):
        self.tmux('kill-server', check=False)


class Style:
    """What one character looks like: fg and bg as colour numbers (None:
    the terminal's default; 0-7 ANSI, 8-15 bright, 16-255 xterm's) and the
    set of attributes ('bold', 'dim', 'italic', 'underline', 'blink',
    'reverse').  Compares with ==; str() reads like a theme line."""

    __slots__ = ('fg', 'bg', 'attrs')

    def __init__(self, fg=None, bg=None, attrs=()):
        self.fg, self.bg, self.attrs = fg, bg, frozenset(attrs)

    def __eq__(self, o):
        return (isinstance(o, Style) and
                (self.fg, self.bg, self.attrs) == (o.fg, o.bg, o.attrs))

    def __hash__(self):
        return hash((self.fg, self.bg, self.attrs))

    def __repr__(self):
        return 'fg=%s bg=%s %s' % (
            'default' if self.fg is None else self.fg,
            'default' if self.bg is None else self.bg,
            ' '.join(sorted(self.attrs)) or 'normal')

    def colourless(self):
        return self.fg is None and self.bg is None


_SGR_ATTR = {1: 'bold', 2: 'dim', 3: 'italic', 4: 'underline', 5: 'blink',
             7: 'reverse'}
_SGR_OFF = {22: ('bold', 'dim'), 23: ('italic',), 24: ('underline',),
            25: ('blink',), 27: ('reverse',)}
_CSI = re.compile(r'\x1b\[([0-9;:]*)([@-~])')


class Styled:
    """capture-pane -e output turned into lines of text plus one Style per
    character.  tmux writes only the changes of attributes, and carries
    them from one line to the next, so the whole capture is replayed.
    Charset shifts (line drawing on terminals without UTF-8) are dropped."""

    def __init__(self, capture):
        self.lines, self.styles = [], []
        fg, bg, attrs = None, None, set()
        for raw in capture.split('\n'):
            text, styles, pos = [], [], 0
            for m in list(_CSI.finditer(raw)) + [None]:
                end = m.start() if m else len(raw)
                for ch in raw[pos:end]:
                    if ch in '\x0e\x0f':     # SO/SI: charset shifts
                        continue
                    text.append(ch)
                    styles.append(Style(fg, bg, attrs))
                if m is None:
                    break
                pos = m.end()
                if m.group(2) != 'm':
                    continue
                codes = [int(c or 0) for c in
                         m.group(1).replace(':', ';').split(';')]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, attrs = None, None, set()
                    elif c in _SGR_ATTR:
                        attrs.add(_SGR_ATTR[c])
                    elif c in _SGR_OFF:
                        attrs.difference_update(_SGR_OFF[c])
                    elif 30 <= c <= 37:
                        fg = c - 30
                    elif 90 <= c <= 97:
                        fg = c - 90 + 8
                    elif 40 <= c <= 47:
                        bg = c - 40
                    elif 100 <= c <= 107:
                        bg = c - 100 + 8
                    elif c == 39:
                        fg = None
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and codes[i + 1:i + 2] == [5] and \
                            i + 2 < len(codes):
                        if c == 38:
                            fg = codes[i + 2]
                        else:
                            bg = codes[i + 2]
                        i += 2
                    elif c in (38, 48) and codes[i + 1:i + 2] == [2]:
                        raise Fail('unexpected true colour in %r' % raw)
                    i += 1
            self.lines.append(''.join(text))
            self.styles.append(styles)

    def text(self):
        return '\n'.join(self.lines)

    def style_of(self, pattern, group=0):
        """The Style of the first character of pattern's first match
        (pattern: a regex matched within one line), or None."""
        for y, l in enumerate(self.lines):
            m = re.search(pattern, l)
            if m:
                return self.styles[y][m.start(group)]
        return None

    def all_styles(self):
        return set(s for row in self.styles for s in row)


def pane(screen, title):
    """The text inside the frame whose title contains title: the lines
    between its top and bottom border, within its columns."""
    lines = screen.split('\n')
    for y, l in enumerate(lines):
        i = l.find(' %s' % title)
        if i < 0:
            continue
        left = l.rfind('\u250c', 0, i + 1)
        if left < 0:
            left = l.rfind('+', 0, i + 1)
        right = l.find('\u2510', i)
        if right < 0:
            right = l.find('+', i)
        if left < 0 or right < 0:
            continue
        out = []
        for l2 in lines[y + 1:]:
            seg = l2[left:right + 1]
            if seg.startswith('\u2514') or seg.startswith('+'):
                break
            out.append(seg[1:-1])
        return out
    return None
