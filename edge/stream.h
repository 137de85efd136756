/*
 * stream: one live stream on this edge, its caches and its players' queues.
 *
 * Users: the origin session feeds it (stream_publish_frame), each player
 * session owns one struct player_queue, subscribes it and drains it as its
 * socket allows. Pure data structures: no I/O, no clock; the caller passes
 * `now` (monotime_now() microseconds) where time matters. One event-loop
 * thread only.
 *
 * Lifecycle: stream_init when the first player asks for the stream,
 * stream_fini when the last one leaves (it unsubscribes any player still
 * there). player_queue_init when a player starts playing, stream_subscribe,
 * then player_queue_pop as the socket drains; stream_unsubscribe and
 * player_queue_fini when it goes.
 *
 * Design note. Frames (edge/frame.h) are refcounted: the stream holds one
 * reference for each cache slot and each player queue one per entry, so a
 * frame is written once and freed when the last holder lets go.
 *
 *   origin --frame--> stream_publish_frame
 *                      |-- metadata / audio SH / video SH (latest of each)
 *                      |-- GOP cache: [key][..][..]  (cleared at each key)
 *                      `-- every player_queue: [ts|frame][ts|frame]...
 *                                                   |
 *   stream_subscribe primes a new queue:            v  player_queue_pop
 *     metadata, audio SH, video SH, GOP from its key frame
 *
 * Order: metadata, audio sequence header, video sequence header, GOP (SRS
 * SrsMetaCache::dumps, see shared/reference/rtmp.md section 6), so a player
 * decodes from its first video frame.
 *
 * A player queue is bounded by frames and bytes. When a push takes it over
 * either limit it sheds, in this order, until it fits again:
 *   1. every disposable video frame (FLV frame type 3);
 *   2. all video queued before the newest queued key frame; if that is not
 *      enough, all video, and the queue then skips video until the next
 *      key frame (so the player resumes on a key frame, never mid-GOP);
 *   3. the oldest audio frames, one at a time;
 * never sequence headers, metadata or other data messages. Drops are
 * counted by kind (enum frame_prio). If control frames alone exceed twice
 * a limit, the queue is marked overflowed and refuses more frames.
 *
 * Stall: a queue is "over" from the first push that had to shed until it
 * drains below half of both limits. player_queue_is_stalled() says when it
 * has been over for longer than stall_us (or overflowed): the session then
 * disconnects the player. A slow player never holds up the publisher or
 * the other players; it only loses its own frames.
 *
 * Timestamps: each queue rebases its player's timeline so the first media
 * frame it gets is at 0, clamps it to be monotonic, and after an upstream
 * change (player_queue_rebase, stream_upstream_reset) continues 1 ms after
 * the last timestamp it queued. Control frames that arrive before the
 * first media frame of a timeline are stamped with the last timestamp.
 */
#ifndef EDGE_STREAM_H
#define EDGE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge/frame.h"

/* GOP cache (SRS gop_cache_max_frames is 2500). */
#define STREAM_GOP_MAX_FRAMES_DEFAULT 2500u
#define STREAM_GOP_MAX_BYTES_DEFAULT (16u << 20)

/*
 * Player queue. Keep these above the GOP cache's so a new player's GOP
 * burst fits. Bytes are shared frame bytes, not per-player memory (a queue
 * entry itself is 16 bytes).
 */
#define PLAYER_QUEUE_MAX_FRAMES_DEFAULT 4096u
#define PLAYER_QUEUE_MAX_BYTES_DEFAULT (24u << 20)
#define PLAYER_QUEUE_STALL_US_DEFAULT (10u * 1000000u) /* 10 s */

struct stream_limits {
	uint32_t gop_max_frames; /* 0 = default */
	size_t gop_max_bytes;	 /* 0 = default */
};

struct player_queue_limits {
	uint32_t max_frames; /* 0 = default */
	size_t max_bytes;    /* 0 = default */
	uint64_t stall_us;   /* 0 = default */
};

struct player_queue_entry {
	struct frame *f; /* one reference held by the queue */
	uint32_t ts;	 /* rebased timestamp for this player */
};

struct stream;

/* Per-player queue. Fields are read-only for callers. */
struct player_queue {
	struct player_queue_limits lim;
	struct player_queue_entry *e; /* ring of cap entries */
	uint32_t cap, head, count;
	size_t bytes; /* payload bytes queued */

