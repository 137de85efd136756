/*
 * statefeed: a stand-in for gslb-probe's side of the state protocol
 * (doc/state-protocol.md) whose state a test sets exactly: it is
 * gslb-probe's own feed module (probe/feed.c) serving a state file
 * instead of health checks.
 *
 *	statefeed [-v] [-l ADDR[:PORT]] [-w WINDOW] [-r SECONDS]
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
 * reason). POST /v1/report takes load reports like gslb-probe (logged as
 * "report: edge NAME, seq N, STATE, N origins", answered 204), so edge
 * tests have somewhere to send them.
 *
 * Once listening it prints "listening on ADDR:PORT" on stdout (port 0
 * picks a free one). Signed requests only, as for gslb-probe with a
 * secret (its /metrics is open). One thread, one libevent loop.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"
#include "probe/feed.h"

#define SF_DEFAULT_LISTEN "127.0.0.1:8070"
#define SF_DEFAULT_VALID_FOR 10

struct sf {
	struct loop *loop;
	struct feed *feed;
	struct loop_timer *refresh;
	const char *state_path;
	struct statemsg_feed *state; /* the published state */
	uint64_t reports, reload_failures;
};

static void sf_usage(void) __attribute__((noreturn));
static int sf_state_parse(const char *text, size_t len,
    struct statemsg_feed **out, char *reason, size_t reason_len);
static int sf_state_load(struct sf *sf, struct statemsg_feed **out);
static void sf_publish(struct sf *sf, struct statemsg_feed *state,
    const char *why);
static int sf_report(void *arg, const struct statemsg_report *r);
static int sf_set(void *arg, const char *body, size_t len, char *reason,
    size_t reason_len);
static void sf_refresh_cb(void *arg);
static void sf_signal_cb(int signo, void *arg);

static const struct feed_ops sf_ops = {
	.report = sf_report,
	.post_path = "/v1/set",
	.post = sf_set,
};

static void
sf_usage(void)
{
	fprintf(stderr,
	    "usage: statefeed [-v] [-l ADDR[:PORT]] [-w WINDOW] [-r SECONDS]\n"
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
 * Make `state` (taken; NULL: the current one again) the next generation,
 * stamped now; the feed answers every waiting long-poll.
 */
static void
sf_publish(struct sf *sf, struct statemsg_feed *state, const char *why)
{
	if (state != NULL) {
		statemsg_feed_free(sf->state);
		sf->state = state;
	}
	feed_set_name(sf->feed, sf->state->probe);
	log_info("state: %zu edges (%s), %zu waiting", sf->state->nedges, why,
	    feed_waiting(sf->feed));
	feed_publish(sf->feed, sf->state->edges, sf->state->nedges,
	    (int64_t)time(NULL));
}

/* POST /v1/report: verified and decoded by the feed; logged here. */
static int
sf_report(void *arg, const struct statemsg_report *r)
{
	struct sf *sf = arg;

	sf->reports++;
	log_info("report: edge %s, seq %llu, %s, %zu origins", r->edge,
	    (unsigned long long)r->seq, statemsg_state_str(r->state),
	    r->norigins);
	return RC_OK;
}

/* POST /v1/set: a new state in the state file's shape. */
static int
sf_set(void *arg, const char *body, size_t len, char *reason, size_t reason_len)
{
	struct sf *sf = arg;
	struct statemsg_feed *state;
	int rc;

	rc = sf_state_parse(body, len, &state, reason, reason_len);
	if (rc == RC_OK)
		sf_publish(sf, state, "POST /v1/set");
	return rc;
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
	struct statemsg_feed *state;

	if (signo != SIGHUP) {
		loop_stop(sf->loop);
		return;
	}
	if (sf_state_load(sf, &state) != RC_OK) {
		sf->reload_failures++;
		log_warnx("reload failed; still generation %llu",
		    (unsigned long long)feed_generation(sf->feed));
		return;
	}
	sf_publish(sf, state, "SIGHUP");
}

int
main(int argc, char **argv)
{
	const char *listen_addr = SF_DEFAULT_LISTEN, *secret_path = NULL;
	unsigned long window = AUTH_WINDOW_DEFAULT, refresh = 0;
	struct statemsg_feed *state;
	const struct feed_stats *st;
	struct auth *auth;
	struct sf sf;
	char bound[SOCKADDR_STRLEN], *end;
	int ch, level = LOG_INFO;

	memset(&sf, 0, sizeof(sf));
	while ((ch = getopt(argc, argv, "f:l:r:s:vw:h")) != -1) {
		switch (ch) {
		case 'f':
			sf.state_path = optarg;
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
	auth =
	    auth_load_secret(secret_path, (uint32_t)window, AUTH_CACHE_DEFAULT);
	if (auth == NULL)
		fatalx("statefeed: no usable secret");
	if (sf_state_load(&sf, &state) != RC_OK)
		fatalx("statefeed: no usable state");
	sf.loop = loop_new();
	if (sf.loop == NULL)
		fatalx("statefeed: no event loop");
	sf.feed = feed_new(loop_base(sf.loop), state->probe, &sf_ops, &sf);
	feed_set_auth(sf.feed, auth);
	if (feed_listen(sf.feed, listen_addr, bound, sizeof(bound)) != RC_OK)
		fatalx("statefeed: cannot listen on %s", listen_addr);
	sf_publish(&sf, state, "start");
	loop_on_signal(sf.loop, SIGHUP, sf_signal_cb, &sf);
	loop_on_signal(sf.loop, SIGTERM, sf_signal_cb, &sf);
	loop_on_signal(sf.loop, SIGINT, sf_signal_cb, &sf);
	if (refresh > 0)
		sf.refresh = loop_timer_new(sf.loop, refresh * MONOTIME_SEC, 0,
		    sf_refresh_cb, &sf);
	printf("listening on %s\n", bound);
	fflush(stdout);
	loop_run(sf.loop);
	st = feed_stats(sf.feed);
	log_info("stopping: %llu answered, %llu not modified, %llu "
		 "unauthorized, %llu bad, %llu reports, %llu publishes, %llu "
		 "failed reloads",
	    (unsigned long long)st->state_ok,
	    (unsigned long long)st->state_not_modified,
	    (unsigned long long)st->unauthorized,
	    (unsigned long long)st->state_bad, (unsigned long long)sf.reports,
	    (unsigned long long)st->publishes,
	    (unsigned long long)sf.reload_failures);
	loop_timer_free(sf.refresh);
	feed_free(sf.feed);
	loop_free(sf.loop);
	statemsg_feed_free(sf.state);
	return 0;
}
