/*
 * topology: the streaming fleet (sites, edges, pools, client maps), read
 * from one YAML file by gslb-dnsd and gslb-probe.
 *
 * The fleet is described once, so no operator ever lists an edge twice:
 *
 *	sites  where edges live: a name, coordinates, country, continent
 *	edges  one RTMP server each: site, addresses, weight, capacity, and
 *	       where the probe checks it (check_port, http)
 *	pools  a DNS name answered dynamically: how edges are picked inside a
 *	       site (select, answers), which sites take part, what happens
 *	       when every edge is down (all_down, fallback) and when load
 *	       spills to the next site (spill_high, spill_low)
 *	maps   which sites a client tries, in order: by network (longest
 *	       prefix), else by country, else by continent, else `default`
 *
 * The file's format, every key and every default are in gslb-topology(5).
 *
 * topology_load() reads the file with conf_load() (common/conf.h), so the
 * structs below are libcyaml's, then a validation pass applies defaults,
 * resolves every name to an index and reports every problem at once as
 *
 *	file:line: key.path: message	(e.g. "t.yaml:12: edges[1].site: ...")
 *
 * Members marked "filled" are not in the file: topology_load() computes
 * them (derived arrays are plain heap memory that topology_free() releases
 * before libcyaml's). The `yaml` members hold optional numbers as written
 * (NULL where left out) and are only for topology.c; read the plain member
 * next to them, which has the default applied.
 *
 * Lifecycle: load at startup and on every reload (main thread), use the
 * result read-only from any thread, free it with topology_free() once no
 * reader can still see it. A reload builds a whole new topology; a failed
 * load returns NULL and changes nothing.
 */
#ifndef COMMON_TOPOLOGY_H
#define COMMON_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Defaults and limits, as gslb-topology(5) documents them. */
#define TOPO_NAME_MAX 63 /* site and edge names */
#define TOPO_WEIGHT_DEFAULT 100
#define TOPO_WEIGHT_MAX 1000000
#define TOPO_CHECK_PORT_DEFAULT 1935
#define TOPO_ANSWERS_DEFAULT 1
#define TOPO_ANSWERS_MAX 16
#define TOPO_TTL_DEFAULT 30
#define TOPO_TTL_MAX 86400
#define TOPO_SPILL_HIGH_DEFAULT 0.8
#define TOPO_SPILL_LOW_DEFAULT 0.7
#define TOPO_HASH_BOUND_DEFAULT 1.25
#define TOPO_HASH_BOUND_MIN 1.0
#define TOPO_HASH_BOUND_MAX 10.0

struct topo_site {
	char *name;	  /* [a-z0-9-]+, unique */
	double latitude;  /* -90..90 */
	double longitude; /* -180..180 */
	char *country;	  /* ISO 3166 alpha-2, upper-case; NULL if not given */
	char *continent;  /* AF AN AS EU NA OC SA; NULL if not given */
	/* filled: */
	unsigned *edge_idx; /* this site's edges, in file order */
	unsigned nedges;
};

/* An edge's size, for load fractions; 0 means unknown. */
struct topo_capacity {
	unsigned players;
	unsigned mbps;
};

struct topo_edge {
	char *name;			/* [A-Za-z0-9._-]+, unique */
	char *site;			/* a site's name; see site_idx */
	char *ipv4;			/* as written, NULL if none; see a4 */
	char *ipv6;			/* as written, NULL if none; see a6 */
	unsigned weight;		/* filled: 1..TOPO_WEIGHT_MAX */
	struct topo_capacity *capacity; /* NULL if not given (unknown) */
	unsigned check_port;		/* filled: RTMP port the probe checks */
	char *http; /* address:port of the edge's /v1/load, or NULL */
	/* filled: */
	unsigned site_idx;
	bool has4, has6;
	struct in_addr a4;
	struct in6_addr a6;
	bool has_http;
	struct sockaddr_storage http_addr; /* when has_http */
	socklen_t http_addrlen;
	struct {
		unsigned *weight;
		unsigned *check_port;
	} yaml;
};

/* How a pool picks edges inside one site. */
enum topo_select {
	TOPO_SELECT_WEIGHTED,	/* random, in proportion to weight */
	TOPO_SELECT_HASH,	/* consistent hash of the client, bounded */
	TOPO_SELECT_ROUNDROBIN, /* rotate, weights ignored */
};

/* What a pool answers when none of its edges is up. */
enum topo_all_down {
	TOPO_ALL_DOWN_FAIL_OPEN, /* answer as if every edge were up */
	TOPO_ALL_DOWN_FALLBACK,	 /* answer from the fallback pool */
	TOPO_ALL_DOWN_SERVFAIL,	 /* answer SERVFAIL */
};

