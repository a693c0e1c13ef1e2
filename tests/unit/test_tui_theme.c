/*
 * test_tui_theme.c — theme files, the parser's error messages, and fitting
 * a theme to 256 / 16 / 8 colours, monochrome and NO_COLOR.  No terminal is
 * needed except in the last test, which drives curses on /dev/null.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "tui/theme.c"
#include "tui/theme_curses.h"

static struct tui_theme builtin(void)
{
    struct tui_theme t;
    tui_theme_builtin(&t);
    return t;
}

/* Parse text over the built-in theme; return the error message or NULL. */
static char *parse_err(const char *text)
{
    struct tui_theme t = builtin();
    char *cause = NULL;
    int ret = tui_theme_parse(&t, text, "x.theme", &cause);
    if (ret == 0)
        assert_null(cause);
    else
        assert_int_equal(ret, -EINVAL);
    return cause;
}

static void assert_err(const char *text, const char *expect)
{
    char *cause = parse_err(text);
    assert_non_null(cause);
    if (!strstr(cause, expect))
        fail_msg("'%s' lacks '%s'", cause, expect);
    free(cause);
}

static void test_theme_every_role_has_a_unique_name(void **state)
{
    for (int r = 0; r < TUI_R__MAX; r++) {
        assert_non_null(tui_role_name(r));
        assert_int_equal(tui_role_from_name(tui_role_name(r)), r);
    }
    assert_null(tui_role_name(TUI_R__MAX));
    assert_int_equal(tui_role_from_name("nope"), -1);
}

static void test_theme_default_file_matches_builtin(void **state)
{
    struct tui_theme t, b = builtin();
    char *cause = NULL;
    /* Start from something else so every role must come from the file. */
    memset(&t, 0x55, sizeof(t));
    FILE *f = fopen("themes/default.theme", "r");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(tui_theme_load(&t, "themes/default.theme", &cause), 0);
    for (int r = 0; r < TUI_R__MAX; r++) {
        if (memcmp(&t.colour[r], &b.colour[r], sizeof(b.colour[r])) ||
            t.mono[r] != b.mono[r])
            fail_msg("role %s differs from the built-in theme",
                     tui_role_name(r));
    }
}

static void test_theme_shipped_themes_parse(void **state)
{
    static const char *const files[] = {
        "themes/default.theme", "themes/light.theme", "themes/mono.theme",
    };
    for (size_t i = 0; i < 3; i++) {
        struct tui_theme t;
        char *cause = NULL;
        if (tui_theme_load(&t, files[i], &cause) != 0)
            fail_msg("%s", cause);
    }
}

static void test_theme_mono_theme_uses_no_colour_pairs(void **state)
{
    struct tui_theme t;
    struct tui_resolved r;
    struct tui_term_caps caps = { 256, 256, true, false };
    char *cause = NULL;
    assert_int_equal(tui_theme_load(&t, "themes/mono.theme", &cause), 0);
    tui_theme_resolve(&t, &caps, &r);
    assert_int_equal(r.mode, TUI_MODE_256);
    assert_int_equal(r.npairs, 0);
    assert_int_equal(r.role[TUI_R_STATUS].attrs, TUI_A_REVERSE);
}

static void test_theme_partial_file_keeps_builtin_for_the_rest(void **state)
{
    struct tui_theme t = builtin(), b = builtin();
    char *cause = NULL;
    assert_int_equal(tui_theme_parse(&t,
        "# only two roles\n"
        "\n"
        "cell.data = 34 default bold, underline   # trailing comment\n"
        "[color]\n"
        "border=red black\n"
        "[mono]\n"
        "cell.data = reverse\n", "p.theme", &cause), 0);
    assert_int_equal(t.colour[TUI_R_CELL_DATA].fg, 34);
    assert_int_equal(t.colour[TUI_R_CELL_DATA].bg, TUI_COLOR_DEFAULT);
    assert_int_equal(t.colour[TUI_R_CELL_DATA].attrs,
                     TUI_A_BOLD | TUI_A_UNDERLINE);
    assert_int_equal(t.colour[TUI_R_BORDER].fg, 1);
    assert_int_equal(t.colour[TUI_R_BORDER].bg, 0);
    assert_int_equal(t.mono[TUI_R_CELL_DATA], TUI_A_REVERSE);
    assert_memory_equal(&t.colour[TUI_R_ERROR], &b.colour[TUI_R_ERROR],
                        sizeof(b.colour[0]));
}

