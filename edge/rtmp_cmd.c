/*
 * rtmp_cmd: server-side RTMP commands; the reply sequences and the
 * two-phase commands are described in rtmp_cmd.h.
 */
#include "config.h"

#include "edge/rtmp_cmd.h"

#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/amf.h"
#include "edge/rtmp_msg.h"

enum {
	RTMP_CMD_ST_CREATED = 1,
	RTMP_CMD_ST_PLAYING = 2, /* Play.Start queued: media allowed */
	RTMP_CMD_ST_PUBLISHING = 4,
};

/* What a command is parsed into before dispatch. */
struct rtmp_cmd_req {
	const struct rtmp_msg *m;
	const struct amf_msg *a;
	const char *name;
	size_t name_len;
	double tid;
};

struct rtmp_cmd_mark {
	size_t n, used;
};

static struct rtmp_cmd_mark rtmp_cmd_out_mark(const struct rtmp_cmd_out *out);
static void rtmp_cmd_out_undo(struct rtmp_cmd_out *out,
    struct rtmp_cmd_mark mk);
static int rtmp_cmd_out_uc(struct rtmp_cmd_out *out, uint16_t event,
    uint32_t value);
static int rtmp_cmd_out_u32(struct rtmp_cmd_out *out, uint8_t type,
    uint32_t value);
static int rtmp_cmd_out_result(struct rtmp_cmd_out *out, uint32_t sid,
    double tid, const double *num);
static int rtmp_cmd_out_status(struct rtmp_cmd_out *out, const char *method,
    uint32_t sid, const char *level, const char *code, const char *desc,
    const char *details);
static int rtmp_cmd_bad(struct rtmp_cmd_session *s, const char *reason);
static bool rtmp_cmd_is(const struct rtmp_cmd_req *r, const char *name);
static int rtmp_cmd_copy(char *dst, size_t cap, const struct amf_value *v,
    bool required);
static bool rtmp_cmd_sid_ok(const struct rtmp_cmd_session *s, uint32_t sid);
static int rtmp_cmd_connect(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_event *ev);
static int rtmp_cmd_create_stream(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_out *out,
    struct rtmp_cmd_event *ev);
static int rtmp_cmd_play(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_event *ev);
static int rtmp_cmd_publish(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_event *ev);
static int rtmp_cmd_pause(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_out *out,
    struct rtmp_cmd_event *ev);
static int rtmp_cmd_seek(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_out *out,
    struct rtmp_cmd_event *ev);
static int rtmp_cmd_named(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_out *out,
    struct rtmp_cmd_event *ev);
static int rtmp_cmd_dispatch(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_req *r, struct rtmp_cmd_out *out,
    struct rtmp_cmd_event *ev);

/* ---- Output ---- */

static struct rtmp_cmd_mark
rtmp_cmd_out_mark(const struct rtmp_cmd_out *out)
{
	struct rtmp_cmd_mark mk = { out->n, out->used };

	return mk;
}

static void
rtmp_cmd_out_undo(struct rtmp_cmd_out *out, struct rtmp_cmd_mark mk)
{
	out->n = mk.n;
	out->used = mk.used;
}

void
rtmp_cmd_out_reset(struct rtmp_cmd_out *out)
{
	out->n = 0;
	out->used = 0;
}

int
rtmp_cmd_out_ctl(struct rtmp_cmd_out *out, const struct rtmp_msg_ctl *c)
{
	int rc;

	if (out->n >= RTMP_CMD_OUT_MSGS)
		return RC_LIMIT;
	rc = rtmp_msg_encode(c, out->buf + out->used,
	    RTMP_CMD_OUT_BYTES - out->used, &out->msg[out->n]);
	if (rc == RC_TRUNCATED)
		return RC_LIMIT;
	if (rc != RC_OK)
		return rc;
	out->used += out->msg[out->n].len;
	out->n++;
	return RC_OK;
}

