#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "common/rc.h"
#include "common/sockaddr.h"

static void test_sockaddr_parse_table(void **state);
static void test_sockaddr_parse_len(void **state);
static void test_sockaddr_fmt_short_buffer(void **state);
static void test_sockaddr_fmt_unknown_family(void **state);
static void test_sockaddr_set_port(void **state);
static void test_sockaddr_equal(void **state);

/* Accepted inputs come back out of sockaddr_fmt() as `want`. */
static void
test_sockaddr_parse_table(void **state)
{
	static const struct {
		const char *desc;
		const char *in;
		int rc;
		const char *want; /* sockaddr_fmt() of the result */
		int family;
	} cases[] = {
		{ "v4 with port", "1.2.3.4:53", RC_OK, "1.2.3.4:53", AF_INET },
		{ "v4 default port", "1.2.3.4", RC_OK, "1.2.3.4:5353",
		    AF_INET },
		{ "v4 port 0", "127.0.0.1:0", RC_OK, "127.0.0.1:0", AF_INET },
		{ "v4 port max", "10.0.0.1:65535", RC_OK, "10.0.0.1:65535",
		    AF_INET },
		{ "v6 bracketed", "[::1]:5353", RC_OK, "[::1]:5353", AF_INET6 },
		{ "v6 bare", "::1", RC_OK, "[::1]:5353", AF_INET6 },
		{ "v6 any", "::", RC_OK, "[::]:5353", AF_INET6 },
		{ "v6 long", "[2001:db8::a:b]:53", RC_OK, "[2001:db8::a:b]:53",
		    AF_INET6 },
		{ "v6 bare colon-ending", "fe80::1:53", RC_OK,
		    "[fe80::1:53]:5353", AF_INET6 },
		{ "v4-mapped v6", "::ffff:1.2.3.4", RC_OK,
		    "[::ffff:1.2.3.4]:5353", AF_INET6 },
		{ "empty", "", RC_MALFORMED, NULL, 0 },
		{ "port only", ":53", RC_MALFORMED, NULL, 0 },
		{ "empty port", "1.2.3.4:", RC_MALFORMED, NULL, 0 },
		{ "port too big", "1.2.3.4:65536", RC_MALFORMED, NULL, 0 },
		{ "port six digits", "1.2.3.4:000053", RC_MALFORMED, NULL, 0 },
		{ "port sign", "1.2.3.4:+53", RC_MALFORMED, NULL, 0 },
		{ "port garbage", "1.2.3.4:53x", RC_MALFORMED, NULL, 0 },
		{ "short v4", "1.2.3", RC_MALFORMED, NULL, 0 },
		{ "v4 octet too big", "1.2.3.256", RC_MALFORMED, NULL, 0 },
		{ "hostname", "localhost", RC_MALFORMED, NULL, 0 },
		{ "hostname with port", "localhost:53", RC_MALFORMED, NULL, 0 },
		{ "leading space", " 1.2.3.4", RC_MALFORMED, NULL, 0 },
		{ "trailing space", "1.2.3.4 ", RC_MALFORMED, NULL, 0 },
		{ "v6 brackets no port", "[::1]", RC_MALFORMED, NULL, 0 },
		{ "v6 brackets empty port", "[::1]:", RC_MALFORMED, NULL, 0 },
		{ "v6 brackets empty", "[]:53", RC_MALFORMED, NULL, 0 },
		{ "v4 in brackets", "[1.2.3.4]:53", RC_MALFORMED, NULL, 0 },
		{ "unclosed bracket", "[::1:53", RC_MALFORMED, NULL, 0 },
		{ "v6 scope", "fe80::1%lo", RC_MALFORMED, NULL, 0 },
		{ "v6 garbage", "1:2:3:4:5:6:7:8:9", RC_MALFORMED, NULL, 0 },
	};
	struct sockaddr_storage ss;
	char buf[SOCKADDR_STRLEN];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = sockaddr_parse(cases[i].in, 5353, &ss, NULL);
		if (rc != cases[i].rc)
			fail_msg("%s: \"%s\": rc %s, want %s", cases[i].desc,
			    cases[i].in, rc_str(rc), rc_str(cases[i].rc));
		if (rc != RC_OK)
			continue;
		sockaddr_fmt((struct sockaddr *)&ss, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0 ||
		    ss.ss_family != cases[i].family)
			fail_msg("%s: \"%s\" -> \"%s\", want \"%s\"",
			    cases[i].desc, cases[i].in, buf, cases[i].want);
	}
}

static void
test_sockaddr_parse_len(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	(void)state;
	assert_int_equal(sockaddr_parse("1.2.3.4:53", 0, &ss, &len), RC_OK);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(sockaddr_len((struct sockaddr *)&ss), len);
	assert_int_equal(sockaddr_port((struct sockaddr *)&ss), 53);
	assert_int_equal(sockaddr_parse("[::1]:8080", 0, &ss, &len), RC_OK);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(sockaddr_len((struct sockaddr *)&ss), len);
	assert_int_equal(sockaddr_port((struct sockaddr *)&ss), 8080);
}

static void
test_sockaddr_fmt_short_buffer(void **state)
{
	struct sockaddr_storage ss;
	char buf[8];

	(void)state;
	assert_int_equal(sockaddr_parse("192.168.100.200:53", 0, &ss, NULL),
	    RC_OK);
	assert_string_equal(
	    sockaddr_fmt((struct sockaddr *)&ss, buf, sizeof(buf)), "192.168");
}

static void
test_sockaddr_fmt_unknown_family(void **state)
{
	struct sockaddr_storage ss;
	char buf[SOCKADDR_STRLEN];

	(void)state;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_string_equal(
	    sockaddr_fmt((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "(family 1)");
	assert_int_equal(sockaddr_port((struct sockaddr *)&ss), 0);
	assert_int_equal(sockaddr_len((struct sockaddr *)&ss), 0);
}

static void
test_sockaddr_set_port(void **state)
{
	struct sockaddr_storage ss;
	char buf[SOCKADDR_STRLEN];

	(void)state;
	assert_int_equal(sockaddr_parse("::1", 53, &ss, NULL), RC_OK);
	sockaddr_set_port((struct sockaddr *)&ss, 853);
	assert_string_equal(
	    sockaddr_fmt((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "[::1]:853");
}

static void
test_sockaddr_equal(void **state)
{
	static const struct {
		const char *a, *b;
		bool equal;
	} cases[] = {
		{ "1.2.3.4:53", "1.2.3.4:53", true },
		{ "1.2.3.4:53", "1.2.3.4:54", false },
		{ "1.2.3.4:53", "1.2.3.5:53", false },
		{ "[::1]:53", "::1", true },
		{ "[::1]:53", "[::2]:53", false },
		{ "::ffff:1.2.3.4", "1.2.3.4", false },
	};
	struct sockaddr_storage a, b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sockaddr_parse(cases[i].a, 53, &a, NULL),
		    RC_OK);
		assert_int_equal(sockaddr_parse(cases[i].b, 53, &b, NULL),
		    RC_OK);
		if (sockaddr_equal((struct sockaddr *)&a,
			(struct sockaddr *)&b) != cases[i].equal)
			fail_msg("%s vs %s: want %d", cases[i].a, cases[i].b,
			    cases[i].equal);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockaddr_parse_table),
		cmocka_unit_test(test_sockaddr_parse_len),
		cmocka_unit_test(test_sockaddr_fmt_short_buffer),
		cmocka_unit_test(test_sockaddr_fmt_unknown_family),
		cmocka_unit_test(test_sockaddr_set_port),
		cmocka_unit_test(test_sockaddr_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
