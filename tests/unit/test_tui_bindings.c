/*
 * test_tui_bindings.c — the key table: the keys the spec names are bound
 * (F10 is "leave": quit locally, detach when attached),
 * pane bindings win over global ones, and every binding names a command
 * the TUI or qemu-io knows (so no key can be silently dead).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/bindings.c"
#include "tui/app.h"

static void test_bindings_spec_keys_everywhere(void **state)
{
    static const struct { int key; const char *cmd; } want[] = {
        { TUI_KEY_F(1), "help-keys" },   { TUI_KEY_F(5), "resume-selected" },
        { TUI_KEY_F(6), "resume-all" },  { TUI_KEY_F(10), "leave" },
        { TUI_KEY_CTRL('L'), "redraw" }, { TUI_KEY_TAB, "focus-next" },
        { TUI_KEY_BTAB, "focus-prev" },
    };

    for (int pane = 0; pane < TUI_PANE__MAX; pane++)
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            const struct tui_binding *b = tui_binding_find(pane, want[i].key);

            assert_non_null(b);
            assert_string_equal(b->command, want[i].cmd);
        }
}

static void test_bindings_suspended_pane_keys(void **state)
{
    assert_string_equal(tui_binding_find(TUI_PANE_SUSPENDED, 'r')->command,
                        "resume-selected");
    assert_string_equal(tui_binding_find(TUI_PANE_SUSPENDED,
                                         TUI_KEY_ENTER)->command,
                        "resume-selected");
    assert_string_equal(tui_binding_find(TUI_PANE_SUSPENDED, 'R')->command,
                        "resume-all");
    assert_string_equal(tui_binding_find(TUI_PANE_SUSPENDED, 'd')->command,
                        "remove-selected-break");
    /* Pane keys stay in their pane: 'r' elsewhere is text to type. */
    assert_null(tui_binding_find(TUI_PANE_REQUESTS, 'r'));
    assert_null(tui_binding_find(TUI_PANE_CMDLINE, 'd'));
}

/* Keys work while a command waits: every binding runs at once. */
static void test_bindings_name_known_control_commands(void **state)
{
    struct cmd_state st = { .frontend_table = tui_cmd_table };

    for (size_t i = 0; i < tui_nbindings; i++) {
        char verb[32];
        size_t n = strcspn(tui_bindings[i].command, " ");
        bool found;

        assert_true(n < sizeof(verb));
        memcpy(verb, tui_bindings[i].command, n);
        verb[n] = '\0';
        /* tcmd.c's table (linked from the library), or qemu-io's. */
        found = cmd_find(&st, verb) != NULL;
        assert_true(found);
        assert_true(cmd_line_flags(&st, tui_bindings[i].command, NULL) &
                    CMD_F_CONTROL);
        assert_non_null(tui_bindings[i].help);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bindings_spec_keys_everywhere),
        cmocka_unit_test(test_bindings_suspended_pane_keys),
        cmocka_unit_test(test_bindings_name_known_control_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