static int
rtmp_cmd_out_uc(struct rtmp_cmd_out *out, uint16_t event, uint32_t value)
{
	struct rtmp_msg_ctl c = { .type = RTMP_MSG_USER_CONTROL,
		.event = event,
		.value = value };

	return rtmp_cmd_out_ctl(out, &c);
}

static int
rtmp_cmd_out_u32(struct rtmp_cmd_out *out, uint8_t type, uint32_t value)
{
	struct rtmp_msg_ctl c = { .type = type, .value = value };

	return rtmp_cmd_out_ctl(out, &c);
}

/* An AMF writer over the free part of out->buf. */
void
rtmp_cmd_w_open(struct rtmp_cmd_out *out, struct wire_writer *w)
{
	wire_writer_init(w, out->buf + out->used,
	    RTMP_CMD_OUT_BYTES - out->used);
}

int
rtmp_cmd_w_close(struct rtmp_cmd_out *out, struct wire_writer *w, uint8_t type,
    uint32_t csid, uint32_t sid)
{
	struct rtmp_msg *m;

	if (w->err || out->n >= RTMP_CMD_OUT_MSGS)
		return RC_LIMIT;
	m = &out->msg[out->n++];
	m->csid = csid;
	m->type = type;
	m->stream_id = sid;
	m->timestamp = 0;
	m->payload = out->buf + out->used;
	m->len = w->pos;
	out->used += w->pos;
	return RC_OK;
}

/* _result(tid, null[, num]) on csid 3. */
static int
rtmp_cmd_out_result(struct rtmp_cmd_out *out, uint32_t sid, double tid,
    const double *num)
{
	struct wire_writer w;

	rtmp_cmd_w_open(out, &w);
	amf_put_cstr(&w, "_result");
	amf_put_number(&w, tid);
	amf_put_null(&w);
	if (num != NULL)
		amf_put_number(&w, *num);
	return rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
	    RTMP_CMD_CSID_RESULT, sid);
}

/* method(0, null, {level, code, description[, details]}) on csid 5. */
static int
rtmp_cmd_out_status(struct rtmp_cmd_out *out, const char *method, uint32_t sid,
    const char *level, const char *code, const char *desc, const char *details)
{
	struct wire_writer w;

	rtmp_cmd_w_open(out, &w);
	amf_put_cstr(&w, method);
	amf_put_number(&w, 0);
	amf_put_null(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", level);
	amf_put_prop_cstr(&w, "code", code);
	if (desc != NULL)
		amf_put_prop_cstr(&w, "description", desc);
	if (details != NULL)
		amf_put_prop_cstr(&w, "details", details);
	amf_put_object_end(&w);
	return rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
	    RTMP_CMD_CSID_STREAM, sid);
}

/* ---- Session ---- */

void
rtmp_cmd_conf_default(struct rtmp_cmd_conf *conf)
{
	conf->window_ack_size = 5000000;
	conf->peer_bandwidth = 5000000;
	conf->peer_bw_limit = RTMP_MSG_BW_DYNAMIC;
	conf->chunk_size = 4096;
	conf->fms_ver = "FMS/3,0,1,123";
	conf->capabilities = 31;
}

void
rtmp_cmd_init(struct rtmp_cmd_session *s, const struct rtmp_cmd_conf *conf)
{
	memset(s, 0, sizeof(*s));
	if (conf != NULL)
		s->conf = *conf;
	else
		rtmp_cmd_conf_default(&s->conf);
	if (s->conf.fms_ver == NULL)
		s->conf.fms_ver = "FMS/3,0,1,123";
}

static int
rtmp_cmd_bad(struct rtmp_cmd_session *s, const char *reason)
{
	s->malformed++;
	s->reason = reason;
	return RC_MALFORMED;
}

static bool
rtmp_cmd_is(const struct rtmp_cmd_req *r, const char *name)
{
	return strlen(name) == r->name_len &&
	    memcmp(r->name, name, r->name_len) == 0;
}

/*
 * Copy string `v` into dst[cap] with a NUL. Absent or not a string:
 * RC_MALFORMED if required, else "" and RC_OK. Too long: RC_LIMIT.
 */
