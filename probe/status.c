#include "config.h"

#include "probe/status.h"

#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "common/http.h"
#include "common/monotime.h"
#include "probe/feed.h"
#include "probe/probe.h"
#include "probe/probe_conf.h"
#include "probe/sched.h"

/* ---- /metrics ---- */

static void
status_metrics_edges(const struct probe *p, struct evbuffer *b)
{
	uint64_t now = monotime_now();

	http_metric_head(b, "gslb_probe_edge_state", "gauge",
	    "1 for the edge's current verdict, 0 for the others.");
	for (unsigned i = 0; i < p->nedges; i++)
		for (unsigned s = 0; s < HEALTH_STATE_MAX; s++)
			evbuffer_add_printf(b,
			    "gslb_probe_edge_state{edge=\"%s\",state=\"%s\"} "
			    "%d\n",
			    p->edges[i].name, health_state_str(s),
			    p->edges[i].state == s);
	http_metric_head(b, "gslb_probe_edge_suspect", "gauge",
	    "1 while the edge's load reports have stopped.");
	for (unsigned i = 0; i < p->nedges; i++)
		evbuffer_add_printf(b,
		    "gslb_probe_edge_suspect{edge=\"%s\"} %d\n",
		    p->edges[i].name, p->edges[i].suspect);
	http_metric_head(b, "gslb_probe_edge_suspect_total", "counter",
	    "Times the edge's load reports stopped.");
	for (unsigned i = 0; i < p->nedges; i++)
		evbuffer_add_printf(b,
		    "gslb_probe_edge_suspect_total{edge=\"%s\"} %llu\n",
		    p->edges[i].name,
		    (unsigned long long)p->edges[i].suspect_total);
	http_metric_head(b, "gslb_probe_edge_report_age_seconds", "gauge",
	    "Seconds since the edge's newest load report was accepted.");
	for (unsigned i = 0; i < p->nedges; i++)
		if (p->edges[i].has_report)
			evbuffer_add_printf(b,
			    "gslb_probe_edge_report_age_seconds{edge=\"%s\"} "
			    "%.3f\n",
			    p->edges[i].name,
			    (double)(now - p->edges[i].report_at) /
				MONOTIME_SEC);
	http_metric_head(b, "gslb_probe_checks_total", "counter",
	    "Check runs by edge, kind and result.");
	for (unsigned i = 0; i < p->nedges; i++)
		for (unsigned k = 0; k < CHECK_KIND_MAX; k++) {
			const struct health_check *hc = &p->edges[i].check[k];

			if (!p->edges[i].enabled[k])
				continue;
			for (unsigned r = 0; r <= CHECK_TIMEOUT; r++)
				evbuffer_add_printf(b,
				    "gslb_probe_checks_total{edge=\"%s\","
				    "kind=\"%s\",result=\"%s\"} %llu\n",
				    p->edges[i].name, check_kind_str(k),
				    check_result_str(r),
				    (unsigned long long)hc->results[r]);
		}
	http_metric_head(b, "gslb_probe_check_milliseconds", "gauge",
	    "Duration of the edge's last check of each kind.");
	for (unsigned i = 0; i < p->nedges; i++)
		for (unsigned k = 0; k < CHECK_KIND_MAX; k++)
			if (p->edges[i].enabled[k] &&
			    p->edges[i].check[k].has_last)
				evbuffer_add_printf(b,
				    "gslb_probe_check_milliseconds{edge=\"%s\","
				    "kind=\"%s\"} %.3f\n",
				    p->edges[i].name, check_kind_str(k),
				    p->edges[i].check[k].ms);
	http_metric_head(b, "gslb_probe_play_ttff_milliseconds", "gauge",
	    "Time to first frame of the edge's last successful play check.");
	for (unsigned i = 0; i < p->nedges; i++) {
		const struct health_check *hc = &p->edges[i].check[CHECK_PLAY];

		if (hc->has_last && hc->result == CHECK_OK)
			evbuffer_add_printf(b,
			    "gslb_probe_play_ttff_milliseconds{edge=\"%s\"} "
			    "%.3f\n",
			    p->edges[i].name, hc->ms);
	}
}

