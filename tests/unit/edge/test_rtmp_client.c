#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/amf.h"
#include "edge/rtmp_client.h"
#include "edge/rtmp_cmd.h"
#include "edge/rtmp_msg.h"

static void test_rtmp_client_play_roundtrip(void **state);
static void test_rtmp_client_publish_roundtrip(void **state);
static void test_rtmp_client_vod_roundtrip(void **state);
static void test_rtmp_client_handle_status(void **state);
static void test_rtmp_client_handle_connect_error(void **state);
static void test_rtmp_client_received_acks(void **state);
static void test_rtmp_client_handle_control(void **state);
static void test_rtmp_client_handle_malformed(void **state);
static void test_rtmp_client_init_bad(void **state);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Helpers ---- */

static struct amf_value pool[AMF_MAX_VALUES];

/* Decode a command/data message; returns the value count. */
static size_t
decode(const struct rtmp_msg *m, struct amf_msg *a)
{
	amf_msg_init(a, pool, N(pool));
	assert_int_equal(amf_decode_all(m->payload, m->len, a), RC_OK);
	return a->count;
}

/* Check out->msg[i] is command `name` with `tid` on csid/sid. */
static void
check_cmd(const struct rtmp_msg *m, const char *name, double tid, uint32_t csid,
    uint32_t sid, struct amf_msg *a)
{
	double d;

	assert_int_equal(m->type, RTMP_MSG_COMMAND_AMF0);
	assert_int_equal(m->csid, csid);
	assert_int_equal(m->stream_id, sid);
	decode(m, a);
	assert_true(amf_is_string(amf_msg_get(a, 0), name));
	assert_int_equal(amf_as_number(amf_msg_get(a, 1), &d), RC_OK);
	assert_true(d == tid);
}

static void
check_ctl(const struct rtmp_msg *m, uint8_t type, uint32_t value)
{
	struct rtmp_msg_ctl c;

	assert_int_equal(rtmp_msg_decode(m, &c), RC_OK);
	assert_int_equal(c.type, type);
	assert_int_equal(c.value, value);
	assert_int_equal(m->csid, RTMP_MSG_CSID_CONTROL);
}

static void
check_uc(const struct rtmp_msg *m, uint16_t event, uint32_t value,
    uint32_t buffer_ms)
{
	struct rtmp_msg_ctl c;

	assert_int_equal(rtmp_msg_decode(m, &c), RC_OK);
	assert_int_equal(c.type, RTMP_MSG_USER_CONTROL);
	assert_int_equal(c.event, event);
	assert_int_equal(c.value, value);
	assert_int_equal(c.buffer_ms, buffer_ms);
}

static bool
prop_is(const struct amf_value *o, const char *key, const char *s)
{
	return amf_is_string(amf_object_get(o, key), s);
}

static double
prop_num(const struct amf_value *o, const char *key)
{
	double d = -12345;

	assert_int_equal(amf_as_number(amf_object_get(o, key), &d), RC_OK);
	return d;
}

