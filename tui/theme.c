/*
 * theme.c — roles, the built-in theme, the theme file parser and the
 * search for theme files.  See theme.h for the model and the file format.
 *
 * The built-in theme is a table, not a file, so blkmon draws sensibly even
 * when no theme file is installed; themes/default.theme mirrors it (a unit
 * test holds the two together).
 */
#include "util/strfmt.h"
#include "tui/theme.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef BLKMON_DATADIR
#define BLKMON_DATADIR "/usr/local/share/blkmon"
#endif

enum { D = TUI_COLOR_DEFAULT, BLACK = 0, RED, GREEN, YELLOW, BLUE, MAGENTA,
       CYAN, WHITE, B_BLACK, B_RED, B_GREEN, B_YELLOW, B_BLUE, B_MAGENTA,
       B_CYAN, B_WHITE };
enum { BO = TUI_A_BOLD, RV = TUI_A_REVERSE, UL = TUI_A_UNDERLINE };

static const struct {
    const char *name;
    struct tui_style colour;
    uint16_t mono;
} roles[TUI_R__MAX] = {
    [TUI_R_DEFAULT]             = { "default",          { D, D, 0 }, 0 },
    [TUI_R_DIM]                 = { "dim",              { B_BLACK, D, 0 }, 0 },
    [TUI_R_VALUE]               = { "value",            { B_WHITE, D, BO }, BO },
    [TUI_R_BORDER]              = { "border",           { BLUE, D, 0 }, 0 },
    [TUI_R_BORDER_FOCUS]        = { "border.focus",     { B_CYAN, D, BO }, BO },
    [TUI_R_TITLE]               = { "title",            { WHITE, D, BO }, BO },
    [TUI_R_TITLE_FOCUS]         = { "title.focus",      { BLACK, CYAN, BO }, RV },
    [TUI_R_SELECTION]           = { "selection",        { BLACK, WHITE, 0 }, RV },
    [TUI_R_SCROLL]              = { "scroll",           { YELLOW, D, 0 }, BO },
    [TUI_R_CELL_DATA]           = { "cell.data",        { GREEN, D, 0 }, 0 },
    [TUI_R_CELL_HOLE]           = { "cell.hole",        { B_BLACK, D, 0 }, 0 },
    [TUI_R_CELL_MIXED]          = { "cell.mixed",       { CYAN, D, 0 }, 0 },
    [TUI_R_CELL_NONE]           = { "cell.none",        { D, D, 0 }, 0 },
    [TUI_R_RECENT_WRITE]        = { "recent.write",     { B_RED, D, BO }, BO },
    [TUI_R_RECENT_WRITE_FADING] = { "recent.write.fading", { RED, D, 0 }, BO },
    /* Monochrome: written bold, read underlined, never both bold. */
    [TUI_R_RECENT_READ]         = { "recent.read",      { B_BLUE, D, BO }, UL },
    [TUI_R_RECENT_READ_FADING]  = { "recent.read.fading", { BLUE, D, 0 }, UL },
    [TUI_R_MARK_OUTSTANDING]    = { "marker.outstanding", { BLACK, YELLOW, 0 }, RV },
    [TUI_R_MARK_SUSPENDED]      = { "marker.suspended", { B_WHITE, MAGENTA, BO }, BO | RV },
    [TUI_R_MARK_INJECT]         = { "marker.inject",    { B_WHITE, RED, BO }, RV },
    [TUI_R_REQ_QUEUED]          = { "req.queued",       { B_BLACK, D, 0 }, 0 },
    [TUI_R_REQ_INFLIGHT]        = { "req.inflight",     { D, D, 0 }, BO },
    [TUI_R_REQ_SUSPENDED]       = { "req.suspended",    { B_MAGENTA, D, BO }, RV },
    [TUI_R_REQ_DONE]            = { "req.done",         { GREEN, D, 0 }, 0 },
    [TUI_R_REQ_ERROR]           = { "req.error",        { B_RED, D, BO }, BO },
    [TUI_R_BREAKPOINT]          = { "breakpoint",       { YELLOW, D, 0 }, BO },
    [TUI_R_GRAPH_READ]          = { "graph.read",       { B_BLUE, D, 0 }, 0 },
    [TUI_R_GRAPH_WRITE]         = { "graph.write",      { B_RED, D, 0 }, BO },
    [TUI_R_GRAPH_AXIS]          = { "graph.axis",       { B_BLACK, D, 0 }, 0 },
    [TUI_R_OUTPUT]              = { "output",           { D, D, 0 }, 0 },
    [TUI_R_OUTPUT_COMMAND]      = { "output.command",   { B_WHITE, D, BO }, BO },
    [TUI_R_ERROR]               = { "error",            { B_RED, D, BO }, BO },
    [TUI_R_WARNING]             = { "warning",          { YELLOW, D, BO }, BO },
    [TUI_R_STATUS]              = { "status",           { BLACK, CYAN, 0 }, RV },
    [TUI_R_STATUS_KEY]          = { "status.key",       { B_WHITE, BLUE, BO }, BO },
    [TUI_R_PROMPT]              = { "prompt",           { B_GREEN, D, BO }, BO },
    [TUI_R_INPUT]               = { "input",            { D, D, 0 }, 0 },
    [TUI_R_HELP]                = { "help",             { D, D, 0 }, 0 },
    [TUI_R_HELP_KEY]            = { "help.key",         { B_YELLOW, D, BO }, BO },
};

