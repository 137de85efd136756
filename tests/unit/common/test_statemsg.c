#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/rc.h"
#include "common/statemsg.h"

#define DATADIR TOP_SRCDIR "/tests/data/statemsg/"

static char *test_read(const char *file, size_t *len);
static void test_decode_file(const char *file, const char *expected);
static void test_feed_equal(const struct statemsg_feed *a,
    const struct statemsg_feed *b);
static void test_load_equal(const struct statemsg_load *a,
    const struct statemsg_load *b);
static char *test_feed_json(size_t n, size_t *len);
static void test_statemsg_decode_golden(void **state);
static void test_statemsg_golden_all_listed(void **state);
static void test_statemsg_feed_decode_example(void **state);
static void test_statemsg_feed_decode_limits(void **state);
static void test_statemsg_feed_decode_len(void **state);
static void test_statemsg_feed_roundtrip(void **state);
static void test_statemsg_feed_find_sorted(void **state);
static void test_statemsg_report_roundtrip(void **state);
static void test_statemsg_admin_roundtrip(void **state);
static void test_statemsg_overrides_encode_table(void **state);
static void test_statemsg_state_parse_table(void **state);
static void test_statemsg_is_name_table(void **state);
static void test_statemsg_decode_reason_buffer(void **state);

/*
 * Every file under tests/data/statemsg/: "" means it must decode (and
 * survive encode -> decode unchanged), anything else is the start of
 * the reason it must be rejected with. The decoder follows the file
 * name's first word: feed, report or admin.
 */
