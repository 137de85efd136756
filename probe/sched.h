/*
 * sched: runs every active check of every edge on its own jittered
 * timer, one run at a time per (edge, kind).
 *
 * The daemon adds one slot per edge and enabled check kind, then the
 * loop does the rest:
 *
 *	timer (interval +/- jitter) --> run in flight? --yes--> skip turn
 *	                                     | no                (counted)
 *	                                     v
 *	                         start(kind, target) --> check_*.c
 *	                                                     |
 *	done(arg, edge, kind, outcome) <-- slot's callback <-+
 *
 * Each slot's first run comes at a random point within its first
 * interval, so edges added together are spread out from the start;
 * later ones follow at interval +/- jitter (common/loop.h, loop_jitter()).
 * The timer keeps its cadence whatever a run takes: a run slower than
 * the interval makes the next turn(s) skip rather than queue.
 *
 * How a kind is started is the caller's `start` function (the daemon's
 * table of check_tcp_start() and friends; fakes in unit tests), so the
 * scheduler knows nothing of sockets. sched_free() cancels the runs in
 * flight (check_run_cancel()): their callbacks never run.
 *
 * Lifecycle: sched_new() and sched_add() at startup or reload, then
 * sched_free(); a reload builds a new scheduler for the new topology.
 * Event-loop thread only.
 */
#ifndef PROBE_SCHED_H
#define PROBE_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "probe/check.h"

struct event_base;
struct sched;

/* Start one run of kind k on t (borrowed; the run copies it). Never NULL. */
typedef struct check_run *(*sched_start_cb_t)(struct event_base *base,
    enum check_kind k, const struct check_target *t, check_done_cb cb,
    void *arg);

/* A run of (edge, k) ended with outcome o (borrowed for the call). */
typedef void (*sched_done_cb_t)(void *arg, unsigned edge, enum check_kind k,
    const struct check_outcome *o);

struct sched_stats {
	uint64_t started; /* runs started */
	uint64_t done;	  /* runs that called back */
	uint64_t skipped; /* turns skipped: the previous run was in flight */
};

/*
 * A scheduler on `base` (borrowed) starting runs with `start` and
 * reporting them to done(arg, ...). arg is borrowed. Caller frees with
 * sched_free(). Startup or reload.
 */
struct sched *sched_new(struct event_base *base, sched_start_cb_t start,
    sched_done_cb_t done, void *arg);

/*
 * Check kind k of edge number `edge` (the caller's index) on target t
 * (copied) every interval_us (> 0) +/- jitter_pct percent (0..100).
 * Returns the slot's number (0, 1, ... in order of adding), or -1 and
 * logs if libevent fails. Startup or reload.
 */
int sched_add(struct sched *s, unsigned edge, enum check_kind k,
    const struct check_target *t, uint64_t interval_us, unsigned jitter_pct);

/* Slots added so far. */
size_t sched_count(const struct sched *s);

/*
 * What the slot's timer does when it fires: start a run, or skip the
 * turn if one is in flight. For unit tests; the timers call it
 * otherwise.
 */
void sched_fire(struct sched *s, size_t slot);

/* Whether slot `slot` has a run in flight. */
bool sched_is_running(const struct sched *s, size_t slot);

/* Counters over all slots. */
const struct sched_stats *sched_stats(const struct sched *s);

/* Cancel every run in flight, free timers and slots. NULL does nothing. */
void sched_free(struct sched *s);

#endif
