/*
 * keeper.h — a process that holds the auto_unmount helper's socket until
 * blkmon has wholly exited (keeper.c says why).
 */
#ifndef BLKMON_FUSE_KEEPER_H
#define BLKMON_FUSE_KEEPER_H

#include <sys/types.h>

/* Start a keeper holding a copy of socket_fd: its pid, or -1 when the
 * system cannot (no pidfd_open, no fork), which leaves the helper as it
 * was. */
pid_t fx_keeper_start(int socket_fd);

/* End the keeper and reap it: its copy of the socket closes with it. */
void fx_keeper_stop(pid_t pid);

#endif
