/*
 * session: one player connection on the edge.
 *
 * A thin shell around the pure RTMP modules: a libevent bufferevent
 * feeds the server handshake (rtmp_hs), then the chunk decoder
 * (rtmp_chunk_rx, limits from the config), whose messages go to rtmp_cmd.
 * connect is accepted when a route serves the app; play subscribes the
 * player's queue to the live stream (edge_live_get creates it and starts
 * its upstream), then the queue is drained to the socket as the output
 * buffer empties (write watermarks).
 *
 * VOD routes and publishers are relayed one to one (edge/relay.h): each
 * such session opens its own origin connection, and what flows between
 * the two is passed on in order:
 *
 *	VOD player           edge                      origin
 *	play(name, start) -> relay_new (PLAY)       -> play(name, start)
 *	                 <- StreamBegin, Play.Start <- StreamBegin, Play.Start
 *	                 <- media (stream id set)   <- media, aggregates
 *	seek / pause     -> relay_seek / _pause     -> seek / pause
 *	                 <- Seek/Pause.Notify       <- Seek/Pause.Notify
 *	                 <- StreamEOF, onPlayStatus <- end of file
 *	                    Complete, Play.Stop
 *	publisher: releaseStream, FCPublish, createStream answered here;
 *	publish -> relay_new (PUBLISH) -> Publish.Start from the origin ->
 *	Publish.Start to the publisher, then its media goes on unchanged.
 *
 * rtmp_cmd answers seek and pause at once; a VOD session drops those
 * local answers and sends the origin's instead (after the media already
 * queued, as the origin orders them). Media reaches a player only after
 * Play.Start (rtmp_cmd_can_send_media). Flow control: see relay.h.
 *
 * Timeouts: the handshake has limits.handshake_timeout; a connection
 * that has neither played nor published limits.idle_timeout after its
 * handshake is closed (stats.players_idle); a publisher that sends
 * nothing for idle_timeout is closed too. Every session writes one
 * access log line when it is freed (edge/access_log.h).
 *
 * Media placement (as nginx-rtmp): audio on csid 6, video on csid 7,
 * data (onMetaData) on csid 5, all on the player's NetStream id, with
 * the rebased timestamps of player_queue_pop(). Replies use the chunk
 * size announced in the connect accept (4096) from the Set Chunk Size on.
 *
 * Lifecycle: session_new() from the listener's accept callback; the
 * session frees itself on error, EOF or timeout (session_free: unsubscribe,
 * free the bufferevent, which closes the fd, then the memory); edge_stop()
 * frees those left.
 */
#ifndef EDGE_SESSION_H
#define EDGE_SESSION_H

#include <stdint.h>

#include "edge/edge.h"
#include "edge/rtmp_chunk.h"
#include "edge/rtmp_cmd.h"
#include "edge/rtmp_handshake.h"
#include "edge/relay.h"
#include "edge/stream.h"

#define SESSION_CSID_DATA 5u
#define SESSION_CSID_AUDIO 6u
#define SESSION_CSID_VIDEO 7u
#define SESSION_CSID_AGGREGATE 8u
#define SESSION_END_MAX 96u /* "error:...", "rejected:..." */

/* What a session did, for the access log. */
enum session_kind {
	SESSION_KIND_NONE = 0,
	SESSION_KIND_PLAY_LIVE,
	SESSION_KIND_PLAY_VOD,
	SESSION_KIND_PUBLISH,
};

struct session {
	/* First member: edge_live_wake() maps a queue back to its session. */
	struct player_queue q;
	struct edge *edge;
	struct bufferevent *bev;
	char peer[64];
	bool hs_done;
	struct rtmp_hs *hs; /* only until the handshake is done */
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	struct rtmp_cmd_session cmd;
	struct rtmp_cmd_out *out; /* replies (session_out), freed once sent */
	struct edge_live *live;	  /* subscribed to, or NULL */
	uint32_t sid;		  /* playing NetStream id */
	char cmd_app[RTMP_CMD_APP_MAX]; /* app from connect */
	bool closing;			/* free once the output drained */
	bool in_read;			/* inside the read callback */
	bool dead;		 /* freed when the read callback returns */
	bool admitted;		 /* connect accepted: counts in nadmitted */
	uint64_t bytes_out;	 /* bytes written to this player */
	uint64_t started_us;	 /* accepted (monotime) */
	uint64_t play_us;	 /* play accepted, 0 before */
	uint64_t first_frame_us; /* first media frame written, 0 before */
	/* VOD and publish relays, access log (see the overview). */
	enum session_kind kind;
	struct relay *relay;		   /* origin session, or NULL */
	struct relay_target target;	   /* origins left to try */
	struct event *idle;		   /* armed from handshake to play */
	char *name;			   /* played/published, no query */
	char *raw_name;			   /* as sent, for the origin */
	char pub_type[RTMP_CMD_SHORT_MAX]; /* publish type as sent */
	double start;			   /* VOD play start, ms */
	uint32_t buffer_ms;		   /* player's SetBufferLength */
	bool relay_started;		   /* origin said Play/Publish.Start */
	bool publishing;		   /* counted in e->npublishers */
	bool read_paused;		   /* publisher waits for the origin */
	bool stream_closed;		   /* player sent deleteStream */
	uint64_t bytes_in;		   /* bytes read from this peer */
	uint64_t acked;			   /* bytes_in at the last ack */
	char end[SESSION_END_MAX];	   /* how it ended; "" = shutdown */
	struct session *prev, *next;
};

/* Take over accepted socket `fd` (closed on failure). Event callback. */
void session_new(struct edge *e, int fd, const struct sockaddr *sa, int salen);

/* Write queued frames while the output is under its watermark. */
void session_flush(struct session *s);

/*
 * Every origin said StreamNotFound for s->live: tell the player
 * (NetStream.Play.StreamNotFound), unsubscribe, and close once the
 * reply is written. Called by the live stream for each of its players.
 */
void session_live_not_found(struct session *s);

/*
 * Close and free now: write the access log line, close the relay,
 * unsubscribe, free the bufferevent, free. A session freed without a
 * recorded reason (edge_stop) is logged as "shutdown".
 */
void session_free(struct session *s);

/* ---- Called by the relay (edge/relay.c) ---- */

/*
 * The origin did something (ev borrowed): pass it on to the player.
 * May free the relay (relay_free defers it) or close the session.
 */
void session_relay_event(struct session *s, const struct rtmp_client_event *ev);

/* The relay failed and freed itself: next origin, or tell and close. */
void session_relay_failed(struct session *s, const char *why);

/* VOD: the player's output is below its high watermark. */
bool session_relay_can_write(const struct session *s);

/* PUBLISH: the origin's output drained; read the publisher again. */
void session_relay_drained(struct session *s);

#endif
