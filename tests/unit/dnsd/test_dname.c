#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/rc.h"
#include "dnsd/dname.h"

struct read_case {
	const char *desc;
	const uint8_t *pkt;
	size_t len;
	size_t start;
	int rc;
	const char *text; /* expected presentation form when RC_OK */
	size_t end;	  /* expected position after the name */
};

static const uint8_t p_plain[] = { 3, 'w', 'W', 'w', 7, 'e', 'x', 'a', 'm', 'p',
	'l', 'e', 0 };
static const uint8_t p_root[] = { 0 };
/* "example." at 0, then "www" + pointer to 0 at 9 */
static const uint8_t p_ptr[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 3,
	'w', 'w', 'w', 0xc0, 0 };
static const uint8_t p_selfptr[] = { 0xc0, 0 };
static const uint8_t p_fwdptr[] = { 0xc0, 2, 0 };
static const uint8_t p_past[] = { 5, 'a', 'b' };
static const uint8_t p_badtype[] = { 0x41, 'a', 0 };
static const uint8_t p_cutptr[] = { 3, 'a', 'b', 'c', 0xc0 };

static void
test_dname_read_table(void **state)
{
	static const struct read_case cases[] = {
		{ "plain name keeps case", p_plain, sizeof(p_plain), 0, RC_OK,
		    "wWw.example.", sizeof(p_plain) },
		{ "root", p_root, 1, 0, RC_OK, ".", 1 },
		{ "backward pointer", p_ptr, sizeof(p_ptr), 9, RC_OK,
		    "www.example.", sizeof(p_ptr) },
		{ "pointer to itself", p_selfptr, 2, 0, RC_MALFORMED, NULL, 0 },
		{ "forward pointer", p_fwdptr, 3, 0, RC_MALFORMED, NULL, 0 },
		{ "label past the end", p_past, 3, 0, RC_TRUNCATED, NULL, 0 },
		{ "0x40 label type", p_badtype, 3, 0, RC_MALFORMED, NULL, 0 },
		{ "pointer cut short", p_cutptr, 5, 0, RC_TRUNCATED, NULL, 0 },
		{ "empty input", p_root, 0, 0, RC_TRUNCATED, NULL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct read_case *c = &cases[i];
		uint8_t out[DNAME_MAX];
		struct dname_info info;
		char text[DNAME_STRLEN];
		size_t pos = c->start;
		int rc = dname_read(c->pkt, c->len, &pos, out, &info);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->desc, rc, c->rc);
		if (rc != RC_OK)
			continue;
		assert_string_equal(dname_to_str(out, text, sizeof(text)),
		    c->text);
		assert_int_equal(pos, c->end);
		assert_int_equal(info.len, dname_len(out));
	}
}

static void
test_dname_read_too_long(void **state)
{
	uint8_t pkt[300], out[DNAME_MAX];
	struct dname_info info;
	size_t pos = 0, n = 0;

	(void)state;
	/* 5 labels of 63 bytes: 320 bytes of name, over 255. */
	for (int l = 0; l < 4; l++) {
		pkt[n++] = 63;
		memset(pkt + n, 'a', 63);
		n += 63;
	}
	pkt[n++] = 0;
	assert_int_equal(dname_read(pkt, n, &pos, out, &info), RC_MALFORMED);
}

static void
test_dname_equal_and_subdomain(void **state)
{
	static const uint8_t a[] = { 3, 'W', 'w', 'W', 4, 't', 'e', 's', 't',
		0 };
	static const uint8_t b[] = { 3, 'w', 'w', 'w', 4, 't', 'e', 's', 't',
		0 };
	static const uint8_t t[] = { 4, 't', 'e', 's', 't', 0 };
	static const uint8_t xt[] = { 5, 'x', 't', 'e', 's', 't', 0 };

	(void)state;
	assert_true(dname_equal(a, b));
	assert_false(dname_equal(a, t));
	assert_true(dname_is_subdomain(b, t));
	assert_true(dname_is_subdomain(t, t));
	assert_false(dname_is_subdomain(t, b));
	assert_false(dname_is_subdomain(xt, t));
	assert_int_equal(dname_count_labels(b), 2);
}

static void
test_dname_hash_suffixes_match_whole(void **state)
{
	static const uint8_t n[] = { 1, 'a', 1, 'b', 4, 't', 'e', 's', 't', 0 };
	struct dname_info info;
	uint32_t h[DNAME_LABELS_MAX + 1];

	(void)state;
	assert_int_equal(dname_check(n, sizeof(n), &info), RC_OK);
	dname_hash_suffixes(n, &info, h);
	assert_int_equal(h[0], dname_hash(n));
	assert_int_equal(h[1], dname_hash(n + 2));
	assert_int_equal(h[2], dname_hash(n + 4));
	assert_int_equal(h[3], dname_hash(n + 9));
	assert_int_not_equal(h[0], h[1]);
}

static void
test_dname_to_str_escapes(void **state)
{
	static const uint8_t n[] = { 3, 'a', '.', ' ', 1, '\\', 0 };
	char buf[DNAME_STRLEN];

	(void)state;
	assert_string_equal(dname_to_str(n, buf, sizeof(buf)),
	    "a\\.\\032.\\\\.");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dname_read_table),
		cmocka_unit_test(test_dname_read_too_long),
		cmocka_unit_test(test_dname_equal_and_subdomain),
		cmocka_unit_test(test_dname_hash_suffixes_match_whole),
		cmocka_unit_test(test_dname_to_str_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
