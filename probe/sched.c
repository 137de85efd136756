#include "config.h"

#include "probe/sched.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"

struct sched_slot {
	struct sched *s;
	unsigned edge;
	enum check_kind kind;
	struct check_target target;
	uint64_t interval_us;
	unsigned jitter_pct;
	struct event *timer;
	struct check_run *run; /* in flight, or NULL */
};

struct sched {
	struct event_base *base;
	sched_start_cb_t start;
	sched_done_cb_t done;
	void *arg;
	struct sched_slot **slots;
	size_t nslots, cap;
	struct sched_stats stats;
};

static void sched_timer_cb(evutil_socket_t fd, short what, void *arg);
static void sched_slot_fire(struct sched_slot *sl);
static void sched_done_cb(void *arg, const struct check_outcome *o);
static void sched_arm(struct sched_slot *sl, uint64_t interval_us,
    unsigned jitter_pct);

struct sched *
sched_new(struct event_base *base, sched_start_cb_t start, sched_done_cb_t done,
    void *arg)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->base = base;
	s->start = start;
	s->done = done;
	s->arg = arg;
	return s;
}

static void
sched_arm(struct sched_slot *sl, uint64_t interval_us, unsigned jitter_pct)
{
	struct timeval tv;
	uint64_t rnd = 0;

	if (jitter_pct > 0)
		evutil_secure_rng_get_bytes(&rnd, sizeof(rnd));
	tv = loop_timeval(loop_jitter(interval_us, jitter_pct, rnd));
	if (evtimer_add(sl->timer, &tv) != 0)
		log_warnx("sched: edge %s: %s: cannot arm the timer",
		    sl->target.edge, check_kind_str(sl->kind));
}

int
sched_add(struct sched *s, unsigned edge, enum check_kind k,
    const struct check_target *t, uint64_t interval_us, unsigned jitter_pct)
{
	struct sched_slot *sl;

	if (interval_us == 0 || (unsigned)k >= CHECK_KIND_MAX) {
		log_warnx("sched: edge %s: bad interval or kind", t->edge);
		return -1;
	}
	sl = xcalloc(1, sizeof(*sl));
	sl->s = s;
	sl->edge = edge;
	sl->kind = k;
	sl->target = *t;
	sl->interval_us = interval_us;
	sl->jitter_pct = jitter_pct > 100 ? 100 : jitter_pct;
	sl->timer = evtimer_new(s->base, sched_timer_cb, sl);
	if (sl->timer == NULL) {
		log_warnx("sched: edge %s: evtimer_new failed", t->edge);
		free(sl);
		return -1;
	}
	if (s->nslots == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->slots = xreallocarray(s->slots, s->cap, sizeof(*s->slots));
	}
	s->slots[s->nslots] = sl;
	/* First turn anywhere in [0, interval]: half of it +/- 100%. */
	sched_arm(sl, interval_us / 2 > 0 ? interval_us / 2 : 1, 100);
	return (int)s->nslots++;
}

size_t
sched_count(const struct sched *s)
{
	return s->nslots;
}

static void
sched_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched_slot *sl = arg;

	(void)fd;
	(void)what;
	sched_arm(sl, sl->interval_us, sl->jitter_pct);
	sched_slot_fire(sl);
}

static void
sched_slot_fire(struct sched_slot *sl)
{
	struct sched *s = sl->s;

	if (sl->run != NULL) {
		s->stats.skipped++;
		log_debug("edge %s: %s: previous run still in flight, turn "
			  "skipped",
		    sl->target.edge, check_kind_str(sl->kind));
		return;
	}
	s->stats.started++;
	/*
	 * The callback never runs from inside start() (check.h), so `run`
	 * is set before it can be cleared.
	 */
	sl->run = s->start(s->base, sl->kind, &sl->target, sched_done_cb, sl);
}

void
sched_fire(struct sched *s, size_t slot)
{
	if (slot < s->nslots)
		sched_slot_fire(s->slots[slot]);
}

static void
sched_done_cb(void *arg, const struct check_outcome *o)
{
	struct sched_slot *sl = arg;
	struct sched *s = sl->s;

	sl->run = NULL;
	s->stats.done++;
	s->done(s->arg, sl->edge, sl->kind, o);
}

bool
sched_is_running(const struct sched *s, size_t slot)
{
	return slot < s->nslots && s->slots[slot]->run != NULL;
}

const struct sched_stats *
sched_stats(const struct sched *s)
{
	return &s->stats;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nslots; i++) {
		struct sched_slot *sl = s->slots[i];

		check_run_cancel(sl->run);
		event_free(sl->timer);
		free(sl);
	}
	free(s->slots);
	free(s);
}
