/*
 * mount.c — the FUSE export kind: checks, session and mount, the loop's
 * reading of /dev/fuse, draining, unmounting, and the open files that are
 * its clients (server-int.h).
 *
 * The mountpoint must be an existing regular file, which the mount
 * overlays (qemu's rule and words).  blkmon must never stat its own mount:
 * the loop thread would wait for an answer only it can give.  So a second
 * export on the same file is caught before the stat, by its path (the
 * directory resolved, the last name kept, as a symbolic link there would
 * itself be the mountpoint).
 *
 * Reading: /dev/fuse is non-blocking and watched by the loop; each time
 * it is readable, up to FX_RECV_BATCH requests are taken and started.
 * Draining stops reading (what the kernel still holds waits, as in
 * qemu), answers what was taken, and the unmount then fails whatever was
 * left unread.  Unmounting closes /dev/fuse first, then detaches the
 * mount (lazily: a process with the file open does not keep it).  When
 * the kernel ends the connection itself (an umount from outside), the
 * export removes itself on the next pass.  A mount outlives blkmon only
 * if nothing unmounts it: fusermount3's auto_unmount helper does when
 * blkmon dies (SIGKILL, a crash), an exit handler when it calls exit()
 * with exports up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuse/keeper.h"
#include "fuse/server-int.h"
#include "util/strfmt.h"

static void fx_shutdown(struct export *exp);
static void fx_free(struct export *exp);

const struct export_ops fuse_export_ops = {
    .kind = "fuse",
    .source_kind = BK_SRC_FUSE,
    .shutdown = fx_shutdown,
    .free = fx_free,
};

int fuse_export_allow_other_parse(const char *text,
                                  enum fuse_export_allow_other *out)
{
    static const char *const names[] = {
        [FUSE_ALLOW_OTHER_AUTO] = "auto",
        [FUSE_ALLOW_OTHER_ON] = "on",
        [FUSE_ALLOW_OTHER_OFF] = "off",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (enum fuse_export_allow_other)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* ---- libfuse's messages ------------------------------------------------- */

/*
 * libfuse prints its complaints (a refused mount, an unknown option) to
 * stderr, which under the TUI is the screen.  They are kept instead, the
 * last one, and added to the error the command reports.  Only the loop
 * thread mounts, so one buffer does.
 */
static char fx_log_last[256];

static void fx_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
    (void)level;
    vsnprintf(fx_log_last, sizeof(fx_log_last), fmt, ap);
    fx_log_last[strcspn(fx_log_last, "\n")] = '\0';
}

/* ---- files ---------------------------------------------------------------- */

/* "pid 4242 (mkfs.ext4)", or the kernel's own requests' "kernel". */
static char *fx_peer(fuse_req_t req)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    char path[64], comm[64] = "";
    FILE *f;

    if (ctx == NULL || ctx->pid <= 0)
        return strfmt("kernel");
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)ctx->pid);
    f = fopen(path, "r");
    if (f != NULL) {
        if (fgets(comm, sizeof(comm), f) == NULL)
            comm[0] = '\0';
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
    }
    return comm[0] != '\0' ? strfmt("pid %d (%s)", (int)ctx->pid, comm)
                           : strfmt("pid %d", (int)ctx->pid);
}

struct fx_file *fx_file_new(struct fx_export *fx, fuse_req_t req)
{
    struct fx_file *f = calloc(1, sizeof(*f));
    char *peer = fx_peer(req);

    if (f == NULL || peer == NULL)
        abort();
    f->fx = fx;
    f->client = export_client_new(fx->exp, peer);
    free(peer);
    f->next = fx->files;
    if (fx->files != NULL)
        fx->files->prev = f;
    fx->files = f;
    return f;
}

static void fx_file_free(struct fx_file *f)
{
    struct fx_export *fx = f->fx;

    if (f->prev != NULL)
        f->prev->next = f->next;
    else
        fx->files = f->next;
    if (f->next != NULL)
        f->next->prev = f->prev;
    export_client_del(f->client);
    free(f);
}

void fx_file_release(struct fx_file *f)
{
    f->released = true;
    if (f->client->inflight == 0)
        fx_file_free(f);
}

void fx_request_done(struct fx_export *fx, struct fx_file *f)
{
    fx->inflight--;
    f->client->inflight--;
    if (f->released && f->client->inflight == 0)
        fx_file_free(f);
    if (fx->exp->draining && fx->inflight == 0)
        export_drained(fx->exp);
}

