/*
 * dnscache: origin and probe host names kept fresh by TTL (see dnscache.h).
 *
 * The names are those of one config (tens at most), so they live in a
 * list searched linearly; each has its own refresh timer.
 */
#include "config.h"

#include "edge/dnscache.h"

#include <netdb.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "edge/origin.h"

struct dnscache_waiter {
	struct dnscache_waiter *next;
	resolver_cb_t cb;
	void *arg;
};

struct dnscache_name {
	struct dnscache_name *next;
	struct dnscache *c;
	char *host;
	struct resolver_result res; /* res.n == 0: no address known */
	uint64_t expires;	    /* res is stale from then on */
	uint64_t used;		    /* last lookup */
	uint64_t failed_at;	    /* last failure while res.n == 0 */
	int failed_rc;
	bool resolving;
	struct event *timer; /* refresh, retry or drop */
	struct dnscache_waiter *waiters;
};

struct dnscache {
	struct event_base *base;
	struct resolver *r;
	struct dnscache_opts opts;
	struct dnscache_name *names;
	struct dnscache_stats st;
};

static void dnscache_resolve(struct dnscache_name *n);
static void dnscache_resolved_cb(void *arg, int rc,
    const struct resolver_result *res);
static void dnscache_timer_cb(evutil_socket_t fd, short what, void *arg);

struct dnscache *
dnscache_new(struct event_base *base, struct resolver *r,
    const struct dnscache_opts *opts)
{
	struct dnscache *c = xcalloc(1, sizeof(*c));

	c->base = base;
	c->r = r;
	dnscache_set_opts(c, opts);
	return c;
}

static void
dnscache_name_free(struct dnscache_name *n)
{
	struct dnscache_waiter *w;

	resolver_cancel(n->c->r, n);
	event_free(n->timer);
	while ((w = n->waiters) != NULL) {
		n->waiters = w->next;
		free(w);
	}
	free(n->host);
	free(n);
}

void
dnscache_free(struct dnscache *c)
{
	struct dnscache_name *n;

	if (c == NULL)
		return;
	while ((n = c->names) != NULL) {
		c->names = n->next;
		dnscache_name_free(n);
	}
	free(c);
}

void
dnscache_set_opts(struct dnscache *c, const struct dnscache_opts *opts)
{
	c->opts = *opts;
	if (c->opts.max_ttl_us < c->opts.min_ttl_us)
		c->opts.max_ttl_us = c->opts.min_ttl_us;
}

void
dnscache_stats(const struct dnscache *c, struct dnscache_stats *out)
{
	const struct dnscache_name *n;

	*out = c->st;
	out->names = 0;
	for (n = c->names; n != NULL; n = n->next)
		out->names++;
}

/* An IPv4 or IPv6 literal into *out (port 0); false for anything else. */
static bool
dnscache_literal(const char *host, struct resolver_result *out)
{
	memset(out, 0, sizeof(*out));
	if (sockaddr_parse(host, 0, &out->addr[0], &out->addrlen[0]) != RC_OK)
		return false;
	out->n = 1;
	out->ttl = RESOLVER_TTL_LITERAL;
	return true;
}

/* "192.0.2.1, 2001:db8::1" for logs. */
static void
dnscache_format(const struct resolver_result *res, char *buf, size_t len)
{
	size_t i, pos = 0;

	buf[0] = '\0';
	for (i = 0; i < res->n && pos + 2 < len; i++) {
		char a[NI_MAXHOST];

		if (getnameinfo((const struct sockaddr *)&res->addr[i],
			res->addrlen[i], a, sizeof(a), NULL, 0,
			NI_NUMERICHOST) != 0)
			snprintf(a, sizeof(a), "?");
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s",
		    i ? ", " : "", a);
	}
	if (pos >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

static bool
dnscache_same(const struct resolver_result *a, const struct resolver_result *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!sockaddr_equal((const struct sockaddr *)&a->addr[i],
			(const struct sockaddr *)&b->addr[i]))
			return false;
	return true;
}

static void
dnscache_arm(struct dnscache_name *n, uint64_t at, uint64_t now)
{
	struct timeval tv = loop_timeval(at > now ? at - now : 0);

	evtimer_add(n->timer, &tv);
}

static void
dnscache_resolve(struct dnscache_name *n)
{
	n->resolving = true;
	n->c->st.lookups++;
	if (resolver_lookup(n->c->r, n->host, AF_UNSPEC, dnscache_resolved_cb,
		n) != RC_OK) {
		/* Cannot even start (out of memory in c-ares): retry. */
		n->resolving = false;
		n->c->st.failures++;
		n->failed_rc = RC_ERROR;
		n->failed_at = monotime_now();
		dnscache_arm(n, n->failed_at + DNSCACHE_RETRY_US, n->failed_at);
	}
}

