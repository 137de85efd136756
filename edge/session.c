/*
 * session: one player connection (see session.h).
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "edge/frame.h"
#include "edge/rtmp_msg.h"
#include "edge/session.h"

/* Output watermarks: refill below LOW, stop writing frames above HIGH. */
#define SESSION_WRITE_LOW (64u * 1024)
#define SESSION_WRITE_HIGH (256u * 1024)
/* Input bytes handled per pass, and the read high watermark. */
#define SESSION_READ_STEP (16u * 1024)
#define SESSION_READ_HIGH (256u * 1024)

static void
session_random(uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = getrandom(buf + off, len - off, 0);

		if (n <= 0)
			fatal("getrandom");
		off += (size_t)n;
	}
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

static void
session_error(struct session *s, const char *what, int rc)
{
	s->edge->stats.players_errors++;
	log_ratelimited(&s->edge->rl_player, LOG_WARNING,
	    "player %s: %s: %s, closing", s->peer, what, rc_str(rc));
	session_close(s);
}

static int
session_send(struct session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	size_t before = evbuffer_get_length(out);
	int rc = edge_send_out(&s->tx, out, &s->out);

	s->bytes_out += evbuffer_get_length(out) - before;
	s->edge->stats.bytes_out += evbuffer_get_length(out) - before;
	rtmp_cmd_out_reset(&s->out);
	return rc;
}

