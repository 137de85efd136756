/*
 * rtmp_client: the client side of one upstream RTMP connection (edge ->
 * origin), after the handshake.
 *
 * Pure logic, no I/O, no clock: the origin session (later) owns one
 * struct rtmp_client per upstream connection, queues what
 * rtmp_client_start() appends, then feeds every message its chunk decoder
 * assembles to rtmp_client_handle(), which appends the messages to send
 * (to a caller's struct rtmp_cmd_out, shared with rtmp_cmd) and describes
 * what happened in a struct rtmp_client_event.
 *
 * Design note. The sequence follows what nginx-rtmp as a pulling edge,
 * ffmpeg and librtmp send (rtmp.md 5 and 7); tids count up from 1:
 *
 *   edge                                       origin
 *   start():  Set Chunk Size, Window Ack Size,
 *             connect(1, {app, flashVer, tcUrl, ...})
 *                                         <-   WAS, Peer BW, SCS,
 *                                              _result(1, ..., Success)
 *   PLAY:     createStream(2)             PUBLISH: releaseStream(2),
 *                                         FCPublish(3), createStream(4)
 *                                         <-   _result(tid, null, sid)
 *   PLAY:     [getStreamLength], play(name, start) on sid,
 *             SetBufferLength(sid, buffer_ms)
 *   PUBLISH:  publish(name, "live") on sid
 *                                         <-   StreamBegin, onStatus
 *                                              Play.Start / Publish.Start
 *                                         <-   media and data => MEDIA
 *
 * Connection-level commands go on csid 3 with stream 0, stream commands
 * on csid 5 with the stream id (as nginx-rtmp's relay); control on csid 2.
 * Replies to releaseStream, FCPublish and getStreamLength are optional
 * (nginx-rtmp sends none, and an _error to them is ignored, as ffmpeg
 * does); onBWDone, onFCPublish, onFCSubscribe, onFCUnpublish and shared
 * objects are ignored.
 *
 * Acknowledgements: the session reports every read with
 * rtmp_client_received(); once the origin has announced a window, an
 * Acknowledgement (total bytes received, mod 2^32) is appended whenever
 * half a window has arrived since the last one (as SRS; the spec's
 * "after a window" lets a strict sender stall for a round trip).
 *
 * Bad input (undecodable control or AMF, replies to no request, a stream
 * id of 0, media before play or on another stream, play events on a
 * publishing connection, unknown message types or commands) is
 * RC_MALFORMED with a static reason in c->reason and c->malformed
 * counted; nothing is appended and the state is unchanged, so the session
 * may log it and go on, or close. Lifecycle: rtmp_client_init() when the
 * handshake is done; no _fini (nothing is allocated). All functions may be
 * called from anywhere (they are pure), normally the session's callbacks.
 */
#ifndef EDGE_RTMP_CLIENT_H
#define EDGE_RTMP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge/rtmp_chunk.h"
#include "edge/rtmp_cmd.h"

#define RTMP_CLIENT_CSID_CMD 3u	   /* connect, createStream, deleteStream */
#define RTMP_CLIENT_CSID_STREAM 5u /* play, publish, pause, seek */

#define RTMP_CLIENT_START_LIVE (-1000.0) /* play start: live only */
#define RTMP_CLIENT_CODE_MAX 64u	 /* status code copied to events */
#define RTMP_CLIENT_DESC_MAX 256u	 /* description (truncated) */

enum rtmp_client_mode {
	RTMP_CLIENT_PLAY = 0, /* pull a live stream or relay VOD */
	RTMP_CLIENT_PUBLISH,  /* push to the origin */
};

enum rtmp_client_state {
	RTMP_CLIENT_ST_INIT = 0,   /* nothing sent */
	RTMP_CLIENT_ST_CONNECTING, /* connect sent */
	RTMP_CLIENT_ST_CREATING,   /* createStream sent */
	RTMP_CLIENT_ST_STARTING,   /* play / publish sent */
	RTMP_CLIENT_ST_PLAYING,	   /* Play.Start seen */
	RTMP_CLIENT_ST_PUBLISHING, /* Publish.Start seen */
	RTMP_CLIENT_ST_STOPPED,	   /* Play.Stop / Play.Complete seen */
	RTMP_CLIENT_ST_FAILED,	   /* error event given */
	RTMP_CLIENT_ST_CLOSED,	   /* rtmp_client_close() called */
};

