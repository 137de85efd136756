/*
 * check_rtmp: RTMP connect (CHECK_RTMP) and canary play (CHECK_PLAY)
 * checks of an edge (see check.h), on the edge's own protocol modules in
 * the client role, as edge/upstream.c pulls from an origin:
 *
 *   connect()           non-blocking, one write event (exact errno)
 *   handshake           rtmp_hs, client, digest C1
 *   rtmp_client_start   Set Chunk Size, Window Ack Size, connect(app,
 *                       tcUrl rtmp://addr/app)
 *   _result(connect)    RTMP: OK, ms until here
 *   createStream, play(stream, -1000), Play.Start
 *   first coded video   PLAY: OK, ms until here (time to first frame)
 *
 * An _error or onStatus error ends the check with its code as the reason
 * (NetConnection.Connect.Rejected when the edge is full or draining,
 * NetConnection.Connect.InvalidApp, NetStream.Play.StreamNotFound).
 *
 * One timer is both the deadline and the deferral of the callback: the
 * outcome is recorded where it is learnt (check_rtmp_end() stops reading)
 * and the timer, made active, tears the connection down and runs the
 * callback from the loop, never from inside a bufferevent callback. The
 * teardown is polite: deleteStream if a stream was created, a FIN, and
 * what the edge already sent is read and dropped so the close is not a
 * reset (the edge counts resets as player errors unless they follow a
 * deleteStream).
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "common/alloc.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/wire.h"
#include "edge/rtmp_chunk.h"
#include "edge/rtmp_client.h"
#include "edge/rtmp_handshake.h"
#include "edge/rtmp_msg.h"
#include "probe/check.h"

#define CHECK_RTMP_READ_STEP (16u * 1024)  /* bytes handed to the decoder */
#define CHECK_RTMP_SEND_BUF (8u * 1024)	   /* one command, chunked */
#define CHECK_RTMP_MAX_MESSAGE (4u << 20)  /* a key frame fits */
#define CHECK_RTMP_DRAIN_MAX (256u * 1024) /* read and dropped at close */

/* FLV video tag bytes (frame.h describes the layout). */
#define CHECK_RTMP_FT_COMMAND 5u /* video info/command frame */
#define CHECK_RTMP_CODEC_AVC 7u
#define CHECK_RTMP_CODEC_HEVC 12u
#define CHECK_RTMP_EX_CODED 1u	 /* E-RTMP CodedFrames */
#define CHECK_RTMP_EX_CODED_X 3u /* E-RTMP CodedFramesX */

struct check_rtmp {
	struct check_run run; /* first: check_run_cancel() casts back */
	check_done_cb cb;
	void *arg;
	bool play;
	int fd;			 /* ours until the bufferevent takes it */
	struct event *io;	 /* EV_WRITE on fd while connecting */
	struct event *timer;	 /* deadline, then the deferred callback */
	struct bufferevent *bev; /* from the TCP connect on */
	bool io_added, hs_done, rx_ready, playing, peer_closed;
	bool done, in_cb;
	uint64_t t0; /* monotime_now() at start */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char app[CHECK_NAME_MAX];
	char stream[CHECK_NAME_MAX];
	struct rtmp_hs hs;
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	struct rtmp_client c;
	struct rtmp_cmd_out out;
	struct check_outcome o;
};

static void check_rtmp_cancel(struct check_run *run);
static void check_rtmp_set(struct check_rtmp *r, enum check_result res,
    const char *why, const char *detail);
static void check_rtmp_end(struct check_rtmp *r, enum check_result res,
    const char *why, const char *detail);
static const char *check_rtmp_stage(const struct check_rtmp *r);
static void check_rtmp_close(struct check_rtmp *r);
static void check_rtmp_drain(int fd);
static int check_rtmp_send(struct check_rtmp *r);
static bool check_rtmp_is_coded_video(const struct rtmp_msg *m);
static void check_rtmp_media(struct check_rtmp *r, const struct rtmp_msg *m);
static int check_rtmp_msg_cb(void *arg, const struct rtmp_msg *m);
static int check_rtmp_handshake_done(struct check_rtmp *r);
static int check_rtmp_consume(struct check_rtmp *r, const uint8_t *in,
    size_t len, size_t *used);
static void check_rtmp_read_cb(struct bufferevent *bev, void *arg);
static void check_rtmp_event_cb(struct bufferevent *bev, short what, void *arg);
static void check_rtmp_connected(struct check_rtmp *r);
static void check_rtmp_io_cb(evutil_socket_t fd, short what, void *arg);
static void check_rtmp_timer_cb(evutil_socket_t fd, short what, void *arg);

