#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/log_capture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/rc.h"

/* ---- A small schema: a listener and a list of zones ---- */

enum t_mode {
	T_MODE_FAST,
	T_MODE_SAFE,
};

struct t_zone {
	char *name;
	char *file;
	uint32_t ttl;
};

struct t_conf {
	char *listen;
	uint16_t port;
	bool verbose;
	enum t_mode mode;
	int8_t level;
	struct t_zone *zones;
	unsigned zones_count;
};

struct t_opt {
	uint32_t a;
	char *b;
};

static const cyaml_strval_t t_mode_strings[] = {
	{ "fast", T_MODE_FAST },
	{ "safe", T_MODE_SAFE },
};

static const cyaml_schema_field_t t_zone_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct t_zone, name,
	    1, 255),
	CYAML_FIELD_STRING_PTR("file", CYAML_FLAG_POINTER, struct t_zone, file,
	    1, CYAML_UNLIMITED),
	CYAML_FIELD_UINT("ttl", CYAML_FLAG_OPTIONAL, struct t_zone, ttl),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t t_zone_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct t_zone, t_zone_fields),
};

static const cyaml_schema_field_t t_conf_fields[] = {
	CYAML_FIELD_STRING_PTR("listen", CYAML_FLAG_POINTER, struct t_conf,
	    listen, 1, CYAML_UNLIMITED),
	CYAML_FIELD_UINT("port", CYAML_FLAG_OPTIONAL, struct t_conf, port),
	CYAML_FIELD_BOOL("verbose", CYAML_FLAG_OPTIONAL, struct t_conf,
	    verbose),
	CYAML_FIELD_ENUM("mode", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT,
	    struct t_conf, mode, t_mode_strings,
	    CYAML_ARRAY_LEN(t_mode_strings)),
	CYAML_FIELD_INT("level", CYAML_FLAG_OPTIONAL, struct t_conf, level),
	CYAML_FIELD_SEQUENCE("zones", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct t_conf, zones, &t_zone_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t t_conf_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct t_conf, t_conf_fields),
};

static const cyaml_schema_field_t t_opt_fields[] = {
	CYAML_FIELD_UINT("a", CYAML_FLAG_OPTIONAL, struct t_opt, a),
	CYAML_FIELD_STRING_PTR("b", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct t_opt, b, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t t_opt_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct t_opt, t_opt_fields),
};

/* ---- Fixtures: a temp dir for files, log lines captured ---- */

static struct {
	char dir[64];
	char file[128];
	struct log_capture cap;
} fx;

static void write_file(const char *text);
static int group_setup(void **state);
static int group_teardown(void **state);
static int setup(void **state);
static void test_conf_load_good(void **state);
static void test_conf_load_errors(void **state);
static void test_conf_load_keeps_index_on_error(void **state);
static void test_conf_load_missing_file(void **state);
static void test_conf_load_all_optional(void **state);
static void test_conf_error_shapes(void **state);
static void test_conf_path_resolve(void **state);

