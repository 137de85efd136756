/*
 * oconn: one RTMP connection to an origin, up to the end of the client
 * handshake (see oconn.h).
 */
#include "config.h"

#include "edge/oconn.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "edge/dnscache.h"
#include "edge/edge.h"

#define OCONN_READ_HIGH (64u * 1024) /* ample for S0 + S1 + S2 */

static void oconn_read_cb(struct bufferevent *bev, void *arg);
static void oconn_event_cb(struct bufferevent *bev, short what, void *arg);

static void
oconn_close(struct oconn *oc)
{
	if (oc->bev != NULL) {
		bufferevent_free(oc->bev);
		oc->bev = NULL;
	}
	oc->connected = false;
}

void
oconn_cancel(struct oconn *oc)
{
	if (!oc->active)
		return;
	dnscache_cancel(oc->e->dns, oc);
	if (oc->defer != NULL) {
		event_free(oc->defer);
		oc->defer = NULL;
	}
	oconn_close(oc);
	oc->active = false;
}

static void
oconn_fail(struct oconn *oc, const char *why, int rc)
{
	oconn_cancel(oc);
	oc->failed(oc->arg, why, rc);
}

/* Address i of the origin's name, with the origin's port. */
static void
oconn_addr(const struct oconn *oc, size_t i, struct sockaddr_storage *ss)
{
	memcpy(ss, &oc->addrs.addr[i], oc->addrs.addrlen[i]);
	sockaddr_set_port((struct sockaddr *)ss, oc->origin.port);
}

/* The address being tried, "[2001:db8::1]:1935", for logs. */
static void
oconn_addr_str(const struct oconn *oc, size_t i, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	oconn_addr(oc, i, &ss);
	sockaddr_fmt((const struct sockaddr *)&ss, buf, len);
}

/*
 * Connect to the next address that takes a connect. Returns RC_OK (the
 * outcome comes to oconn_event_cb) or RC_IO when none is left.
 */
static int
oconn_try_next(struct oconn *oc)
{
	struct edge *e = oc->e;
	struct timeval tv;

	tv = loop_timeval(
	    (uint64_t)e->conf->upstream.connect_timeout_ms * MONOTIME_MSEC);
	while (oc->next < oc->addrs.n) {
		struct sockaddr_storage ss;
		size_t i = oc->next++;

		oconn_addr(oc, i, &ss);
		oc->bev =
		    bufferevent_socket_new(e->base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (oc->bev == NULL)
			return RC_ERROR;
		bufferevent_setcb(oc->bev, oconn_read_cb, NULL, oconn_event_cb,
		    oc);
		bufferevent_setwatermark(oc->bev, EV_READ, 0, OCONN_READ_HIGH);
		bufferevent_set_timeouts(oc->bev, &tv, &tv);
		if (bufferevent_socket_connect(oc->bev, (struct sockaddr *)&ss,
			(int)oc->addrs.addrlen[i]) == 0)
			return RC_OK;
		oconn_close(oc);
	}
	return RC_IO;
}

/* The connect to the current address failed: say so, try the next one. */
static void
oconn_next_or_fail(struct oconn *oc, const char *why)
{
	char addr[SOCKADDR_STRLEN];

	oconn_addr_str(oc, oc->next - 1, addr, sizeof(addr));
	oconn_close(oc);
	if (oc->next < oc->addrs.n) {
		log_ratelimited(&oc->e->rl_upstream, LOG_INFO,
		    "%s: origin %s: %s: %s, trying its next address", oc->what,
		    oc->name, addr, why);
		if (oconn_try_next(oc) == RC_OK)
			return;
	}
	oconn_fail(oc, why, RC_IO);
}

static void
oconn_resolved_cb(void *arg, int rc, const struct resolver_result *res)
{
	struct oconn *oc = arg;

	if (rc != RC_OK) {
		oconn_fail(oc, "resolve", rc);
		return;
	}
	oc->addrs = *res;
	oc->next = 0;
	if (oconn_try_next(oc) != RC_OK)
		oconn_fail(oc, "connect", RC_IO);
}

/* The lookup answered at once: connect from the loop, like the others. */
static void
oconn_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct oconn *oc = arg;

	(void)fd;
	(void)what;
	event_free(oc->defer);
	oc->defer = NULL;
	if (oc->defer_rc != RC_OK) {
		oconn_fail(oc, "resolve", oc->defer_rc);
		return;
	}
	if (oconn_try_next(oc) != RC_OK)
		oconn_fail(oc, "connect", RC_IO);
}

