/*
 * gslb-rtmp-load: an RTMP load client for benchmarks and integration tests.
 *
 * Plays one stream with N players from one process and reports what they
 * got. Each player is one TCP connection that does what a live player
 * does, with the edge's own protocol modules in the client role:
 *
 *   connect()  -> rtmp_hs (client, digest C1) -> rtmp_client_start():
 *   Set Chunk Size, Window Ack Size, connect -> createStream -> play
 *   (live: start -1000; --vod: getStreamLength, start 0) -> media,
 *   with an Acknowledgement every half window (rtmp_client_received).
 *
 * Every byte goes through the real chunk decoder (rtmp_chunk_rx), so the
 * server's chunking, extended timestamps and control messages are
 * exercised, but media payloads are only classified and counted, never
 * kept: the decoder's per-csid buffer (about one key frame) is the only
 * media memory a player holds. The handshake state (4.6 KiB) is freed as
 * soon as the handshake is done, and sockets get a small SO_RCVBUF.
 *
 * Single-threaded: one libevent loop, non-blocking sockets with one read
 * and one write event each; commands are chunked into one shared buffer
 * and written at once (a player keeps only what the socket did not take).
 * One 10 ms tick starts players at the ramp rate and, every 100 ms,
 * enforces the first-video timeout and each player's duration.
 *
 * Per player: time to first frame (ttff, connect() -> first coded video
 * frame, sequence headers excluded), to first key frame (ttkf), socket
 * bytes, media payload bytes, video frames and audio frames. A player
 * that ends before its duration for any reason other than a finished
 * VOD counts as failed, with one reason.
 *
 * Output (stdout): a "start" line once SIGUSR1 is handled (before that it
 * would kill the process); on SIGUSR1 a "mark" line with the running
 * totals (benchmarks take two to measure a window); at the end one
 * summary line of key=value fields and, with --json FILE, a JSON
 * document with the summary and every player.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "edge/rtmp_chunk.h"
#include "edge/rtmp_client.h"
#include "edge/rtmp_handshake.h"
#include "edge/rtmp_msg.h"

#define LOAD_READ_BUF (64u * 1024)  /* one recv() */
#define LOAD_WRITE_BUF (16u * 1024) /* one rtmp_cmd_out, chunked */
#define LOAD_TICK_US (10 * MONOTIME_MSEC)
#define LOAD_SCAN_TICKS 10u /* timeouts and durations every 100 ms */
#define LOAD_MAX_MESSAGE (4u << 20)

enum load_state {
	LOAD_ST_IDLE = 0,   /* not started yet */
	LOAD_ST_CONNECTING, /* connect() in progress */
	LOAD_ST_HANDSHAKE,  /* C0+C1 sent */
	LOAD_ST_RTMP,	    /* chunk stream */
	LOAD_ST_DONE,	    /* closed */
};

enum load_fail {
	LOAD_FAIL_NONE = 0,
	LOAD_FAIL_CONNECT,   /* socket or connect() */
	LOAD_FAIL_HANDSHAKE, /* bad version, or closed during it */
	LOAD_FAIL_PROTOCOL,  /* chunk stream or command error */
	LOAD_FAIL_REFUSED,   /* _error or onStatus error */
	LOAD_FAIL_NOT_FOUND, /* NetStream.Play.StreamNotFound */
	LOAD_FAIL_STOPPED,   /* live: Play.Stop / Play.Complete */
	LOAD_FAIL_CLOSED,    /* EOF or reset from the server */
	LOAD_FAIL_NO_VIDEO,  /* no video frame within the timeout */
	LOAD_FAIL_COUNT,
};

static const char *const load_fail_names[LOAD_FAIL_COUNT] = {
	[LOAD_FAIL_NONE] = "none",
	[LOAD_FAIL_CONNECT] = "connect",
	[LOAD_FAIL_HANDSHAKE] = "handshake",
	[LOAD_FAIL_PROTOCOL] = "protocol",
	[LOAD_FAIL_REFUSED] = "refused",
	[LOAD_FAIL_NOT_FOUND] = "not_found",
	[LOAD_FAIL_STOPPED] = "stopped",
	[LOAD_FAIL_CLOSED] = "closed",
	[LOAD_FAIL_NO_VIDEO] = "no_video",
};

struct load;

struct load_player {
	struct load *l;
	int fd;
	struct event *rev, *wev;
	enum load_state state;
	enum load_fail fail;
	bool connected, got_video, got_key, rx_ready, stop;
	struct rtmp_hs *hs;    /* during the handshake only */
	struct rtmp_client *c; /* from the end of the handshake */
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	uint8_t *pend; /* bytes the socket did not take yet */
	size_t pend_len;
	uint64_t t_start, t_video, t_key, t_end; /* monotime_now() */
	uint64_t bytes, media_bytes, video, audio, malformed;
};

