/*
 * check: one active health check of one edge, run asynchronously on the
 * probe's event loop. The scheduler (probe/sched.c) starts checks; each
 * kind lives in its own file:
 *
 *	check_tcp.c   TCP connect to the edge's RTMP port
 *	check_rtmp.c  RTMP handshake + connect (CHECK_RTMP), or handshake,
 *	              connect, createStream and play of a canary stream up to
 *	              the first video frame (CHECK_PLAY): proves the edge can
 *	              pull from an origin right now
 *	check_http.c  GET the edge's /v1/load and decode the report
 *
 * Contract for every kind: *_start() returns a run (never NULL; a
 * failure to even start is reported through the callback, from the event
 * loop, not from inside *_start()). The callback runs exactly once, from
 * the event loop, unless check_run_cancel() came first; the run frees
 * itself right after its callback returns. A run never outlives
 * target->timeout_ms by more than one loop pass: it then reports
 * CHECK_TIMEOUT. The target is copied; nothing is borrowed after start.
 *
 * Event-loop thread only.
 */
#ifndef PROBE_CHECK_H
#define PROBE_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/statemsg.h"

struct event_base;

enum check_kind {
	CHECK_TCP,
	CHECK_RTMP,
	CHECK_PLAY,
	CHECK_HTTP,
	CHECK_KIND_MAX,
};

enum check_result {
	CHECK_OK,
	CHECK_FAIL,    /* refused, reset, protocol error, bad answer */
	CHECK_TIMEOUT, /* no outcome within timeout_ms */
};

#define CHECK_WHY_MAX 96
#define CHECK_NAME_MAX 256 /* canary app or stream */

struct check_outcome {
	enum check_result result;
	char why[CHECK_WHY_MAX]; /* "" when OK; else a short reason for logs:
				  * "connect: Connection refused",
				  * "NetStream.Play.StreamNotFound", "HTTP 500" */
	double ms; /* TCP: connect; RTMP: until connect _result; PLAY: until
		    * the first video frame (time to first frame); HTTP: until
		    * the whole answer */
	/* CHECK_HTTP only: the edge's load report, when OK. */
	bool has_report;
	struct statemsg_report report;
};

/* What to check. */
struct check_target {
	char edge[STATEMSG_NAME_MAX + 1]; /* for logs */
	struct sockaddr_storage addr;	  /* RTMP address and port */
	socklen_t addrlen;
	struct sockaddr_storage http; /* edge's HTTP port (CHECK_HTTP) */
	socklen_t httplen;
	char app[CHECK_NAME_MAX];    /* RTMP app (RTMP, PLAY), e.g. "live" */
	char stream[CHECK_NAME_MAX]; /* canary stream (PLAY) */
	unsigned timeout_ms;
};

typedef void (*check_done_cb)(void *arg, const struct check_outcome *o);

/* Every kind's run starts with this; check_run_cancel() calls cancel. */
struct check_run {
	void (*cancel)(struct check_run *run);
};

/* Stop a run: its callback will not run; it is freed. NULL is fine. */
static inline void
check_run_cancel(struct check_run *run)
{
	if (run != NULL)
		run->cancel(run);
}

struct check_run *check_tcp_start(struct event_base *base,
    const struct check_target *t, check_done_cb cb, void *arg);
/* play false: handshake + connect (CHECK_RTMP); true: CHECK_PLAY. */
struct check_run *check_rtmp_start(struct event_base *base,
    const struct check_target *t, bool play, check_done_cb cb, void *arg);
struct check_run *check_http_start(struct event_base *base,
    const struct check_target *t, check_done_cb cb, void *arg);

/* "tcp", "rtmp", "play", "http". */
const char *check_kind_str(enum check_kind k);
/* "ok", "fail", "timeout". */
const char *check_result_str(enum check_result r);

#endif
