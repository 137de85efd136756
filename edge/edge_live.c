/*
 * edge_live: live streams and origin failover (see edge_live.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "edge/edge.h"
#include "edge/edge_live.h"
#include "edge/origin.h"
#include "edge/session.h"
#include "edge/upstream.h"

#define EDGE_LIVE_RETRY_MS 1000u     /* pause after a failed round */
#define EDGE_LIVE_RETRY_MAX_MS 8000u /* ... doubling up to this */
#define EDGE_LIVE_PENALTY_US (10 * MONOTIME_SEC) /* failed origin last */

static void edge_live_free(struct edge_live *lv);
static void edge_live_linger_cb(evutil_socket_t fd, short what, void *arg);
static void edge_live_retry_cb(evutil_socket_t fd, short what, void *arg);
static void edge_live_wake_cb(evutil_socket_t fd, short what, void *arg);
static void edge_live_new_round(struct edge_live *lv);
static void edge_live_start_now(struct edge_live *lv);
static void edge_live_set_not_found(struct edge_live *lv);

/* ---- Origin health ---- */

static void
edge_live_origin_name(const struct edge_origin *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", o->host, (unsigned)o->port);
}

struct edge_origin_health *
edge_live_origin_health(struct edge *e, const struct edge_origin *o)
{
	char name[EDGE_ORIGIN_NAME_MAX];
	size_t i;

	edge_live_origin_name(o, name, sizeof(name));
	for (i = 0; i < e->norigins; i++)
		if (strcmp(e->origins[i].name, name) == 0)
			return &e->origins[i];
	e->origins =
	    xreallocarray(e->origins, e->norigins + 1, sizeof(*e->origins));
	memset(&e->origins[e->norigins], 0, sizeof(*e->origins));
	memcpy(e->origins[e->norigins].name, name, sizeof(name));
	return &e->origins[e->norigins++];
}

void
edge_origin_ok(struct edge *e, const struct edge_origin *o)
{
	struct edge_origin_health *h = edge_live_origin_health(e, o);

	h->oks++;
	h->down = false;
	h->penalty_until = 0;
}

void
edge_origin_failed(struct edge *e, const struct edge_origin *o)
{
	struct edge_origin_health *h = edge_live_origin_health(e, o);

	h->fails++;
	h->down = true;
	h->penalty_until = monotime_now() + EDGE_LIVE_PENALTY_US;
}

enum origin_state
edge_origin_state(struct edge *e, const struct edge_origin *o, uint64_t now)
{
	return edge_live_origin_health(e, o)->penalty_until > now ?
	    ORIGIN_PENALTY :
	    ORIGIN_UP;
}

/* ---- Rounds ---- */

/* Compute the order of this round: rendezvous, penalised ones last. */
static void
edge_live_new_round(struct edge_live *lv)
{
	struct edge *e = lv->edge;
	struct origin_cand cands[ORIGIN_MAX];
	char names[ORIGIN_MAX][EDGE_ORIGIN_NAME_MAX];
	uint64_t now = monotime_now();
	size_t i, n = lv->norigins;
	int k;

	for (i = 0; i < n; i++) {
		edge_live_origin_name(&lv->origin[i], names[i],
		    sizeof(names[i]));
		cands[i].name = names[i];
		cands[i].state = edge_origin_state(e, &lv->origin[i], now);
	}
	k = origin_order(lv->key, cands, n, lv->order);
	if (k <= 0) { /* cannot happen: nothing is DOWN, n <= ORIGIN_MAX */
		lv->order[0] = 0;
		k = 1;
	}
	lv->norder = (size_t)k;
	lv->pos = 0;
	lv->notfound = 0;
	lv->origin_idx = lv->order[0];
}

static void
edge_live_start_now(struct edge_live *lv)
{
	struct edge *e = lv->edge;

	lv->up_ok = false;
	lv->up = upstream_new(lv);
	if (lv->up != NULL) {
		e->stats.upstreams_started++;
		return;
	}
	/* Could not even start (resolver): counts as a failure. */
	edge_live_upstream_failed(lv, EDGE_LIVE_END_FAILED);
}

static void
edge_live_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_live *lv = arg;

	(void)fd;
	(void)what;
	if (lv->up == NULL && !lv->not_found)
		edge_live_start_now(lv);
}

