/*
 * theme.h — colours by role, read from theme files (themes/NAME.theme).
 *
 * A *role* is what a piece of the screen means (a pane border, a data cell,
 * a suspended request...); drawing code asks for a role, never a colour.
 * A *theme* gives each role a *style* for colour terminals (foreground,
 * background, attributes) and attributes for monochrome terminals.  Roles a
 * theme file leaves out keep the built-in default theme's style, so a theme
 * can be a few lines.
 *
 * Resolution fits a theme to a terminal: 256, 16 or 8 colours, or none
 * (fewer than 8 colours, or NO_COLOR set), giving per role a colour pair
 * and attributes; theme_curses.h turns that into curses attributes.  Only
 * that last step touches curses, so everything here tests without a
 * terminal.
 *
 * File format (also described at the top of every theme file):
 *
 *     # comment
 *     [colour]                     roles for colour terminals
 *     ROLE = FG BG [ATTR...]
 *     [mono]                       roles for monochrome terminals
 *     ROLE = ATTR...
 *
 * FG/BG: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-black (grey) ... bright-white, or a number 0-255.  ATTR: normal,
 * bold, dim, underline, reverse, blink, italic in [colour]; normal, bold,
 * reverse in [mono].  Lines before any section belong to [colour].
 */
#ifndef BLKMON_TUI_THEME_H
#define BLKMON_TUI_THEME_H

#include <stdbool.h>
#include <stdint.h>

enum tui_role {
    TUI_R_DEFAULT,
    TUI_R_DIM,
    TUI_R_VALUE,
    TUI_R_BORDER,
    TUI_R_BORDER_FOCUS,
    TUI_R_TITLE,
    TUI_R_TITLE_FOCUS,
    TUI_R_SELECTION,
    TUI_R_SCROLL,
    TUI_R_CELL_DATA,
    TUI_R_CELL_HOLE,
    TUI_R_CELL_MIXED,
    TUI_R_CELL_NONE,
    TUI_R_RECENT_WRITE,
    TUI_R_RECENT_WRITE_FADING,
    TUI_R_RECENT_READ,
    TUI_R_RECENT_READ_FADING,
    TUI_R_MARK_OUTSTANDING,
    TUI_R_MARK_SUSPENDED,
    TUI_R_MARK_INJECT,
    TUI_R_REQ_QUEUED,
    TUI_R_REQ_INFLIGHT,
    TUI_R_REQ_SUSPENDED,
    TUI_R_REQ_DONE,
    TUI_R_REQ_ERROR,
    TUI_R_BREAKPOINT,
    TUI_R_GRAPH_READ,
    TUI_R_GRAPH_WRITE,
    TUI_R_GRAPH_AXIS,
    TUI_R_OUTPUT,
    TUI_R_OUTPUT_COMMAND,
    TUI_R_ERROR,
    TUI_R_WARNING,
    TUI_R_STATUS,
    TUI_R_STATUS_KEY,
    TUI_R_PROMPT,
    TUI_R_INPUT,
    TUI_R_HELP,
    TUI_R_HELP_KEY,
    TUI_R__MAX
};

/* Attribute bits, ours (curses' A_* are mapped in theme_curses.c). */
enum {
    TUI_A_BOLD      = 1 << 0,
    TUI_A_DIM       = 1 << 1,
    TUI_A_UNDERLINE = 1 << 2,
    TUI_A_REVERSE   = 1 << 3,
    TUI_A_BLINK     = 1 << 4,
    TUI_A_ITALIC    = 1 << 5,
};
/* What a monochrome terminal shows for sure (a vt100 underlines too):
 * enough to tell written (bold) from read (underlined) cells apart. */
#define TUI_A_MONO_MASK (TUI_A_BOLD | TUI_A_REVERSE | TUI_A_UNDERLINE)

/* Colour numbers: -1 the terminal's default, 0-7 ANSI, 8-15 bright, 16-255 xterm. */
#define TUI_COLOR_DEFAULT (-1)

struct tui_style {
    int16_t fg, bg;
    uint16_t attrs;
};

struct tui_theme {
    struct tui_style colour[TUI_R__MAX];
    uint16_t mono[TUI_R__MAX];
};

/* The file name of a role ("border.focus"); NULL out of range. */
const char *tui_role_name(enum tui_role role);
/* -1 when unknown. */
int tui_role_from_name(const char *name);

/* The compiled-in default theme (themes/default.theme says the same). */
void tui_theme_builtin(struct tui_theme *t);

/*
 * Apply theme text over *t (start from tui_theme_builtin).  filename only
 * labels errors: "FILE:LINE: what was wrong".  Returns 0, or -EINVAL with
 * the message in *cause; *t is then partly changed.
 */
int tui_theme_parse(struct tui_theme *t, const char *text,
                    const char *filename, char **cause);
/* Read and parse a file over the built-in theme. */
int tui_theme_load(struct tui_theme *t, const char *path, char **cause);

/*
 * Where theme NAME lives: NAME itself when it holds a '/', else the first
 * DIR/NAME.theme that exists among dirs (NULL-terminated; NULL: the
 * default list: $XDG_CONFIG_HOME or ~/.config /blkmon/themes, the install
 * directory, then themes/ beside the executable).  Returns an allocated
 * path, or NULL with *cause listing where it looked.
 */
char *tui_theme_find(const char *name, const char *const *dirs, char **cause);
/*
 * --theme NAME: find and load; NULL or "default" with no file found gives
 * the built-in theme without error.
 */
int tui_theme_load_named(struct tui_theme *t, const char *name,
                         const char *const *dirs, char **cause);

/* ---- Resolution to a terminal ---------------------------------------- */

struct tui_term_caps {
    int colors;            /* curses COLORS (0 when !has_colors()) */
    int pairs;             /* curses COLOR_PAIRS */
    bool default_colors;   /* use_default_colors() succeeded */
    bool no_color;         /* NO_COLOR is set and not empty */
};

enum tui_color_mode {
    TUI_MODE_MONO, TUI_MODE_8, TUI_MODE_16, TUI_MODE_256,
};

#define TUI_THEME_MAX_PAIRS TUI_R__MAX

struct tui_resolved {
    enum tui_color_mode mode;
    struct {
        short pair;        /* 0: terminal default colours */
        uint16_t attrs;
    } role[TUI_R__MAX];
    int npairs;            /* pairs 1..npairs are in use */
    struct { int16_t fg, bg; } pair[TUI_THEME_MAX_PAIRS + 1];
};

/* True when the NO_COLOR convention (no-color.org) asks for no colour. */
bool tui_theme_no_color_env(void);
/* Which colour mode caps allow. */
enum tui_color_mode tui_theme_mode(const struct tui_term_caps *caps);
/* Map colour c (-1..255) to what mode can show; *attrs may gain bold
 * (bright colours on 8-colour terminals). */
int tui_theme_degrade(int c, enum tui_color_mode mode, bool fg,
                      uint16_t *attrs);
void tui_theme_resolve(const struct tui_theme *t,
                       const struct tui_term_caps *caps,
                       struct tui_resolved *out);

#endif
