#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/rtmp_handshake.h"

/*
 * The keys and layouts are written out again here from the reference
 * (rtmp.md 1.2), and HMAC goes through EVP_MAC rather than HMAC(), so a
 * shared mistake in client and server code cannot make the tests pass.
 */
#define T_SIZE 1536
#define T_CLIENT_KEY_TEXT "Genuine Adobe Flash Player 001"
#define T_SERVER_KEY_TEXT "Genuine Adobe Flash Media Server 001"
static const uint8_t t_key_tail[32] = { 0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68,
	0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC,
	0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB,
	0x31, 0xAE };

enum t_c1 {
	T_C1_PLAIN,	      /* version 0, pattern bytes */
	T_C1_FIXED_KEY_FIRST, /* built here, key first */
	T_C1_FIXED_DIGEST_FIRST,
	T_C1_BAD_DIGEST,       /* version set, digest wrong */
	T_C1_CLIENT_KEY_FIRST, /* built by rtmp_hs client code */
	T_C1_CLIENT_DIGEST_FIRST,
};

/* ---- Independent helpers ---- */

/* HMAC-SHA256 over a then b (b may be empty). */
static void
t_hmac2(const uint8_t *key, size_t key_len, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t n = 0;

	assert_non_null(mac);
	ctx = EVP_MAC_CTX_new(mac);
	assert_non_null(ctx);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_MAC_init(ctx, key, key_len, params), 1);
	assert_int_equal(EVP_MAC_update(ctx, a, alen), 1);
	if (blen > 0)
		assert_int_equal(EVP_MAC_update(ctx, b, blen), 1);
	assert_int_equal(EVP_MAC_final(ctx, out, &n, 32), 1);
	assert_int_equal(n, 32);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

static size_t
t_full_key(bool server, uint8_t *key)
{
	size_t n =
	    server ? strlen(T_SERVER_KEY_TEXT) : strlen(T_CLIENT_KEY_TEXT);

	memcpy(key, server ? T_SERVER_KEY_TEXT : T_CLIENT_KEY_TEXT, n);
	memcpy(key + n, t_key_tail, sizeof(t_key_tail));
	return n + sizeof(t_key_tail);
}

/* Digest position for "base" 8 (digest first) or 772 (key first). */
static size_t
t_pos(const uint8_t *pkt, size_t base)
{
	unsigned sum =
	    pkt[base] + pkt[base + 1] + pkt[base + 2] + pkt[base + 3];

	return sum % 728 + base + 4;
}

/* Digest of pkt with its digest at pos, with the partial key. */
static void
t_pkt_digest(const uint8_t *pkt, size_t pos, bool server, uint8_t out[32])
{
	uint8_t key[80];

	t_full_key(server, key);
	t_hmac2(key, server ? 36 : 30, pkt, pos, pkt + pos + 32,
	    T_SIZE - pos - 32, out);
}

static bool
t_pkt_valid(const uint8_t *pkt, size_t base, bool server)
{
	uint8_t d[32];
	size_t pos = t_pos(pkt, base);

	t_pkt_digest(pkt, pos, server, d);
	return memcmp(d, pkt + pos, 32) == 0;
}

/* Signature of an S2 (server key) or C2 (client key) answering digest. */
static void
t_response_sig(bool server, const uint8_t digest[32], const uint8_t *body,
    uint8_t out[32])
{
	uint8_t key[80], tmp[32];
	size_t n = t_full_key(server, key);

	assert_int_equal(n, server ? 68 : 62);
	t_hmac2(key, n, digest, 32, NULL, 0, tmp);
	t_hmac2(tmp, 32, body, T_SIZE - 32, NULL, 0, out);
}