static const struct {
	const char *file;
	const char *expected;
} golden[] = {
	{ "feed-ok-example.json", "" },
	{ "feed-ok-empty.json", "" },
	{ "feed-ok-unknown-fields.json", "" },
	{ "feed-ok-limits.json", "" },
	{ "feed-bad-syntax.json", "invalid JSON at line 2" },
	{ "feed-bad-trailing.json", "invalid JSON at line 1" },
	{ "feed-bad-duplicate-key.json", "invalid JSON: duplicate key" },
	{ "feed-bad-not-object.json", "not a JSON object" },
	{ "feed-bad-empty.json", "invalid JSON" },
	{ "feed-bad-utf8.json", "invalid JSON" },
	{ "feed-bad-huge-number.json", "invalid JSON" },
	{ "feed-bad-version.json", "version: unsupported (this is 1)" },
	{ "feed-bad-version-missing.json", "version: missing" },
	{ "feed-bad-probe-space.json", "probe: not a name" },
	{ "feed-bad-probe-long.json", "probe: not a name" },
	{ "feed-bad-probe-number.json", "probe: not a string" },
	{ "feed-bad-generation-negative.json",
	    "generation: out of range 0..9007199254740992" },
	{ "feed-bad-generation-big.json",
	    "generation: out of range 0..9007199254740992" },
	{ "feed-bad-generation-real.json", "generation: not an integer" },
	{ "feed-bad-generation-string.json", "generation: not an integer" },
	{ "feed-bad-generation-overflow.json", "invalid JSON" },
	{ "feed-bad-time-missing.json", "time: missing" },
	{ "feed-bad-edges-missing.json", "edges: missing" },
	{ "feed-bad-edges-object.json", "edges: not an array" },
	{ "feed-bad-edge-not-object.json", "edges[0]: not an object" },
	{ "feed-bad-edge-state.json",
	    "edges[1].state: not one of up down draining full" },
	{ "feed-bad-edge-state-case.json", "edges[0].state: not one of" },
	{ "feed-bad-edge-state-missing.json", "edges[0].state: missing" },
	{ "feed-bad-edge-name-empty.json",
	    "edges[0].name: not a name (1..64 of A-Z a-z 0-9 . _ -)" },
	{ "feed-bad-edge-name-nul.json", "invalid JSON" },
	{ "feed-bad-edge-name-slash.json", "edges[0].name: not a name" },
	{ "feed-bad-edge-valid-for.json",
	    "edges[0].valid_for: out of range 0..86400" },
	{ "feed-bad-edge-valid-for-missing.json",
	    "edges[0].valid_for: missing" },
	{ "feed-bad-players-big.json",
	    "edges[0].players: out of range 0..1000000000" },
	{ "feed-bad-players-real.json", "edges[0].players: not an integer" },
	{ "feed-bad-publishers-negative.json",
	    "edges[0].publishers: out of range" },
	{ "feed-bad-streams-bool.json", "edges[0].streams: not an integer" },
	{ "feed-bad-egress-negative.json",
	    "edges[0].egress_mbps: out of range 0..10000000" },
	{ "feed-bad-egress-big.json",
	    "edges[0].egress_mbps: out of range 0..10000000" },
	{ "feed-bad-ingress-string.json",
	    "edges[0].ingress_mbps: not a number" },
	{ "feed-bad-cpu.json", "edges[0].cpu: out of range 0..1" },
	{ "feed-bad-duplicate-edge.json", "edges: duplicate name" },
	{ "report-ok-example.json", "" },
	{ "report-ok-minimal.json", "" },
	{ "report-ok-nulls.json", "" },
	{ "report-ok-origins-empty.json", "" },
	{ "report-bad-edge-missing.json", "edge: missing" },
	{ "report-bad-version.json", "version: not an integer" },
	{ "report-bad-seq-negative.json", "seq: out of range" },
	{ "report-bad-seq-missing.json", "seq: missing" },
	{ "report-bad-time-real.json", "time: not an integer" },
	{ "report-bad-state.json", "state: not one of up down draining full" },
	{ "report-bad-cpu-negative.json", "cpu: out of range 0..1" },
	{ "report-bad-origins-object.json", "origins: not an array" },
	{ "report-bad-origin-not-object.json", "origins[0]: not an object" },
	{ "report-bad-origin-state.json",
	    "origins[0].state: not one of up down" },
	{ "report-bad-origin-name.json", "origins[1].name: not a name" },
	{ "report-bad-origin-duplicate.json", "origins[1].name: duplicate" },
	{ "report-bad-origins-too-many.json", "origins: more than 64 entries" },
	{ "report-bad-syntax.json", "invalid JSON at line 1" },
	{ "admin-ok-edge-down.json", "" },
	{ "admin-ok-edge-up.json", "" },
	{ "admin-ok-site-draining.json", "" },
	{ "admin-ok-clear.json", "" },
	{ "admin-bad-both.json", "give exactly one of edge and site" },
	{ "admin-bad-neither.json", "give exactly one of edge and site" },
	{ "admin-bad-full.json", "state: not one of up down draining clear" },
	{ "admin-bad-state-missing.json", "state: missing" },
	{ "admin-bad-state-number.json", "state: not a string" },
	{ "admin-bad-name.json", "site: not a name" },
	{ "admin-bad-syntax.json", "invalid JSON" },
};

#define NGOLDEN (sizeof(golden) / sizeof(golden[0]))

/* The file's bytes (not NUL-terminated for the decoder's sake: len). */
static char *
test_read(const char *file, size_t *len)
{
	char path[512];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), DATADIR "%s", file);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("%s: short read", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
test_load_equal(const struct statemsg_load *a, const struct statemsg_load *b)
{
	assert_int_equal(a->has_players, b->has_players);
	assert_int_equal(a->has_publishers, b->has_publishers);
	assert_int_equal(a->has_streams, b->has_streams);
	assert_int_equal(a->has_egress_mbps, b->has_egress_mbps);
	assert_int_equal(a->has_ingress_mbps, b->has_ingress_mbps);
	assert_int_equal(a->has_cpu, b->has_cpu);
	if (a->has_players)
		assert_int_equal(a->players, b->players);
	if (a->has_publishers)
		assert_int_equal(a->publishers, b->publishers);
	if (a->has_streams)
		assert_int_equal(a->streams, b->streams);
	if (a->has_egress_mbps)
		assert_true(a->egress_mbps == b->egress_mbps);
	if (a->has_ingress_mbps)
		assert_true(a->ingress_mbps == b->ingress_mbps);
	if (a->has_cpu)
		assert_true(a->cpu == b->cpu);
}

static void
test_feed_equal(const struct statemsg_feed *a, const struct statemsg_feed *b)
{
	assert_string_equal(a->probe, b->probe);
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->nedges, b->nedges);
	for (size_t i = 0; i < a->nedges; i++) {
		assert_string_equal(a->edges[i].name, b->edges[i].name);
		assert_int_equal(a->edges[i].state, b->edges[i].state);
		assert_int_equal(a->edges[i].valid_for, b->edges[i].valid_for);
		test_load_equal(&a->edges[i].load, &b->edges[i].load);
	}
}

