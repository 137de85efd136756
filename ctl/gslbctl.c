/*
 * gslbctl: the operator's command line for the daemons' HTTP ports.
 *
 *	gslbctl [-j] [-k SECRET_FILE] [-T SECONDS] COMMAND [ARGS] URL
 *
 *	status URL   GET URL/v1/status. Of gslb-dnsd: the cluster as it
 *	             answers it (probes' feeds and their age, sites, edges
 *	             with state, source and load), as tables (-j: the JSON)
 *	drain URL    POST URL/v1/drain: the edge reports draining at once,
 *	             admits players for its drain grace, then refuses them
 *	             and exits when its last session ends
 *	undrain URL  POST URL/v1/undrain: back to normal
 *	force STATE edge|site NAME URL
 *	             POST URL/v1/admin of gslb-dnsd: override an edge's or a
 *	             site's state (up, down, draining), or clear it
 *	reload URL   POST URL/v1/reload: the daemon rereads its files, as
 *	             on SIGHUP
 *	load URL     GET URL/v1/load: the edge's load report
 *	stats URL    GET URL/v1/stats: its streams, players and origins
 *
 * URL is a daemon's HTTP address ("http://127.0.0.1:8081", or just
 * "127.0.0.1:8081"). With -k, requests are signed and answers checked
 * with the state-protocol secret (doc/state-protocol.md); the daemons
 * refuse unsigned changes when they have a secret. The answer's JSON
 * goes to stdout. Exit status: 0 success, 1 the daemon said no (or sent
 * something unsigned), 2 usage, 3 no answer.
 *
 * One libevent loop, one request: the CLI is as asynchronous as the
 * daemons, so a dead daemon costs at most -T seconds (default 5).
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/http.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/statemsg.h"

#define CTL_TIMEOUT_S 5
#define CTL_BODY_MAX (4u * 1024 * 1024)
#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_USAGE 2
#define CTL_EXIT_NO_ANSWER 3

struct ctl_command {
	const char *name;
	enum evhttp_cmd_type method;
	const char *path;
};

static const struct ctl_command ctl_commands[] = {
	{ "status", EVHTTP_REQ_GET, "/v1/status" },
	{ "drain", EVHTTP_REQ_POST, "/v1/drain" },
	{ "undrain", EVHTTP_REQ_POST, "/v1/undrain" },
	{ "force", EVHTTP_REQ_POST, "/v1/admin" },
	{ "reload", EVHTTP_REQ_POST, "/v1/reload" },
	{ "load", EVHTTP_REQ_GET, "/v1/load" },
	{ "stats", EVHTTP_REQ_GET, "/v1/stats" },
};

struct ctl {
	struct event_base *base;
	struct auth *auth;
	const struct ctl_command *cmd;
	bool json;  /* -j: print status as JSON */
	int status; /* exit status */
};

static void
ctl_usage(void)
{
	fprintf(stderr,
	    "usage: gslbctl [-j] [-k secret_file] [-T seconds] command "
	    "[args] url\n"
	    "commands:\n"
	    "  status URL    the cluster as gslb-dnsd sees it (tables; -j: "
	    "JSON)\n"
	    "  force STATE edge|site NAME URL\n"
	    "                gslb-dnsd: override (up, down, draining) or "
	    "clear\n"
	    "  reload URL    any daemon: reread its files, as on SIGHUP\n"
	    "  drain URL     edge: report draining, then refuse new "
	    "players and exit\n"
	    "  undrain URL   edge: admit players again\n"
	    "  load URL      edge: its load report (JSON)\n"
	    "  stats URL     edge: streams, players, origins (JSON)\n");
	exit(CTL_EXIT_USAGE);
}

/* A number of a JSON object, or NAN. */
static double
ctl_num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
ctl_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/*
 * gslb-dnsd's /v1/status as three tables (feeds, sites, edges). False
 * when the body is not such a status (another daemon's): print it raw.
 */