static void
write_file(const char *text)
{
	FILE *f;

	f = fopen(fx.file, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(fx.dir, sizeof(fx.dir), "%s/test_conf.XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.file, sizeof(fx.file), "%s/t.yaml", fx.dir);
	log_capture_start(&fx.cap);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	log_capture_stop();
	unlink(fx.file);
	rmdir(fx.dir);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	log_capture_reset(&fx.cap);
	return 0;
}

/* ---- Tests ---- */

static void
test_conf_load_good(void **state)
{
	struct conf_report rep;
	struct t_conf *cf = NULL;
	char want[512];

	(void)state;
	write_file("# a comment\n"
		   "listen: 127.0.0.1\n"
		   "port: 5353\n"
		   "verbose: yes\n"
		   "mode: safe\n"
		   "level: -3\n"
		   "zones:\n"
		   "  - name: example.com\n"
		   "    file: example.com.zone\n"
		   "  - name: example.org\n"
		   "    file: /abs/example.org.zone\n"
		   "    ttl: 300\n");
	conf_report_init(&rep, fx.file);
	assert_int_equal(conf_load(fx.file, &t_conf_schema, (void **)&cf, &rep),
	    RC_OK);
	assert_int_equal(conf_report_count(&rep), 0);
	assert_int_equal(fx.cap.n, 0);
	assert_non_null(cf);
	assert_string_equal(cf->listen, "127.0.0.1");
	assert_int_equal(cf->port, 5353);
	assert_true(cf->verbose);
	assert_int_equal(cf->mode, T_MODE_SAFE);
	assert_int_equal(cf->level, -3);
	assert_int_equal(cf->zones_count, 2);
	assert_string_equal(cf->zones[1].file, "/abs/example.org.zone");
	assert_int_equal(cf->zones[0].ttl, 0);
	assert_int_equal(cf->zones[1].ttl, 300);

	/* Key paths map to lines; absent keys fall back to their parent. */
	assert_int_equal(conf_report_line(&rep, "listen"), 2);
	assert_int_equal(conf_report_line(&rep, "zones"), 7);
	assert_int_equal(conf_report_line(&rep, "zones[0]"), 8);
	assert_int_equal(conf_report_line(&rep, "zones[1].file"), 11);
	assert_int_equal(conf_report_line(&rep, "zones[0].ttl"), 8);
	assert_int_equal(conf_report_line(&rep, "nope"), 0);
	assert_int_equal(conf_report_line(&rep, ""), 0);
	assert_int_equal(conf_report_line(&rep, NULL), 0);

	/* The semantic pass reports with the same lines. */
	conf_error(&rep, "zones[1].file", "cannot read %s", "it");
	assert_int_equal(conf_report_count(&rep), 1);
	assert_int_equal(fx.cap.n, 1);
	snprintf(want, sizeof(want), "%s:11: zones[1].file: cannot read it",
	    fx.file);
	assert_string_equal(fx.cap.lines[0], want);

	conf_free(&t_conf_schema, cf);
	conf_report_fini(&rep);
}

/*
 * Each bad file gives exactly these lines, after the file name. A line
 * ending in '*' only has to start with what precedes it.
 */
static void
test_conf_load_errors(void **state)
{
	static const struct {
		const char *desc;
		const char *yaml;
		const char *want[4];
	} cases[] = {
		{ "unknown top-level key", "listen: a\nlisten_port: 53\n",
		    { ":2: listen_port: unknown key" } },
		{ "unknown nested key",
		    "listen: a\n"
		    "zones:\n"
		    "  - name: a\n"
		    "    file: x\n"
		    "  - name: b\n"
		    "    fiel: y\n",
		    { ":6: zones[1].fiel: unknown key",
			":5: zones[1]: missing required key \"file\"" } },
		{ "not a number", "listen: a\nport: abc\n",
		    { ":2: port: expected an unsigned integer, got \"abc\"" } },
		{ "trailing garbage", "listen: a\nport: 53x\n",
		    { ":2: port: expected an unsigned integer, got \"53x\"" } },
		{ "leading zero", "listen: a\nport: 053\n",
		    { ":2: port: expected an unsigned integer, got \"053\"" } },
		{ "negative unsigned", "listen: a\nport: -1\n",
		    { ":2: port: expected an unsigned integer, got \"-1\"" } },
		{ "too big for uint16", "listen: a\nport: 70000\n",
		    { ":2: port: 70000 is out of range (0..65535)" } },
		{ "too big for int8", "listen: a\nlevel: 200\n",
		    { ":2: level: 200 is out of range (-128..127)" } },
		{ "not a boolean", "listen: a\nverbose: maybe\n",
		    { ":2: verbose: expected true or false, got \"maybe\"" } },
		{ "unknown enum", "listen: a\nmode: turbo\n",
		    { ":2: mode: expected one of fast, safe; got \"turbo\"" } },
		{ "sequence for scalar", "listen: a\nport: [1]\n",
		    { ":2: port: expected a scalar, got a sequence" } },
		{ "mapping for sequence", "listen: a\nzones:\n  name: x\n",
		    { ":3: zones: expected a sequence, got a mapping" } },
		{ "empty sequence value", "listen: a\nzones:\n",
		    { ":2: zones: expected a sequence, got nothing" } },
		{ "string too short",
		    "listen: a\nzones:\n- name: ''\n  file: f\n",
		    { ":3: zones[0].name: too short: 0 bytes, at least 1" } },
		{ "missing required key", "port: 53\n",
		    { ":1: missing required key \"listen\"" } },
		{ "empty file", "", { ": missing required key \"listen\"" } },
		{ "duplicate key", "listen: a\nlisten: b\n",
		    { ":2: listen: duplicate key (first on line 1)" } },
		{ "every problem reported",
		    "port: x\n"
		    "verbose: 2\n"
		    "colour: red\n",
		    { ":1: port: expected an unsigned integer, got \"x\"",
			":2: verbose: expected true or false, got \"2\"",
			":3: colour: unknown key",
			":1: missing required key \"listen\"" } },
		{ "syntax error", "listen: a\nport: 53\n  oops: : [\n",
		    { ":3: syntax error: *" } },
		{ "two documents", "listen: a\n---\nlisten: b\n",
		    { ":3: more than one YAML document in the file" } },
		{ "non-scalar key", "listen: a\n[x]: 1\n",
		    { ":2: keys must be plain strings" } },
	};
	struct conf_report rep;
	struct t_conf *cf;
	char want[LOG_LINE_MAX];
	size_t i, k, nwant, wlen;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_capture_reset(&fx.cap);
		cf = NULL;
		write_file(cases[i].yaml);
		conf_report_init(&rep, fx.file);
		rc = conf_load(fx.file, &t_conf_schema, (void **)&cf, &rep);
		for (nwant = 0; nwant < 4 && cases[i].want[nwant]; nwant++)
			;
		if (rc != RC_CONFIG || cf != NULL)
			fail_msg("%s: rc %s", cases[i].desc, rc_str(rc));
		if (fx.cap.n != nwant || conf_report_count(&rep) != nwant) {
			log_capture_print(&fx.cap);
			fail_msg("%s: %zu lines, %u errors, want %zu",
			    cases[i].desc, fx.cap.n, conf_report_count(&rep),
			    nwant);
		}
		for (k = 0; k < nwant; k++) {
			snprintf(want, sizeof(want), "%s%s", fx.file,
			    cases[i].want[k]);
			wlen = strlen(want);
			if (want[wlen - 1] == '*' ?
				strncmp(fx.cap.lines[k], want, wlen - 1) != 0 :
				strcmp(fx.cap.lines[k], want) != 0)
				fail_msg("%s:\n  got:  %s\n  want: %s",
				    cases[i].desc, fx.cap.lines[k], want);
		}
		conf_report_fini(&rep);
	}
}

/* A rejected file's lines are still known, for follow-up messages. */
static void
test_conf_load_keeps_index_on_error(void **state)
{
	struct conf_report rep;
	void *cf = NULL;

	(void)state;
	write_file("listen: a\nzones:\n  - name: a\n    fiel: x\n");
	conf_report_init(&rep, fx.file);
	assert_int_equal(conf_load(fx.file, &t_conf_schema, &cf, &rep),
	    RC_CONFIG);
	assert_null(cf);
	assert_int_equal(conf_report_line(&rep, "zones[0].fiel"), 4);
	assert_int_equal(conf_report_line(&rep, "zones[0].file"), 3);
	conf_report_fini(&rep);
	/* fini twice is harmless */
	conf_report_fini(&rep);
}

static void
test_conf_load_missing_file(void **state)
{
	struct conf_report rep;
	char path[256], want[512];
	void *cf = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.yaml", fx.dir);
	conf_report_init(&rep, path);
	assert_int_equal(conf_load(path, &t_conf_schema, &cf, &rep), RC_IO);
	assert_null(cf);
	assert_int_equal(conf_report_count(&rep), 1);
	snprintf(want, sizeof(want),
	    "%s: cannot open: No such file or "
	    "directory",
	    path);
	assert_string_equal(fx.cap.lines[0], want);
	conf_report_fini(&rep);
}

/* Nothing set in an all-optional schema still gives a (zeroed) struct. */
static void
test_conf_load_all_optional(void **state)
{
	static const char *const docs[] = { "{}\n", "", "# only a comment\n",
		"a: 7\n" };
	struct conf_report rep;
	struct t_opt *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		o = NULL;
		write_file(docs[i]);
		conf_report_init(&rep, fx.file);
		if (conf_load(fx.file, &t_opt_schema, (void **)&o, &rep) !=
		    RC_OK)
			fail_msg("\"%s\" rejected", docs[i]);
		assert_non_null(o);
		assert_int_equal(o->a, i == 3 ? 7 : 0);
		assert_null(o->b);
		conf_free(&t_opt_schema, o);
		conf_report_fini(&rep);
	}
	conf_free(&t_opt_schema, NULL);
}

