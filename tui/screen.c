/*
 * screen.c — curses life cycle and signals.  See screen.h.
 *
 * raw() rather than cbreak(): Ctrl-C, Ctrl-Z and Ctrl-S are keys the
 * command line can use (Ctrl-C clears it), and a stray Ctrl-S can never
 * freeze the screen.  SIGINT from kill(1) still quits cleanly.
 */
#include "tui/screen.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tui/theme_curses.h"

struct tui_screen tui_scr;

static int screen_pipe[2] = { -1, -1 };
static bool screen_atexit_done;

static const int screen_quit_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
static const int screen_fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
                                            SIGABRT };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void screen_atexit(void)
{
    tui_screen_stop();
}

int tui_screen_start(const struct tui_theme *theme, char **cause)
{
    struct tui_term_caps caps;
    struct tui_resolved res;

    /* Esc alone is a key here; don't wait a second for a sequence. */
    if (getenv("ESCDELAY") == NULL)
        setenv("ESCDELAY", "25", 1);
    if (newterm(NULL, stdout, stdin) == NULL) {
        *cause = strdup("cannot initialise the terminal (is TERM set?)");
        return -1;
    }
    tui_scr.active = true;
    if (!screen_atexit_done) {
        atexit(screen_atexit);
        screen_atexit_done = true;
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    /* Clicks focus and select, the wheel scrolls (input.c); no click
     * delay: a click is a press. */
    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    curs_set(1);
    tui_theme_curses_start(&caps);
    tui_theme_resolve(theme, &caps, &res);
    tui_theme_curses_install(&res, tui_scr.attr);
    tui_scr.mode = res.mode;
    tui_scr.g = tui_glyphs_from_locale();
    return 0;
}

void tui_screen_stop(void)
{
    if (!tui_scr.active)
        return;
    tui_scr.active = false;
    /* Leave the cursor where a shell prompt expects it. */
    curs_set(1);
    endwin();
    fflush(stdout);
}

void tui_screen_resize(int *cols, int *lines)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
        ws.ws_row > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    *cols = COLS;
    *lines = LINES;
}

static void screen_on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;

    if (screen_pipe[1] >= 0 && write(screen_pipe[1], &b, 1) < 0) {
        /* A full pipe already holds a wake-up: nothing lost that matters. */
    }
    errno = saved;
}

static void screen_on_fatal(int sig)
{
    /* Not async-signal-safe, as in htop: a restored terminal is worth the
     * risk, since the process is dying anyway. */
    if (tui_scr.active) {
        tui_scr.active = false;
        endwin();
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

int tui_screen_signals(void)
{
    struct sigaction sa;

    if (screen_pipe[0] < 0) {
        if (pipe2(screen_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
            return -errno;
    }
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = screen_on_signal;
    for (size_t i = 0; i < NELEM(screen_quit_signals); i++)
        sigaction(screen_quit_signals[i], &sa, NULL);
    sa.sa_handler = screen_on_fatal;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < NELEM(screen_fatal_signals); i++)
        sigaction(screen_fatal_signals[i], &sa, NULL);
    return screen_pipe[0];
}

void tui_screen_signals_off(void)
{
    for (size_t i = 0; i < NELEM(screen_quit_signals); i++)
        signal(screen_quit_signals[i], SIG_DFL);
    for (size_t i = 0; i < NELEM(screen_fatal_signals); i++)
        signal(screen_fatal_signals[i], SIG_DFL);
    if (screen_pipe[0] >= 0) {
        close(screen_pipe[0]);
        close(screen_pipe[1]);
        screen_pipe[0] = screen_pipe[1] = -1;
    }
}

int tui_screen_next_signal(void)
{
    unsigned char b;

    if (screen_pipe[0] < 0 || read(screen_pipe[0], &b, 1) != 1)
        return 0;
    return b;
}

void tui_screen_fatal(const char *fmt, ...)
{
    va_list ap;

    tui_screen_stop();
    fprintf(stderr, "blkmon: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}
