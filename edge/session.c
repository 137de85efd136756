/*
 * session: one player connection (see session.h).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <stdarg.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "edge/access_log.h"
#include "edge/frame.h"
#include "edge/relay.h"
#include "edge/rtmp_msg.h"
#include "edge/session.h"

/* Output watermarks: refill below LOW, stop writing frames above HIGH. */
#define SESSION_WRITE_LOW (64u * 1024)
#define SESSION_WRITE_HIGH (256u * 1024)
/* Refill-and-write passes per flush, when the socket keeps up. */
#define SESSION_FLUSH_ROUNDS 4
/* Frames per writev() (two iovecs each). */
#define SESSION_BATCH 64
/* Bodies at least this large are shared by reference, not copied. */
#define SESSION_REF_MIN 1024
/* Input bytes handled per pass, and the read high watermark. */
#define SESSION_READ_STEP (16u * 1024)
#define SESSION_READ_HIGH (256u * 1024)
/* VOD: what the origin is told before the player says (ffmpeg's). */
#define SESSION_BUFFER_MS 3000u

static void session_set_end(struct session *s, const char *fmt, ...)
    LOG_FMT(2, 3);
static void session_close(struct session *s);
static void session_close_after_write(struct session *s);
static void session_error(struct session *s, const char *what, int rc,
    enum edge_player_error why);
static int session_send(struct session *s);
static int session_ack(struct session *s);
static void session_kick(struct session *s);
static void session_unsubscribe(struct session *s);
static void session_idle_stop(struct session *s);
static void session_idle_cb(evutil_socket_t fd, short what, void *arg);
static bool session_app_served(const struct edge_conf *cf, const char *app);
static int session_not_found(struct session *s, uint32_t sid, const char *why);
static int session_relay_start(struct session *s);
static void session_relay_stop(struct session *s);
static int session_play_vod(struct session *s, const struct rtmp_cmd_event *ev,
    const struct edge_conf_route *route);
static int session_play(struct session *s, const struct rtmp_cmd_event *ev,
    uint32_t sid);
static int session_publish(struct session *s, const struct rtmp_cmd_event *ev);
static int session_publish_media(struct session *s, const struct rtmp_msg *m);
static int session_vod_media(struct session *s, const struct rtmp_msg *m);
static int session_forward_uc(struct session *s, uint16_t event);
static bool session_forward_cmd(struct session *s,
    const struct rtmp_cmd_event *ev);
static int session_stream_closed(struct session *s,
    const struct rtmp_cmd_event *ev);
static int session_connect(struct session *s, const struct rtmp_cmd_event *ev);
static int session_command(struct session *s, const struct rtmp_msg *m);
static int session_user_control(struct session *s, const struct rtmp_msg *m);
static int session_msg_cb(void *arg, const struct rtmp_msg *m);
static int session_consume(struct session *s, const uint8_t *in, size_t len,
    size_t *used);
static void session_read_cb(struct bufferevent *bev, void *arg);
static void session_write_cb(struct bufferevent *bev, void *arg);
static void session_event_cb(struct bufferevent *bev, short what, void *arg);
static void session_access_log(struct session *s);

/* ---- Helpers ---- */

/* Record how the session ended, for the access log; the first one wins. */
static void
session_set_end(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->end[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(s->end, sizeof(s->end), fmt, ap);
	va_end(ap);
}

/* Close now, or as soon as the read callback returns. */
static void
session_close(struct session *s)
{
	if (s->in_read)
		s->dead = true;
	else
		session_free(s);
}

/* Close once what is queued for the player has been written. */
static void
session_close_after_write(struct session *s)
{
	session_relay_stop(s);
	s->closing = true;
	if (!s->in_read &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		session_free(s);
}

/* The class of an error in what a player sent (rc from its decoders). */
static enum edge_player_error
session_input_error(const struct session *s, int rc)
{
	if (!s->hs_done)
		return EDGE_PERR_HANDSHAKE;
	return rc == RC_LIMIT ? EDGE_PERR_LIMIT : EDGE_PERR_PROTOCOL;
}

static void
session_error(struct session *s, const char *what, int rc,
    enum edge_player_error why)
{
	edge_player_error(s->edge, why);
	session_set_end(s, "error:%s", what);
	log_ratelimited(&s->edge->rl_player, LOG_WARNING,
	    "player %s: %s: %s, closing", s->peer, what, rc_str(rc));
	session_close(s);
}

/*
 * The reply buffer (4 KiB), allocated when a command needs it and freed
 * once sent: a playing session holds none.
 */
static struct rtmp_cmd_out *
session_out(struct session *s)
{
	if (s->out == NULL) {
		s->out = xmalloc(sizeof(*s->out));
		rtmp_cmd_out_reset(s->out);
	}
	return s->out;
}

static int
session_send(struct session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	size_t before = evbuffer_get_length(out);
	int rc = RC_OK;

	if (s->out != NULL)
		rc = edge_send_out(&s->tx, out, s->out);
	s->bytes_out += evbuffer_get_length(out) - before;
	s->edge->stats.bytes_out += evbuffer_get_length(out) - before;
	free(s->out);
	s->out = NULL;
	session_kick(s);
	return rc;
}

static void
session_idle_stop(struct session *s)
{
	if (s->idle != NULL)
		event_del(s->idle);
}

static void
session_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	s->edge->stats.players_idle++;
	session_set_end(s, "timeout");
	log_ratelimited(&s->edge->rl_player, LOG_INFO,
	    "player %s: no play or publish within %u ms, closing", s->peer,
	    s->edge->conf->limits.idle_timeout_ms);
	session_close(s);
}

static bool
session_app_served(const struct edge_conf *cf, const char *app)
{
	unsigned i;

	for (i = 0; i < cf->routes_count; i++)
		if (strcmp(cf->routes[i].app, "*") == 0 ||
		    strcmp(cf->routes[i].app, app) == 0)
			return true;
	return false;
}

/* ---- Live ---- */

/* Replace *dst (heap, never NULL) with a copy of src. */
static void
session_set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src);
}