struct load_opts {
	const char *url;
	char host[256];
	char port[8];
	char app[RTMP_CMD_APP_MAX];
	char name[RTMP_CMD_NAME_MAX];
	char tc_url[RTMP_CMD_URL_MAX];
	unsigned players;
	double rate;	      /* players started per second */
	uint64_t duration_us; /* per player, from its connect() */
	uint64_t timeout_us;  /* first video frame */
	bool vod;
	const char *json; /* file, "-" for stdout, NULL for none */
	int rcvbuf;	  /* SO_RCVBUF, 0 for the system's */
	bool verbose;
};

struct load {
	struct load_opts o;
	struct loop *loop;
	struct event_base *base;
	struct loop_timer *tick;
	unsigned ticks;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct load_player *p;
	unsigned started, active;
	uint64_t t0;
	bool stopping;
	uint8_t rnd[RTMP_HS_RANDOM_LEN];
	struct rtmp_cmd_out out;
	uint8_t rbuf[LOAD_READ_BUF];
	uint8_t wbuf[LOAD_WRITE_BUF];
};

/* Totals over all players, for the mark and summary lines. */
struct load_sum {
	unsigned started, active, connected, got_video, failed;
	unsigned fails[LOAD_FAIL_COUNT];
	uint64_t bytes, media_bytes, video, audio, malformed;
};

static void load_usage(int status) __attribute__((noreturn));
static void load_parse_args(struct load_opts *o, int argc, char **argv);
static int load_parse_url(struct load_opts *o, const char *url);
static void load_raise_nofile(void);
static void load_player_start(struct load *l, struct load_player *p);
static void load_player_close(struct load_player *p, enum load_fail fail);
static int load_send(struct load_player *p, const uint8_t *buf, size_t len);
static int load_flush(struct load_player *p);
static void load_read_cb(evutil_socket_t fd, short what, void *arg);
static void load_write_cb(evutil_socket_t fd, short what, void *arg);
static int load_consume(struct load_player *p, const uint8_t *in, size_t len);
static int load_handshake_done(struct load_player *p);
static int load_msg_cb(void *arg, const struct rtmp_msg *m);
static void load_media(struct load_player *p, const struct rtmp_msg *m);
static void load_video(struct load_player *p, const uint8_t *b, size_t len);
static void load_tick_cb(void *arg);
static void load_signal_cb(int signo, void *arg);
static void load_sum(const struct load *l, struct load_sum *s);
static void load_report(const struct load *l);
static bool load_is_all_ok(const struct load *l);

/* ---- Options ---- */

static void
load_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: gslb-rtmp-load [-v] [-n players] [-r rate] [-d seconds]\n"
	    "                      [-t seconds] [-b rcvbuf] [--vod]\n"
	    "                      [--json file] rtmp://host[:port]/app/stream\n"
	    "  -n, --players N    players (default 1)\n"
	    "  -r, --rate R       players started per second (default 100)\n"
	    "  -d, --duration S   seconds each player plays (default 10)\n"
	    "  -t, --timeout S    seconds to the first video frame (default "
	    "10)\n"
	    "  -b, --rcvbuf B     socket receive buffer, 0 = system (default "
	    "65536)\n"
	    "      --vod          play from the start (0), not live (-1000)\n"
	    "  -j, --json FILE    also write a JSON summary (- = stdout)\n"
	    "  -v, --verbose      log each failed player\n"
	    "SIGUSR1 prints a mark line with the running totals.\n");
	exit(status);
}

static double
load_number(const char *what, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= min && v <= max)) {
		fprintf(stderr, "gslb-rtmp-load: %s: '%s' is not in %g..%g\n",
		    what, s, min, max);
		exit(2);
	}
	return v;
}

