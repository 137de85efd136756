/*
 * gslb: choosing the edges a pool's name answers with.
 *
 * Two immutable layers, both built by the main thread:
 *
 *   struct gslb_topo   the topology compiled for answering: sites with
 *                      coordinates, edges with their addresses as RDATA,
 *                      pools, the operator maps as a binary trie, the
 *                      GeoIP database, and per-worker answer counters.
 *                      Built on start and reload; reference-counted, as
 *                      many snapshots share one.
 *   struct gslb        one snapshot of the fleet's state on that topology:
 *                      per edge usable or not and its load, per pool and
 *                      site the share of answers that spills to the next
 *                      site. Built whenever state changes, published with
 *                      the zones in one pointer swap (see dnsd.h).
 *
 * A query for a pool's name goes
 *
 *   client (ECS subnet or source) ─▶ site order ─▶ first site that serves ─▶ N edges
 *     CIDR map (most specific)          │            (has usable edges;       weighted x headroom,
 *     else GeoIP: country map,          │             spill share drawn)      bounded consistent
 *     continent map, nearest by         │                                     hash, or round robin
 *     great-circle distance, default    └─ none serves: the pool's all-down
 *                                          policy (fail-open, fallback, SERVFAIL)
 *
 * and never allocates: what a worker keeps between queries (random state,
 * round-robin counter, a cache of site orders by GeoIP record) lives in its
 * struct gslb_worker.
 *
 * The ECS scope of an answer is the prefix length over which everything
 * that decided it is the same: the trie branch and the GeoIP network, and
 * the hashed subnet for consistent hashing; 0 when the pool's answer does
 * not depend on where the client is.
 */
#ifndef DNSD_GSLB_H
#define DNSD_GSLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct geo;
struct topology;

#define GSLB_ANSWERS_MAX 16
#define GSLB_ORDER_MAX 32    /* sites tried per query */
#define GSLB_CACHE_SIZE 1024 /* site orders cached per worker */
#define GSLB_HASH_BITS_V4 24 /* client subnet hashed for select: hash */
#define GSLB_HASH_BITS_V6 56
#define GSLB_FALLBACK_DEPTH 4

enum gslb_state {
	GSLB_UNKNOWN, /* no data: treated as up */
	GSLB_UP,
	GSLB_DOWN,
	GSLB_DRAINING,
	GSLB_FULL,
	GSLB_STATES,
};

/* "unknown", "up", ... */
const char *gslb_state_str(enum gslb_state s);

/* The state of one edge, as the main thread sees it now. */
struct gslb_input {
	enum gslb_state state;
	bool has_players, has_mbps;
	double players; /* reported players */
	double mbps;	/* reported egress Mbit/s */
};

struct gslb_topo;
struct gslb;

/* Counters of one worker, indexed by pool, site and edge. */
struct gslb_counters {
	uint64_t *pool_answers;
	uint64_t *pool_failopen;
	uint64_t *pool_servfail;
	uint64_t *site_answers;
	uint64_t *edge_answers;
};

/*
 * Compile `t` (borrowed; the result copies what it needs) with the GeoIP
 * database `geo` (owned from now on, may be NULL) for `nworkers` counter
 * slots. Startup or reload, main thread. Free with gslb_topo_unref().
 */
struct gslb_topo *gslb_topo_new(const struct topology *t, struct geo *geo,
    unsigned nworkers);
void gslb_topo_ref(struct gslb_topo *tp);
void gslb_topo_unref(struct gslb_topo *tp);

/* The pool named by a lower-case wire name, or -1. */
int gslb_topo_pool(const struct gslb_topo *tp, const uint8_t *lname);
unsigned gslb_topo_npools(const struct gslb_topo *tp);
/* Pool i's name, lower-case wire form. */
const uint8_t *gslb_topo_pool_wire(const struct gslb_topo *tp, unsigned i);
unsigned gslb_topo_nsites(const struct gslb_topo *tp);
unsigned gslb_topo_nedges(const struct gslb_topo *tp);
const char *gslb_topo_pool_name(const struct gslb_topo *tp, unsigned i);
const char *gslb_topo_site_name(const struct gslb_topo *tp, unsigned i);
const char *gslb_topo_edge_name(const struct gslb_topo *tp, unsigned i);
unsigned gslb_topo_edge_site(const struct gslb_topo *tp, unsigned i);
/* Counter slot `worker` (0 .. nworkers-1). */
struct gslb_counters *gslb_topo_counters(struct gslb_topo *tp, unsigned worker);
unsigned gslb_topo_nworkers(const struct gslb_topo *tp);

