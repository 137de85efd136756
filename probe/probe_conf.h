/*
 * probe_conf: the gslb-probe configuration file, gslb-probe.conf(5).
 *
 * One libcyaml schema table (probe_conf.c) describes the YAML file; a
 * new option is one row there, one field here, one check in
 * probe_conf_check() and one entry in doc/gslb-probe.conf.5. Every
 * problem is logged as "file:line: key.path: message" (common/conf.h).
 *
 * Numbers the file may leave out are read into the `yaml` members (NULL
 * where absent); the validation pass applies the default and fills the
 * plain member next to them. Durations are written in seconds (fractions
 * allowed: "interval: 0.5") and kept in milliseconds.
 *
 * The fleet itself (edges, their addresses, check_port and http) is not
 * here: it is the topology file shared with gslb-dnsd, named by
 * `topology` and loaded by the daemon (probe.c) next to this config.
 *
 * Lifecycle: probe_conf_load() at startup and on every reload builds a
 * whole new struct; the daemon swaps it in when it is good and frees the
 * old one with probe_conf_free(). A loaded config is read-only.
 */
#ifndef PROBE_PROBE_CONF_H
#define PROBE_PROBE_CONF_H

#include <stdbool.h>
#include <stdint.h>

#define PROBE_HTTP_PORT 8090
#define PROBE_HTTP_DEFAULT "127.0.0.1:8090"
#define PROBE_APP_DEFAULT "live"

/* Defaults (gslb-probe.conf(5) documents each with its range). */
#define PROBE_VALID_FOR 10 /* seconds */
#define PROBE_INTERVAL_MS 1000
#define PROBE_JITTER 0.1
#define PROBE_TIMEOUT_MS 1000
#define PROBE_PLAY_TIMEOUT_MS 3000
#define PROBE_RISE 2
#define PROBE_FALL 2
#define PROBE_REPORT_TIMEOUT_MS 3000

/* checks.play: the canary stream; absent means no play check. */
struct probe_conf_play {
	char *app; /* NULL: checks.app */
	char *stream;
};

struct probe_conf_checks {
	unsigned interval_ms;
	unsigned jitter_pct; /* percent, 0..50 */
	unsigned timeout_ms;
	unsigned play_timeout_ms;
	unsigned rise, fall;
	bool tcp, rtmp, http; /* filled: defaults applied */
	char *app;	      /* RTMP app of the rtmp check; never NULL */
	struct probe_conf_play *play; /* NULL: off */
	/* filled: */
	char *app_default; /* owns `app` when the file left it out */
	struct {
		double *interval;
		double *jitter;
		double *timeout;
		double *play_timeout;
		unsigned *rise;
		unsigned *fall;
		bool *tcp;
		bool *rtmp;
		bool *http;
	} yaml;
};

struct probe_conf_reports {
	unsigned timeout_ms; /* reports older than this: suspect */
	struct {
		double *timeout;
	} yaml;
};

struct probe_conf {
	char *path;	    /* the file this came from (not in YAML) */
	char *name;	    /* this probe, the feed's "probe" */
	char *topology;	    /* as written; see probe_conf_path() */
	char *http;	    /* listen address; never NULL once loaded */
	char *secret_file;  /* as written, NULL only when insecure */
	bool insecure;	    /* no secret: nothing signed or checked */
	unsigned valid_for; /* seconds, 1..86400 */
	struct probe_conf_checks checks;
	struct probe_conf_reports reports;
	/* filled: */
	char *http_default; /* owns `http` when the file left it out */
	struct {
		unsigned *valid_for;
	} yaml;
};

/*
 * Load and check `path` (borrowed). Every problem is logged as
 * "file:line: key.path: message". Returns the config (free with
 * probe_conf_free()) or NULL. Startup or reload, main thread.
 */
struct probe_conf *probe_conf_load(const char *path);

/* Free a config; NULL does nothing. */
void probe_conf_free(struct probe_conf *cf);

/* `rel` resolved against the config file's directory; caller frees. */
char *probe_conf_path(const struct probe_conf *cf, const char *rel);

#endif
