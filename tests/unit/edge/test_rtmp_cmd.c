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
#include "edge/rtmp_cmd.h"
#include "edge/rtmp_msg.h"

static void test_rtmp_cmd_handle_sequences(void **state);
static void test_rtmp_cmd_handle_malformed(void **state);
static void test_rtmp_cmd_connect_reject(void **state);
static void test_rtmp_cmd_builders(void **state);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* How a step's command body is built. */
enum body {
	B_CONNECT_FFMPEG,   /* ffmpeg 5.1 player: app live, encoding absent */
	B_CONNECT_RTMPDUMP, /* librtmp 2.4, objectEncoding 3 as type 17 */
	B_PLAIN,	    /* name tid null */
	B_STR,		    /* name tid null str */
	B_PLAY,		    /* name tid null str num */
	B_PUBLISH,	    /* name tid null str "live" */
	B_NUM,		    /* name tid null num */
	B_PAUSE,	    /* name tid null bool num */
};

/* After handle(): what the test plays the session's part with. */
enum action {
	A_NONE,
	A_ACCEPT,
	A_PLAY_START,
	A_PUBLISH_START
};

/*
 * An expected reply: message type, csid and stream id; for control
 * messages `num` is the value and `uc` the event; for commands `cmd`
 * is the first value, `num` the second (the tid), `code` the "code" of
 * the object at index 3, and `ret` (if has_ret) the number at index 3.
 */
struct exp {
	uint8_t type;
	uint32_t csid, sid;
	const char *cmd;
	double num;
	uint16_t uc;
	const char *code;
	bool has_ret;
	double ret;
};

struct step {
	const char *desc;
	enum body body;
	const char *name;
	double tid;
	const char *str;
	double num;
	uint32_t msid;
	enum rtmp_cmd_event_type ev;
	uint32_t ev_sid;
	enum action act;
	struct exp rep[6];
	size_t nrep;
};

#define CTL(t, v)                              \
	{                                      \
		.type = t, .csid = 2, .num = v \
	}
#define UC(e, v)                                        \
	{                                               \
		.type = 4, .csid = 2, .uc = e, .num = v \
	}
#define RES(tid, s_)                                                           \
	{                                                                      \
		.type = 20, .csid = 3, .sid = s_, .cmd = "_result", .num = tid \
	}
#define RESN(tid, s_, r)                                            \
	{                                                           \
		.type = 20, .csid = 3, .sid = s_, .cmd = "_result", \
		.num = tid, .has_ret = true, .ret = r               \
	}
#define STATUS(m, s_, c)                                              \
	{                                                             \
		.type = 20, .csid = 5, .sid = s_, .cmd = m, .num = 0, \
		.code = c                                             \
	}

static const struct exp connect_ok[] = {
	CTL(5, 5000000),
	CTL(6, 5000000),
	CTL(1, 4096),
	{ .type = 20,
	    .csid = 3,
	    .cmd = "_result",
	    .num = 1,
	    .code = "NetConnection.Connect.Success" },
};

/* clang-format off */
/* ffmpeg 5.1 playing rtmp://h/live/test (rtmp.md 7). */
static const struct step ffmpeg_play[] = {
	{"connect", B_CONNECT_FFMPEG, "connect", 1, NULL, 0, 0,
	 RTMP_CMD_EV_CONNECT, 0, A_ACCEPT, {{0}}, 0},
	{"createStream", B_PLAIN, "createStream", 2, NULL, 0, 0,
	 RTMP_CMD_EV_CREATE_STREAM, 1, A_NONE, {RESN(2, 0, 1)}, 1},
	{"getStreamLength", B_STR, "getStreamLength", 3, "test", 0, 1,
	 RTMP_CMD_EV_GET_STREAM_LENGTH, 1, A_NONE, {RESN(3, 1, 0)}, 1},
	{"play", B_PLAY, "play", 4, "test", -2000, 1,
	 RTMP_CMD_EV_PLAY, 1, A_PLAY_START,
	 {UC(0, 1), STATUS("onStatus", 1, "NetStream.Play.Start"),
	  {.type = 18, .csid = 5, .sid = 1, .cmd = "|RtmpSampleAccess"}}, 3},
	{"pause", B_PAUSE, "pause", 5, NULL, 1500, 1,
	 RTMP_CMD_EV_PAUSE, 1, A_NONE,
	 {STATUS("onStatus", 1, "NetStream.Pause.Notify"), UC(1, 1)}, 2},
	{"seek", B_NUM, "seek", 6, NULL, 0, 1, RTMP_CMD_EV_SEEK, 1, A_NONE,
	 {STATUS("onStatus", 1, "NetStream.Seek.Notify")}, 1},
	{"deleteStream", B_NUM, "deleteStream", 7, NULL, 1, 0,
	 RTMP_CMD_EV_DELETE_STREAM, 1, A_NONE, {{0}}, 0},
};