static void
load_parse_args(struct load_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "players", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "vod", no_argument, NULL, 'V' },
		{ "json", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->players = 1;
	o->rate = 100;
	o->duration_us = 10 * MONOTIME_SEC;
	o->timeout_us = 10 * MONOTIME_SEC;
	o->rcvbuf = 65536;
	while ((ch = getopt_long(argc, argv, "n:r:d:t:b:j:vh", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->players = (unsigned)load_number("players", optarg, 1,
			    1000000);
			break;
		case 'r':
			o->rate = load_number("rate", optarg, 0.01, 1e6);
			break;
		case 'd':
			o->duration_us = (uint64_t)(load_number("duration",
							optarg, 0.1, 86400) *
			    MONOTIME_SEC);
			break;
		case 't':
			o->timeout_us = (uint64_t)(load_number("timeout",
						       optarg, 0.1, 86400) *
			    MONOTIME_SEC);
			break;
		case 'b':
			o->rcvbuf =
			    (int)load_number("rcvbuf", optarg, 0, 64 << 20);
			break;
		case 'V':
			o->vod = true;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			load_usage(0);
		default:
			load_usage(2);
		}
	}
	if (optind != argc - 1)
		load_usage(2);
	o->url = argv[optind];
	if (load_parse_url(o, o->url) != RC_OK) {
		fprintf(stderr,
		    "gslb-rtmp-load: %s: not rtmp://host[:port]/app/stream\n",
		    o->url);
		exit(2);
	}
}

/*
 * rtmp://host[:port]/app/stream, host a name, an IPv4 address or an
 * [IPv6] one; the stream is everything after the app's slash (VOD names
 * such as "mp4:dir/file.mp4" keep theirs). tcUrl is rtmp://host:port/app.
 */
static int
load_parse_url(struct load_opts *o, const char *url)
{
	const char *h, *hend, *p, *slash, *port = "1935";
	size_t plen = 4, hlen;
	int n;

	if (strncmp(url, "rtmp://", 7) != 0)
		return RC_MALFORMED;
	h = url + 7;
	slash = strchr(h, '/');
	if (slash == NULL)
		return RC_MALFORMED;
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(slash - h));
		if (hend == NULL)
			return RC_MALFORMED;
		hlen = (size_t)(hend - h - 1);
		h++;
		p = hend + 1;
	} else {
		p = memchr(h, ':', (size_t)(slash - h));
		if (p == NULL)
			p = slash;
		hlen = (size_t)(p - h);
	}
	if (*p == ':') {
		port = p + 1;
		plen = (size_t)(slash - port);
	} else if (p != slash) {
		return RC_MALFORMED;
	}
	if (hlen == 0 || hlen >= sizeof(o->host) || plen == 0 ||
	    plen >= sizeof(o->port) || strspn(port, "0123456789") < plen)
		return RC_MALFORMED;
	memcpy(o->host, h, hlen);
	o->host[hlen] = '\0';
	memcpy(o->port, port, plen);
	o->port[plen] = '\0';
	p = strchr(slash + 1, '/');
	if (p == NULL || p == slash + 1 || p[1] == '\0' ||
	    (size_t)(p - slash - 1) >= sizeof(o->app) ||
	    strlen(p + 1) >= sizeof(o->name))
		return RC_MALFORMED;
	memcpy(o->app, slash + 1, (size_t)(p - slash - 1));
	o->app[p - slash - 1] = '\0';
	strcpy(o->name, p + 1);
	n = snprintf(o->tc_url, sizeof(o->tc_url), "rtmp://%s%s%s:%s/%s",
	    strchr(o->host, ':') ? "[" : "", o->host,
	    strchr(o->host, ':') ? "]" : "", o->port, o->app);
	if (n < 0 || (size_t)n >= sizeof(o->tc_url))
		return RC_MALFORMED;
	return RC_OK;
}

/* Thousands of sockets: take the hard limit of open files. */
static void
load_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("setrlimit(RLIMIT_NOFILE)");
	}
}

/* ---- Player sockets ---- */

static void
load_player_start(struct load *l, struct load_player *p)
{
	int one = 1;

	p->l = l;
	p->fd = -1;
	p->t_start = monotime_now();
	p->state = LOAD_ST_CONNECTING;
	l->started++;
	l->active++;
	p->fd = socket(l->addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		log_warn("player %u: socket", (unsigned)(p - l->p));
		load_player_close(p, LOAD_FAIL_CONNECT);
		return;
	}
	/* Before connect(), so the window scale follows it. */
	if (l->o.rcvbuf > 0)
		(void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &l->o.rcvbuf,
		    sizeof(l->o.rcvbuf));
	(void)setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->rev =
	    event_new(l->base, p->fd, EV_READ | EV_PERSIST, load_read_cb, p);
	p->wev = event_new(l->base, p->fd, EV_WRITE, load_write_cb, p);
	if (p->rev == NULL || p->wev == NULL)
		fatalx("event_new failed");
	if (connect(p->fd, (struct sockaddr *)&l->addr, l->addrlen) != 0 &&
	    errno != EINPROGRESS) {
		if (l->o.verbose)
			log_warn("player %u: connect", (unsigned)(p - l->p));
		load_player_close(p, LOAD_FAIL_CONNECT);
		return;
	}
	event_add(p->wev, NULL);
}

/*
 * Close `p` with `fail` (LOAD_FAIL_NONE: it played to its end). Never
 * from inside rtmp_chunk_rx_feed(): the message callback sets p->stop
 * and the caller closes once the decoder has returned.
 */
