#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "edge/rtmp_chunk.h"

#define MAXMSG 64

/* What the decoder delivered (payloads copied). */
struct got {
	size_t n;
	struct rtmp_msg m[MAXMSG];
	uint8_t *p[MAXMSG];
	struct rtmp_chunk_rx *rx;
	int stop_rc; /* returned from the callback after each message */
};

/* An expected message; payload in the hex notation of hex_parse(). */
struct exp_msg {
	uint32_t csid;
	uint8_t type;
	uint32_t sid;
	uint32_t ts;
	const char *hex;
};

static size_t hex_parse(const char *s, uint8_t *out, size_t cap);
static int got_cb(void *arg, const struct rtmp_msg *m);
static void got_free(struct got *g);
static int feed_split(struct rtmp_chunk_rx *rx, const uint8_t *in, size_t len,
    int mode, uint32_t *seed);
static uint32_t prng(uint32_t *s);
static void test_rtmp_chunk_shared_body(void **state);
static void test_rtmp_chunk_rx_feed_table(void **state);
static void test_rtmp_chunk_rx_feed_limits(void **state);
static void test_rtmp_chunk_rx_feed_buffered(void **state);
static void test_rtmp_chunk_rx_set_chunk_size_range(void **state);
static void test_rtmp_chunk_rx_feed_cb_stop(void **state);
static void test_rtmp_chunk_rx_abort_mid_chunk(void **state);
static void test_rtmp_chunk_tx_write_table(void **state);
static void test_rtmp_chunk_tx_write_truncated(void **state);
static void test_rtmp_chunk_roundtrip_random(void **state);

/*
 * "03 0a ff*3": hex bytes; "XX*N" repeats XX N times. Spaces ignored.
 */
static size_t
hex_parse(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v, rep;
	int used;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x%n", &v, &used) != 1)
			fail_msg("bad hex at '%s'", s);
		s += used;
		rep = 1;
		if (*s == '*') {
			rep = (unsigned)strtoul(s + 1, (char **)&s, 10);
		}
		while (rep-- > 0) {
			assert_true(n < cap);
			out[n++] = (uint8_t)v;
		}
	}
	return n;
}

/* Records messages; applies Set Chunk Size and Abort like a session. */
static int
got_cb(void *arg, const struct rtmp_msg *m)
{
	struct got *g = arg;
	uint32_t v;
	int rc;

	assert_true(g->n < MAXMSG);
	g->m[g->n] = *m;
	g->p[g->n] = malloc(m->len ? m->len : 1);
	memcpy(g->p[g->n], m->payload, m->len);
	g->m[g->n].payload = g->p[g->n];
	g->n++;
	if ((m->type == 1 || m->type == 2) && m->csid == 2 && m->len == 4) {
		v = (uint32_t)m->payload[0] << 24 | m->payload[1] << 16 |
		    m->payload[2] << 8 | m->payload[3];
		rc = m->type == 1 ? rtmp_chunk_rx_set_chunk_size(g->rx, v) :
				    rtmp_chunk_rx_abort(g->rx, v);
		if (rc != RC_OK)
			return rc;
	}
	return g->stop_rc;
}

static void
got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->p[i]);
	g->n = 0;
}

static uint32_t
prng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* mode 0: one shot; 1: byte by byte; 2: random splits. */
static int
feed_split(struct rtmp_chunk_rx *rx, const uint8_t *in, size_t len, int mode,
    uint32_t *seed)
{
	size_t pos = 0, n, used;
	int rc;

	while (pos < len) {
		n = mode == 0 ?
		    len - pos :
		    mode == 1 ?
		    1 :
		    1 + prng(seed) % (len - pos < 40 ? len - pos : 40);
		rc = rtmp_chunk_rx_feed(rx, in + pos, n, &used);
		if (rc != RC_OK)
			return rc;
		assert_int_equal(used, n);
		pos += n;
	}
	return RC_OK;
}

