/*
 * upstream: one origin connection per live stream (see upstream.h).
 */
#include "config.h"

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
#include "edge/frame.h"
#include "edge/oconn.h"
#include "edge/rtmp_client.h"
#include "edge/rtmp_msg.h"
#include "edge/upstream.h"

#define UPSTREAM_READ_STEP (16u * 1024)
#define UPSTREAM_READ_HIGH (256u * 1024) /* read watermark */

struct upstream {
	struct edge_live *lv;
	struct edge *e;
	struct edge_origin origin;     /* copied: a reload may free it */
	char name[EDGE_HOST_MAX + 16]; /* "host:port" for logs */
	char *what;		       /* "upstream app/name" for logs */
	struct oconn oc;	       /* until the handshake is done */
	struct bufferevent *bev;       /* from then on */
	bool playing;
	bool in_read, dead;
	bool not_found; /* the origin said StreamNotFound */
	bool got_media;
	const char *why; /* failure reason when dead */
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	struct rtmp_client c;
	struct rtmp_cmd_out out;
};

static void
upstream_fail(struct upstream *u, const char *why, int rc)
{
	struct edge_live *lv = u->lv;
	enum edge_live_end end;

	if (u->in_read) {
		if (!u->dead)
			u->why = why;
		u->dead = true;
		return;
	}
	if (rc == RC_NOTFOUND) /* the reason says it all */
		rc = RC_OK;
	log_ratelimited(&u->e->rl_upstream, LOG_WARNING,
	    "upstream %s: origin %s: %s%s%s, closing", lv->key, u->name, why,
	    rc ? ": " : "", rc ? rc_str(rc) : "");
	end = u->not_found ? EDGE_LIVE_END_NOT_FOUND : EDGE_LIVE_END_FAILED;
	upstream_free(u);
	edge_live_upstream_failed(lv, end);
}

static int
upstream_send(struct upstream *u)
{
	int rc = edge_send_out(&u->tx, bufferevent_get_output(u->bev), &u->out);

	rtmp_cmd_out_reset(&u->out);
	return rc;
}

/* One audio, video or data message into the hub. */
static void
upstream_frame(struct upstream *u, const struct rtmp_msg *m)
{
	struct frame *f = frame_new(m);

	if (f == NULL)
		return;
	if (!u->got_media && m->type != RTMP_MSG_DATA_AMF0) {
		u->got_media = true;
		edge_live_upstream_ok(u->lv);
	}
	u->e->stats.frames_in++;
	u->e->stats.bytes_in += m->len;
	stream_publish_frame(&u->lv->stream, f, monotime_now());
	frame_unref(f);
}

static int
upstream_media(struct upstream *u, const struct rtmp_msg *m)
{
	struct rtmp_msg_agg it;
	struct rtmp_msg sub;
	int rc;

	switch (m->type) {
	case RTMP_MSG_AUDIO:
	case RTMP_MSG_VIDEO:
	case RTMP_MSG_DATA_AMF0:
		upstream_frame(u, m);
		break;
	case RTMP_MSG_AGGREGATE:
		/* Split: players get plain messages, one frame each. */
		rtmp_msg_agg_init(&it, m);
		while ((rc = rtmp_msg_agg_next(&it, &sub)) == RC_OK)
			upstream_frame(u, &sub);
		if (rc == RC_MALFORMED) {
			u->e->stats.aggregates_bad++;
			log_ratelimited(&u->e->rl_upstream, LOG_INFO,
			    "upstream %s: origin %s: malformed aggregate "
			    "message, rest dropped",
			    u->lv->key, u->name);
		}
		break;
	default:
		return RC_OK; /* AMF3 data, shared objects: not relayed */
	}
	edge_live_wake(u->lv);
	return RC_OK;
}

static int
upstream_msg_cb(void *arg, const struct rtmp_msg *m)
{
	struct upstream *u = arg;
	struct rtmp_client_event ev;
	struct timeval tv;
	unsigned ms;
	int rc;

	rtmp_cmd_out_reset(&u->out);
	rc = rtmp_client_handle(&u->c, m, &u->out, &ev);
	if (rc == RC_MALFORMED) {
		log_ratelimited(&u->e->rl_upstream, LOG_INFO,
		    "upstream %s: origin %s: message ignored: %s", u->lv->key,
		    u->name, u->c.reason ? u->c.reason : "malformed");
		return RC_OK;
	}
	if (rc != RC_OK)
		return rc;
	rc = upstream_send(u);
	if (rc != RC_OK)
		return rc;
	switch (ev.type) {
	case RTMP_CLIENT_EV_CHUNK_SIZE:
		return rtmp_chunk_rx_set_chunk_size(&u->rx, ev.value);
	case RTMP_CLIENT_EV_ABORT:
		return rtmp_chunk_rx_abort(&u->rx, ev.value);
	case RTMP_CLIENT_EV_PLAY_START:
		u->playing = true;
		ms = u->e->conf->upstream.silent_timeout_ms;
		tv = loop_timeval((uint64_t)ms * MONOTIME_MSEC);
		bufferevent_set_timeouts(u->bev, &tv, &tv);
		log_info("upstream %s: origin %s%s: playing", u->lv->key,
		    u->name, u->oc.via);
		return RC_OK;
	case RTMP_CLIENT_EV_STREAM_NOT_FOUND:
		u->not_found = true;
		/* fall through */
	case RTMP_CLIENT_EV_ERROR:
	case RTMP_CLIENT_EV_PLAY_STOP:
		u->why = u->not_found ? "stream not found" :
		    ev.code[0]	      ? "origin refused" :
					"origin error";
		log_ratelimited(&u->e->rl_upstream, LOG_WARNING,
		    "upstream %s: origin %s: %s %s", u->lv->key, u->name,
		    rtmp_client_event_str(ev.type), ev.code);
		return RC_NOTFOUND;
	case RTMP_CLIENT_EV_UNPUBLISH:
	case RTMP_CLIENT_EV_STREAM_EOF:
		log_info("upstream %s: origin %s: %s", u->lv->key, u->name,
		    rtmp_client_event_str(ev.type));
		return RC_OK;
	case RTMP_CLIENT_EV_MEDIA:
		return upstream_media(u, ev.msg);
	default:
		return RC_OK;
	}
}