static void
session_frame_release_cb(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	frame_unref(arg);
}

/* The message that carries frame f to this player at time ts. */
static void
session_frame_msg(const struct session *s, const struct frame *f, uint32_t ts,
    struct rtmp_msg *m)
{
	m->type = f->type;
	m->csid = f->type == FRAME_AUDIO ? SESSION_CSID_AUDIO :
	    f->type == FRAME_VIDEO	 ? SESSION_CSID_VIDEO :
					   SESSION_CSID_DATA;
	m->stream_id = s->sid;
	m->timestamp = ts;
	m->payload = f->payload;
	m->len = f->len;
}

/*
 * One frame to the player: its own first chunk header, then the body
 * every player shares (frame_chunked), by reference when it is large
 * enough for that to beat a copy. Messages that need an extended
 * timestamp are chunked whole for this player.
 */
static int
session_write_frame(struct session *s, struct evbuffer *out, struct frame *f,
    uint32_t ts)
{
	uint8_t hdr[RTMP_CHUNK_HEADER_MAX];
	struct wire_writer w;
	struct rtmp_msg m;
	const uint8_t *body;
	size_t blen;
	int rc;

	session_frame_msg(s, f, ts, &m);
	wire_writer_init(&w, hdr, sizeof(hdr));
	rc = rtmp_chunk_tx_write_header(&s->tx, &w, &m);
	if (rc == RC_UNSUPPORTED)
		return edge_send_msg(&s->tx, out, &m);
	if (rc != RC_OK)
		return rc;
	body = frame_chunked(f, m.csid, s->tx.chunk_size, &blen);
	evbuffer_add(out, hdr, w.pos);
	if (blen < SESSION_REF_MIN) {
		evbuffer_add(out, body, blen);
		return RC_OK;
	}
	if (evbuffer_add_reference(out, body, blen, session_frame_release_cb,
		frame_ref(f)) != 0) {
		frame_unref(f);
		return RC_ERROR;
	}
	return RC_OK;
}

/* Another writer added to the output: make sure it gets written. */
static void
session_kick(struct session *s)
{
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) > 0)
		bufferevent_enable(s->bev, EV_WRITE);
}

/*
 * Frames popped for one writev(): each is its own chunk header (on the
 * stack) and the body every player shares (frame_chunked).
 */
struct session_batch {
	struct iovec iov[2 * SESSION_BATCH];
	uint8_t hdr[SESSION_BATCH][RTMP_CHUNK_HEADER_MAX];
	struct frame *f[SESSION_BATCH];
	unsigned n;
	size_t bytes;
};

/* Pop into b up to SESSION_BATCH frames; *ext gets one that needs an
 * extended timestamp (written apart), which ends the batch. */
static int
session_batch_fill(struct session *s, struct session_batch *b,
    struct frame **ext, uint32_t *ext_ts, uint64_t now)
{
	*ext = NULL;
	b->n = 0;
	b->bytes = 0;
	while (b->n < SESSION_BATCH && b->bytes < SESSION_WRITE_HIGH) {
		uint32_t ts = 0;
		struct frame *f = player_queue_pop(&s->q, &ts);
		struct wire_writer w;
		struct rtmp_msg m;
		const uint8_t *body;
		size_t blen;
		int rc;

		if (f == NULL)
			break;
		if (s->first_frame_us == 0 &&
		    (f->type == FRAME_VIDEO || f->type == FRAME_AUDIO))
			s->first_frame_us = now;
		session_frame_msg(s, f, ts, &m);
		wire_writer_init(&w, b->hdr[b->n], RTMP_CHUNK_HEADER_MAX);
		rc = rtmp_chunk_tx_write_header(&s->tx, &w, &m);
		if (rc == RC_UNSUPPORTED) {
			*ext = f;
			*ext_ts = ts;
			break;
		}
		if (rc != RC_OK) {
			frame_unref(f);
			return rc;
		}
		body = frame_chunked(f, m.csid, s->tx.chunk_size, &blen);
		b->iov[2 * b->n].iov_base = b->hdr[b->n];
		b->iov[2 * b->n].iov_len = w.pos;
		b->iov[2 * b->n + 1].iov_base = (void *)(uintptr_t)body;
		b->iov[2 * b->n + 1].iov_len = blen;
		b->f[b->n++] = f;
		b->bytes += w.pos + blen;
	}
	return RC_OK;
}

/* What the socket did not take goes to the output buffer, in order;
 * then the batch lets go of its frames. */
static void
session_batch_rest(struct evbuffer *out, struct session_batch *b,
    size_t written)
{
	unsigned i, k;

	for (i = 0; i < 2 * b->n; i++) {
		struct frame *f = b->f[i / 2];
		const uint8_t *p = b->iov[i].iov_base;
		size_t len = b->iov[i].iov_len;

		if (written >= len) {
			written -= len;
			continue;
		}
		p += written;
		len -= written;
		written = 0;
		if (i % 2 == 0 || len < SESSION_REF_MIN)
			evbuffer_add(out, p, len);
		else
			evbuffer_add_reference(out, p, len,
			    session_frame_release_cb, frame_ref(f));
	}
	for (k = 0; k < b->n; k++)
		frame_unref(b->f[k]);
	b->n = 0;
}

/*
 * With nothing pending in the output buffer, frames go to the socket
 * in one writev() per batch, straight from the shared bodies: no copy,
 * no allocation, no event armed. Only what the kernel does not take is
 * buffered, and the bufferevent then writes it when it can (and calls
 * session_write_cb for more).
 */
