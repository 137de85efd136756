#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/auth.h"
#include "common/log.h"
#include "common/rc.h"

/* Known answers from `openssl dgst -sha256 -hmac` and Python's hmac. */
#define SECRET "0123456789abcdef0123456789abcdef"
#define T0 1764000000
#define GET_PATH "/v1/state?since=41&wait=30"
#define GET_SIG \
	"57cb1f5e7808de29c6eb18f92e9481949af19b309aaf3254b8a0c1e6533740ab"
#define POST_BODY                                                          \
	"{\"version\":1,\"edge\":\"lon-1\",\"time\":1764000000,\"seq\":1," \
	"\"state\":\"up\"}"
#define POST_SIG \
	"397978664ce5825adc4c55f5c4644b20490f9117dab70b2d2f00a8f636cefc5b"
#define RESP_SIG \
	"dac9b905482d8fa3eac8806f561ad7f87909d0d0ec4174d846d6a33773f31908"

static struct auth *test_auth(uint32_t window, size_t cache);
static void test_sig(struct auth *a, int64_t t, const char *path, char *hex);
static void test_quiet_cb(int prio, const char *line, void *arg);
static void test_auth_sign_known_answer(void **state);
static void test_auth_verify_ok_then_replay(void **state);
static void test_auth_verify_tampered(void **state);
static void test_auth_verify_window(void **state);
static void test_auth_verify_bad_headers(void **state);
static void test_auth_check_no_cache(void **state);
static void test_auth_verify_cache_evicts_oldest(void **state);
static void test_auth_verify_cache_expires(void **state);
static void test_auth_verify_never_accepts_replay(void **state);
static void test_auth_new_bad_params(void **state);
static void test_auth_load_secret_files(void **state);

static struct auth *
test_auth(uint32_t window, size_t cache)
{
	struct auth *a = auth_new(SECRET, strlen(SECRET), window, cache);

	assert_non_null(a);
	return a;
}

/* GET signature at t for path into hex. */
static void
test_sig(struct auth *a, int64_t t, const char *path, char *hex)
{
	assert_int_equal(auth_sign(a, t, "GET", path, NULL, 0, hex), RC_OK);
}

static void
test_quiet_cb(int prio, const char *line, void *arg)
{
	(void)prio;
	(void)line;
	(void)arg;
}

static void
test_auth_sign_known_answer(void **state)
{
	static const struct {
		const char *method;
		const char *path;
		const char *body;
		const char *sig;
	} cases[] = {
		{ "GET", GET_PATH, "", GET_SIG },
		{ "POST", "/v1/report", POST_BODY, POST_SIG },
		{ AUTH_METHOD_RESPONSE, GET_PATH, "", RESP_SIG },
	};
	struct auth *a = test_auth(30, 16);
	char hex[AUTH_HEX_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].body);

		assert_int_equal(auth_sign(a, T0, cases[i].method,
				     cases[i].path, len ? cases[i].body : NULL,
				     len, hex),
		    RC_OK);
		assert_string_equal(hex, cases[i].sig);
		assert_int_equal(auth_check(a, T0, "1764000000", cases[i].sig,
				     cases[i].method, cases[i].path,
				     cases[i].body, len),
		    RC_OK);
	}
	auth_free(a);
}

static void
test_auth_verify_ok_then_replay(void **state)
{
	struct auth *a = test_auth(30, 16);

	(void)state;
	assert_int_equal(auth_verify(a, T0 + 5, "1764000000", POST_SIG, "POST",
			     "/v1/report", POST_BODY, strlen(POST_BODY)),
	    RC_OK);
	assert_int_equal(auth_cache_count(a), 1);
	assert_int_equal(auth_verify(a, T0 + 6, "1764000000", POST_SIG, "POST",
			     "/v1/report", POST_BODY, strlen(POST_BODY)),
	    RC_EXISTS);
	/* The same MAC in upper case is the same signature. */
	{
		char upper[AUTH_HEX_LEN + 1];

		for (size_t i = 0; i <= AUTH_HEX_LEN; i++)
			upper[i] = (char)(POST_SIG[i] >= 'a' ?
				POST_SIG[i] - 'a' + 'A' :
				POST_SIG[i]);
		assert_int_equal(auth_verify(a, T0, "1764000000", upper, "POST",
				     "/v1/report", POST_BODY,
				     strlen(POST_BODY)),
		    RC_EXISTS);
	}
	assert_int_equal(auth_cache_count(a), 1);
	auth_free(a);
}