/* Hand-built nginx-rtmp onStatus(0, null, {level, code, description}). */
static struct rtmp_msg
status_msg(uint8_t *buf, size_t cap, const char *method, double tid,
    const char *level, const char *code, uint32_t sid)
{
	struct rtmp_msg m = { .csid = 5, .type = RTMP_MSG_COMMAND_AMF0 };
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	amf_put_cstr(&w, method);
	amf_put_number(&w, tid);
	amf_put_null(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", level);
	amf_put_prop_cstr(&w, "code", code);
	amf_put_prop_cstr(&w, "description", "from the origin");
	amf_put_object_end(&w);
	assert_false(w.err);
	m.stream_id = sid;
	m.payload = buf;
	m.len = w.pos;
	return m;
}

/*
 * The two ends in memory: our client and our own rtmp_cmd server.
 * `cout` holds what the client sends, `sout` what the server answers.
 */
struct pair {
	struct rtmp_client c;
	struct rtmp_cmd_session s;
	struct rtmp_cmd_out cout, sout;
	struct rtmp_client_event ev;
	struct rtmp_cmd_event sev;
	struct amf_msg a;
};

/* Feed cout's commands to the server; returns its last event type. */
static enum rtmp_cmd_event_type
to_server(struct pair *p)
{
	enum rtmp_cmd_event_type last = RTMP_CMD_EV_NONE;
	size_t i;

	rtmp_cmd_out_reset(&p->sout);
	for (i = 0; i < p->cout.n; i++) {
		if (rtmp_msg_is_control(p->cout.msg[i].type))
			continue;
		assert_int_equal(
		    rtmp_cmd_handle(&p->s, &p->cout.msg[i], &p->sout, &p->sev),
		    RC_OK);
		last = p->sev.type;
	}
	return last;
}

/* Feed sout's message i to the client, with cout reset first. */
static enum rtmp_client_event_type
to_client(struct pair *p, size_t i)
{
	rtmp_cmd_out_reset(&p->cout);
	assert_int_equal(
	    rtmp_client_handle(&p->c, &p->sout.msg[i], &p->cout, &p->ev),
	    RC_OK);
	return p->ev.type;
}

static void
pair_init(struct pair *p, enum rtmp_client_mode mode, double start,
    bool get_length)
{
	struct rtmp_client_conf conf;

	memset(p, 0, sizeof(*p));
	rtmp_client_conf_default(&conf);
	conf.app = "live";
	conf.tc_url = "rtmp://origin.example:1935/live";
	conf.name = "test";
	conf.mode = mode;
	conf.start = start;
	conf.get_stream_length = get_length;
	if (mode == RTMP_CLIENT_PUBLISH)
		conf.flash_ver = "FMLE/3.0 (compatible; FMSc/1.0)";
	assert_int_equal(rtmp_client_init(&p->c, &conf), RC_OK);
	rtmp_cmd_init(&p->s, NULL);
	rtmp_cmd_out_reset(&p->cout);
	assert_int_equal(rtmp_client_start(&p->c, &p->cout), RC_OK);
}

/* start() .. connect accepted; cout then holds what followed. */
static void
pair_connect(struct pair *p)
{
	assert_int_equal(to_server(p), RTMP_CMD_EV_CONNECT);
	assert_string_equal(p->sev.app, "live");
	assert_string_equal(p->sev.tc_url, "rtmp://origin.example:1935/live");
	rtmp_cmd_out_reset(&p->sout);
	assert_int_equal(rtmp_cmd_connect_accept(&p->s, &p->sout), RC_OK);
	assert_int_equal(p->sout.n, 4);
	assert_int_equal(to_client(p, 0), RTMP_CLIENT_EV_NONE); /* WAS */
	assert_int_equal(p->c.ack_window, 5000000);
	assert_int_equal(to_client(p, 1), RTMP_CLIENT_EV_NONE); /* peer bw */
	assert_int_equal(p->cout.n, 0); /* same as our window: no answer */
	assert_int_equal(to_client(p, 2), RTMP_CLIENT_EV_CHUNK_SIZE);
	assert_int_equal(p->ev.value, 4096);
	assert_int_equal(to_client(p, 3), RTMP_CLIENT_EV_CONNECTED);
}

/* A PLAY pair up to play sent (state STARTING, stream 1). */
static void
pair_play(struct pair *p, double start)
{
	pair_init(p, RTMP_CLIENT_PLAY, start, false);
	pair_connect(p);
	assert_int_equal(to_server(p), RTMP_CMD_EV_CREATE_STREAM);
	assert_int_equal(to_client(p, 0), RTMP_CLIENT_EV_STREAM_CREATED);
	assert_int_equal(p->ev.stream_id, 1);
	assert_int_equal(to_server(p), RTMP_CMD_EV_PLAY);
	assert_int_equal(p->c.state, RTMP_CLIENT_ST_STARTING);
}

/* ---- Tests ---- */

static void
test_rtmp_client_play_roundtrip(void **state)
{
	static struct pair p;
	const struct amf_value *o;
	struct rtmp_msg media = { .csid = 6,
		.type = RTMP_MSG_AUDIO,
		.stream_id = 1,
		.timestamp = 389073,
		.payload = (const uint8_t *)"\xaf\x01\x21",
		.len = 3 };

	(void)state;
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	/* nginx-rtmp's edge order: Set Chunk Size, WAS, connect. */
	assert_int_equal(p.cout.n, 3);
	check_ctl(&p.cout.msg[0], RTMP_MSG_SET_CHUNK_SIZE, 4096);
	check_ctl(&p.cout.msg[1], RTMP_MSG_WINDOW_ACK_SIZE, 5000000);
	check_cmd(&p.cout.msg[2], "connect", 1, 3, 0, &p.a);
	o = amf_msg_get(&p.a, 2);
	assert_non_null(o);
	assert_int_equal(o->type, AMF_OBJECT);
	assert_true(prop_is(o, "app", "live"));
	assert_true(prop_is(o, "flashVer", "LNX 9,0,124,2"));
	assert_true(prop_is(o, "tcUrl", "rtmp://origin.example:1935/live"));
	assert_true(prop_num(o, "capabilities") == 15);
	assert_true(prop_num(o, "audioCodecs") == 4071);
	assert_true(prop_num(o, "videoCodecs") == 252);
	assert_true(prop_num(o, "videoFunction") == 1);
	assert_true(prop_num(o, "objectEncoding") == 0);
	assert_null(amf_object_get(o, "type"));
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_CONNECTING);
	assert_int_equal(rtmp_client_start(&p.c, &p.cout), RC_MALFORMED);

	pair_connect(&p);
	assert_int_equal(p.cout.n, 1);
	check_cmd(&p.cout.msg[0], "createStream", 2, 3, 0, &p.a);
	assert_int_equal(p.a.count, 3);

	assert_int_equal(to_server(&p), RTMP_CMD_EV_CREATE_STREAM);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STREAM_CREATED);
	assert_int_equal(p.ev.stream_id, 1);
	assert_int_equal(p.cout.n, 2);
	check_cmd(&p.cout.msg[0], "play", 3, 5, 1, &p.a);
	assert_int_equal(p.a.count, 5);
	assert_true(amf_is_string(amf_msg_get(&p.a, 3), "test"));
	assert_true(amf_msg_get(&p.a, 4)->u.num == -1000);
	check_uc(&p.cout.msg[1], RTMP_MSG_UC_SET_BUFFER_LENGTH, 1, 5000);

	assert_int_equal(to_server(&p), RTMP_CMD_EV_PLAY);
	assert_string_equal(p.sev.name, "test");
	assert_true(p.sev.start == -1000);
	rtmp_cmd_out_reset(&p.sout);
	assert_int_equal(rtmp_cmd_play_start(&p.s, &p.sout, 1, "test", false),
	    RC_OK);
	assert_int_equal(p.sout.n, 3);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STREAM_BEGIN);
	assert_int_equal(p.ev.stream_id, 1);
	assert_int_equal(to_client(&p, 1), RTMP_CLIENT_EV_PLAY_START);
	assert_string_equal(p.ev.code, "NetStream.Play.Start");
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_PLAYING);
	assert_int_equal(to_client(&p, 2), RTMP_CLIENT_EV_MEDIA);
	assert_ptr_equal(p.ev.msg, &p.sout.msg[2]);

	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_handle(&p.c, &media, &p.cout, &p.ev),
	    RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_MEDIA);
	assert_ptr_equal(p.ev.msg, &media);
	assert_int_equal(p.cout.n, 0);

	/* Publisher gone on nginx-rtmp: StreamEOF only. */
	rtmp_cmd_out_reset(&p.sout);
	assert_int_equal(rtmp_cmd_play_stop(&p.s, &p.sout, 1, "test"), RC_OK);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STREAM_EOF);
	assert_int_equal(to_client(&p, 1), RTMP_CLIENT_EV_PLAY_STOP);
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_STOPPED);

	/* Close: deleteStream(tid, null, 1) on csid 3, stream 0. */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_close(&p.c, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 1);
	check_cmd(&p.cout.msg[0], "deleteStream", 4, 3, 0, &p.a);
	assert_int_equal(to_server(&p), RTMP_CMD_EV_DELETE_STREAM);
	assert_int_equal(p.sev.stream_id, 1);
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_CLOSED);
	assert_int_equal(p.c.malformed, 0);
}