static bool
ctl_print_status(const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	json_t *feeds, *sites, *edges, *v;
	size_t i;

	feeds = json_object_get(root, "feeds");
	sites = json_object_get(root, "sites");
	edges = json_object_get(root, "edges");
	if (!json_is_array(edges) || !json_is_array(sites)) {
		json_decref(root);
		return false;
	}
	printf("%-40s %10s %8s %6s %6s %8s\n", "FEED (probe)", "GENERATION",
	    "AGE s", "OK", "ERRORS", "REJECTED");
	json_array_foreach(feeds, i, v)
	    printf("%-40s %10.0f %8.1f %6.0f %6.0f %8.0f\n", ctl_str(v, "url"),
		ctl_num(v, "generation"), ctl_num(v, "age"), ctl_num(v, "ok"),
		ctl_num(v, "errors"), ctl_num(v, "rejected"));
	printf("\n%-16s %8s %10s\n", "SITE", "LOAD", "ANSWERS");
	json_array_foreach(sites, i, v) printf("%-16s %8.2f %10.0f\n",
	    ctl_str(v, "name"), ctl_num(v, "load"), ctl_num(v, "answers"));
	printf("\n%-16s %-10s %-9s %-6s %-8s %8s %8s %6s %10s\n", "EDGE",
	    "SITE", "STATE", "USABLE", "SOURCE", "PLAYERS", "MBPS", "LOAD",
	    "ANSWERS");
	json_array_foreach(edges, i, v)
	    printf("%-16s %-10s %-9s %-6s %-8s %8.0f %8.1f %6.2f %10.0f\n",
		ctl_str(v, "name"), ctl_str(v, "site"), ctl_str(v, "state"),
		json_is_true(json_object_get(v, "usable")) ? "yes" : "no",
		ctl_str(v, "source"), ctl_num(v, "players"), ctl_num(v, "mbps"),
		ctl_num(v, "load"), ctl_num(v, "answers"));
	json_decref(root);
	return true;
}

