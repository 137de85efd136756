#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/monotime.h"
#include "common/rc.h"
#include "probe/health.h"

#define SEC MONOTIME_SEC

static const struct health_conf conf22 = { 2, 2, 3 * SEC };

static void test_health_hysteresis_table(void **state);
static void test_health_check_done_line(void **state);
static void test_health_check_done_any_kind_down(void **state);
static void test_health_entry_unknown(void **state);
static void test_health_report_states(void **state);
static void test_health_report_order(void **state);
static void test_health_tick_suspect(void **state);
static void test_health_check_done_http_report(void **state);
static void test_health_reports_only(void **state);

/* An edge running only the kinds given. */
static void
edge_init(struct health_edge *h, const char *name, bool tcp, bool play,
    bool http)
{
	health_edge_init(h, name);
	h->enabled[CHECK_TCP] = tcp;
	h->enabled[CHECK_PLAY] = play;
	h->enabled[CHECK_HTTP] = http;
}

static struct check_outcome
outcome(enum check_result r, double ms, const char *why)
{
	struct check_outcome o;

	memset(&o, 0, sizeof(o));
	o.result = r;
	o.ms = ms;
	snprintf(o.why, sizeof(o.why), "%s", why);
	return o;
}

static struct statemsg_report
report(const char *edge, int64_t time, uint64_t seq, enum statemsg_state s,
    uint64_t players)
{
	struct statemsg_report r;

	memset(&r, 0, sizeof(r));
	snprintf(r.edge, sizeof(r.edge), "%s", edge);
	r.time = time;
	r.seq = seq;
	r.state = s;
	r.load.has_players = true;
	r.load.players = players;
	return r;
}

/*
 * Outcomes of one kind, one per character (o ok, f fail, t timeout),
 * and the verdict after each (U up, D down).
 */