/* ffmpeg (and OBS, FMLE) publishing rtmp://h/live/test. */
static const struct step ffmpeg_publish[] = {
	{"connect", B_CONNECT_FFMPEG, "connect", 1, NULL, 0, 0,
	 RTMP_CMD_EV_CONNECT, 0, A_ACCEPT, {{0}}, 0},
	{"releaseStream", B_STR, "releaseStream", 2, "test", 0, 0,
	 RTMP_CMD_EV_RELEASE_STREAM, 0, A_NONE, {RES(2, 0)}, 1},
	{"FCPublish", B_STR, "FCPublish", 3, "test", 0, 0,
	 RTMP_CMD_EV_FCPUBLISH, 0, A_NONE,
	 {RES(3, 0), STATUS("onFCPublish", 0, "NetStream.Publish.Start")}, 2},
	{"createStream", B_PLAIN, "createStream", 4, NULL, 0, 0,
	 RTMP_CMD_EV_CREATE_STREAM, 1, A_NONE, {RESN(4, 0, 1)}, 1},
	{"publish", B_PUBLISH, "publish", 5, "test", 0, 1,
	 RTMP_CMD_EV_PUBLISH, 1, A_PUBLISH_START,
	 {STATUS("onStatus", 1, "NetStream.Publish.Start")}, 1},
	{"FCUnpublish", B_STR, "FCUnpublish", 6, "test", 0, 0,
	 RTMP_CMD_EV_FCUNPUBLISH, 0, A_NONE,
	 {RES(6, 0),
	  STATUS("onFCUnpublish", 0, "NetStream.Unpublish.Success")}, 2},
	{"deleteStream", B_NUM, "deleteStream", 7, NULL, 1, 0,
	 RTMP_CMD_EV_DELETE_STREAM, 1, A_NONE, {{0}}, 0},
};

/* rtmpdump 2.4 -v (live): FCSubscribe, play start -1000; AMF3 connect. */
static const struct step rtmpdump_play[] = {
	{"connect", B_CONNECT_RTMPDUMP, "connect", 1, NULL, 0, 0,
	 RTMP_CMD_EV_CONNECT, 0, A_ACCEPT, {{0}}, 0},
	{"createStream", B_PLAIN, "createStream", 2, NULL, 0, 0,
	 RTMP_CMD_EV_CREATE_STREAM, 1, A_NONE, {RESN(2, 0, 1)}, 1},
	{"FCSubscribe", B_STR, "FCSubscribe", 3, "test", 0, 0,
	 RTMP_CMD_EV_FCSUBSCRIBE, 0, A_NONE,
	 {RES(3, 0), STATUS("onFCSubscribe", 0, "NetStream.Play.Start")}, 2},
	{"play", B_PLAY, "play", 4, "test", -1000, 1,
	 RTMP_CMD_EV_PLAY, 1, A_PLAY_START,
	 {UC(0, 1), STATUS("onStatus", 1, "NetStream.Play.Start"),
	  {.type = 18, .csid = 5, .sid = 1, .cmd = "|RtmpSampleAccess"}}, 3},
	{"_checkbw", B_PLAIN, "_checkbw", 5, NULL, 0, 0, RTMP_CMD_EV_NONE,
	 0, A_NONE, {RES(5, 0)}, 1},
	{"unknown method", B_PLAIN, "set_playlist", 6, NULL, 0, 0,
	 RTMP_CMD_EV_UNKNOWN, 0, A_NONE,
	 {{.type = 20, .csid = 3, .cmd = "_error", .num = 6,
	   .code = "NetConnection.Call.Failed"}}, 1},
	{"unknown tid 0", B_PLAIN, "whatever", 0, NULL, 0, 0,
	 RTMP_CMD_EV_UNKNOWN, 0, A_NONE, {{0}}, 0},
	{"closeStream", B_PLAIN, "closeStream", 0, NULL, 0, 1,
	 RTMP_CMD_EV_CLOSE_STREAM, 1, A_NONE, {{0}}, 0},
};
/* clang-format on */

