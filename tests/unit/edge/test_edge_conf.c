#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/log_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "edge/edge_conf.h"

/* Set by the Makefile: the source tree, for tests/data and doc/examples. */
#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#define DATADIR TOP_SRCDIR "/tests/data/edge/"

#define WANT_MAX 16

/* Log lines captured while a test runs. */
static struct {
	struct log_capture cap;
} fx;

static int group_setup(void **state);
static int group_teardown(void **state);
static int setup(void **state);
static void test_edge_conf_good(void **state);
static void test_edge_conf_defaults(void **state);
static void test_edge_conf_example(void **state);
static void test_edge_conf_errors(void **state);
static void test_edge_conf_missing_file(void **state);
static void test_edge_origin_parse(void **state);
static void test_edge_conf_route_match(void **state);

static int
group_setup(void **state)
{
	(void)state;
	log_capture_start(&fx.cap);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	log_capture_stop();
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	log_capture_reset(&fx.cap);
	return 0;
}

/* ---- A good file: every key as written ---- */

static void
test_edge_conf_good(void **state)
{
	struct edge_conf *cf;
	const struct edge_conf_route *r;
	char *p;

	(void)state;
	cf = edge_conf_load(DATADIR "good.yaml");
	if (cf == NULL)
		log_capture_print(&fx.cap);
	assert_non_null(cf);
	assert_int_equal(fx.cap.n, 0);
	assert_string_equal(cf->path, DATADIR "good.yaml");
	assert_string_equal(cf->name, "lon-1");
	assert_string_equal(cf->topology, "topology.yaml");
	p = edge_conf_path(cf, cf->topology);
	assert_string_equal(p, DATADIR "topology.yaml");
	free(p);
	assert_int_equal(cf->listen_count, 2);
	assert_string_equal(cf->listen[1], "[2001:db8::10]:1935");
	assert_string_equal(cf->http, "127.0.0.1:9090");

	assert_int_equal(cf->routes_count, 4);
	r = &cf->routes[0];
	assert_string_equal(r->app, "live");
	assert_string_equal(r->stream, "sport-*");
	assert_int_equal(r->mode, EDGE_MODE_LIVE);
	assert_int_equal(r->origins_count, 2);
	assert_string_equal(r->origin[0].host, "origin-a.example");
	assert_int_equal(r->origin[0].port, 1936);
	assert_string_equal(r->origin[1].host, "2001:db8::1");
	assert_int_equal(r->origin[1].port, 1935);
	r = &cf->routes[1];
	assert_null(r->stream);
	assert_string_equal(r->origin[1].host, "192.0.2.50");
	assert_int_equal(r->origin[1].port, 19350);
	assert_int_equal(cf->routes[2].mode, EDGE_MODE_VOD);

	assert_int_equal(cf->limits.max_players, 5000);
	assert_int_equal(cf->limits.max_egress_mbps, 10000);
	assert_int_equal(cf->limits.max_message_bytes, 1048576);
	assert_int_equal(cf->limits.handshake_timeout_ms, 2500);
	assert_int_equal(cf->limits.idle_timeout_ms, 20000);
	assert_int_equal(cf->limits.player_queue_bytes, 2097152);
	assert_int_equal(cf->limits.player_stall_timeout_ms, 8000);
	assert_int_equal(cf->limits.gop_cache_bytes, 0);
	assert_int_equal(cf->upstream.connect_timeout_ms, 2000);
	assert_int_equal(cf->upstream.silent_timeout_ms, 1250);
	assert_int_equal(cf->upstream.linger_ms, 0);
	assert_int_equal(cf->upstream.notfound_cache_ms, 0);
	assert_int_equal(cf->drain.grace_ms, 0);
	assert_int_equal(cf->drain.deadline_ms, 120000);
	assert_non_null(cf->report);
	assert_int_equal(cf->report->urls_count, 2);
	assert_string_equal(cf->report->secret_file, "secret.key");
	assert_int_equal(cf->report->interval_ms, 500);
	assert_int_equal(cf->resolver.servers_count, 2);
	assert_string_equal(cf->resolver.servers_csv,
	    "192.0.2.53:53,[2001:db8::53]:5353");
	assert_int_equal(cf->resolver.timeout_ms, 1500);
	assert_int_equal(cf->resolver.min_ttl_ms, 2000);
	assert_int_equal(cf->resolver.max_ttl_ms, 600000);
	assert_string_equal(cf->access_log, "/var/log/gslb-edge/access.log");
	assert_string_equal(cf->pidfile, "/run/gslb-edge.pid");
	edge_conf_free(cf);
}

