/*
 * stream: live stream caches and per-player queues (see stream.h).
 */
#include "config.h"

#include "edge/stream.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/rc.h"

static struct player_queue_entry *pq_at(struct player_queue *q, uint32_t i);
static void pq_grow(struct player_queue *q);
static void pq_append(struct player_queue *q, struct frame *f, uint32_t ts);
static bool pq_is_over(const struct player_queue *q, unsigned factor);
static uint32_t pq_drop_if(struct player_queue *q, unsigned prio_mask,
    uint32_t upto, bool until_fits);
static void pq_shed(struct player_queue *q);
static uint32_t pq_stamp(struct player_queue *q, const struct frame *f);
static void stream_gop_clear(struct stream *s);
static void stream_gop_add(struct stream *s, struct frame *f);
static void stream_keep(struct frame **slot, struct frame *f);

#define PQ_CAP_INITIAL 64u
#define PRIO_BIT(p) (1u << (p))

/* ---- Player queue ---- */

void
player_queue_init(struct player_queue *q, const struct player_queue_limits *lim)
{
	memset(q, 0, sizeof(*q));
	if (lim != NULL)
		q->lim = *lim;
	if (q->lim.max_frames == 0)
		q->lim.max_frames = PLAYER_QUEUE_MAX_FRAMES_DEFAULT;
	if (q->lim.max_bytes == 0)
		q->lim.max_bytes = PLAYER_QUEUE_MAX_BYTES_DEFAULT;
	if (q->lim.stall_us == 0)
		q->lim.stall_us = PLAYER_QUEUE_STALL_US_DEFAULT;
}

void
player_queue_fini(struct player_queue *q)
{
	assert(q->stream == NULL);
	while (q->count > 0)
		frame_unref(player_queue_pop(q, NULL));
	free(q->e);
	q->e = NULL;
	q->cap = q->head = 0;
}

static struct player_queue_entry *
pq_at(struct player_queue *q, uint32_t i)
{
	return &q->e[(q->head + i) % q->cap];
}

static void
pq_grow(struct player_queue *q)
{
	uint32_t ncap = q->cap ? q->cap * 2 : PQ_CAP_INITIAL;
	struct player_queue_entry *ne;
	uint32_t i;

	ne = xreallocarray(NULL, ncap, sizeof(*ne));
	for (i = 0; i < q->count; i++)
		ne[i] = *pq_at(q, i);
	free(q->e);
	q->e = ne;
	q->cap = ncap;
	q->head = 0;
}

static void
pq_append(struct player_queue *q, struct frame *f, uint32_t ts)
{
	struct player_queue_entry *e;

	if (q->count == q->cap)
		pq_grow(q);
	e = pq_at(q, q->count);
	e->f = frame_ref(f);
	e->ts = ts;
	q->count++;
	q->bytes += f->len;
}

static bool
pq_is_over(const struct player_queue *q, unsigned factor)
{
	return q->count > q->lim.max_frames * factor ||
	    q->bytes > q->lim.max_bytes * factor;
}

/*
 * Drop entries whose priority is in prio_mask among the first `upto`,
 * oldest first, compacting the ring in place. With until_fits, stop as
 * soon as the queue is within its limits. Returns how many were dropped.
 */
static uint32_t
pq_drop_if(struct player_queue *q, unsigned prio_mask, uint32_t upto,
    bool until_fits)
{
	uint32_t i, w = 0, n = q->count, dropped = 0;
	struct player_queue_entry *e;
	enum frame_prio p;

	for (i = 0; i < n; i++) {
		e = pq_at(q, i);
		p = frame_prio(e->f);
		if (i < upto && (prio_mask & PRIO_BIT(p)) &&
		    !(until_fits && !pq_is_over(q, 1))) {
			q->drops[p]++;
			q->drop_bytes += e->f->len;
			q->bytes -= e->f->len;
			q->count--;
			frame_unref(e->f);
			dropped++;
			continue;
		}
		if (w != i)
			*pq_at(q, w) = *e;
		w++;
	}
	return dropped;
}

