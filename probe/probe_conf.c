#include "config.h"

#include "probe/probe_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/conf.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "common/statemsg.h"

static void probe_conf_check(void *data, struct conf_report *rep, void *arg);
static void probe_conf_free_cb(void *data);

/* ---- Schema: one row per option ---- */

#define OPT_PTR (CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL)

static const cyaml_schema_field_t play_fields[] = {
	CYAML_FIELD_STRING_PTR("app", OPT_PTR, struct probe_conf_play, app, 1,
	    255),
	CYAML_FIELD_STRING_PTR("stream", CYAML_FLAG_POINTER,
	    struct probe_conf_play, stream, 1, 255),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t checks_fields[] = {
	CYAML_FIELD_FLOAT_PTR("interval", OPT_PTR, struct probe_conf_checks,
	    yaml.interval),
	CYAML_FIELD_FLOAT_PTR("jitter", OPT_PTR, struct probe_conf_checks,
	    yaml.jitter),
	CYAML_FIELD_FLOAT_PTR("timeout", OPT_PTR, struct probe_conf_checks,
	    yaml.timeout),
	CYAML_FIELD_UINT_PTR("rise", OPT_PTR, struct probe_conf_checks,
	    yaml.rise),
	CYAML_FIELD_UINT_PTR("fall", OPT_PTR, struct probe_conf_checks,
	    yaml.fall),
	CYAML_FIELD_BOOL_PTR("tcp", OPT_PTR, struct probe_conf_checks,
	    yaml.tcp),
	CYAML_FIELD_BOOL_PTR("rtmp", OPT_PTR, struct probe_conf_checks,
	    yaml.rtmp),
	CYAML_FIELD_STRING_PTR("app", OPT_PTR, struct probe_conf_checks, app, 1,
	    255),
	CYAML_FIELD_MAPPING_PTR("play", OPT_PTR, struct probe_conf_checks, play,
	    play_fields),
	CYAML_FIELD_FLOAT_PTR("play_timeout", OPT_PTR, struct probe_conf_checks,
	    yaml.play_timeout),
	CYAML_FIELD_BOOL_PTR("http", OPT_PTR, struct probe_conf_checks,
	    yaml.http),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t reports_fields[] = {
	CYAML_FIELD_FLOAT_PTR("timeout", OPT_PTR, struct probe_conf_reports,
	    yaml.timeout),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct probe_conf,
	    name, 1, STATEMSG_NAME_MAX),
	CYAML_FIELD_STRING_PTR("topology", CYAML_FLAG_POINTER,
	    struct probe_conf, topology, 1, 4096),
	CYAML_FIELD_STRING_PTR("http", OPT_PTR, struct probe_conf, http, 1,
	    256),
	CYAML_FIELD_STRING_PTR("secret_file", OPT_PTR, struct probe_conf,
	    secret_file, 1, 4096),
	CYAML_FIELD_BOOL("insecure", CYAML_FLAG_OPTIONAL, struct probe_conf,
	    insecure),
	CYAML_FIELD_UINT_PTR("valid_for", OPT_PTR, struct probe_conf,
	    yaml.valid_for),
	CYAML_FIELD_MAPPING("checks", CYAML_FLAG_OPTIONAL, struct probe_conf,
	    checks, checks_fields),
	CYAML_FIELD_MAPPING("reports", CYAML_FLAG_OPTIONAL, struct probe_conf,
	    reports, reports_fields),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct probe_conf, top_fields),
};

/* ---- Semantic checks ---- */

static bool
probe_conf_flag(const bool *v, bool def)
{
	return v != NULL ? *v : def;
}

/* An RTMP app or stream name: printable, no '/' or spaces. */
static void
probe_conf_rtmp_name(struct conf_report *rep, const char *key, const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p == '/' || *p == 0x7f) {
			conf_error(rep, key,
			    "'%s': no spaces, control characters or '/'", s);
			return;
		}
}

