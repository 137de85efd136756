/*
 * check_tcp: a TCP connect to the edge's RTMP port (see check.h).
 *
 * A non-blocking connect() watched by one write event; one timer is both
 * the deadline and the way the callback is deferred to the event loop
 * (check_tcp_end() makes it active). Both events live in the run's one
 * allocation, after the struct. The socket is closed as soon as the
 * outcome is known, before the callback runs: the edge sees a plain FIN
 * during its handshake, which it counts as a closed connection, not an
 * error.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/alloc.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "probe/check.h"

struct check_tcp {
	struct check_run run; /* first: check_run_cancel() casts back */
	check_done_cb cb;
	void *arg;
	int fd;		     /* -1 once closed */
	struct event *io;    /* EV_WRITE on fd while connecting */
	struct event *timer; /* deadline, then the deferred callback */
	bool io_added, done, in_cb;
	uint64_t t0; /* monotime_now() at start */
	struct check_outcome o;
};

static void check_tcp_cancel(struct check_run *run);
static void check_tcp_set(struct check_tcp *r, enum check_result res,
    const char *why, int err);
static void check_tcp_end(struct check_tcp *r, enum check_result res,
    const char *why, int err);
static void check_tcp_close(struct check_tcp *r);
static void check_tcp_io_cb(evutil_socket_t fd, short what, void *arg);
static void check_tcp_timer_cb(evutil_socket_t fd, short what, void *arg);

/* Where the two events sit in the run's allocation. */
#define CHECK_TCP_OFF                                            \
	((sizeof(struct check_tcp) + alignof(max_align_t) - 1) & \
	    ~(alignof(max_align_t) - 1))

/* Close the socket (and stop watching it); idempotent. */
static void
check_tcp_close(struct check_tcp *r)
{
	if (r->io_added) {
		event_del(r->io);
		r->io_added = false;
	}
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

/*
 * Record the outcome (the first one counts) and close at once. err: an
 * errno appended to why, or 0.
 */
static void
check_tcp_set(struct check_tcp *r, enum check_result res, const char *why,
    int err)
{
	if (r->done)
		return;
	r->done = true;
	r->o.result = res;
	r->o.ms = (double)(monotime_now() - r->t0) / MONOTIME_MSEC;
	if (err != 0)
		snprintf(r->o.why, sizeof(r->o.why), "%s: %s", why,
		    strerror(err));
	else
		snprintf(r->o.why, sizeof(r->o.why), "%s", why);
	check_tcp_close(r);
}

/* check_tcp_set(), then have the timer run the callback from the loop. */
static void
check_tcp_end(struct check_tcp *r, enum check_result res, const char *why,
    int err)
{
	check_tcp_set(r, res, why, err);
	event_active(r->timer, EV_TIMEOUT, 0);
}

static void
check_tcp_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_tcp *r = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)what;
	r->io_added = false; /* not persistent: it fired */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		check_tcp_end(r, CHECK_OK, "", 0);
	else
		check_tcp_end(r, CHECK_FAIL, "connect", err);
}

static void
check_tcp_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_tcp *r = arg;

	(void)fd;
	(void)what;
	check_tcp_set(r, CHECK_TIMEOUT, "connect: timeout", 0);
	r->in_cb = true;
	r->cb(r->arg, &r->o);
	free(r);
}

static void
check_tcp_cancel(struct check_run *run)
{
	struct check_tcp *r = (struct check_tcp *)run;

	if (r->in_cb)
		return; /* the run frees itself after its callback */
	check_tcp_close(r);
	event_del(r->timer);
	free(r);
}

struct check_run *
check_tcp_start(struct event_base *base, const struct check_target *t,
    check_done_cb cb, void *arg)
{
	size_t evsz = event_get_struct_event_size();
	struct check_tcp *r = xcalloc(1, CHECK_TCP_OFF + 2 * evsz);
	const struct sockaddr *sa = (const struct sockaddr *)&t->addr;
	struct timeval tv;

	r->run.cancel = check_tcp_cancel;
	r->cb = cb;
	r->arg = arg;
	r->fd = -1;
	r->t0 = monotime_now();
	r->timer = (struct event *)((char *)r + CHECK_TCP_OFF);
	r->io = (struct event *)((char *)r + CHECK_TCP_OFF + evsz);
	event_assign(r->timer, base, -1, 0, check_tcp_timer_cb, r);
	tv = loop_timeval((uint64_t)t->timeout_ms * MONOTIME_MSEC);
	event_add(r->timer, &tv);

	if (t->addrlen == 0 || t->addrlen > sizeof(t->addr)) {
		check_tcp_end(r, CHECK_FAIL, "no address", 0);
		return &r->run;
	}
	r->fd = socket(sa->sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		check_tcp_end(r, CHECK_FAIL, "socket", errno);
		return &r->run;
	}
	if (connect(r->fd, sa, t->addrlen) == 0) {
		check_tcp_end(r, CHECK_OK, "", 0);
		return &r->run;
	}
	if (errno != EINPROGRESS) {
		check_tcp_end(r, CHECK_FAIL, "connect", errno);
		return &r->run;
	}
	event_assign(r->io, base, r->fd, EV_WRITE, check_tcp_io_cb, r);
	event_add(r->io, NULL); /* the timer bounds the wait */
	r->io_added = true;
	return &r->run;
}
