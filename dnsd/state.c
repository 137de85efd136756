#include "config.h"

#include "dnsd/state.h"

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
#include "common/conf.h"
#include "common/http.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "dnsd/dnsd.h"
#include "dnsd/gslb.h"

#define STATE_BODY_MAX (4 * 1024 * 1024)
#define STATE_BACKOFF_MIN_MS 100
#define STATE_BACKOFF_MAX_MS 5000
#define STATE_AUTH_WINDOW 30
#define STATE_AUTH_CACHE 4096
#define STATE_PATH_MAX 512

/* One feed's word on one edge. */
struct state_entry {
	bool has;
	enum statemsg_state state;
	struct statemsg_load load;
	uint64_t received; /* monotime */
	uint64_t expires;  /* monotime */
};

struct feed {
	struct state *st;
	char *url, *host, *path;
	uint16_t port;
	struct evhttp_connection *conn;
	struct event *retry;
	uint64_t generation;
	uint64_t last_ok; /* monotime, 0: never */
	uint64_t ok, errors, rejected;
	uint64_t requests;
	unsigned backoff_ms;
	char sent[STATE_PATH_MAX];   /* the path of the request in flight */
	struct state_entry *entries; /* per edge */
};

enum state_source {
	SRC_NONE,
	SRC_FEED,
	SRC_STALE,
	SRC_POLICY,
	SRC_ADMIN,
};

struct state {
	struct dnsd *d;
	struct auth *auth;
	struct feed *feeds;
	unsigned nfeeds;
	unsigned nedges, nsites;
	/* Overrides: 0 none, else 1 + enum gslb_state. */
	uint8_t *file_edge, *file_site, *http_edge, *http_site;
	uint8_t *source; /* per edge: enum state_source */
	unsigned stale;
	char **old_topo_names; /* edge names of the topology in use */
};

static struct log_ratelimit feed_rl = LOG_RATELIMIT_INIT;

static void feed_request(struct feed *f);
static void feed_retry(struct feed *f);
static void state_compute(struct state *st);

/* ---- Admin file ---- */

struct admin_row {
	char *edge;
	char *site;
	char *state;
};

struct admin_file {
	struct admin_row *overrides;
	unsigned overrides_count;
};

static const cyaml_schema_field_t admin_row_fields[] = {
	CYAML_FIELD_STRING_PTR("edge", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct admin_row, edge, 1, 64),
	CYAML_FIELD_STRING_PTR("site", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct admin_row, site, 1, 64),
	CYAML_FIELD_STRING_PTR("state", CYAML_FLAG_POINTER, struct admin_row,
	    state, 1, 16),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t admin_row_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct admin_row,
	    admin_row_fields),
};

static const cyaml_schema_field_t admin_fields[] = {
	CYAML_FIELD_SEQUENCE("overrides",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct admin_file,
	    overrides, &admin_row_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t admin_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct admin_file,
	    admin_fields),
};

static int
admin_state_word(const char *s)
{
	if (strcmp(s, "up") == 0)
		return GSLB_UP;
	if (strcmp(s, "down") == 0)
		return GSLB_DOWN;
	if (strcmp(s, "draining") == 0)
		return GSLB_DRAINING;
	return -1;
}

static int
topo_find(const struct gslb_topo *tp, bool site, const char *name)
{
	unsigned n = site ? gslb_topo_nsites(tp) : gslb_topo_nedges(tp);

	for (unsigned i = 0; i < n; i++)
		if (strcmp(site ? gslb_topo_site_name(tp, i) :
				  gslb_topo_edge_name(tp, i),
			name) == 0)
			return (int)i;
	return -1;
}

/*
 * Read the admin file of `cf` against topology `tp` into edge[] and
 * site[] (0 or 1 + enum gslb_state; the caller zeroes them). Every problem
 * is reported with its file and line; false if there was any.
 */
