/*
 * rtmp_msg: protocol control and user control messages; the payload
 * layouts are in rtmp_msg.h.
 */
#include "config.h"

#include "edge/rtmp_msg.h"

#include <string.h>

#include "common/rc.h"
#include "common/wire.h"

static bool rtmp_msg_is_known_uc(uint16_t event);
static size_t rtmp_msg_uc_len(uint16_t event);

static bool
rtmp_msg_is_known_uc(uint16_t event)
{
	return event <= RTMP_MSG_UC_PING_RESPONSE && event != 5;
}

/* Bytes after the u16 event. */
static size_t
rtmp_msg_uc_len(uint16_t event)
{
	return event == RTMP_MSG_UC_SET_BUFFER_LENGTH ? 8 : 4;
}

bool
rtmp_msg_is_control(uint8_t type)
{
	return type >= RTMP_MSG_SET_CHUNK_SIZE && type <= RTMP_MSG_SET_PEER_BW;
}

int
rtmp_msg_decode(const struct rtmp_msg *m, struct rtmp_msg_ctl *c)
{
	struct wire_reader w;

	memset(c, 0, sizeof(*c));
	if (!rtmp_msg_is_control(m->type))
		return RC_MALFORMED;
	c->type = m->type;
	wire_reader_init(&w, m->payload, m->len);
	if (m->type == RTMP_MSG_USER_CONTROL) {
		c->event = wire_get_u16(&w);
		if (w.err)
			return RC_TRUNCATED;
		if (!rtmp_msg_is_known_uc(c->event))
			return RC_UNSUPPORTED;
		c->value = wire_get_u32(&w);
		if (c->event == RTMP_MSG_UC_SET_BUFFER_LENGTH)
			c->buffer_ms = wire_get_u32(&w);
		return w.err ? RC_TRUNCATED : RC_OK;
	}
	c->value = wire_get_u32(&w);
	if (m->type == RTMP_MSG_SET_PEER_BW)
		c->limit = wire_get_u8(&w);
	if (w.err)
		return RC_TRUNCATED;
	if (m->type == RTMP_MSG_SET_CHUNK_SIZE &&
	    (c->value == 0 || (c->value & 0x80000000u)))
		return RC_MALFORMED;
	return RC_OK;
}

int
rtmp_msg_encode(const struct rtmp_msg_ctl *c, uint8_t *buf, size_t cap,
    struct rtmp_msg *m)
{
	struct wire_writer w;

	if (!rtmp_msg_is_control(c->type))
		return RC_MALFORMED;
	if (c->type == RTMP_MSG_SET_CHUNK_SIZE &&
	    (c->value == 0 || (c->value & 0x80000000u)))
		return RC_MALFORMED;
	if (c->type == RTMP_MSG_USER_CONTROL && !rtmp_msg_is_known_uc(c->event))
		return RC_MALFORMED;
	wire_writer_init(&w, buf, cap);
	if (c->type == RTMP_MSG_USER_CONTROL) {
		wire_put_u16(&w, c->event);
		wire_put_u32(&w, c->value);
		if (rtmp_msg_uc_len(c->event) == 8)
			wire_put_u32(&w, c->buffer_ms);
	} else {
		wire_put_u32(&w, c->value);
		if (c->type == RTMP_MSG_SET_PEER_BW)
			wire_put_u8(&w, c->limit);
	}
	if (w.err)
		return RC_TRUNCATED;
	m->csid = RTMP_MSG_CSID_CONTROL;
	m->type = c->type;
	m->stream_id = 0;
	m->timestamp = 0;
	m->payload = buf;
	m->len = w.pos;
	return RC_OK;
}

int
rtmp_msg_encode_u32(uint8_t type, uint32_t value, uint8_t *buf, size_t cap,
    struct rtmp_msg *m)
{
	struct rtmp_msg_ctl c = { .type = type, .value = value };

	if (type == RTMP_MSG_USER_CONTROL || type == RTMP_MSG_SET_PEER_BW)
		return RC_MALFORMED;
	return rtmp_msg_encode(&c, buf, cap, m);
}

