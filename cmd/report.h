/*
 * report.h — how qemu-io shows sizes, times, I/O results and buffers.
 *
 * cvtstr: a byte count in binary units with three decimals, trimmed when
 * they are zero ("4 KiB", "3.500 KiB", "512 bytes").  The I/O report is two
 * lines ("read 4096/4096 bytes at offset 0" then "4 KiB, 1 ops; 00.00 sec
 * (...)"), or with -C one machine line "bytes,ops,time,bytes/s,ops/s".
 */
#ifndef BLKMON_CMD_REPORT_H
#define BLKMON_CMD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct out;

void report_cvtstr(double value, char *buf, size_t size);
/* An elapsed time as qemu-io prints it; machine selects the -C form. */
void report_timestr(int64_t elapsed_ns, bool machine, char *buf, size_t size);
/* The result of count bytes at offset of which total were done, in cnt ops. */
void report_io(struct out *o, const char *op, int64_t elapsed_ns,
               int64_t offset, int64_t count, int64_t total, int cnt,
               bool machine);
/* read -v: sixteen bytes a line, hex then printable characters. */
void report_dump(struct out *o, const void *buf, int64_t offset, int64_t len);

#endif
