#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/amf.h"

static void test_amf_decode_all_captures(void **state);
static void test_amf_decode_all_markers(void **state);
static void test_amf_decode_all_truncated(void **state);
static void test_amf_decode_all_depth(void **state);
static void test_amf_decode_all_count(void **state);
static void test_amf_decode_all_amf3(void **state);
static void test_amf_accessors(void **state);
static void test_amf_put_onstatus_bytes(void **state);
static void test_amf_put_replies_roundtrip(void **state);
static void test_amf_put_overflow(void **state);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Message bodies as the clients send them, byte for byte: ffmpeg 5.1
 * (rtmpproto.c gen_connect: a player adds fpad..videoFunction, a
 * publisher adds type "nonprivate" and flashVer "FMLE/3.0 ..."), librtmp
 * 2.4 (SendConnectPacket: audioCodecs 3191, flashVer "LNX 10,0,32,18"),
 * ffmpeg's play (start -2000) and publish, and nginx-rtmp's onStatus
 * NetStream.Play.Start.
 */
/* clang-format off */
static const uint8_t ffmpeg_play_connect[] = {
	0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
	0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
	0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x08, 0x66, 0x6c,
	0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x0d, 0x4c, 0x4e, 0x58,
	0x20, 0x39, 0x2c, 0x30, 0x2c, 0x31, 0x32, 0x34, 0x2c, 0x32, 0x00, 0x05,
	0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72, 0x74, 0x6d, 0x70,
	0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31,
	0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x04,
	0x66, 0x70, 0x61, 0x64, 0x01, 0x00, 0x00, 0x0c, 0x63, 0x61, 0x70, 0x61,
	0x62, 0x69, 0x6c, 0x69, 0x74, 0x69, 0x65, 0x73, 0x00, 0x40, 0x2e, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x61, 0x75, 0x64, 0x69, 0x6f,
	0x43, 0x6f, 0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0xaf, 0xce, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0b, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x43, 0x6f,
	0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0d, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x46, 0x75, 0x6e, 0x63,
	0x74, 0x69, 0x6f, 0x6e, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x09,
};
static const uint8_t ffmpeg_publish_connect[] = {
	0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
	0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
	0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x04, 0x74, 0x79,
	0x70, 0x65, 0x02, 0x00, 0x0a, 0x6e, 0x6f, 0x6e, 0x70, 0x72, 0x69, 0x76,
	0x61, 0x74, 0x65, 0x00, 0x08, 0x66, 0x6c, 0x61, 0x73, 0x68, 0x56, 0x65,
	0x72, 0x02, 0x00, 0x24, 0x46, 0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30,
	0x20, 0x28, 0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65,
	0x3b, 0x20, 0x4c, 0x61, 0x76, 0x66, 0x35, 0x39, 0x2e, 0x32, 0x37, 0x2e,
	0x31, 0x30, 0x30, 0x29, 0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02,
	0x00, 0x1a, 0x72, 0x74, 0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37,
	0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31, 0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f,
	0x6c, 0x69, 0x76, 0x65, 0x00, 0x00, 0x09,
};
static const uint8_t rtmpdump_connect[] = {
	0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
	0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
	0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x08, 0x66, 0x6c,
	0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x0e, 0x4c, 0x4e, 0x58,
	0x20, 0x31, 0x30, 0x2c, 0x30, 0x2c, 0x33, 0x32, 0x2c, 0x31, 0x38, 0x00,
	0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72, 0x74, 0x6d,
	0x70, 0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e,
	0x31, 0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76, 0x65, 0x00,
	0x04, 0x66, 0x70, 0x61, 0x64, 0x01, 0x00, 0x00, 0x0c, 0x63, 0x61, 0x70,
	0x61, 0x62, 0x69, 0x6c, 0x69, 0x74, 0x69, 0x65, 0x73, 0x00, 0x40, 0x2e,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x61, 0x75, 0x64, 0x69,
	0x6f, 0x43, 0x6f, 0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0xa8, 0xee, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x43,
	0x6f, 0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0x6f, 0x80, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x46, 0x75, 0x6e,
	0x63, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x09,
};
static const uint8_t ffmpeg_play[] = {
	0x02, 0x00, 0x04, 0x70, 0x6c, 0x61, 0x79, 0x00, 0x40, 0x10, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x06, 0x73, 0x74, 0x72, 0x65,
	0x61, 0x6d, 0x00, 0xc0, 0x9f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t ffmpeg_publish[] = {
	0x02, 0x00, 0x07, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x73, 0x68, 0x00, 0x40,
	0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x06, 0x73,
	0x74, 0x72, 0x65, 0x61, 0x6d, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65,
};
static const uint8_t create_stream[] = {
	0x02, 0x00, 0x0c, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x53, 0x74, 0x72,
	0x65, 0x61, 0x6d, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05,
};
static const uint8_t onstatus_play_start[] = {
	0x02, 0x00, 0x08, 0x6f, 0x6e, 0x53, 0x74, 0x61, 0x74, 0x75, 0x73, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x03, 0x00, 0x05,
	0x6c, 0x65, 0x76, 0x65, 0x6c, 0x02, 0x00, 0x06, 0x73, 0x74, 0x61, 0x74,
	0x75, 0x73, 0x00, 0x04, 0x63, 0x6f, 0x64, 0x65, 0x02, 0x00, 0x14, 0x4e,
	0x65, 0x74, 0x53, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x2e, 0x50, 0x6c, 0x61,
	0x79, 0x2e, 0x53, 0x74, 0x61, 0x72, 0x74, 0x00, 0x0b, 0x64, 0x65, 0x73,
	0x63, 0x72, 0x69, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x02, 0x00, 0x0a, 0x53,
	0x74, 0x61, 0x72, 0x74, 0x20, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x00, 0x09,
};
static const uint8_t metadata[] = {
	0x02, 0x00, 0x0d, 0x40, 0x73, 0x65, 0x74, 0x44, 0x61, 0x74, 0x61, 0x46,
	0x72, 0x61, 0x6d, 0x65, 0x02, 0x00, 0x0a, 0x6f, 0x6e, 0x4d, 0x65, 0x74,
	0x61, 0x44, 0x61, 0x74, 0x61, 0x08, 0x00, 0x00, 0x00, 0x06, 0x00, 0x08,
	0x64, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x77, 0x69, 0x64, 0x74, 0x68,
	0x00, 0x40, 0x94, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x68,
	0x65, 0x69, 0x67, 0x68, 0x74, 0x00, 0x40, 0x86, 0x80, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0c, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x63, 0x6f, 0x64,
	0x65, 0x63, 0x69, 0x64, 0x00, 0x40, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x07, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x65, 0x72, 0x02, 0x00,
	0x0d, 0x4c, 0x61, 0x76, 0x66, 0x35, 0x39, 0x2e, 0x32, 0x37, 0x2e, 0x31,
	0x30, 0x30, 0x00, 0x06, 0x73, 0x74, 0x65, 0x72, 0x65, 0x6f, 0x01, 0x01,
	0x00, 0x00, 0x09,
};
static const uint8_t all_markers[] = {
	0x00, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02,
	0x00, 0x03, 0x73, 0x74, 0x72, 0x0c, 0x00, 0x00, 0x00, 0x04, 0x6c, 0x6f,
	0x6e, 0x67, 0x03, 0x00, 0x01, 0x61, 0x05, 0x00, 0x01, 0x62, 0x06, 0x00,
	0x00, 0x09, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x6b, 0x00, 0x40,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x0a, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x01, 0x78, 0x0b, 0x42, 0x6d, 0x1a, 0x94, 0xa2, 0x00, 0x00,
	0x00, 0xff, 0xc4,
};
/* clang-format on */

static struct amf_value pool[AMF_MAX_VALUES];

/* Decode `len` bytes from a heap copy of exactly that size (for ASan). */
static int
decode_copy(const uint8_t *buf, size_t len, struct amf_msg *m)
{
	static uint8_t *copy;
	int rc;

	free(copy);
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	amf_msg_init(m, pool, AMF_MAX_VALUES);
	rc = amf_decode_all(copy, len, m);
	return rc;
}

struct expect {
	size_t arg;	 /* top-level index */
	const char *key; /* member of that argument, or NULL for itself */
	enum amf_type type;
	const char *str; /* for strings */
	double num;	 /* for numbers and booleans */
};

static void
check_expect(const struct amf_msg *m, const struct expect *e, const char *desc)
{
	const struct amf_value *v = amf_msg_get(m, e->arg);
	const char *p;
	size_t len;
	double d;
	bool b;

	if (e->key != NULL)
		v = amf_object_get(v, e->key);
	if (v == NULL)
		fail_msg("%s: arg %zu key %s missing", desc, e->arg,
		    e->key ? e->key : "-");
	if (v->type != e->type)
		fail_msg("%s: arg %zu key %s: %s, want %s", desc, e->arg,
		    e->key ? e->key : "-", amf_type_str(v->type),
		    amf_type_str(e->type));
	switch (e->type) {
	case AMF_STRING:
	case AMF_LONG_STRING:
		assert_int_equal(amf_as_string(v, &p, &len), RC_OK);
		if (len != strlen(e->str) || memcmp(p, e->str, len) != 0)
			fail_msg("%s: %s: got %.*s", desc, e->str, (int)len, p);
		assert_true(amf_is_string(v, e->str));
		break;
	case AMF_NUMBER:
		assert_int_equal(amf_as_number(v, &d), RC_OK);
		if (d != e->num)
			fail_msg("%s: %s: %g want %g", desc,
			    e->key ? e->key : "-", d, e->num);
		break;
	case AMF_BOOLEAN:
		assert_int_equal(amf_as_bool(v, &b), RC_OK);
		assert_int_equal(b, e->num != 0);
		break;
	default:
		break;
	}
}

static const struct capture {
	const char *desc;
	const uint8_t *buf;
	size_t len;
	size_t count;
	struct expect expect[12];
} captures[] = {
	{ "ffmpeg player connect", ffmpeg_play_connect,
	    sizeof(ffmpeg_play_connect), 3,
	    {
		{ 0, NULL, AMF_STRING, "connect", 0 },
		{ 1, NULL, AMF_NUMBER, NULL, 1 },
		{ 2, NULL, AMF_OBJECT, NULL, 0 },
		{ 2, "app", AMF_STRING, "live", 0 },
		{ 2, "flashVer", AMF_STRING, "LNX 9,0,124,2", 0 },
		{ 2, "tcUrl", AMF_STRING, "rtmp://127.0.0.1:1935/live", 0 },
		{ 2, "fpad", AMF_BOOLEAN, NULL, 0 },
		{ 2, "capabilities", AMF_NUMBER, NULL, 15 },
		{ 2, "audioCodecs", AMF_NUMBER, NULL, 4071 },
		{ 2, "videoCodecs", AMF_NUMBER, NULL, 252 },
		{ 2, "videoFunction", AMF_NUMBER, NULL, 1 },
	    } },
	{ "ffmpeg publisher connect", ffmpeg_publish_connect,
	    sizeof(ffmpeg_publish_connect), 3,
	    {
		{ 0, NULL, AMF_STRING, "connect", 0 },
		{ 1, NULL, AMF_NUMBER, NULL, 1 },
		{ 2, "app", AMF_STRING, "live", 0 },
		{ 2, "type", AMF_STRING, "nonprivate", 0 },
		{ 2, "flashVer", AMF_STRING,
		    "FMLE/3.0 (compatible; Lavf59.27.100)", 0 },
		{ 2, "tcUrl", AMF_STRING, "rtmp://127.0.0.1:1935/live", 0 },
	    } },
	{ "rtmpdump connect", rtmpdump_connect, sizeof(rtmpdump_connect), 3,
	    {
		{ 0, NULL, AMF_STRING, "connect", 0 },
		{ 2, "app", AMF_STRING, "live", 0 },
		{ 2, "flashVer", AMF_STRING, "LNX 10,0,32,18", 0 },
		{ 2, "fpad", AMF_BOOLEAN, NULL, 0 },
		{ 2, "capabilities", AMF_NUMBER, NULL, 15 },
		{ 2, "audioCodecs", AMF_NUMBER, NULL, 3191 },
		{ 2, "videoCodecs", AMF_NUMBER, NULL, 252 },
		{ 2, "videoFunction", AMF_NUMBER, NULL, 1 },
	    } },
	{ "ffmpeg play", ffmpeg_play, sizeof(ffmpeg_play), 5,
	    {
		{ 0, NULL, AMF_STRING, "play", 0 },
		{ 1, NULL, AMF_NUMBER, NULL, 4 },
		{ 2, NULL, AMF_NULL, NULL, 0 },
		{ 3, NULL, AMF_STRING, "stream", 0 },
		{ 4, NULL, AMF_NUMBER, NULL, -2000 },
	    } },
	{ "ffmpeg publish", ffmpeg_publish, sizeof(ffmpeg_publish), 5,
	    {
		{ 0, NULL, AMF_STRING, "publish", 0 },
		{ 1, NULL, AMF_NUMBER, NULL, 5 },
		{ 2, NULL, AMF_NULL, NULL, 0 },
		{ 3, NULL, AMF_STRING, "stream", 0 },
		{ 4, NULL, AMF_STRING, "live", 0 },
	    } },
	{ "createStream", create_stream, sizeof(create_stream), 3,
	    {
		{ 0, NULL, AMF_STRING, "createStream", 0 },
		{ 1, NULL, AMF_NUMBER, NULL, 2 },
		{ 2, NULL, AMF_NULL, NULL, 0 },
	    } },
	{ "onStatus Play.Start", onstatus_play_start,
	    sizeof(onstatus_play_start), 4,
	    {
		{ 0, NULL, AMF_STRING, "onStatus", 0 },
		{ 1, NULL, AMF_NUMBER, NULL, 0 },
		{ 2, NULL, AMF_NULL, NULL, 0 },
		{ 3, "level", AMF_STRING, "status", 0 },
		{ 3, "code", AMF_STRING, "NetStream.Play.Start", 0 },
		{ 3, "description", AMF_STRING, "Start live", 0 },
	    } },
	{ "@setDataFrame onMetaData", metadata, sizeof(metadata), 3,
	    {
		{ 0, NULL, AMF_STRING, "@setDataFrame", 0 },
		{ 1, NULL, AMF_STRING, "onMetaData", 0 },
		{ 2, NULL, AMF_ECMA_ARRAY, NULL, 0 },
		{ 2, "width", AMF_NUMBER, NULL, 1280 },
		{ 2, "height", AMF_NUMBER, NULL, 720 },
		{ 2, "videocodecid", AMF_NUMBER, NULL, 7 },
		{ 2, "encoder", AMF_STRING, "Lavf59.27.100", 0 },
		{ 2, "stereo", AMF_BOOLEAN, NULL, 1 },
	    } },
	{ "every accepted marker", all_markers, sizeof(all_markers), 8,
	    {
		{ 0, NULL, AMF_NUMBER, NULL, 1.5 },
		{ 1, NULL, AMF_BOOLEAN, NULL, 1 },
		{ 2, NULL, AMF_STRING, "str", 0 },
		{ 3, NULL, AMF_LONG_STRING, "long", 0 },
		{ 4, "a", AMF_NULL, NULL, 0 },
		{ 4, "b", AMF_UNDEFINED, NULL, 0 },
		{ 5, "k", AMF_NUMBER, NULL, 2 },
		{ 6, NULL, AMF_STRICT_ARRAY, NULL, 0 },
		{ 7, NULL, AMF_DATE, NULL, 0 },
	    } },
};

/* Real client messages decode to the expected values. */
static void
test_amf_decode_all_captures(void **state)
{
	const struct capture *c;
	const struct expect *e;
	struct amf_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < N(captures); i++) {
		c = &captures[i];
		if (decode_copy(c->buf, c->len, &m) != RC_OK)
			fail_msg("%s: does not decode", c->desc);
		if (m.count != c->count)
			fail_msg("%s: %zu values, want %zu", c->desc, m.count,
			    c->count);
		assert_false(m.has_amf3);
		/* Unused rows are all zero: "arg 0 is the number 0". */
		for (e = c->expect; e < c->expect + N(c->expect); e++)
			if (e->arg != 0 || e->type != AMF_NUMBER || e->num != 0)
				check_expect(&m, e, c->desc);
		assert_null(amf_msg_get(&m, c->count));
	}
	/* Details of the all-markers message that the table can't say. */
	assert_int_equal(decode_copy(all_markers, sizeof(all_markers), &m),
	    RC_OK);
	assert_int_equal(amf_msg_get(&m, 4)->count, 2);
	assert_int_equal(amf_msg_get(&m, 5)->u.c.hint, 1);
	assert_int_equal(amf_msg_get(&m, 6)->count, 2);
	assert_true(amf_is_string(amf_msg_get(&m, 6)->u.c.first->next, "x"));
	assert_true(amf_msg_get(&m, 7)->u.date.ms == 1e12);
	assert_int_equal(amf_msg_get(&m, 7)->u.date.tz, -60);
}

