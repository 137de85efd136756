/*
 * http: gslb-edge's HTTP port: /metrics, /v1/load, /v1/stats.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/alloc.h"
#include "common/http.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"
#include "edge/edge.h"
#include "edge/http.h"
#include "edge/session.h"
#include "edge/stream.h"

#define EDGE_HTTP_DEFAULT_PORT 8081
#define EDGE_HTTP_TIMEOUT_S 10
#define EDGE_HTTP_BODY_MAX (64 * 1024)
#define EDGE_HTTP_HEADERS_MAX (16 * 1024)
#define EDGE_HTTP_TICK_US (1 * MONOTIME_SEC)

struct edge_http {
	struct evhttp *http;
	struct event *tick;
	uint64_t started_at;
	/* Rate sampling (edge_http_tick_cb). */
	uint64_t last_at, last_out, last_in;
	bool has_rate;
	double egress_mbps, ingress_mbps;
	uint64_t seq; /* /v1/load answers */
};

static void edge_http_metrics_cb(struct evhttp_request *req, void *arg);
static void edge_http_load_cb(struct evhttp_request *req, void *arg);
static void edge_http_stats_cb(struct evhttp_request *req, void *arg);
static void edge_http_notfound_cb(struct evhttp_request *req, void *arg);
static void edge_http_tick_cb(evutil_socket_t fd, short what, void *arg);

int
edge_http_start(struct edge *e)
{
	struct edge_http *h;
	struct timeval tv = loop_timeval(EDGE_HTTP_TICK_US);
	char bound[SOCKADDR_STRLEN];
	int rc;

	h = xcalloc(1, sizeof(*h));
	e->http = h;
	h->started_at = monotime_now();
	h->http = evhttp_new(e->base);
	if (h->http == NULL)
		return RC_IO;
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h->http, EDGE_HTTP_TIMEOUT_S);
	/* Monitoring requests are small; nothing larger is buffered. */
	evhttp_set_max_body_size(h->http, EDGE_HTTP_BODY_MAX);
	evhttp_set_max_headers_size(h->http, EDGE_HTTP_HEADERS_MAX);
	evhttp_set_cb(h->http, "/metrics", edge_http_metrics_cb, e);
	evhttp_set_cb(h->http, "/v1/load", edge_http_load_cb, e);
	evhttp_set_cb(h->http, "/v1/stats", edge_http_stats_cb, e);
	evhttp_set_gencb(h->http, edge_http_notfound_cb, e);
	rc = http_listen(h->http, e->base, e->conf->http,
	    EDGE_HTTP_DEFAULT_PORT, bound, sizeof(bound));
	if (rc != RC_OK)
		return rc == RC_MALFORMED ? RC_CONFIG : rc;
	h->tick = event_new(e->base, -1, EV_PERSIST, edge_http_tick_cb, e);
	if (h->tick == NULL)
		fatalx("event_new failed");
	h->last_at = monotime_now();
	h->last_out = e->stats.bytes_out;
	h->last_in = e->stats.bytes_in;
	event_add(h->tick, &tv);
	log_info("listening on %s (http: /metrics, /v1/load, /v1/stats)",
	    bound);
	return RC_OK;
}

void
edge_http_stop(struct edge *e)
{
	struct edge_http *h = e->http;

	if (h == NULL)
		return;
	if (h->tick)
		event_free(h->tick);
	if (h->http)
		evhttp_free(h->http);
	free(h);
	e->http = NULL;
}

static void
edge_http_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge *e = arg;
	struct edge_http *h = e->http;
	uint64_t now = monotime_now();
	double secs;

	(void)fd;
	(void)what;
	if (now <= h->last_at)
		return;
	secs = (double)(now - h->last_at) / (double)MONOTIME_SEC;
	e->egress_mbps = h->egress_mbps =
	    (double)(e->stats.bytes_out - h->last_out) * 8.0 / 1e6 / secs;
	h->ingress_mbps =
	    (double)(e->stats.bytes_in - h->last_in) * 8.0 / 1e6 / secs;
	h->has_rate = true;
	h->last_at = now;
	h->last_out = e->stats.bytes_out;
	h->last_in = e->stats.bytes_in;
}

