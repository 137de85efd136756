/*
 * check_http: GET the edge's /v1/load and decode its load report (see
 * check.h), with evhttp.
 *
 * One timer is both the deadline and the deferral of the callback. The
 * request's callbacks only record the outcome and make the timer active;
 * the timer's callback cancels the request if it is still pending (the
 * deadline passed, or the run is cancelled), frees the connection and
 * then runs our callback, so evhttp objects are never freed from inside
 * evhttp. evhttp's own timeout is set one second past ours, so the
 * deadline is always ours and reported as CHECK_TIMEOUT.
 *
 * The answer's signature (X-Gslb-Signature, present when the edge has a
 * secret) is not verified: this check asks whether the edge's HTTP side
 * answers with a well-formed report, and any load figure taken from it
 * is advisory. Whoever could forge it sits on the path between probe and
 * edge and could as well drop or fake the RTMP checks; the load figures
 * the probe publishes come from the edges' signed POST reports. Not
 * verifying also means a probe needs no edge's secret to check it.
 *
 * The report must name the edge checked (when the target names one): an
 * address that leads to another edge is a configuration error whose
 * figures must not be credited to the wrong edge.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/alloc.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"
#include "probe/check.h"

#define CHECK_HTTP_PATH "/v1/load"
#define CHECK_HTTP_BODY_MAX (256u * 1024) /* a report is a few KiB */
#define CHECK_HTTP_HEADERS_MAX (16u * 1024)
#define CHECK_HTTP_SLACK_MS 1000u /* evhttp's timeout past ours */

struct check_http {
	struct check_run run; /* first: check_run_cancel() casts back */
	check_done_cb cb;
	void *arg;
	struct evhttp_connection *conn;
	struct evhttp_request *req; /* until evhttp is done with it */
	struct event *timer;	    /* deadline, then the deferred callback */
	bool done, in_cb, cancelling;
	uint64_t t0; /* monotime_now() at start */
	char edge[STATEMSG_NAME_MAX + 1];
	struct check_outcome o;
};

static void check_http_cancel(struct check_run *run);
static void check_http_set(struct check_http *r, enum check_result res,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check_http_teardown(struct check_http *r);
static void check_http_answer(struct check_http *r, struct evhttp_request *req);
static void check_http_req_cb(struct evhttp_request *req, void *arg);
static void check_http_error_cb(enum evhttp_request_error err, void *arg);
static void check_http_timer_cb(evutil_socket_t fd, short what, void *arg);

/* Where the timer sits in the run's allocation. */
#define CHECK_HTTP_OFF                                            \
	((sizeof(struct check_http) + alignof(max_align_t) - 1) & \
	    ~(alignof(max_align_t) - 1))

/* Record the outcome (the first one counts) and wake the timer. */
static void
check_http_set(struct check_http *r, enum check_result res, const char *fmt,
    ...)
{
	va_list ap;

	if (r->done)
		return;
	r->done = true;
	r->o.result = res;
	r->o.ms = (double)(monotime_now() - r->t0) / MONOTIME_MSEC;
	va_start(ap, fmt);
	vsnprintf(r->o.why, sizeof(r->o.why), fmt, ap);
	va_end(ap);
	if (res != CHECK_OK)
		r->o.has_report = false;
	event_active(r->timer, EV_TIMEOUT, 0);
}

/* A whole answer (any status): judge it. */
static void
check_http_answer(struct check_http *r, struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	int code = evhttp_request_get_response_code(req);
	char reason[STATEMSG_REASON_MAX];
	size_t len;

	if (code != HTTP_OK) {
		check_http_set(r, CHECK_FAIL, "HTTP %d", code);
		return;
	}
	len = evbuffer_get_length(b);
	if (statemsg_report_decode((const char *)evbuffer_pullup(b, -1), len,
		&r->o.report, reason, sizeof(reason)) != RC_OK) {
		check_http_set(r, CHECK_FAIL, "report: %s", reason);
		return;
	}
	if (r->edge[0] != '\0' && strcmp(r->edge, r->o.report.edge) != 0) {
		/* A decoded name is [A-Za-z0-9._-]: safe to log. */
		check_http_set(r, CHECK_FAIL, "report: from edge %s",
		    r->o.report.edge);
		return;
	}
	r->o.has_report = true;
	check_http_set(r, CHECK_OK, "%s", "");
}

/*
 * evhttp is done with the request: an answer, or NULL / code 0 after a
 * failure (error_cb, when there is one, came first). req is freed by
 * evhttp when this returns.
 */
static void
check_http_req_cb(struct evhttp_request *req, void *arg)
{
	struct check_http *r = arg;
	int err = errno; /* connect failures leave no other trace */

	r->req = NULL;
	if (r->done)
		return;
	if (req != NULL && evhttp_request_get_response_code(req) != 0) {
		check_http_answer(r, req);
		return;
	}
	if (err == ECONNREFUSED || err == ECONNRESET || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == ETIMEDOUT)
		check_http_set(r, CHECK_FAIL, "connect: %s", strerror(err));
	else
		check_http_set(r, CHECK_FAIL, "connect: failed");
}

static void
check_http_error_cb(enum evhttp_request_error err, void *arg)
{
	struct check_http *r = arg;

	r->req = NULL; /* evhttp frees it */
	if (r->cancelling || r->done)
		return;
	switch (err) {
	case EVREQ_HTTP_TIMEOUT:
		check_http_set(r, CHECK_TIMEOUT, "http: timeout");
		break;
	case EVREQ_HTTP_EOF:
		check_http_set(r, CHECK_FAIL, "http: closed by edge");
		break;
	case EVREQ_HTTP_INVALID_HEADER:
		check_http_set(r, CHECK_FAIL, "http: invalid header");
		break;
	case EVREQ_HTTP_DATA_TOO_LONG:
		check_http_set(r, CHECK_FAIL, "http: answer too long");
		break;
	default:
		check_http_set(r, CHECK_FAIL, "http: error %d", (int)err);
		break;
	}
}

/* Cancel the request if evhttp still has it, free the connection. */
static void
check_http_teardown(struct check_http *r)
{
	if (r->req != NULL) {
		r->cancelling = true; /* error_cb runs inside, ignored */
		evhttp_cancel_request(r->req);
		r->req = NULL;
	}
	if (r->conn != NULL) {
		evhttp_connection_free(r->conn);
		r->conn = NULL;
	}
}

static void
check_http_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_http *r = arg;

	(void)fd;
	(void)what;
	check_http_set(r, CHECK_TIMEOUT, "http: timeout");
	check_http_teardown(r);
	event_del(r->timer); /* check_http_set() may have activated it */
	r->in_cb = true;
	r->cb(r->arg, &r->o);
	free(r);
}

