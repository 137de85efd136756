#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/topology.h"
#include "dnsd/geo.h"
#include "dnsd/gslb.h"

#define GEOIP TEST_GEOIP_DIR "/GeoIP2-City-Test.mmdb"

/* Sites near the test database's cities; lon has two edges 1:3. */
static const char topo_yaml[] =
    "sites:\n"
    "  - { name: lon, latitude: 51.5, longitude: -0.1 }\n"
    "  - { name: sto, latitude: 59.3, longitude: 18.1 }\n"
    "  - { name: sfo, latitude: 37.8, longitude: -122.4 }\n"
    "  - { name: syd, latitude: -33.9, longitude: 151.2 }\n"
    "  - { name: tyo, latitude: 35.7, longitude: 139.7 }\n"
    "edges:\n"
    "  - { name: lon-1, site: lon, ipv4: 10.0.1.1, weight: 100,"
    " capacity: { players: 1000 } }\n"
    "  - { name: lon-2, site: lon, ipv4: 10.0.1.2, weight: 300,"
    " capacity: { players: 1000 } }\n"
    "  - { name: sto-1, site: sto, ipv4: 10.0.2.1, ipv6: \"fd00::2:1\" }\n"
    "  - { name: sfo-1, site: sfo, ipv4: 10.0.3.1 }\n"
    "  - { name: syd-1, site: syd, ipv4: 10.0.4.1 }\n"
    "  - { name: tyo-1, site: tyo, ipv4: 10.0.5.1 }\n"
    "  - { name: h-0, site: tyo, ipv4: 10.0.9.1 }\n"
    "pools:\n"
    "  - { name: live.stream.example, spill_high: 0.8, spill_low: 0.6 }\n"
    "  - { name: two.stream.example, answers: 2 }\n"
    "  - { name: lononly.stream.example, sites: [lon],"
    " all_down: servfail }\n"
    "  - { name: fb.stream.example, sites: [lon], all_down: fallback,"
    " fallback: live.stream.example }\n"
    "  - { name: open.stream.example, sites: [lon] }\n"
    "  - { name: hash.stream.example, sites: [tyo], select: hash }\n"
    "  - { name: rr.stream.example, sites: [lon], select: roundrobin }\n"
    "maps:\n"
    "  default: [sfo, lon]\n"
    "  networks:\n"
    "    - { cidr: 10.0.0.0/8, sites: [syd] }\n"
    "    - { cidr: 10.1.0.0/16, sites: [sto] }\n"
    "  countries:\n"
    "    - { country: SE, sites: [lon] }\n";

enum {
	P_LIVE,
	P_TWO,
	P_LONONLY,
	P_FB,
	P_OPEN,
	P_HASH,
	P_RR,
};
enum {
	E_LON1,
	E_LON2,
	E_STO,
	E_SFO,
	E_SYD,
	E_TYO,
	E_H0,
	NEDGES
};

static struct gslb_topo *tp;
static struct gslb_hyst *hyst;
static struct gslb_worker w;

static int
setup(void **state)
{
	char path[] = "/tmp/test_gslb.XXXXXX";
	int fd = mkstemp(path);
	struct topology *t;
	struct geo *geo;

	(void)state;
	log_init("test", true, LOG_ERR);
	assert_true(fd >= 0);
	assert_true(write(fd, topo_yaml, sizeof(topo_yaml) - 1) > 0);
	close(fd);
	t = topology_load(path, NULL, NULL);
	unlink(path);
	assert_non_null(t);
	geo = geo_open(GEOIP);
	assert_non_null(geo);
	tp = gslb_topo_new(t, geo, 1);
	topology_free(t);
	hyst = gslb_hyst_new(tp);
	gslb_worker_init(&w, 0, 42);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(hyst);
	gslb_topo_unref(tp);
	return 0;
}

/* A snapshot where every edge is up unless set otherwise. */
static struct gslb *
snap(const struct gslb_input *over)
{
	struct gslb_input in[NEDGES];

	for (unsigned i = 0; i < NEDGES; i++)
		in[i] =
		    over ? over[i] : (struct gslb_input){ .state = GSLB_UP };
	return gslb_new(tp, in, hyst);
}

static int
answer_edge(const struct gslb *g, unsigned pool, const char *addr,
    unsigned bits, struct gslb_result *r)
{
	uint8_t a[16] = { 0 };
	struct gslb_client c = { AF_INET, bits, a };

	if (strchr(addr, ':')) {
		c.family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	} else {
		assert_int_equal(inet_pton(AF_INET, addr, a), 1);
	}
	gslb_answer(g, &w, pool, false, &c, r);
	return r->n ? (int)r->edge[0] : -1;
}

struct where_case {
	const char *desc;
	const char *addr;
	unsigned bits;
	int site; /* expected serving site's first edge */
	unsigned scope;
};

