#include "config.h"

#include "edge/edge_conf.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/conf.h"
#include "common/rc.h"
#include "common/sockaddr.h"

static void edge_conf_check(void *data, struct conf_report *rep, void *arg);
static void edge_conf_free_cb(void *data);

/* ---- Schema: one row per option ---- */

static const cyaml_schema_value_t string_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 1024),
};

static const cyaml_strval_t mode_strings[] = {
	{ "live", EDGE_MODE_LIVE },
	{ "vod", EDGE_MODE_VOD },
};

static const cyaml_schema_field_t route_fields[] = {
	CYAML_FIELD_STRING_PTR("app", CYAML_FLAG_POINTER,
	    struct edge_conf_route, app, 1, 128),
	CYAML_FIELD_STRING_PTR("stream",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct edge_conf_route,
	    stream, 1, 256),
	CYAML_FIELD_SEQUENCE("origins", CYAML_FLAG_POINTER,
	    struct edge_conf_route, origins, &string_schema, 1, 16),
	CYAML_FIELD_ENUM("mode", CYAML_FLAG_OPTIONAL, struct edge_conf_route,
	    mode, mode_strings, CYAML_ARRAY_LEN(mode_strings)),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t route_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct edge_conf_route,
	    route_fields),
};

#define OPT_PTR (CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL)