static int
rtmp_cmd_copy(char *dst, size_t cap, const struct amf_value *v, bool required)
{
	const char *p;
	size_t len;

	dst[0] = '\0';
	if (amf_as_string(v, &p, &len) != RC_OK)
		return required ? RC_MALFORMED : RC_OK;
	if (len >= cap)
		return RC_LIMIT;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return RC_OK;
}

static bool
rtmp_cmd_sid_ok(const struct rtmp_cmd_session *s, uint32_t sid)
{
	return sid >= 1 && sid <= RTMP_CMD_MAX_STREAMS &&
	    (s->st[sid] & RTMP_CMD_ST_CREATED);
}

bool
rtmp_cmd_can_send_media(const struct rtmp_cmd_session *s, uint32_t sid)
{
	return rtmp_cmd_sid_ok(s, sid) && (s->st[sid] & RTMP_CMD_ST_PLAYING);
}

/* ---- Commands ---- */

static int
rtmp_cmd_connect(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_event *ev)
{
	const struct amf_value *o = amf_msg_get(r->a, 2);
	double enc = 0;
	int rc;

	if (s->connecting || s->connected || s->rejected)
		return rtmp_cmd_bad(s, "connect twice");
	if (o == NULL || (o->type != AMF_OBJECT && o->type != AMF_ECMA_ARRAY))
		return rtmp_cmd_bad(s, "connect without command object");
	rc = rtmp_cmd_copy(ev->app, sizeof(ev->app), amf_object_get(o, "app"),
	    true);
	if (rc == RC_MALFORMED)
		return rtmp_cmd_bad(s, "connect without app");
	if (rc == RC_OK)
		rc = rtmp_cmd_copy(ev->tc_url, sizeof(ev->tc_url),
		    amf_object_get(o, "tcUrl"), false);
	if (rc == RC_OK)
		rc = rtmp_cmd_copy(ev->flash_ver, sizeof(ev->flash_ver),
		    amf_object_get(o, "flashVer"), false);
	if (rc != RC_OK) {
		s->reason = "connect string too long";
		return rc;
	}
	(void)amf_as_number(amf_object_get(o, "objectEncoding"), &enc);
	ev->type = RTMP_CMD_EV_CONNECT;
	ev->object_encoding = enc;
	s->connecting = true;
	s->connect_tid = r->tid;
	s->object_encoding = enc;
	return RC_OK;
}

static int
rtmp_cmd_create_stream(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev)
{
	struct wire_writer w;
	uint32_t sid;
	double id;
	int rc;

	for (sid = 1; sid <= RTMP_CMD_MAX_STREAMS; sid++)
		if (s->st[sid] == 0)
			break;
	if (sid > RTMP_CMD_MAX_STREAMS) {
		/* Refused, not malformed: the client may delete one. */
		rtmp_cmd_w_open(out, &w);
		amf_put_cstr(&w, "_error");
		amf_put_number(&w, r->tid);
		amf_put_null(&w);
		amf_put_object_start(&w);
		amf_put_prop_cstr(&w, "level", "error");
		amf_put_prop_cstr(&w, "code", "NetConnection.Call.Failed");
		amf_put_prop_cstr(&w, "description", "Too many streams");
		amf_put_object_end(&w);
		return rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
		    RTMP_CMD_CSID_RESULT, r->m->stream_id);
	}
	id = sid;
	rc = rtmp_cmd_out_result(out, r->m->stream_id, r->tid, &id);
	if (rc != RC_OK)
		return rc;
	s->st[sid] = RTMP_CMD_ST_CREATED;
	ev->type = RTMP_CMD_EV_CREATE_STREAM;
	ev->stream_id = sid;
	return RC_OK;
}