static int
session_flush_direct(struct session *s, struct evbuffer *out, uint64_t now)
{
	struct session_batch b;
	int fd = bufferevent_getfd(s->bev);
	unsigned round;

	for (round = 0; round < SESSION_FLUSH_ROUNDS; round++) {
		struct frame *ext;
		uint32_t ext_ts = 0;
		ssize_t n = 0;
		int rc;

		rc = session_batch_fill(s, &b, &ext, &ext_ts, now);
		if (rc != RC_OK) {
			session_batch_rest(out, &b, SIZE_MAX);
			return rc;
		}
		if (b.n == 0 && ext == NULL)
			break;
		if (b.n > 0) {
			do
				n = writev(fd, b.iov, (int)(2 * b.n));
			while (n < 0 && errno == EINTR);
			if (n <
			    0) /* EAGAIN, or an error the bufferevent sees */
				n = 0;
		}
		s->bytes_out += b.bytes;
		s->edge->stats.bytes_out += b.bytes;
		session_batch_rest(out, &b, (size_t)n);
		if (ext != NULL) {
			size_t before = evbuffer_get_length(out);
			struct rtmp_msg m;

			session_frame_msg(s, ext, ext_ts, &m);
			rc = edge_send_msg(&s->tx, out, &m);
			frame_unref(ext);
			s->bytes_out += evbuffer_get_length(out) - before;
			s->edge->stats.bytes_out +=
			    evbuffer_get_length(out) - before;
			if (rc != RC_OK)
				return rc;
		}
		if (evbuffer_get_length(out) > 0)
			break; /* the kernel is full: the bufferevent goes on */
	}
	return RC_OK;
}

/* Output pending: queue frames behind it, up to the high watermark. */
static int
session_flush_buffered(struct session *s, struct evbuffer *out, uint64_t now)
{
	size_t before = evbuffer_get_length(out);
	int rc = RC_OK;

	while (evbuffer_get_length(out) < SESSION_WRITE_HIGH) {
		uint32_t ts = 0;
		struct frame *f = player_queue_pop(&s->q, &ts);

		if (f == NULL)
			break;
		rc = session_write_frame(s, out, f, ts);
		if (s->first_frame_us == 0 &&
		    (f->type == FRAME_VIDEO || f->type == FRAME_AUDIO))
			s->first_frame_us = now;
		frame_unref(f);
		if (rc != RC_OK)
			break;
	}
	s->bytes_out += evbuffer_get_length(out) - before;
	s->edge->stats.bytes_out += evbuffer_get_length(out) - before;
	return rc;
}

void
session_flush(struct session *s)
{
	struct evbuffer *out;
	uint64_t now;
	int rc;

	if (s->live == NULL || s->dead)
		return;
	now = monotime_now();
	if (player_queue_is_stalled(&s->q, now)) {
		s->edge->stats.players_stalled++;
		session_set_end(s, "stalled");
		log_ratelimited(&s->edge->rl_player, LOG_WARNING,
		    "player %s: live %s: stalled (%llu frames dropped), "
		    "closing",
		    s->peer, s->live->key,
		    (unsigned long long)player_queue_drops(&s->q));
		session_close(s);
		return;
	}
	if (!rtmp_cmd_can_send_media(&s->cmd, s->sid))
		return;
	out = bufferevent_get_output(s->bev);
	if (evbuffer_get_length(out) == 0)
		rc = session_flush_direct(s, out, now);
	else
		rc = session_flush_buffered(s, out, now);
	if (rc != RC_OK)
		session_error(s, "chunk-media", rc, EDGE_PERR_WRITE);
}

static void
session_unsubscribe(struct session *s)
{
	if (s->live == NULL)
		return;
	stream_unsubscribe(&s->live->stream, &s->q);
	edge_live_release(s->live);
	s->live = NULL;
	s->edge->stats.player_drops += player_queue_drops(&s->q);
	player_queue_fini(&s->q);
}

void
session_live_not_found(struct session *s)
{
	char name[RTMP_CMD_NAME_MAX];
	int rc;

	if (s->live == NULL)
		return;
	snprintf(name, sizeof(name), "%s", s->live->name);
	session_unsubscribe(s);
	rtmp_cmd_out_reset(session_out(s));
	rc = rtmp_cmd_play_not_found(&s->cmd, session_out(s), s->sid, name);
	if (rc == RC_OK)
		rc = session_send(s);
	if (rc != RC_OK) {
		session_error(s, "stream-not-found", rc, EDGE_PERR_WRITE);
		return;
	}
	log_info("player %s: play %s/%s: not found on any origin", s->peer,
	    s->cmd_app, name);
	session_set_end(s, "not-found");
	session_close_after_write(s);
}

/* Answer StreamNotFound on sid (the caller closes or goes on). */
static int
session_not_found(struct session *s, uint32_t sid, const char *why)
{
	int rc;

	log_ratelimited(&s->edge->rl_player, LOG_INFO,
	    "player %s: play %s/%s: %s", s->peer, s->cmd_app, s->name, why);
	rtmp_cmd_out_reset(session_out(s));
	rc = rtmp_cmd_play_not_found(&s->cmd, session_out(s), sid, s->name);
	if (rc == RC_OK)
		rc = session_send(s);
	return rc;
}

static int
session_play(struct session *s, const struct rtmp_cmd_event *ev, uint32_t sid)
{
	struct edge *e = s->edge;
	const struct edge_conf_route *route;
	struct player_queue_limits lim = { 0 };
	char *q;
	int rc;

	if (s->live || s->relay || s->kind != SESSION_KIND_NONE) {
		/* One play per connection in this version. */
		return RC_OK;
	}
	session_set_str(&s->name, ev->name);
	q = strchr(s->name, '?');
	if (q)
		*q = '\0';
	session_idle_stop(s);
	route = edge_conf_route_match(e->conf, s->cmd_app, s->name);
	if (route != NULL && route->mode == EDGE_MODE_VOD &&
	    route->origins_count > 0 && s->name[0] != '\0') {
		s->sid = sid;
		return session_play_vod(s, ev, route);
	}
	s->kind = SESSION_KIND_PLAY_LIVE;
	if (route == NULL || route->mode != EDGE_MODE_LIVE ||
	    route->origins_count == 0 || s->name[0] == '\0') {
		session_set_end(s, "not-found");
		return session_not_found(s, sid, "no route");
	}
	lim.max_bytes = e->conf->limits.player_queue_bytes;
	lim.stall_us =
	    (uint64_t)e->conf->limits.player_stall_timeout_ms * MONOTIME_MSEC;
	player_queue_init(&s->q, &lim);
	s->live = edge_live_get(e, route, s->cmd_app, s->name);
	s->sid = sid;
	if (s->live->not_found) {
		/* Cached: no origin had it a moment ago. */
		edge_live_release(s->live);
		s->live = NULL;
		player_queue_fini(&s->q);
		session_set_end(s, "not-found");
		return session_not_found(s, sid, "not found (cached)");
	}
	s->play_us = monotime_now();
	stream_subscribe(&s->live->stream, &s->q, monotime_now());
	e->stats.plays++;
	rc = rtmp_cmd_play_start(&s->cmd, session_out(s), s->sid, s->name,
	    ev->reset);
	if (rc == RC_OK)
		rc = session_send(s);
	if (rc != RC_OK)
		return rc;
	/* Playing: the player may stay silent for long (acks only). */
	bufferevent_set_timeouts(s->bev, NULL, NULL);
	log_info("player %s: play %s (stream %u, %u players)", s->peer,
	    s->live->key, s->sid, s->live->stream.nplayers);
	session_flush(s);
	return RC_OK;
}