static void
test_conf_error_shapes(void **state)
{
	struct conf_report rep;
	void *cf = NULL;
	char want[512];

	(void)state;
	write_file("listen: a\n");
	conf_report_init(&rep, fx.file);
	assert_int_equal(conf_load(fx.file, &t_conf_schema, &cf, &rep), RC_OK);
	conf_error(&rep, NULL, "no zones at all");
	conf_error(&rep, "", "empty key path");
	conf_error(&rep, "zones[0].name", "not in the file");
	conf_warn(&rep, "listen", "deprecated");
	assert_int_equal(conf_report_count(&rep), 3);
	assert_int_equal(fx.cap.n, 4);
	snprintf(want, sizeof(want), "%s: no zones at all", fx.file);
	assert_string_equal(fx.cap.lines[0], want);
	snprintf(want, sizeof(want), "%s: empty key path", fx.file);
	assert_string_equal(fx.cap.lines[1], want);
	snprintf(want, sizeof(want), "%s: zones[0].name: not in the file",
	    fx.file);
	assert_string_equal(fx.cap.lines[2], want);
	snprintf(want, sizeof(want), "%s:1: listen: deprecated", fx.file);
	assert_string_equal(fx.cap.lines[3], want);
	conf_free(&t_conf_schema, cf);
	conf_report_fini(&rep);
}

