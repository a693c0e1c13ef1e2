/*
 * table.c — the command table: every entry, sorted by name, because the
 * "help" listing walks it in order (qemu-io sorts its table the same way).
 */
#include <stddef.h>

#include "cmd/entries.h"

const struct cmd_entry *const cmd_table[] = {
    &cmd_abort_entry,
    &cmd_aio_flush_entry,
    &cmd_aio_read_entry,
    &cmd_aio_write_entry,
    &cmd_alloc_entry,
    &cmd_bench_entry,
    &cmd_break_entry,
    &cmd_close_entry,
    &cmd_discard_entry,
    &cmd_export_entry,
    &cmd_extents_entry,
    &cmd_flush_entry,
    &cmd_help_entry,
    &cmd_info_entry,
    &cmd_length_entry,
    &cmd_map_entry,
    &cmd_open_entry,
    &cmd_powercut_entry,
    &cmd_quit_entry,
    &cmd_read_entry,
    &cmd_readv_entry,
    &cmd_record_entry,
    &cmd_remove_break_entry,
    &cmd_reopen_entry,
    &cmd_resume_entry,
    &cmd_rule_entry,
    &cmd_rules_entry,
    &cmd_seed_entry,
    &cmd_sigraise_entry,
    &cmd_sleep_entry,
    &cmd_state_entry,
    &cmd_truncate_entry,
    &cmd_unexport_entry,
    &cmd_wait_break_entry,
    &cmd_write_entry,
    &cmd_writev_entry,
    NULL,
};