/* Where the two events sit in the run's allocation. */
#define CHECK_RTMP_OFF                                            \
	((sizeof(struct check_rtmp) + alignof(max_align_t) - 1) & \
	    ~(alignof(max_align_t) - 1))

/* ---- Outcome ---- */

/* Record the outcome; the first one counts. detail may be NULL. */
static void
check_rtmp_set(struct check_rtmp *r, enum check_result res, const char *why,
    const char *detail)
{
	if (r->done)
		return;
	r->done = true;
	r->o.result = res;
	r->o.ms = (double)(monotime_now() - r->t0) / MONOTIME_MSEC;
	if (detail != NULL && detail[0] != '\0')
		snprintf(r->o.why, sizeof(r->o.why), "%s: %s", why, detail);
	else
		snprintf(r->o.why, sizeof(r->o.why), "%s", why);
	if (r->bev != NULL)
		bufferevent_disable(r->bev, EV_READ | EV_WRITE);
}

/* check_rtmp_set(), then have the timer tear down and call back. */
static void
check_rtmp_end(struct check_rtmp *r, enum check_result res, const char *why,
    const char *detail)
{
	check_rtmp_set(r, res, why, detail);
	event_active(r->timer, EV_TIMEOUT, 0);
}

/* What a timeout interrupted, for its reason. */
static const char *
check_rtmp_stage(const struct check_rtmp *r)
{
	if (r->bev == NULL)
		return "timeout: tcp connect";
	if (!r->hs_done)
		return "timeout: handshake";
	switch (r->c.state) {
	case RTMP_CLIENT_ST_CONNECTING:
		return "timeout: connect";
	case RTMP_CLIENT_ST_CREATING:
		return "timeout: createStream";
	case RTMP_CLIENT_ST_STARTING:
		return "timeout: play";
	default:
		return "timeout: first video frame";
	}
}

/* ---- Teardown ---- */

