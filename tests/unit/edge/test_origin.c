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
#include "edge/origin.h"

static void test_origin_key(void **state);
static void test_origin_order_stable(void **state);
static void test_origin_order_list_order(void **state);
static void test_origin_order_spread(void **state);
static void test_origin_order_remove(void **state);
static void test_origin_order_add(void **state);
static void test_origin_order_down_penalty(void **state);
static void test_origin_order_limit(void **state);
static void test_origin_next_failover(void **state);
static void test_origin_resolve_at_table(void **state);
static size_t first_name_idx(const char *key, const struct origin_cand *c,
    size_t n);

static const struct origin_cand three[] = {
	{ "origin-a.example.net:1935", ORIGIN_UP },
	{ "origin-b.example.net:1935", ORIGIN_UP },
	{ "origin-c.example.net:1935", ORIGIN_UP },
};

static size_t
first_name_idx(const char *key, const struct origin_cand *c, size_t n)
{
	size_t out[ORIGIN_MAX];

	assert_true(origin_order(key, c, n, out) >= 1);
	return out[0];
}

static void
test_origin_key(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(origin_key(buf, sizeof(buf), "live", "cam1"), RC_OK);
	assert_string_equal(buf, "live/cam1");
	assert_int_equal(origin_key(buf, 9, "live", "cam1"), RC_TRUNCATED);
	assert_string_equal(buf, "");
	assert_int_equal(origin_key(buf, 0, "a", "b"), RC_TRUNCATED);
}

static void
test_origin_order_stable(void **state)
{
	size_t a[3], b[3];
	int i;

	(void)state;
	assert_int_equal(origin_order("live/cam1", three, 3, a), 3);
	for (i = 0; i < 100; i++) {
		assert_int_equal(origin_order("live/cam1", three, 3, b), 3);
		assert_memory_equal(a, b, sizeof(a));
	}
	/* A permutation: all three, once each. */
	assert_int_equal(a[0] + a[1] + a[2], 3);
	assert_true(a[0] != a[1] && a[1] != a[2] && a[0] != a[2]);
	/* Fixed weights: a change of hash would re-shard every edge. */
	assert_true(origin_weight("live/cam1", three[0].name) ==
	    origin_weight("live/cam1", three[0].name));
	assert_true(origin_weight("live/cam1", three[0].name) !=
	    origin_weight("live/cam2", three[0].name));
	assert_true(origin_weight("ab", "c") != origin_weight("a", "bc"));
}

/* Two edges configured with the same origins in another order agree. */
static void
test_origin_order_list_order(void **state)
{
	const struct origin_cand other[] = { three[2], three[0], three[1] };
	size_t a[3], b[3], i, k;
	char key[32];

	(void)state;
	for (k = 0; k < 200; k++) {
		snprintf(key, sizeof(key), "live/s%zu", k);
		assert_int_equal(origin_order(key, three, 3, a), 3);
		assert_int_equal(origin_order(key, other, 3, b), 3);
		for (i = 0; i < 3; i++)
			assert_string_equal(three[a[i]].name, other[b[i]].name);
	}
}

static void
test_origin_order_spread(void **state)
{
	unsigned count[3] = { 0 }, second[3] = { 0 };
	size_t out[3], k, i;
	char key[32];

	(void)state;
	for (k = 0; k < 1000; k++) {
		snprintf(key, sizeof(key), "live/stream-%zu", k);
		assert_int_equal(origin_order(key, three, 3, out), 3);
		count[out[0]]++;
		second[out[1]]++;
	}
	/* 333 each expected; +/- 15% is > 4 standard deviations. */
	for (i = 0; i < 3; i++) {
		if (count[i] < 283 || count[i] > 383)
			fail_msg("origin %zu first for %u of 1000 keys", i,
			    count[i]);
		if (second[i] < 283 || second[i] > 383)
			fail_msg("origin %zu second for %u of 1000 keys", i,
			    second[i]);
	}
}