/*
 * Decode one golden file and check the verdict. Valid ones must encode,
 * decode to the same values and encode to the same text again; invalid
 * ones must leave the output untouched.
 */
static void
test_decode_file(const char *file, const char *expected)
{
	char reason[STATEMSG_REASON_MAX] = "";
	size_t len;
	char *body = test_read(file, &len), *enc, *enc2;
	int rc;

	if (strncmp(file, "feed", 4) == 0) {
		struct statemsg_feed sentinel, *f = &sentinel, *f2 = NULL;

		rc =
		    statemsg_feed_decode(body, len, &f, reason, sizeof(reason));
		if (*expected != '\0') {
			assert_ptr_equal(f, &sentinel);
			goto check;
		}
		assert_int_equal(rc, RC_OK);
		enc = statemsg_feed_encode(f);
		assert_int_equal(statemsg_feed_decode(enc, strlen(enc), &f2,
				     reason, sizeof(reason)),
		    RC_OK);
		test_feed_equal(f, f2);
		enc2 = statemsg_feed_encode(f2);
		assert_string_equal(enc, enc2);
		free(enc);
		free(enc2);
		statemsg_feed_free(f);
		statemsg_feed_free(f2);
	} else if (strncmp(file, "report", 6) == 0) {
		struct statemsg_report r, before, r2;

		memset(&r, 0xa5, sizeof(r));
		before = r;
		rc = statemsg_report_decode(body, len, &r, reason,
		    sizeof(reason));
		if (*expected != '\0') {
			assert_memory_equal(&r, &before, sizeof(r));
			goto check;
		}
		assert_int_equal(rc, RC_OK);
		enc = statemsg_report_encode(&r);
		assert_int_equal(statemsg_report_decode(enc, strlen(enc), &r2,
				     reason, sizeof(reason)),
		    RC_OK);
		enc2 = statemsg_report_encode(&r2);
		assert_string_equal(enc, enc2);
		free(enc);
		free(enc2);
	} else {
		struct statemsg_admin a, before, a2;

		memset(&a, 0xa5, sizeof(a));
		before = a;
		rc = statemsg_admin_decode(body, len, &a, reason,
		    sizeof(reason));
		if (*expected != '\0') {
			assert_memory_equal(&a, &before, sizeof(a));
			goto check;
		}
		assert_int_equal(rc, RC_OK);
		enc = statemsg_admin_encode(&a);
		assert_int_equal(statemsg_admin_decode(enc, strlen(enc), &a2,
				     reason, sizeof(reason)),
		    RC_OK);
		enc2 = statemsg_admin_encode(&a2);
		assert_string_equal(enc, enc2);
		free(enc);
		free(enc2);
	}
check:
	if (*expected == '\0' && rc != RC_OK)
		fail_msg("%s: rejected: %s", file, reason);
	if (*expected != '\0' &&
	    (rc != RC_MALFORMED ||
		strncmp(reason, expected, strlen(expected)) != 0))
		fail_msg("%s: rc %s, reason \"%s\", want \"%s...\"", file,
		    rc_str(rc), reason, expected);
	free(body);
}

static void
test_statemsg_decode_golden(void **state)
{
	(void)state;
	for (size_t i = 0; i < NGOLDEN; i++)
		test_decode_file(golden[i].file, golden[i].expected);
}