/* ---- VOD and publish relays ---- */

/* Open a relay to the next origin of s->target; RC_NOTFOUND if none. */
static int
session_relay_start(struct session *s)
{
	const struct edge_origin *o;
	struct relay_conf c = { 0 };

	c.mode = s->kind == SESSION_KIND_PUBLISH ? RTMP_CLIENT_PUBLISH :
						   RTMP_CLIENT_PLAY;
	c.app = s->cmd_app;
	c.name = s->raw_name;
	c.start = s->start;
	c.pub_type = s->pub_type;
	c.buffer_ms = s->buffer_ms ? s->buffer_ms : SESSION_BUFFER_MS;
	while ((o = relay_target_next(&s->target)) != NULL) {
		s->relay = relay_new(s, o, &c);
		if (s->relay != NULL)
			return RC_OK;
	}
	return RC_NOTFOUND;
}

/* Close the relay (if any) and the publisher count. */
static void
session_relay_stop(struct session *s)
{
	relay_free(s->relay);
	s->relay = NULL;
	if (s->publishing) {
		s->publishing = false;
		s->edge->npublishers--;
	}
	if (s->read_paused) {
		s->read_paused = false;
		bufferevent_enable(s->bev, EV_READ);
	}
}

static int
session_play_vod(struct session *s, const struct rtmp_cmd_event *ev,
    const struct edge_conf_route *route)
{
	char key[EDGE_KEY_MAX];
	int rc;

	s->kind = SESSION_KIND_PLAY_VOD;
	session_set_str(&s->raw_name, ev->name);
	snprintf(key, sizeof(key), "%s/%s", s->cmd_app, s->name);
	/* Negative starts mean "live or recorded": from the start. */
	s->start = ev->start > 0 ? ev->start : 0;
	s->play_us = monotime_now();
	rc = relay_target_init(&s->target, s->edge, route, key);
	if (rc == RC_OK)
		rc = session_relay_start(s);
	if (rc != RC_OK) {
		session_set_end(s, "not-found");
		rc = session_not_found(s, s->sid, "no origin");
		if (rc == RC_OK)
			session_close_after_write(s);
		return rc;
	}
	s->edge->stats.plays++;
	s->edge->stats.vod_plays++;
	bufferevent_set_timeouts(s->bev, NULL, NULL);
	log_info("player %s: play %s/%s (vod, start %.0f ms) via %s", s->peer,
	    s->cmd_app, s->name, s->start, relay_origin_name(s->relay));
	return RC_OK;
}

static int
session_publish(struct session *s, const struct rtmp_cmd_event *ev)
{
	const struct edge_conf_route *route;
	char key[EDGE_KEY_MAX];
	struct timeval tv;
	char *q;
	int rc;

	if (s->kind != SESSION_KIND_NONE) {
		rc = rtmp_cmd_publish_bad_name(&s->cmd, session_out(s),
		    ev->stream_id, ev->name);
		if (rc == RC_OK)
			rc = session_send(s);
		return rc;
	}
	session_idle_stop(s);
	s->kind = SESSION_KIND_PUBLISH;
	s->sid = ev->stream_id;
	s->play_us = monotime_now();
	session_set_str(&s->name, ev->name);
	q = strchr(s->name, '?');
	if (q)
		*q = '\0';
	session_set_str(&s->raw_name, ev->name);
	snprintf(s->pub_type, sizeof(s->pub_type), "%s", ev->pub_type);
	route = edge_conf_route_match(s->edge->conf, s->cmd_app, s->name);
	snprintf(key, sizeof(key), "%s/%s", s->cmd_app, s->name);
	rc = RC_NOTFOUND;
	if (route != NULL && route->mode == EDGE_MODE_LIVE &&
	    s->name[0] != '\0' &&
	    relay_target_init(&s->target, s->edge, route, key) == RC_OK)
		rc = session_relay_start(s);
	if (rc != RC_OK) {
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: publish %s: no live route or origin", s->peer,
		    key);
		session_set_end(s, "rejected:no-route");
		rc = rtmp_cmd_publish_bad_name(&s->cmd, session_out(s), s->sid,
		    s->name);
		if (rc == RC_OK)
			rc = session_send(s);
		if (rc == RC_OK)
			session_close_after_write(s);
		return rc;
	}
	/* A publisher that goes quiet is gone. */
	tv = loop_timeval(
	    (uint64_t)s->edge->conf->limits.idle_timeout_ms * MONOTIME_MSEC);
	bufferevent_set_timeouts(s->bev, &tv, NULL);
	log_info("player %s: publish %s via %s", s->peer, key,
	    relay_origin_name(s->relay));
	return RC_OK;
}

static int
session_publish_media(struct session *s, const struct rtmp_msg *m)
{
	int rc;

	if (s->kind != SESSION_KIND_PUBLISH || s->relay == NULL ||
	    m->stream_id != s->sid)
		return RC_OK; /* not publishing: ignored */
	rc = relay_send_media(s->relay, m);
	if (rc == RC_AGAIN)
		return RC_OK; /* before Publish.Start: dropped */
	if (rc != RC_OK)
		return rc;
	if (s->first_frame_us == 0 &&
	    (m->type == RTMP_MSG_AUDIO || m->type == RTMP_MSG_VIDEO))
		s->first_frame_us = monotime_now();
	return RC_OK;
}