/* Change any one part of a signed message and it no longer verifies. */
static void
test_auth_verify_tampered(void **state)
{
	static const struct {
		const char *desc;
		const char *time;
		const char *method;
		const char *path;
		const char *body;
	} cases[] = {
		{ "time", "1764000001", "POST", "/v1/report", POST_BODY },
		{ "method", "1764000000", "PUT", "/v1/report", POST_BODY },
		{ "method response", "1764000000", AUTH_METHOD_RESPONSE,
		    "/v1/report", POST_BODY },
		{ "path", "1764000000", "POST", "/v1/report?x=1", POST_BODY },
		{ "path case", "1764000000", "POST", "/v1/Report", POST_BODY },
		{ "body byte", "1764000000", "POST", "/v1/report",
		    "{\"version\":1,\"edge\":\"lon-2\",\"time\":1764000000,"
		    "\"seq\":1,\"state\":\"up\"}" },
		{ "body cut", "1764000000", "POST", "/v1/report",
		    "{\"version\":1,\"edge\":\"lon-1\"" },
		{ "body empty", "1764000000", "POST", "/v1/report", "" },
		{ "newline moved", "1764000000", "POST\n/v1/report", "",
		    POST_BODY },
	};
	struct auth *a = test_auth(30, 16);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc =
		    auth_verify(a, T0, cases[i].time, POST_SIG, cases[i].method,
			cases[i].path, cases[i].body, strlen(cases[i].body));

		if (rc != RC_MALFORMED)
			fail_msg("%s: %s", cases[i].desc, rc_str(rc));
	}
	/* A wrong key is a wrong signature too. */
	{
		struct auth *b =
		    auth_new("another secret, 16+ bytes", 25, 30, 16);

		assert_int_equal(auth_verify(b, T0, "1764000000", POST_SIG,
				     "POST", "/v1/report", POST_BODY,
				     strlen(POST_BODY)),
		    RC_MALFORMED);
		auth_free(b);
	}
	assert_int_equal(auth_cache_count(a), 0);
	auth_free(a);
}

