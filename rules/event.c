/*
 * event.c — the names of blkdebug's events, I/O types and actions.
 *
 * One enum-indexed table per kind, read both to parse a name and to print
 * one.  The event names are QEMU 7.2's BlkdebugEvent enum (qapi), checked
 * name by name against qemu-io's "break" command; the order is QEMU's.
 */
#include <string.h>

#include "rules/rules.h"

const char *const rules_event_names[RULES_EV__MAX] = {
    [RULES_EV_L1_UPDATE]                   = "l1_update",
    [RULES_EV_L1_GROW_ALLOC_TABLE]         = "l1_grow_alloc_table",
    [RULES_EV_L1_GROW_WRITE_TABLE]         = "l1_grow_write_table",
    [RULES_EV_L1_GROW_ACTIVATE_TABLE]      = "l1_grow_activate_table",
    [RULES_EV_L2_LOAD]                     = "l2_load",
    [RULES_EV_L2_UPDATE]                   = "l2_update",
    [RULES_EV_L2_UPDATE_COMPRESSED]        = "l2_update_compressed",
    [RULES_EV_L2_ALLOC_COW_READ]           = "l2_alloc_cow_read",
    [RULES_EV_L2_ALLOC_WRITE]              = "l2_alloc_write",
    [RULES_EV_READ_AIO]                    = "read_aio",
    [RULES_EV_READ_BACKING_AIO]            = "read_backing_aio",
    [RULES_EV_READ_COMPRESSED]             = "read_compressed",
    [RULES_EV_WRITE_AIO]                   = "write_aio",
    [RULES_EV_WRITE_COMPRESSED]            = "write_compressed",
    [RULES_EV_VMSTATE_LOAD]                = "vmstate_load",
    [RULES_EV_VMSTATE_SAVE]                = "vmstate_save",
    [RULES_EV_COW_READ]                    = "cow_read",
    [RULES_EV_COW_WRITE]                   = "cow_write",
    [RULES_EV_REFTABLE_LOAD]               = "reftable_load",
    [RULES_EV_REFTABLE_GROW]               = "reftable_grow",
    [RULES_EV_REFTABLE_UPDATE]             = "reftable_update",
    [RULES_EV_REFBLOCK_LOAD]               = "refblock_load",
    [RULES_EV_REFBLOCK_UPDATE]             = "refblock_update",
    [RULES_EV_REFBLOCK_UPDATE_PART]        = "refblock_update_part",
    [RULES_EV_REFBLOCK_ALLOC]              = "refblock_alloc",
    [RULES_EV_REFBLOCK_ALLOC_HOOKUP]       = "refblock_alloc_hookup",
    [RULES_EV_REFBLOCK_ALLOC_WRITE]        = "refblock_alloc_write",
    [RULES_EV_REFBLOCK_ALLOC_WRITE_BLOCKS] = "refblock_alloc_write_blocks",
    [RULES_EV_REFBLOCK_ALLOC_WRITE_TABLE]  = "refblock_alloc_write_table",
    [RULES_EV_REFBLOCK_ALLOC_SWITCH_TABLE] = "refblock_alloc_switch_table",
    [RULES_EV_CLUSTER_ALLOC]               = "cluster_alloc",
    [RULES_EV_CLUSTER_ALLOC_BYTES]         = "cluster_alloc_bytes",
    [RULES_EV_CLUSTER_FREE]                = "cluster_free",
    [RULES_EV_FLUSH_TO_OS]                 = "flush_to_os",
    [RULES_EV_FLUSH_TO_DISK]               = "flush_to_disk",
    [RULES_EV_PWRITEV_RMW_HEAD]            = "pwritev_rmw_head",
    [RULES_EV_PWRITEV_RMW_AFTER_HEAD]      = "pwritev_rmw_after_head",
    [RULES_EV_PWRITEV_RMW_TAIL]            = "pwritev_rmw_tail",
    [RULES_EV_PWRITEV_RMW_AFTER_TAIL]      = "pwritev_rmw_after_tail",
    [RULES_EV_PWRITEV]                     = "pwritev",
    [RULES_EV_PWRITEV_ZERO]                = "pwritev_zero",
    [RULES_EV_PWRITEV_DONE]                = "pwritev_done",
    [RULES_EV_EMPTY_IMAGE_PREPARE]         = "empty_image_prepare",
    [RULES_EV_L1_SHRINK_WRITE_TABLE]       = "l1_shrink_write_table",
    [RULES_EV_L1_SHRINK_FREE_L2_CLUSTERS]  = "l1_shrink_free_l2_clusters",
    [RULES_EV_COR_WRITE]                   = "cor_write",
    [RULES_EV_CLUSTER_ALLOC_SPACE]         = "cluster_alloc_space",
    [RULES_EV_NONE]                        = "none",
};

const char *const rules_iotype_names[RULES_IO__MAX] = {
    [RULES_IO_READ]         = "read",
    [RULES_IO_WRITE]        = "write",
    [RULES_IO_WRITE_ZEROES] = "write-zeroes",
    [RULES_IO_DISCARD]      = "discard",
    [RULES_IO_FLUSH]        = "flush",
    [RULES_IO_BLOCK_STATUS] = "block-status",
};

const char *const rules_action_names[RULES_ACTION__MAX] = {
    [RULES_INJECT_ERROR] = "inject-error",
    [RULES_SET_STATE]    = "set-state",
    [RULES_SUSPEND]      = "break",
    [RULES_DELAY]        = "delay",
    [RULES_HANG]         = "hang",
    [RULES_CORRUPT]      = "corrupt",
    [RULES_DROP_WRITES]  = "drop-writes",
    [RULES_TORN_WRITE]   = "torn-write",
    [RULES_BAD_BLOCKS]   = "bad-blocks",
    [RULES_POWERCUT]     = "powercut",
    [RULES_WRITE_CACHE]  = "write-cache",
};

bool
rules_action_has_event(enum rules_action a)
{
    return a == RULES_INJECT_ERROR || a == RULES_SET_STATE ||
           a == RULES_SUSPEND;
}

static int
lookup(const char *const *names, int n, const char *name)
{
    int i;

    if (name == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

int
rules_event_lookup(const char *name)
{
    return lookup(rules_event_names, RULES_EV__MAX, name);
}

int
rules_iotype_lookup(const char *name)
{
    return lookup(rules_iotype_names, RULES_IO__MAX, name);
}
