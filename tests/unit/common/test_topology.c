#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/log_capture.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/topology.h"

/* Set by the Makefile: the source tree, for tests/data and doc/examples. */
#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#define DATADIR TOP_SRCDIR "/tests/data/topology/"

#define WANT_MAX 16

/* Log lines captured while a test runs. */
static struct {
	struct log_capture cap;
} fx;

/* What the in_zone callback saw. */
struct zone_arg {
	const char *suffix; /* names must end in "." suffix */
	const char *reject; /* and not be this one (NULL: none) */
	unsigned calls;
};

static bool zone_cb(const char *pool_name, void *arg);
static int group_setup(void **state);
static int group_teardown(void **state);
static int setup(void **state);
static void test_topology_load_good(void **state);
static void test_topology_load_defaults(void **state);
static void test_topology_load_example(void **state);
static void test_topology_load_warnings(void **state);
static void test_topology_load_errors(void **state);
static void test_topology_load_in_zone(void **state);
static void test_topology_load_missing_file(void **state);
static void test_topology_find(void **state);

static bool
zone_cb(const char *pool_name, void *arg)
{
	struct zone_arg *z = arg;
	size_t ln = strlen(pool_name), ls = strlen(z->suffix);

	z->calls++;
	if (z->reject != NULL && strcmp(pool_name, z->reject) == 0)
		return false;
	return ln > ls && pool_name[ln - ls - 1] == '.' &&
	    strcmp(pool_name + ln - ls, z->suffix) == 0;
}

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

/* ---- A good file: values, defaults and resolved indexes ---- */

