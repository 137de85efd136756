/*
 * statefeed: a stand-in for gslb-probe's side of the state protocol
 * (doc/state-protocol.md), for tests until gslb-probe exists.
 *
 *	statefeed [-v] [-l ADDR[:PORT]] [-w WINDOW] [-g GEN] [-r SECONDS]
 *	    -s SECRETFILE -f STATEFILE
 *
 * It serves GET /v1/state (long-poll, signed replies) from STATEFILE,
 * a feed without version, generation and time, with a default valid_for:
 *
 *	{"probe":"probe-test","valid_for":10,
 *	 "edges":[{"name":"lon-1","state":"up","players":120}, ...]}
 *
 * SIGHUP reloads STATEFILE, and POST /v1/set with a signed body of the
 * same shape replaces the state; either publishes a new generation (time
 * = now) and answers every waiting long-poll at once. A state that does
 * not validate changes nothing (SIGHUP: logged; /v1/set: 400 with the
 * reason). POST /v1/report accepts load reports (logged, answered 204),
 * so edge tests have somewhere to send them.
 *
 * Once listening it prints "listening on ADDR:PORT" on stdout (port 0
 * picks a free one). Every request must be signed (401 otherwise) and
 * every reply is. One thread, one libevent loop; counters are logged at
 * exit (SIGTERM or SIGINT).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/http.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"

#define SF_DEFAULT_LISTEN "127.0.0.1:8070"
#define SF_DEFAULT_VALID_FOR 10
#define SF_WAIT_MAX 60
/* Longer than any hold, so evhttp never times out a waiting request. */
#define SF_HTTP_TIMEOUT (SF_WAIT_MAX + 15)
#define SF_WAITERS_MAX 1024

struct sf;

/* A GET /v1/state held until the generation changes or `wait` ends. */
struct sf_waiter {
	TAILQ_ENTRY(sf_waiter) entry;
	struct sf *sf;
	struct evhttp_request *req;
	struct event *timer;
};

struct sf {
	struct loop *loop;
	struct evhttp *http;
	struct auth *auth;
	struct loop_timer *refresh;
	const char *state_path;
	struct statemsg_feed *feed; /* the published state */
	char *json;		    /* feed, encoded */
	uint64_t generation;
	TAILQ_HEAD(, sf_waiter) waiters;
	size_t nwaiters;
	struct log_ratelimit rl;
	struct {
		uint64_t requests, unauthorized, bad, answered, not_modified;
		uint64_t publishes, reload_failures, reports;
	} count;
};

static void sf_usage(void) __attribute__((noreturn));
static int sf_state_parse(const char *text, size_t len,
    struct statemsg_feed **out, char *reason, size_t reason_len);
static int sf_state_load(struct sf *sf, struct statemsg_feed **out);
static void sf_publish(struct sf *sf, struct statemsg_feed *feed,
    const char *why);
static void sf_waiter_free(struct sf_waiter *w);
static void sf_waiter_timeout_cb(evutil_socket_t fd, short what, void *arg);
static void sf_request_cb(struct evhttp_request *req, void *arg);
static void sf_get_state(struct sf *sf, struct evhttp_request *req,
    const char *body, size_t len);
static void sf_post_set(struct sf *sf, struct evhttp_request *req,
    const char *body, size_t len);
static void sf_post_report(struct sf *sf, struct evhttp_request *req,
    const char *body, size_t len);
static void sf_refresh_cb(void *arg);
static void sf_signal_cb(int signo, void *arg);

static const struct {
	const char *path;
	enum evhttp_cmd_type cmd;
	void (*handler)(struct sf *sf, struct evhttp_request *req,
	    const char *body, size_t len);
} sf_routes[] = {
	{ "/v1/state", EVHTTP_REQ_GET, sf_get_state },
	{ "/v1/set", EVHTTP_REQ_POST, sf_post_set },
	{ "/v1/report", EVHTTP_REQ_POST, sf_post_report },
};

