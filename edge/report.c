/*
 * report: load sampling and load reports to the probes (see report.h).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <malloc.h>
#include <netdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/http.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/resolver.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"
#include "edge/dnscache.h"
#include "edge/edge.h"
#include "edge/report.h"

#define REPORT_SAMPLE_US (1 * MONOTIME_SEC)
#define REPORT_TIMEOUT_S 5
#define REPORT_TRIM_SLACK (4u << 20) /* free heap kept before trimming */
#define REPORT_TRIM_PAD (1u << 20)
#define REPORT_AUTH_WINDOW 30
#define REPORT_AUTH_CACHE 256 /* replayed control requests */

/* One probe URL. */
struct report_target {
	struct edge_report *r;
	char *url, *host, *path;
	uint16_t port;
	char addr[SOCKADDR_STRLEN]; /* conn's address, "" before */
	bool resolving, in_flight;
	bool ok, has_outcome; /* last outcome, for logging changes */
	struct evhttp_connection *conn;
};

struct edge_report {
	struct edge *e;
	struct event *sample, *push;
	struct auth *auth; /* NULL: no secret, reports unsigned */
	struct report_target *t;
	size_t nt;
	uint64_t seq;
	struct edge_report_stats stats;
	/* Sampling. */
	uint64_t last_at, last_out, last_in, last_cpu_us;
	bool has_rate;
	double egress_mbps, ingress_mbps, cpu;
	long ncpu;
};

static void report_sample_cb(evutil_socket_t fd, short what, void *arg);
static void report_trim(void);
static void report_push_cb(evutil_socket_t fd, short what, void *arg);
static void report_post(struct report_target *t);

/* ---- Sampling ---- */

static uint64_t
report_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_utime.tv_sec * 1000000u +
	    (uint64_t)ru.ru_utime.tv_usec +
	    (uint64_t)ru.ru_stime.tv_sec * 1000000u +
	    (uint64_t)ru.ru_stime.tv_usec;
}

static void
report_sample_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_report *r = arg;
	struct edge *e = r->e;
	uint64_t now = monotime_now(), cpu = report_cpu_us();
	double secs;

	(void)fd;
	(void)what;
	if (now <= r->last_at)
		return;
	secs = (double)(now - r->last_at) / (double)MONOTIME_SEC;
	r->egress_mbps =
	    (double)(e->stats.bytes_out - r->last_out) * 8.0 / 1e6 / secs;
	r->ingress_mbps =
	    (double)(e->stats.bytes_in - r->last_in) * 8.0 / 1e6 / secs;
	r->cpu = (double)(cpu - r->last_cpu_us) / 1e6 / secs / (double)r->ncpu;
	if (r->cpu > 1.0)
		r->cpu = 1.0;
	e->egress_mbps = r->egress_mbps;
	r->has_rate = true;
	report_trim();
	r->last_at = now;
	r->last_out = e->stats.bytes_out;
	r->last_in = e->stats.bytes_in;
	r->last_cpu_us = cpu;
}

/*
 * Give free heap back to the kernel once a second when more than
 * REPORT_TRIM_SLACK is idle: a burst (players joining, each primed with
 * a GOP) leaves free chunks between live ones that glibc would keep
 * resident for good.
 */
static void
report_trim(void)
{
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks > REPORT_TRIM_SLACK)
		malloc_trim(REPORT_TRIM_PAD);
}

/* ---- The report ---- */

static double
report_clamp(double v, double max)
{
	return v > max ? max : v < 0 ? 0 : v;
}

