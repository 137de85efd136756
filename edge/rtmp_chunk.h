/*
 * rtmp_chunk: the RTMP chunk stream codec (decoder and encoder).
 *
 * Pure code: bytes in, messages out and back; no sockets, no clock. The
 * session (edge/session.c, later) owns one rtmp_chunk_rx and one
 * rtmp_chunk_tx per connection: _init after the handshake, _fini when the
 * connection closes. Users: the edge's player and origin sessions.
 *
 * Design note. A message is cut into chunks of at most `chunk_size` payload
 * bytes, each behind a header; messages on different chunk streams (csid)
 * interleave chunk by chunk:
 *
 *   basic header        message header (fmt)           ext ts    payload
 *   +-----+---------+   +---------------------------+  +------+  +-------+
 *   | fmt | csid    |   | 0: ts3 len3 type1 msid4LE |  | u32  |  | <= cs |
 *   | 2b  | 6b[+1/2]|   | 1: dt3 len3 type1         |  | (if  |  | bytes |
 *   +-----+---------+   | 2: dt3                    |  | ts3= |  +-------+
 *   csid 0 => 64+b1     | 3: (none: same as before) |  |FFFFFF|
 *   csid 1 => 64+b1+256b2 +-------------------------+  +------+
 *
 * The decoder keeps per-csid state (last timestamp, delta, length, type,
 * stream id, partial payload) so fmt 1/2/3 can leave fields out. It
 * accumulates a header (at most 18 bytes) in a small buffer so input can be
 * split anywhere, then copies payload into that csid's buffer; a complete
 * message goes to the callback. Timestamps are u32 and wrap.
 *
 * Extended timestamps: peers disagree on whether a fmt 3 chunk repeats the
 * 4-byte extended field (ffmpeg and Flash do, nginx-rtmp only with
 * play_time_fix, the 2009 spec says never). Like SRS we accept both: on a
 * fmt 3 chunk whose csid last had an extended field, the next 4 bytes are
 * taken as that field only if they equal it (or the message's absolute
 * timestamp, which some senders repeat instead); otherwise they are
 * payload (so up to 3 payload bytes that look like the field wait for a
 * 4th byte). The encoder always repeats it, as the 2012 spec, Flash and
 * ffmpeg expect.
 *
 * fmt 3 after fmt 0 re-applies the fmt 0 timestamp as the delta (spec
 * 5.3.1.2.4, ffmpeg, SRS). The encoder never relies on that: it only uses
 * fmt 3 to start a message after a fmt 1/2 header with the same delta.
 */
#ifndef EDGE_RTMP_CHUNK_H
#define EDGE_RTMP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

#define RTMP_CHUNK_SIZE_DEFAULT 128u	 /* both directions at start */
#define RTMP_CHUNK_SIZE_MAX 0x7fffffffu	 /* 31 bits (Set Chunk Size) */
#define RTMP_CHUNK_MSG_LEN_MAX 0xffffffu /* 24-bit length field */
#define RTMP_CHUNK_CSID_MIN 2u
#define RTMP_CHUNK_CSID_MAX 65599u
#define RTMP_CHUNK_HDR_MAX 18u	    /* 3 + 11 + 4 */
#define RTMP_CHUNK_EXT_TS 0xffffffu /* 24-bit field => u32 follows */

#define RTMP_CHUNK_MAX_MESSAGE_DEFAULT (8u << 20)
#define RTMP_CHUNK_MAX_STREAMS_DEFAULT 64u
#define RTMP_CHUNK_MAX_BUFFERED_DEFAULT (16u << 20)

/* Protocol control message types (csid 2, stream 0); parsed by callers. */
enum rtmp_chunk_ctl {
	RTMP_CHUNK_CTL_SET_CHUNK_SIZE = 1,
	RTMP_CHUNK_CTL_ABORT = 2,
	RTMP_CHUNK_CTL_ACK = 3,
	RTMP_CHUNK_CTL_WINDOW_ACK_SIZE = 5,
	RTMP_CHUNK_CTL_SET_PEER_BW = 6,
};

/*
 * A whole message. The decoder fills one for its callback (payload owned
 * by the decoder, valid only during the callback); the encoder reads one
 * (payload borrowed for the call).
 */
struct rtmp_msg {
	uint32_t csid;	    /* chunk stream, 2..65599 */
	uint8_t type;	    /* message type id */
	uint32_t stream_id; /* message stream id */
	uint32_t timestamp; /* ms, wraps at 2^32 */
	const uint8_t *payload;
	size_t len; /* at most RTMP_CHUNK_MSG_LEN_MAX */
};