/* One value per marker: what each decodes to, or why it is refused. */
static void
test_amf_decode_all_markers(void **state)
{
	static const struct {
		const char *desc;
		const char *in;
		size_t len;
		int rc;
		enum amf_type type;
	} cases[] = {
#define C(d, s, rc, t) { d, s, sizeof(s) - 1, rc, t }
		C("number", "\x00\x3f\xf0\x00\x00\x00\x00\x00\x00", RC_OK,
		    AMF_NUMBER),
		C("boolean", "\x01\x01", RC_OK, AMF_BOOLEAN),
		C("string", "\x02\x00\x01x", RC_OK, AMF_STRING),
		C("empty string", "\x02\x00\x00", RC_OK, AMF_STRING),
		C("object", "\x03\x00\x01k\x05\x00\x00\x09", RC_OK, AMF_OBJECT),
		C("empty object", "\x03\x00\x00\x09", RC_OK, AMF_OBJECT),
		C("empty key member", "\x03\x00\x00\x05\x00\x00\x09", RC_OK,
		    AMF_OBJECT),
		C("movie clip", "\x04", RC_UNSUPPORTED, 0),
		C("null", "\x05", RC_OK, AMF_NULL),
		C("undefined", "\x06", RC_OK, AMF_UNDEFINED),
		C("reference", "\x07\x00\x01", RC_UNSUPPORTED, 0),
		C("ecma array", "\x08\x00\x00\x00\x01\x00\x01k\x05\x00\x00\x09",
		    RC_OK, AMF_ECMA_ARRAY),
		C("ecma wrong hint", "\x08\x00\x00\x00\x09\x00\x00\x09", RC_OK,
		    AMF_ECMA_ARRAY),
		C("stray object end", "\x09", RC_MALFORMED, 0),
		C("key then object end", "\x03\x00\x01k\x09", RC_MALFORMED, 0),
		C("strict array", "\x0a\x00\x00\x00\x02\x05\x06", RC_OK,
		    AMF_STRICT_ARRAY),
		C("empty strict array", "\x0a\x00\x00\x00\x00", RC_OK,
		    AMF_STRICT_ARRAY),
		C("strict count past end", "\x0a\xff\xff\xff\xff\x05",
		    RC_TRUNCATED, 0),
		C("date", "\x0b\x00\x00\x00\x00\x00\x00\x00\x00\xff\xc4", RC_OK,
		    AMF_DATE),
		C("long string", "\x0c\x00\x00\x00\x02xy", RC_OK,
		    AMF_LONG_STRING),
		C("long string past end", "\x0c\xff\xff\xff\xffxy",
		    RC_TRUNCATED, 0),
		C("unsupported", "\x0d", RC_UNSUPPORTED, 0),
		C("record set", "\x0e", RC_UNSUPPORTED, 0),
		C("xml document", "\x0f\x00\x00\x00\x01x", RC_UNSUPPORTED, 0),
		C("typed object", "\x10\x00\x01T\x00\x00\x09", RC_UNSUPPORTED,
		    0),
		C("avm+ null", "\x11\x01", RC_OK, AMF_NULL),
		C("avm+ object", "\x11\x0a\x0b\x01\x01", RC_UNSUPPORTED, 0),
		C("marker 0x12", "\x12", RC_MALFORMED, 0),
		C("marker 0xff", "\xff", RC_MALFORMED, 0),
		C("object no end", "\x03\x00\x01k\x05", RC_TRUNCATED, 0),
		C("object end cut", "\x03\x00\x00", RC_TRUNCATED, 0),
		C("object in object",
		    "\x03\x00\x01o\x03\x00\x00\x09\x00\x00\x09", RC_OK,
		    AMF_OBJECT),
#undef C
	};
	struct amf_msg m;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		rc =
		    decode_copy((const uint8_t *)cases[i].in, cases[i].len, &m);
		if (rc != cases[i].rc)
			fail_msg("%s: %s, want %s", cases[i].desc, rc_str(rc),
			    rc_str(cases[i].rc));
		if (rc != RC_OK) {
			assert_int_equal(m.count, 0);
			assert_null(m.first);
			continue;
		}
		assert_int_equal(m.count, 1);
		if (m.first->type != cases[i].type)
			fail_msg("%s: type %s", cases[i].desc,
			    amf_type_str(m.first->type));
	}
	/* An empty body is no values, not an error. */
	assert_int_equal(decode_copy((const uint8_t *)"", 0, &m), RC_OK);
	assert_int_equal(m.count, 0);
}

