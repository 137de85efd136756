/*
 * edge_conf: the gslb-edge configuration file, gslb-edge.conf(5).
 *
 * The YAML file is described by one libcyaml schema table (edge_conf.c);
 * a new option is one row there, one field here, one check in
 * edge_conf_check() and one entry in doc/gslb-edge.conf.5. Every problem
 * is logged as "file:line: key.path: message" (common/conf.h).
 *
 * Numbers the file may leave out are read into the `yaml` members
 * (NULL where absent, since libcyaml zeroes absent fields and 0 is
 * legal for some); the validation pass applies the default and fills the
 * plain member next to them. Durations are written in seconds (fractions
 * allowed: "silent_timeout: 1.5") and kept in milliseconds.
 *
 * Lifecycle: edge_conf_load() at startup and on every reload builds a
 * whole new struct; the daemon swaps it in when it is good and frees the
 * old one with edge_conf_free(). A loaded config is read-only, so
 * edge_conf_route_match() may run on it from any thread.
 */
#ifndef EDGE_EDGE_CONF_H
#define EDGE_EDGE_CONF_H

#include <stdint.h>

#define EDGE_RTMP_PORT 1935
#define EDGE_HTTP_DEFAULT "127.0.0.1:8081"
#define EDGE_HOST_MAX 253 /* longest origin host name */

/* Defaults (gslb-edge.conf(5) documents each with its range). */
#define EDGE_MAX_PLAYERS 1000
#define EDGE_MAX_MESSAGE_BYTES (8u * 1024 * 1024)
#define EDGE_HANDSHAKE_TIMEOUT_MS 5000
#define EDGE_IDLE_TIMEOUT_MS 30000
#define EDGE_PLAYER_QUEUE_BYTES (4u * 1024 * 1024)
#define EDGE_PLAYER_STALL_TIMEOUT_MS 10000
#define EDGE_MERGE_WRITE_MS 100
#define EDGE_GOP_CACHE_BYTES (8u * 1024 * 1024)
#define EDGE_CONNECT_TIMEOUT_MS 3000
#define EDGE_SILENT_TIMEOUT_MS 1500
#define EDGE_LINGER_MS 5000
#define EDGE_NOTFOUND_CACHE_MS 3000
#define EDGE_DRAIN_GRACE_MS 40000
#define EDGE_DRAIN_DEADLINE_MS 600000
#define EDGE_REPORT_INTERVAL_MS 1000
#define EDGE_RESOLVER_TIMEOUT_MS 2000
#define EDGE_RESOLVER_MIN_TTL_MS 1000
#define EDGE_RESOLVER_MAX_TTL_MS 300000
#define EDGE_DNS_PORT 53

/* What a route does with a player's stream. */
enum edge_route_mode {
	EDGE_MODE_LIVE, /* one upstream pull per stream, fanned out */
	EDGE_MODE_VOD,	/* one upstream session per player, relayed */
};

/* One parsed origin: a host name or address, and a port. */
struct edge_origin {
	char host[EDGE_HOST_MAX + 1]; /* name, IPv4 or IPv6 (no brackets) */
	uint16_t port;
};

/* routes[]: which origins serve an app (and stream name pattern). */
struct edge_conf_route {
	char *app;    /* exact RTMP app name, or "*" for any */
	char *stream; /* fnmatch(3) pattern, or NULL for any stream */
	char **origins;
	unsigned origins_count;
	enum edge_route_mode mode; /* default live */
	/* filled: origins[] parsed, in the same order */
	struct edge_origin *origin;
};

struct edge_conf_limits {
	unsigned max_players;
	unsigned max_egress_mbps; /* 0: no limit */
	unsigned max_message_bytes;
	unsigned handshake_timeout_ms;
	unsigned idle_timeout_ms;
	unsigned player_queue_bytes;
	unsigned player_stall_timeout_ms;
	unsigned merge_write_ms;  /* 0: write every frame at once */
	unsigned gop_cache_bytes; /* 0: no GOP cache */
	struct {
		unsigned *max_players;
		unsigned *max_egress_mbps;
		unsigned *max_message_bytes;
		double *handshake_timeout;
		double *idle_timeout;
		unsigned *player_queue_bytes;
		double *player_stall_timeout;
		double *merge_write;
		unsigned *gop_cache_bytes;
	} yaml;
};