static void
test_rtmp_client_publish_roundtrip(void **state)
{
	static struct pair p;
	const struct amf_value *o;
	size_t i;

	(void)state;
	pair_init(&p, RTMP_CLIENT_PUBLISH, 0, false);
	check_cmd(&p.cout.msg[2], "connect", 1, 3, 0, &p.a);
	o = amf_msg_get(&p.a, 2);
	assert_true(prop_is(o, "type", "nonprivate"));
	assert_true(prop_is(o, "flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"));
	assert_null(amf_object_get(o, "fpad"));
	pair_connect(&p);
	assert_int_equal(p.cout.n, 3);
	check_cmd(&p.cout.msg[0], "releaseStream", 2, 3, 0, &p.a);
	assert_true(amf_is_string(amf_msg_get(&p.a, 3), "test"));
	check_cmd(&p.cout.msg[1], "FCPublish", 3, 3, 0, &p.a);
	assert_true(amf_is_string(amf_msg_get(&p.a, 3), "test"));
	check_cmd(&p.cout.msg[2], "createStream", 4, 3, 0, &p.a);

	/* Server: _result(2), _result(3), onFCPublish, _result(4, 1). */
	assert_int_equal(to_server(&p), RTMP_CMD_EV_CREATE_STREAM);
	assert_int_equal(p.sout.n, 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(to_client(&p, i), RTMP_CLIENT_EV_NONE);
	assert_int_equal(to_client(&p, 3), RTMP_CLIENT_EV_STREAM_CREATED);
	assert_int_equal(p.cout.n, 1);
	check_cmd(&p.cout.msg[0], "publish", 5, 5, 1, &p.a);
	assert_true(amf_is_string(amf_msg_get(&p.a, 3), "test"));
	assert_true(amf_is_string(amf_msg_get(&p.a, 4), "live"));

	assert_int_equal(to_server(&p), RTMP_CMD_EV_PUBLISH);
	assert_string_equal(p.sev.pub_type, "live");
	rtmp_cmd_out_reset(&p.sout);
	assert_int_equal(rtmp_cmd_publish_start(&p.s, &p.sout, 1, "test"),
	    RC_OK);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_PUBLISH_START);
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_PUBLISHING);

	/* No media towards a publisher; no pause or seek either. */
	assert_int_equal(rtmp_client_pause(&p.c, &p.cout, true, 0),
	    RC_NOTFOUND);
	assert_int_equal(rtmp_client_seek(&p.c, &p.cout, 0), RC_NOTFOUND);

	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_close(&p.c, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 2);
	check_cmd(&p.cout.msg[0], "FCUnpublish", 6, 3, 0, &p.a);
	check_cmd(&p.cout.msg[1], "deleteStream", 7, 3, 0, &p.a);
	assert_true(amf_msg_get(&p.a, 3)->u.num == 1);
	assert_int_equal(to_server(&p), RTMP_CMD_EV_DELETE_STREAM);
	assert_int_equal(p.c.malformed, 0);
}