/*
 * Every prefix of every capture is refused as truncated or malformed,
 * unless it ends exactly between two top-level values.
 */
static void
test_amf_decode_all_truncated(void **state)
{
	const struct capture *c;
	const struct amf_value *v;
	struct amf_msg m;
	uint8_t enc[1024];
	struct wire_writer w;
	bool boundary[1024];
	size_t i, cut, full;
	int rc;

	(void)state;
	for (i = 0; i < N(captures); i++) {
		c = &captures[i];
		assert_true(c->len < sizeof(boundary));
		memset(boundary, 0, sizeof(boundary));
		assert_int_equal(decode_copy(c->buf, c->len, &m), RC_OK);
		full = m.count;
		wire_writer_init(&w, enc, sizeof(enc));
		boundary[0] = true;
		for (v = m.first; v != NULL; v = v->next) {
			amf_put_value(&w, v);
			boundary[w.pos] = true;
		}
		assert_false(w.err);
		assert_int_equal(w.pos, c->len);
		for (cut = 0; cut < c->len; cut++) {
			rc = decode_copy(c->buf, cut, &m);
			if (rc == RC_OK && boundary[cut]) {
				assert_true(m.count < full);
				continue;
			}
			if (rc != RC_TRUNCATED && rc != RC_MALFORMED)
				fail_msg("%s cut at %zu: %s", c->desc, cut,
				    rc_str(rc));
		}
	}
}