static size_t
build(const struct step *st, uint8_t *buf, size_t cap, uint8_t *type)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, cap);
	*type = RTMP_MSG_COMMAND_AMF0;
	if (st->body == B_CONNECT_RTMPDUMP) {
		*type = RTMP_MSG_COMMAND_AMF3;
		wire_put_u8(&w, 0);
	}
	amf_put_cstr(&w, st->name);
	amf_put_number(&w, st->tid);
	switch (st->body) {
	case B_CONNECT_FFMPEG:
	case B_CONNECT_RTMPDUMP:
		amf_put_object_start(&w);
		amf_put_prop_cstr(&w, "app", "live");
		amf_put_prop_cstr(&w, "flashVer",
		    st->body == B_CONNECT_FFMPEG ? "LNX 9,0,124,2" :
						   "LNX 10,0,32,18");
		amf_put_prop_cstr(&w, "tcUrl", "rtmp://127.0.0.1:1935/live");
		amf_put_prop_bool(&w, "fpad", false);
		amf_put_prop_number(&w, "capabilities", 15);
		amf_put_prop_number(&w, "audioCodecs", 4071);
		amf_put_prop_number(&w, "videoCodecs", 252);
		amf_put_prop_number(&w, "videoFunction", 1);
		if (st->body == B_CONNECT_RTMPDUMP)
			amf_put_prop_number(&w, "objectEncoding", 3);
		amf_put_object_end(&w);
		break;
	case B_PLAIN:
		amf_put_null(&w);
		break;
	case B_STR:
		amf_put_null(&w);
		amf_put_cstr(&w, st->str);
		break;
	case B_PLAY:
		amf_put_null(&w);
		amf_put_cstr(&w, st->str);
		amf_put_number(&w, st->num);
		break;
	case B_PUBLISH:
		amf_put_null(&w);
		amf_put_cstr(&w, st->str);
		amf_put_cstr(&w, "live");
		break;
	case B_NUM:
		amf_put_null(&w);
		amf_put_number(&w, st->num);
		break;
	case B_PAUSE:
		amf_put_null(&w);
		amf_put_bool(&w, true);
		amf_put_number(&w, st->num);
		break;
	}
	assert_false(w.err);
	return w.pos;
}

static void
check_reply(const char *desc, const struct rtmp_msg *m, const struct exp *e)
{
	struct amf_value pool[64];
	struct amf_msg a;
	struct rtmp_msg_ctl c;
	double d;

	if (m->type != e->type || m->csid != e->csid || m->stream_id != e->sid)
		fail_msg("%s: got type %u csid %u sid %u", desc, m->type,
		    m->csid, m->stream_id);
	if (rtmp_msg_is_control(m->type)) {
		assert_int_equal(rtmp_msg_decode(m, &c), RC_OK);
		assert_int_equal(c.value, (uint32_t)e->num);
		assert_int_equal(c.event, e->uc);
		if (m->type == RTMP_MSG_SET_PEER_BW)
			assert_int_equal(c.limit, 2);
		return;
	}
	amf_msg_init(&a, pool, N(pool));
	assert_int_equal(amf_decode_all(m->payload, m->len, &a), RC_OK);
	if (!amf_is_string(amf_msg_get(&a, 0), e->cmd))
		fail_msg("%s: wrong command, want %s", desc, e->cmd);
	if (m->type == RTMP_MSG_DATA_AMF0) {
		assert_int_equal(a.count, 3);
		return;
	}
	assert_int_equal(amf_as_number(amf_msg_get(&a, 1), &d), RC_OK);
	assert_true(d == e->num);
	if (e->code != NULL &&
	    !amf_is_string(amf_object_get(amf_msg_get(&a, 3), "code"), e->code))
		fail_msg("%s: want code %s", desc, e->code);
	if (e->has_ret) {
		assert_int_equal(amf_as_number(amf_msg_get(&a, 3), &d), RC_OK);
		assert_true(d == e->ret);
	}
}