/* ---- reading /dev/fuse ------------------------------------------------------- */

static void fx_unwatch(struct fx_export *fx)
{
    if (fx->fd >= 0) {
        bk_loop_del_fd(fx->loop, fx->fd);
        fx->fd = -1;
    }
}

static long fx_gone_timer(struct bk_loop *loop, void *arg)
{
    struct fx_export *fx = arg;

    /* Removal iterates the loop: this timer must not fire again inside. */
    bk_loop_del_timer(loop, fx->gone_timer);
    fx->gone_timer = 0;
    export_remove(fx->exp);
    return -1;
}

static void fx_readable(struct bk_loop *loop, int fd, void *arg)
{
    struct fx_export *fx = arg;

    (void)fd;
    for (int i = 0; i < FX_RECV_BATCH && fx->fd >= 0; i++) {
        int ret = fuse_session_receive_buf(fx->se, &fx->buf);

        if (ret == -EINTR)
            continue;
        if (ret == -EAGAIN)
            return;
        if (ret <= 0 || fuse_session_exited(fx->se)) {
            /* Unmounted from outside, or the connection aborted. */
            fx->gone = true;
            fx_unwatch(fx);
            if (!fx->exp->draining && fx->gone_timer == 0)
                fx->gone_timer = bk_loop_add_timer(loop, 0, fx_gone_timer,
                                                   fx);
            return;
        }
        fuse_session_process_buf(fx->se, &fx->buf);
    }
}

/* ---- mounting ------------------------------------------------------------------ */

/*
 * Mounts still up when the process exits without ending its exports (a
 * fatal error, F10 twice in the TUI) are detached by an exit handler: a
 * mount left behind would answer "Transport endpoint is not connected"
 * on that file until someone unmounted it by hand.  The loop thread owns
 * the list.
 */
static struct fx_export *fx_mounted[64];
static size_t fx_nmounted;

static void fx_unmount_at_exit(void)
{
    while (fx_nmounted > 0) {
        struct fx_export *fx = fx_mounted[--fx_nmounted];

        fuse_session_unmount(fx->se);
        fx->mounted = false;
    }
}

static void fx_track(struct fx_export *fx, bool add)
{
    static bool registered;

    if (add) {
        if (!registered && atexit(fx_unmount_at_exit) == 0)
            registered = true;
        if (fx_nmounted < sizeof(fx_mounted) / sizeof(fx_mounted[0]))
            fx_mounted[fx_nmounted++] = fx;
        return;
    }
    for (size_t i = 0; i < fx_nmounted; i++) {
        if (fx_mounted[i] == fx) {
            fx_mounted[i] = fx_mounted[--fx_nmounted];
            return;
        }
    }
}

/* The descriptors open now, as a bit set of the first 1024. */
static void fx_fds(unsigned char *set, size_t size)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    memset(set, 0, size);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);

        if (fd >= 0 && (size_t)fd < size * 8)
            set[fd / 8] |= (unsigned char)(1u << (fd % 8));
    }
    closedir(d);
}

/*
 * The socket libfuse keeps to the auto_unmount helper is not handed out:
 * it is the one new socket the mount opened.  Closing it once we have
 * unmounted lets the helper go at once (fx_helper_done), rather than at
 * our exit, when it would detach whatever is mounted at that path by then
 * (another blkmon's export of the same file).
 */