/* True for |RtmpSampleAccess: rtmp_cmd_play_start sent ours. */
static bool
session_is_sample_access(const struct rtmp_msg *m)
{
	static const char tag[] = "\x02\x00\x11|RtmpSampleAccess";

	return m->type == RTMP_MSG_DATA_AMF0 && m->len >= sizeof(tag) - 1 &&
	    memcmp(m->payload, tag, sizeof(tag) - 1) == 0;
}

static int
session_vod_media(struct session *s, const struct rtmp_msg *m)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	struct rtmp_msg fwd = *m;
	size_t before;
	int rc;

	if (!rtmp_cmd_can_send_media(&s->cmd, s->sid) ||
	    session_is_sample_access(m))
		return RC_OK;
	fwd.stream_id = s->sid;
	switch (m->type) {
	case RTMP_MSG_AUDIO:
		fwd.csid = SESSION_CSID_AUDIO;
		break;
	case RTMP_MSG_VIDEO:
		fwd.csid = SESSION_CSID_VIDEO;
		break;
	case RTMP_MSG_AGGREGATE:
		fwd.csid = SESSION_CSID_AGGREGATE;
		break;
	default:
		fwd.csid = SESSION_CSID_DATA;
		break;
	}
	before = evbuffer_get_length(out);
	rc = edge_send_msg(&s->tx, out, &fwd);
	s->bytes_out += evbuffer_get_length(out) - before;
	s->edge->stats.bytes_out += evbuffer_get_length(out) - before;
	session_kick(s);
	if (rc == RC_OK && s->first_frame_us == 0 &&
	    m->type != RTMP_MSG_DATA_AMF0 && m->type != RTMP_MSG_DATA_AMF3)
		s->first_frame_us = monotime_now();
	return rc;
}

/* A user control event of the origin's stream, on the player's. */
static int
session_forward_uc(struct session *s, uint16_t event)
{
	struct rtmp_msg_ctl c = { .type = RTMP_MSG_USER_CONTROL };
	int rc;

	c.event = event;
	c.value = s->sid;
	rtmp_cmd_out_reset(session_out(s));
	rc = rtmp_cmd_out_ctl(session_out(s), &c);
	if (rc == RC_OK)
		rc = session_send(s);
	return rc;
}

/* The origin refused or failed before it started: tell and close. */
static int
session_relay_refused(struct session *s, const struct rtmp_client_event *ev)
{
	const char *code = ev->code[0] ? ev->code : NULL;
	int rc;

	rtmp_cmd_out_reset(session_out(s));
	if (s->kind == SESSION_KIND_PUBLISH) {
		session_set_end(s, "rejected:%s", code ? code : "origin");
		if (code == NULL ||
		    strcmp(code, "NetStream.Publish.BadName") == 0)
			rc = rtmp_cmd_publish_bad_name(&s->cmd, session_out(s),
			    s->sid, s->name);
		else
			rc = rtmp_cmd_status(&s->cmd, session_out(s), s->sid,
			    "error", code,
			    ev->description[0] ? ev->description : NULL);
	} else {
		session_set_end(s, "error:origin:%s", code ? code : "error");
		rc = rtmp_cmd_status(&s->cmd, session_out(s), s->sid, "error",
		    code ? code : "NetStream.Play.Failed",
		    ev->description[0] ? ev->description : NULL);
	}
	if (rc == RC_OK)
		rc = session_send(s);
	log_ratelimited(&s->edge->rl_player, LOG_INFO,
	    "player %s: %s %s/%s: origin said %s", s->peer,
	    s->kind == SESSION_KIND_PUBLISH ? "publish" : "play", s->cmd_app,
	    s->name, code ? code : "error");
	if (rc != RC_OK)
		return rc;
	session_close_after_write(s);
	return RC_OK;
}

static int
session_relay_status(struct session *s, const struct rtmp_client_event *ev,
    const char *level)
{
	int rc;

	rtmp_cmd_out_reset(session_out(s));
	rc = rtmp_cmd_status(&s->cmd, session_out(s), s->sid, level, ev->code,
	    ev->description[0] ? ev->description : NULL);
	if (rc == RC_OK)
		rc = session_send(s);
	return rc;
}

static int
session_relay_started(struct session *s)
{
	int rc;

	rtmp_cmd_out_reset(session_out(s));
	s->relay_started = true;
	if (s->kind == SESSION_KIND_PUBLISH) {
		rc = rtmp_cmd_publish_start(&s->cmd, session_out(s), s->sid,
		    s->name);
		if (rc == RC_OK && !s->publishing) {
			s->publishing = true;
			s->edge->npublishers++;
			s->edge->stats.publishes++;
		}
	} else {
		rc = rtmp_cmd_play_start(&s->cmd, session_out(s), s->sid,
		    s->name, false);
	}
	if (rc == RC_OK)
		rc = session_send(s);
	return rc;
}