static void
test_topology_load_good(void **state)
{
	struct topology *t;
	struct topo_edge *e;
	struct topo_pool *p;
	struct topo_maps *m;
	uint8_t a[16];

	(void)state;
	t = topology_load(DATADIR "good.yaml", NULL, NULL);
	if (t == NULL || fx.cap.n != 0) {
		log_capture_print(&fx.cap);
		fail_msg("good.yaml: %zu log lines", fx.cap.n);
	}
	assert_string_equal(t->path, DATADIR "good.yaml");

	/* Sites: codes upper-cased, edges indexed per site. */
	assert_int_equal(t->sites_count, 3);
	assert_string_equal(t->sites[0].name, "lon");
	assert_true(
	    t->sites[0].latitude > 51.50 && t->sites[0].latitude < 51.52);
	assert_true(
	    t->sites[0].longitude > -0.14 && t->sites[0].longitude < -0.12);
	assert_string_equal(t->sites[0].country, "GB");
	assert_string_equal(t->sites[0].continent, "EU");
	assert_null(t->sites[2].country);
	assert_null(t->sites[2].continent);
	assert_int_equal(t->sites[0].nedges, 2);
	assert_int_equal(t->sites[0].edge_idx[0], 0);
	assert_int_equal(t->sites[0].edge_idx[1], 2);
	assert_int_equal(t->sites[1].nedges, 1);
	assert_int_equal(t->sites[1].edge_idx[0], 1);
	assert_int_equal(t->sites[2].nedges, 1);
	assert_int_equal(t->sites[2].edge_idx[0], 3);

	/* Edges: defaults, addresses parsed. */
	assert_int_equal(t->edges_count, 4);
	e = &t->edges[0];
	assert_int_equal(e->site_idx, 0);
	assert_int_equal(e->weight, TOPO_WEIGHT_DEFAULT);
	assert_int_equal(e->check_port, TOPO_CHECK_PORT_DEFAULT);
	assert_null(e->capacity);
	assert_null(e->http);
	assert_false(e->has_http);
	assert_true(e->has4);
	assert_true(e->has6);
	assert_int_equal(ntohl(e->a4.s_addr), 0x7f000101);
	assert_true(IN6_IS_ADDR_LOOPBACK(&e->a6));
	e = &t->edges[1];
	assert_int_equal(e->site_idx, 1);
	assert_int_equal(e->weight, 50);
	assert_int_equal(e->check_port, 1936);
	assert_non_null(e->capacity);
	assert_int_equal(e->capacity->players, 2000);
	assert_int_equal(e->capacity->mbps, 10000);
	assert_true(e->has_http);
	assert_int_equal(e->http_addr.ss_family, AF_INET);
	assert_false(e->has6);
	e = &t->edges[2];
	assert_false(e->has4);
	assert_true(e->has6);
	inet_pton(AF_INET6, "2001:db8::2", a);
	assert_memory_equal(&e->a6, a, 16);
	assert_true(e->has_http);
	assert_int_equal(e->http_addr.ss_family, AF_INET6);
	assert_non_null(e->capacity);
	assert_int_equal(e->capacity->players, 0);

	/* Pools: names normalised, defaults, sites as a sorted set. */
	assert_int_equal(t->pools_count, 3);
	p = &t->pools[0];
	assert_string_equal(p->name, "live.stream.example");
	assert_int_equal(p->select, TOPO_SELECT_WEIGHTED);
	assert_int_equal(p->answers, TOPO_ANSWERS_DEFAULT);
	assert_int_equal(p->ttl, TOPO_TTL_DEFAULT);
	assert_int_equal(p->all_down, TOPO_ALL_DOWN_FAIL_OPEN);
	assert_int_equal(p->fallback_idx, -1);
	assert_true(p->spill_high == TOPO_SPILL_HIGH_DEFAULT);
	assert_true(p->spill_low == TOPO_SPILL_LOW_DEFAULT);
	assert_true(p->hash_bound == TOPO_HASH_BOUND_DEFAULT);
	assert_null(p->sites);
	assert_int_equal(p->nsites, 3);
	assert_int_equal(p->site_idx[0], 0);
	assert_int_equal(p->site_idx[2], 2);
	p = &t->pools[1];
	assert_int_equal(p->select, TOPO_SELECT_HASH);
	assert_int_equal(p->answers, 2);
	assert_int_equal(p->ttl, 0); /* 0 given is not "left out" */
	assert_int_equal(p->nsites, 2);
	assert_int_equal(p->site_idx[0], 0); /* [sto, lon] sorted */
	assert_int_equal(p->site_idx[1], 1);
	assert_true(topology_pool_has_site(p, 0));
	assert_true(topology_pool_has_site(p, 1));
	assert_false(topology_pool_has_site(p, 2));
	assert_int_equal(p->all_down, TOPO_ALL_DOWN_FALLBACK);
	assert_int_equal(p->fallback_idx, 0);
	assert_true(p->spill_high == 0.9);
	assert_true(p->spill_low == 0.5);
	assert_true(p->hash_bound == 2.0);
	p = &t->pools[2];
	assert_int_equal(p->select, TOPO_SELECT_ROUNDROBIN);
	assert_int_equal(p->all_down, TOPO_ALL_DOWN_SERVFAIL);
	assert_int_equal(p->nsites, 1);
	assert_int_equal(p->site_idx[0], 2);
	/* spill_high 0.6 alone: spill_low defaults to 7/8 of it. */
	assert_true(p->spill_high == 0.6);
	assert_true(p->spill_low > 0.524 && p->spill_low < 0.526);

	/* Maps. */
	assert_true(t->has_maps);
	m = t->maps;
	assert_int_equal(m->ndefault, 2);
	assert_int_equal(m->default_idx[0], 1);
	assert_int_equal(m->default_idx[1], 0);
	assert_int_equal(m->networks_count, 4);
	assert_int_equal(m->networks[0].family, AF_INET);
	assert_int_equal(m->networks[0].prefix, 8);
	assert_int_equal(m->networks[0].addr[0], 10);
	assert_int_equal(m->networks[0].site_idx[0], 0);
	assert_int_equal(m->networks[1].prefix, 16);
	assert_int_equal(m->networks[1].site_idx[0], 1);
	assert_int_equal(m->networks[1].site_idx[1], 0);
	assert_int_equal(m->networks[2].family, AF_INET6);
	assert_int_equal(m->networks[2].prefix, 32);
	inet_pton(AF_INET6, "2001:db8::", a);
	assert_memory_equal(m->networks[2].addr, a, 16);
	assert_int_equal(m->networks[2].site_idx[0], 2);
	assert_int_equal(m->networks[3].prefix, 0);
	assert_int_equal(m->countries_count, 1);
	assert_string_equal(m->countries[0].country, "GB");
	assert_int_equal(m->countries[0].sites_count, 2);
	assert_int_equal(m->countries[0].site_idx[1], 1);
	assert_int_equal(m->continents_count, 1);
	assert_string_equal(m->continents[0].continent, "OC");
	assert_int_equal(m->continents[0].site_idx[0], 2);

	topology_free(t);
	topology_free(NULL);
}