/* Removing an origin moves only the keys it was first for. */
static void
test_origin_order_remove(void **state)
{
	const struct origin_cand two[] = { three[0], three[2] };
	size_t k, before, after, moved = 0;
	char key[32];

	(void)state;
	for (k = 0; k < 1000; k++) {
		snprintf(key, sizeof(key), "app/%zu", k);
		before = first_name_idx(key, three, 3);
		after = first_name_idx(key, two, 2);
		if (before == 1) {
			moved++;
			/* It moves to what was its second choice. */
			size_t out[3];
			origin_order(key, three, 3, out);
			assert_string_equal(two[after].name,
			    three[out[1]].name);
		} else
			assert_string_equal(two[after].name,
			    three[before].name);
	}
	assert_true(moved > 250 && moved < 420);
}

/* Adding a fourth origin takes about a quarter, only for itself. */
static void
test_origin_order_add(void **state)
{
	const struct origin_cand four[] = { three[0], three[1], three[2],
		{ "origin-d.example.net:1935", ORIGIN_UP } };
	size_t k, before, after, moved = 0;
	char key[32];

	(void)state;
	for (k = 0; k < 1000; k++) {
		snprintf(key, sizeof(key), "app/%zu", k);
		before = first_name_idx(key, three, 3);
		after = first_name_idx(key, four, 4);
		if (after != before) {
			assert_int_equal(after, 3);
			moved++;
		}
	}
	assert_true(moved > 180 && moved < 330);
}

static void
test_origin_order_down_penalty(void **state)
{
	struct origin_cand c[3];
	size_t full[3], out[3];
	int m;

	(void)state;
	memcpy(c, three, sizeof(c));
	assert_int_equal(origin_order("live/x", c, 3, full), 3);

	/* First one down: the others keep their relative order. */
	c[full[0]].state = ORIGIN_DOWN;
	m = origin_order("live/x", c, 3, out);
	assert_int_equal(m, 2);
	assert_int_equal(out[0], full[1]);
	assert_int_equal(out[1], full[2]);

	/* First one on penalty: tried last. */
	c[full[0]].state = ORIGIN_PENALTY;
	m = origin_order("live/x", c, 3, out);
	assert_int_equal(m, 3);
	assert_int_equal(out[0], full[1]);
	assert_int_equal(out[1], full[2]);
	assert_int_equal(out[2], full[0]);

	/* Two on penalty keep their hash order among themselves. */
	c[full[1]].state = ORIGIN_PENALTY;
	m = origin_order("live/x", c, 3, out);
	assert_int_equal(m, 3);
	assert_int_equal(out[0], full[2]);
	assert_int_equal(out[1], full[0]);
	assert_int_equal(out[2], full[1]);

	/* All down. */
	c[0].state = c[1].state = c[2].state = ORIGIN_DOWN;
	assert_int_equal(origin_order("live/x", c, 3, out), 0);
	assert_int_equal(origin_order("live/x", c, 0, out), 0);
}

static void
test_origin_order_limit(void **state)
{
	struct origin_cand c[ORIGIN_MAX + 1];
	size_t out[ORIGIN_MAX + 1], i, seen[ORIGIN_MAX] = { 0 };
	char names[ORIGIN_MAX + 1][16];

	(void)state;
	for (i = 0; i <= ORIGIN_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "o%zu", i);
		c[i].name = names[i];
		c[i].state = ORIGIN_UP;
	}
	assert_int_equal(origin_order("k", c, ORIGIN_MAX + 1, out), RC_LIMIT);
	assert_int_equal(origin_order("k", c, ORIGIN_MAX, out), ORIGIN_MAX);
	for (i = 0; i < ORIGIN_MAX; i++)
		seen[out[i]]++;
	for (i = 0; i < ORIGIN_MAX; i++)
		assert_int_equal(seen[i], 1);
	for (i = 1; i < ORIGIN_MAX; i++)
		assert_true(origin_weight("k", c[out[i - 1]].name) >=
		    origin_weight("k", c[out[i]].name));
}

