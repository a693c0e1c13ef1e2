/*
 * outbuf.h — the Output pane's scrollback: what commands print, as lines.
 *
 * Text arrives in pieces (out.h's sink gets whatever one printf made) on
 * two streams; a piece without a newline stays *pending* on its stream
 * until the rest of the line comes, so "wrote " + "4096/4096 bytes\n"
 * becomes one line however it was cut.  Each line keeps a *kind*, which the
 * pane turns into a colour role.  At most max lines are kept: adding past
 * that forgets the oldest (a ring, so a flood of output costs O(1) a line).
 *
 * seq counts every change, so a pane can tell "new text since I drew" and
 * scroll position can stay put while the user reads old output.
 */
#ifndef BLKMON_TUI_OUTBUF_H
#define BLKMON_TUI_OUTBUF_H

#include <stddef.h>
#include <stdint.h>

enum tui_out_kind {
    TUI_OUT_TEXT,       /* stdout of a command */
    TUI_OUT_ERROR,      /* stderr of a command */
    TUI_OUT_COMMAND,    /* the echoed command line */
    TUI_OUT_NOTE,       /* the TUI's own messages (blkdebug notices...) */
    TUI_OUT__MAX
};

struct tui_outbuf;

/* max 0: 5000 lines. */
struct tui_outbuf *tui_outbuf_new(size_t max);
void tui_outbuf_free(struct tui_outbuf *ob);

/* Append text (any length, any cut); each '\n' ends a line. */
void tui_outbuf_add(struct tui_outbuf *ob, enum tui_out_kind kind,
                    const char *text, size_t len);
/* A whole line (no newline needed), formatted. */
void tui_outbuf_printf(struct tui_outbuf *ob, enum tui_out_kind kind,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Turn pending text into lines (a command ended without a newline). */
void tui_outbuf_flush(struct tui_outbuf *ob);

size_t tui_outbuf_count(const struct tui_outbuf *ob);
/* Line i, 0 the oldest kept; NULL past the end. */
const char *tui_outbuf_line(const struct tui_outbuf *ob, size_t i,
                            enum tui_out_kind *kind);
uint64_t tui_outbuf_seq(const struct tui_outbuf *ob);
/* Lines ever added (dropped ones included). */
uint64_t tui_outbuf_total(const struct tui_outbuf *ob);

#endif