static const struct {
    const char *name;
    int color;
} color_names[] = {
    { "default", D }, { "black", BLACK }, { "red", RED }, { "green", GREEN },
    { "yellow", YELLOW }, { "blue", BLUE }, { "magenta", MAGENTA },
    { "cyan", CYAN }, { "white", WHITE }, { "bright-black", B_BLACK },
    { "grey", B_BLACK }, { "gray", B_BLACK }, { "bright-red", B_RED },
    { "bright-green", B_GREEN }, { "bright-yellow", B_YELLOW },
    { "bright-blue", B_BLUE }, { "bright-magenta", B_MAGENTA },
    { "bright-cyan", B_CYAN }, { "bright-white", B_WHITE },
};

static const struct {
    const char *name;
    uint16_t attr;
} attr_names[] = {
    { "normal", 0 }, { "bold", TUI_A_BOLD }, { "dim", TUI_A_DIM },
    { "underline", TUI_A_UNDERLINE }, { "reverse", TUI_A_REVERSE },
    { "blink", TUI_A_BLINK }, { "italic", TUI_A_ITALIC },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))


const char *tui_role_name(enum tui_role role)
{
    return (unsigned)role < TUI_R__MAX ? roles[role].name : NULL;
}

int tui_role_from_name(const char *name)
{
    for (int i = 0; i < TUI_R__MAX; i++)
        if (strcmp(roles[i].name, name) == 0)
            return i;
    return -1;
}

void tui_theme_builtin(struct tui_theme *t)
{
    for (int i = 0; i < TUI_R__MAX; i++) {
        t->colour[i] = roles[i].colour;
        t->mono[i] = roles[i].mono;
    }
}

/* ---- Parser ---------------------------------------------------------- */

struct parse {
    const char *file;
    int line;
    char **cause;
};

static int parse_fail(struct parse *p, const char *f, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, f);
    if (vasprintf(&msg, f, ap) < 0)
        msg = NULL;
    va_end(ap);
    *p->cause = strfmt("%s:%d: %s", p->file, p->line, msg ? msg : "error");
    free(msg);
    return -EINVAL;
}

static int parse_color(struct parse *p, const char *word, int16_t *out)
{
    char *end;
    long n;

    for (size_t i = 0; i < COUNT(color_names); i++)
        if (strcasecmp(color_names[i].name, word) == 0) {
            *out = (int16_t)color_names[i].color;
            return 0;
        }
    n = strtol(word, &end, 10);
    if (end != word && *end == '\0') {
        if (n < 0 || n > 255)
            return parse_fail(p, "colour %ld out of range 0-255", n);
        *out = (int16_t)n;
        return 0;
    }
    return parse_fail(p, "unknown colour '%s' (a name like red or bright-blue, "
                   "default, or 0-255)", word);
}