/* Hand-built chunk streams, each fed whole, byte by byte and split. */
static void
test_rtmp_chunk_rx_feed_table(void **state)
{
	static const struct {
		const char *desc;
		const char *in;
		int rc;
		size_t n;
		struct exp_msg m[4];
	} cases[] = {
		{ "fmt0, 1-byte csid 3",
		    "03 000064 000005 14 00000000 6162636465", RC_OK, 1,
		    { { 3, 0x14, 0, 100, "6162636465" } } },
		{ "fmt0, 2-byte csid 64, LE stream id",
		    "00 00 000001 000001 08 01020304 aa", RC_OK, 1,
		    { { 64, 8, 0x04030201, 1, "aa" } } },
		{ "fmt0, 2-byte csid 319", "00 ff 000000 000001 09 01000000 bb",
		    RC_OK, 1, { { 319, 9, 1, 0, "bb" } } },
		{ "fmt0, 3-byte csid 320",
		    "01 0001 000000 000001 09 01000000 cc", RC_OK, 1,
		    { { 320, 9, 1, 0, "cc" } } },
		{ "fmt0, 3-byte csid 65599",
		    "01 ffff 000000 000001 09 01000000 dd", RC_OK, 1,
		    { { 65599, 9, 1, 0, "dd" } } },
		{ "3-byte form of csid 64 is csid 64",
		    "01 0000 000000 000001 09 01000000 ee 40 00 000001 000001 09 ff",
		    RC_OK, 2,
		    { { 64, 9, 1, 0, "ee" }, { 64, 9, 1, 1, "ff" } } },
		{ "fmt1, fmt2, fmt3 deltas accumulate",
		    "06 0003e8 000002 08 01000000 6162"
		    " 46 000014 000003 09 616263"
		    " 86 00000a 78797a"
		    " c6 78797a",
		    RC_OK, 4,
		    { { 6, 8, 1, 1000, "6162" }, { 6, 9, 1, 1020, "616263" },
			{ 6, 9, 1, 1030, "78797a" },
			{ 6, 9, 1, 1040, "78797a" } } },
		{ "fmt3 after fmt0 re-applies the timestamp",
		    "04 000005 000001 08 01000000 61 c4 62", RC_OK, 2,
		    { { 4, 8, 1, 5, "61" }, { 4, 8, 1, 10, "62" } } },
		{ "fmt1 on a new csid: zero state (librtmp ping)",
		    "42 000000 000006 04 000600000001", RC_OK, 1,
		    { { 2, 4, 0, 0, "000600000001" } } },
		{ "zero-length message", "05 000007 000000 12 00000000 c5",
		    RC_OK, 2,
		    { { 5, 0x12, 0, 7, "" }, { 5, 0x12, 0, 14, "" } } },
		{ "multi-chunk at 128",
		    "03 000001 000082 09 01000000 aa*128 c3 bb*2", RC_OK, 1,
		    { { 3, 9, 1, 1, "aa*128 bb*2" } } },
		{ "extended ts repeated on fmt3",
		    "03 ffffff 000082 09 01000000 01020304 aa*128 c3 01020304 bb*2",
		    RC_OK, 1, { { 3, 9, 1, 0x01020304, "aa*128 bb*2" } } },
		{ "extended ts not repeated on fmt3",
		    "03 ffffff 000082 09 01000000 01020304 aa*128 c3 bb*2",
		    RC_OK, 1, { { 3, 9, 1, 0x01020304, "aa*128 bb*2" } } },
		{ "not repeated, payload starts like the ts",
		    "03 ffffff 000083 09 01000000 01020304 aa*128 c3 010203"
		    " 05 000000 000001 08 00000000 02",
		    RC_OK, 2,
		    { { 3, 9, 1, 0x01020304, "aa*128 010203" },
			{ 5, 8, 0, 0, "02" } } },
		{ "not repeated, held bytes reach the next header",
		    "03 ffffff 000081 09 01000000 01020304 aa*128 c3 01"
		    " 02 030000 000001 08 00000000 ff",
		    RC_OK, 2,
		    { { 3, 9, 1, 0x01020304, "aa*128 01" },
			{ 2, 8, 0, 0x030000, "ff" } } },
		{ "not repeated, then the next header",
		    "03 ffffff 000081 09 01000000 01020304 aa*128 c3 01"
		    " 04 000000 000001 08 00000000 02",
		    RC_OK, 2,
		    { { 3, 9, 1, 0x01020304, "aa*128 01" },
			{ 4, 8, 0, 0, "02" } } },
		{ "fmt1 extended delta, absolute ts repeated",
		    "03 000010 000001 09 01000000 aa"
		    " 43 ffffff 000081 09 01000000 bb*128 c3 01000010 cc",
		    RC_OK, 2,
		    { { 3, 9, 1, 0x10, "aa" },
			{ 3, 9, 1, 0x01000010, "bb*128 cc" } } },
		{ "fmt3 new message repeats the extended delta",
		    "03 000010 000001 09 01000000 aa"
		    " 83 ffffff 01000000 bb c3 01000000 cc",
		    RC_OK, 3,
		    { { 3, 9, 1, 0x10, "aa" }, { 3, 9, 1, 0x01000010, "bb" },
			{ 3, 9, 1, 0x02000010, "cc" } } },
		{ "timestamp wraps at 2^32",
		    "03 ffffff 000001 09 01000000 fffffff0 aa 83 000020 bb",
		    RC_OK, 2,
		    { { 3, 9, 1, 0xfffffff0, "aa" },
			{ 3, 9, 1, 0x10, "bb" } } },
		{ "interleaved csids",
		    "04 000001 000082 08 01000000 aa*128"
		    " 06 000002 000081 09 01000000 bb*128"
		    " c4 cccc c6 dd",
		    RC_OK, 2,
		    { { 4, 8, 1, 1, "aa*128 cccc" },
			{ 6, 9, 1, 2, "bb*128 dd" } } },
		{ "set chunk size applies to the next chunk",
		    "02 000000 000004 01 00000000 00000100"
		    " 03 000000 00012c 09 01000000 aa*256 c3 bb*44",
		    RC_OK, 2,
		    { { 2, 1, 0, 0, "00000100" },
			{ 3, 9, 1, 0, "aa*256 bb*44" } } },
		{ "abort drops the partial message",
		    "03 000000 0000c8 09 01000000 aa*128"
		    " 02 000000 000004 02 00000000 00000003"
		    " 03 000005 000001 09 01000000 bb",
		    RC_OK, 2,
		    { { 2, 2, 0, 0, "00000003" }, { 3, 9, 1, 5, "bb" } } },
		{ "fmt2 on an unseen csid", "85 000001", RC_MALFORMED, 0,
		    { { 0 } } },
		{ "fmt3 on an unseen csid", "c5 00", RC_MALFORMED, 0,
		    { { 0 } } },
		{ "length changes inside a message",
		    "03 000000 000082 09 01000000 aa*128 43 000000 000083 09",
		    RC_MALFORMED, 0, { { 0 } } },
		{ "set chunk size 0 from the callback",
		    "02 000000 000004 01 00000000 00000000", RC_MALFORMED, 1,
		    { { 2, 1, 0, 0, "00000000" } } },
	};
	static uint8_t in[4096];
	struct rtmp_chunk_rx rx;
	struct got g;
	uint8_t want[1024];
	size_t i, j, len, wl;
	uint32_t seed = 1;
	int mode, rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = hex_parse(cases[i].in, in, sizeof(in));
		for (mode = 0; mode < 3; mode++) {
			rtmp_chunk_rx_init(&rx, NULL, got_cb, &g);
			g.rx = &rx;
			rc = feed_split(&rx, in, len, mode, &seed);
			if (rc != cases[i].rc)
				fail_msg("%s (mode %d): rc %s, want %s",
				    cases[i].desc, mode, rc_str(rc),
				    rc_str(cases[i].rc));
			if (g.n != cases[i].n)
				fail_msg("%s (mode %d): %zu messages, want %zu",
				    cases[i].desc, mode, g.n, cases[i].n);
			for (j = 0; j < g.n; j++) {
				const struct exp_msg *e = &cases[i].m[j];

				wl = hex_parse(e->hex, want, sizeof(want));
				if (g.m[j].csid != e->csid ||
				    g.m[j].type != e->type ||
				    g.m[j].stream_id != e->sid ||
				    g.m[j].timestamp != e->ts ||
				    g.m[j].len != wl ||
				    memcmp(g.m[j].payload, want, wl) != 0)
					fail_msg("%s (mode %d): message %zu: "
						 "csid %u type %u sid %u ts "
						 "0x%x len %zu",
					    cases[i].desc, mode, j, g.m[j].csid,
					    g.m[j].type, g.m[j].stream_id,
					    g.m[j].timestamp, g.m[j].len);
			}
			if (rc == RC_OK)
				assert_int_equal(rtmp_chunk_rx_bytes(&rx), len);
			got_free(&g);
			rtmp_chunk_rx_fini(&rx);
		}
	}
}