static void
run_steps(const struct step *steps, size_t n, bool amf3)
{
	static struct rtmp_cmd_out out;
	static struct rtmp_cmd_event ev;
	struct rtmp_cmd_session s;
	uint8_t buf[1024];
	struct rtmp_msg m;
	size_t i, j;

	rtmp_cmd_init(&s, NULL);
	for (i = 0; i < n; i++) {
		const struct step *st = &steps[i];
		const struct exp *rep = st->rep;
		size_t nrep = st->nrep;
		int rc;

		memset(&m, 0, sizeof(m));
		m.csid = 3;
		m.stream_id = st->msid;
		m.payload = buf;
		m.len = build(st, buf, sizeof(buf), &m.type);
		rtmp_cmd_out_reset(&out);
		rc = rtmp_cmd_handle(&s, &m, &out, &ev);
		if (rc != RC_OK)
			fail_msg("%s: rc %d (%s)", st->desc, rc, s.reason);
		if (ev.type != st->ev)
			fail_msg("%s: event %s", st->desc,
			    rtmp_cmd_event_str(ev.type));
		assert_true(ev.tid == st->tid);
		if (st->ev_sid != 0)
			assert_int_equal(ev.stream_id, st->ev_sid);
		switch (st->act) {
		case A_ACCEPT:
			assert_string_equal(ev.app, "live");
			assert_string_equal(ev.tc_url,
			    "rtmp://127.0.0.1:1935/live");
			assert_true(ev.object_encoding == (amf3 ? 3 : 0));
			assert_int_equal(out.n, 0);
			assert_int_equal(rtmp_cmd_connect_accept(&s, &out),
			    RC_OK);
			rep = connect_ok;
			nrep = N(connect_ok);
			break;
		case A_PLAY_START:
			assert_string_equal(ev.name, "test");
			assert_true(ev.start == st->num);
			assert_false(rtmp_cmd_can_send_media(&s, 1));
			assert_int_equal(out.n, 0);
			assert_int_equal(rtmp_cmd_play_start(&s, &out, st->msid,
					     ev.name, ev.reset),
			    RC_OK);
			assert_true(rtmp_cmd_can_send_media(&s, 1));
			break;
		case A_PUBLISH_START:
			assert_string_equal(ev.name, "test");
			assert_string_equal(ev.pub_type, "live");
			assert_int_equal(
			    rtmp_cmd_publish_start(&s, &out, st->msid, ev.name),
			    RC_OK);
			break;
		case A_NONE:
			break;
		}
		if (out.n != nrep)
			fail_msg("%s: %zu replies, want %zu", st->desc, out.n,
			    nrep);
		for (j = 0; j < nrep; j++)
			check_reply(st->desc, &out.msg[j], &rep[j]);
	}
	assert_int_equal(s.malformed, 0);
	/* The connect _result echoes objectEncoding. */
	(void)amf3;
}

static void
test_rtmp_cmd_handle_sequences(void **state)
{
	(void)state;
	run_steps(ffmpeg_play, N(ffmpeg_play), false);
	run_steps(ffmpeg_publish, N(ffmpeg_publish), false);
	run_steps(rtmpdump_play, N(rtmpdump_play), true);
}

/* A connected session with stream 1, for the malformed cases. */
static void
connected(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out)
{
	rtmp_cmd_init(s, NULL);
	s->connected = true;
	s->st[1] = 1;
	rtmp_cmd_out_reset(out);
}

