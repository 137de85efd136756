#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/monotime.h"
#include "probe/sched.h"

#define FAKE_MAX 16

/* A fake check run: remembers its callback until the test completes it. */
struct fake_run {
	struct check_run run;
	bool live, cancelled;
	enum check_kind kind;
	struct check_target target;
	check_done_cb cb;
	void *arg;
};

static struct {
	struct fake_run runs[FAKE_MAX];
	size_t nruns;
	unsigned done_edge[FAKE_MAX];
	enum check_kind done_kind[FAKE_MAX];
	enum check_result done_result[FAKE_MAX];
	size_t ndone;
} fx;

static void test_sched_fire_and_done(void **state);
static void test_sched_one_run_in_flight(void **state);
static void test_sched_free_cancels(void **state);
static void test_sched_timer_fires(void **state);

static void
fake_cancel(struct check_run *run)
{
	struct fake_run *f = (struct fake_run *)run;

	f->cancelled = true;
	f->live = false;
}

static struct check_run *
fake_start(struct event_base *base, enum check_kind k,
    const struct check_target *t, check_done_cb cb, void *arg)
{
	struct fake_run *f;

	(void)base;
	assert_true(fx.nruns < FAKE_MAX);
	f = &fx.runs[fx.nruns++];
	f->run.cancel = fake_cancel;
	f->live = true;
	f->kind = k;
	f->target = *t;
	f->cb = cb;
	f->arg = arg;
	return &f->run;
}

/* Complete fake run i with result r, as a check kind would. */
static void
fake_complete(size_t i, enum check_result r)
{
	struct check_outcome o;

	memset(&o, 0, sizeof(o));
	o.result = r;
	assert_true(fx.runs[i].live);
	fx.runs[i].live = false;
	fx.runs[i].cb(fx.runs[i].arg, &o);
}

static void
fake_done(void *arg, unsigned edge, enum check_kind k,
    const struct check_outcome *o)
{
	(void)arg;
	assert_true(fx.ndone < FAKE_MAX);
	fx.done_edge[fx.ndone] = edge;
	fx.done_kind[fx.ndone] = k;
	fx.done_result[fx.ndone] = o->result;
	fx.ndone++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	return 0;
}

static struct check_target
target(const char *edge)
{
	struct check_target t;

	memset(&t, 0, sizeof(t));
	snprintf(t.edge, sizeof(t.edge), "%s", edge);
	t.timeout_ms = 1000;
	return t;
}

static void
test_sched_fire_and_done(void **state)
{
	struct event_base *base = event_base_new();
	struct sched *s = sched_new(base, fake_start, fake_done, NULL);
	struct check_target a = target("lon-1"), b = target("ams-1");

	(void)state;
	assert_int_equal(sched_add(s, 0, CHECK_TCP, &a, MONOTIME_SEC, 10), 0);
	assert_int_equal(sched_add(s, 7, CHECK_HTTP, &b, MONOTIME_SEC, 10), 1);
	assert_int_equal(sched_count(s), 2);
	sched_fire(s, 1);
	assert_int_equal(fx.nruns, 1);
	assert_int_equal(fx.runs[0].kind, CHECK_HTTP);
	assert_string_equal(fx.runs[0].target.edge, "ams-1");
	assert_true(sched_is_running(s, 1));
	assert_false(sched_is_running(s, 0));
	fake_complete(0, CHECK_TIMEOUT);
	assert_false(sched_is_running(s, 1));
	assert_int_equal(fx.ndone, 1);
	assert_int_equal(fx.done_edge[0], 7);
	assert_int_equal(fx.done_kind[0], CHECK_HTTP);
	assert_int_equal(fx.done_result[0], CHECK_TIMEOUT);
	assert_int_equal(sched_stats(s)->started, 1);
	assert_int_equal(sched_stats(s)->done, 1);
	sched_free(s);
	event_base_free(base);
}

/* A turn while the last run is in flight is skipped, not queued. */
static void
test_sched_one_run_in_flight(void **state)
{
	struct event_base *base = event_base_new();
	struct sched *s = sched_new(base, fake_start, fake_done, NULL);
	struct check_target a = target("lon-1");

	(void)state;
	sched_add(s, 0, CHECK_PLAY, &a, MONOTIME_SEC, 0);
	sched_fire(s, 0);
	sched_fire(s, 0);
	sched_fire(s, 0);
	assert_int_equal(fx.nruns, 1);
	assert_int_equal(sched_stats(s)->skipped, 2);
	fake_complete(0, CHECK_OK);
	sched_fire(s, 0);
	assert_int_equal(fx.nruns, 2);
	assert_int_equal(fx.runs[1].kind, CHECK_PLAY);
	fake_complete(1, CHECK_FAIL);
	assert_int_equal(fx.ndone, 2);
	assert_int_equal(fx.done_result[1], CHECK_FAIL);
	sched_free(s);
	event_base_free(base);
}

static void
test_sched_free_cancels(void **state)
{
	struct event_base *base = event_base_new();
	struct sched *s = sched_new(base, fake_start, fake_done, NULL);
	struct check_target a = target("lon-1");

	(void)state;
	sched_add(s, 0, CHECK_TCP, &a, MONOTIME_SEC, 0);
	sched_add(s, 0, CHECK_RTMP, &a, MONOTIME_SEC, 0);
	sched_fire(s, 0);
	sched_fire(s, 1);
	fake_complete(1, CHECK_OK);
	sched_free(s);
	assert_true(fx.runs[0].cancelled);
	assert_false(fx.runs[1].cancelled);
	assert_int_equal(fx.ndone, 1);
	sched_free(NULL);
	event_base_free(base);
}

/* The timers start runs by themselves (a 1 ms interval; no sleep). */
static void
test_sched_timer_fires(void **state)
{
	struct event_base *base = event_base_new();
	struct sched *s = sched_new(base, fake_start, fake_done, NULL);
	struct check_target a = target("lon-1");

	(void)state;
	sched_add(s, 0, CHECK_TCP, &a, MONOTIME_MSEC, 0);
	while (fx.nruns == 0)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(fx.runs[0].kind, CHECK_TCP);
	sched_free(s);
	assert_true(fx.runs[0].cancelled);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sched_fire_and_done, setup),
		cmocka_unit_test_setup(test_sched_one_run_in_flight, setup),
		cmocka_unit_test_setup(test_sched_free_cancels, setup),
		cmocka_unit_test_setup(test_sched_timer_fires, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
