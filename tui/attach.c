/*
 * attach.c — blkmon attach (placeholder while the remote model lands).
 */
#include <stdio.h>

#include "tui/tui.h"

int tui_attach_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "blkmon: attach: not yet\n");
    return 2;
}
