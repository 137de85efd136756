/*
 * query: one DNS request in, one response out, with no allocation.
 *
 * A worker owns one struct query as scratch space and calls
 * query_answer() for every packet. The function parses the request
 * through bounded readers, looks the name up in an immutable zonedb and
 * encodes the response into the caller's buffer. It does no I/O and reads
 * no clock, so it is unit-tested and fuzzed directly.
 *
 * Behaviour follows RFC 1034 section 4.3.2 and its updates as NSD 4 does
 * with `minimal-responses: yes`:
 *
 *   packet ──▶ header checks ──▶ question ──▶ EDNS/additional ──▶ class,
 *              (drop, NOTIMP,     (FORMERR)    (FORMERR,           AXFR/IXFR
 *               FORMERR)                        BADVERS)              │
 *                                                                     ▼
 *   response ◀── encode with truncation ◀── answer plan ◀── zone lookup
 *                (TC, minimal additional)   (RRsets per     (CNAME chain,
 *                                            section)        wildcard, cut)
 *
 * The answer plan lists RRsets by section before anything is encoded, so
 * truncation drops whole RRsets exactly as NSD does: an answer or
 * authority RRset that does not fit sets TC; additional data that does not
 * fit (or would pass 1232 bytes over UDP) is left out, and a referral
 * left with no glue address sets TC.
 */
#ifndef DNSD_QUERY_H
#define DNSD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/dname.h"
#include "dnsd/gslb.h"
#include "dnsd/zone.h"
#include "dnsd/stats.h"

struct gslb;
struct sockaddr;

#define QUERY_MAX_ITEMS 64    /* RRsets in one answer plan */
#define QUERY_MAX_COMPRESS 64 /* names remembered for compression */
#define QUERY_MAX_CNAME 18    /* CNAMEs followed, as NSD 4.10 and later */
#define QUERY_UDP_MIN 512
#define QUERY_MINIMAL_V4 1232 /* additional data stops here (UDP) */
#define QUERY_MINIMAL_V6 1220

enum query_section {
	QSEC_ANSWER,
	QSEC_AUTHORITY,
	QSEC_ADD_A,
	QSEC_ADD_AAAA,
	QSEC_COUNT,
};

struct query_item {
	const struct zrrset *set;
	const uint8_t *owner; /* NULL: the query name (pointer to offset 12) */
	uint8_t section;
};

struct query_comp {
	uint16_t pos;	     /* where the name starts in the packet */
	const uint8_t *name; /* the same name, uncompressed, in memory */
};

/* What a query is answered from: an immutable snapshot's parts. */
struct query_env {
	const struct zonedb *db;
	const struct gslb *gslb; /* dynamic pools; NULL when none */
	uint16_t udp_payload;	 /* our EDNS payload size (512..65535) */
};

/* Per-worker scratch; nothing in it outlives one query_answer() call. */
struct query {
	/* request */
	uint16_t id, flags, qtype, qclass;
	bool tcp;
	bool v6;
	const struct sockaddr *from; /* borrowed for the call */
	uint8_t qname[DNAME_MAX];    /* as received */
	uint8_t lname[DNAME_MAX];    /* lower-cased */
	struct dname_info qinfo;
	bool edns;
	bool edns_do;
	/* EDNS Client Subnet (RFC 7871) of the query, echoed with our scope */
	bool ecs;
	uint8_t ecs_source;  /* SOURCE PREFIX-LENGTH */
	uint8_t ecs_scope;   /* SCOPE PREFIX-LENGTH of our answer */
	uint16_t ecs_family; /* 1 IPv4, 2 IPv6 */
	uint8_t ecs_addr[16];
	/* Where the client is, for dynamic answers: ECS or source address. */
	int loc_family;	  /* AF_INET or AF_INET6 */
	uint8_t loc_bits; /* how many leading bits of loc_addr are known */
	uint8_t loc_addr[16];
	bool edns_badvers;
	uint16_t edns_payload;
	/* answer */
	uint8_t rcode;
	bool aa;
	bool tc;
	bool delegation;
	unsigned cname_count;
	size_t nitems;
	struct query_item items[QUERY_MAX_ITEMS];
	/* lookup scratch for the current name of a CNAME chain */
	uint8_t cur[DNAME_MAX];
	struct dname_info cinfo;
	uint32_t h[DNAME_LABELS_MAX + 1];
	/* encoding */
	size_t ncomp;
	struct query_comp comp[QUERY_MAX_COMPRESS];
	struct dnsd_stats *stats; /* borrowed; counters of this worker */
	struct gslb_worker *gw;	  /* borrowed; this worker's GSLB state */
	/* a pool's answer: one RRset made for this query */
	struct zrrset dyn;
	struct zrr dynrr[GSLB_ANSWERS_MAX];
};

/*
 * Answer one request. `pkt` is the request (len bytes), `out` receives the
 * response (cap bytes: 65535 for TCP; for UDP at least env->udp_payload).
 * `tcp` tells the transport and `from` is the client's address (borrowed;
 * its family decides glue order, and it locates clients without ECS).
 * Returns the response length, or 0 when the request is dropped without
 * an answer. Counts into q->stats. Any worker thread; env must stay valid
 * for the call.
 */
size_t query_answer(struct query *q, const struct query_env *env,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, bool tcp,
    const struct sockaddr *from);

#endif
