/*
 * rtmp_cmd: the server side of RTMP's NetConnection/NetStream commands.
 *
 * Pure logic, no I/O: the session (edge/session.c, later) owns one
 * struct rtmp_cmd_session per client connection, feeds it every command
 * message (type 20, or 17 = one byte then AMF0) that rtmp_chunk
 * assembled, and gets back (a) reply messages appended to a caller's
 * struct rtmp_cmd_out, to be chunked and written in order, and (b) a
 * struct rtmp_cmd_event saying what the client asked for.
 *
 * Design note. Three commands need a decision only the session can make
 * (is the app served, is there room, does the stream exist), so they are
 * two-phase: rtmp_cmd_handle() returns the event and no reply, and the
 * session answers with a builder:
 *
 *   client              rtmp_cmd_handle()        session then calls
 *   connect        ->   EV_CONNECT          ->   rtmp_cmd_connect_accept()
 *                                                | rtmp_cmd_connect_reject()
 *   play           ->   EV_PLAY             ->   rtmp_cmd_play_start()
 *                                                | rtmp_cmd_play_not_found()
 *   publish        ->   EV_PUBLISH          ->   rtmp_cmd_publish_start()
 *                                                | rtmp_cmd_publish_bad_name()
 *
 * Every other command is answered at once (rtmp.md 5.3-5.6):
 *   createStream      _result(tid, null, id)           ids 1..MAX_STREAMS
 *   releaseStream, _checkbw     _result(tid, null)
 *   FCPublish         _result(tid, null), onFCPublish {Publish.Start}
 *   FCUnpublish       _result(tid, null), onFCUnpublish {Unpublish.Success}
 *   FCSubscribe       _result(tid, null), onFCSubscribe {Play.Start}
 *   getStreamLength   _result(tid, null, 0)            (live: duration 0)
 *   pause             onStatus Pause.Notify + StreamEOF, or
 *                     onStatus Unpause.Notify + StreamBegin (SRS)
 *   seek              onStatus Seek.Notify
 *   deleteStream, closeStream, FCUnsubscribe, receiveAudio/Video:
 *                     no reply (FCUnsubscribe: _result if tid > 0)
 *   _result, _error, onBWDone, onStatus from the client: ignored
 *   anything else     tid > 0: _error {level error, code
 *                     NetConnection.Call.Failed} as FMS/AMS answer an
 *                     unknown method, so a client waiting on it fails
 *                     instead of hanging (nginx-rtmp stays silent);
 *                     tid 0: ignored. Event RTMP_CMD_EV_UNKNOWN.
 * Only connect is accepted before the connection is accepted.
 *
 * Message placement (as nginx-rtmp on the wire, rtmp.md 7): control and
 * user control on csid 2, stream 0; _result/_error on csid 3 with the
 * request's stream id; onStatus, onFC* and |RtmpSampleAccess on csid 5
 * with the NetStream's id. Timestamps are 0.
 *
 * Play replies: StreamBegin(sid), [onStatus Play.Reset if asked],
 * onStatus Play.Start, |RtmpSampleAccess(true, true). NetStream.Data.Start
 * is not sent: neither nginx-rtmp nor SRS send it, and SRS documents
 * that it makes ffmpeg report an empty data stream. librtmp drops media
 * that arrives before Play.Start, so the session may send media on a
 * stream only once rtmp_cmd_can_send_media() is true (set by
 * rtmp_cmd_play_start(), cleared by rtmp_cmd_play_stop() and
 * deleteStream).
 *
 * Bad input (no command name, tid not a number, connect without an app
 * object, play/publish without a name, commands before connect, a
 * second connect, play on a stream never created) is RC_MALFORMED with
 * a static reason in s->reason and s->malformed counted; nothing is
 * appended to the output then. Lifecycle: rtmp_cmd_init() when the
 * handshake is done; no _fini (nothing is allocated). All functions may
 * be called from anywhere (they are pure), normally the session's read
 * callback.
 */
#ifndef EDGE_RTMP_CMD_H
#define EDGE_RTMP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"
#include "edge/rtmp_chunk.h"
#include "edge/rtmp_msg.h"

#define RTMP_CMD_CSID_CONTROL 2u
#define RTMP_CMD_CSID_RESULT 3u
#define RTMP_CMD_CSID_STREAM 5u

#define RTMP_CMD_MAX_STREAMS 8u	 /* createStream ids per connection */
#define RTMP_CMD_MAX_VALUES 256u /* AMF values per command (stack pool) */
#define RTMP_CMD_OUT_MSGS 8u	 /* reply messages an output holds */
#define RTMP_CMD_OUT_BYTES 4096u /* reply payload bytes an output holds */

