/*
 * cmdq.c — control/I-O classification and the FIFO of waiting I/O lines.
 * See cmdq.h.
 *
 * The control set is a name list rather than a command-table flag because
 * the distinction only exists in the TUI: headless qemu-io never has two
 * commands in flight.  "rules" and "state" are blkdebug's commands from
 * rules/; listing them before they exist costs nothing.
 */
#include "tui/cmdq.h"

#include <stdlib.h>
#include <string.h>

static const char *const cmdq_control[] = {
    "break", "remove_break", "resume", "help", "quit", "q", "rules",
    "state", NULL,
};

struct tui_cmdq {
    char **line;       /* ring of cap slots, first at head */
    size_t cap, head, n;
};

const char *tui_cmdq_verb(const char *line, char *buf, size_t size)
{
    size_t n = 0;

    while (*line == ' ' || *line == '\t')
        line++;
    while (line[n] != '\0' && line[n] != ' ' && line[n] != '\t')
        n++;
    if (size == 0)
        return buf;
    if (n >= size)
        n = size - 1;
    memcpy(buf, line, n);
    buf[n] = '\0';
    return buf;
}

bool tui_cmdq_is_control(const char *line)
{
    char verb[32];

    tui_cmdq_verb(line, verb, sizeof(verb));
    /* Stopping a background bench must not wait behind other I/O. */
    if (strcmp(verb, "bench") == 0 && strstr(line, " -k") != NULL)
        return true;
    for (size_t i = 0; cmdq_control[i] != NULL; i++)
        if (strcmp(verb, cmdq_control[i]) == 0)
            return true;
    return false;
}

struct tui_cmdq *tui_cmdq_new(void)
{
    return calloc(1, sizeof(struct tui_cmdq));
}

void tui_cmdq_free(struct tui_cmdq *q)
{
    if (q == NULL)
        return;
    tui_cmdq_clear(q);
    free(q->line);
    free(q);
}

void tui_cmdq_push(struct tui_cmdq *q, const char *line)
{
    char *copy = strdup(line);

    if (copy == NULL)
        abort();
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        char **ring = malloc(cap * sizeof(*ring));

        if (ring == NULL)
            abort();
        for (size_t i = 0; i < q->n; i++)
            ring[i] = q->line[(q->head + i) % q->cap];
        free(q->line);
        q->line = ring;
        q->cap = cap;
        q->head = 0;
    }
    q->line[(q->head + q->n) % q->cap] = copy;
    q->n++;
}

char *tui_cmdq_pop(struct tui_cmdq *q)
{
    char *line;

    if (q->n == 0)
        return NULL;
    line = q->line[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    return line;
}

size_t tui_cmdq_count(const struct tui_cmdq *q)
{
    return q->n;
}

const char *tui_cmdq_peek(const struct tui_cmdq *q, size_t i)
{
    return i < q->n ? q->line[(q->head + i) % q->cap] : NULL;
}

size_t tui_cmdq_clear(struct tui_cmdq *q)
{
    size_t n = q->n;
    char *line;

    while ((line = tui_cmdq_pop(q)) != NULL)
        free(line);
    return n;
}
