/*
 * upstream: the one origin connection of a live stream (edge -> origin).
 *
 * A thin shell around the pure modules: edge/oconn opens the connection
 * (the origin's addresses from edge/dnscache, each tried in turn, and the
 * client handshake), then chunk (rtmp_chunk_rx/tx) and rtmp_client run
 * in PLAY mode with start -1000 (live only). Every MEDIA event (audio, video, data) becomes a frame
 * (frame_new) published to the live stream's hub
 * (stream_publish_frame), then the players are woken.
 *
 * Timeouts: connect and handshake share upstream.connect_timeout; once
 * playing, no byte for max(silent_timeout, connect_timeout) fails the
 * upstream. Any failure frees the upstream and tells the live stream
 * (edge_live_upstream_failed), which retries after a pause.
 *
 * Lifecycle: upstream_new() from edge_live_get(); upstream_free() from
 * the live stream (linger over, retry, edge_stop). Never frees itself
 * except through edge_live_upstream_failed().
 */
#ifndef EDGE_UPSTREAM_H
#define EDGE_UPSTREAM_H

#include "edge/edge.h"

/*
 * Start pulling lv->key from origin lv->route->origin[lv->origin_idx].
 * Returns the upstream (owned by lv), or NULL (logged) if the lookup
 * could not even start.
 */
struct upstream *upstream_new(struct edge_live *lv);

/* Send deleteStream if playing, close and free. NULL does nothing. */
void upstream_free(struct upstream *u);

#endif
