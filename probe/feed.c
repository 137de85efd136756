#include "config.h"

#include "probe/feed.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/http.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/statemsg.h"

/* Longer than any hold, so evhttp never times out a held request. */
#define FEED_HTTP_TIMEOUT (FEED_WAIT_MAX + 15)

/* A GET /v1/state held until the generation changes or `wait` ends. */
struct feed_waiter {
	TAILQ_ENTRY(feed_waiter) entry;
	struct feed *f;
	struct evhttp_request *req;
	struct event *timer;
};

struct feed {
	struct event_base *base;
	struct evhttp *http;
	struct auth *auth; /* NULL: insecure */
	const struct feed_ops *ops;
	void *arg;
	char name[STATEMSG_NAME_MAX + 1];
	uint64_t generation;
	char *json; /* the current generation, encoded */
	TAILQ_HEAD(, feed_waiter) waiters;
	size_t nwaiters;
	struct feed_stats stats;
	struct log_ratelimit rl;
};

static const char *const feed_report_results[FEED_REPORT_RESULT_MAX] = {
	[FEED_REPORT_ACCEPTED] = "accepted",
	[FEED_REPORT_OLD] = "old",
	[FEED_REPORT_UNAUTHORIZED] = "unauthorized",
	[FEED_REPORT_MALFORMED] = "malformed",
	[FEED_REPORT_UNKNOWN_EDGE] = "unknown_edge",
	[FEED_REPORT_TOO_LARGE] = "too_large",
};

static void feed_request_cb(struct evhttp_request *req, void *arg);
static int feed_verify(struct feed *f, struct evhttp_request *req,
    const char *body, size_t len);
static void feed_get_state(struct feed *f, struct evhttp_request *req);
static void feed_post_report(struct feed *f, struct evhttp_request *req);
static void feed_get_metrics(struct feed *f, struct evhttp_request *req);
static void feed_get_status(struct feed *f, struct evhttp_request *req);
static void feed_post_other(struct feed *f, struct evhttp_request *req,
    const char *path);
static void feed_waiter_free(struct feed_waiter *w);
static void feed_waiter_timeout_cb(evutil_socket_t fd, short what, void *arg);

static const struct {
	const char *path;
	enum evhttp_cmd_type cmd;
	void (*handler)(struct feed *f, struct evhttp_request *req);
} feed_routes[] = {
	{ "/v1/state", EVHTTP_REQ_GET, feed_get_state },
	{ "/v1/report", EVHTTP_REQ_POST, feed_post_report },
	{ "/metrics", EVHTTP_REQ_GET, feed_get_metrics },
	{ "/v1/status", EVHTTP_REQ_GET, feed_get_status },
};

/* ---- Lifecycle ---- */

