/*
 * frame: refcounted media messages and their FLV flags (see frame.h).
 */
#include "config.h"

#include "edge/frame.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static uint8_t frame_video_flags(const uint8_t *p, size_t len);
static uint8_t frame_audio_flags(const uint8_t *p, size_t len);
static bool frame_amf0_string_is(const uint8_t *p, size_t len, const char *s);

/* AMF0 string marker, then a u16 length; see edge/amf.h. */
#define FRAME_AMF0_STRING 0x02u
#define FRAME_SET_DATA_FRAME "@setDataFrame"
#define FRAME_ON_METADATA "onMetaData"

/* Legacy FLV video codec ids with an AVCPacketType byte. */
#define FRAME_CODEC_AVC 7u
#define FRAME_CODEC_HEVC 12u /* Chinese CDN extension */
#define FRAME_SOUND_AAC 10u
#define FRAME_SOUND_EX 9u /* E-RTMP audio ExHeader */

/* FLV video frame types (high nibble, or bits 4..6 with E-RTMP). */
#define FRAME_FT_KEY 1u
#define FRAME_FT_DISPOSABLE 3u

/* E-RTMP packet types. */
#define FRAME_EX_SEQ_START 0u
#define FRAME_EX_CODED 1u
#define FRAME_EX_CODED_X 3u
#define FRAME_EX_TS_SEQ_START 5u

static bool
frame_amf0_string_is(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= 3 + n && p[0] == FRAME_AMF0_STRING &&
	    ((size_t)p[1] << 8 | p[2]) == n && memcmp(p + 3, s, n) == 0;
}

static uint8_t
frame_video_flags(const uint8_t *p, size_t len)
{
	unsigned ft, pt;

	if (len < 1)
		return 0;
	if (p[0] & 0x80) { /* E-RTMP: [1][type:3][packet:4] fourcc */
		if (len < 5)
			return 0;
		ft = (p[0] >> 4) & 0x07;
		pt = p[0] & 0x0f;
		if (pt == FRAME_EX_SEQ_START || pt == FRAME_EX_TS_SEQ_START)
			return FRAME_SEQ_HEADER;
		if (pt != FRAME_EX_CODED && pt != FRAME_EX_CODED_X)
			return 0;
	} else {
		ft = p[0] >> 4;
		if ((p[0] & 0x0f) == FRAME_CODEC_AVC ||
		    (p[0] & 0x0f) == FRAME_CODEC_HEVC) {
			if (len < 2)
				return 0;
			if (p[1] == 0)
				return FRAME_SEQ_HEADER;
			if (p[1] != 1)
				return 0; /* end of sequence */
		}
	}
	if (ft == FRAME_FT_KEY)
		return FRAME_KEY;
	if (ft == FRAME_FT_DISPOSABLE)
		return FRAME_DISPOSABLE;
	return 0;
}

static uint8_t
frame_audio_flags(const uint8_t *p, size_t len)
{
	if (len < 2)
		return 0;
	if ((p[0] >> 4) == FRAME_SOUND_AAC && p[1] == 0)
		return FRAME_SEQ_HEADER;
	/* E-RTMP audio: [9][packet:4] fourcc; packet 0 = SequenceStart. */
	if ((p[0] >> 4) == FRAME_SOUND_EX && (p[0] & 0x0f) == 0 && len >= 5)
		return FRAME_SEQ_HEADER;
	return 0;
}

struct frame *
frame_new(const struct rtmp_msg *m)
{
	const uint8_t *p = m->payload;
	size_t len = m->len, skip;
	uint8_t flags = 0;
	struct frame *f;

	switch (m->type) {
	case FRAME_AUDIO:
		flags = frame_audio_flags(p, len);
		break;
	case FRAME_VIDEO:
		flags = frame_video_flags(p, len);
		break;
	case FRAME_DATA:
		skip = 3 + strlen(FRAME_SET_DATA_FRAME);
		if (frame_amf0_string_is(p, len, FRAME_SET_DATA_FRAME) &&
		    frame_amf0_string_is(p + skip, len - skip,
			FRAME_ON_METADATA)) {
			p += skip;
			len -= skip;
		}
		if (frame_amf0_string_is(p, len, FRAME_ON_METADATA))
			flags = FRAME_METADATA;
		break;
	default:
		return NULL;
	}

	f = xmalloc(sizeof(*f) + len);
	f->refs = 1;
	f->type = m->type;
	f->flags = flags;
	f->timestamp = m->timestamp;
	f->len = len;
	f->body = NULL;
	f->body_len = 0;
	f->body_csid = f->body_chunk = 0;
	if (len > 0)
		memcpy(f->payload, p, len);
	return f;
}

struct frame *
frame_ref(struct frame *f)
{
	assert(f != NULL && f->refs > 0 && f->refs < UINT32_MAX);
	f->refs++;
	return f;
}

void
frame_unref(struct frame *f)
{
	if (f == NULL)
		return;
	assert(f->refs > 0);
	if (--f->refs == 0) {
		free(f->body);
		free(f);
	}
}

const uint8_t *
frame_chunked(struct frame *f, uint32_t csid, uint32_t chunk_size, size_t *len)
{
	if (f->len <= chunk_size) {
		*len = f->len;
		return f->payload;
	}
	if (f->body == NULL || f->body_csid != csid ||
	    f->body_chunk != chunk_size) {
		free(f->body);
		f->body_len = rtmp_chunk_body_size(csid, f->len, chunk_size);
		f->body = xmalloc(f->body_len);
		rtmp_chunk_body_write(f->body, csid, f->payload, f->len,
		    chunk_size);
		f->body_csid = csid;
		f->body_chunk = chunk_size;
	}
	*len = f->body_len;
	return f->body;
}

enum frame_prio
frame_prio(const struct frame *f)
{
	if (f->type == FRAME_DATA || (f->flags & FRAME_SEQ_HEADER))
		return FRAME_PRIO_CONTROL;
	if (f->type == FRAME_AUDIO)
		return FRAME_PRIO_AUDIO;
	if (f->flags & FRAME_DISPOSABLE)
		return FRAME_PRIO_DISPOSABLE;
	return FRAME_PRIO_VIDEO;
}
