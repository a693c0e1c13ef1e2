/*
 * tcmd_qmap.c — "map-view": which map of a format image the Allocation
 * pane shows (pane_qmap.c).  A TUI command like those of tcmd.c.
 */
#include <string.h>

#include "cmd/out.h"
#include "tui/qmap.h"

static int tc_map_view(struct cmd_state *st, int argc, char **argv);

const struct cmd_entry tui_map_view_entry = {
    .name = "map-view", .exec = tc_map_view, .argmin = 0, .argmax = 1,
    .flags = CMD_F_GLOBAL | CMD_F_CONTROL | CMD_F_EXTRA,
    .args = "[guest|host|toggle]",
    .oneline = "the Allocation view of a format image (qcow2): the guest "
               "disk, or the image file's layout",
};

static int tc_map_view(struct cmd_state *st, int argc, char **argv)
{
    struct tui *t = st->frontend;
    const char *how = argc > 1 ? argv[1] : "toggle";
    int host;

    if (strcmp(how, "guest") == 0)
        host = 0;
    else if (strcmp(how, "host") == 0)
        host = 1;
    else if (strcmp(how, "toggle") == 0)
        host = -1;
    else
        return cmd_usage(st->out, &tui_map_view_entry);
    if (tui_qmap_set_host(t, host) < 0) {
        out_printf(st->out, "map-view: the image has one view only "
                   "(a format with a layout, qcow2, has two)\n");
        return 0;
    }
    tui_app_dirty(t);
    return 0;
}
