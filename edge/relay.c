/*
 * relay: one origin connection per VOD player or publisher (see relay.h).
 */
#include "config.h"

#include "edge/relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "edge/oconn.h"
#include "edge/rtmp_msg.h"
#include "edge/session.h"

#define RELAY_READ_STEP (16u * 1024)
#define RELAY_READ_HIGH (256u * 1024) /* read watermark */
#define RELAY_FLASH_VER_PUBLISH "FMLE/3.0 (compatible; FMSc/1.0)"
#define RELAY_CSID_DATA 4u /* publish: the client's csid 3 and 5 are ours */
#define RELAY_CSID_AUDIO 6u
#define RELAY_CSID_VIDEO 7u
#define RELAY_CSID_AGGREGATE 8u

struct relay {
	struct session *s; /* NULL once the session let go */
	struct edge *e;
	struct edge_origin origin;
	char name[EDGE_HOST_MAX + 16]; /* "host:port" for logs */
	char app[RTMP_CMD_APP_MAX];
	char stream[RTMP_CMD_NAME_MAX];
	enum rtmp_client_mode mode;
	double start;
	char pub_type[RTMP_CMD_SHORT_MAX];
	uint32_t buffer_ms;
	char *what;		 /* "relay app/name" for logs */
	struct oconn oc;	 /* until the handshake is done */
	struct bufferevent *bev; /* from then on */
	bool hs_done, started, paused;
	bool in_read, dead;
	const char *why; /* failure reason when dead */
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	struct rtmp_client c;
	struct rtmp_cmd_out out;
};

static void relay_fail(struct relay *r, const char *why, int rc);
static void relay_destroy(struct relay *r);
static int relay_send(struct relay *r);
static int relay_msg_cb(void *arg, const struct rtmp_msg *m);
static int relay_handshake_done(struct relay *r);
static int relay_consume(struct relay *r, const uint8_t *in, size_t len,
    size_t *used);
static void relay_read_cb(struct bufferevent *bev, void *arg);
static void relay_write_cb(struct bufferevent *bev, void *arg);
static void relay_event_cb(struct bufferevent *bev, short what, void *arg);

/* ---- Origin choice ---- */

int
relay_target_init(struct relay_target *t, struct edge *e,
    const struct edge_conf_route *route, const char *key)
{
	uint64_t now = monotime_now();
	struct origin_cand cands[ORIGIN_MAX];
	char names[ORIGIN_MAX][EDGE_HOST_MAX + 16];
	size_t i, n = route->origins_count;
	int got;

	memset(t, 0, sizeof(*t));
	if (n > ORIGIN_MAX)
		n = ORIGIN_MAX;
	if (n == 0)
		return RC_NOTFOUND;
	t->origin = xcalloc(n, sizeof(*t->origin));
	memcpy(t->origin, route->origin, n * sizeof(*t->origin));
	t->norigins = n;
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s:%u", t->origin[i].host,
		    (unsigned)t->origin[i].port);
		cands[i].name = names[i];
		cands[i].state = edge_origin_state(e, &t->origin[i], now);
	}
	got = origin_order(key, cands, n, t->order);
	if (got <= 0) {
		/* Not expected (none DOWN): fall back to the configured order. */
		for (i = 0; i < n; i++)
			t->order[i] = i;
		got = (int)n;
	}
	t->norder = (size_t)got;
	return RC_OK;
}

void
relay_target_fini(struct relay_target *t)
{
	free(t->origin);
	memset(t, 0, sizeof(*t));
}

const struct edge_origin *
relay_target_next(struct relay_target *t)
{
	if (t->pos >= t->norder)
		return NULL;
	return &t->origin[t->order[t->pos++]];
}

/* ---- Failure and teardown ---- */

static void
relay_destroy(struct relay *r)
{
	oconn_cancel(&r->oc);
	if (r->bev) {
		struct evbuffer *out = bufferevent_get_output(r->bev);
		evutil_socket_t fd = bufferevent_getfd(r->bev);

		/* Best effort: deleteStream / FCUnpublish reach the origin. */
		if (r->hs_done && fd >= 0 && evbuffer_get_length(out) > 0)
			(void)evbuffer_write(out, fd);
		bufferevent_free(r->bev);
	}
	rtmp_chunk_rx_fini(&r->rx);
	rtmp_chunk_tx_fini(&r->tx);
	free(r->what);
	free(r);
}

