#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/queue.h>

#include "common/http.h"
#include "common/rc.h"

static void test_http_query_uint_table(void **state);
static void test_http_method_str_table(void **state);

/*
 * Query strings as the state feed gets them: since and wait. A key
 * without "=" or an empty key fails already in http_query_parse().
 */
static void
test_http_query_uint_table(void **state)
{
	static const struct {
		const char *query;
		uint64_t max;
		int rc;
		uint64_t value;
	} cases[] = {
		{ "since=42&wait=30", 60, RC_OK, 42 },
		{ "wait=30&since=0", 60, RC_OK, 0 },
		{ "since=9007199254740992", 1ULL << 53, RC_OK, 1ULL << 53 },
		{ "since=9007199254740993", 1ULL << 53, RC_LIMIT, 0 },
		{ "since=61", 60, RC_LIMIT, 0 },
		{ "since=1234567890123456789", UINT64_MAX, RC_OK,
		    1234567890123456789ULL },
		{ "since=12345678901234567890", UINT64_MAX, RC_MALFORMED, 0 },
		{ "since=", 60, RC_MALFORMED, 0 },
		{ "since", 60, RC_MALFORMED, 0 },
		{ "=3&since=1", 60, RC_MALFORMED, 0 },
		{ "since=-1", 60, RC_MALFORMED, 0 },
		{ "since=+1", 60, RC_MALFORMED, 0 },
		{ "since=1.0", 60, RC_MALFORMED, 0 },
		{ "since=0x10", 60, RC_MALFORMED, 0 },
		{ "since=%201", 60, RC_MALFORMED, 0 },
		{ "since=%31", 60, RC_OK, 1 },
		{ "since=1&since=2", 60, RC_MALFORMED, 0 },
		{ "wait=30", 60, RC_NOTFOUND, 0 },
		{ "SINCE=3", 60, RC_NOTFOUND, 0 },
		{ "", 60, RC_NOTFOUND, 0 },
		{ NULL, 60, RC_NOTFOUND, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct evkeyvalq q;
		uint64_t v = 777;
		int rc;

		TAILQ_INIT(&q);
		rc = http_query_parse(cases[i].query, &q);
		if (rc == RC_OK)
			rc = http_query_uint(&q, "since", cases[i].max, &v);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": %s, want %s",
			    cases[i].query ? cases[i].query : "(null)",
			    rc_str(rc), rc_str(cases[i].rc));
		assert_int_equal(v, rc == RC_OK ? cases[i].value : 777);
		evhttp_clear_headers(&q);
	}
}

static void
test_http_method_str_table(void **state)
{
	static const struct {
		enum evhttp_cmd_type cmd;
		const char *str;
	} cases[] = {
		{ EVHTTP_REQ_GET, "GET" },
		{ EVHTTP_REQ_POST, "POST" },
		{ EVHTTP_REQ_PUT, "PUT" },
		{ EVHTTP_REQ_DELETE, "DELETE" },
		{ EVHTTP_REQ_PATCH, "PATCH" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(http_method_str(cases[i].cmd),
		    cases[i].str);
	assert_null(http_method_str((enum evhttp_cmd_type)(1 << 20)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_query_uint_table),
		cmocka_unit_test(test_http_method_str_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
