/*
 * rtmp_client: client-side RTMP commands towards an origin; the sequence
 * and the acknowledgement rule are described in rtmp_client.h.
 */
#include "config.h"

#include "edge/rtmp_client.h"

#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/amf.h"
#include "edge/rtmp_msg.h"

#define RTMP_CLIENT_FLASH_VER "LNX 9,0,124,2"
#define RTMP_CLIENT_NO_LIMIT 0xffu

/* A decoded command from the origin. */
struct rtmp_client_req {
	const struct rtmp_msg *m;
	const struct amf_msg *a;
	const char *name;
	size_t name_len;
	double tid;
};

static int rtmp_client_bad(struct rtmp_client *c, const char *reason);
static int rtmp_client_set(char *dst, size_t cap, const char *src);
static void rtmp_client_copy(char *dst, size_t cap, const struct amf_value *v);
static bool rtmp_client_is(const struct rtmp_client_req *r, const char *name);
static int rtmp_client_call(struct rtmp_client *c, struct rtmp_cmd_out *out,
    const char *method, const char *str, const double *num, uint32_t csid,
    uint32_t sid);
static int rtmp_client_control(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev);
static int rtmp_client_connected(struct rtmp_client *c,
    const struct rtmp_client_req *r, struct rtmp_cmd_out *out,
    struct rtmp_client_event *ev);
static int rtmp_client_created(struct rtmp_client *c,
    const struct rtmp_client_req *r, struct rtmp_cmd_out *out,
    struct rtmp_client_event *ev);
static int rtmp_client_result(struct rtmp_client *c,
    const struct rtmp_client_req *r, struct rtmp_cmd_out *out,
    struct rtmp_client_event *ev);
static int rtmp_client_error(struct rtmp_client *c,
    const struct rtmp_client_req *r, struct rtmp_client_event *ev);
static int rtmp_client_status(struct rtmp_client *c,
    const struct rtmp_client_req *r, struct rtmp_client_event *ev);
static int rtmp_client_command(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev);
static int rtmp_client_media(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_client_event *ev);

/* ---- Helpers ---- */

static int
rtmp_client_bad(struct rtmp_client *c, const char *reason)
{
	c->malformed++;
	c->reason = reason;
	return RC_MALFORMED;
}

static int
rtmp_client_set(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (len >= cap)
		return RC_LIMIT;
	memcpy(dst, src, len + 1);
	return RC_OK;
}

/* Copy string `v` into dst[cap], truncated; "" if not a string. */
static void
rtmp_client_copy(char *dst, size_t cap, const struct amf_value *v)
{
	const char *p;
	size_t len;

	dst[0] = '\0';
	if (amf_as_string(v, &p, &len) != RC_OK)
		return;
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

static bool
rtmp_client_is(const struct rtmp_client_req *r, const char *name)
{
	return strlen(name) == r->name_len &&
	    memcmp(r->name, name, r->name_len) == 0;
}

/* method(next tid, null[, str][, num]); returns as rtmp_cmd_w_close(). */
static int
rtmp_client_call(struct rtmp_client *c, struct rtmp_cmd_out *out,
    const char *method, const char *str, const double *num, uint32_t csid,
    uint32_t sid)
{
	struct wire_writer w;
	int rc;

	rtmp_cmd_w_open(out, &w);
	amf_put_cstr(&w, method);
	amf_put_number(&w, c->next_tid);
	amf_put_null(&w);
	if (str != NULL)
		amf_put_cstr(&w, str);
	if (num != NULL)
		amf_put_number(&w, *num);
	rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0, csid, sid);
	if (rc == RC_OK)
		c->next_tid++;
	return rc;
}

/* ---- Setup ---- */

void
rtmp_client_conf_default(struct rtmp_client_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->flash_ver = RTMP_CLIENT_FLASH_VER;
	conf->mode = RTMP_CLIENT_PLAY;
	conf->start = RTMP_CLIENT_START_LIVE;
	conf->chunk_size = 4096;
	conf->window_ack_size = 5000000;
	conf->buffer_ms = 5000;
}