static void
test_auth_verify_window(void **state)
{
	static const struct {
		uint32_t window;
		int64_t skew; /* now - TIME */
		int rc;
	} cases[] = {
		{ 30, 0, RC_OK },
		{ 30, 30, RC_OK },
		{ 30, -30, RC_OK },
		{ 30, 31, RC_TIMEOUT },
		{ 30, -31, RC_TIMEOUT },
		{ 30, 100000, RC_TIMEOUT },
		{ 5, 5, RC_OK },
		{ 5, 6, RC_TIMEOUT },
		{ 0, 0, RC_OK },
		{ 0, 1, RC_TIMEOUT },
		{ 0, -1, RC_TIMEOUT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct auth *a = test_auth(cases[i].window, 16);
		int rc = auth_verify(a, T0 + cases[i].skew, "1764000000",
		    GET_SIG, "GET", GET_PATH, "", 0);

		if (rc != cases[i].rc)
			fail_msg("window %u skew %lld: %s", cases[i].window,
			    (long long)cases[i].skew, rc_str(rc));
		auth_free(a);
	}
}

static void
test_auth_verify_bad_headers(void **state)
{
	static const struct {
		const char *time;
		const char *sig;
	} cases[] = {
		{ NULL, GET_SIG },
		{ "1764000000", NULL },
		{ "", GET_SIG },
		{ "-1764000000", GET_SIG },
		{ "+1764000000", GET_SIG },
		{ "01764000000", GET_SIG },
		{ " 1764000000", GET_SIG },
		{ "1764000000 ", GET_SIG },
		{ "1764000000.0", GET_SIG },
		{ "0x69277a00", GET_SIG },
		{ "99999999999999999", GET_SIG },
		{ "9007199254740993", GET_SIG },
		{ "1764000000", "" },
		{ "1764000000",
		    "57cb1f5e7808de29c6eb18f92e9481949af19b309aaf3254b8a0c1e6533740a" },
		{ "1764000000",
		    "57cb1f5e7808de29c6eb18f92e9481949af19b309aaf3254b8a0c1e6533740ab0" },
		{ "1764000000",
		    "57cb1f5e7808de29c6eb18f92e9481949af19b309aaf3254b8a0c1e6533740ag" },
		{ "1764000000",
		    " 57cb1f5e7808de29c6eb18f92e9481949af19b309aaf3254b8a0c1e6533740ab" },
		{ "1764000000",
		    "sha256=57cb1f5e7808de29c6eb18f92e9481949af19b309aaf3254b8a0c1" },
		{ "1764000000",
		    "0000000000000000000000000000000000000000000000000000000000000000" },
	};
	struct auth *a = test_auth(30, 16);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = auth_verify(a, T0, cases[i].time, cases[i].sig, "GET",
		    GET_PATH, "", 0);

		if (rc != RC_MALFORMED)
			fail_msg("time \"%s\" sig \"%s\": %s",
			    cases[i].time ? cases[i].time : "(null)",
			    cases[i].sig ? cases[i].sig : "(null)", rc_str(rc));
	}
	/* Time 0 is canonical and well-formed (just far outside). */
	assert_int_equal(
	    auth_verify(a, T0, "0", GET_SIG, "GET", GET_PATH, "", 0),
	    RC_TIMEOUT);
	assert_int_equal(auth_cache_count(a), 0);
	auth_free(a);
}

/* Clients checking responses: no cache, so repeats are fine. */
static void
test_auth_check_no_cache(void **state)
{
	struct auth *a = test_auth(30, 16);

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_check(a, T0, "1764000000", RESP_SIG,
				     AUTH_METHOD_RESPONSE, GET_PATH, "", 0),
		    RC_OK);
	assert_int_equal(auth_check(a, T0 + 31, "1764000000", RESP_SIG,
			     AUTH_METHOD_RESPONSE, GET_PATH, "", 0),
	    RC_TIMEOUT);
	assert_int_equal(auth_cache_count(a), 0);
	auth_free(a);
}

/*
 * A full cache drops the oldest TIME; that TIME becomes the floor, and
 * anything at or below it is refused as possibly replayed (RC_LIMIT),
 * while newer requests and a fast clock's entry are unaffected.
 */
static void
test_auth_verify_cache_evicts_oldest(void **state)
{
	struct auth *a = test_auth(30, 4);
	char hex[5][AUTH_HEX_LEN + 1], t[24], fast[AUTH_HEX_LEN + 1];
	char other[AUTH_HEX_LEN + 1];

	(void)state;
	/* One peer's clock runs 30 s fast: its entry is newest. */
	test_sig(a, T0 + 30, "/fast", fast);
	assert_int_equal(
	    auth_verify(a, T0, "1764000030", fast, "GET", "/fast", "", 0),
	    RC_OK);
	for (int i = 0; i < 3; i++) {
		char path[16];

		snprintf(path, sizeof(path), "/p%d", i);
		snprintf(t, sizeof(t), "%d", T0 - 10 + i);
		test_sig(a, T0 - 10 + i, path, hex[i]);
		assert_int_equal(
		    auth_verify(a, T0, t, hex[i], "GET", path, "", 0), RC_OK);
	}
	assert_int_equal(auth_cache_count(a), 4);
	/* Fifth: evicts TIME T0-10 (/p0), floor T0-10. */
	test_sig(a, T0, "/p3", hex[3]);
	assert_int_equal(
	    auth_verify(a, T0, "1764000000", hex[3], "GET", "/p3", "", 0),
	    RC_OK);
	assert_int_equal(auth_cache_count(a), 4);
	/* Replaying /p0 can no longer be proven new. */
	assert_int_equal(
	    auth_verify(a, T0, "1763999990", hex[0], "GET", "/p0", "", 0),
	    RC_LIMIT);
	/* Neither can a new request with that TIME. */
	test_sig(a, T0 - 10, "/new", other);
	assert_int_equal(
	    auth_verify(a, T0, "1763999990", other, "GET", "/new", "", 0),
	    RC_LIMIT);
	/* Still-cached ones are replays, as before. */
	assert_int_equal(
	    auth_verify(a, T0, "1763999991", hex[1], "GET", "/p1", "", 0),
	    RC_EXISTS);
	assert_int_equal(
	    auth_verify(a, T0, "1764000030", fast, "GET", "/fast", "", 0),
	    RC_EXISTS);
	/* A newer one evicts /p1 (T0-9), not the fast clock's. */
	test_sig(a, T0 + 1, "/p4", hex[4]);
	assert_int_equal(
	    auth_verify(a, T0, "1764000001", hex[4], "GET", "/p4", "", 0),
	    RC_OK);
	assert_int_equal(
	    auth_verify(a, T0, "1764000030", fast, "GET", "/fast", "", 0),
	    RC_EXISTS);
	assert_int_equal(
	    auth_verify(a, T0, "1763999991", hex[1], "GET", "/p1", "", 0),
	    RC_LIMIT);
	auth_free(a);
}

