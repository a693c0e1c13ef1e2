/*
 * fuzz_theme.c — theme files (tui/theme.c) and fitting the result to
 * terminals (tui/theme_resolve.c).  The input is the text of a theme file.
 *
 * Promises checked:
 *   - an error comes with a message, success without one;
 *   - resolving for every kind of terminal (256, 16, 8 colours, with and
 *     without default colours, few pairs, monochrome) uses only pairs it
 *     defined, no more than the terminal has, colours the mode can show,
 *     and never the same colour for text and background;
 *   - monochrome keeps only bold and reverse.
 */
#include <errno.h>

#include "fuzz/fuzz.h"
#include "tui/theme.h"

static void check_resolved(const struct tui_theme *t,
                           const struct tui_term_caps *caps)
{
    static const int limit[] = {
        [TUI_MODE_MONO] = 0, [TUI_MODE_8] = 8, [TUI_MODE_16] = 16,
        [TUI_MODE_256] = 256,
    };
    struct tui_resolved r;
    int max;

    tui_theme_resolve(t, caps, &r);
    max = limit[r.mode];
    if (r.npairs < 0 || r.npairs > TUI_THEME_MAX_PAIRS ||
        (r.npairs > 0 && r.npairs >= caps->pairs))
        fuzz_fail("%d pairs on a terminal with %d", r.npairs, caps->pairs);
    if (r.mode == TUI_MODE_MONO && r.npairs != 0)
        fuzz_fail("monochrome uses %d pairs", r.npairs);
    for (int i = 1; i <= r.npairs; i++) {
        int fg = r.pair[i].fg, bg = r.pair[i].bg;

        if (fg < -1 || fg >= max || bg < -1 || bg >= max)
            fuzz_fail("pair %d (%d, %d) in a %d-colour mode", i, fg, bg, max);
        if ((fg < 0 || bg < 0) && !caps->default_colors)
            fuzz_fail("pair %d uses default colours the terminal lacks", i);
        if (fg == bg)
            fuzz_fail("pair %d: text and background both %d", i, fg);
    }
    for (int role = 0; role < TUI_R__MAX; role++) {
        if (r.role[role].pair < 0 || r.role[role].pair > r.npairs)
            fuzz_fail("role %s: pair %d of %d", tui_role_name(role),
                      r.role[role].pair, r.npairs);
        if (r.mode == TUI_MODE_MONO &&
            (r.role[role].attrs & ~TUI_A_MONO_MASK) != 0)
            fuzz_fail("role %s: mono attributes %#x", tui_role_name(role),
                      r.role[role].attrs);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct tui_term_caps terms[] = {
        { .colors = 256, .pairs = 32767, .default_colors = true },
        { .colors = 256, .pairs = 256, .default_colors = false },
        { .colors = 16, .pairs = 256, .default_colors = true },
        { .colors = 8, .pairs = 64, .default_colors = true },
        { .colors = 8, .pairs = 8, .default_colors = false },
        { .colors = 8, .pairs = 2, .default_colors = true },
        { .colors = 0, .pairs = 0 },
        { .colors = 256, .pairs = 256, .no_color = true },
    };
    char *text = fuzz_text(data, size), *cause = NULL;
    struct tui_theme t;
    int ret;

    tui_theme_builtin(&t);
    ret = tui_theme_parse(&t, text, "fuzz.theme", &cause);
    if (ret < 0 && (ret != -EINVAL || cause == NULL))
        fuzz_fail("tui_theme_parse: %d without a message", ret);
    if (ret == 0 && cause != NULL)
        fuzz_fail("tui_theme_parse succeeded with a message: %s", cause);
    free(cause);
    /* A failed parse leaves the theme partly changed: still usable. */
    for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++)
        check_resolved(&t, &terms[i]);
    free(text);
    return 0;
}