void
status_metrics(const struct probe *p, struct evbuffer *b)
{
	const struct sched_stats *s = sched_stats(p->sched);

	status_metrics_edges(p, b);
	http_metric_one(b, "gslb_probe_edges", "gauge",
	    "Edges in the topology.", p->nedges);
	http_metric_one(b, "gslb_probe_state_changes_total", "counter",
	    "Edge verdict changes.", p->state_changes);
	http_metric_one(b, "gslb_probe_checks_started_total", "counter",
	    "Check runs started (since the last reload).", s->started);
	http_metric_one(b, "gslb_probe_checks_skipped_total", "counter",
	    "Check turns skipped because the previous run was still in "
	    "flight (since the last reload).",
	    s->skipped);
	http_metric_one(b, "gslb_probe_reloads_total", "counter",
	    "Configuration reloads applied (SIGHUP).", p->reloads);
	http_metric_one(b, "gslb_probe_reload_failures_total", "counter",
	    "Configuration reloads refused (the running one was kept).",
	    p->reload_failures);
}

/* ---- /v1/status ---- */

static json_t *
status_load(const struct statemsg_load *l)
{
	json_t *j = json_object();

	if (l->has_players)
		json_object_set_new(j, "players",
		    json_integer((json_int_t)l->players));
	if (l->has_publishers)
		json_object_set_new(j, "publishers",
		    json_integer((json_int_t)l->publishers));
	if (l->has_streams)
		json_object_set_new(j, "streams",
		    json_integer((json_int_t)l->streams));
	if (l->has_egress_mbps)
		json_object_set_new(j, "egress_mbps",
		    json_real(l->egress_mbps));
	if (l->has_ingress_mbps)
		json_object_set_new(j, "ingress_mbps",
		    json_real(l->ingress_mbps));
	if (l->has_cpu)
		json_object_set_new(j, "cpu", json_real(l->cpu));
	return j;
}

static json_t *
status_edge(const struct health_edge *h, uint64_t now)
{
	json_t *e = json_object(), *checks = json_object();

	json_object_set_new(e, "name", json_string(h->name));
	json_object_set_new(e, "state",
	    json_string(health_state_str(h->state)));
	json_object_set_new(e, "suspect", json_boolean(h->suspect));
	if (h->has_report) {
		json_object_set_new(e, "report_age",
		    json_real((double)(now - h->report_at) / MONOTIME_SEC));
		json_object_set_new(e, "report_state",
		    json_string(statemsg_state_str(h->report.state)));
		json_object_set_new(e, "report_seq",
		    json_integer((json_int_t)h->report.seq));
		json_object_set_new(e, "load", status_load(&h->report.load));
	} else
		json_object_set_new(e, "report_age", json_null());
	for (unsigned k = 0; k < CHECK_KIND_MAX; k++) {
		const struct health_check *hc = &h->check[k];
		json_t *c;

		if (!h->enabled[k])
			continue;
		c = json_object();
		json_object_set_new(c, "state",
		    json_string(health_state_str(hc->state)));
		if (hc->has_last) {
			json_object_set_new(c, "result",
			    json_string(check_result_str(hc->result)));
			json_object_set_new(c, "ms", json_real(hc->ms));
			json_object_set_new(c, "why", json_string(hc->why));
			json_object_set_new(c, "age",
			    json_real((double)(now - hc->at) / MONOTIME_SEC));
		}
		json_object_set_new(checks, check_kind_str(k), c);
	}
	json_object_set_new(e, "checks", checks);
	return e;
}

char *
status_json(const struct probe *p)
{
	json_t *root = json_object(), *edges = json_array();
	uint64_t now = monotime_now();
	char *text;

	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "probe", json_string(p->conf->name));
	json_object_set_new(root, "generation",
	    json_integer((json_int_t)feed_generation(p->feed)));
	json_object_set_new(root, "time", json_integer((json_int_t)time(NULL)));
	for (unsigned i = 0; i < p->nedges; i++)
		json_array_append_new(edges, status_edge(&p->edges[i], now));
	json_object_set_new(root, "edges", edges);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}
