#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "edge/frame.h"

static void test_frame_new_flags(void **state);
static void test_frame_new_metadata_strips_prefix(void **state);
static void test_frame_new_other_types(void **state);
static void test_frame_ref_unref(void **state);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* AMF0 strings as they appear on the wire. */
#define SET_DATA_FRAME                                                      \
	0x02, 0x00, 0x0d, '@', 's', 'e', 't', 'D', 'a', 't', 'a', 'F', 'r', \
	    'a', 'm', 'e'
#define ON_METADATA \
	0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'
#define ECMA_EMPTY 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09

static const struct {
	const char *desc;
	uint8_t type;
	uint8_t bytes[48];
	size_t len;
	uint8_t flags;
	enum frame_prio prio;
} cases[] = {
	/* AVC: AVCDecoderConfigurationRecord (High 3.1, 1 SPS). */
	{ "avc sequence header", 9,
	    { 0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1,
		0x00, 0x19, 0x67, 0x64, 0x00, 0x1f },
	    17, FRAME_SEQ_HEADER, FRAME_PRIO_CONTROL },
	{ "avc key frame (IDR NALU)", 9,
	    { 0x17, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x65, 0x88,
		0x84, 0x00 },
	    13, FRAME_KEY, FRAME_PRIO_VIDEO },
	{ "avc inter frame", 9,
	    { 0x27, 0x01, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x04, 0x41, 0x9a,
		0x24, 0x6c },
	    13, 0, FRAME_PRIO_VIDEO },
	{ "avc disposable inter (B) frame", 9,
	    { 0x37, 0x01, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x04, 0x01, 0x9e,
		0x43, 0x79 },
	    13, FRAME_DISPOSABLE, FRAME_PRIO_DISPOSABLE },
	{ "avc end of sequence", 9, { 0x17, 0x02, 0x00, 0x00, 0x00 }, 5, 0,
	    FRAME_PRIO_VIDEO },
	{ "avc truncated after byte 0", 9, { 0x17 }, 1, 0, FRAME_PRIO_VIDEO },
	{ "empty video", 9, { 0 }, 0, 0, FRAME_PRIO_VIDEO },
	/* HEVC (codec id 12, Chinese CDN extension): HEVCDecoderConf. */
	{ "hevc(12) sequence header", 9,
	    { 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x60, 0x00, 0x00,
		0x00 },
	    11, FRAME_SEQ_HEADER, FRAME_PRIO_CONTROL },
	{ "hevc(12) key frame", 9,
	    { 0x1c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x26,
		0x01 },
	    11, FRAME_KEY, FRAME_PRIO_VIDEO },
	{ "hevc(12) inter frame", 9,
	    { 0x2c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x02,
		0x01 },
	    11, 0, FRAME_PRIO_VIDEO },
	/* Enhanced RTMP: [1][frame type:3][packet type:4] fourcc. */
	{ "e-rtmp hvc1 SequenceStart", 9,
	    { 0x90, 'h', 'v', 'c', '1', 0x01, 0x01, 0x60 }, 8, FRAME_SEQ_HEADER,
	    FRAME_PRIO_CONTROL },
	{ "e-rtmp av01 SequenceStart", 9,
	    { 0x90, 'a', 'v', '0', '1', 0x81, 0x00, 0x0c }, 8, FRAME_SEQ_HEADER,
	    FRAME_PRIO_CONTROL },
	{ "e-rtmp hvc1 CodedFrames key", 9,
	    { 0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x00, 0x26, 0x01 }, 10,
	    FRAME_KEY, FRAME_PRIO_VIDEO },
	{ "e-rtmp hvc1 CodedFramesX key", 9,
	    { 0x93, 'h', 'v', 'c', '1', 0x26, 0x01 }, 7, FRAME_KEY,
	    FRAME_PRIO_VIDEO },
	{ "e-rtmp av01 CodedFramesX inter", 9,
	    { 0xa3, 'a', 'v', '0', '1', 0x12, 0x00 }, 7, 0, FRAME_PRIO_VIDEO },
	{ "e-rtmp vp09 disposable", 9, { 0xb1, 'v', 'p', '0', '9', 0x00 }, 6,
	    FRAME_DISPOSABLE, FRAME_PRIO_DISPOSABLE },
	{ "e-rtmp SequenceEnd", 9, { 0x92, 'h', 'v', 'c', '1' }, 5, 0,
	    FRAME_PRIO_VIDEO },
	{ "e-rtmp MPEG2TSSequenceStart", 9, { 0x95, 'h', 'v', 'c', '1' }, 5,
	    FRAME_SEQ_HEADER, FRAME_PRIO_CONTROL },
	{ "e-rtmp without fourcc", 9, { 0x91, 'h', 'v' }, 3, 0,
	    FRAME_PRIO_VIDEO },
	/* Audio. */
	{ "aac sequence header (LC 44.1k stereo)", 8,
	    { 0xaf, 0x00, 0x12, 0x10 }, 4, FRAME_SEQ_HEADER,
	    FRAME_PRIO_CONTROL },
	{ "aac raw frame", 8, { 0xaf, 0x01, 0x21, 0x10, 0x04 }, 5, 0,
	    FRAME_PRIO_AUDIO },
	{ "mp3 frame starting with 0", 8, { 0x2f, 0x00, 0xff, 0xfb }, 4, 0,
	    FRAME_PRIO_AUDIO },
	{ "aac truncated", 8, { 0xaf }, 1, 0, FRAME_PRIO_AUDIO },
	{ "e-rtmp audio Opus SequenceStart", 8,
	    { 0x90, 'O', 'p', 'u', 's', 0x01 }, 6, FRAME_SEQ_HEADER,
	    FRAME_PRIO_CONTROL },
	/* Data. */
	{ "onMetaData", 18, { ON_METADATA, ECMA_EMPTY }, 21, FRAME_METADATA,
	    FRAME_PRIO_CONTROL },
	{ "onCuePoint", 18,
	    { 0x02, 0x00, 0x0a, 'o', 'n', 'C', 'u', 'e', 'P', 'o', 'i', 'n',
		't', 0x05 },
	    14, 0, FRAME_PRIO_CONTROL },
	{ "@setDataFrame onTextData (kept whole)", 18,
	    { SET_DATA_FRAME, 0x02, 0x00, 0x0a, 'o', 'n', 'T', 'e', 'x', 't',
		'D', 'a', 't', 'a' },
	    29, 0, FRAME_PRIO_CONTROL },
	{ "truncated string", 18, { 0x02, 0x00, 0x0a, 'o', 'n' }, 5, 0,
	    FRAME_PRIO_CONTROL },
};

