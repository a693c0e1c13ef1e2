/*
 * config.c — reading blkdebug config text the way QEMU 7.2 reads it.
 *
 * QEMU reads the file with fgets into a 1024-byte buffer (so a longer line
 * is read as several) and classifies each piece with sscanf:
 *
 *   starts with '\n'              empty line, skipped
 *   starts with '#'               comment, skipped (only in column one)
 *   starts with '[' and matches   [group "id"]  or  [group]  — a new group;
 *                                 the previous group is checked now
 *   has a word                    key = "value"; anything after the word
 *                                 that is not  = "value"  gives value ""
 *   anything else (blank line    "parse error"
 *     with spaces, "\r\n")
 *
 * A group is checked (its name, then its keys in QDict order) only when the
 * next group starts or the text ends, so a bad key in group 1 is reported
 * before a syntax error in group 2.  No message carries a line number:
 * QEMU keeps the location but never prints it for these errors.
 *
 * The sscanf patterns are imitated here, quirks included: a word is at
 * most 63 characters, "[]" is taken as a key, a value without its closing
 * quote runs to the end of the line (newline included), and at the end of
 * the text the last group is checked under the name the last '[' line
 * scanned, even a malformed one.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "rules/rules_int.h"

#define LINE_MAX_READ 1023      /* fgets(line, 1024, fp) */
#define NAME_MAX_SCAN 63        /* %63s, %63[^...] */
#define VALUE_MAX_SCAN 1023     /* %1023[^"] */

static void
skip_space(const char **p)
{
    while (**p != '\0' && isspace((unsigned char)**p))
        (*p)++;
}

/* %Ns: -1 when the text ends first, else 1 (buf filled). */
static int
scan_word(const char **p, char *buf, size_t max)
{
    size_t n = 0;

    skip_space(p);
    if (**p == '\0')
        return -1;
    while (**p != '\0' && !isspace((unsigned char)**p) && n < max)
        buf[n++] = *(*p)++;
    buf[n] = '\0';
    return 1;
}

/* %N[^stop]: -1 at the end of the text, 0 for no match, else 1. */
static int
scan_until(const char **p, char *buf, size_t max, char stop)
{
    size_t n = 0;

    if (**p == '\0')
        return -1;
    while (**p != '\0' && **p != stop && n < max)
        buf[n++] = *(*p)++;
    if (n == 0)
        return 0;
    buf[n] = '\0';
    return 1;
}

/* sscanf(line, "[%63s \"%63[^\"]\"]", group, id) */
static int
scan_group_with_id(const char *line, char *group, char *id)
{
    const char *p = line + 1;
    int r;

    r = scan_word(&p, group, NAME_MAX_SCAN);
    if (r <= 0)
        return r;
    skip_space(&p);
    if (*p != '"')
        return 1;
    p++;
    r = scan_until(&p, id, NAME_MAX_SCAN, '"');
    return r > 0 ? 2 : 1;
}

/* sscanf(line, "[%63[^]]]", group) */
static int
scan_group(const char *line, char *group)
{
    const char *p = line + 1;

    return scan_until(&p, group, NAME_MAX_SCAN, ']');
}

/*
 * sscanf(line, " %63s = \"%1023[^\"]\"", arg, value) == 2 ||
 * sscanf(line, " %63s = \"\"", arg) == 1 — true whenever a word is there.
 */
static bool
scan_key(const char *line, char *arg, char *value)
{
    const char *p = line;

    value[0] = '\0';
    if (scan_word(&p, arg, NAME_MAX_SCAN) <= 0)
        return false;
    skip_space(&p);
    if (*p != '=')
        return true;
    p++;
    skip_space(&p);
    if (*p != '"')
        return true;
    p++;
    (void)scan_until(&p, value, VALUE_MAX_SCAN, '"');
    return true;
}

int
rules_config_parse(struct rules_session *s, const char *text, size_t len,
                   char **cause)
{
    char line[LINE_MAX_READ + 1];
    char group[NAME_MAX_SCAN + 1] = "", prev_group[NAME_MAX_SCAN + 1] = "";
    char arg[NAME_MAX_SCAN + 1], value[VALUE_MAX_SCAN + 1];
    struct rules_dict *d = NULL, *prev;
    size_t pos = 0, n;
    int ret = 0;

    while (pos < len) {
        /* fgets: up to 1023 bytes, through the newline. */
        for (n = 0; n < LINE_MAX_READ && pos + n < len; n++) {
            if (text[pos + n] == '\n') {
                n++;
                break;
            }
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';         /* an embedded NUL ends the line early */
        pos += n;

        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            prev = d;
            if (scan_group_with_id(line, group, value) == 2) {
                d = rules_dict_new();
                rules_dict_put(d, "id", value);
            } else if (scan_group(line, group) == 1) {
                d = rules_dict_new();
            }
            if (d != prev) {
                if (prev != NULL) {
                    ret = rules_opts_from_dict(s, prev_group, prev, cause);
                    rules_dict_free(prev);
                    if (ret < 0)
                        goto out;
                }
                strcpy(prev_group, group);
                continue;
            }
        }
        if (scan_key(line, arg, value)) {
            if (d == NULL) {
                ret = rules_fail(cause, -EINVAL, "no group defined");
                goto out;
            }
            rules_dict_put(d, arg, value);
            continue;
        }
        ret = rules_fail(cause, -EINVAL, "parse error");
        goto out;
    }
    if (d != NULL)
        ret = rules_opts_from_dict(s, group, d, cause);
out:
    rules_dict_free(d);
    return ret;
}