static void
sf_usage(void)
{
	fprintf(stderr,
	    "usage: statefeed [-v] [-l ADDR[:PORT]] [-w WINDOW] [-g GEN] "
	    "[-r SECONDS]\n"
	    "                 -s SECRETFILE -f STATEFILE\n"
	    "\n"
	    "Serves the state feed of doc/state-protocol.md for tests.\n"
	    "  -l  listen address (default " SF_DEFAULT_LISTEN "; port 0 "
	    "picks one)\n"
	    "  -s  shared secret: first line of the file, >= 16 bytes\n"
	    "  -f  state file: {\"probe\":\"NAME\",\"valid_for\":10,"
	    "\"edges\":[{\"name\":\"lon-1\",\n"
	    "      \"state\":\"up\",\"players\":120},...]} (valid_for per "
	    "edge optional)\n"
	    "  -w  signature window in seconds (default 30)\n"
	    "  -g  first generation (default 1)\n"
	    "  -r  publish a new generation every SECONDS even if nothing "
	    "changed\n"
	    "  -v  debug logging\n"
	    "\n"
	    "SIGHUP reloads STATEFILE; POST /v1/set with a signed body of "
	    "its shape\n"
	    "replaces the state. Both bump the generation and answer "
	    "long-polls at once.\n"
	    "\n"
	    "From a shell (sign TIME METHOD PATH [BODYFILE]):\n"
	    "  sign() { { printf '%%s\\n%%s\\n%%s\\n' \"$1\" \"$2\" \"$3\"; "
	    "cat \"${4:-/dev/null}\"; } |\n"
	    "      openssl dgst -sha256 -hmac \"$(head -n1 SECRETFILE)\" | "
	    "awk '{print $NF}'; }\n"
	    "  t=$(date +%%s); p=\"/v1/state?since=0&wait=30&nonce=$RANDOM\"\n"
	    "  curl -s -H \"X-Gslb-Time: $t\" -H \"X-Gslb-Signature: "
	    "$(sign \"$t\" GET \"$p\")\" \\\n"
	    "      \"http://127.0.0.1:8070$p\"\n"
	    "  t=$(date +%%s); curl -s -H \"X-Gslb-Time: $t\" \\\n"
	    "      -H \"X-Gslb-Signature: $(sign \"$t\" POST /v1/set new.json)"
	    "\" \\\n"
	    "      --data-binary @new.json http://127.0.0.1:8070/v1/set\n");
	exit(2);
}

/* ---- State ---- */

/*
 * A state file's text into a feed: fill in valid_for where an edge has
 * none, add version, generation and time, and let the feed decoder check
 * everything else.
 */
static int
sf_state_parse(const char *text, size_t len, struct statemsg_feed **out,
    char *reason, size_t reason_len)
{
	json_t *root, *v, *edges, *e;
	json_int_t valid_for = SF_DEFAULT_VALID_FOR;
	json_error_t err;
	char *json;
	size_t i;
	int rc;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		snprintf(reason, reason_len, "invalid JSON at line %d: %s",
		    err.line, err.text);
		return RC_MALFORMED;
	}
	if (!json_is_object(root)) {
		snprintf(reason, reason_len, "not a JSON object");
		json_decref(root);
		return RC_MALFORMED;
	}
	v = json_object_get(root, "valid_for");
	if (v != NULL) {
		if (!json_is_integer(v)) {
			snprintf(reason, reason_len,
			    "valid_for: not an integer");
			json_decref(root);
			return RC_MALFORMED;
		}
		valid_for = json_integer_value(v);
	}
	edges = json_object_get(root, "edges");
	json_array_foreach(edges, i, e)
	{
		if (json_is_object(e) &&
		    json_object_get(e, "valid_for") == NULL)
			json_object_set_new(e, "valid_for",
			    json_integer(valid_for));
	}
	json_object_set_new(root, "version", json_integer(STATEMSG_VERSION));
	json_object_set_new(root, "generation", json_integer(0));
	json_object_set_new(root, "time", json_integer(0));
	json = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (json == NULL)
		fatalx("statefeed: out of memory");
	rc = statemsg_feed_decode(json, strlen(json), out, reason, reason_len);
	free(json);
	return rc;
}