void
session_relay_event(struct session *s, const struct rtmp_client_event *ev)
{
	bool vod = s->kind == SESSION_KIND_PLAY_VOD;
	int rc = RC_OK;

	if (s->dead || s->closing)
		return;
	switch (ev->type) {
	case RTMP_CLIENT_EV_STREAM_BEGIN:
		if (vod)
			rc = session_forward_uc(s, RTMP_MSG_UC_STREAM_BEGIN);
		break;
	case RTMP_CLIENT_EV_STREAM_EOF:
		if (vod)
			rc = session_forward_uc(s, RTMP_MSG_UC_STREAM_EOF);
		break;
	case RTMP_CLIENT_EV_STREAM_RECORDED:
		if (vod)
			rc = session_forward_uc(s,
			    RTMP_MSG_UC_STREAM_IS_RECORDED);
		break;
	case RTMP_CLIENT_EV_PLAY_START:
	case RTMP_CLIENT_EV_PUBLISH_START:
		if (!s->relay_started)
			rc = session_relay_started(s);
		else if (vod)
			rc = session_relay_status(s, ev, "status");
		break;
	case RTMP_CLIENT_EV_STREAM_NOT_FOUND:
		session_set_end(s, "not-found");
		rc = session_not_found(s, s->sid, "origin: not found");
		if (rc == RC_OK)
			session_close_after_write(s);
		break;
	case RTMP_CLIENT_EV_PLAY_STOP:
	case RTMP_CLIENT_EV_STATUS:
		if (vod)
			rc = session_relay_status(s, ev, "status");
		break;
	case RTMP_CLIENT_EV_ERROR:
		if (!s->relay_started || s->kind == SESSION_KIND_PUBLISH) {
			rc = session_relay_refused(s, ev);
		} else {
			session_set_end(s, "error:origin:%s", ev->code);
			rc = session_relay_status(s, ev, "error");
			if (rc == RC_OK)
				session_close_after_write(s);
		}
		break;
	case RTMP_CLIENT_EV_MEDIA:
		if (vod)
			rc = session_vod_media(s, ev->msg);
		break;
	default:
		break;
	}
	if (rc != RC_OK)
		session_error(s, "relay", rc, EDGE_PERR_WRITE);
}

void
session_relay_failed(struct session *s, const char *why)
{
	struct rtmp_client_event ev = { .type = RTMP_CLIENT_EV_ERROR };

	s->relay = NULL; /* freed already */
	if (s->dead || s->closing)
		return;
	if (!s->relay_started && session_relay_start(s) == RC_OK) {
		log_info("player %s: %s/%s: origin failed (%s), trying %s",
		    s->peer, s->cmd_app, s->name, why,
		    relay_origin_name(s->relay));
		return;
	}
	if (s->relay_started) {
		/* Mid-stream: the player's stream is over. */
		edge_player_error(s->edge, EDGE_PERR_ORIGIN);
		session_set_end(s, "error:origin:%s", why);
		session_relay_stop(s);
		session_close(s);
		return;
	}
	snprintf(ev.code, sizeof(ev.code), "%s",
	    s->kind == SESSION_KIND_PUBLISH ? "NetStream.Publish.Failed" :
					      "NetStream.Play.Failed");
	snprintf(ev.description, sizeof(ev.description),
	    "origin unavailable: %s", why);
	if (session_relay_refused(s, &ev) != RC_OK) {
		session_set_end(s, "error:relay");
		session_close(s);
	}
}

bool
session_relay_can_write(const struct session *s)
{
	return !s->dead && !s->closing &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) <
	    SESSION_WRITE_HIGH;
}