/* ---- Only the required keys: every default applied ---- */

static void
test_edge_conf_defaults(void **state)
{
	struct edge_conf *cf;

	(void)state;
	cf = edge_conf_load(DATADIR "minimal.yaml");
	if (cf == NULL)
		log_capture_print(&fx.cap);
	assert_non_null(cf);
	assert_int_equal(fx.cap.n, 0);
	assert_null(cf->topology);
	assert_string_equal(cf->http, "127.0.0.1:8081");
	assert_int_equal(cf->routes[0].mode, EDGE_MODE_LIVE);
	assert_null(cf->routes[0].stream);
	assert_int_equal(cf->routes[0].origin[0].port, 1935);
	assert_int_equal(cf->limits.max_players, 1000);
	assert_int_equal(cf->limits.max_egress_mbps, 0);
	assert_int_equal(cf->limits.max_message_bytes, 8 * 1024 * 1024);
	assert_int_equal(cf->limits.handshake_timeout_ms, 5000);
	assert_int_equal(cf->limits.idle_timeout_ms, 30000);
	assert_int_equal(cf->limits.player_queue_bytes, 4 * 1024 * 1024);
	assert_int_equal(cf->limits.player_stall_timeout_ms, 10000);
	assert_int_equal(cf->limits.gop_cache_bytes, 8 * 1024 * 1024);
	assert_int_equal(cf->upstream.connect_timeout_ms, 3000);
	assert_int_equal(cf->upstream.silent_timeout_ms, 1500);
	assert_int_equal(cf->upstream.linger_ms, 5000);
	assert_int_equal(cf->upstream.notfound_cache_ms, 3000);
	assert_int_equal(cf->drain.grace_ms, 40000);
	assert_int_equal(cf->drain.deadline_ms, 600000);
	assert_null(cf->report);
	assert_int_equal(cf->resolver.servers_count, 0);
	assert_null(cf->resolver.servers_csv);
	assert_int_equal(cf->resolver.timeout_ms, 2000);
	assert_int_equal(cf->resolver.min_ttl_ms, 1000);
	assert_int_equal(cf->resolver.max_ttl_ms, 300000);
	assert_null(cf->access_log);
	assert_null(cf->pidfile);
	edge_conf_free(cf);
}

/* The shipped example loads cleanly. */
static void
test_edge_conf_example(void **state)
{
	struct edge_conf *cf;

	(void)state;
	cf = edge_conf_load(TOP_SRCDIR "/doc/examples/gslb-edge.yaml");
	if (cf == NULL || fx.cap.n != 0)
		log_capture_print(&fx.cap);
	assert_non_null(cf);
	assert_int_equal(fx.cap.n, 0);
	edge_conf_free(cf);
}

/* ---- Bad files: every problem, with its line and key ---- */