static void test_theme_errors_name_file_line_and_problem(void **state)
{
    assert_err("\n\nbordr = red default\n", "x.theme:3: unknown role 'bordr'");
    assert_err("border = reddish default\n", "x.theme:1: unknown colour 'reddish'");
    assert_err("border = 300 default\n", "colour 300 out of range 0-255");
    assert_err("border = red\n", "'border' needs a foreground and a background");
    assert_err("border = red default shiny\n", "unknown attribute 'shiny'");
    assert_err("border red default\n", "expected 'role = ...'");
    assert_err("[colours]\n", "unknown section '[colours]'");
    assert_err("[mono]\nborder = italic\n",
               "x.theme:2: attribute 'italic' is not for [mono]");
    assert_err("[mono]\nborder = red\n", "unknown attribute 'red'");
    assert_err("[mono]\nborder =\n", "'border' needs attributes");
}

static void test_theme_no_color_env_follows_convention(void **state)
{
    unsetenv("NO_COLOR");
    assert_false(tui_theme_no_color_env());
    setenv("NO_COLOR", "", 1);                 /* empty: ignored */
    assert_false(tui_theme_no_color_env());
    setenv("NO_COLOR", "1", 1);
    assert_true(tui_theme_no_color_env());
    unsetenv("NO_COLOR");
}

static void test_theme_mode_from_caps(void **state)
{
    struct tui_term_caps c = { 256, 32767, true, false };
    assert_int_equal(tui_theme_mode(&c), TUI_MODE_256);
    c.colors = 16;
    assert_int_equal(tui_theme_mode(&c), TUI_MODE_16);
    c.colors = 8;
    assert_int_equal(tui_theme_mode(&c), TUI_MODE_8);
    c.colors = 0;
    assert_int_equal(tui_theme_mode(&c), TUI_MODE_MONO);
    c.colors = 256;
    c.no_color = true;
    assert_int_equal(tui_theme_mode(&c), TUI_MODE_MONO);
}

static void test_theme_degrade_to_16_and_8_colours(void **state)
{
    uint16_t a = 0;
    assert_int_equal(tui_theme_degrade(196, TUI_MODE_256, true, &a), 196);
    assert_int_equal(tui_theme_degrade(196, TUI_MODE_16, true, &a), 9);
    assert_int_equal(tui_theme_degrade(46, TUI_MODE_16, true, &a), 10);
    assert_int_equal(tui_theme_degrade(232, TUI_MODE_16, true, &a), 0);
    assert_int_equal(tui_theme_degrade(231, TUI_MODE_16, true, &a), 15);
    assert_int_equal(tui_theme_degrade(255, TUI_MODE_16, true, &a), 7);
    assert_int_equal(a, 0);
    /* Bright on 8 colours: plain twin, bold for a foreground only. */
    assert_int_equal(tui_theme_degrade(9, TUI_MODE_8, false, &a), 1);
    assert_int_equal(a, 0);
    assert_int_equal(tui_theme_degrade(9, TUI_MODE_8, true, &a), 1);
    assert_int_equal(a, TUI_A_BOLD);
    assert_int_equal(tui_theme_degrade(-1, TUI_MODE_8, true, &a), -1);
    assert_int_equal(tui_theme_degrade(3, TUI_MODE_MONO, true, &a), -1);
}

static void test_theme_resolve_8_colours(void **state)
{
    struct tui_theme t = builtin();
    struct tui_term_caps caps = { 8, 64, true, false };
    struct tui_resolved r;
    int p;

    tui_theme_resolve(&t, &caps, &r);
    assert_int_equal(r.mode, TUI_MODE_8);
    /* error = bright-red default bold -> red on default, bold. */
    p = r.role[TUI_R_ERROR].pair;
    assert_true(p > 0);
    assert_int_equal(r.pair[p].fg, 1);
    assert_int_equal(r.pair[p].bg, -1);
    assert_true(r.role[TUI_R_ERROR].attrs & TUI_A_BOLD);
    /* default on default needs no pair. */
    assert_int_equal(r.role[TUI_R_DEFAULT].pair, 0);
    /* Equal (fg, bg) share one pair. */
    assert_int_equal(r.role[TUI_R_ERROR].pair, r.role[TUI_R_REQ_ERROR].pair);
    for (int i = 1; i <= r.npairs; i++)
        for (int k = 0; k < 2; k++)
            assert_true((k ? r.pair[i].bg : r.pair[i].fg) < 8);
}