static int fx_find_helper(const unsigned char *before, size_t size,
                          int session_fd)
{
    unsigned char after[128];
    struct stat st;

    fx_fds(after, sizeof(after));
    for (size_t fd = 0; fd < size * 8 && fd < sizeof(after) * 8; fd++) {
        bool now = after[fd / 8] & (1u << (fd % 8));
        bool was = before[fd / 8] & (1u << (fd % 8));

        if (now && !was && (int)fd != session_fd &&
            fstat((int)fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
            fcntl((int)fd, F_SETFD, FD_CLOEXEC);
            return (int)fd;
        }
    }
    return -1;
}

/* The children this thread has forked (a fork's child is listed under
 * the thread that forked it); up to max of them. */
static size_t fx_children(pid_t *out, size_t max)
{
    char path[64];
    size_t n = 0;
    FILE *f;
    long pid;

    snprintf(path, sizeof(path), "/proc/self/task/%d/children",
             (int)gettid());
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (n < max && fscanf(f, "%ld", &pid) == 1)
        out[n++] = (pid_t)pid;
    fclose(f);
    return n;
}

/* The helper is the one child the mount added. */
static pid_t fx_new_child(const pid_t *before, size_t nbefore)
{
    pid_t after[64];
    size_t n = fx_children(after, 64);

    for (size_t i = 0; i < n; i++) {
        bool known = false;

        for (size_t j = 0; j < nbefore; j++)
            known |= after[i] == before[j];
        if (!known)
            return after[i];
    }
    return -1;
}

/*
 * Let the helper go and wait for it: it looks whether the file is still
 * mounted and, if so, detaches it.  We have unmounted already, but
 * another blkmon could mount the same file soon after we return, and a
 * helper still looking then would detach that one.  It takes a few
 * milliseconds; after two seconds it is left to itself.
 */
static void fx_helper_done(struct fx_export *fx)
{
    if (fx->helper_fd >= 0)
        close(fx->helper_fd);
    fx->helper_fd = -1;
    fx_keeper_stop(fx->keeper_pid);
    fx->keeper_pid = -1;
    for (int i = 0; fx->helper_pid > 0 && i < 2000; i++) {
        pid_t r = waitpid(fx->helper_pid, NULL, WNOHANG);

        if (r == fx->helper_pid || (r < 0 && errno != EINTR))
            break;
        usleep(1000);
    }
    fx->helper_pid = -1;
}

static int fx_mount_once(struct fx_export *fx, bool allow_other,
                         bool auto_unmount, char **cause)
{
    char *opts = strfmt("max_read=%u,default_permissions,fsname=blkmon,"
                        "subtype=blkmon%s%s", FX_MAX_READ,
                        allow_other ? ",allow_other" : "",
                        auto_unmount ? ",auto_unmount" : "");
    char *argv[] = { (char *)"blkmon", (char *)"-o", opts, NULL };
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    unsigned char before[128];
    pid_t children[64];
    size_t nchildren;

    if (opts == NULL)
        abort();
    fx_log_last[0] = '\0';
    fx->se = fuse_session_new(&args, &fx_ops, sizeof(fx_ops), fx);
    fuse_opt_free_args(&args);
    free(opts);
    if (fx->se == NULL) {
        *cause = strfmt("Failed to set up FUSE session%s%s",
                        fx_log_last[0] ? ": " : "", fx_log_last);
        return -EIO;
    }
    fx_fds(before, sizeof(before));
    nchildren = fx_children(children, 64);
    if (fuse_session_mount(fx->se, fx->mountpoint) != 0) {
        *cause = strfmt("Failed to mount FUSE session to export%s%s",
                        fx_log_last[0] ? ": " : "", fx_log_last);
        fuse_session_destroy(fx->se);
        fx->se = NULL;
        return -EIO;
    }
    fx->mounted = true;
    fx->allow_other = allow_other;
    if (auto_unmount) {
        fx->helper_fd = fx_find_helper(before, sizeof(before),
                                       fuse_session_fd(fx->se));
        fx->helper_pid = fx_new_child(children, nchildren);
        if (fx->helper_fd >= 0)
            fx->keeper_pid = fx_keeper_start(fx->helper_fd);
    }
    fx_track(fx, true);
    return 0;
}

/*
 * auto_unmount has fusermount3 watch the mount from a process of its own
 * and detach it when blkmon is gone, however it went (SIGKILL, a crash):
 * wanted, but not required (no fusermount3: mount without).
 */
static int fx_mount(struct fx_export *fx, bool allow_other, char **cause)
{
    char *first = NULL;
    int ret = fx_mount_once(fx, allow_other, true, &first);

    if (ret < 0)
        ret = fx_mount_once(fx, allow_other, false, cause);
    free(first);
    return ret;
}

/* The mountpoint with its directory resolved: how clashes are found. */
static char *fx_abspath(const char *path)
{
    char *dup1 = strdup(path), *dup2 = strdup(path);
    char dir[PATH_MAX], *out = NULL;

    if (dup1 == NULL || dup2 == NULL)
        abort();
    if (realpath(dirname(dup1), dir) != NULL)
        out = strfmt("%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
                     basename(dup2));
    free(dup1);
    free(dup2);
    return out;
}

static void fx_destroy(struct fx_export *fx)
{
    fx_unwatch(fx);
    if (fx->se != NULL) {
        if (fx->mounted) {
            fx_track(fx, false);
            fuse_session_unmount(fx->se);
        }
        fx_helper_done(fx);
        fuse_session_destroy(fx->se);
    }
    free(fx->buf.mem);
    free(fx->mountpoint);
    free(fx->abspath);
    free(fx);
}

int fuse_export_start(struct export_set *set, struct bk_dev *dev,
                      const struct fuse_export_opts *o, struct export **expp,
                      char **cause)
{
    const char *name = o->name != NULL ? o->name : o->mountpoint;
    struct fx_export *fx;
    struct export *exp;
    struct stat st;
    int ret;

    if (export_find(set, name) != NULL) {
        *cause = strfmt("an export named '%s' exists", name);
        return -EEXIST;
    }
    fx = calloc(1, sizeof(*fx));
    if (fx == NULL)
        abort();
    fx->fd = -1;
    fx->helper_fd = -1;
    fx->helper_pid = -1;
    fx->keeper_pid = -1;
    fx->loop = export_set_loop(set);
    fx->mountpoint = strdup(o->mountpoint);
    fx->abspath = fx_abspath(o->mountpoint);
    if (fx->mountpoint == NULL)
        abort();
    if (fx->abspath == NULL) {
        *cause = strfmt("Failed to stat '%s': %s", o->mountpoint,
                        strerror(errno));
        fx_destroy(fx);
        return -ENOENT;
    }
    for (struct export *e = export_first(set); e != NULL; e = e->next) {
        if (e->ops == &fuse_export_ops &&
            strcmp(((struct fx_export *)e->priv)->abspath, fx->abspath) == 0) {
            *cause = strfmt("There already is a FUSE export on '%s'",
                            o->mountpoint);
            fx_destroy(fx);
            return -EEXIST;
        }
    }
    if (stat(o->mountpoint, &st) < 0) {
        ret = -errno;
        *cause = strfmt("Failed to stat '%s': %s", o->mountpoint,
                        strerror(errno));
        fx_destroy(fx);
        return ret;
    }
    if (!S_ISREG(st.st_mode)) {
        *cause = strfmt("'%s' is not a regular file", o->mountpoint);
        fx_destroy(fx);
        return -EINVAL;
    }
    fx->writable = !o->read_only && !bk_dev_read_only(dev);
    fx->growable = o->growable;
    fx->st_mode = S_IFREG | S_IRUSR | (fx->writable ? S_IWUSR : 0);
    fx->st_uid = getuid();
    fx->st_gid = getgid();

    fuse_set_log_func(fx_log);
    if (o->allow_other == FUSE_ALLOW_OTHER_AUTO) {
        char *first = NULL;

        ret = fx_mount(fx, true, &first);
        free(first);
        if (ret < 0)
            ret = fx_mount(fx, false, cause);
    } else {
        ret = fx_mount(fx, o->allow_other == FUSE_ALLOW_OTHER_ON, cause);
    }
    if (ret < 0) {
        fx_destroy(fx);
        return ret;
    }

    exp = export_new(&fuse_export_ops, dev, name, o->mountpoint,
                     !fx->writable, fx);
    fx->exp = exp;
    ret = export_add(set, exp, cause);
    if (ret < 0) {
        export_free(exp);
        fx_destroy(fx);
        return ret;
    }
    fx->fd = fuse_session_fd(fx->se);
    fcntl(fx->fd, F_SETFL, fcntl(fx->fd, F_GETFL) | O_NONBLOCK);
    ret = bk_loop_add_fd(fx->loop, fx->fd, fx_readable, fx);
    if (ret < 0) {
        /* Never served: nothing of it can be in flight. */
        fx->fd = -1;
        *cause = strfmt("cannot watch /dev/fuse: %s", strerror(-ret));
        exp->draining = true;
        export_drained(exp);
        export_remove(exp);
        return ret;
    }
    if (expp != NULL)
        *expp = exp;
    return 0;
}

/* ---- draining -------------------------------------------------------------------- */

static void fx_shutdown(struct export *exp)
{
    struct fx_export *fx = exp->priv;

    fx_unwatch(fx);
    if (fx->inflight == 0)
        export_drained(exp);
}

static void fx_free(struct export *exp)
{
    struct fx_export *fx = exp->priv;

    if (fx->gone_timer > 0)
        bk_loop_del_timer(fx->loop, fx->gone_timer);
    /* Opens still held are the kernel's to fail from now on. */
    while (fx->files != NULL)
        fx_file_free(fx->files);
    fx_destroy(fx);
}