/*
 * Connection settings; rtmp_client_conf_default() gives nginx-rtmp's edge
 * values. Strings are borrowed for rtmp_client_init() only (copied).
 *  app, tc_url:  application ("live", or "app/instance") and
 *                "rtmp://host[:port]/app", passed unchanged (rtmp.md 8);
 *  flash_ver:    "LNX 9,0,124,2" to play, an FMLE string such as
 *                "FMLE/3.0 (compatible; FMSc/1.0)" to publish;
 *  name:         stream name (playpath) as the player sent it;
 *  start:        PLAY: play start in ms: RTMP_CLIENT_START_LIVE (-1000)
 *                for live, 0 (or a position) for VOD;
 *  pub_type:     PUBLISH: "live" (NULL), "record" or "append";
 *  chunk_size:   Set Chunk Size to announce first (0: none; the caller
 *                applies it to its chunk encoder after the first message);
 *  window_ack_size: Window Ack Size to announce (0: none);
 *  buffer_ms:    PLAY: SetBufferLength after play (0: none);
 *  get_stream_length: PLAY: send getStreamLength before play (VOD).
 */
struct rtmp_client_conf {
	const char *app;
	const char *tc_url;
	const char *flash_ver;
	const char *name;
	enum rtmp_client_mode mode;
	double start;
	const char *pub_type;
	uint32_t chunk_size;	  /* 4096 */
	uint32_t window_ack_size; /* 5,000,000 */
	uint32_t buffer_ms;	  /* 5000 */
	bool get_stream_length;	  /* false */
};

enum rtmp_client_event_type {
	RTMP_CLIENT_EV_NONE = 0,       /* nothing for the session */
	RTMP_CLIENT_EV_CHUNK_SIZE,     /* value: apply to the chunk decoder */
	RTMP_CLIENT_EV_ABORT,	       /* value: csid for rtmp_chunk_rx_abort */
	RTMP_CLIENT_EV_CONNECTED,      /* connect succeeded */
	RTMP_CLIENT_EV_STREAM_CREATED, /* stream_id; play/publish queued */
	RTMP_CLIENT_EV_STREAM_LENGTH,  /* duration (getStreamLength) */
	RTMP_CLIENT_EV_STREAM_BEGIN,   /* User Control, stream_id */
	RTMP_CLIENT_EV_STREAM_EOF,     /* User Control (nginx-rtmp: the
					    publisher stopped; VOD end) */
	RTMP_CLIENT_EV_STREAM_RECORDED,	 /* User Control: VOD */
	RTMP_CLIENT_EV_PLAY_START,	 /* NetStream.Play.Start */
	RTMP_CLIENT_EV_STREAM_NOT_FOUND, /* NetStream.Play.StreamNotFound */
	RTMP_CLIENT_EV_PLAY_STOP,	 /* Play.Stop or Play.Complete */
	RTMP_CLIENT_EV_UNPUBLISH,	 /* Play.UnpublishNotify */
	RTMP_CLIENT_EV_PUBLISH_START,	 /* NetStream.Publish.Start */
	RTMP_CLIENT_EV_STATUS,		 /* other onStatus (Play.Reset,
					    Seek.Notify, PublishNotify...) */
	RTMP_CLIENT_EV_ERROR,		 /* _error, or onStatus level error */
	RTMP_CLIENT_EV_MEDIA,		 /* audio, video, data, aggregate */
};

/*
 * What the origin did. Fields not used by a type are zero.
 *  value:     CHUNK_SIZE: the size; ABORT: the csid;
 *  stream_id: STREAM_CREATED, user control events, MEDIA;
 *  duration:  STREAM_LENGTH, as sent (seconds for nginx-rtmp/SRS);
 *  code, description: onStatus/_error info (copied, truncated);
 *  msg:       MEDIA: the handled message (borrowed: valid as long as the
 *             caller's message is), to forward.
 */
struct rtmp_client_event {
	enum rtmp_client_event_type type;
	uint32_t value;
	uint32_t stream_id;
	double duration;
	char code[RTMP_CLIENT_CODE_MAX];
	char description[RTMP_CLIENT_DESC_MAX];
	const struct rtmp_msg *msg;
};

