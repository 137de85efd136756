/*
 * control: gslb-dnsd's HTTP port (evhttp), for operators and monitoring.
 *
 * GET /metrics serves Prometheus text. It runs in the main thread and
 * sums the workers' single-writer counters (see stats.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sys/queue.h>

#include <jansson.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "dnsd/dnsd.h"
#include "common/http.h"
#include "dnsd/gslb.h"
#include "dnsd/state.h"
#include "dnsd/zone.h"

static void control_metrics_cb(struct evhttp_request *req, void *arg);
static void control_status_cb(struct evhttp_request *req, void *arg);
static void control_explain_cb(struct evhttp_request *req, void *arg);
static void control_notfound_cb(struct evhttp_request *req, void *arg);

int
dnsd_control_open(struct dnsd *d)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[SOCKADDR_STRLEN];
	uint16_t port;

	if (sockaddr_parse(d->conf->control, 0, &ss, &len) != RC_OK)
		return RC_CONFIG;
	port = sockaddr_port((struct sockaddr *)&ss);
	sockaddr_fmt((struct sockaddr *)&ss, host, sizeof(host));
	/* evhttp wants the bare host: strip ":port" and brackets. */
	*strrchr(host, ':') = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	d->http = evhttp_new(loop_base(d->loop));
	if (d->http == NULL)
		return RC_IO;
	evhttp_set_allowed_methods(d->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_timeout(d->http, 10);
	/* Admin requests are small; nothing larger is buffered. */
	evhttp_set_max_body_size(d->http, 64 * 1024);
	evhttp_set_max_headers_size(d->http, 16 * 1024);
	evhttp_set_cb(d->http, "/metrics", control_metrics_cb, d);
	evhttp_set_cb(d->http, "/v1/status", control_status_cb, d);
	evhttp_set_cb(d->http, "/v1/explain", control_explain_cb, d);
	evhttp_set_cb(d->http, "/v1/admin", state_admin_cb, d);
	evhttp_set_cb(d->http, "/v1/reload", state_reload_cb, d);
	evhttp_set_gencb(d->http, control_notfound_cb, d);
	if (evhttp_bind_socket(d->http, host, port) != 0) {
		log_warn("control %s: cannot listen", d->conf->control);
		return RC_IO;
	}
	log_info("control %s: listening (/metrics, /v1/status, /v1/explain, "
		 "/v1/admin, /v1/reload)",
	    d->conf->control);
	if (d->conf->state == NULL && d->gtp)
		log_notice("control %s: no state secret configured, so "
			   "POST /v1/admin takes unsigned changes: keep the "
			   "control port on loopback",
		    d->conf->control);
	return RC_OK;
}

void
dnsd_control_close(struct dnsd *d)
{
	if (d->http)
		evhttp_free(d->http);
	d->http = NULL;
}

