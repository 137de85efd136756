/*
 * rtmp_handshake: plain and digest RTMP handshakes, both roles. See the
 * header for the layout; reference rtmp.md section 1 for the sources.
 */
#include "config.h"

#include "edge/rtmp_handshake.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/rc.h"

#define HS_BODY (RTMP_HS_SIZE - RTMP_HS_DIGEST_LEN) /* 1504 */
#define HS_CLIENT_KEY_PART 30
#define HS_SERVER_KEY_PART 36

/*
 * The handshake keys: an ASCII name, then the same 32 constant bytes for
 * both (62 and 68 bytes; the digests of C1 and S1 use only the names).
 */
#define HS_KEY_TAIL                                                        \
	"\xF0\xEE\xC2\x4A\x80\x68\xBE\xE8\x2E\x00\xD0\xD1\x02\x9E\x7E\x57" \
	"\x6E\xEC\x5D\x2D\x29\x80\x6F\xAB\x93\xB8\xE6\x36\xCF\xEB\x31\xAE"
static const uint8_t hs_client_key[62] =
    "Genuine Adobe Flash Player 001" HS_KEY_TAIL;
static const uint8_t hs_server_key[68] =
    "Genuine Adobe Flash Media Server 001" HS_KEY_TAIL;

static const uint8_t hs_server_version[4] = { 5, 0, 3, 1 };
static const uint8_t hs_client_version[4] = { 9, 0, 124, 2 };

static void rtmp_hs_hmac(const uint8_t *key, size_t key_len,
    const uint8_t *data, size_t len, uint8_t out[RTMP_HS_DIGEST_LEN]);
static size_t rtmp_hs_digest_pos(const uint8_t *pkt,
    enum rtmp_hs_schema schema);
static void rtmp_hs_packet_digest(const uint8_t *pkt, size_t pos,
    const uint8_t *key, size_t key_len, uint8_t out[RTMP_HS_DIGEST_LEN]);
static enum rtmp_hs_schema rtmp_hs_find_digest(const uint8_t *pkt,
    const uint8_t *key, size_t key_len, uint8_t out[RTMP_HS_DIGEST_LEN]);
static void rtmp_hs_sign(uint8_t *pkt, enum rtmp_hs_schema schema,
    const uint8_t *key, size_t key_len, uint8_t out[RTMP_HS_DIGEST_LEN]);
static void rtmp_hs_response_sig(const uint8_t *full_key, size_t key_len,
    const uint8_t peer_digest[RTMP_HS_DIGEST_LEN], const uint8_t *body,
    uint8_t out[RTMP_HS_DIGEST_LEN]);
static bool rtmp_hs_check_response(const uint8_t *full_key, size_t key_len,
    const uint8_t digest[RTMP_HS_DIGEST_LEN], const uint8_t *pkt);
static uint32_t rtmp_hs_get_u32(const uint8_t *p);
static size_t rtmp_hs_out_needed(const struct rtmp_hs *hs);
static void rtmp_hs_on_p1(struct rtmp_hs *hs, struct wire_writer *out);
static void rtmp_hs_on_p2(struct rtmp_hs *hs);

/* ---- Digest primitives ---- */

static void
rtmp_hs_hmac(const uint8_t *key, size_t key_len, const uint8_t *data,
    size_t len, uint8_t out[RTMP_HS_DIGEST_LEN])
{
	unsigned int n = RTMP_HS_DIGEST_LEN;

	/* Fixed key and length sizes: HMAC-SHA256 cannot fail here. */
	if (HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) == NULL)
		abort();
	assert(n == RTMP_HS_DIGEST_LEN);
}

/*
 * Offset of the 32-byte digest in a 1536-byte C1/S1. The four offset
 * bytes are summed and reduced mod 728, so the digest always lies inside
 * its 764-byte block: at most 12 + 727 + 32 = 771 <= 772 and
 * 776 + 727 + 32 = 1535 <= 1536.
 */
static size_t
rtmp_hs_digest_pos(const uint8_t *pkt, enum rtmp_hs_schema schema)
{
	size_t base = schema == RTMP_HS_SCHEMA_KEY_FIRST ? 772 : 8;
	size_t sum =
	    (size_t)pkt[base] + pkt[base + 1] + pkt[base + 2] + pkt[base + 3];

	return sum % 728 + base + 4;
}