void
session_relay_drained(struct session *s)
{
	if (!s->read_paused || s->dead || s->closing)
		return;
	s->read_paused = false;
	bufferevent_enable(s->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
		bufferevent_trigger(s->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * VOD: pass the player's seek or pause to the origin; true when it was
 * (the caller then drops rtmp_cmd's local answer: the origin's follows).
 */
static bool
session_forward_cmd(struct session *s, const struct rtmp_cmd_event *ev)
{
	int rc;

	if (s->kind != SESSION_KIND_PLAY_VOD || s->relay == NULL ||
	    ev->stream_id != s->sid)
		return false;
	if (ev->type == RTMP_CMD_EV_SEEK)
		rc = relay_seek(s->relay, ev->position);
	else
		rc = relay_pause(s->relay, ev->pause, ev->position);
	if (rc == RC_OK)
		log_info("player %s: %s %s/%s at %.0f ms, relayed", s->peer,
		    rtmp_cmd_event_str(ev->type), s->cmd_app, s->name,
		    ev->position);
	return rc == RC_OK;
}

/* deleteStream / closeStream (and FCUnpublish) on the played stream. */
static int
session_stream_closed(struct session *s, const struct rtmp_cmd_event *ev)
{
	if (ev->type != RTMP_CMD_EV_FCUNPUBLISH && ev->stream_id == s->sid)
		s->stream_closed = true;
	if (s->live && ev->stream_id == s->sid) {
		session_unsubscribe(s);
		return RC_OK;
	}
	if (s->relay == NULL)
		return RC_OK;
	if (ev->type == RTMP_CMD_EV_FCUNPUBLISH) {
		(void)relay_close_stream(s->relay);
		return RC_OK;
	}
	if (ev->stream_id != s->sid)
		return RC_OK;
	(void)relay_close_stream(s->relay);
	log_info("player %s: %s/%s: %s, origin session closed", s->peer,
	    s->cmd_app, s->name, rtmp_cmd_event_str(ev->type));
	session_relay_stop(s);
	return RC_OK;
}

/* ---- Commands ---- */

static int
session_connect(struct session *s, const struct rtmp_cmd_event *ev)
{
	const char *why = edge_admission(s->edge);
	int rc;

	snprintf(s->cmd_app, sizeof(s->cmd_app), "%s", ev->app);
	if (why != NULL) {
		s->edge->stats.players_refused++;
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: connect refused: %s", s->peer, why);
		rc = rtmp_cmd_connect_reject(&s->cmd, session_out(s),
		    "NetConnection.Connect.Rejected", why);
		session_set_end(s, "rejected:%s", why);
		s->closing = true;
	} else if (session_app_served(s->edge->conf, ev->app)) {
		rc = rtmp_cmd_connect_accept(&s->cmd, session_out(s));
		s->admitted = true;
		s->edge->nadmitted++;
	} else {
		rc = rtmp_cmd_connect_reject(&s->cmd, session_out(s),
		    "NetConnection.Connect.InvalidApp", "no such application");
		session_set_end(s, "rejected:invalid-app");
		s->closing = true;
	}
	if (rc == RC_OK)
		rc = session_send(s);
	return rc;
}

static int
session_command(struct session *s, const struct rtmp_msg *m)
{
	struct rtmp_cmd_event ev;
	int rc;

	rtmp_cmd_out_reset(session_out(s));
	rc = rtmp_cmd_handle(&s->cmd, m, session_out(s), &ev);
	if (rc != RC_OK) {
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: command refused: %s", s->peer,
		    s->cmd.reason ? s->cmd.reason : rc_str(rc));
		return rc;
	}
	if ((ev.type == RTMP_CMD_EV_SEEK || ev.type == RTMP_CMD_EV_PAUSE) &&
	    session_forward_cmd(s, &ev))
		rtmp_cmd_out_reset(session_out(s)); /* the origin answers */
	rc = session_send(s);
	if (rc != RC_OK)
		return rc;
	switch (ev.type) {
	case RTMP_CMD_EV_CONNECT:
		return session_connect(s, &ev);
	case RTMP_CMD_EV_PLAY:
		return session_play(s, &ev, ev.stream_id);
	case RTMP_CMD_EV_PUBLISH:
		return session_publish(s, &ev);
	case RTMP_CMD_EV_DELETE_STREAM:
	case RTMP_CMD_EV_CLOSE_STREAM:
	case RTMP_CMD_EV_FCUNPUBLISH:
		return session_stream_closed(s, &ev);
	default:
		return RC_OK;
	}
}

/* SetBufferLength goes on to a VOD origin (rtmpdump's makes it fast). */
static int
session_user_control(struct session *s, const struct rtmp_msg *m)
{
	struct rtmp_msg_ctl c;

	if (rtmp_msg_decode(m, &c) != RC_OK ||
	    c.event != RTMP_MSG_UC_SET_BUFFER_LENGTH)
		return RC_OK; /* pings answers, unknown events: nothing */
	if (c.value != 0 && s->sid != 0 && c.value != s->sid)
		return RC_OK;
	s->buffer_ms = c.buffer_ms;
	if (s->kind == SESSION_KIND_PLAY_VOD && s->relay != NULL)
		(void)relay_set_buffer(s->relay, c.buffer_ms);
	return RC_OK;
}

static int
session_msg_cb(void *arg, const struct rtmp_msg *m)
{
	struct session *s = arg;
	struct rtmp_msg_ctl c;
	int rc;

	if (s->dead || s->closing)
		return RC_OK;
	switch (m->type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
		rc = rtmp_msg_decode(m, &c);
		if (rc == RC_OK)
			rc = rtmp_chunk_rx_set_chunk_size(&s->rx, c.value);
		return rc;
	case RTMP_MSG_ABORT:
		rc = rtmp_msg_decode(m, &c);
		if (rc == RC_OK)
			rtmp_chunk_rx_abort(&s->rx, c.value);
		return rc;
	case RTMP_MSG_COMMAND_AMF0:
	case RTMP_MSG_COMMAND_AMF3:
		return session_command(s, m);
	case RTMP_MSG_USER_CONTROL:
		return session_user_control(s, m);
	case RTMP_MSG_AUDIO:
	case RTMP_MSG_VIDEO:
	case RTMP_MSG_DATA_AMF0:
	case RTMP_MSG_DATA_AMF3:
	case RTMP_MSG_AGGREGATE:
		return session_publish_media(s, m);
	default:
		/* Acks, window sizes: nothing to do. */
		return RC_OK;
	}
}

/* ---- Socket ---- */

static int
session_consume(struct session *s, const uint8_t *in, size_t len, size_t *used)
{
	size_t consumed = 0, n = 0;
	int rc;

	*used = 0;
	if (!s->hs_done) {
		uint8_t buf[RTMP_HS_OUT_MAX];
		struct wire_writer w;
		struct timeval tv;

		wire_writer_init(&w, buf, sizeof(buf));
		rc = rtmp_hs_feed(s->hs, in, len, &consumed, &w);
		if (w.pos > 0) {
			bufferevent_write(s->bev, buf, w.pos);
			s->bytes_out += w.pos;
			s->edge->stats.bytes_out += w.pos;
			session_kick(s);
		}
		*used = consumed;
		if (rc == RC_AGAIN)
			return RC_OK;
		if (rc != RC_OK)
			return rc;
		s->hs_done = true;
		free(s->hs);
		s->hs = NULL;
		rtmp_cmd_init(&s->cmd, NULL);
		/* From here the idle timer bounds the wait for a play. */
		bufferevent_set_timeouts(s->bev, NULL, NULL);
		tv = loop_timeval(
		    (uint64_t)s->edge->conf->limits.idle_timeout_ms *
		    MONOTIME_MSEC);
		event_add(s->idle, &tv);
		in += consumed;
		len -= consumed;
	}
	if (len == 0)
		return RC_OK;
	rc = rtmp_chunk_rx_feed(&s->rx, in, len, &n);
	*used += n;
	return rc;
}

static void
session_read_cb(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t len;

	s->in_read = true;
	while (!s->dead && (len = evbuffer_get_length(input)) > 0) {
		size_t n = len < SESSION_READ_STEP ? len : SESSION_READ_STEP;
		size_t used = 0;
		const uint8_t *p;
		int rc;

		if (s->relay != NULL && s->kind == SESSION_KIND_PUBLISH &&
		    relay_is_congested(s->relay)) {
			/* The origin is behind: stop reading the publisher. */
			s->read_paused = true;
			bufferevent_disable(bev, EV_READ);
			break;
		}
		p = evbuffer_pullup(input, (ev_ssize_t)n);
		rc = session_consume(s, p, n, &used);
		evbuffer_drain(input, used);
		s->bytes_in += used;
		if (rc == RC_OK && s->hs_done)
			rc = session_ack(s);
		if (rc != RC_OK) {
			session_error(s, s->hs_done ? "rtmp" : "handshake", rc,
			    session_input_error(s, rc));
			break;
		}
		if (s->closing) {
			s->bytes_in += evbuffer_get_length(input);
			evbuffer_drain(input, evbuffer_get_length(input));
			break;
		}
		if (used == 0)
			break;
	}
	s->in_read = false;
	if (s->dead ||
	    (s->closing &&
		evbuffer_get_length(bufferevent_get_output(bev)) == 0))
		session_free(s);
}

/*
 * Acknowledge every window of bytes received (the Window Ack Size our
 * connect reply announced), as publishers such as Flash and FMLE wait
 * for it; the sequence number is the total received, mod 2^32.
 */
static int
session_ack(struct session *s)
{
	uint32_t window = s->cmd.conf.window_ack_size;
	int rc;

	if (window == 0 || s->bytes_in - s->acked < window)
		return RC_OK;
	s->acked = s->bytes_in;
	rc = rtmp_cmd_out_ctl(session_out(s),
	    &(struct rtmp_msg_ctl){ .type = RTMP_MSG_ACK,
		.value = (uint32_t)s->bytes_in });
	if (rc == RC_OK)
		rc = session_send(s);
	return rc;
}

static void
session_write_cb(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			session_free(s);
		return;
	}
	if (s->relay != NULL && s->kind == SESSION_KIND_PLAY_VOD)
		relay_resume(s->relay);
	session_flush(s);
}

static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF) {
		session_set_end(s, "closed");
		log_info("player %s: closed by peer", s->peer);
		session_free(s);
	} else if (what & BEV_EVENT_TIMEOUT) {
		edge_player_error(s->edge, EDGE_PERR_TIMEOUT);
		session_set_end(s, "timeout");
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: timeout, closing", s->peer);
		session_free(s);
	} else if (what & BEV_EVENT_ERROR && s->stream_closed) {
		/* ffmpeg resets after deleteStream when media was in flight. */
		session_set_end(s, "closed");
		log_info("player %s: closed by peer (reset)", s->peer);
		session_free(s);
	} else if (what & BEV_EVENT_ERROR) {
		edge_player_error(s->edge, EDGE_PERR_RESET);
		session_set_end(s, "error:connection-lost");
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: connection lost, closing", s->peer);
		session_free(s);
	}
}

