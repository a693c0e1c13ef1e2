/*
 * outbuf.c — Output scrollback ring.  See outbuf.h for the model.
 *
 * Words: the *ring* holds max line slots; *head* is the slot of the oldest
 * line.  Pending text is per kind because stdout and stderr interleave at
 * line granularity in a terminal too: a half-printed report line must not
 * swallow an error line printed in the middle of it.
 */
#include "tui/outbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBUF_DEFAULT_MAX 5000

struct outbuf_line {
    char *text;
    enum tui_out_kind kind;
};

struct tui_outbuf {
    struct outbuf_line *ring;
    size_t max, head, n;
    uint64_t seq, total;
    char *pending[TUI_OUT__MAX];
    size_t plen[TUI_OUT__MAX];
};

static void outbuf_push(struct tui_outbuf *ob, enum tui_out_kind kind,
                        char *text);
static void outbuf_pend(struct tui_outbuf *ob, enum tui_out_kind kind,
                        const char *text, size_t len);

struct tui_outbuf *tui_outbuf_new(size_t max)
{
    struct tui_outbuf *ob = calloc(1, sizeof(*ob));

    if (ob == NULL)
        return NULL;
    ob->max = max ? max : OUTBUF_DEFAULT_MAX;
    ob->ring = calloc(ob->max, sizeof(*ob->ring));
    if (ob->ring == NULL) {
        free(ob);
        return NULL;
    }
    return ob;
}

void tui_outbuf_free(struct tui_outbuf *ob)
{
    if (ob == NULL)
        return;
    for (size_t i = 0; i < ob->n; i++)
        free(ob->ring[(ob->head + i) % ob->max].text);
    for (int k = 0; k < TUI_OUT__MAX; k++)
        free(ob->pending[k]);
    free(ob->ring);
    free(ob);
}

/* Takes ownership of text. */
static void outbuf_push(struct tui_outbuf *ob, enum tui_out_kind kind,
                        char *text)
{
    size_t slot;

    if (text == NULL)
        abort();   /* out of memory: nothing sensible to show instead */
    if (ob->n == ob->max) {
        free(ob->ring[ob->head].text);
        ob->head = (ob->head + 1) % ob->max;
        ob->n--;
    }
    slot = (ob->head + ob->n) % ob->max;
    ob->ring[slot] = (struct outbuf_line){ text, kind };
    ob->n++;
    ob->total++;
    ob->seq++;
}

static void outbuf_pend(struct tui_outbuf *ob, enum tui_out_kind kind,
                        const char *text, size_t len)
{
    char *p = realloc(ob->pending[kind], ob->plen[kind] + len + 1);

    if (p == NULL)
        abort();
    memcpy(p + ob->plen[kind], text, len);
    ob->plen[kind] += len;
    p[ob->plen[kind]] = '\0';
    ob->pending[kind] = p;
}

void tui_outbuf_add(struct tui_outbuf *ob, enum tui_out_kind kind,
                    const char *text, size_t len)
{
    const char *nl;

    if ((unsigned)kind >= TUI_OUT__MAX)
        kind = TUI_OUT_TEXT;
    while (len > 0 && (nl = memchr(text, '\n', len)) != NULL) {
        size_t part = (size_t)(nl - text);

        outbuf_pend(ob, kind, text, part);
        outbuf_push(ob, kind, ob->pending[kind]);
        ob->pending[kind] = NULL;
        ob->plen[kind] = 0;
        text = nl + 1;
        len -= part + 1;
    }
    if (len > 0) {
        outbuf_pend(ob, kind, text, len);
        ob->seq++;
    }
}

void tui_outbuf_printf(struct tui_outbuf *ob, enum tui_out_kind kind,
                       const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    tui_outbuf_add(ob, kind, text, (size_t)n);
    tui_outbuf_add(ob, kind, "\n", 1);
    free(text);
}

void tui_outbuf_flush(struct tui_outbuf *ob)
{
    for (int k = 0; k < TUI_OUT__MAX; k++)
        if (ob->plen[k] > 0)
            tui_outbuf_add(ob, (enum tui_out_kind)k, "\n", 1);
}

size_t tui_outbuf_count(const struct tui_outbuf *ob)
{
    return ob->n;
}

const char *tui_outbuf_line(const struct tui_outbuf *ob, size_t i,
                            enum tui_out_kind *kind)
{
    const struct outbuf_line *l;

    if (i >= ob->n)
        return NULL;
    l = &ob->ring[(ob->head + i) % ob->max];
    if (kind != NULL)
        *kind = l->kind;
    return l->text;
}

uint64_t tui_outbuf_seq(const struct tui_outbuf *ob)
{
    return ob->seq;
}

uint64_t tui_outbuf_total(const struct tui_outbuf *ob)
{
    return ob->total;
}