static void
test_rtmp_cmd_handle_malformed(void **state)
{
	static const struct {
		const char *desc;
		uint8_t type;
		uint32_t msid;
		const char *bytes;
		size_t len;
		int rc;
	} cases[] = {
		{ "empty", 20, 0, "", 0, RC_MALFORMED },
		{ "not a command", 18, 0, "\x02\x00\x01x", 4, RC_MALFORMED },
		{ "empty amf3", 17, 0, "", 0, RC_MALFORMED },
		{ "name is a number", 20, 0,
		    "\x00\x3f\xf0\x00\x00\x00\x00\x00\x00", 9, RC_MALFORMED },
		{ "empty name", 20, 0, "\x02\x00\x00", 3, RC_MALFORMED },
		{ "no tid", 20, 0, "\x02\x00\x04play", 7, RC_MALFORMED },
		{ "tid is a string", 20, 0, "\x02\x00\x04play\x02\x00\x01x", 11,
		    RC_MALFORMED },
		{ "truncated amf", 20, 0, "\x02\x00\x09play", 7, RC_MALFORMED },
		{ "typed object", 20, 0, "\x10", 1, RC_UNSUPPORTED },
		{ "play without name", 20, 1,
		    "\x02\x00\x04play\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05",
		    17, RC_MALFORMED },
		{ "play name is a number", 20, 1,
		    "\x02\x00\x04play\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05"
		    "\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		    26, RC_MALFORMED },
		{ "play on stream 2", 20, 2,
		    "\x02\x00\x04play\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05"
		    "\x02\x00\x01x",
		    21, RC_MALFORMED },
		{ "publish on stream 0", 20, 0,
		    "\x02\x00\x07publish\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05"
		    "\x02\x00\x01x",
		    24, RC_MALFORMED },
		{ "deleteStream without id", 20, 0,
		    "\x02\x00\x0c"
		    "deleteStream\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05",
		    25, RC_MALFORMED },
		{ "connect again", 20, 0,
		    "\x02\x00\x07"
		    "connect\x00\x3f\xf0\x00\x00\x00\x00\x00\x00\x03\x00\x00\x09",
		    23, RC_MALFORMED },
	};
	static struct rtmp_cmd_out out;
	static struct rtmp_cmd_event ev;
	struct rtmp_cmd_session s;
	struct rtmp_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		connected(&s, &out);
		memset(&m, 0, sizeof(m));
		m.csid = 3;
		m.type = cases[i].type;
		m.stream_id = cases[i].msid;
		m.payload = (const uint8_t *)cases[i].bytes;
		m.len = cases[i].len;
		if (rtmp_cmd_handle(&s, &m, &out, &ev) != cases[i].rc)
			fail_msg("%s", cases[i].desc);
		assert_int_equal(out.n, 0);
		assert_int_equal(ev.type, RTMP_CMD_EV_NONE);
		assert_non_null(s.reason);
		assert_int_equal(s.malformed,
		    cases[i].rc == RC_MALFORMED ? 1 : 0);
	}
	/* Before connect, only connect is accepted. */
	rtmp_cmd_init(&s, NULL);
	rtmp_cmd_out_reset(&out);
	m.type = 20;
	m.stream_id = 0;
	m.payload = (const uint8_t *)"\x02\x00\x0c"
				     "createStream\x00\x40\x00\x00\x00\x00\x00"
				     "\x00\x00\x05";
	m.len = 25;
	assert_int_equal(rtmp_cmd_handle(&s, &m, &out, &ev), RC_MALFORMED);
	assert_string_equal(s.reason, "command before connect accepted");
	/* connect without app. */
	m.payload = (const uint8_t *)"\x02\x00\x07"
				     "connect\x00\x3f\xf0\x00\x00\x00\x00\x00"
				     "\x00\x03\x00\x00\x09";
	m.len = 23;
	assert_int_equal(rtmp_cmd_handle(&s, &m, &out, &ev), RC_MALFORMED);
	assert_string_equal(s.reason, "connect without app");
	assert_int_equal(rtmp_cmd_connect_accept(&s, &out), RC_MALFORMED);
}