int
rtmp_msg_encode_peer_bw(uint32_t window, uint8_t limit, uint8_t *buf,
    size_t cap, struct rtmp_msg *m)
{
	struct rtmp_msg_ctl c = { .type = RTMP_MSG_SET_PEER_BW,
		.value = window,
		.limit = limit };

	return rtmp_msg_encode(&c, buf, cap, m);
}

int
rtmp_msg_encode_uc(uint16_t event, uint32_t value, uint8_t *buf, size_t cap,
    struct rtmp_msg *m)
{
	struct rtmp_msg_ctl c = { .type = RTMP_MSG_USER_CONTROL,
		.event = event,
		.value = value };

	return rtmp_msg_encode(&c, buf, cap, m);
}

const char *
rtmp_msg_type_str(uint8_t type)
{
	switch (type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
		return "set-chunk-size";
	case RTMP_MSG_ABORT:
		return "abort";
	case RTMP_MSG_ACK:
		return "ack";
	case RTMP_MSG_USER_CONTROL:
		return "user-control";
	case RTMP_MSG_WINDOW_ACK_SIZE:
		return "window-ack-size";
	case RTMP_MSG_SET_PEER_BW:
		return "set-peer-bandwidth";
	case RTMP_MSG_AUDIO:
		return "audio";
	case RTMP_MSG_VIDEO:
		return "video";
	case RTMP_MSG_DATA_AMF3:
		return "data-amf3";
	case RTMP_MSG_SHARED_OBJECT_AMF3:
		return "shared-object-amf3";
	case RTMP_MSG_COMMAND_AMF3:
		return "command-amf3";
	case RTMP_MSG_DATA_AMF0:
		return "data-amf0";
	case RTMP_MSG_SHARED_OBJECT_AMF0:
		return "shared-object-amf0";
	case RTMP_MSG_COMMAND_AMF0:
		return "command-amf0";
	case RTMP_MSG_AGGREGATE:
		return "aggregate";
	default:
		return "unknown";
	}
}

/* ---- Aggregates ---- */

#define RTMP_MSG_AGG_HEADER 11
#define RTMP_MSG_AGG_TRAILER 4

void
rtmp_msg_agg_init(struct rtmp_msg_agg *it, const struct rtmp_msg *m)
{
	memset(it, 0, sizeof(*it));
	it->m = m;
}

int
rtmp_msg_agg_next(struct rtmp_msg_agg *it, struct rtmp_msg *sub)
{
	const struct rtmp_msg *m = it->m;
	struct wire_reader w;
	uint8_t type;
	uint32_t size, ts;
	const uint8_t *data;

	if (it->pos > m->len)
		return RC_MALFORMED; /* stuck after an error */
	if (it->pos == m->len)
		return RC_NOTFOUND;
	wire_reader_init(&w, m->payload + it->pos, m->len - it->pos);
	type = wire_get_u8(&w);
	size = (uint32_t)wire_get_u8(&w) << 16;
	size |= wire_get_u16(&w);
	ts = (uint32_t)wire_get_u8(&w) << 16;
	ts |= wire_get_u16(&w);
	ts |= (uint32_t)wire_get_u8(&w) << 24;
	wire_skip(&w, 3); /* stream id: the aggregate's is used */
	data = wire_get_ptr(&w, size);
	wire_skip(&w, RTMP_MSG_AGG_TRAILER);
	if (w.err ||
	    (type != RTMP_MSG_AUDIO && type != RTMP_MSG_VIDEO &&
		type != RTMP_MSG_DATA_AMF0)) {
		it->pos = m->len + 1;
		return RC_MALFORMED;
	}
	if (!it->started) {
		it->started = true;
		it->first_ts = ts;
	}
	it->pos += w.pos;
	sub->csid = m->csid;
	sub->type = type;
	sub->stream_id = m->stream_id;
	sub->timestamp = m->timestamp + (ts - it->first_ts);
	sub->payload = data;
	sub->len = size;
	return RC_OK;
}