bool
state_admin_parse(const struct dnsd_conf *cf, const struct gslb_topo *tp,
    uint8_t *edge, uint8_t *site)
{
	struct admin_file *af = NULL;
	struct conf_report rep;
	char *path;
	bool ok;

	if (cf->admin_state == NULL || tp == NULL)
		return true;
	path = dnsd_conf_path(cf, cf->admin_state);
	conf_report_init(&rep, path);
	if (conf_load(path, &admin_schema, (void **)&af, &rep) == RC_OK) {
		for (unsigned i = 0; i < af->overrides_count; i++) {
			const struct admin_row *r = &af->overrides[i];
			char key[48];
			int s = admin_state_word(r->state), idx;

			snprintf(key, sizeof(key), "overrides[%u]", i);
			if ((r->edge == NULL) == (r->site == NULL)) {
				conf_error(&rep, key,
				    "give exactly one of edge and site");
				continue;
			}
			if (s < 0) {
				conf_error(&rep, key,
				    "state must be up, down or draining");
				continue;
			}
			idx = topo_find(tp, r->site != NULL,
			    r->site ? r->site : r->edge);
			if (idx < 0) {
				conf_error(&rep, key, "no %s named %s",
				    r->site ? "site" : "edge",
				    r->site ? r->site : r->edge);
				continue;
			}
			(r->site ? site : edge)[idx] = (uint8_t)(s + 1);
		}
	}
	ok = conf_report_count(&rep) == 0;
	conf_report_fini(&rep);
	conf_free(&admin_schema, af);
	free(path);
	return ok;
}

static bool
admin_file_load(struct state *st)
{
	memset(st->file_edge, 0, st->nedges + 1);
	memset(st->file_site, 0, st->nsites + 1);
	return state_admin_parse(st->d->conf, st->d->gtp, st->file_edge,
	    st->file_site);
}

/* ---- Feeds ---- */

static void
feed_free(struct feed *f)
{
	if (f->retry)
		event_free(f->retry);
	if (f->conn)
		evhttp_connection_free(f->conn);
	free(f->url);
	free(f->host);
	free(f->path);
	free(f->entries);
}

static void
feed_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	feed_request(arg);
}

static void
feed_next_cb(evutil_socket_t fd, short what, void *arg)
{
	feed_request(arg);
}

/* Ask again after a pause that grows with each failure. */
static void
feed_retry(struct feed *f)
{
	struct timeval tv = loop_timeval((uint64_t)f->backoff_ms * 1000);

	evtimer_add(f->retry, &tv);
	f->backoff_ms *= 2;
	if (f->backoff_ms > STATE_BACKOFF_MAX_MS)
		f->backoff_ms = STATE_BACKOFF_MAX_MS;
}

/* Apply a decoded feed: every edge it names gets this feed's entry. */
static void
feed_apply(struct feed *f, const struct statemsg_feed *msg)
{
	struct state *st = f->st;
	const struct gslb_topo *tp = st->d->gtp;
	uint64_t now = monotime_now();
	int64_t age = (int64_t)time(NULL) - msg->time;

	if (age < 0)
		age = 0;
	for (size_t i = 0; i < msg->nedges; i++) {
		const struct statemsg_edge *e = &msg->edges[i];
		int idx = topo_find(tp, false, e->name);
		struct state_entry *se;
		uint64_t valid;

		if (idx < 0)
			continue; /* an edge we do not serve */
		se = &f->entries[idx];
		se->has = true;
		se->state = e->state;
		se->load = e->load;
		se->received = now;
		valid = e->valid_for > (uint64_t)age ?
		    (e->valid_for - (uint64_t)age) * MONOTIME_SEC :
		    0;
		se->expires = now + valid;
	}
	f->generation = msg->generation;
}

