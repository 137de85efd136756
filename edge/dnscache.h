/*
 * dnscache: the edge's origin and probe host names, resolved with
 * common/resolver (c-ares) and kept fresh as their TTL says.
 *
 * A name enters the cache on its first lookup and is resolved at once;
 * edge_start() and every reload look up each origin of the config, so a
 * player's first pull does not wait for DNS. From then on the cache
 * resolves the name again when its TTL runs out (clamped to
 * [resolver.min_ttl, resolver.max_ttl]), whether or not anyone asked, as
 * long as somebody looked it up within the last DNSCACHE_IDLE_US; a name
 * nobody asked for that long is dropped at its expiry instead.
 *
 *	lookup --> literal address?  --> RC_OK, out filled, no DNS
 *	       --> cached addresses? --> RC_OK, out filled (also when
 *	                                 expired while a refresh runs or
 *	                                 after it failed: serve stale,
 *	                                 RFC 8767)
 *	       --> a recent failure? --> that error, at once
 *	       --> else              --> RC_AGAIN; cb(arg, rc, res) later
 *	                                 from the loop, once the lookup ends
 *
 * When a refresh fails, the addresses in hand stay in use and the name
 * is tried again every DNSCACHE_RETRY_US; a change of addresses is
 * logged. Connections already open are never touched: the new addresses
 * serve the next connect.
 *
 * Lifecycle: dnscache_new() in edge_start() after the resolver;
 * dnscache_free() in edge_stop() before it (pending callbacks are not
 * called). Owners of a pending lookup call dnscache_cancel(c, arg) before
 * they free `arg`. Single-threaded, event loop only.
 */
#ifndef EDGE_DNSCACHE_H
#define EDGE_DNSCACHE_H

#include <stdint.h>

#include "common/resolver.h"

struct event_base;
struct dnscache;

/* Try a failed name again after this long; drop unused names after. */
#define DNSCACHE_RETRY_US (2ull * 1000 * 1000)
#define DNSCACHE_IDLE_US (600ull * 1000 * 1000)

struct dnscache_opts {
	uint64_t min_ttl_us; /* shorter TTLs count as this (0: none) */
	uint64_t max_ttl_us; /* longer TTLs count as this */
};

/*
 * New cache on `base` resolving with `r` (both borrowed; they must
 * outlive it). Startup.
 */
struct dnscache *dnscache_new(struct event_base *base, struct resolver *r,
    const struct dnscache_opts *opts);

/* Free the cache, its timers and pending lookups. NULL does nothing. */
void dnscache_free(struct dnscache *c);

/* New TTL bounds (reload); they apply from each name's next answer. */
void dnscache_set_opts(struct dnscache *c, const struct dnscache_opts *opts);

/*
 * The addresses of `host` (a DNS name, or an IPv4/IPv6 literal), port 0,
 * in the order to try them. Returns RC_OK with *out filled; the error of
 * the last lookup if it failed less than DNSCACHE_RETRY_US ago and no
 * address is known (RC_NOTFOUND, RC_TIMEOUT, RC_ERROR); or RC_AGAIN, and
 * then cb(arg, rc, res) runs once, later, from the loop (never from
 * inside this call). cb may be NULL to only warm the cache.
 */
int dnscache_lookup(struct dnscache *c, const char *host,
    struct resolver_result *out, resolver_cb_t cb, void *arg);

/* Forget every pending callback for `arg`: none of them will run. */
void dnscache_cancel(struct dnscache *c, void *arg);

/* Counters for /metrics. */
struct dnscache_stats {
	uint64_t names;	   /* names in the cache now */
	uint64_t lookups;  /* queries sent (first lookups and refreshes) */
	uint64_t failures; /* of them, failed */
	uint64_t changes;  /* answers that changed a name's addresses */
	uint64_t stale;	   /* lookups answered with expired addresses */
};
void dnscache_stats(const struct dnscache *c, struct dnscache_stats *out);

#endif