static const cyaml_schema_field_t limits_fields[] = {
	CYAML_FIELD_UINT_PTR("max_players", OPT_PTR, struct edge_conf_limits,
	    yaml.max_players),
	CYAML_FIELD_UINT_PTR("max_egress_mbps", OPT_PTR,
	    struct edge_conf_limits, yaml.max_egress_mbps),
	CYAML_FIELD_UINT_PTR("max_message_bytes", OPT_PTR,
	    struct edge_conf_limits, yaml.max_message_bytes),
	CYAML_FIELD_FLOAT_PTR("handshake_timeout", OPT_PTR,
	    struct edge_conf_limits, yaml.handshake_timeout),
	CYAML_FIELD_FLOAT_PTR("idle_timeout", OPT_PTR, struct edge_conf_limits,
	    yaml.idle_timeout),
	CYAML_FIELD_UINT_PTR("player_queue_bytes", OPT_PTR,
	    struct edge_conf_limits, yaml.player_queue_bytes),
	CYAML_FIELD_FLOAT_PTR("player_stall_timeout", OPT_PTR,
	    struct edge_conf_limits, yaml.player_stall_timeout),
	CYAML_FIELD_FLOAT_PTR("merge_write", OPT_PTR, struct edge_conf_limits,
	    yaml.merge_write),
	CYAML_FIELD_UINT_PTR("gop_cache_bytes", OPT_PTR,
	    struct edge_conf_limits, yaml.gop_cache_bytes),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t upstream_fields[] = {
	CYAML_FIELD_FLOAT_PTR("connect_timeout", OPT_PTR,
	    struct edge_conf_upstream, yaml.connect_timeout),
	CYAML_FIELD_FLOAT_PTR("silent_timeout", OPT_PTR,
	    struct edge_conf_upstream, yaml.silent_timeout),
	CYAML_FIELD_FLOAT_PTR("linger", OPT_PTR, struct edge_conf_upstream,
	    yaml.linger),
	CYAML_FIELD_FLOAT_PTR("notfound_cache", OPT_PTR,
	    struct edge_conf_upstream, yaml.notfound_cache),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t drain_fields[] = {
	CYAML_FIELD_FLOAT_PTR("grace", OPT_PTR, struct edge_conf_drain,
	    yaml.grace),
	CYAML_FIELD_FLOAT_PTR("deadline", OPT_PTR, struct edge_conf_drain,
	    yaml.deadline),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t report_fields[] = {
	CYAML_FIELD_SEQUENCE("urls", CYAML_FLAG_POINTER,
	    struct edge_conf_report, urls, &string_schema, 1, 16),
	CYAML_FIELD_STRING_PTR("secret_file", CYAML_FLAG_POINTER,
	    struct edge_conf_report, secret_file, 1, 4096),
	CYAML_FIELD_FLOAT_PTR("interval", OPT_PTR, struct edge_conf_report,
	    yaml.interval),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t resolver_fields[] = {
	CYAML_FIELD_SEQUENCE("servers", OPT_PTR, struct edge_conf_resolver,
	    servers, &string_schema, 1, 8),
	CYAML_FIELD_FLOAT_PTR("timeout", OPT_PTR, struct edge_conf_resolver,
	    yaml.timeout),
	CYAML_FIELD_FLOAT_PTR("min_ttl", OPT_PTR, struct edge_conf_resolver,
	    yaml.min_ttl),
	CYAML_FIELD_FLOAT_PTR("max_ttl", OPT_PTR, struct edge_conf_resolver,
	    yaml.max_ttl),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct edge_conf,
	    name, 1, 63),
	CYAML_FIELD_STRING_PTR("topology", OPT_PTR, struct edge_conf, topology,
	    1, 4096),
	CYAML_FIELD_SEQUENCE("listen", CYAML_FLAG_POINTER, struct edge_conf,
	    listen, &string_schema, 1, 16),
	CYAML_FIELD_STRING_PTR("http", OPT_PTR, struct edge_conf, http, 1, 256),
	CYAML_FIELD_SEQUENCE("routes", CYAML_FLAG_POINTER, struct edge_conf,
	    routes, &route_schema, 1, 256),
	CYAML_FIELD_MAPPING("limits", CYAML_FLAG_OPTIONAL, struct edge_conf,
	    limits, limits_fields),
	CYAML_FIELD_MAPPING("upstream", CYAML_FLAG_OPTIONAL, struct edge_conf,
	    upstream, upstream_fields),
	CYAML_FIELD_MAPPING("drain", CYAML_FLAG_OPTIONAL, struct edge_conf,
	    drain, drain_fields),
	CYAML_FIELD_MAPPING_PTR("report", OPT_PTR, struct edge_conf, report,
	    report_fields),
	CYAML_FIELD_MAPPING("resolver", CYAML_FLAG_OPTIONAL, struct edge_conf,
	    resolver, resolver_fields),
	CYAML_FIELD_STRING_PTR("access_log", OPT_PTR, struct edge_conf,
	    access_log, 1, 4096),
	CYAML_FIELD_STRING_PTR("pidfile", OPT_PTR, struct edge_conf, pidfile, 1,
	    4096),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct edge_conf, top_fields),
};

/* ---- Origins ---- */

static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* A DNS name (optional trailing dot) or, if it looks numeric, an IPv4. */
static int
valid_host(const char *h, size_t len)
{
	struct in_addr a4;
	char buf[EDGE_HOST_MAX + 1];
	size_t i, label = 0;
	bool alpha = false;

	if (len == 0 || len > EDGE_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (c == '-') {
			if (label == 0)
				return 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = true;
		else if (c < '0' || c > '9')
			return 0;
		if (++label > 63)
			return 0;
	}
	if (label > 0 && h[len - 1] == '-')
		return 0;
	if (alpha)
		return 1;
	/* All digits and dots: must be a dotted quad. */
	memcpy(buf, h, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, &a4) == 1;
}

int
edge_origin_parse(const char *s, struct edge_origin *out)
{
	struct in6_addr a6;
	char buf[EDGE_HOST_MAX + 1];
	const char *colon, *end;
	uint16_t port = EDGE_RTMP_PORT;
	size_t len;

	if (s == NULL)
		return -1;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || (size_t)(end - s - 1) >= sizeof(buf))
			return -1;
		len = (size_t)(end - s - 1);
		memcpy(buf, s + 1, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -1;
		if (end[1] == ':') {
			if (parse_port(end + 2, &port) != 0)
				return -1;
		} else if (end[1] != '\0')
			return -1;
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		/* Two or more colons: a bare IPv6 address. */
		if (strlen(s) >= sizeof(buf) ||
		    inet_pton(AF_INET6, s, &a6) != 1)
			return -1;
		snprintf(buf, sizeof(buf), "%s", s);
	} else {
		len = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (!valid_host(s, len))
			return -1;
		if (colon != NULL && parse_port(colon + 1, &port) != 0)
			return -1;
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	snprintf(out->host, sizeof(out->host), "%s", buf);
	out->port = port;
	return 0;
}

/* ---- Semantic checks ---- */

static void
check_limits(struct edge_conf *cf, struct conf_report *rep)
{
	struct edge_conf_limits *l = &cf->limits;

	conf_number(rep, "limits.max_players", l->yaml.max_players,
	    EDGE_MAX_PLAYERS, 1, 1000000, &l->max_players);
	conf_number(rep, "limits.max_egress_mbps", l->yaml.max_egress_mbps, 0,
	    0, 1000000, &l->max_egress_mbps);
	/* RTMP message lengths are 24-bit. */
	conf_number(rep, "limits.max_message_bytes", l->yaml.max_message_bytes,
	    EDGE_MAX_MESSAGE_BYTES, 4096, 0xffffff, &l->max_message_bytes);
	conf_duration(rep, "limits.handshake_timeout",
	    l->yaml.handshake_timeout, EDGE_HANDSHAKE_TIMEOUT_MS, 0.1, 60,
	    &l->handshake_timeout_ms);
	conf_duration(rep, "limits.idle_timeout", l->yaml.idle_timeout,
	    EDGE_IDLE_TIMEOUT_MS, 1, 3600, &l->idle_timeout_ms);
	conf_number(rep, "limits.player_queue_bytes",
	    l->yaml.player_queue_bytes, EDGE_PLAYER_QUEUE_BYTES, 65536,
	    1u << 30, &l->player_queue_bytes);
	conf_duration(rep, "limits.player_stall_timeout",
	    l->yaml.player_stall_timeout, EDGE_PLAYER_STALL_TIMEOUT_MS, 1, 600,
	    &l->player_stall_timeout_ms);
	conf_duration(rep, "limits.merge_write", l->yaml.merge_write,
	    EDGE_MERGE_WRITE_MS, 0, 1, &l->merge_write_ms);
	conf_number(rep, "limits.gop_cache_bytes", l->yaml.gop_cache_bytes,
	    EDGE_GOP_CACHE_BYTES, 0, 1u << 30, &l->gop_cache_bytes);
}

static void
check_timers(struct edge_conf *cf, struct conf_report *rep)
{
	struct edge_conf_upstream *u = &cf->upstream;
	struct edge_conf_drain *d = &cf->drain;
	const struct edge_conf_limits *l = &cf->limits;

	conf_duration(rep, "upstream.connect_timeout", u->yaml.connect_timeout,
	    EDGE_CONNECT_TIMEOUT_MS, 0.1, 60, &u->connect_timeout_ms);
	conf_duration(rep, "upstream.silent_timeout", u->yaml.silent_timeout,
	    EDGE_SILENT_TIMEOUT_MS, 0.1, 60, &u->silent_timeout_ms);
	conf_duration(rep, "upstream.linger", u->yaml.linger, EDGE_LINGER_MS, 0,
	    3600, &u->linger_ms);
	conf_duration(rep, "upstream.notfound_cache", u->yaml.notfound_cache,
	    EDGE_NOTFOUND_CACHE_MS, 0, 300, &u->notfound_cache_ms);
	conf_duration(rep, "drain.grace", d->yaml.grace, EDGE_DRAIN_GRACE_MS, 0,
	    3600, &d->grace_ms);
	conf_duration(rep, "drain.deadline", d->yaml.deadline,
	    EDGE_DRAIN_DEADLINE_MS, 1, 86400, &d->deadline_ms);

	/* Orderings: a player must not be idled out before a failover. */
	if (u->connect_timeout_ms >= l->idle_timeout_ms)
		conf_error(rep, "upstream.connect_timeout",
		    "must be shorter than limits.idle_timeout (%gs)",
		    l->idle_timeout_ms / 1000.0);
	if (u->silent_timeout_ms >= l->idle_timeout_ms)
		conf_error(rep, "upstream.silent_timeout",
		    "must be shorter than limits.idle_timeout (%gs)",
		    l->idle_timeout_ms / 1000.0);
	if (l->handshake_timeout_ms > l->idle_timeout_ms)
		conf_error(rep, "limits.handshake_timeout",
		    "must not be longer than limits.idle_timeout (%gs)",
		    l->idle_timeout_ms / 1000.0);
	if (d->grace_ms >= d->deadline_ms)
		conf_error(rep, "drain.grace",
		    "must be shorter than drain.deadline (%gs)",
		    d->deadline_ms / 1000.0);
}

static void
check_routes(struct edge_conf *cf, struct conf_report *rep)
{
	char key[96];
	int catchall = -1;

	for (unsigned i = 0; i < cf->routes_count; i++) {
		struct edge_conf_route *r = &cf->routes[i];

		snprintf(key, sizeof(key), "routes[%u]", i);
		if (catchall >= 0)
			conf_warn(rep, key,
			    "never used: routes[%d] matches every stream",
			    catchall);
		else if (strcmp(r->app, "*") == 0 &&
		    (r->stream == NULL || strcmp(r->stream, "*") == 0))
			catchall = (int)i;
		if (strcmp(r->app, "*") != 0 &&
		    strcspn(r->app, "*?[") != strlen(r->app)) {
			snprintf(key, sizeof(key), "routes[%u].app", i);
			conf_error(rep, key,
			    "'%s': an app is a name or \"*\", not a pattern "
			    "(use stream for patterns)",
			    r->app);
		}
		r->origin = xcalloc(r->origins_count, sizeof(*r->origin));
		for (unsigned j = 0; j < r->origins_count; j++) {
			snprintf(key, sizeof(key), "routes[%u].origins[%u]", i,
			    j);
			if (edge_origin_parse(r->origins[j], &r->origin[j]) !=
			    0) {
				conf_error(rep, key,
				    "'%s' is not a host[:port] (use [v6]:port)",
				    r->origins[j]);
				continue;
			}
			for (unsigned k = 0; k < j; k++)
				if (r->origin[k].port == r->origin[j].port &&
				    strcasecmp(r->origin[k].host,
					r->origin[j].host) == 0)
					conf_error(rep, key,
					    "'%s' is listed twice",
					    r->origins[j]);
		}
	}
}

static void
check_addresses(struct edge_conf *cf, struct conf_report *rep)
{
	struct sockaddr_storage *ss;
	struct sockaddr_storage hs;
	char key[64], a[SOCKADDR_STRLEN], b[SOCKADDR_STRLEN];
	bool *ok;

	ss = xcalloc(cf->listen_count, sizeof(*ss));
	ok = xcalloc(cf->listen_count, sizeof(*ok));
	for (unsigned i = 0; i < cf->listen_count; i++) {
		snprintf(key, sizeof(key), "listen[%u]", i);
		if (sockaddr_parse(cf->listen[i], EDGE_RTMP_PORT, &ss[i],
			NULL) != RC_OK ||
		    sockaddr_port((struct sockaddr *)&ss[i]) == 0) {
			conf_error(rep, key,
			    "'%s' is not an address[:port] (use [v6]:port)",
			    cf->listen[i]);
			continue;
		}
		ok[i] = true;
		sockaddr_fmt((struct sockaddr *)&ss[i], a, sizeof(a));
		for (unsigned j = 0; j < i; j++) {
			if (!ok[j])
				continue;
			sockaddr_fmt((struct sockaddr *)&ss[j], b, sizeof(b));
			if (strcmp(a, b) == 0) {
				conf_error(rep, key,
				    "%s is listed twice (as listen[%u])", a, j);
				break;
			}
		}
	}

	if (cf->http == NULL) {
		cf->http_default = xstrdup(EDGE_HTTP_DEFAULT);
		cf->http = cf->http_default;
	}
	if (sockaddr_parse(cf->http, 0, &hs, NULL) != RC_OK ||
	    sockaddr_port((struct sockaddr *)&hs) == 0)
		conf_error(rep, "http", "'%s' is not an address:port",
		    cf->http);
	else {
		sockaddr_fmt((struct sockaddr *)&hs, a, sizeof(a));
		for (unsigned i = 0; i < cf->listen_count; i++) {
			if (!ok[i])
				continue;
			sockaddr_fmt((struct sockaddr *)&ss[i], b, sizeof(b));
			if (strcmp(a, b) != 0)
				continue;
			if (cf->http == cf->http_default) {
				snprintf(key, sizeof(key), "listen[%u]", i);
				conf_error(rep, key,
				    "%s is also the http address (default)", a);
			} else
				conf_error(rep, "http", "%s is also listen[%u]",
				    a, i);
		}
	}
	free(ok);
	free(ss);
}

static void
check_resolver(struct edge_conf *cf, struct conf_report *rep)
{
	struct edge_conf_resolver *r = &cf->resolver;
	size_t len = 0, pos = 0;
	char key[64];

	conf_duration(rep, "resolver.timeout", r->yaml.timeout,
	    EDGE_RESOLVER_TIMEOUT_MS, 0.1, 30, &r->timeout_ms);
	conf_duration(rep, "resolver.min_ttl", r->yaml.min_ttl,
	    EDGE_RESOLVER_MIN_TTL_MS, 0, 3600, &r->min_ttl_ms);
	conf_duration(rep, "resolver.max_ttl", r->yaml.max_ttl,
	    EDGE_RESOLVER_MAX_TTL_MS, 1, 86400, &r->max_ttl_ms);
	if (r->min_ttl_ms > r->max_ttl_ms)
		conf_error(rep, "resolver.min_ttl",
		    "must not be longer than resolver.max_ttl (%gs)",
		    r->max_ttl_ms / 1000.0);
	if (r->servers_count == 0)
		return;
	r->servers_csv = xcalloc(r->servers_count, SOCKADDR_STRLEN + 1);
	len = (size_t)r->servers_count * (SOCKADDR_STRLEN + 1);
	for (unsigned i = 0; i < r->servers_count; i++) {
		struct sockaddr_storage ss;
		char a[SOCKADDR_STRLEN];

		if (sockaddr_parse(r->servers[i], EDGE_DNS_PORT, &ss, NULL) !=
			RC_OK ||
		    sockaddr_port((struct sockaddr *)&ss) == 0) {
			snprintf(key, sizeof(key), "resolver.servers[%u]", i);
			conf_error(rep, key,
			    "'%s' is not an address[:port] (use [v6]:port)",
			    r->servers[i]);
			continue;
		}
		sockaddr_fmt((struct sockaddr *)&ss, a, sizeof(a));
		pos += (size_t)snprintf(r->servers_csv + pos, len - pos, "%s%s",
		    pos ? "," : "", a);
	}
}

static void
edge_conf_check(void *data, struct conf_report *rep, void *arg)
{
	struct edge_conf *cf = data;
	char key[64];

	(void)arg;
	for (const char *p = cf->name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			*p == '.')) {
			conf_error(rep, "name",
			    "'%s': use letters, digits, '-', '_' and '.'",
			    cf->name);
			break;
		}
	check_addresses(cf, rep);
	check_routes(cf, rep);
	check_limits(cf, rep);
	check_timers(cf, rep);
	check_resolver(cf, rep);

	if (cf->report != NULL) {
		struct edge_conf_report *r = cf->report;

		conf_duration(rep, "report.interval", r->yaml.interval,
		    EDGE_REPORT_INTERVAL_MS, 0.5, 10, &r->interval_ms);
		for (unsigned i = 0; i < r->urls_count; i++)
			if (strncmp(r->urls[i], "http://", 7) != 0 ||
			    r->urls[i][7] == '\0') {
				snprintf(key, sizeof(key), "report.urls[%u]",
				    i);
				conf_error(rep, key,
				    "'%s' is not an http:// URL", r->urls[i]);
			}
	}
}

/* ---- Loading ---- */

struct edge_conf *
edge_conf_load(const char *path)
{
	struct edge_conf *cf = conf_load_checked(path, &top_schema,
	    edge_conf_check, NULL, edge_conf_free_cb);

	if (cf != NULL)
		cf->path = xstrdup(path);
	return cf;
}

static void
edge_conf_free_cb(void *data)
{
	edge_conf_free(data);
}

void
edge_conf_free(struct edge_conf *cf)
{
	if (cf == NULL)
		return;
	free(cf->path);
	cf->path = NULL;
	if (cf->http == cf->http_default)
		cf->http = NULL;
	free(cf->http_default);
	cf->http_default = NULL;
	free(cf->resolver.servers_csv);
	cf->resolver.servers_csv = NULL;
	for (unsigned i = 0; i < cf->routes_count; i++) {
		free(cf->routes[i].origin);
		cf->routes[i].origin = NULL;
	}
	conf_free(&top_schema, cf);
}

const struct edge_conf_route *
edge_conf_route_match(const struct edge_conf *cf, const char *app,
    const char *stream)
{
	if (cf == NULL || app == NULL || stream == NULL)
		return NULL;
	for (unsigned i = 0; i < cf->routes_count; i++) {
		const struct edge_conf_route *r = &cf->routes[i];

		if (strcmp(r->app, "*") != 0 && strcmp(r->app, app) != 0)
			continue;
		if (r->stream != NULL && fnmatch(r->stream, stream, 0) != 0)
			continue;
		return r;
	}
	return NULL;
}

char *
edge_conf_path(const struct edge_conf *cf, const char *rel)
{
	return conf_path_resolve(cf->path, rel);
}