/* Message length and csid count limits hit before allocating. */
static void
test_rtmp_chunk_rx_feed_limits(void **state)
{
	static const struct {
		const char *desc;
		uint32_t max_message, max_streams;
		const char *in;
		int rc;
		size_t n;
	} cases[] = {
		{ "length at the limit", 1000, 64,
		    "03 000000 0003e8 09 00000000", RC_OK, 0 },
		{ "length over the limit", 1000, 64,
		    "03 000000 0003e9 09 00000000", RC_LIMIT, 0 },
		{ "fmt1 length over the limit", 1000, 64,
		    "03 000000 000001 09 00000000 aa 43 000000 0003e9 09",
		    RC_LIMIT, 1 },
		{ "max length with the default", 0, 64,
		    "03 000000 ffffff 09 00000000", RC_LIMIT, 0 },
		{ "3 csids of 3", 1000, 3,
		    "03 000000 000000 09 00000000 04 000000 000000 09 00000000"
		    " 05 000000 000000 09 00000000",
		    RC_OK, 3 },
		{ "4 csids of 3", 1000, 3,
		    "03 000000 000000 09 00000000 04 000000 000000 09 00000000"
		    " 05 000000 000000 09 00000000 06 000000 000000 09 00000000",
		    RC_LIMIT, 3 },
	};
	struct rtmp_chunk_limits lim;
	struct rtmp_chunk_rx rx;
	struct got g;
	uint8_t in[256];
	size_t i, len, used;
	int rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rtmp_chunk_limits_default(&lim);
		if (cases[i].max_message)
			lim.max_message = cases[i].max_message;
		lim.max_streams = cases[i].max_streams;
		rtmp_chunk_rx_init(&rx, &lim, got_cb, &g);
		g.rx = &rx;
		len = hex_parse(cases[i].in, in, sizeof(in));
		rc = rtmp_chunk_rx_feed(&rx, in, len, &used);
		if (rc != cases[i].rc || g.n != cases[i].n)
			fail_msg("%s: rc %s, %zu messages", cases[i].desc,
			    rc_str(rc), g.n);
		/* Nothing buffered for a header refused (or empty ones). */
		assert_true(rx.buffered <= 1);
		got_free(&g);
		rtmp_chunk_rx_fini(&rx);
	}
}