/* Strings copied into an event (NUL-terminated; longer is RC_LIMIT). */
#define RTMP_CMD_APP_MAX 256u
#define RTMP_CMD_URL_MAX 1024u
#define RTMP_CMD_NAME_MAX 1024u
#define RTMP_CMD_SHORT_MAX 64u

/* Per-connection settings; rtmp_cmd_conf_default() gives nginx-rtmp's. */
struct rtmp_cmd_conf {
	uint32_t window_ack_size; /* 5,000,000 */
	uint32_t peer_bandwidth;  /* 5,000,000 */
	uint8_t peer_bw_limit;	  /* 2 dynamic */
	uint32_t chunk_size;	  /* 4096: our outgoing chunk size */
	const char *fms_ver;	  /* "FMS/3,0,1,123"; borrowed, static */
	double capabilities;	  /* 31 */
};

enum rtmp_cmd_event_type {
	RTMP_CMD_EV_NONE = 0, /* nothing for the session (ignored) */
	RTMP_CMD_EV_CONNECT,
	RTMP_CMD_EV_CREATE_STREAM,
	RTMP_CMD_EV_PLAY,
	RTMP_CMD_EV_PAUSE,
	RTMP_CMD_EV_SEEK,
	RTMP_CMD_EV_PUBLISH,
	RTMP_CMD_EV_DELETE_STREAM,
	RTMP_CMD_EV_CLOSE_STREAM,
	RTMP_CMD_EV_RELEASE_STREAM,
	RTMP_CMD_EV_FCPUBLISH,
	RTMP_CMD_EV_FCUNPUBLISH,
	RTMP_CMD_EV_FCSUBSCRIBE,
	RTMP_CMD_EV_FCUNSUBSCRIBE,
	RTMP_CMD_EV_GET_STREAM_LENGTH,
	RTMP_CMD_EV_UNKNOWN,
};

/*
 * What the client asked for. Strings are copied (NUL-terminated), so the
 * event outlives the message. Fields not used by a type are zero.
 *  tid:       the transaction id as sent;
 *  stream_id: the NetStream concerned: the message's stream id, the new
 *             id for CREATE_STREAM, the argument for DELETE_STREAM;
 *  app, tc_url, flash_ver, object_encoding: CONNECT;
 *  name:      stream name (PLAY, PUBLISH, FC*, RELEASE_STREAM,
 *             GET_STREAM_LENGTH) or the method name (UNKNOWN);
 *  pub_type:  PUBLISH ("live" if absent);
 *  start, duration, reset: PLAY, as sent (milliseconds on the wire from
 *             ffmpeg and librtmp; start < 0 = live or recorded; defaults
 *             -2000, -1, false);
 *  pause, position: PAUSE (position also SEEK), milliseconds.
 */
struct rtmp_cmd_event {
	enum rtmp_cmd_event_type type;
	double tid;
	uint32_t stream_id;
	char app[RTMP_CMD_APP_MAX];
	char tc_url[RTMP_CMD_URL_MAX];
	char flash_ver[RTMP_CMD_SHORT_MAX];
	double object_encoding;
	char name[RTMP_CMD_NAME_MAX];
	char pub_type[RTMP_CMD_SHORT_MAX];
	double start, duration;
	bool reset;
	bool pause;
	double position;
};

/*
 * Reply messages in send order. Payloads point into `buf`, so an output
 * must not be copied while its messages are in use. Reset it with
 * rtmp_cmd_out_reset() before (or after) handing it to the chunk
 * encoder; calls append. A call that does not fit returns RC_LIMIT and
 * leaves the output as it was.
 */
struct rtmp_cmd_out {
	struct rtmp_msg msg[RTMP_CMD_OUT_MSGS];
	size_t n;
	uint8_t buf[RTMP_CMD_OUT_BYTES];
	size_t used;
};

struct rtmp_cmd_session {
	struct rtmp_cmd_conf conf;
	bool connecting; /* connect seen, not yet answered */
	bool connected;	 /* accepted */
	bool rejected;
	double connect_tid;
	double object_encoding;
	/* RTMP_CMD_ST_* flags per stream id 1..RTMP_CMD_MAX_STREAMS */
	uint8_t st[RTMP_CMD_MAX_STREAMS + 1];
	uint64_t malformed; /* commands refused as malformed */
	const char *reason; /* why the last one was; static string */
};

/* nginx-rtmp's values (rtmp.md 7). Anywhere. */
void rtmp_cmd_conf_default(struct rtmp_cmd_conf *conf);

/* Start a connection; `conf` is copied (NULL for defaults). */
void rtmp_cmd_init(struct rtmp_cmd_session *s,
    const struct rtmp_cmd_conf *conf);

