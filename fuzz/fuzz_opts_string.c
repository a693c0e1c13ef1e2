/*
 * fuzz_opts_string.c — the "k=v,k2=v2" option parser (backend/opts.c,
 * bk_opts_parse), as -o, --image-opts and "open -o" use it, and the
 * leftover-option walk that names qemu's first unsupported option.
 *
 * The first byte of the input picks the implied key (none, "filename",
 * "driver"); the rest is the option string.  Promise checked besides
 * success: writing the options back as "k=v" with commas doubled and
 * parsing that (no implied key) gives the same list in the same order.
 */
#include "backend/backend.h"
#include "fuzz/fuzz.h"

static char *unparse(const struct bk_opts *opts);

/* "k=v,..." with ',' doubled in values; keys never hold ',' or '='. */
static char *unparse(const struct bk_opts *opts)
{
    const char *key, *value;
    size_t len = 1, i;
    char *s, *p;

    for (i = 0; bk_opts_at(opts, i, &key, &value); i++)
        len += strlen(key) + 2 * strlen(value) + 2;
    p = s = malloc(len);
    if (s == NULL)
        abort();
    for (i = 0; bk_opts_at(opts, i, &key, &value); i++) {
        if (i > 0)
            *p++ = ',';
        p = stpcpy(p, key);
        *p++ = '=';
        for (; *value != '\0'; value++) {
            if (*value == ',')
                *p++ = ',';
            *p++ = *value;
        }
    }
    *p = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const implied[] = { NULL, "filename", "driver" };
    struct bk_opts *opts, *again;
    char *text, *cause = NULL, *back;
    const char *k1, *v1, *k2, *v2, *first;
    size_t i;

    if (size == 0)
        return 0;
    text = fuzz_text(data + 1, size - 1);
    opts = bk_opts_new();
    if (bk_opts_parse(opts, text, implied[data[0] % 3], &cause) < 0) {
        if (cause == NULL)
            fuzz_fail("bk_opts_parse failed without a message");
        free(cause);
        goto out;
    }
    for (i = 0; bk_opts_at(opts, i, &k1, &v1); i++)
        if (strchr(k1, ',') != NULL || strchr(k1, '=') != NULL)
            fuzz_fail("key '%s' holds ',' or '='", k1);
    if (bk_opts_first_leftover(opts, &first) != (bk_opts_count(opts) > 0) ||
        (bk_opts_count(opts) > 0 && !bk_opts_has(opts, first)))
        fuzz_fail("the first leftover is not one of the options");
    back = unparse(opts);
    again = bk_opts_new();
    if (bk_opts_parse(again, back, NULL, &cause) < 0)
        fuzz_fail("'%s' does not parse back: %s", back, cause);
    if (bk_opts_count(again) != bk_opts_count(opts))
        fuzz_fail("'%s': %zu options, %zu parsed back", back,
                  bk_opts_count(opts), bk_opts_count(again));
    for (i = 0; bk_opts_at(opts, i, &k1, &v1); i++) {
        if (!bk_opts_at(again, i, &k2, &v2) || strcmp(k1, k2) != 0 ||
            strcmp(v1, v2) != 0)
            fuzz_fail("'%s': option %zu '%s'='%s' parsed back differs",
                      back, i, k1, v1);
    }
    bk_opts_free(again);
    free(back);
out:
    bk_opts_free(opts);
    free(text);
    return 0;
}
