#include "config.h"

#include "dnsd/dnsd_conf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/conf.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "dnsd/gslb.h"
#include <stdio.h>
#include <strings.h>

static void dnsd_conf_check(void *data, struct conf_report *rep, void *arg);
static void dnsd_conf_free_cb(void *data);

/* ---- Schema: one row per option ---- */

static const cyaml_schema_value_t string_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 1024),
};

static const cyaml_schema_field_t zone_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER,
	    struct dnsd_conf_zone, name, 1, 1024),
	CYAML_FIELD_STRING_PTR("file", CYAML_FLAG_POINTER,
	    struct dnsd_conf_zone, file, 1, 4096),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t zone_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct dnsd_conf_zone,
	    zone_fields),
};

static const cyaml_schema_field_t state_fields[] = {
	CYAML_FIELD_SEQUENCE("urls", CYAML_FLAG_POINTER, struct dnsd_conf_state,
	    urls, &string_schema, 1, 16),
	CYAML_FIELD_STRING_PTR("secret_file", CYAML_FLAG_POINTER,
	    struct dnsd_conf_state, secret_file, 1, 4096),
	CYAML_FIELD_UINT("wait", CYAML_FLAG_OPTIONAL, struct dnsd_conf_state,
	    wait),
	CYAML_FIELD_UINT_PTR("stale_keep",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf_state,
	    stale_keep),
	CYAML_FIELD_STRING_PTR("stale_then",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf_state,
	    stale_then, 1, 16),
	CYAML_FIELD_UINT("quorum", CYAML_FLAG_OPTIONAL, struct dnsd_conf_state,
	    quorum),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_SEQUENCE("listen", CYAML_FLAG_POINTER, struct dnsd_conf,
	    listen, &string_schema, 1, 64),
	CYAML_FIELD_SEQUENCE("zones", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct dnsd_conf, zones, &zone_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_UINT("workers", CYAML_FLAG_OPTIONAL, struct dnsd_conf,
	    workers),
	CYAML_FIELD_UINT("udp_payload", CYAML_FLAG_OPTIONAL, struct dnsd_conf,
	    udp_payload),
	CYAML_FIELD_UINT("tcp_idle_timeout", CYAML_FLAG_OPTIONAL,
	    struct dnsd_conf, tcp_idle_timeout),
	CYAML_FIELD_UINT("tcp_max_clients", CYAML_FLAG_OPTIONAL,
	    struct dnsd_conf, tcp_max_clients),
	CYAML_FIELD_STRING_PTR("topology",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf,
	    topology, 1, 4096),
	CYAML_FIELD_STRING_PTR("admin_state",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf,
	    admin_state, 1, 4096),
	CYAML_FIELD_MAPPING_PTR("state",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf, state,
	    state_fields),
	CYAML_FIELD_STRING_PTR("geoip",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf, geoip,
	    1, 4096),
	CYAML_FIELD_STRING_PTR("control",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf, control,
	    1, 256),
	CYAML_FIELD_STRING_PTR("pidfile",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct dnsd_conf, pidfile,
	    1, 4096),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct dnsd_conf, top_fields),
};

/* ---- Semantic checks ---- */