/* HMAC over the 1504 bytes of `pkt` around the digest at `pos`. */
static void
rtmp_hs_packet_digest(const uint8_t *pkt, size_t pos, const uint8_t *key,
    size_t key_len, uint8_t out[RTMP_HS_DIGEST_LEN])
{
	uint8_t body[HS_BODY];

	assert(pos + RTMP_HS_DIGEST_LEN <= RTMP_HS_SIZE);
	memcpy(body, pkt, pos);
	memcpy(body + pos, pkt + pos + RTMP_HS_DIGEST_LEN,
	    RTMP_HS_SIZE - pos - RTMP_HS_DIGEST_LEN);
	rtmp_hs_hmac(key, key_len, body, sizeof(body), out);
}

/* Validate key first, then digest first; copy the valid digest out. */
static enum rtmp_hs_schema
rtmp_hs_find_digest(const uint8_t *pkt, const uint8_t *key, size_t key_len,
    uint8_t out[RTMP_HS_DIGEST_LEN])
{
	static const enum rtmp_hs_schema order[] = {
		RTMP_HS_SCHEMA_KEY_FIRST,
		RTMP_HS_SCHEMA_DIGEST_FIRST,
	};
	uint8_t want[RTMP_HS_DIGEST_LEN];

	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++) {
		size_t pos = rtmp_hs_digest_pos(pkt, order[i]);

		rtmp_hs_packet_digest(pkt, pos, key, key_len, want);
		if (CRYPTO_memcmp(want, pkt + pos, RTMP_HS_DIGEST_LEN) == 0) {
			memcpy(out, pkt + pos, RTMP_HS_DIGEST_LEN);
			return order[i];
		}
	}
	return RTMP_HS_SCHEMA_NONE;
}

/* Write the digest of our own C1/S1 into it, in `schema`'s layout. */
static void
rtmp_hs_sign(uint8_t *pkt, enum rtmp_hs_schema schema, const uint8_t *key,
    size_t key_len, uint8_t out[RTMP_HS_DIGEST_LEN])
{
	size_t pos = rtmp_hs_digest_pos(pkt, schema);

	rtmp_hs_packet_digest(pkt, pos, key, key_len, out);
	memcpy(pkt + pos, out, RTMP_HS_DIGEST_LEN);
}

/* Signature of an S2/C2: HMAC(HMAC(full key, peer digest), body). */
static void
rtmp_hs_response_sig(const uint8_t *full_key, size_t key_len,
    const uint8_t peer_digest[RTMP_HS_DIGEST_LEN], const uint8_t *body,
    uint8_t out[RTMP_HS_DIGEST_LEN])
{
	uint8_t tmp[RTMP_HS_DIGEST_LEN];

	rtmp_hs_hmac(full_key, key_len, peer_digest, RTMP_HS_DIGEST_LEN, tmp);
	rtmp_hs_hmac(tmp, sizeof(tmp), body, HS_BODY, out);
}

/* Does the 1536-byte S2/C2 `pkt` answer our `digest`? */
static bool
rtmp_hs_check_response(const uint8_t *full_key, size_t key_len,
    const uint8_t digest[RTMP_HS_DIGEST_LEN], const uint8_t *pkt)
{
	uint8_t sig[RTMP_HS_DIGEST_LEN];

	rtmp_hs_response_sig(full_key, key_len, digest, pkt, sig);
	return CRYPTO_memcmp(sig, pkt + HS_BODY, RTMP_HS_DIGEST_LEN) == 0;
}

static uint32_t
rtmp_hs_get_u32(const uint8_t *p)
{
	struct wire_reader r;

	wire_reader_init(&r, p, 4);
	return wire_get_u32(&r);
}

/* ---- Lifecycle ---- */

