/*
 * fmt.h — numbers as the panes print them: sizes in binary units, rates in
 * MiB/s, counts with k/M suffixes and durations from nanoseconds up to
 * hours.  Every function writes at most size bytes (NUL included) into buf
 * and returns buf, so calls nest inside printf arguments.
 *
 * Widths are bounded so columns line up: a size is at most 9 columns
 * ("1023.9 KiB" never happens: 1000 and up moves to the next unit), a
 * duration at most 6 ("59m59s"), a count at most 6.
 */
#ifndef BLKMON_TUI_FMT_H
#define BLKMON_TUI_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

/* "0 B", "512 B", "4 KiB", "1.5 MiB", "117 GiB", "1 TiB". */
const char *tui_fmt_size(char *buf, size_t size, int64_t bytes);
/* MiB/s with three significant digits: "0.00", "3.42", "57.1", "1234". */
const char *tui_fmt_mibps(char *buf, size_t size, double bytes_per_s);
/* "0", "999", "12.3k", "4.56M". */
const char *tui_fmt_count(char *buf, size_t size, double n);
/* "0 ns", "850 ns", "12 us", "3.40 ms", "1.25 s", "125 s", "1h02m"
 * (util/units.h: what commands print too). */
const char *tui_fmt_duration(char *buf, size_t size, int64_t ns);
/* A latency figure: a duration, or "-" when no request was measured
 * (count 0), never a "0 ns" that looks like a measurement. */
const char *tui_fmt_latency(char *buf, size_t size, int64_t ns,
                            uint64_t count);
/* An offset: in units as a size is ("200 GiB"), or exact, in bytes, when
 * the user asked for exact offsets (the X key): one choice for every
 * pane, never one that changes with the width. */
const char *tui_fmt_offset(char *buf, size_t size, int64_t offset,
                           bool exact);
/* An operation in at most 5 columns: "read", "wzero", "disc". */
const char *tui_fmt_op(enum bk_op op);
/* Who issued a request, in a word: "cmd", "nbd3", "fuse7" (clients of one
 * kind told apart by id, as the Clients pane lists them), "-" for the
 * backend's own.  At most 10 columns. */
struct bk_source;
const char *tui_fmt_source(char *buf, size_t size,
                           const struct bk_source *src);

#endif
