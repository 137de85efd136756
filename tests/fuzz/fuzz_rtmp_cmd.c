/*
 * fuzz_rtmp_cmd: the RTMP command layer across a whole session.
 *
 * Input: a sequence of messages, each
 *
 *	u8 head | u16 len (big-endian) | len payload bytes (clipped to the end)
 *
 * head bits 0..2 pick the kind: 0-2 command (type 20), 3 command AMF3
 * (17), 4 data (18), 5 data AMF3 (15), 6 control (type 1 + sid % 6,
 * through rtmp_msg_decode()), 7 a builder the session calls on its own
 * (payload byte 0 picks which); bits 3..6 are the message stream id
 * (0..15, so ids past RTMP_CMD_MAX_STREAMS too); bit 7 is the session's
 * decision when an event needs one: connect accept or reject, play start
 * or not found, publish start or bad name.
 *
 * One struct rtmp_cmd_session lives across the sequence, so the fuzzer
 * reaches the states after connect and createStream; the output is reset
 * before each message. Oracles (the target aborts): only documented rc
 * codes; a failed call leaves the output empty; every reply lies in the
 * output buffer, is on csid 2, 3 or 5 and decodes: command and data
 * replies with amf_decode_all(), control ones with rtmp_msg_decode() (on
 * stream 0); rtmp_cmd_can_send_media() is never true for a stream whose
 * Play.Start this target has not built (or that was stopped, closed,
 * deleted or created again since). Control input that decodes re-encodes
 * to a message that decodes to the same fields.
 *
 * Built with -DFUZZ_MAKE_SEEDS instead of replay.c, main() writes the seed
 * corpus (tests/fuzz/corpus/rtmp_cmd/) into the directory it is given.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/amf.h"
#include "edge/rtmp_cmd.h"
#include "edge/rtmp_msg.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_SIDS 16u /* stream ids the input can name: 0..15 */

enum fuzz_kind {
	FUZZ_CMD = 0, /* 0..2 */
	FUZZ_CMD_AMF3 = 3,
	FUZZ_DATA = 4,
	FUZZ_DATA_AMF3 = 5,
	FUZZ_CTL = 6,
	FUZZ_ACTION = 7,
};

struct fuzz_state {
	struct rtmp_cmd_session s;
	struct rtmp_cmd_out out;
	struct rtmp_cmd_event ev;
	bool started[FUZZ_SIDS]; /* Play.Start built and not undone since */
};

static struct amf_value fuzz_pool[AMF_MAX_VALUES];

static void fuzz_check_out(const struct rtmp_cmd_out *out);
static void fuzz_check_media(const struct fuzz_state *f);
static void fuzz_forget(struct fuzz_state *f, uint32_t sid);
static void fuzz_decide(struct fuzz_state *f, uint8_t head);
static void fuzz_command(struct fuzz_state *f, uint8_t head,
    const struct rtmp_msg *m);
static void fuzz_control(struct fuzz_state *f, const struct rtmp_msg *m);
static void fuzz_data(struct fuzz_state *f, const struct rtmp_msg *m);
static void fuzz_action(struct fuzz_state *f, uint32_t sid,
    const struct rtmp_msg *m);

/* Every reply lies in the buffer, is placed as documented and decodes. */
static void
fuzz_check_out(const struct rtmp_cmd_out *out)
{
	struct rtmp_msg_ctl c;
	struct amf_msg a;
	const struct rtmp_msg *m;
	const uint8_t *p;
	uintptr_t lo = (uintptr_t)out->buf, at;
	size_t i, len, sum = 0;

	if (out->n > RTMP_CMD_OUT_MSGS || out->used > RTMP_CMD_OUT_BYTES)
		abort();
	amf_msg_init(&a, fuzz_pool, AMF_MAX_VALUES);
	for (i = 0; i < out->n; i++) {
		m = &out->msg[i];
		at = (uintptr_t)m->payload;
		if (m->len > 0 &&
		    (at < lo || m->len > out->used ||
			at - lo > out->used - m->len))
			abort();
		sum += m->len;
		if (rtmp_msg_is_control(m->type)) {
			if (m->csid != RTMP_CMD_CSID_CONTROL ||
			    m->stream_id != 0 ||
			    rtmp_msg_decode(m, &c) != RC_OK)
				abort();
			continue;
		}
		p = m->payload;
		len = m->len;
		switch (m->type) {
		case RTMP_MSG_COMMAND_AMF3:
		case RTMP_MSG_DATA_AMF3:
			if (amf_skip_amf3_prefix(&p, &len) != RC_OK)
				abort();
			break;
		case RTMP_MSG_COMMAND_AMF0:
		case RTMP_MSG_DATA_AMF0:
			break;
		default:
			abort();
		}
		if (m->csid != RTMP_CMD_CSID_RESULT &&
		    m->csid != RTMP_CMD_CSID_STREAM)
			abort();
		if (amf_decode_all(p, len, &a) != RC_OK || a.count == 0)
			abort();
	}
	if (sum > out->used)
		abort();
}

