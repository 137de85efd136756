#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/rc.h"
#include "edge/stream.h"

static struct frame *mk(char kind, uint32_t ts, size_t len);
static void pub(struct stream *s, char kind, uint32_t ts, size_t len,
    uint64_t now);
static void expect_queue(struct player_queue *q, const char *kinds,
    const uint32_t *ts);
static char kind_of(const struct frame *f);
static void test_stream_subscribe_order(void **state);
static void test_stream_gop_cache_resets_at_key(void **state);
static void test_stream_gop_cache_byte_and_frame_limits(void **state);
static void test_stream_subscribe_without_gop_waits_for_key(void **state);
static void test_player_queue_push_drops_by_priority(void **state);
static void test_player_queue_push_skips_to_queued_key(void **state);
static void test_player_queue_push_audio_last_then_overflow(void **state);
static void test_player_queue_is_stalled(void **state);
static void test_stream_upstream_reset_monotonic(void **state);
static void test_stream_upstream_reset_waits_key(void **state);
static void test_player_queue_push_wraps_and_clamps(void **state);
static void test_stream_refcounts(void **state);

/*
 * Frame kinds: M metadata, V video sequence header, A audio sequence
 * header, K key frame, I inter frame, D disposable frame, a audio frame,
 * c other data (onCuePoint).
 */
static struct frame *
mk(char kind, uint32_t ts, size_t len)
{
	static const uint8_t meta[] = { 0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e',
		't', 'a', 'D', 'a', 't', 'a', 0x05 };
	static const uint8_t cue[] = { 0x02, 0x00, 0x0a, 'o', 'n', 'C', 'u',
		'e', 'P', 'o', 'i', 'n', 't', 0x05 };
	uint8_t b[4096] = { 0 };
	struct rtmp_msg m = { .timestamp = ts, .payload = b };
	struct frame *f;

	assert_true(len >= 16 && len <= sizeof(b));
	m.len = len;
	m.type = 9;
	switch (kind) {
	case 'M':
		m.type = 18;
		memcpy(b, meta, sizeof(meta));
		break;
	case 'c':
		m.type = 18;
		memcpy(b, cue, sizeof(cue));
		break;
	case 'V':
		b[0] = 0x17;
		break;
	case 'K':
		b[0] = 0x17, b[1] = 1;
		break;
	case 'I':
		b[0] = 0x27, b[1] = 1;
		break;
	case 'D':
		b[0] = 0x37, b[1] = 1;
		break;
	case 'A':
		m.type = 8, b[0] = 0xaf;
		break;
	case 'a':
		m.type = 8, b[0] = 0xaf, b[1] = 1;
		break;
	default:
		fail();
	}
	f = frame_new(&m);
	assert_non_null(f);
	assert_int_equal(kind_of(f), kind);
	return f;
}

static char
kind_of(const struct frame *f)
{
	if (frame_is_metadata(f))
		return 'M';
	if (f->type == FRAME_DATA)
		return 'c';
	if (f->type == FRAME_AUDIO)
		return frame_is_seq_header(f) ? 'A' : 'a';
	if (frame_is_seq_header(f))
		return 'V';
	if (frame_is_key(f))
		return 'K';
	return frame_is_disposable(f) ? 'D' : 'I';
}

static void
pub(struct stream *s, char kind, uint32_t ts, size_t len, uint64_t now)
{
	struct frame *f = mk(kind, ts, len);

	stream_publish_frame(s, f, now);
	frame_unref(f);
}

/* Pop everything; kinds and (if ts != NULL) timestamps must match. */
static void
expect_queue(struct player_queue *q, const char *kinds, const uint32_t *ts)
{
	struct frame *f;
	uint32_t t;
	size_t i;

	for (i = 0; kinds[i] != '\0'; i++) {
		f = player_queue_pop(q, &t);
		if (f == NULL)
			fail_msg("entry %zu: queue empty, want %c", i,
			    kinds[i]);
		if (kind_of(f) != kinds[i] || (ts != NULL && t != ts[i]))
			fail_msg("entry %zu: %c@%u, want %c@%u", i, kind_of(f),
			    t, kinds[i], ts ? ts[i] : 0);
		frame_unref(f);
	}
	assert_null(player_queue_pop(q, NULL));
	assert_int_equal(q->bytes, 0);
}