/* No maps, nothing optional: defaults everywhere, and one warning. */
static void
test_topology_load_defaults(void **state)
{
	struct topology *t;
	unsigned i;

	(void)state;
	t = topology_load(DATADIR "minimal.yaml", NULL, NULL);
	assert_non_null(t);
	assert_int_equal(fx.cap.n, 1);
	assert_string_equal(fx.cap.lines[0],
	    DATADIR "minimal.yaml:4: sites[1]: site b has no edges");
	assert_false(t->has_maps);
	assert_non_null(t->maps);
	assert_null(t->maps->default_sites);
	assert_int_equal(t->maps->networks_count, 0);
	assert_int_equal(t->maps->ndefault, t->sites_count);
	for (i = 0; i < t->sites_count; i++)
		assert_int_equal(t->maps->default_idx[i], i);
	assert_string_equal(t->pools[0].name, "live.example");
	assert_int_equal(t->pools[0].nsites, 2);
	assert_int_equal(t->pools[0].answers, 1);
	assert_int_equal(t->pools[0].ttl, 30);
	assert_int_equal(t->sites[1].nedges, 0);
	topology_free(t);
}

/* The commented example in doc/ is a valid topology. */
static void
test_topology_load_example(void **state)
{
	struct zone_arg z = { "stream.example", NULL, 0 };
	struct topology *t;

	(void)state;
	t = topology_load(TOP_SRCDIR "/doc/examples/topology.yaml", zone_cb,
	    &z);
	if (t == NULL || fx.cap.n != 0) {
		log_capture_print(&fx.cap);
		fail_msg("doc/examples/topology.yaml: %zu log lines", fx.cap.n);
	}
	assert_int_equal(z.calls, t->pools_count);
	assert_int_equal(t->pools[0].fallback_idx, 1);
	topology_free(t);
}

/* Warnings are logged, but the file loads. */
static void
test_topology_load_warnings(void **state)
{
	struct topology *t;

	(void)state;
	t = topology_load(DATADIR "warnings.yaml", NULL, NULL);
	if (t == NULL || fx.cap.n != 2) {
		log_capture_print(&fx.cap);
		fail_msg("warnings.yaml: %zu log lines", fx.cap.n);
	}
	assert_string_equal(fx.cap.lines[0],
	    DATADIR "warnings.yaml:5: sites[1]: site spare has no edges");
	assert_string_equal(fx.cap.lines[1],
	    DATADIR "warnings.yaml:10: pools[0].hash_bound: only used with "
		    "select: hash");
	assert_true(t->pools[0].hash_bound == 1.5);
	topology_free(t);
}

/*
 * Each bad file is rejected with exactly these lines (errors and
 * warnings), each after the file's name.
 */