static int
sf_state_load(struct sf *sf, struct statemsg_feed **out)
{
	char reason[STATEMSG_REASON_MAX + 64];
	char *text = xmalloc(STATEMSG_BODY_MAX + 1);
	size_t len;
	FILE *f;
	int rc;

	f = fopen(sf->state_path, "rb");
	if (f == NULL) {
		log_warn("%s: cannot open", sf->state_path);
		free(text);
		return RC_IO;
	}
	len = fread(text, 1, STATEMSG_BODY_MAX + 1, f);
	fclose(f);
	if (len > STATEMSG_BODY_MAX) {
		log_warnx("%s: larger than %u bytes", sf->state_path,
		    STATEMSG_BODY_MAX);
		free(text);
		return RC_LIMIT;
	}
	rc = sf_state_parse(text, len, out, reason, sizeof(reason));
	if (rc != RC_OK)
		log_warnx("%s: %s", sf->state_path, reason);
	free(text);
	return rc;
}

/*
 * Make `feed` (taken; NULL: the current one again) the state with the
 * next generation, stamped now, and answer every waiting long-poll.
 */
static void
sf_publish(struct sf *sf, struct statemsg_feed *feed, const char *why)
{
	struct sf_waiter *w;
	int64_t now = time(NULL);

	if (feed != NULL) {
		statemsg_feed_free(sf->feed);
		sf->feed = feed;
	}
	sf->feed->generation = sf->generation++;
	sf->feed->time = now;
	free(sf->json);
	sf->json = statemsg_feed_encode(sf->feed);
	sf->count.publishes++;
	log_info("state: generation %llu, %zu edges (%s), %zu waiting",
	    (unsigned long long)sf->feed->generation, sf->feed->nedges, why,
	    sf->nwaiters);
	while ((w = TAILQ_FIRST(&sf->waiters)) != NULL) {
		http_reply(w->req, sf->auth, now, HTTP_OK, sf->json);
		sf->count.answered++;
		sf_waiter_free(w);
	}
}

/* Forget a waiter whose request has been answered (or is abandoned). */
static void
sf_waiter_free(struct sf_waiter *w)
{
	TAILQ_REMOVE(&w->sf->waiters, w, entry);
	w->sf->nwaiters--;
	event_free(w->timer);
	free(w);
}

static void
sf_waiter_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sf_waiter *w = arg;

	http_reply(w->req, w->sf->auth, time(NULL), HTTP_NOTMODIFIED, NULL);
	w->sf->count.not_modified++;
	sf_waiter_free(w);
}

/* ---- Requests ---- */

static void
sf_request_cb(struct evhttp_request *req, void *arg)
{
	struct sf *sf = arg;
	const char *path =
	    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *method = http_method_str(cmd), *why;
	int64_t now = time(NULL);
	bool path_known = false;
	char *body = NULL;
	size_t len;
	int rc;

	sf->count.requests++;
	if (http_read_body(req, STATEMSG_BODY_MAX, &body, &len) != RC_OK) {
		sf->count.bad++;
		http_reply_error(req, sf->auth, now, HTTP_ENTITYTOOLARGE,
		    "body too large");
		return;
	}
	rc = http_verify_request(req, sf->auth, now, body, len);
	if (rc != RC_OK) {
		sf->count.unauthorized++;
		why = rc == RC_TIMEOUT ? "time outside the window" :
		    rc == RC_EXISTS    ? "replayed signature" :
		    rc == RC_LIMIT     ? "too old for the replay cache" :
					 "missing or bad signature";
		log_ratelimited(&sf->rl, LOG_WARNING, "%s %s: refused: %s",
		    method ? method : "?", evhttp_request_get_uri(req), why);
		http_reply_error(req, sf->auth, now, 401, why);
		goto done;
	}
	for (size_t i = 0; i < sizeof(sf_routes) / sizeof(sf_routes[0]); i++) {
		if (path == NULL || strcmp(path, sf_routes[i].path) != 0)
			continue;
		path_known = true;
		if (cmd == sf_routes[i].cmd) {
			sf_routes[i].handler(sf, req, body, len);
			goto done;
		}
	}
	if (path_known)
		http_reply_error(req, sf->auth, now, HTTP_BADMETHOD,
		    "method not allowed");
	else
		http_reply_error(req, sf->auth, now, HTTP_NOTFOUND,
		    "no such resource");
done:
	free(body);
}

