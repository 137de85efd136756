/*
 * resolver: c-ares driven by libevent. See resolver.h for the contract
 * and the flow of events.
 */
#include "config.h"

#include "common/resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/rc.h"

/* One socket c-ares asked us to watch; one libevent event each. */
struct resolver_sock {
	struct resolver *r;
	ares_socket_t fd;
	short what;  /* EV_READ | EV_WRITE we watch */
	short ready; /* what fired since the last batch */
	struct event *ev;
	struct resolver_sock *next;
};

/* One lookup, from resolver_lookup() to its callback. */
struct resolver_query {
	struct resolver *r;
	resolver_cb_t cb;
	void *arg; /* NULL cb means detached by resolver_cancel() */
	bool submitting;
	bool done; /* result is in rc/res, waiting for `defer` */
	int rc;
	struct resolver_result res;
	struct event *defer;
	struct resolver_query *prev, *next;
};

struct resolver_ready {
	ares_socket_t fd;
	short ready;
};

struct resolver {
	struct event_base *base;
	ares_channel ch;
	struct resolver_sock *socks;
	struct resolver_query *queries;
	size_t npending;
	struct event *timer;
	struct event *batch;
	bool batch_armed;
	bool closing;
	struct resolver_ready *readyv;
	size_t readycap;
};

static void resolver_sock_state_cb(void *data, ares_socket_t fd, int readable,
    int writable);
static void resolver_sock_cb(evutil_socket_t fd, short what, void *arg);
static void resolver_batch_cb(evutil_socket_t fd, short what, void *arg);
static void resolver_timer_cb(evutil_socket_t fd, short what, void *arg);
static void resolver_defer_cb(evutil_socket_t fd, short what, void *arg);
static void resolver_gai_cb(void *arg, int status, int timeouts,
    struct ares_addrinfo *ai);
static void resolver_rearm(struct resolver *r);
static void resolver_finish(struct resolver_query *q);
static void resolver_defer(struct resolver_query *q);
static void resolver_unlink(struct resolver_query *q);
static bool resolver_literal(const char *host, int family,
    struct resolver_query *q);
static int resolver_rc(int status);

/* ---- Lifecycle ---- */

struct resolver *
resolver_new(struct event_base *base, const struct resolver_opts *opts)
{
	struct resolver *r;
	struct ares_options o;
	int mask, st;

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS) {
		log_warnx("resolver: c-ares init: %s", ares_strerror(st));
		free(r);
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOSEARCH;
	o.timeout = opts && opts->timeout_ms ? (int)opts->timeout_ms : 2000;
	o.tries = opts && opts->tries ? (int)opts->tries : 2;
	o.sock_state_cb = resolver_sock_state_cb;
	o.sock_state_cb_data = r;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_SOCK_STATE_CB;
	st = ares_init_options(&r->ch, &o, mask);
	if (st != ARES_SUCCESS) {
		log_warnx("resolver: c-ares channel: %s", ares_strerror(st));
		ares_library_cleanup();
		free(r);
		return NULL;
	}
	if (opts && opts->servers && opts->servers[0] != '\0') {
		st = ares_set_servers_ports_csv(r->ch, opts->servers);
		if (st != ARES_SUCCESS) {
			log_warnx("resolver: servers \"%s\": %s", opts->servers,
			    ares_strerror(st));
			goto fail;
		}
	}
	r->timer = evtimer_new(base, resolver_timer_cb, r);
	r->batch = event_new(base, -1, 0, resolver_batch_cb, r);
	if (r->timer == NULL || r->batch == NULL) {
		log_warnx("resolver: libevent failed");
		goto fail;
	}
	return r;
fail:
	resolver_free(r);
	return NULL;
}