void
session_flush(struct session *s)
{
	struct evbuffer *out;
	size_t before;
	uint64_t now;

	if (s->live == NULL || s->dead)
		return;
	now = monotime_now();
	if (player_queue_is_stalled(&s->q, now)) {
		s->edge->stats.players_stalled++;
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
	before = evbuffer_get_length(out);
	while (evbuffer_get_length(out) < SESSION_WRITE_HIGH) {
		uint32_t ts = 0;
		struct frame *f = player_queue_pop(&s->q, &ts);
		struct rtmp_msg m;
		int rc;

		if (f == NULL)
			break;
		m.type = f->type;
		m.csid = f->type == FRAME_AUDIO ? SESSION_CSID_AUDIO :
		    f->type == FRAME_VIDEO	? SESSION_CSID_VIDEO :
						  SESSION_CSID_DATA;
		m.stream_id = s->sid;
		m.timestamp = ts;
		m.payload = f->payload;
		m.len = f->len;
		rc = edge_send_msg(&s->tx, out, &m);
		if (s->first_frame_us == 0 &&
		    (f->type == FRAME_VIDEO || f->type == FRAME_AUDIO))
			s->first_frame_us = now;
		frame_unref(f);
		if (rc != RC_OK) {
			session_error(s, "chunk media", rc);
			return;
		}
	}
	s->bytes_out += evbuffer_get_length(out) - before;
	s->edge->stats.bytes_out += evbuffer_get_length(out) - before;
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
	rtmp_cmd_out_reset(&s->out);
	rc = rtmp_cmd_play_not_found(&s->cmd, &s->out, s->sid, name);
	if (rc == RC_OK)
		rc = session_send(s);
	if (rc != RC_OK) {
		session_error(s, "stream not found", rc);
		return;
	}
	log_info("player %s: play %s/%s: not found on any origin", s->peer,
	    s->cmd_app, name);
	s->closing = true;
	if (!s->in_read &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		session_free(s);
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

static int
session_play(struct session *s, const struct rtmp_cmd_event *ev, uint32_t sid)
{
	struct edge *e = s->edge;
	const struct edge_conf_route *route;
	struct player_queue_limits lim = { 0 };
	char name[RTMP_CMD_NAME_MAX];
	char *q;
	int rc;

	snprintf(name, sizeof(name), "%s", ev->name);
	q = strchr(name, '?');
	if (q)
		*q = '\0';
	if (s->live) {
		/* One play per connection in this version. */
		return RC_OK;
	}
	route = edge_conf_route_match(e->conf, s->cmd_app, name);
	if (route == NULL || route->mode != EDGE_MODE_LIVE ||
	    route->origins_count == 0 || name[0] == '\0') {
		log_ratelimited(&e->rl_player, LOG_INFO,
		    "player %s: play %s/%s: no live route", s->peer, s->cmd_app,
		    name);
		rc = rtmp_cmd_play_not_found(&s->cmd, &s->out, sid, name);
		if (rc == RC_OK)
			rc = session_send(s);
		return rc;
	}
	lim.max_bytes = e->conf->limits.player_queue_bytes;
	lim.stall_us =
	    (uint64_t)e->conf->limits.player_stall_timeout_ms * MONOTIME_MSEC;
	player_queue_init(&s->q, &lim);
	s->live = edge_live_get(e, route, s->cmd_app, name);
	s->sid = sid;
	if (s->live->not_found) {
		/* Cached: no origin had it a moment ago. */
		edge_live_release(s->live);
		s->live = NULL;
		player_queue_fini(&s->q);
		log_ratelimited(&e->rl_player, LOG_INFO,
		    "player %s: play %s/%s: not found (cached)", s->peer,
		    s->cmd_app, name);
		rc = rtmp_cmd_play_not_found(&s->cmd, &s->out, sid, name);
		if (rc == RC_OK)
			rc = session_send(s);
		return rc;
	}
	s->play_us = monotime_now();
	stream_subscribe(&s->live->stream, &s->q, monotime_now());
	e->stats.plays++;
	rc = rtmp_cmd_play_start(&s->cmd, &s->out, s->sid, name, ev->reset);
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

static int
session_command(struct session *s, const struct rtmp_msg *m)
{
	struct rtmp_cmd_event ev;
	int rc;

	rtmp_cmd_out_reset(&s->out);
	rc = rtmp_cmd_handle(&s->cmd, m, &s->out, &ev);
	if (rc != RC_OK) {
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: command refused: %s", s->peer,
		    s->cmd.reason ? s->cmd.reason : rc_str(rc));
		return rc;
	}
	rc = session_send(s);
	if (rc != RC_OK)
		return rc;
	switch (ev.type) {
	case RTMP_CMD_EV_CONNECT: {
		const char *why = edge_admission(s->edge);

		snprintf(s->cmd_app, sizeof(s->cmd_app), "%s", ev.app);
		if (why != NULL) {
			s->edge->stats.players_refused++;
			log_ratelimited(&s->edge->rl_player, LOG_INFO,
			    "player %s: connect refused: %s", s->peer, why);
			rc = rtmp_cmd_connect_reject(&s->cmd, &s->out,
			    "NetConnection.Connect.Rejected", why);
			s->closing = true;
		} else if (session_app_served(s->edge->conf, ev.app)) {
			rc = rtmp_cmd_connect_accept(&s->cmd, &s->out);
			s->admitted = true;
			s->edge->nadmitted++;
		} else {
			rc = rtmp_cmd_connect_reject(&s->cmd, &s->out,
			    "NetConnection.Connect.InvalidApp",
			    "no such application");
			s->closing = true;
		}
		if (rc == RC_OK)
			rc = session_send(s);
		return rc;
	}
	case RTMP_CMD_EV_PLAY:
		return session_play(s, &ev, ev.stream_id);
	case RTMP_CMD_EV_PUBLISH:
		rc = rtmp_cmd_publish_bad_name(&s->cmd, &s->out, ev.stream_id,
		    ev.name);
		if (rc == RC_OK)
			rc = session_send(s);
		s->closing = true;
		return rc;
	case RTMP_CMD_EV_DELETE_STREAM:
	case RTMP_CMD_EV_CLOSE_STREAM:
		if (s->live && ev.stream_id == s->sid)
			session_unsubscribe(s);
		return RC_OK;
	default:
		return RC_OK;
	}
}

static int
session_msg_cb(void *arg, const struct rtmp_msg *m)
{
	struct session *s = arg;
	struct rtmp_msg_ctl c;
	int rc;

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
	default:
		/* Acks, window sizes, user control, data: nothing to do. */
		return RC_OK;
	}
}

static int
session_consume(struct session *s, const uint8_t *in, size_t len, size_t *used)
{
	size_t consumed = 0, n = 0;
	int rc;

	*used = 0;
	if (!s->hs_done) {
		uint8_t buf[RTMP_HS_OUT_MAX];
		struct wire_writer w;

		wire_writer_init(&w, buf, sizeof(buf));
		rc = rtmp_hs_feed(&s->hs, in, len, &consumed, &w);
		if (w.pos > 0)
			bufferevent_write(s->bev, buf, w.pos);
		*used = consumed;
		if (rc == RC_AGAIN)
			return RC_OK;
		if (rc != RC_OK)
			return rc;
		s->hs_done = true;
		rtmp_cmd_init(&s->cmd, NULL);
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
		const uint8_t *p = evbuffer_pullup(input, (ev_ssize_t)n);
		int rc = session_consume(s, p, n, &used);

		evbuffer_drain(input, used);
		if (rc != RC_OK) {
			session_error(s, s->hs_done ? "rtmp" : "handshake", rc);
			break;
		}
		if (s->closing) {
			evbuffer_drain(input, evbuffer_get_length(input));
			break;
		}
		if (used == 0)
			break;
	}
	s->in_read = false;
	if (s->dead)
		session_free(s);
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
	session_flush(s);
}

static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	if (what & BEV_EVENT_EOF) {
		log_info("player %s: closed by peer", s->peer);
		session_free(s);
	} else if (what & BEV_EVENT_TIMEOUT) {
		s->edge->stats.players_errors++;
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: timeout, closing", s->peer);
		session_free(s);
	} else if (what & BEV_EVENT_ERROR) {
		s->edge->stats.players_errors++;
		log_ratelimited(&s->edge->rl_player, LOG_INFO,
		    "player %s: connection lost, closing", s->peer);
		session_free(s);
	}
}

void
session_new(struct edge *e, int fd, const struct sockaddr *sa, int salen)
{
	struct session *s;
	struct rtmp_hs_opts ho = { 0 };
	struct rtmp_chunk_limits lim;
	uint8_t rnd[RTMP_HS_RANDOM_LEN];
	struct timeval tv;

	s = xcalloc(1, sizeof(*s));
	s->edge = e;
	s->started_us = monotime_now();
	sockaddr_fmt(sa, s->peer, sizeof(s->peer));
	s->bev = bufferevent_socket_new(e->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		log_warnx("player %s: bufferevent_socket_new failed", s->peer);
		close(fd);
		free(s);
		return;
	}
	session_random(rnd, sizeof(rnd));
	ho.time = (uint32_t)(monotime_now() / MONOTIME_MSEC);
	ho.random = rnd;
	ho.digest = true;
	rtmp_hs_init(&s->hs, RTMP_HS_SERVER, &ho);
	rtmp_chunk_limits_default(&lim);
	lim.max_message = e->conf->limits.max_message_bytes;
	rtmp_chunk_rx_init(&s->rx, &lim, session_msg_cb, s);
	rtmp_chunk_tx_init(&s->tx);
	rtmp_cmd_out_reset(&s->out);
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

void
session_free(struct session *s)
{
	struct edge *e;

	if (s == NULL)
		return;
	e = s->edge;
	session_unsubscribe(s);
	player_queue_fini(&s->q);
	bufferevent_free(s->bev);
	rtmp_chunk_rx_fini(&s->rx);
	rtmp_chunk_tx_fini(&s->tx);
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
