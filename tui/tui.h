/*
 * tui.h — blkmon's screen interface, as main.c starts it.
 *
 * The TUI is a front end like headless mode: it runs qemu-io command lines
 * on the session (cmd_state) and shows the device live.  main.c creates it
 * before opening the image, so that what the open prints (warnings) lands
 * in the Output pane; if the open fails, tui_abandon prints that text to
 * stderr as headless mode would have.
 */
#ifndef BLKMON_TUI_TUI_H
#define BLKMON_TUI_TUI_H

#include <stdbool.h>

#include "cmd/cmd.h"

struct tui_options {
    const char *theme;        /* --theme NAME; NULL: default */
};

struct tui;

/* True when stdin and stdout are terminals (else: headless). */
bool tui_possible(void);
/* Take the session's output (it goes to the Output pane from now on);
 * NULL when out of memory. */
struct tui *tui_new(const struct tui_options *opts, struct cmd_state *st);
/* Give up before running: captured output goes to stderr, the session
 * writes to stdio again; t is freed. */
void tui_abandon(struct tui *t);
/*
 * Run the TUI on its session until quit: cmds (the -c commands) run
 * first, in order.  Closes the image (draining it) and hands the session
 * back (output to stdio) before returning; t is freed.  Returns the exit
 * status: 0, or 1 when the terminal could not be set up.
 */
int tui_run(struct tui *t, char **cmds, int ncmds);
/* The run's control socket: its sessions show in the Clients pane, and a
 * control client's "quit" quits as if asked on the command line. */
struct ctl_server;
void tui_set_control(struct tui *t, struct ctl_server *ctl);
/* blkmon attach unix:PATH: the TUI on a running blkmon; exit status. */
int tui_attach_main(int argc, char **argv);

#endif