static void
feed_done_cb(struct evhttp_request *req, void *arg)
{
	struct feed *f = arg;
	struct state *st = f->st;
	struct evbuffer *in;
	struct statemsg_feed *msg = NULL;
	char reason[STATEMSG_REASON_MAX];
	char *body = NULL;
	size_t len;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	struct timeval now0 = { 0, 0 };

	if (code == 0) {
		f->errors++;
		log_ratelimited(&feed_rl, LOG_WARNING,
		    "state %s: no answer, retrying", f->url);
		feed_retry(f);
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > STATE_BODY_MAX) {
		f->rejected++;
		feed_retry(f);
		return;
	}
	body = xmalloc(len + 1);
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	if (http_check_response(req, st->auth, (int64_t)time(NULL), f->sent,
		body, len) != RC_OK) {
		f->rejected++;
		log_ratelimited(&feed_rl, LOG_WARNING,
		    "state %s: answer %d with a bad or missing signature, "
		    "rejected",
		    f->url, code);
		free(body);
		feed_retry(f);
		return;
	}
	if (code == HTTP_NOTMODIFIED) {
		free(body);
		f->last_ok = monotime_now();
		f->backoff_ms = STATE_BACKOFF_MIN_MS;
		event_base_once(loop_base(st->d->loop), -1, EV_TIMEOUT,
		    feed_next_cb, f, &now0);
		return;
	}
	if (code != HTTP_OK) {
		f->errors++;
		log_ratelimited(&feed_rl, LOG_WARNING,
		    "state %s: HTTP %d, retrying", f->url, code);
		free(body);
		feed_retry(f);
		return;
	}
	if (statemsg_feed_decode(body, len, &msg, reason, sizeof(reason)) !=
	    RC_OK) {
		f->rejected++;
		log_ratelimited(&feed_rl, LOG_WARNING,
		    "state %s: invalid feed, rejected: %s", f->url, reason);
		free(body);
		feed_retry(f);
		return;
	}
	free(body);
	if (f->last_ok == 0)
		log_notice("state %s: receiving from probe %s, generation "
			   "%llu",
		    f->url, msg->probe, (unsigned long long)msg->generation);
	feed_apply(f, msg);
	statemsg_feed_free(msg);
	f->ok++;
	f->last_ok = monotime_now();
	f->backoff_ms = STATE_BACKOFF_MIN_MS;
	state_compute(st);
	event_base_once(loop_base(st->d->loop), -1, EV_TIMEOUT, feed_next_cb, f,
	    &now0);
}

static uint64_t
mix_nonce(struct feed *f)
{
	uint64_t x =
	    monotime_now() ^ ((uint64_t)(uintptr_t)f << 17) ^ ++f->requests;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void
feed_request(struct feed *f)
{
	struct state *st = f->st;
	struct evhttp_request *req;
	struct evkeyvalq *h;

	/* The nonce keeps two requests with the same since in one second
	 * (a retry, or another gslb-dnsd) from looking like a replay. */
	snprintf(f->sent, sizeof(f->sent), "%s?since=%llu&wait=%u&nonce=%llu",
	    f->path, (unsigned long long)f->generation,
	    st->d->conf->state->wait,
	    (unsigned long long)(mix_nonce(f) & 0xffffffffffffULL));
	req = evhttp_request_new(feed_done_cb, f);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", f->host);
	if (http_sign(h, st->auth, (int64_t)time(NULL), "GET", f->sent, NULL,
		0) != RC_OK ||
	    evhttp_make_request(f->conn, req, EVHTTP_REQ_GET, f->sent) != 0) {
		f->errors++;
		feed_retry(f);
	}
}

static bool
feed_init(struct state *st, struct feed *f, const char *url)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *host, *path;
	int port;

	memset(f, 0, sizeof(*f));
	f->st = st;
	f->url = xstrdup(url);
	if (u == NULL || (host = evhttp_uri_get_host(u)) == NULL) {
		log_warnx("state %s: not a URL", url);
		if (u)
			evhttp_uri_free(u);
		return false;
	}
	port = evhttp_uri_get_port(u);
	path = evhttp_uri_get_path(u);
	f->host = xstrdup(host);
	f->port = (uint16_t)(port > 0 ? port : 80);
	f->path = xstrdup(path && *path ? path : "/v1/state");
	evhttp_uri_free(u);
	f->backoff_ms = STATE_BACKOFF_MIN_MS;
	f->entries = xcalloc(st->nedges + 1, sizeof(*f->entries));
	f->conn = evhttp_connection_base_new(loop_base(st->d->loop), NULL,
	    f->host, f->port);
	f->retry = evtimer_new(loop_base(st->d->loop), feed_retry_cb, f);
	if (f->conn == NULL || f->retry == NULL)
		return false;
	/* A feed larger than the protocol allows is cut off by libevent
	 * before it is buffered whole. */
	evhttp_connection_set_max_body_size(f->conn, STATE_BODY_MAX);
	evhttp_connection_set_max_headers_size(f->conn, 64 * 1024);
	/* The probe holds a long poll up to `wait` seconds. */
	evhttp_connection_set_timeout(f->conn,
	    (int)st->d->conf->state->wait + 5);
	return true;
}