/* Media only on streams whose Play.Start was built and still stands. */
static void
fuzz_check_media(const struct fuzz_state *f)
{
	uint32_t sid;

	for (sid = 0; sid < FUZZ_SIDS; sid++)
		if (rtmp_cmd_can_send_media(&f->s, sid) && !f->started[sid])
			abort();
	if (rtmp_cmd_can_send_media(&f->s, UINT32_MAX))
		abort();
}

static void
fuzz_forget(struct fuzz_state *f, uint32_t sid)
{
	if (sid < FUZZ_SIDS)
		f->started[sid] = false;
}

/* The session's answer to an event that needs one. */
static void
fuzz_decide(struct fuzz_state *f, uint8_t head)
{
	struct rtmp_cmd_event *ev = &f->ev;
	bool yes = (head & 0x80) != 0;
	uint32_t sid = ev->stream_id;
	int rc;

	switch (ev->type) {
	case RTMP_CMD_EV_CONNECT:
		if (yes)
			rc = rtmp_cmd_connect_accept(&f->s, &f->out);
		else
			rc = rtmp_cmd_connect_reject(&f->s, &f->out,
			    head & 8 ? "NetConnection.Connect.InvalidApp" :
				       NULL,
			    head & 16 ? NULL : "No such application.");
		/* A connect is pending and the output is empty. */
		if (rc != RC_OK)
			abort();
		break;
	case RTMP_CMD_EV_PLAY:
		if (yes) {
			rc = rtmp_cmd_play_start(&f->s, &f->out, sid, ev->name,
			    ev->reset);
			if (rc == RC_OK && sid < FUZZ_SIDS)
				f->started[sid] = true;
		} else {
			rc = rtmp_cmd_play_not_found(&f->s, &f->out, sid,
			    ev->name);
		}
		if (rc != RC_OK && rc != RC_NOTFOUND && rc != RC_LIMIT)
			abort();
		break;
	case RTMP_CMD_EV_PUBLISH:
		if (yes)
			rc = rtmp_cmd_publish_start(&f->s, &f->out, sid,
			    ev->name);
		else
			rc = rtmp_cmd_publish_bad_name(&f->s, &f->out, sid,
			    ev->name);
		if (rc != RC_OK && rc != RC_NOTFOUND && rc != RC_LIMIT)
			abort();
		break;
	case RTMP_CMD_EV_CREATE_STREAM:
	case RTMP_CMD_EV_DELETE_STREAM:
	case RTMP_CMD_EV_CLOSE_STREAM:
		fuzz_forget(f, sid);
		break;
	default:
		break;
	}
}

static void
fuzz_command(struct fuzz_state *f, uint8_t head, const struct rtmp_msg *m)
{
	int rc;

	rc = rtmp_cmd_handle(&f->s, m, &f->out, &f->ev);
	if (rc != RC_OK) {
		if (rc != RC_MALFORMED && rc != RC_LIMIT &&
		    rc != RC_UNSUPPORTED)
			abort();
		if (f->out.n != 0 || f->out.used != 0 ||
		    f->ev.type != RTMP_CMD_EV_NONE || f->s.reason == NULL)
			abort();
		return;
	}
	fuzz_decide(f, head);
}