void
resolver_free(struct resolver *r)
{
	struct resolver_query *q, *next;
	struct resolver_sock *s;

	if (r == NULL)
		return;
	r->closing = true;
	/* Answered but not yet delivered: cancel them here. */
	for (q = r->queries; q != NULL; q = next) {
		next = q->next;
		if (q->done) {
			q->rc = RC_AGAIN;
			resolver_finish(q);
		}
	}
	/* The rest are in c-ares: it calls back with ARES_EDESTRUCTION. */
	if (r->ch != NULL) {
		ares_destroy(r->ch);
		ares_library_cleanup();
	}
	while ((s = r->socks) != NULL) {
		r->socks = s->next;
		event_free(s->ev);
		free(s);
	}
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->batch != NULL)
		event_free(r->batch);
	free(r->readyv);
	free(r);
}

/* ---- Lookups ---- */

int
resolver_lookup(struct resolver *r, const char *host, int family,
    resolver_cb_t cb, void *arg)
{
	struct resolver_query *q;
	struct ares_addrinfo_hints hints;

	if (r->closing)
		return RC_AGAIN;
	if (host == NULL || host[0] == '\0' || cb == NULL ||
	    (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
		return RC_MALFORMED;
	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->next = r->queries;
	if (r->queries != NULL)
		r->queries->prev = q;
	r->queries = q;
	r->npending++;

	if (resolver_literal(host, family, q)) {
		resolver_defer(q);
		return RC_OK;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_flags = ARES_AI_NOSORT;
	q->submitting = true;
	ares_getaddrinfo(r->ch, host, NULL, &hints, resolver_gai_cb, q);
	/* q may be done already (hosts file, error): then it is deferred. */
	q->submitting = false;
	resolver_rearm(r);
	return RC_OK;
}

size_t
resolver_cancel(struct resolver *r, void *arg)
{
	struct resolver_query *q;
	size_t n = 0;

	for (q = r->queries; q != NULL; q = q->next) {
		if (q->cb != NULL && q->arg == arg) {
			q->cb = NULL;
			n++;
		}
	}
	return n;
}

size_t
resolver_pending(const struct resolver *r)
{
	return r->npending;
}

static bool
resolver_literal(const char *host, int family, struct resolver_query *q)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&q->res.addr[0];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&q->res.addr[0];
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_addr = a4;
		q->res.addrlen[0] = sizeof(*sin);
		q->rc = family == AF_INET6 ? RC_NOTFOUND : RC_OK;
	} else if (inet_pton(AF_INET6, host, &a6) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a6;
		q->res.addrlen[0] = sizeof(*sin6);
		q->rc = family == AF_INET ? RC_NOTFOUND : RC_OK;
	} else
		return false;
	q->res.n = 1;
	q->res.ttl = RESOLVER_TTL_LITERAL;
	return true;
}

static void
resolver_gai_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolver_query *q = arg;
	struct ares_addrinfo_node *nd;
	struct ares_addrinfo_cname *cn;
	uint32_t ttl = UINT32_MAX;

	(void)timeouts;
	q->rc = resolver_rc(status);
	if (q->rc == RC_OK) {
		for (nd = ai->nodes; nd != NULL; nd = nd->ai_next) {
			if (nd->ai_addrlen > sizeof(q->res.addr[0]))
				continue;
			if ((uint32_t)nd->ai_ttl < ttl)
				ttl = nd->ai_ttl < 0 ? 0 : (uint32_t)nd->ai_ttl;
			if (q->res.n == RESOLVER_ADDR_MAX)
				continue;
			memcpy(&q->res.addr[q->res.n], nd->ai_addr,
			    nd->ai_addrlen);
			q->res.addrlen[q->res.n] = nd->ai_addrlen;
			q->res.n++;
		}
		for (cn = ai->cnames; cn != NULL; cn = cn->next)
			if (cn->ttl >= 0 && (uint32_t)cn->ttl < ttl)
				ttl = (uint32_t)cn->ttl;
		q->res.ttl = ttl;
		if (q->res.n == 0)
			q->rc = RC_NOTFOUND;
	} else if (q->rc == RC_ERROR)
		log_debug("resolver: lookup failed: %s", ares_strerror(status));
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	if (q->submitting && q->rc != RC_AGAIN)
		resolver_defer(q);
	else
		resolver_finish(q);
}