static void
test_gslb_answer_where_table(void **state)
{
	static const struct where_case cases[] = {
		{ "London by GeoIP", "81.2.69.160", 27, -1, 27 },
		{ "Linkoping: country map SE -> lon", "89.160.20.128", 25, -1,
		    25 },
		{ "San Diego: nearest sfo", "214.78.120.0", 22, E_SFO, 22 },
		{ "Changchun: nearest tyo", "175.16.199.0", 24, E_TYO, 24 },
		{ "Melbourne: nearest syd", "214.0.1.0", 24, E_SYD, 24 },
		{ "unknown: default order sfo first", "1.1.1.0", 24, E_SFO, 8 },
		/* 10.2.0.0/15 holds no more specific entry: the shortest
		 * correct scope is /15, not /16 */
		{ "CIDR map beats GeoIP", "10.2.3.0", 24, E_SYD, 15 },
		{ "most specific CIDR wins", "10.1.2.0", 24, E_STO, 16 },
	};
	struct gslb *g = snap(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct where_case *c = &cases[i];
		struct gslb_result r;
		int e = answer_edge(g, P_LIVE, c->addr, c->bits, &r);
		int site =
		    e >= 0 ? (int)gslb_topo_edge_site(tp, (unsigned)e) : -1;
		int want = c->site >= 0 ?
		    (int)gslb_topo_edge_site(tp, (unsigned)c->site) :
		    0; /* lon */

		if (site != want || r.scope != c->scope)
			fail_msg("%s: site %d scope %u, want site %d scope %u",
			    c->desc, site, r.scope, want, c->scope);
	}
	gslb_free(g);
}

static void
test_gslb_answer_weights_hold(void **state)
{
	struct gslb *g = snap(NULL);
	unsigned n[NEDGES] = { 0 };
	struct gslb_result r;

	(void)state;
	for (unsigned i = 0; i < 10000; i++)
		n[answer_edge(g, P_LIVE, "81.2.69.160", 27, &r)]++;
	/* weights 100:300; within 2 points of 25 % over 10,000 */
	assert_int_equal(n[E_LON1] + n[E_LON2], 10000);
	assert_in_range(n[E_LON1], 2300, 2700);
	gslb_free(g);
}

static void
test_gslb_answer_load_lowers_weight(void **state)
{
	struct gslb_input in[NEDGES];
	struct gslb_result r;
	unsigned n1 = 0;
	struct gslb *g;

	(void)state;
	for (unsigned i = 0; i < NEDGES; i++)
		in[i] = (struct gslb_input){ .state = GSLB_UP };
	/* lon-2 at 90 % of capacity: 300 x 0.1 = 30 against 100 x 1 */
	in[E_LON2].has_players = true;
	in[E_LON2].players = 900;
	in[E_LON1].has_players = true;
	in[E_LON1].players = 0;
	g = snap(in);
	for (unsigned i = 0; i < 10000; i++)
		n1 +=
		    answer_edge(g, P_TWO - 1, "81.2.69.160", 27, &r) == E_LON1;
	gslb_free(g);
	/* 100 / (100 + 30): 77 %, unless the site spills (load 0.45: no) */
	assert_in_range(n1, 7300, 8100);
}

static void
test_gslb_answer_spill_hysteresis(void **state)
{
	struct gslb_input in[NEDGES];
	struct gslb_result r;
	unsigned away;
	struct gslb *g;
	static const struct {
		double load;
		double share; /* expected spill share after this step */
	} steps[] = {
		{ 0.70, 0.0 },	 /* below high: no spill */
		{ 0.85, 0.625 }, /* past high 0.8: (0.85-0.6)/(1-0.6) */
		{ 0.70, 0.25 },	 /* still spilling above low 0.6 */
		{ 0.55, 0.0 },	 /* below low: stops */
		{ 0.70, 0.0 },	 /* and does not restart until high */
	};

	(void)state;
	for (size_t s = 0; s < sizeof(steps) / sizeof(*steps); s++) {
		for (unsigned i = 0; i < NEDGES; i++)
			in[i] = (struct gslb_input){ .state = GSLB_UP };
		in[E_LON1].has_players = in[E_LON2].has_players = true;
		in[E_LON1].players = in[E_LON2].players = steps[s].load * 1000;
		g = snap(in);
		if (gslb_spill_share(g, P_LIVE, 0) < steps[s].share - 1e-9 ||
		    gslb_spill_share(g, P_LIVE, 0) > steps[s].share + 1e-9)
			fail_msg("step %zu: share %f want %f", s,
			    gslb_spill_share(g, P_LIVE, 0), steps[s].share);
		away = 0;
		for (unsigned i = 0; i < 4000; i++) {
			int e = answer_edge(g, P_LIVE, "81.2.69.160", 27, &r);

			away += e != E_LON1 && e != E_LON2;
		}
		assert_in_range(away, (unsigned)(steps[s].share * 4000 * 0.9),
		    (unsigned)(steps[s].share * 4000 * 1.1 + 40));
		gslb_free(g);
	}
}