static void
test_stream_subscribe_order(void **state)
{
	static const uint32_t ts[] = { 0, 0, 0, 0, 10, 20, 30 };
	struct stream s;
	struct player_queue q;

	(void)state;
	stream_init(&s, NULL);
	pub(&s, 'I', 900, 100, 0); /* before any key: not cached */
	pub(&s, 'V', 0, 40, 0);
	pub(&s, 'A', 0, 16, 0);
	pub(&s, 'M', 0, 50, 0);
	pub(&s, 'K', 1000, 300, 0);
	pub(&s, 'a', 1010, 20, 0);
	pub(&s, 'D', 1020, 100, 0);
	assert_int_equal(s.gop_count, 3);

	player_queue_init(&q, NULL);
	stream_subscribe(&s, &q, 0);
	assert_int_equal(s.nplayers, 1);
	pub(&s, 'I', 1030, 100, 0);
	expect_queue(&q, "MAVKaDI", ts);
	assert_int_equal(player_queue_drops(&q), 0);
	assert_int_equal(s.frames_in, 8);
	assert_int_equal(s.bytes_in, 100 + 40 + 16 + 50 + 300 + 20 + 100 + 100);

	stream_unsubscribe(&s, &q);
	assert_int_equal(s.nplayers, 0);
	assert_int_equal(s.players_total, 1);
	player_queue_fini(&q);
	stream_fini(&s);
}

static void
test_stream_gop_cache_resets_at_key(void **state)
{
	struct stream s;

	(void)state;
	stream_init(&s, NULL);
	pub(&s, 'a', 5, 20, 0);
	assert_int_equal(s.gop_count, 0);
	pub(&s, 'K', 10, 100, 0);
	pub(&s, 'I', 20, 50, 0);
	pub(&s, 'a', 25, 20, 0);
	pub(&s, 'c', 26, 20, 0); /* data: not cached */
	pub(&s, 'V', 27, 20, 0); /* header: kept outside the GOP */
	assert_int_equal(s.gop_count, 3);
	assert_int_equal(s.gop_bytes, 170);
	pub(&s, 'K', 30, 200, 0);
	assert_int_equal(s.gop_count, 1);
	assert_int_equal(s.gop_bytes, 200);
	assert_int_equal(kind_of(s.gop[0]), 'K');
	assert_int_equal(s.gop[0]->timestamp, 30);
	assert_non_null(s.video_sh);
	assert_null(s.audio_sh);
	stream_fini(&s);
}

static void
test_stream_gop_cache_byte_and_frame_limits(void **state)
{
	struct stream_limits lim = { .gop_max_frames = 4,
		.gop_max_bytes = 1000 };
	struct stream s;

	(void)state;
	stream_init(&s, &lim);
	pub(&s, 'K', 0, 400, 0);
	pub(&s, 'I', 40, 400, 0);
	assert_int_equal(s.gop_count, 2);
	pub(&s, 'I', 80, 400, 0); /* 1200 > 1000: the GOP goes */
	assert_int_equal(s.gop_count, 0);
	assert_false(s.gop_valid);
	assert_int_equal(s.gop_overflows, 1);
	pub(&s, 'I', 120, 100, 0); /* no key to start from */
	assert_int_equal(s.gop_count, 0);
	pub(&s, 'K', 160, 100, 0);
	pub(&s, 'I', 200, 16, 0);
	pub(&s, 'a', 210, 16, 0);
	pub(&s, 'I', 240, 16, 0);
	assert_int_equal(s.gop_count, 4);
	pub(&s, 'D', 280, 16, 0); /* 5 frames > 4 */
	assert_int_equal(s.gop_count, 0);
	assert_int_equal(s.gop_overflows, 2);
	stream_fini(&s);
}

static void
test_stream_subscribe_without_gop_waits_for_key(void **state)
{
	static const uint32_t ts[] = { 0, 0, 40, 80 };
	struct stream s;
	struct player_queue q;

	(void)state;
	stream_init(&s, NULL);
	pub(&s, 'V', 0, 40, 0);
	pub(&s, 'I', 960, 100, 0);
	player_queue_init(&q, NULL);
	stream_subscribe(&s, &q, 0);
	pub(&s, 'I', 1000, 100, 0);
	pub(&s, 'a', 1000, 20, 0);
	pub(&s, 'D', 1020, 100, 0);
	pub(&s, 'K', 1040, 100, 0);
	pub(&s, 'I', 1080, 100, 0);
	assert_int_equal(q.skipped, 2);
	expect_queue(&q, "VaKI", ts);
	stream_unsubscribe(&s, &q);
	player_queue_fini(&q);
	stream_fini(&s);
}

