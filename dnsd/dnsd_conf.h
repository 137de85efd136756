/*
 * dnsd_conf: the gslb-dnsd configuration file.
 *
 * The YAML file is described by one libcyaml schema table (dnsd_conf.c);
 * a new option is one row there, one field here, one check in
 * dnsd_conf_check() and one entry in gslb-dnsd.conf(5). Relative zone
 * file paths resolve against the config file's directory.
 *
 * Lifecycle: dnsd_conf_load() at startup and on every reload builds a
 * whole new struct; the daemon swaps it in only when it and every zone
 * loaded, and frees the old one with dnsd_conf_free().
 */
#ifndef DNSD_DNSD_CONF_H
#define DNSD_DNSD_CONF_H

#include <stdint.h>

#define DNSD_DEFAULT_PORT 53
#define DNSD_DEFAULT_UDP_PAYLOAD 1232
#define DNSD_DEFAULT_TCP_IDLE 10
#define DNSD_DEFAULT_TCP_MAX 1024
#define DNSD_WORKERS_MAX 64
#define DNSD_STATE_WAIT 30
#define DNSD_STALE_KEEP 30

struct dnsd_conf_zone {
	char *name;
	char *file; /* as written; see dnsd_conf_zone_path() */
};

/* The probes' state feed (doc/state-protocol.md). */
struct dnsd_conf_state {
	char **urls;
	unsigned urls_count;
	char *secret_file;
	unsigned wait;	      /* long-poll seconds, default 30 */
	unsigned *stale_keep; /* as written; see stale_keep_s */
	char *stale_then;     /* up | down | unknown (default up) */
	unsigned quorum;      /* probes that must say down; 0: majority */
	/* filled: */
	unsigned stale_keep_s;
	int stale_then_state; /* enum gslb_state */
};

struct dnsd_conf {
	char *path; /* the file this came from (not in YAML) */
	char **listen;
	unsigned listen_count;
	struct dnsd_conf_zone *zones;
	unsigned zones_count;
	unsigned workers;	   /* UDP threads per address; 0 = per core */
	unsigned udp_payload;	   /* our EDNS payload size */
	unsigned tcp_idle_timeout; /* seconds */
	unsigned tcp_max_clients;
	char *topology;	   /* the fleet (sites, edges, pools), or NULL */
	char *admin_state; /* file of operator overrides, or NULL */
	struct dnsd_conf_state *state; /* NULL: no feed */
	char *geoip;   /* GeoIP2 City or Country database, or NULL */
	char *control; /* HTTP address for /metrics, or NULL */
	char *pidfile;
};

/*
 * Load and check `path`. Every problem is logged as `file:line: ...`.
 * Returns the config (free with dnsd_conf_free()) or NULL. Startup or
 * reload, main thread.
 */
struct dnsd_conf *dnsd_conf_load(const char *path);

/* Free a config; NULL does nothing. */
void dnsd_conf_free(struct dnsd_conf *cf);

/* `rel` resolved against the config file's directory; caller frees. */
char *dnsd_conf_path(const struct dnsd_conf *cf, const char *rel);

/* Path of zone i, resolved against the config's directory; caller frees. */
char *dnsd_conf_zone_path(const struct dnsd_conf *cf, unsigned i);

#endif
