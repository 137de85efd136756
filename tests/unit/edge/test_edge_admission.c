/*
 * test_edge_admission: when gslb-edge refuses a new player
 * (edge_admission), and what its load report says (edge_report_build):
 * full at max_players admitted sessions, over max_egress_mbps, draining
 * once the drain grace is over; the report's state follows, draining
 * from the moment the drain starts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/rc.h"
#include "common/statemsg.h"
#include "edge/edge.h"
#include "edge/report.h"

static void test_edge_admission_limits(void **state);
static void test_edge_admission_report_state(void **state);

static void
setup_edge(struct edge *e, struct edge_conf *cf)
{
	memset(e, 0, sizeof(*e));
	memset(cf, 0, sizeof(*cf));
	cf->name = "lon-1";
	cf->limits.max_players = 3;
	cf->limits.max_egress_mbps = 100;
	e->conf = cf;
}

static void
test_edge_admission_limits(void **state)
{
	struct edge e;
	struct edge_conf cf;

	(void)state;
	setup_edge(&e, &cf);
	assert_null(edge_admission(&e));
	e.nadmitted = 2;
	assert_null(edge_admission(&e));
	e.nadmitted = 3;
	assert_string_equal(edge_admission(&e), "full");
	e.nadmitted = 0;
	e.egress_mbps = 99.9;
	assert_null(edge_admission(&e));
	e.egress_mbps = 100.0;
	assert_string_equal(edge_admission(&e), "egress");
	cf.limits.max_egress_mbps = 0; /* no limit */
	e.egress_mbps = 1e6;
	assert_null(edge_admission(&e));
	e.drain_state = EDGE_DRAINING; /* grace: still admitting */
	assert_null(edge_admission(&e));
	e.drain_state = EDGE_DRAIN_CLOSED;
	assert_string_equal(edge_admission(&e), "draining");
}

static void
test_edge_admission_report_state(void **state)
{
	struct edge e;
	struct edge_conf cf;
	struct statemsg_report r;

	(void)state;
	setup_edge(&e, &cf);
	assert_int_equal(edge_report_build(&e, &r), RC_OK);
	assert_string_equal(r.edge, "lon-1");
	assert_int_equal(r.state, STATEMSG_UP);
	assert_true(r.load.has_players);
	assert_false(r.load.has_egress_mbps); /* not sampled yet */
	e.nadmitted = 3;
	e.npublishers = 1;
	assert_int_equal(edge_report_build(&e, &r), RC_OK);
	assert_int_equal(r.state, STATEMSG_FULL);
	assert_int_equal(r.load.players, 2);
	assert_int_equal(r.load.publishers, 1);
	e.drain_state = EDGE_DRAINING;
	assert_int_equal(edge_report_build(&e, &r), RC_OK);
	assert_int_equal(r.state, STATEMSG_DRAINING);
	cf.name = "not a name";
	assert_int_equal(edge_report_build(&e, &r), RC_UNSUPPORTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_admission_limits),
		cmocka_unit_test(test_edge_admission_report_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