/* Build `n` nested containers of marker `marker`, each the sole member. */
static size_t
build_nested(uint8_t *buf, size_t cap, unsigned n, uint8_t marker)
{
	struct wire_writer w;
	unsigned i;

	wire_writer_init(&w, buf, cap);
	for (i = 0; i < n; i++) {
		if (marker == AMF_MARKER_OBJECT) {
			amf_put_object_start(&w);
			if (i + 1 < n)
				amf_put_object_key(&w, "o", 1);
		} else {
			amf_put_strict_start(&w, i + 1 < n ? 1 : 0);
		}
	}
	if (marker == AMF_MARKER_OBJECT)
		for (i = 0; i < n; i++)
			amf_put_object_end(&w);
	assert_false(w.err);
	return w.pos;
}

/* AMF_MAX_DEPTH containers nest; one more is RC_LIMIT. */
static void
test_amf_decode_all_depth(void **state)
{
	static const struct {
		const char *desc;
		uint8_t marker;
		unsigned n;
		int rc;
	} cases[] = {
		{ "objects at the limit", AMF_MARKER_OBJECT, AMF_MAX_DEPTH,
		    RC_OK },
		{ "objects past the limit", AMF_MARKER_OBJECT,
		    AMF_MAX_DEPTH + 1, RC_LIMIT },
		{ "objects far past", AMF_MARKER_OBJECT, 1000, RC_LIMIT },
		{ "strict arrays at the limit", AMF_MARKER_STRICT_ARRAY,
		    AMF_MAX_DEPTH, RC_OK },
		{ "strict arrays past the limit", AMF_MARKER_STRICT_ARRAY,
		    AMF_MAX_DEPTH + 1, RC_LIMIT },
	};
	static uint8_t buf[8192];
	struct amf_msg m;
	size_t i, len;
	int rc;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		len =
		    build_nested(buf, sizeof(buf), cases[i].n, cases[i].marker);
		rc = decode_copy(buf, len, &m);
		if (rc != cases[i].rc)
			fail_msg("%s: %s", cases[i].desc, rc_str(rc));
	}
}

