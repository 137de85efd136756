/*
 * rtmp_chunk: the RTMP chunk stream codec. See rtmp_chunk.h for the
 * design note and contracts.
 */
#include "config.h"

#include "edge/rtmp_chunk.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/rc.h"
#include "common/wire.h"

/* Decoder state of one chunk stream. */
struct rtmp_chunk_cs {
	uint32_t csid;
	uint32_t ts;	/* timestamp of the current (or last) message */
	uint32_t base;	/* timestamp of the message before: delta base */
	uint32_t delta; /* re-applied by a fmt 3 chunk starting a message */
	uint32_t ext;	/* value of the last extended field */
	uint32_t len;
	uint32_t stream_id;
	uint8_t type;
	bool has_ext; /* last fmt 0/1/2 header had an extended field */
	uint8_t *buf;
	uint32_t cap;
	uint32_t got; /* payload bytes of the current message so far */
};

/* Encoder state of one chunk stream: what was last sent on it. */
struct rtmp_chunk_txcs {
	uint32_t csid;
	uint32_t ts;
	uint32_t delta;
	uint32_t len;
	uint32_t stream_id;
	uint8_t type;
	bool delta_ok; /* last header was fmt 1/2: fmt 3 may re-apply delta */
};

/* A parsed chunk header. */
struct rtmp_chunk_hdr {
	uint8_t fmt;
	uint32_t csid;
	uint32_t field; /* timestamp (fmt 0) or delta (fmt 1/2) */
	bool ext;	/* field came from an extended timestamp */
	uint32_t len;
	uint8_t type;
	uint32_t stream_id;
	size_t size; /* header bytes */
};

/* How a message will be encoded. */
struct rtmp_chunk_plan {
	uint8_t fmt;
	uint32_t field;
	bool ext;
	size_t bh;   /* basic header bytes */
	size_t size; /* total bytes */
};

static const uint8_t rtmp_chunk_mh_len[4] = { 11, 7, 3, 0 };
static const uint8_t rtmp_chunk_empty[1];

static uint32_t rtmp_chunk_rx_find(const struct rtmp_chunk_rx *rx,
    uint32_t csid);
static bool rtmp_chunk_prefix_eq(const uint8_t *p, size_t n, uint32_t v);
static int rtmp_chunk_rx_parse(const struct rtmp_chunk_rx *rx,
    struct rtmp_chunk_hdr *h);
static int rtmp_chunk_rx_commit(struct rtmp_chunk_rx *rx,
    const struct rtmp_chunk_hdr *h);
static int rtmp_chunk_rx_reserve(struct rtmp_chunk_rx *rx,
    struct rtmp_chunk_cs *cs, uint32_t need);
static int rtmp_chunk_rx_body(struct rtmp_chunk_rx *rx, const uint8_t *p,
    size_t n);
static int rtmp_chunk_rx_deliver(struct rtmp_chunk_rx *rx,
    struct rtmp_chunk_cs *cs);
static uint32_t rtmp_chunk_tx_find(const struct rtmp_chunk_tx *tx,
    uint32_t csid);
static bool rtmp_chunk_tx_plan(const struct rtmp_chunk_tx *tx,
    const struct rtmp_msg *m, struct rtmp_chunk_plan *pl);
static void rtmp_chunk_put_basic(struct wire_writer *w, uint8_t fmt,
    uint32_t csid);
static void rtmp_chunk_put_u24(struct wire_writer *w, uint32_t v);

/* ---- Decoder ---- */

void
rtmp_chunk_limits_default(struct rtmp_chunk_limits *lim)
{
	lim->max_message = RTMP_CHUNK_MAX_MESSAGE_DEFAULT;
	lim->max_chunk_size = RTMP_CHUNK_SIZE_MAX;
	lim->max_streams = RTMP_CHUNK_MAX_STREAMS_DEFAULT;
	lim->max_buffered = RTMP_CHUNK_MAX_BUFFERED_DEFAULT;
}