/* ---- The merge ---- */

static enum gslb_state
state_from_msg(enum statemsg_state s)
{
	switch (s) {
	case STATEMSG_UP:
		return GSLB_UP;
	case STATEMSG_DOWN:
		return GSLB_DOWN;
	case STATEMSG_DRAINING:
		return GSLB_DRAINING;
	case STATEMSG_FULL:
		return GSLB_FULL;
	}
	return GSLB_UNKNOWN;
}

/*
 * The entry that decides edge e (see gslb-dnsd.conf(5), state.quorum):
 * among the entries still valid, down only when at least the quorum of
 * them say down (default: a majority), else the freshest of the others
 * (or, when only down entries are valid but too few, the freshest entry
 * that is not down, however old); with none valid, the freshest of all
 * (the stale policy then applies). NULL when there is nothing to go by:
 * the edge is unknown.
 */
static const struct state_entry *
state_pick(const struct state *st, unsigned e, uint64_t now)
{
	const struct state_entry *freshest = NULL, *up = NULL, *down = NULL;
	unsigned valid = 0, downs = 0, quorum;

	for (unsigned k = 0; k < st->nfeeds; k++) {
		const struct state_entry *se = &st->feeds[k].entries[e];

		if (!se->has)
			continue;
		if (!freshest || se->received > freshest->received)
			freshest = se;
		if (now >= se->expires)
			continue;
		valid++;
		if (se->state == STATEMSG_DOWN) {
			downs++;
			if (!down || se->received > down->received)
				down = se;
		} else if (!up || se->received > up->received) {
			up = se;
		}
	}
	if (valid == 0)
		return freshest;
	quorum = st->d->conf->state ? st->d->conf->state->quorum : 0;
	if (quorum == 0)
		quorum = valid / 2 + 1;
	if (downs >= quorum)
		return down;
	if (up != NULL)
		return up;
	/*
	 * Fewer probes than the quorum say down and none says otherwise:
	 * not enough to take the edge out. Fall back to the freshest entry
	 * that is not down (stale, so the stale policy applies), or to
	 * unknown.
	 */
	up = NULL;
	for (unsigned k = 0; k < st->nfeeds; k++) {
		const struct state_entry *se = &st->feeds[k].entries[e];

		if (se->has && se->state != STATEMSG_DOWN &&
		    (!up || se->received > up->received))
			up = se;
	}
	return up;
}

static void
state_compute(struct state *st)
{
	struct dnsd *d = st->d;
	const struct gslb_topo *tp = d->gtp;
	uint64_t now = monotime_now();
	uint64_t keep = d->conf->state ?
	    (uint64_t)d->conf->state->stale_keep_s * MONOTIME_SEC :
	    0;
	bool changed = false;

	if (tp == NULL)
		return;
	st->stale = 0;
	for (unsigned e = 0; e < st->nedges; e++) {
		unsigned site = gslb_topo_edge_site(tp, e);
		struct gslb_input in = { .state = GSLB_UNKNOWN };
		const struct state_entry *best = NULL;
		uint8_t ov;

		best = state_pick(st, e, now);
		st->source[e] = SRC_NONE;
		if (best) {
			if (now < best->expires) {
				in.state = state_from_msg(best->state);
				st->source[e] = SRC_FEED;
			} else if (now < best->expires + keep) {
				in.state = state_from_msg(best->state);
				st->source[e] = SRC_STALE;
				st->stale++;
			} else {
				in.state = (enum gslb_state)
					       d->conf->state->stale_then_state;
				st->source[e] = SRC_POLICY;
				st->stale++;
			}
			in.has_players = best->load.has_players;
			in.players = (double)best->load.players;
			in.has_mbps = best->load.has_egress_mbps;
			in.mbps = best->load.egress_mbps;
		}
		ov = st->http_edge[e]	? st->http_edge[e] :
		    st->http_site[site] ? st->http_site[site] :
		    st->file_edge[e]	? st->file_edge[e] :
					  st->file_site[site];
		if (ov) {
			in.state = (enum gslb_state)(ov - 1);
			st->source[e] = SRC_ADMIN;
		}
		if (memcmp(&in, &d->inputs[e], sizeof(in)) != 0) {
			if (in.state != d->inputs[e].state)
				log_notice("edge %s: %s -> %s (%s)",
				    gslb_topo_edge_name(tp, e),
				    gslb_state_str(d->inputs[e].state),
				    gslb_state_str(in.state),
				    state_edge_source(d, e));
			dnsd_set_input(d, e, &in);
			changed = true;
		}
	}
	if (changed)
		dnsd_publish(d);
}

