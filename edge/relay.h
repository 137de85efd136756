/*
 * relay: the origin connection of one player, for VOD plays and for
 * publishers (edge -> origin, one to one; no hub, no cache).
 *
 * A thin shell around the pure modules, modelled on edge/upstream.c:
 * resolve the origin (common/resolver), connect a bufferevent, run the
 * client handshake (rtmp_hs), then chunk (rtmp_chunk_rx/tx) and
 * rtmp_client, in PLAY mode with the player's start for VOD, or in
 * PUBLISH mode for a publisher. What the origin says goes to the session
 * as rtmp_client events (session_relay_event); what the player asks for
 * (seek, pause, buffer length, media when publishing, closing the
 * stream) comes from the session through the calls below.
 *
 *	player            session              relay               origin
 *	play/publish ---> relay_new() ------>  connect, play/publish --->
 *	                  session_relay_event <-- Play.Start, media <----
 *	<--- Play.Start, media (same order)
 *	seek, pause ----> relay_seek/pause -------------------------->
 *	media (publish) > relay_send_media -------------------------->
 *
 * Flow control (memory stays bounded, the origin is paced by TCP):
 *  - VOD: before each read step the relay asks session_relay_can_write();
 *    when the player's output is above its high watermark the relay stops
 *    reading the origin (EV_READ off); the session calls relay_resume()
 *    once the player drained below its low watermark.
 *  - Publish: relay_is_congested() is true while the origin's output is
 *    above RELAY_WRITE_HIGH; the session then stops reading the
 *    publisher, and session_relay_drained() is called when it fell
 *    below RELAY_WRITE_LOW.
 *
 * Timeouts: connect and handshake share upstream.connect_timeout, up to
 * Play.Start / Publish.Start; after it there is none (a paused VOD player
 * and a publisher's origin are legitimately silent).
 *
 * Origin choice (struct relay_target): the route's origins in
 * rendezvous order of "app/name" (edge/origin.h), the same first origin
 * as a live pull of that key, with origins that failed recently (live
 * pulls and relays alike, edge_origin_failed()) last; the session moves
 * to the next one when a relay fails before the origin answered play or
 * publish. A relay whose connection fails marks its origin failed; one
 * that the origin starts marks it ok.
 *
 * Lifecycle: relay_new() from the session's play or publish; the relay
 * never frees itself except on failure, where it frees itself first and
 * then calls session_relay_failed(). relay_free() from the session (may
 * be called from inside a session_relay_event() callback: the free is
 * then deferred to the end of the relay's read callback).
 */
#ifndef EDGE_RELAY_H
#define EDGE_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge/edge.h"
#include "edge/origin.h"
#include "edge/rtmp_client.h"

#define RELAY_WRITE_LOW (64u * 1024)   /* publish: resume the publisher */
#define RELAY_WRITE_HIGH (256u * 1024) /* publish: pause the publisher */

struct relay;
struct session;

/* Which origins to try for one key, and where we are. */
struct relay_target {
	struct edge_origin *origin; /* own copy of the route's origins */
	size_t norigins;
	size_t order[ORIGIN_MAX];
	size_t norder, pos;
};

/* What the relay asks the origin for; strings borrowed for the call. */
struct relay_conf {
	enum rtmp_client_mode mode;
	const char *app;      /* as the player sent it in connect */
	const char *name;     /* as sent in play/publish, query included */
	double start;	      /* PLAY: ms, >= 0 */
	const char *pub_type; /* PUBLISH: "live", "record", "append" */
	uint32_t buffer_ms;   /* PLAY: SetBufferLength to send (0: none) */
};

/*
 * Copy route's origins (borrowed) into t and order them for `key`
 * ("app/name"), the ones e's origin health penalises last. Returns RC_OK,
 * or RC_NOTFOUND when the route has no origin. Release with
 * relay_target_fini(). Event loop.
 */
int relay_target_init(struct relay_target *t, struct edge *e,
    const struct edge_conf_route *route, const char *key);

/* Free t's copy; t may be zeroed or already finished. */
void relay_target_fini(struct relay_target *t);

/* The origin to try next (borrowed from t), or NULL after the last. */
const struct edge_origin *relay_target_next(struct relay_target *t);

/*
 * Start the origin session for player `s` towards `o` (copied). Returns
 * the relay (the session owns it), or NULL (logged) if the name lookup
 * could not even start. Event callback.
 */
struct relay *relay_new(struct session *s, const struct edge_origin *o,
    const struct relay_conf *c);

/*
 * Close the origin connection and free. Whatever is queued for the
 * origin (deleteStream, FCUnpublish) gets one non-blocking write first.
 * NULL does nothing. Event callback.
 */
void relay_free(struct relay *r);

/* "host:port" of the origin, for logs; borrowed from r. */
const char *relay_origin_name(const struct relay *r);

/* True once the origin answered Play.Start or Publish.Start. */
bool relay_is_started(const struct relay *r);

/*
 * Forward a player's command: pause(pause, ms), seek(ms), SetBufferLength
 * (ms), or close the stream (FCUnpublish when publishing, deleteStream).
 * RC_OK; RC_NOTFOUND when the origin's stream does not exist yet (or,
 * for pause and seek, when publishing); an rtmp_chunk error.
 */
int relay_pause(struct relay *r, bool pause, double ms);
int relay_seek(struct relay *r, double ms);
int relay_set_buffer(struct relay *r, uint32_t ms);
int relay_close_stream(struct relay *r);

/*
 * PUBLISH: send the publisher's audio, video, data or aggregate message
 * `m` (borrowed; type, timestamp and payload kept, stream id replaced by
 * the origin's). RC_OK; RC_AGAIN before Publish.Start (the message is
 * dropped); an rtmp_chunk error.
 */
int relay_send_media(struct relay *r, const struct rtmp_msg *m);

/* PUBLISH: the origin's output is above RELAY_WRITE_HIGH. */
bool relay_is_congested(const struct relay *r);

/* VOD: read from the origin again (after session_relay_can_write()). */
void relay_resume(struct relay *r);

#endif