/*
 * The sum over every worker slot of one counter: `off` is the offset of
 * an array in struct gslb_counters (offsetof), `i` the pool, site or edge.
 * Any thread (relaxed reads of single-writer counters).
 */
uint64_t gslb_topo_counter_total(const struct gslb_topo *tp, size_t off,
    unsigned i);

/*
 * Carry the answer counters of `old` over to `tp` by pool, site and edge
 * name, so that a reload does not reset them. Main thread, before `tp` is
 * published.
 */
void gslb_topo_carry_counters(struct gslb_topo *tp,
    const struct gslb_topo *old);

/*
 * Spill-over hysteresis per pool and site, kept by the main thread from
 * one snapshot to the next (gslb_new() reads and updates it). Sized by
 * gslb_hyst_new() for a topology; free with free().
 */
struct gslb_hyst;
struct gslb_hyst *gslb_hyst_new(const struct gslb_topo *tp);

/*
 * A snapshot: `in` has one entry per edge of `tp` (borrowed). Takes a
 * reference on tp. Main thread. Free with gslb_free().
 */
struct gslb *gslb_new(struct gslb_topo *tp, const struct gslb_input *in,
    struct gslb_hyst *hyst);
void gslb_free(struct gslb *g);
struct gslb_topo *gslb_topo_of(const struct gslb *g);

/* Effective view of edge i, for status pages. */
bool gslb_edge_usable(const struct gslb *g, unsigned i);
double gslb_edge_load(const struct gslb *g, unsigned i); /* <0: unknown */
double gslb_site_load(const struct gslb *g, unsigned site);
double gslb_spill_share(const struct gslb *g, unsigned pool, unsigned site);

/* What a worker keeps between queries. */
struct gslb_cache_entry {
	uint64_t topo_id; /* the topology the order is for (0: empty) */
	uint32_t offset;  /* GeoIP record */
	uint8_t n;
	uint8_t order[GSLB_ORDER_MAX];
};

struct gslb_worker {
	unsigned slot; /* counter slot */
	uint64_t rng;
	uint32_t rr;
	struct gslb_cache_entry cache[GSLB_CACHE_SIZE];
};

/* Initialise a worker's scratch; `seed` differs per worker. */
void gslb_worker_init(struct gslb_worker *w, unsigned slot, uint64_t seed);

/* Where the client is: the address and how many bits of it are known. */
struct gslb_client {
	int family; /* AF_INET or AF_INET6 */
	unsigned bits;
	const uint8_t *addr; /* 4 or 16 bytes */
};

struct gslb_result {
	unsigned n;
	const uint8_t *rdata[GSLB_ANSWERS_MAX]; /* 4 or 16 bytes each */
	unsigned edge[GSLB_ANSWERS_MAX];
	uint16_t rdlen;
	uint32_t ttl;
	uint8_t scope; /* ECS scope prefix length */
	bool servfail;
	bool failopen;
	int site; /* the site that answered, -1 if none */
};

/*
 * Answer a query for pool `pool` and address family `v6` (AAAA) from
 * client `c`. Fills `r`; r->n may be 0 (no edge has an address of that
 * family: NODATA). Any worker thread; allocation-free.
 */
void gslb_answer(const struct gslb *g, struct gslb_worker *w, unsigned pool,
    bool v6, const struct gslb_client *c, struct gslb_result *r);

/*
 * The same decision, written out for a person: location, sites in order
 * and why each was skipped or chosen, edges considered. Returns the
 * length written (truncated to len). Main thread.
 */
size_t gslb_explain(const struct gslb *g, unsigned pool, bool v6,
    const struct gslb_client *c, char *buf, size_t len);

#endif
