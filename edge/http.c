/*
 * http: gslb-edge's HTTP port: /metrics, /v1/load, /v1/stats.
 */
#include "config.h"

#include <malloc.h>
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
#include "common/auth.h"
#include "common/http.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"
#include "edge/dnscache.h"
#include "edge/edge.h"
#include "edge/http.h"
#include "edge/report.h"
#include "edge/session.h"
#include "edge/stream.h"

#define EDGE_HTTP_DEFAULT_PORT 8081
#define EDGE_HTTP_TIMEOUT_S 10
#define EDGE_HTTP_BODY_MAX (64 * 1024)
#define EDGE_HTTP_HEADERS_MAX (16 * 1024)

struct edge_http {
	struct evhttp *http;
	uint64_t started_at;
};

static void edge_http_metrics_cb(struct evhttp_request *req, void *arg);
static void edge_http_load_cb(struct evhttp_request *req, void *arg);
static void edge_http_stats_cb(struct evhttp_request *req, void *arg);
static void edge_http_notfound_cb(struct evhttp_request *req, void *arg);
static void edge_http_drain_cb(struct evhttp_request *req, void *arg);
static void edge_http_undrain_cb(struct evhttp_request *req, void *arg);
static void edge_http_reload_cb(struct evhttp_request *req, void *arg);