/* Partial messages across csids share max_buffered; idle ones yield. */
static void
test_rtmp_chunk_rx_feed_buffered(void **state)
{
	struct rtmp_chunk_limits lim;
	struct rtmp_chunk_rx rx;
	struct got g;
	uint8_t in[16384];
	size_t len, used;
	int rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	rtmp_chunk_limits_default(&lim);
	lim.max_message = 8192;
	lim.max_buffered = 8192;
	rtmp_chunk_rx_init(&rx, &lim, got_cb, &g);
	g.rx = &rx;
	/* A whole 8000-byte message on csid 3 (chunk size 8192). */
	len = hex_parse("02 000000 000004 01 00000000 00002000"
			" 03 000000 001f40 09 00000000 aa*8000",
	    in, sizeof(in));
	assert_int_equal(rtmp_chunk_rx_feed(&rx, in, len, &used), RC_OK);
	assert_int_equal(g.n, 2);
	assert_true(rx.buffered >= 8000);
	/* csid 4 may take csid 3's idle buffer. */
	len = hex_parse("02 000000 000004 01 00000000 000007d0"
			" 04 000000 000fa0 09 00000000 bb*2000",
	    in, sizeof(in));
	assert_int_equal(rtmp_chunk_rx_feed(&rx, in, len, &used), RC_OK);
	assert_int_equal(g.n, 3);
	assert_true(rx.buffered <= 8192);
	/* A third partial message cannot fit beside csid 4's. */
	len = hex_parse(
	    "05 000000 001f40 09 00000000 cc*2000 c5 cc*2000 c5 cc*2000", in,
	    sizeof(in));
	rc = rtmp_chunk_rx_feed(&rx, in, len, &used);
	assert_int_equal(rc, RC_LIMIT);
	got_free(&g);
	rtmp_chunk_rx_fini(&rx);
	rtmp_chunk_rx_fini(NULL);
}