static void
control_notfound_cb(struct evhttp_request *req, void *arg)
{
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

/* One counter family per pool: name, help and the counter array. */
static const struct {
	const char *name;
	const char *help;
	size_t off;
} control_pool_counters[] = {
	{ "gslb_dnsd_pool_answers_total", "Answers for each pool's name.",
	    offsetof(struct gslb_counters, pool_answers) },
	{ "gslb_dnsd_pool_failopen_total",
	    "Answers given with every edge of the pool (all were down).",
	    offsetof(struct gslb_counters, pool_failopen) },
	{ "gslb_dnsd_pool_servfail_total",
	    "SERVFAIL answers (all edges down, all_down: servfail).",
	    offsetof(struct gslb_counters, pool_servfail) },
};

static void
control_metrics_gslb(struct dnsd *d, struct evbuffer *b, const struct gslb *g)
{
	struct gslb_topo *tp = gslb_topo_of(g);

	for (size_t k = 0;
	     k < sizeof(control_pool_counters) / sizeof(*control_pool_counters);
	     k++) {
		http_metric_head(b, control_pool_counters[k].name, "counter",
		    control_pool_counters[k].help);
		for (unsigned i = 0; i < gslb_topo_npools(tp); i++)
			evbuffer_add_printf(b, "%s{pool=\"%s\"} %llu\n",
			    control_pool_counters[k].name,
			    gslb_topo_pool_name(tp, i),
			    (unsigned long long)gslb_topo_counter_total(tp,
				control_pool_counters[k].off, i));
	}
	http_metric_head(b, "gslb_dnsd_site_answers_total", "counter",
	    "Answers served by each site.");
	http_metric_head(b, "gslb_dnsd_site_load", "gauge",
	    "Reported load of each site as a fraction of its capacity "
	    "(-1 unknown).");
	for (unsigned i = 0; i < gslb_topo_nsites(tp); i++) {
		evbuffer_add_printf(b,
		    "gslb_dnsd_site_answers_total{site=\"%s\"} %llu\n",
		    gslb_topo_site_name(tp, i),
		    (unsigned long long)gslb_topo_counter_total(tp,
			offsetof(struct gslb_counters, site_answers), i));
		evbuffer_add_printf(b, "gslb_dnsd_site_load{site=\"%s\"} %g\n",
		    gslb_topo_site_name(tp, i), gslb_site_load(g, i));
	}
	http_metric_head(b, "gslb_dnsd_edge_answers_total", "counter",
	    "Times each edge was in an answer.");
	http_metric_head(b, "gslb_dnsd_edge_usable", "gauge",
	    "1 if the edge is handed out now.");
	for (unsigned i = 0; i < gslb_topo_nedges(tp); i++) {
		const char *site =
		    gslb_topo_site_name(tp, gslb_topo_edge_site(tp, i));

		evbuffer_add_printf(b,
		    "gslb_dnsd_edge_answers_total{edge=\"%s\",site=\"%s\"} "
		    "%llu\n",
		    gslb_topo_edge_name(tp, i), site,
		    (unsigned long long)gslb_topo_counter_total(tp,
			offsetof(struct gslb_counters, edge_answers), i));
		evbuffer_add_printf(b,
		    "gslb_dnsd_edge_usable{edge=\"%s\",site=\"%s\"} %d\n",
		    gslb_topo_edge_name(tp, i), site,
		    gslb_edge_usable(g, i) ? 1 : 0);
	}
	http_metric_head(b, "gslb_dnsd_state_age_seconds", "gauge",
	    "Seconds since each state feed last answered (-1 never).");
	http_metric_head(b, "gslb_dnsd_state_updates_total", "counter",
	    "State feed answers, by feed and result.");
	for (unsigned i = 0; i < state_nfeeds(d); i++) {
		struct state_feed_info fi;

		state_feed_info(d, i, &fi);
		evbuffer_add_printf(b,
		    "gslb_dnsd_state_age_seconds{url=\"%s\"} %.3f\n"
		    "gslb_dnsd_state_updates_total{url=\"%s\",result=\"ok\"} "
		    "%llu\n"
		    "gslb_dnsd_state_updates_total{url=\"%s\",result="
		    "\"error\"} %llu\n"
		    "gslb_dnsd_state_updates_total{url=\"%s\",result="
		    "\"rejected\"} %llu\n",
		    fi.url, fi.age, fi.url, (unsigned long long)fi.ok, fi.url,
		    (unsigned long long)fi.errors, fi.url,
		    (unsigned long long)fi.rejected);
	}
	http_metric_head(b, "gslb_dnsd_state_stale_edges", "gauge",
	    "Edges whose feed entry has expired (stale policy applies).");
	evbuffer_add_printf(b, "gslb_dnsd_state_stale_edges %u\n",
	    state_stale_edges(d));
}

static void
control_metrics_cb(struct evhttp_request *req, void *arg)
{
	struct dnsd *d = arg;
	struct evbuffer *b = evbuffer_new();
	const struct dnsd_snap *snap = atomic_load(&d->snap);
	struct dnsd_stats s;

	dnsd_stats_sum(d, &s);
	http_metric_head(b, "gslb_dnsd_queries_total", "counter",
	    "Queries received, by transport.");
	evbuffer_add_printf(b,
	    "gslb_dnsd_queries_total{transport=\"udp\"} %llu\n"
	    "gslb_dnsd_queries_total{transport=\"tcp\"} %llu\n",
	    (unsigned long long)s.queries[STATS_UDP],
	    (unsigned long long)s.queries[STATS_TCP]);
	http_metric_head(b, "gslb_dnsd_queries_by_type_total", "counter",
	    "Queries with a readable question, by query type.");
	for (unsigned i = 0; i < STATS_QTYPES; i++)
		evbuffer_add_printf(b,
		    "gslb_dnsd_queries_by_type_total{qtype=\"%s\"} %llu\n",
		    stats_qtype_name(i), (unsigned long long)s.qtype[i]);
	http_metric_head(b, "gslb_dnsd_responses_total", "counter",
	    "Responses sent, by response code.");
	for (unsigned i = 0; i < STATS_RCODES; i++) {
		if (i > 5 && i < 16)
			continue;
		evbuffer_add_printf(b,
		    "gslb_dnsd_responses_total{rcode=\"%s\"} %llu\n",
		    stats_rcode_name(i), (unsigned long long)s.rcode[i]);
	}
	http_metric_head(b, "gslb_dnsd_dropped_total", "counter",
	    "Requests dropped without an answer, by reason.");
	for (unsigned i = 0; i < STATS_DROPS; i++)
		evbuffer_add_printf(b,
		    "gslb_dnsd_dropped_total{reason=\"%s\"} %llu\n",
		    stats_drop_name(i), (unsigned long long)s.dropped[i]);
	http_metric_one(b, "gslb_dnsd_truncated_total", "counter",
	    "Responses sent with TC set.", s.truncated);
	http_metric_one(b, "gslb_dnsd_udp_batches_total", "counter",
	    "recvmmsg() calls that returned datagrams (queries per batch = "
	    "udp queries / batches).",
	    s.udp_batches);
	http_metric_one(b, "gslb_dnsd_edns_total", "counter",
	    "Queries that carried EDNS.", s.edns);
	http_metric_one(b, "gslb_dnsd_tcp_connections_total", "counter",
	    "TCP connections accepted.", d->tcp_counts.connections);
	http_metric_one(b, "gslb_dnsd_tcp_rejected_total", "counter",
	    "TCP connections closed at once: tcp_max_clients reached.",
	    d->tcp_counts.rejected);
	http_metric_one(b, "gslb_dnsd_tcp_timeouts_total", "counter",
	    "TCP connections closed after tcp_idle_timeout.",
	    d->tcp_counts.timeouts);
	http_metric_one(b, "gslb_dnsd_tcp_clients", "gauge",
	    "TCP connections open now.", d->tcp_counts.current);
	http_metric_head(b, "gslb_dnsd_reloads_total", "counter",
	    "Reloads (SIGHUP), by result.");
	evbuffer_add_printf(b,
	    "gslb_dnsd_reloads_total{result=\"ok\"} %llu\n"
	    "gslb_dnsd_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)d->reloads_ok,
	    (unsigned long long)d->reloads_failed);
	http_metric_head(b, "gslb_dnsd_zone_serial", "gauge",
	    "SOA serial of each zone served.");
	for (size_t i = 0; snap && i < snap->env.db->nzones; i++)
		evbuffer_add_printf(b,
		    "gslb_dnsd_zone_serial{zone=\"%s\"} %u\n",
		    snap->env.db->zones[i]->name,
		    snap->env.db->zones[i]->serial);
	http_metric_one(b, "gslb_dnsd_ecs_total", "counter",
	    "Queries that carried EDNS Client Subnet.", s.ecs);
	if (snap && snap->env.gslb)
		control_metrics_gslb(d, b, snap->env.gslb);
	http_metric_one(b, "gslb_dnsd_uptime_seconds", "gauge",
	    "Seconds since start.",
	    ((monotime_now() - d->started_at) / MONOTIME_SEC));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* ---- /v1/status ---- */

static void
control_reply_json(struct evhttp_request *req, struct dnsd *d, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	/* Signed when there is a secret, so gslbctl -k can trust it. */
	http_reply(req, state_auth(d), (int64_t)time(NULL), HTTP_OK,
	    text ? text : "{}");
	free(text);
	json_decref(j);
}

static void
control_status_cb(struct evhttp_request *req, void *arg)
{
	struct dnsd *d = arg;
	const struct dnsd_snap *snap = atomic_load(&d->snap);
	const struct gslb *g = snap ? snap->env.gslb : NULL;
	json_t *root = json_object(), *arr;

	json_object_set_new(root, "version", json_integer(1));
	arr = json_array();
	for (size_t i = 0; snap && i < snap->env.db->nzones; i++)
		json_array_append_new(arr,
		    json_pack("{s:s,s:I}", "name", snap->env.db->zones[i]->name,
			"serial", (json_int_t)snap->env.db->zones[i]->serial));
	json_object_set_new(root, "zones", arr);
	if (g) {
		struct gslb_topo *tp = gslb_topo_of(g);
		json_t *pools = json_array(), *sites = json_array();
		json_t *edges = json_array(), *feeds = json_array();

		for (unsigned i = 0; i < gslb_topo_npools(tp); i++) {
			json_t *spill = json_object();

			for (unsigned s = 0; s < gslb_topo_nsites(tp); s++)
				if (gslb_spill_share(g, i, s) > 0)
					json_object_set_new(spill,
					    gslb_topo_site_name(tp, s),
					    json_real(
						gslb_spill_share(g, i, s)));
			json_array_append_new(pools,
			    json_pack("{s:s,s:I,s:o}", "name",
				gslb_topo_pool_name(tp, i), "answers",
				(json_int_t)gslb_topo_counter_total(tp,
				    offsetof(struct gslb_counters,
					pool_answers),
				    i),
				"spill", spill));
		}
		for (unsigned i = 0; i < gslb_topo_nsites(tp); i++) {
			json_t *s = json_pack("{s:s,s:I}", "name",
			    gslb_topo_site_name(tp, i), "answers",
			    (json_int_t)gslb_topo_counter_total(tp,
				offsetof(struct gslb_counters, site_answers),
				i));

			if (gslb_site_load(g, i) >= 0)
				json_object_set_new(s, "load",
				    json_real(gslb_site_load(g, i)));
			json_array_append_new(sites, s);
		}
		for (unsigned i = 0; i < gslb_topo_nedges(tp); i++) {
			json_t *e = json_pack("{s:s,s:s,s:s,s:b,s:s,s:I}",
			    "name", gslb_topo_edge_name(tp, i), "site",
			    gslb_topo_site_name(tp, gslb_topo_edge_site(tp, i)),
			    "state", gslb_state_str(d->inputs[i].state),
			    "usable", gslb_edge_usable(g, i), "source",
			    state_edge_source(d, i), "answers",
			    (json_int_t)gslb_topo_counter_total(tp,
				offsetof(struct gslb_counters, edge_answers),
				i));

			if (gslb_edge_load(g, i) >= 0)
				json_object_set_new(e, "load",
				    json_real(gslb_edge_load(g, i)));
			if (d->inputs[i].has_players)
				json_object_set_new(e, "players",
				    json_real(d->inputs[i].players));
			if (d->inputs[i].has_mbps)
				json_object_set_new(e, "mbps",
				    json_real(d->inputs[i].mbps));
			json_array_append_new(edges, e);
		}
		for (unsigned i = 0; i < state_nfeeds(d); i++) {
			struct state_feed_info fi;

			state_feed_info(d, i, &fi);
			json_array_append_new(feeds,
			    json_pack("{s:s,s:I,s:f,s:I,s:I,s:I}", "url",
				fi.url, "generation", (json_int_t)fi.generation,
				"age", fi.age, "ok", (json_int_t)fi.ok,
				"errors", (json_int_t)fi.errors, "rejected",
				(json_int_t)fi.rejected));
		}
		json_object_set_new(root, "pools", pools);
		json_object_set_new(root, "sites", sites);
		json_object_set_new(root, "edges", edges);
		json_object_set_new(root, "feeds", feeds);
		json_object_set_new(root, "stale_edges",
		    json_integer(state_stale_edges(d)));
	}
	control_reply_json(req, d, root);
}

/* ---- /v1/explain?name=POOL&client=ADDR[/LEN]&type=A|AAAA ---- */

static void
control_explain_cb(struct evhttp_request *req, void *arg)
{
	struct dnsd *d = arg;
	const struct dnsd_snap *snap = atomic_load(&d->snap);
	const char *q =
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq args;
	const char *name, *client, *type;
	char addrbuf[INET6_ADDRSTRLEN + 8], *slash, text[4096];
	uint8_t addr[16] = { 0 };
	struct gslb_client c;
	struct gslb_topo *tp;
	int pool = -1;
	struct evbuffer *b;

	if (snap == NULL || snap->env.gslb == NULL) {
		evhttp_send_error(req, HTTP_NOTFOUND, "no topology");
		return;
	}
	tp = gslb_topo_of(snap->env.gslb);
	TAILQ_INIT(&args);
	if (http_query_parse(q, &args) != RC_OK) {
		evhttp_send_error(req, HTTP_BADREQUEST, "bad query string");
		return;
	}
	name = evhttp_find_header(&args, "name");
	client = evhttp_find_header(&args, "client");
	type = evhttp_find_header(&args, "type");
	for (unsigned i = 0; name && i < gslb_topo_npools(tp); i++) {
		const char *pn = gslb_topo_pool_name(tp, i);
		size_t n = strlen(pn);

		if (strncasecmp(name, pn, n) == 0 &&
		    (name[n] == '\0' || (name[n] == '.' && name[n + 1] == 0)))
			pool = (int)i;
	}
	if (pool < 0 || client == NULL || strlen(client) >= sizeof(addrbuf)) {
		evhttp_clear_headers(&args);
		evhttp_send_error(req, HTTP_BADREQUEST,
		    "want name=POOL&client=ADDRESS[/LEN][&type=A|AAAA]");
		return;
	}
	snprintf(addrbuf, sizeof(addrbuf), "%s", client);
	slash = strchr(addrbuf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, addrbuf, addr) == 1) {
		c.family = AF_INET;
		c.bits = 32;
	} else if (inet_pton(AF_INET6, addrbuf, addr) == 1) {
		c.family = AF_INET6;
		c.bits = 128;
	} else {
		evhttp_clear_headers(&args);
		evhttp_send_error(req, HTTP_BADREQUEST, "bad client address");
		return;
	}
	if (slash) {
		char *end;
		unsigned long bits = strtoul(slash, &end, 10);

		if (*end == '\0' && bits <= c.bits)
			c.bits = (unsigned)bits;
	}
	c.addr = addr;
	gslb_explain(snap->env.gslb, (unsigned)pool,
	    type && strcasecmp(type, "AAAA") == 0, &c, text, sizeof(text));
	b = evbuffer_new();
	evbuffer_add_printf(b, "client %s\n%s", client, text);
	evhttp_clear_headers(&args);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}