/* A golden file nobody checks is a test that silently does nothing. */
static void
test_statemsg_golden_all_listed(void **state)
{
	struct dirent *de;
	size_t seen = 0, i;
	DIR *dir;

	(void)state;
	dir = opendir(DATADIR);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < NGOLDEN; i++)
			if (strcmp(golden[i].file, de->d_name) == 0)
				break;
		if (i == NGOLDEN)
			fail_msg("%s: not in the golden table", de->d_name);
		seen++;
	}
	closedir(dir);
	assert_int_equal(seen, NGOLDEN);
}

/* The documented example, field by field; edges come back sorted. */
static void
test_statemsg_feed_decode_example(void **state)
{
	struct statemsg_feed *f = NULL;
	const struct statemsg_edge *e;
	size_t len;
	char *body = test_read("feed-ok-example.json", &len);

	(void)state;
	assert_int_equal(statemsg_feed_decode(body, len, &f, NULL, 0), RC_OK);
	assert_string_equal(f->probe, "probe-ams");
	assert_int_equal(f->generation, 42);
	assert_int_equal(f->time, 1764000000);
	assert_int_equal(f->nedges, 4);
	assert_string_equal(f->edges[0].name, "ams-1");
	assert_string_equal(f->edges[1].name, "fra-1");
	assert_string_equal(f->edges[2].name, "lon-1");
	assert_string_equal(f->edges[3].name, "lon-2");
	e = &f->edges[2];
	assert_int_equal(e->state, STATEMSG_UP);
	assert_int_equal(e->valid_for, 10);
	assert_true(e->load.has_players && e->load.players == 120);
	assert_true(e->load.has_publishers && e->load.publishers == 0);
	assert_true(e->load.has_streams && e->load.streams == 3);
	assert_true(e->load.has_egress_mbps && e->load.egress_mbps == 300.5);
	assert_true(e->load.has_ingress_mbps && e->load.ingress_mbps == 12.0);
	assert_true(e->load.has_cpu && e->load.cpu == 0.31);
	e = &f->edges[1];
	assert_int_equal(e->state, STATEMSG_DOWN);
	assert_int_equal(e->valid_for, 30);
	assert_false(e->load.has_players || e->load.has_publishers ||
	    e->load.has_streams || e->load.has_egress_mbps ||
	    e->load.has_ingress_mbps || e->load.has_cpu);
	assert_int_equal(f->edges[0].state, STATEMSG_FULL);
	assert_true(f->edges[0].load.egress_mbps == 9800);
	assert_int_equal(f->edges[3].state, STATEMSG_DRAINING);
	statemsg_feed_free(f);
	free(body);
}

/* A feed of n edges "e0".. as JSON text (malloc'd), *len its length. */
static char *
test_feed_json(size_t n, size_t *len)
{
	size_t cap = 128 + n * 48, pos;
	char *buf = xmalloc(cap);

	pos = (size_t)snprintf(buf, cap,
	    "{\"version\":1,\"probe\":\"p\",\"generation\":1,\"time\":1,"
	    "\"edges\":[");
	for (size_t i = 0; i < n; i++)
		pos += (size_t)snprintf(buf + pos, cap - pos,
		    "%s{\"name\":\"e%zu\",\"state\":\"up\",\"valid_for\":5}",
		    i ? "," : "", i);
	pos += (size_t)snprintf(buf + pos, cap - pos, "]}");
	*len = pos;
	return buf;
}