static void
test_rtmp_chunk_rx_set_chunk_size_range(void **state)
{
	static const struct {
		uint32_t max, size;
		int rc;
		uint32_t eff;
	} cases[] = {
		{ RTMP_CHUNK_SIZE_MAX, 0, RC_MALFORMED, 128 },
		{ RTMP_CHUNK_SIZE_MAX, 1, RC_OK, 1 },
		{ RTMP_CHUNK_SIZE_MAX, 4096, RC_OK, 4096 },
		{ RTMP_CHUNK_SIZE_MAX, 0x7fffffff, RC_OK, 0xffffff },
		{ RTMP_CHUNK_SIZE_MAX, 0x80000000, RC_MALFORMED, 128 },
		{ 65536, 65536, RC_OK, 65536 },
		{ 65536, 65537, RC_LIMIT, 128 },
	};
	struct rtmp_chunk_limits lim;
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rtmp_chunk_limits_default(&lim);
		lim.max_chunk_size = cases[i].max;
		rtmp_chunk_rx_init(&rx, &lim, NULL, NULL);
		assert_int_equal(
		    rtmp_chunk_rx_set_chunk_size(&rx, cases[i].size),
		    cases[i].rc);
		assert_int_equal(rx.chunk_size, cases[i].eff);
		rtmp_chunk_rx_fini(&rx);
	}
	rtmp_chunk_tx_init(&tx);
	assert_int_equal(rtmp_chunk_tx_set_chunk_size(&tx, 0), RC_MALFORMED);
	assert_int_equal(rtmp_chunk_tx_set_chunk_size(&tx, 0x80000000),
	    RC_MALFORMED);
	assert_int_equal(rtmp_chunk_tx_set_chunk_size(&tx, 60000), RC_OK);
	rtmp_chunk_tx_fini(&tx);
	rtmp_chunk_tx_fini(NULL);
}

/* A callback's rc stops feeding right after its message. */
static void
test_rtmp_chunk_rx_feed_cb_stop(void **state)
{
	struct rtmp_chunk_rx rx;
	struct got g;
	uint8_t in[64];
	size_t len, used, pos = 0;
	int rc;

	(void)state;
	memset(&g, 0, sizeof(g));
	rtmp_chunk_rx_init(&rx, NULL, got_cb, &g);
	g.rx = &rx;
	g.stop_rc = RC_AGAIN;
	len = hex_parse("03 000000 000001 09 00000000 aa c3 bb c3 cc", in,
	    sizeof(in));
	rc = rtmp_chunk_rx_feed(&rx, in, len, &used);
	assert_int_equal(rc, RC_AGAIN);
	assert_int_equal(used, 13);
	assert_int_equal(g.n, 1);
	pos = used;
	rc = rtmp_chunk_rx_feed(&rx, in + pos, len - pos, &used);
	assert_int_equal(rc, RC_AGAIN);
	assert_int_equal(used, 2);
	pos += used;
	g.stop_rc = RC_OK;
	rc = rtmp_chunk_rx_feed(&rx, in + pos, len - pos, &used);
	assert_int_equal(rc, RC_OK);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.m[2].payload[0], 0xcc);
	assert_int_equal(rtmp_chunk_rx_bytes(&rx), len);
	got_free(&g);
	rtmp_chunk_rx_fini(&rx);
}

/* Abort called between feeds inside the aborted csid's chunk. */
static void
test_rtmp_chunk_rx_abort_mid_chunk(void **state)
{
	struct rtmp_chunk_rx rx;
	struct got g;
	uint8_t in[512];
	size_t len, used;

	(void)state;
	memset(&g, 0, sizeof(g));
	rtmp_chunk_rx_init(&rx, NULL, got_cb, &g);
	g.rx = &rx;
	len = hex_parse("03 000000 0000c8 09 01000000 aa*100", in, sizeof(in));
	assert_int_equal(rtmp_chunk_rx_feed(&rx, in, len, &used), RC_OK);
	assert_int_equal(rtmp_chunk_rx_abort(&rx, 3), RC_OK);
	assert_int_equal(rtmp_chunk_rx_abort(&rx, 99), RC_OK);
	len =
	    hex_parse("aa*28 03 000001 000001 09 01000000 bb", in, sizeof(in));
	assert_int_equal(rtmp_chunk_rx_feed(&rx, in, len, &used), RC_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.m[0].len, 1);
	assert_int_equal(g.m[0].payload[0], 0xbb);
	got_free(&g);
	rtmp_chunk_rx_fini(&rx);
}