/* ---- Lifecycle ---- */

static void
state_size(struct state *st)
{
	const struct gslb_topo *tp = st->d->gtp;

	st->nedges = tp ? gslb_topo_nedges(tp) : 0;
	st->nsites = tp ? gslb_topo_nsites(tp) : 0;
	st->file_edge = xcalloc(st->nedges + 1, 1);
	st->file_site = xcalloc(st->nsites + 1, 1);
	st->http_edge = xcalloc(st->nedges + 1, 1);
	st->http_site = xcalloc(st->nsites + 1, 1);
	st->source = xcalloc(st->nedges + 1, 1);
}

/* Remember the edge names, to match entries after a reload. */
static void
state_remember_names(struct state *st)
{
	if (st->old_topo_names)
		for (unsigned e = 0; st->old_topo_names[e]; e++)
			free(st->old_topo_names[e]);
	free(st->old_topo_names);
	st->old_topo_names = xcalloc(st->nedges + 1, sizeof(char *));
	for (unsigned e = 0; e < st->nedges; e++)
		st->old_topo_names[e] =
		    xstrdup(gslb_topo_edge_name(st->d->gtp, e));
}

static void
state_free_feeds(struct state *st)
{
	for (unsigned i = 0; i < st->nfeeds; i++)
		feed_free(&st->feeds[i]);
	free(st->feeds);
	st->feeds = NULL;
	st->nfeeds = 0;
	auth_free(st->auth);
	st->auth = NULL;
}

static int
state_start_feeds(struct state *st)
{
	const struct dnsd_conf_state *cs = st->d->conf->state;
	char *path;

	if (cs == NULL || st->d->gtp == NULL)
		return RC_OK;
	path = dnsd_conf_path(st->d->conf, cs->secret_file);
	st->auth = auth_load_secret(path, STATE_AUTH_WINDOW, STATE_AUTH_CACHE);
	free(path);
	if (st->auth == NULL)
		return RC_CONFIG;
	st->feeds = xcalloc(cs->urls_count, sizeof(*st->feeds));
	for (unsigned i = 0; i < cs->urls_count; i++) {
		if (!feed_init(st, &st->feeds[i], cs->urls[i]))
			return RC_CONFIG;
		st->nfeeds++;
		feed_request(&st->feeds[i]);
	}
	return RC_OK;
}

int
state_start(struct dnsd *d)
{
	struct state *st = xcalloc(1, sizeof(*st));

	st->d = d;
	d->state = st;
	state_size(st);
	state_remember_names(st);
	if (!admin_file_load(st))
		return RC_CONFIG;
	if (state_start_feeds(st) != RC_OK)
		return RC_CONFIG;
	state_compute(st);
	return RC_OK;
}

void
state_stop(struct dnsd *d)
{
	struct state *st = d->state;

	if (st == NULL)
		return;
	state_free_feeds(st);
	free(st->file_edge);
	free(st->file_site);
	free(st->http_edge);
	free(st->http_site);
	free(st->source);
	if (st->old_topo_names)
		for (unsigned e = 0; st->old_topo_names[e]; e++)
			free(st->old_topo_names[e]);
	free(st->old_topo_names);
	free(st);
	d->state = NULL;
}