void rtmp_cmd_out_reset(struct rtmp_cmd_out *out);

/*
 * Handle one command message `m` (borrowed; type 20 or 17): decode it,
 * append the immediate replies to `out` and describe it in `ev`.
 * Returns RC_OK (ev->type may be RTMP_CMD_EV_NONE); RC_MALFORMED (see the
 * overview; s->reason says why, ev->type is NONE, nothing appended);
 * RC_LIMIT if a string exceeds its event field or `out` is full;
 * RC_UNSUPPORTED for AMF the amf codec does not handle (AMF3 objects).
 * A caller closes the connection on any error.
 */
int rtmp_cmd_handle(struct rtmp_cmd_session *s, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_cmd_event *ev);

/*
 * Answer the pending connect: Window Ack Size, Set Peer Bandwidth, Set
 * Chunk Size (conf values), then _result(tid, {fmsVer, capabilities,
 * mode 1}, {level status, code NetConnection.Connect.Success,
 * description, objectEncoding echoed}). The session must switch its
 * chunk encoder to conf.chunk_size after queueing these. RC_OK;
 * RC_MALFORMED if no connect is pending; RC_LIMIT if `out` is full.
 */
int rtmp_cmd_connect_accept(struct rtmp_cmd_session *s,
    struct rtmp_cmd_out *out);

/*
 * Refuse the pending connect: _error(tid, null, {level error, code,
 * description}); `code` NULL means NetConnection.Connect.Rejected (use
 * NetConnection.Connect.InvalidApp for an unknown app). The session then
 * closes after writing. Same returns as _accept.
 */
int rtmp_cmd_connect_reject(struct rtmp_cmd_session *s,
    struct rtmp_cmd_out *out, const char *code, const char *description);

/*
 * Start playing on stream `sid` (created): StreamBegin(sid), onStatus
 * NetStream.Play.Reset if `reset`, onStatus NetStream.Play.Start, then
 * |RtmpSampleAccess(true, true); after it rtmp_cmd_can_send_media() is
 * true for `sid`. `name` borrowed. RC_OK; RC_NOTFOUND for an unknown
 * sid; RC_LIMIT if `out` is full.
 */
int rtmp_cmd_play_start(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name, bool reset);

/* onStatus error NetStream.Play.StreamNotFound. Returns as _play_start. */
int rtmp_cmd_play_not_found(struct rtmp_cmd_session *s,
    struct rtmp_cmd_out *out, uint32_t sid, const char *name);

/*
 * End playing: StreamEOF(sid), then onStatus NetStream.Play.Stop; media
 * is no longer allowed. Never during an origin failover (rtmp.md 6).
 */
int rtmp_cmd_play_stop(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name);

/* onStatus NetStream.Play.UnpublishNotify (publisher gone, stays open). */
int rtmp_cmd_unpublish_notify(struct rtmp_cmd_session *s,
    struct rtmp_cmd_out *out, uint32_t sid, const char *name);

/* onStatus NetStream.Publish.Start / error NetStream.Publish.BadName. */
int rtmp_cmd_publish_start(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *name);
int rtmp_cmd_publish_bad_name(struct rtmp_cmd_session *s,
    struct rtmp_cmd_out *out, uint32_t sid, const char *name);

/*
 * Any onStatus(0, null, {level, code, description}) on csid 5, stream
 * `sid` (not checked). All strings borrowed; `description` may be NULL.
 */
int rtmp_cmd_status(struct rtmp_cmd_session *s, struct rtmp_cmd_out *out,
    uint32_t sid, const char *level, const char *code, const char *description);

/* True once Play.Start was queued on `sid` and until it stops. */
bool rtmp_cmd_can_send_media(const struct rtmp_cmd_session *s, uint32_t sid);

/* Short stable name of an event type; never NULL. */
const char *rtmp_cmd_event_str(enum rtmp_cmd_event_type type);

/* ---- Output helpers, shared with the client side (rtmp_client.c) ---- */

/* Append a control message; RC_LIMIT when out is full. */
int rtmp_cmd_out_ctl(struct rtmp_cmd_out *out, const struct rtmp_msg_ctl *c);

/* Start writing a message body into out's free space with w. */
void rtmp_cmd_w_open(struct rtmp_cmd_out *out, struct wire_writer *w);

/*
 * Finish the message written with w since rtmp_cmd_w_open(): message
 * `type` on chunk stream csid and stream sid. RC_LIMIT if it overflowed
 * or out is full (nothing appended then).
 */
int rtmp_cmd_w_close(struct rtmp_cmd_out *out, struct wire_writer *w,
    uint8_t type, uint32_t csid, uint32_t sid);

#endif