static int
upstream_handshake_done(struct upstream *u)
{
	struct rtmp_client_conf cc;
	struct rtmp_chunk_limits lim;
	char tc_url[RTMP_CMD_URL_MAX];
	int rc;

	rtmp_chunk_limits_default(&lim);
	lim.max_message = u->e->conf->limits.max_message_bytes;
	rtmp_chunk_rx_init(&u->rx, &lim, upstream_msg_cb, u);
	rtmp_chunk_tx_init(&u->tx);
	oconn_tc_url(&u->origin, u->lv->app, tc_url, sizeof(tc_url));
	rtmp_client_conf_default(&cc);
	cc.app = u->lv->app;
	cc.tc_url = tc_url;
	cc.name = u->lv->name;
	cc.mode = RTMP_CLIENT_PLAY;
	cc.start = RTMP_CLIENT_START_LIVE;
	rc = rtmp_client_init(&u->c, &cc);
	if (rc != RC_OK)
		return rc;
	rtmp_cmd_out_reset(&u->out);
	rc = rtmp_client_start(&u->c, &u->out);
	if (rc != RC_OK)
		return rc;
	return upstream_send(u);
}

static int
upstream_consume(struct upstream *u, const uint8_t *in, size_t len,
    size_t *used)
{
	size_t n = 0;
	int rc;

	*used = 0;
	rc = rtmp_client_received(&u->c, len, &u->out);
	if (rc == RC_OK)
		rc = upstream_send(u);
	if (rc != RC_OK)
		return rc;
	rc = rtmp_chunk_rx_feed(&u->rx, in, len, &n);
	*used += n;
	return rc;
}

static void
upstream_read_cb(struct bufferevent *bev, void *arg)
{
	struct upstream *u = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t len;
	int rc = RC_OK;

	u->in_read = true;
	while (!u->dead && (len = evbuffer_get_length(input)) > 0) {
		size_t n = len < UPSTREAM_READ_STEP ? len : UPSTREAM_READ_STEP;
		size_t used = 0;
		const uint8_t *p = evbuffer_pullup(input, (ev_ssize_t)n);

		rc = upstream_consume(u, p, n, &used);
		evbuffer_drain(input, used);
		if (rc != RC_OK) {
			if (!u->dead && u->why == NULL)
				u->why = "rtmp";
			u->dead = true;
			break;
		}
		if (used == 0)
			break;
	}
	u->in_read = false;
	if (u->dead)
		upstream_fail(u, u->why ? u->why : "error", rc);
}

static void
upstream_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct upstream *u = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		upstream_fail(u, u->playing ? "silent" : "no play start", 0);
	else if (what & BEV_EVENT_EOF)
		upstream_fail(u, "closed by origin", 0);
	else if (what & BEV_EVENT_ERROR)
		upstream_fail(u, "socket error", 0);
}

/* The handshake is done: the connection is ours (see oconn.h). */
static void
upstream_ready_cb(void *arg, struct bufferevent *bev)
{
	struct upstream *u = arg;
	int rc;

	u->bev = bev;
	bufferevent_setcb(bev, upstream_read_cb, NULL, upstream_event_cb, u);
	bufferevent_setwatermark(bev, EV_READ, 0, UPSTREAM_READ_HIGH);
	rc = upstream_handshake_done(u);
	if (rc != RC_OK)
		upstream_fail(u, "rtmp", rc);
}

static void
upstream_conn_failed_cb(void *arg, const char *why, int rc)
{
	upstream_fail(arg, why, rc);
}

struct upstream *
upstream_new(struct edge_live *lv)
{
	struct upstream *u = xcalloc(1, sizeof(*u));

	u->lv = lv;
	u->e = lv->edge;
	u->origin = lv->origin[lv->origin_idx];
	snprintf(u->name, sizeof(u->name), "%s:%u", u->origin.host,
	    (unsigned)u->origin.port);
	u->what = xasprintf("upstream %s", lv->key);
	rtmp_cmd_out_reset(&u->out);
	if (oconn_start(&u->oc, u->e, &u->origin, u->what, upstream_ready_cb,
		upstream_conn_failed_cb, u) != RC_OK) {
		log_warnx("upstream %s: origin %s: cannot start", lv->key,
		    u->name);
		free(u->what);
		free(u);
		return NULL;
	}
	log_info("upstream %s: origin %s: starting", lv->key, u->name);
	return u;
}

void
upstream_free(struct upstream *u)
{
	if (u == NULL)
		return;
	oconn_cancel(&u->oc);
	if (u->bev)
		bufferevent_free(u->bev);
	rtmp_chunk_rx_fini(&u->rx);
	rtmp_chunk_tx_fini(&u->tx);
	free(u->what);
	free(u);
}
