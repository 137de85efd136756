#include "config.h"

#include "probe/probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/topology.h"
#include "probe/feed.h"
#include "probe/probe_conf.h"
#include "probe/sched.h"
#include "probe/status.h"

static struct check_run *probe_check_start(struct event_base *base,
    enum check_kind k, const struct check_target *t, check_done_cb cb,
    void *arg);
static void probe_check_done_cb(void *arg, unsigned edge, enum check_kind k,
    const struct check_outcome *o);
static int probe_report_cb(void *arg, const struct statemsg_report *r);
static void probe_metrics_cb(void *arg, struct evbuffer *b);
static char *probe_status_cb(void *arg);
static void probe_publish_cb(evutil_socket_t fd, short what, void *arg);
static void probe_tick_cb(void *arg);
static void probe_changed(struct probe *p, const struct health_change *ch);
static void probe_publish(struct probe *p);

static const struct feed_ops probe_feed_ops = {
	.report = probe_report_cb,
	.metrics = probe_metrics_cb,
	.status = probe_status_cb,
};

/* ---- Check kinds: one table entry each ---- */

static struct check_run *
probe_check_start(struct event_base *base, enum check_kind k,
    const struct check_target *t, check_done_cb cb, void *arg)
{
	switch (k) {
	case CHECK_TCP:
		return check_tcp_start(base, t, cb, arg);
	case CHECK_RTMP:
		return check_rtmp_start(base, t, false, cb, arg);
	case CHECK_PLAY:
		return check_rtmp_start(base, t, true, cb, arg);
	case CHECK_HTTP:
	default:
		return check_http_start(base, t, cb, arg);
	}
}

/*
 * Whether check kind k runs on edge te under cf, and if so its target:
 * the edge's first address (IPv4 first) at check_port, its http address,
 * the app or canary stream and the kind's timeout.
 */
static bool
probe_target(const struct probe_conf *cf, const struct topo_edge *te,
    enum check_kind k, struct check_target *t)
{
	const struct probe_conf_checks *c = &cf->checks;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	switch (k) {
	case CHECK_TCP:
		if (!c->tcp)
			return false;
		break;
	case CHECK_RTMP:
		if (!c->rtmp)
			return false;
		break;
	case CHECK_PLAY:
		if (c->play == NULL)
			return false;
		break;
	case CHECK_HTTP:
		if (!c->http || !te->has_http)
			return false;
		break;
	default:
		return false;
	}
	if (k != CHECK_HTTP && !te->has4 && !te->has6)
		return false;
	memset(t, 0, sizeof(*t));
	snprintf(t->edge, sizeof(t->edge), "%s", te->name);
	if (te->has4) {
		sin = (struct sockaddr_in *)&t->addr;
		sin->sin_family = AF_INET;
		sin->sin_addr = te->a4;
		sin->sin_port = htons((uint16_t)te->check_port);
		t->addrlen = sizeof(*sin);
	} else if (te->has6) {
		sin6 = (struct sockaddr_in6 *)&t->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = te->a6;
		sin6->sin6_port = htons((uint16_t)te->check_port);
		t->addrlen = sizeof(*sin6);
	}
	if (te->has_http) {
		memcpy(&t->http, &te->http_addr, te->http_addrlen);
		t->httplen = te->http_addrlen;
	}
	if (k == CHECK_PLAY) {
		snprintf(t->app, sizeof(t->app), "%s",
		    c->play->app ? c->play->app : c->app);
		snprintf(t->stream, sizeof(t->stream), "%s", c->play->stream);
		t->timeout_ms = c->play_timeout_ms;
	} else {
		snprintf(t->app, sizeof(t->app), "%s", c->app);
		t->timeout_ms = c->timeout_ms;
	}
	return true;
}

/* ---- Building edges and the schedule ---- */

struct topology *
probe_topology_load(const struct probe_conf *cf)
{
	char *path = probe_conf_path(cf, cf->topology);
	struct topology *t = topology_load(path, NULL, NULL);

	if (t == NULL)
		log_warnx("%s: topology %s is not valid", cf->path, path);
	free(path);
	return t;
}