static void
oconn_connected(struct oconn *oc)
{
	uint8_t rnd[RTMP_HS_RANDOM_LEN];
	uint8_t buf[RTMP_HS_OUT_MAX];
	struct wire_writer w;

	if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1) {
		oconn_fail(oc, "handshake: no random bytes", RC_ERROR);
		return;
	}
	oc->connected = true;
	if (oc->addrs.ttl != RESOLVER_TTL_LITERAL) {
		char addr[SOCKADDR_STRLEN];

		oconn_addr_str(oc, oc->next - 1, addr, sizeof(addr));
		snprintf(oc->via, sizeof(oc->via), " (at %s)", addr);
	}
	wire_writer_init(&w, buf, sizeof(buf));
	rtmp_hs_client_start(&oc->hs,
	    (uint32_t)(monotime_now() / MONOTIME_MSEC), rnd, &w);
	bufferevent_write(oc->bev, buf, w.pos);
	bufferevent_enable(oc->bev, EV_READ | EV_WRITE);
	log_debug("%s: origin %s%s: connected", oc->what, oc->name, oc->via);
}

static void
oconn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct oconn *oc = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		oconn_connected(oc);
		return;
	}
	if (!oc->connected) {
		oconn_next_or_fail(oc,
		    what & BEV_EVENT_TIMEOUT ? "connect timeout" :
					       "connect failed");
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		oconn_fail(oc, "handshake timeout", 0);
	else if (what & BEV_EVENT_EOF)
		oconn_fail(oc, "closed by origin", 0);
	else
		oconn_fail(oc, "socket error", RC_IO);
}

static void
oconn_read_cb(struct bufferevent *bev, void *arg)
{
	struct oconn *oc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[RTMP_HS_OUT_MAX];
	struct wire_writer w;
	size_t len = evbuffer_get_length(in), consumed = 0;
	const uint8_t *p;
	int rc;

	if (len == 0)
		return;
	p = evbuffer_pullup(in, (ev_ssize_t)len);
	wire_writer_init(&w, buf, sizeof(buf));
	rc = rtmp_hs_feed(&oc->hs, p, len, &consumed, &w);
	evbuffer_drain(in, consumed);
	if (w.pos > 0)
		bufferevent_write(bev, buf, w.pos);
	if (rc == RC_AGAIN)
		return;
	if (rc != RC_OK) {
		oconn_fail(oc, "handshake", rc);
		return;
	}
	/* Done: the bufferevent is the owner's from here. */
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	if (evbuffer_get_length(in) > 0)
		bufferevent_trigger(bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	oc->bev = NULL;
	oc->connected = false;
	oc->active = false;
	oc->ready(oc->arg, bev);
}

int
oconn_start(struct oconn *oc, struct edge *e, const struct edge_origin *o,
    const char *what, oconn_ready_cb ready, oconn_failed_cb failed, void *arg)
{
	struct timeval now = { 0, 0 };
	int rc;

	memset(oc, 0, sizeof(*oc));
	oc->e = e;
	oc->origin = *o;
	snprintf(oc->name, sizeof(oc->name), "%s:%u", o->host,
	    (unsigned)o->port);
	oc->what = what;
	oc->ready = ready;
	oc->failed = failed;
	oc->arg = arg;
	rc =
	    dnscache_lookup(e->dns, o->host, &oc->addrs, oconn_resolved_cb, oc);
	if (rc == RC_AGAIN) {
		oc->active = true;
		return RC_OK;
	}
	oc->defer = evtimer_new(e->base, oconn_defer_cb, oc);
	if (oc->defer == NULL)
		return RC_ERROR;
	oc->defer_rc = rc;
	evtimer_add(oc->defer, &now);
	oc->active = true;
	return RC_OK;
}

void
oconn_tc_url(const struct edge_origin *o, const char *app, char *buf,
    size_t len)
{
	bool v6 = strchr(o->host, ':') != NULL;

	snprintf(buf, len, "rtmp://%s%s%s:%u/%s", v6 ? "[" : "", o->host,
	    v6 ? "]" : "", (unsigned)o->port, app);
}