/* Encoder output for a sequence of messages, byte for byte. */
static void
test_rtmp_chunk_tx_write_table(void **state)
{
	static const struct {
		const char *desc;
		uint32_t chunk_size;
		struct exp_msg m;
		const char *out;
	} cases[] = {
		{ "first on csid 3: fmt0", 128, { 3, 9, 1, 1000, "aabb" },
		    "03 0003e8 000002 09 01000000 aabb" },
		{ "new type: fmt1", 128, { 3, 8, 1, 1010, "cc" },
		    "43 00000a 000001 08 cc" },
		{ "new delta: fmt2", 128, { 3, 8, 1, 1030, "dd" },
		    "83 000014 dd" },
		{ "same delta: fmt3", 128, { 3, 8, 1, 1050, "ee" }, "c3 ee" },
		{ "backwards: fmt0", 128, { 3, 8, 1, 10, "ee" },
		    "03 00000a 000001 08 01000000 ee" },
		{ "same ts after fmt0: fmt2, not fmt3", 128,
		    { 3, 8, 1, 10, "ee" }, "83 000000 ee" },
		{ "new stream id: fmt0", 128, { 3, 8, 2, 20, "ee" },
		    "03 000014 000001 08 02000000 ee" },
		{ "2-byte csid 64", 128, { 64, 20, 0, 0, "" },
		    "00 00 000000 000000 14 00000000" },
		{ "2-byte csid 319", 128, { 319, 20, 0, 0, "01" },
		    "00 ff 000000 000001 14 00000000 01" },
		{ "3-byte csid 320", 128, { 320, 20, 0, 0, "01" },
		    "01 0001 000000 000001 14 00000000 01" },
		{ "3-byte csid 65599", 128, { 65599, 20, 0, 0, "01" },
		    "01 ffff 000000 000001 14 00000000 01" },
		{ "chunked at 128", 128, { 4, 9, 1, 0, "aa*130" },
		    "04 000000 000082 09 01000000 aa*128 c4 aaaa" },
		{ "extended fmt0, repeated", 128,
		    { 5, 9, 1, 0xffffff, "aa*130" },
		    "05 ffffff 000082 09 01000000 00ffffff aa*128 c5 00ffffff aaaa" },
		{ "extended delta fmt2, repeated", 64,
		    { 5, 9, 1, 0x02000000, "aa*130" },
		    "85 ffffff 01000001 aa*64 c5 01000001 aa*64 c5 01000001 aaaa" },
		{ "csid 2 at 1", 1, { 2, 1, 0, 0, "00000080" },
		    "02 000000 000004 01 00000000 00 c2 00 c2 00 c2 80" },
	};
	struct rtmp_chunk_tx tx;
	struct rtmp_msg m;
	uint8_t pay[1024], want[2048], out[2048];
	size_t i, n, wl;

	(void)state;
	rtmp_chunk_tx_init(&tx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    rtmp_chunk_tx_set_chunk_size(&tx, cases[i].chunk_size),
		    RC_OK);
		m.csid = cases[i].m.csid;
		m.type = cases[i].m.type;
		m.stream_id = cases[i].m.sid;
		m.timestamp = cases[i].m.ts;
		m.len = hex_parse(cases[i].m.hex, pay, sizeof(pay));
		m.payload = pay;
		wl = hex_parse(cases[i].out, want, sizeof(want));
		assert_int_equal(rtmp_chunk_tx_size(&tx, &m), wl);
		assert_int_equal(
		    rtmp_chunk_tx_write_buf(&tx, out, sizeof(out), &m, &n),
		    RC_OK);
		if (n != wl || memcmp(out, want, wl) != 0)
			fail_msg("%s: %zu bytes, want %zu", cases[i].desc, n,
			    wl);
	}
	m.csid = 1;
	assert_int_equal(rtmp_chunk_tx_size(&tx, &m), 0);
	assert_int_equal(rtmp_chunk_tx_write_buf(&tx, out, sizeof(out), &m, &n),
	    RC_MALFORMED);
	m.csid = 65600;
	assert_int_equal(rtmp_chunk_tx_size(&tx, &m), 0);
	m.csid = 3;
	m.len = RTMP_CHUNK_MSG_LEN_MAX + 1;
	assert_int_equal(rtmp_chunk_tx_size(&tx, &m), 0);
	rtmp_chunk_tx_fini(&tx);
}

/* No room: nothing written, state unchanged (next is still fmt0). */
static void
test_rtmp_chunk_tx_write_truncated(void **state)
{
	static const uint8_t pay[4] = { 1, 2, 3, 4 };
	struct rtmp_chunk_tx tx;
	struct rtmp_msg m = { 3, 9, 1, 5, pay, 4 };
	struct wire_writer w;
	uint8_t out[64];
	size_t n;

	(void)state;
	rtmp_chunk_tx_init(&tx);
	wire_writer_init(&w, out, 15);
	assert_int_equal(rtmp_chunk_tx_write(&tx, &w, &m), RC_TRUNCATED);
	assert_int_equal(w.pos, 0);
	assert_false(w.err);
	assert_int_equal(rtmp_chunk_tx_write_buf(&tx, out, 16, &m, &n), RC_OK);
	assert_int_equal(n, 16);
	assert_int_equal(out[0], 0x03);
	rtmp_chunk_tx_fini(&tx);
}