static void
probe_conf_check_checks(struct probe_conf *cf, struct conf_report *rep)
{
	struct probe_conf_checks *c = &cf->checks;

	conf_duration(rep, "checks.interval", c->yaml.interval,
	    PROBE_INTERVAL_MS, 0.05, 3600, &c->interval_ms);
	conf_duration(rep, "checks.timeout", c->yaml.timeout, PROBE_TIMEOUT_MS,
	    0.01, 60, &c->timeout_ms);
	conf_duration(rep, "checks.play_timeout", c->yaml.play_timeout,
	    PROBE_PLAY_TIMEOUT_MS, 0.01, 60, &c->play_timeout_ms);
	c->jitter_pct = (unsigned)(PROBE_JITTER * 100 + 0.5);
	if (c->yaml.jitter != NULL) {
		if (!(*c->yaml.jitter >= 0 && *c->yaml.jitter <= 0.5))
			conf_error(rep, "checks.jitter",
			    "must be a fraction 0..0.5, not %g",
			    *c->yaml.jitter);
		else
			c->jitter_pct = (unsigned)(*c->yaml.jitter * 100 + 0.5);
	}
	conf_number(rep, "checks.rise", c->yaml.rise, PROBE_RISE, 1, 100,
	    &c->rise);
	conf_number(rep, "checks.fall", c->yaml.fall, PROBE_FALL, 1, 100,
	    &c->fall);
	c->tcp = probe_conf_flag(c->yaml.tcp, true);
	c->rtmp = probe_conf_flag(c->yaml.rtmp, true);
	c->http = probe_conf_flag(c->yaml.http, true);
	if (c->app == NULL) {
		c->app_default = xstrdup(PROBE_APP_DEFAULT);
		c->app = c->app_default;
	}
	probe_conf_rtmp_name(rep, "checks.app", c->app);
	if (c->play != NULL) {
		if (c->play->app != NULL)
			probe_conf_rtmp_name(rep, "checks.play.app",
			    c->play->app);
		probe_conf_rtmp_name(rep, "checks.play.stream",
		    c->play->stream);
	}
	/*
	 * A check that takes longer than its interval just skips turns (one
	 * run at a time per edge and kind); say so, it is rarely meant.
	 */
	if (c->timeout_ms > c->interval_ms)
		conf_warn(rep, "checks.timeout",
		    "longer than checks.interval (%gs): checks will skip turns",
		    c->interval_ms / 1000.0);
}

static void
probe_conf_check(void *data, struct conf_report *rep, void *arg)
{
	struct probe_conf *cf = data;
	struct sockaddr_storage ss;

	(void)arg;
	if (!statemsg_is_name(cf->name))
		conf_error(rep, "name",
		    "'%s': use 1..64 letters, digits, '-', '_' and '.'",
		    cf->name);
	if (cf->http == NULL) {
		cf->http_default = xstrdup(PROBE_HTTP_DEFAULT);
		cf->http = cf->http_default;
	}
	if (sockaddr_parse(cf->http, PROBE_HTTP_PORT, &ss, NULL) != RC_OK)
		conf_error(rep, "http", "'%s' is not an address[:port]",
		    cf->http);
	if (cf->secret_file == NULL && !cf->insecure)
		conf_error(rep, "secret_file",
		    "required (or set insecure: true to run unsigned)");
	if (cf->secret_file != NULL && cf->insecure)
		conf_error(rep, "insecure",
		    "contradicts secret_file: give one of the two");
	conf_number(rep, "valid_for", cf->yaml.valid_for, PROBE_VALID_FOR, 1,
	    STATEMSG_VALID_FOR_MAX, &cf->valid_for);
	probe_conf_check_checks(cf, rep);
	conf_duration(rep, "reports.timeout", cf->reports.yaml.timeout,
	    PROBE_REPORT_TIMEOUT_MS, 0.1, 3600, &cf->reports.timeout_ms);
}

/* ---- Loading ---- */

struct probe_conf *
probe_conf_load(const char *path)
{
	struct probe_conf *cf = conf_load_checked(path, &top_schema,
	    probe_conf_check, NULL, probe_conf_free_cb);

	if (cf != NULL)
		cf->path = xstrdup(path);
	return cf;
}

static void
probe_conf_free_cb(void *data)
{
	probe_conf_free(data);
}

void
probe_conf_free(struct probe_conf *cf)
{
	if (cf == NULL)
		return;
	free(cf->path);
	cf->path = NULL;
	if (cf->http == cf->http_default)
		cf->http = NULL;
	free(cf->http_default);
	cf->http_default = NULL;
	if (cf->checks.app == cf->checks.app_default)
		cf->checks.app = NULL;
	free(cf->checks.app_default);
	cf->checks.app_default = NULL;
	conf_free(&top_schema, cf);
}

char *
probe_conf_path(const struct probe_conf *cf, const char *rel)
{
	return conf_path_resolve(cf->path, rel);
}