/* ---- Lifecycle ---- */

void
session_new(struct edge *e, int fd, const struct sockaddr *sa, int salen)
{
	struct session *s;
	struct rtmp_hs_opts ho = { 0 };
	struct rtmp_chunk_limits lim;
	uint8_t rnd[RTMP_HS_RANDOM_LEN];
	struct timeval tv;

	(void)salen;
	s = xcalloc(1, sizeof(*s));
	s->edge = e;
	s->started_us = monotime_now();
	s->name = xstrdup("");
	s->raw_name = xstrdup("");
	sockaddr_fmt(sa, s->peer, sizeof(s->peer));
	s->bev = bufferevent_socket_new(e->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->idle = evtimer_new(e->base, session_idle_cb, s);
	if (s->bev == NULL || s->idle == NULL) {
		log_warnx("player %s: bufferevent_socket_new failed", s->peer);
		if (s->bev != NULL)
			bufferevent_free(s->bev);
		else
			close(fd);
		if (s->idle != NULL)
			event_free(s->idle);
		free(s->name);
		free(s->raw_name);
		free(s);
		return;
	}
	if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1)
		fatalx("RAND_bytes failed");
	ho.time = (uint32_t)(monotime_now() / MONOTIME_MSEC);
	ho.random = rnd;
	ho.digest = true;
	s->hs = xmalloc(sizeof(*s->hs));
	rtmp_hs_init(s->hs, RTMP_HS_SERVER, &ho);
	rtmp_chunk_limits_default(&lim);
	lim.max_message = e->conf->limits.max_message_bytes;
	rtmp_chunk_rx_init(&s->rx, &lim, session_msg_cb, s);
	rtmp_chunk_tx_init(&s->tx);
	rtmp_cmd_out_reset(session_out(s));
	s->next = e->sessions;
	if (e->sessions)
		e->sessions->prev = s;
	e->sessions = s;
	e->nsessions++;
	e->stats.players_accepted++;
	bufferevent_setcb(s->bev, session_read_cb, session_write_cb,
	    session_event_cb, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SESSION_READ_HIGH);
	bufferevent_setwatermark(s->bev, EV_WRITE, SESSION_WRITE_LOW, 0);
	tv = loop_timeval(
	    (uint64_t)e->conf->limits.handshake_timeout_ms * MONOTIME_MSEC);
	bufferevent_set_timeouts(s->bev, &tv, NULL);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_debug("player %s: accepted", s->peer);
}

static void
session_access_log(struct session *s)
{
	static const char *const kinds[] = {
		[SESSION_KIND_NONE] = "none",
		[SESSION_KIND_PLAY_LIVE] = "play-live",
		[SESSION_KIND_PLAY_VOD] = "play-vod",
		[SESSION_KIND_PUBLISH] = "publish",
	};
	struct access_log_entry en = { 0 };
	uint64_t now = monotime_now();

	en.peer = s->peer;
	en.app = s->cmd_app;
	en.stream = s->name;
	en.kind = kinds[s->kind];
	en.end = s->end[0] ? s->end : "shutdown";
	en.bytes_out = s->bytes_out;
	en.bytes_in = s->bytes_in;
	en.duration_ms = (now - s->started_us) / MONOTIME_MSEC;
	en.ttff_ms =
	    s->first_frame_us && s->play_us && s->first_frame_us >= s->play_us ?
	    (int64_t)((s->first_frame_us - s->play_us) / MONOTIME_MSEC) :
	    -1;
	access_log_write(s->edge, &en);
}

void
session_free(struct session *s)
{
	struct edge *e;

	if (s == NULL)
		return;
	e = s->edge;
	session_access_log(s);
	session_relay_stop(s);
	relay_target_fini(&s->target);
	session_unsubscribe(s);
	player_queue_fini(&s->q);
	if (s->idle != NULL)
		event_free(s->idle);
	bufferevent_free(s->bev);
	rtmp_chunk_rx_fini(&s->rx);
	rtmp_chunk_tx_fini(&s->tx);
	free(s->hs);
	free(s->out);
	free(s->name);
	free(s->raw_name);
	if (s->prev)
		s->prev->next = s->next;
	else
		e->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	e->nsessions--;
	if (s->admitted)
		e->nadmitted--;
	e->stats.players_closed++;
	free(s);
	edge_session_closed(e);
}
