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
#include "edge/access_log.h"
#include "edge/dnscache.h"
#include "edge/http.h"
#include "edge/origin.h"
#include "edge/report.h"
#include "edge/session.h"
#include "edge/upstream.h"

#define EDGE_REJECT_SLACK 64 /* connections kept to say "rejected" */

static void edge_drain_grace_cb(evutil_socket_t fd, short what, void *arg);
static void edge_drain_deadline_cb(evutil_socket_t fd, short what, void *arg);

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

static const char *const edge_perr_names[EDGE_PERR_MAX] = {
	[EDGE_PERR_HANDSHAKE] = "handshake",
	[EDGE_PERR_PROTOCOL] = "protocol",
	[EDGE_PERR_LIMIT] = "limit",
	[EDGE_PERR_TIMEOUT] = "timeout",
	[EDGE_PERR_RESET] = "reset",
	[EDGE_PERR_ORIGIN] = "origin",
	[EDGE_PERR_WRITE] = "write",
};

void
edge_player_error(struct edge *e, enum edge_player_error why)
{
	e->stats.players_errors++;
	e->stats.player_errors[why]++;
}

const char *
edge_player_error_str(enum edge_player_error why)
{
	return edge_perr_names[why];
}

static void
edge_dns_opts(const struct edge_conf *cf, struct dnscache_opts *o)
{
	o->min_ttl_us = (uint64_t)cf->resolver.min_ttl_ms * MONOTIME_MSEC;
	o->max_ttl_us = (uint64_t)cf->resolver.max_ttl_ms * MONOTIME_MSEC;
}

/*
 * Look up every origin and probe host name of the config now, so that
 * neither a player's first pull nor the first report waits for DNS.
 */
static void
edge_dns_warm(struct edge *e)
{
	const struct edge_conf *cf = e->conf;
	struct resolver_result res;
	unsigned i, j;

	for (i = 0; i < cf->routes_count; i++)
		for (j = 0; j < cf->routes[i].origins_count; j++)
			(void)dnscache_lookup(e->dns,
			    cf->routes[i].origin[j].host, &res, NULL, NULL);
	edge_report_warm(e);
}

int
edge_start(struct edge *e)
{
	struct resolver_opts ro = { 0 };
	struct dnscache_opts dopts;
	unsigned i;

	e->base = loop_base(e->loop);
	ro.timeout_ms = e->conf->resolver.timeout_ms;
	ro.servers = e->conf->resolver.servers_csv;
	e->resolver = resolver_new(e->base, &ro);
	if (e->resolver == NULL)
		return RC_ERROR;
	edge_dns_opts(e->conf, &dopts);
	e->dns = dnscache_new(e->base, e->resolver, &dopts);
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
	e->drain_grace = evtimer_new(e->base, edge_drain_grace_cb, e);
	e->drain_deadline = evtimer_new(e->base, edge_drain_deadline_cb, e);
	if (e->drain_grace == NULL || e->drain_deadline == NULL)
		fatalx("evtimer_new failed");
	if (access_log_open(e) != RC_OK)
		return RC_CONFIG;
	if (edge_report_start(e) != RC_OK)
		return RC_CONFIG;
	edge_dns_warm(e);
	return edge_http_start(e);
}

void
edge_stop(struct edge *e)
{
	size_t i;

	edge_http_stop(e);
	edge_report_stop(e);
	if (e->drain_grace)
		event_free(e->drain_grace);
	if (e->drain_deadline)
		event_free(e->drain_deadline);
	e->drain_grace = e->drain_deadline = NULL;
	while (e->sessions)
		session_free(e->sessions);
	edge_live_free_all(e);
	for (i = 0; i < e->nlisteners; i++)
		evconnlistener_free(e->listeners[i]);
	free(e->listeners);
	e->listeners = NULL;
	e->nlisteners = 0;
	dnscache_free(e->dns);
	e->dns = NULL;
	resolver_free(e->resolver);
	e->resolver = NULL;
	access_log_close(e); /* after the sessions wrote their lines */
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

	if (e->drain_state == EDGE_DRAIN_CLOSED)
		return "draining";
	if (e->nadmitted >= l->max_players)
		return "full";
	if (l->max_egress_mbps > 0 && e->egress_mbps >= l->max_egress_mbps)
		return "egress";
	return NULL;
}

void
edge_session_closed(struct edge *e)
{
	if (e->drain_state == EDGE_DRAIN_CLOSED && e->nsessions == 0 &&
	    e->loop != NULL) {
		log_notice("drain: last session ended, exiting");
		loop_stop(e->loop);
	}
}