static void
test_rtmp_client_vod_roundtrip(void **state)
{
	static struct pair p;
	static uint8_t buf[512];
	struct rtmp_msg m;
	struct wire_writer w;

	(void)state;
	pair_init(&p, RTMP_CLIENT_PLAY, 0, true);
	pair_connect(&p);
	assert_int_equal(to_server(&p), RTMP_CMD_EV_CREATE_STREAM);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STREAM_CREATED);
	assert_int_equal(p.cout.n, 3);
	check_cmd(&p.cout.msg[0], "getStreamLength", 3, 5, 1, &p.a);
	assert_true(amf_is_string(amf_msg_get(&p.a, 3), "test"));
	check_cmd(&p.cout.msg[1], "play", 4, 5, 1, &p.a);
	assert_true(amf_msg_get(&p.a, 4)->u.num == 0);

	/* Server answers getStreamLength with _result(3, null, 0). */
	assert_int_equal(to_server(&p), RTMP_CMD_EV_PLAY);
	assert_true(p.sev.start == 0);
	assert_int_equal(p.sout.n, 1);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STREAM_LENGTH);
	assert_true(p.ev.duration == 0);

	/* nginx-rtmp VOD: StreamBegin, Play.Start, StreamIsRecorded. */
	rtmp_cmd_out_reset(&p.sout);
	assert_int_equal(rtmp_cmd_play_start(&p.s, &p.sout, 1, "test", false),
	    RC_OK);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STREAM_BEGIN);
	assert_int_equal(to_client(&p, 1), RTMP_CLIENT_EV_PLAY_START);
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_msg_encode_uc(RTMP_MSG_UC_STREAM_IS_RECORDED, 1,
			     buf, sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_STREAM_RECORDED);
	assert_int_equal(p.ev.stream_id, 1);

	/* Pause and seek reach the origin's command layer. */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_pause(&p.c, &p.cout, true, 1500), RC_OK);
	check_cmd(&p.cout.msg[0], "pause", 5, 5, 1, &p.a);
	assert_int_equal(to_server(&p), RTMP_CMD_EV_PAUSE);
	assert_true(p.sev.pause);
	assert_true(p.sev.position == 1500);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STATUS);
	assert_string_equal(p.ev.code, "NetStream.Pause.Notify");
	assert_int_equal(to_client(&p, 1), RTMP_CLIENT_EV_STREAM_EOF);
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_seek(&p.c, &p.cout, 20000), RC_OK);
	check_cmd(&p.cout.msg[0], "seek", 6, 5, 1, &p.a);
	assert_int_equal(to_server(&p), RTMP_CMD_EV_SEEK);
	assert_true(p.sev.position == 20000);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_STATUS);
	assert_string_equal(p.ev.code, "NetStream.Seek.Notify");

	/* End of file: StreamEOF, onPlayStatus (data), Play.Stop. */
	wire_writer_init(&w, buf, sizeof(buf));
	amf_put_cstr(&w, "onPlayStatus");
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "code", "NetStream.Play.Complete");
	amf_put_prop_cstr(&w, "level", "status");
	amf_put_object_end(&w);
	m = (struct rtmp_msg){ .csid = 5,
		.type = RTMP_MSG_DATA_AMF0,
		.stream_id = 1,
		.payload = buf,
		.len = w.pos };
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_MEDIA);
	m = status_msg(buf, sizeof(buf), "onStatus", 0, "status",
	    "NetStream.Play.Stop", 1);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_PLAY_STOP);
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_STOPPED);
	assert_int_equal(p.c.malformed, 0);
}