/* The pool caps the values of one message, strict counts checked first. */
static void
test_amf_decode_all_count(void **state)
{
	static const struct {
		const char *desc;
		uint8_t marker; /* 0: a flat run of nulls */
		size_t n;
		int rc;
	} cases[] = {
		{ "nulls filling the pool", 0, AMF_MAX_VALUES, RC_OK },
		{ "one null too many", 0, AMF_MAX_VALUES + 1, RC_LIMIT },
		{ "ecma filling the pool", AMF_MARKER_ECMA_ARRAY,
		    AMF_MAX_VALUES - 1, RC_OK },
		{ "ecma one too many", AMF_MARKER_ECMA_ARRAY, AMF_MAX_VALUES,
		    RC_LIMIT },
		{ "strict filling the pool", AMF_MARKER_STRICT_ARRAY,
		    AMF_MAX_VALUES - 1, RC_OK },
		{ "strict count too big", AMF_MARKER_STRICT_ARRAY,
		    AMF_MAX_VALUES, RC_LIMIT },
	};
	static uint8_t buf[8192];
	struct wire_writer w;
	struct amf_msg m;
	size_t i, j;
	int rc;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		wire_writer_init(&w, buf, sizeof(buf));
		if (cases[i].marker == AMF_MARKER_ECMA_ARRAY)
			amf_put_ecma_start(&w, (uint32_t)cases[i].n);
		else if (cases[i].marker == AMF_MARKER_STRICT_ARRAY)
			amf_put_strict_start(&w, (uint32_t)cases[i].n);
		for (j = 0; j < cases[i].n; j++) {
			if (cases[i].marker == AMF_MARKER_ECMA_ARRAY)
				amf_put_object_key(&w, "k", 1);
			amf_put_null(&w);
		}
		if (cases[i].marker == AMF_MARKER_ECMA_ARRAY)
			amf_put_object_end(&w);
		assert_false(w.err);
		rc = decode_copy(buf, w.pos, &m);
		if (rc != cases[i].rc)
			fail_msg("%s: %s", cases[i].desc, rc_str(rc));
	}
	/* A smaller pool is a smaller limit. */
	amf_msg_init(&m, pool, 2);
	assert_int_equal(
	    amf_decode_all(create_stream, sizeof(create_stream), &m), RC_LIMIT);
	amf_msg_init(&m, pool, 3);
	assert_int_equal(
	    amf_decode_all(create_stream, sizeof(create_stream), &m), RC_OK);
}