int
rtmp_client_init(struct rtmp_client *c, const struct rtmp_client_conf *conf)
{
	const char *fv =
	    conf->flash_ver ? conf->flash_ver : RTMP_CLIENT_FLASH_VER;
	const char *pt = conf->pub_type ? conf->pub_type : "live";
	int rc;

	memset(c, 0, sizeof(*c));
	if (conf->app == NULL || conf->tc_url == NULL || conf->name == NULL ||
	    conf->app[0] == '\0' || conf->name[0] == '\0')
		return RC_MALFORMED;
	rc = rtmp_client_set(c->app, sizeof(c->app), conf->app);
	if (rc == RC_OK)
		rc =
		    rtmp_client_set(c->tc_url, sizeof(c->tc_url), conf->tc_url);
	if (rc == RC_OK)
		rc = rtmp_client_set(c->flash_ver, sizeof(c->flash_ver), fv);
	if (rc == RC_OK)
		rc = rtmp_client_set(c->name, sizeof(c->name), conf->name);
	if (rc == RC_OK)
		rc = rtmp_client_set(c->pub_type, sizeof(c->pub_type), pt);
	if (rc != RC_OK)
		return rc;
	c->mode = conf->mode;
	c->start = conf->start;
	c->chunk_size = conf->chunk_size;
	c->window_ack_size = conf->window_ack_size;
	c->buffer_ms = conf->buffer_ms;
	c->get_stream_length = conf->get_stream_length;
	c->next_tid = 1;
	c->peer_bw_limit = RTMP_CLIENT_NO_LIMIT;
	c->state = RTMP_CLIENT_ST_INIT;
	return RC_OK;
}

int
rtmp_client_start(struct rtmp_client *c, struct rtmp_cmd_out *out)
{
	size_t n = out->n, used = out->used;
	struct rtmp_msg_ctl ctl = { 0 };
	struct wire_writer w;
	int rc = RC_OK;

	if (c->state != RTMP_CLIENT_ST_INIT)
		return RC_MALFORMED;
	if (c->chunk_size != 0) {
		ctl.type = RTMP_MSG_SET_CHUNK_SIZE;
		ctl.value = c->chunk_size;
		rc = rtmp_cmd_out_ctl(out, &ctl);
	}
	if (rc == RC_OK && c->window_ack_size != 0) {
		ctl.type = RTMP_MSG_WINDOW_ACK_SIZE;
		ctl.value = c->window_ack_size;
		rc = rtmp_cmd_out_ctl(out, &ctl);
	}
	if (rc == RC_OK) {
		rtmp_cmd_w_open(out, &w);
		amf_put_cstr(&w, "connect");
		amf_put_number(&w, c->next_tid);
		amf_put_object_start(&w);
		amf_put_prop_cstr(&w, "app", c->app);
		if (c->mode == RTMP_CLIENT_PUBLISH)
			amf_put_prop_cstr(&w, "type", "nonprivate");
		amf_put_prop_cstr(&w, "flashVer", c->flash_ver);
		amf_put_prop_cstr(&w, "tcUrl", c->tc_url);
		if (c->mode == RTMP_CLIENT_PLAY) {
			amf_put_prop_bool(&w, "fpad", false);
			amf_put_prop_number(&w, "capabilities", 15);
			amf_put_prop_number(&w, "audioCodecs", 4071);
			amf_put_prop_number(&w, "videoCodecs", 252);
			amf_put_prop_number(&w, "videoFunction", 1);
		}
		amf_put_prop_number(&w, "objectEncoding", 0);
		amf_put_object_end(&w);
		rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
		    RTMP_CLIENT_CSID_CMD, 0);
	}
	if (rc != RC_OK) {
		out->n = n;
		out->used = used;
		return rc;
	}
	c->tid_connect = c->next_tid++;
	c->state = RTMP_CLIENT_ST_CONNECTING;
	return RC_OK;
}

/* ---- Control messages ---- */