/* GET /v1/state?since=GEN&wait=SECONDS; since and wait default to 0. */
static void
sf_get_state(struct sf *sf, struct evhttp_request *req, const char *body,
    size_t len)
{
	const char *query =
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	uint64_t since = 0, wait = 0;
	struct sf_waiter *w;
	struct evkeyvalq q;
	struct timeval tv;
	int rc;

	TAILQ_INIT(&q);
	rc = http_query_parse(query, &q);
	if (rc == RC_OK &&
	    (rc = http_query_uint(&q, "since", STATEMSG_INT_MAX, &since)) ==
		RC_NOTFOUND)
		rc = RC_OK;
	if (rc == RC_OK &&
	    (rc = http_query_uint(&q, "wait", SF_WAIT_MAX, &wait)) ==
		RC_NOTFOUND)
		rc = RC_OK;
	evhttp_clear_headers(&q);
	if (rc != RC_OK) {
		sf->count.bad++;
		http_reply_error(req, sf->auth, time(NULL), HTTP_BADREQUEST,
		    "since must be 0..2^53 and wait 0..60");
		return;
	}
	if (since != sf->feed->generation) {
		sf->count.answered++;
		http_reply(req, sf->auth, time(NULL), HTTP_OK, sf->json);
		return;
	}
	if (wait == 0) {
		sf->count.not_modified++;
		http_reply(req, sf->auth, time(NULL), HTTP_NOTMODIFIED, NULL);
		return;
	}
	if (sf->nwaiters >= SF_WAITERS_MAX) {
		http_reply_error(req, sf->auth, time(NULL), HTTP_SERVUNAVAIL,
		    "too many waiting requests");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->sf = sf;
	w->req = req;
	w->timer = evtimer_new(loop_base(sf->loop), sf_waiter_timeout_cb, w);
	if (w->timer == NULL)
		fatalx("statefeed: evtimer_new failed");
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	evtimer_add(w->timer, &tv);
	TAILQ_INSERT_TAIL(&sf->waiters, w, entry);
	sf->nwaiters++;
	log_debug("GET %s: waiting up to %llu s", evhttp_request_get_uri(req),
	    (unsigned long long)wait);
}

/* POST /v1/set: a new state in the state file's shape. */
static void
sf_post_set(struct sf *sf, struct evhttp_request *req, const char *body,
    size_t len)
{
	char reason[STATEMSG_REASON_MAX + 64], reply[64];
	struct statemsg_feed *feed;

	if (sf_state_parse(body, len, &feed, reason, sizeof(reason)) != RC_OK) {
		sf->count.bad++;
		log_ratelimited(&sf->rl, LOG_WARNING, "POST /v1/set: %s",
		    reason);
		http_reply_error(req, sf->auth, time(NULL), HTTP_BADREQUEST,
		    reason);
		return;
	}
	sf_publish(sf, feed, "POST /v1/set");
	snprintf(reply, sizeof(reply), "{\"generation\":%llu}",
	    (unsigned long long)sf->feed->generation);
	http_reply(req, sf->auth, time(NULL), HTTP_OK, reply);
}

/* POST /v1/report: checked and logged, nothing more. */
static void
sf_post_report(struct sf *sf, struct evhttp_request *req, const char *body,
    size_t len)
{
	char reason[STATEMSG_REASON_MAX];
	struct statemsg_report r;

	if (statemsg_report_decode(body, len, &r, reason, sizeof(reason)) !=
	    RC_OK) {
		sf->count.bad++;
		log_ratelimited(&sf->rl, LOG_WARNING, "POST /v1/report: %s",
		    reason);
		http_reply_error(req, sf->auth, time(NULL), HTTP_BADREQUEST,
		    reason);
		return;
	}
	sf->count.reports++;
	log_info("report: edge %s, seq %llu, %s, %zu origins", r.edge,
	    (unsigned long long)r.seq, statemsg_state_str(r.state), r.norigins);
	http_reply(req, sf->auth, time(NULL), HTTP_NOCONTENT, NULL);
}

/* ---- Signals and timers ---- */

static void
sf_refresh_cb(void *arg)
{
	sf_publish(arg, NULL, "refresh");
}

static void
sf_signal_cb(int signo, void *arg)
{
	struct sf *sf = arg;
	struct statemsg_feed *feed;

	if (signo != SIGHUP) {
		loop_stop(sf->loop);
		return;
	}
	if (sf_state_load(sf, &feed) != RC_OK) {
		sf->count.reload_failures++;
		log_warnx("reload failed; still generation %llu",
		    (unsigned long long)sf->feed->generation);
		return;
	}
	sf_publish(sf, feed, "SIGHUP");
}

int
main(int argc, char **argv)
{
	const char *listen_addr = SF_DEFAULT_LISTEN, *secret_path = NULL;
	unsigned long window = AUTH_WINDOW_DEFAULT, refresh = 0;
	unsigned long long first = 1;
	struct statemsg_feed *feed;
	struct sf sf;
	struct sf_waiter *w;
	char bound[SOCKADDR_STRLEN], *end;
	int ch, level = LOG_INFO;

	memset(&sf, 0, sizeof(sf));
	TAILQ_INIT(&sf.waiters);
	while ((ch = getopt(argc, argv, "f:g:l:r:s:vw:h")) != -1) {
		switch (ch) {
		case 'f':
			sf.state_path = optarg;
			break;
		case 'g':
			first = strtoull(optarg, &end, 10);
			if (*end != '\0' || first > STATEMSG_INT_MAX)
				sf_usage();
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'r':
			refresh = strtoul(optarg, &end, 10);
			if (*end != '\0' || refresh > 86400)
				sf_usage();
			break;
		case 's':
			secret_path = optarg;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'w':
			window = strtoul(optarg, &end, 10);
			if (*end != '\0' || window > AUTH_WINDOW_MAX)
				sf_usage();
			break;
		default:
			sf_usage();
		}
	}
	if (optind != argc || secret_path == NULL || sf.state_path == NULL)
		sf_usage();
	log_init("statefeed", true, level);
	sf.generation = first;
	sf.auth =
	    auth_load_secret(secret_path, (uint32_t)window, AUTH_CACHE_DEFAULT);
	if (sf.auth == NULL)
		fatalx("statefeed: no usable secret");
	if (sf_state_load(&sf, &feed) != RC_OK)
		fatalx("statefeed: no usable state");
	sf.loop = loop_new();
	if (sf.loop == NULL)
		fatalx("statefeed: no event loop");
	sf.http = evhttp_new(loop_base(sf.loop));
	if (sf.http == NULL)
		fatalx("statefeed: evhttp_new failed");
	evhttp_set_allowed_methods(sf.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(sf.http, STATEMSG_BODY_MAX);
	evhttp_set_timeout(sf.http, SF_HTTP_TIMEOUT);
	evhttp_set_gencb(sf.http, sf_request_cb, &sf);
	if (http_listen(sf.http, loop_base(sf.loop), listen_addr, 8070, bound,
		sizeof(bound)) != RC_OK)
		fatalx("statefeed: cannot listen on %s", listen_addr);
	sf_publish(&sf, feed, "start");
	loop_on_signal(sf.loop, SIGHUP, sf_signal_cb, &sf);
	loop_on_signal(sf.loop, SIGTERM, sf_signal_cb, &sf);
	loop_on_signal(sf.loop, SIGINT, sf_signal_cb, &sf);
	if (refresh > 0)
		sf.refresh = loop_timer_new(sf.loop, refresh * MONOTIME_SEC, 0,
		    sf_refresh_cb, &sf);
	printf("listening on %s\n", bound);
	fflush(stdout);
	loop_run(sf.loop);
	log_info("stopping: %llu requests, %llu answered, %llu not modified, "
		 "%llu unauthorized, %llu bad, %llu reports, %llu publishes, "
		 "%llu failed reloads",
	    (unsigned long long)sf.count.requests,
	    (unsigned long long)sf.count.answered,
	    (unsigned long long)sf.count.not_modified,
	    (unsigned long long)sf.count.unauthorized,
	    (unsigned long long)sf.count.bad,
	    (unsigned long long)sf.count.reports,
	    (unsigned long long)sf.count.publishes,
	    (unsigned long long)sf.count.reload_failures);
	/* The requests themselves go with evhttp's connections. */
	while ((w = TAILQ_FIRST(&sf.waiters)) != NULL)
		sf_waiter_free(w);
	loop_timer_free(sf.refresh);
	evhttp_free(sf.http);
	loop_free(sf.loop);
	statemsg_feed_free(sf.feed);
	free(sf.json);
	auth_free(sf.auth);
	return 0;
}