static int
rtmp_cmd_play(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_event *ev)
{
	const struct amf_value *v;
	int rc;

	if (!rtmp_cmd_sid_ok(s, r->m->stream_id))
		return rtmp_cmd_bad(s, "play on a stream not created");
	rc = rtmp_cmd_copy(ev->name, sizeof(ev->name), amf_msg_get(r->a, 3),
	    true);
	if (rc == RC_MALFORMED)
		return rtmp_cmd_bad(s, "play without a stream name");
	if (rc != RC_OK) {
		s->reason = "play name too long";
		return rc;
	}
	ev->start = -2000;
	ev->duration = -1;
	(void)amf_as_number(amf_msg_get(r->a, 4), &ev->start);
	(void)amf_as_number(amf_msg_get(r->a, 5), &ev->duration);
	v = amf_msg_get(r->a, 6);
	if (v != NULL && v->type == AMF_NUMBER)
		ev->reset = v->u.num != 0;
	else
		(void)amf_as_bool(v, &ev->reset);
	ev->type = RTMP_CMD_EV_PLAY;
	ev->stream_id = r->m->stream_id;
	return RC_OK;
}

static int
rtmp_cmd_publish(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_event *ev)
{
	int rc;

	if (!rtmp_cmd_sid_ok(s, r->m->stream_id))
		return rtmp_cmd_bad(s, "publish on a stream not created");
	rc = rtmp_cmd_copy(ev->name, sizeof(ev->name), amf_msg_get(r->a, 3),
	    true);
	if (rc == RC_MALFORMED)
		return rtmp_cmd_bad(s, "publish without a stream name");
	if (rc == RC_OK)
		rc = rtmp_cmd_copy(ev->pub_type, sizeof(ev->pub_type),
		    amf_msg_get(r->a, 4), false);
	if (rc != RC_OK) {
		s->reason = "publish string too long";
		return rc;
	}
	if (ev->pub_type[0] == '\0')
		memcpy(ev->pub_type, "live", 5);
	ev->type = RTMP_CMD_EV_PUBLISH;
	ev->stream_id = r->m->stream_id;
	return RC_OK;
}

/* pause(tid, null, pause, ms): SRS's replies. */
static int
rtmp_cmd_pause(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev)
{
	uint32_t sid = r->m->stream_id;
	int rc;

	if (!rtmp_cmd_sid_ok(s, sid))
		return rtmp_cmd_bad(s, "pause on a stream not created");
	if (amf_as_bool(amf_msg_get(r->a, 3), &ev->pause) != RC_OK)
		return rtmp_cmd_bad(s, "pause without a flag");
	(void)amf_as_number(amf_msg_get(r->a, 4), &ev->position);
	if (ev->pause) {
		rc = rtmp_cmd_out_status(out, "onStatus", sid, "status",
		    "NetStream.Pause.Notify", "Paused stream.", NULL);
		if (rc == RC_OK)
			rc = rtmp_cmd_out_uc(out, RTMP_MSG_UC_STREAM_EOF, sid);
	} else {
		rc = rtmp_cmd_out_status(out, "onStatus", sid, "status",
		    "NetStream.Unpause.Notify", "Unpaused stream.", NULL);
		if (rc == RC_OK)
			rc =
			    rtmp_cmd_out_uc(out, RTMP_MSG_UC_STREAM_BEGIN, sid);
	}
	if (rc != RC_OK)
		return rc;
	ev->type = RTMP_CMD_EV_PAUSE;
	ev->stream_id = sid;
	return RC_OK;
}

static int
rtmp_cmd_seek(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev)
{
	uint32_t sid = r->m->stream_id;
	int rc;

	if (!rtmp_cmd_sid_ok(s, sid))
		return rtmp_cmd_bad(s, "seek on a stream not created");
	if (amf_as_number(amf_msg_get(r->a, 3), &ev->position) != RC_OK)
		return rtmp_cmd_bad(s, "seek without a position");
	rc = rtmp_cmd_out_status(out, "onStatus", sid, "status",
	    "NetStream.Seek.Notify", "Seeking.", NULL);
	if (rc != RC_OK)
		return rc;
	ev->type = RTMP_CMD_EV_SEEK;
	ev->stream_id = sid;
	return RC_OK;
}

/*
 * releaseStream, FCPublish, FCUnpublish, FCSubscribe, FCUnsubscribe,
 * getStreamLength: optional name at argument 3, _result when tid > 0,
 * then the onFC* notification.
 */