struct edge_conf_upstream {
	unsigned connect_timeout_ms;
	unsigned silent_timeout_ms; /* no media this long: fail over */
	unsigned linger_ms;	    /* keep a pull after its last player */
	unsigned notfound_cache_ms; /* remember "no origin has it" */
	struct {
		double *connect_timeout;
		double *silent_timeout;
		double *linger;
		double *notfound_cache;
	} yaml;
};

struct edge_conf_drain {
	unsigned grace_ms;    /* keep serving while DNS moves away */
	unsigned deadline_ms; /* then close whoever is left */
	struct {
		double *grace;
		double *deadline;
	} yaml;
};

/* The load reports to the probes (doc/state-protocol.md). */
struct edge_conf_report {
	char **urls;
	unsigned urls_count;
	char *secret_file; /* as written; see edge_conf_path() */
	unsigned interval_ms;
	struct {
		double *interval;
	} yaml;
};

/* How origin and probe host names are resolved (edge/dnscache.h). */
struct edge_conf_resolver {
	char **servers; /* "address[:port]"; none: /etc/resolv.conf */
	unsigned servers_count;
	unsigned timeout_ms; /* per try; c-ares tries each server twice */
	unsigned min_ttl_ms; /* answers are kept at least this long */
	unsigned max_ttl_ms; /* and at most this long */
	struct {
		double *timeout;
		double *min_ttl;
		double *max_ttl;
	} yaml;
	/* filled: servers[] as c-ares' "ip:port,[v6]:port" list, or NULL */
	char *servers_csv;
};

struct edge_conf {
	char *path;	/* the file this came from (not in YAML) */
	char *name;	/* this edge, as named in the topology */
	char *topology; /* the fleet file, or NULL; see edge_conf_path() */
	char **listen;	/* RTMP addresses, "address[:port]" */
	unsigned listen_count;
	char *http; /* /metrics, /v1/stats, /v1/load, drain; never NULL */
	struct edge_conf_route *routes;
	unsigned routes_count;
	struct edge_conf_limits limits;
	struct edge_conf_upstream upstream;
	struct edge_conf_drain drain;
	struct edge_conf_report *report; /* NULL: no reports */
	struct edge_conf_resolver resolver;
	char *access_log; /* or NULL */
	char *pidfile;	  /* or NULL */
	/* filled: */
	char *http_default; /* owns `http` when the file left it out */
};

/*
 * Load and check `path` (borrowed). Every problem is logged as
 * "file:line: key.path: message". Returns the config (free with
 * edge_conf_free()) or NULL. Startup or reload, main thread.
 */
struct edge_conf *edge_conf_load(const char *path);

/* Free a config; NULL does nothing. */
void edge_conf_free(struct edge_conf *cf);

/*
 * The first route whose app is `app` (exact, case-sensitive) or "*" and
 * whose stream pattern, if any, matches `stream` (fnmatch(3), no flags;
 * pass the stream name without any "?query"). NULL when none does, or
 * when app or stream is NULL. Pure; the result is borrowed from `cf`.
 */
const struct edge_conf_route *edge_conf_route_match(const struct edge_conf *cf,
    const char *app, const char *stream);

/*
 * Parse an origin "host", "host:port", "[v6]", "[v6]:port" or a bare
 * IPv6 address into `out`, the port defaulting to 1935. A host is a DNS
 * name (labels of letters, digits and '-', at most 253 bytes) or an IPv4
 * address; ports are 1..65535. Returns 0, or -1 for anything else. Pure.
 */
int edge_origin_parse(const char *s, struct edge_origin *out);

/* `rel` resolved against the config file's directory; caller frees. */
char *edge_conf_path(const struct edge_conf *cf, const char *rel);

#endif