/* Type 17 bodies: skip the prefix, then AMF0 with AMF3 scalars. */
static void
test_amf_decode_all_amf3(void **state)
{
	static const uint8_t cmd17[] = { 0x00, 0x02, 0x00, 0x0c, 'c', 'r', 'e',
		'a', 't', 'e', 'S', 't', 'r', 'e', 'a', 'm', 0x00, 0x40, 0x08,
		0, 0, 0, 0, 0, 0, 0x11, 0x01 };
	static const struct {
		const char *desc;
		const char *in;
		size_t len;
		int rc;
		enum amf_type type;
		double num;
		const char *str;
	} cases[] = {
#define C(d, s, rc, t, n, str) { d, s, sizeof(s) - 1, rc, t, n, str }
		C("undefined", "\x11\x00", RC_OK, AMF_UNDEFINED, 0, NULL),
		C("null", "\x11\x01", RC_OK, AMF_NULL, 0, NULL),
		C("false", "\x11\x02", RC_OK, AMF_BOOLEAN, 0, NULL),
		C("true", "\x11\x03", RC_OK, AMF_BOOLEAN, 1, NULL),
		C("int 5", "\x11\x04\x05", RC_OK, AMF_NUMBER, 5, NULL),
		C("int 128", "\x11\x04\x81\x00", RC_OK, AMF_NUMBER, 128, NULL),
		C("int -1", "\x11\x04\xff\xff\xff\xff", RC_OK, AMF_NUMBER, -1,
		    NULL),
		C("int max", "\x11\x04\xbf\xff\xff\xff", RC_OK, AMF_NUMBER,
		    268435455, NULL),
		C("double", "\x11\x05\x40\x04\x00\x00\x00\x00\x00\x00", RC_OK,
		    AMF_NUMBER, 2.5, NULL),
		C("string",
		    "\x11\x06\x07"
		    "abc",
		    RC_OK, AMF_STRING, 0, "abc"),
		C("empty string", "\x11\x06\x01", RC_OK, AMF_STRING, 0, ""),
		C("string reference", "\x11\x06\x00", RC_UNSUPPORTED, 0, 0,
		    NULL),
		C("string past end",
		    "\x11\x06\x09"
		    "ab",
		    RC_TRUNCATED, 0, 0, NULL),
		C("int cut", "\x11\x04\x81", RC_TRUNCATED, 0, 0, NULL),
		C("marker cut", "\x11", RC_TRUNCATED, 0, 0, NULL),
		C("xml", "\x11\x07\x01", RC_UNSUPPORTED, 0, 0, NULL),
		C("date", "\x11\x08\x01", RC_UNSUPPORTED, 0, 0, NULL),
		C("array", "\x11\x09\x01\x01", RC_UNSUPPORTED, 0, 0, NULL),
		C("object", "\x11\x0a\x0b\x01\x01", RC_UNSUPPORTED, 0, 0, NULL),
		C("byte array", "\x11\x0c\x01", RC_UNSUPPORTED, 0, 0, NULL),
		C("unknown", "\x11\x20", RC_UNSUPPORTED, 0, 0, NULL),
#undef C
	};
	const uint8_t *p = cmd17;
	size_t len = sizeof(cmd17);
	struct amf_msg m;
	size_t i;
	double d;
	bool b;
	int rc;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		rc =
		    decode_copy((const uint8_t *)cases[i].in, cases[i].len, &m);
		if (rc != cases[i].rc)
			fail_msg("%s: %s, want %s", cases[i].desc, rc_str(rc),
			    rc_str(cases[i].rc));
		if (rc != RC_OK)
			continue;
		assert_true(m.has_amf3);
		assert_int_equal(m.first->type, cases[i].type);
		if (cases[i].type == AMF_NUMBER) {
			assert_int_equal(amf_as_number(m.first, &d), RC_OK);
			if (d != cases[i].num)
				fail_msg("%s: %g", cases[i].desc, d);
		} else if (cases[i].type == AMF_BOOLEAN) {
			assert_int_equal(amf_as_bool(m.first, &b), RC_OK);
			assert_int_equal(b, cases[i].num != 0);
		} else if (cases[i].str != NULL) {
			assert_true(amf_is_string(m.first, cases[i].str));
		}
	}

	assert_int_equal(amf_skip_amf3_prefix(&p, &len), RC_OK);
	assert_int_equal(len, sizeof(cmd17) - 1);
	assert_int_equal(decode_copy(p, len, &m), RC_OK);
	assert_int_equal(m.count, 3);
	assert_true(amf_is_string(amf_msg_get(&m, 0), "createStream"));
	assert_int_equal(amf_as_number(amf_msg_get(&m, 1), &d), RC_OK);
	assert_true(d == 3);
	assert_int_equal(amf_msg_get(&m, 2)->type, AMF_NULL);
	len = 0;
	assert_int_equal(amf_skip_amf3_prefix(&p, &len), RC_TRUNCATED);
}

