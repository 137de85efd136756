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

#define EDGE_RETRY_MS 1000
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

static void
edge_live_free(struct edge_live *lv)
{
	struct edge *e = lv->edge;

	upstream_free(lv->up);
	lv->up = NULL;
	if (lv->linger)
		event_free(lv->linger);
	if (lv->retry)
		event_free(lv->retry);
	stream_fini(&lv->stream);
	if (lv->prev)
		lv->prev->next = lv->next;
	else
		e->lives = lv->next;
	if (lv->next)
		lv->next->prev = lv->prev;
	e->nlives--;
	e->stats.lives_freed++;
	log_info("live %s: freed", lv->key);
	free(lv);
}

void
edge_stop(struct edge *e)
{
	size_t i;

	edge_http_stop(e);
	while (e->sessions)
		session_free(e->sessions);
	while (e->lives)
		edge_live_free(e->lives);
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

static void
edge_live_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_live *lv = arg;

	if (lv->stream.nplayers > 0)
		return;
	log_info("live %s: no player for %u ms, closing", lv->key,
	    lv->edge->conf->upstream.linger_ms);
	edge_live_free(lv);
}

static void
edge_live_start_upstream(struct edge_live *lv)
{
	lv->up = upstream_new(lv);
	if (lv->up)
		lv->edge->stats.upstreams_started++;
}

static void
edge_live_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_live *lv = arg;

	if (lv->up == NULL)
		edge_live_start_upstream(lv);
}

/* Index of the first origin to use for lv->key (rendezvous order). */
static size_t
edge_live_first_origin(const struct edge_live *lv)
{
	const struct edge_conf_route *r = lv->route;
	struct origin_cand cands[ORIGIN_MAX];
	size_t order[ORIGIN_MAX];
	char names[ORIGIN_MAX][EDGE_HOST_MAX + 16];
	size_t i, n = r->origins_count;

	if (n > ORIGIN_MAX)
		n = ORIGIN_MAX;
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s:%u", r->origin[i].host,
		    (unsigned)r->origin[i].port);
		cands[i].name = names[i];
		cands[i].state = ORIGIN_UP;
	}
	if (n == 0 || origin_order(lv->key, cands, n, order) <= 0)
		return 0;
	return order[0];
}

struct edge_live *
edge_live_get(struct edge *e, const struct edge_conf_route *route,
    const char *app, const char *name)
{
	struct edge_live *lv;
	struct stream_limits sl = { 0 };
	char key[EDGE_KEY_MAX];

	snprintf(key, sizeof(key), "%s/%s", app, name);
	for (lv = e->lives; lv; lv = lv->next) {
		if (strcmp(lv->key, key) == 0) {
			if (lv->linger)
				event_del(lv->linger);
			return lv;
		}
	}
	lv = xcalloc(1, sizeof(*lv));
	lv->edge = e;
	snprintf(lv->app, sizeof(lv->app), "%s", app);
	snprintf(lv->name, sizeof(lv->name), "%s", name);
	memcpy(lv->key, key, sizeof(lv->key));
	lv->route = route;
	sl.gop_max_bytes = e->conf->limits.gop_cache_bytes;
	stream_init(&lv->stream, &sl);
	lv->linger = evtimer_new(e->base, edge_live_linger_cb, lv);
	lv->retry = evtimer_new(e->base, edge_live_retry_cb, lv);
	if (lv->linger == NULL || lv->retry == NULL)
		fatalx("evtimer_new failed");
	lv->next = e->lives;
	if (e->lives)
		e->lives->prev = lv;
	e->lives = lv;
	e->nlives++;
	e->stats.lives_created++;
	lv->origin_idx = edge_live_first_origin(lv);
	log_info("live %s: created, origin %s:%u", lv->key,
	    route->origin[lv->origin_idx].host,
	    (unsigned)route->origin[lv->origin_idx].port);
	edge_live_start_upstream(lv);
	if (lv->up == NULL)
		edge_live_upstream_failed(lv);
	return lv;
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

void
edge_live_release(struct edge_live *lv)
{
	struct timeval tv;

	if (lv->stream.nplayers > 0)
		return;
	tv = loop_timeval(
	    (uint64_t)lv->edge->conf->upstream.linger_ms * MONOTIME_MSEC);
	event_add(lv->linger, &tv);
}

void
edge_live_wake(struct edge_live *lv)
{
	struct player_queue *q, *next;

	for (q = lv->stream.players; q; q = next) {
		next = q->next;
		/* q is the first member of struct session. */
		session_flush((struct session *)(void *)q);
	}
}

void
edge_live_upstream_failed(struct edge_live *lv)
{
	struct timeval tv = loop_timeval(EDGE_RETRY_MS * MONOTIME_MSEC);
	size_t next;
	struct origin_cand cands[ORIGIN_MAX];
	char names[ORIGIN_MAX][EDGE_HOST_MAX + 16];
	size_t i, n = lv->route->origins_count;

	lv->up = NULL;
	lv->edge->stats.upstreams_failed++;
	if (n > ORIGIN_MAX)
		n = ORIGIN_MAX;
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s:%u",
		    lv->route->origin[i].host,
		    (unsigned)lv->route->origin[i].port);
		cands[i].name = names[i];
		cands[i].state = ORIGIN_UP;
	}
	if (origin_next(lv->key, cands, n, lv->origin_idx, &next) == RC_OK)
		lv->origin_idx = next;
	else
		lv->origin_idx = edge_live_first_origin(lv);
	stream_upstream_reset(&lv->stream);
	event_add(lv->retry, &tv);
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