static int
rtmp_client_control(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev)
{
	struct rtmp_msg_ctl ctl, rep = { 0 };
	uint32_t bw;
	int rc;

	rc = rtmp_msg_decode(m, &ctl);
	if (rc == RC_UNSUPPORTED && ctl.type == RTMP_MSG_USER_CONTROL)
		return RC_OK; /* SWF verification and the like: ignore */
	if (rc != RC_OK)
		return rtmp_client_bad(c, "control message malformed");
	switch (ctl.type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
		ev->type = RTMP_CLIENT_EV_CHUNK_SIZE;
		ev->value = ctl.value;
		return RC_OK;
	case RTMP_MSG_ABORT:
		ev->type = RTMP_CLIENT_EV_ABORT;
		ev->value = ctl.value;
		return RC_OK;
	case RTMP_MSG_ACK:
		return RC_OK;
	case RTMP_MSG_WINDOW_ACK_SIZE:
		c->ack_window = ctl.value;
		return RC_OK;
	case RTMP_MSG_SET_PEER_BW:
		/* Spec 5.4.5: soft takes the smaller; dynamic acts as hard
		 * only after a hard one. Answer a changed window with a
		 * Window Ack Size, as ffmpeg. */
		bw = ctl.value;
		if (ctl.limit == RTMP_MSG_BW_SOFT && c->peer_bw != 0 &&
		    c->peer_bw < bw)
			bw = c->peer_bw;
		if (ctl.limit == RTMP_MSG_BW_DYNAMIC &&
		    c->peer_bw_limit != RTMP_MSG_BW_HARD &&
		    c->peer_bw_limit != RTMP_CLIENT_NO_LIMIT)
			return RC_OK;
		c->peer_bw = bw;
		c->peer_bw_limit = ctl.limit;
		if (bw == c->window_ack_size || bw == 0)
			return RC_OK;
		rep.type = RTMP_MSG_WINDOW_ACK_SIZE;
		rep.value = bw;
		rc = rtmp_cmd_out_ctl(out, &rep);
		if (rc == RC_OK)
			c->window_ack_size = bw;
		return rc;
	default:
		break;
	}
	/* User control. */
	switch (ctl.event) {
	case RTMP_MSG_UC_PING_REQUEST:
		rep.type = RTMP_MSG_USER_CONTROL;
		rep.event = RTMP_MSG_UC_PING_RESPONSE;
		rep.value = ctl.value;
		return rtmp_cmd_out_ctl(out, &rep);
	case RTMP_MSG_UC_STREAM_BEGIN:
		ev->type = RTMP_CLIENT_EV_STREAM_BEGIN;
		break;
	case RTMP_MSG_UC_STREAM_EOF:
		ev->type = RTMP_CLIENT_EV_STREAM_EOF;
		break;
	case RTMP_MSG_UC_STREAM_IS_RECORDED:
		ev->type = RTMP_CLIENT_EV_STREAM_RECORDED;
		break;
	default:
		return RC_OK; /* StreamDry, SetBufferLength, PingResponse */
	}
	ev->stream_id = ctl.value;
	return RC_OK;
}

/* ---- Commands ---- */

/* _result of connect: createStream (after releaseStream, FCPublish). */
static int
rtmp_client_connected(struct rtmp_client *c, const struct rtmp_client_req *r,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev)
{
	const struct amf_value *info = amf_msg_get(r->a, 3);
	const struct amf_value *code = amf_object_get(info, "code");
	int rc = RC_OK;

	if (c->state != RTMP_CLIENT_ST_CONNECTING)
		return rtmp_client_bad(c, "connect answered twice");
	if (code != NULL &&
	    !amf_is_string(code, "NetConnection.Connect.Success")) {
		ev->type = RTMP_CLIENT_EV_ERROR;
		rtmp_client_copy(ev->code, sizeof(ev->code), code);
		rtmp_client_copy(ev->description, sizeof(ev->description),
		    amf_object_get(info, "description"));
		c->state = RTMP_CLIENT_ST_FAILED;
		return RC_OK;
	}
	if (c->mode == RTMP_CLIENT_PUBLISH) {
		rc = rtmp_client_call(c, out, "releaseStream", c->name, NULL,
		    RTMP_CLIENT_CSID_CMD, 0);
		if (rc == RC_OK)
			rc = rtmp_client_call(c, out, "FCPublish", c->name,
			    NULL, RTMP_CLIENT_CSID_CMD, 0);
	}
	if (rc == RC_OK) {
		c->tid_create = c->next_tid;
		rc = rtmp_client_call(c, out, "createStream", NULL, NULL,
		    RTMP_CLIENT_CSID_CMD, 0);
	}
	if (rc != RC_OK)
		return rc;
	ev->type = RTMP_CLIENT_EV_CONNECTED;
	c->state = RTMP_CLIENT_ST_CREATING;
	return RC_OK;
}

