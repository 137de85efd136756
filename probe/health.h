/*
 * health: one edge's verdict from its active checks and its load reports.
 *
 * Pure: no I/O, no clock (the caller passes monotime_now()), no globals.
 * The daemon keeps one struct health_edge per topology edge and feeds it
 * three kinds of input; each returns what changed and, when something
 * worth a line happened, the one log line to write:
 *
 *	check outcome ----> health_check_done() --+
 *	  (sched.c)           rise/fall per kind   |
 *	load report ------> health_report() -------+--> verdict --> feed entry
 *	  (POST /v1/report,   newest by (time,seq) |    (health_entry)
 *	   or CHECK_HTTP)                          |
 *	housekeeping tick --> health_tick() -------+
 *	                      reports stopped? suspect
 *
 * Per check kind: UNKNOWN until its first outcome, which decides UP or
 * DOWN at once (so a fresh probe publishes after one interval); after
 * that `fall` consecutive failures take an UP check DOWN and `rise`
 * consecutive successes take a DOWN check UP.
 *
 * The verdict, in order:
 *	1. DOWN if any enabled check kind is DOWN;
 *	2. UNKNOWN if check kinds are enabled and none has an outcome yet;
 *	3. the report's state if a fresh report says draining, full or down;
 *	4. UP (with no check kind enabled: the fresh report's state; DOWN if
 *	   reports stopped; UNKNOWN if there never was one).
 * A report is fresh while younger (by the probe's clock of receipt) than
 * the configured report timeout. An edge that had reports and whose
 * reports stop is *suspect*: its load becomes unknown and its verdict
 * comes from the active checks alone, until a report arrives again.
 * UNKNOWN edges are left out of the feed, which dnsd reads as "no news"
 * (it keeps the topology's default, up).
 *
 * Log lines have the shape of doc/gslb-probe.8, LOGGING:
 *	edge lon-1: play: ttff 120 ms -> fail NetStream.Play.StreamNotFound;
 *	    up -> down
 * (edge, check kind, its last outcome of the other sort -- the last
 * success when it fails, the last failure when it succeeds -- then this
 * outcome, then old -> new).
 */
#ifndef PROBE_HEALTH_H
#define PROBE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/statemsg.h"
#include "probe/check.h"

#define HEALTH_LINE_MAX 512

enum health_state {
	HEALTH_UNKNOWN,
	HEALTH_UP,
	HEALTH_DOWN,
	HEALTH_DRAINING,
	HEALTH_FULL,
	HEALTH_STATE_MAX,
};

/* The settings health uses (from probe_conf; copied, plain values). */
struct health_conf {
	unsigned rise, fall;	    /* >= 1 */
	uint64_t report_timeout_us; /* older reports: suspect */
};

/* One check kind of one edge. */
struct health_check {
	enum health_state state;  /* UNKNOWN, UP or DOWN */
	unsigned run;		  /* consecutive outcomes against `state` */
	bool has_last;		  /* an outcome has arrived */
	enum check_result result; /* the last outcome ... */
	double ms;
	char why[CHECK_WHY_MAX];
	uint64_t at; /* ... and when (monotime) */
	/* The last outcome of the other sort, for transition lines. */
	bool has_ok, has_bad;
	double ok_ms;		      /* the last success */
	enum check_result bad_result; /* the last failure or timeout */
	char bad_why[CHECK_WHY_MAX];
	uint64_t results[CHECK_TIMEOUT + 1]; /* outcomes by result */
};

struct health_edge {
	char name[STATEMSG_NAME_MAX + 1];
	bool enabled[CHECK_KIND_MAX]; /* kinds run on this edge (caller's) */
	enum health_state state;      /* the verdict */
	struct health_check check[CHECK_KIND_MAX];
	bool has_report;
	struct statemsg_report report; /* the newest accepted */
	uint64_t report_at;	       /* when it was accepted (monotime) */
	bool suspect;		       /* had reports, none fresh now */
	uint64_t suspect_total;	       /* times it became suspect */
	uint64_t changes;	       /* verdict changes */
};

/* What one input changed. */
struct health_change {
	bool state;  /* the verdict changed: publish at once */
	bool load;   /* the published load figures changed */
	bool logged; /* `line` holds one line to log (at notice) */
	char line[HEALTH_LINE_MAX];
};

/* "unknown", "up", "down", "draining", "full". */
const char *health_state_str(enum health_state s);

/* A new edge named `name` (borrowed, cut to STATEMSG_NAME_MAX): UNKNOWN. */
void health_edge_init(struct health_edge *h, const char *name);

/*
 * Apply one outcome (borrowed) of check kind k at monotime now. An OK
 * CHECK_HTTP outcome carrying a report is then applied like
 * health_report(). *ch says what changed. Anywhere (pure).
 */
void health_check_done(struct health_edge *h, const struct health_conf *c,
    enum check_kind k, const struct check_outcome *o, uint64_t now,
    struct health_change *ch);

/*
 * Apply a load report (borrowed) received at monotime now. Returns
 * RC_OK if it is now the edge's newest, RC_EXISTS if it is not newer
 * than the last one accepted (smaller time, or the same time and a seq
 * not greater; nothing changes). The caller has checked r->edge.
 */
int health_report(struct health_edge *h, const struct health_conf *c,
    const struct statemsg_report *r, uint64_t now, struct health_change *ch);

/*
 * Re-evaluate at monotime now: reports that stopped make an edge
 * suspect. Also after the caller changed `enabled` (reload).
 */
void health_tick(struct health_edge *h, const struct health_conf *c,
    uint64_t now, struct health_change *ch);

/*
 * The edge's feed entry: state, valid_for and, unless suspect, the load
 * of its newest report. Returns false for an UNKNOWN edge (not in the
 * feed).
 */
bool health_entry(const struct health_edge *h, uint32_t valid_for,
    struct statemsg_edge *out);

#endif