void
rtmp_hs_init(struct rtmp_hs *hs, enum rtmp_hs_role role,
    const struct rtmp_hs_opts *opts)
{
	struct wire_writer w;

	assert(opts != NULL && opts->random != NULL);
	memset(hs, 0, sizeof(*hs));
	hs->role = role;
	hs->rc = RC_AGAIN;
	hs->want_digest = opts->digest;
	hs->state =
	    role == RTMP_HS_CLIENT ? RTMP_HS_ST_SEND_C0C1 : RTMP_HS_ST_READ_V0;
	hs->own_schema = opts->schema == RTMP_HS_SCHEMA_KEY_FIRST ?
	    RTMP_HS_SCHEMA_KEY_FIRST :
	    RTMP_HS_SCHEMA_DIGEST_FIRST;

	/* time | version 0 | 1528 random; digests are added later. */
	wire_writer_init(&w, hs->own, sizeof(hs->own));
	wire_put_u32(&w, opts->time);
	wire_put_u32(&w, 0);
	wire_put_bytes(&w, opts->random, RTMP_HS_SIZE - 8);
	assert(!w.err && w.pos == sizeof(hs->own));
	memcpy(hs->random2, opts->random + RTMP_HS_SIZE - 8,
	    sizeof(hs->random2));

	if (role == RTMP_HS_CLIENT && hs->want_digest) {
		memcpy(hs->own + 4, hs_client_version, 4);
		rtmp_hs_sign(hs->own, hs->own_schema, hs_client_key,
		    HS_CLIENT_KEY_PART, hs->own_digest);
	}
}

/* ---- Feeding ---- */

/* Output the remaining steps may still write. */
static size_t
rtmp_hs_out_needed(const struct rtmp_hs *hs)
{
	switch (hs->state) {
	case RTMP_HS_ST_SEND_C0C1:
		return 1 + 2 * RTMP_HS_SIZE; /* C0C1, then C2 */
	case RTMP_HS_ST_READ_V0:
	case RTMP_HS_ST_READ_P1:
		return hs->role == RTMP_HS_SERVER ? RTMP_HS_OUT_MAX :
						    RTMP_HS_SIZE;
	default:
		return 0;
	}
}

/* A whole C1 (server) or S1 (client) is in hs->peer: answer it. */
static void
rtmp_hs_on_p1(struct rtmp_hs *hs, struct wire_writer *out)
{
	uint8_t sig[RTMP_HS_DIGEST_LEN];

	hs->peer_time = rtmp_hs_get_u32(hs->peer);
	hs->peer_version = rtmp_hs_get_u32(hs->peer + 4);

	if (hs->role == RTMP_HS_SERVER) {
		if (hs->want_digest)
			hs->schema = rtmp_hs_find_digest(hs->peer,
			    hs_client_key, HS_CLIENT_KEY_PART, hs->peer_digest);
		if (hs->schema != RTMP_HS_SCHEMA_NONE) {
			memcpy(hs->own + 4, hs_server_version, 4);
			rtmp_hs_sign(hs->own, hs->schema, hs_server_key,
			    HS_SERVER_KEY_PART, hs->own_digest);
		}
		wire_put_u8(out, RTMP_HS_VERSION);
		wire_put_bytes(out, hs->own, RTMP_HS_SIZE);
		if (hs->schema != RTMP_HS_SCHEMA_NONE) {
			rtmp_hs_response_sig(hs_server_key,
			    sizeof(hs_server_key), hs->peer_digest, hs->random2,
			    sig);
			wire_put_bytes(out, hs->random2, HS_BODY);
			wire_put_bytes(out, sig, sizeof(sig));
		} else {
			wire_put_bytes(out, hs->peer, RTMP_HS_SIZE);
		}
		return;
	}

	/* Client: a digest C2 only answers an S1 whose digest we found. */
	if (hs->want_digest)
		hs->schema = rtmp_hs_find_digest(hs->peer, hs_server_key,
		    HS_SERVER_KEY_PART, hs->peer_digest);
	if (hs->schema != RTMP_HS_SCHEMA_NONE) {
		rtmp_hs_response_sig(hs_client_key, sizeof(hs_client_key),
		    hs->peer_digest, hs->random2, sig);
		wire_put_bytes(out, hs->random2, HS_BODY);
		wire_put_bytes(out, sig, sizeof(sig));
	} else {
		wire_put_bytes(out, hs->peer, RTMP_HS_SIZE);
	}
}

/* A whole C2 (server) or S2 (client) is in hs->peer: verify, never fail. */
static void
rtmp_hs_on_p2(struct rtmp_hs *hs)
{
	bool ok = CRYPTO_memcmp(hs->peer, hs->own, RTMP_HS_SIZE) == 0;

	if (!ok && hs->schema != RTMP_HS_SCHEMA_NONE) {
		if (hs->role == RTMP_HS_SERVER)
			ok = rtmp_hs_check_response(hs_client_key,
			    sizeof(hs_client_key), hs->own_digest, hs->peer);
		else
			ok = rtmp_hs_check_response(hs_server_key,
			    sizeof(hs_server_key), hs->own_digest, hs->peer);
	}
	hs->peer_verified = ok;
}

