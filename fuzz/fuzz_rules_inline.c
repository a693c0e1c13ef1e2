/*
 * fuzz_rules_inline.c — rules given as blkdebug node options
 * (rules/inline.c): "inject-error.0.event=read_aio" and friends, as they
 * come from -o, json: or --image-opts.
 *
 * The input is one KEY=VALUE per line (a line without '=' is a key with
 * an empty value); rules_check.h lists the promises checked.
 */
#include "fuzz/rules_check.h"

#define MAX_OPTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *cause = NULL, *line, *save = NULL;
    struct rules_kv kv[MAX_OPTS];
    struct rules_engine *e;
    size_t n = 0;
    int ret;

    for (line = strtok_r(text, "\n", &save); line != NULL && n < MAX_OPTS;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (eq != NULL)
            *eq = '\0';
        kv[n].key = line;
        kv[n].value = eq != NULL ? eq + 1 : "";
        n++;
    }
    e = rules_engine_new();
    ret = rules_load_string(e, NULL, kv, n, &cause);
    fuzz_rules_check_load(e, ret, cause, "rules_load_string (inline)");
    rules_engine_free(e);
    free(text);
    return 0;
}