/* nginx-rtmp's onStatus replies after play, hand-built. */
static void
test_rtmp_client_handle_status(void **state)
{
	static const struct {
		const char *desc, *level, *code;
		enum rtmp_client_event_type ev;
		enum rtmp_client_state st;
	} cases[] = {
		{ "missing VOD file / idle_streams off", "error",
		    "NetStream.Play.StreamNotFound",
		    RTMP_CLIENT_EV_STREAM_NOT_FOUND, RTMP_CLIENT_ST_FAILED },
		{ "end of VOD", "status", "NetStream.Play.Stop",
		    RTMP_CLIENT_EV_PLAY_STOP, RTMP_CLIENT_ST_STOPPED },
		{ "publish_notify on", "status",
		    "NetStream.Play.UnpublishNotify", RTMP_CLIENT_EV_UNPUBLISH,
		    RTMP_CLIENT_ST_STARTING },
		{ "publish_notify on", "status", "NetStream.Play.PublishNotify",
		    RTMP_CLIENT_EV_STATUS, RTMP_CLIENT_ST_STARTING },
		{ "play_restart on", "status", "NetStream.Play.Reset",
		    RTMP_CLIENT_EV_STATUS, RTMP_CLIENT_ST_STARTING },
		{ "other error", "error", "NetStream.Play.Failed",
		    RTMP_CLIENT_EV_ERROR, RTMP_CLIENT_ST_FAILED },
		{ "start", "status", "NetStream.Play.Start",
		    RTMP_CLIENT_EV_PLAY_START, RTMP_CLIENT_ST_PLAYING },
	};
	static struct pair p;
	static uint8_t buf[256];
	struct rtmp_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		pair_play(&p, RTMP_CLIENT_START_LIVE);
		m = status_msg(buf, sizeof(buf), "onStatus", 0, cases[i].level,
		    cases[i].code, 1);
		rtmp_cmd_out_reset(&p.cout);
		assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev),
		    RC_OK);
		if (p.ev.type != cases[i].ev || p.c.state != cases[i].st)
			fail_msg("%s: %s -> %s, state %s", cases[i].desc,
			    cases[i].code, rtmp_client_event_str(p.ev.type),
			    rtmp_client_state_str(p.c.state));
		assert_string_equal(p.ev.code, cases[i].code);
		assert_string_equal(p.ev.description, "from the origin");
		assert_int_equal(p.ev.stream_id, 1);
		assert_int_equal(p.cout.n, 0);
	}
}

