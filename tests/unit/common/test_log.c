#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/monotime.h"

#define CAPTURE_MAX 64

/* Lines the logger produced, through its test hook. */
static struct {
	char lines[CAPTURE_MAX][LOG_LINE_MAX];
	int prio[CAPTURE_MAX];
	size_t n;
} cap;

static void capture_cb(int prio, const char *line, void *arg);
static int setup(void **state);
static int teardown(void **state);
static void test_log_levels(void **state);
static void test_log_warn_errno(void **state);
static void test_log_long_line(void **state);
static void test_log_ratelimited_burst(void **state);
static void test_log_ratelimited_window(void **state);
static void test_log_ratelimited_level(void **state);

static void
capture_cb(int prio, const char *line, void *arg)
{
	(void)arg;
	if (cap.n < CAPTURE_MAX) {
		snprintf(cap.lines[cap.n], sizeof(cap.lines[cap.n]), "%s",
		    line);
		cap.prio[cap.n] = prio;
	}
	cap.n++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&cap, 0, sizeof(cap));
	log_setlevel(LOG_INFO);
	log_set_hook(capture_cb, NULL);
	monotime_fake_set(100 * MONOTIME_SEC);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_set_hook(NULL, NULL);
	monotime_fake_clear();
	return 0;
}

static void
test_log_levels(void **state)
{
	(void)state;
	log_debug("hidden %d", 1);
	log_info("info %d", 2);
	log_notice("notice");
	log_warnx("warnx");
	log_msg(LOG_ERR, "err %s", "x");
	assert_int_equal(cap.n, 4);
	assert_string_equal(cap.lines[0], "info 2");
	assert_int_equal(cap.prio[0], LOG_INFO);
	assert_int_equal(cap.prio[1], LOG_NOTICE);
	assert_int_equal(cap.prio[2], LOG_WARNING);
	assert_string_equal(cap.lines[3], "err x");
	assert_int_equal(cap.prio[3], LOG_ERR);

	log_setlevel(LOG_DEBUG);
	assert_int_equal(log_getlevel(), LOG_DEBUG);
	log_debug("shown");
	assert_int_equal(cap.n, 5);
	assert_string_equal(cap.lines[4], "shown");

	log_setlevel(LOG_WARNING);
	log_info("hidden");
	log_notice("hidden");
	assert_int_equal(cap.n, 5);
}

static void
test_log_warn_errno(void **state)
{
	(void)state;
	errno = ENOENT;
	log_warn("open %s", "/x");
	assert_int_equal(errno, ENOENT);
	errno = 0;
	log_warnx("plain");
	assert_int_equal(cap.n, 2);
	assert_string_equal(cap.lines[0], "open /x: No such file or directory");
	assert_string_equal(cap.lines[1], "plain");
}

/* Overlong lines are cut to fit, still as one line. */
static void
test_log_long_line(void **state)
{
	static char big[3 * LOG_LINE_MAX];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	log_info("%s", big);
	errno = EPERM;
	log_warn("%s", big);
	assert_int_equal(cap.n, 2);
	assert_int_equal(strlen(cap.lines[0]), LOG_LINE_MAX - 2);
	assert_int_equal(strlen(cap.lines[1]), LOG_LINE_MAX - 2);
	assert_null(strchr(cap.lines[0], '\n'));
}

/* A burst of LOG_RATELIMIT_BURST lines passes, the rest is counted. */
static void
test_log_ratelimited_burst(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT;
	int i;

	(void)state;
	for (i = 0; i < LOG_RATELIMIT_BURST + 5; i++) {
		log_ratelimited(&rl, LOG_NOTICE, "peer %d bad", i);
		monotime_fake_advance(10 * MONOTIME_MSEC);
	}
	assert_int_equal(cap.n, LOG_RATELIMIT_BURST);
	assert_string_equal(cap.lines[0], "peer 0 bad");
	assert_string_equal(cap.lines[LOG_RATELIMIT_BURST - 1], "peer 9 bad");
	assert_int_equal(rl.suppressed, 5);
}

/* After a second, the count restarts and the suppressed lines are told. */
static void
test_log_ratelimited_window(void **state)
{
	static const struct {
		const char *desc;
		uint64_t advance; /* before the next burst */
		int sent;
		size_t printed; /* lines printed for this burst */
		const char *first;
	} steps[] = {
		{ "first burst", 0, 12, 10, "msg" },
		{ "same window", 500 * MONOTIME_MSEC, 3, 0, NULL },
		{ "next window", 500 * MONOTIME_MSEC, 1, 2,
		    "5 similar lines suppressed" },
		{ "quiet window", 2 * MONOTIME_SEC, 1, 1, "msg" },
		{ "exactly full", MONOTIME_SEC, LOG_RATELIMIT_BURST,
		    LOG_RATELIMIT_BURST, "msg" },
	};
	struct log_ratelimit rl = LOG_RATELIMIT_INIT;
	size_t i, before;
	int k;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		monotime_fake_advance(steps[i].advance);
		before = cap.n;
		for (k = 0; k < steps[i].sent; k++)
			log_ratelimited(&rl, LOG_WARNING, "msg");
		if (cap.n - before != steps[i].printed)
			fail_msg("%s: printed %zu, want %zu", steps[i].desc,
			    cap.n - before, steps[i].printed);
		if (steps[i].first != NULL &&
		    strcmp(cap.lines[before], steps[i].first) != 0)
			fail_msg("%s: first line \"%s\"", steps[i].desc,
			    cap.lines[before]);
	}
}

/* Lines below the level neither print nor use up the burst. */
static void
test_log_ratelimited_level(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT;
	int i;

	(void)state;
	for (i = 0; i < 2 * LOG_RATELIMIT_BURST; i++)
		log_ratelimited(&rl, LOG_DEBUG, "debug");
	assert_int_equal(cap.n, 0);
	assert_int_equal(rl.count, 0);
	log_ratelimited(&rl, LOG_INFO, "info");
	assert_int_equal(cap.n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_log_levels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log_warn_errno, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log_long_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log_ratelimited_burst,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_ratelimited_window,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_ratelimited_level,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