/* Accessors refuse wrong types and NULL, so lookups chain safely. */
static void
test_amf_accessors(void **state)
{
	const struct amf_value *obj;
	struct amf_msg m;
	const char *p;
	size_t len;
	double d;
	bool b;

	(void)state;
	assert_int_equal(
	    decode_copy(ffmpeg_play_connect, sizeof(ffmpeg_play_connect), &m),
	    RC_OK);
	obj = amf_msg_get(&m, 2);
	assert_null(amf_object_get(obj, "nope"));
	assert_null(amf_object_get(obj, "ap"));
	assert_null(amf_object_get(obj, "appx"));
	assert_null(amf_object_get(NULL, "app"));
	assert_null(amf_object_get(amf_msg_get(&m, 0), "app"));
	assert_null(amf_msg_get(&m, 99));
	assert_int_equal(amf_as_string(NULL, &p, &len), RC_MALFORMED);
	assert_int_equal(amf_as_string(amf_object_get(obj, "fpad"), &p, &len),
	    RC_MALFORMED);
	assert_int_equal(amf_as_number(amf_object_get(obj, "app"), &d),
	    RC_MALFORMED);
	assert_int_equal(amf_as_number(amf_object_get(obj, "x"), &d),
	    RC_MALFORMED);
	assert_int_equal(amf_as_bool(amf_object_get(obj, "app"), &b),
	    RC_MALFORMED);
	assert_false(amf_is_string(amf_object_get(obj, "app"), "liv"));
	assert_false(amf_is_string(amf_object_get(obj, "app"), "lives"));
	assert_false(amf_is_string(NULL, "live"));
	assert_string_equal(amf_type_str(AMF_ECMA_ARRAY), "ecma-array");
	assert_string_equal(amf_type_str((enum amf_type)0x42), "unknown");
}