static void
test_rtmp_cmd_connect_reject(void **state)
{
	static const struct step st = { "connect", B_CONNECT_FFMPEG, "connect",
		1, NULL, 0, 0, RTMP_CMD_EV_CONNECT, 0, A_NONE, { { 0 } }, 0 };
	static const struct exp e = { .type = 20,
		.csid = 3,
		.cmd = "_error",
		.num = 1,
		.code = "NetConnection.Connect.Rejected" };
	static struct rtmp_cmd_out out;
	static struct rtmp_cmd_event ev;
	struct rtmp_cmd_session s;
	uint8_t buf[512];
	struct rtmp_msg m = { .csid = 3 };

	(void)state;
	rtmp_cmd_init(&s, NULL);
	rtmp_cmd_out_reset(&out);
	m.payload = buf;
	m.len = build(&st, buf, sizeof(buf), &m.type);
	assert_int_equal(rtmp_cmd_handle(&s, &m, &out, &ev), RC_OK);
	assert_int_equal(ev.type, RTMP_CMD_EV_CONNECT);
	assert_string_equal(ev.flash_ver, "LNX 9,0,124,2");
	assert_int_equal(rtmp_cmd_connect_reject(&s, &out, NULL, "full"),
	    RC_OK);
	assert_int_equal(out.n, 1);
	check_reply("reject", &out.msg[0], &e);
	/* Nothing else is accepted afterwards. */
	assert_int_equal(rtmp_cmd_connect_accept(&s, &out), RC_MALFORMED);
	assert_int_equal(rtmp_cmd_handle(&s, &m, &out, &ev), RC_MALFORMED);
}

static void
test_rtmp_cmd_builders(void **state)
{
	static const struct exp stop[] = {
		UC(1, 1),
		STATUS("onStatus", 1, "NetStream.Play.Stop"),
	};
	static const struct exp reset_start[] = {
		UC(0, 1),
		STATUS("onStatus", 1, "NetStream.Play.Reset"),
		STATUS("onStatus", 1, "NetStream.Play.Start"),
		{ .type = 18, .csid = 5, .sid = 1, .cmd = "|RtmpSampleAccess" },
	};
	static const struct exp nf =
	    STATUS("onStatus", 1, "NetStream.Play.StreamNotFound");
	static const struct exp un =
	    STATUS("onStatus", 1, "NetStream.Play.UnpublishNotify");
	static const struct exp bad =
	    STATUS("onStatus", 1, "NetStream.Publish.BadName");
	static struct rtmp_cmd_out out;
	struct rtmp_cmd_session s;
	size_t i;

	(void)state;
	connected(&s, &out);
	assert_int_equal(rtmp_cmd_play_start(&s, &out, 2, "x", false),
	    RC_NOTFOUND);
	assert_int_equal(rtmp_cmd_play_start(&s, &out, 1, "x", true), RC_OK);
	assert_int_equal(out.n, N(reset_start));
	for (i = 0; i < N(reset_start); i++)
		check_reply("reset", &out.msg[i], &reset_start[i]);
	rtmp_cmd_out_reset(&out);
	assert_int_equal(rtmp_cmd_play_stop(&s, &out, 1, "x"), RC_OK);
	assert_false(rtmp_cmd_can_send_media(&s, 1));
	for (i = 0; i < N(stop); i++)
		check_reply("stop", &out.msg[i], &stop[i]);
	rtmp_cmd_out_reset(&out);
	assert_int_equal(rtmp_cmd_play_not_found(&s, &out, 1, "x"), RC_OK);
	check_reply("not found", &out.msg[0], &nf);
	rtmp_cmd_out_reset(&out);
	assert_int_equal(rtmp_cmd_unpublish_notify(&s, &out, 1, "x"), RC_OK);
	check_reply("unpublish", &out.msg[0], &un);
	rtmp_cmd_out_reset(&out);
	assert_int_equal(rtmp_cmd_publish_bad_name(&s, &out, 1, "x"), RC_OK);
	check_reply("bad name", &out.msg[0], &bad);
	/* A full output is left as it was. */
	rtmp_cmd_out_reset(&out);
	while (rtmp_cmd_status(&s, &out, 1, "status", "X", NULL) == RC_OK)
		;
	i = out.n;
	assert_int_equal(rtmp_cmd_play_start(&s, &out, 1, "x", true), RC_LIMIT);
	assert_int_equal(out.n, i);
	assert_string_equal(rtmp_cmd_event_str(RTMP_CMD_EV_PLAY), "play");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtmp_cmd_handle_sequences),
		cmocka_unit_test(test_rtmp_cmd_handle_malformed),
		cmocka_unit_test(test_rtmp_cmd_connect_reject),
		cmocka_unit_test(test_rtmp_cmd_builders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