static void
test_health_hysteresis_table(void **state)
{
	static const struct {
		const char *desc;
		unsigned rise, fall;
		const char *seq, *want;
	} cases[] = {
		{ "first ok decides up", 2, 2, "o", "U" },
		{ "first fail decides down", 2, 2, "f", "D" },
		{ "one fail is not enough", 2, 2, "ofo", "UUU" },
		{ "fall 2", 2, 2, "offo", "UUDD" },
		{ "rise 2", 2, 2, "foo", "DDU" },
		{ "timeouts count as failures", 2, 2, "ott", "UUD" },
		{ "a success resets the fall run", 2, 3, "offoff", "UUUUUU" },
		{ "fall 3", 2, 3, "offf", "UUUD" },
		{ "rise 1 fall 1", 1, 1, "ofof", "UDUD" },
		{ "rise 3 after down", 3, 1, "ofoooo", "UDDDUU" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct health_conf c = { cases[i].rise, cases[i].fall,
			3 * SEC };
		struct health_edge h;
		struct health_change ch;

		edge_init(&h, "lon-1", true, false, false);
		for (size_t j = 0; cases[i].seq[j] != '\0'; j++) {
			char s = cases[i].seq[j];
			struct check_outcome o = outcome(s == 'o' ? CHECK_OK :
				s == 'f'			  ? CHECK_FAIL :
								    CHECK_TIMEOUT,
			    1, s == 'o' ? "" : "refused");
			enum health_state want =
			    cases[i].want[j] == 'U' ? HEALTH_UP : HEALTH_DOWN;

			health_check_done(&h, &c, CHECK_TCP, &o, j * SEC, &ch);
			if (h.state != want)
				fail_msg("%s: after %zu outcomes: %s, want %s",
				    cases[i].desc, j + 1,
				    health_state_str(h.state),
				    health_state_str(want));
		}
	}
}

static void
test_health_check_done_line(void **state)
{
	struct health_conf c = { 2, 1, 3 * SEC };
	struct check_outcome ok = outcome(CHECK_OK, 120, "");
	struct check_outcome bad =
	    outcome(CHECK_FAIL, 300, "NetStream.Play.StreamNotFound");
	struct health_edge h;
	struct health_change ch;

	(void)state;
	edge_init(&h, "lon-1", false, true, false);
	health_check_done(&h, &c, CHECK_PLAY, &ok, 0, &ch);
	assert_true(ch.state);
	assert_true(ch.logged);
	assert_string_equal(ch.line,
	    "edge lon-1: play: none -> ttff 120 ms; unknown -> up");
	/* Same outcome again: nothing to say, nothing to publish. */
	health_check_done(&h, &c, CHECK_PLAY, &ok, SEC, &ch);
	assert_false(ch.state);
	assert_false(ch.logged);
	health_check_done(&h, &c, CHECK_PLAY, &bad, 2 * SEC, &ch);
	assert_true(ch.state);
	assert_string_equal(ch.line,
	    "edge lon-1: play: ttff 120 ms -> fail "
	    "NetStream.Play.StreamNotFound; up -> down");
	assert_int_equal(h.changes, 2);
	assert_int_equal(h.check[CHECK_PLAY].results[CHECK_OK], 2);
	assert_int_equal(h.check[CHECK_PLAY].results[CHECK_FAIL], 1);
}

/* One kind down takes the edge down; a kind flipping alone is logged. */
static void
test_health_check_done_any_kind_down(void **state)
{
	struct health_conf c = { 1, 1, 3 * SEC };
	struct check_outcome ok = outcome(CHECK_OK, 2, "");
	struct check_outcome to = outcome(CHECK_TIMEOUT, 1000, "");
	struct health_edge h;
	struct health_change ch;

	(void)state;
	edge_init(&h, "ams-3", true, false, true);
	health_check_done(&h, &c, CHECK_TCP, &ok, 0, &ch);
	assert_int_equal(h.state, HEALTH_UP);
	health_check_done(&h, &c, CHECK_HTTP, &to, 0, &ch);
	assert_int_equal(h.state, HEALTH_DOWN);
	assert_string_equal(ch.line,
	    "edge ams-3: http: none -> timeout; up -> down");
	/* tcp fails too: the verdict stays, the kind's flip is logged. */
	health_check_done(&h, &c, CHECK_TCP, &to, SEC, &ch);
	assert_false(ch.state);
	assert_true(ch.logged);
	assert_string_equal(ch.line,
	    "edge ams-3: tcp: ok 2.0 ms -> timeout; tcp up -> down, edge "
	    "stays down");
	health_check_done(&h, &c, CHECK_HTTP, &ok, 2 * SEC, &ch);
	assert_int_equal(h.state, HEALTH_DOWN);
	health_check_done(&h, &c, CHECK_TCP, &ok, 2 * SEC, &ch);
	assert_int_equal(h.state, HEALTH_UP);
	assert_true(ch.state);
	/* Coming back, the line shows the last failure before the success. */
	assert_string_equal(ch.line,
	    "edge ams-3: tcp: timeout -> ok 2.0 ms; down -> up");
}

static void
test_health_entry_unknown(void **state)
{
	struct check_outcome ok = outcome(CHECK_OK, 2, "");
	struct health_edge h;
	struct health_change ch;
	struct statemsg_edge e;
	struct statemsg_report r = report("lon-1", 100, 1, STATEMSG_UP, 5);

	(void)state;
	edge_init(&h, "lon-1", true, false, false);
	assert_false(health_entry(&h, 10, &e));
	/* A report alone does not make an actively checked edge known. */
	assert_int_equal(health_report(&h, &conf22, &r, 0, &ch), RC_OK);
	assert_int_equal(h.state, HEALTH_UNKNOWN);
	assert_false(health_entry(&h, 10, &e));
	health_check_done(&h, &conf22, CHECK_TCP, &ok, 0, &ch);
	assert_true(health_entry(&h, 10, &e));
	assert_string_equal(e.name, "lon-1");
	assert_int_equal(e.state, STATEMSG_UP);
	assert_int_equal(e.valid_for, 10);
	assert_true(e.load.has_players);
	assert_int_equal(e.load.players, 5);
}

/* The edge's claim (draining, full, down) passes through unless down. */
static void
test_health_report_states(void **state)
{
	static const struct {
		const char *desc;
		bool tcp_up;
		enum statemsg_state claim;
		enum health_state want;
	} cases[] = {
		{ "up and says up", true, STATEMSG_UP, HEALTH_UP },
		{ "up and says draining", true, STATEMSG_DRAINING,
		    HEALTH_DRAINING },
		{ "up and says full", true, STATEMSG_FULL, HEALTH_FULL },
		{ "up and says down", true, STATEMSG_DOWN, HEALTH_DOWN },
		{ "down and says up", false, STATEMSG_UP, HEALTH_DOWN },
		{ "down and says draining", false, STATEMSG_DRAINING,
		    HEALTH_DOWN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct check_outcome o =
		    outcome(cases[i].tcp_up ? CHECK_OK : CHECK_FAIL, 1, "");
		struct statemsg_report r =
		    report("lon-1", 100, 1, cases[i].claim, 3);
		struct health_edge h;
		struct health_change ch;

		edge_init(&h, "lon-1", true, false, false);
		health_check_done(&h, &conf22, CHECK_TCP, &o, 0, &ch);
		health_report(&h, &conf22, &r, 0, &ch);
		if (h.state != cases[i].want)
			fail_msg("%s: %s", cases[i].desc,
			    health_state_str(h.state));
	}
}

static void
test_health_report_order(void **state)
{
	static const struct {
		const char *desc;
		int64_t time;
		uint64_t seq;
		int rc;
	} cases[] = {
		{ "newer seq", 100, 6, RC_OK },
		{ "same seq", 100, 6, RC_EXISTS },
		{ "older seq, same time", 100, 5, RC_EXISTS },
		{ "older time, newer seq", 99, 50, RC_EXISTS },
		{ "newer time, smaller seq (edge restarted)", 101, 1, RC_OK },
	};
	struct statemsg_report r = report("lon-1", 100, 5, STATEMSG_UP, 1);
	struct health_edge h;
	struct health_change ch;

	(void)state;
	edge_init(&h, "lon-1", true, false, false);
	assert_int_equal(health_report(&h, &conf22, &r, 0, &ch), RC_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		r = report("lon-1", cases[i].time, cases[i].seq, STATEMSG_UP,
		    i + 10);
		rc = health_report(&h, &conf22, &r, 0, &ch);
		if (rc != cases[i].rc)
			fail_msg("%s: rc %d, want %d", cases[i].desc, rc,
			    cases[i].rc);
		if (rc == RC_OK)
			assert_int_equal(h.report.load.players, i + 10);
	}
}

static void
test_health_tick_suspect(void **state)
{
	struct check_outcome ok = outcome(CHECK_OK, 1, "");
	struct statemsg_report r =
	    report("lon-1", 100, 1, STATEMSG_DRAINING, 7);
	struct health_edge h;
	struct health_change ch;
	struct statemsg_edge e;

	(void)state;
	edge_init(&h, "lon-1", true, false, false);
	health_check_done(&h, &conf22, CHECK_TCP, &ok, 0, &ch);
	/* No report ever: never suspect. */
	health_tick(&h, &conf22, 60 * SEC, &ch);
	assert_false(h.suspect);
	health_report(&h, &conf22, &r, 60 * SEC, &ch);
	assert_int_equal(h.state, HEALTH_DRAINING);
	health_tick(&h, &conf22, 63 * SEC, &ch);
	assert_false(h.suspect);
	assert_false(ch.logged);
	health_tick(&h, &conf22, 63 * SEC + 1, &ch);
	assert_true(h.suspect);
	assert_true(ch.state);
	assert_int_equal(h.state, HEALTH_UP);
	assert_int_equal(h.suspect_total, 1);
	assert_string_equal(ch.line,
	    "edge lon-1: report: none for 3.0 s, suspect, load unknown; "
	    "draining -> up");
	assert_true(health_entry(&h, 10, &e));
	assert_false(e.load.has_players);
	/* Suspect stays counted once. */
	health_tick(&h, &conf22, 64 * SEC, &ch);
	assert_int_equal(h.suspect_total, 1);
	assert_false(ch.logged);
	r.seq = 2;
	health_report(&h, &conf22, &r, 70 * SEC, &ch);
	assert_false(h.suspect);
	assert_int_equal(h.state, HEALTH_DRAINING);
	assert_string_equal(ch.line,
	    "edge lon-1: report: draining, 7 players, back after 10.0 s; up "
	    "-> draining");
	assert_true(health_entry(&h, 10, &e));
	assert_int_equal(e.load.players, 7);
}

static void
test_health_check_done_http_report(void **state)
{
	struct check_outcome o = outcome(CHECK_OK, 3, "");
	struct health_edge h;
	struct health_change ch;

	(void)state;
	edge_init(&h, "lon-1", false, false, true);
	o.has_report = true;
	o.report = report("lon-1", 100, 4, STATEMSG_FULL, 900);
	health_check_done(&h, &conf22, CHECK_HTTP, &o, 0, &ch);
	assert_int_equal(h.state, HEALTH_FULL);
	assert_true(ch.load);
	assert_int_equal(h.report.load.players, 900);
	/* A report for another edge is not taken. */
	o.report = report("lon-2", 200, 9, STATEMSG_UP, 1);
	health_check_done(&h, &conf22, CHECK_HTTP, &o, SEC, &ch);
	assert_int_equal(h.report.seq, 4);
	assert_int_equal(h.state, HEALTH_FULL);
}

/* With no active check the reports decide, and their end means down. */
static void
test_health_reports_only(void **state)
{
	struct statemsg_report r = report("lon-1", 100, 1, STATEMSG_UP, 1);
	struct health_edge h;
	struct health_change ch;

	(void)state;
	edge_init(&h, "lon-1", false, false, false);
	health_tick(&h, &conf22, 0, &ch);
	assert_int_equal(h.state, HEALTH_UNKNOWN);
	health_report(&h, &conf22, &r, 0, &ch);
	assert_int_equal(h.state, HEALTH_UP);
	health_tick(&h, &conf22, 4 * SEC, &ch);
	assert_int_equal(h.state, HEALTH_DOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_hysteresis_table),
		cmocka_unit_test(test_health_check_done_line),
		cmocka_unit_test(test_health_check_done_any_kind_down),
		cmocka_unit_test(test_health_entry_unknown),
		cmocka_unit_test(test_health_report_states),
		cmocka_unit_test(test_health_report_order),
		cmocka_unit_test(test_health_tick_suspect),
		cmocka_unit_test(test_health_check_done_http_report),
		cmocka_unit_test(test_health_reports_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