static void test_theme_resolve_without_default_colours(void **state)
{
    struct tui_theme t = builtin();
    struct tui_term_caps caps = { 8, 64, false, false };
    struct tui_resolved r;
    int p;
    tui_theme_resolve(&t, &caps, &r);
    p = r.role[TUI_R_DEFAULT].pair;
    assert_true(p > 0);
    assert_int_equal(r.pair[p].fg, 7);
    assert_int_equal(r.pair[p].bg, 0);
}

static void test_theme_resolve_keeps_text_visible(void **state)
{
    struct tui_theme t = builtin();
    struct tui_term_caps caps = { 8, 64, true, false };
    struct tui_resolved r;
    char *cause = NULL;
    assert_int_equal(tui_theme_parse(&t, "value = bright-white white\n"
                                         "error = 1 9\n", NULL, &cause), 0);
    tui_theme_resolve(&t, &caps, &r);
    assert_int_equal(r.pair[r.role[TUI_R_VALUE].pair].fg, 0);
    assert_int_equal(r.pair[r.role[TUI_R_ERROR].pair].fg, 7);
}

static void test_theme_resolve_mono_uses_only_bold_underline_reverse(
    void **state)
{
    struct tui_theme t = builtin();
    struct tui_term_caps caps = { 256, 256, true, true };   /* NO_COLOR */
    struct tui_resolved r;
    t.mono[TUI_R_TITLE] = TUI_A_BOLD | TUI_A_ITALIC;        /* set by code */
    tui_theme_resolve(&t, &caps, &r);
    assert_int_equal(r.mode, TUI_MODE_MONO);
    assert_int_equal(r.npairs, 0);
    for (int k = 0; k < TUI_R__MAX; k++) {
        assert_int_equal(r.role[k].pair, 0);
        assert_int_equal(r.role[k].attrs & ~TUI_A_MONO_MASK, 0);
    }
    assert_int_equal(r.role[TUI_R_TITLE].attrs, TUI_A_BOLD);
    assert_int_equal(r.role[TUI_R_SELECTION].attrs, TUI_A_REVERSE);
    /* Written and read cells look different without colour. */
    assert_int_not_equal(r.role[TUI_R_RECENT_WRITE].attrs,
                         r.role[TUI_R_RECENT_READ].attrs);
}

static void test_theme_resolve_out_of_pairs_falls_back_to_mono(void **state)
{
    struct tui_theme t = builtin();
    struct tui_term_caps caps = { 8, 3, true, false };   /* pairs 1 and 2 */
    struct tui_resolved r;
    int coloured = 0;
    tui_theme_resolve(&t, &caps, &r);
    assert_int_equal(r.npairs, 2);
    for (int k = 0; k < TUI_R__MAX; k++)
        if (r.role[k].pair)
            coloured++;
        else if (t.colour[k].fg != -1 || t.colour[k].bg != -1)
            assert_int_equal(r.role[k].attrs, t.mono[k] & TUI_A_MONO_MASK);
    assert_true(coloured >= 2);
}

static char dir[] = "/tmp/blkmon-theme-XXXXXX";

