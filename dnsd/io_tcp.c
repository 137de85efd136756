/*
 * io_tcp: DNS over TCP (RFC 1035 4.2.2, RFC 7766) on the main loop.
 *
 * Each message is preceded by a two-byte length. A connection may carry
 * many queries, pipelined; answers go back in order. A connection idle for
 * tcp_idle_timeout seconds is closed, and past tcp_max_clients new
 * connections are closed at once and counted. Reading stops while a
 * client leaves more than DNSD_TCP_OUT_MAX bytes of answers unread, so a
 * client that does not read cannot make us buffer without bound.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "dnsd/dnsd.h"

#define DNSD_TCP_OUT_MAX (256 * 1024)
#define DNSD_TCP_MSG_MAX 65535
#define DNSD_TCP_MSG_MIN 17 /* header + root name + type + class */

struct tcp_conn {
	struct dnsd *d;
	struct bufferevent *bev;
	struct sockaddr_storage from;
	bool closing; /* peer closed: send what is queued, then close */
};

static void io_tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg);
static void io_tcp_read_cb(struct bufferevent *bev, void *arg);
static void io_tcp_write_cb(struct bufferevent *bev, void *arg);
static void io_tcp_event_cb(struct bufferevent *bev, short what, void *arg);
static void io_tcp_conn_free(struct tcp_conn *c);

static struct log_ratelimit tcp_rl = LOG_RATELIMIT_INIT;

int
dnsd_tcp_open(struct dnsd *d)
{
	struct event_base *base = loop_base(d->loop);

	d->ntcp = d->conf->listen_count;
	d->tcp = xcalloc(d->ntcp, sizeof(*d->tcp));
	for (unsigned i = 0; i < d->ntcp; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
		    LEV_OPT_CLOSE_ON_EXEC;

		if (sockaddr_parse(d->conf->listen[i], DNSD_DEFAULT_PORT, &ss,
			&len) != RC_OK)
			return RC_CONFIG;
		if (ss.ss_family == AF_INET6)
			flags |= LEV_OPT_BIND_IPV6ONLY;
		d->tcp[i] = evconnlistener_new_bind(base, io_tcp_accept_cb, d,
		    flags, 128, (struct sockaddr *)&ss, (int)len);
		if (d->tcp[i] == NULL) {
			log_warn("tcp %s: cannot listen", d->conf->listen[i]);
			return RC_IO;
		}
		log_info("tcp %s: listening", d->conf->listen[i]);
	}
	return RC_OK;
}

void
dnsd_tcp_close(struct dnsd *d)
{
	for (unsigned i = 0; i < d->ntcp; i++)
		if (d->tcp[i])
			evconnlistener_free(d->tcp[i]);
	free(d->tcp);
	d->tcp = NULL;
	d->ntcp = 0;
}

static void
io_tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct dnsd *d = arg;
	struct tcp_conn *c;
	struct timeval idle;

	if (d->tcp_counts.current >= d->conf->tcp_max_clients) {
		d->tcp_counts.rejected++;
		log_ratelimited(&tcp_rl, LOG_WARNING,
		    "tcp: %u clients already, closing a new connection",
		    d->conf->tcp_max_clients);
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	memcpy(&c->from, sa,
	    (size_t)salen < sizeof(c->from) ? (size_t)salen : sizeof(c->from));
	c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	d->tcp_counts.current++;
	d->tcp_counts.connections++;
	idle = loop_timeval((uint64_t)d->conf->tcp_idle_timeout * 1000000);
	bufferevent_setcb(c->bev, io_tcp_read_cb, io_tcp_write_cb,
	    io_tcp_event_cb, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ);
}

static void
io_tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct dnsd *d = c->d;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	const struct dnsd_snap *snap = atomic_load(&d->snap);
	static uint8_t msg[DNSD_TCP_MSG_MAX], resp[2 + DNSD_TCP_MSG_MAX];

	while (evbuffer_get_length(out) < DNSD_TCP_OUT_MAX) {
		uint8_t lenb[2];
		size_t len, n;

		if (evbuffer_copyout(in, lenb, 2) < 2)
			return;
		len = (size_t)lenb[0] << 8 | lenb[1];
		if (evbuffer_get_length(in) < 2 + len)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, msg, len);
		if (len < DNSD_TCP_MSG_MIN) {
			/* Not even a header and a root question: as NSD,
			 * close without an answer. */
			STATS_INC(d->tcp_stats.dropped[STATS_DROP_SHORT]);
			io_tcp_conn_free(c);
			return;
		}
		n = query_answer(&d->tcp_q, &snap->env, msg, len, resp + 2,
		    DNSD_TCP_MSG_MAX, true, (struct sockaddr *)&c->from);
		if (n == 0) {
			/* A message we drop: the stream can no longer be
			 * trusted to be in step, so close it. */
			io_tcp_conn_free(c);
			return;
		}
		resp[0] = (uint8_t)(n >> 8);
		resp[1] = (uint8_t)n;
		evbuffer_add(out, resp, n + 2);
	}
	/* Too much unread output: wait for the client to catch up. */
	bufferevent_disable(bev, EV_READ);
}

static void
io_tcp_write_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->closing) {
		io_tcp_conn_free(c);
		return;
	}
	/* Output drained: read again, and answer what is buffered. */
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		io_tcp_read_cb(bev, c);
	}
}

static void
io_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		c->d->tcp_counts.timeouts++;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		/* Half-closed after its queries: answer them first. */
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	io_tcp_conn_free(c);
}

static void
io_tcp_conn_free(struct tcp_conn *c)
{
	c->d->tcp_counts.current--;
	bufferevent_free(c->bev);
	free(c);
}