static void
t_random(uint8_t *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static void
t_opts(struct rtmp_hs_opts *o, uint8_t *rnd, unsigned seed, bool digest,
    enum rtmp_hs_schema schema)
{
	t_random(rnd, RTMP_HS_RANDOM_LEN, seed);
	memset(o, 0, sizeof(*o));
	o->time = 1000 + seed;
	o->random = rnd;
	o->digest = digest;
	o->schema = schema;
}

/* C0 + C1 of the given kind into c0c1 (1537 bytes). */
static void
t_make_c0c1(enum t_c1 kind, uint8_t *c0c1)
{
	uint8_t *c1 = c0c1 + 1;
	size_t base, pos;

	c0c1[0] = 3;
	if (kind == T_C1_CLIENT_KEY_FIRST || kind == T_C1_CLIENT_DIGEST_FIRST) {
		uint8_t rnd[RTMP_HS_RANDOM_LEN], buf[RTMP_HS_OUT_MAX];
		struct rtmp_hs_opts o;
		struct rtmp_hs c;
		struct wire_writer w;
		size_t used;

		t_opts(&o, rnd, 77, true,
		    kind == T_C1_CLIENT_KEY_FIRST ?
			RTMP_HS_SCHEMA_KEY_FIRST :
			RTMP_HS_SCHEMA_DIGEST_FIRST);
		rtmp_hs_init(&c, RTMP_HS_CLIENT, &o);
		wire_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(rtmp_hs_feed(&c, NULL, 0, &used, &w),
		    RC_AGAIN);
		assert_int_equal(w.pos, 1537);
		memcpy(c0c1, buf, 1537);
		return;
	}
	for (size_t i = 0; i < T_SIZE; i++)
		c1[i] = (uint8_t)(i * 7 + 3);
	c1[0] = 0, c1[1] = 0, c1[2] = 0x12, c1[3] = 0x34; /* time */
	if (kind == T_C1_PLAIN) {
		memset(c1 + 4, 0, 4);
		return;
	}
	c1[4] = 9, c1[5] = 0, c1[6] = 124, c1[7] = 2;
	if (kind == T_C1_FIXED_DIGEST_FIRST) {
		base = 8; /* 200 * 4 = 800; 800 % 728 + 12 = 84 */
		memset(c1 + 8, 200, 4);
		assert_int_equal(t_pos(c1, base), 84);
	} else {
		base = 772; /* 10 + 20 + 30 + 40 = 100; 100 + 776 = 876 */
		c1[772] = 10, c1[773] = 20, c1[774] = 30, c1[775] = 40;
		assert_int_equal(t_pos(c1, base), 876);
	}
	pos = t_pos(c1, base);
	t_pkt_digest(c1, pos, false, c1 + pos);
	if (kind == T_C1_BAD_DIGEST)
		c1[pos] ^= 1;
}

/* ---- Server ---- */

struct server_case {
	const char *desc;
	enum t_c1 c1;
	bool server_digest; /* opts.digest */
	enum rtmp_hs_schema schema;
};

static void
test_rtmp_hs_feed_server_table(void **state)
{
	static const struct server_case cases[] = {
		{ "plain C1", T_C1_PLAIN, true, RTMP_HS_SCHEMA_NONE },
		{ "fixed key-first C1", T_C1_FIXED_KEY_FIRST, true,
		    RTMP_HS_SCHEMA_KEY_FIRST },
		{ "fixed digest-first C1", T_C1_FIXED_DIGEST_FIRST, true,
		    RTMP_HS_SCHEMA_DIGEST_FIRST },
		{ "bad digest is plain", T_C1_BAD_DIGEST, true,
		    RTMP_HS_SCHEMA_NONE },
		{ "client key-first C1", T_C1_CLIENT_KEY_FIRST, true,
		    RTMP_HS_SCHEMA_KEY_FIRST },
		{ "client digest-first C1", T_C1_CLIENT_DIGEST_FIRST, true,
		    RTMP_HS_SCHEMA_DIGEST_FIRST },
		{ "digest off answers plain", T_C1_FIXED_KEY_FIRST, false,
		    RTMP_HS_SCHEMA_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct server_case *c = &cases[i];
		uint8_t c0c1[1537], rnd[RTMP_HS_RANDOM_LEN];
		uint8_t out[RTMP_HS_OUT_MAX + 10], c2[T_SIZE + 3], sig[32];
		const uint8_t *s1 = out + 1, *s2 = out + 1 + T_SIZE;
		struct rtmp_hs_opts o;
		struct rtmp_hs hs;
		struct wire_writer w;
		size_t used;
		bool digest = c->schema != RTMP_HS_SCHEMA_NONE;

		print_message("case %zu: %s\n", i, c->desc);
		t_make_c0c1(c->c1, c0c1);
		t_opts(&o, rnd, (unsigned)i, c->server_digest,
		    RTMP_HS_SCHEMA_NONE);
		rtmp_hs_init(&hs, RTMP_HS_SERVER, &o);
		wire_writer_init(&w, out, sizeof(out));
		assert_int_equal(
		    rtmp_hs_feed(&hs, c0c1, sizeof(c0c1), &used, &w), RC_AGAIN);
		assert_int_equal(used, sizeof(c0c1));
		assert_int_equal(w.pos, RTMP_HS_OUT_MAX);
		assert_int_equal(rtmp_hs_is_digest(&hs), digest);
		assert_int_equal(rtmp_hs_schema(&hs), c->schema);
		assert_int_equal(rtmp_hs_peer_version(&hs),
		    (uint32_t)c0c1[5] << 24 | (uint32_t)c0c1[6] << 16 |
			(uint32_t)c0c1[7] << 8 | c0c1[8]);

		/* S0, S1 time field and body. */
		assert_int_equal(out[0], 3);
		assert_int_equal((uint32_t)s1[0] << 24 | (uint32_t)s1[1] << 16 |
			(uint32_t)s1[2] << 8 | s1[3],
		    o.time);
		if (!digest) {
			static const uint8_t zero[4];

			assert_memory_equal(s1 + 4, zero, 4);
			assert_memory_equal(s1 + 8, rnd, T_SIZE - 8);
			assert_memory_equal(s2, c0c1 + 1, T_SIZE);
		} else {
			size_t base =
			    c->schema == RTMP_HS_SCHEMA_KEY_FIRST ? 772 : 8;
			size_t cpos = t_pos(c0c1 + 1, base);

			assert_int_equal(s1[4], 5);
			assert_int_equal(s1[5], 0);
			assert_int_equal(s1[6], 3);
			assert_int_equal(s1[7], 1);
			/* Same layout as the client's. */
			assert_true(t_pkt_valid(s1, base, true));
			assert_false(
			    t_pkt_valid(s1, base == 8 ? 772 : 8, true));
			assert_memory_equal(s2, rnd + T_SIZE - 8, T_SIZE - 32);
			t_response_sig(true, c0c1 + 1 + cpos, s2, sig);
			assert_memory_equal(s2 + T_SIZE - 32, sig, 32);
		}

		/* The right C2 verifies, and trailing bytes stay unread. */
		if (digest) {
			size_t spos = t_pos(s1,
			    c->schema == RTMP_HS_SCHEMA_KEY_FIRST ? 772 : 8);

			t_random(c2, T_SIZE - 32, 99);
			t_response_sig(false, s1 + spos, c2, c2 + T_SIZE - 32);
		} else {
			memcpy(c2, s1, T_SIZE);
		}
		memcpy(c2 + T_SIZE, "\x03\x00\x00", 3);
		w.pos = 0;
		assert_false(rtmp_hs_is_done(&hs));
		assert_int_equal(rtmp_hs_feed(&hs, c2, sizeof(c2), &used, &w),
		    RC_OK);
		assert_int_equal(used, T_SIZE);
		assert_int_equal(w.pos, 0);
		assert_true(rtmp_hs_is_done(&hs));
		assert_true(rtmp_hs_is_peer_verified(&hs));
		/* Done is sticky and consumes nothing. */
		assert_int_equal(rtmp_hs_feed(&hs, c2, sizeof(c2), &used, &w),
		    RC_OK);
		assert_int_equal(used, 0);
	}
}

struct version_case {
	const char *desc;
	uint8_t version;
};

static void
test_rtmp_hs_feed_bad_version(void **state)
{
	static const struct version_case cases[] = {
		{ "RTMPE 6", 6 },
		{ "RTMPE 8", 8 },
		{ "RTMPE 9", 9 },
		{ "zero", 0 },
		{ "four", 4 },
		{ "0xff", 0xff },
		{ "'G' of HTTP GET", 'G' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		for (int role = 0; role < 2; role++) {
			uint8_t rnd[RTMP_HS_RANDOM_LEN], out[RTMP_HS_OUT_MAX];
			uint8_t in[1537] = { cases[i].version };
			struct rtmp_hs_opts o;
			struct rtmp_hs hs;
			struct wire_writer w;
			size_t used;

			print_message("%s, %s\n", cases[i].desc,
			    role ? "client" : "server");
			t_opts(&o, rnd, 1, true, RTMP_HS_SCHEMA_NONE);
			rtmp_hs_init(&hs,
			    role ? RTMP_HS_CLIENT : RTMP_HS_SERVER, &o);
			wire_writer_init(&w, out, sizeof(out));
			assert_int_equal(
			    rtmp_hs_feed(&hs, in, sizeof(in), &used, &w),
			    RC_UNSUPPORTED);
			assert_int_equal(w.pos, role ? 1537 : 0);
			assert_int_equal(
			    rtmp_hs_feed(&hs, in, sizeof(in), &used, &w),
			    RC_UNSUPPORTED);
			assert_int_equal(used, 0);
			assert_false(rtmp_hs_is_done(&hs));
		}
	}
}

/* Server side of one handshake from c0c1 to done, C2 given. */
static void
t_server_run(enum t_c1 kind, const uint8_t *c2, bool verified)
{
	uint8_t c0c1[1537], rnd[RTMP_HS_RANDOM_LEN], out[RTMP_HS_OUT_MAX];
	struct rtmp_hs_opts o;
	struct rtmp_hs hs;
	struct wire_writer w;
	size_t used;

	t_make_c0c1(kind, c0c1);
	t_opts(&o, rnd, 5, true, RTMP_HS_SCHEMA_NONE);
	rtmp_hs_init(&hs, RTMP_HS_SERVER, &o);
	wire_writer_init(&w, out, sizeof(out));
	assert_int_equal(rtmp_hs_feed(&hs, c0c1, sizeof(c0c1), &used, &w),
	    RC_AGAIN);
	assert_int_equal(rtmp_hs_feed(&hs, c2, T_SIZE, &used, &w), RC_OK);
	assert_int_equal(used, T_SIZE);
	assert_int_equal(rtmp_hs_is_peer_verified(&hs), verified);
}

static void
test_rtmp_hs_feed_c2_garbage(void **state)
{
	static const enum t_c1 kinds[] = { T_C1_PLAIN, T_C1_FIXED_KEY_FIRST,
		T_C1_FIXED_DIGEST_FIRST };
	uint8_t c2[T_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		t_random(c2, sizeof(c2), 1234);
		t_server_run(kinds[i], c2, false);
		memset(c2, 0, sizeof(c2));
		t_server_run(kinds[i], c2, false);
	}
}

/*
 * Feeding C0 C1 C2 and chunk bytes in one call: S0S1S2 is written, the
 * handshake completes and exactly 1 + 2 * 1536 bytes are consumed.
 */
static void
test_rtmp_hs_feed_trailing(void **state)
{
	uint8_t in[1 + 2 * T_SIZE + 5], rnd[RTMP_HS_RANDOM_LEN];
	uint8_t out[RTMP_HS_OUT_MAX];
	struct rtmp_hs_opts o;
	struct rtmp_hs hs;
	struct wire_writer w;
	size_t used;

	(void)state;
	t_make_c0c1(T_C1_PLAIN, in);
	t_random(in + 1537, sizeof(in) - 1537, 3);
	t_opts(&o, rnd, 5, true, RTMP_HS_SCHEMA_NONE);
	rtmp_hs_init(&hs, RTMP_HS_SERVER, &o);
	wire_writer_init(&w, out, sizeof(out));
	assert_int_equal(rtmp_hs_feed(&hs, in, sizeof(in), &used, &w), RC_OK);
	assert_int_equal(used, 1 + 2 * T_SIZE);
	assert_int_equal(w.pos, RTMP_HS_OUT_MAX);
	assert_false(rtmp_hs_is_peer_verified(&hs));
}

static void
test_rtmp_hs_feed_out_too_small(void **state)
{
	uint8_t c0c1[1537], rnd[RTMP_HS_RANDOM_LEN], out[RTMP_HS_OUT_MAX];
	struct rtmp_hs_opts o;
	struct rtmp_hs hs;
	struct wire_writer w;
	size_t used;

	(void)state;
	t_make_c0c1(T_C1_PLAIN, c0c1);
	t_opts(&o, rnd, 5, true, RTMP_HS_SCHEMA_NONE);
	rtmp_hs_init(&hs, RTMP_HS_SERVER, &o);
	wire_writer_init(&w, out, sizeof(out) - 1);
	assert_int_equal(rtmp_hs_feed(&hs, c0c1, sizeof(c0c1), &used, &w),
	    RC_LIMIT);
	assert_int_equal(used, 0);
	assert_int_equal(w.pos, 0);
	/* Nothing changed: a big enough writer works afterwards. */
	wire_writer_init(&w, out, sizeof(out));
	assert_int_equal(rtmp_hs_feed(&hs, c0c1, sizeof(c0c1), &used, &w),
	    RC_AGAIN);
	assert_int_equal(w.pos, RTMP_HS_OUT_MAX);
}

/* ---- Client against server, any split ---- */

struct pair_case {
	const char *desc;
	bool client_digest;
	enum rtmp_hs_schema client_schema;
	bool server_digest;
	size_t step;		    /* bytes per feed call; 0 = all at once */
	enum rtmp_hs_schema schema; /* what both sides detect */
};

/* Move `from`'s output to `to`, `step` bytes per call. */
static int
t_pump(struct rtmp_hs *to, const uint8_t *buf, size_t len, size_t step,
    struct wire_writer *w, size_t *total)
{
	int rc = RC_AGAIN;
	size_t off = 0, used;

	*total = 0;
	if (step == 0)
		step = len;
	while (off < len && rc == RC_AGAIN) {
		size_t n = len - off < step ? len - off : step;

		rc = rtmp_hs_feed(to, buf + off, n, &used, w);
		assert_true(used <= n);
		if (rc == RC_AGAIN)
			assert_int_equal(used, n);
		off += used;
		*total += used;
	}
	return rc;
}

static void
test_rtmp_hs_feed_pair_table(void **state)
{
	static const struct pair_case cases[] = {
		{ "digest-first client, digest server", true,
		    RTMP_HS_SCHEMA_DIGEST_FIRST, true, 0,
		    RTMP_HS_SCHEMA_DIGEST_FIRST },
		{ "key-first client, digest server", true,
		    RTMP_HS_SCHEMA_KEY_FIRST, true, 0,
		    RTMP_HS_SCHEMA_KEY_FIRST },
		{ "default schema is digest first", true, RTMP_HS_SCHEMA_NONE,
		    true, 0, RTMP_HS_SCHEMA_DIGEST_FIRST },
		{ "plain client, digest server", false, RTMP_HS_SCHEMA_NONE,
		    true, 0, RTMP_HS_SCHEMA_NONE },
		{ "digest client, plain-only server", true,
		    RTMP_HS_SCHEMA_DIGEST_FIRST, false, 0,
		    RTMP_HS_SCHEMA_NONE },
		{ "digest-first, byte by byte", true,
		    RTMP_HS_SCHEMA_DIGEST_FIRST, true, 1,
		    RTMP_HS_SCHEMA_DIGEST_FIRST },
		{ "key-first, byte by byte", true, RTMP_HS_SCHEMA_KEY_FIRST,
		    true, 1, RTMP_HS_SCHEMA_KEY_FIRST },
		{ "plain, byte by byte", false, RTMP_HS_SCHEMA_NONE, true, 1,
		    RTMP_HS_SCHEMA_NONE },
		{ "digest, 1000-byte pieces", true, RTMP_HS_SCHEMA_KEY_FIRST,
		    true, 1000, RTMP_HS_SCHEMA_KEY_FIRST },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct pair_case *c = &cases[i];
		uint8_t crnd[RTMP_HS_RANDOM_LEN], srnd[RTMP_HS_RANDOM_LEN];
		uint8_t cbuf[RTMP_HS_OUT_MAX + 8], sbuf[RTMP_HS_OUT_MAX + 8];
		uint8_t c0c1[1537], whole[RTMP_HS_OUT_MAX];
		struct rtmp_hs_opts co, so;
		struct rtmp_hs cl, sv, ref;
		struct wire_writer cw, sw, rw;
		size_t used, n;

		print_message("case %zu: %s\n", i, c->desc);
		t_opts(&co, crnd, 10 + (unsigned)i, c->client_digest,
		    c->client_schema);
		t_opts(&so, srnd, 20 + (unsigned)i, c->server_digest,
		    RTMP_HS_SCHEMA_NONE);
		rtmp_hs_init(&cl, RTMP_HS_CLIENT, &co);
		rtmp_hs_init(&sv, RTMP_HS_SERVER, &so);

		/* Client: C0 C1. */
		wire_writer_init(&cw, cbuf, sizeof(cbuf));
		assert_int_equal(rtmp_hs_feed(&cl, NULL, 0, &used, &cw),
		    RC_AGAIN);
		assert_int_equal(cw.pos, 1537);
		assert_int_equal(cbuf[0], 3);
		memcpy(c0c1, cbuf, sizeof(c0c1));
		if (c->client_digest) {
			size_t base =
			    c->client_schema == RTMP_HS_SCHEMA_KEY_FIRST ? 772 :
									   8;

			assert_memory_equal(cbuf + 5, "\x09\x00\x7c\x02", 4);
			assert_true(t_pkt_valid(cbuf + 1, base, false));
		} else {
			assert_memory_equal(cbuf + 5, "\0\0\0\0", 4);
		}

		/* Server: S0 S1 S2, the same whatever the split. */
		wire_writer_init(&sw, sbuf, sizeof(sbuf));
		assert_int_equal(t_pump(&sv, cbuf, cw.pos, c->step, &sw, &n),
		    RC_AGAIN);
		assert_int_equal(n, 1537);
		assert_int_equal(sw.pos, RTMP_HS_OUT_MAX);
		rtmp_hs_init(&ref, RTMP_HS_SERVER, &so);
		wire_writer_init(&rw, whole, sizeof(whole));
		assert_int_equal(rtmp_hs_feed(&ref, c0c1, 1537, &used, &rw),
		    RC_AGAIN);
		assert_memory_equal(whole, sbuf, sizeof(whole));
		assert_int_equal(rtmp_hs_schema(&sv), c->schema);

		/* Client: C2, done; chunk bytes after S2 are left. */
		memcpy(sbuf + sw.pos, "\x02\x00\x00\x00", 4);
		wire_writer_init(&cw, cbuf, sizeof(cbuf));
		assert_int_equal(
		    t_pump(&cl, sbuf, sw.pos + 4, c->step, &cw, &n), RC_OK);
		assert_int_equal(n, RTMP_HS_OUT_MAX);
		assert_int_equal(cw.pos, T_SIZE);
		assert_true(rtmp_hs_is_done(&cl));
		assert_int_equal(rtmp_hs_schema(&cl), c->schema);
		assert_true(rtmp_hs_is_peer_verified(&cl));
		if (c->schema == RTMP_HS_SCHEMA_NONE)
			assert_memory_equal(cbuf, sbuf + 1, T_SIZE);
		else
			assert_int_equal(rtmp_hs_peer_version(&cl), 0x05000301);

		/* Server: C2 verifies. */
		wire_writer_init(&sw, sbuf, sizeof(sbuf));
		assert_int_equal(t_pump(&sv, cbuf, cw.pos, c->step, &sw, &n),
		    RC_OK);
		assert_int_equal(n, T_SIZE);
		assert_int_equal(sw.pos, 0);
		assert_true(rtmp_hs_is_peer_verified(&sv));
	}
}

/* ---- Client against hand-made servers ---- */

struct origin_case {
	const char *desc;
	bool client_digest;
	bool s1_versioned; /* S1 bytes 4..7 non-zero, digest invalid */
	bool s2_echo;	   /* S2 = C1, else random */
	bool verified;
};

static void
test_rtmp_hs_feed_client_origins(void **state)
{
	static const struct origin_case cases[] = {
		{ "plain echo server, digest C1", true, false, true, true },
		{ "plain echo server, plain C1", false, false, true, true },
		{ "nginx-rtmp-like S1 fails, still done", true, true, false,
		    false },
		{ "versioned S1, echo S2", true, true, true, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct origin_case *c = &cases[i];
		uint8_t rnd[RTMP_HS_RANDOM_LEN], c0c1[RTMP_HS_OUT_MAX];
		uint8_t s[RTMP_HS_OUT_MAX + 2], out[RTMP_HS_OUT_MAX];
		struct rtmp_hs_opts o;
		struct rtmp_hs cl;
		struct wire_writer w;
		size_t used;

		print_message("case %zu: %s\n", i, c->desc);
		t_opts(&o, rnd, 40, c->client_digest,
		    RTMP_HS_SCHEMA_DIGEST_FIRST);
		rtmp_hs_init(&cl, RTMP_HS_CLIENT, &o);
		wire_writer_init(&w, c0c1, sizeof(c0c1));
		assert_int_equal(rtmp_hs_feed(&cl, NULL, 0, &used, &w),
		    RC_AGAIN);

		s[0] = 3;
		t_random(s + 1, T_SIZE, 41);
		memset(s + 5, 0, 4);
		if (c->s1_versioned)
			memcpy(s + 5, "\x0d\x0e\x0a\x0d", 4);
		if (c->s2_echo)
			memcpy(s + 1 + T_SIZE, c0c1 + 1, T_SIZE);
		else
			t_random(s + 1 + T_SIZE, T_SIZE, 42);
		s[RTMP_HS_OUT_MAX] = 0x43, s[RTMP_HS_OUT_MAX + 1] = 0;

		wire_writer_init(&w, out, sizeof(out));
		assert_int_equal(rtmp_hs_feed(&cl, s, sizeof(s), &used, &w),
		    RC_OK);
		assert_int_equal(used, RTMP_HS_OUT_MAX);
		assert_int_equal(w.pos, T_SIZE);
		assert_memory_equal(out, s + 1, T_SIZE); /* C2 echoes S1 */
		assert_false(rtmp_hs_is_digest(&cl));
		assert_int_equal(rtmp_hs_is_peer_verified(&cl), c->verified);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtmp_hs_feed_server_table),
		cmocka_unit_test(test_rtmp_hs_feed_bad_version),
		cmocka_unit_test(test_rtmp_hs_feed_c2_garbage),
		cmocka_unit_test(test_rtmp_hs_feed_trailing),
		cmocka_unit_test(test_rtmp_hs_feed_out_too_small),
		cmocka_unit_test(test_rtmp_hs_feed_pair_table),
		cmocka_unit_test(test_rtmp_hs_feed_client_origins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