/* Read and drop what the edge already sent (bounded), so close() is a FIN. */
static void
check_rtmp_drain(int fd)
{
	uint8_t buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < CHECK_RTMP_DRAIN_MAX &&
	    (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

/*
 * Close politely: deleteStream if a stream exists, written straight to the
 * socket with what is still queued (MSG_NOSIGNAL: the edge may be gone),
 * then FIN, drain, close. Idempotent.
 */
static void
check_rtmp_close(struct check_rtmp *r)
{
	if (r->io_added) {
		event_del(r->io);
		r->io_added = false;
	}
	if (r->bev != NULL) {
		int fd = (int)bufferevent_getfd(r->bev);
		struct evbuffer *output = bufferevent_get_output(r->bev);
		size_t len;

		if (!r->peer_closed) {
			rtmp_cmd_out_reset(&r->out);
			if (r->hs_done &&
			    rtmp_client_close(&r->c, &r->out) == RC_OK)
				(void)check_rtmp_send(r);
			len = evbuffer_get_length(output);
			if (len > 0)
				(void)send(fd, evbuffer_pullup(output, -1), len,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			shutdown(fd, SHUT_WR);
			check_rtmp_drain(fd);
		}
		bufferevent_free(r->bev); /* closes fd */
		r->bev = NULL;
	} else if (r->fd >= 0) {
		close(r->fd);
	}
	r->fd = -1;
	if (r->rx_ready) {
		rtmp_chunk_rx_fini(&r->rx);
		rtmp_chunk_tx_fini(&r->tx);
		r->rx_ready = false;
	}
}

static void
check_rtmp_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_rtmp *r = arg;

	(void)fd;
	(void)what;
	check_rtmp_set(r, CHECK_TIMEOUT, check_rtmp_stage(r), NULL);
	check_rtmp_close(r);
	r->in_cb = true;
	r->cb(r->arg, &r->o);
	free(r);
}

static void
check_rtmp_cancel(struct check_run *run)
{
	struct check_rtmp *r = (struct check_rtmp *)run;

	if (r->in_cb)
		return; /* the run frees itself after its callback */
	r->done = true;
	check_rtmp_close(r);
	event_del(r->timer);
	free(r);
}

/* ---- RTMP ---- */

/* Chunk and queue r->out, applying our own Set Chunk Size; resets it. */
static int
check_rtmp_send(struct check_rtmp *r)
{
	struct evbuffer *output = bufferevent_get_output(r->bev);
	uint8_t buf[CHECK_RTMP_SEND_BUF];
	struct rtmp_msg_ctl ctl;
	size_t i;
	int rc = RC_OK;

	for (i = 0; i < r->out.n && rc == RC_OK; i++) {
		const struct rtmp_msg *m = &r->out.msg[i];
		struct wire_writer w;

		wire_writer_init(&w, buf, sizeof(buf));
		rc = rtmp_chunk_tx_write(&r->tx, &w, m);
		if (rc != RC_OK)
			break;
		if (evbuffer_add(output, buf, w.pos) < 0)
			rc = RC_ERROR;
		if (m->type == RTMP_MSG_SET_CHUNK_SIZE &&
		    m->csid == RTMP_MSG_CSID_CONTROL &&
		    rtmp_msg_decode(m, &ctl) == RC_OK)
			rtmp_chunk_tx_set_chunk_size(&r->tx, ctl.value);
	}
	rtmp_cmd_out_reset(&r->out);
	return rc;
}

/*
 * A video message carrying a coded picture: not a sequence header, an
 * end of sequence, an info/command frame or E-RTMP metadata (the FLV
 * byte rules of edge/frame.h; other codecs count when not empty).
 */
static bool
check_rtmp_is_coded_video(const struct rtmp_msg *m)
{
	const uint8_t *p = m->payload;
	unsigned codec, pt;

	if (m->type != RTMP_MSG_VIDEO || m->len < 2)
		return false;
	if (p[0] & 0x80) { /* E-RTMP: [1][frame type:3][packet type:4] */
		pt = p[0] & 0x0f;
		return m->len > 5 &&
		    ((p[0] >> 4) & 0x07) != CHECK_RTMP_FT_COMMAND &&
		    (pt == CHECK_RTMP_EX_CODED || pt == CHECK_RTMP_EX_CODED_X);
	}
	if ((p[0] >> 4) == CHECK_RTMP_FT_COMMAND)
		return false;
	codec = p[0] & 0x0f;
	if (codec == CHECK_RTMP_CODEC_AVC || codec == CHECK_RTMP_CODEC_HEVC)
		return p[1] == 1 && m->len > 5; /* NALU, after the CTS */
	return true;
}

/* Media on the played stream: the first coded video frame ends a play. */
static void
check_rtmp_media(struct check_rtmp *r, const struct rtmp_msg *m)
{
	struct rtmp_msg_agg it;
	struct rtmp_msg sub;
	bool coded = false;

	if (!r->play)
		return;
	if (m->type == RTMP_MSG_AGGREGATE) {
		rtmp_msg_agg_init(&it, m);
		while (!coded && rtmp_msg_agg_next(&it, &sub) == RC_OK)
			coded = check_rtmp_is_coded_video(&sub);
	} else {
		coded = check_rtmp_is_coded_video(m);
	}
	if (coded)
		check_rtmp_end(r, CHECK_OK, "", NULL);
}

/*
 * Chunk decoder callback: one message from the edge. Once the outcome is
 * known it returns RC_AGAIN, only to stop rtmp_chunk_rx_feed().
 */
static int
check_rtmp_msg_cb(void *arg, const struct rtmp_msg *m)
{
	struct check_rtmp *r = arg;
	struct rtmp_client_event ev;
	int rc;

	if (r->done)
		return RC_AGAIN;
	rtmp_cmd_out_reset(&r->out);
	rc = rtmp_client_handle(&r->c, m, &r->out, &ev);
	if (rc == RC_MALFORMED)
		return RC_OK; /* ignored, as edge/upstream.c does */
	if (rc == RC_OK && ev.type == RTMP_CLIENT_EV_CONNECTED && !r->play)
		rtmp_cmd_out_reset(&r->out); /* no createStream: we are done */
	if (rc == RC_OK)
		rc = check_rtmp_send(r);
	if (rc != RC_OK) {
		check_rtmp_end(r, CHECK_FAIL, "rtmp", rc_str(rc));
		return RC_AGAIN;
	}
	switch (ev.type) {
	case RTMP_CLIENT_EV_CHUNK_SIZE:
		rc = rtmp_chunk_rx_set_chunk_size(&r->rx, ev.value);
		if (rc != RC_OK)
			check_rtmp_end(r, CHECK_FAIL, "rtmp", "bad chunk size");
		break;
	case RTMP_CLIENT_EV_ABORT:
		rtmp_chunk_rx_abort(&r->rx, ev.value);
		break;
	case RTMP_CLIENT_EV_CONNECTED:
		if (!r->play)
			check_rtmp_end(r, CHECK_OK, "", NULL);
		break;
	case RTMP_CLIENT_EV_PLAY_START:
		r->playing = true;
		break;
	case RTMP_CLIENT_EV_STREAM_NOT_FOUND:
		check_rtmp_end(r, CHECK_FAIL, "NetStream.Play.StreamNotFound",
		    NULL);
		break;
	case RTMP_CLIENT_EV_ERROR:
	case RTMP_CLIENT_EV_PLAY_STOP:
		check_rtmp_end(r, CHECK_FAIL,
		    ev.code[0] ? ev.code : rtmp_client_event_str(ev.type),
		    NULL);
		break;
	case RTMP_CLIENT_EV_MEDIA:
		check_rtmp_media(r, ev.msg);
		break;
	default:
		break; /* StreamBegin, UnpublishNotify...: wait for media */
	}
	return r->done ? RC_AGAIN : RC_OK;
}

static int
check_rtmp_handshake_done(struct check_rtmp *r)
{
	struct rtmp_client_conf cc;
	struct rtmp_chunk_limits lim;
	char addr[SOCKADDR_STRLEN];
	char tc_url[RTMP_CMD_URL_MAX];
	int rc;

	r->hs_done = true;
	rtmp_chunk_limits_default(&lim);
	lim.max_message = CHECK_RTMP_MAX_MESSAGE;
	rtmp_chunk_rx_init(&r->rx, &lim, check_rtmp_msg_cb, r);
	rtmp_chunk_tx_init(&r->tx);
	r->rx_ready = true;
	snprintf(tc_url, sizeof(tc_url), "rtmp://%s/%s",
	    sockaddr_fmt((const struct sockaddr *)&r->addr, addr, sizeof(addr)),
	    r->app);
	rtmp_client_conf_default(&cc);
	cc.app = r->app;
	cc.tc_url = tc_url;
	/* A connect-only check names no stream; the client needs one. */
	cc.name = r->play ? r->stream : "-";
	cc.mode = RTMP_CLIENT_PLAY;
	cc.start = RTMP_CLIENT_START_LIVE;
	cc.buffer_ms = 0;
	rc = rtmp_client_init(&r->c, &cc);
	if (rc != RC_OK)
		return rc;
	rtmp_cmd_out_reset(&r->out);
	rc = rtmp_client_start(&r->c, &r->out);
	if (rc != RC_OK)
		return rc;
	return check_rtmp_send(r);
}

/* Handshake, then chunk stream. *used gets the bytes consumed. */
static int
check_rtmp_consume(struct check_rtmp *r, const uint8_t *in, size_t len,
    size_t *used)
{
	size_t consumed = 0, n = 0;
	int rc;

	*used = 0;
	if (!r->hs_done) {
		uint8_t buf[RTMP_HS_OUT_MAX];
		struct wire_writer w;

		wire_writer_init(&w, buf, sizeof(buf));
		rc = rtmp_hs_feed(&r->hs, in, len, &consumed, &w);
		if (w.pos > 0)
			bufferevent_write(r->bev, buf, w.pos);
		*used = consumed;
		if (rc == RC_AGAIN)
			return RC_OK;
		if (rc != RC_OK) {
			check_rtmp_end(r, CHECK_FAIL, "handshake", rc_str(rc));
			return rc;
		}
		rc = check_rtmp_handshake_done(r);
		if (rc != RC_OK) {
			check_rtmp_end(r, CHECK_FAIL, "rtmp", rc_str(rc));
			return rc;
		}
		in += consumed;
		len -= consumed;
	}
	if (len == 0)
		return RC_OK;
	rc = rtmp_client_received(&r->c, len, &r->out);
	if (rc == RC_OK)
		rc = check_rtmp_send(r);
	if (rc == RC_OK)
		rc = rtmp_chunk_rx_feed(&r->rx, in, len, &n);
	*used += n;
	if (rc != RC_OK && !r->done)
		check_rtmp_end(r, CHECK_FAIL, "rtmp", rc_str(rc));
	return rc;
}

static void
check_rtmp_read_cb(struct bufferevent *bev, void *arg)
{
	struct check_rtmp *r = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t len;

	while (!r->done && (len = evbuffer_get_length(input)) > 0) {
		size_t n =
		    len < CHECK_RTMP_READ_STEP ? len : CHECK_RTMP_READ_STEP;
		size_t used = 0;
		const uint8_t *p = evbuffer_pullup(input, (ev_ssize_t)n);
		int rc = check_rtmp_consume(r, p, n, &used);

		evbuffer_drain(input, used);
		if (rc != RC_OK || used == 0)
			break;
	}
}

static void
check_rtmp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct check_rtmp *r = arg;

	(void)bev;
	if (r->done)
		return;
	if (what & BEV_EVENT_EOF) {
		r->peer_closed = true;
		check_rtmp_end(r, CHECK_FAIL,
		    r->hs_done ? "closed by edge" : "handshake: closed by edge",
		    NULL);
	} else if (what & BEV_EVENT_ERROR) {
		int err = EVUTIL_SOCKET_ERROR();

		r->peer_closed = true;
		check_rtmp_end(r, CHECK_FAIL,
		    r->hs_done ? "socket" : "handshake: socket",
		    err ? strerror(err) : NULL);
	}
}

/* TCP is up: hand the socket to a bufferevent and send C0+C1. */
static void
check_rtmp_connected(struct check_rtmp *r)
{
	struct event_base *base = event_get_base(r->timer);
	uint8_t rnd[RTMP_HS_RANDOM_LEN];
	uint8_t buf[RTMP_HS_OUT_MAX];
	struct wire_writer w;

	if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1) {
		check_rtmp_end(r, CHECK_FAIL, "handshake", "no random bytes");
		return;
	}
	r->bev = bufferevent_socket_new(base, r->fd, BEV_OPT_CLOSE_ON_FREE);
	if (r->bev == NULL) {
		check_rtmp_end(r, CHECK_FAIL, "bufferevent", NULL);
		return;
	}
	r->fd = -1; /* the bufferevent owns it now */
	bufferevent_setcb(r->bev, check_rtmp_read_cb, NULL, check_rtmp_event_cb,
	    r);
	wire_writer_init(&w, buf, sizeof(buf));
	rtmp_hs_client_start(&r->hs, (uint32_t)(monotime_now() / MONOTIME_MSEC),
	    rnd, &w);
	bufferevent_write(r->bev, buf, w.pos);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
}