struct topo_pool {
	char *name; /* DNS name: lower-case, no trailing dot */
	enum topo_select select;
	unsigned answers; /* filled: addresses per answer, 1..16 */
	unsigned ttl;	  /* filled: 0..86400 */
	char **sites;	  /* as written (NULL: all sites); see site_idx */
	unsigned sites_count;
	enum topo_all_down all_down;
	char *fallback;	   /* a pool's name iff all_down is FALLBACK */
	double spill_high; /* filled: 0 < spill_low < spill_high <= 1 */
	double spill_low;  /* filled */
	double hash_bound; /* filled: 1..10 */
	/* filled: */
	unsigned *site_idx; /* the pool's sites, ascending (a set) */
	unsigned nsites;
	int fallback_idx; /* -1 if none */
	struct {
		unsigned *answers;
		unsigned *ttl;
		double *spill_high;
		double *spill_low;
		double *hash_bound;
	} yaml;
};

/* maps.networks[]: clients inside cidr try `sites` in that order. */
struct topo_map_net {
	char *cidr;
	char **sites;
	unsigned sites_count;
	/* filled: */
	int family;	    /* AF_INET or AF_INET6 */
	uint8_t addr[16];   /* network address (4 bytes used for IPv4) */
	unsigned prefix;    /* 0..32 or 0..128 */
	unsigned *site_idx; /* sites_count entries, in the file's order */
};

/* maps.countries[]: clients located in `country` try `sites`. */
struct topo_map_country {
	char *country; /* ISO 3166 alpha-2, upper-case */
	char **sites;
	unsigned sites_count;
	unsigned *site_idx; /* filled: sites_count entries */
};

/* maps.continents[]: clients located in `continent` try `sites`. */
struct topo_map_continent {
	char *continent; /* AF AN AS EU NA OC SA */
	char **sites;
	unsigned sites_count;
	unsigned *site_idx; /* filled: sites_count entries */
};

/*
 * A client's site order comes from the most specific entry that matches:
 * the network with the longest prefix containing its address (or its
 * EDNS client subnet), else its country, else its continent, else
 * `default`. Sites that a pool does not include are skipped.
 */
struct topo_maps {
	char **default_sites; /* as written, NULL if not given */
	unsigned default_sites_count;
	struct topo_map_net *networks;
	unsigned networks_count;
	struct topo_map_country *countries;
	unsigned countries_count;
	struct topo_map_continent *continents;
	unsigned continents_count;
	/* filled: */
	unsigned *default_idx; /* default_sites, or every site in file order */
	unsigned ndefault;
};

struct topology {
	char *path; /* filled: the file it came from */
	struct topo_site *sites;
	unsigned sites_count;
	struct topo_edge *edges;
	unsigned edges_count;
	struct topo_pool *pools;
	unsigned pools_count;
	struct topo_maps *maps; /* never NULL once loaded (see has_maps) */
	/* filled: */
	bool has_maps; /* false: the file had no maps, *maps is our own */
};

/*
 * Optional check of a pool's name against the caller's zones (dnsd: "is
 * it inside a zone I serve?"). `pool_name` is lower-case without the
 * trailing dot, borrowed for the call; `arg` is the caller's.
 */
typedef bool (*topology_zone_cb_t)(const char *pool_name, void *arg);

/*
 * Load and validate the topology file `path` (borrowed). Every problem is
 * logged at LOG_ERR as "path:line: key.path: message" (through
 * conf_error()); doubtful but valid things (a site without edges) are
 * logged as warnings. When `in_zone` is not NULL it is called once per
 * valid pool name with `arg`, and a name it rejects is an error
 * "pools[i].name: NAME is not inside any zone served".
 *
 * Returns the topology, defaults applied and every name resolved to an
 * index (free with topology_free()), or NULL if the file cannot be read
 * or has any error. Startup or reload, main thread.
 */
struct topology *topology_load(const char *path, topology_zone_cb_t in_zone,
    void *arg);

/* Free a topology and everything in it. NULL does nothing. */
void topology_free(struct topology *t);

/* Index of the site called `name` (exact match), or -1. Anywhere. */
int topology_site_find(const struct topology *t, const char *name);

/* Index of the edge called `name` (exact match), or -1. Anywhere. */
int topology_edge_find(const struct topology *t, const char *name);

/*
 * Index of the pool called `name`, or -1. Case-insensitive; one trailing
 * dot on `name` is ignored ("Live.Stream.Example." finds
 * live.stream.example). A linear scan: for setup, not per query.
 * Anywhere.
 */
int topology_pool_find(const struct topology *t, const char *name);

/* Whether site index `site` takes part in pool `p` (binary search). */
bool topology_pool_has_site(const struct topo_pool *p, unsigned site);

#endif
