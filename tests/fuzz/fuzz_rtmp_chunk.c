/*
 * fuzz_rtmp_chunk: the RTMP chunk stream decoder, and encoder round trips.
 *
 * Input: byte 0 picks the mode (bit 0: round trip) and bytes 1..7 the
 * parameters; the rest is data.
 *  - decode: bytes 1..3 set max_message, max_streams and max_chunk_size,
 *    bytes 4..7 seed the split points. The data is fed whole and split;
 *    both runs must return the same rc and deliver the same messages.
 *  - round trip: the data describes messages (csid, type, stream id,
 *    timestamp, length, chunk size changes); they are encoded, decoded in
 *    random splits and must come back unchanged.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "edge/rtmp_chunk.h"
#include "edge/rtmp_msg.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_MAXMSG 256
#define FUZZ_WIRE (1u << 20)

struct fuzz_got {
	struct rtmp_chunk_rx *rx;
	size_t n;
	uint64_t hash[FUZZ_MAXMSG];
	uint32_t max_message;
};

static uint64_t
fuzz_hash(const struct rtmp_msg *m)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	h = (h ^ m->csid) * 1099511628211ull;
	h = (h ^ m->type) * 1099511628211ull;
	h = (h ^ m->stream_id) * 1099511628211ull;
	h = (h ^ m->timestamp) * 1099511628211ull;
	h = (h ^ m->len) * 1099511628211ull;
	for (i = 0; i < m->len; i++)
		h = (h ^ m->payload[i]) * 1099511628211ull;
	return h;
}

static int
fuzz_cb(void *arg, const struct rtmp_msg *m)
{
	struct fuzz_got *g = arg;
	uint32_t v;

	if (m->len > g->max_message || m->csid < 2 || m->csid > 65599)
		abort();
	if (g->n < FUZZ_MAXMSG)
		g->hash[g->n] = fuzz_hash(m);
	g->n++;
	if (m->type == RTMP_MSG_AGGREGATE) {
		/* Sub-messages stay inside the aggregate's payload. */
		struct rtmp_msg_agg it;
		struct rtmp_msg sub;
		int rc;

		rtmp_msg_agg_init(&it, m);
		while ((rc = rtmp_msg_agg_next(&it, &sub)) == RC_OK)
			if (sub.payload < m->payload ||
			    sub.payload + sub.len > m->payload + m->len)
				abort();
		if (rc != RC_NOTFOUND && rc != RC_MALFORMED)
			abort();
	}
	if ((m->type == 1 || m->type == 2) && m->len >= 4) {
		v = (uint32_t)m->payload[0] << 24 | m->payload[1] << 16 |
		    m->payload[2] << 8 | m->payload[3];
		if (m->type == 1)
			return rtmp_chunk_rx_set_chunk_size(g->rx, v);
		return rtmp_chunk_rx_abort(g->rx, v);
	}
	return RC_OK;
}

static uint32_t
fuzz_prng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Feed in pieces of 1..64 bytes (or whole if seed is 0). */
static int
fuzz_feed(const struct rtmp_chunk_limits *lim, const uint8_t *p, size_t len,
    uint32_t seed, struct fuzz_got *g)
{
	struct rtmp_chunk_rx rx;
	size_t pos = 0, n, used;
	int rc = RC_OK;

	memset(g, 0, sizeof(*g));
	rtmp_chunk_rx_init(&rx, lim, fuzz_cb, g);
	g->rx = &rx;
	g->max_message = rx.lim.max_message;
	while (pos < len) {
		n = len - pos;
		if (seed != 0 && n > 1)
			n = 1 + fuzz_prng(&seed) % (n < 64 ? n : 64);
		rc = rtmp_chunk_rx_feed(&rx, p + pos, n, &used);
		if (used > n)
			abort();
		if (rc != RC_OK)
			break;
		pos += n;
	}
	if (rc == RC_OK && rtmp_chunk_rx_bytes(&rx) != len)
		abort();
	rtmp_chunk_rx_fini(&rx);
	return rc;
}