/*
 * Decoder limits; every size the peer sends is checked against these
 * before anything is allocated.
 *  max_message:    largest message length accepted (default 8 MiB, never
 *                  above the 24-bit field's 16 MiB - 1); more => RC_LIMIT
 *                  as soon as the header arrives.
 *  max_chunk_size: largest Set Chunk Size accepted (default the spec's
 *                  2^31 - 1). Chunk size never sizes an allocation (payload
 *                  goes straight into the message buffer), and any value
 *                  at or above 16 MiB behaves the same since no message is
 *                  longer, so the default accepts every legal value; set it
 *                  lower (SRS warns above 65536) to be strict.
 *  max_streams:    distinct csids a connection may use (default 64; real
 *                  peers use 2..8). A new csid beyond it => RC_LIMIT.
 *  max_buffered:   bytes of message buffers held across all csids (default
 *                  16 MiB); idle buffers are released first, then RC_LIMIT.
 * Buffers grow as payload arrives, so memory follows bytes actually
 * received, not lengths announced.
 */
struct rtmp_chunk_limits {
	uint32_t max_message;
	uint32_t max_chunk_size;
	uint32_t max_streams;
	size_t max_buffered;
};

/*
 * Message callback: `m` and its payload are borrowed for the call. It may
 * call rtmp_chunk_rx_set_chunk_size() and rtmp_chunk_rx_abort() (they take
 * effect from the next chunk), but not rtmp_chunk_rx_fini(). Return RC_OK
 * to go on, or a negative rc to make rtmp_chunk_rx_feed() stop right after
 * this message and return it (the decoder stays usable in that case).
 */
typedef int (*rtmp_chunk_msg_cb_t)(void *arg, const struct rtmp_msg *m);

struct rtmp_chunk_cs; /* per-csid decoder state, private */

struct rtmp_chunk_rx {
	struct rtmp_chunk_limits lim;
	rtmp_chunk_msg_cb_t cb;
	void *arg;
	uint32_t chunk_size; /* incoming, effective (clamped to 2^24 - 1) */
	uint64_t bytes;	     /* consumed so far */
	size_t buffered;     /* sum of csid buffer capacities */
	struct rtmp_chunk_cs *cs;
	uint32_t ncs, cscap;
	/* parser position */
	bool in_body;  /* else reading a header */
	uint32_t cur;  /* csid index whose chunk payload is being read */
	uint32_t left; /* payload bytes left in this chunk */
	bool skip;     /* drop them: the message was aborted mid-chunk */
	uint8_t hdr[RTMP_CHUNK_HDR_MAX];
	size_t hdr_len;
};

/* Defaults above. Anywhere. */
void rtmp_chunk_limits_default(struct rtmp_chunk_limits *lim);

/*
 * Start decoding a connection at chunk size 128. `lim` is copied (NULL for
 * defaults; a max_message above 2^24 - 1 is lowered to it); `cb` with
 * `arg` (borrowed) gets every message. Release with rtmp_chunk_rx_fini().
 * Anywhere.
 */
void rtmp_chunk_rx_init(struct rtmp_chunk_rx *rx,
    const struct rtmp_chunk_limits *lim, rtmp_chunk_msg_cb_t cb, void *arg);

/* Free the buffers; rx may then be _init'ed again. NULL is fine. */
void rtmp_chunk_rx_fini(struct rtmp_chunk_rx *rx);

/*
 * Feed `len` bytes (borrowed) split anywhere; whole messages are delivered
 * to the callback as they complete. *used gets the bytes consumed: all of
 * them on RC_OK (partial headers and payload are kept inside). Returns
 *  RC_OK;
 *  RC_MALFORMED: bad header (csid unseen for fmt 2/3, length changed
 *                inside a message, ...);
 *  RC_LIMIT:     a limit of rtmp_chunk_limits was hit;
 *  or what the callback returned (then *used ends after that message and
 *  the decoder may be fed the rest).
 * After RC_MALFORMED or RC_LIMIT the connection must be closed: the
 * decoder's state is undefined except that rtmp_chunk_rx_fini() works.
 * Event callback (the session's read callback).
 */
int rtmp_chunk_rx_feed(struct rtmp_chunk_rx *rx, const uint8_t *buf, size_t len,
    size_t *used);

/*
 * Apply a peer's Set Chunk Size (the caller parsed the u32) from the next
 * chunk on. RC_MALFORMED for 0 or the top bit set, RC_LIMIT above
 * lim.max_chunk_size. From the callback or anywhere.
 */
