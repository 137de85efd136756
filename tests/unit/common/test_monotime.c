#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/monotime.h"

static void test_monotime_now_real(void **state);
static void test_monotime_fake(void **state);
static void test_monotime_fake_clear(void **state);

/* The real clock never goes back. */
static void
test_monotime_now_real(void **state)
{
	uint64_t a, b;
	int i;

	(void)state;
	a = monotime_now();
	assert_true(a > 0);
	for (i = 0; i < 1000; i++) {
		b = monotime_now();
		assert_true(b >= a);
		a = b;
	}
}

static void
test_monotime_fake(void **state)
{
	static const struct {
		const char *desc;
		int op; /* 0: set, 1: advance */
		uint64_t arg;
		uint64_t want;
	} steps[] = {
		{ "set", 0, 5 * MONOTIME_SEC, 5 * MONOTIME_SEC },
		{ "advance 1 ms", 1, MONOTIME_MSEC, 5 * MONOTIME_SEC + 1000 },
		{ "advance 0", 1, 0, 5 * MONOTIME_SEC + 1000 },
		{ "set back", 0, 7, 7 },
		{ "advance 1 s", 1, MONOTIME_SEC, MONOTIME_SEC + 7 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].op == 0)
			monotime_fake_set(steps[i].arg);
		else
			monotime_fake_advance(steps[i].arg);
		if (monotime_now() != steps[i].want)
			fail_msg("%s: %llu", steps[i].desc,
			    (unsigned long long)monotime_now());
		/* Frozen: reading again gives the same. */
		assert_int_equal(monotime_now(), steps[i].want);
	}
	monotime_fake_clear();
}

static void
test_monotime_fake_clear(void **state)
{
	uint64_t real;

	(void)state;
	real = monotime_now();
	monotime_fake_set(1);
	assert_int_equal(monotime_now(), 1);
	monotime_fake_clear();
	assert_true(monotime_now() >= real);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotime_now_real),
		cmocka_unit_test(test_monotime_fake),
		cmocka_unit_test(test_monotime_fake_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