/* Random messages, csids and chunk sizes through encoder and decoder. */
static void
test_rtmp_chunk_roundtrip_random(void **state)
{
	static const uint32_t csids[] = { 2, 3, 63, 64, 319, 320, 65599, 7 };
	enum {
		NMSG = 40,
		BUF = 1 << 20
	};
	struct rtmp_chunk_rx rx;
	struct rtmp_chunk_tx tx;
	struct rtmp_msg sent[NMSG];
	struct got g;
	uint8_t *wire, *pay;
	uint32_t seed = 0x2545f491, r, ts = 0, cs;
	size_t off, n, i, j, iter;
	int mode;

	(void)state;
	wire = malloc(BUF);
	pay = malloc(NMSG * 70000);
	memset(&g, 0, sizeof(g));
	for (iter = 0; iter < 60; iter++) {
		rtmp_chunk_tx_init(&tx);
		off = 0;
		for (i = 0; i < NMSG; i++) {
			r = prng(&seed);
			if (r % 7 == 0) {
				/* Change the chunk size, telling the peer. */
				cs = 1 + prng(&seed) % (r % 2 ? 300 : 70000);
				sent[i].csid = 2;
				sent[i].type = 1;
				sent[i].stream_id = 0;
				sent[i].timestamp = 0;
				sent[i].len = 4;
				pay[i * 70000] = (uint8_t)(cs >> 24);
				pay[i * 70000 + 1] = (uint8_t)(cs >> 16);
				pay[i * 70000 + 2] = (uint8_t)(cs >> 8);
				pay[i * 70000 + 3] = (uint8_t)cs;
			} else {
				cs = 0;
				sent[i].csid = r % 3 ? csids[r % 8] :
						       2 + prng(&seed) % 65598;
				sent[i].type = (uint8_t)(8 + r % 2);
				sent[i].stream_id = r % 5 == 0;
				switch (prng(&seed) % 6) {
				case 0:
					ts = prng(&seed);
					break;
				case 1:
					ts += 0x1000000 + prng(&seed) % 5;
					break;
				case 2:
					ts -= prng(&seed) % 100;
					break;
				default:
					ts += prng(&seed) % 40;
				}
				sent[i].timestamp = ts;
				sent[i].len =
				    prng(&seed) % (r % 11 ? 600 : 70000);
				for (j = 0; j < sent[i].len; j++)
					pay[i * 70000 + j] =
					    (uint8_t)prng(&seed);
			}
			sent[i].payload = pay + i * 70000;
			n = rtmp_chunk_tx_size(&tx, &sent[i]);
			assert_true(n > 0 && off + n <= BUF);
			assert_int_equal(rtmp_chunk_tx_write_buf(&tx,
					     wire + off, BUF - off, &sent[i],
					     &n),
			    RC_OK);
			off += n;
			if (cs)
				assert_int_equal(
				    rtmp_chunk_tx_set_chunk_size(&tx, cs),
				    RC_OK);
		}
		for (mode = 0; mode < 3; mode++) {
			rtmp_chunk_rx_init(&rx, NULL, got_cb, &g);
			g.rx = &rx;
			assert_int_equal(
			    feed_split(&rx, wire, off, mode, &seed), RC_OK);
			assert_int_equal(g.n, NMSG);
			for (i = 0; i < NMSG; i++) {
				if (g.m[i].csid != sent[i].csid ||
				    g.m[i].type != sent[i].type ||
				    g.m[i].stream_id != sent[i].stream_id ||
				    g.m[i].timestamp != sent[i].timestamp ||
				    g.m[i].len != sent[i].len ||
				    memcmp(g.m[i].payload, sent[i].payload,
					sent[i].len) != 0)
					fail_msg("iter %zu mode %d msg %zu: "
						 "csid %u/%u ts %x/%x len "
						 "%zu/%zu",
					    iter, mode, i, g.m[i].csid,
					    sent[i].csid, g.m[i].timestamp,
					    sent[i].timestamp, g.m[i].len,
					    sent[i].len);
			}
			assert_int_equal(rtmp_chunk_rx_bytes(&rx), off);
			got_free(&g);
			rtmp_chunk_rx_fini(&rx);
		}
		rtmp_chunk_tx_fini(&tx);
	}
	free(wire);
	free(pay);
}