static void
fuzz_decode(const uint8_t *data, size_t size)
{
	static struct fuzz_got a, b;
	struct rtmp_chunk_limits lim;
	uint32_t seed;
	size_t i;
	int rca, rcb;

	rtmp_chunk_limits_default(&lim);
	lim.max_message = 1 + (uint32_t)data[1] * 4099;
	lim.max_streams = 1 + data[2] % 16;
	lim.max_chunk_size =
	    data[3] & 0x80 ? RTMP_CHUNK_SIZE_MAX : 1 + (uint32_t)data[3] * 600;
	lim.max_buffered = (size_t)lim.max_message * (1 + data[2] / 64);
	seed = (uint32_t)data[4] << 24 | data[5] << 16 | data[6] << 8 |
	    data[7] | 1;
	rca = fuzz_feed(&lim, data + 8, size - 8, 0, &a);
	rcb = fuzz_feed(&lim, data + 8, size - 8, seed, &b);
	if (rca != rcb || a.n != b.n)
		abort();
	for (i = 0; i < a.n && i < FUZZ_MAXMSG; i++)
		if (a.hash[i] != b.hash[i])
			abort();
}

static void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
	static uint8_t wire[FUZZ_WIRE];
	static uint64_t want[FUZZ_MAXMSG];
	static struct fuzz_got g;
	struct rtmp_chunk_limits lim;
	struct rtmp_chunk_tx tx;
	struct rtmp_msg m;
	uint8_t ctl[4];
	const uint8_t *p = data + 8, *end = data + size;
	size_t off = 0, n, nmsg = 0;
	uint32_t cs, seed;

	seed = (uint32_t)data[4] << 24 | data[5] << 16 | data[6] << 8 |
	    data[7] | 1;
	rtmp_chunk_tx_init(&tx);
	while (end - p >= 12 && nmsg < FUZZ_MAXMSG) {
		m.csid = 2 + ((uint32_t)p[0] << 8 | p[1]) % 65598;
		if (p[0] & 0x80) /* favour few csids so headers compress */
			m.csid = 2 + p[1] % 6;
		m.type = (uint8_t)(8 + p[2] % 12); /* never 1/2: ctl below */
		m.stream_id = p[3] & 3;
		m.timestamp =
		    (uint32_t)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];
		m.len = ((size_t)p[8] << 8 | p[9]) % 3000;
		cs = p[10];
		p += 11;
		m.payload = p;
		if (m.len > (size_t)(end - p))
			m.len = (size_t)(end - p);
		p += m.len;
		n = rtmp_chunk_tx_size(&tx, &m);
		if (n == 0 || off + n + 64 > FUZZ_WIRE)
			break;
		if (rtmp_chunk_tx_write_buf(&tx, wire + off, FUZZ_WIRE - off,
			&m, &n) != RC_OK)
			abort();
		off += n;
		want[nmsg++] = fuzz_hash(&m);
		if (cs != 0 && nmsg < FUZZ_MAXMSG) {
			cs = cs < 128 ? cs : cs * 257;
			ctl[0] = (uint8_t)(cs >> 24);
			ctl[1] = (uint8_t)(cs >> 16);
			ctl[2] = (uint8_t)(cs >> 8);
			ctl[3] = (uint8_t)cs;
			m = (struct rtmp_msg){ 2, 1, 0, 0, ctl, 4 };
			if (rtmp_chunk_tx_write_buf(&tx, wire + off,
				FUZZ_WIRE - off, &m, &n) != RC_OK)
				abort();
			off += n;
			want[nmsg++] = fuzz_hash(&m);
			if (rtmp_chunk_tx_set_chunk_size(&tx, cs) != RC_OK)
				abort();
		}
	}
	rtmp_chunk_tx_fini(&tx);
	rtmp_chunk_limits_default(&lim);
	lim.max_streams = FUZZ_MAXMSG;
	if (fuzz_feed(&lim, wire, off, seed, &g) != RC_OK || g.n != nmsg)
		abort();
	for (n = 0; n < nmsg; n++)
		if (g.hash[n] != want[n])
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	if (data[0] & 1)
		fuzz_roundtrip(data, size);
	else
		fuzz_decode(data, size);
	return 0;
}
