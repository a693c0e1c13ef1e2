/*
 * record.c — "record FILE": what is done from here on, as a script that
 * replays it.
 *
 * Two files: FILE, a qemu-io script (one command a line, as qemu-io reads
 * them from standard input), and FILE.cfg, the blkdebug config of the
 * rules as they were when recording started, whose comments say the seed
 * and the command lines that replay the pair in blkmon and in qemu-io.
 *
 * What goes into FILE, in the order it happened, from every session of
 * the group (the command line, the TUI, control clients): each command as
 * it starts (so that a write parked at a breakpoint comes before the
 * resume that lets it go), the breakpoints armed when recording started
 * first; and each resume that no recorded command made (the TUI's keys,
 * resume-all) as "resume TAG".  Left out: the front ends' own commands
 * (focus, zoom, events, attach...), "record" itself, and requests that
 * are no command's (bench's are its command's; NBD clients' are not
 * commands: --io-trace traces every request).  A breakpoint's conditions
 * are not kept for the ones armed before recording.
 *
 * blkmon's own commands and groups (rule add, [delay]...) replay in
 * blkmon; qemu-io answers them with an error and goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/argv.h"
#include "cmd/entries.h"
#include "cmd/out.h"
#include "rules/rules.h"
#include "util/strfmt.h"

static int record_exec(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry cmd_record_entry = {
    .name = "record",
    .exec = record_exec,
    .argmin = 0,
    .argmax = 1,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA,
    .args = "[file | stop]",
    .oneline = "records what is done as a qemu-io script and a blkdebug "
               "config",
    .help =
        "\n"
        " writes every command run from now on (in any session: the command\n"
        " line, the TUI, control clients) to FILE, one a line, and the\n"
        " blkdebug rules of the image to FILE.cfg, with the seed; FILE\n"
        " replays what was done:\n"
        "   blkmon --headless --seed N --image-opts driver=raw,\\\n"
        "     file.driver=blkdebug,file.config=FILE.cfg,\\\n"
        "     file.image.filename=IMAGE < FILE\n"
        "\n"
        " Example:\n"
        " 'record /tmp/run1' - start\n"
        " 'record' - say whether it records, and where\n"
        " 'record stop' - stop\n"
        "\n"
        " Breakpoints armed before are written first; resumes by key are\n"
        " written as 'resume TAG'.  Requests of NBD clients are no command:\n"
        " --io-trace FILE traces every request.\n"
        "\n",
};

struct cmd_record {
    FILE *f;
    char *path;
    unsigned long lines;
    bool quiet;          /* a control command runs: its resumes are its */
    struct cmd_group *group;
    struct bk_dev *dev;  /* whose resumes we hear */
    struct bk_observer obs;
};

static void record_line(struct cmd_record *r, const char *line)
{
    fprintf(r->f, "%s\n", line);
    fflush(r->f);
    r->lines++;
}

static bool record_frontend(const struct cmd_state *st,
                            const struct cmd_entry *e)
{
    if (st->frontend_table == NULL)
        return false;
    for (const struct cmd_entry *const *p = st->frontend_table; *p != NULL;
         p++)
        if (*p == e)
            return true;
    return false;
}

static void record_start(struct cmd_state *st, const char *line, void *arg)
{
    struct cmd_record *r = arg;
    const struct cmd_entry *e;
    unsigned flags = cmd_line_flags(st, line, &e);

    if (e == NULL || e == &cmd_record_entry || record_frontend(st, e))
        return;
    record_line(r, line);
    /* It does not wait: whatever it resumes, the line says. */
    r->quiet = (flags & CMD_F_CONTROL) != 0;
}

static void record_ran(struct cmd_state *st, const char *line, int ret,
                       void *arg)
{
    (void)st;
    (void)line;
    (void)ret;
    ((struct cmd_record *)arg)->quiet = false;
}

static void record_note(struct bk_dev *dev, enum bk_debug_note note,
                        const char *tag, const struct bk_req *req, void *arg)
{
    struct cmd_record *r = arg;
    char *line;

    (void)dev;
    (void)req;
    if (note != BK_NOTE_RESUMED || r->quiet || tag == NULL)
        return;
    line = strfmt("resume %s", tag);
    if (line != NULL)
        record_line(r, line);
    free(line);
}

static void record_follow(struct cmd_record *r, struct bk_dev *dev)
{
    r->dev = dev;
    if (dev == NULL)
        return;
    r->obs = (struct bk_observer){ .debug = record_note, .arg = r };
    bk_dev_add_observer(dev, &r->obs);
}

static void record_image(struct cmd_group *g, struct bk_dev *dev, void *arg)
{
    struct cmd_record *r = arg;

    (void)g;
    /* The old image is gone: nothing to unhook. */
    record_follow(r, dev);
}