/* _result of createStream: play or publish on the new stream. */
static int
rtmp_client_created(struct rtmp_client *c, const struct rtmp_client_req *r,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev)
{
	struct rtmp_msg_ctl sbl = { .type = RTMP_MSG_USER_CONTROL,
		.event = RTMP_MSG_UC_SET_BUFFER_LENGTH };
	double tid = c->next_tid, tid_length = c->tid_length;
	struct wire_writer w;
	uint32_t sid;
	double id;
	int rc = RC_OK;

	if (c->state != RTMP_CLIENT_ST_CREATING)
		return rtmp_client_bad(c, "createStream answered twice");
	if (amf_as_number(amf_msg_get(r->a, 3), &id) != RC_OK || !(id >= 1) ||
	    id > 4294967295.0 || id != (double)(uint32_t)id)
		return rtmp_client_bad(c, "createStream result without an id");
	sid = (uint32_t)id;
	if (c->mode == RTMP_CLIENT_PLAY && c->get_stream_length) {
		c->tid_length = c->next_tid;
		rc = rtmp_client_call(c, out, "getStreamLength", c->name, NULL,
		    RTMP_CLIENT_CSID_STREAM, sid);
	}
	if (rc == RC_OK) {
		c->tid_start = c->next_tid;
		rtmp_cmd_w_open(out, &w);
		amf_put_cstr(&w,
		    c->mode == RTMP_CLIENT_PLAY ? "play" : "publish");
		amf_put_number(&w, c->next_tid);
		amf_put_null(&w);
		amf_put_cstr(&w, c->name);
		if (c->mode == RTMP_CLIENT_PLAY)
			amf_put_number(&w, c->start);
		else
			amf_put_cstr(&w, c->pub_type);
		rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
		    RTMP_CLIENT_CSID_STREAM, sid);
	}
	if (rc == RC_OK && c->mode == RTMP_CLIENT_PLAY && c->buffer_ms != 0) {
		sbl.value = sid;
		sbl.buffer_ms = c->buffer_ms;
		rc = rtmp_cmd_out_ctl(out, &sbl);
	}
	if (rc != RC_OK) {
		c->next_tid = tid;
		c->tid_length = tid_length;
		return rc;
	}
	c->next_tid++;
	c->stream_id = sid;
	c->state = RTMP_CLIENT_ST_STARTING;
	ev->type = RTMP_CLIENT_EV_STREAM_CREATED;
	ev->stream_id = sid;
	return RC_OK;
}

static int
rtmp_client_result(struct rtmp_client *c, const struct rtmp_client_req *r,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev)
{
	if (r->tid == c->tid_connect)
		return rtmp_client_connected(c, r, out, ev);
	if (r->tid == c->tid_create)
		return rtmp_client_created(c, r, out, ev);
	if (c->tid_length != 0 && r->tid == c->tid_length) {
		if (amf_as_number(amf_msg_get(r->a, 3), &ev->duration) == RC_OK)
			ev->type = RTMP_CLIENT_EV_STREAM_LENGTH;
		return RC_OK;
	}
	if (r->tid >= 1 && r->tid < c->next_tid)
		return RC_OK; /* releaseStream, FCPublish, play, pause ... */
	return rtmp_client_bad(c, "_result to no request");
}

static int
rtmp_client_error(struct rtmp_client *c, const struct rtmp_client_req *r,
    struct rtmp_client_event *ev)
{
	const struct amf_value *info = amf_msg_get(r->a, 3);

	if (!(r->tid >= 1 && r->tid < c->next_tid))
		return rtmp_client_bad(c, "_error to no request");
	if (r->tid != c->tid_connect && r->tid != c->tid_create &&
	    r->tid != c->tid_start)
		return RC_OK; /* optional calls: a warning for ffmpeg */
	ev->type = RTMP_CLIENT_EV_ERROR;
	rtmp_client_copy(ev->code, sizeof(ev->code),
	    amf_object_get(info, "code"));
	rtmp_client_copy(ev->description, sizeof(ev->description),
	    amf_object_get(info, "description"));
	c->state = RTMP_CLIENT_ST_FAILED;
	return RC_OK;
}