static void
fuzz_control(struct fuzz_state *f, const struct rtmp_msg *m)
{
	uint8_t buf[RTMP_MSG_CTL_MAX];
	struct rtmp_msg_ctl c, c2;
	struct rtmp_msg m2;
	int rc;

	/* Not a command: refused, nothing queued. */
	if (rtmp_cmd_handle(&f->s, m, &f->out, &f->ev) != RC_MALFORMED ||
	    f->out.n != 0)
		abort();
	rc = rtmp_msg_decode(m, &c);
	if (rc != RC_OK) {
		if (rc != RC_TRUNCATED && rc != RC_MALFORMED &&
		    rc != RC_UNSUPPORTED)
			abort();
		return;
	}
	if (rtmp_msg_encode(&c, buf, sizeof(buf), &m2) != RC_OK ||
	    m2.type != m->type || m2.len > m->len ||
	    rtmp_msg_decode(&m2, &c2) != RC_OK || c2.type != c.type ||
	    c2.value != c.value || c2.limit != c.limit || c2.event != c.event ||
	    c2.buffer_ms != c.buffer_ms)
		abort();
}

static void
fuzz_data(struct fuzz_state *f, const struct rtmp_msg *m)
{
	struct amf_msg a;
	const uint8_t *p = m->payload;
	size_t len = m->len;
	int rc;

	if (rtmp_cmd_handle(&f->s, m, &f->out, &f->ev) != RC_MALFORMED ||
	    f->out.n != 0)
		abort();
	if (m->type == RTMP_MSG_DATA_AMF3 &&
	    amf_skip_amf3_prefix(&p, &len) != RC_OK)
		return;
	amf_msg_init(&a, fuzz_pool, AMF_MAX_VALUES);
	rc = amf_decode_all(p, len, &a);
	if (rc != RC_OK && rc != RC_MALFORMED && rc != RC_TRUNCATED &&
	    rc != RC_LIMIT && rc != RC_UNSUPPORTED)
		abort();
}