static struct auth *
probe_auth_load(const struct probe_conf *cf, bool *ok)
{
	struct auth *a;
	char *path;

	*ok = true;
	if (cf->insecure)
		return NULL;
	path = probe_conf_path(cf, cf->secret_file);
	a = auth_load_secret(path, AUTH_WINDOW_DEFAULT, AUTH_CACHE_DEFAULT);
	free(path);
	*ok = a != NULL;
	return a;
}

static void
probe_health_conf(const struct probe_conf *cf, struct health_conf *hc)
{
	hc->rise = cf->checks.rise;
	hc->fall = cf->checks.fall;
	hc->report_timeout_us =
	    (uint64_t)cf->reports.timeout_ms * MONOTIME_MSEC;
}

/*
 * One health_edge per edge of `topo`, carrying over (by name) what
 * `old` (nold entries, may be NULL) knew; kinds no longer run go back
 * to UNKNOWN.
 */
static struct health_edge *
probe_edges_build(const struct probe_conf *cf, const struct topology *topo,
    const struct health_edge *old, unsigned nold)
{
	struct health_edge *e =
	    xcalloc(topo->edges_count ? topo->edges_count : 1, sizeof(*e));
	struct check_target t;

	for (unsigned i = 0; i < topo->edges_count; i++) {
		const struct topo_edge *te = &topo->edges[i];

		health_edge_init(&e[i], te->name);
		for (unsigned j = 0; j < nold; j++)
			if (strcmp(old[j].name, te->name) == 0) {
				e[i] = old[j];
				break;
			}
		for (unsigned k = 0; k < CHECK_KIND_MAX; k++) {
			e[i].enabled[k] = probe_target(cf, te, k, &t);
			if (!e[i].enabled[k])
				memset(&e[i].check[k], 0,
				    sizeof(e[i].check[k]));
		}
	}
	return e;
}

static struct sched *
probe_sched_build(struct probe *p)
{
	const struct probe_conf_checks *c = &p->conf->checks;
	struct sched *s =
	    sched_new(p->base, probe_check_start, probe_check_done_cb, p);
	struct check_target t;

	for (unsigned i = 0; i < p->topo->edges_count; i++)
		for (unsigned k = 0; k < CHECK_KIND_MAX; k++)
			if (probe_target(p->conf, &p->topo->edges[i], k, &t))
				sched_add(s, i, k, &t,
				    (uint64_t)c->interval_ms * MONOTIME_MSEC,
				    c->jitter_pct);
	return s;
}

/* ---- Inputs ---- */

static void
probe_changed(struct probe *p, const struct health_change *ch)
{
	if (ch->logged)
		log_notice("%s", ch->line);
	if (ch->state) {
		p->state_changes++;
		event_active(p->publish_ev, EV_TIMEOUT, 1);
	}
	if (ch->load)
		p->dirty = true;
}

static void
probe_check_done_cb(void *arg, unsigned edge, enum check_kind k,
    const struct check_outcome *o)
{
	struct probe *p = arg;
	struct health_change ch;

	if (edge >= p->nedges)
		return;
	log_debug("edge %s: %s: %s %.1f ms%s%s", p->edges[edge].name,
	    check_kind_str(k), check_result_str(o->result), o->ms,
	    o->why[0] ? ", " : "", o->why);
	health_check_done(&p->edges[edge], &p->hc, k, o, monotime_now(), &ch);
	probe_changed(p, &ch);
}

static int
probe_report_cb(void *arg, const struct statemsg_report *r)
{
	struct probe *p = arg;
	struct health_change ch;
	int i = topology_edge_find(p->topo, r->edge);
	int rc;

	if (i < 0 || (unsigned)i >= p->nedges)
		return RC_NOTFOUND;
	rc = health_report(&p->edges[i], &p->hc, r, monotime_now(), &ch);
	probe_changed(p, &ch);
	return rc;
}

static void
probe_metrics_cb(void *arg, struct evbuffer *b)
{
	status_metrics(arg, b);
}

static char *
probe_status_cb(void *arg)
{
	return status_json(arg);
}

/* ---- Publishing ---- */

static void
probe_publish(struct probe *p)
{
	struct statemsg_edge *out =
	    xcalloc(p->nedges ? p->nedges : 1, sizeof(*out));
	size_t n = 0;

	for (unsigned i = 0; i < p->nedges; i++)
		if (health_entry(&p->edges[i], p->conf->valid_for, &out[n]))
			n++;
	feed_publish(p->feed, out, n, (int64_t)time(NULL));
	free(out);
	p->published_at = monotime_now();
	p->dirty = false;
}