static int
rtmp_cmd_named(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev)
{
	static const double zero = 0;
	const char *note = NULL, *code = NULL;
	uint32_t sid = r->m->stream_id;
	const double *num = NULL;
	int rc;

	if (rtmp_cmd_is(r, "releaseStream")) {
		ev->type = RTMP_CMD_EV_RELEASE_STREAM;
	} else if (rtmp_cmd_is(r, "FCPublish")) {
		ev->type = RTMP_CMD_EV_FCPUBLISH;
		note = "onFCPublish";
		code = "NetStream.Publish.Start";
	} else if (rtmp_cmd_is(r, "FCUnpublish")) {
		ev->type = RTMP_CMD_EV_FCUNPUBLISH;
		note = "onFCUnpublish";
		code = "NetStream.Unpublish.Success";
	} else if (rtmp_cmd_is(r, "FCSubscribe")) {
		ev->type = RTMP_CMD_EV_FCSUBSCRIBE;
		note = "onFCSubscribe";
		code = "NetStream.Play.Start";
	} else if (rtmp_cmd_is(r, "FCUnsubscribe")) {
		ev->type = RTMP_CMD_EV_FCUNSUBSCRIBE;
	} else {
		ev->type = RTMP_CMD_EV_GET_STREAM_LENGTH;
		num = &zero;
	}
	rc = rtmp_cmd_copy(ev->name, sizeof(ev->name), amf_msg_get(r->a, 3),
	    false);
	if (rc != RC_OK) {
		s->reason = "stream name too long";
		ev->type = RTMP_CMD_EV_NONE;
		return rc;
	}
	ev->stream_id = sid;
	if (r->tid > 0) {
		rc = rtmp_cmd_out_result(out, sid, r->tid, num);
		if (rc != RC_OK)
			return rc;
	}
	if (note != NULL)
		return rtmp_cmd_out_status(out, note, sid, "status", code,
		    ev->name, NULL);
	return RC_OK;
}

static int
rtmp_cmd_dispatch(struct rtmp_cmd_session *s, const struct rtmp_cmd_req *r,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev)
{
	struct wire_writer w;
	double d;

	if (rtmp_cmd_is(r, "connect"))
		return rtmp_cmd_connect(s, r, ev);
	if (!s->connected)
		return rtmp_cmd_bad(s, "command before connect accepted");
	if (rtmp_cmd_is(r, "createStream"))
		return rtmp_cmd_create_stream(s, r, out, ev);
	if (rtmp_cmd_is(r, "play"))
		return rtmp_cmd_play(s, r, ev);
	if (rtmp_cmd_is(r, "publish"))
		return rtmp_cmd_publish(s, r, ev);
	if (rtmp_cmd_is(r, "pause"))
		return rtmp_cmd_pause(s, r, out, ev);
	if (rtmp_cmd_is(r, "seek"))
		return rtmp_cmd_seek(s, r, out, ev);
	if (rtmp_cmd_is(r, "deleteStream")) {
		if (amf_as_number(amf_msg_get(r->a, 3), &d) != RC_OK)
			return rtmp_cmd_bad(s, "deleteStream without an id");
		ev->type = RTMP_CMD_EV_DELETE_STREAM;
		ev->stream_id =
		    d >= 1 && d <= RTMP_CMD_MAX_STREAMS ? (uint32_t)d : 0;
		if (ev->stream_id != 0)
			s->st[ev->stream_id] = 0;
		return RC_OK;
	}
	if (rtmp_cmd_is(r, "closeStream")) {
		ev->type = RTMP_CMD_EV_CLOSE_STREAM;
		ev->stream_id = r->m->stream_id;
		if (rtmp_cmd_sid_ok(s, ev->stream_id))
			s->st[ev->stream_id] = RTMP_CMD_ST_CREATED;
		return RC_OK;
	}
	if (rtmp_cmd_is(r, "releaseStream") || rtmp_cmd_is(r, "FCPublish") ||
	    rtmp_cmd_is(r, "FCUnpublish") || rtmp_cmd_is(r, "FCSubscribe") ||
	    rtmp_cmd_is(r, "FCUnsubscribe") ||
	    rtmp_cmd_is(r, "getStreamLength"))
		return rtmp_cmd_named(s, r, out, ev);
	if (rtmp_cmd_is(r, "_checkbw"))
		return r->tid > 0 ?
		    rtmp_cmd_out_result(out, r->m->stream_id, r->tid, NULL) :
		    RC_OK;
	if (rtmp_cmd_is(r, "_result") || rtmp_cmd_is(r, "_error") ||
	    rtmp_cmd_is(r, "onBWDone") || rtmp_cmd_is(r, "onStatus") ||
	    rtmp_cmd_is(r, "receiveAudio") || rtmp_cmd_is(r, "receiveVideo"))
		return RC_OK;
	/* Unknown method: FMS's answer when the client awaits one. */
	ev->type = RTMP_CMD_EV_UNKNOWN;
	ev->stream_id = r->m->stream_id;
	if (r->name_len < sizeof(ev->name)) {
		memcpy(ev->name, r->name, r->name_len);
		ev->name[r->name_len] = '\0';
	}
	if (r->tid <= 0)
		return RC_OK;
	rtmp_cmd_w_open(out, &w);
	amf_put_cstr(&w, "_error");
	amf_put_number(&w, r->tid);
	amf_put_null(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", "error");
	amf_put_prop_cstr(&w, "code", "NetConnection.Call.Failed");
	amf_put_prop_cstr(&w, "description", "Method not found.");
	amf_put_object_end(&w);
	return rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
	    RTMP_CMD_CSID_RESULT, r->m->stream_id);
}