static void
load_player_close(struct load_player *p, enum load_fail fail)
{
	struct load *l = p->l;

	if (p->state == LOAD_ST_DONE || p->state == LOAD_ST_IDLE)
		return;
	if (p->fail == LOAD_FAIL_NONE)
		p->fail = fail;
	if (fail != LOAD_FAIL_NONE && l->o.verbose)
		log_warnx("player %u: %s", (unsigned)(p - l->p),
		    load_fail_names[fail]);
	if (p->rev)
		event_free(p->rev);
	if (p->wev)
		event_free(p->wev);
	p->rev = p->wev = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->hs);
	p->hs = NULL;
	free(p->c);
	p->c = NULL;
	free(p->pend);
	p->pend = NULL;
	p->pend_len = 0;
	if (p->rx_ready) {
		rtmp_chunk_rx_fini(&p->rx);
		rtmp_chunk_tx_fini(&p->tx);
		p->rx_ready = false;
	}
	p->t_end = monotime_now();
	p->state = LOAD_ST_DONE;
	l->active--;
	if (l->active == 0 && l->started == l->o.players)
		loop_stop(l->loop);
}

/*
 * Write `len` bytes, keeping in p->pend what the socket does not take
 * (and everything while something is pending, so order holds).
 * RC_OK, or RC_IO when the connection is gone.
 */
static int
load_send(struct load_player *p, const uint8_t *buf, size_t len)
{
	ssize_t n = 0;

	if (p->pend_len == 0) {
		n = send(p->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				return RC_IO;
			n = 0;
		}
		if ((size_t)n == len)
			return RC_OK;
		event_add(p->wev, NULL);
	}
	p->pend = xreallocarray(p->pend, p->pend_len + len - (size_t)n, 1);
	memcpy(p->pend + p->pend_len, buf + n, len - (size_t)n);
	p->pend_len += len - (size_t)n;
	return RC_OK;
}

/* Chunk and send what rtmp_client appended to l->out, then reset it. */
static int
load_flush(struct load_player *p)
{
	struct load *l = p->l;
	size_t i, pos = 0, n;
	int rc = RC_OK;

	for (i = 0; i < l->out.n; i++) {
		const struct rtmp_msg *m = &l->out.msg[i];

		rc = rtmp_chunk_tx_write_buf(&p->tx, l->wbuf + pos,
		    sizeof(l->wbuf) - pos, m, &n);
		if (rc != RC_OK)
			break;
		pos += n;
		if (m->type == RTMP_MSG_SET_CHUNK_SIZE &&
		    m->csid == RTMP_MSG_CSID_CONTROL) {
			struct rtmp_msg_ctl ctl;

			if (rtmp_msg_decode(m, &ctl) == RC_OK)
				rtmp_chunk_tx_set_chunk_size(&p->tx, ctl.value);
		}
	}
	rtmp_cmd_out_reset(&l->out);
	if (rc == RC_OK && pos > 0)
		rc = load_send(p, l->wbuf, pos);
	return rc;
}

static void
load_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_player *p = arg;
	uint8_t buf[RTMP_HS_OUT_MAX];
	struct wire_writer w;
	socklen_t elen = sizeof(int);
	int err = 0;
	ssize_t n;

	(void)what;
	if (p->state == LOAD_ST_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
		    err != 0) {
			if (p->l->o.verbose)
				log_warnx("player %u: connect: %s",
				    (unsigned)(p - p->l->p), strerror(err));
			load_player_close(p, LOAD_FAIL_CONNECT);
			return;
		}
		p->state = LOAD_ST_HANDSHAKE;
		p->hs = xmalloc(sizeof(*p->hs));
		wire_writer_init(&w, buf, sizeof(buf));
		rtmp_hs_client_start(p->hs,
		    (uint32_t)(monotime_now() / MONOTIME_MSEC), p->l->rnd, &w);
		event_add(p->rev, NULL);
		if (load_send(p, buf, w.pos) != RC_OK)
			load_player_close(p, LOAD_FAIL_HANDSHAKE);
		return;
	}
	if (p->pend_len == 0)
		return;
	n = send(fd, p->pend, p->pend_len, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			event_add(p->wev, NULL);
			return;
		}
		load_player_close(p, LOAD_FAIL_CLOSED);
		return;
	}
	p->pend_len -= (size_t)n;
	memmove(p->pend, p->pend + n, p->pend_len);
	if (p->pend_len > 0)
		event_add(p->wev, NULL);
}

