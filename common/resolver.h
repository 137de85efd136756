/*
 * resolver: asynchronous host name lookups with c-ares inside a libevent
 * loop. This is the only file that talks to c-ares.
 *
 * The edge resolves its origins' host names here; the TTL it gets back
 * tells it when to resolve again (see origin_resolve_at()).
 *
 *	r = resolver_new(base, &opts);
 *	resolver_lookup(r, "origin1.example.net", AF_UNSPEC, done_cb, s);
 *	...  done_cb(s, RC_OK, &res) runs later from the loop ...
 *	resolver_free(r);
 *
 * How c-ares is driven:
 *
 *	c-ares sock_state_cb(fd, r, w) --> add/modify/remove one event per fd
 *	fd event fires                 --> mark fd ready, activate "batch"
 *	batch event (once per loop pass) --> ares_process_fd() for every
 *	                                   ready fd, then re-arm the timer
 *	timer (ares_timeout())         --> ares_process_fd(BAD, BAD)
 *
 * Callbacks always run from the event loop, never from inside
 * resolver_lookup(): literal addresses ("192.0.2.1", "2001:db8::1") are
 * answered without a query, but one loop pass later.
 *
 * Cancellation: resolver_free() calls every callback still pending, once,
 * with RC_AGAIN and a NULL result, before it returns. After
 * resolver_free() returns no callback runs. resolver_cancel() detaches
 * the pending lookups of one arg: their callbacks never run.
 *
 * Names are looked up as given (no search domains: origins are
 * configured as full names); the hosts file is consulted as c-ares does
 * by default. One resolver per loop; not thread-safe.
 */
#ifndef COMMON_RESOLVER_H
#define COMMON_RESOLVER_H

#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct resolver;

/* At most this many addresses are returned per lookup. */
#define RESOLVER_ADDR_MAX 8

/* TTL reported for literal addresses: they never expire. */
#define RESOLVER_TTL_LITERAL UINT32_MAX

struct resolver_opts {
	unsigned timeout_ms; /* first try's timeout; 0 means 2000 */
	unsigned tries;	     /* attempts per server; 0 means 2 */
	/*
	 * Optional "host:port,host:port" server list (c-ares
	 * ares_set_servers_ports_csv() syntax, "[::1]:53" for IPv6);
	 * NULL or "" uses /etc/resolv.conf. Borrowed, copied.
	 */
	const char *servers;
};

struct resolver_result {
	size_t n; /* addresses in addr[] */
	struct sockaddr_storage addr[RESOLVER_ADDR_MAX]; /* port 0 */
	socklen_t addrlen[RESOLVER_ADDR_MAX];
	uint32_t ttl; /* smallest TTL of the answer, seconds */
};

/*
 * Result of one lookup. rc is RC_OK (res->n >= 1), RC_NOTFOUND (NXDOMAIN
 * or no address of the family), RC_TIMEOUT (no answer within the
 * configured timeout and tries), RC_AGAIN (cancelled by resolver_free()),
 * or RC_ERROR (server failure, refused, bad response; logged at debug).
 * res is borrowed for the duration of the call, NULL unless RC_OK.
 */
typedef void (
    *resolver_cb_t)(void *arg, int rc, const struct resolver_result *res);

/*
 * New resolver on `base` (borrowed, must outlive the resolver). opts may
 * be NULL for the defaults. Returns NULL and logs if c-ares fails or the
 * server list does not parse. Caller frees with resolver_free(). Startup.
 */
struct resolver *resolver_new(struct event_base *base,
    const struct resolver_opts *opts);

/*
 * Cancel pending lookups (their callbacks get RC_AGAIN, see above), free
 * every event and the c-ares channel. NULL does nothing. Must not be
 * called from inside one of this resolver's callbacks.
 */
void resolver_free(struct resolver *r);

/*
 * Start resolving `host` (borrowed, copied) for family AF_UNSPEC,
 * AF_INET or AF_INET6. cb(arg, rc, res) runs exactly once later from the
 * loop (unless cancelled by resolver_cancel()). arg is borrowed.
 * Returns RC_OK, RC_MALFORMED (empty host or bad family: cb not called),
 * or RC_AGAIN while resolver_free() runs. Event callbacks or startup.
 */
int resolver_lookup(struct resolver *r, const char *host, int family,
    resolver_cb_t cb, void *arg);

/*
 * Forget the pending lookups whose arg is `arg`: their callbacks will
 * never run (the queries themselves finish quietly). Use it before
 * freeing whatever arg points to. Returns how many were detached.
 * Anywhere in the loop, including callbacks.
 */
size_t resolver_cancel(struct resolver *r, void *arg);

/* Lookups started and not yet called back (for stats and tests). */
size_t resolver_pending(const struct resolver *r);

#endif
