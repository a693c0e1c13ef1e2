/*
 * cmdq.c — the FIFO of lines waiting their turn (see cmdq.h): a ring that
 * doubles when full.
 */
#include "tui/cmdq.h"

#include <stdlib.h>
#include <string.h>

struct tui_cmdq {
    char **line;       /* ring of cap slots, first at head */
    size_t cap, head, n;
};

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