/* Sizes from the network are checked before anything is built. */
static void
test_statemsg_feed_decode_limits(void **state)
{
	static const struct {
		const char *desc;
		size_t nedges;
		size_t pad; /* spaces before the JSON */
		const char *expected;
	} cases[] = {
		{ "10000 edges", STATEMSG_EDGES_MAX, 0, "" },
		{ "10001 edges", STATEMSG_EDGES_MAX + 1, 0,
		    "edges: more than 10000 entries" },
		{ "exactly 4 MiB", 1, 0, "" },
		{ "4 MiB + 1", 1, 1, "body larger than 4194304 bytes" },
	};
	char reason[STATEMSG_REASON_MAX];
	struct statemsg_feed *f;
	size_t len, pad;
	char *json, *body;
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json = test_feed_json(cases[i].nedges, &len);
		pad = 0;
		if (strstr(cases[i].desc, "MiB") != NULL)
			pad = STATEMSG_BODY_MAX - len + cases[i].pad;
		body = xmalloc(pad + len);
		memset(body, ' ', pad);
		memcpy(body + pad, json, len);
		f = NULL;
		rc = statemsg_feed_decode(body, pad + len, &f, reason,
		    sizeof(reason));
		if (*cases[i].expected == '\0') {
			if (rc != RC_OK)
				fail_msg("%s: %s", cases[i].desc, reason);
			assert_int_equal(f->nedges, cases[i].nedges);
		} else {
			assert_int_equal(rc, RC_MALFORMED);
			assert_null(f);
			assert_string_equal(reason, cases[i].expected);
		}
		statemsg_feed_free(f);
		free(body);
		free(json);
	}
}

/* The decoder reads len bytes, no further, and needs no NUL. */
static void
test_statemsg_feed_decode_len(void **state)
{
	static const char text[] = "{\"version\":1,\"probe\":\"p\","
				   "\"generation\":3,\"time\":1,\"edges\":[]}"
				   "GARBAGE";
	struct statemsg_feed *f = NULL;
	size_t len = strlen(text) - strlen("GARBAGE");
	char *body = xmalloc(len);

	(void)state;
	memcpy(body, text, len);
	assert_int_equal(statemsg_feed_decode(body, len, &f, NULL, 0), RC_OK);
	assert_int_equal(f->generation, 3);
	statemsg_feed_free(f);
	f = NULL;
	assert_int_equal(statemsg_feed_decode(text, strlen(text), &f, NULL, 0),
	    RC_MALFORMED);
	assert_null(f);
	free(body);
}

/* A feed built in code survives encode -> decode with every value. */
static void
test_statemsg_feed_roundtrip(void **state)
{
	struct statemsg_edge edges[] = {
		{ "a-1", STATEMSG_UP, 10,
		    { true, true, true, true, true, true, 120, 0, 3, 300.5,
			12.0, 0.31 } },
		{ "b.2", STATEMSG_DOWN, 0, { 0 } },
		{ "c_3", STATEMSG_DRAINING, 86400,
		    { false, false, true, false, false, true, 0, 0, 7, 0, 0,
			1.0 } },
		{ "d", STATEMSG_FULL, 1,
		    { true, false, false, true, true, false, 1000000000, 0, 0,
			1e7, 0.000123456789012, 0 } },
	};
	struct statemsg_feed in = { "probe-1", STATEMSG_INT_MAX, 1764000000, 4,
		edges };
	struct statemsg_feed *out = NULL;
	char *enc, *enc2;

	(void)state;
	enc = statemsg_feed_encode(&in);
	/* 15 significant digits: 0.31, not 0.30999999999999999. */
	assert_non_null(strstr(enc, "\"cpu\":0.31}"));
	assert_int_equal(statemsg_feed_decode(enc, strlen(enc), &out, NULL, 0),
	    RC_OK);
	test_feed_equal(&in, out);
	enc2 = statemsg_feed_encode(out);
	assert_string_equal(enc, enc2);
	free(enc);
	free(enc2);
	statemsg_feed_free(out);
}