static int make_dir(void **state)
{
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int remove_dir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_theme_find_searches_dirs_in_order(void **state)
{
    char path[256], *cause = NULL, *found;
    const char *dirs[] = { "/nonexistent-blkmon", dir, "themes", NULL };
    FILE *f;

    snprintf(path, sizeof(path), "%s/light.theme", dir);
    f = fopen(path, "w");
    fputs("border = red default\n", f);
    fclose(f);
    found = tui_theme_find("light", dirs, &cause);
    assert_string_equal(found, path);               /* before themes/ */
    free(found);
    found = tui_theme_find("mono", dirs, &cause);
    assert_string_equal(found, "themes/mono.theme");
    free(found);

    assert_null(tui_theme_find("missing", dirs, &cause));
    assert_non_null(strstr(cause, "theme 'missing' not found"));
    assert_non_null(strstr(cause, "/nonexistent-blkmon"));
    free(cause);
    cause = NULL;
    assert_null(tui_theme_find(".hidden", dirs, &cause));
    assert_non_null(strstr(cause, "bad theme name"));
    free(cause);
    found = tui_theme_find("themes/light.theme", NULL, &cause);  /* a path */
    assert_string_equal(found, "themes/light.theme");
    free(found);
}

static void test_theme_load_named(void **state)
{
    const char *none[] = { "/nonexistent-blkmon", NULL };
    const char *repo[] = { "themes", NULL };
    struct tui_theme t, b = builtin();
    char *cause = NULL;

    memset(&t, 0, sizeof(t));
    assert_int_equal(tui_theme_load_named(&t, NULL, none, &cause), 0);
    assert_memory_equal(&t, &b, sizeof(t));        /* built-in fallback */
    assert_int_equal(tui_theme_load_named(&t, "light", none, &cause), -ENOENT);
    assert_non_null(cause);
    free(cause);
    assert_int_equal(tui_theme_load_named(&t, "light", repo, &cause), 0);
    assert_int_equal(t.colour[TUI_R_BORDER].fg, 67);
}

static void test_theme_curses_attrs_and_install(void **state)
{
    attr_t roles_attr[TUI_R__MAX];
    struct tui_theme t = builtin();
    struct tui_term_caps caps;
    struct tui_resolved r;
    FILE *out, *in;
    SCREEN *scr;

    assert_int_equal(tui_theme_curses_attrs(TUI_A_BOLD | TUI_A_REVERSE),
                     A_BOLD | A_REVERSE);
    assert_int_equal(tui_theme_curses_attrs(0), A_NORMAL);

    out = fopen("/dev/null", "w");
    in = fopen("/dev/null", "r");
    unsetenv("NO_COLOR");
    scr = newterm("xterm-256color", out, in);
    if (!scr) {
        fclose(out);
        fclose(in);
        print_message("skipped: no terminfo entry for xterm-256color "
                      "(ncurses-base)\n");
        skip();
    }
    tui_theme_curses_start(&caps);
    assert_int_equal(caps.colors, 256);
    tui_theme_resolve(&t, &caps, &r);
    tui_theme_curses_install(&r, roles_attr);
    assert_int_equal(PAIR_NUMBER(roles_attr[TUI_R_ERROR]),
                     r.role[TUI_R_ERROR].pair);
    assert_true(roles_attr[TUI_R_ERROR] & A_BOLD);
    {
        short fg, bg;
        pair_content(r.role[TUI_R_ERROR].pair, &fg, &bg);
        assert_int_equal(fg, 9);
        assert_int_equal(bg, -1);
    }
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theme_every_role_has_a_unique_name),
        cmocka_unit_test(test_theme_default_file_matches_builtin),
        cmocka_unit_test(test_theme_shipped_themes_parse),
        cmocka_unit_test(test_theme_mono_theme_uses_no_colour_pairs),
        cmocka_unit_test(test_theme_partial_file_keeps_builtin_for_the_rest),
        cmocka_unit_test(test_theme_errors_name_file_line_and_problem),
        cmocka_unit_test(test_theme_no_color_env_follows_convention),
        cmocka_unit_test(test_theme_mode_from_caps),
        cmocka_unit_test(test_theme_degrade_to_16_and_8_colours),
        cmocka_unit_test(test_theme_resolve_8_colours),
        cmocka_unit_test(test_theme_resolve_without_default_colours),
        cmocka_unit_test(test_theme_resolve_keeps_text_visible),
        cmocka_unit_test(
            test_theme_resolve_mono_uses_only_bold_underline_reverse),
        cmocka_unit_test(test_theme_resolve_out_of_pairs_falls_back_to_mono),
        cmocka_unit_test(test_theme_find_searches_dirs_in_order),
        cmocka_unit_test(test_theme_load_named),
        cmocka_unit_test(test_theme_curses_attrs_and_install),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
