/*
 * fuzz_rules_config.c — blkdebug's config file parser (rules/config.c and
 * the checks of rules/load.c, rules/rule.c).  The input is the text of a
 * config file; rules_check.h lists the promises checked.
 */
#include "fuzz/rules_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *cause = NULL;
    struct rules_engine *e = rules_engine_new();
    int ret = rules_load_string(e, text, NULL, 0, &cause);

    fuzz_rules_check_load(e, ret, cause, "rules_load_string");
    rules_engine_free(e);
    free(text);
    return 0;
}