/* Try lv->origin_idx from the event loop, at once (no recursion). */
static void
edge_live_schedule(struct edge_live *lv, unsigned ms)
{
	struct timeval tv = loop_timeval((uint64_t)ms * MONOTIME_MSEC);

	event_del(lv->retry);
	event_add(lv->retry, &tv);
}

void
edge_live_upstream_ok(struct edge_live *lv)
{
	if (lv->failed_at != 0) {
		log_notice("live %s: origin %s:%u took over %llu ms after "
			   "the failure",
		    lv->key, lv->origin[lv->origin_idx].host,
		    (unsigned)lv->origin[lv->origin_idx].port,
		    (unsigned long long)((monotime_now() - lv->failed_at) /
			MONOTIME_MSEC));
		lv->failed_at = 0;
		lv->switches++;
		lv->edge->stats.upstream_switches++;
	}
	lv->up_ok = true;
	lv->rounds = 0;
	edge_origin_ok(lv->edge, &lv->origin[lv->origin_idx]);
}

void
edge_live_upstream_failed(struct edge_live *lv, enum edge_live_end why)
{
	struct edge *e = lv->edge;
	bool was_ok = lv->up_ok;
	unsigned ms;

	lv->up = NULL;
	lv->up_ok = false;
	e->stats.upstreams_failed++;
	if (lv->failed_at == 0)
		lv->failed_at = monotime_now();
	if (why == EDGE_LIVE_END_FAILED)
		edge_origin_failed(e, &lv->origin[lv->origin_idx]);
	else
		lv->notfound++;
	stream_upstream_reset(&lv->stream);
	if (was_ok) {
		/* It played, then broke: a fresh round, at once. */
		edge_live_new_round(lv);
		edge_live_schedule(lv, 0);
		return;
	}
	if (lv->notfound >= lv->norder) {
		edge_live_set_not_found(lv);
		return;
	}
	if (++lv->pos < lv->norder) {
		lv->origin_idx = lv->order[lv->pos];
		edge_live_schedule(lv, 0);
		return;
	}
	/* Every origin of the round failed: pause, then a new round. */
	ms = EDGE_LIVE_RETRY_MS << (lv->rounds < 3 ? lv->rounds : 3);
	if (ms > EDGE_LIVE_RETRY_MAX_MS)
		ms = EDGE_LIVE_RETRY_MAX_MS;
	lv->rounds++;
	log_ratelimited(&e->rl_upstream, LOG_WARNING,
	    "live %s: no origin could serve it (%zu tried), retrying in "
	    "%u ms",
	    lv->key, lv->norder, ms);
	edge_live_new_round(lv);
	edge_live_schedule(lv, ms);
}

static void
edge_live_set_not_found(struct edge_live *lv)
{
	struct player_queue *q, *next;
	struct timeval tv;

	lv->not_found = true;
	lv->edge->stats.streams_not_found++;
	log_info("live %s: not found on any of %zu origins, cached for %u ms",
	    lv->key, lv->norder, lv->edge->conf->upstream.notfound_cache_ms);
	for (q = lv->stream.players; q; q = next) {
		next = q->next;
		/* q is the first member of struct session. */
		session_live_not_found((struct session *)(void *)q);
	}
	/* The cache lasts notfound_cache from now, players or not. */
	tv = loop_timeval((uint64_t)lv->edge->conf->upstream.notfound_cache_ms *
	    MONOTIME_MSEC);
	event_del(lv->linger);
	event_add(lv->linger, &tv);
}

/* ---- The table ---- */

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
	if (lv->wake)
		event_free(lv->wake);
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
	free(lv->origin);
	free(lv);
}

void
edge_live_free_all(struct edge *e)
{
	while (e->lives)
		edge_live_free(e->lives);
	free(e->origins);
	e->origins = NULL;
	e->norigins = 0;
}

static void
edge_live_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_live *lv = arg;

	(void)fd;
	(void)what;
	if (lv->stream.nplayers > 0)
		return;
	if (lv->not_found)
		log_info("live %s: not-found cache over", lv->key);
	else
		log_info("live %s: no player for %u ms, closing", lv->key,
		    lv->edge->conf->upstream.linger_ms);
	edge_live_free(lv);
}

