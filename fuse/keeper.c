/*
 * keeper.c — the auto_unmount helper's socket, held until blkmon is gone.
 *
 * fusermount3's helper detaches a mount when the socket it shares with
 * the server reaches its end, but first it opens the file to see whether
 * the server is gone, and only ENOTCONN says so.  When blkmon dies, the
 * kernel releases its files in an order nobody promises: if the socket
 * ends while /dev/fuse is still open, the helper's open waits for the
 * dying server and fails with ECONNABORTED, and the helper leaves the
 * mount behind (SIGKILL, 1 time in 40 here).
 *
 * So a small process keeps a copy of the socket and lets it go only once
 * blkmon has exited, which a pidfd tells (it is readable after the whole
 * process has ended, its files released).  It closes everything else
 * first, /dev/fuse above all, and leaves blkmon's session so that a
 * terminal's Ctrl-C is not for it.  It was forked from a process with
 * threads, so it makes raw system calls only.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuse/keeper.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static void keeper_close_others(int keep_a, int keep_b, long limit)
{
    for (long fd = 0; fd < limit; fd++)
        if (fd != keep_a && fd != keep_b)
            syscall(SYS_close, fd);
}

static _Noreturn void keeper_run(int pidfd, int socket_fd, long limit)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };

    syscall(SYS_setsid);
    keeper_close_others(pidfd, socket_fd, limit);
    while (syscall(SYS_ppoll, &p, 1, NULL, NULL, 0) < 0)
        ;
    syscall(SYS_exit_group, 0);
    for (;;)
        ;
}

pid_t fx_keeper_start(int socket_fd)
{
    struct rlimit rl;
    long limit = 1024;
    int pidfd;
    pid_t pid;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        limit = (long)rl.rlim_cur;
    if (limit > 65536)
        limit = 65536;      /* descriptors past that are not blkmon's */
    pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0)
        return -1;
    pid = fork();
    if (pid == 0)
        keeper_run(pidfd, socket_fd, limit);
    close(pidfd);
    return pid < 0 ? -1 : pid;
}

void fx_keeper_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}