static void
test_rtmp_client_handle_connect_error(void **state)
{
	static struct pair p;
	static uint8_t buf[256];
	struct rtmp_msg m;

	(void)state;
	/* Our server's refusal: _error(1, null, {InvalidApp}). */
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	assert_int_equal(to_server(&p), RTMP_CMD_EV_CONNECT);
	rtmp_cmd_out_reset(&p.sout);
	assert_int_equal(rtmp_cmd_connect_reject(&p.s, &p.sout,
			     "NetConnection.Connect.InvalidApp", "No app."),
	    RC_OK);
	assert_int_equal(to_client(&p, 0), RTMP_CLIENT_EV_ERROR);
	assert_string_equal(p.ev.code, "NetConnection.Connect.InvalidApp");
	assert_string_equal(p.ev.description, "No app.");
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_FAILED);
	assert_int_equal(p.cout.n, 0);

	/* Hand-built _error Rejected (SRS/FMS style). */
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	m = status_msg(buf, sizeof(buf), "_error", 1, "error",
	    "NetConnection.Connect.Rejected", 0);
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_ERROR);
	assert_string_equal(p.ev.code, "NetConnection.Connect.Rejected");

	/* ... and as onStatus before any stream. */
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	m = status_msg(buf, sizeof(buf), "onStatus", 0, "error",
	    "NetConnection.Connect.Rejected", 0);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_ERROR);
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_FAILED);

	/* _error to createStream fails; to releaseStream is ignored. */
	pair_init(&p, RTMP_CLIENT_PUBLISH, 0, false);
	pair_connect(&p);
	m = status_msg(buf, sizeof(buf), "_error", 2, "error",
	    "NetConnection.Call.Failed", 0);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_NONE);
	m = status_msg(buf, sizeof(buf), "_error", 4, "error",
	    "NetConnection.Call.Failed", 0);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_ERROR);
	assert_string_equal(p.ev.code, "NetConnection.Call.Failed");
	assert_int_equal(p.c.malformed, 0);
}