/* "host:port" as a protocol name: other characters become '_'. */
static void
report_origin_name(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < len && i < STATEMSG_NAME_MAX;
	     i++) {
		char c = in[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';

		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

int
edge_report_build(struct edge *e, struct statemsg_report *out)
{
	struct edge_report *r = e->report;
	size_t i, players;
	const char *why;

	if (e->conf->name == NULL || !statemsg_is_name(e->conf->name))
		return RC_UNSUPPORTED;
	memset(out, 0, sizeof(*out));
	snprintf(out->edge, sizeof(out->edge), "%s", e->conf->name);
	out->time = (int64_t)time(NULL);
	out->seq = r ? ++r->seq : 0;
	why = edge_admission(e);
	out->state = why == NULL	 ? STATEMSG_UP :
	    strcmp(why, "draining") == 0 ? STATEMSG_DRAINING :
					   STATEMSG_FULL;
	if (e->drain_state != EDGE_RUNNING)
		out->state = STATEMSG_DRAINING;
	players =
	    e->nadmitted >= e->npublishers ? e->nadmitted - e->npublishers : 0;
	out->load.has_players = true;
	out->load.players = players;
	out->load.has_publishers = true;
	out->load.publishers = e->npublishers;
	out->load.has_streams = true;
	out->load.streams = e->nlives;
	if (r != NULL && r->has_rate) {
		out->load.has_egress_mbps = true;
		out->load.egress_mbps =
		    report_clamp(r->egress_mbps, STATEMSG_MBPS_MAX);
		out->load.has_ingress_mbps = true;
		out->load.ingress_mbps =
		    report_clamp(r->ingress_mbps, STATEMSG_MBPS_MAX);
		out->load.has_cpu = true;
		out->load.cpu = report_clamp(r->cpu, STATEMSG_CPU_MAX);
	}
	for (i = 0; i < e->norigins && out->norigins < STATEMSG_ORIGINS_MAX;
	     i++) {
		struct statemsg_origin *o = &out->origins[out->norigins++];

		report_origin_name(e->origins[i].name, o->name,
		    sizeof(o->name));
		o->state = e->origins[i].down ? STATEMSG_DOWN : STATEMSG_UP;
	}
	return RC_OK;
}

struct auth *
edge_report_auth(const struct edge *e)
{
	return e->report ? e->report->auth : NULL;
}

const struct edge_report_stats *
edge_report_stats(const struct edge *e)
{
	static const struct edge_report_stats none;

	return e->report ? &e->report->stats : &none;
}

/* ---- Pushing ---- */

static void
report_outcome(struct report_target *t, bool ok, const char *what)
{
	struct edge_report *r = t->r;

	if (ok)
		r->stats.sent++;
	else
		r->stats.failed++;
	if (t->has_outcome && t->ok == ok)
		return;
	if (ok)
		log_info("report %s: accepted", t->url);
	else
		log_warnx("report %s: %s", t->url, what);
	t->ok = ok;
	t->has_outcome = true;
}

static void
report_done_cb(struct evhttp_request *req, void *arg)
{
	struct report_target *t = arg;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	char what[64];

	t->in_flight = false;
	if (code == 204) {
		report_outcome(t, true, NULL);
		return;
	}
	if (code == 0)
		snprintf(what, sizeof(what), "no answer");
	else
		snprintf(what, sizeof(what), "HTTP %d", code);
	report_outcome(t, false, what);
}

static void
report_resolved_cb(void *arg, int rc, const struct resolver_result *res)
{
	struct report_target *t = arg;

	(void)rc;
	(void)res;
	t->resolving = false;
	report_post(t); /* the cache has the answer, or the error, now */
}

/* Post to the host's first address; a new one gets a new connection. */
static int
report_use_addr(struct report_target *t, const struct resolver_result *res)
{
	struct edge *e = t->r->e;
	char addr[SOCKADDR_STRLEN];

	if (getnameinfo((const struct sockaddr *)&res->addr[0], res->addrlen[0],
		addr, sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0) {
		report_outcome(t, false, "cannot format the address");
		return RC_ERROR;
	}
	if (t->conn != NULL && strcmp(addr, t->addr) == 0)
		return RC_OK;
	if (t->conn)
		evhttp_connection_free(t->conn);
	snprintf(t->addr, sizeof(t->addr), "%s", addr);
	t->conn = evhttp_connection_base_new(e->base, NULL, t->addr, t->port);
	if (t->conn == NULL) {
		report_outcome(t, false, "cannot create a connection");
		return RC_ERROR;
	}
	evhttp_connection_set_timeout(t->conn, REPORT_TIMEOUT_S);
	evhttp_connection_set_max_body_size(t->conn, 64 * 1024);
	evhttp_connection_set_max_headers_size(t->conn, 64 * 1024);
	return RC_OK;
}

static void
report_post(struct report_target *t)
{
	struct edge_report *r = t->r;
	struct edge *e = r->e;
	struct statemsg_report msg;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	struct resolver_result res;
	char *body;
	int rc;

	if (t->in_flight || t->resolving)
		return;
	rc = dnscache_lookup(e->dns, t->host, &res, report_resolved_cb, t);
	if (rc == RC_AGAIN) {
		t->resolving = true;
		return;
	}
	if (rc != RC_OK) {
		report_outcome(t, false, "cannot resolve the host");
		return;
	}
	if (report_use_addr(t, &res) != RC_OK)
		return;
	if (edge_report_build(e, &msg) != RC_OK)
		return;
	body = statemsg_report_encode(&msg);
	req = evhttp_request_new(report_done_cb, t);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", t->host);
	evhttp_add_header(h, "Content-Type", "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	if (http_sign(h, r->auth, (int64_t)time(NULL), "POST", t->path, body,
		strlen(body)) != RC_OK ||
	    evhttp_make_request(t->conn, req, EVHTTP_REQ_POST, t->path) != 0) {
		report_outcome(t, false, "cannot send");
		free(body);
		return;
	}
	t->in_flight = true;
	free(body);
}

static void
report_push_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_report *r = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < r->nt; i++)
		report_post(&r->t[i]);
}