static void
test_origin_next_failover(void **state)
{
	struct origin_cand c[3];
	size_t order[3], next = 99;

	(void)state;
	memcpy(c, three, sizeof(c));
	assert_int_equal(origin_order("live/f", c, 3, order), 3);

	/* Walk the order, then stop instead of wrapping. */
	assert_int_equal(origin_next("live/f", c, 3, order[0], &next), RC_OK);
	assert_int_equal(next, order[1]);
	assert_int_equal(origin_next("live/f", c, 3, order[1], &next), RC_OK);
	assert_int_equal(next, order[2]);
	assert_int_equal(origin_next("live/f", c, 3, order[2], &next),
	    RC_NOTFOUND);

	/* The failed one was marked down: the new first choice. */
	c[order[0]].state = ORIGIN_DOWN;
	assert_int_equal(origin_next("live/f", c, 3, order[0], &next), RC_OK);
	assert_int_equal(next, order[1]);

	/* Marked on penalty: the next UP, and itself last. */
	c[order[0]].state = ORIGIN_PENALTY;
	assert_int_equal(origin_next("live/f", c, 3, order[0], &next),
	    RC_NOTFOUND);
	assert_int_equal(origin_next("live/f", c, 3, order[1], &next), RC_OK);
	assert_int_equal(next, order[2]);
	assert_int_equal(origin_next("live/f", c, 3, order[2], &next), RC_OK);
	assert_int_equal(next, order[0]);

	/* Nothing left. */
	c[0].state = c[1].state = c[2].state = ORIGIN_DOWN;
	assert_int_equal(origin_next("live/f", c, 3, order[0], &next),
	    RC_NOTFOUND);
}

static void
test_origin_resolve_at_table(void **state)
{
	static const struct {
		const char *desc;
		uint64_t now;
		uint32_t ttl;
		uint64_t min, max;
		uint64_t want;
	} cases[] = {
		{ "ttl inside", 1000, 60, 5 * MONOTIME_SEC, 3600 * MONOTIME_SEC,
		    1000 + 60 * MONOTIME_SEC },
		{ "ttl 0 -> min", 1000, 0, 5 * MONOTIME_SEC,
		    3600 * MONOTIME_SEC, 1000 + 5 * MONOTIME_SEC },
		{ "ttl huge -> max", 0, 86400 * 7, 5 * MONOTIME_SEC,
		    3600 * MONOTIME_SEC, 3600 * MONOTIME_SEC },
		{ "literal -> max", 7, UINT32_MAX, 0, 600 * MONOTIME_SEC,
		    7 + 600 * MONOTIME_SEC },
		{ "min > max -> max", 0, 1, 10 * MONOTIME_SEC, 2 * MONOTIME_SEC,
		    2 * MONOTIME_SEC },
		{ "at min", 0, 5, 5 * MONOTIME_SEC, 10 * MONOTIME_SEC,
		    5 * MONOTIME_SEC },
	};
	size_t i;
	uint64_t got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = origin_resolve_at(cases[i].now, cases[i].ttl,
		    cases[i].min, cases[i].max);
		if (got != cases[i].want)
			fail_msg("%s: got %llu want %llu", cases[i].desc,
			    (unsigned long long)got,
			    (unsigned long long)cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_key),
		cmocka_unit_test(test_origin_order_stable),
		cmocka_unit_test(test_origin_order_list_order),
		cmocka_unit_test(test_origin_order_spread),
		cmocka_unit_test(test_origin_order_remove),
		cmocka_unit_test(test_origin_order_add),
		cmocka_unit_test(test_origin_order_down_penalty),
		cmocka_unit_test(test_origin_order_limit),
		cmocka_unit_test(test_origin_next_failover),
		cmocka_unit_test(test_origin_resolve_at_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
