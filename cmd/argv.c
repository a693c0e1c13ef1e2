/*
 * argv.c — word splitting and getopt-style option scanning (see argv.h).
 *
 * Our own scanner instead of getopt(3): it keeps no global state (the TUI
 * and headless loop may parse while another parse is half done), and its
 * complaints go through out.h rather than straight to the terminal.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/argv.h"
#include "cmd/out.h"

static bool opt_takes_arg(const char *spec, char c);

char **argv_split(const char *line, int *argc)
{
    size_t len = strlen(line);
    size_t max = len / 2 + 2;
    char **v = malloc(max * sizeof(char *) + len + 1);
    char *copy, *p;
    int n = 0;

    if (v == NULL)
        abort();
    copy = (char *)(v + max);
    memcpy(copy, line, len + 1);
    for (p = copy; *p != '\0';) {
        char *sp = strchr(p, ' ');

        if (sp != NULL)
            *sp = '\0';
        if (*p != '\0')
            v[n++] = p;
        if (sp == NULL)
            break;
        p = sp + 1;
    }
    v[n] = NULL;
    *argc = n;
    return v;
}

static bool opt_takes_arg(const char *spec, char c)
{
    const char *p = c == ':' ? NULL : strchr(spec, c);

    return p != NULL && p[1] == ':';
}

void argv_opts_init(struct argv_opts *o, struct out *out, int argc,
                    char **argv, const char *spec)
{
    char **opts = malloc(sizeof(char *) * (size_t)(argc + 1));
    char **operands = malloc(sizeof(char *) * (size_t)(argc + 1));
    int nopts = 0, noper = 0, i = 1, k;
    bool dashdash = false;

    if (opts == NULL || operands == NULL)
        abort();
    /* Classify every element, then put options first and operands last,
     * each group in its original order, as GNU getopt's permutation ends. */
    while (i < argc) {
        char *a = argv[i++];

        if (strcmp(a, "--") == 0) {
            dashdash = true;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            operands[noper++] = a;
            continue;
        }
        opts[nopts++] = a;
        for (int pos = 1; a[pos] != '\0'; pos++) {
            if (!opt_takes_arg(spec, a[pos]))
                continue;
            if (a[pos + 1] == '\0' && i < argc)
                opts[nopts++] = argv[i++];
            break;
        }
    }
    k = 1;
    for (int j = 0; j < nopts; j++)
        argv[k++] = opts[j];
    o->end = k;
    if (dashdash)
        argv[k++] = "--";
    o->optind = k;
    for (int j = 0; j < noper; j++)
        argv[k++] = operands[j];
    /* Elements after "--" are already in place: k == i here. */
    free(opts);
    free(operands);
    o->argc = argc;
    o->argv = argv;
    o->spec = spec;
    o->out = out;
    o->optarg = NULL;
    o->cur = 1;
    o->pos = 1;
}

int argv_opts_next(struct argv_opts *o)
{
    const char *a;
    char c;

    o->optarg = NULL;
    if (o->cur >= o->end)
        return -1;
    a = o->argv[o->cur];
    c = a[o->pos++];
    if (a[o->pos] == '\0') {
        o->cur++;
        o->pos = 1;
    }
    if (c == ':' || strchr(o->spec, c) == NULL) {
        out_eprintf(o->out, "%s: invalid option -- '%c'\n", o->argv[0], c);
        return '?';
    }
    if (!opt_takes_arg(o->spec, c))
        return c;
    if (o->pos != 1) {
        /* "-P1": the rest of this element is the argument. */
        o->optarg = a + o->pos;
        o->cur++;
        o->pos = 1;
    } else if (o->cur < o->end) {
        o->optarg = o->argv[o->cur++];
    } else {
        out_eprintf(o->out, "%s: option requires an argument -- '%c'\n",
                    o->argv[0], c);
        return '?';
    }
    return c;
}