void
state_reload(struct dnsd *d)
{
	struct state *st = d->state;
	uint8_t *http_edge = st->http_edge, *http_site = st->http_site;
	unsigned old_nedges = st->nedges, old_nsites = st->nsites;

	struct feed *old_feeds = st->feeds;
	unsigned old_nfeeds = st->nfeeds;
	char **old_names = xcalloc(old_nedges + 1, sizeof(*old_names));

	/* Feeds restart from generation 0 against the new edge list, so
	 * their first answer brings the whole state; until it comes, each
	 * edge keeps what its feed said before, matched by name. */
	for (unsigned e = 0; e < old_nedges; e++)
		old_names[e] = xstrdup(st->old_topo_names[e]);
	st->feeds = NULL;
	st->nfeeds = 0;
	auth_free(st->auth);
	st->auth = NULL;
	free(st->file_edge);
	free(st->file_site);
	free(st->source);
	state_size(st);
	if (old_nedges == st->nedges && old_nsites == st->nsites) {
		memcpy(st->http_edge, http_edge, st->nedges);
		memcpy(st->http_site, http_site, st->nsites);
	}
	free(http_edge);
	free(http_site);
	if (!admin_file_load(st))
		log_warnx("reload: the admin file has errors; its overrides "
			  "are not applied");
	if (state_start_feeds(st) != RC_OK)
		log_warnx("reload: the state feed could not start");
	for (unsigned k = 0; k < st->nfeeds; k++)
		for (unsigned j = 0; j < old_nfeeds; j++) {
			if (strcmp(st->feeds[k].url, old_feeds[j].url) != 0)
				continue;
			for (unsigned e = 0; e < st->nedges; e++) {
				int o = -1;

				for (unsigned x = 0; x < old_nedges; x++)
					if (strcmp(old_names[x],
						gslb_topo_edge_name(d->gtp,
						    e)) == 0)
						o = (int)x;
				if (o >= 0)
					st->feeds[k].entries[e] =
					    old_feeds[j].entries[o];
			}
		}
	for (unsigned j = 0; j < old_nfeeds; j++)
		feed_free(&old_feeds[j]);
	free(old_feeds);
	for (unsigned e = 0; e < old_nedges; e++)
		free(old_names[e]);
	free(old_names);
	state_remember_names(st);
	state_compute(st);
}

void
state_tick(struct dnsd *d)
{
	if (d->state)
		state_compute(d->state);
}

/* ---- Views ---- */

unsigned
state_nfeeds(const struct dnsd *d)
{
	return d->state ? d->state->nfeeds : 0;
}

void
state_feed_info(const struct dnsd *d, unsigned i, struct state_feed_info *o)
{
	const struct feed *f = &d->state->feeds[i];

	o->url = f->url;
	o->generation = f->generation;
	o->age = f->last_ok ?
	    (double)(monotime_now() - f->last_ok) / MONOTIME_SEC :
	    -1;
	o->ok = f->ok;
	o->errors = f->errors;
	o->rejected = f->rejected;
}

unsigned
state_stale_edges(const struct dnsd *d)
{
	return d->state ? d->state->stale : 0;
}

const char *
state_edge_source(const struct dnsd *d, unsigned edge)
{
	static const char *const names[] = { "none", "feed", "stale",
		"stale-policy", "admin" };

	if (d->state == NULL || edge >= d->state->nedges)
		return "none";
	return names[d->state->source[edge]];
}

/* ---- POST /v1/admin ---- */

/* Append one row of the override table if edge or site i has one. */
static void
admin_row(struct statemsg_admin *rows, size_t *n, enum statemsg_scope scope,
    const char *name, uint8_t http, uint8_t file)
{
	uint8_t v = http ? http : file;

	if (v == 0)
		return;
	rows[*n].scope = scope;
	snprintf(rows[*n].name, sizeof(rows[*n].name), "%s", name);
	rows[*n].state = v - 1 == GSLB_DOWN ? STATEMSG_DOWN :
	    v - 1 == GSLB_DRAINING	    ? STATEMSG_DRAINING :
					      STATEMSG_UP;
	(*n)++;
}