static void
pq_shed(struct player_queue *q)
{
	const unsigned video =
	    PRIO_BIT(FRAME_PRIO_DISPOSABLE) | PRIO_BIT(FRAME_PRIO_VIDEO);
	uint32_t i, key = 0;
	struct player_queue_entry *e;

	pq_drop_if(q, PRIO_BIT(FRAME_PRIO_DISPOSABLE), q->count, false);
	if (!pq_is_over(q, 1))
		return;
	/* Skip to the newest queued key frame, if any... */
	for (i = 0; i < q->count; i++) {
		e = pq_at(q, i);
		if (e->f->type == FRAME_VIDEO && frame_is_key(e->f))
			key = i;
	}
	pq_drop_if(q, video, key, false);
	if (!pq_is_over(q, 1))
		return;
	/* ...else drop all video and wait for the next one. */
	if (pq_drop_if(q, video, q->count, false) > 0)
		q->wait_key = true;
	if (!pq_is_over(q, 1))
		return;
	pq_drop_if(q, PRIO_BIT(FRAME_PRIO_AUDIO), q->count, true);
}

/* Rebased, monotonic timestamp for f on this player's timeline. */
static uint32_t
pq_stamp(struct player_queue *q, const struct frame *f)
{
	uint32_t ts;

	if (f->type != FRAME_DATA && !frame_is_seq_header(f) &&
	    (!q->started || q->rebase)) {
		q->ts_offset =
		    q->last_ts + (q->started ? 1u : 0u) - f->timestamp;
		q->started = true;
		q->rebase = false;
	}
	if (!q->started || q->rebase)
		return q->last_ts;
	ts = f->timestamp + q->ts_offset;
	if ((int32_t)(ts - q->last_ts) < 0)
		ts = q->last_ts;
	q->last_ts = ts;
	return ts;
}

int
player_queue_push(struct player_queue *q, struct frame *f, uint64_t now)
{
	enum frame_prio p = frame_prio(f);

	if (q->overflowed) {
		q->drops[p]++;
		q->drop_bytes += f->len;
		return RC_LIMIT;
	}
	if (q->wait_key && f->type == FRAME_VIDEO && p != FRAME_PRIO_CONTROL) {
		if (!frame_is_key(f)) {
			q->skipped++;
			return RC_OK;
		}
		q->wait_key = false;
	}
	pq_append(q, f, pq_stamp(q, f));
	if (!pq_is_over(q, 1))
		return RC_OK;
	if (!q->over) {
		q->over = true;
		q->over_since = now;
	}
	pq_shed(q);
	if (pq_is_over(q, 2)) {
		q->overflowed = true;
		return RC_LIMIT;
	}
	return RC_OK;
}

struct frame *
player_queue_pop(struct player_queue *q, uint32_t *ts)
{
	struct player_queue_entry *e;

	if (q->count == 0)
		return NULL;
	e = pq_at(q, 0);
	q->head = (q->head + 1) % q->cap;
	q->count--;
	q->bytes -= e->f->len;
	q->frames_out++;
	if (ts != NULL)
		*ts = e->ts;
	if (q->over && q->count <= q->lim.max_frames / 2 &&
	    q->bytes <= q->lim.max_bytes / 2)
		q->over = false;
	return e->f;
}

bool
player_queue_is_stalled(const struct player_queue *q, uint64_t now)
{
	return q->overflowed ||
	    (q->over && now - q->over_since >= q->lim.stall_us);
}

void
player_queue_rebase(struct player_queue *q)
{
	if (q->started) {
		q->rebase = true;
		q->wait_key = true; /* the new upstream's GOP starts fresh */
	}
}

uint64_t
player_queue_drops(const struct player_queue *q)
{
	return q->drops[0] + q->drops[1] + q->drops[2] + q->drops[3];
}

/* ---- Stream caches ---- */

void
stream_init(struct stream *s, const struct stream_limits *lim)
{
	memset(s, 0, sizeof(*s));
	if (lim != NULL)
		s->lim = *lim;
	if (s->lim.gop_max_frames == 0)
		s->lim.gop_max_frames = STREAM_GOP_MAX_FRAMES_DEFAULT;
	if (s->lim.gop_max_bytes == 0)
		s->lim.gop_max_bytes = STREAM_GOP_MAX_BYTES_DEFAULT;
}