	bool wait_key;	     /* skipping video until the next key frame */
	bool started;	     /* a media frame has set the timeline */
	bool rebase;	     /* next media frame continues after last_ts */
	bool over;	     /* over a limit, not yet drained to half */
	bool overflowed;     /* control frames alone over twice a limit */
	uint32_t ts_offset;  /* added (mod 2^32) to publisher time */
	uint32_t last_ts;    /* last timestamp queued */
	uint64_t over_since; /* `now` when `over` became true */

	uint64_t drops[4];   /* frames shed, indexed by enum frame_prio */
	uint64_t drop_bytes; /* payload bytes shed */
	uint64_t skipped;    /* video skipped while waiting for a key */
	uint64_t frames_out; /* frames popped */

	struct stream *stream; /* NULL when not subscribed */
	struct player_queue *prev, *next;
};

struct stream {
	struct stream_limits lim;
	struct frame *metadata; /* latest onMetaData, or NULL */
	struct frame *audio_sh; /* latest audio sequence header, or NULL */
	struct frame *video_sh; /* latest video sequence header, or NULL */

	struct frame **gop; /* gop_count frames from a key frame */
	uint32_t gop_count, gop_cap;
	size_t gop_bytes;
	bool gop_valid; /* gop[0] is a key frame */

	struct player_queue *players; /* doubly linked via prev/next */
	uint32_t nplayers;

	uint64_t frames_in, bytes_in; /* published */
	uint64_t players_total;	      /* subscriptions ever */
	uint64_t gop_overflows;	      /* GOP cache over a limit, dropped */
};

/* ---- Player queue ---- */

/*
 * Initialise an empty, unsubscribed queue. lim is copied; NULL or zero
 * fields mean the defaults above. Callable anywhere.
 */
void player_queue_init(struct player_queue *q,
    const struct player_queue_limits *lim);

/*
 * Release every queued reference and the ring. The queue must not be
 * subscribed (stream_unsubscribe first). Accepts an all-zero queue.
 */
void player_queue_fini(struct player_queue *q);

/*
 * Queue f (borrowed; the queue takes its own reference) for this player at
 * time `now`, shedding by priority if that takes the queue over a limit.
 * Returns RC_OK (queued, skipped while waiting for a key frame, or shed)
 * or RC_LIMIT when the queue has overflowed (nothing queued; the caller
 * should disconnect the player). stream_publish_frame calls this for every
 * subscriber; call it directly only for a queue not fed by a stream.
 */
int player_queue_push(struct player_queue *q, struct frame *f, uint64_t now);

/*
 * Take the oldest frame: returns it with the queue's reference passed to
 * the caller (frame_unref when written) and its rebased time in *ts, or
 * NULL when empty. ts may be NULL.
 */
struct frame *player_queue_pop(struct player_queue *q, uint32_t *ts);

/*
 * True when the queue has been over its limits for at least stall_us at
 * `now`, or has overflowed: the session should disconnect the player.
 */
bool player_queue_is_stalled(const struct player_queue *q, uint64_t now);

/*
 * The upstream was replaced: the next media frame is stamped 1 ms after
 * the last timestamp queued, whatever the new publisher's clock says.
 */
void player_queue_rebase(struct player_queue *q);

/* Total frames shed (all kinds). */
uint64_t player_queue_drops(const struct player_queue *q);

/* ---- Stream ---- */

/* Initialise an empty stream; lim copied, NULL or zero fields = defaults. */
void stream_init(struct stream *s, const struct stream_limits *lim);

/*
 * Unsubscribe every remaining player (their queues are emptied, not
 * freed) and release every cached reference. Accepts an all-zero stream.
 */
void stream_fini(struct stream *s);

/*
 * A frame from the upstream (borrowed; the stream takes the references it
 * keeps): updates metadata / sequence headers / GOP cache and pushes it to
 * every subscriber. A player that overflows only loses its own frames;
 * the caller finds it with player_queue_is_stalled. Event callback.
 */
void stream_publish_frame(struct stream *s, struct frame *f, uint64_t now);

/*
 * Add q (initialised, not subscribed, normally empty) and prime it:
 * metadata, audio sequence header, video sequence header, then the GOP
 * cache from its key frame. Without a GOP cache the player gets video
 * from the next key frame. q stays owned by the caller.
 */
void stream_subscribe(struct stream *s, struct player_queue *q, uint64_t now);

/* Remove q and release every reference it holds. q must be subscribed. */
void stream_unsubscribe(struct stream *s, struct player_queue *q);

/*
 * The upstream (origin connection) was replaced: drop the GOP cache (old
 * timeline) and rebase every player so its time continues monotonically.
 * Headers are kept until the new upstream sends its own.
 */
void stream_upstream_reset(struct stream *s);

#endif /* EDGE_STREAM_H */
