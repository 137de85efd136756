/*
 * edge: the gslb-edge daemon context.
 *
 * One struct edge per process (STYLE.md: one context struct, passed
 * explicitly): the config, the event loop, the RTMP listeners, the
 * resolver, every player session, the table of live streams by
 * "app/name" and the stats counters. Single-threaded: everything runs on
 * the one event_base of `loop`.
 *
 * The live streams (struct edge_live) and origin failover are in
 * edge/edge_live.h.
 *
 * Lifecycle: edge_start() after the config loaded and the loop exists;
 * edge_stop() after loop_run() returns (it frees every session, live
 * stream, upstream, listener and the resolver, so loop_free() may
 * follow).
 */
#ifndef EDGE_EDGE_H
#define EDGE_EDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "edge/edge_conf.h"
#include "edge/rtmp_chunk.h"
#include "edge/edge_live.h"
#include "edge/rtmp_cmd.h"
#include "edge/stream.h"

struct bufferevent;
struct evbuffer;
struct event;
struct evconnlistener;
struct edge_http;   /* edge/http.h */
struct edge_report; /* edge/report.h */
struct loop;
struct resolver;
struct dnscache;
struct session;
struct upstream;

/*
 * Draining (edge_drain): RUNNING -> DRAINING (reports "draining", still
 * admits players for drain.grace while DNS moves new ones away) ->
 * CLOSED (refuses connects; the process exits when the last session
 * ends, or at drain.deadline, counted from the start of the drain).
 * edge_undrain() goes back to RUNNING from either.
 */
enum edge_drain_state {
	EDGE_RUNNING,
	EDGE_DRAINING,
	EDGE_DRAIN_CLOSED,
};

/* Why a player was closed for an error (gslb_edge_player_errors_total). */
enum edge_player_error {
	EDGE_PERR_HANDSHAKE, /* bad handshake: version, sizes */
	EDGE_PERR_PROTOCOL,  /* malformed chunk stream, message or command */
	EDGE_PERR_LIMIT,   /* a size over a limit (limits.max_message_bytes) */
	EDGE_PERR_TIMEOUT, /* handshake or idle timeout */
	EDGE_PERR_RESET,   /* connection lost */
	EDGE_PERR_ORIGIN,  /* its origin failed mid-stream (VOD, publish) */
	EDGE_PERR_WRITE,   /* could not encode what it was sent */
	EDGE_PERR_MAX,
};

struct edge_stats {
	uint64_t players_accepted;
	uint64_t players_closed;
	uint64_t players_errors; /* closed for an error: sum of the next */
	uint64_t player_errors[EDGE_PERR_MAX];
	uint64_t players_stalled;
	uint64_t plays;
	uint64_t upstreams_started;
	uint64_t upstreams_failed;
	uint64_t frames_in;
	uint64_t bytes_in;  /* media payload bytes from origins */
	uint64_t bytes_out; /* bytes written to players */
	uint64_t lives_created;
	uint64_t lives_freed;
	uint64_t players_refused;   /* connects refused: full, draining */
	uint64_t player_drops;	    /* frames shed from closed players */
	uint64_t upstream_switches; /* failovers after media flowed */
	uint64_t streams_not_found; /* no origin had the stream */
	uint64_t aggregates_bad;    /* malformed aggregates from origins */
	/* Player sessions (edge/session.c, edge/relay.c). */
	uint64_t players_idle;	/* no play or publish within idle_timeout */
	uint64_t vod_plays;	/* plays relayed to an origin (VOD) */
	uint64_t publishes;	/* publishers the origin accepted */
	uint64_t relays_failed; /* VOD/publish origin sessions that failed */
	uint64_t access_log_errors; /* lines not written */
};

