/*
 * rtmp_msg: RTMP protocol control and user control messages.
 *
 * Users: the edge's player and origin sessions (and rtmp_cmd, which puts
 * Window Ack Size, Set Peer Bandwidth, Set Chunk Size and StreamBegin in
 * its replies). Pure: a struct rtmp_msg (edge/rtmp_chunk.h) in, a
 * struct rtmp_msg_ctl out, and back; no I/O, no heap, no state.
 *
 * Payloads (Spec 5.4 and 7.1.7; every integer big-endian; all of them on
 * csid 2, message stream 0, timestamp 0):
 *
 *	type 1 Set Chunk Size      u32 size (top bit zero, not zero)
 *	type 2 Abort               u32 csid
 *	type 3 Acknowledgement     u32 sequence number (bytes received)
 *	type 5 Window Ack Size     u32 window
 *	type 6 Set Peer Bandwidth  u32 window, u8 limit (0 hard 1 soft 2 dyn)
 *	type 4 User Control        u16 event, then
 *	         0 StreamBegin, 1 StreamEOF, 2 StreamDry,
 *	         4 StreamIsRecorded          u32 stream id
 *	         3 SetBufferLength           u32 stream id, u32 buffer ms
 *	         6 PingRequest, 7 PingResponse  u32 timestamp
 *
 * Decoding is lenient like SRS: bytes after the fields are ignored, and
 * an unknown limit type is kept as sent. Too short a payload is
 * RC_TRUNCATED. Unknown user control events (26/27 SWF verification, 31/32
 * from some servers) are RC_UNSUPPORTED with `event` set, so the caller
 * can ignore them. Answer a PingRequest by encoding a PingResponse with
 * the same `value` (SRS, ffmpeg).
 */
#ifndef EDGE_RTMP_MSG_H
#define EDGE_RTMP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge/rtmp_chunk.h"

/* Message type ids (rtmp.md section 3). */
enum rtmp_msg_type {
	RTMP_MSG_SET_CHUNK_SIZE = 1,
	RTMP_MSG_ABORT = 2,
	RTMP_MSG_ACK = 3,
	RTMP_MSG_USER_CONTROL = 4,
	RTMP_MSG_WINDOW_ACK_SIZE = 5,
	RTMP_MSG_SET_PEER_BW = 6,
	RTMP_MSG_AUDIO = 8,
	RTMP_MSG_VIDEO = 9,
	RTMP_MSG_DATA_AMF3 = 15,
	RTMP_MSG_SHARED_OBJECT_AMF3 = 16,
	RTMP_MSG_COMMAND_AMF3 = 17,
	RTMP_MSG_DATA_AMF0 = 18,
	RTMP_MSG_SHARED_OBJECT_AMF0 = 19,
	RTMP_MSG_COMMAND_AMF0 = 20,
	RTMP_MSG_AGGREGATE = 22,
};

/* User control event types. */
enum rtmp_msg_uc {
	RTMP_MSG_UC_STREAM_BEGIN = 0,
	RTMP_MSG_UC_STREAM_EOF = 1,
	RTMP_MSG_UC_STREAM_DRY = 2,
	RTMP_MSG_UC_SET_BUFFER_LENGTH = 3,
	RTMP_MSG_UC_STREAM_IS_RECORDED = 4,
	RTMP_MSG_UC_PING_REQUEST = 6,
	RTMP_MSG_UC_PING_RESPONSE = 7,
};

/* Set Peer Bandwidth limit types. */
enum rtmp_msg_bw_limit {
	RTMP_MSG_BW_HARD = 0,
	RTMP_MSG_BW_SOFT = 1,
	RTMP_MSG_BW_DYNAMIC = 2,
};

#define RTMP_MSG_CSID_CONTROL 2u /* protocol and user control */
#define RTMP_MSG_CTL_MAX 10u	 /* largest payload: SetBufferLength */