/* Copy route's origins into lv (at most ORIGIN_MAX). */
static void
edge_live_set_origins(struct edge_live *lv, const struct edge_conf_route *route)
{
	size_t n = route->origins_count;

	if (n > ORIGIN_MAX)
		n = ORIGIN_MAX;
	free(lv->origin);
	lv->origin = xcalloc(n, sizeof(*lv->origin));
	memcpy(lv->origin, route->origin, n * sizeof(*lv->origin));
	lv->norigins = n;
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
			if (!lv->not_found)
				event_del(lv->linger);
			return lv;
		}
	}
	lv = xcalloc(1, sizeof(*lv));
	lv->edge = e;
	snprintf(lv->app, sizeof(lv->app), "%s", app);
	snprintf(lv->name, sizeof(lv->name), "%s", name);
	memcpy(lv->key, key, sizeof(lv->key));
	edge_live_set_origins(lv, route);
	sl.gop_max_bytes = e->conf->limits.gop_cache_bytes;
	stream_init(&lv->stream, &sl);
	lv->linger = evtimer_new(e->base, edge_live_linger_cb, lv);
	lv->retry = evtimer_new(e->base, edge_live_retry_cb, lv);
	lv->wake = evtimer_new(e->base, edge_live_wake_cb, lv);
	if (lv->linger == NULL || lv->retry == NULL || lv->wake == NULL)
		fatalx("evtimer_new failed");
	lv->next = e->lives;
	if (e->lives)
		e->lives->prev = lv;
	e->lives = lv;
	e->nlives++;
	e->stats.lives_created++;
	edge_live_new_round(lv);
	log_info("live %s: created, origin %s:%u", lv->key,
	    lv->origin[lv->origin_idx].host,
	    (unsigned)lv->origin[lv->origin_idx].port);
	edge_live_start_now(lv);
	return lv;
}

void
edge_live_release(struct edge_live *lv)
{
	struct timeval tv;

	if (lv->stream.nplayers > 0 || lv->not_found)
		return; /* a not-found stream's timer is already running */
	tv = loop_timeval(
	    (uint64_t)lv->edge->conf->upstream.linger_ms * MONOTIME_MSEC);
	event_add(lv->linger, &tv);
}

static void
edge_live_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge_live *lv = arg;
	struct player_queue *q, *next;

	(void)fd;
	(void)what;
	for (q = lv->stream.players; q; q = next) {
		next = q->next;
		/* q is the first member of struct session. */
		session_flush((struct session *)(void *)q);
	}
}

void
edge_live_wake(struct edge_live *lv)
{
	unsigned ms = lv->edge->conf->limits.merge_write_ms;
	struct player_queue *q, *next;
	struct timeval tv;

	if (ms > 0) {
		if (!event_pending(lv->wake, EV_TIMEOUT, NULL)) {
			tv = loop_timeval((uint64_t)ms * MONOTIME_MSEC);
			event_add(lv->wake, &tv);
		}
		return;
	}

	for (q = lv->stream.players; q; q = next) {
		next = q->next;
		/* q is the first member of struct session. */
		session_flush((struct session *)(void *)q);
	}
}

void
edge_live_reroute(struct edge *e)
{
	struct edge_live *lv;

	for (lv = e->lives; lv; lv = lv->next) {
		const struct edge_conf_route *r =
		    edge_conf_route_match(e->conf, lv->app, lv->name);
		struct edge_origin cur;
		size_t i;

		if (r == NULL || r->mode != EDGE_MODE_LIVE ||
		    r->origins_count == 0)
			continue;
		cur = lv->origin[lv->origin_idx];
		edge_live_set_origins(lv, r);
		/* Keep pointing at the current origin if it is still there. */
		lv->origin_idx = 0;
		for (i = 0; i < lv->norigins; i++)
			if (strcmp(lv->origin[i].host, cur.host) == 0 &&
			    lv->origin[i].port == cur.port)
				lv->origin_idx = i;
		lv->norder = 0;
		edge_live_new_round(lv);
		/* The round starts over; the current origin stays in use. */
		for (i = 0; i < lv->norder; i++)
			if (strcmp(lv->origin[lv->order[i]].host, cur.host) ==
				0 &&
			    lv->origin[lv->order[i]].port == cur.port)
				lv->pos = i;
		lv->origin_idx = lv->order[lv->pos];
	}
}