int
rtmp_cmd_handle(struct rtmp_cmd_session *s, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev)
{
	struct amf_value pool[RTMP_CMD_MAX_VALUES];
	struct rtmp_cmd_mark mk = rtmp_cmd_out_mark(out);
	struct rtmp_cmd_req r = { .m = m };
	const uint8_t *p = m->payload;
	size_t len = m->len;
	struct amf_msg a;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (m->type != RTMP_MSG_COMMAND_AMF0 &&
	    m->type != RTMP_MSG_COMMAND_AMF3)
		return rtmp_cmd_bad(s, "not a command message");
	if (m->type == RTMP_MSG_COMMAND_AMF3 &&
	    amf_skip_amf3_prefix(&p, &len) != RC_OK)
		return rtmp_cmd_bad(s, "empty AMF3 command");
	amf_msg_init(&a, pool, RTMP_CMD_MAX_VALUES);
	rc = amf_decode_all(p, len, &a);
	if (rc == RC_UNSUPPORTED || rc == RC_LIMIT) {
		s->reason = "command AMF not supported";
		return rc;
	}
	if (rc != RC_OK)
		return rtmp_cmd_bad(s, "command AMF malformed");
	r.a = &a;
	if (amf_as_string(amf_msg_get(&a, 0), &r.name, &r.name_len) != RC_OK ||
	    r.name_len == 0)
		return rtmp_cmd_bad(s, "command without a name");
	if (amf_as_number(amf_msg_get(&a, 1), &r.tid) != RC_OK ||
	    r.tid != r.tid)
		return rtmp_cmd_bad(s, "command without a transaction id");
	ev->tid = r.tid;
	rc = rtmp_cmd_dispatch(s, &r, out, ev);
	if (rc != RC_OK) {
		rtmp_cmd_out_undo(out, mk);
		ev->type = RTMP_CMD_EV_NONE;
		if (rc == RC_LIMIT && s->reason == NULL)
			s->reason = "reply does not fit";
	}
	return rc;
}

/* ---- Builders the session calls ---- */