static void
test_statemsg_feed_find_sorted(void **state)
{
	static const char text[] =
	    "{\"version\":1,\"probe\":\"p\",\"generation\":1,\"time\":1,"
	    "\"edges\":[{\"name\":\"z\",\"state\":\"up\",\"valid_for\":1},"
	    "{\"name\":\"a\",\"state\":\"down\",\"valid_for\":1},"
	    "{\"name\":\"m\",\"state\":\"full\",\"valid_for\":1}]}";
	static const struct {
		const char *name;
		int state; /* -1: not found */
	} cases[] = {
		{ "a", STATEMSG_DOWN },
		{ "m", STATEMSG_FULL },
		{ "z", STATEMSG_UP },
		{ "b", -1 },
		{ "", -1 },
		{ "zz", -1 },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxx",
		    -1 },
	};
	struct statemsg_feed *f = NULL;
	const struct statemsg_edge *e;

	(void)state;
	assert_int_equal(statemsg_feed_decode(text, strlen(text), &f, NULL, 0),
	    RC_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = statemsg_feed_find(f, cases[i].name);
		if (cases[i].state < 0) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		assert_string_equal(e->name, cases[i].name);
		assert_int_equal(e->state, cases[i].state);
	}
	statemsg_feed_free(f);
}

static void
test_statemsg_report_roundtrip(void **state)
{
	struct statemsg_report in, out;
	char *enc, *enc2;

	(void)state;
	memset(&in, 0, sizeof(in));
	strcpy(in.edge, "lon-1");
	in.time = 1764000000;
	in.seq = 99;
	in.state = STATEMSG_FULL;
	in.load.has_players = true;
	in.load.players = 5000;
	in.load.has_cpu = true;
	in.load.cpu = 0.97;
	in.load.has_ingress_mbps = true;
	in.load.ingress_mbps = 80.25;
	in.norigins = STATEMSG_ORIGINS_MAX;
	for (size_t i = 0; i < in.norigins; i++) {
		snprintf(in.origins[i].name, sizeof(in.origins[i].name),
		    "origin-%zu", i);
		in.origins[i].state = i % 3 ? STATEMSG_UP : STATEMSG_DOWN;
	}
	enc = statemsg_report_encode(&in);
	assert_int_equal(
	    statemsg_report_decode(enc, strlen(enc), &out, NULL, 0), RC_OK);
	assert_string_equal(out.edge, in.edge);
	assert_int_equal(out.time, in.time);
	assert_int_equal(out.seq, in.seq);
	assert_int_equal(out.state, in.state);
	test_load_equal(&in.load, &out.load);
	assert_int_equal(out.norigins, in.norigins);
	for (size_t i = 0; i < in.norigins; i++) {
		assert_string_equal(out.origins[i].name, in.origins[i].name);
		assert_int_equal(out.origins[i].state, in.origins[i].state);
	}
	enc2 = statemsg_report_encode(&out);
	assert_string_equal(enc, enc2);
	free(enc);
	free(enc2);
}

static void
test_statemsg_admin_roundtrip(void **state)
{
	static const struct {
		struct statemsg_admin in;
		const char *json;
	} cases[] = {
		{ { STATEMSG_SCOPE_EDGE, "lon-1", false, STATEMSG_DOWN },
		    "{\"edge\":\"lon-1\",\"state\":\"down\"}" },
		{ { STATEMSG_SCOPE_SITE, "lon", false, STATEMSG_DRAINING },
		    "{\"site\":\"lon\",\"state\":\"draining\"}" },
		{ { STATEMSG_SCOPE_SITE, "ams", true, STATEMSG_UP },
		    "{\"site\":\"ams\",\"state\":\"clear\"}" },
		{ { STATEMSG_SCOPE_EDGE, "x", false, STATEMSG_UP },
		    "{\"edge\":\"x\",\"state\":\"up\"}" },
	};
	struct statemsg_admin out;
	char *enc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enc = statemsg_admin_encode(&cases[i].in);
		assert_string_equal(enc, cases[i].json);
		assert_int_equal(
		    statemsg_admin_decode(enc, strlen(enc), &out, NULL, 0),
		    RC_OK);
		assert_int_equal(out.scope, cases[i].in.scope);
		assert_string_equal(out.name, cases[i].in.name);
		assert_int_equal(out.clear, cases[i].in.clear);
		if (!out.clear)
			assert_int_equal(out.state, cases[i].in.state);
		free(enc);
	}
}

