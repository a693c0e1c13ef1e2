/*
 * complete.c — Tab completion: find the word, pick its candidate set, match
 * by prefix.  See complete.h for the model.
 *
 * Matching is exact-case prefix matching: qemu-io looks commands up by
 * exact name, so offering "Read" for "r" would only produce errors.
 */
#include "tui/complete.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum cmd_word tui_complete_qemu_io_arg_kind(const char *command, int argi,
                                            void *arg)
{
    const struct cmd_entry *e = cmd_find(NULL, command);

    (void)arg;
    if (e == NULL || argi < 0 || argi >= CMD_WORDS)
        return CMD_WORD_NONE;
    return e->words[argi];
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Decide the kind of the word starting at start. */
static enum cmd_word word_kind(const char *line, size_t start,
                                const struct tui_complete_sources *src)
{
    size_t i = 0, cmd_start, cmd_len;
    int words = 0;
    char *cmd;
    enum cmd_word kind;

    while (i < start && is_blank(line[i]))
        i++;
    if (i == start)
        return CMD_WORD_COMMAND;
    cmd_start = i;
    while (i < start && !is_blank(line[i]))
        i++;
    cmd_len = i - cmd_start;
    for (;;) {
        while (i < start && is_blank(line[i]))
            i++;
        if (i == start)
            break;
        words++;
        while (i < start && !is_blank(line[i]))
            i++;
    }
    if (line[start] == '-')
        return CMD_WORD_NONE;             /* an option */
    cmd = strndup(line + cmd_start, cmd_len);
    if (!cmd)
        return CMD_WORD_NONE;
    kind = src->arg_kind ? src->arg_kind(cmd, words, src->arg)
                         : tui_complete_qemu_io_arg_kind(cmd, words, NULL);
    free(cmd);
    return kind;
}

int tui_complete(const char *line, size_t cursor,
                 const struct tui_complete_sources *src,
                 struct tui_completion *out)
{
    const char *const *set;
    size_t len = strlen(line), plen, common, count = 0;

    *out = (struct tui_completion){ 0 };
    if (cursor > len)
        cursor = len;
    out->end = cursor;
    out->start = cursor;
    while (out->start > 0 && !is_blank(line[out->start - 1]))
        out->start--;
    plen = cursor - out->start;

    out->kind = word_kind(line, out->start, src);
    set = out->kind == CMD_WORD_COMMAND ? src->commands
        : out->kind == CMD_WORD_EVENT ? src->events
        : out->kind == CMD_WORD_TAG ? src->tags : NULL;
    if (!set)
        return 0;

    for (size_t i = 0; set[i]; i++)
        count++;
    out->matches = malloc((count ? count : 1) * sizeof(*out->matches));
    if (!out->matches)
        return -ENOMEM;
    for (size_t i = 0; set[i]; i++)
        if (strncmp(set[i], line + out->start, plen) == 0)
            out->matches[out->n++] = set[i];
    if (out->n == 0)
        return 0;

    qsort(out->matches, out->n, sizeof(*out->matches), cmp_str);
    count = 1;                           /* drop duplicates (name sets may
                                            overlap, e.g. tags) */
    for (size_t i = 1; i < out->n; i++)
        if (strcmp(out->matches[i], out->matches[count - 1]) != 0)
            out->matches[count++] = out->matches[i];
    out->n = count;

    common = strlen(out->matches[0]);
    for (size_t i = 1; i < out->n; i++) {
        size_t k = 0;
        while (k < common && out->matches[i][k] == out->matches[0][k])
            k++;
        common = k;
    }
    if (out->n == 1 && !is_blank(line[cursor])) {
        out->insert = malloc(common + 2);
        if (out->insert) {
            memcpy(out->insert, out->matches[0], common);
            strcpy(out->insert + common, " ");
        }
    } else {
        out->insert = strndup(out->matches[0], common);
    }
    return out->insert ? (int)out->n : -ENOMEM;
}

void tui_completion_fini(struct tui_completion *c)
{
    free(c->matches);
    free(c->insert);
    *c = (struct tui_completion){ 0 };
}
