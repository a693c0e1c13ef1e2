/*
 * lock.c — image locking as QEMU does it: open file description (OFD)
 * locks on single bytes of the image file, one byte per permission.
 *
 * A *permission* is what a user of a node does with it (perm.c): read it
 * consistently, write it, write it unchanged, resize it; a user also says
 * which of these it lets others have (*shared*).  The byte 100 + i is
 * locked (shared lock) while this process holds permission i; the byte
 * 200 + i while it does not let others have permission i.  A process that
 * wants permission i checks that nobody holds byte 200 + i, and one that
 * shares no permission i checks that nobody holds 100 + i.  Only lock
 * bytes are tested with a write lock, never taken with one, so any number
 * of processes may hold the same bytes.  Byte 0 is libvirt's.
 *
 * OFD locks belong to the open file, not to the process: another open of
 * the same image in this process conflicts too, as in qemu, and they go
 * with the descriptor when it is closed.
 *
 * Changing permissions goes in two steps, as qemu's raw_handle_perm_lock:
 * prepare takes the union of old and new bytes and checks the others'
 * (failing: back to the old bytes), then commit drops what the new
 * permissions no longer need, or abort goes back to the old ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/file.h"
#include "util/strfmt.h"

enum { LOCK_PERM_BASE = 100, LOCK_SHARED_BASE = 200 };

static int lock_byte(int fd, int off, short type)
{
    struct flock fl = { .l_whence = SEEK_SET, .l_start = off, .l_len = 1,
                        .l_type = type };

    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* Does another open file hold byte off?  0 if not, -EAGAIN if so. */
static int lock_test(int fd, int off)
{
    struct flock fl = { .l_whence = SEEK_SET, .l_start = off, .l_len = 1,
                        .l_type = F_WRLCK };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
        return -errno;
    return fl.l_type == F_UNLCK ? 0 : -EAGAIN;
}

/* qemu leaves out the error text when the byte is someone else's. */
static char *lock_words(int err, const char *what)
{
    if (err == -EAGAIN || err == -EACCES)
        return strfmt("%s", what);
    return strfmt("%s: %s", what, strerror(-err));
}

/*
 * Hold exactly the bytes of perm (base 100) and of unshared (base 200)
 * on fd, given what it holds (*held, *held_unshared; updated as bytes
 * change).  unlock: also drop the bytes not asked for.
 */
static int lock_apply(int fd, uint64_t perm, uint64_t unshared, bool unlock,
                      uint64_t *held, uint64_t *held_unshared, char **cause)
{
    for (int pass = 0; pass < 2; pass++) {
        int base = pass ? LOCK_SHARED_BASE : LOCK_PERM_BASE;
        uint64_t want = pass ? unshared : perm;
        uint64_t *have = pass ? held_unshared : held;

        for (int i = 0; i < BK_PERM_COUNT; i++) {
            uint64_t bit = 1ull << i;
            int ret = 0;

            if ((want & bit) && !(*have & bit)) {
                ret = lock_byte(fd, base + i, F_RDLCK);
                if (ret == 0)
                    *have |= bit;
                else if (cause != NULL) {
                    char *w = strfmt("Failed to lock byte %d", base + i);

                    *cause = lock_words(ret, w);
                    free(w);
                }
            } else if (unlock && (*have & bit) && !(want & bit)) {
                ret = lock_byte(fd, base + i, F_UNLCK);
                if (ret == 0)
                    *have &= ~bit;
                else if (cause != NULL)
                    *cause = strfmt("Failed to unlock byte %d: %s", base + i,
                                    strerror(-ret));
            }
            if (ret < 0)
                return ret;
        }
    }
    return 0;
}

/* Does anyone else keep us from perm, or hold what we do not share? */
static int lock_check(int fd, uint64_t perm, uint64_t shared, char **cause)
{
    for (int i = 0; i < BK_PERM_COUNT; i++) {
        int ret;

        if (!(perm & (1ull << i)))
            continue;
        ret = lock_test(fd, LOCK_SHARED_BASE + i);
        if (ret < 0) {
            char *w = strfmt("Failed to get \"%s\" lock", bk_perm_names[i]);

            *cause = lock_words(ret, w);
            free(w);
            return ret;
        }
    }
    for (int i = 0; i < BK_PERM_COUNT; i++) {
        int ret;

        if (shared & (1ull << i))
            continue;
        ret = lock_test(fd, LOCK_PERM_BASE + i);
        if (ret < 0) {
            char *w = strfmt("Failed to get shared \"%s\" lock",
                             bk_perm_names[i]);

            *cause = lock_words(ret, w);
            free(w);
            return ret;
        }
    }
    return 0;
}

void file_lock_init(struct file_lock *lk, int mode)
{
    /* OFD locks are there on Linux: auto means on. */
    *lk = (struct file_lock){ .mode = mode, .use = mode != 0, .perm = 0,
                              .shared = BK_PERM_ALL };
}

int file_lock_prepare(struct file_lock *lk, int fd, const char *filename,
                      uint64_t perm, uint64_t shared, char **cause)
{
    char *why = NULL;
    int ret;

    if (!lk->use)
        return 0;
    /* Only giving up bytes: that cannot conflict. */
    if ((lk->perm | perm) == lk->perm &&
        (lk->shared & shared) == lk->shared)
        return 0;
    ret = lock_apply(fd, lk->perm | perm, ~lk->shared | ~shared, false,
                     &lk->held, &lk->held_unshared, &why);
    if (ret == 0) {
        ret = lock_check(fd, perm, shared, &why);
        if (ret == 0)
            return 0;
        /* qemu's hint, on the line after its message */
        *cause = strfmt("%s\nIs another process using the image [%s]?", why,
                        filename);
        free(why);
    } else {
        *cause = why;
    }
    file_lock_abort(lk, fd);
    return ret;
}

void file_lock_commit(struct file_lock *lk, int fd, uint64_t perm,
                      uint64_t shared)
{
    if (lk->use)
        (void)lock_apply(fd, perm, ~shared, true, &lk->held,
                         &lk->held_unshared, NULL);
    lk->perm = perm;
    lk->shared = shared;
}

void file_lock_abort(struct file_lock *lk, int fd)
{
    if (lk->use)
        (void)lock_apply(fd, lk->perm, ~lk->shared, true, &lk->held,
                         &lk->held_unshared, NULL);
}

int file_lock_move(struct file_lock *lk, int to, char **cause)
{
    uint64_t held = 0, held_unshared = 0;

    /* The old fd's go when it is closed; the new one's, if this fails. */
    if (!lk->use)
        return 0;
    return lock_apply(to, lk->held, lk->held_unshared, false, &held,
                      &held_unshared, cause);
}

void file_lock_release(struct file_lock *lk)
{
    /* Closing the descriptor drops them; what is left is bookkeeping. */
    lk->held = lk->held_unshared = 0;
    lk->perm = 0;
    lk->shared = BK_PERM_ALL;
}
