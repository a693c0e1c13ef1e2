/*
 * fuzz_opts_json.c — the "json:" file name flattener (backend/opts-json.c,
 * bk_opts_parse_json).  The input is the text after "json:".
 *
 * Promises checked: an error comes with a message and success without
 * one; an option given apart from the file name wins over the same key
 * in the JSON text (qemu's rule), so the "driver" set before the parse is
 * still there after it, success or not.
 */
#include <errno.h>

#include "backend/backend.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *cause = NULL;
    struct bk_opts *opts = bk_opts_new();
    const char *key, *value, *driver;
    int ret;

    bk_opts_set(opts, "driver", "given-apart");
    ret = bk_opts_parse_json(opts, text, &cause);
    if (ret < 0 && (ret != -EINVAL || cause == NULL))
        fuzz_fail("bk_opts_parse_json: %d without a message", ret);
    if (ret == 0 && cause != NULL)
        fuzz_fail("bk_opts_parse_json succeeded with a message: %s", cause);
    driver = bk_opts_get(opts, "driver");
    if (driver == NULL || strcmp(driver, "given-apart") != 0)
        fuzz_fail("the JSON text replaced an option given apart: %s",
                  driver ? driver : "(gone)");
    for (size_t i = 0; bk_opts_at(opts, i, &key, &value); i++)
        if (key == NULL || value == NULL || strlen(key) > 2 * size + 64)
            fuzz_fail("option %zu is not a key and a value", i);
    free(cause);
    bk_opts_free(opts);
    free(text);
    return 0;
}
