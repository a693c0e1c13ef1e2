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

    def wait_gone(self, pattern, timeout=TIMEOUT):
        return self.wait(lambda s: not re.search(pattern, s, re.M),
                         timeout, 'no %r' % pattern)

    def close(self):
        self.tmux('kill-server', check=False)


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