/* onStatus(0, null, {level, code, description}). */
static int
rtmp_client_status(struct rtmp_client *c, const struct rtmp_client_req *r,
    struct rtmp_client_event *ev)
{
	static const struct {
		const char *code;
		enum rtmp_client_event_type type;
		enum rtmp_client_mode mode;
		enum rtmp_client_state state; /* INIT: unchanged */
	} codes[] = {
		{ "NetStream.Play.Start", RTMP_CLIENT_EV_PLAY_START,
		    RTMP_CLIENT_PLAY, RTMP_CLIENT_ST_PLAYING },
		{ "NetStream.Play.StreamNotFound",
		    RTMP_CLIENT_EV_STREAM_NOT_FOUND, RTMP_CLIENT_PLAY,
		    RTMP_CLIENT_ST_FAILED },
		{ "NetStream.Play.Stop", RTMP_CLIENT_EV_PLAY_STOP,
		    RTMP_CLIENT_PLAY, RTMP_CLIENT_ST_STOPPED },
		{ "NetStream.Play.Complete", RTMP_CLIENT_EV_PLAY_STOP,
		    RTMP_CLIENT_PLAY, RTMP_CLIENT_ST_STOPPED },
		{ "NetStream.Play.UnpublishNotify", RTMP_CLIENT_EV_UNPUBLISH,
		    RTMP_CLIENT_PLAY, RTMP_CLIENT_ST_INIT },
		{ "NetStream.Publish.Start", RTMP_CLIENT_EV_PUBLISH_START,
		    RTMP_CLIENT_PUBLISH, RTMP_CLIENT_ST_PUBLISHING },
	};
	const struct amf_value *info = amf_msg_get(r->a, 3);
	const struct amf_value *code = amf_object_get(info, "code");
	size_t i;

	if (code == NULL ||
	    (code->type != AMF_STRING && code->type != AMF_LONG_STRING))
		return rtmp_client_bad(c, "onStatus without a code");
	if (c->state == RTMP_CLIENT_ST_INIT)
		return rtmp_client_bad(c, "onStatus before connect");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (!amf_is_string(code, codes[i].code))
			continue;
		if (codes[i].mode != c->mode)
			return rtmp_client_bad(c, "onStatus for another mode");
		if (c->stream_id == 0)
			return rtmp_client_bad(c, "onStatus before a stream");
		ev->type = codes[i].type;
		if (codes[i].state != RTMP_CLIENT_ST_INIT)
			c->state = codes[i].state;
		break;
	}
	if (ev->type == RTMP_CLIENT_EV_NONE) {
		if (amf_is_string(amf_object_get(info, "level"), "error")) {
			ev->type = RTMP_CLIENT_EV_ERROR;
			c->state = RTMP_CLIENT_ST_FAILED;
		} else {
			ev->type = RTMP_CLIENT_EV_STATUS;
		}
	}
	ev->stream_id = r->m->stream_id;
	rtmp_client_copy(ev->code, sizeof(ev->code), code);
	rtmp_client_copy(ev->description, sizeof(ev->description),
	    amf_object_get(info, "description"));
	return RC_OK;
}

static int
rtmp_client_command(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev)
{
	struct amf_value pool[RTMP_CMD_MAX_VALUES];
	struct rtmp_client_req r = { .m = m };
	const uint8_t *p = m->payload;
	size_t len = m->len;
	struct amf_msg a;
	int rc;

	if (m->type == RTMP_MSG_COMMAND_AMF3 &&
	    amf_skip_amf3_prefix(&p, &len) != RC_OK)
		return rtmp_client_bad(c, "empty AMF3 command");
	amf_msg_init(&a, pool, RTMP_CMD_MAX_VALUES);
	rc = amf_decode_all(p, len, &a);
	if (rc == RC_UNSUPPORTED || rc == RC_LIMIT) {
		c->reason = "command AMF not supported";
		return rc;
	}
	if (rc != RC_OK)
		return rtmp_client_bad(c, "command AMF malformed");
	r.a = &a;
	if (amf_as_string(amf_msg_get(&a, 0), &r.name, &r.name_len) != RC_OK ||
	    r.name_len == 0)
		return rtmp_client_bad(c, "command without a name");
	if (amf_as_number(amf_msg_get(&a, 1), &r.tid) != RC_OK ||
	    r.tid != r.tid)
		return rtmp_client_bad(c, "command without a transaction id");
	if (rtmp_client_is(&r, "_result"))
		return rtmp_client_result(c, &r, out, ev);
	if (rtmp_client_is(&r, "_error"))
		return rtmp_client_error(c, &r, ev);
	if (rtmp_client_is(&r, "onStatus"))
		return rtmp_client_status(c, &r, ev);
	if (rtmp_client_is(&r, "onBWDone") || rtmp_client_is(&r, "_checkbw") ||
	    rtmp_client_is(&r, "onFCPublish") ||
	    rtmp_client_is(&r, "onFCUnpublish") ||
	    rtmp_client_is(&r, "onFCSubscribe") ||
	    rtmp_client_is(&r, "onFCUnsubscribe"))
		return RC_OK;
	return rtmp_client_bad(c, "unexpected command");
}