struct rtmp_client {
	enum rtmp_client_mode mode;
	enum rtmp_client_state state;
	char app[RTMP_CMD_APP_MAX];
	char tc_url[RTMP_CMD_URL_MAX];
	char flash_ver[RTMP_CMD_SHORT_MAX];
	char name[RTMP_CMD_NAME_MAX];
	char pub_type[RTMP_CMD_SHORT_MAX];
	double start;
	uint32_t chunk_size, window_ack_size, buffer_ms;
	bool get_stream_length;
	/* Transaction ids: next to use, and those whose reply matters. */
	double next_tid;
	double tid_connect, tid_create, tid_length, tid_start;
	uint32_t stream_id; /* from createStream's _result; 0 before */
	/* Acknowledgements (see the overview). */
	uint32_t ack_window; /* origin's Window Ack Size; 0 = none yet */
	uint64_t in_bytes, in_acked;
	/* Set Peer Bandwidth as last applied. */
	uint32_t peer_bw;
	uint8_t peer_bw_limit; /* 0xff before the first one */
	uint64_t malformed;    /* messages refused as malformed */
	const char *reason;    /* why the last one was; static string */
};

/* nginx-rtmp's edge values (rtmp.md 7) with `mode` PLAY, live. */
void rtmp_client_conf_default(struct rtmp_client_conf *conf);

/*
 * Set up `c` from `conf` (borrowed; strings copied). Returns RC_OK;
 * RC_MALFORMED if app, tc_url or name is NULL or app/name empty;
 * RC_LIMIT if a string exceeds its field. flash_ver NULL means
 * "LNX 9,0,124,2".
 */
int rtmp_client_init(struct rtmp_client *c,
    const struct rtmp_client_conf *conf);

/*
 * Append the opening messages: Set Chunk Size, Window Ack Size (each if
 * configured), connect(1, {app, [type nonprivate,] flashVer, tcUrl,
 * [fpad, capabilities, audioCodecs, videoCodecs, videoFunction,]
 * objectEncoding 0}) (the bracketed parts for PUBLISH / PLAY as ffmpeg).
 * Returns RC_OK; RC_MALFORMED if already started; RC_LIMIT if `out` is
 * full (nothing appended then).
 */
int rtmp_client_start(struct rtmp_client *c, struct rtmp_cmd_out *out);

/*
 * Handle one message `m` (borrowed) from the origin: append what must be
 * sent (PingResponse, createStream, play ...) to `out` and describe it in
 * `ev`. Returns RC_OK (ev->type may be NONE); RC_MALFORMED (see the
 * overview; ev->type NONE, nothing appended); RC_LIMIT if `out` is full
 * or the AMF has too many values; RC_UNSUPPORTED for AMF3 values.
 */
int rtmp_client_handle(struct rtmp_client *c, const struct rtmp_msg *m,
    struct rtmp_cmd_out *out, struct rtmp_client_event *ev);

/*
 * Count `n` bytes read from the origin's socket (handshake excluded) and
 * append an Acknowledgement if one is due. RC_OK or RC_LIMIT (out full;
 * the ack stays due).
 */
int rtmp_client_received(struct rtmp_client *c, size_t n,
    struct rtmp_cmd_out *out);

/*
 * VOD forwarding on the played stream: pause(tid, null, pause, ms) and
 * seek(tid, null, ms). RC_OK; RC_NOTFOUND before the stream exists or
 * when publishing; RC_LIMIT if `out` is full.
 */
int rtmp_client_pause(struct rtmp_client *c, struct rtmp_cmd_out *out,
    bool pause, double ms);
int rtmp_client_seek(struct rtmp_client *c, struct rtmp_cmd_out *out,
    double ms);

/*
 * Close the upstream stream: FCUnpublish(tid, null, name) when
 * publishing, then deleteStream(tid, null, sid) on csid 3, stream 0;
 * the state becomes CLOSED. RC_OK (nothing appended if no stream was
 * created); RC_LIMIT if `out` is full.
 */
int rtmp_client_close(struct rtmp_client *c, struct rtmp_cmd_out *out);

/* Short stable names; never NULL. */
const char *rtmp_client_event_str(enum rtmp_client_event_type type);
const char *rtmp_client_state_str(enum rtmp_client_state state);

#endif
