#include "config.h"

#include "common/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/listener.h>
#include <jansson.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/sockaddr.h"

/* 19 digits always fit in a uint64_t. */
#define HTTP_UINT_DIGITS 19

int
http_listen(struct evhttp *http, struct event_base *base, const char *addr,
    uint16_t default_port, char *bound, size_t bound_len)
{
	struct evconnlistener *lev;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (sockaddr_parse(addr, default_port, &ss, &len) != RC_OK) {
		log_warnx("listen %s: not an address[:port]", addr);
		return RC_MALFORMED;
	}
	lev = evconnlistener_new_bind(base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    -1, (struct sockaddr *)&ss, (int)len);
	if (lev == NULL) {
		log_warn("listen %s: cannot bind", addr);
		return RC_IO;
	}
	if (evhttp_bind_listener(http, lev) == NULL) {
		log_warnx("listen %s: evhttp refused the listener", addr);
		evconnlistener_free(lev);
		return RC_IO;
	}
	len = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss,
		&len) != 0) {
		log_warn("listen %s: getsockname", addr);
		return RC_IO;
	}
	if (bound != NULL)
		sockaddr_fmt((struct sockaddr *)&ss, bound, bound_len);
	return RC_OK;
}

const char *
http_method_str(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return NULL;
}

int
http_read_body(struct evhttp_request *req, size_t max, char **body, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *b;

	if (n > max)
		return RC_LIMIT;
	b = xmalloc(n + 1);
	evbuffer_copyout(in, b, n);
	b[n] = '\0';
	*body = b;
	*len = n;
	return RC_OK;
}

int
http_verify_request(struct evhttp_request *req, struct auth *a, int64_t now,
    const void *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *method;

	method = http_method_str(evhttp_request_get_command(req));
	if (method == NULL)
		return RC_UNSUPPORTED;
	return auth_verify(a, now, evhttp_find_header(h, AUTH_HDR_TIME),
	    evhttp_find_header(h, AUTH_HDR_SIGNATURE), method,
	    evhttp_request_get_uri(req), body, len);
}

int
http_sign(struct evkeyvalq *headers, const struct auth *a, int64_t now,
    const char *method, const char *path, const void *body, size_t len)
{
	char sig[AUTH_HEX_LEN + 1];
	char t[24];
	int rc;

	if (a == NULL)
		return RC_OK; /* no secret configured: nothing to sign with */
	rc = auth_sign(a, now, method, path, body, len, sig);
	if (rc != RC_OK)
		return rc;
	snprintf(t, sizeof(t), "%lld", (long long)now);
	evhttp_remove_header(headers, AUTH_HDR_TIME);
	evhttp_remove_header(headers, AUTH_HDR_SIGNATURE);
	evhttp_add_header(headers, AUTH_HDR_TIME, t);
	evhttp_add_header(headers, AUTH_HDR_SIGNATURE, sig);
	return RC_OK;
}

void
http_reply(struct evhttp_request *req, const struct auth *a, int64_t now,
    int code, const char *json)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = NULL;
	size_t len = json != NULL ? strlen(json) : 0;

	if (http_sign(h, a, now, AUTH_METHOD_RESPONSE,
		evhttp_request_get_uri(req), json, len) != RC_OK) {
		/* Unsigned is useless to the client: say so instead. */
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (json != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		b = evbuffer_new();
		if (b == NULL || evbuffer_add(b, json, len) != 0) {
			log_msg(LOG_CRIT, "http: out of memory for a reply");
			abort();
		}
	}
	evhttp_send_reply(req, code, NULL, b);
	if (b != NULL)
		evbuffer_free(b);
}

void
http_reply_error(struct evhttp_request *req, const struct auth *a, int64_t now,
    int code, const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);
	char *json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	/* Only text that is not UTF-8 (or no memory) gets here. */
	http_reply(req, a, now, code,
	    json != NULL ? json : "{\"error\":\"(unprintable)\"}");
	free(json);
	json_decref(o);
}

int
http_check_response(struct evhttp_request *req, const struct auth *a,
    int64_t now, const char *path, const void *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);

	return auth_check(a, now, evhttp_find_header(h, AUTH_HDR_TIME),
	    evhttp_find_header(h, AUTH_HDR_SIGNATURE), AUTH_METHOD_RESPONSE,
	    path, body, len);
}

/* ---- Query strings ---- */

int
http_query_parse(const char *query, struct evkeyvalq *q)
{
	if (query == NULL || *query == '\0')
		return RC_OK;
	return evhttp_parse_query_str(query, q) == 0 ? RC_OK : RC_MALFORMED;
}

int
http_query_uint(const struct evkeyvalq *q, const char *key, uint64_t max,
    uint64_t *out)
{
	const struct evkeyval *kv, *found = NULL;
	uint64_t v = 0;
	size_t i;

	TAILQ_FOREACH(kv, q, next)
	{
		if (strcmp(kv->key, key) != 0)
			continue;
		if (found != NULL)
			return RC_MALFORMED;
		found = kv;
	}
	if (found == NULL)
		return RC_NOTFOUND;
	for (i = 0; found->value[i] != '\0'; i++) {
		if (found->value[i] < '0' || found->value[i] > '9' ||
		    i >= HTTP_UINT_DIGITS)
			return RC_MALFORMED;
		v = v * 10 + (uint64_t)(found->value[i] - '0');
	}
	if (i == 0)
		return RC_MALFORMED;
	if (v > max)
		return RC_LIMIT;
	*out = v;
	return RC_OK;
}

void
http_metric_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

void
http_metric_one(struct evbuffer *b, const char *name, const char *type,
    const char *help, uint64_t value)
{
	http_metric_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %llu\n", name, (unsigned long long)value);
}
