#include "config.h"

#include "common/loop.h"

#include <event2/event.h>
#include <event2/util.h>
#include <signal.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/monotime.h"
#include "common/rc.h"

/* Shortest period a jittered timer fires at. */
#define LOOP_TIMER_MIN_US (1 * MONOTIME_MSEC)

struct loop_signal {
	struct loop_signal *next;
	struct event *ev;
	loop_signal_cb_t cb;
	void *arg;
};

struct loop {
	struct event_base *base;
	struct loop_signal *signals;
};

struct loop_timer {
	struct event *ev;
	uint64_t interval_us;
	unsigned jitter_pct;
	loop_timer_cb_t cb;
	void *arg;
};

static void loop_signal_cb(evutil_socket_t fd, short what, void *arg);
static void loop_timer_cb(evutil_socket_t fd, short what, void *arg);
static int loop_timer_arm(struct loop_timer *t);

struct loop *
loop_new(void)
{
	struct loop *l;

	l = xcalloc(1, sizeof(*l));
	l->base = event_base_new();
	if (l->base == NULL) {
		log_warnx("loop: event_base_new failed");
		free(l);
		return NULL;
	}
	signal(SIGPIPE, SIG_IGN);
	return l;
}

struct event_base *
loop_base(struct loop *l)
{
	return l->base;
}

static void
loop_signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_signal *s = arg;

	s->cb((int)fd, s->arg);
}

int
loop_on_signal(struct loop *l, int signo, loop_signal_cb_t cb, void *arg)
{
	struct loop_signal *s;

	s = xcalloc(1, sizeof(*s));
	s->cb = cb;
	s->arg = arg;
	s->ev = evsignal_new(l->base, signo, loop_signal_cb, s);
	if (s->ev == NULL || evsignal_add(s->ev, NULL) != 0) {
		log_warnx("loop: cannot handle signal %d", signo);
		if (s->ev != NULL)
			event_free(s->ev);
		free(s);
		return RC_ERROR;
	}
	s->next = l->signals;
	l->signals = s;
	return RC_OK;
}

int
loop_run(struct loop *l)
{
	if (event_base_dispatch(l->base) < 0) {
		log_warnx("loop: event_base_dispatch failed");
		return RC_ERROR;
	}
	return RC_OK;
}

void
loop_stop(struct loop *l)
{
	event_base_loopbreak(l->base);
}

void
loop_free(struct loop *l)
{
	struct loop_signal *s, *next;

	if (l == NULL)
		return;
	for (s = l->signals; s != NULL; s = next) {
		next = s->next;
		event_free(s->ev);
		free(s);
	}
	event_base_free(l->base);
	free(l);
}

/* ---- Jittered repeating timers ---- */

uint64_t
loop_jitter(uint64_t interval_us, unsigned jitter_pct, uint64_t rnd)
{
	uint64_t span, lo, off;

	if (jitter_pct > 100)
		jitter_pct = 100;
	/* Split the multiplication to stay clear of overflow. */
	span = interval_us / 100 * jitter_pct +
	    interval_us % 100 * jitter_pct / 100;
	lo = interval_us - span;
	/* rnd scaled onto [0, 2 * span] without 128-bit arithmetic. */
	if (span == 0)
		off = 0;
	else if (span > UINT64_MAX / 2)
		off = rnd;
	else
		off = rnd / (UINT64_MAX / (2 * span + 1) + 1);
	if (lo + off < LOOP_TIMER_MIN_US)
		return LOOP_TIMER_MIN_US;
	return lo + off;
}

static int
loop_timer_arm(struct loop_timer *t)
{
	struct timeval tv;
	uint64_t rnd = 0;

	if (t->jitter_pct > 0)
		evutil_secure_rng_get_bytes(&rnd, sizeof(rnd));
	tv = loop_timeval(loop_jitter(t->interval_us, t->jitter_pct, rnd));
	return evtimer_add(t->ev, &tv) == 0 ? RC_OK : RC_ERROR;
}

static void
loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *t = arg;

	/* Re-arm first: the callback may free the timer. */
	if (loop_timer_arm(t) != RC_OK)
		log_warnx("loop: cannot re-arm timer");
	t->cb(t->arg);
}

struct loop_timer *
loop_timer_new(struct loop *l, uint64_t interval_us, unsigned jitter_pct,
    loop_timer_cb_t cb, void *arg)
{
	struct loop_timer *t;

	if (interval_us == 0) {
		log_warnx("loop: timer interval must not be 0");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->interval_us = interval_us;
	t->jitter_pct = jitter_pct > 100 ? 100 : jitter_pct;
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(l->base, loop_timer_cb, t);
	if (t->ev == NULL || loop_timer_arm(t) != RC_OK) {
		log_warnx("loop: cannot add timer");
		goto fail;
	}
	return t;
fail:
	if (t->ev != NULL)
		event_free(t->ev);
	free(t);
	return NULL;
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

/* ---- One overall deadline for several waits ---- */

struct timeval
loop_timeval(uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / MONOTIME_SEC);
	tv.tv_usec = (suseconds_t)(us % MONOTIME_SEC);
	return tv;
}

void
loop_deadline_start(struct loop_deadline *d, uint64_t timeout_us)
{
	uint64_t now = monotime_now();

	d->at = timeout_us > UINT64_MAX - now ? UINT64_MAX : now + timeout_us;
}

uint64_t
loop_deadline_left_us(const struct loop_deadline *d)
{
	uint64_t now = monotime_now();

	return d->at > now ? d->at - now : 0;
}

struct timeval
loop_deadline_left(const struct loop_deadline *d)
{
	return loop_timeval(loop_deadline_left_us(d));
}

bool
loop_deadline_expired(const struct loop_deadline *d)
{
	return loop_deadline_left_us(d) == 0;
}