static void
probe_publish_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_publish(arg);
}

static void
probe_tick_cb(void *arg)
{
	struct probe *p = arg;
	struct health_change ch;
	uint64_t now = monotime_now(), age = now - p->published_at;

	for (unsigned i = 0; i < p->nedges; i++) {
		health_tick(&p->edges[i], &p->hc, now, &ch);
		probe_changed(p, &ch);
	}
	/* Load at most once a second; everything every valid_for / 3. */
	if ((p->dirty && age >= MONOTIME_SEC) ||
	    age * 3 >= (uint64_t)p->conf->valid_for * MONOTIME_SEC)
		probe_publish(p);
}

/* ---- Lifecycle ---- */

int
probe_start(struct probe *p)
{
	struct auth *a;
	bool ok;

	p->base = loop_base(p->loop);
	p->topo = probe_topology_load(p->conf);
	if (p->topo == NULL)
		return RC_CONFIG;
	a = probe_auth_load(p->conf, &ok);
	if (!ok)
		return RC_CONFIG;
	probe_health_conf(p->conf, &p->hc);
	p->edges = probe_edges_build(p->conf, p->topo, NULL, 0);
	p->nedges = p->topo->edges_count;
	p->publish_ev = event_new(p->base, -1, 0, probe_publish_cb, p);
	if (p->publish_ev == NULL)
		fatalx("event_new failed");
	p->feed = feed_new(p->base, p->conf->name, &probe_feed_ops, p);
	feed_set_auth(p->feed, a);
	if (feed_listen(p->feed, p->conf->http, p->bound, sizeof(p->bound)) !=
	    RC_OK)
		return RC_IO;
	p->sched = probe_sched_build(p);
	p->tick = loop_timer_new(p->loop, PROBE_TICK_US, 0, probe_tick_cb, p);
	p->published_at = monotime_now();
	log_notice("listening on %s (http: /v1/state, /v1/report, /metrics, "
		   "/v1/status)%s",
	    p->bound, a ? "" : ", insecure: nothing signed");
	log_notice("probing %u edges, %zu checks every %u ms", p->nedges,
	    sched_count(p->sched), p->conf->checks.interval_ms);
	return RC_OK;
}

int
probe_reload(struct probe *p, struct probe_conf *ncf)
{
	struct topology *ntopo;
	struct health_edge *nedges;
	struct auth *a;
	bool ok;

	ntopo = probe_topology_load(ncf);
	if (ntopo == NULL) {
		probe_conf_free(ncf);
		return RC_CONFIG;
	}
	a = probe_auth_load(ncf, &ok);
	if (!ok) {
		topology_free(ntopo);
		probe_conf_free(ncf);
		return RC_CONFIG;
	}
	if (strcmp(ncf->http, p->conf->http) != 0)
		log_warnx("reload: http %s -> %s needs a restart; still on %s",
		    p->conf->http, ncf->http, p->bound);
	nedges = probe_edges_build(ncf, ntopo, p->edges, p->nedges);
	sched_free(p->sched);
	free(p->edges);
	topology_free(p->topo);
	probe_conf_free(p->conf);
	p->conf = ncf;
	p->topo = ntopo;
	p->edges = nedges;
	p->nedges = ntopo->edges_count;
	probe_health_conf(p->conf, &p->hc);
	feed_set_auth(p->feed, a);
	feed_set_name(p->feed, p->conf->name);
	p->sched = probe_sched_build(p);
	p->reloads++;
	/* Kinds that stopped may change verdicts; publish either way. */
	probe_tick_cb(p);
	probe_publish(p);
	log_notice("reloaded: %u edges, %zu checks", p->nedges,
	    sched_count(p->sched));
	return RC_OK;
}

void
probe_stop(struct probe *p)
{
	loop_timer_free(p->tick);
	p->tick = NULL;
	sched_free(p->sched);
	p->sched = NULL;
	feed_free(p->feed);
	p->feed = NULL;
	if (p->publish_ev != NULL)
		event_free(p->publish_ev);
	p->publish_ev = NULL;
	free(p->edges);
	p->edges = NULL;
	p->nedges = 0;
	topology_free(p->topo);
	p->topo = NULL;
	probe_conf_free(p->conf);
	p->conf = NULL;
}
