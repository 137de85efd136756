/*
 * oconn: opening one RTMP connection to an origin, for a live pull
 * (edge/upstream.c) or a VOD play or publish relay (edge/relay.c).
 *
 *	oconn_start() --> dnscache: the origin's addresses
 *	              --> connect to the first; on a connect error or
 *	                  timeout, to the next one, and so on
 *	              --> client handshake (rtmp_hs, digest C1)
 *	              --> ready(arg, bev): the bufferevent is the owner's,
 *	                  with whatever the origin sent after S2 still in
 *	                  its input buffer, read and write enabled, and the
 *	                  connect timeout still set
 *	     or       --> failed(arg, why, rc) with a reason for the logs
 *
 * Every address gets its own connect_timeout for the TCP connect; the
 * handshake shares the timeout of the address that answered, and a
 * failure after the TCP connect does not move on to the next address
 * (the origin is there and said no). ready and failed run from the loop,
 * never from inside oconn_start(); after either, the oconn is idle and
 * may be started again or just dropped.
 *
 * After ready, `via` stays set: " (at ADDRESS:PORT)" when the origin is
 * a host name, "" for a literal address; owners add it to their logs.
 *
 * An oconn is embedded in its owner. oconn_cancel() stops it at any
 * point (pending lookup, connect, handshake); it is a no-op when idle.
 */
#ifndef EDGE_OCONN_H
#define EDGE_OCONN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/resolver.h"
#include "common/sockaddr.h"
#include "edge/edge_conf.h"
#include "edge/rtmp_handshake.h"

struct bufferevent;
struct edge;
struct event;

typedef void (*oconn_ready_cb)(void *arg, struct bufferevent *bev);
typedef void (*oconn_failed_cb)(void *arg, const char *why, int rc);

struct oconn {
	struct edge *e;
	struct edge_origin origin; /* copied: a reload may free the config */
	char name[EDGE_HOST_MAX + 16]; /* "host:port" for logs */
	const char *what;	       /* "upstream live/x" for logs */
	oconn_ready_cb ready;
	oconn_failed_cb failed;
	void *arg;
	struct bufferevent *bev;
	struct event *defer; /* the lookup answered at once: go on from here */
	int defer_rc;
	struct resolver_result addrs;
	size_t next; /* the address to try after the current one */
	char via[SOCKADDR_STRLEN + 8]; /* " (at 192.0.2.1:1935)", a name's */
	bool connected;		       /* TCP connected, handshake running */
	bool active; /* between start and ready/failed/cancel */
	struct rtmp_hs hs;
};

/*
 * Connect to origin `o` (copied). `what` is borrowed and must outlive the
 * attempt. Returns RC_OK (ready or failed will be called) or an error
 * (neither will be).
 */
int oconn_start(struct oconn *oc, struct edge *e, const struct edge_origin *o,
    const char *what, oconn_ready_cb ready, oconn_failed_cb failed, void *arg);

/* Stop an attempt; nothing is called back. Idle: no-op. */
void oconn_cancel(struct oconn *oc);

/* "rtmp://host:port/app" (IPv6 in brackets) into buf, for tcUrl. */
void oconn_tc_url(const struct edge_origin *o, const char *app, char *buf,
    size_t len);

#endif
