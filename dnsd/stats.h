/*
 * stats: per-worker counters of gslb-dnsd.
 *
 * Each query worker owns one struct dnsd_stats and is its only writer, so
 * counting is a plain increment; readers (the metrics page) sum the
 * workers' copies with relaxed atomic loads and may see a count a few
 * queries old, never a torn one on the platforms we build for.
 */
#ifndef DNSD_STATS_H
#define DNSD_STATS_H

#include <stdint.h>

enum stats_transport {
	STATS_UDP,
	STATS_TCP,
	STATS_TRANSPORTS
};

/* Response codes we count by name; index = RCODE, 16 = BADVERS. */
#define STATS_RCODES 17

enum stats_drop {
	STATS_DROP_SHORT,    /* shorter than a header */
	STATS_DROP_RESPONSE, /* QR set */
	STATS_DROP_TOOBIG,   /* TCP length over our limit */
	STATS_DROPS,
};

/* Query types counted by name; anything else is "other". */
enum stats_qtype {
	STATS_QT_A,
	STATS_QT_AAAA,
	STATS_QT_NS,
	STATS_QT_CNAME,
	STATS_QT_SOA,
	STATS_QT_PTR,
	STATS_QT_MX,
	STATS_QT_TXT,
	STATS_QT_SRV,
	STATS_QT_DS,
	STATS_QT_ANY,
	STATS_QT_OTHER,
	STATS_QTYPES,
};

struct dnsd_stats {
	uint64_t qtype[STATS_QTYPES];
	uint64_t queries[STATS_TRANSPORTS];
	uint64_t rcode[STATS_RCODES];
	uint64_t dropped[STATS_DROPS];
	uint64_t truncated;
	uint64_t edns;
	uint64_t qtype_any;
	uint64_t udp_batches; /* recvmmsg() calls that returned data */
	uint64_t ecs;	      /* queries with an ECS option */
};

/* Single-writer counters: plain loads and stores, never torn. */
#define STATS_INC(x)                                                        \
	__atomic_store_n(&(x), __atomic_load_n(&(x), __ATOMIC_RELAXED) + 1, \
	    __ATOMIC_RELAXED)
#define STATS_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* "NOERROR", "FORMERR", ... for index i of rcode[]. */
const char *stats_rcode_name(unsigned i);
/* The counter index of a query type, and its name ("A", ..., "other"). */
unsigned stats_qtype_index(uint16_t qtype);
const char *stats_qtype_name(unsigned i);

/* "short", "response", ... */
const char *stats_drop_name(unsigned i);

#endif
