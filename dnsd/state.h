/*
 * state: what gslb-dnsd knows about each edge, and from where.
 *
 * Three inputs meet here, in the main thread, and leave as one
 * struct gslb_input per edge (dnsd_set_input()) followed by one
 * dnsd_publish() whenever the result changes:
 *
 *   probes' state feeds ──long-poll GET /v1/state──┐  freshest entry wins;
 *   (signed both ways, doc/state-protocol.md)      │  an expired entry keeps
 *                                                  ├─ its state stale_keep s,
 *   admin_state file (SIGHUP) ─────────────────────┤  then becomes stale_then
 *   POST /v1/admin on the control port ────────────┘  overrides beat feeds;
 *                                                     HTTP beats the file
 *
 * Edges no feed has mentioned are UNKNOWN, which answers as up: without
 * any probe, gslb-dnsd still answers by geography and weight.
 * The housekeeping tick re-evaluates expiry every second.
 */
#ifndef DNSD_STATE_H
#define DNSD_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/statemsg.h"

struct dnsd;
struct evhttp_request;

/* Start the feeds and read the admin file; after the first publish. */
int state_start(struct dnsd *d);
/* Stop feeds and free. */
void state_stop(struct dnsd *d);
/* After a reload: new topology, config and admin file; feeds restart if
 * their URLs changed. */
void state_reload(struct dnsd *d);
/* Once a second: expiry; publishes if anything changed. */
void state_tick(struct dnsd *d);

struct dnsd_conf;
struct gslb_topo;

/* Check the admin file of cf against tp (for -t and before a reload is
 * accepted); fills edge[]/site[] as state.c keeps them. */
bool state_admin_parse(const struct dnsd_conf *cf, const struct gslb_topo *tp,
    uint8_t *edge, uint8_t *site);

/* The control port's /v1/admin (GET: table; POST: change, signed). */
void state_admin_cb(struct evhttp_request *req, void *arg);

/*
 * POST /v1/reload: dnsd_reload(), as SIGHUP does; signed like
 * /v1/admin when there is a secret. 200, or 500 when the reload failed
 * (the running configuration stays).
 */
void state_reload_cb(struct evhttp_request *req, void *arg);

/* The state-protocol secret, for signing control answers; NULL if none. */
struct auth *state_auth(const struct dnsd *d);

/* For /metrics and /v1/status. */
struct state_feed_info {
	const char *url;
	uint64_t generation;
	double age; /* seconds since the last good answer, -1 never */
	uint64_t ok, errors, rejected;
};
unsigned state_nfeeds(const struct dnsd *d);
void state_feed_info(const struct dnsd *d, unsigned i,
    struct state_feed_info *out);
/* Edges whose feed entry has expired (stale now). */
unsigned state_stale_edges(const struct dnsd *d);
/* Where an edge's state comes from now: "admin", "feed", "stale",
 * "stale-policy", "none". */
const char *state_edge_source(const struct dnsd *d, unsigned edge);

#endif
