/*
 * gslbctl: the operator's command line for the daemons' HTTP ports.
 *
 *	gslbctl [-k SECRET_FILE] [-T SECONDS] COMMAND URL
 *
 *	drain URL    POST URL/v1/drain: the edge reports draining at once,
 *	             admits players for its drain grace, then refuses them
 *	             and exits when its last session ends
 *	undrain URL  POST URL/v1/undrain: back to normal
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/alloc.h"
#include "common/auth.h"
#include "common/http.h"
#include "common/log.h"
#include "common/rc.h"

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
	{ "drain", EVHTTP_REQ_POST, "/v1/drain" },
	{ "undrain", EVHTTP_REQ_POST, "/v1/undrain" },
	{ "load", EVHTTP_REQ_GET, "/v1/load" },
	{ "stats", EVHTTP_REQ_GET, "/v1/stats" },
};

struct ctl {
	struct event_base *base;
	struct auth *auth;
	const struct ctl_command *cmd;
	int status; /* exit status */
};

static void
ctl_usage(void)
{
	fprintf(stderr,
	    "usage: gslbctl [-k secret_file] [-T seconds] command url\n"
	    "commands:\n"
	    "  drain URL     edge: report draining, then refuse new "
	    "players and exit\n"
	    "  undrain URL   edge: admit players again\n"
	    "  load URL      edge: its load report (JSON)\n"
	    "  stats URL     edge: streams, players, origins (JSON)\n");
	exit(CTL_EXIT_USAGE);
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
	fwrite(body, 1, len, stdout);
	if (len > 0 && body[len - 1] != '\n')
		putchar('\n');
	free(body);
	if (code / 100 != 2) {
		fprintf(stderr, "gslbctl: %s: HTTP %d\n", c->cmd->name, code);
		c->status = CTL_EXIT_REFUSED;
		return;
	}
	c->status = 0;
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
	char *host = NULL;
	int port = 0, timeout = CTL_TIMEOUT_S, ch;
	size_t i;

	log_init("gslbctl", true, LOG_WARNING);
	while ((ch = getopt(argc, argv, "hk:T:")) != -1) {
		switch (ch) {
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
	if (argc != 2)
		ctl_usage();
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (strcmp(argv[0], ctl_commands[i].name) == 0)
			c.cmd = &ctl_commands[i];
	if (c.cmd == NULL) {
		fprintf(stderr, "gslbctl: unknown command '%s'\n", argv[0]);
		ctl_usage();
	}
	if (ctl_parse_url(argv[1], &host, &port) != RC_OK) {
		fprintf(stderr, "gslbctl: '%s' is not an http:// URL\n",
		    argv[1]);
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
	if (http_sign(h, c.auth, (int64_t)time(NULL),
		c.cmd->method == EVHTTP_REQ_POST ? "POST" : "GET", c.cmd->path,
		NULL, 0) != RC_OK ||
	    evhttp_make_request(conn, req, c.cmd->method, c.cmd->path) != 0) {
		fprintf(stderr, "gslbctl: %s: cannot send\n", c.cmd->name);
		return CTL_EXIT_NO_ANSWER;
	}
	event_base_dispatch(c.base);
	evhttp_connection_free(conn);
	event_base_free(c.base);
	auth_free(c.auth);
	free(host);
	return c.status;
}