struct feed *
feed_new(struct event_base *base, const char *name, const struct feed_ops *ops,
    void *arg)
{
	struct feed *f = xcalloc(1, sizeof(*f));

	f->base = base;
	f->ops = ops;
	f->arg = arg;
	TAILQ_INIT(&f->waiters);
	feed_set_name(f, name);
	/* Past any generation of an earlier run (one per ms at most). */
	f->generation = (uint64_t)time(NULL) * 1000;
	f->http = evhttp_new(base);
	if (f->http == NULL)
		fatalx("feed: evhttp_new failed");
	evhttp_set_allowed_methods(f->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(f->http, FEED_REPORT_BODY_MAX);
	evhttp_set_timeout(f->http, FEED_HTTP_TIMEOUT);
	evhttp_set_gencb(f->http, feed_request_cb, f);
	feed_publish(f, NULL, 0, (int64_t)time(NULL));
	return f;
}

int
feed_listen(struct feed *f, const char *addr, char *bound, size_t bound_len)
{
	return http_listen(f->http, f->base, addr, 8090, bound, bound_len);
}

void
feed_set_auth(struct feed *f, struct auth *a)
{
	auth_free(f->auth);
	f->auth = a;
}

void
feed_set_name(struct feed *f, const char *name)
{
	snprintf(f->name, sizeof(f->name), "%s", name);
}

void
feed_free(struct feed *f)
{
	struct feed_waiter *w;

	if (f == NULL)
		return;
	/* The requests themselves go with evhttp's connections. */
	while ((w = TAILQ_FIRST(&f->waiters)) != NULL)
		feed_waiter_free(w);
	evhttp_free(f->http);
	auth_free(f->auth);
	free(f->json);
	free(f);
}

uint64_t
feed_generation(const struct feed *f)
{
	return f->generation;
}

size_t
feed_waiting(const struct feed *f)
{
	return f->nwaiters;
}

const struct feed_stats *
feed_stats(const struct feed *f)
{
	return &f->stats;
}

/* ---- Publishing ---- */

void
feed_publish(struct feed *f, const struct statemsg_edge *edges, size_t n,
    int64_t now)
{
	struct statemsg_feed fd;
	struct feed_waiter *w;

	memset(&fd, 0, sizeof(fd));
	snprintf(fd.probe, sizeof(fd.probe), "%s", f->name);
	fd.generation = ++f->generation;
	fd.time = now;
	fd.nedges = n;
	fd.edges = (struct statemsg_edge *)edges;
	free(f->json);
	f->json = statemsg_feed_encode(&fd);
	f->stats.publishes++;
	if (f->nwaiters > 0)
		log_debug("feed: generation %llu, %zu edges, answering %zu "
			  "waiting",
		    (unsigned long long)f->generation, n, f->nwaiters);
	while ((w = TAILQ_FIRST(&f->waiters)) != NULL) {
		http_reply(w->req, f->auth, now, HTTP_OK, f->json);
		f->stats.state_ok++;
		feed_waiter_free(w);
	}
}

static void
feed_waiter_free(struct feed_waiter *w)
{
	TAILQ_REMOVE(&w->f->waiters, w, entry);
	w->f->nwaiters--;
	event_free(w->timer);
	free(w);
}

static void
feed_waiter_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct feed_waiter *w = arg;

	(void)fd;
	(void)what;
	http_reply(w->req, w->f->auth, time(NULL), HTTP_NOTMODIFIED, NULL);
	w->f->stats.state_not_modified++;
	feed_waiter_free(w);
}

/* ---- Requests ---- */

static void
feed_request_cb(struct evhttp_request *req, void *arg)
{
	struct feed *f = arg;
	const char *path =
	    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool path_known = false;

	for (size_t i = 0; i < sizeof(feed_routes) / sizeof(feed_routes[0]);
	     i++) {
		if (path == NULL || strcmp(path, feed_routes[i].path) != 0)
			continue;
		path_known = true;
		if (cmd == feed_routes[i].cmd) {
			feed_routes[i].handler(f, req);
			return;
		}
	}
	if (path != NULL && f->ops->post_path != NULL &&
	    strcmp(path, f->ops->post_path) == 0) {
		path_known = true;
		if (cmd == EVHTTP_REQ_POST) {
			feed_post_other(f, req, path);
			return;
		}
	}
	if (path_known)
		http_reply_error(req, f->auth, time(NULL), HTTP_BADMETHOD,
		    "method not allowed");
	else
		http_reply_error(req, f->auth, time(NULL), HTTP_NOTFOUND,
		    "no such resource");
}

/*
 * Check a request's signature; on failure answer 401, log and return
 * the rc. Insecure probes accept everything.
 */
static int
feed_verify(struct feed *f, struct evhttp_request *req, const char *body,
    size_t len)
{
	int64_t now = time(NULL);
	const char *why, *method;
	int rc;

	if (f->auth == NULL)
		return RC_OK;
	rc = http_verify_request(req, f->auth, now, body, len);
	if (rc == RC_OK)
		return RC_OK;
	why = rc == RC_TIMEOUT ? "time outside the window" :
	    rc == RC_EXISTS    ? "replayed signature" :
	    rc == RC_LIMIT     ? "too old for the replay cache" :
				 "missing or bad signature";
	method = http_method_str(evhttp_request_get_command(req));
	log_ratelimited(&f->rl, LOG_WARNING, "%s %s: refused: %s",
	    method ? method : "?", evhttp_request_get_uri(req), why);
	http_reply_error(req, f->auth, now, 401, why);
	return rc;
}

