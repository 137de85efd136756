/*
 * control: gslb-dnsd's HTTP port (evhttp), for operators and monitoring.
 *
 * GET /metrics serves Prometheus text. It runs in the main thread and
 * sums the workers' single-writer counters (see stats.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "dnsd/dnsd.h"
#include "dnsd/zone.h"

static void control_metrics_cb(struct evhttp_request *req, void *arg);
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
	evhttp_set_allowed_methods(d->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(d->http, 10);
	evhttp_set_cb(d->http, "/metrics", control_metrics_cb, d);
	evhttp_set_gencb(d->http, control_notfound_cb, d);
	if (evhttp_bind_socket(d->http, host, port) != 0) {
		log_warn("control %s: cannot listen", d->conf->control);
		return RC_IO;
	}
	log_info("control %s: listening (GET /metrics)", d->conf->control);
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

static void
metric_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
control_metrics_cb(struct evhttp_request *req, void *arg)
{
	struct dnsd *d = arg;
	struct evbuffer *b = evbuffer_new();
	const struct dnsd_snap *snap = atomic_load(&d->snap);
	struct dnsd_stats s;

	dnsd_stats_sum(d, &s);
	metric_head(b, "gslb_dnsd_queries_total", "counter",
	    "Queries received, by transport.");
	evbuffer_add_printf(b,
	    "gslb_dnsd_queries_total{transport=\"udp\"} %llu\n"
	    "gslb_dnsd_queries_total{transport=\"tcp\"} %llu\n",
	    (unsigned long long)s.queries[STATS_UDP],
	    (unsigned long long)s.queries[STATS_TCP]);
	metric_head(b, "gslb_dnsd_responses_total", "counter",
	    "Responses sent, by response code.");
	for (unsigned i = 0; i < STATS_RCODES; i++) {
		if (i > 5 && i < 16)
			continue;
		evbuffer_add_printf(b,
		    "gslb_dnsd_responses_total{rcode=\"%s\"} %llu\n",
		    stats_rcode_name(i), (unsigned long long)s.rcode[i]);
	}
	metric_head(b, "gslb_dnsd_dropped_total", "counter",
	    "Requests dropped without an answer, by reason.");
	for (unsigned i = 0; i < STATS_DROPS; i++)
		evbuffer_add_printf(b,
		    "gslb_dnsd_dropped_total{reason=\"%s\"} %llu\n",
		    stats_drop_name(i), (unsigned long long)s.dropped[i]);
	metric_head(b, "gslb_dnsd_truncated_total", "counter",
	    "Responses sent with TC set.");
	evbuffer_add_printf(b, "gslb_dnsd_truncated_total %llu\n",
	    (unsigned long long)s.truncated);
	metric_head(b, "gslb_dnsd_udp_batches_total", "counter",
	    "recvmmsg() calls that returned datagrams (queries per batch = "
	    "udp queries / batches).");
	evbuffer_add_printf(b, "gslb_dnsd_udp_batches_total %llu\n",
	    (unsigned long long)s.udp_batches);
	metric_head(b, "gslb_dnsd_edns_total", "counter",
	    "Queries that carried EDNS.");
	evbuffer_add_printf(b, "gslb_dnsd_edns_total %llu\n",
	    (unsigned long long)s.edns);
	metric_head(b, "gslb_dnsd_tcp_connections_total", "counter",
	    "TCP connections accepted.");
	evbuffer_add_printf(b, "gslb_dnsd_tcp_connections_total %llu\n",
	    (unsigned long long)d->tcp_counts.connections);
	metric_head(b, "gslb_dnsd_tcp_rejected_total", "counter",
	    "TCP connections closed at once: tcp_max_clients reached.");
	evbuffer_add_printf(b, "gslb_dnsd_tcp_rejected_total %llu\n",
	    (unsigned long long)d->tcp_counts.rejected);
	metric_head(b, "gslb_dnsd_tcp_timeouts_total", "counter",
	    "TCP connections closed after tcp_idle_timeout.");
	evbuffer_add_printf(b, "gslb_dnsd_tcp_timeouts_total %llu\n",
	    (unsigned long long)d->tcp_counts.timeouts);
	metric_head(b, "gslb_dnsd_tcp_clients", "gauge",
	    "TCP connections open now.");
	evbuffer_add_printf(b, "gslb_dnsd_tcp_clients %llu\n",
	    (unsigned long long)d->tcp_counts.current);
	metric_head(b, "gslb_dnsd_reloads_total", "counter",
	    "Reloads (SIGHUP), by result.");
	evbuffer_add_printf(b,
	    "gslb_dnsd_reloads_total{result=\"ok\"} %llu\n"
	    "gslb_dnsd_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)d->reloads_ok,
	    (unsigned long long)d->reloads_failed);
	metric_head(b, "gslb_dnsd_zone_serial", "gauge",
	    "SOA serial of each zone served.");
	for (size_t i = 0; snap && i < snap->env.db->nzones; i++)
		evbuffer_add_printf(b,
		    "gslb_dnsd_zone_serial{zone=\"%s\"} %u\n",
		    snap->env.db->zones[i]->name,
		    snap->env.db->zones[i]->serial);
	metric_head(b, "gslb_dnsd_uptime_seconds", "gauge",
	    "Seconds since start.");
	evbuffer_add_printf(b, "gslb_dnsd_uptime_seconds %llu\n",
	    (unsigned long long)((monotime_now() - d->started_at) /
		MONOTIME_SEC));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}
