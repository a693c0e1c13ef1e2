/*
 * units.h — one way to write a duration, for every front end: the TUI's
 * panes and the lines commands print (bench's latency) say "9.37 ms"
 * alike, never "9371.6 us" in one place and "9.37 ms" in another.
 *
 * Three significant digits, the unit that keeps the figure below 1000:
 * "850 ns", "12.5 us", "9.37 ms", "73.2 s"; from 1000 s on, "16m40s",
 * then "27h46m", then "4d04h".  At most 6 columns.
 */
#ifndef BLKMON_UNITS_H
#define BLKMON_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Writes at most size bytes (NUL included) into buf; returns buf. */
const char *units_duration(char *buf, size_t size, int64_t ns);
/* x in [0, 1000) with three significant digits and unit appended
 * (integers without decimals): "4", "3.42 ms", "57.1k". */
int units_sig3(char *buf, size_t size, double x, const char *unit);

#endif