static void
edge_http_notfound_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

/* Viewers playing now: subscribers of every live stream. */
static uint64_t
edge_http_players(const struct edge *e)
{
	const struct edge_live *lv;
	uint64_t n = 0;

	for (lv = e->lives; lv; lv = lv->next)
		n += lv->stream.nplayers;
	return n;
}

/* ---- /metrics ---- */

static void
edge_http_metrics_cb(struct evhttp_request *req, void *arg)
{
	struct edge *e = arg;
	const struct edge_stats *s = &e->stats;
	const struct session *ss;
	struct evbuffer *b = evbuffer_new();
	uint64_t drops = 0, ok;

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	for (ss = e->sessions; ss; ss = ss->next)
		if (ss->live) /* others were folded into player_drops */
			drops += player_queue_drops(&ss->q);
	ok = s->upstreams_started >= s->upstreams_failed ?
	    s->upstreams_started - s->upstreams_failed :
	    0;
	http_metric_one(b, "gslb_edge_players", "gauge",
	    "Players playing a live stream now.", edge_http_players(e));
	http_metric_one(b, "gslb_edge_players_total", "counter",
	    "Plays started (players subscribed to a live stream).", s->plays);
	http_metric_one(b, "gslb_edge_connections", "gauge",
	    "Player connections open now (playing or not).", e->nsessions);
	http_metric_one(b, "gslb_edge_connections_total", "counter",
	    "Player connections accepted.", s->players_accepted);
	http_metric_one(b, "gslb_edge_connections_closed_total", "counter",
	    "Player connections closed.", s->players_closed);
	http_metric_one(b, "gslb_edge_player_errors_total", "counter",
	    "Players refused or closed for an error, reset or timeout.",
	    s->players_errors);
	http_metric_one(b, "gslb_edge_player_stalls_total", "counter",
	    "Players disconnected because their queue stalled.",
	    s->players_stalled);
	http_metric_one(b, "gslb_edge_streams", "gauge",
	    "Live streams open now.", e->nlives);
	http_metric_one(b, "gslb_edge_streams_created_total", "counter",
	    "Live streams opened.", s->lives_created);
	http_metric_one(b, "gslb_edge_streams_freed_total", "counter",
	    "Live streams closed.", s->lives_freed);
	http_metric_head(b, "gslb_edge_upstreams_total", "counter",
	    "Origin pulls by result (ok: started and not failed).");
	evbuffer_add_printf(b,
	    "gslb_edge_upstreams_total{result=\"ok\"} %llu\n"
	    "gslb_edge_upstreams_total{result=\"failed\"} %llu\n",
	    (unsigned long long)ok, (unsigned long long)s->upstreams_failed);
	http_metric_one(b, "gslb_edge_upstreams_started_total", "counter",
	    "Origin pulls started.", s->upstreams_started);
	http_metric_one(b, "gslb_edge_frames_in_total", "counter",
	    "Media frames received from origins.", s->frames_in);
	http_metric_one(b, "gslb_edge_bytes_in_total", "counter",
	    "Media payload bytes received from origins.", s->bytes_in);
	http_metric_one(b, "gslb_edge_bytes_out_total", "counter",
	    "Bytes written to players.", s->bytes_out);
	http_metric_one(b, "gslb_edge_player_drops_total", "counter",
	    "Frames shed from player queues (slow players).",
	    s->player_drops + drops);
	http_metric_one(b, "gslb_edge_players_refused_total", "counter",
	    "Connects refused: full, over the egress limit, or draining.",
	    s->players_refused);
	http_metric_one(b, "gslb_edge_upstream_switches_total", "counter",
	    "Live streams moved to another origin after media flowed.",
	    s->upstream_switches);
	http_metric_one(b, "gslb_edge_streams_not_found_total", "counter",
	    "Live streams that no origin had (players told StreamNotFound).",
	    s->streams_not_found);
	http_metric_one(b, "gslb_edge_uptime_seconds", "gauge",
	    "Seconds since the HTTP port opened.",
	    (monotime_now() - e->http->started_at) / MONOTIME_SEC);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* ---- JSON replies ---- */

static void
edge_http_reply_text(struct evhttp_request *req, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL || text == NULL) {
		if (b)
			evbuffer_free(b);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add_printf(b, "%s\n", text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* ---- /v1/load ---- */

static void
edge_http_load_cb(struct evhttp_request *req, void *arg)
{
	struct edge *e = arg;
	struct edge_http *h = e->http;
	struct statemsg_report r = { 0 };
	uint64_t players = edge_http_players(e);
	char *text;

	if (e->conf->name == NULL || !statemsg_is_name(e->conf->name)) {
		evhttp_send_error(req, HTTP_INTERNAL,
		    "edge name is not a protocol name");
		return;
	}
	snprintf(r.edge, sizeof(r.edge), "%s", e->conf->name);
	r.time = (int64_t)time(NULL);
	r.seq = ++h->seq;
	r.state = STATEMSG_UP;
	r.load.has_players = true;
	r.load.players =
	    players > STATEMSG_COUNT_MAX ? STATEMSG_COUNT_MAX : players;
	r.load.has_publishers = true;
	r.load.publishers = 0;
	r.load.has_streams = true;
	r.load.streams = e->nlives;
	if (h->has_rate) {
		r.load.has_egress_mbps = true;
		r.load.egress_mbps = h->egress_mbps > STATEMSG_MBPS_MAX ?
		    STATEMSG_MBPS_MAX :
		    h->egress_mbps;
		r.load.has_ingress_mbps = true;
		r.load.ingress_mbps = h->ingress_mbps > STATEMSG_MBPS_MAX ?
		    STATEMSG_MBPS_MAX :
		    h->ingress_mbps;
	}
	text = statemsg_report_encode(&r);
	edge_http_reply_text(req, text);
	free(text);
}

/* ---- /v1/stats ---- */

static void
edge_http_stats_cb(struct evhttp_request *req, void *arg)
{
	struct edge *e = arg;
	const struct edge_live *lv;
	const struct session *s;
	json_t *root = json_object(), *streams = json_array();
	json_t *players = json_array();
	char *text;

	for (lv = e->lives; lv; lv = lv->next) {
		const struct edge_origin *o = &lv->origin[lv->origin_idx];
		json_t *j = json_object();
		char origin[EDGE_HOST_MAX + 16];

		snprintf(origin, sizeof(origin), "%s:%u", o->host,
		    (unsigned)o->port);
		json_object_set_new(j, "app", json_string(lv->app));
		json_object_set_new(j, "name", json_string(lv->name));
		json_object_set_new(j, "players",
		    json_integer((json_int_t)lv->stream.nplayers));
		json_object_set_new(j, "players_total",
		    json_integer((json_int_t)lv->stream.players_total));
		json_object_set_new(j, "frames_in",
		    json_integer((json_int_t)lv->stream.frames_in));
		json_object_set_new(j, "bytes_in",
		    json_integer((json_int_t)lv->stream.bytes_in));
		json_object_set_new(j, "origin", json_string(origin));
		json_object_set_new(j, "upstream",
		    json_string(lv->up ? "connected" : "retrying"));
		json_array_append_new(streams, j);
	}
	for (s = e->sessions; s; s = s->next) {
		json_t *j = json_object();

		json_object_set_new(j, "client", json_string(s->peer));
		json_object_set_new(j, "stream",
		    s->live ? json_string(s->live->key) : json_null());
		json_object_set_new(j, "frames_out",
		    json_integer((json_int_t)s->q.frames_out));
		json_object_set_new(j, "queued_bytes",
		    json_integer((json_int_t)s->q.bytes));
		json_object_set_new(j, "drops",
		    json_integer((json_int_t)player_queue_drops(&s->q)));
		json_object_set_new(j, "drop_bytes",
		    json_integer((json_int_t)s->q.drop_bytes));
		json_array_append_new(players, j);
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "streams", streams);
	json_object_set_new(root, "players", players);
	text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	edge_http_reply_text(req, text);
	free(text);
}