/* Free r, then tell its session (if any) why. */
static void
relay_fail(struct relay *r, const char *why, int rc)
{
	struct session *s = r->s;
	char buf[128];

	if (r->in_read) {
		if (!r->dead)
			r->why = why;
		r->dead = true;
		return;
	}
	if (s == NULL) {
		relay_destroy(r);
		return;
	}
	snprintf(buf, sizeof(buf), "%s%s%s", why, rc ? ": " : "",
	    rc ? rc_str(rc) : "");
	log_ratelimited(&r->e->rl_upstream, LOG_WARNING,
	    "relay %s/%s: origin %s: %s, closing", r->app, r->stream, r->name,
	    buf);
	r->e->stats.relays_failed++;
	relay_destroy(r);
	session_relay_failed(s, why);
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	r->s = NULL;
	if (r->in_read) {
		r->dead = true;
		return;
	}
	relay_destroy(r);
}

/* ---- Messages from the origin ---- */

static int
relay_send(struct relay *r)
{
	int rc = RC_OK;

	if (r->bev != NULL && r->hs_done)
		rc = edge_send_out(&r->tx, bufferevent_get_output(r->bev),
		    &r->out);
	rtmp_cmd_out_reset(&r->out);
	return rc;
}

static int
relay_msg_cb(void *arg, const struct rtmp_msg *m)
{
	struct relay *r = arg;
	struct rtmp_client_event ev;
	int rc;

	if (r->dead || r->s == NULL)
		return RC_OK;
	rtmp_cmd_out_reset(&r->out);
	rc = rtmp_client_handle(&r->c, m, &r->out, &ev);
	if (rc == RC_MALFORMED) {
		log_ratelimited(&r->e->rl_upstream, LOG_INFO,
		    "relay %s/%s: origin %s: message ignored: %s", r->app,
		    r->stream, r->name,
		    r->c.reason ? r->c.reason : "malformed");
		return RC_OK;
	}
	if (rc != RC_OK)
		return rc;
	rc = relay_send(r);
	if (rc != RC_OK)
		return rc;
	switch (ev.type) {
	case RTMP_CLIENT_EV_NONE:
		return RC_OK;
	case RTMP_CLIENT_EV_CHUNK_SIZE:
		return rtmp_chunk_rx_set_chunk_size(&r->rx, ev.value);
	case RTMP_CLIENT_EV_ABORT:
		return rtmp_chunk_rx_abort(&r->rx, ev.value);
	case RTMP_CLIENT_EV_PLAY_START:
	case RTMP_CLIENT_EV_PUBLISH_START:
		if (!r->started) {
			r->started = true;
			edge_origin_ok(r->e, &r->origin);
			/* A paused player's origin is silent: no timeout. */
			bufferevent_set_timeouts(r->bev, NULL, NULL);
			log_info("relay %s/%s: origin %s%s: %s", r->app,
			    r->stream, r->name, r->oc.via,
			    rtmp_client_event_str(ev.type));
		}
		break;
	case RTMP_CLIENT_EV_MEDIA:
		r->e->stats.frames_in++;
		r->e->stats.bytes_in += ev.msg->len;
		break;
	default:
		break;
	}
	/* The session may free us (r->s = NULL, r->dead) in there. */
	session_relay_event(r->s, &ev);
	return RC_OK;
}

/* ---- Connection ---- */