static void
dnsd_conf_check(void *data, struct conf_report *rep, void *arg)
{
	struct dnsd_conf *cf = data;
	char key[64];

	(void)arg;
	if (cf->udp_payload == 0)
		cf->udp_payload = DNSD_DEFAULT_UDP_PAYLOAD;
	else if (cf->udp_payload < 512 || cf->udp_payload > 4096)
		conf_error(rep, "udp_payload", "must be 512..4096, not %u",
		    cf->udp_payload);
	if (cf->tcp_idle_timeout == 0)
		cf->tcp_idle_timeout = DNSD_DEFAULT_TCP_IDLE;
	else if (cf->tcp_idle_timeout > 3600)
		conf_error(rep, "tcp_idle_timeout", "must be 1..3600 seconds");
	if (cf->tcp_max_clients == 0)
		cf->tcp_max_clients = DNSD_DEFAULT_TCP_MAX;
	if (cf->state) {
		struct dnsd_conf_state *st = cf->state;

		if (st->wait == 0)
			st->wait = DNSD_STATE_WAIT;
		else if (st->wait > 60)
			conf_error(rep, "state.wait", "must be 1..60 seconds");
		st->stale_keep_s =
		    st->stale_keep ? *st->stale_keep : DNSD_STALE_KEEP;
		if (st->stale_keep_s > 86400)
			conf_error(rep, "state.stale_keep",
			    "must be 0..86400 seconds");
		st->stale_then_state = GSLB_UP;
		if (st->stale_then && strcmp(st->stale_then, "down") == 0)
			st->stale_then_state = GSLB_DOWN;
		else if (st->stale_then &&
		    strcmp(st->stale_then, "unknown") == 0)
			st->stale_then_state = GSLB_UNKNOWN;
		else if (st->stale_then && strcmp(st->stale_then, "up") != 0)
			conf_error(rep, "state.stale_then",
			    "must be up, down or unknown");
		if (st->quorum > st->urls_count)
			conf_error(rep, "state.quorum",
			    "%u is more than the %u feeds", st->quorum,
			    st->urls_count);
		for (unsigned i = 0; i < st->urls_count; i++)
			if (strncmp(st->urls[i], "http://", 7) != 0) {
				snprintf(key, sizeof(key), "state.urls[%u]", i);
				conf_error(rep, key,
				    "'%s' is not an http:// URL", st->urls[i]);
			}
		if (!cf->topology)
			conf_error(rep, "state", "needs a topology");
	}
	if (cf->admin_state && !cf->topology)
		conf_error(rep, "admin_state", "needs a topology");
	if (cf->geoip && !cf->topology)
		conf_error(rep, "geoip", "needs a topology to be of use");
	if (cf->workers > DNSD_WORKERS_MAX)
		conf_error(rep, "workers", "must be 0 (one per core) .. %d",
		    DNSD_WORKERS_MAX);

	for (unsigned i = 0; i < cf->listen_count; i++) {
		struct sockaddr_storage ss;
		socklen_t len;

		snprintf(key, sizeof(key), "listen[%u]", i);
		if (sockaddr_parse(cf->listen[i], DNSD_DEFAULT_PORT, &ss,
			&len) != RC_OK)
			conf_error(rep, key,
			    "'%s' is not an address[:port] (use [v6]:port)",
			    cf->listen[i]);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(cf->listen[i], cf->listen[j]) == 0)
				conf_error(rep, key, "'%s' is listed twice",
				    cf->listen[i]);
	}
	if (cf->control) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (sockaddr_parse(cf->control, 0, &ss, &len) != RC_OK ||
		    sockaddr_port((struct sockaddr *)&ss) == 0)
			conf_error(rep, "control",
			    "'%s' is not an address:port", cf->control);
	}
	for (unsigned i = 0; i < cf->zones_count; i++) {
		snprintf(key, sizeof(key), "zones[%u].name", i);
		if (strlen(cf->zones[i].name) > 254)
			conf_error(rep, key, "zone name too long");
		for (unsigned j = 0; j < i; j++) {
			const char *a = cf->zones[i].name,
				   *b = cf->zones[j].name;
			size_t la = strlen(a), lb = strlen(b);

			if (la && a[la - 1] == '.')
				la--;
			if (lb && b[lb - 1] == '.')
				lb--;
			if (la == lb && strncasecmp(a, b, la) == 0)
				conf_error(rep, key, "zone %s is listed twice",
				    a);
		}
	}
}

/* ---- Loading ---- */

struct dnsd_conf *
dnsd_conf_load(const char *path)
{
	struct dnsd_conf *cf = conf_load_checked(path, &top_schema,
	    dnsd_conf_check, NULL, dnsd_conf_free_cb);

	if (cf != NULL)
		cf->path = xstrdup(path);
	return cf;
}

static void
dnsd_conf_free_cb(void *data)
{
	dnsd_conf_free(data);
}

void
dnsd_conf_free(struct dnsd_conf *cf)
{
	if (cf == NULL)
		return;
	free(cf->path);
	cf->path = NULL;
	conf_free(&top_schema, cf);
}

char *
dnsd_conf_path(const struct dnsd_conf *cf, const char *rel)
{
	return conf_path_resolve(cf->path, rel);
}

char *
dnsd_conf_zone_path(const struct dnsd_conf *cf, unsigned i)
{
	return conf_path_resolve(cf->path, cf->zones[i].file);
}
