/*
 * rules_check.h — the promises of one rules load, for the two rules
 * harnesses (config text, inline options):
 *   - an error comes with a message, success without one;
 *   - a failed load adds nothing;
 *   - rules_format() of what loaded loads again and formats the same (the
 *     saved file gives back the same rules, in the same order);
 *   - the engine then runs every event and checks I/O of every type.
 */
#ifndef BLKMON_FUZZ_RULES_CHECK_H
#define BLKMON_FUZZ_RULES_CHECK_H

#include "fuzz/fuzz.h"
#include "rules/rules.h"

static void fuzz_rules_exercise(struct rules_engine *e);

/* Check what a rules_load* returned (ret, cause) into e; frees cause. */
static void fuzz_rules_check_load(struct rules_engine *e, int ret,
                                  char *cause, const char *what)
{
    struct rules_engine *again;
    char *text, *text2, *cause2 = NULL;

    if (ret < 0) {
        if (cause == NULL)
            fuzz_fail("%s failed (%d) without a message", what, ret);
        if (rules_count(e) != 0)
            fuzz_fail("%s failed but left %zu rules", what, rules_count(e));
        free(cause);
        return;
    }
    if (ret != 0 || cause != NULL)
        fuzz_fail("%s returned %d, message %s", what, ret,
                  cause ? cause : "(none)");
    text = rules_format(e);
    again = rules_engine_new();
    if (rules_load_string(again, text, NULL, 0, &cause2) != 0)
        fuzz_fail("the formatted rules do not load: %s\n--- text ---\n%s",
                  cause2, text);
    if (rules_count(again) != rules_count(e))
        fuzz_fail("%zu rules formatted, %zu loaded back\n--- text ---\n%s",
                  rules_count(e), rules_count(again), text);
    text2 = rules_format(again);
    if (strcmp(text, text2) != 0)
        fuzz_fail("format, load, format differs\n--- first ---\n%s"
                  "--- second ---\n%s", text, text2);
    free(text);
    free(text2);
    rules_engine_free(again);
    fuzz_rules_exercise(e);
}

/* Every event once, then an I/O of each type against the active list. */
static void fuzz_rules_exercise(struct rules_engine *e)
{
    for (int ev = 0; ev < RULES_EV__MAX; ev++) {
        struct rules_fired fired;

        rules_event(e, (enum rules_event)ev, NULL, &fired);
        rules_fired_fini(&fired);
        for (int io = 0; io < RULES_IO__MAX; io++) {
            bool immediately;

            rules_check(e, (uint64_t)ev * 4096, 65536,
                        (enum rules_iotype)io, &immediately);
        }
    }
    for (unsigned id = 1; id <= 64; id++) {
        const struct rules_rule *r = rules_get(e, id);

        if (r != NULL)
            free(rules_describe(r));
    }
}

#endif