static int
relay_handshake_done(struct relay *r)
{
	struct rtmp_client_conf cc;
	struct rtmp_chunk_limits lim;
	char tc_url[RTMP_CMD_URL_MAX];
	int rc;

	r->hs_done = true;
	rtmp_chunk_limits_default(&lim);
	lim.max_message = r->e->conf->limits.max_message_bytes;
	rtmp_chunk_rx_init(&r->rx, &lim, relay_msg_cb, r);
	rtmp_chunk_tx_init(&r->tx);
	oconn_tc_url(&r->origin, r->app, tc_url, sizeof(tc_url));
	rtmp_client_conf_default(&cc);
	cc.app = r->app;
	cc.tc_url = tc_url;
	cc.name = r->stream;
	cc.mode = r->mode;
	cc.start = r->start;
	cc.buffer_ms = r->buffer_ms;
	if (r->mode == RTMP_CLIENT_PUBLISH) {
		cc.flash_ver = RELAY_FLASH_VER_PUBLISH;
		cc.pub_type = r->pub_type;
	}
	rc = rtmp_client_init(&r->c, &cc);
	if (rc != RC_OK)
		return rc;
	rtmp_cmd_out_reset(&r->out);
	rc = rtmp_client_start(&r->c, &r->out);
	if (rc != RC_OK)
		return rc;
	return relay_send(r);
}

static int
relay_consume(struct relay *r, const uint8_t *in, size_t len, size_t *used)
{
	size_t n = 0;
	int rc;

	*used = 0;
	rc = rtmp_chunk_rx_feed(&r->rx, in, len, &n);
	*used += n;
	/* Acknowledge what was consumed, not what merely arrived. */
	if (rtmp_client_received(&r->c, n, &r->out) == RC_OK &&
	    relay_send(r) != RC_OK && rc == RC_OK)
		rc = RC_ERROR;
	return rc;
}

static void
relay_read_cb(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t len;
	int rc = RC_OK;

	r->in_read = true;
	while (!r->dead && (len = evbuffer_get_length(input)) > 0) {
		size_t n = len < RELAY_READ_STEP ? len : RELAY_READ_STEP;
		size_t used = 0;
		const uint8_t *p;

		if (r->s != NULL && !session_relay_can_write(r->s)) {
			/* The player is behind: stop reading the origin. */
			r->paused = true;
			bufferevent_disable(bev, EV_READ);
			log_debug("relay %s/%s: origin %s: player behind, "
				  "reading paused",
			    r->app, r->stream, r->name);
			break;
		}
		p = evbuffer_pullup(input, (ev_ssize_t)n);
		rc = relay_consume(r, p, n, &used);
		evbuffer_drain(input, used);
		if (rc != RC_OK) {
			if (!r->dead)
				r->why = "rtmp";
			r->dead = true;
			break;
		}
		if (used == 0)
			break;
	}
	r->in_read = false;
	if (r->dead)
		relay_fail(r, r->why ? r->why : "error", rc);
}

static void
relay_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay *r = arg;

	(void)bev;
	if (r->s != NULL && r->mode == RTMP_CLIENT_PUBLISH)
		session_relay_drained(r->s);
}

static void
relay_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay *r = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		relay_fail(r, "no start from the origin", 0);
	else if (what & BEV_EVENT_EOF)
		relay_fail(r, "closed by origin", 0);
	else if (what & BEV_EVENT_ERROR)
		relay_fail(r, "socket error", 0);
}

/* The handshake is done: the connection is ours (see oconn.h). */
static void
relay_ready_cb(void *arg, struct bufferevent *bev)
{
	struct relay *r = arg;
	int rc;

	r->bev = bev;
	bufferevent_setcb(bev, relay_read_cb, relay_write_cb, relay_event_cb,
	    r);
	bufferevent_setwatermark(bev, EV_READ, 0, RELAY_READ_HIGH);
	bufferevent_setwatermark(bev, EV_WRITE, RELAY_WRITE_LOW, 0);
	rc = relay_handshake_done(r);
	if (rc != RC_OK)
		relay_fail(r, "rtmp", rc);
}

static void
relay_conn_failed_cb(void *arg, const char *why, int rc)
{
	struct relay *r = arg;

	edge_origin_failed(r->e, &r->origin);
	relay_fail(r, why, rc);
}