/* A builder called unprompted, as the session does on its own events. */
static void
fuzz_action(struct fuzz_state *f, uint32_t sid, const struct rtmp_msg *m)
{
	static const char name[] = "fuzz";
	uint8_t op = m->len > 0 ? m->payload[0] : 0;
	bool pending = f->s.connecting;
	int rc;

	switch (op % 8) {
	case 0:
		rc = rtmp_cmd_play_stop(&f->s, &f->out, sid, name);
		if (rc == RC_OK)
			fuzz_forget(f, sid);
		break;
	case 1:
		rc = rtmp_cmd_unpublish_notify(&f->s, &f->out, sid, name);
		break;
	case 2:
		rc = rtmp_cmd_status(&f->s, &f->out, sid, "status",
		    "NetStream.Play.PublishNotify", op & 8 ? NULL : name);
		break;
	case 3:
		rc = rtmp_cmd_play_start(&f->s, &f->out, sid, name,
		    (op & 8) != 0);
		if (rc == RC_OK && sid < FUZZ_SIDS)
			f->started[sid] = true;
		break;
	case 4:
		rc = rtmp_cmd_publish_start(&f->s, &f->out, sid, name);
		break;
	case 5:
		rc = rtmp_cmd_play_not_found(&f->s, &f->out, sid, name);
		break;
	case 6:
		rc = rtmp_cmd_connect_accept(&f->s, &f->out);
		if ((rc == RC_OK) != pending)
			abort();
		break;
	default:
		rc = rtmp_cmd_connect_reject(&f->s, &f->out, NULL, NULL);
		if ((rc == RC_OK) != pending)
			abort();
		break;
	}
	if (rc != RC_OK && rc != RC_NOTFOUND && rc != RC_MALFORMED)
		abort();
	if (rc != RC_OK && f->out.n != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t types[] = { RTMP_MSG_COMMAND_AMF0,
		RTMP_MSG_COMMAND_AMF0, RTMP_MSG_COMMAND_AMF0,
		RTMP_MSG_COMMAND_AMF3, RTMP_MSG_DATA_AMF0, RTMP_MSG_DATA_AMF3 };
	static struct fuzz_state f;
	struct rtmp_msg m;
	const uint8_t *p = data, *end = data + size;
	uint8_t head, kind;
	size_t len;

	memset(&f, 0, sizeof(f));
	rtmp_cmd_init(&f.s, NULL);
	while (end - p >= 3) {
		head = p[0];
		len = (size_t)p[1] << 8 | p[2];
		p += 3;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		kind = head & 7;
		m = (struct rtmp_msg){ .csid = 3,
			.stream_id = (head >> 3) & 15,
			.payload = p,
			.len = len };
		p += len;
		rtmp_cmd_out_reset(&f.out);
		if (kind == FUZZ_CTL) {
			m.csid = RTMP_MSG_CSID_CONTROL;
			m.type = (uint8_t)(RTMP_MSG_SET_CHUNK_SIZE +
			    m.stream_id % 6);
			fuzz_control(&f, &m);
		} else if (kind == FUZZ_ACTION) {
			fuzz_action(&f, m.stream_id, &m);
		} else {
			m.type = types[kind];
			if (kind >= FUZZ_DATA)
				fuzz_data(&f, &m);
			else
				fuzz_command(&f, head, &m);
		}
		fuzz_check_out(&f.out);
		fuzz_check_media(&f);
	}
	return 0;
}

#ifdef FUZZ_MAKE_SEEDS
/* ---- Seed corpus generator (not part of the fuzz build) ---- */

#include <stdio.h>

#define SEED_MAX 8192

static uint8_t seed_buf[SEED_MAX];
static size_t seed_len;

static uint8_t
seed_head(unsigned kind, unsigned sid, bool yes)
{
	return (uint8_t)(kind | sid << 3 | (yes ? 0x80 : 0));
}

/* Append one record: head, u16 length, the writer's bytes. */
static void
seed_put(uint8_t head, struct wire_writer *w)
{
	if (w->err || seed_len + 3 + w->pos > SEED_MAX)
		abort();
	seed_buf[seed_len++] = head;
	seed_buf[seed_len++] = (uint8_t)(w->pos >> 8);
	seed_buf[seed_len++] = (uint8_t)w->pos;
	memcpy(seed_buf + seed_len, w->buf, w->pos);
	seed_len += w->pos;
}

static void
seed_write(const char *dir, const char *name)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(seed_buf, 1, seed_len, fp) != seed_len ||
	    fclose(fp) != 0)
		abort();
	/* Every seed must run clean through the target. */
	LLVMFuzzerTestOneInput(seed_buf, seed_len);
	seed_len = 0;
}

static void
seed_connect(struct wire_writer *w, bool amf3)
{
	if (amf3)
		wire_put_u8(w, 0);
	amf_put_cstr(w, "connect");
	amf_put_number(w, 1);
	amf_put_object_start(w);
	amf_put_prop_cstr(w, "app", "live");
	amf_put_prop_cstr(w, "flashVer", "LNX 9,0,124,2");
	amf_put_prop_cstr(w, "tcUrl", "rtmp://127.0.0.1:1935/live");
	amf_put_prop_bool(w, "fpad", false);
	amf_put_prop_number(w, "capabilities", 15);
	amf_put_prop_number(w, "audioCodecs", 4071);
	amf_put_prop_number(w, "videoCodecs", 252);
	amf_put_prop_number(w, "videoFunction", 1);
	amf_put_prop_number(w, "objectEncoding", amf3 ? 3 : 0);
	amf_put_object_end(w);
}

/* name(tid, null[, "stream"]) on stream sid. */
static void
seed_simple(unsigned kind, unsigned sid, bool yes, const char *cmd, double tid,
    const char *arg)
{
	uint8_t b[256];
	struct wire_writer w;

	wire_writer_init(&w, b, sizeof(b));
	if (kind == FUZZ_CMD_AMF3)
		wire_put_u8(&w, 0);
	amf_put_cstr(&w, cmd);
	amf_put_number(&w, tid);
	amf_put_null(&w);
	if (arg != NULL)
		amf_put_cstr(&w, arg);
	seed_put(seed_head(kind, sid, yes), &w);
}

static void
seed_start(bool amf3, bool accept)
{
	uint8_t b[512];
	struct wire_writer w;

	wire_writer_init(&w, b, sizeof(b));
	seed_connect(&w, amf3);
	seed_put(seed_head(amf3 ? FUZZ_CMD_AMF3 : FUZZ_CMD, 0, accept), &w);
}