/* onStatus NetStream.Play.Start, as nginx-rtmp sends it, byte for byte. */
static void
test_amf_put_onstatus_bytes(void **state)
{
	uint8_t buf[256];
	struct wire_writer w;

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	amf_put_cstr(&w, "onStatus");
	amf_put_number(&w, 0);
	amf_put_null(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", "status");
	amf_put_prop_cstr(&w, "code", "NetStream.Play.Start");
	amf_put_prop_cstr(&w, "description", "Start live");
	amf_put_object_end(&w);
	assert_false(w.err);
	assert_int_equal(w.pos, sizeof(onstatus_play_start));
	assert_memory_equal(buf, onstatus_play_start, w.pos);
}

/* The replies an edge sends decode back to what was written. */
static void
test_amf_put_replies_roundtrip(void **state)
{
	static uint8_t buf[72000];
	static uint8_t again[sizeof(buf)];
	static char big[70000];
	const struct amf_value *v;
	struct wire_writer w, w2;
	struct amf_msg m;
	const char *p;
	size_t len;
	double d;
	bool b;

	(void)state;
	memset(big, 'z', sizeof(big));
	wire_writer_init(&w, buf, sizeof(buf));
	/* connect _result: properties + information (+ data ECMA). */
	amf_put_cstr(&w, "_result");
	amf_put_number(&w, 1);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "fmsVer", "FMS/3,5,3,888");
	amf_put_prop_number(&w, "capabilities", 127);
	amf_put_prop_number(&w, "mode", 1);
	amf_put_object_end(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", "status");
	amf_put_prop_cstr(&w, "code", "NetConnection.Connect.Success");
	amf_put_prop_cstr(&w, "description", "Connection succeeded.");
	amf_put_prop_number(&w, "objectEncoding", 0);
	amf_put_object_key(&w, "data", 4);
	amf_put_ecma_start(&w, 1);
	amf_put_prop_cstr(&w, "version", "3,5,3,888");
	amf_put_object_end(&w);
	amf_put_object_end(&w);
	/* createStream _result, |RtmpSampleAccess, onMetaData. */
	amf_put_cstr(&w, "_result");
	amf_put_number(&w, 2);
	amf_put_null(&w);
	amf_put_number(&w, 1);
	amf_put_cstr(&w, "|RtmpSampleAccess");
	amf_put_bool(&w, true);
	amf_put_bool(&w, true);
	amf_put_cstr(&w, "onMetaData");
	amf_put_ecma_start(&w, 3);
	amf_put_prop_number(&w, "width", 1920);
	amf_put_prop_bool(&w, "stereo", false);
	amf_put_object_key(&w, "profile", 7);
	amf_put_string(&w, big, sizeof(big));
	amf_put_object_end(&w);
	amf_put_strict_start(&w, 2);
	amf_put_undefined(&w);
	amf_put_date(&w, 1700000000000.0, 0);
	assert_false(w.err);

	assert_int_equal(decode_copy(buf, w.pos, &m), RC_OK);
	assert_int_equal(m.count, 14);
	v = amf_msg_get(&m, 2);
	assert_true(
	    amf_is_string(amf_object_get(v, "fmsVer"), "FMS/3,5,3,888"));
	v = amf_msg_get(&m, 3);
	assert_true(amf_is_string(amf_object_get(v, "code"),
	    "NetConnection.Connect.Success"));
	assert_true(amf_is_string(
	    amf_object_get(amf_object_get(v, "data"), "version"), "3,5,3,888"));
	assert_int_equal(amf_as_number(amf_msg_get(&m, 7), &d), RC_OK);
	assert_true(d == 1);
	assert_int_equal(amf_as_bool(amf_msg_get(&m, 9), &b), RC_OK);
	assert_true(b);
	assert_true(amf_is_string(amf_msg_get(&m, 11), "onMetaData"));
	v = amf_msg_get(&m, 12);
	assert_int_equal(v->type, AMF_ECMA_ARRAY);
	assert_int_equal(v->count, 3);
	assert_int_equal(amf_object_get(v, "profile")->type, AMF_LONG_STRING);
	assert_int_equal(amf_as_string(amf_object_get(v, "profile"), &p, &len),
	    RC_OK);
	assert_int_equal(len, sizeof(big));
	v = amf_msg_get(&m, 13);
	assert_int_equal(v->type, AMF_STRICT_ARRAY);
	assert_int_equal(v->count, 2);
	assert_int_equal(v->u.c.first->type, AMF_UNDEFINED);
	assert_int_equal(v->u.c.first->next->type, AMF_DATE);

	/* Re-encoding the decoded tree gives the same bytes. */
	wire_writer_init(&w2, again, sizeof(again));
	for (v = m.first; v != NULL; v = v->next)
		amf_put_value(&w2, v);
	assert_false(w2.err);
	assert_int_equal(w2.pos, w.pos);
	assert_memory_equal(again, buf, w.pos);
}

/* Overflow stops the writer; the caller checks err once. */
static void
test_amf_put_overflow(void **state)
{
	static const char key[70000];
	uint8_t buf[16];
	struct wire_writer w;

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	amf_put_cstr(&w, "onStatus");
	assert_false(w.err);
	amf_put_number(&w, 0);
	assert_true(w.err);
	amf_put_null(&w);
	assert_true(w.err);
	/* What got written before the overflow is garbage to be dropped. */
	assert_true(w.pos <= sizeof(buf));

	wire_writer_init(&w, buf, sizeof(buf));
	amf_put_object_key(&w, key, sizeof(key));
	assert_true(w.err);
	assert_int_equal(w.pos, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amf_decode_all_captures),
		cmocka_unit_test(test_amf_decode_all_markers),
		cmocka_unit_test(test_amf_decode_all_truncated),
		cmocka_unit_test(test_amf_decode_all_depth),
		cmocka_unit_test(test_amf_decode_all_count),
		cmocka_unit_test(test_amf_decode_all_amf3),
		cmocka_unit_test(test_amf_accessors),
		cmocka_unit_test(test_amf_put_onstatus_bytes),
		cmocka_unit_test(test_amf_put_replies_roundtrip),
		cmocka_unit_test(test_amf_put_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