/*
 * A decoded (or to be encoded) control message.
 *  type:   1..6 (enum rtmp_msg_type);
 *  value:  types 1/2/3/5/6: the u32 (chunk size, csid, sequence number,
 *          window); type 4: the stream id, or the timestamp for ping
 *          events;
 *  limit:  type 6 only;
 *  event:  type 4 only (enum rtmp_msg_uc);
 *  buffer_ms: SetBufferLength only.
 */
struct rtmp_msg_ctl {
	uint8_t type;
	uint32_t value;
	uint8_t limit;
	uint16_t event;
	uint32_t buffer_ms;
};

/* True for the types rtmp_msg_decode() handles (1..6). */
bool rtmp_msg_is_control(uint8_t type);

/*
 * Decode `m` (borrowed) into `c`. Returns RC_OK; RC_MALFORMED if
 * m->type is not 1..6 or a Set Chunk Size is 0 or has its top bit set;
 * RC_TRUNCATED if the payload is shorter than the fields; RC_UNSUPPORTED
 * for an unknown user control event (c->type and c->event are set).
 * Anywhere.
 */
int rtmp_msg_decode(const struct rtmp_msg *m, struct rtmp_msg_ctl *c);

/*
 * Encode `c` (borrowed) into buf[0..cap) and fill `m` to send it: csid 2,
 * stream 0, timestamp 0, payload = buf (so `buf` must live as long as
 * `m` is used). Returns RC_OK; RC_MALFORMED for a type outside 1..6, an
 * unknown user control event or an invalid chunk size (0 or top bit);
 * RC_TRUNCATED if cap is too small (RTMP_MSG_CTL_MAX always fits).
 * Anywhere.
 */
int rtmp_msg_encode(const struct rtmp_msg_ctl *c, uint8_t *buf, size_t cap,
    struct rtmp_msg *m);

/* Shorthands for rtmp_msg_encode(); same returns. */
int rtmp_msg_encode_u32(uint8_t type, uint32_t value, uint8_t *buf, size_t cap,
    struct rtmp_msg *m);
int rtmp_msg_encode_peer_bw(uint32_t window, uint8_t limit, uint8_t *buf,
    size_t cap, struct rtmp_msg *m);
int rtmp_msg_encode_uc(uint16_t event, uint32_t value, uint8_t *buf, size_t cap,
    struct rtmp_msg *m);

/*
 * Aggregate messages (type 22, FMS and some origins for live and VOD):
 * a payload of FLV-tag-shaped sub-messages,
 *
 *	u8 type | u24 size | u24 timestamp | u8 timestamp high | u24 stream
 *	| size bytes of data | u32 back pointer (11 + size, not checked)
 *
 * Sub-message times are relative to the first one: each comes out at
 * the aggregate's timestamp plus (its time - the first's time), as SRS
 * and nginx-rtmp do. Only audio, video and AMF0 data may be inside; the
 * stream id is the aggregate's. Iterate:
 *
 *	struct rtmp_msg_agg it; struct rtmp_msg sub;
 *	rtmp_msg_agg_init(&it, m);
 *	while ((rc = rtmp_msg_agg_next(&it, &sub)) == RC_OK) use(&sub);
 *	rc is RC_NOTFOUND at the end, RC_MALFORMED (stop) on a bad one.
 *
 * sub.payload points into m's payload: valid as long as m is.
 */
struct rtmp_msg_agg {
	const struct rtmp_msg *m;
	size_t pos;
	bool started;
	uint32_t first_ts;
};

/* Start iterating over aggregate `m` (borrowed). Anywhere. */
void rtmp_msg_agg_init(struct rtmp_msg_agg *it, const struct rtmp_msg *m);

/*
 * The next sub-message into *sub (csid and stream id of the aggregate).
 * RC_OK; RC_NOTFOUND after the last; RC_MALFORMED for a truncated
 * header or body, or a type other than audio, video or AMF0 data (the
 * iterator then stays at RC_MALFORMED). Anywhere.
 */
int rtmp_msg_agg_next(struct rtmp_msg_agg *it, struct rtmp_msg *sub);

/* Short stable name of a message type ("audio", "command-amf0", ...). */
const char *rtmp_msg_type_str(uint8_t type);

#endif
