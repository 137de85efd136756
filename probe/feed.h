/*
 * feed: gslb-probe's HTTP port, the probe's side of the state protocol
 * (doc/state-protocol.md) plus its own metrics and status.
 *
 *	GET  /v1/state?since=G&wait=S   signed; the feed, long-polled
 *	POST /v1/report                 signed; an edge's load report
 *	GET  /metrics                   Prometheus text (unsigned)
 *	GET  /v1/status                 JSON, every edge and check (unsigned)
 *
 * The daemon publishes a whole new feed with feed_publish() whenever an
 * edge's entry changes (and on its refresh tick); each publish takes the
 * next generation and answers every held long-poll at once, in the same
 * loop pass:
 *
 *	dnsd --GET since=G wait=30--> held (G is current) ... feed_publish()
 *	     <--200 generation G+1--------------------------------+
 *	     (or 304 when `wait` runs out first)
 *
 * Generations start at the wall clock in milliseconds, so a restarted
 * probe does not reuse the numbers of its previous run (dnsd takes any
 * generation different from the one it holds).
 *
 * Reports are read (at most FEED_REPORT_BODY_MAX bytes), verified
 * (signature, window, replay) and decoded here, then handed to the
 * daemon's report callback, which knows the edges. Every refusal is
 * counted by reason and logged through the rate-limited logger.
 *
 * Without a secret (insecure: true) nothing is signed or checked.
 * Lifecycle: feed_new(), feed_listen() at startup; feed_set_auth() on
 * reload; feed_free() at exit. Event-loop thread only.
 */
#ifndef PROBE_FEED_H
#define PROBE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "common/statemsg.h"

struct auth;
struct evbuffer;
struct event_base;
struct feed;

#define FEED_WAIT_MAX 60		 /* seconds, the protocol's limit */
#define FEED_WAITERS_MAX 1024		 /* held long-polls; then 503 */
#define FEED_REPORT_BODY_MAX (64 * 1024) /* a report is well under 8 KiB */

/* Why a report was answered as it was (metrics label "result"). */
enum feed_report_result {
	FEED_REPORT_ACCEPTED,	  /* 204, now the edge's newest */
	FEED_REPORT_OLD,	  /* 204, not newer than the last: ignored */
	FEED_REPORT_UNAUTHORIZED, /* 401 */
	FEED_REPORT_MALFORMED,	  /* 400 */
	FEED_REPORT_UNKNOWN_EDGE, /* 404: not in the topology */
	FEED_REPORT_TOO_LARGE,	  /* 413 */
	FEED_REPORT_RESULT_MAX,
};

/* The daemon's side. Every callback gets `arg` from feed_new(). */
struct feed_ops {
	/*
	 * A verified, decoded report (borrowed for the call). Returns RC_OK
	 * (applied), RC_EXISTS (not newer: ignored) or RC_NOTFOUND (no such
	 * edge in the topology).
	 */
	int (*report)(void *arg, const struct statemsg_report *r);
	/* Append the daemon's metrics (Prometheus text) to b; optional. */
	void (*metrics)(void *arg, struct evbuffer *b);
	/* The /v1/status JSON, freed by the feed; NULL: no /v1/status. */
	char *(*status)(void *arg);
	/*
	 * Optional: one more resource, POST `post_path`, signed like a
	 * report (tests/tools/statefeed's /v1/set). post() gets the verified
	 * body (borrowed) and returns RC_OK (answered 204) or an error with
	 * `reason` filled (answered 400).
	 */
	const char *post_path;
	int (*post)(void *arg, const char *body, size_t len, char *reason,
	    size_t reason_len);
};

struct feed_stats {
	uint64_t publishes;
	uint64_t state_ok;	     /* 200 answers to GET /v1/state */
	uint64_t state_not_modified; /* 304 */
	uint64_t state_bad;	     /* 400 */
	uint64_t state_busy;	     /* 503: too many held */
	uint64_t unauthorized;	     /* 401 on /v1/state */
	uint64_t reports[FEED_REPORT_RESULT_MAX];
};

/*
 * A feed for probe `name` (copied) on `base` (borrowed), calling `ops`
 * (borrowed, static) with `arg`. Publishes an empty feed as its first
 * generation. Caller frees with feed_free(). Startup.
 */
struct feed *feed_new(struct event_base *base, const char *name,
    const struct feed_ops *ops, void *arg);

/*
 * Listen on addr ("127.0.0.1:8090"; no port means 8090). bound (may be
 * NULL) gets the address bound. Returns RC_OK, RC_MALFORMED or RC_IO
 * (logged). Startup.
 */
int feed_listen(struct feed *f, const char *addr, char *bound,
    size_t bound_len);

/* Use `a` (taken; NULL: insecure) from now on; frees the previous one. */
void feed_set_auth(struct feed *f, struct auth *a);

/* The probe name of the next publish (copied). */
void feed_set_name(struct feed *f, const char *name);

/*
 * Publish edges[0..n) (borrowed) as the next generation, stamped with
 * wall clock `now`, and answer every held long-poll. Event callbacks.
 */
void feed_publish(struct feed *f, const struct statemsg_edge *edges, size_t n,
    int64_t now);

uint64_t feed_generation(const struct feed *f);
size_t feed_waiting(const struct feed *f);
const struct feed_stats *feed_stats(const struct feed *f);

/* The feed's own metrics (generation, waiters, requests, reports). */
void feed_metrics(const struct feed *f, struct evbuffer *b);

/* Free everything; held requests go with evhttp. NULL does nothing. */
void feed_free(struct feed *f);

#endif