static int
resolver_rc(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return RC_OK;
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_ENONAME:
		return RC_NOTFOUND;
	case ARES_ETIMEOUT:
		return RC_TIMEOUT;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		return RC_AGAIN;
	default:
		return RC_ERROR;
	}
}

/* Deliver q's result one loop pass from now. */
static void
resolver_defer(struct resolver_query *q)
{
	q->done = true;
	q->defer = event_new(q->r->base, -1, 0, resolver_defer_cb, q);
	if (q->defer == NULL)
		fatalx("resolver: libevent failed");
	event_active(q->defer, EV_TIMEOUT, 1);
}

static void
resolver_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	resolver_finish(arg);
}

/* Unlink q, call its callback (unless detached), free it. */
static void
resolver_finish(struct resolver_query *q)
{
	resolver_cb_t cb = q->cb;
	void *arg = q->arg;
	struct resolver_result res = q->res;
	int rc = q->rc;

	resolver_unlink(q);
	if (q->defer != NULL)
		event_free(q->defer);
	free(q);
	if (cb != NULL)
		cb(arg, rc, rc == RC_OK ? &res : NULL);
}

static void
resolver_unlink(struct resolver_query *q)
{
	struct resolver *r = q->r;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	r->npending--;
}

/* ---- Driving c-ares from libevent ---- */

static void
resolver_sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	struct resolver_sock *s, **sp;
	short what;

	for (sp = &r->socks; *sp != NULL; sp = &(*sp)->next)
		if ((*sp)->fd == fd)
			break;
	s = *sp;
	if (!readable && !writable) {
		if (s != NULL) {
			*sp = s->next;
			event_free(s->ev);
			free(s);
		}
		return;
	}
	what = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	if (s != NULL && s->what == what)
		return;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->r = r;
		s->fd = fd;
		s->next = r->socks;
		r->socks = s;
	} else
		event_free(s->ev);
	s->what = what;
	s->ev = event_new(r->base, fd, what | EV_PERSIST, resolver_sock_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) != 0)
		fatalx("resolver: libevent failed on fd %d", (int)fd);
}

/* An fd is ready: note it, and let one batch hand all of them over. */
static void
resolver_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_sock *s = arg;
	struct resolver *r = s->r;

	(void)fd;
	s->ready |= what & (EV_READ | EV_WRITE);
	if (!r->batch_armed) {
		r->batch_armed = true;
		event_active(r->batch, EV_TIMEOUT, 1);
	}
}

static void
resolver_batch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	struct resolver_sock *s;
	size_t n = 0, i;

	(void)fd;
	(void)what;
	r->batch_armed = false;
	/* Copy first: processing may close sockets and free their entry. */
	for (s = r->socks; s != NULL; s = s->next) {
		if (s->ready == 0)
			continue;
		if (n == r->readycap) {
			r->readycap = r->readycap ? 2 * r->readycap : 8;
			r->readyv = xreallocarray(r->readyv, r->readycap,
			    sizeof(*r->readyv));
		}
		r->readyv[n].fd = s->fd;
		r->readyv[n].ready = s->ready;
		s->ready = 0;
		n++;
	}
	for (i = 0; i < n; i++)
		ares_process_fd(r->ch,
		    r->readyv[i].ready & EV_READ ? r->readyv[i].fd :
						   ARES_SOCKET_BAD,
		    r->readyv[i].ready & EV_WRITE ? r->readyv[i].fd :
						    ARES_SOCKET_BAD);
	resolver_rearm(r);
}

static void
resolver_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)fd;
	(void)what;
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolver_rearm(r);
}

/* One timer follows c-ares' next timeout; none while nothing is queued. */
static void
resolver_rearm(struct resolver *r)
{
	struct timeval buf, *tv;

	if (r->closing)
		return;
	tv = ares_timeout(r->ch, NULL, &buf);
	if (tv == NULL)
		evtimer_del(r->timer);
	else
		evtimer_add(r->timer, tv);
}
