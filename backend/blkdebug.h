/*
 * blkdebug.h — the blkdebug driver's state, shared by blkdebug.c (open,
 * events, breakpoints) and blkdebug-faults.c (what rules do to requests);
 * private to backend/.
 */
#ifndef BLKMON_BLKDEBUG_H
#define BLKMON_BLKDEBUG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/node.h"
#include "backend/timerq.h"
#include "backend/wcache.h"
#include "rules/rules.h"

/* The power of the device: a cut turns it off until its cache is gone. */
enum bd_power { BD_POWER_ON, BD_POWER_CUTTING, BD_POWER_OFF };

struct blkdebug_state {
    struct rules_engine *rules;
    /* The limit options as given; 0 = not set. */
    uint64_t align, max_transfer, opt_write_zero, max_write_zero;
    uint64_t opt_discard, max_discard;
    /* Permissions taken on, or kept from others for, the image beyond
     * its parent's (take-child-perms, unshare-child-perms). */
    uint64_t take_child_perms, unshare_child_perms;

    struct bk_timerq timers;    /* delays and hang timeouts */
    struct bk_wcache *wcache;   /* made when the first write is cached */
    enum bd_power power;
    uint64_t epoch;             /* cuts so far: a request from before the
                                   last one fails when it goes on */
    bool cut_running;
    struct bk_io *cut_io;       /* the request a rule's cut took */
    struct bk_fault cut;        /* the last cut's report */
};

struct bd_job;

/*
 * A request parked at one or more breakpoints, or by a hang rule (job).
 * The engine holds the record as its cookie under each tag; the record
 * knows where the io goes on once the last of them lets go.
 */
struct parked {
    struct bk_io *io;
    bk_io_cb *cont;            /* where io goes on when resumed */
    size_t left;               /* resumes still needed */
    char *tag;                 /* the tag shown while it waits */
    struct bd_job *job;        /* a hang's request, else NULL */
};

/* Show tag (NULL: none) as the one holding p's request. */
static inline void bd_parked_show_tag(struct parked *p, const char *tag)
{
    free(p->tag);
    p->tag = tag ? strdup(tag) : NULL;
    if (p->io->req != NULL)
        p->io->req->suspend_tag = p->tag;
}

/* blkdebug-faults.c: every request the driver gets goes through here. */
void bd_request(struct bk_io *io, enum rules_iotype type);
/* Truncate, block status and close, which the write cache changes. */
void bd_truncate(struct bk_io *io);
void bd_block_status(struct bk_io *io);
void bd_faults_open(struct bk_node *node);
void bd_faults_close(struct bk_node *node);
/* A hang's request was resumed (p is freed). */
void bd_hang_resumed(struct bk_node *node, struct parked *p);
int bd_powercut(struct bk_node *node, double keep, bool exit,
                struct bk_fault *out);

#endif