void
stream_fini(struct stream *s)
{
	while (s->players != NULL)
		stream_unsubscribe(s, s->players);
	stream_gop_clear(s);
	free(s->gop);
	s->gop = NULL;
	s->gop_cap = 0;
	stream_keep(&s->metadata, NULL);
	stream_keep(&s->audio_sh, NULL);
	stream_keep(&s->video_sh, NULL);
}

/* Replace the reference in *slot with one to f (may be NULL). */
static void
stream_keep(struct frame **slot, struct frame *f)
{
	frame_unref(*slot);
	*slot = f != NULL ? frame_ref(f) : NULL;
}

static void
stream_gop_clear(struct stream *s)
{
	uint32_t i;

	for (i = 0; i < s->gop_count; i++)
		frame_unref(s->gop[i]);
	s->gop_count = 0;
	s->gop_bytes = 0;
	s->gop_valid = false;
}

static void
stream_gop_add(struct stream *s, struct frame *f)
{
	if (f->type == FRAME_VIDEO && frame_is_key(f))
		stream_gop_clear(s);
	if (!(f->type == FRAME_VIDEO && frame_is_key(f)) && !s->gop_valid)
		return; /* no key frame to start from */
	if (s->gop_count == s->gop_cap) {
		s->gop_cap = s->gop_cap ? s->gop_cap * 2 : 64;
		s->gop = xreallocarray(s->gop, s->gop_cap, sizeof(*s->gop));
	}
	s->gop[s->gop_count++] = frame_ref(f);
	s->gop_bytes += f->len;
	s->gop_valid = true;
	if (s->gop_count > s->lim.gop_max_frames ||
	    s->gop_bytes > s->lim.gop_max_bytes) {
		/* Too long a GOP: drop it, start again at the next key. */
		stream_gop_clear(s);
		s->gop_overflows++;
	}
}

void
stream_publish_frame(struct stream *s, struct frame *f, uint64_t now)
{
	struct player_queue *q;

	s->frames_in++;
	s->bytes_in += f->len;
	if (frame_is_metadata(f))
		stream_keep(&s->metadata, f);
	else if (frame_is_seq_header(f))
		stream_keep(
		    f->type == FRAME_AUDIO ? &s->audio_sh : &s->video_sh, f);
	else if (f->type != FRAME_DATA)
		stream_gop_add(s, f);
	for (q = s->players; q != NULL; q = q->next)
		(void)player_queue_push(q, f, now);
}

/* ---- Players ---- */

void
stream_subscribe(struct stream *s, struct player_queue *q, uint64_t now)
{
	uint32_t i;

	assert(q->stream == NULL);
	q->stream = s;
	q->prev = NULL;
	q->next = s->players;
	if (s->players != NULL)
		s->players->prev = q;
	s->players = q;
	s->nplayers++;
	s->players_total++;

	if (s->metadata != NULL)
		(void)player_queue_push(q, s->metadata, now);
	if (s->audio_sh != NULL)
		(void)player_queue_push(q, s->audio_sh, now);
	if (s->video_sh != NULL)
		(void)player_queue_push(q, s->video_sh, now);
	if (!s->gop_valid) {
		q->wait_key = true; /* video starts at the next key frame */
		return;
	}
	for (i = 0; i < s->gop_count; i++)
		(void)player_queue_push(q, s->gop[i], now);
}

void
stream_unsubscribe(struct stream *s, struct player_queue *q)
{
	assert(q->stream == s);
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		s->players = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
	q->stream = NULL;
	s->nplayers--;
	while (q->count > 0)
		frame_unref(player_queue_pop(q, NULL));
}

void
stream_upstream_reset(struct stream *s)
{
	struct player_queue *q;

	stream_gop_clear(s);
	for (q = s->players; q != NULL; q = q->next)
		player_queue_rebase(q);
}