static void
test_statemsg_overrides_encode_table(void **state)
{
	static const struct statemsg_admin rows[] = {
		{ STATEMSG_SCOPE_EDGE, "lon-1", false, STATEMSG_DOWN },
		{ STATEMSG_SCOPE_SITE, "ams", false, STATEMSG_DRAINING },
	};
	char *s;

	(void)state;
	s = statemsg_overrides_encode(rows, 2);
	assert_string_equal(s,
	    "{\"version\":1,\"overrides\":[{\"edge\":\"lon-1\",\"state\":"
	    "\"down\"},{\"site\":\"ams\",\"state\":\"draining\"}]}");
	free(s);
	s = statemsg_overrides_encode(NULL, 0);
	assert_string_equal(s, "{\"version\":1,\"overrides\":[]}");
	free(s);
}

static void
test_statemsg_state_parse_table(void **state)
{
	static const struct {
		const char *text;
		int rc;
		enum statemsg_state state;
	} cases[] = {
		{ "up", RC_OK, STATEMSG_UP },
		{ "down", RC_OK, STATEMSG_DOWN },
		{ "draining", RC_OK, STATEMSG_DRAINING },
		{ "full", RC_OK, STATEMSG_FULL },
		{ "Up", RC_MALFORMED, 0 },
		{ "up ", RC_MALFORMED, 0 },
		{ "", RC_MALFORMED, 0 },
		{ "clear", RC_MALFORMED, 0 },
		{ "drain", RC_MALFORMED, 0 },
	};
	enum statemsg_state s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = (enum statemsg_state)77;
		assert_int_equal(statemsg_state_parse(cases[i].text, &s),
		    cases[i].rc);
		if (cases[i].rc != RC_OK) {
			assert_int_equal(s, 77);
			continue;
		}
		assert_int_equal(s, cases[i].state);
		assert_string_equal(statemsg_state_str(s), cases[i].text);
	}
	assert_string_equal(statemsg_state_str((enum statemsg_state)9),
	    "unknown");
}

static void
test_statemsg_is_name_table(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "lon-1", true },
		{ "A.b_c-9", true },
		{ "x", true },
		{ "1234567890123456789012345678901234567890123456789012345678901234",
		    true },
		{ "12345678901234567890123456789012345678901234567890123456789012345",
		    false },
		{ "", false },
		{ "lon 1", false },
		{ "lon/1", false },
		{ "l\xc3\xb6n", false },
		{ "lon:1", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (statemsg_is_name(cases[i].name) != cases[i].ok)
			fail_msg("\"%s\": want %d", cases[i].name, cases[i].ok);
}

/* A short reason buffer truncates; none at all is fine too. */
static void
test_statemsg_decode_reason_buffer(void **state)
{
	static const char text[] = "{\"version\":1,\"edge\":\"lon-1\"}";
	struct statemsg_report r;
	char small[8];

	(void)state;
	assert_int_equal(statemsg_report_decode(text, strlen(text), &r, small,
			     sizeof(small)),
	    RC_MALFORMED);
	assert_string_equal(small, "time: m");
	assert_int_equal(
	    statemsg_report_decode(text, strlen(text), &r, NULL, 0),
	    RC_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statemsg_decode_golden),
		cmocka_unit_test(test_statemsg_golden_all_listed),
		cmocka_unit_test(test_statemsg_feed_decode_example),
		cmocka_unit_test(test_statemsg_feed_decode_limits),
		cmocka_unit_test(test_statemsg_feed_decode_len),
		cmocka_unit_test(test_statemsg_feed_roundtrip),
		cmocka_unit_test(test_statemsg_feed_find_sorted),
		cmocka_unit_test(test_statemsg_report_roundtrip),
		cmocka_unit_test(test_statemsg_admin_roundtrip),
		cmocka_unit_test(test_statemsg_overrides_encode_table),
		cmocka_unit_test(test_statemsg_state_parse_table),
		cmocka_unit_test(test_statemsg_is_name_table),
		cmocka_unit_test(test_statemsg_decode_reason_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