/*
 * A slow player (never drains, 8 frames) next to a fast one (defaults,
 * drained): the slow one sheds disposable frames first, then skips to the
 * next key frame, never loses headers or metadata; the fast one gets all.
 */
static void
test_player_queue_push_drops_by_priority(void **state)
{
	struct player_queue_limits lim = { .max_frames = 8 };
	struct stream s;
	struct player_queue slow, fast;
	struct frame *f;
	uint64_t got = 0;
	const char *seq = "MVAKDIDIaII"
			  "IK";
	size_t i;

	(void)state;
	stream_init(&s, NULL);
	player_queue_init(&slow, &lim);
	player_queue_init(&fast, NULL);
	stream_subscribe(&s, &slow, 0);
	stream_subscribe(&s, &fast, 0);
	for (i = 0; seq[i] != '\0'; i++) {
		pub(&s, seq[i], (uint32_t)(i * 10), 100, i);
		while ((f = player_queue_pop(&fast, NULL)) != NULL) {
			assert_int_equal(kind_of(f), seq[i]);
			frame_unref(f);
			got++;
		}
		if (i == 8) { /* "a": 9 > 8, the two D go */
			assert_int_equal(slow.drops[FRAME_PRIO_DISPOSABLE], 2);
			assert_int_equal(slow.count, 7);
			assert_true(slow.over);
			assert_int_equal(slow.over_since, 8);
		}
		if (i == 10) { /* no D left: all video, wait for a key */
			assert_int_equal(slow.drops[FRAME_PRIO_VIDEO], 5);
			assert_true(slow.wait_key);
		}
	}
	assert_int_equal(got, strlen(seq));
	assert_int_equal(player_queue_drops(&fast), 0);
	assert_int_equal(slow.skipped, 1);
	assert_int_equal(slow.drops[FRAME_PRIO_AUDIO], 0);
	assert_int_equal(slow.drops[FRAME_PRIO_CONTROL], 0);
	assert_int_equal(player_queue_drops(&slow), 7);
	assert_int_equal(slow.drop_bytes, 700);
	assert_false(slow.wait_key);
	expect_queue(&slow, "MVAaK", NULL);

	stream_fini(&s); /* unsubscribes both */
	assert_null(slow.stream);
	assert_null(fast.stream);
	player_queue_fini(&slow);
	player_queue_fini(&fast);
}

/* Video before the newest queued key frame goes before the key itself. */
static void
test_player_queue_push_skips_to_queued_key(void **state)
{
	struct player_queue_limits lim = { .max_frames = 5 };
	struct player_queue q;
	const char *seq = "VKIIKI";
	struct frame *f;
	size_t i;

	(void)state;
	player_queue_init(&q, &lim);
	for (i = 0; seq[i] != '\0'; i++) {
		f = mk(seq[i], (uint32_t)(i * 40), 16);
		assert_int_equal(player_queue_push(&q, f, 0), RC_OK);
		frame_unref(f);
	}
	assert_int_equal(q.drops[FRAME_PRIO_VIDEO], 3);
	assert_false(q.wait_key);
	expect_queue(&q, "VKI", NULL);
	player_queue_fini(&q);
}

/* Audio goes only as a last resort; control overflow marks the queue. */
static void
test_player_queue_push_audio_last_then_overflow(void **state)
{
	struct player_queue_limits lim = { .max_frames = 4 };
	struct player_queue q;
	const char *seq = "MVAaa";
	struct frame *f;
	size_t i;

	(void)state;
	player_queue_init(&q, &lim);
	for (i = 0; seq[i] != '\0'; i++) {
		f = mk(seq[i], (uint32_t)(i * 20), 16);
		assert_int_equal(player_queue_push(&q, f, 0), RC_OK);
		frame_unref(f);
	}
	assert_int_equal(q.drops[FRAME_PRIO_AUDIO], 1);
	assert_false(q.wait_key); /* no video was dropped */
	assert_int_equal(q.count, 4);
	/* Control frames are never dropped, up to twice the limit. */
	for (i = 0; i < 5; i++) {
		f = mk('M', 0, 16);
		assert_int_equal(player_queue_push(&q, f, 0), RC_OK);
		frame_unref(f);
	}
	assert_int_equal(q.drops[FRAME_PRIO_AUDIO], 2);
	assert_false(player_queue_is_stalled(&q, 0));
	f = mk('M', 0, 16);
	assert_int_equal(player_queue_push(&q, f, 0), RC_LIMIT);
	assert_true(q.overflowed);
	assert_true(player_queue_is_stalled(&q, 0));
	assert_int_equal(player_queue_push(&q, f, 0), RC_LIMIT);
	frame_unref(f);
	assert_int_equal(q.drops[FRAME_PRIO_CONTROL], 1);
	/* The frame that overflowed stays; later ones are refused. */
	expect_queue(&q, "MVAMMMMMM", NULL);
	player_queue_fini(&q);
}

