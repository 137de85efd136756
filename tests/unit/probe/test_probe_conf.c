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

#include "probe/probe_conf.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#define DATADIR TOP_SRCDIR "/tests/data/probe/"

static struct log_capture cap;

static void test_probe_conf_defaults(void **state);
static void test_probe_conf_example(void **state);
static void test_probe_conf_errors(void **state);

static int
group_setup(void **state)
{
	(void)state;
	log_capture_start(&cap);
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
	log_capture_reset(&cap);
	return 0;
}

static void
test_probe_conf_defaults(void **state)
{
	struct probe_conf *cf = probe_conf_load(DATADIR "minimal.yaml");
	char *p;

	(void)state;
	if (cf == NULL) {
		log_capture_print(&cap);
		fail();
	}
	assert_string_equal(cf->name, "probe-test");
	assert_string_equal(cf->http, PROBE_HTTP_DEFAULT);
	assert_false(cf->insecure);
	assert_int_equal(cf->valid_for, 10);
	assert_int_equal(cf->checks.interval_ms, 1000);
	assert_int_equal(cf->checks.jitter_pct, 10);
	assert_int_equal(cf->checks.timeout_ms, 1000);
	assert_int_equal(cf->checks.play_timeout_ms, 3000);
	assert_int_equal(cf->checks.rise, 2);
	assert_int_equal(cf->checks.fall, 2);
	assert_true(cf->checks.tcp);
	assert_true(cf->checks.rtmp);
	assert_true(cf->checks.http);
	assert_string_equal(cf->checks.app, "live");
	assert_null(cf->checks.play);
	assert_int_equal(cf->reports.timeout_ms, 3000);
	p = probe_conf_path(cf, cf->topology);
	assert_string_equal(p, DATADIR "topology.yaml");
	free(p);
	probe_conf_free(cf);
}

static void
test_probe_conf_example(void **state)
{
	struct probe_conf *cf =
	    probe_conf_load(TOP_SRCDIR "/doc/examples/gslb-probe.yaml");

	(void)state;
	if (cf == NULL) {
		log_capture_print(&cap);
		fail();
	}
	assert_string_equal(cf->name, "probe-ams");
	assert_non_null(cf->checks.play);
	assert_string_equal(cf->checks.play->stream, "canary");
	assert_int_equal(cf->checks.play_timeout_ms, 3000);
	probe_conf_free(cf);
}

/* Each bad file: how many errors, and a piece of each expected line. */
static void
test_probe_conf_errors(void **state)
{
	static const struct {
		const char *file;
		const char *want[12];
	} cases[] = {
		{ "bad.yaml",
		    { "bad.yaml:2: name:", "bad.yaml:4: http:",
			"secret_file: required", "valid_for: must be 1..86400",
			"checks.interval: must be", "checks.timeout: must be",
			"checks.jitter: must be a fraction",
			"checks.rise: must be 1..100",
			"checks.fall: must be 1..100", "checks.app: 'li ve'",
			"checks.play.stream: 'a/b'",
			"reports.timeout: must be" } },
		{ "bad-secret.yaml", { "secret_file: required" } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512];
		size_t nwant = 0;

		log_capture_reset(&cap);
		snprintf(path, sizeof(path), DATADIR "%s", cases[i].file);
		assert_null(probe_conf_load(path));
		while (nwant < 12 && cases[i].want[nwant] != NULL)
			nwant++;
		for (size_t w = 0; w < nwant; w++) {
			bool found = false;

			for (size_t l = 0; l < cap.n && l < LOG_CAPTURE_MAX;
			     l++)
				if (strstr(cap.lines[l], cases[i].want[w]))
					found = true;
			if (!found) {
				log_capture_print(&cap);
				fail_msg("%s: no line with '%s'", cases[i].file,
				    cases[i].want[w]);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_probe_conf_defaults, setup),
		cmocka_unit_test_setup(test_probe_conf_example, setup),
		cmocka_unit_test_setup(test_probe_conf_errors, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
