/*
 * loop: the daemons' event loop, a thin layer over a libevent event_base.
 *
 * main() creates one loop, registers signal handlers (HUP reloads, TERM
 * and INT stop cleanly), adds its listeners and timers, and calls
 * loop_run() until a handler calls loop_stop():
 *
 *	l = loop_new();
 *	loop_on_signal(l, SIGHUP, main_reload_cb, d);
 *	loop_on_signal(l, SIGTERM, main_stop_cb, d);
 *	tick = loop_timer_new(l, MONOTIME_SEC, 10, main_tick_cb, d);
 *	loop_run(l);
 *	loop_timer_free(tick);
 *	loop_free(l);
 *
 * Code that needs raw libevent (bufferevents, evhttp) gets the base from
 * loop_base(). Handlers run in the loop's thread, never in signal context.
 *
 * Timers repeat with jitter so that many probes or edges started together
 * do not stay in lockstep. A deadline lets a multi-step exchange (connect,
 * write, read) share one overall timeout: start it once, and re-arm each
 * wait with loop_deadline_left().
 *
 * One loop per thread; nothing here is shared between threads.
 */
#ifndef COMMON_LOOP_H
#define COMMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

struct event_base;
struct loop;
struct loop_timer;

typedef void (*loop_signal_cb_t)(int signo, void *arg);
typedef void (*loop_timer_cb_t)(void *arg);

/*
 * New loop with its own event_base. Ignores SIGPIPE process-wide (a peer
 * closing a socket must be an EPIPE, not a death). Returns NULL and logs
 * if libevent fails. Caller frees with loop_free(). Startup.
 */
struct loop *loop_new(void);

/* The loop's event_base (borrowed, lives as long as the loop). */
struct event_base *loop_base(struct loop *l);

/*
 * Call cb(signo, arg) from the loop each time `signo` arrives, until
 * loop_free(). arg is borrowed. Registering the same signal twice runs
 * both callbacks. Returns RC_OK or RC_ERROR (logged). Startup.
 */
int loop_on_signal(struct loop *l, int signo, loop_signal_cb_t cb, void *arg);

/*
 * Dispatch events until loop_stop() or until nothing is left to wait for.
 * Returns RC_OK, or RC_ERROR (logged) if libevent failed. main() only.
 */
int loop_run(struct loop *l);

/*
 * Make loop_run() return once the running callback finishes. Pending
 * events stay registered; loop_run() again resumes. Event callbacks.
 */
void loop_stop(struct loop *l);

/*
 * Free the signal handlers and the event_base. Every other event on the
 * base (timers, bufferevents, evhttp) must be freed first. NULL does
 * nothing. After loop_run() returns.
 */
void loop_free(struct loop *l);

/* ---- Jittered repeating timers ---- */

/*
 * Call cb(arg) about every interval_us microseconds, the first time one
 * interval from now. Each period is drawn uniformly from interval_us
 * +/- jitter_pct percent (jitter_pct is capped at 100; 0 means exact), and
 * is never shorter than 1 ms. arg is borrowed. cb may free its own timer.
 * Returns NULL and logs if interval_us is 0 or libevent fails. Caller
 * frees with loop_timer_free(). Startup or event callbacks.
 */
struct loop_timer *loop_timer_new(struct loop *l, uint64_t interval_us,
    unsigned jitter_pct, loop_timer_cb_t cb, void *arg);

/* Stop and free the timer. NULL does nothing. Anywhere in the loop. */
void loop_timer_free(struct loop_timer *t);

/*
 * The period loop_timer_new() uses for a given random number `rnd`:
 * interval_us +/- jitter_pct percent, mapped linearly from rnd over the
 * whole uint64_t range, at least 1 ms. Pure; exposed for unit tests.
 */
uint64_t loop_jitter(uint64_t interval_us, unsigned jitter_pct, uint64_t rnd);

/* ---- One overall deadline for several waits ---- */

/* An absolute monotime_now() instant; embed it, no _fini needed. */
struct loop_deadline {
	uint64_t at;
};

/* Start a deadline timeout_us from now (monotime_now()). Anywhere. */
void loop_deadline_start(struct loop_deadline *d, uint64_t timeout_us);

/* Microseconds left before the deadline, 0 once it has passed. */
uint64_t loop_deadline_left_us(const struct loop_deadline *d);

/*
 * What is left of the deadline as a struct timeval for event_add() or
 * bufferevent_set_timeouts(); {0, 0} once it has passed. Anywhere.
 */
struct timeval loop_deadline_left(const struct loop_deadline *d);

/* True once the deadline has passed. */
bool loop_deadline_expired(const struct loop_deadline *d);

/* Microseconds as a struct timeval. */
struct timeval loop_timeval(uint64_t us);

#endif