static void
check_rtmp_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_rtmp *r = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)what;
	r->io_added = false; /* not persistent: it fired */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0)
		check_rtmp_end(r, CHECK_FAIL, "connect", strerror(err));
	else
		check_rtmp_connected(r);
}

/* ---- Start ---- */

struct check_run *
check_rtmp_start(struct event_base *base, const struct check_target *t,
    bool play, check_done_cb cb, void *arg)
{
	size_t evsz = event_get_struct_event_size();
	struct check_rtmp *r = xcalloc(1, CHECK_RTMP_OFF + 2 * evsz);
	const struct sockaddr *sa = (const struct sockaddr *)&t->addr;
	struct timeval tv;

	r->run.cancel = check_rtmp_cancel;
	r->cb = cb;
	r->arg = arg;
	r->play = play;
	r->fd = -1;
	r->t0 = monotime_now();
	r->timer = (struct event *)((char *)r + CHECK_RTMP_OFF);
	r->io = (struct event *)((char *)r + CHECK_RTMP_OFF + evsz);
	event_assign(r->timer, base, -1, 0, check_rtmp_timer_cb, r);
	tv = loop_timeval((uint64_t)t->timeout_ms * MONOTIME_MSEC);
	event_add(r->timer, &tv);
	snprintf(r->app, sizeof(r->app), "%s", t->app);
	snprintf(r->stream, sizeof(r->stream), "%s", t->stream);

	if (t->addrlen == 0 || t->addrlen > sizeof(t->addr)) {
		check_rtmp_end(r, CHECK_FAIL, "no address", NULL);
		return &r->run;
	}
	if (r->app[0] == '\0' || (play && r->stream[0] == '\0')) {
		check_rtmp_end(r, CHECK_FAIL,
		    r->app[0] ? "no stream" : "no app", NULL);
		return &r->run;
	}
	memcpy(&r->addr, &t->addr, t->addrlen);
	r->addrlen = t->addrlen;
	r->fd = socket(sa->sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		check_rtmp_end(r, CHECK_FAIL, "socket", strerror(errno));
		return &r->run;
	}
	if (connect(r->fd, sa, t->addrlen) < 0) {
		if (errno != EINPROGRESS) {
			check_rtmp_end(r, CHECK_FAIL, "connect",
			    strerror(errno));
			return &r->run;
		}
		event_assign(r->io, base, r->fd, EV_WRITE, check_rtmp_io_cb, r);
		event_add(r->io, NULL); /* the timer bounds the wait */
		r->io_added = true;
		return &r->run;
	}
	check_rtmp_connected(r); /* writes C0+C1 only: no callback yet */
	return &r->run;
}