static void
test_gslb_answer_all_down_policies(void **state)
{
	struct gslb_input in[NEDGES];
	struct gslb_result r;
	struct gslb *g;

	(void)state;
	for (unsigned i = 0; i < NEDGES; i++)
		in[i] = (struct gslb_input){ .state = GSLB_UP };
	in[E_LON1].state = GSLB_DOWN;
	in[E_LON2].state = GSLB_DRAINING;
	g = snap(in);
	answer_edge(g, P_LONONLY, "81.2.69.160", 27, &r);
	assert_true(r.servfail);
	assert_int_equal(r.n, 0);
	answer_edge(g, P_OPEN, "81.2.69.160", 27, &r);
	assert_true(r.failopen);
	assert_int_equal(r.n, 2); /* every edge of the pool */
	answer_edge(g, P_FB, "81.2.69.160", 27, &r);
	assert_false(r.failopen);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.edge[0], E_STO); /* live's next site for London */
	gslb_free(g);
}

static void
test_gslb_answer_n_distinct(void **state)
{
	struct gslb *g = snap(NULL);
	struct gslb_result r;

	(void)state;
	for (unsigned i = 0; i < 100; i++) {
		answer_edge(g, P_TWO, "81.2.69.160", 27, &r);
		assert_int_equal(r.n, 2);
		assert_int_not_equal(r.edge[0], r.edge[1]);
	}
	gslb_free(g);
}

static void
test_gslb_answer_roundrobin_even(void **state)
{
	struct gslb *g = snap(NULL);
	struct gslb_result r;
	unsigned n1 = 0;

	(void)state;
	for (unsigned i = 0; i < 1000; i++)
		n1 += answer_edge(g, P_RR, "81.2.69.160", 27, &r) == E_LON1;
	assert_int_equal(n1, 500);
	gslb_free(g);
}

static void
test_gslb_answer_hash_sticky_and_stable(void **state)
{
	struct gslb_input in[NEDGES];
	struct gslb_result r;
	struct gslb *g1, *g2;
	unsigned moved = 0, on_removed = 0;
	char addr[32];

	(void)state;
	for (unsigned i = 0; i < NEDGES; i++)
		in[i] = (struct gslb_input){ .state = GSLB_UP };
	g1 = snap(in);
	in[E_H0].state = GSLB_DOWN;
	g2 = snap(in);
	for (unsigned i = 0; i < 2000; i++) {
		int a, b, again;

		snprintf(addr, sizeof(addr), "175.%u.%u.0", 16 + i / 250,
		    i % 250);
		a = answer_edge(g1, P_HASH, addr, 24, &r);
		assert_int_equal(r.scope, 24);
		again = answer_edge(g1, P_HASH, addr, 24, &r);
		assert_int_equal(a, again); /* sticky */
		b = answer_edge(g2, P_HASH, addr, 24, &r);
		on_removed += a == E_H0;
		moved += a != b;
	}
	/* Only the clients of the edge that left move. */
	assert_int_equal(moved, on_removed);
	assert_in_range(on_removed, 800, 1200); /* two edges: about half */
	gslb_free(g1);
	gslb_free(g2);
}

static void
test_gslb_answer_family(void **state)
{
	struct gslb *g = snap(NULL);
	uint8_t a[16];
	struct gslb_client c = { AF_INET6, 32, a };
	struct gslb_result r;

	(void)state;
	inet_pton(AF_INET6, "2001:218::", a);
	gslb_answer(g, &w, P_LIVE, true, &c, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.edge[0], E_STO); /* the only IPv6 edge */
	assert_int_equal(r.rdlen, 16);
	gslb_answer(g, &w, P_LONONLY, true, &c, &r);
	assert_int_equal(r.n, 0); /* no IPv6 in lon: NODATA */
	assert_false(r.servfail);
	gslb_free(g);
}

static void
test_gslb_explain_says_why(void **state)
{
	struct gslb *g = snap(NULL);
	uint8_t a[4];
	struct gslb_client c = { AF_INET, 27, a };
	char buf[2048];

	(void)state;
	inet_pton(AF_INET, "81.2.69.160", a);
	assert_true(gslb_explain(g, P_LIVE, false, &c, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "country GB"));
	assert_non_null(strstr(buf, "site lon serves"));
	gslb_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gslb_answer_where_table),
		cmocka_unit_test(test_gslb_answer_weights_hold),
		cmocka_unit_test(test_gslb_answer_load_lowers_weight),
		cmocka_unit_test(test_gslb_answer_spill_hysteresis),
		cmocka_unit_test(test_gslb_answer_all_down_policies),
		cmocka_unit_test(test_gslb_answer_n_distinct),
		cmocka_unit_test(test_gslb_answer_roundrobin_even),
		cmocka_unit_test(test_gslb_answer_hash_sticky_and_stable),
		cmocka_unit_test(test_gslb_answer_family),
		cmocka_unit_test(test_gslb_explain_says_why),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