static void
check_http_cancel(struct check_run *run)
{
	struct check_http *r = (struct check_http *)run;

	if (r->in_cb)
		return; /* the run frees itself after its callback */
	r->done = true;
	check_http_teardown(r);
	event_del(r->timer);
	free(r);
}

struct check_run *
check_http_start(struct event_base *base, const struct check_target *t,
    check_done_cb cb, void *arg)
{
	struct check_http *r =
	    xcalloc(1, CHECK_HTTP_OFF + event_get_struct_event_size());
	const struct sockaddr *sa = (const struct sockaddr *)&t->http;
	char host[INET6_ADDRSTRLEN], hostport[SOCKADDR_STRLEN];
	const void *in;
	struct evkeyvalq *h;
	struct timeval tv;

	r->run.cancel = check_http_cancel;
	r->cb = cb;
	r->arg = arg;
	r->t0 = monotime_now();
	snprintf(r->edge, sizeof(r->edge), "%s", t->edge);
	r->timer = (struct event *)((char *)r + CHECK_HTTP_OFF);
	event_assign(r->timer, base, -1, 0, check_http_timer_cb, r);
	tv = loop_timeval((uint64_t)t->timeout_ms * MONOTIME_MSEC);
	event_add(r->timer, &tv);

	if (t->httplen == 0 || t->httplen > sizeof(t->http) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		check_http_set(r, CHECK_FAIL, "no address");
		return &r->run;
	}
	in = sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	inet_ntop(sa->sa_family, in, host, sizeof(host));
	sockaddr_fmt(sa, hostport, sizeof(hostport));
	/* A numeric host: evhttp resolves it without DNS. */
	r->conn =
	    evhttp_connection_base_new(base, NULL, host, sockaddr_port(sa));
	r->req = evhttp_request_new(check_http_req_cb, r);
	if (r->conn == NULL || r->req == NULL) {
		if (r->req != NULL)
			evhttp_request_free(r->req);
		r->req = NULL;
		check_http_set(r, CHECK_FAIL, "http: out of resources");
		return &r->run;
	}
	evhttp_connection_set_family(r->conn, sa->sa_family);
	evhttp_connection_set_retries(r->conn, 0);
	evhttp_connection_set_max_body_size(r->conn, CHECK_HTTP_BODY_MAX);
	evhttp_connection_set_max_headers_size(r->conn, CHECK_HTTP_HEADERS_MAX);
	tv = loop_timeval(
	    (uint64_t)(t->timeout_ms + CHECK_HTTP_SLACK_MS) * MONOTIME_MSEC);
	evhttp_connection_set_timeout_tv(r->conn, &tv);
	evhttp_request_set_error_cb(r->req, check_http_error_cb);
	h = evhttp_request_get_output_headers(r->req);
	evhttp_add_header(h, "Host", hostport);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "Connection", "close");
	/*
	 * A connect that fails at once may call back from in here: the
	 * callbacks only record it. On -1 (no memory) evhttp kept the
	 * request out of its queue, or freed it: forget it either way.
	 */
	if (evhttp_make_request(r->conn, r->req, EVHTTP_REQ_GET,
		CHECK_HTTP_PATH) != 0) {
		r->req = NULL;
		check_http_set(r, CHECK_FAIL, "http: cannot send");
	}
	return &r->run;
}