struct edge {
	struct edge_conf *conf;
	const char *conf_path; /* the file reloads reread (argv, borrowed) */
	struct loop *loop;
	struct event_base *base;
	struct resolver *resolver;
	struct dnscache *dns; /* origin and probe names (edge/dnscache.h) */
	struct evconnlistener **listeners;
	size_t nlisteners;
	struct session *sessions; /* every player connection */
	size_t nsessions;
	size_t nadmitted; /* sessions whose connect was accepted */
	struct edge_live *lives;
	size_t nlives;
	struct edge_origin_health *origins; /* edge_live_origin_health() */
	size_t norigins;
	struct edge_stats stats;
	double egress_mbps;	    /* last one-second sample (edge/http.c) */
	struct edge_http *http;	    /* HTTP port (edge/http.h), or NULL */
	struct edge_report *report; /* load reports (edge/report.h) */
	enum edge_drain_state drain_state;
	uint64_t drain_since; /* monotime the drain started */
	struct event *drain_grace, *drain_deadline;
	uint64_t reloads, reload_failures;
	struct log_ratelimit rl_player;
	struct log_ratelimit rl_upstream;
	size_t npublishers; /* sessions publishing through a relay */
	/* The access log (edge/access_log.h); fd valid when open. */
	bool access_log_open;
	int access_log_fd;
	struct log_ratelimit rl_access_log;
};

/* Count a player closed for `why`. */
void edge_player_error(struct edge *e, enum edge_player_error why);

/* "handshake", "protocol", ...: the metrics label of `why`. */
const char *edge_player_error_str(enum edge_player_error why);

/*
 * Open the listeners and the resolver. Returns RC_OK, or RC_IO /
 * RC_ERROR (logged) when a listener cannot be bound. Startup.
 */
int edge_start(struct edge *e);

/* Close everything edge_start() and the sessions opened. After loop_run. */
void edge_stop(struct edge *e);

/*
 * Why a new player connection must be refused now: "draining",
 * "full" (max_players) or "egress" (max_egress_mbps), or NULL to admit.
 * session.c asks at connect and answers NetConnection.Connect.Rejected.
 */
const char *edge_admission(const struct edge *e);

/* A session was freed (session_free): a draining edge may now exit. */
void edge_session_closed(struct edge *e);

/*
 * Start draining (see enum edge_drain_state); `why` names the trigger for
 * the log ("SIGQUIT", "POST /v1/drain"). Does nothing if already
 * draining. Event callback.
 */
void edge_drain(struct edge *e, const char *why);

/* Stop draining: admit players again. Does nothing if running. */
void edge_undrain(struct edge *e, const char *why);

/* "running", "draining" or "closed" (for logs and JSON). */
const char *edge_drain_state_str(enum edge_drain_state st);

/*
 * Replace e->conf with `ncf` (takes ownership; the old config is freed)
 * after a SIGHUP: routes, limits, upstream timers, drain and report
 * settings apply at once; every session and live stream stays. The
 * listen and http addresses cannot change without a restart: a new
 * config that changes them is refused. Returns RC_OK, or RC_CONFIG (ncf
 * freed, old config kept, logged).
 */
int edge_reload(struct edge *e, struct edge_conf *ncf);

/*
 * Reread e->conf_path and edge_reload() it, then reopen the access log
 * (rotation): what SIGHUP and POST /v1/reload do. RC_OK or RC_CONFIG
 * (logged; the running configuration stays).
 */
int edge_reload_file(struct edge *e);

/*
 * Chunk the messages of `out` into `dst` with `tx`, in order; after a
 * Set Chunk Size message of our own, switch tx to its size (so what
 * follows uses it, as the peer expects). RC_OK or an rtmp_chunk error.
 */
int edge_send_out(struct rtmp_chunk_tx *tx, struct evbuffer *dst,
    const struct rtmp_cmd_out *out);

/* Chunk one message into dst. RC_OK or RC_MALFORMED. */
int edge_send_msg(struct rtmp_chunk_tx *tx, struct evbuffer *dst,
    const struct rtmp_msg *m);

#endif