static void
load_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_player *p = arg;
	struct load *l = p->l;
	ssize_t n;
	int rc;

	(void)what;
	n = recv(fd, l->rbuf, sizeof(l->rbuf), 0);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		load_player_close(p,
		    p->state == LOAD_ST_HANDSHAKE ? LOAD_FAIL_HANDSHAKE :
						    LOAD_FAIL_CLOSED);
		return;
	}
	p->bytes += (uint64_t)n;
	rc = load_consume(p, l->rbuf, (size_t)n);
	if (p->stop)
		load_player_close(p, p->fail);
	else if (rc != RC_OK)
		load_player_close(p,
		    p->state == LOAD_ST_HANDSHAKE ? LOAD_FAIL_HANDSHAKE :
						    LOAD_FAIL_PROTOCOL);
}

/* ---- RTMP ---- */

static int
load_consume(struct load_player *p, const uint8_t *in, size_t len)
{
	size_t consumed = 0, used = 0;
	int rc;

	if (p->state == LOAD_ST_HANDSHAKE) {
		uint8_t buf[RTMP_HS_OUT_MAX];
		struct wire_writer w;

		wire_writer_init(&w, buf, sizeof(buf));
		rc = rtmp_hs_feed(p->hs, in, len, &consumed, &w);
		if (w.pos > 0 && load_send(p, buf, w.pos) != RC_OK)
			return RC_IO;
		if (rc == RC_AGAIN)
			return RC_OK;
		if (rc != RC_OK)
			return rc;
		rc = load_handshake_done(p);
		if (rc != RC_OK)
			return rc;
		in += consumed;
		len -= consumed;
		if (len == 0)
			return RC_OK;
	}
	rc = rtmp_client_received(p->c, len, &p->l->out);
	if (rc == RC_OK)
		rc = load_flush(p);
	if (rc != RC_OK)
		return rc;
	return rtmp_chunk_rx_feed(&p->rx, in, len, &used);
}

static int
load_handshake_done(struct load_player *p)
{
	const struct load_opts *o = &p->l->o;
	struct rtmp_client_conf cc;
	struct rtmp_chunk_limits lim;
	int rc;

	free(p->hs);
	p->hs = NULL;
	p->state = LOAD_ST_RTMP;
	rtmp_chunk_limits_default(&lim);
	lim.max_message = LOAD_MAX_MESSAGE;
	lim.max_buffered = LOAD_MAX_MESSAGE;
	rtmp_chunk_rx_init(&p->rx, &lim, load_msg_cb, p);
	rtmp_chunk_tx_init(&p->tx);
	p->rx_ready = true;
	rtmp_client_conf_default(&cc);
	cc.app = o->app;
	cc.tc_url = o->tc_url;
	cc.name = o->name;
	cc.mode = RTMP_CLIENT_PLAY;
	cc.start = o->vod ? 0 : RTMP_CLIENT_START_LIVE;
	cc.get_stream_length = o->vod;
	p->c = xmalloc(sizeof(*p->c));
	rc = rtmp_client_init(p->c, &cc);
	if (rc != RC_OK)
		return rc;
	rtmp_cmd_out_reset(&p->l->out);
	rc = rtmp_client_start(p->c, &p->l->out);
	if (rc != RC_OK)
		return rc;
	return load_flush(p);
}

/* Stop feeding and close `p` once rtmp_chunk_rx_feed() returns. */
static int
load_msg_stop(struct load_player *p, enum load_fail fail)
{
	p->stop = true;
	if (p->fail == LOAD_FAIL_NONE)
		p->fail = fail;
	return RC_ERROR;
}

static int
load_msg_cb(void *arg, const struct rtmp_msg *m)
{
	struct load_player *p = arg;
	struct rtmp_client_event ev;
	int rc;

	rtmp_cmd_out_reset(&p->l->out);
	rc = rtmp_client_handle(p->c, m, &p->l->out, &ev);
	if (rc == RC_MALFORMED) {
		p->malformed++;
		return RC_OK;
	}
	if (rc == RC_OK)
		rc = load_flush(p);
	if (rc != RC_OK)
		return load_msg_stop(p, LOAD_FAIL_PROTOCOL);
	switch (ev.type) {
	case RTMP_CLIENT_EV_CHUNK_SIZE:
		if (rtmp_chunk_rx_set_chunk_size(&p->rx, ev.value) != RC_OK)
			return load_msg_stop(p, LOAD_FAIL_PROTOCOL);
		return RC_OK;
	case RTMP_CLIENT_EV_ABORT:
		return rtmp_chunk_rx_abort(&p->rx, ev.value);
	case RTMP_CLIENT_EV_CONNECTED:
		p->connected = true;
		return RC_OK;
	case RTMP_CLIENT_EV_STREAM_NOT_FOUND:
		return load_msg_stop(p, LOAD_FAIL_NOT_FOUND);
	case RTMP_CLIENT_EV_ERROR:
		if (p->l->o.verbose)
			log_warnx("player %u: %s %s", (unsigned)(p - p->l->p),
			    ev.code, ev.description);
		return load_msg_stop(p, LOAD_FAIL_REFUSED);
	case RTMP_CLIENT_EV_PLAY_STOP:
		/* A VOD that played to its end is a success. */
		return load_msg_stop(p,
		    p->l->o.vod ? LOAD_FAIL_NONE : LOAD_FAIL_STOPPED);
	case RTMP_CLIENT_EV_MEDIA:
		load_media(p, ev.msg);
		return RC_OK;
	default:
		return RC_OK;
	}
}