static void
ctl_done_cb(struct evhttp_request *req, void *arg)
{
	struct ctl *c = arg;
	struct evbuffer *in;
	size_t len;
	char *body;
	int code;

	event_base_loopexit(c->base, NULL);
	if (req == NULL ||
	    (code = evhttp_request_get_response_code(req)) == 0) {
		fprintf(stderr, "gslbctl: %s: no answer\n", c->cmd->name);
		c->status = CTL_EXIT_NO_ANSWER;
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = xmalloc(len + 1);
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	if (c->auth != NULL &&
	    http_check_response(req, c->auth, (int64_t)time(NULL), c->cmd->path,
		body, len) != RC_OK) {
		fprintf(stderr,
		    "gslbctl: %s: the answer is not signed with this "
		    "secret\n",
		    c->cmd->name);
		c->status = CTL_EXIT_REFUSED;
		free(body);
		return;
	}
	if (code / 100 == 2 && !c->json &&
	    strcmp(c->cmd->name, "status") == 0 && ctl_print_status(body, len))
		; /* printed as tables */
	else {
		fwrite(body, 1, len, stdout);
		if (len > 0 && body[len - 1] != '\n')
			putchar('\n');
	}
	free(body);
	if (code / 100 != 2) {
		fprintf(stderr, "gslbctl: %s: HTTP %d\n", c->cmd->name, code);
		c->status = CTL_EXIT_REFUSED;
		return;
	}
	c->status = 0;
}

/* The POST /v1/admin body of "force STATE edge|site NAME"; caller frees. */
static int
ctl_admin_body(const char *state, const char *scope, const char *name,
    char **body)
{
	struct statemsg_admin a = { 0 };

	if (strcmp(scope, "edge") == 0)
		a.scope = STATEMSG_SCOPE_EDGE;
	else if (strcmp(scope, "site") == 0)
		a.scope = STATEMSG_SCOPE_SITE;
	else
		return RC_MALFORMED;
	if (strcmp(state, "clear") == 0)
		a.clear = true;
	else if (statemsg_state_parse(state, &a.state) != RC_OK ||
	    a.state == STATEMSG_FULL)
		return RC_MALFORMED;
	if (!statemsg_is_name(name))
		return RC_MALFORMED;
	snprintf(a.name, sizeof(a.name), "%s", name);
	*body = statemsg_admin_encode(&a);
	return *body ? RC_OK : RC_ERROR;
}

/* "http://host:port[/...]" or "host:port" into host and port. */
static int
ctl_parse_url(const char *arg, char **host, int *port)
{
	char *url =
	    strstr(arg, "://") ? xstrdup(arg) : xasprintf("http://%s", arg);
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *h;

	free(url);
	if (u == NULL || (h = evhttp_uri_get_host(u)) == NULL || *h == '\0' ||
	    evhttp_uri_get_scheme(u) == NULL ||
	    strcmp(evhttp_uri_get_scheme(u), "http") != 0) {
		if (u)
			evhttp_uri_free(u);
		return RC_MALFORMED;
	}
	*host = xstrdup(h);
	*port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	evhttp_uri_free(u);
	return RC_OK;
}

int
main(int argc, char **argv)
{
	struct ctl c = { .status = CTL_EXIT_NO_ANSWER };
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	const char *key = NULL;
	char *host = NULL, *body = NULL;
	int port = 0, timeout = CTL_TIMEOUT_S, ch;
	size_t i;

	log_init("gslbctl", true, LOG_WARNING);
	while ((ch = getopt(argc, argv, "hjk:T:")) != -1) {
		switch (ch) {
		case 'j':
			c.json = true;
			break;
		case 'k':
			key = optarg;
			break;
		case 'T':
			timeout = atoi(optarg);
			if (timeout < 1 || timeout > 3600)
				ctl_usage();
			break;
		default:
			ctl_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		ctl_usage();
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (strcmp(argv[0], ctl_commands[i].name) == 0)
			c.cmd = &ctl_commands[i];
	if (c.cmd == NULL) {
		fprintf(stderr, "gslbctl: unknown command '%s'\n", argv[0]);
		ctl_usage();
	}
	if (strcmp(c.cmd->name, "force") == 0) {
		if (argc != 5 ||
		    ctl_admin_body(argv[1], argv[2], argv[3], &body) != RC_OK)
			ctl_usage();
	} else if (argc != 2) {
		ctl_usage();
	}
	if (ctl_parse_url(argv[argc - 1], &host, &port) != RC_OK) {
		fprintf(stderr, "gslbctl: '%s' is not an http:// URL\n",
		    argv[argc - 1]);
		return CTL_EXIT_USAGE;
	}
	if (key != NULL) {
		c.auth = auth_load_secret(key, 30, 16);
		if (c.auth == NULL)
			return CTL_EXIT_USAGE;
	}
	c.base = event_base_new();
	if (c.base == NULL)
		fatalx("event_base_new failed");
	conn = evhttp_connection_base_new(c.base, NULL, host, (uint16_t)port);
	if (conn == NULL)
		fatalx("evhttp_connection_base_new failed");
	evhttp_connection_set_timeout(conn, timeout);
	evhttp_connection_set_max_body_size(conn, CTL_BODY_MAX);
	evhttp_connection_set_retries(conn, 0);
	req = evhttp_request_new(ctl_done_cb, &c);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", host);
	if (c.cmd->method == EVHTTP_REQ_POST)
		evhttp_add_header(h, "Content-Type", "application/json");
	if (body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	if (http_sign(h, c.auth, (int64_t)time(NULL),
		c.cmd->method == EVHTTP_REQ_POST ? "POST" : "GET", c.cmd->path,
		body, body ? strlen(body) : 0) != RC_OK ||
	    evhttp_make_request(conn, req, c.cmd->method, c.cmd->path) != 0) {
		fprintf(stderr, "gslbctl: %s: cannot send\n", c.cmd->name);
		return CTL_EXIT_NO_ANSWER;
	}
	event_base_dispatch(c.base);
	evhttp_connection_free(conn);
	event_base_free(c.base);
	auth_free(c.auth);
	free(host);
	free(body);
	return c.status;
}
