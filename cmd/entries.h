/*
 * entries.h — every command entry, for table.c to gather.  Each lives in
 * the file that implements it.
 */
#ifndef BLKMON_CMD_ENTRIES_H
#define BLKMON_CMD_ENTRIES_H

#include "cmd/cmd.h"

extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_aio_flush_entry;
extern const struct cmd_entry cmd_aio_read_entry;
extern const struct cmd_entry cmd_aio_write_entry;
extern const struct cmd_entry cmd_alloc_entry;
extern const struct cmd_entry cmd_bench_entry;
extern const struct cmd_entry cmd_break_entry;
extern const struct cmd_entry cmd_close_entry;
extern const struct cmd_entry cmd_discard_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_extents_entry;
extern const struct cmd_entry cmd_flush_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_length_entry;
extern const struct cmd_entry cmd_map_entry;
extern const struct cmd_entry cmd_open_entry;
extern const struct cmd_entry cmd_powercut_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_read_entry;
extern const struct cmd_entry cmd_readv_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_remove_break_entry;
extern const struct cmd_entry cmd_reopen_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_rule_entry;
extern const struct cmd_entry cmd_rules_entry;
extern const struct cmd_entry cmd_seed_entry;
extern const struct cmd_entry cmd_sigraise_entry;
extern const struct cmd_entry cmd_sleep_entry;
extern const struct cmd_entry cmd_state_entry;
extern const struct cmd_entry cmd_truncate_entry;
extern const struct cmd_entry cmd_unexport_entry;
extern const struct cmd_entry cmd_wait_break_entry;
extern const struct cmd_entry cmd_write_entry;
extern const struct cmd_entry cmd_writev_entry;

#endif
