/*
 * events.h — the debug events the generic layer and drivers fire.
 *
 * These are the points where blkdebug may inject an error, move its state
 * machine or suspend a request.  They are blkdebug's own events: rules/
 * lists them in QEMU's order (enum rules_event) and names them
 * (rules_event_names), so a driver fires RULES_EV_L2_LOAD and a rule or a
 * breakpoint names "l2_load", with one list for both.
 */
#ifndef BLKMON_EVENTS_H
#define BLKMON_EVENTS_H

#include "rules/rules.h"

#endif