static void
test_edge_conf_errors(void **state)
{
	static const struct {
		const char *file;
		const char *want[WANT_MAX];
	} cases[] = {
		{ "bad-listen.yaml",
		    { ":1: name: 'lon 1': use letters, digits, '-', '_' and '.'",
			":4: listen[1]: 192.0.2.10:1935 is listed twice (as listen[0])",
			":5: listen[2]: '192.0.2.300' is not an address[:port] (use [v6]:port)",
			":6: listen[3]: 127.0.0.1:8081 is also the http address (default)" } },
		{ "bad-missing.yaml",
		    { ":2: routes: 0 entries, at least 1 needed",
			":1: missing required key \"listen\"" } },
		{ "bad-order.yaml",
		    { ":10: upstream.connect_timeout: must be shorter than limits.idle_timeout (2s)",
			":11: upstream.silent_timeout: must be shorter than limits.idle_timeout (2s)",
			":8: limits.handshake_timeout: must not be longer than limits.idle_timeout (2s)",
			":13: drain.grace: must be shorter than drain.deadline (600s)" } },
		{ "bad-ranges.yaml",
		    { ":7: limits.max_players: must be 1..1000000, not 0",
			":8: limits.max_message_bytes: must be 4096..16777215, not 16777216",
			":9: limits.handshake_timeout: must be 0.1..60 seconds, not 0",
			":10: limits.player_queue_bytes: must be 65536..1073741824, not 1024",
			":12: upstream.connect_timeout: must be 0.1..60 seconds, not 61",
			":13: upstream.notfound_cache: must be 0..300 seconds, not -1",
			":15: drain.deadline: must be 1..86400 seconds, not 0" } },
		{ "bad-report-urls.yaml",
		    { ":9: report.interval: must be 0.5..10 seconds, not 0.1",
			":7: report.urls[0]: 'https://probe.example/v1/report' is not an http:// URL",
			":7: report.urls[1]: 'http://' is not an http:// URL" } },
		{ "bad-report.yaml",
		    { ":7: report: missing required key \"secret_file\"" } },
		{ "bad-resolver.yaml",
		    { ":8: resolver.timeout: must be 0.1..30 seconds, not 0",
			":9: resolver.min_ttl: must not be longer than resolver.max_ttl (600s)",
			":7: resolver.servers[1]: 'ns.example:53' is not an address[:port] (use [v6]:port)",
			":7: resolver.servers[2]: '192.0.2.54:0' is not an address[:port] (use [v6]:port)" } },
		{ "bad-routes.yaml",
		    { ":3: http: 'localhost:8081' is not an address:port",
			":7: routes[0].origins[0]: 'origin.example:0' is not a host[:port] (use [v6]:port)",
			":8: routes[0].origins[1]: '-bad.example' is not a host[:port] (use [v6]:port)",
			":10: routes[0].origins[3]: 'ORIGIN.example:1935' is listed twice",
			":11: routes[0].origins[4]: '[2001:db8::1' is not a host[:port] (use [v6]:port)",
			":13: routes[0].origins[6]: '10.0.0.1:99999' is not a host[:port] (use [v6]:port)",
			":14: routes[1].app: 'li*': an app is a name or \"*\", not a pattern (use stream for patterns)",
			":18: routes[3]: never used: routes[2] matches every stream" } },
		{ "bad-schema.yaml",
		    { ":3: colour: unknown key",
			":6: routes[0].mode: expected one of live, vod; got \"publish\"",
			":9: routes[1].origins: 0 entries, at least 1 needed",
			":11: limits.max_players: expected an unsigned integer, got \"-1\"",
			":12: limits.idle_timeout: expected a number, got \"soon\"",
			":15: upstream.linger: duplicate key (first on line 14)" } },
	};
	char path[512], want[LOG_LINE_MAX];
	struct edge_conf *cf;
	size_t i, k, nwant;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_capture_reset(&fx.cap);
		snprintf(path, sizeof(path), DATADIR "%s", cases[i].file);
		cf = edge_conf_load(path);
		for (nwant = 0; nwant < WANT_MAX && cases[i].want[nwant];
		     nwant++)
			;
		if (cf != NULL) {
			edge_conf_free(cf);
			fail_msg("%s: loaded", cases[i].file);
		}
		if (fx.cap.n != nwant) {
			log_capture_print(&fx.cap);
			fail_msg("%s: %zu lines, want %zu", cases[i].file,
			    fx.cap.n, nwant);
		}
		for (k = 0; k < nwant; k++) {
			snprintf(want, sizeof(want), "%s%s", path,
			    cases[i].want[k]);
			if (strcmp(fx.cap.lines[k], want) != 0)
				fail_msg("%s:\n  got:  %s\n  want: %s",
				    cases[i].file, fx.cap.lines[k], want);
		}
	}
}

static void
test_edge_conf_missing_file(void **state)
{
	(void)state;
	assert_null(edge_conf_load(DATADIR "does-not-exist.yaml"));
	assert_int_equal(fx.cap.n, 1);
	assert_string_equal(fx.cap.lines[0],
	    DATADIR "does-not-exist.yaml: cannot open: No such file or "
		    "directory");
}

/* ---- Origin syntax ---- */