void
rtmp_chunk_rx_init(struct rtmp_chunk_rx *rx,
    const struct rtmp_chunk_limits *lim, rtmp_chunk_msg_cb_t cb, void *arg)
{
	memset(rx, 0, sizeof(*rx));
	if (lim != NULL)
		rx->lim = *lim;
	else
		rtmp_chunk_limits_default(&rx->lim);
	if (rx->lim.max_message > RTMP_CHUNK_MSG_LEN_MAX)
		rx->lim.max_message = RTMP_CHUNK_MSG_LEN_MAX;
	/* One message of the largest size must fit. */
	if (rx->lim.max_buffered < rx->lim.max_message)
		rx->lim.max_buffered = rx->lim.max_message;
	rx->cb = cb;
	rx->arg = arg;
	rx->chunk_size = RTMP_CHUNK_SIZE_DEFAULT;
}

void
rtmp_chunk_rx_fini(struct rtmp_chunk_rx *rx)
{
	uint32_t i;

	if (rx == NULL)
		return;
	for (i = 0; i < rx->ncs; i++)
		free(rx->cs[i].buf);
	free(rx->cs);
	rx->cs = NULL;
	rx->ncs = rx->cscap = 0;
	rx->buffered = 0;
}

int
rtmp_chunk_rx_set_chunk_size(struct rtmp_chunk_rx *rx, uint32_t size)
{
	if (size == 0 || size > RTMP_CHUNK_SIZE_MAX)
		return RC_MALFORMED;
	if (size > rx->lim.max_chunk_size)
		return RC_LIMIT;
	/* No message is longer, so larger sizes behave the same. */
	rx->chunk_size =
	    size > RTMP_CHUNK_MSG_LEN_MAX ? RTMP_CHUNK_MSG_LEN_MAX : size;
	return RC_OK;
}

int
rtmp_chunk_rx_abort(struct rtmp_chunk_rx *rx, uint32_t csid)
{
	uint32_t i = rtmp_chunk_rx_find(rx, csid);

	if (i == rx->ncs)
		return RC_OK;
	rx->cs[i].got = 0;
	/* Called between feeds inside that csid's chunk: drop its rest. */
	if (rx->in_body && rx->cur == i)
		rx->skip = true;
	return RC_OK;
}

uint64_t
rtmp_chunk_rx_bytes(const struct rtmp_chunk_rx *rx)
{
	return rx->bytes;
}

static uint32_t
rtmp_chunk_rx_find(const struct rtmp_chunk_rx *rx, uint32_t csid)
{
	uint32_t i;

	for (i = 0; i < rx->ncs; i++)
		if (rx->cs[i].csid == csid)
			break;
	return i;
}

/* Do the n (< 4 allowed) bytes at p match the start of big-endian v? */
static bool
rtmp_chunk_prefix_eq(const uint8_t *p, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n && i < 4; i++)
		if (p[i] != (uint8_t)(v >> (24 - 8 * i)))
			return false;
	return true;
}

/*
 * Parse the header held in rx->hdr[0..hdr_len). RC_AGAIN if more bytes
 * are needed; bytes past h->size are not part of the header.
 */