static void record_break(const char *event, const char *tag, void *arg)
{
    char *line = strfmt("break %s %s", event, tag);

    if (line != NULL)
        record_line(arg, line);
    free(line);
}

/* FILE.cfg: the rules now, and how to replay. */
static int record_config(struct cmd_state *st, const char *path,
                         char **cause)
{
    struct rules_engine *e = st->dev ? bk_dev_rules(st->dev) : NULL;
    char *cfg = strfmt("%s.cfg", path), *rules = NULL, seed[48] = "";
    const char *img = st->dev != NULL ? bk_dev_filename(st->dev) : "IMAGE";
    FILE *f;
    time_t now = time(NULL);
    char when[64];

    if (cfg == NULL)
        return -ENOMEM;
    f = fopen(cfg, "w");
    if (f == NULL) {
        int err = errno;

        *cause = strfmt("%s: %s", cfg, strerror(err));
        free(cfg);
        return -err;
    }
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
    if (rules_seed_given() || (e != NULL && rules_uses_random(e)))
        snprintf(seed, sizeof(seed), " --seed %llu",
                 (unsigned long long)rules_seed());
    fprintf(f, "# blkmon record of %s, %s\n", img, when);
    fprintf(f, "# the rules when recording started; the commands are in %s\n"
            "#\n", path);
    fprintf(f, "# replay in blkmon:\n#   blkmon --headless%s --image-opts "
            "driver=raw,file.driver=blkdebug,file.config=%s,"
            "file.image.filename=%s < %s\n", seed, cfg, img, path);
    fprintf(f, "# replay in qemu-io (blkmon's own groups and commands "
            "are refused there):\n#   qemu-io --image-opts driver=raw,"
            "file.driver=blkdebug,file.config=%s,file.image.filename=%s "
            "< %s\n", cfg, img, path);
    if (e != NULL) {
        rules = rules_format(e);
        if (rules != NULL && *rules != '\0')
            fprintf(f, "\n%s", rules);
        free(rules);
    }
    if (fclose(f) != 0) {
        int err = errno;

        *cause = strfmt("%s: %s", cfg, strerror(err));
        free(cfg);
        return -err;
    }
    free(cfg);
    return 0;
}

static void record_stop(struct cmd_record *r, struct out *o)
{
    if (r->dev != NULL)
        bk_dev_remove_observer(r->dev, &r->obs);
    cmd_group_unwatch(r->group, r);
    fclose(r->f);
    if (o != NULL)
        out_printf(o, "recorded %lu line%s to %s (rules in %s.cfg)\n",
                   r->lines, r->lines == 1 ? "" : "s", r->path, r->path);
    cmd_group_set_record(r->group, NULL);
    free(r->path);
    free(r);
}

/* The group is ending: the file is complete. */
void cmd_record_end(struct cmd_group *g)
{
    struct cmd_record *r = cmd_group_record(g);

    if (r != NULL)
        record_stop(r, NULL);
}

static int record_exec(struct cmd_state *st, int argc, char **argv)
{
    struct cmd_record *r;
    char *cause = NULL;
    int ret;

    if (st->group == NULL) {
        out_printf(st->out, "record: this session cannot record\n");
        return -ENOTSUP;
    }
    r = cmd_group_record(st->group);
    if (argc == 1) {
        if (r == NULL)
            out_printf(st->out, "not recording\n");
        else
            out_printf(st->out, "recording to %s: %lu lines\n", r->path,
                       r->lines);
        return 0;
    }
    if (strcmp(argv[1], "stop") == 0) {
        if (r == NULL) {
            out_printf(st->out, "record: not recording\n");
            return -ENOENT;
        }
        record_stop(r, st->out);
        return 0;
    }
    if (r != NULL) {
        out_printf(st->out, "record: already recording to %s ('record "
                   "stop' first)\n", r->path);
        return -EBUSY;
    }
    ret = record_config(st, argv[1], &cause);
    if (ret < 0) {
        out_printf(st->out, "record: %s\n", cause);
        free(cause);
        return ret;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL || (r->path = strdup(argv[1])) == NULL)
        abort();
    r->f = fopen(argv[1], "w");
    if (r->f == NULL) {
        ret = -errno;
        out_printf(st->out, "record: %s: %s\n", argv[1], strerror(-ret));
        free(r->path);
        free(r);
        return ret;
    }
    r->group = st->group;
    cmd_group_set_record(st->group, r);
    if (st->dev != NULL)
        bk_dev_for_each_break(st->dev, record_break, r);
    cmd_group_watch(st->group, record_image, record_start, record_ran, r);
    record_follow(r, st->dev);
    out_printf(st->out, "recording to %s (rules in %s.cfg)\n", argv[1],
               argv[1]);
    return 0;
}