static void
dnscache_resolved_cb(void *arg, int rc, const struct resolver_result *res)
{
	struct dnscache_name *n = arg;
	struct dnscache *c = n->c;
	struct dnscache_waiter *w;
	uint64_t now = monotime_now();
	char was[256], is[256];

	n->resolving = false;
	if (rc == RC_OK) {
		dnscache_format(res, is, sizeof(is));
		if (n->failed_at != 0)
			log_notice("dns %s: answers again", n->host);
		if (n->res.n == 0)
			log_info("dns %s: %s (ttl %u s)", n->host, is,
			    (unsigned)res->ttl);
		else if (!dnscache_same(&n->res, res)) {
			c->st.changes++;
			dnscache_format(&n->res, was, sizeof(was));
			log_notice("dns %s: now %s (was %s; ttl %u s)", n->host,
			    is, was, (unsigned)res->ttl);
		}
		n->res = *res;
		n->expires = origin_resolve_at(now, res->ttl,
		    c->opts.min_ttl_us, c->opts.max_ttl_us);
		n->failed_at = 0;
		dnscache_arm(n, n->expires, now);
	} else {
		c->st.failures++;
		/* Once per outage; it is retried every DNSCACHE_RETRY_US. */
		if (n->failed_at == 0 && n->res.n > 0)
			log_warnx("dns %s: %s; keeping the %zu address(es) "
				  "it had until it answers",
			    n->host, rc_str(rc), n->res.n);
		else if (n->failed_at == 0)
			log_warnx("dns %s: %s", n->host, rc_str(rc));
		n->failed_rc = rc;
		n->failed_at = now;
		dnscache_arm(n, now + DNSCACHE_RETRY_US, now);
	}
	/* One at a time: a callback may cancel another waiter. */
	while ((w = n->waiters) != NULL) {
		n->waiters = w->next;
		if (n->res.n > 0)
			w->cb(w->arg, RC_OK, &n->res);
		else
			w->cb(w->arg, rc == RC_OK ? RC_NOTFOUND : rc, NULL);
		free(w);
	}
}

static void
dnscache_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dnscache_name *n = arg;
	struct dnscache *c = n->c;
	struct dnscache_name **pp;
	uint64_t now = monotime_now();

	(void)fd;
	(void)what;
	if (n->resolving)
		return;
	if (now - n->used < DNSCACHE_IDLE_US || n->waiters != NULL) {
		dnscache_resolve(n);
		return;
	}
	log_debug("dns %s: not used for a while, dropped", n->host);
	for (pp = &c->names; *pp != NULL; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	dnscache_name_free(n);
}

static struct dnscache_name *
dnscache_find(struct dnscache *c, const char *host)
{
	struct dnscache_name *n;

	for (n = c->names; n != NULL; n = n->next)
		if (strcasecmp(n->host, host) == 0)
			return n;
	return NULL;
}

int
dnscache_lookup(struct dnscache *c, const char *host,
    struct resolver_result *out, resolver_cb_t cb, void *arg)
{
	struct dnscache_name *n;
	struct dnscache_waiter *w;
	uint64_t now;

	if (dnscache_literal(host, out))
		return RC_OK;
	now = monotime_now();
	n = dnscache_find(c, host);
	if (n == NULL) {
		n = xcalloc(1, sizeof(*n));
		n->c = c;
		n->host = xstrdup(host);
		n->timer = evtimer_new(c->base, dnscache_timer_cb, n);
		if (n->timer == NULL)
			fatalx("evtimer_new failed");
		n->next = c->names;
		c->names = n;
		n->used = now;
		dnscache_resolve(n);
	}
	n->used = now;
	if (n->res.n > 0) {
		if (now >= n->expires)
			c->st.stale++;
		*out = n->res;
		return RC_OK;
	}
	if (!n->resolving) {
		if (n->failed_at != 0 && now - n->failed_at < DNSCACHE_RETRY_US)
			return n->failed_rc;
		evtimer_del(n->timer);
		dnscache_resolve(n);
		if (!n->resolving)
			return n->failed_rc;
	}
	if (cb == NULL)
		return RC_AGAIN;
	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->next = n->waiters;
	n->waiters = w;
	return RC_AGAIN;
}

void
dnscache_cancel(struct dnscache *c, void *arg)
{
	struct dnscache_name *n;

	if (c == NULL)
		return;
	for (n = c->names; n != NULL; n = n->next) {
		struct dnscache_waiter **pp = &n->waiters;

		while (*pp != NULL) {
			struct dnscache_waiter *w = *pp;

			if (w->arg == arg) {
				*pp = w->next;
				free(w);
			} else
				pp = &w->next;
		}
	}
}
