/*
 * probe: the gslb-probe daemon's context, and how its parts connect.
 *
 *	topology --edges--> sched --timers--> check_*.c --outcome--+
 *	                                                           v
 *	edges --POST /v1/report--> feed --report cb--> health (per edge)
 *	                                                           |
 *	dnsd <--GET /v1/state (long-poll)-- feed <--publish--------+
 *
 * probe_start() loads the topology named by the config, makes one
 * health_edge per topology edge and one scheduler slot per edge and
 * enabled check kind, and opens the HTTP port (feed.c). A change of any
 * edge's verdict is published at the end of the same loop pass (one
 * generation for all the changes of that pass), so a held long-poll is
 * answered at once; load figures are republished on the next
 * housekeeping tick (PROBE_TICK_US), and the whole feed at least every
 * valid_for / 3 seconds.
 *
 * probe_reload() loads the new config's topology and secret first; if
 * either fails nothing changes. Otherwise edges that stay keep their
 * health (hysteresis, reports), new ones start UNKNOWN, and a new
 * scheduler replaces the old one (runs in flight are cancelled).
 *
 * Event-loop thread only; one struct probe per process (main.c).
 */
#ifndef PROBE_PROBE_H
#define PROBE_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"
#include "probe/check.h"
#include "probe/health.h"

#define PROBE_TICK_US (250 * 1000ULL) /* housekeeping: staleness, load */

struct auth;
struct event;
struct event_base;
struct feed;
struct loop;
struct loop_timer;
struct probe_conf;
struct sched;
struct topology;

struct probe {
	struct loop *loop; /* borrowed from main() */
	struct event_base *base;
	struct probe_conf *conf; /* owned */
	struct topology *topo;	 /* owned */
	struct health_conf hc;
	struct health_edge *edges; /* one per topology edge, same order */
	unsigned nedges;
	struct sched *sched;
	struct feed *feed;
	struct event *publish_ev; /* end-of-pass publish after a change */
	struct loop_timer *tick;
	uint64_t published_at; /* monotime of the last publish */
	bool dirty;	       /* load changed since the last publish */
	uint64_t state_changes, reloads, reload_failures;
	char bound[64]; /* the HTTP address bound */
};

/*
 * The topology named by cf (resolved against the config's directory),
 * loaded and validated; NULL and logged if it is not valid. Startup or
 * reload (also for -t).
 */
struct topology *probe_topology_load(const struct probe_conf *cf);

/*
 * Start with p->loop and p->conf set (conf is taken). Returns RC_OK, or
 * RC_CONFIG / RC_IO (logged); probe_stop() cleans up either way.
 */
int probe_start(struct probe *p);

/*
 * Apply a new config (taken, also on failure). Returns RC_OK, or
 * RC_CONFIG when its topology or secret is not usable: then nothing
 * changed. Signal callback.
 */
int probe_reload(struct probe *p, struct probe_conf *ncf);

/* Free everything probe_start() made, and the config. */
void probe_stop(struct probe *p);

#endif