static void
seed_play(unsigned kind, unsigned sid, bool yes, bool reset)
{
	uint8_t b[256];
	struct wire_writer w;

	wire_writer_init(&w, b, sizeof(b));
	if (kind == FUZZ_CMD_AMF3)
		wire_put_u8(&w, 0);
	amf_put_cstr(&w, "play");
	amf_put_number(&w, 4);
	amf_put_null(&w);
	amf_put_cstr(&w, "stream");
	amf_put_number(&w, -2000);
	if (reset) {
		amf_put_number(&w, -1);
		amf_put_bool(&w, true);
	}
	seed_put(seed_head(kind, sid, yes), &w);
}

static void
seed_bytes(uint8_t head, const uint8_t *p, size_t len)
{
	struct wire_writer w;
	uint8_t b[64];

	wire_writer_init(&w, b, sizeof(b));
	while (len-- > 0)
		wire_put_u8(&w, *p++);
	seed_put(head, &w);
}

int
main(int argc, char **argv)
{
	static const uint8_t chunk[] = { 0, 0, 16, 0 };
	static const uint8_t bufl[] = { 0, 3, 0, 0, 0, 1, 0, 0, 11, 184 };
	static const uint8_t stop[] = { 0 };
	uint8_t b[512];
	struct wire_writer w;
	const char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: %s dir\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	/* ffmpeg-style player: connect, createStream, play, then stop. */
	seed_start(false, true);
	seed_simple(FUZZ_CMD, 0, false, "createStream", 2, NULL);
	seed_bytes(seed_head(FUZZ_CTL, 3, false), bufl, sizeof(bufl));
	seed_play(FUZZ_CMD, 1, true, false);
	seed_bytes(seed_head(FUZZ_ACTION, 1, false), stop, sizeof(stop));
	seed_simple(FUZZ_CMD, 1, false, "closeStream", 0, NULL);
	seed_write(dir, "play-start");

	/* Play a stream that does not exist. */
	seed_start(false, true);
	seed_simple(FUZZ_CMD, 0, false, "createStream", 2, NULL);
	seed_play(FUZZ_CMD, 1, false, false);
	seed_write(dir, "play-not-found");

	/* OBS-style publisher. */
	seed_start(false, true);
	seed_bytes(seed_head(FUZZ_CTL, 0, false), chunk, sizeof(chunk));
	seed_simple(FUZZ_CMD, 0, false, "releaseStream", 2, "stream");
	seed_simple(FUZZ_CMD, 0, false, "FCPublish", 3, "stream");
	seed_simple(FUZZ_CMD, 0, false, "createStream", 4, NULL);
	wire_writer_init(&w, b, sizeof(b));
	amf_put_cstr(&w, "publish");
	amf_put_number(&w, 5);
	amf_put_null(&w);
	amf_put_cstr(&w, "stream");
	amf_put_cstr(&w, "live");
	seed_put(seed_head(FUZZ_CMD, 1, true), &w);
	wire_writer_init(&w, b, sizeof(b));
	amf_put_cstr(&w, "@setDataFrame");
	amf_put_cstr(&w, "onMetaData");
	amf_put_ecma_start(&w, 2);
	amf_put_prop_number(&w, "width", 1280);
	amf_put_prop_number(&w, "height", 720);
	amf_put_object_end(&w);
	seed_put(seed_head(FUZZ_DATA, 1, false), &w);
	seed_simple(FUZZ_CMD, 0, false, "FCUnpublish", 6, "stream");
	wire_writer_init(&w, b, sizeof(b));
	amf_put_cstr(&w, "deleteStream");
	amf_put_number(&w, 7);
	amf_put_null(&w);
	amf_put_number(&w, 1);
	seed_put(seed_head(FUZZ_CMD, 0, false), &w);
	seed_write(dir, "publish");

	/* Publisher refused: bad name. */
	seed_start(false, true);
	seed_simple(FUZZ_CMD, 0, false, "createStream", 2, NULL);
	seed_simple(FUZZ_CMD, 1, false, "publish", 3, "taken");
	seed_write(dir, "publish-bad-name");

	/* Connect refused. */
	seed_start(false, false);
	seed_simple(FUZZ_CMD, 0, false, "createStream", 2, NULL);
	seed_write(dir, "connect-reject");

	/* Flash client with objectEncoding 3: commands as type 17. */
	seed_start(true, true);
	seed_simple(FUZZ_CMD_AMF3, 0, false, "createStream", 2, NULL);
	seed_simple(FUZZ_CMD_AMF3, 0, false, "getStreamLength", 3, "stream");
	seed_play(FUZZ_CMD_AMF3, 1, true, true);
	wire_writer_init(&w, b, sizeof(b));
	wire_put_u8(&w, 0);
	amf_put_cstr(&w, "pause");
	amf_put_number(&w, 0);
	amf_put_null(&w);
	amf_put_bool(&w, true);
	amf_put_number(&w, 1234);
	seed_put(seed_head(FUZZ_CMD_AMF3, 1, false), &w);
	wire_writer_init(&w, b, sizeof(b));
	wire_put_u8(&w, 0);
	amf_put_cstr(&w, "seek");
	amf_put_number(&w, 0);
	amf_put_null(&w);
	amf_put_number(&w, 5000);
	seed_put(seed_head(FUZZ_CMD_AMF3, 1, false), &w);
	wire_writer_init(&w, b, sizeof(b));
	wire_put_u8(&w, 0);
	amf_put_cstr(&w, "onMetaData");
	amf_put_object_start(&w);
	amf_put_prop_number(&w, "duration", 0);
	amf_put_object_end(&w);
	seed_put(seed_head(FUZZ_DATA_AMF3, 1, false), &w);
	seed_write(dir, "amf3-play");

	/* The other commands: answered at once, ignored or unknown. */
	seed_start(false, true);
	seed_simple(FUZZ_CMD, 0, false, "_checkbw", 2, NULL);
	seed_simple(FUZZ_CMD, 0, false, "createStream", 3, NULL);
	seed_simple(FUZZ_CMD, 0, false, "createStream", 4, NULL);
	seed_simple(FUZZ_CMD, 0, false, "FCSubscribe", 5, "stream");
	seed_simple(FUZZ_CMD, 2, false, "receiveAudio", 0, NULL);
	seed_simple(FUZZ_CMD, 0, false, "FCUnsubscribe", 6, "stream");
	seed_simple(FUZZ_CMD, 0, false, "noSuchMethod", 7, NULL);
	seed_simple(FUZZ_CMD, 0, false, "noSuchMethod", 0, NULL);
	seed_simple(FUZZ_CMD, 0, false, "_result", 1, NULL);
	seed_simple(FUZZ_CMD, 0, false, "onBWDone", 0, NULL);
	seed_play(FUZZ_CMD, 2, true, false);
	wire_writer_init(&w, b, sizeof(b));
	amf_put_cstr(&w, "deleteStream");
	amf_put_number(&w, 8);
	amf_put_null(&w);
	amf_put_number(&w, 2);
	seed_put(seed_head(FUZZ_CMD, 0, false), &w);
	seed_play(FUZZ_CMD, 2, true, false);
	seed_write(dir, "misc-commands");

	/* Commands before connect and session builders called unprompted. */
	seed_simple(FUZZ_CMD, 0, false, "createStream", 2, NULL);
	seed_play(FUZZ_CMD, 1, true, false);
	for (unsigned op = 0; op < 8; op++)
		seed_bytes(seed_head(FUZZ_ACTION, op, false),
		    (const uint8_t[]){ (uint8_t)op }, 1);
	seed_write(dir, "out-of-order");

	/* Control messages of every type. */
	for (unsigned t = 0; t < 6; t++) {
		static const uint8_t v[] = { 0, 0, 0, 0, 0x4c, 0x4b, 0x40, 2, 0,
			0 };
		seed_bytes(seed_head(FUZZ_CTL, t, false), v + 3, 5);
		seed_bytes(seed_head(FUZZ_CTL, t, false), v, sizeof(v));
	}
	seed_write(dir, "control");
	return 0;
}
#endif /* FUZZ_MAKE_SEEDS */