static void
test_conf_path_resolve(void **state)
{
	static const struct {
		const char *conf, *rel, *want;
	} cases[] = {
		{ "/etc/gslb/dnsd.yaml", "zones/a.zone",
		    "/etc/gslb/zones/a.zone" },
		{ "/etc/gslb/dnsd.yaml", "/var/lib/a.zone", "/var/lib/a.zone" },
		{ "dnsd.yaml", "a.zone", "a.zone" },
		{ "conf/dnsd.yaml", "a.zone", "conf/a.zone" },
		{ "/dnsd.yaml", "a.zone", "/a.zone" },
		{ "./dnsd.yaml", "../a.zone", "./../a.zone" },
	};
	char *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = conf_path_resolve(cases[i].conf, cases[i].rel);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s + %s: got %s, want %s", cases[i].conf,
			    cases[i].rel, got, cases[i].want);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_conf_load_good, setup),
		cmocka_unit_test_setup(test_conf_load_errors, setup),
		cmocka_unit_test_setup(test_conf_load_keeps_index_on_error,
		    setup),
		cmocka_unit_test_setup(test_conf_load_missing_file, setup),
		cmocka_unit_test_setup(test_conf_load_all_optional, setup),
		cmocka_unit_test_setup(test_conf_error_shapes, setup),
		cmocka_unit_test_setup(test_conf_path_resolve, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