static void
test_player_queue_is_stalled(void **state)
{
	struct player_queue_limits lim = { .max_frames = 4, .stall_us = 1000 };
	struct player_queue q;
	struct frame *f;
	uint64_t now;
	int i;

	(void)state;
	player_queue_init(&q, &lim);
	f = mk('a', 0, 16);
	for (i = 0; i < 4; i++)
		assert_int_equal(player_queue_push(&q, f, 50), RC_OK);
	assert_false(q.over);
	assert_int_equal(player_queue_push(&q, f, 100), RC_OK);
	assert_true(q.over);
	for (now = 200; now < 1100; now += 100) {
		assert_int_equal(player_queue_push(&q, f, now), RC_OK);
		assert_false(player_queue_is_stalled(&q, now));
	}
	assert_false(player_queue_is_stalled(&q, 1099));
	assert_true(player_queue_is_stalled(&q, 1100));
	/* Draining one frame is not enough, draining to half is. */
	frame_unref(player_queue_pop(&q, NULL));
	assert_true(player_queue_is_stalled(&q, 1200));
	frame_unref(player_queue_pop(&q, NULL));
	assert_false(player_queue_is_stalled(&q, 1200));
	/* A new overflow starts a new clock. */
	for (i = 0; i < 3; i++)
		assert_int_equal(player_queue_push(&q, f, 5000), RC_OK);
	assert_false(player_queue_is_stalled(&q, 5999));
	assert_true(player_queue_is_stalled(&q, 6000));
	frame_unref(f);
	player_queue_fini(&q);
}

/* A new upstream with its own clock: time continues after the last. */
static void
test_stream_upstream_reset_monotonic(void **state)
{
	static const uint32_t ts[] = { 0, 0, 40, 80, 80, 80, 81, 121, 141 };
	struct stream s;
	struct player_queue q;

	(void)state;
	stream_init(&s, NULL);
	player_queue_init(&q, NULL);
	stream_subscribe(&s, &q, 0);
	pub(&s, 'V', 0, 40, 0);
	pub(&s, 'K', 5000, 100, 0);
	pub(&s, 'I', 5040, 100, 0);
	pub(&s, 'I', 5080, 100, 0);
	stream_upstream_reset(&s);
	assert_int_equal(s.gop_count, 0);
	assert_non_null(s.video_sh);
	pub(&s, 'M', 0, 40, 0);
	pub(&s, 'V', 0, 40, 0);
	pub(&s, 'K', 100, 100, 0);
	pub(&s, 'I', 140, 100, 0);
	pub(&s, 'a', 160, 20, 0);
	expect_queue(&q, "VKIIMVKIa", ts);
	/* A second reset before any media still continues monotonically. */
	stream_upstream_reset(&s);
	stream_upstream_reset(&s);
	pub(&s, 'a', 7, 20, 0);
	pub(&s, 'a', 30, 20, 0);
	{
		static const uint32_t ts2[] = { 142, 165 };
		expect_queue(&q, "aa", ts2);
	}
	stream_unsubscribe(&s, &q);
	player_queue_fini(&q);
	stream_fini(&s);
}

/*
 * After a failover, video resumes at the new origin's first key frame
 * (inter frames before it reference pictures the player never had);
 * audio and headers pass at once.
 */
static void
test_stream_upstream_reset_waits_key(void **state)
{
	static const uint32_t ts[] = { 0, 40, 40, 41, 61, 81 };
	struct stream s;
	struct player_queue q;

	(void)state;
	stream_init(&s, NULL);
	player_queue_init(&q, NULL);
	stream_subscribe(&s, &q, 0);
	pub(&s, 'K', 1000, 100, 0);
	pub(&s, 'I', 1040, 100, 0);
	stream_upstream_reset(&s);
	pub(&s, 'V', 0, 40, 0);
	pub(&s, 'I', 20, 100, 0); /* mid-GOP from the new origin: skipped */
	pub(&s, 'a', 20, 20, 0);
	pub(&s, 'K', 40, 100, 0);
	pub(&s, 'I', 60, 100, 0);
	expect_queue(&q, "KIVaKI", ts);
	assert_int_equal(q.skipped, 1);
	stream_unsubscribe(&s, &q);
	player_queue_fini(&q);
	stream_fini(&s);
}