struct relay *
relay_new(struct session *s, const struct edge_origin *o,
    const struct relay_conf *c)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->s = s;
	r->e = s->edge;
	r->origin = *o;
	snprintf(r->name, sizeof(r->name), "%s:%u", o->host, (unsigned)o->port);
	snprintf(r->app, sizeof(r->app), "%s", c->app);
	snprintf(r->stream, sizeof(r->stream), "%s", c->name);
	snprintf(r->pub_type, sizeof(r->pub_type), "%s",
	    c->pub_type ? c->pub_type : "live");
	r->mode = c->mode;
	r->start = c->start;
	r->buffer_ms = c->buffer_ms;
	r->what = xasprintf("relay %s/%s", r->app, r->stream);
	rtmp_cmd_out_reset(&r->out);
	if (oconn_start(&r->oc, r->e, o, r->what, relay_ready_cb,
		relay_conn_failed_cb, r) != RC_OK) {
		log_warnx("relay %s/%s: origin %s: cannot start", r->app,
		    r->stream, r->name);
		free(r->what);
		free(r);
		return NULL;
	}
	log_info("relay %s/%s: origin %s: starting (%s)", r->app, r->stream,
	    r->name, r->mode == RTMP_CLIENT_PUBLISH ? "publish" : "play");
	return r;
}

/* ---- Player's requests ---- */

const char *
relay_origin_name(const struct relay *r)
{
	return r->name;
}

bool
relay_is_started(const struct relay *r)
{
	return r->started;
}

int
relay_pause(struct relay *r, bool pause, double ms)
{
	int rc;

	if (!r->hs_done)
		return RC_NOTFOUND;
	rc = rtmp_client_pause(&r->c, &r->out, pause, ms);
	if (rc != RC_OK) {
		rtmp_cmd_out_reset(&r->out);
		return rc;
	}
	return relay_send(r);
}

int
relay_seek(struct relay *r, double ms)
{
	int rc;

	if (!r->hs_done)
		return RC_NOTFOUND;
	rc = rtmp_client_seek(&r->c, &r->out, ms);
	if (rc != RC_OK) {
		rtmp_cmd_out_reset(&r->out);
		return rc;
	}
	return relay_send(r);
}

int
relay_set_buffer(struct relay *r, uint32_t ms)
{
	struct rtmp_msg_ctl sbl = { .type = RTMP_MSG_USER_CONTROL,
		.event = RTMP_MSG_UC_SET_BUFFER_LENGTH };
	int rc;

	r->buffer_ms = ms;
	if (!r->hs_done || r->c.stream_id == 0 || r->mode != RTMP_CLIENT_PLAY)
		return RC_NOTFOUND;
	sbl.value = r->c.stream_id;
	sbl.buffer_ms = ms;
	rc = rtmp_cmd_out_ctl(&r->out, &sbl);
	if (rc != RC_OK) {
		rtmp_cmd_out_reset(&r->out);
		return rc;
	}
	return relay_send(r);
}

int
relay_close_stream(struct relay *r)
{
	int rc;

	if (!r->hs_done || r->c.stream_id == 0)
		return RC_NOTFOUND;
	rc = rtmp_client_close(&r->c, &r->out);
	if (rc != RC_OK) {
		rtmp_cmd_out_reset(&r->out);
		return rc;
	}
	return relay_send(r);
}

int
relay_send_media(struct relay *r, const struct rtmp_msg *m)
{
	struct rtmp_msg fwd = *m;

	if (!r->started || r->c.state != RTMP_CLIENT_ST_PUBLISHING ||
	    r->bev == NULL)
		return RC_AGAIN;
	fwd.stream_id = r->c.stream_id;
	switch (m->type) {
	case RTMP_MSG_AUDIO:
		fwd.csid = RELAY_CSID_AUDIO;
		break;
	case RTMP_MSG_VIDEO:
		fwd.csid = RELAY_CSID_VIDEO;
		break;
	case RTMP_MSG_AGGREGATE:
		fwd.csid = RELAY_CSID_AGGREGATE;
		break;
	default:
		fwd.csid = RELAY_CSID_DATA;
		break;
	}
	return edge_send_msg(&r->tx, bufferevent_get_output(r->bev), &fwd);
}

bool
relay_is_congested(const struct relay *r)
{
	return r->bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(r->bev)) >
	    RELAY_WRITE_HIGH;
}

void
relay_resume(struct relay *r)
{
	if (!r->paused || r->bev == NULL || r->dead)
		return;
	r->paused = false;
	bufferevent_enable(r->bev, EV_READ);
	/* What is already buffered would not raise a read event. */
	if (evbuffer_get_length(bufferevent_get_input(r->bev)) > 0)
		bufferevent_trigger(r->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}
