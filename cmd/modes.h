/*
 * modes.h — the mode names of -t/--cache, -d/--discard and -i/--aio, as
 * qemu spells them, mapped onto the backend's open flags.
 *
 * Cache modes decide three things: O_DIRECT (BK_O_NOCACHE), whether
 * flushes reach the disk (BK_O_NO_FLUSH), and whether every write is
 * followed by a flush (BK_O_WRITETHROUGH, qemu's default):
 *   writethrough  -              -         writethrough
 *   writeback     -              -         -
 *   none, off     O_DIRECT       -         -
 *   directsync    O_DIRECT       -         writethrough
 *   unsafe        -              no flush  -
 */
#ifndef BLKMON_CMD_MODES_H
#define BLKMON_CMD_MODES_H

/* Each returns 0, or -1 for an unknown name (flags then unchanged). */
int modes_cache(const char *mode, unsigned *flags);
int modes_discard(const char *mode, unsigned *flags);
int modes_aio(const char *mode, unsigned *flags);

#endif
