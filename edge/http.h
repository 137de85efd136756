/*
 * http: gslb-edge's HTTP port (evhttp), for operators and monitoring.
 *
 *	GET /metrics   Prometheus text: players, streams, upstreams, bytes.
 *	GET /v1/load   this edge's load as a state-protocol report
 *	               (statemsg_report_encode, doc/state-protocol.md).
 *	GET /v1/stats  JSON: every live stream and every player.
 *
 * Everything else is 404; only GET and HEAD are allowed. The address is
 * the config's `http` ("127.0.0.1:8081" when left out). A one-second
 * timer samples bytes_out / bytes_in so /v1/load can give egress and
 * ingress Mbit/s (absent until the first sample).
 *
 * Lifecycle: edge_http_start() at the end of edge_start(), on the edge's
 * loop; edge_http_stop() at the start of edge_stop(). Event-loop thread
 * only.
 */
#ifndef EDGE_HTTP_H
#define EDGE_HTTP_H

struct edge;

/* Bind the HTTP port. RC_OK, RC_CONFIG (bad address) or RC_IO (logged). */
int edge_http_start(struct edge *e);

/* Close the HTTP port and its timer; safe if never started. */
void edge_http_stop(struct edge *e);

#endif