static int
rtmp_chunk_rx_parse(const struct rtmp_chunk_rx *rx, struct rtmp_chunk_hdr *h)
{
	const struct rtmp_chunk_cs *cs;
	struct wire_reader w, peek;
	uint8_t b, le[4], look[4];
	uint32_t i, c1, c2;
	size_t n;

	memset(h, 0, sizeof(*h));
	wire_reader_init(&w, rx->hdr, rx->hdr_len);
	b = wire_get_u8(&w);
	h->fmt = b >> 6;
	h->csid = b & 0x3f;
	if (h->csid == 0) {
		h->csid = 64 + (uint32_t)wire_get_u8(&w);
	} else if (h->csid == 1) {
		h->csid = 64 + (uint32_t)wire_get_u8(&w);
		h->csid += 256 * (uint32_t)wire_get_u8(&w);
	}
	if (w.err || wire_remaining(&w) < rtmp_chunk_mh_len[h->fmt])
		return RC_AGAIN;
	i = rtmp_chunk_rx_find(rx, h->csid);
	cs = i < rx->ncs ? &rx->cs[i] : NULL;

	if (h->fmt == 3) {
		/* fmt 1 with no prior state is librtmp's first ping (zero
		 * state, as SRS); fmt 2/3 would not even have a length. */
		if (cs == NULL)
			return RC_MALFORMED;
		if (cs->has_ext) {
			/* Optional repeat of the extended field. */
			c1 = cs->ext;
			c2 = cs->got > 0 ? cs->ts : cs->ts + cs->delta;
			n = wire_remaining(&w) < 4 ? wire_remaining(&w) : 4;
			peek = w;
			wire_get_bytes(&peek, look, n);
			if (rtmp_chunk_prefix_eq(look, n, c1) ||
			    rtmp_chunk_prefix_eq(look, n, c2)) {
				if (n < 4)
					return RC_AGAIN;
				wire_skip(&w, 4);
			}
		}
		h->size = w.pos;
		return w.err ? RC_AGAIN : RC_OK;
	}
	if (h->fmt == 2 && cs == NULL)
		return RC_MALFORMED;
	h->field = (uint32_t)wire_get_u8(&w) << 16;
	h->field |= (uint32_t)wire_get_u16(&w);
	if (h->fmt <= 1) {
		h->len = (uint32_t)wire_get_u8(&w) << 16;
		h->len |= (uint32_t)wire_get_u16(&w);
		h->type = wire_get_u8(&w);
	}
	if (h->fmt == 0) {
		wire_get_bytes(&w, le, 4);
		h->stream_id = (uint32_t)le[0] | (uint32_t)le[1] << 8 |
		    (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
	}
	if (h->field == RTMP_CHUNK_EXT_TS) {
		h->ext = true;
		h->field = wire_get_u32(&w);
	}
	if (w.err)
		return RC_AGAIN;
	h->size = w.pos;
	return RC_OK;
}

/* Apply a parsed header to its chunk stream and start reading payload. */
static int
rtmp_chunk_rx_commit(struct rtmp_chunk_rx *rx, const struct rtmp_chunk_hdr *h)
{
	struct rtmp_chunk_cs *cs;
	uint32_t i, left;
	bool starting;

	i = rtmp_chunk_rx_find(rx, h->csid);
	if (i == rx->ncs) {
		if (h->fmt >= 2)
			return RC_MALFORMED;
		if (rx->ncs >= rx->lim.max_streams)
			return RC_LIMIT;
		if (rx->ncs == rx->cscap) {
			rx->cscap = rx->cscap ? rx->cscap * 2 : 4;
			if (rx->cscap > rx->lim.max_streams)
				rx->cscap = rx->lim.max_streams;
			rx->cs =
			    xreallocarray(rx->cs, rx->cscap, sizeof(*rx->cs));
		}
		memset(&rx->cs[i], 0, sizeof(rx->cs[i]));
		rx->cs[i].csid = h->csid;
		rx->ncs++;
	}
	cs = &rx->cs[i];
	starting = cs->got == 0;
	if (h->fmt <= 1) {
		/* Checked before any byte of it is buffered. */
		if (h->len > rx->lim.max_message)
			return RC_LIMIT;
		/* SRS: a header inside a message must not change its length */
		if (!starting && h->len != cs->len)
			return RC_MALFORMED;
		cs->len = h->len;
		cs->type = h->type;
	}
	if (h->fmt == 0)
		cs->stream_id = h->stream_id;
	if (starting)
		cs->base = cs->ts;
	if (h->fmt <= 2) {
		cs->has_ext = h->ext;
		if (h->ext)
			cs->ext = h->field;
		/* After fmt 0 a fmt 3 re-applies its timestamp (5.3.1.2.4). */
		cs->delta = h->field;
		cs->ts = h->fmt == 0 ? h->field : cs->base + h->field;
	} else if (starting) {
		cs->ts = cs->base + cs->delta;
	}

	left = cs->len - cs->got;
	rx->cur = i;
	rx->left = left < rx->chunk_size ? left : rx->chunk_size;
	rx->in_body = true;
	rx->skip = false;
	if (rx->left == 0) /* an empty message */
		return rtmp_chunk_rx_deliver(rx, cs);
	return RC_OK;
}

/* Make cs->buf hold `need` bytes, within max_buffered. */
static int
rtmp_chunk_rx_reserve(struct rtmp_chunk_rx *rx, struct rtmp_chunk_cs *cs,
    uint32_t need)
{
	uint32_t cap, i;

	if (need <= cs->cap)
		return RC_OK;
	/* Grow with the bytes that arrive, not the length announced. */
	cap = cs->cap > 2048 ? cs->cap * 2 : 4096;
	if (cap < need)
		cap = need;
	if (cap > cs->len)
		cap = cs->len;
	if (rx->buffered - cs->cap + cap > rx->lim.max_buffered) {
		for (i = 0; i < rx->ncs; i++) {
			if (&rx->cs[i] == cs || rx->cs[i].got > 0)
				continue;
			rx->buffered -= rx->cs[i].cap;
			free(rx->cs[i].buf);
			rx->cs[i].buf = NULL;
			rx->cs[i].cap = 0;
		}
		if (rx->buffered - cs->cap + cap > rx->lim.max_buffered)
			return RC_LIMIT;
	}
	cs->buf = xreallocarray(cs->buf, cap, 1);
	rx->buffered = rx->buffered - cs->cap + cap;
	cs->cap = cap;
	return RC_OK;
}

/* Take n (<= rx->left) payload bytes of the current chunk. */
static int
rtmp_chunk_rx_body(struct rtmp_chunk_rx *rx, const uint8_t *p, size_t n)
{
	struct rtmp_chunk_cs *cs = &rx->cs[rx->cur];
	int rc;

	assert(n <= rx->left);
	rx->left -= (uint32_t)n;
	if (rx->skip) {
		if (rx->left == 0)
			rx->in_body = rx->skip = false;
		return RC_OK;
	}
	rc = rtmp_chunk_rx_reserve(rx, cs, cs->got + (uint32_t)n);
	if (rc != RC_OK)
		return rc;
	memcpy(cs->buf + cs->got, p, n);
	cs->got += (uint32_t)n;
	if (rx->left > 0)
		return RC_OK;
	rx->in_body = false;
	if (cs->got < cs->len)
		return RC_OK;
	return rtmp_chunk_rx_deliver(rx, cs);
}

static int
rtmp_chunk_rx_deliver(struct rtmp_chunk_rx *rx, struct rtmp_chunk_cs *cs)
{
	struct rtmp_msg m;

	m.csid = cs->csid;
	m.type = cs->type;
	m.stream_id = cs->stream_id;
	m.timestamp = cs->ts;
	m.payload = cs->buf != NULL ? cs->buf : rtmp_chunk_empty;
	m.len = cs->len;
	cs->got = 0;
	rx->in_body = false;
	if (rx->cb == NULL)
		return RC_OK;
	return rx->cb(rx->arg, &m);
}

int
rtmp_chunk_rx_feed(struct rtmp_chunk_rx *rx, const uint8_t *buf, size_t len,
    size_t *used)
{
	struct rtmp_chunk_hdr h;
	uint8_t extra[RTMP_CHUNK_HDR_MAX];
	size_t pos = 0, n, old, excess, k;
	bool held = false;
	int rc = RC_OK;

	while (pos < len || held) {
		held = false;
		if (rx->in_body) {
			if (pos == len)
				break;
			n = len - pos < rx->left ? len - pos : rx->left;
			rc = rtmp_chunk_rx_body(rx, buf + pos, n);
			pos += n;
			rx->bytes += n;
			if (rc != RC_OK)
				break;
			continue;
		}
		old = rx->hdr_len;
		n = len - pos;
		if (n > RTMP_CHUNK_HDR_MAX - old)
			n = RTMP_CHUNK_HDR_MAX - old;
		memcpy(rx->hdr + old, buf + pos, n);
		rx->hdr_len = old + n;
		rc = rtmp_chunk_rx_parse(rx, &h);
		if (rc == RC_AGAIN) {
			/* A header is at most 18 bytes: all of n is held. */
			assert(rx->hdr_len < RTMP_CHUNK_HDR_MAX);
			pos += n;
			rx->bytes += n;
			rc = RC_OK;
			continue;
		}
		if (rc != RC_OK)
			break;
		/*
		 * Bytes held from earlier feeds beyond the header (a fmt 3
		 * extended field that turned out not to be repeated) are
		 * payload, and maybe the start of the next header.
		 */
		excess = 0;
		if (h.size >= old) {
			pos += h.size - old;
			rx->bytes += h.size - old;
		} else {
			excess = old - h.size;
			memcpy(extra, rx->hdr + h.size, excess);
		}
		rx->hdr_len = 0;
		rc = rtmp_chunk_rx_commit(rx, &h);
		if (excess > 0) {
			k = 0;
			if (rc == RC_OK && rx->in_body)
				k = excess < rx->left ? excess : rx->left;
			if (k > 0)
				rc = rtmp_chunk_rx_body(rx, extra, k);
			/* Kept even if the callback stopped us. */
			memcpy(rx->hdr, extra + k, excess - k);
			rx->hdr_len = excess - k;
			/* They may hold a whole header: parse even at the end. */
			held = rx->hdr_len > 0;
		}
		if (rc != RC_OK)
			break;
	}
	*used = pos;
	return rc;
}

/* ---- Encoder ---- */

void
rtmp_chunk_tx_init(struct rtmp_chunk_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->chunk_size = RTMP_CHUNK_SIZE_DEFAULT;
}

void
rtmp_chunk_tx_fini(struct rtmp_chunk_tx *tx)
{
	if (tx == NULL)
		return;
	free(tx->cs);
	tx->cs = NULL;
	tx->ncs = tx->cscap = 0;
}

int
rtmp_chunk_tx_set_chunk_size(struct rtmp_chunk_tx *tx, uint32_t size)
{
	if (size == 0 || size > RTMP_CHUNK_SIZE_MAX)
		return RC_MALFORMED;
	tx->chunk_size = size;
	return RC_OK;
}

static uint32_t
rtmp_chunk_tx_find(const struct rtmp_chunk_tx *tx, uint32_t csid)
{
	uint32_t i;

	for (i = 0; i < tx->ncs; i++)
		if (tx->cs[i].csid == csid)
			break;
	return i;
}

/* Choose the header for m and size the result; false if m is invalid. */
static bool
rtmp_chunk_tx_plan(const struct rtmp_chunk_tx *tx, const struct rtmp_msg *m,
    struct rtmp_chunk_plan *pl)
{
	const struct rtmp_chunk_txcs *cs;
	uint32_t i, delta;
	size_t nchunks, per;

	if (m->csid < RTMP_CHUNK_CSID_MIN || m->csid > RTMP_CHUNK_CSID_MAX ||
	    m->len > RTMP_CHUNK_MSG_LEN_MAX)
		return false;
	i = rtmp_chunk_tx_find(tx, m->csid);
	cs = i < tx->ncs ? &tx->cs[i] : NULL;
	if (cs == NULL || cs->stream_id != m->stream_id ||
	    m->timestamp < cs->ts) {
		pl->fmt = 0;
		pl->field = m->timestamp;
	} else {
		delta = m->timestamp - cs->ts;
		if (cs->type != m->type || cs->len != m->len)
			pl->fmt = 1;
		else if (cs->delta_ok && delta == cs->delta &&
		    delta < RTMP_CHUNK_EXT_TS)
			pl->fmt = 3;
		else
			pl->fmt = 2;
		pl->field = delta;
	}
	pl->ext = pl->field >= RTMP_CHUNK_EXT_TS;
	pl->bh = m->csid < 64 ? 1 : m->csid < 320 ? 2 : 3;
	per = tx->chunk_size < RTMP_CHUNK_MSG_LEN_MAX ? tx->chunk_size :
							RTMP_CHUNK_MSG_LEN_MAX;
	nchunks = m->len == 0 ? 1 : (m->len + per - 1) / per;
	pl->size = pl->bh + rtmp_chunk_mh_len[pl->fmt] + (pl->ext ? 4 : 0) +
	    m->len + (nchunks - 1) * (pl->bh + (pl->ext ? 4 : 0));
	return true;
}

size_t
rtmp_chunk_tx_size(const struct rtmp_chunk_tx *tx, const struct rtmp_msg *m)
{
	struct rtmp_chunk_plan pl;

	if (!rtmp_chunk_tx_plan(tx, m, &pl))
		return 0;
	return pl.size;
}

static void
rtmp_chunk_put_basic(struct wire_writer *w, uint8_t fmt, uint32_t csid)
{
	if (csid < 64) {
		wire_put_u8(w, (uint8_t)(fmt << 6 | csid));
	} else if (csid < 320) {
		wire_put_u8(w, (uint8_t)(fmt << 6));
		wire_put_u8(w, (uint8_t)(csid - 64));
	} else {
		wire_put_u8(w, (uint8_t)(fmt << 6 | 1));
		wire_put_u8(w, (uint8_t)((csid - 64) & 0xff));
		wire_put_u8(w, (uint8_t)((csid - 64) >> 8));
	}
}

static void
rtmp_chunk_put_u24(struct wire_writer *w, uint32_t v)
{
	wire_put_u8(w, (uint8_t)(v >> 16));
	wire_put_u16(w, (uint16_t)v);
}

/* The txcs of csid, created if new. */
static struct rtmp_chunk_txcs *
rtmp_chunk_tx_cs(struct rtmp_chunk_tx *tx, uint32_t csid)
{
	uint32_t i = rtmp_chunk_tx_find(tx, csid);

	if (i == tx->ncs) {
		if (tx->ncs == tx->cscap) {
			tx->cscap = tx->cscap ? tx->cscap * 2 : 4;
			tx->cs =
			    xreallocarray(tx->cs, tx->cscap, sizeof(*tx->cs));
		}
		memset(&tx->cs[i], 0, sizeof(tx->cs[i]));
		tx->cs[i].csid = csid;
		tx->ncs++;
	}
	return &tx->cs[i];
}

/* The first chunk's header of m, as planned. */
static void
rtmp_chunk_put_header(struct wire_writer *w, const struct rtmp_msg *m,
    const struct rtmp_chunk_plan *pl)
{
	uint8_t le[4];

	rtmp_chunk_put_basic(w, pl->fmt, m->csid);
	if (pl->fmt <= 2)
		rtmp_chunk_put_u24(w, pl->ext ? RTMP_CHUNK_EXT_TS : pl->field);
	if (pl->fmt <= 1) {
		rtmp_chunk_put_u24(w, (uint32_t)m->len);
		wire_put_u8(w, m->type);
	}
	if (pl->fmt == 0) {
		le[0] = (uint8_t)m->stream_id;
		le[1] = (uint8_t)(m->stream_id >> 8);
		le[2] = (uint8_t)(m->stream_id >> 16);
		le[3] = (uint8_t)(m->stream_id >> 24);
		wire_put_bytes(w, le, 4);
	}
	if (pl->ext)
		wire_put_u32(w, pl->field);
}

/* Remember what was sent on cs, for the next message's fmt. */
static void
rtmp_chunk_tx_commit(struct rtmp_chunk_txcs *cs, const struct rtmp_msg *m,
    const struct rtmp_chunk_plan *pl)
{
	if (pl->fmt == 1 || pl->fmt == 2) {
		cs->delta = pl->field;
		cs->delta_ok = true;
	} else if (pl->fmt == 0) {
		cs->delta_ok = false;
	}
	cs->ts = m->timestamp;
	cs->len = (uint32_t)m->len;
	cs->type = m->type;
	cs->stream_id = m->stream_id;
}

int
rtmp_chunk_tx_write(struct rtmp_chunk_tx *tx, struct wire_writer *w,
    const struct rtmp_msg *m)
{
	struct rtmp_chunk_plan pl;
	struct rtmp_chunk_txcs *cs;
	size_t off, n, per;

	if (!rtmp_chunk_tx_plan(tx, m, &pl))
		return RC_MALFORMED;
	if (w->err || w->cap - w->pos < pl.size)
		return RC_TRUNCATED;
	cs = rtmp_chunk_tx_cs(tx, m->csid);
	rtmp_chunk_put_header(w, m, &pl);
	per = tx->chunk_size;
	for (off = 0;;) {
		n = m->len - off < per ? m->len - off : per;
		if (n > 0)
			wire_put_bytes(w, m->payload + off, n);
		off += n;
		if (off >= m->len)
			break;
		rtmp_chunk_put_basic(w, 3, m->csid);
		if (pl.ext)
			wire_put_u32(w, pl.field);
	}
	assert(!w->err);
	rtmp_chunk_tx_commit(cs, m, &pl);
	return RC_OK;
}

int
rtmp_chunk_tx_write_header(struct rtmp_chunk_tx *tx, struct wire_writer *w,
    const struct rtmp_msg *m)
{
	struct rtmp_chunk_plan pl;
	struct wire_writer probe;
	uint8_t tmp[RTMP_CHUNK_HEADER_MAX];

	if (!rtmp_chunk_tx_plan(tx, m, &pl))
		return RC_MALFORMED;
	if (pl.ext)
		return RC_UNSUPPORTED;
	wire_writer_init(&probe, tmp, sizeof(tmp));
	rtmp_chunk_put_header(&probe, m, &pl);
	assert(!probe.err);
	if (w->err || w->cap - w->pos < probe.pos)
		return RC_TRUNCATED;
	wire_put_bytes(w, tmp, probe.pos);
	rtmp_chunk_tx_commit(rtmp_chunk_tx_cs(tx, m->csid), m, &pl);
	return RC_OK;
}

static size_t
rtmp_chunk_basic_len(uint32_t csid)
{
	return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

size_t
rtmp_chunk_body_size(uint32_t csid, size_t len, uint32_t chunk_size)
{
	size_t chunks = len == 0 ? 1 : (len + chunk_size - 1) / chunk_size;

	return len + (chunks - 1) * rtmp_chunk_basic_len(csid);
}

void
rtmp_chunk_body_write(uint8_t *buf, uint32_t csid, const uint8_t *payload,
    size_t len, uint32_t chunk_size)
{
	struct wire_writer w;
	size_t off, n;

	wire_writer_init(&w, buf, rtmp_chunk_body_size(csid, len, chunk_size));
	for (off = 0;;) {
		n = len - off < chunk_size ? len - off : chunk_size;
		if (n > 0)
			wire_put_bytes(&w, payload + off, n);
		off += n;
		if (off >= len)
			break;
		rtmp_chunk_put_basic(&w, 3, csid);
	}
	assert(!w.err && w.pos == w.cap);
}

int
rtmp_chunk_tx_write_buf(struct rtmp_chunk_tx *tx, uint8_t *buf, size_t cap,
    const struct rtmp_msg *m, size_t *n)
{
	struct wire_writer w;
	int rc;

	wire_writer_init(&w, buf, cap);
	rc = rtmp_chunk_tx_write(tx, &w, m);
	*n = w.pos;
	return rc;
}