/* Entries leave once the window has passed them; replays are too old. */
static void
test_auth_verify_cache_expires(void **state)
{
	struct auth *a = test_auth(30, 16);
	char hex[AUTH_HEX_LEN + 1], hex2[AUTH_HEX_LEN + 1];

	(void)state;
	test_sig(a, T0, "/a", hex);
	assert_int_equal(
	    auth_verify(a, T0, "1764000000", hex, "GET", "/a", "", 0), RC_OK);
	assert_int_equal(
	    auth_verify(a, T0 + 30, "1764000000", hex, "GET", "/a", "", 0),
	    RC_EXISTS);
	assert_int_equal(
	    auth_verify(a, T0 + 31, "1764000000", hex, "GET", "/a", "", 0),
	    RC_TIMEOUT);
	test_sig(a, T0 + 31, "/b", hex2);
	assert_int_equal(
	    auth_verify(a, T0 + 31, "1764000031", hex2, "GET", "/b", "", 0),
	    RC_OK);
	assert_int_equal(auth_cache_count(a), 1);
	/* Even if the caller's clock steps back, /a stays refused. */
	assert_int_equal(
	    auth_verify(a, T0, "1764000000", hex, "GET", "/a", "", 0),
	    RC_LIMIT);
	auth_free(a);
}

/*
 * The property that matters, over many random requests on a small
 * cache: a signature accepted once is never accepted again, whatever
 * the order of TIMEs and evictions. Fresh signatures are refused only
 * for being at or below the floor.
 */
static void
test_auth_verify_never_accepts_replay(void **state)
{
	enum {
		N = 3000,
		CACHE = 32
	};
	struct auth *a = test_auth(30, CACHE);
	static char sigs[N][AUTH_HEX_LEN + 1];
	static int64_t times[N];
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	int64_t now = T0;
	unsigned accepted = 0, replays = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		char path[16], t[24];
		int rc, j;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		if (rnd % 4 == 0)
			now++;
		if (i > 0 && rnd % 3 == 0) {
			/* Replay an earlier one, maybe long accepted. */
			j = (int)((rnd >> 8) % (uint64_t)i);
			snprintf(path, sizeof(path), "/r%d", j);
			snprintf(t, sizeof(t), "%lld", (long long)times[j]);
			rc =
			    auth_verify(a, now, t, sigs[j], "GET", path, "", 0);
			if (rc == RC_OK)
				fail_msg("replay of %d accepted at %d", j, i);
			replays++;
			/* Keep slot i unused for replays. */
			times[i] = 0;
			sigs[i][0] = '\0';
			continue;
		}
		times[i] = now - 30 + (int64_t)((rnd >> 16) % 61);
		snprintf(path, sizeof(path), "/r%d", i);
		snprintf(t, sizeof(t), "%lld", (long long)times[i]);
		test_sig(a, times[i], path, sigs[i]);
		rc = auth_verify(a, now, t, sigs[i], "GET", path, "", 0);
		if (rc == RC_OK)
			accepted++;
		else if (rc != RC_LIMIT)
			fail_msg("fresh %d: %s", i, rc_str(rc));
		assert_true(auth_cache_count(a) <= CACHE);
	}
	assert_true(accepted > 100);
	assert_true(replays > 100);
	auth_free(a);
}