void
rtmp_hs_client_start(struct rtmp_hs *hs, uint32_t time, const uint8_t *random,
    struct wire_writer *out)
{
	struct rtmp_hs_opts ho = { 0 };
	size_t consumed = 0;

	ho.time = time;
	ho.random = random;
	ho.digest = true;
	rtmp_hs_init(hs, RTMP_HS_CLIENT, &ho);
	(void)rtmp_hs_feed(hs, NULL, 0, &consumed, out);
}

int
rtmp_hs_feed(struct rtmp_hs *hs, const uint8_t *in, size_t len,
    size_t *consumed, struct wire_writer *out)
{
	size_t used = 0, n;

	*consumed = 0;
	if (hs->state == RTMP_HS_ST_DONE || hs->state == RTMP_HS_ST_FAILED)
		return hs->rc;
	if (in == NULL)
		len = 0;
	n = rtmp_hs_out_needed(hs);
	if (n > 0 && (out == NULL || out->err || out->cap - out->pos < n))
		return RC_LIMIT;

	for (;;) {
		switch (hs->state) {
		case RTMP_HS_ST_SEND_C0C1:
			wire_put_u8(out, RTMP_HS_VERSION);
			wire_put_bytes(out, hs->own, RTMP_HS_SIZE);
			hs->state = RTMP_HS_ST_READ_V0;
			break;
		case RTMP_HS_ST_READ_V0:
			if (used == len)
				goto again;
			if (in[used++] != RTMP_HS_VERSION) {
				hs->state = RTMP_HS_ST_FAILED;
				hs->rc = RC_UNSUPPORTED;
				*consumed = used;
				return hs->rc;
			}
			hs->state = RTMP_HS_ST_READ_P1;
			hs->have = 0;
			break;
		case RTMP_HS_ST_READ_P1:
		case RTMP_HS_ST_READ_P2:
			assert(hs->have < RTMP_HS_SIZE);
			n = RTMP_HS_SIZE - hs->have;
			if (n > len - used)
				n = len - used;
			if (n > 0)
				memcpy(hs->peer + hs->have, in + used, n);
			hs->have += n;
			used += n;
			if (hs->have < RTMP_HS_SIZE)
				goto again;
			hs->have = 0;
			if (hs->state == RTMP_HS_ST_READ_P1) {
				rtmp_hs_on_p1(hs, out);
				hs->state = RTMP_HS_ST_READ_P2;
				break;
			}
			rtmp_hs_on_p2(hs);
			hs->state = RTMP_HS_ST_DONE;
			hs->rc = RC_OK;
			*consumed = used;
			return RC_OK;
		default:
			assert(!"rtmp_hs_feed: bad state");
			return RC_ERROR;
		}
	}
again:
	*consumed = used;
	return RC_AGAIN;
}

/* ---- Accessors ---- */

bool
rtmp_hs_is_done(const struct rtmp_hs *hs)
{
	return hs->state == RTMP_HS_ST_DONE;
}

bool
rtmp_hs_is_digest(const struct rtmp_hs *hs)
{
	return hs->schema != RTMP_HS_SCHEMA_NONE;
}

enum rtmp_hs_schema
rtmp_hs_schema(const struct rtmp_hs *hs)
{
	return hs->schema;
}

bool
rtmp_hs_is_peer_verified(const struct rtmp_hs *hs)
{
	return hs->state == RTMP_HS_ST_DONE && hs->peer_verified;
}

uint32_t
rtmp_hs_peer_time(const struct rtmp_hs *hs)
{
	return hs->peer_time;
}

uint32_t
rtmp_hs_peer_version(const struct rtmp_hs *hs)
{
	return hs->peer_version;
}

const char *
rtmp_hs_schema_str(enum rtmp_hs_schema schema)
{
	switch (schema) {
	case RTMP_HS_SCHEMA_KEY_FIRST:
		return "key-first";
	case RTMP_HS_SCHEMA_DIGEST_FIRST:
		return "digest-first";
	default:
		return "plain";
	}
}