/* ---- Media and dispatch ---- */

static int
rtmp_client_media(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_client_event *ev)
{
	if (c->mode != RTMP_CLIENT_PLAY)
		return rtmp_client_bad(c, "media towards a publisher");
	if (c->state != RTMP_CLIENT_ST_STARTING &&
	    c->state != RTMP_CLIENT_ST_PLAYING &&
	    c->state != RTMP_CLIENT_ST_STOPPED)
		return rtmp_client_bad(c, "media before play");
	if (m->stream_id != c->stream_id)
		return rtmp_client_bad(c, "media on another stream");
	ev->type = RTMP_CLIENT_EV_MEDIA;
	ev->stream_id = m->stream_id;
	ev->msg = m;
	return RC_OK;
}

int
rtmp_client_handle(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev)
{
	size_t n = out->n, used = out->used;
	int rc;

	memset(ev, 0, sizeof(*ev));
	switch (m->type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
	case RTMP_MSG_ABORT:
	case RTMP_MSG_ACK:
	case RTMP_MSG_USER_CONTROL:
	case RTMP_MSG_WINDOW_ACK_SIZE:
	case RTMP_MSG_SET_PEER_BW:
		rc = rtmp_client_control(c, m, out, ev);
		break;
	case RTMP_MSG_COMMAND_AMF0:
	case RTMP_MSG_COMMAND_AMF3:
		rc = rtmp_client_command(c, m, out, ev);
		break;
	case RTMP_MSG_AUDIO:
	case RTMP_MSG_VIDEO:
	case RTMP_MSG_DATA_AMF0:
	case RTMP_MSG_DATA_AMF3:
	case RTMP_MSG_AGGREGATE:
		rc = rtmp_client_media(c, m, ev);
		break;
	case RTMP_MSG_SHARED_OBJECT_AMF0:
	case RTMP_MSG_SHARED_OBJECT_AMF3:
		rc = RC_OK; /* ignored on an edge (rtmp.md 3) */
		break;
	default:
		rc = rtmp_client_bad(c, "unexpected message type");
		break;
	}
	if (rc != RC_OK) {
		out->n = n;
		out->used = used;
		memset(ev, 0, sizeof(*ev));
		if (rc == RC_LIMIT && c->reason == NULL)
			c->reason = "reply does not fit";
	}
	return rc;
}

int
rtmp_client_received(struct rtmp_client *c, size_t n, struct rtmp_cmd_out *out)
{
	struct rtmp_msg_ctl ack = { .type = RTMP_MSG_ACK };
	int rc;

	c->in_bytes += n;
	if (c->ack_window == 0 ||
	    c->in_bytes - c->in_acked < ((uint64_t)c->ack_window + 1) / 2)
		return RC_OK;
	ack.value = (uint32_t)c->in_bytes;
	rc = rtmp_cmd_out_ctl(out, &ack);
	if (rc == RC_OK)
		c->in_acked = c->in_bytes;
	return rc;
}

/* ---- Builders ---- */