int
edge_http_start(struct edge *e)
{
	struct edge_http *h;
	char bound[SOCKADDR_STRLEN];
	int rc;

	h = xcalloc(1, sizeof(*h));
	e->http = h;
	h->started_at = monotime_now();
	h->http = evhttp_new(e->base);
	if (h->http == NULL)
		return RC_IO;
	evhttp_set_allowed_methods(h->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_timeout(h->http, EDGE_HTTP_TIMEOUT_S);
	/* Monitoring requests are small; nothing larger is buffered. */
	evhttp_set_max_body_size(h->http, EDGE_HTTP_BODY_MAX);
	evhttp_set_max_headers_size(h->http, EDGE_HTTP_HEADERS_MAX);
	evhttp_set_cb(h->http, "/metrics", edge_http_metrics_cb, e);
	evhttp_set_cb(h->http, "/v1/load", edge_http_load_cb, e);
	evhttp_set_cb(h->http, "/v1/stats", edge_http_stats_cb, e);
	evhttp_set_cb(h->http, "/v1/drain", edge_http_drain_cb, e);
	evhttp_set_cb(h->http, "/v1/undrain", edge_http_undrain_cb, e);
	evhttp_set_cb(h->http, "/v1/reload", edge_http_reload_cb, e);
	evhttp_set_gencb(h->http, edge_http_notfound_cb, e);
	rc = http_listen(h->http, e->base, e->conf->http,
	    EDGE_HTTP_DEFAULT_PORT, bound, sizeof(bound));
	if (rc != RC_OK)
		return rc == RC_MALFORMED ? RC_CONFIG : rc;
	log_info("listening on %s (http: /metrics, /v1/load, /v1/stats, "
		 "/v1/drain, /v1/undrain, /v1/reload)",
	    bound);
	return RC_OK;
}

void
edge_http_stop(struct edge *e)
{
	struct edge_http *h = e->http;

	if (h == NULL)
		return;
	if (h->http)
		evhttp_free(h->http);
	free(h);
	e->http = NULL;
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
	const struct edge_report_stats *rs = edge_report_stats(e);
	uint64_t drops = 0, ok;

	if (b == NULL || evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		if (b)
			evbuffer_free(b);
		evhttp_send_error(req, b ? 405 : HTTP_INTERNAL, NULL);
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
	http_metric_one(b, "gslb_edge_publishers", "gauge",
	    "Publishers relayed to an origin now.", e->npublishers);
	http_metric_one(b, "gslb_edge_publishes_total", "counter",
	    "Publishes relayed to an origin.", s->publishes);
	http_metric_one(b, "gslb_edge_vod_plays_total", "counter",
	    "VOD plays relayed to an origin.", s->vod_plays);
	http_metric_one(b, "gslb_edge_relays_failed_total", "counter",
	    "VOD and publish relays that failed on the origin side.",
	    s->relays_failed);
	http_metric_one(b, "gslb_edge_players_idle_total", "counter",
	    "Connections closed for not playing or publishing in time.",
	    s->players_idle);
	http_metric_one(b, "gslb_edge_access_log_errors_total", "counter",
	    "Access log lines that could not be written.",
	    s->access_log_errors);
	http_metric_one(b, "gslb_edge_connections", "gauge",
	    "Player connections open now (playing or not).", e->nsessions);
	http_metric_one(b, "gslb_edge_connections_total", "counter",
	    "Player connections accepted.", s->players_accepted);
	http_metric_one(b, "gslb_edge_connections_closed_total", "counter",
	    "Player connections closed.", s->players_closed);
	http_metric_head(b, "gslb_edge_player_errors_total", "counter",
	    "Players closed for an error, by reason.");
	for (unsigned i = 0; i < EDGE_PERR_MAX; i++)
		evbuffer_add_printf(b,
		    "gslb_edge_player_errors_total{reason=\"%s\"} %llu\n",
		    edge_player_error_str(i),
		    (unsigned long long)s->player_errors[i]);
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
	http_metric_one(b, "gslb_edge_aggregates_bad_total", "counter",
	    "Malformed aggregate messages from origins (rest dropped).",
	    s->aggregates_bad);
	http_metric_one(b, "gslb_edge_streams_not_found_total", "counter",
	    "Live streams that no origin had (players told StreamNotFound).",
	    s->streams_not_found);
	http_metric_head(b, "gslb_edge_reports_total", "counter",
	    "Load reports POSTed to probes, by result.");
	evbuffer_add_printf(b,
	    "gslb_edge_reports_total{result=\"ok\"} %llu\n"
	    "gslb_edge_reports_total{result=\"failed\"} %llu\n",
	    (unsigned long long)rs->sent, (unsigned long long)rs->failed);
	http_metric_head(b, "gslb_edge_draining", "gauge",
	    "1 while draining (admitting during the grace), 2 once closed "
	    "to new players, 0 when running.");
	evbuffer_add_printf(b, "gslb_edge_draining %d\n", (int)e->drain_state);
	if (e->dns != NULL) {
		struct dnscache_stats ds;

		dnscache_stats(e->dns, &ds);
		http_metric_one(b, "gslb_edge_dns_names", "gauge",
		    "Origin and probe host names in the DNS cache.", ds.names);
		http_metric_one(b, "gslb_edge_dns_lookups_total", "counter",
		    "Host name lookups sent (first lookups and TTL refreshes).",
		    ds.lookups);
		http_metric_one(b, "gslb_edge_dns_failures_total", "counter",
		    "Host name lookups that failed.", ds.failures);
		http_metric_one(b, "gslb_edge_dns_changes_total", "counter",
		    "Lookups whose answer changed a name's addresses.",
		    ds.changes);
		http_metric_one(b, "gslb_edge_dns_stale_total", "counter",
		    "Connects that used addresses past their TTL (DNS failing).",
		    ds.stale);
	}
	http_metric_one(b, "gslb_edge_reloads_total", "counter",
	    "Configuration reloads applied (SIGHUP).", e->reloads);
	http_metric_one(b, "gslb_edge_reload_failures_total", "counter",
	    "Configuration reloads refused (the running one was kept).",
	    e->reload_failures);
	{
		struct mallinfo2 mi = mallinfo2();

		http_metric_one(b, "gslb_edge_heap_inuse_bytes", "gauge",
		    "Heap bytes allocated (malloc, main arena and others).",
		    mi.uordblks + mi.hblkhd);
		http_metric_one(b, "gslb_edge_heap_free_bytes", "gauge",
		    "Heap bytes free but kept by malloc.", mi.fordblks);
	}
	http_metric_one(b, "gslb_edge_uptime_seconds", "gauge",
	    "Seconds since the HTTP port opened.",
	    (monotime_now() - e->http->started_at) / MONOTIME_SEC);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* ---- JSON replies ---- */

/* A JSON answer, signed when the edge has a state-protocol secret. */
static void
edge_http_reply_json(struct evhttp_request *req, struct edge *e,
    const char *text)
{
	if (text == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	http_reply(req, edge_report_auth(e), (int64_t)time(NULL), HTTP_OK,
	    text);
}

/* ---- /v1/load ---- */

static void
edge_http_load_cb(struct evhttp_request *req, void *arg)
{
	struct edge *e = arg;
	struct statemsg_report r;
	char *text;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	if (edge_report_build(e, &r) != RC_OK) {
		evhttp_send_error(req, HTTP_INTERNAL,
		    "edge name is not a protocol name");
		return;
	}
	text = statemsg_report_encode(&r);
	edge_http_reply_json(req, e, text);
	free(text);
}

/* ---- POST /v1/drain, /v1/undrain, /v1/reload ---- */

/*
 * POST only. With a state-protocol secret (report.secret_file) the
 * request must be signed like every state-protocol request; the answer
 * is the edge's state as JSON, signed too.
 */
enum edge_http_action {
	EDGE_HTTP_DRAIN,
	EDGE_HTTP_UNDRAIN,
	EDGE_HTTP_RELOAD,
};

static void
edge_http_control(struct evhttp_request *req, struct edge *e,
    enum edge_http_action act)
{
	static const char *const names[] = { "drain", "undrain", "reload" };
	struct auth *a = edge_report_auth(e);
	int64_t now = (int64_t)time(NULL);
	char *body = NULL, *text;
	size_t len = 0;
	json_t *j;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	if (http_read_body(req, EDGE_HTTP_BODY_MAX, &body, &len) != RC_OK) {
		http_reply_error(req, a, now, 400, "body too large");
		return;
	}
	if (a != NULL && http_verify_request(req, a, now, body, len) != RC_OK) {
		free(body);
		log_ratelimited(&e->rl_player, LOG_WARNING,
		    "http: unsigned or badly signed %s refused", names[act]);
		http_reply_error(req, a, now, 401, "bad signature");
		return;
	}
	free(body);
	switch (act) {
	case EDGE_HTTP_DRAIN:
		edge_drain(e, "POST /v1/drain");
		break;
	case EDGE_HTTP_UNDRAIN:
		edge_undrain(e, "POST /v1/undrain");
		break;
	case EDGE_HTTP_RELOAD:
		log_notice("POST /v1/reload: reloading %s", e->conf_path);
		if (edge_reload_file(e) != RC_OK) {
			/* The secret may have changed: ask again. */
			http_reply_error(req, edge_report_auth(e), now, 500,
			    "reload failed: the previous configuration "
			    "stays, see the log");
			return;
		}
		a = edge_report_auth(e);
		break;
	}
	j = json_pack("{s:i, s:s, s:s, s:I, s:I}", "version", 1, "edge",
	    e->conf->name ? e->conf->name : "", "drain",
	    edge_drain_state_str(e->drain_state), "sessions",
	    (json_int_t)e->nsessions, "reloads", (json_int_t)e->reloads);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	http_reply(req, a, now, HTTP_OK, text);
	free(text);
}

static void
edge_http_drain_cb(struct evhttp_request *req, void *arg)
{
	edge_http_control(req, arg, EDGE_HTTP_DRAIN);
}

static void
edge_http_undrain_cb(struct evhttp_request *req, void *arg)
{
	edge_http_control(req, arg, EDGE_HTTP_UNDRAIN);
}

static void
edge_http_reload_cb(struct evhttp_request *req, void *arg)
{
	edge_http_control(req, arg, EDGE_HTTP_RELOAD);
}

/* ---- /v1/stats ---- */

static void
edge_http_stats_cb(struct evhttp_request *req, void *arg)
{
	struct edge *e = arg;
	const struct edge_live *lv;
	const struct session *s;
	json_t *root = json_object(), *streams = json_array();
	json_t *players = json_array(), *origins = json_array();
	uint64_t now = monotime_now();
	size_t i;
	char *text;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		json_decref(root);
		json_decref(streams);
		json_decref(players);
		json_decref(origins);
		evhttp_send_error(req, 405, NULL);
		return;
	}
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
		    json_string(lv->not_found ? "not found" :
			    lv->up	      ? "connected" :
						"retrying"));
		json_object_set_new(j, "switches",
		    json_integer((json_int_t)lv->switches));
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
		json_object_set_new(j, "bytes_out",
		    json_integer((json_int_t)s->bytes_out));
		json_object_set_new(j, "seconds",
		    json_real((double)(now - s->started_us) / MONOTIME_SEC));
		json_object_set_new(j, "kbps",
		    json_real(now > s->started_us ? (double)s->bytes_out * 8.0 *
				1000.0 / (double)(now - s->started_us) :
						    0.0));
		json_object_set_new(j, "ttff_ms",
		    s->first_frame_us && s->play_us ?
			json_real((double)(s->first_frame_us - s->play_us) /
			    MONOTIME_MSEC) :
			json_null());
		json_array_append_new(players, j);
	}
	for (i = 0; i < e->norigins; i++) {
		const struct edge_origin_health *oh = &e->origins[i];
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(oh->name));
		json_object_set_new(j, "state",
		    json_string(oh->down ? "down" : "up"));
		json_object_set_new(j, "fails",
		    json_integer((json_int_t)oh->fails));
		json_object_set_new(j, "oks",
		    json_integer((json_int_t)oh->oks));
		json_array_append_new(origins, j);
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "streams", streams);
	json_object_set_new(root, "players", players);
	json_object_set_new(root, "origins", origins);
	json_object_set_new(root, "drain",
	    json_string(edge_drain_state_str(e->drain_state)));
	text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	edge_http_reply_json(req, e, text);
	free(text);
}
