#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/arena.h"

static void test_arena_alloc_alignment(void **state);
static void test_arena_alloc_many_chunks(void **state);
static void test_arena_alloc_big(void **state);
static void test_arena_memdup_strdup(void **state);
static void test_arena_zalloc(void **state);
static void test_arena_free_null(void **state);

/* Every result is ARENA_ALIGN-aligned; bytes_used counts rounded sizes. */
static void
test_arena_alloc_alignment(void **state)
{
	static const struct {
		size_t size;
		size_t rounded;
	} cases[] = {
		{ 1, 8 },
		{ 7, 8 },
		{ 8, 8 },
		{ 9, 16 },
		{ 0, 0 },
		{ 13, 16 },
		{ 24, 24 },
		{ 3, 8 },
		{ 100, 104 },
	};
	struct arena *a;
	size_t i, used = 0;
	void *p;

	(void)state;
	a = arena_new(256);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = arena_alloc(a, cases[i].size);
		assert_non_null(p);
		if ((uintptr_t)p % ARENA_ALIGN != 0)
			fail_msg("size %zu: %p not aligned", cases[i].size, p);
		used += cases[i].rounded;
		assert_int_equal(arena_bytes_used(a), used);
	}
	arena_free(a);
}

/* Data written into many chunks stays intact until arena_free(). */
static void
test_arena_alloc_many_chunks(void **state)
{
	struct arena *a;
	uint32_t *v[1000];
	size_t i;

	(void)state;
	a = arena_new(64);
	for (i = 0; i < 1000; i++) {
		v[i] = arena_alloc(a, sizeof(*v[i]) * 3);
		v[i][0] = (uint32_t)i;
		v[i][1] = (uint32_t)i * 7;
		v[i][2] = ~(uint32_t)i;
	}
	for (i = 0; i < 1000; i++) {
		assert_int_equal(v[i][0], i);
		assert_int_equal(v[i][1], i * 7);
		assert_int_equal(v[i][2], ~(uint32_t)i);
	}
	assert_int_equal(arena_bytes_used(a), 1000 * 16);
	assert_true(arena_bytes_reserved(a) >= arena_bytes_used(a));
	arena_free(a);
}

/* A big request gets its own chunk and leaves the current one usable. */
static void
test_arena_alloc_big(void **state)
{
	struct arena *a;
	char *small1, *big, *small2;
	size_t reserved;

	(void)state;
	a = arena_new(1024);
	small1 = arena_alloc(a, 16);
	reserved = arena_bytes_reserved(a);
	assert_int_equal(reserved, 1024);
	big = arena_alloc(a, 10000);
	memset(big, 'x', 10000);
	assert_int_equal(arena_bytes_reserved(a), reserved + 10000);
	small2 = arena_alloc(a, 16);
	/* Same chunk as small1: right behind it. */
	assert_ptr_equal(small2, small1 + 16);
	assert_int_equal(arena_bytes_used(a), 16 + 10000 + 16);
	arena_free(a);
}

static void
test_arena_memdup_strdup(void **state)
{
	static const uint8_t bytes[] = { 0, 1, 2, 0xff };
	struct arena *a;
	const char *s;
	uint8_t *b;

	(void)state;
	a = arena_new(0);
	s = arena_strdup(a, "example.com.");
	assert_string_equal(s, "example.com.");
	b = arena_memdup(a, bytes, sizeof(bytes));
	assert_memory_equal(b, bytes, sizeof(bytes));
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(arena_strndup(a, "ab", 10), "ab");
	assert_string_equal(arena_strdup(a, ""), "");
	assert_non_null(arena_memdup(a, NULL, 0));
	arena_free(a);
}

static void
test_arena_zalloc(void **state)
{
	struct arena *a;
	unsigned char *p;
	size_t i;

	(void)state;
	a = arena_new(128);
	p = arena_alloc(a, 64);
	memset(p, 0xff, 64);
	arena_free(a);
	a = arena_new(128);
	p = arena_zalloc(a, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	arena_free(a);
}

static void
test_arena_free_null(void **state)
{
	(void)state;
	arena_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_alignment),
		cmocka_unit_test(test_arena_alloc_many_chunks),
		cmocka_unit_test(test_arena_alloc_big),
		cmocka_unit_test(test_arena_memdup_strdup),
		cmocka_unit_test(test_arena_zalloc),
		cmocka_unit_test(test_arena_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