/* Publisher time wraps at 2^32; small backward steps are clamped. */
static void
test_player_queue_push_wraps_and_clamps(void **state)
{
	static const struct {
		char kind;
		uint32_t in, out;
	} steps[] = {
		{ 'K', 0xfffffff0u, 0 },
		{ 'a', 0xfffffffau, 10 },
		{ 'I', 0x00000010u, 32 },
		{ 'a', 0x0000000cu, 32 }, /* 4 ms back: clamped */
		{ 'I', 0x00000030u, 64 },
	};
	struct player_queue q;
	struct frame *f;
	uint32_t ts;
	size_t i;

	(void)state;
	player_queue_init(&q, NULL);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		f = mk(steps[i].kind, steps[i].in, 16);
		assert_int_equal(player_queue_push(&q, f, 0), RC_OK);
		frame_unref(f);
		f = player_queue_pop(&q, &ts);
		assert_non_null(f);
		if (ts != steps[i].out)
			fail_msg("step %zu: %u, want %u", i, ts, steps[i].out);
		frame_unref(f);
	}
	player_queue_fini(&q);
}

/* Every holder's reference comes back, whatever path the frame took. */
static void
test_stream_refcounts(void **state)
{
	struct player_queue_limits lim = { .max_frames = 3 };
	struct stream s;
	struct player_queue q1, q2, q3;
	struct frame *sh = mk('V', 0, 16), *key = mk('K', 0, 16);
	struct frame *d = mk('D', 10, 16);

	(void)state;
	stream_init(&s, NULL);
	player_queue_init(&q1, NULL);
	player_queue_init(&q2, &lim);
	player_queue_init(&q3, NULL);
	stream_subscribe(&s, &q1, 0);
	stream_subscribe(&s, &q2, 0);
	stream_publish_frame(&s, sh, 0);
	stream_publish_frame(&s, key, 0);
	stream_publish_frame(&s, d, 0);
	stream_publish_frame(&s, d, 0); /* q2 over: sheds both D */
	/* sh: test, cache, q1, q2; key: test, GOP, q1, q2. */
	assert_int_equal(sh->refs, 4);
	assert_int_equal(key->refs, 4);
	assert_int_equal(d->refs, 1 + 2 + 2); /* test, GOP x2, q1 x2 */
	stream_subscribe(&s, &q3, 0);
	assert_int_equal(sh->refs, 5);
	assert_int_equal(d->refs, 7);
	stream_unsubscribe(&s, &q1);
	assert_int_equal(d->refs, 5);
	frame_unref(player_queue_pop(&q3, NULL));
	assert_int_equal(sh->refs, 3);
	pub(&s, 'K', 100, 16, 0); /* GOP cleared */
	assert_int_equal(key->refs, 3);
	assert_int_equal(d->refs, 3);
	stream_fini(&s);
	assert_int_equal(sh->refs, 1);
	assert_int_equal(key->refs, 1);
	assert_int_equal(d->refs, 1);
	player_queue_fini(&q1);
	player_queue_fini(&q2);
	player_queue_fini(&q3);
	frame_unref(sh);
	frame_unref(key);
	frame_unref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_subscribe_order),
		cmocka_unit_test(test_stream_gop_cache_resets_at_key),
		cmocka_unit_test(test_stream_gop_cache_byte_and_frame_limits),
		cmocka_unit_test(
		    test_stream_subscribe_without_gop_waits_for_key),
		cmocka_unit_test(test_player_queue_push_drops_by_priority),
		cmocka_unit_test(test_player_queue_push_skips_to_queued_key),
		cmocka_unit_test(
		    test_player_queue_push_audio_last_then_overflow),
		cmocka_unit_test(test_player_queue_is_stalled),
		cmocka_unit_test(test_stream_upstream_reset_monotonic),
		cmocka_unit_test(test_stream_upstream_reset_waits_key),
		cmocka_unit_test(test_player_queue_push_wraps_and_clamps),
		cmocka_unit_test(test_stream_refcounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