static void
test_edge_origin_parse(void **state)
{
	static const struct {
		const char *in;
		const char *host; /* NULL: rejected */
		unsigned port;
	} cases[] = {
		{ "origin.example", "origin.example", 1935 },
		{ "origin.example.", "origin.example.", 1935 },
		{ "Origin-1.Example:1936", "Origin-1.Example", 1936 },
		{ "localhost:65535", "localhost", 65535 },
		{ "192.0.2.1", "192.0.2.1", 1935 },
		{ "192.0.2.1:80", "192.0.2.1", 80 },
		{ "[2001:db8::1]", "2001:db8::1", 1935 },
		{ "[2001:db8::1]:1940", "2001:db8::1", 1940 },
		{ "2001:db8::1", "2001:db8::1", 1935 },
		{ "", NULL, 0 },
		{ ":1935", NULL, 0 },
		{ "origin.example:", NULL, 0 },
		{ "origin.example:0", NULL, 0 },
		{ "origin.example:65536", NULL, 0 },
		{ "origin.example:+80", NULL, 0 },
		{ "origin.example:123456", NULL, 0 },
		{ "-origin.example", NULL, 0 },
		{ "origin-.example", NULL, 0 },
		{ "origin..example", NULL, 0 },
		{ ".origin.example", NULL, 0 },
		{ "origin_1.example", NULL, 0 },
		{ "origin example", NULL, 0 },
		{ "192.0.2.256", NULL, 0 },
		{ "192.0.2", NULL, 0 },
		{ "[2001:db8::1", NULL, 0 },
		{ "[2001:db8::1]x", NULL, 0 },
		{ "[192.0.2.1]", NULL, 0 },
		{ "2001:db8::g", NULL, 0 },
		{ "rtmp://origin.example", NULL, 0 },
	};
	struct edge_origin o;
	size_t i;
	int rc;

	(void)state;
	assert_int_equal(edge_origin_parse(NULL, &o), -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		rc = edge_origin_parse(cases[i].in, &o);
		if (cases[i].host == NULL) {
			if (rc != -1)
				fail_msg("'%s': accepted", cases[i].in);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s': rejected", cases[i].in);
		if (strcmp(o.host, cases[i].host) != 0 ||
		    o.port != cases[i].port)
			fail_msg("'%s': got %s port %u", cases[i].in, o.host,
			    o.port);
	}
}

/* ---- Route matching: first match wins ---- */

static void
test_edge_conf_route_match(void **state)
{
	/* good.yaml: live/sport-* -> 0, live -> 1, vod -> 2, * -> 3. */
	static const struct {
		const char *app, *stream;
		int route; /* -1: none */
	} cases[] = {
		{ "live", "sport-1", 0 },
		{ "live", "sport-", 0 },
		{ "live", "news", 1 },
		{ "live", "Sport-1", 1 },
		{ "live", "x/sport-1", 1 },
		{ "vod", "sport-1", 2 },
		{ "vod", "movie.mp4", 2 },
		{ "Live", "sport-1", 3 },
		{ "other", "anything", 3 },
		{ "", "", 3 },
		{ NULL, "news", -1 },
		{ "live", NULL, -1 },
	};
	static const struct {
		const char *app, *stream;
		int route;
	} globs[] = {
		/* bad-free config built below: a/[ab]* -> 0, a/?x -> 1 */
		{ "a", "apple", 0 },
		{ "a", "banana", 0 },
		{ "a", "cx", 1 },
		{ "a", "ccx", -1 },
		{ "b", "apple", -1 },
	};
	struct edge_conf_route routes[2];
	struct edge_conf fake;
	const struct edge_conf_route *r;
	struct edge_conf *cf;
	size_t i;

	(void)state;
	cf = edge_conf_load(DATADIR "good.yaml");
	assert_non_null(cf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = edge_conf_route_match(cf, cases[i].app, cases[i].stream);
		if (cases[i].route < 0 ? r != NULL :
					 r != &cf->routes[cases[i].route])
			fail_msg("%s/%s: got route %d, want %d",
			    cases[i].app ? cases[i].app : "(null)",
			    cases[i].stream ? cases[i].stream : "(null)",
			    r ? (int)(r - cf->routes) : -1, cases[i].route);
	}
	edge_conf_free(cf);

	memset(&fake, 0, sizeof(fake));
	memset(routes, 0, sizeof(routes));
	routes[0].app = "a";
	routes[0].stream = "[ab]*";
	routes[1].app = "a";
	routes[1].stream = "?x";
	fake.routes = routes;
	fake.routes_count = 2;
	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		r = edge_conf_route_match(&fake, globs[i].app, globs[i].stream);
		if (globs[i].route < 0 ? r != NULL :
					 r != &routes[globs[i].route])
			fail_msg("%s/%s: got route %d, want %d", globs[i].app,
			    globs[i].stream, r ? (int)(r - routes) : -1,
			    globs[i].route);
	}
	assert_null(edge_conf_route_match(NULL, "a", "b"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_edge_conf_good, setup),
		cmocka_unit_test_setup(test_edge_conf_defaults, setup),
		cmocka_unit_test_setup(test_edge_conf_example, setup),
		cmocka_unit_test_setup(test_edge_conf_errors, setup),
		cmocka_unit_test_setup(test_edge_conf_missing_file, setup),
		cmocka_unit_test_setup(test_edge_origin_parse, setup),
		cmocka_unit_test_setup(test_edge_conf_route_match, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