static void
test_topology_load_errors(void **state)
{
	static const struct {
		const char *file;
		const char *want[WANT_MAX];
	} cases[] = {
		{ "bad-edge-site.yaml",
		    { ":5: edges[1].site: unknown site \"par\"" } },
		{ "bad-duplicates.yaml",
		    { ":3: sites[1].name: site lon is defined twice (first "
		      "on line 2)",
			":6: edges[1].name: edge lon-1 is defined twice "
			"(first on line 5)",
			":7: edges[2].ipv4: 192.0.2.1 is also the address of "
			"edge lon-1",
			":7: edges[2].ipv6: 2001:db8:0::01 is also the address "
			"of edge lon-1",
			":10: pools[1].name: pool live.example is defined "
			"twice (first on line 9)" } },
		{ "bad-addresses.yaml",
		    { ":4: edges[0].ipv4: \"192.0.2\" is not an IPv4 address",
			":5: edges[1].ipv6: \"2001:db8::1::2\" is not an IPv6 "
			"address",
			":6: edges[2]: edge lon-3 needs an ipv4 or an ipv6 "
			"address",
			":7: edges[3].ipv4: 0.0.0.0 cannot be an edge's "
			"address",
			":7: edges[3].ipv6: ff02::1 cannot be an edge's "
			"address",
			":8: edges[4].ipv4: \"2001:db8::5\" is not an IPv4 "
			"address",
			":8: edges[4].ipv6: \"192.0.2.5\" is not an IPv6 "
			"address",
			":9: edges[5].http: \"192.0.2.6\" is not an "
			"address:port (use [v6]:port)",
			":10: edges[6].http: \"edge7:8080\" is not an "
			"address:port (use [v6]:port)" } },
		{ "bad-names.yaml",
		    { ":2: sites[0].name: \"Lon\": use lower-case letters, "
		      "digits and '-'",
			":3: sites[1].name: \"lon_2\": use lower-case letters, "
			"digits and '-'",
			":5: edges[0].name: \"lon 1\": use letters, digits, "
			"'.', '_' and '-'",
			":3: sites[1]: site lon_2 has no edges",
			":7: pools[0].name: \"live..example\" is not a valid "
			"DNS name: it has an empty label",
			":8: pools[1].name: \"-live.example\" is not a valid "
			"DNS name: a label starts with '-'",
			":9: pools[2].name: \"live-.example\" is not a valid "
			"DNS name: a label ends in '-'",
			":10: pools[3].name: \"live_1.example\" is not a valid "
			"DNS name: only letters, digits, '-' and '.' are "
			"allowed",
			":11: pools[4].name: the root cannot be a pool",
			":12: pools[5].name: "
			"\"a1234567890123456789012345678901234567890123456789"
			"01234567890123.example\" is not a valid DNS name: a "
			"label is longer than 63 characters" } },
		{ "bad-ranges.yaml",
		    { ":2: sites[0].latitude: 90.5 is out of range (-90..90)",
			":2: sites[0].longitude: -180.01 is out of range "
			"(-180..180)",
			":3: sites[1].latitude: nan is out of range (-90..90)",
			":5: edges[0].weight: 0 is out of range (1..1000000)",
			":5: edges[0].check_port: 0 is out of range "
			"(1..65535)",
			":6: edges[1].weight: 1000001 is out of range "
			"(1..1000000)",
			":7: edges[1].check_port: 65536 is out of range "
			"(1..65535)",
			":11: pools[0].answers: 0 is out of range (1..16)",
			":12: pools[0].ttl: 86401 is out of range (0..86400)",
			":13: pools[0].hash_bound: 0.99 is out of range "
			"(1..10)",
			":16: pools[1].answers: 17 is out of range (1..16)",
			":17: pools[1].hash_bound: 10.5 is out of range "
			"(1..10)" } },
		{ "bad-spill.yaml",
		    { ":8: pools[0].spill_low: 0.7 must be below spill_high "
		      "(0.7)",
			":10: pools[1].spill_high: 1.01 is out of range (above "
			"0, at most 1)",
			":12: pools[2].spill_low: 0 is out of range (above 0, "
			"below 1)",
			":14: pools[3].spill_high: 0 is out of range (above 0, "
			"at most 1)",
			":15: pools[3].spill_low: 1 is out of range (above 0, "
			"below 1)",
			":17: pools[4].spill_low: 0.85 must be below "
			"spill_high (0.8)" } },
		{ "bad-fallback.yaml",
		    { ":7: pools[0].all_down: all_down: fallback needs a "
		      "fallback pool",
			":10: pools[1].fallback: unknown pool "
			"\"nope.example\"",
			":13: pools[2].fallback: pool c.example cannot fall "
			"back to itself",
			":15: pools[3].fallback: a fallback needs all_down: "
			"fallback",
			":18: pools[4].fallback: a fallback needs all_down: "
			"fallback" } },
		{ "bad-cycle.yaml",
		    { ":7: pools[1].fallback: fallbacks form a cycle: "
		      "a.example -> b.example -> c.example -> a.example",
			":10: pools[4].fallback: fallbacks form a cycle: "
			"x.example -> y.example -> x.example" } },
		{ "bad-pool-sites.yaml",
		    { ":3: sites[1]: site sto has no edges",
			":8: pools[0].sites[1]: unknown site \"par\"",
			":8: pools[0].sites[2]: site lon is listed twice",
			":10: pools[1].sites: pool empty.example has no "
			"edges: none in its sites" } },
		{ "bad-maps.yaml",
		    { ":8: maps.default[1]: unknown site \"par\"",
			":10: maps.networks[0].sites[1]: site lon is listed "
			"twice",
			":11: maps.networks[1].sites[0]: unknown site \"nyc\"",
			":13: maps.countries[0].sites[0]: unknown site "
			"\"ams\"",
			":15: maps.continents[0].sites[0]: unknown site "
			"\"fra\"" } },
		{ "bad-cidr.yaml",
		    { ":9: maps.networks[0].cidr: \"10.0.0.0\" needs a "
		      "/prefix length",
			":10: maps.networks[1].cidr: \"10.0.0/8\" is not an "
			"IPv4 address/prefix",
			":11: maps.networks[2].cidr: \"10.0.0.0/33\" has a "
			"prefix longer than 32",
			":12: maps.networks[3].cidr: \"2001:db8::/129\" has a "
			"prefix longer than 128",
			":13: maps.networks[4].cidr: \"10.0.0.0/08\" has a bad "
			"prefix length",
			":14: maps.networks[5].cidr: \"10.0.0.0/8x\" has a bad "
			"prefix length",
			":15: maps.networks[6].cidr: \"/8\" is not an "
			"address/prefix",
			":16: maps.networks[7].cidr: \"10.1.0.0/8\" has host "
			"bits set",
			":17: maps.networks[8].cidr: \"2001:db8::1/64\" has "
			"host bits set",
			":20: maps.networks[11].cidr: 172.16.0.0/12 is listed "
			"twice (first on line 18)",
			":21: maps.networks[12].cidr: 2001:0db8:0::/32 is "
			"listed twice (first on line 19)" } },
		{ "bad-codes.yaml",
		    { ":2: sites[0].country: \"UK\" is not an ISO 3166 "
		      "country code (the United Kingdom is GB)",
			":2: sites[0].continent: \"EUR\" is not a continent "
			"code (AF AN AS EU NA OC SA)",
			":3: sites[1].country: \"SWE\" is not an ISO 3166 "
			"country code",
			":3: sites[1].continent: \"\" is not a continent code "
			"(AF AN AS EU NA OC SA)",
			":12: maps.countries[1].country: GB is listed twice "
			"(first on line 11)",
			":13: maps.countries[2].country: \"XX\" is not an ISO "
			"3166 country code",
			":14: maps.countries[3].country: \"1A\" is not an ISO "
			"3166 country code",
			":17: maps.continents[1].continent: EU is listed twice "
			"(first on line 16)",
			":18: maps.continents[2].continent: \"ZZ\" is not a "
			"continent code (AF AN AS EU NA OC SA)" } },
		{ "bad-schema.yaml",
		    { ":2: sites[0].latitude: expected a number, got "
		      "\"north\"",
			":2: sites[0].colour: unknown key",
			":4: edges[0].weight: expected an unsigned integer, "
			"got \"-1\"",
			":7: pools[0].select: expected one of weighted, hash, "
			"roundrobin; got \"random\"",
			":8: pools[0].all_down: expected one of fail-open, "
			"fallback, servfail; got \"fail_open\"",
			":9: pools[0].spill_high: expected a number, got "
			"\"high\"",
			":10: pools[0].sites: 0 entries, at least 1 "
			"needed" } },
		{ "bad-missing.yaml",
		    { ":4: pools: 0 entries, at least 1 needed",
			":2: missing required key \"edges\"" } },
	};
	char path[512], want[LOG_LINE_MAX];
	struct topology *t;
	size_t i, k, nwant;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_capture_reset(&fx.cap);
		snprintf(path, sizeof(path), DATADIR "%s", cases[i].file);
		t = topology_load(path, NULL, NULL);
		for (nwant = 0; nwant < WANT_MAX && cases[i].want[nwant];
		     nwant++)
			;
		if (t != NULL) {
			topology_free(t);
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

/* in_zone sees every valid, normalised pool name; a "no" is an error. */
static void
test_topology_load_in_zone(void **state)
{
	struct zone_arg z = { "stream.example", NULL, 0 };
	struct topology *t;

	(void)state;
	t = topology_load(DATADIR "good.yaml", zone_cb, &z);
	assert_non_null(t);
	assert_int_equal(fx.cap.n, 0);
	assert_int_equal(z.calls, 3);
	topology_free(t);

	z.reject = "live.stream.example";
	z.calls = 0;
	t = topology_load(DATADIR "good.yaml", zone_cb, &z);
	assert_null(t);
	assert_int_equal(z.calls, 3);
	assert_int_equal(fx.cap.n, 1);
	assert_string_equal(fx.cap.lines[0],
	    DATADIR "good.yaml:42: pools[0].name: live.stream.example is not "
		    "inside any zone served");

	log_capture_reset(&fx.cap);
	z.suffix = "other.example";
	z.reject = NULL;
	t = topology_load(DATADIR "good.yaml", zone_cb, &z);
	assert_null(t);
	assert_int_equal(fx.cap.n, 3);
	assert_string_equal(fx.cap.lines[2],
	    DATADIR "good.yaml:53: pools[2].name: backup.stream.example is "
		    "not inside any zone served");
}

static void
test_topology_load_missing_file(void **state)
{
	(void)state;
	assert_null(topology_load(DATADIR "does-not-exist.yaml", NULL, NULL));
	assert_int_equal(fx.cap.n, 1);
	assert_string_equal(fx.cap.lines[0],
	    DATADIR "does-not-exist.yaml: cannot open: No such file or "
		    "directory");
}

static void
test_topology_find(void **state)
{
	static const struct {
		const char *name;
		int site, edge, pool;
	} cases[] = {
		{ "lon", 0, -1, -1 },
		{ "sfo", 2, -1, -1 },
		{ "LON", -1, -1, -1 },
		{ "lon-2", -1, 2, -1 },
		{ "sfo-1", -1, 3, -1 },
		{ "lon-", -1, -1, -1 },
		{ "live.stream.example", -1, -1, 0 },
		{ "Live.Stream.Example.", -1, -1, 0 },
		{ "VOD.stream.example", -1, -1, 1 },
		{ "backup.stream.example.", -1, -1, 2 },
		{ "backup.stream.example..", -1, -1, -1 },
		{ "stream.example", -1, -1, -1 },
		{ "", -1, -1, -1 },
	};
	struct topology *t;
	size_t i;

	(void)state;
	t = topology_load(DATADIR "good.yaml", NULL, NULL);
	assert_non_null(t);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (topology_site_find(t, cases[i].name) != cases[i].site ||
		    topology_edge_find(t, cases[i].name) != cases[i].edge ||
		    topology_pool_find(t, cases[i].name) != cases[i].pool)
			fail_msg("\"%s\": site %d edge %d pool %d",
			    cases[i].name, topology_site_find(t, cases[i].name),
			    topology_edge_find(t, cases[i].name),
			    topology_pool_find(t, cases[i].name));
	}
	topology_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_topology_load_good, setup),
		cmocka_unit_test_setup(test_topology_load_defaults, setup),
		cmocka_unit_test_setup(test_topology_load_example, setup),
		cmocka_unit_test_setup(test_topology_load_warnings, setup),
		cmocka_unit_test_setup(test_topology_load_errors, setup),
		cmocka_unit_test_setup(test_topology_load_in_zone, setup),
		cmocka_unit_test_setup(test_topology_load_missing_file, setup),
		cmocka_unit_test_setup(test_topology_find, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
