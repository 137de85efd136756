/*
 * frame: one media message (audio, video or data) shared by many players.
 *
 * Users: edge/stream.c (GOP cache, sequence headers, player queues) and,
 * later, the origin and player sessions. Pure: no I/O, no clock.
 *
 * Lifecycle: frame_new() copies a decoded message into ONE allocation
 * (header and payload together) with a reference count of 1 held by the
 * caller. Every holder (the stream's caches, each player queue) takes its
 * own reference with frame_ref() and gives it back with frame_unref(); the
 * last unref frees it. Frames are immutable after creation, and only ever
 * touched from the one event-loop thread, so the count is a plain integer.
 *
 * Flags are computed once, at creation, from the FLV tag header bytes:
 *
 *   video byte 0 (legacy)  [frame type:4][codec id:4]
 *                          type 1 key, 2 inter, 3 disposable inter,
 *                          4 generated key, 5 info/command;
 *                          codec 7 AVC, 12 HEVC: byte 1 = packet type
 *                          (0 sequence header, 1 NALU, 2 end of sequence)
 *   video byte 0 (E-RTMP)  [1][frame type:3][packet type:4] fourcc:4
 *                          packet type 0 SequenceStart, 1 CodedFrames,
 *                          2 SequenceEnd, 3 CodedFramesX, 4 Metadata,
 *                          5 MPEG2TSSequenceStart
 *   audio byte 0           [sound format:4][rate:2][size:1][type:1];
 *                          format 10 AAC: byte 1 = 0 sequence header
 *                          (AudioSpecificConfig), 1 raw frame
 *   data (type 18)         AMF0 ["@setDataFrame"] "onMetaData" {...}
 *
 * A metadata message is stored WITHOUT its "@setDataFrame" prefix, which
 * is what players expect (SRS, nginx-rtmp), so it can be sent as is.
 * Unknown codecs and packet types pass through with no flags.
 */
#ifndef EDGE_FRAME_H
#define EDGE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge/rtmp_chunk.h"

enum frame_type {
	FRAME_AUDIO = 8,
	FRAME_VIDEO = 9,
	FRAME_DATA = 18, /* AMF0 data message */
};

enum frame_flag {
	FRAME_KEY = 0x01,	 /* video key frame (coded, not a header) */
	FRAME_SEQ_HEADER = 0x02, /* AVC/HEVC/AAC/E-RTMP sequence header */
	FRAME_DISPOSABLE = 0x04, /* FLV frame type 3: no frame refers to it */
	FRAME_METADATA = 0x08,	 /* onMetaData (prefix already stripped) */
};

/*
 * Drop priority in a player queue, lowest first. CONTROL is never dropped:
 * sequence headers, metadata and every other data message.
 */
enum frame_prio {
	FRAME_PRIO_DISPOSABLE = 0, /* disposable inter frames */
	FRAME_PRIO_VIDEO = 1,	   /* other video (inter and key frames) */
	FRAME_PRIO_AUDIO = 2,	   /* audio frames */
	FRAME_PRIO_CONTROL = 3,	   /* never dropped */
};

struct frame {
	uint32_t refs;	    /* holders; the last frame_unref frees */
	uint8_t type;	    /* enum frame_type */
	uint8_t flags;	    /* enum frame_flag bits */
	uint32_t timestamp; /* publisher time, ms, wraps at 2^32 */
	size_t len;	    /* payload bytes */
	/* The chunked body shared by every player (frame_chunked). */
	uint8_t *body;
	size_t body_len;
	uint32_t body_csid, body_chunk;
	uint8_t payload[]; /* len bytes, same allocation */
};

/*
 * Copy a media message into a new frame with one reference (the caller's).
 * m is borrowed; only m->type, m->timestamp, m->payload and m->len are
 * used. Returns NULL (nothing allocated) when the type is not audio (8),
 * video (9) or AMF0 data (18); the caller passes other types elsewhere.
 * The payload size is NOT checked here: the caller must already have
 * bounded it (the chunk decoder's max_message does, default 8 MiB).
 * Aborts only on out-of-memory. Callable anywhere.
 */
struct frame *frame_new(const struct rtmp_msg *m);

/*
 * The payload as the body of a chunked message on csid at chunk_size
 * (rtmp_chunk_body_write): the payload itself when it fits one chunk,
 * else built once and kept with the frame, so players on the same csid
 * and chunk size share it. *len gets its size. The result lives as long
 * as the frame. Event-loop thread (it may fill the cache).
 */
const uint8_t *frame_chunked(struct frame *f, uint32_t csid,
    uint32_t chunk_size, size_t *len);

/* Take one more reference; returns f. f must not be NULL. */
struct frame *frame_ref(struct frame *f);

/* Give back one reference; frees on the last. frame_unref(NULL) is a no-op. */
void frame_unref(struct frame *f);

/* Drop priority of f in a player queue (see enum frame_prio). */
enum frame_prio frame_prio(const struct frame *f);

static inline bool
frame_is_key(const struct frame *f)
{
	return (f->flags & FRAME_KEY) != 0;
}

static inline bool
frame_is_seq_header(const struct frame *f)
{
	return (f->flags & FRAME_SEQ_HEADER) != 0;
}

static inline bool
frame_is_disposable(const struct frame *f)
{
	return (f->flags & FRAME_DISPOSABLE) != 0;
}

static inline bool
frame_is_metadata(const struct frame *f)
{
	return (f->flags & FRAME_METADATA) != 0;
}

#endif /* EDGE_FRAME_H */
