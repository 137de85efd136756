/*
 * report: this edge's load, sampled every second and pushed to the
 * probes (doc/state-protocol.md, "Load report").
 *
 * Users: edge/http.c serves the same report on GET /v1/load; edge.c
 * calls edge_report_now() when the edge's state changes (draining), so
 * the probes hear of it at once rather than at the next interval.
 *
 *	every 1 s: sample bytes out/in and CPU time -> egress/ingress Mbit/s,
 *	           cpu (share of all cores)
 *	every report.interval: for each report.urls[i] with no request in
 *	           flight: build the report (edge_report_build), sign it
 *	           (common/http, the report.secret_file), POST it
 *
 * URL hosts are resolved with c-ares (common/resolver) and again every
 * minute, so a probe may move. A URL whose POST fails (no connection,
 * timeout, status other than 204) is counted and logged once per change
 * of its outcome; the next interval tries again. Nothing here blocks.
 *
 * Lifecycle: edge_report_start() from edge_start() (after the resolver
 * exists), edge_report_stop() from edge_stop(); edge_report_reload()
 * after a reload swapped e->conf (URLs, secret and interval may change).
 * Event-loop thread only.
 */
#ifndef EDGE_REPORT_H
#define EDGE_REPORT_H

#include <stdint.h>

struct edge;
struct statemsg_report;

/* Counters for /metrics. */
struct edge_report_stats {
	uint64_t sent;	 /* answered 204 */
	uint64_t failed; /* no answer, or another status */
};

/*
 * Start sampling, and pushing if the config has a report section.
 * RC_OK, or RC_CONFIG when the secret file cannot be read (logged).
 */
int edge_report_start(struct edge *e);

/* Stop timers, cancel requests in flight, free. Safe if never started. */
void edge_report_stop(struct edge *e);

/* Apply a new e->conf->report (old requests finish or are dropped). */
int edge_report_reload(struct edge *e);

/* Look up every URL's host (edge/dnscache.h) ahead of the first push. */
void edge_report_warm(struct edge *e);

/* Push a report to every URL now (state changed). */
void edge_report_now(struct edge *e);

/*
 * Fill r with the current report: name, time, seq (+1 per call), state
 * (draining, full or up), players, publishers, streams, egress and
 * ingress Mbit/s and cpu once sampled, origins[]. RC_OK, or
 * RC_UNSUPPORTED when the config's name is not a protocol name.
 */
int edge_report_build(struct edge *e, struct statemsg_report *r);

/*
 * The state-protocol secret (report.secret_file) for checking signed
 * control requests (POST /v1/drain), or NULL when none is configured.
 */
struct auth *edge_report_auth(const struct edge *e);

/* Counters, for /metrics. */
const struct edge_report_stats *edge_report_stats(const struct edge *e);

#endif
