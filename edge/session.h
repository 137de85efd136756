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
#include "edge/stream.h"

#define SESSION_CSID_DATA 5u
#define SESSION_CSID_AUDIO 6u
#define SESSION_CSID_VIDEO 7u

struct session {
	/* First member: edge_live_wake() maps a queue back to its session. */
	struct player_queue q;
	struct edge *edge;
	struct bufferevent *bev;
	char peer[64];
	bool hs_done;
	struct rtmp_hs hs;
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	struct rtmp_cmd_session cmd;
	struct rtmp_cmd_out out;	/* replies, reused per command */
	struct edge_live *live;		/* subscribed to, or NULL */
	uint32_t sid;			/* playing NetStream id */
	char cmd_app[RTMP_CMD_APP_MAX]; /* app from connect */
	bool closing;			/* free once the output drained */
	bool in_read;			/* inside the read callback */
	bool dead;		 /* freed when the read callback returns */
	bool admitted;		 /* connect accepted: counts in nadmitted */
	uint64_t bytes_out;	 /* bytes written to this player */
	uint64_t started_us;	 /* accepted (monotime) */
	uint64_t play_us;	 /* play accepted, 0 before */
	uint64_t first_frame_us; /* first media frame written, 0 before */
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

/* Close and free now: unsubscribe, free the bufferevent, free. */
void session_free(struct session *s);

#endif