static int parse_attr(struct parse *p, const char *word, bool mono,
                      uint16_t *attrs)
{
    for (size_t i = 0; i < COUNT(attr_names); i++) {
        if (strcasecmp(attr_names[i].name, word) != 0)
            continue;
        if (mono && (attr_names[i].attr & ~TUI_A_MONO_MASK))
            return parse_fail(p, "attribute '%s' is not for [mono] "
                           "(use bold, underline, reverse or normal)", word);
        *attrs |= attr_names[i].attr;
        return 0;
    }
    return parse_fail(p, "unknown attribute '%s' (normal, bold, dim, underline, "
                   "reverse, blink, italic)", word);
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int parse_line(struct parse *p, struct tui_theme *t, char *line,
                      bool *mono)
{
    char *hash = strchr(line, '#'), *eq, *key, *word, *save = NULL;
    struct tui_style st = { D, D, 0 };
    uint16_t attrs = 0;
    int role, words = 0, ret;

    if (hash)
        *hash = '\0';
    line = trim(line);
    if (!*line)
        return 0;
    if (*line == '[') {
        if (!strcmp(line, "[colour]") || !strcmp(line, "[color]"))
            *mono = false;
        else if (!strcmp(line, "[mono]"))
            *mono = true;
        else
            return parse_fail(p, "unknown section '%s' (expected [colour] or "
                           "[mono])", line);
        return 0;
    }
    eq = strchr(line, '=');
    if (!eq)
        return parse_fail(p, "expected 'role = ...', got '%s'", line);
    *eq = '\0';
    key = trim(line);
    role = tui_role_from_name(key);
    if (role < 0)
        return parse_fail(p, "unknown role '%s' (roles are listed at the top of "
                       "default.theme)", key);

    for (word = strtok_r(eq + 1, " \t,", &save); word;
         word = strtok_r(NULL, " \t,", &save), words++) {
        if (!*mono && words == 0)
            ret = parse_color(p, word, &st.fg);
        else if (!*mono && words == 1)
            ret = parse_color(p, word, &st.bg);
        else
            ret = parse_attr(p, word, *mono, &attrs);
        if (ret < 0)
            return ret;
    }
    if (*mono) {
        if (words == 0)
            return parse_fail(p, "'%s' needs attributes (normal, bold, reverse)",
                        key);
        t->mono[role] = attrs;
    } else {
        if (words < 2)
            return parse_fail(p, "'%s' needs a foreground and a background colour",
                        key);
        st.attrs = attrs;
        t->colour[role] = st;
    }
    return 0;
}

int tui_theme_parse(struct tui_theme *t, const char *text,
                    const char *filename, char **cause)
{
    struct parse p = { filename ? filename : "<theme>", 0, cause };
    char *copy = strdup(text), *line, *next;
    bool mono = false;
    int ret = 0;

    if (!copy)
        return -ENOMEM;
    for (line = copy; line && ret == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        p.line++;
        ret = parse_line(&p, t, line, &mono);
    }
    free(copy);
    return ret;
}

int tui_theme_load(struct tui_theme *t, const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    int ret;

    if (!f) {
        ret = -errno;
        *cause = strfmt("%s: %s", path, strerror(errno));
        return ret;
    }
    do {
        if (len + 4096 + 1 > cap) {
            char *p = realloc(text, cap = cap ? cap * 2 : 8192);
            if (!p) {
                free(text);
                fclose(f);
                return -ENOMEM;
            }
            text = p;
        }
        n = fread(text + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0 && len < 1 << 20);
    fclose(f);
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        *cause = strfmt("%s: not a text file", path);
        return -EINVAL;
    }
    tui_theme_builtin(t);
    ret = tui_theme_parse(t, text, path, cause);
    free(text);
    return ret;
}

/* ---- Finding theme files --------------------------------------------- */

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    char *slash;

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return strdup(buf);
}

/* The default search list, allocated, NULL-terminated. */
static char **default_dirs(void)
{
    const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char **dirs = calloc(5, sizeof(*dirs)), *exe = exe_dir();
    int n = 0;

    if (!dirs) {
        free(exe);
        return NULL;
    }
    if (cfg && cfg[0] == '/')
        dirs[n++] = strfmt("%s/blkmon/themes", cfg);
    else if (home && home[0])
        dirs[n++] = strfmt("%s/.config/blkmon/themes", home);
    dirs[n++] = strdup(BLKMON_DATADIR "/themes");
    if (exe) {
        /* ./blkmon in a checkout, or build-asan/blkmon one level down. */
        dirs[n++] = strfmt("%s/themes", exe);
        dirs[n++] = strfmt("%s/../themes", exe);
        free(exe);
    }
    return dirs;
}

static bool valid_name(const char *name)
{
    if (!*name || name[0] == '.')
        return false;
    for (const char *s = name; *s; s++)
        if (!(*s == '-' || *s == '_' || *s == '.' ||
              (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
              (*s >= 'A' && *s <= 'Z')))
            return false;
    return true;
}

char *tui_theme_find(const char *name, const char *const *dirs, char **cause)
{
    char **own = NULL, *path = NULL, *looked = NULL;
    size_t looked_len = 0;
    FILE *mem;

    if (strchr(name, '/')) {
        if (access(name, R_OK) == 0)
            return strdup(name);
        *cause = strfmt("theme file %s: %s", name, strerror(errno));
        return NULL;
    }
    if (!valid_name(name)) {
        *cause = strfmt("bad theme name '%s' (letters, digits, '-', '_', '.')",
                     name);
        return NULL;
    }
    if (!dirs) {
        own = default_dirs();
        if (!own)
            return NULL;
        dirs = (const char *const *)own;
    }
    mem = open_memstream(&looked, &looked_len);
    for (size_t i = 0; dirs[i] && !path; i++) {
        char *p = strfmt("%s/%s.theme", dirs[i], name);
        if (p && access(p, R_OK) == 0) {
            path = p;
        } else {
            if (mem)
                fprintf(mem, "%s%s", i ? ", " : "", dirs[i]);
            free(p);
        }
    }
    if (mem)
        fclose(mem);
    if (!path)
        *cause = strfmt("theme '%s' not found (looked in: %s)", name,
                     looked ? looked : "?");
    free(looked);
    if (own) {
        for (size_t i = 0; own[i]; i++)
            free(own[i]);
        free(own);
    }
    return path;
}

int tui_theme_load_named(struct tui_theme *t, const char *name,
                         const char *const *dirs, char **cause)
{
    char *path, *why = NULL;
    int ret;

    if (!name)
        name = "default";
    path = tui_theme_find(name, dirs, &why);
    if (!path) {
        if (strcmp(name, "default") == 0) {
            free(why);
            tui_theme_builtin(t);
            return 0;
        }
        *cause = why;
        return -ENOENT;
    }
    ret = tui_theme_load(t, path, cause);
    free(path);
    return ret;
}