void
edge_report_warm(struct edge *e)
{
	struct resolver_result res;
	size_t i;

	if (e->report == NULL)
		return;
	for (i = 0; i < e->report->nt; i++)
		(void)dnscache_lookup(e->dns, e->report->t[i].host, &res, NULL,
		    NULL);
}

void
edge_report_now(struct edge *e)
{
	if (e->report != NULL)
		report_push_cb(-1, 0, e->report);
}

/* ---- Targets ---- */

static void
report_targets_free(struct edge_report *r)
{
	size_t i;

	for (i = 0; i < r->nt; i++) {
		struct report_target *t = &r->t[i];

		dnscache_cancel(r->e->dns, t);
		/* Frees a request in flight without calling back. */
		if (t->conn)
			evhttp_connection_free(t->conn);
		free(t->url);
		free(t->host);
		free(t->path);
	}
	free(r->t);
	r->t = NULL;
	r->nt = 0;
	auth_free(r->auth);
	r->auth = NULL;
}

static int
report_targets_new(struct edge_report *r)
{
	const struct edge_conf_report *cr = r->e->conf->report;
	struct timeval tv;
	size_t i;

	if (cr == NULL || cr->urls_count == 0) {
		event_del(r->push);
		return RC_OK;
	}
	if (cr->secret_file != NULL) {
		char *path = edge_conf_path(r->e->conf, cr->secret_file);

		r->auth = auth_load_secret(path, REPORT_AUTH_WINDOW,
		    REPORT_AUTH_CACHE);
		free(path);
		if (r->auth == NULL)
			return RC_CONFIG;
	}
	r->t = xcalloc(cr->urls_count, sizeof(*r->t));
	for (i = 0; i < cr->urls_count; i++) {
		struct report_target *t = &r->t[r->nt];
		struct evhttp_uri *u = evhttp_uri_parse(cr->urls[i]);
		const char *host, *path;
		int port;

		if (u == NULL || (host = evhttp_uri_get_host(u)) == NULL) {
			log_warnx("report %s: not a URL", cr->urls[i]);
			if (u)
				evhttp_uri_free(u);
			return RC_CONFIG;
		}
		port = evhttp_uri_get_port(u);
		path = evhttp_uri_get_path(u);
		t->r = r;
		t->url = xstrdup(cr->urls[i]);
		t->host = xstrdup(host);
		t->port = (uint16_t)(port > 0 ? port : 80);
		t->path = xstrdup(path && *path ? path : "/v1/report");
		evhttp_uri_free(u);
		r->nt++;
	}
	tv = loop_timeval((uint64_t)cr->interval_ms * MONOTIME_MSEC);
	event_del(r->push);
	event_add(r->push, &tv);
	log_info("reporting load to %zu probe URL(s) every %u ms%s", r->nt,
	    cr->interval_ms, r->auth ? "" : ", unsigned (no secret_file)");
	return RC_OK;
}

int
edge_report_start(struct edge *e)
{
	struct edge_report *r = xcalloc(1, sizeof(*r));
	struct timeval tv = loop_timeval(REPORT_SAMPLE_US);

	e->report = r;
	r->e = e;
	r->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (r->ncpu < 1)
		r->ncpu = 1;
	r->last_at = monotime_now();
	r->last_out = e->stats.bytes_out;
	r->last_in = e->stats.bytes_in;
	r->last_cpu_us = report_cpu_us();
	r->sample = event_new(e->base, -1, EV_PERSIST, report_sample_cb, r);
	r->push = event_new(e->base, -1, EV_PERSIST, report_push_cb, r);
	if (r->sample == NULL || r->push == NULL)
		fatalx("event_new failed");
	event_add(r->sample, &tv);
	return report_targets_new(r);
}

int
edge_report_reload(struct edge *e)
{
	if (e->report == NULL)
		return RC_OK;
	report_targets_free(e->report);
	return report_targets_new(e->report);
}

void
edge_report_stop(struct edge *e)
{
	struct edge_report *r = e->report;

	if (r == NULL)
		return;
	report_targets_free(r);
	if (r->sample)
		event_free(r->sample);
	if (r->push)
		event_free(r->push);
	free(r);
	e->report = NULL;
}