/*
 * Count one media message. Aggregates (type 22) are FLV tags: 11-byte
 * header (type, u24 size, ...), body, u32 back pointer.
 */
static void
load_media(struct load_player *p, const struct rtmp_msg *m)
{
	size_t off = 0, size;
	const uint8_t *b;

	p->media_bytes += m->len;
	switch (m->type) {
	case RTMP_MSG_VIDEO:
		load_video(p, m->payload, m->len);
		break;
	case RTMP_MSG_AUDIO:
		p->audio++;
		break;
	case RTMP_MSG_AGGREGATE:
		while (m->len - off >= 11) {
			b = m->payload + off;
			size = (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
			if (size > m->len - off - 11)
				break;
			if (b[0] == RTMP_MSG_VIDEO)
				load_video(p, b + 11, size);
			else if (b[0] == RTMP_MSG_AUDIO)
				p->audio++;
			off += 11 + size + 4;
			if (off > m->len)
				break;
		}
		break;
	default:
		break;
	}
}

/*
 * An FLV video tag body: frame type (high nibble) and codec (low), then
 * for AVC/HEVC a packet type, 0 for a sequence header. Enhanced RTMP sets
 * the top bit and puts the packet type in the low nibble (0 sequence
 * start, 1/3 coded frames). Frame type 5 is a command frame. Only coded
 * frames count.
 */
static void
load_video(struct load_player *p, const uint8_t *b, size_t len)
{
	unsigned ftype, pkt;
	bool frame;

	if (len < 1)
		return;
	ftype = (b[0] >> 4) & 7;
	if (b[0] & 0x80) {
		pkt = b[0] & 0x0f;
		frame = pkt == 1 || pkt == 3;
	} else if ((b[0] & 0x0f) == 7 || (b[0] & 0x0f) == 12) {
		frame = len >= 2 && b[1] == 1;
	} else {
		frame = true;
	}
	if (!frame || ftype == 5)
		return;
	p->video++;
	if (!p->got_video) {
		p->got_video = true;
		p->t_video = monotime_now();
	}
	if (ftype == 1 && !p->got_key) {
		p->got_key = true;
		p->t_key = monotime_now();
	}
}

/* ---- Schedule and signals ---- */

static void
load_tick_cb(void *arg)
{
	struct load *l = arg;
	uint64_t now = monotime_now(), due;
	unsigned i;

	if (l->stopping)
		return;
	due = (uint64_t)((double)(now - l->t0) * l->o.rate / MONOTIME_SEC) + 1;
	while (l->started < l->o.players && l->started < due)
		load_player_start(l, &l->p[l->started]);
	if (++l->ticks % LOAD_SCAN_TICKS != 0)
		return;
	now = monotime_now(); /* after the t_start of the players above */
	for (i = 0; i < l->started; i++) {
		struct load_player *p = &l->p[i];

		if (p->state == LOAD_ST_DONE)
			continue;
		if (now - p->t_start >= l->o.duration_us)
			load_player_close(p, LOAD_FAIL_NONE);
		else if (!p->got_video && now - p->t_start >= l->o.timeout_us)
			load_player_close(p, LOAD_FAIL_NO_VIDEO);
	}
}

static void
load_sum(const struct load *l, struct load_sum *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->started = l->started;
	s->active = l->active;
	for (i = 0; i < l->started; i++) {
		const struct load_player *p = &l->p[i];

		s->connected += p->connected;
		s->got_video += p->got_video;
		s->fails[p->fail]++;
		if (p->fail != LOAD_FAIL_NONE)
			s->failed++;
		s->bytes += p->bytes;
		s->media_bytes += p->media_bytes;
		s->video += p->video;
		s->audio += p->audio;
		s->malformed += p->malformed;
	}
}

static void
load_signal_cb(int signo, void *arg)
{
	struct load *l = arg;
	struct load_sum s;
	unsigned i;

	if (signo == SIGUSR1) {
		load_sum(l, &s);
		printf("mark t=%.3f started=%u active=%u got_video=%u "
		       "failed=%u bytes=%llu media_bytes=%llu "
		       "video_frames=%llu audio_frames=%llu\n",
		    (double)(monotime_now() - l->t0) / MONOTIME_SEC, s.started,
		    s.active, s.got_video, s.failed,
		    (unsigned long long)s.bytes,
		    (unsigned long long)s.media_bytes,
		    (unsigned long long)s.video, (unsigned long long)s.audio);
		fflush(stdout);
		return;
	}
	/* TERM, INT: end the run now; the players so far count. */
	l->stopping = true;
	for (i = 0; i < l->started; i++)
		load_player_close(&l->p[i], LOAD_FAIL_NONE);
	loop_stop(l->loop);
}

/* ---- Report ---- */

static int
load_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n), in ms; 0 when n is 0. */
static double
load_pct_ms(const uint64_t *v, size_t n, double pct)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)ceil(pct / 100 * (double)n);
	if (k < 1)
		k = 1;
	return (double)v[k - 1] / MONOTIME_MSEC;
}