int
rtmp_client_pause(struct rtmp_client *c, struct rtmp_cmd_out *out, bool pause,
    double ms)
{
	struct wire_writer w;
	int rc;

	if (c->stream_id == 0 || c->mode != RTMP_CLIENT_PLAY)
		return RC_NOTFOUND;
	rtmp_cmd_w_open(out, &w);
	amf_put_cstr(&w, "pause");
	amf_put_number(&w, c->next_tid);
	amf_put_null(&w);
	amf_put_bool(&w, pause);
	amf_put_number(&w, ms);
	rc = rtmp_cmd_w_close(out, &w, RTMP_MSG_COMMAND_AMF0,
	    RTMP_CLIENT_CSID_STREAM, c->stream_id);
	if (rc == RC_OK)
		c->next_tid++;
	return rc;
}

int
rtmp_client_seek(struct rtmp_client *c, struct rtmp_cmd_out *out, double ms)
{
	if (c->stream_id == 0 || c->mode != RTMP_CLIENT_PLAY)
		return RC_NOTFOUND;
	return rtmp_client_call(c, out, "seek", NULL, &ms,
	    RTMP_CLIENT_CSID_STREAM, c->stream_id);
}

int
rtmp_client_close(struct rtmp_client *c, struct rtmp_cmd_out *out)
{
	size_t n = out->n, used = out->used;
	double sid = c->stream_id;
	int rc = RC_OK;

	if (c->stream_id != 0 && c->mode == RTMP_CLIENT_PUBLISH)
		rc = rtmp_client_call(c, out, "FCUnpublish", c->name, NULL,
		    RTMP_CLIENT_CSID_CMD, 0);
	if (rc == RC_OK && c->stream_id != 0)
		rc = rtmp_client_call(c, out, "deleteStream", NULL, &sid,
		    RTMP_CLIENT_CSID_CMD, 0);
	if (rc != RC_OK) {
		out->n = n;
		out->used = used;
		return rc;
	}
	c->stream_id = 0;
	c->state = RTMP_CLIENT_ST_CLOSED;
	return RC_OK;
}

const char *
rtmp_client_event_str(enum rtmp_client_event_type type)
{
	static const char *const names[] = {
		[RTMP_CLIENT_EV_NONE] = "none",
		[RTMP_CLIENT_EV_CHUNK_SIZE] = "chunk-size",
		[RTMP_CLIENT_EV_ABORT] = "abort",
		[RTMP_CLIENT_EV_CONNECTED] = "connected",
		[RTMP_CLIENT_EV_STREAM_CREATED] = "stream-created",
		[RTMP_CLIENT_EV_STREAM_LENGTH] = "stream-length",
		[RTMP_CLIENT_EV_STREAM_BEGIN] = "stream-begin",
		[RTMP_CLIENT_EV_STREAM_EOF] = "stream-eof",
		[RTMP_CLIENT_EV_STREAM_RECORDED] = "stream-recorded",
		[RTMP_CLIENT_EV_PLAY_START] = "play-start",
		[RTMP_CLIENT_EV_STREAM_NOT_FOUND] = "stream-not-found",
		[RTMP_CLIENT_EV_PLAY_STOP] = "play-stop",
		[RTMP_CLIENT_EV_UNPUBLISH] = "unpublish",
		[RTMP_CLIENT_EV_PUBLISH_START] = "publish-start",
		[RTMP_CLIENT_EV_STATUS] = "status",
		[RTMP_CLIENT_EV_ERROR] = "error",
		[RTMP_CLIENT_EV_MEDIA] = "media",
	};

	if ((size_t)type >= sizeof(names) / sizeof(names[0]) ||
	    names[type] == NULL)
		return "?";
	return names[type];
}

const char *
rtmp_client_state_str(enum rtmp_client_state state)
{
	static const char *const names[] = {
		[RTMP_CLIENT_ST_INIT] = "init",
		[RTMP_CLIENT_ST_CONNECTING] = "connecting",
		[RTMP_CLIENT_ST_CREATING] = "creating",
		[RTMP_CLIENT_ST_STARTING] = "starting",
		[RTMP_CLIENT_ST_PLAYING] = "playing",
		[RTMP_CLIENT_ST_PUBLISHING] = "publishing",
		[RTMP_CLIENT_ST_STOPPED] = "stopped",
		[RTMP_CLIENT_ST_FAILED] = "failed",
		[RTMP_CLIENT_ST_CLOSED] = "closed",
	};

	if ((size_t)state >= sizeof(names) / sizeof(names[0]) ||
	    names[state] == NULL)
		return "?";
	return names[state];
}