/* ---- Draining ---- */

const char *
edge_drain_state_str(enum edge_drain_state st)
{
	switch (st) {
	case EDGE_RUNNING:
		return "running";
	case EDGE_DRAINING:
		return "draining";
	case EDGE_DRAIN_CLOSED:
		return "closed";
	}
	return "unknown";
}

void
edge_drain(struct edge *e, const char *why)
{
	struct timeval grace, deadline;

	if (e->drain_state != EDGE_RUNNING)
		return;
	e->drain_state = EDGE_DRAINING;
	e->drain_since = monotime_now();
	grace = loop_timeval((uint64_t)e->conf->drain.grace_ms * MONOTIME_MSEC);
	deadline =
	    loop_timeval((uint64_t)e->conf->drain.deadline_ms * MONOTIME_MSEC);
	event_add(e->drain_grace, &grace);
	event_add(e->drain_deadline, &deadline);
	log_notice("drain (%s): reporting draining; new players admitted for "
		   "%u ms more, then refused; exit when the last of %zu "
		   "sessions ends, at the latest in %u ms",
	    why, e->conf->drain.grace_ms, e->nsessions,
	    e->conf->drain.deadline_ms);
	edge_report_now(e);
}

void
edge_undrain(struct edge *e, const char *why)
{
	if (e->drain_state == EDGE_RUNNING)
		return;
	e->drain_state = EDGE_RUNNING;
	event_del(e->drain_grace);
	event_del(e->drain_deadline);
	log_notice("undrain (%s): admitting players again", why);
	edge_report_now(e);
}

static void
edge_drain_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge *e = arg;

	(void)fd;
	(void)what;
	if (e->drain_state != EDGE_DRAINING)
		return;
	e->drain_state = EDGE_DRAIN_CLOSED;
	log_notice("drain: grace over, refusing new players; %zu sessions "
		   "left",
	    e->nsessions);
	edge_session_closed(e);
}

static void
edge_drain_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct edge *e = arg;

	(void)fd;
	(void)what;
	if (e->drain_state == EDGE_RUNNING)
		return;
	log_notice("drain: deadline reached, closing %zu sessions and exiting",
	    e->nsessions);
	loop_stop(e->loop);
}

/* ---- Reload ---- */

static bool
edge_conf_same_strings(char *const *a, unsigned na, char *const *b, unsigned nb)
{
	unsigned i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

int
edge_reload(struct edge *e, struct edge_conf *ncf)
{
	struct edge_conf *old = e->conf;
	struct dnscache_opts dopts;

	if (!edge_conf_same_strings(old->listen, old->listen_count, ncf->listen,
		ncf->listen_count) ||
	    strcmp(old->http, ncf->http) != 0 ||
	    !edge_conf_same_strings(old->resolver.servers,
		old->resolver.servers_count, ncf->resolver.servers,
		ncf->resolver.servers_count) ||
	    old->resolver.timeout_ms != ncf->resolver.timeout_ms) {
		log_warnx("reload %s: listen, http, resolver.servers and "
			  "resolver.timeout cannot change without a restart; "
			  "keeping the running configuration",
		    ncf->path);
		edge_conf_free(ncf);
		e->reload_failures++;
		return RC_CONFIG;
	}
	e->conf = ncf;
	if (edge_report_reload(e) != RC_OK) {
		e->conf = old;
		edge_report_reload(e);
		edge_conf_free(ncf);
		e->reload_failures++;
		log_warnx("reload: load reports not reconfigured; keeping the "
			  "running configuration");
		return RC_CONFIG;
	}
	edge_dns_opts(ncf, &dopts);
	dnscache_set_opts(e->dns, &dopts);
	edge_dns_warm(e);
	edge_live_reroute(e);
	edge_conf_free(old);
	e->reloads++;
	log_notice("reloaded: %u routes, max_players %u", ncf->routes_count,
	    ncf->limits.max_players);
	return RC_OK;
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

int
edge_reload_file(struct edge *e)
{
	struct edge_conf *ncf = edge_conf_load(e->conf_path);
	int rc;

	if (ncf == NULL) {
		e->reload_failures++;
		log_warnx("reload: %s is not valid; keeping the running "
			  "configuration",
		    e->conf_path);
		rc = RC_CONFIG;
	} else {
		rc = edge_reload(e, ncf);
	}
	access_log_reopen(e);
	return rc;
}