/* What load_report() computed, for the JSON document. */
struct load_result {
	struct load_sum s;
	uint64_t *ttff, *ttkf; /* sorted, microseconds */
	size_t nf, nk;
	double dur;
	long rss_kib;
};

static void
load_report_json(const struct load *l, const struct load_result *r)
{
	json_t *j, *fails, *arr;
	unsigned i;

	j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "url", l->o.url, "players", (json_int_t)l->o.players, "started",
	    (json_int_t)r->s.started, "connected", (json_int_t)r->s.connected,
	    "got_video", (json_int_t)r->s.got_video, "failed",
	    (json_int_t)r->s.failed, "bytes", (json_int_t)r->s.bytes,
	    "media_bytes", (json_int_t)r->s.media_bytes, "video_frames",
	    (json_int_t)r->s.video, "audio_frames", (json_int_t)r->s.audio);
	json_object_set_new(j, "ttff_p50_ms",
	    json_real(load_pct_ms(r->ttff, r->nf, 50)));
	json_object_set_new(j, "ttff_p99_ms",
	    json_real(load_pct_ms(r->ttff, r->nf, 99)));
	json_object_set_new(j, "ttff_max_ms",
	    json_real(load_pct_ms(r->ttff, r->nf, 100)));
	json_object_set_new(j, "ttkf_p50_ms",
	    json_real(load_pct_ms(r->ttkf, r->nk, 50)));
	json_object_set_new(j, "ttkf_p99_ms",
	    json_real(load_pct_ms(r->ttkf, r->nk, 99)));
	json_object_set_new(j, "duration_s", json_real(r->dur));
	json_object_set_new(j, "rss_kib", json_integer(r->rss_kib));
	fails = json_object();
	for (i = 1; i < LOAD_FAIL_COUNT; i++)
		json_object_set_new(fails, load_fail_names[i],
		    json_integer(r->s.fails[i]));
	json_object_set_new(j, "failures", fails);
	arr = json_array();
	for (i = 0; i < l->started; i++) {
		const struct load_player *p = &l->p[i];
		double ttff = p->got_video ?
		    (double)(p->t_video - p->t_start) / MONOTIME_MSEC :
		    -1.0;

		json_array_append_new(arr,
		    json_pack("{s:f, s:f, s:I, s:I, s:I, s:I, s:s}", "ttff_ms",
			ttff, "play_s",
			(double)(p->t_end - p->t_start) / MONOTIME_SEC, "bytes",
			(json_int_t)p->bytes, "media_bytes",
			(json_int_t)p->media_bytes, "video_frames",
			(json_int_t)p->video, "audio_frames",
			(json_int_t)p->audio, "fail",
			load_fail_names[p->fail]));
	}
	json_object_set_new(j, "player", arr);
	if (strcmp(l->o.json, "-") == 0)
		json_dumpf(j, stdout, JSON_INDENT(1));
	else if (json_dump_file(j, l->o.json, JSON_INDENT(1)) != 0)
		log_warnx("%s: cannot write the JSON summary", l->o.json);
	json_decref(j);
}

