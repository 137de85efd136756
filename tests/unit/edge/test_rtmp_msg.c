#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/rc.h"
#include "edge/rtmp_msg.h"

static void test_rtmp_msg_encode_known_bytes(void **state);
static void test_rtmp_msg_decode_errors(void **state);
static void test_rtmp_msg_encode_errors(void **state);
static void test_rtmp_msg_agg_split(void **state);
static void test_rtmp_msg_agg_errors(void **state);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Known encodings; each also decodes back to the same fields. */
static const struct {
	const char *desc;
	struct rtmp_msg_ctl c;
	uint8_t bytes[RTMP_MSG_CTL_MAX];
	size_t len;
} known[] = {
	{ "set chunk size 4096", { .type = 1, .value = 4096 },
	    { 0, 0, 0x10, 0 }, 4 },
	{ "abort csid 4", { .type = 2, .value = 4 }, { 0, 0, 0, 4 }, 4 },
	{ "ack 500000", { .type = 3, .value = 500000 }, { 0, 0x07, 0xa1, 0x20 },
	    4 },
	{ "window 5000000", { .type = 5, .value = 5000000 },
	    { 0, 0x4c, 0x4b, 0x40 }, 4 },
	{ "peer bw dynamic", { .type = 6, .value = 5000000, .limit = 2 },
	    { 0, 0x4c, 0x4b, 0x40, 2 }, 5 },
	{ "stream begin 1", { .type = 4, .event = 0, .value = 1 },
	    { 0, 0, 0, 0, 0, 1 }, 6 },
	{ "stream eof 1", { .type = 4, .event = 1, .value = 1 },
	    { 0, 1, 0, 0, 0, 1 }, 6 },
	{ "stream dry 2", { .type = 4, .event = 2, .value = 2 },
	    { 0, 2, 0, 0, 0, 2 }, 6 },
	{ "set buffer length 1 3000",
	    { .type = 4, .event = 3, .value = 1, .buffer_ms = 3000 },
	    { 0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8 }, 10 },
	{ "stream is recorded 1", { .type = 4, .event = 4, .value = 1 },
	    { 0, 4, 0, 0, 0, 1 }, 6 },
	{ "ping request", { .type = 4, .event = 6, .value = 0x01020304 },
	    { 0, 6, 1, 2, 3, 4 }, 6 },
	{ "ping response", { .type = 4, .event = 7, .value = 0x01020304 },
	    { 0, 7, 1, 2, 3, 4 }, 6 },
};

static void
test_rtmp_msg_encode_known_bytes(void **state)
{
	uint8_t buf[RTMP_MSG_CTL_MAX];
	struct rtmp_msg m;
	struct rtmp_msg_ctl d;
	size_t i;

	(void)state;
	for (i = 0; i < N(known); i++) {
		assert_int_equal(
		    rtmp_msg_encode(&known[i].c, buf, sizeof(buf), &m), RC_OK);
		assert_int_equal(m.len, known[i].len);
		assert_memory_equal(m.payload, known[i].bytes, m.len);
		assert_int_equal(m.csid, 2);
		assert_int_equal(m.stream_id, 0);
		assert_int_equal(m.type, known[i].c.type);
		assert_int_equal(rtmp_msg_decode(&m, &d), RC_OK);
		assert_int_equal(d.type, known[i].c.type);
		assert_int_equal(d.value, known[i].c.value);
		assert_int_equal(d.limit, known[i].c.limit);
		assert_int_equal(d.event, known[i].c.event);
		assert_int_equal(d.buffer_ms, known[i].c.buffer_ms);
		/* Every shorter payload is truncated. */
		m.len--;
		assert_int_equal(rtmp_msg_decode(&m, &d), RC_TRUNCATED);
	}
	assert_int_equal(rtmp_msg_encode_u32(RTMP_MSG_ACK, 7, buf, 4, &m),
	    RC_OK);
	assert_int_equal(rtmp_msg_encode_peer_bw(1, 0, buf, 5, &m), RC_OK);
	assert_int_equal(m.len, 5);
	assert_int_equal(rtmp_msg_encode_uc(7, 9, buf, 6, &m), RC_OK);
	assert_int_equal(m.type, RTMP_MSG_USER_CONTROL);
	assert_string_equal(rtmp_msg_type_str(20), "command-amf0");
	assert_string_equal(rtmp_msg_type_str(99), "unknown");
}

static void
test_rtmp_msg_decode_errors(void **state)
{
	static const struct {
		const char *desc;
		uint8_t type;
		uint8_t bytes[8];
		size_t len;
		int rc;
	} cases[] = {
		{ "audio is not control", 8, { 0, 0, 0, 1 }, 4, RC_MALFORMED },
		{ "chunk size 0", 1, { 0, 0, 0, 0 }, 4, RC_MALFORMED },
		{ "chunk size top bit", 1, { 0x80, 0, 0x10, 0 }, 4,
		    RC_MALFORMED },
		{ "empty ack", 3, { 0 }, 0, RC_TRUNCATED },
		{ "peer bw without limit", 6, { 0, 0, 1, 0 }, 4, RC_TRUNCATED },
		{ "uc one byte", 4, { 0 }, 1, RC_TRUNCATED },
		{ "uc swf verify", 4, { 0, 26 }, 2, RC_UNSUPPORTED },
		{ "uc event 5", 4, { 0, 5, 0, 0, 0, 0 }, 6, RC_UNSUPPORTED },
		{ "trailing bytes ok", 5, { 0, 0, 0, 1, 9, 9 }, 6, RC_OK },
	};
	struct rtmp_msg m = { .csid = 2 };
	struct rtmp_msg_ctl d;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		m.type = cases[i].type;
		m.payload = cases[i].bytes;
		m.len = cases[i].len;
		if (rtmp_msg_decode(&m, &d) != cases[i].rc)
			fail_msg("%s", cases[i].desc);
	}
	m.type = 4;
	m.payload = (const uint8_t *)"\x00\x1a";
	m.len = 2;
	assert_int_equal(rtmp_msg_decode(&m, &d), RC_UNSUPPORTED);
	assert_int_equal(d.event, 26);
	assert_false(rtmp_msg_is_control(0));
	assert_true(rtmp_msg_is_control(6));
	assert_false(rtmp_msg_is_control(7));
}