/* GET /v1/state?since=GEN&wait=SECONDS; since and wait default to 0. */
static void
feed_get_state(struct feed *f, struct evhttp_request *req)
{
	const char *query =
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	uint64_t since = 0, wait = 0;
	struct feed_waiter *w;
	struct evkeyvalq q;
	struct timeval tv;
	int rc;

	if (feed_verify(f, req, NULL, 0) != RC_OK) {
		f->stats.unauthorized++;
		return;
	}
	TAILQ_INIT(&q);
	rc = http_query_parse(query, &q);
	if (rc == RC_OK &&
	    (rc = http_query_uint(&q, "since", STATEMSG_INT_MAX, &since)) ==
		RC_NOTFOUND)
		rc = RC_OK;
	if (rc == RC_OK &&
	    (rc = http_query_uint(&q, "wait", FEED_WAIT_MAX, &wait)) ==
		RC_NOTFOUND)
		rc = RC_OK;
	evhttp_clear_headers(&q);
	if (rc != RC_OK) {
		f->stats.state_bad++;
		http_reply_error(req, f->auth, time(NULL), HTTP_BADREQUEST,
		    "since must be 0..2^53 and wait 0..60");
		return;
	}
	if (since != f->generation) {
		f->stats.state_ok++;
		http_reply(req, f->auth, time(NULL), HTTP_OK, f->json);
		return;
	}
	if (wait == 0) {
		f->stats.state_not_modified++;
		http_reply(req, f->auth, time(NULL), HTTP_NOTMODIFIED, NULL);
		return;
	}
	if (f->nwaiters >= FEED_WAITERS_MAX) {
		f->stats.state_busy++;
		http_reply_error(req, f->auth, time(NULL), HTTP_SERVUNAVAIL,
		    "too many waiting requests");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->f = f;
	w->req = req;
	w->timer = evtimer_new(f->base, feed_waiter_timeout_cb, w);
	if (w->timer == NULL)
		fatalx("feed: evtimer_new failed");
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	evtimer_add(w->timer, &tv);
	TAILQ_INSERT_TAIL(&f->waiters, w, entry);
	f->nwaiters++;
}

/* POST /v1/report: verify, decode, hand to the daemon, answer 204. */
static void
feed_post_report(struct feed *f, struct evhttp_request *req)
{
	char reason[STATEMSG_REASON_MAX];
	struct statemsg_report r;
	enum feed_report_result res;
	char *body = NULL;
	size_t len;
	int rc;

	if (http_read_body(req, FEED_REPORT_BODY_MAX, &body, &len) != RC_OK) {
		f->stats.reports[FEED_REPORT_TOO_LARGE]++;
		log_ratelimited(&f->rl, LOG_WARNING,
		    "POST /v1/report: body over %u bytes",
		    FEED_REPORT_BODY_MAX);
		http_reply_error(req, f->auth, time(NULL), HTTP_ENTITYTOOLARGE,
		    "body too large");
		return;
	}
	if (feed_verify(f, req, body, len) != RC_OK) {
		f->stats.reports[FEED_REPORT_UNAUTHORIZED]++;
		goto done;
	}
	if (statemsg_report_decode(body, len, &r, reason, sizeof(reason)) !=
	    RC_OK) {
		f->stats.reports[FEED_REPORT_MALFORMED]++;
		log_ratelimited(&f->rl, LOG_WARNING, "POST /v1/report: %s",
		    reason);
		http_reply_error(req, f->auth, time(NULL), HTTP_BADREQUEST,
		    reason);
		goto done;
	}
	rc = f->ops->report(f->arg, &r);
	if (rc == RC_NOTFOUND) {
		f->stats.reports[FEED_REPORT_UNKNOWN_EDGE]++;
		log_ratelimited(&f->rl, LOG_WARNING,
		    "POST /v1/report: edge %s is not in the topology", r.edge);
		http_reply_error(req, f->auth, time(NULL), HTTP_NOTFOUND,
		    "edge: not in the topology");
		goto done;
	}
	res = rc == RC_OK ? FEED_REPORT_ACCEPTED : FEED_REPORT_OLD;
	f->stats.reports[res]++;
	if (res == FEED_REPORT_OLD)
		log_debug("report: edge %s, seq %llu: not newer, ignored",
		    r.edge, (unsigned long long)r.seq);
	http_reply(req, f->auth, time(NULL), HTTP_NOCONTENT, NULL);
done:
	free(body);
}

/* POST ops->post_path: verify, hand the body over, answer 204 or 400. */
static void
feed_post_other(struct feed *f, struct evhttp_request *req, const char *path)
{
	char reason[STATEMSG_REASON_MAX + 64];
	char *body = NULL;
	size_t len;

	if (http_read_body(req, FEED_REPORT_BODY_MAX, &body, &len) != RC_OK) {
		log_ratelimited(&f->rl, LOG_WARNING,
		    "POST %s: body over %u "
		    "bytes",
		    path, FEED_REPORT_BODY_MAX);
		http_reply_error(req, f->auth, time(NULL), HTTP_ENTITYTOOLARGE,
		    "body too large");
		return;
	}
	if (feed_verify(f, req, body, len) == RC_OK) {
		if (f->ops->post(f->arg, body, len, reason, sizeof(reason)) ==
		    RC_OK)
			http_reply(req, f->auth, time(NULL), HTTP_NOCONTENT,
			    NULL);
		else {
			log_ratelimited(&f->rl, LOG_WARNING, "POST %s: %s",
			    path, reason);
			http_reply_error(req, f->auth, time(NULL),
			    HTTP_BADREQUEST, reason);
		}
	}
	free(body);
}

/* A plain (unsigned) answer for humans and scrapers. */
static void
feed_reply_text(struct evhttp_request *req, const char *type,
    struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
}

static void
feed_get_metrics(struct feed *f, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	feed_metrics(f, b);
	if (f->ops->metrics != NULL)
		f->ops->metrics(f->arg, b);
	feed_reply_text(req, "text/plain; version=0.0.4", b);
	evbuffer_free(b);
}

static void
feed_get_status(struct feed *f, struct evhttp_request *req)
{
	struct evbuffer *b;
	char *json;

	if (f->ops->status == NULL) {
		http_reply_error(req, f->auth, time(NULL), HTTP_NOTFOUND,
		    "no such resource");
		return;
	}
	b = evbuffer_new();
	json = f->ops->status(f->arg);

	if (b == NULL || json == NULL) {
		if (b != NULL)
			evbuffer_free(b);
		free(json);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(b, json, strlen(json));
	evbuffer_add(b, "\n", 1);
	feed_reply_text(req, "application/json", b);
	evbuffer_free(b);
	free(json);
}

/* ---- Metrics ---- */

void
feed_metrics(const struct feed *f, struct evbuffer *b)
{
	const struct feed_stats *s = &f->stats;

	http_metric_one(b, "gslb_probe_feed_generation", "gauge",
	    "Generation of the published state feed.", f->generation);
	http_metric_one(b, "gslb_probe_feed_publishes_total", "counter",
	    "State feed generations published.", s->publishes);
	http_metric_one(b, "gslb_probe_feed_waiters", "gauge",
	    "GET /v1/state requests held for a long-poll now.", f->nwaiters);
	http_metric_head(b, "gslb_probe_feed_requests_total", "counter",
	    "GET /v1/state requests by answer.");
	evbuffer_add_printf(b,
	    "gslb_probe_feed_requests_total{answer=\"200\"} %llu\n"
	    "gslb_probe_feed_requests_total{answer=\"304\"} %llu\n"
	    "gslb_probe_feed_requests_total{answer=\"400\"} %llu\n"
	    "gslb_probe_feed_requests_total{answer=\"401\"} %llu\n"
	    "gslb_probe_feed_requests_total{answer=\"503\"} %llu\n",
	    (unsigned long long)s->state_ok,
	    (unsigned long long)s->state_not_modified,
	    (unsigned long long)s->state_bad,
	    (unsigned long long)s->unauthorized,
	    (unsigned long long)s->state_busy);
	http_metric_head(b, "gslb_probe_reports_total", "counter",
	    "Load reports received (POST /v1/report) by result.");
	for (unsigned i = 0; i < FEED_REPORT_RESULT_MAX; i++)
		evbuffer_add_printf(b,
		    "gslb_probe_reports_total{result=\"%s\"} %llu\n",
		    feed_report_results[i], (unsigned long long)s->reports[i]);
}
