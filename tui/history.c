/*
 * history.c — command history and its file.  See history.h for the model.
 *
 * Browsing state: pos is the entry shown, n meaning the typed line; edit[i]
 * is the user's version of entry i (edit[n] the typed line), NULL while
 * untouched.  The edit array exists only while browsing.
 */
#include "util/strfmt.h"
#include "tui/history.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tui_history {
    char **lines;          /* oldest first */
    size_t n, max;
    size_t pos;            /* entry shown while browsing; n = typed line */
    char **edit;           /* n + 1 slots while browsing, else NULL */
};


struct tui_history *tui_history_new(size_t max)
{
    struct tui_history *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->max = max ? max : TUI_HISTORY_DEFAULT_MAX;
    h->lines = calloc(h->max, sizeof(*h->lines));
    if (!h->lines) {
        free(h);
        return NULL;
    }
    return h;
}

void tui_history_reset(struct tui_history *h)
{
    if (h->edit) {
        for (size_t i = 0; i <= h->n; i++)
            free(h->edit[i]);
        free(h->edit);
        h->edit = NULL;
    }
    h->pos = h->n;
}

void tui_history_free(struct tui_history *h)
{
    if (!h)
        return;
    tui_history_reset(h);
    for (size_t i = 0; i < h->n; i++)
        free(h->lines[i]);
    free(h->lines);
    free(h);
}

size_t tui_history_count(const struct tui_history *h) { return h->n; }

const char *tui_history_get(const struct tui_history *h, size_t i)
{
    return i < h->n ? h->lines[i] : NULL;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

/* Copy line without trailing CR/LF: a file written on another system. */
static char *dup_line(const char *line)
{
    size_t len = strlen(line);

    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    return strndup(line, len);
}

bool tui_history_add(struct tui_history *h, const char *line)
{
    char *copy;

    tui_history_reset(h);
    copy = dup_line(line);
    if (!copy)
        return false;
    if (blank(copy) || strchr(copy, '\n') ||
        (h->n && strcmp(h->lines[h->n - 1], copy) == 0)) {
        free(copy);
        return false;
    }
    if (h->n == h->max) {
        free(h->lines[0]);
        memmove(h->lines, h->lines + 1, (h->n - 1) * sizeof(*h->lines));
        h->n--;
    }
    h->lines[h->n++] = copy;
    h->pos = h->n;
    return true;
}

bool tui_history_browsing(const struct tui_history *h)
{
    return h->pos < h->n;
}

static const char *show(const struct tui_history *h)
{
    if (h->edit[h->pos])
        return h->edit[h->pos];
    return h->pos < h->n ? h->lines[h->pos] : "";
}

/* Remember current as the user's version of the entry being left. */
static bool leave(struct tui_history *h, const char *current)
{
    const char *orig = h->pos < h->n ? h->lines[h->pos] : "";
    char *copy = NULL;

    if (!h->edit) {
        h->edit = calloc(h->n + 1, sizeof(*h->edit));
        if (!h->edit)
            return false;
    }
    if (current && strcmp(current, orig) != 0) {
        copy = strdup(current);
        if (!copy)
            return false;
    }
    free(h->edit[h->pos]);
    h->edit[h->pos] = copy;
    return true;
}

const char *tui_history_prev(struct tui_history *h, const char *current)
{
    if (h->pos == 0 || !leave(h, current))
        return NULL;
    h->pos--;
    return show(h);
}

const char *tui_history_next(struct tui_history *h, const char *current)
{
    if (h->pos >= h->n || !leave(h, current))
        return NULL;
    h->pos++;
    return show(h);
}

int tui_history_load(struct tui_history *h, const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int ret = 0;

    if (!f) {
        if (errno == ENOENT)
            return 0;
        ret = -errno;
        *cause = strfmt("%s: %s", path, strerror(errno));
        return ret;
    }
    while (getline(&line, &cap, f) > 0)
        tui_history_add(h, line);
    if (ferror(f)) {
        ret = -EIO;
        *cause = strfmt("%s: read error", path);
    }
    free(line);
    fclose(f);
    return ret;
}

/* mkdir -p for the directories above path. */
static int make_parents(const char *path, char **cause)
{
    char *dir = strdup(path);
    int ret = 0;

    if (!dir)
        return -ENOMEM;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            ret = -errno;
            *cause = strfmt("%s: %s", dir, strerror(errno));
            break;
        }
        *p = '/';
    }
    free(dir);
    return ret;
}

int tui_history_save(const struct tui_history *h, const char *path,
                     char **cause)
{
    char *tmp;
    FILE *f;
    int ret = make_parents(path, cause);

    if (ret < 0)
        return ret;
    tmp = strfmt("%s.tmp.%ld", path, (long)getpid());
    if (!tmp)
        return -ENOMEM;
    f = fopen(tmp, "w");
    if (!f) {
        ret = -errno;
        *cause = strfmt("%s: %s", tmp, strerror(errno));
        free(tmp);
        return ret;
    }
    for (size_t i = 0; i < h->n; i++)
        fprintf(f, "%s\n", h->lines[i]);
    if (fflush(f) != 0 || ferror(f)) {
        ret = errno ? -errno : -EIO;
        *cause = strfmt("%s: %s", tmp, strerror(-ret));
    }
    if (fclose(f) != 0 && ret == 0) {
        ret = -errno;
        *cause = strfmt("%s: %s", tmp, strerror(errno));
    }
    if (ret == 0 && rename(tmp, path) < 0) {
        ret = -errno;
        *cause = strfmt("%s: %s", path, strerror(errno));
    }
    if (ret < 0)
        unlink(tmp);
    free(tmp);
    return ret;
}

char *tui_history_default_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    /* The XDG spec says relative values are invalid and to be ignored. */
    if (state && state[0] == '/')
        return strfmt("%s/blkmon/history", state);
    if (home && home[0])
        return strfmt("%s/.local/state/blkmon/history", home);
    return NULL;
}