static void
load_report(const struct load *l)
{
	struct load_result r = { 0 };
	struct rusage ru;
	uint64_t t_last = l->t0, play_us = 0;
	unsigned i;
	double kbps;

	r.ttff = xcalloc(l->o.players, sizeof(*r.ttff));
	r.ttkf = xcalloc(l->o.players, sizeof(*r.ttkf));
	load_sum(l, &r.s);
	for (i = 0; i < l->started; i++) {
		const struct load_player *p = &l->p[i];

		if (p->got_video)
			r.ttff[r.nf++] = p->t_video - p->t_start;
		if (p->got_key)
			r.ttkf[r.nk++] = p->t_key - p->t_start;
		if (p->t_end > t_last)
			t_last = p->t_end;
		play_us += p->t_end - p->t_start;
	}
	qsort(r.ttff, r.nf, sizeof(*r.ttff), load_cmp_u64);
	qsort(r.ttkf, r.nk, sizeof(*r.ttkf), load_cmp_u64);
	r.dur = (double)(t_last - l->t0) / MONOTIME_SEC;
	/* Mean receive rate of a player over its own time. */
	kbps =
	    play_us ? (double)r.s.bytes * 8 / ((double)play_us / 1e6) / 1e3 : 0;
	getrusage(RUSAGE_SELF, &ru);
	r.rss_kib = ru.ru_maxrss;
	printf("players=%u connected=%u got_video=%u failed=%u bytes=%llu "
	       "ttff_p50_ms=%.1f ttff_p99_ms=%.1f ttff_max_ms=%.1f "
	       "duration_s=%.3f",
	    l->o.players, r.s.connected, r.s.got_video, r.s.failed,
	    (unsigned long long)r.s.bytes, load_pct_ms(r.ttff, r.nf, 50),
	    load_pct_ms(r.ttff, r.nf, 99), load_pct_ms(r.ttff, r.nf, 100),
	    r.dur);
	printf(" started=%u media_bytes=%llu video_frames=%llu "
	       "audio_frames=%llu ttkf_p50_ms=%.1f ttkf_p99_ms=%.1f "
	       "kbps_per_player=%.1f malformed=%llu rss_kib=%ld",
	    r.s.started, (unsigned long long)r.s.media_bytes,
	    (unsigned long long)r.s.video, (unsigned long long)r.s.audio,
	    load_pct_ms(r.ttkf, r.nk, 50), load_pct_ms(r.ttkf, r.nk, 99), kbps,
	    (unsigned long long)r.s.malformed, r.rss_kib);
	for (i = 1; i < LOAD_FAIL_COUNT; i++)
		if (r.s.fails[i])
			printf(" fail_%s=%u", load_fail_names[i], r.s.fails[i]);
	printf("\n");
	fflush(stdout);
	if (l->o.json != NULL)
		load_report_json(l, &r);
	free(r.ttff);
	free(r.ttkf);
}

/* Every player started got video and none failed. */
static bool
load_is_all_ok(const struct load *l)
{
	struct load_sum s;

	load_sum(l, &s);
	return s.started > 0 && s.failed == 0 && s.got_video == s.started;
}

/* ---- Main ---- */

static void
load_resolve(struct load *l)
{
	struct addrinfo hints = { 0 }, *res;
	int rc;

	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(l->o.host, l->o.port, &hints, &res);
	if (rc != 0)
		fatalx("%s: %s", l->o.host, gai_strerror(rc));
	memcpy(&l->addr, res->ai_addr, res->ai_addrlen);
	l->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

int
main(int argc, char **argv)
{
	struct load *l = xcalloc(1, sizeof(*l));
	size_t off = 0;
	int status;

	log_init("gslb-rtmp-load", true, LOG_NOTICE);
	load_parse_args(&l->o, argc, argv);
	load_raise_nofile();
	load_resolve(l);
	/* One C1/C2 random block for every player: load, not secrecy. */
	while (off < sizeof(l->rnd)) {
		size_t n =
		    sizeof(l->rnd) - off < 256 ? sizeof(l->rnd) - off : 256;

		if (getentropy(l->rnd + off, n) != 0)
			fatal("getentropy");
		off += n;
	}
	l->p = xcalloc(l->o.players, sizeof(*l->p));
	l->loop = loop_new();
	if (l->loop == NULL)
		fatalx("cannot create the event loop");
	l->base = loop_base(l->loop);
	loop_on_signal(l->loop, SIGUSR1, load_signal_cb, l);
	loop_on_signal(l->loop, SIGTERM, load_signal_cb, l);
	loop_on_signal(l->loop, SIGINT, load_signal_cb, l);
	l->tick = loop_timer_new(l->loop, LOAD_TICK_US, 0, load_tick_cb, l);
	if (l->tick == NULL)
		fatalx("cannot create the timer");
	/* SIGUSR1 is handled from here on: say so to the scripts. */
	printf("start players=%u rate=%g url=%s\n", l->o.players, l->o.rate,
	    l->o.url);
	fflush(stdout);
	l->t0 = monotime_now();
	load_tick_cb(l);
	if (loop_run(l->loop) != RC_OK)
		fatalx("event loop failed");
	load_report(l);
	status = load_is_all_ok(l) ? 0 : 1;
	loop_timer_free(l->tick);
	loop_free(l->loop);
	free(l->p);
	free(l);
	return status;
}