int
rtmp_cmd_connect_accept(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out)
{
	struct rtmp_cmd_mark mk = rtmp_cmd_out_mark(out);
	struct rtmp_msg_ctl bw = { .type = RTMP_MSG_SET_PEER_BW,
		.value = s->conf.peer_bandwidth,
		.limit = s->conf.peer_bw_limit };
	struct wire_writer w;
	int rc;

	if (!s->connecting)
		return RC_MALFORMED;
	rc = rtmp_cmd_out_u32(out, RTMP_MSG_WINDOW_ACK_SIZE,
	    s->conf.window_ack_size);
	if (rc == RC_OK)
		rc = rtmp_cmd_out_ctl(out, &bw);
	if (rc == RC_OK)
		rc = rtmp_cmd_out_u32(out, RTMP_MSG_SET_CHUNK_SIZE,
		    s->conf.chunk_size);
	if (rc == RC_OK) {
		rtmp_cmd_w_open(out, &w);
		amf_put_cstr(&w, "_result");
		amf_put_number(&w, s->connect_tid);
		amf_put_object_start(&w);
		amf_put_prop_cstr(&w, "fmsVer", s->conf.fms_ver);
		amf_put_prop_number(&w, "capabilities", s->conf.capabilities);
		amf_put_prop_number(&w, "mode", 1);
		amf_put_object_end(&w);
		amf_put_object_start(&w);
		amf_put_prop_cstr(&w, "level", "status");
		amf_put_prop_cstr(&w, "code", "NetConnection.Connect.Success");
		amf_put_prop_cstr(&w, "description", "Connection succeeded.");
		amf_put_prop_number(&w, "objectEncoding", s->object_encoding);
		amf_put_object_end(&w);
		rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
		    RTMP_CMD_CSID_RESULT, 0);
	}
	if (rc != RC_OK) {
		rtmp_cmd_out_undo(out, mk);
		return rc;
	}
	s->connecting = false;
	s->connected = true;
	return RC_OK;
}

int
rtmp_cmd_connect_reject(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    const char *code, const char *description)
{
	struct wire_writer w;
	int rc;

	if (!s->connecting)
		return RC_MALFORMED;
	rtmp_cmd_w_open(out, &w);
	amf_put_cstr(&w, "_error");
	amf_put_number(&w, s->connect_tid);
	amf_put_null(&w);
	amf_put_object_start(&w);
	amf_put_prop_cstr(&w, "level", "error");
	amf_put_prop_cstr(&w, "code",
	    code != NULL ? code : "NetConnection.Connect.Rejected");
	amf_put_prop_cstr(&w, "description",
	    description != NULL ? description : "Connection rejected.");
	amf_put_object_end(&w);
	rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
	    RTMP_CMD_CSID_RESULT, 0);
	if (rc != RC_OK)
		return rc;
	s->connecting = false;
	s->rejected = true;
	return RC_OK;
}

int
rtmp_cmd_status(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *level, const char *code, const char *description)
{
	struct rtmp_cmd_mark mk = rtmp_cmd_out_mark(out);
	int rc;

	(void)s;
	rc = rtmp_cmd_out_status(out, "onStatus", sid, level, code, description,
	    NULL);
	if (rc != RC_OK)
		rtmp_cmd_out_undo(out, mk);
	return rc;
}

int
rtmp_cmd_play_start(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name, bool reset)
{
	struct rtmp_cmd_mark mk = rtmp_cmd_out_mark(out);
	struct wire_writer w;
	int rc;

	if (!rtmp_cmd_sid_ok(s, sid))
		return RC_NOTFOUND;
	rc = rtmp_cmd_out_uc(out, RTMP_MSG_UC_STREAM_BEGIN, sid);
	if (rc == RC_OK && reset)
		rc = rtmp_cmd_out_status(out, "onStatus", sid, "status",
		    "NetStream.Play.Reset", "Playing and resetting.", name);
	if (rc == RC_OK)
		rc = rtmp_cmd_out_status(out, "onStatus", sid, "status",
		    "NetStream.Play.Start", "Start live", name);
	if (rc == RC_OK) {
		rtmp_cmd_w_open(out, &w);
		amf_put_cstr(&w, "|RtmpSampleAccess");
		amf_put_bool(&w, true);
		amf_put_bool(&w, true);
		rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_DATA_AMF0,
		    RTMP_CMD_CSID_STREAM, sid);
	}
	if (rc != RC_OK) {
		rtmp_cmd_out_undo(out, mk);
		return rc;
	}
	s->st[sid] |= RTMP_CMD_ST_PLAYING;
	return RC_OK;
}

