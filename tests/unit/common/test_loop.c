#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"

static void test_loop_jitter_table(void **state);
static void test_loop_deadline(void **state);
static void test_loop_timeval(void **state);
static void test_loop_on_signal(void **state);
static void test_loop_timer_repeats(void **state);
static void test_loop_timer_zero_interval(void **state);
static void test_loop_free_null(void **state);
static void signal_stop_cb(int signo, void *arg);
static void timer_count_cb(void *arg);

struct counter {
	struct loop *l;
	struct loop_timer *t;
	int n;
	int last_signo;
};

static void
test_loop_jitter_table(void **state)
{
	static const struct {
		const char *desc;
		uint64_t interval;
		unsigned pct;
		uint64_t rnd;
		uint64_t want;
	} cases[] = {
		{ "no jitter", 1000000, 0, UINT64_MAX, 1000000 },
		{ "lowest", 1000000, 10, 0, 900000 },
		{ "highest", 1000000, 10, UINT64_MAX, 1100000 },
		{ "middle", 1000000, 10, UINT64_MAX / 2, 1000000 },
		{ "capped pct", 1000000, 250, 0, 1000 },
		{ "full jitter low", 1000000, 100, 0, 1000 },
		{ "full jitter high", 1000000, 100, UINT64_MAX, 2000000 },
		{ "floor 1 ms", 10, 0, 0, 1000 },
		{ "odd interval", 1234567, 50, 0, 617284 },
	};
	uint64_t got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got =
		    loop_jitter(cases[i].interval, cases[i].pct, cases[i].rnd);
		if (got != cases[i].want)
			fail_msg("%s: got %llu, want %llu", cases[i].desc,
			    (unsigned long long)got,
			    (unsigned long long)cases[i].want);
	}
}

/* Three waits share one 5 s deadline. */
static void
test_loop_deadline(void **state)
{
	static const struct {
		uint64_t advance;
		uint64_t left;
	} steps[] = {
		{ 0, 5000000 },
		{ 1200000, 3800000 },
		{ 3799999, 1 },
		{ 1, 0 },
		{ 10000000, 0 },
	};
	struct loop_deadline d;
	struct timeval tv;
	size_t i;

	(void)state;
	monotime_fake_set(42 * MONOTIME_SEC);
	loop_deadline_start(&d, 5 * MONOTIME_SEC);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		monotime_fake_advance(steps[i].advance);
		assert_int_equal(loop_deadline_left_us(&d), steps[i].left);
		tv = loop_deadline_left(&d);
		assert_int_equal((uint64_t)tv.tv_sec * MONOTIME_SEC +
			(uint64_t)tv.tv_usec,
		    steps[i].left);
		assert_int_equal(loop_deadline_expired(&d), steps[i].left == 0);
	}
	/* A huge timeout saturates instead of wrapping. */
	loop_deadline_start(&d, UINT64_MAX);
	assert_false(loop_deadline_expired(&d));
	monotime_fake_clear();
}

static void
test_loop_timeval(void **state)
{
	struct timeval tv;

	(void)state;
	tv = loop_timeval(2500001);
	assert_int_equal(tv.tv_sec, 2);
	assert_int_equal(tv.tv_usec, 500001);
	tv = loop_timeval(0);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 0);
}

static void
signal_stop_cb(int signo, void *arg)
{
	struct counter *c = arg;

	c->n++;
	c->last_signo = signo;
	loop_stop(c->l);
}

/* A signal raised before the loop runs is delivered by the loop. */
static void
test_loop_on_signal(void **state)
{
	struct counter c;
	struct sigaction sa;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.l = loop_new();
	assert_non_null(c.l);
	assert_non_null(loop_base(c.l));
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN);
	assert_int_equal(loop_on_signal(c.l, SIGUSR1, signal_stop_cb, &c),
	    RC_OK);
	raise(SIGUSR1);
	assert_int_equal(loop_run(c.l), RC_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.last_signo, SIGUSR1);
	loop_free(c.l);
}

static void
timer_count_cb(void *arg)
{
	struct counter *c = arg;

	if (++c->n == 3) {
		loop_timer_free(c->t);
		c->t = NULL;
		loop_stop(c->l);
	}
}

/* A 1 ms timer fires repeatedly and may free itself in its callback. */
static void
test_loop_timer_repeats(void **state)
{
	struct counter c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.l = loop_new();
	assert_non_null(c.l);
	c.t = loop_timer_new(c.l, MONOTIME_MSEC, 20, timer_count_cb, &c);
	assert_non_null(c.t);
	assert_int_equal(loop_run(c.l), RC_OK);
	assert_int_equal(c.n, 3);
	assert_null(c.t);
	loop_free(c.l);
}

static void
test_loop_timer_zero_interval(void **state)
{
	struct loop *l;

	(void)state;
	l = loop_new();
	assert_null(loop_timer_new(l, 0, 0, timer_count_cb, NULL));
	loop_free(l);
}

static void
test_loop_free_null(void **state)
{
	(void)state;
	loop_free(NULL);
	loop_timer_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_jitter_table),
		cmocka_unit_test(test_loop_deadline),
		cmocka_unit_test(test_loop_timeval),
		cmocka_unit_test(test_loop_on_signal),
		cmocka_unit_test(test_loop_timer_repeats),
		cmocka_unit_test(test_loop_timer_zero_interval),
		cmocka_unit_test(test_loop_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
