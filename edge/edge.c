/*
 * edge: the daemon context, listeners and the live stream table.
 */
#include "config.h"

#include <sys/socket.h>

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/resolver.h"
#include "common/sockaddr.h"
#include "edge/edge.h"
#include "edge/http.h"
#include "edge/origin.h"
#include "edge/session.h"
#include "edge/upstream.h"

#define EDGE_REJECT_SLACK 64 /* connections kept to say "rejected" */

static void
edge_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct edge *e = arg;

	/*
	 * Connections past max_players are still accepted, up to a slack,
	 * so that they hear NetConnection.Connect.Rejected (edge_admission)
	 * rather than a reset; past the slack they are closed at once.
	 */
	if (e->nsessions >=
	    (size_t)e->conf->limits.max_players + EDGE_REJECT_SLACK) {
		log_ratelimited(&e->rl_player, LOG_WARNING,
		    "player refused: %zu connections open", e->nsessions);
		e->stats.players_refused++;
		close(fd);
		return;
	}
	session_new(e, fd, sa, salen);
}

static void
edge_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct edge *e = arg;

	log_ratelimited(&e->rl_player, LOG_WARNING, "listener: accept failed");
}

int
edge_start(struct edge *e)
{
	unsigned i;

	e->base = loop_base(e->loop);
	e->resolver = resolver_new(e->base, NULL);
	if (e->resolver == NULL)
		return RC_ERROR;
	e->listeners = xcalloc(e->conf->listen_count, sizeof(*e->listeners));
	for (i = 0; i < e->conf->listen_count; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		struct evconnlistener *l;

		if (sockaddr_parse(e->conf->listen[i], EDGE_RTMP_PORT, &ss,
			&len) != RC_OK) {
			log_warnx("listen %s: not an address",
			    e->conf->listen[i]);
			return RC_CONFIG;
		}
		l = evconnlistener_new_bind(e->base, edge_accept_cb, e,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
			LEV_OPT_CLOSE_ON_EXEC,
		    -1, (struct sockaddr *)&ss, (int)len);
		if (l == NULL) {
			log_warn("listen %s", e->conf->listen[i]);
			return RC_IO;
		}
		evconnlistener_set_error_cb(l, edge_accept_error_cb);
		e->listeners[e->nlisteners++] = l;
		log_info("listening on %s (rtmp)", e->conf->listen[i]);
	}
	return edge_http_start(e);
}

void
edge_stop(struct edge *e)
{
	size_t i;

	edge_http_stop(e);
	while (e->sessions)
		session_free(e->sessions);
	edge_live_free_all(e);
	for (i = 0; i < e->nlisteners; i++)
		evconnlistener_free(e->listeners[i]);
	free(e->listeners);
	e->listeners = NULL;
	e->nlisteners = 0;
	resolver_free(e->resolver);
	e->resolver = NULL;
	log_notice("stats: players accepted %llu closed %llu errors %llu "
		   "stalled %llu plays %llu; upstreams started %llu failed "
		   "%llu; frames in %llu bytes in %llu bytes out %llu; lives "
		   "created %llu freed %llu",
	    (unsigned long long)e->stats.players_accepted,
	    (unsigned long long)e->stats.players_closed,
	    (unsigned long long)e->stats.players_errors,
	    (unsigned long long)e->stats.players_stalled,
	    (unsigned long long)e->stats.plays,
	    (unsigned long long)e->stats.upstreams_started,
	    (unsigned long long)e->stats.upstreams_failed,
	    (unsigned long long)e->stats.frames_in,
	    (unsigned long long)e->stats.bytes_in,
	    (unsigned long long)e->stats.bytes_out,
	    (unsigned long long)e->stats.lives_created,
	    (unsigned long long)e->stats.lives_freed);
}

const char *
edge_admission(const struct edge *e)
{
	const struct edge_conf_limits *l = &e->conf->limits;

	if (e->nadmitted >= l->max_players)
		return "full";
	if (l->max_egress_mbps > 0 && e->egress_mbps >= l->max_egress_mbps)
		return "egress";
	return NULL;
}

void
edge_session_closed(struct edge *e)
{
	(void)e;
}

int
edge_send_msg(struct rtmp_chunk_tx *tx, struct evbuffer *dst,
    const struct rtmp_msg *m)
{
	size_t n = rtmp_chunk_tx_size(tx, m), used = 0;
	struct evbuffer_iovec v;
	int rc;

	if (n == 0)
		return RC_MALFORMED;
	if (evbuffer_reserve_space(dst, (ev_ssize_t)n, &v, 1) < 1 ||
	    v.iov_len < n)
		fatalx("evbuffer_reserve_space %zu failed", n);
	rc = rtmp_chunk_tx_write_buf(tx, v.iov_base, v.iov_len, m, &used);
	if (rc != RC_OK)
		return rc;
	v.iov_len = used;
	evbuffer_commit_space(dst, &v, 1);
	return RC_OK;
}

int
edge_send_out(struct rtmp_chunk_tx *tx, struct evbuffer *dst,
    const struct rtmp_cmd_out *out)
{
	size_t i;
	int rc;

	for (i = 0; i < out->n; i++) {
		const struct rtmp_msg *m = &out->msg[i];

		rc = edge_send_msg(tx, dst, m);
		if (rc != RC_OK)
			return rc;
		if (m->type == RTMP_MSG_SET_CHUNK_SIZE &&
		    m->csid == RTMP_MSG_CSID_CONTROL) {
			struct rtmp_msg_ctl c;

			if (rtmp_msg_decode(m, &c) == RC_OK)
				rtmp_chunk_tx_set_chunk_size(tx, c.value);
		}
	}
	return RC_OK;
}