static void
test_frame_new_flags(void **state)
{
	struct rtmp_msg m;
	struct frame *f;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		memset(&m, 0, sizeof(m));
		m.type = cases[i].type;
		m.timestamp = 1234;
		m.payload = cases[i].bytes;
		m.len = cases[i].len;
		f = frame_new(&m);
		if (f == NULL)
			fail_msg("%s: NULL", cases[i].desc);
		if (f->flags != cases[i].flags ||
		    frame_prio(f) != cases[i].prio)
			fail_msg("%s: flags %#x prio %d, want %#x %d",
			    cases[i].desc, f->flags, frame_prio(f),
			    cases[i].flags, cases[i].prio);
		assert_int_equal(f->refs, 1);
		assert_int_equal(f->type, cases[i].type);
		assert_int_equal(f->timestamp, 1234);
		assert_int_equal(f->len, cases[i].len);
		assert_memory_equal(f->payload, cases[i].bytes, f->len);
		frame_unref(f);
	}
}

static void
test_frame_new_metadata_strips_prefix(void **state)
{
	static const uint8_t in[] = { SET_DATA_FRAME, ON_METADATA, ECMA_EMPTY };
	static const uint8_t out[] = { ON_METADATA, ECMA_EMPTY };
	struct rtmp_msg m = { .type = 18, .payload = in, .len = sizeof(in) };
	struct frame *f;

	(void)state;
	f = frame_new(&m);
	assert_non_null(f);
	assert_true(frame_is_metadata(f));
	assert_false(frame_is_key(f) || frame_is_seq_header(f) ||
	    frame_is_disposable(f));
	assert_int_equal(f->len, sizeof(out));
	assert_memory_equal(f->payload, out, sizeof(out));
	frame_unref(f);
}

static void
test_frame_new_other_types(void **state)
{
	static const uint8_t b[] = { 0x02, 0x00, 0x01, 'x' };
	static const uint8_t types[] = { 1, 4, 15, 17, 20, 22 };
	struct rtmp_msg m = { .payload = b, .len = sizeof(b) };
	size_t i;

	(void)state;
	for (i = 0; i < N(types); i++) {
		m.type = types[i];
		assert_null(frame_new(&m));
	}
}

static void
test_frame_ref_unref(void **state)
{
	static const uint8_t b[] = { 0x17, 0x01, 0, 0, 0 };
	struct rtmp_msg m = { .type = 9, .payload = b, .len = sizeof(b) };
	struct frame *f;

	(void)state;
	frame_unref(NULL);
	f = frame_new(&m);
	assert_ptr_equal(frame_ref(f), f);
	assert_ptr_equal(frame_ref(f), f);
	assert_int_equal(f->refs, 3);
	frame_unref(f);
	frame_unref(f);
	assert_int_equal(f->refs, 1);
	assert_true(frame_is_key(f));
	frame_unref(f); /* freed: ASan/LSan report any leak */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_new_flags),
		cmocka_unit_test(test_frame_new_metadata_strips_prefix),
		cmocka_unit_test(test_frame_new_other_types),
		cmocka_unit_test(test_frame_ref_unref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
