/*
 * argv.h — turning a command line into words, and words into options.
 *
 * Splitting is qemu-io's: words are separated by single spaces, empty words
 * are dropped, and nothing else is special (no quotes, no tabs, no escapes).
 *
 * Options are GNU getopt's, which every qemu-io command uses: a spec such
 * as "bCl:pP:qs:v" (':' marks an option that takes an argument), clusters
 * ("-vq", "-P1"), "--" ends the options, a lone "-" is an operand, and
 * operands may come before options ("read 0 512 -v"): they are moved after
 * the options, so that once argv_opts_next() returns -1 they are
 * argv[optind..argc).  Complaints go to stderr as
 * "read: invalid option -- 'z'" with the command word in front.
 */
#ifndef BLKMON_CMD_ARGV_H
#define BLKMON_CMD_ARGV_H

/*
 * Split line into words.  Returns a NULL-terminated array whose words live
 * in the same allocation: free the array only.  *argc gets the count.
 */
char **argv_split(const char *line, int *argc);

struct out;

struct argv_opts {
    int argc;
    char **argv;          /* permuted in place by argv_opts_init() */
    const char *spec;
    int optind;           /* first operand, valid once next() returns -1 */
    const char *optarg;   /* the argument of the option just returned */
    int cur;              /* element being scanned */
    int pos;              /* character in it */
    int end;              /* one past the last option element */
    struct out *out;      /* where complaints go */
};

void argv_opts_init(struct argv_opts *o, struct out *out, int argc,
                    char **argv, const char *spec);
/* The next option letter; '?' after printing a complaint; -1 at the end. */
int argv_opts_next(struct argv_opts *o);

#endif