static void
admin_reply_table(struct evhttp_request *req, struct state *st)
{
	const struct gslb_topo *tp = st->d->gtp;
	struct statemsg_admin *rows;
	size_t n = 0;
	char *json;

	rows = xcalloc(st->nedges + st->nsites + 1, sizeof(*rows));
	for (unsigned i = 0; i < st->nsites; i++)
		admin_row(rows, &n, STATEMSG_SCOPE_SITE,
		    gslb_topo_site_name(tp, i), st->http_site[i],
		    st->file_site[i]);
	for (unsigned i = 0; i < st->nedges; i++)
		admin_row(rows, &n, STATEMSG_SCOPE_EDGE,
		    gslb_topo_edge_name(tp, i), st->http_edge[i],
		    st->file_edge[i]);
	json = statemsg_overrides_encode(rows, n);
	http_reply(req, st->auth, (int64_t)time(NULL), HTTP_OK, json);
	free(json);
	free(rows);
}

void
state_admin_cb(struct evhttp_request *req, void *arg)
{
	struct dnsd *d = arg;
	struct state *st = d->state;
	struct statemsg_admin a;
	char reason[STATEMSG_REASON_MAX];
	char *body = NULL;
	size_t len = 0;
	int idx, s;

	if (st == NULL || d->gtp == NULL) {
		evhttp_send_error(req, HTTP_NOTFOUND, "no topology");
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		admin_reply_table(req, st);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	if (http_read_body(req, 64 * 1024, &body, &len) != RC_OK) {
		http_reply_error(req, st->auth, (int64_t)time(NULL), 400,
		    "body too large");
		return;
	}
	/* With a shared secret, changes must be signed. */
	if (st->auth &&
	    http_verify_request(req, st->auth, (int64_t)time(NULL), body,
		len) != RC_OK) {
		free(body);
		http_reply_error(req, st->auth, (int64_t)time(NULL), 401,
		    "bad or missing signature");
		return;
	}
	if (statemsg_admin_decode(body, len, &a, reason, sizeof(reason)) !=
	    RC_OK) {
		free(body);
		http_reply_error(req, st->auth, (int64_t)time(NULL), 400,
		    reason);
		return;
	}
	free(body);
	idx = topo_find(d->gtp, a.scope == STATEMSG_SCOPE_SITE, a.name);
	if (idx < 0) {
		http_reply_error(req, st->auth, (int64_t)time(NULL), 404,
		    "no such edge or site");
		return;
	}
	s = a.clear ? -1 : (int)state_from_msg(a.state);
	(a.scope == STATEMSG_SCOPE_SITE ? st->http_site : st->http_edge)[idx] =
	    (uint8_t)(s + 1);
	log_notice("admin: %s %s %s",
	    a.scope == STATEMSG_SCOPE_SITE ? "site" : "edge", a.name,
	    a.clear ? "cleared" : statemsg_state_str(a.state));
	state_compute(st);
	admin_reply_table(req, st);
}

/* ---- POST /v1/reload ---- */

void
state_reload_cb(struct evhttp_request *req, void *arg)
{
	struct dnsd *d = arg;
	struct auth *a = d->state ? d->state->auth : NULL;
	uint64_t failed = d->reloads_failed;
	char *body = NULL;
	size_t len = 0;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	if (http_read_body(req, 64 * 1024, &body, &len) != RC_OK) {
		http_reply_error(req, a, (int64_t)time(NULL), 400,
		    "body too large");
		return;
	}
	if (a &&
	    http_verify_request(req, a, (int64_t)time(NULL), body, len) !=
		RC_OK) {
		free(body);
		http_reply_error(req, a, (int64_t)time(NULL), 401,
		    "bad or missing signature");
		return;
	}
	free(body);
	log_notice("POST /v1/reload");
	dnsd_reload(d);
	/* The reload may have replaced the secret. */
	a = d->state ? d->state->auth : NULL;
	if (d->reloads_failed != failed) {
		http_reply_error(req, a, (int64_t)time(NULL), 500,
		    "reload failed: the previous configuration stays, see the "
		    "log");
		return;
	}
	http_reply(req, a, (int64_t)time(NULL), HTTP_OK,
	    "{\"version\":1,\"reloaded\":true}");
}

struct auth *
state_auth(const struct dnsd *d)
{
	return d->state ? d->state->auth : NULL;
}
