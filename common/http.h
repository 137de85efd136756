/*
 * http: the state protocol's HTTP plumbing on libevent's evhttp.
 *
 * Users: gslb-probe (state feed, load reports), gslb-dnsd (admin port,
 * feed client) and tests/tools/statefeed. A server handler goes:
 *
 *	if (http_read_body(req, STATEMSG_BODY_MAX, &body, &len) != RC_OK)
 *		-> 413
 *	rc = http_verify_request(req, auth, time(NULL), body, len)
 *		-> 401 unless RC_OK
 *	decode with statemsg, act
 *	http_reply(req, auth, time(NULL), HTTP_OK, json)   (signed)
 *	  or http_reply_error(req, auth, time(NULL), 400, reason)
 *
 * Every reply carries X-Gslb-Time and X-Gslb-Signature (common/auth.h)
 * over "RESPONSE", the request's target and the reply body; a client
 * checks them with http_check_response().
 *
 * A request held for a long-poll may outlive its connection: evhttp then
 * detaches it, and replying later just frees it. So a server may keep
 * waiting requests in a list and answer them all when its state
 * changes, without close callbacks; the connection timeout given to
 * evhttp_set_timeout() must be longer than the longest hold.
 *
 * Event-loop thread only, except the pure query helpers.
 */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct auth;
struct event_base;

/*
 * Listen on `addr` ("127.0.0.1:8080", "[::1]:8080"; no port means
 * default_port, port 0 an ephemeral one) with `http`. `bound` (may be
 * NULL) gets the address actually bound as text, SOCKADDR_STRLEN bytes
 * being enough. Returns RC_OK, RC_MALFORMED for a bad address, or RC_IO
 * (logged). Startup.
 */
int http_listen(struct evhttp *http, struct event_base *base, const char *addr,
    uint16_t default_port, char *bound, size_t bound_len);

/* "GET", "POST", ...; NULL for a method we do not know. Anywhere. */
const char *http_method_str(enum evhttp_cmd_type cmd);

/*
 * The request's whole body: on RC_OK *body is a malloc'd copy with a NUL
 * after its *len bytes (for convenience; the body may contain NULs);
 * caller frees. RC_LIMIT, with nothing allocated, if it is longer than
 * max bytes.
 */
int http_read_body(struct evhttp_request *req, size_t max, char **body,
    size_t *len);

/*
 * auth_verify() of a request's X-Gslb-Time and X-Gslb-Signature against
 * its method, its target as sent and body (len bytes, borrowed), at wall
 * clock now. Same return codes as auth_verify(), plus RC_UNSUPPORTED for
 * a method http_method_str() does not know.
 */
int http_verify_request(struct evhttp_request *req, struct auth *a, int64_t now,
    const void *body, size_t len);

/*
 * Add X-Gslb-Time (now) and X-Gslb-Signature over method, path and body
 * to `headers` (a request's output headers on a client, a reply's on a
 * server). With a NULL `a` (no secret configured) it adds nothing.
 * Returns RC_OK or RC_ERROR (OpenSSL, logged).
 */
int http_sign(struct evkeyvalq *headers, const struct auth *a, int64_t now,
    const char *method, const char *path, const void *body, size_t len);

/*
 * Send a signed reply: code (HTTP_OK, 204, HTTP_NOTMODIFIED, ...) with
 * body json (borrowed, NUL-terminated; NULL for none) as
 * application/json. Signed at now over the request's target. The request
 * is finished afterwards (evhttp frees it).
 */
void http_reply(struct evhttp_request *req, const struct auth *a, int64_t now,
    int code, const char *json);

/* http_reply() of {"error": msg}; msg is borrowed, any text. */
void http_reply_error(struct evhttp_request *req, const struct auth *a,
    int64_t now, int code, const char *msg);

/*
 * On a client: auth_check() of a reply's signature, for the request sent
 * to `path`, with its body (len bytes). Same codes as auth_check().
 */
int http_check_response(struct evhttp_request *req, const struct auth *a,
    int64_t now, const char *path, const void *body, size_t len);

/* ---- Query strings (pure) ---- */

/*
 * Parse query ("since=4&wait=30", without the "?"; NULL means empty) into
 * q, which the caller has TAILQ_INIT()ed and clears with
 * evhttp_clear_headers(). Returns RC_OK or RC_MALFORMED (bad escapes).
 * evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)) gives a
 * request's query.
 */
int http_query_parse(const char *query, struct evkeyvalq *q);

/*
 * The argument `key` of q as an integer 0..max into *out. Returns RC_OK;
 * RC_NOTFOUND if absent (*out untouched: the caller's default stays);
 * RC_MALFORMED if it is not plain decimal digits (no sign, no spaces, at
 * most 19 digits) or given twice; RC_LIMIT if above max.
 */
int http_query_uint(const struct evkeyvalq *q, const char *key, uint64_t max,
    uint64_t *out);

/* ---- Prometheus text ---- */

struct evbuffer;

/* "# HELP name help" and "# TYPE name type" lines. */
void http_metric_head(struct evbuffer *b, const char *name, const char *type,
    const char *help);

/* The head and one unlabelled value. */
void http_metric_one(struct evbuffer *b, const char *name, const char *type,
    const char *help, uint64_t value);

#endif
