/*
 * zone: authoritative zone data, compiled for lookups without allocation.
 *
 * A zone file is parsed with ldns once, at load, into nodes that live in the
 * zone database's arena. Each node is one owner name (lower-cased wire
 * form) that exists in the zone: names with data and every empty
 * non-terminal between them and the apex. Nodes are found through an
 * open-addressing hash table keyed by the name's suffix hash (see
 * dname_hash_suffixes()), so a lookup walks up a query name's suffixes and
 * probes without rehashing.
 *
 *   zonedb ──table by apex──▶ zone ──table by name──▶ znode ──▶ zrrset ──▶ zrr[]
 *                              │                        │
 *                              └─ parent (enclosing     ├─ parent, wildcard child
 *                                 zone we also serve)   └─ deleg: highest NS cut
 *                                                          at or above the node
 *
 * RRsets keep zone-file order, and RRs keep their order within an RRset;
 * identical RRs are merged. RDATA is stored uncompressed, in the zone file's
 * letter case. Everything is immutable once built: a zonedb is published to
 * the query workers as a whole and freed as a whole.
 */
#ifndef DNSD_ZONE_H
#define DNSD_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/dname.h"

struct arena;

struct zrr {
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};

struct znode;

struct zrrset {
	struct zrrset *next;
	uint16_t type;
	uint16_t count;
	struct zrr *rrs;
	/* NS only: the in-zone node each RR's target names, or NULL. */
	struct znode **targets;
};

#define ZNODE_APEX 0x01

struct znode {
	const uint8_t *name; /* lower-case wire form */
	uint32_t hash;
	uint8_t namelen;
	uint8_t labels;
	uint8_t flags;
	uint16_t pool;		/* 1 + the GSLB pool named here, 0: none */
	struct znode *parent;	/* NULL at the apex */
	struct znode *wildcard; /* the "*" child, if any */
	struct znode *deleg;	/* highest node with NS between here and apex */
	struct zrrset *rrsets;
};

struct zone {
	const uint8_t *origin; /* lower-case wire form */
	uint8_t originlen;
	uint8_t labels;
	uint32_t hash;
	struct znode *apex;
	const struct zrrset *soa;
	/* The SOA with the RFC 2308 negative TTL, min(TTL, MINIMUM). */
	struct zrrset soa_neg;
	struct zrr soa_neg_rr;
	uint32_t serial;
	struct znode **table;
	uint32_t mask;
	uint32_t nnodes;
	struct zone *parent; /* an enclosing zone we also serve, for DS */
	const char *name;    /* presentation form, for logs */
	const char *file;
};

/* One zone to load: name (presentation form) and file path. */
struct zone_source {
	const char *name;
	const char *file;
};

/* A dynamic name (a GSLB pool): lower-case wire form and pool index. */
struct zone_pool {
	const uint8_t *name;
	unsigned index;
};

/* A whole, immutable set of zones. */
struct zonedb {
	struct arena *arena;
	struct zone **zones;
	size_t nzones;
	struct zone **table; /* by apex hash */
	uint32_t mask;
	unsigned refs; /* snapshots sharing it; main thread */
};

/*
 * Load every zone in `src` (n of them). Each of the `npools` pool names
 * becomes a node of the most specific zone that contains it, marked with
 * its pool (a name inside no zone is an error). Every problem is logged
 * as `file:line: message`; RC_CONFIG if any zone failed, else RC_OK with
 * *out set (free with zonedb_free()). Startup or reload, main thread.
 */
int zonedb_load(const struct zone_source *src, size_t n,
    const struct zone_pool *pools, size_t npools, struct zonedb **out);

/* Free a database; NULL is fine. */
void zonedb_free(struct zonedb *db);

/*
 * The most specific zone enclosing a lower-case name, given its label
 * offsets and suffix hashes; *label is set to the index of the label where
 * the zone's apex starts. NULL when we serve no enclosing zone. Any thread.
 */
struct zone *zonedb_find(const struct zonedb *db, const uint8_t *name,
    const struct dname_info *info, const uint32_t *h, unsigned *label);

/* The node for an exact lower-case name, or NULL. Any thread. */
struct znode *zone_node(const struct zone *z, const uint8_t *name,
    uint32_t hash);

/* The RRset of `type` at `n`, or NULL. */
const struct zrrset *znode_rrset(const struct znode *n, uint16_t type);

#endif