/*
 * The split form (per-connection header + shared body) is byte for byte
 * what rtmp_chunk_tx_write() gives, over a sequence that exercises every
 * header format, chunk sizes that split and don't, and three csids; a
 * message that needs an extended timestamp is refused by the split form
 * and leaves its state alone.
 */
static void
test_rtmp_chunk_shared_body(void **state)
{
	static uint8_t payload[10000];
	static const struct {
		uint32_t csid, ts, len;
		uint8_t type;
	} seq[] = {
		{ 6, 0, 200, 8 },
		{ 7, 0, 9000, 9 },
		{ 7, 40, 9000, 9 },
		{ 7, 80, 9000, 9 },
		{ 7, 120, 100, 9 },
		{ 6, 23, 200, 8 },
		{ 5, 0, 50, 18 },
		{ 7, 160, 4096, 9 },
		{ 7, 200, 4097, 9 },
		{ 70, 200, 5000, 9 },
		{ 70, 240, 8193, 9 },
		{ 7, 100, 10, 9 },
		{ 7, 0, 0, 9 },
	};
	static uint8_t a[20000], b[20000], body[20000];
	uint32_t sizes[] = { 128, 4096 };
	size_t si, i;

	(void)state;
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	for (si = 0; si < 2; si++) {
		struct rtmp_chunk_tx ta, tb;

		rtmp_chunk_tx_init(&ta);
		rtmp_chunk_tx_init(&tb);
		rtmp_chunk_tx_set_chunk_size(&ta, sizes[si]);
		rtmp_chunk_tx_set_chunk_size(&tb, sizes[si]);
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			struct rtmp_msg m = { .csid = seq[i].csid,
				.type = seq[i].type,
				.stream_id = 1,
				.timestamp = seq[i].ts,
				.payload = payload,
				.len = seq[i].len };
			struct wire_writer wa, wb;
			size_t blen;

			wire_writer_init(&wa, a, sizeof(a));
			wire_writer_init(&wb, b, sizeof(b));
			assert_int_equal(rtmp_chunk_tx_write(&ta, &wa, &m),
			    RC_OK);
			assert_int_equal(
			    rtmp_chunk_tx_write_header(&tb, &wb, &m), RC_OK);
			assert_true(wb.pos <= RTMP_CHUNK_HEADER_MAX);
			blen = rtmp_chunk_body_size(m.csid, m.len, sizes[si]);
			rtmp_chunk_body_write(body, m.csid, payload, m.len,
			    sizes[si]);
			assert_int_equal(wb.pos + blen, wa.pos);
			assert_memory_equal(a, b, wb.pos);
			assert_memory_equal(a + wb.pos, body, blen);
		}
		/* Extended timestamp: not split, state untouched. */
		{
			struct rtmp_msg m = { .csid = 7,
				.type = 9,
				.stream_id = 1,
				.timestamp = 0x1000000,
				.payload = payload,
				.len = 10 };
			struct wire_writer wb;

			wire_writer_init(&wb, b, sizeof(b));
			assert_int_equal(
			    rtmp_chunk_tx_write_header(&tb, &wb, &m),
			    RC_UNSUPPORTED);
			assert_int_equal(wb.pos, 0);
			assert_int_equal(rtmp_chunk_tx_size(&ta, &m),
			    rtmp_chunk_tx_size(&tb, &m));
		}
		rtmp_chunk_tx_fini(&ta);
		rtmp_chunk_tx_fini(&tb);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtmp_chunk_shared_body),
		cmocka_unit_test(test_rtmp_chunk_rx_feed_table),
		cmocka_unit_test(test_rtmp_chunk_rx_feed_limits),
		cmocka_unit_test(test_rtmp_chunk_rx_feed_buffered),
		cmocka_unit_test(test_rtmp_chunk_rx_set_chunk_size_range),
		cmocka_unit_test(test_rtmp_chunk_rx_feed_cb_stop),
		cmocka_unit_test(test_rtmp_chunk_rx_abort_mid_chunk),
		cmocka_unit_test(test_rtmp_chunk_tx_write_table),
		cmocka_unit_test(test_rtmp_chunk_tx_write_truncated),
		cmocka_unit_test(test_rtmp_chunk_roundtrip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