static void
test_rtmp_client_received_acks(void **state)
{
	static struct pair p;
	uint8_t buf[RTMP_MSG_CTL_MAX];
	struct rtmp_msg m;

	(void)state;
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	/* No window announced yet: no acks. */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_received(&p.c, 10000000, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 0);

	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	pair_connect(&p); /* window 5,000,000 */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_received(&p.c, 2499999, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 0);
	assert_int_equal(rtmp_client_received(&p.c, 1, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 1);
	check_ctl(&p.cout.msg[0], RTMP_MSG_ACK, 2500000);
	assert_int_equal(rtmp_client_received(&p.c, 2499999, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 1);
	assert_int_equal(rtmp_client_received(&p.c, 7000001, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 2);
	check_ctl(&p.cout.msg[1], RTMP_MSG_ACK, 12000000);

	/* Sequence numbers wrap at 2^32. */
	p.c.in_bytes = p.c.in_acked = 0xffffff00u;
	assert_int_equal(rtmp_client_received(&p.c, 2500000, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 3);
	check_ctl(&p.cout.msg[2], RTMP_MSG_ACK,
	    (uint32_t)(0xffffff00u + 2500000ull));

	/* A smaller Window Ack Size from the origin: acks at half of it. */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_msg_encode_u32(RTMP_MSG_WINDOW_ACK_SIZE, 1000,
			     buf, sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(rtmp_client_received(&p.c, 499, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 0);
	assert_int_equal(rtmp_client_received(&p.c, 1, &p.cout), RC_OK);
	assert_int_equal(p.cout.n, 1);

	/* Set Peer Bandwidth hard 2,500,000 => Window Ack Size 2,500,000. */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_msg_encode_peer_bw(2500000, RTMP_MSG_BW_HARD, buf,
			     sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.cout.n, 1);
	check_ctl(&p.cout.msg[0], RTMP_MSG_WINDOW_ACK_SIZE, 2500000);
	/* Soft and larger: keeps the smaller, nothing to send. */
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_msg_encode_peer_bw(9000000, RTMP_MSG_BW_SOFT, buf,
			     sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.cout.n, 0);
	assert_int_equal(p.c.peer_bw, 2500000);
}

static void
test_rtmp_client_handle_control(void **state)
{
	static struct pair p;
	uint8_t buf[RTMP_MSG_CTL_MAX];
	struct rtmp_msg m;

	(void)state;
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_msg_encode_uc(RTMP_MSG_UC_PING_REQUEST,
			     0x12345678, buf, sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_NONE);
	assert_int_equal(p.cout.n, 1);
	check_uc(&p.cout.msg[0], RTMP_MSG_UC_PING_RESPONSE, 0x12345678, 0);

	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_msg_encode_u32(RTMP_MSG_SET_CHUNK_SIZE, 60000,
			     buf, sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_CHUNK_SIZE);
	assert_int_equal(p.ev.value, 60000);

	assert_int_equal(
	    rtmp_msg_encode_u32(RTMP_MSG_ABORT, 6, buf, sizeof(buf), &m),
	    RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_ABORT);
	assert_int_equal(p.ev.value, 6);

	assert_int_equal(
	    rtmp_msg_encode_u32(RTMP_MSG_ACK, 6, buf, sizeof(buf), &m), RC_OK);
	assert_int_equal(rtmp_client_handle(&p.c, &m, &p.cout, &p.ev), RC_OK);
	assert_int_equal(p.ev.type, RTMP_CLIENT_EV_NONE);
	assert_int_equal(p.cout.n, 0);
	assert_int_equal(p.c.malformed, 0);
	assert_string_equal(rtmp_client_event_str(RTMP_CLIENT_EV_MEDIA),
	    "media");
	assert_string_equal(rtmp_client_event_str(999), "?");
	assert_string_equal(rtmp_client_state_str(999), "?");
}

/* Each case goes to a client whose play was just sent (stream 1). */
static void
test_rtmp_client_handle_malformed(void **state)
{
	static const uint8_t scs_short[] = { 0, 0 };
	static const uint8_t scs_zero[] = { 0, 0, 0, 0 };
	static const uint8_t bad_amf[] = { 0x02, 0xff };
	static const uint8_t no_name[] = { 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t audio[] = { 0xaf, 0x01 };
	static uint8_t cmd[8][128];
	static struct pair p;
	struct {
		const char *desc;
		struct rtmp_msg m;
	} cases[] = {
		{ "set chunk size truncated",
		    { .csid = 2, .type = 1, .payload = scs_short, .len = 2 } },
		{ "set chunk size zero",
		    { .csid = 2, .type = 1, .payload = scs_zero, .len = 4 } },
		{ "AMF truncated",
		    { .csid = 3, .type = 20, .payload = bad_amf, .len = 2 } },
		{ "no command name",
		    { .csid = 3, .type = 20, .payload = no_name, .len = 9 } },
		{ "empty AMF3 command", { .csid = 3, .type = 17, .len = 0 } },
		{ "media on another stream",
		    { .csid = 6,
			.type = 8,
			.stream_id = 2,
			.payload = audio,
			.len = 2 } },
		{ "type 7",
		    { .csid = 2, .type = 7, .payload = audio, .len = 2 } },
		{ "_result to no request", { 0 } },
		{ "_result of createStream again", { 0 } },
		{ "onStatus without a code", { 0 } },
		{ "unexpected command", { 0 } },
		{ "Publish.Start while playing", { 0 } },
	};
	struct wire_writer w;
	enum rtmp_client_state st;
	uint64_t bad;
	size_t i, n;

	(void)state;
	cases[7].m =
	    status_msg(cmd[0], sizeof(cmd[0]), "_result", 99, "status", "x", 0);
	cases[8].m =
	    status_msg(cmd[1], sizeof(cmd[1]), "_result", 2, "status", "x", 0);
	wire_writer_init(&w, cmd[2], sizeof(cmd[2]));
	amf_put_cstr(&w, "onStatus");
	amf_put_number(&w, 0);
	amf_put_null(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", "status");
	amf_put_object_end(&w);
	cases[9].m = (struct rtmp_msg){ .csid = 5,
		.type = 20,
		.stream_id = 1,
		.payload = cmd[2],
		.len = w.pos };
	cases[10].m = status_msg(cmd[3], sizeof(cmd[3]), "onMystery", 0,
	    "status", "x", 1);
	cases[11].m = status_msg(cmd[4], sizeof(cmd[4]), "onStatus", 0,
	    "status", "NetStream.Publish.Start", 1);
	for (i = 0; i < N(cases); i++) {
		pair_play(&p, RTMP_CLIENT_START_LIVE);
		rtmp_cmd_out_reset(&p.cout);
		st = p.c.state;
		bad = p.c.malformed;
		n = p.cout.n;
		if (rtmp_client_handle(&p.c, &cases[i].m, &p.cout, &p.ev) !=
		    RC_MALFORMED)
			fail_msg("%s: not refused", cases[i].desc);
		assert_int_equal(p.c.malformed, bad + 1);
		assert_non_null(p.c.reason);
		assert_int_equal(p.ev.type, RTMP_CLIENT_EV_NONE);
		assert_int_equal(p.cout.n, n);
		assert_int_equal(p.c.state, st);
	}

	/* Media before play; createStream id 0. */
	pair_init(&p, RTMP_CLIENT_PLAY, RTMP_CLIENT_START_LIVE, false);
	cases[0].m = (struct rtmp_msg){ .csid = 6,
		.type = 8,
		.stream_id = 1,
		.payload = audio,
		.len = 2 };
	assert_int_equal(rtmp_client_handle(&p.c, &cases[0].m, &p.cout, &p.ev),
	    RC_MALFORMED);
	pair_connect(&p);
	wire_writer_init(&w, cmd[5], sizeof(cmd[5]));
	amf_put_cstr(&w, "_result");
	amf_put_number(&w, 2);
	amf_put_null(&w);
	amf_put_number(&w, 0);
	cases[0].m = (struct rtmp_msg){ .csid = 3,
		.type = 20,
		.payload = cmd[5],
		.len = w.pos };
	rtmp_cmd_out_reset(&p.cout);
	assert_int_equal(rtmp_client_handle(&p.c, &cases[0].m, &p.cout, &p.ev),
	    RC_MALFORMED);
	assert_string_equal(p.c.reason, "createStream result without an id");
	assert_int_equal(p.cout.n, 0);
	assert_int_equal(p.c.state, RTMP_CLIENT_ST_CREATING);
}

static void
test_rtmp_client_init_bad(void **state)
{
	static char longname[RTMP_CMD_NAME_MAX + 8];
	struct rtmp_client_conf conf;
	static struct rtmp_client c;

	(void)state;
	rtmp_client_conf_default(&conf);
	assert_int_equal(rtmp_client_init(&c, &conf), RC_MALFORMED);
	conf.app = "live";
	conf.tc_url = "rtmp://o/live";
	conf.name = "";
	assert_int_equal(rtmp_client_init(&c, &conf), RC_MALFORMED);
	memset(longname, 'a', sizeof(longname) - 1);
	conf.name = longname;
	assert_int_equal(rtmp_client_init(&c, &conf), RC_LIMIT);
	conf.name = "test";
	conf.flash_ver = NULL;
	assert_int_equal(rtmp_client_init(&c, &conf), RC_OK);
	assert_string_equal(c.flash_ver, "LNX 9,0,124,2");
	assert_string_equal(c.pub_type, "live");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtmp_client_play_roundtrip),
		cmocka_unit_test(test_rtmp_client_publish_roundtrip),
		cmocka_unit_test(test_rtmp_client_vod_roundtrip),
		cmocka_unit_test(test_rtmp_client_handle_status),
		cmocka_unit_test(test_rtmp_client_handle_connect_error),
		cmocka_unit_test(test_rtmp_client_received_acks),
		cmocka_unit_test(test_rtmp_client_handle_control),
		cmocka_unit_test(test_rtmp_client_handle_malformed),
		cmocka_unit_test(test_rtmp_client_init_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