static void
test_rtmp_msg_encode_errors(void **state)
{
	uint8_t buf[RTMP_MSG_CTL_MAX];
	struct rtmp_msg m;
	struct rtmp_msg_ctl c = { .type = 8 };

	(void)state;
	assert_int_equal(rtmp_msg_encode(&c, buf, sizeof(buf), &m),
	    RC_MALFORMED);
	c.type = 1;
	c.value = 0;
	assert_int_equal(rtmp_msg_encode(&c, buf, sizeof(buf), &m),
	    RC_MALFORMED);
	c.value = 0x80000000u;
	assert_int_equal(rtmp_msg_encode(&c, buf, sizeof(buf), &m),
	    RC_MALFORMED);
	c.value = 128;
	assert_int_equal(rtmp_msg_encode(&c, buf, 3, &m), RC_TRUNCATED);
	assert_int_equal(rtmp_msg_encode_uc(5, 1, buf, sizeof(buf), &m),
	    RC_MALFORMED);
	assert_int_equal(rtmp_msg_encode_u32(4, 1, buf, sizeof(buf), &m),
	    RC_MALFORMED);
	assert_int_equal(rtmp_msg_encode_uc(3, 1, buf, 9, &m), RC_TRUNCATED);
}

/*
 * An aggregate as FMS sends it: video at 1000, audio at 1020, video at
 * 1040 (publisher time), each followed by its back pointer; the
 * aggregate itself is stamped 5000.
 */
static const uint8_t agg_bytes[] = {
	9,
	0,
	0,
	2,
	0,
	0x03,
	0xe8,
	0,
	0,
	0,
	1,
	0x17,
	0x01,
	0,
	0,
	0,
	13,
	8,
	0,
	0,
	1,
	0,
	0x03,
	0xfc,
	0,
	0,
	0,
	1,
	0xaf,
	0,
	0,
	0,
	12,
	9,
	0,
	0,
	3,
	0,
	0x04,
	0x10,
	0,
	0,
	0,
	1,
	0x27,
	0x01,
	0x00,
	0,
	0,
	0,
	14,
};

static void
test_rtmp_msg_agg_split(void **state)
{
	static const struct {
		uint8_t type;
		uint32_t ts;
		size_t len;
		uint8_t first;
	} want[] = { { 9, 5000, 2, 0x17 }, { 8, 5020, 1, 0xaf },
		{ 9, 5040, 3, 0x27 } };
	struct rtmp_msg m = { .csid = 7,
		.type = 22,
		.stream_id = 1,
		.timestamp = 5000,
		.payload = agg_bytes,
		.len = sizeof(agg_bytes) };
	struct rtmp_msg_agg it;
	struct rtmp_msg sub;
	size_t i;

	(void)state;
	rtmp_msg_agg_init(&it, &m);
	for (i = 0; i < N(want); i++) {
		assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_OK);
		assert_int_equal(sub.type, want[i].type);
		assert_int_equal(sub.timestamp, want[i].ts);
		assert_int_equal(sub.len, want[i].len);
		assert_int_equal(sub.payload[0], want[i].first);
		assert_int_equal(sub.stream_id, 1);
		assert_int_equal(sub.csid, 7);
	}
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_NOTFOUND);
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_NOTFOUND);
	/* An empty aggregate has nothing. */
	m.len = 0;
	rtmp_msg_agg_init(&it, &m);
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_NOTFOUND);
}

static void
test_rtmp_msg_agg_errors(void **state)
{
	uint8_t b[sizeof(agg_bytes)];
	struct rtmp_msg m = { .type = 22, .payload = b };
	struct rtmp_msg_agg it;
	struct rtmp_msg sub;
	size_t cut;

	(void)state;
	/* Cut anywhere inside the first sub-message: malformed at once. */
	memcpy(b, agg_bytes, sizeof(b));
	for (cut = 1; cut < 17; cut++) {
		m.len = cut;
		rtmp_msg_agg_init(&it, &m);
		assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_MALFORMED);
		assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_MALFORMED);
	}
	/* A size past the end. */
	m.len = sizeof(b);
	b[3] = 0xff;
	rtmp_msg_agg_init(&it, &m);
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_MALFORMED);
	/* A command inside an aggregate is not allowed; the first is kept. */
	memcpy(b, agg_bytes, sizeof(b));
	b[17] = 20;
	rtmp_msg_agg_init(&it, &m);
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_OK);
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_MALFORMED);
	assert_int_equal(rtmp_msg_agg_next(&it, &sub), RC_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtmp_msg_encode_known_bytes),
		cmocka_unit_test(test_rtmp_msg_decode_errors),
		cmocka_unit_test(test_rtmp_msg_encode_errors),
		cmocka_unit_test(test_rtmp_msg_agg_split),
		cmocka_unit_test(test_rtmp_msg_agg_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