/*
 * One onStatus on stream sid, optionally after a user control event
 * (uc >= 0), then set and clear stream state bits; all or nothing.
 */
static int
rtmp_cmd_notify(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, int uc, const char *level, const char *code,
    const char *description, const char *name, uint8_t set, uint8_t clear)
{
	struct rtmp_cmd_mark mk = rtmp_cmd_out_mark(out);
	int rc = RC_OK;

	if (!rtmp_cmd_sid_ok(s, sid))
		return RC_NOTFOUND;
	if (uc >= 0)
		rc = rtmp_cmd_out_uc(out, (uint16_t)uc, sid);
	if (rc == RC_OK)
		rc = rtmp_cmd_out_status(out, "onStatus", sid, level, code,
		    description, name);
	if (rc != RC_OK) {
		rtmp_cmd_out_undo(out, mk);
		return rc;
	}
	s->st[sid] = (uint8_t)((s->st[sid] | set) & ~clear);
	return RC_OK;
}

int
rtmp_cmd_play_not_found(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name)
{
	return rtmp_cmd_notify(s, out, sid, -1, "error",
	    "NetStream.Play.StreamNotFound", "No such stream.", name, 0, 0);
}

int
rtmp_cmd_play_stop(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name)
{
	return rtmp_cmd_notify(s, out, sid, RTMP_MSG_UC_STREAM_EOF, "status",
	    "NetStream.Play.Stop", "Stopped playing.", name, 0,
	    RTMP_CMD_ST_PLAYING);
}

int
rtmp_cmd_unpublish_notify(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name)
{
	return rtmp_cmd_notify(s, out, sid, -1, "status",
	    "NetStream.Play.UnpublishNotify", "Stream unpublished.", name, 0,
	    0);
}

int
rtmp_cmd_publish_start(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name)
{
	return rtmp_cmd_notify(s, out, sid, -1, "status",
	    "NetStream.Publish.Start", "Start publishing", name,
	    RTMP_CMD_ST_PUBLISHING, 0);
}

int
rtmp_cmd_publish_bad_name(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name)
{
	return rtmp_cmd_notify(s, out, sid, -1, "error",
	    "NetStream.Publish.BadName", "Already publishing", name, 0, 0);
}

const char *
rtmp_cmd_event_str(enum rtmp_cmd_event_type type)
{
	static const char *const names[] = {
		[RTMP_CMD_EV_NONE] = "none",
		[RTMP_CMD_EV_CONNECT] = "connect",
		[RTMP_CMD_EV_CREATE_STREAM] = "createStream",
		[RTMP_CMD_EV_PLAY] = "play",
		[RTMP_CMD_EV_PAUSE] = "pause",
		[RTMP_CMD_EV_SEEK] = "seek",
		[RTMP_CMD_EV_PUBLISH] = "publish",
		[RTMP_CMD_EV_DELETE_STREAM] = "deleteStream",
		[RTMP_CMD_EV_CLOSE_STREAM] = "closeStream",
		[RTMP_CMD_EV_RELEASE_STREAM] = "releaseStream",
		[RTMP_CMD_EV_FCPUBLISH] = "FCPublish",
		[RTMP_CMD_EV_FCUNPUBLISH] = "FCUnpublish",
		[RTMP_CMD_EV_FCSUBSCRIBE] = "FCSubscribe",
		[RTMP_CMD_EV_FCUNSUBSCRIBE] = "FCUnsubscribe",
		[RTMP_CMD_EV_GET_STREAM_LENGTH] = "getStreamLength",
		[RTMP_CMD_EV_UNKNOWN] = "unknown",
	};

	if ((size_t)type >= sizeof(names) / sizeof(names[0]) ||
	    names[type] == NULL)
		return "?";
	return names[type];
}