int rtmp_chunk_rx_set_chunk_size(struct rtmp_chunk_rx *rx, uint32_t size);

/*
 * Apply a peer's Abort: drop the partial message on `csid`. Unknown csids
 * are ignored. Always RC_OK. From the callback or anywhere.
 */
int rtmp_chunk_rx_abort(struct rtmp_chunk_rx *rx, uint32_t csid);

/* Bytes consumed so far; an Acknowledgement carries it modulo 2^32. */
uint64_t rtmp_chunk_rx_bytes(const struct rtmp_chunk_rx *rx);

/* ---- Encoder ---- */

struct rtmp_chunk_txcs; /* per-csid encoder state, private */

/* Longest chunk header: 3 basic + 11 message + 4 extended timestamp. */
#define RTMP_CHUNK_HEADER_MAX 18

struct rtmp_chunk_tx {
	uint32_t chunk_size; /* outgoing */
	struct rtmp_chunk_txcs *cs;
	uint32_t ncs, cscap;
};

/* Start encoding at chunk size 128. Release with _fini. Anywhere. */
void rtmp_chunk_tx_init(struct rtmp_chunk_tx *tx);

/* Free the state; NULL is fine. */
void rtmp_chunk_tx_fini(struct rtmp_chunk_tx *tx);

/*
 * Use `size` for the chunks of the following messages. The caller sends
 * the Set Chunk Size message itself (before this call or after: its 4-byte
 * payload fits any chunk size). RC_MALFORMED for 0 or above 2^31 - 1.
 */
int rtmp_chunk_tx_set_chunk_size(struct rtmp_chunk_tx *tx, uint32_t size);

/*
 * Bytes rtmp_chunk_tx_write() would produce for `m` now (fmt choice
 * depends on what was last sent on m->csid); 0 if `m` is invalid (csid
 * outside 2..65599 or len above 2^24 - 1). Anywhere.
 */
size_t rtmp_chunk_tx_size(const struct rtmp_chunk_tx *tx,
    const struct rtmp_msg *m);

/*
 * Write `m` (borrowed) as chunks: fmt 0 for a csid's first message, a new
 * stream id or a timestamp going backwards; fmt 1 when the length or type
 * changes; fmt 2 for a new delta; fmt 3 for the same delta after fmt 1/2;
 * continuation chunks are fmt 3; extended timestamps are repeated on each
 * chunk. Returns RC_OK; RC_MALFORMED for an invalid `m` (see _size);
 * RC_TRUNCATED if `w` lacks room (then nothing is written and the state is
 * unchanged; w->err stays clear). Anywhere.
 */
int rtmp_chunk_tx_write(struct rtmp_chunk_tx *tx, struct wire_writer *w,
    const struct rtmp_msg *m);

/*
 * Shared chunk bodies: a live frame goes to many players with the same
 * csid and chunk size, and after the first chunk's header its chunked
 * form is the same for all of them (payload pieces separated by one-byte
 * fmt 3 headers), unless the timestamp needs the extended field, which
 * every continuation chunk repeats. So the edge writes per player only
 * the first header (rtmp_chunk_tx_write_header) and shares one body
 * (rtmp_chunk_body_write) by reference.
 */

/*
 * Write the first chunk header rtmp_chunk_tx_write() would write for `m`
 * (at most RTMP_CHUNK_HEADER_MAX bytes) and update the state as it would;
 * the caller sends the body next. RC_OK; RC_MALFORMED (see _size);
 * RC_TRUNCATED (no room); RC_UNSUPPORTED when `m` needs an extended
 * timestamp (write it whole with rtmp_chunk_tx_write). Nothing is written
 * and the state is unchanged unless RC_OK. Anywhere.
 */
int rtmp_chunk_tx_write_header(struct rtmp_chunk_tx *tx, struct wire_writer *w,
    const struct rtmp_msg *m);

/* Bytes of the body of a `len`-byte message on csid at chunk_size. */
size_t rtmp_chunk_body_size(uint32_t csid, size_t len, uint32_t chunk_size);

/*
 * Write that body (payload, with a fmt 3 basic header for csid before
 * every chunk after the first) into buf, which has rtmp_chunk_body_size()
 * bytes. Pure.
 */
void rtmp_chunk_body_write(uint8_t *buf, uint32_t csid, const uint8_t *payload,
    size_t len, uint32_t chunk_size);

/* Same into buf[0..cap); *n gets the bytes written. */
int rtmp_chunk_tx_write_buf(struct rtmp_chunk_tx *tx, uint8_t *buf, size_t cap,
    const struct rtmp_msg *m, size_t *n);

#endif
