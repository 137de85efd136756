/*
 * edge_live: the live streams of one edge, and which origin each pulls.
 *
 * A struct edge_live is one live stream ("app/name") on this edge: the
 * hub (struct stream: GOP cache and player queues), its upstream (one
 * origin connection, edge/upstream.h), a linger timer and a retry timer.
 * The first player's play creates it (edge_live_get); the linger timer
 * frees it once it has had no player for upstream.linger.
 *
 * Origin failover. Each live stream walks an order of origins computed
 * by rendezvous hashing (edge/origin.h) over the route's origins, with
 * origins that failed recently moved to the end (penalty):
 *
 *	round: order = [o3, o1, o2]   pos 0 -> o3
 *	  o3 fails (refused, reset, timeout, silent)   -> o1 at once
 *	  o1 fails                                     -> o2 at once
 *	  o2 fails: the round is over -> pause (1 s, doubling to 8 s), then
 *	  a new round
 *	an upstream that delivered media and then fails starts a new round
 *	at once: the origin that failed is penalised, so it comes last.
 *
 * Players never notice a switch: their queues are rebased
 * (stream_upstream_reset: timestamps continue, video resumes at a key
 * frame) and the new origin's metadata and sequence headers reach them
 * like any frame. Only when every origin of a round answered
 * NetStream.Play.StreamNotFound are the players told so
 * (session_live_not_found); the stream then stays as "not found" for
 * upstream.notfound_cache, answering new players at once.
 *
 * Origin health (struct edge_origin_health, one per configured
 * "host:port" across all routes) is what the load report's origins[]
 * says: down from a failure until the next success, whether a live pull
 * or a VOD/publish relay (edge/relay.h) saw it.
 *
 * Event-loop thread only.
 */
#ifndef EDGE_EDGE_LIVE_H
#define EDGE_EDGE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge/edge_conf.h"
#include "edge/origin.h"
#include "edge/rtmp_cmd.h"
#include "edge/stream.h"

struct edge;
struct event;
struct upstream;

#define EDGE_KEY_MAX (RTMP_CMD_APP_MAX + RTMP_CMD_NAME_MAX + 2)
#define EDGE_ORIGIN_NAME_MAX (EDGE_HOST_MAX + 8) /* "host:port" */

/* Why an upstream ended (edge_live_upstream_failed). */
enum edge_live_end {
	EDGE_LIVE_END_FAILED,	 /* refused, reset, timeout, silent */
	EDGE_LIVE_END_NOT_FOUND, /* NetStream.Play.StreamNotFound */
};

struct edge_live {
	struct edge *edge;
	char app[RTMP_CMD_APP_MAX];
	char name[RTMP_CMD_NAME_MAX];
	char key[EDGE_KEY_MAX];	    /* "app/name", origin_order() key */
	struct edge_origin *origin; /* own copy of the route's origins */
	size_t norigins;	    /* 1..ORIGIN_MAX */
	struct stream stream;
	struct upstream *up;  /* NULL while waiting to retry */
	struct event *linger; /* armed while there is no player */
	struct event *retry;  /* next upstream attempt */
	struct event *wake;   /* merged write to the players (merge_write) */
	size_t origin_idx;    /* origin being used, into origin[] */
	bool not_found;	      /* every origin said StreamNotFound */
	bool up_ok;	      /* the current upstream delivered media */
	/* The failover round (see above). */
	size_t order[ORIGIN_MAX];
	size_t norder, pos;
	unsigned notfound;  /* StreamNotFound answers in this round */
	unsigned rounds;    /* failed rounds in a row (back-off) */
	uint64_t failed_at; /* monotime of the last failure, 0: none */
	uint64_t switches;  /* upstream changes after media flowed */
	struct edge_live *prev, *next;
};

/* One configured origin as this edge sees it. */
struct edge_origin_health {
	char name[EDGE_ORIGIN_NAME_MAX]; /* "host:port" */
	bool down;			 /* failed, no success since */
	uint64_t penalty_until;		 /* monotime: tried last until */
	uint64_t fails, oks;
};

/*
 * The live stream app/name for `route`, created (and its upstream
 * started) if there is none. Cancels a pending linger, unless the stream
 * is cached as not found (lv->not_found: the caller answers
 * StreamNotFound and releases it). Never NULL.
 */
struct edge_live *edge_live_get(struct edge *e,
    const struct edge_conf_route *route, const char *app, const char *name);

/* A player left `lv`: arm the linger timer if it was the last one. */
void edge_live_release(struct edge_live *lv);

/*
 * New frames in lv's hub: let every subscribed player write, at once
 * with limits.merge_write 0, else within merge_write (one timer per
 * stream), so each player gets a few frames per write rather than one:
 * far fewer system calls for a little latency (SRS's mw_latency).
 * A new player is primed at once regardless.
 */
void edge_live_wake(struct edge_live *lv);

/* The upstream delivered its first media frame: the origin works. */
void edge_live_upstream_ok(struct edge_live *lv);

/*
 * The upstream of `lv` ended (it is already freed): fail over to the
 * next origin, pause, or declare the stream not found (see above).
 */
void edge_live_upstream_failed(struct edge_live *lv, enum edge_live_end why);

/* Free every live stream (edge_stop). */
void edge_live_free_all(struct edge *e);

/*
 * The health record of origin `o`, created if new. Borrowed from e; valid
 * until edge_stop. Never NULL.
 */
struct edge_origin_health *edge_live_origin_health(struct edge *e,
    const struct edge_origin *o);

/*
 * What a connection to `o` learnt, live pull or VOD/publish relay alike:
 * it works (up, no penalty), or it failed (down, and tried last for a
 * while by every stream and relay that may use another).
 */
void edge_origin_ok(struct edge *e, const struct edge_origin *o);
void edge_origin_failed(struct edge *e, const struct edge_origin *o);

/* ORIGIN_PENALTY while `o` is tried last, else ORIGIN_UP. */
enum origin_state edge_origin_state(struct edge *e, const struct edge_origin *o,
    uint64_t now);

/*
 * After a reload swapped e->conf: give every live stream the origins of
 * the route that now matches it. Its current upstream keeps playing; the
 * new list applies from the next failover. A stream no route serves any
 * more keeps its old origins until its players leave.
 */
void edge_live_reroute(struct edge *e);

#endif
