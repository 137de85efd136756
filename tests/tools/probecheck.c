/*
 * probecheck: run gslb-probe's active checks (probe/check.h) against an
 * address, for the integration tests.
 *
 *	probecheck [-t TIMEOUT_MS] [-a APP] [-s STREAM] [-e EDGE] [-n RUNS]
 *	    [-C CANCEL_MS] KIND ADDR:PORT
 *
 * KIND is tcp, rtmp, play or http; ADDR:PORT is the RTMP address (tcp,
 * rtmp, play) or the HTTP one (http). Each run prints one line,
 *
 *	result=ok ms=12.3 why=
 *	result=fail ms=0.4 why=connect: Connection refused
 *	result=ok ms=2.1 edge=e1 state=up players=0 why=      (http)
 *
 * RUNS checks run one after another, each started from the previous
 * one's callback as the scheduler will. With -C, each run is cancelled
 * CANCEL_MS after its start (0: right after *_start(), before the loop
 * runs) and prints "result=cancelled" unless it finished first; the loop
 * then runs 300 ms more, so a callback after a cancel would be seen. A
 * last line "runs=N ok=K fds_leaked=D" compares the open descriptors
 * before and after. Exit status: 0 when every run was OK (with -C: when
 * no callback came after a cancel), 1 when one was not, 2 for a callback
 * after a cancel, 3 for a descriptor leak, 64 for bad usage.
 */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"
#include "probe/check.h"

#define PC_GRACE_MS 300

struct pc {
	struct loop *loop;
	struct event_base *base;
	struct check_target t;
	enum check_kind kind;
	unsigned runs, started, ok;
	long cancel_ms; /* -1: never */
	struct check_run *run;
	bool in_flight, late; /* late: a callback after a cancel */
	struct event *cancel_ev, *grace_ev;
};

static void pc_usage(void) __attribute__((noreturn));
static int pc_count_fds(void);
static void pc_next(struct pc *pc);
static void pc_done_cb(void *arg, const struct check_outcome *o);
static void pc_cancel_cb(evutil_socket_t fd, short what, void *arg);
static void pc_grace_cb(evutil_socket_t fd, short what, void *arg);

static void
pc_usage(void)
{
	fprintf(stderr,
	    "usage: probecheck [-t timeout_ms] [-a app] [-s stream] "
	    "[-e edge] [-n runs]\n"
	    "                  [-C cancel_ms] tcp|rtmp|play|http addr:port\n");
	exit(64);
}

/* Open descriptors of this process. */
static int
pc_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

static void
pc_done_cb(void *arg, const struct check_outcome *o)
{
	struct pc *pc = arg;

	if (!pc->in_flight) {
		pc->late = true;
		printf("BUG: callback after cancel\n");
		return;
	}
	pc->in_flight = false;
	pc->run = NULL;
	event_del(pc->cancel_ev);
	if (o->result == CHECK_OK)
		pc->ok++;
	printf("result=%s ms=%.1f ", check_result_str(o->result), o->ms);
	if (o->has_report)
		printf("edge=%s state=%s players=%llu ", o->report.edge,
		    statemsg_state_str(o->report.state),
		    o->report.load.has_players ?
			(unsigned long long)o->report.load.players :
			0ULL);
	printf("why=%s\n", o->why);
	fflush(stdout);
	pc_next(pc);
}

static void
pc_cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pc *pc = arg;

	(void)fd;
	(void)what;
	if (!pc->in_flight)
		return;
	check_run_cancel(pc->run);
	pc->run = NULL;
	pc->in_flight = false;
	printf("result=cancelled\n");
	fflush(stdout);
	pc_next(pc);
}

static void
pc_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pc *pc = arg;

	(void)fd;
	(void)what;
	loop_stop(pc->loop);
}

/* Start the next run, or end: at once, or after the grace with -C. */
static void
pc_next(struct pc *pc)
{
	struct timeval tv;

	if (pc->started == pc->runs) {
		tv = loop_timeval(
		    (uint64_t)(pc->cancel_ms >= 0 ? PC_GRACE_MS : 0) *
		    MONOTIME_MSEC);
		event_add(pc->grace_ev, &tv);
		return;
	}
	pc->started++;
	pc->in_flight = true;
	switch (pc->kind) {
	case CHECK_TCP:
		pc->run = check_tcp_start(pc->base, &pc->t, pc_done_cb, pc);
		break;
	case CHECK_RTMP:
	case CHECK_PLAY:
		pc->run = check_rtmp_start(pc->base, &pc->t,
		    pc->kind == CHECK_PLAY, pc_done_cb, pc);
		break;
	default:
		pc->run = check_http_start(pc->base, &pc->t, pc_done_cb, pc);
		break;
	}
	if (pc->cancel_ms == 0) {
		pc_cancel_cb(-1, 0, pc);
	} else if (pc->cancel_ms > 0) {
		tv = loop_timeval((uint64_t)pc->cancel_ms * MONOTIME_MSEC);
		event_add(pc->cancel_ev, &tv);
	}
}

int
main(int argc, char **argv)
{
	struct pc pc = { .runs = 1, .cancel_ms = -1 };
	struct check_target *t = &pc.t;
	int ch, fds0, fds1, k;

	t->timeout_ms = 3000;
	while ((ch = getopt(argc, argv, "t:a:s:e:n:C:")) != -1) {
		switch (ch) {
		case 't':
			t->timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			snprintf(t->app, sizeof(t->app), "%s", optarg);
			break;
		case 's':
			snprintf(t->stream, sizeof(t->stream), "%s", optarg);
			break;
		case 'e':
			snprintf(t->edge, sizeof(t->edge), "%s", optarg);
			break;
		case 'n':
			pc.runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'C':
			pc.cancel_ms = strtol(optarg, NULL, 10);
			break;
		default:
			pc_usage();
		}
	}
	if (argc - optind != 2 || pc.runs == 0)
		pc_usage();
	for (k = 0; k < CHECK_KIND_MAX; k++)
		if (strcmp(argv[optind], check_kind_str(k)) == 0)
			break;
	if (k == CHECK_KIND_MAX)
		pc_usage();
	pc.kind = (enum check_kind)k;
	if (sockaddr_parse(argv[optind + 1], 0, &t->addr, &t->addrlen) !=
	    RC_OK) {
		fprintf(stderr, "probecheck: bad address %s\n",
		    argv[optind + 1]);
		return 64;
	}
	t->http = t->addr;
	t->httplen = t->addrlen;
	if ((pc.loop = loop_new()) == NULL)
		return 1;
	pc.base = loop_base(pc.loop);
	pc.cancel_ev = evtimer_new(pc.base, pc_cancel_cb, &pc);
	pc.grace_ev = evtimer_new(pc.base, pc_grace_cb, &pc);
	if (pc.cancel_ev == NULL || pc.grace_ev == NULL)
		return 1;
	fds0 = pc_count_fds();
	pc_next(&pc);
	loop_run(pc.loop);
	fds1 = pc_count_fds();
	printf("runs=%u ok=%u fds_leaked=%d\n", pc.runs, pc.ok, fds1 - fds0);
	event_free(pc.cancel_ev);
	event_free(pc.grace_ev);
	loop_free(pc.loop);
	if (pc.late)
		return 2;
	if (fds1 != fds0)
		return 3;
	if (pc.cancel_ms >= 0)
		return 0;
	return pc.ok == pc.runs ? 0 : 1;
}