static void
test_auth_new_bad_params(void **state)
{
	static const struct {
		size_t secret_len;
		uint32_t window;
		size_t cache;
	} cases[] = {
		{ 15, 30, 16 },
		{ AUTH_SECRET_MAX + 1, 30, 16 },
		{ 16, AUTH_WINDOW_MAX + 1, 16 },
		{ 16, 30, 0 },
		{ 16, 30, AUTH_CACHE_MAX + 1 },
	};
	static char secret[AUTH_SECRET_MAX + 1];
	struct auth *a;

	(void)state;
	memset(secret, 's', sizeof(secret));
	log_set_hook(test_quiet_cb, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_null(auth_new(secret, cases[i].secret_len,
		    cases[i].window, cases[i].cache));
	log_set_hook(NULL, NULL);
	a = auth_new(secret, AUTH_SECRET_MAX, AUTH_WINDOW_MAX, 1);
	assert_non_null(a);
	auth_free(a);
	a = auth_new(secret, AUTH_SECRET_MIN, 0, 1);
	assert_non_null(a);
	auth_free(a);
	auth_free(NULL);
}

/* The first line is the secret: it must sign like SECRET does. */
static void
test_auth_load_secret_files(void **state)
{
	static char long_line[AUTH_SECRET_MAX + 10];
	static const struct {
		const char *desc;
		const char *content;
		size_t len;
		bool ok;
	} cases[] = {
		{ "newline", SECRET "\n", 0, true },
		{ "no newline", SECRET, 0, true },
		{ "crlf", SECRET "\r\n", 0, true },
		{ "second line ignored", SECRET "\nsomething else\n", 0, true },
		{ "empty", "", 0, false },
		{ "empty first line", "\n" SECRET "\n", 0, false },
		{ "15 bytes", "0123456789abcde\n", 0, false },
		{ "NUL inside", SECRET "\0" SECRET "\n", 2 * sizeof(SECRET),
		    false },
		{ "too long", long_line, sizeof(long_line), false },
	};
	char path[] = "/tmp/test_auth.XXXXXX";
	char hex[AUTH_HEX_LEN + 1];
	struct auth *a;
	int fd;

	(void)state;
	memset(long_line, 'x', sizeof(long_line));
	long_line[sizeof(long_line) - 1] = '\n';
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	log_set_hook(test_quiet_cb, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len =
		    cases[i].len ? cases[i].len : strlen(cases[i].content);
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		assert_int_equal(fwrite(cases[i].content, 1, len, f), len);
		fclose(f);
		a = auth_load_secret(path, 30, 16);
		if (!cases[i].ok) {
			if (a != NULL)
				fail_msg("%s: accepted", cases[i].desc);
			continue;
		}
		if (a == NULL)
			fail_msg("%s: refused", cases[i].desc);
		test_sig(a, T0, GET_PATH, hex);
		assert_string_equal(hex, GET_SIG);
		auth_free(a);
	}
	unlink(path);
	assert_null(auth_load_secret(path, 30, 16));
	log_set_hook(NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_sign_known_answer),
		cmocka_unit_test(test_auth_verify_ok_then_replay),
		cmocka_unit_test(test_auth_verify_tampered),
		cmocka_unit_test(test_auth_verify_window),
		cmocka_unit_test(test_auth_verify_bad_headers),
		cmocka_unit_test(test_auth_check_no_cache),
		cmocka_unit_test(test_auth_verify_cache_evicts_oldest),
		cmocka_unit_test(test_auth_verify_cache_expires),
		cmocka_unit_test(test_auth_verify_never_accepts_replay),
		cmocka_unit_test(test_auth_new_bad_params),
		cmocka_unit_test(test_auth_load_secret_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
