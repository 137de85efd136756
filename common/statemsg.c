#include "config.h"

#include "common/statemsg.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/rc.h"

/*
 * A decode in progress: where the reason goes, and the path of the
 * object being read ("", "edges[3].", "origins[0].") for messages.
 */
struct sm_ctx {
	char *reason;
	size_t reason_len;
	char prefix[32];
};

/* One optional load figure: its key, kind, limit and place. */
struct sm_load_field {
	const char *key;
	bool is_count; /* JSON integer into uint64_t, else number into double */
	double max;
	size_t has_off;
	size_t val_off;
};

static int sm_fail(struct sm_ctx *c, const char *key, const char *fmt, ...)
    LOG_FMT(3, 4);
static int sm_parse(struct sm_ctx *c, const char *body, size_t len,
    json_t **root);
static json_t *sm_field(json_t *obj, const char *key);
static int sm_get_uint(struct sm_ctx *c, json_t *obj, const char *key,
    uint64_t max, bool *has, uint64_t *out);
static int sm_get_number(struct sm_ctx *c, json_t *obj, const char *key,
    double max, bool *has, double *out);
static int sm_get_name(struct sm_ctx *c, json_t *obj, const char *key,
    char *out);
static int sm_get_state(struct sm_ctx *c, json_t *obj, const char *key,
    bool origin, enum statemsg_state *out);
static int sm_get_version(struct sm_ctx *c, json_t *obj);
static int sm_get_load(struct sm_ctx *c, json_t *obj,
    struct statemsg_load *load);
static int sm_get_edge(struct sm_ctx *c, json_t *obj, struct statemsg_edge *e);
static int sm_get_origins(struct sm_ctx *c, json_t *obj,
    struct statemsg_report *r);
static int sm_edge_cmp(const void *a, const void *b);
static void sm_oom(const char *what) __attribute__((noreturn));
static json_t *sm_new(json_t *value, const char *what);
static void sm_set(json_t *obj, const char *key, json_t *value);
static void sm_append(json_t *arr, json_t *value, const char *what);
static json_t *sm_admin_object(const struct statemsg_admin *a);
static void sm_set_load(json_t *obj, const struct statemsg_load *load);
static char *sm_dump(json_t *root);

static const char *const sm_state_names[] = {
	[STATEMSG_UP] = "up",
	[STATEMSG_DOWN] = "down",
	[STATEMSG_DRAINING] = "draining",
	[STATEMSG_FULL] = "full",
};

#define SM_NSTATES (sizeof(sm_state_names) / sizeof(sm_state_names[0]))

#define SM_LOAD(k, count, limit)                                    \
	{                                                           \
		.key = #k, .is_count = count, .max = limit,         \
		.has_off = offsetof(struct statemsg_load, has_##k), \
		.val_off = offsetof(struct statemsg_load, k),       \
	}

/* In the documented order, which is also the encoder's. */
static const struct sm_load_field sm_load_fields[] = {
	SM_LOAD(players, true, (double)STATEMSG_COUNT_MAX),
	SM_LOAD(publishers, true, (double)STATEMSG_COUNT_MAX),
	SM_LOAD(streams, true, (double)STATEMSG_COUNT_MAX),
	SM_LOAD(egress_mbps, false, STATEMSG_MBPS_MAX),
	SM_LOAD(ingress_mbps, false, STATEMSG_MBPS_MAX),
	SM_LOAD(cpu, false, STATEMSG_CPU_MAX),
};

#define SM_NFIELDS (sizeof(sm_load_fields) / sizeof(sm_load_fields[0]))

/* ---- States and names ---- */

const char *
statemsg_state_str(enum statemsg_state s)
{
	if ((unsigned)s >= SM_NSTATES)
		return "unknown";
	return sm_state_names[s];
}

int
statemsg_state_parse(const char *s, enum statemsg_state *out)
{
	for (size_t i = 0; i < SM_NSTATES; i++) {
		if (strcmp(s, sm_state_names[i]) == 0) {
			*out = (enum statemsg_state)i;
			return RC_OK;
		}
	}
	return RC_MALFORMED;
}

/* Length-bounded so that a JSON string with a NUL in it fails. */
static bool
sm_is_name(const char *s, size_t len)
{
	if (len < 1 || len > STATEMSG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			ch == '-'))
			return false;
	}
	return true;
}

bool
statemsg_is_name(const char *s)
{
	return sm_is_name(s, strnlen(s, STATEMSG_NAME_MAX + 1));
}

/* ---- Decoding helpers ---- */

/* Write "<prefix><key>: <message>" as the reason; returns RC_MALFORMED. */
static int
sm_fail(struct sm_ctx *c, const char *key, const char *fmt, ...)
{
	char msg[STATEMSG_REASON_MAX];
	va_list ap;

	if (c->reason == NULL || c->reason_len == 0)
		return RC_MALFORMED;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		snprintf(c->reason, c->reason_len, "%s%s: %s", c->prefix, key,
		    msg);
	else
		snprintf(c->reason, c->reason_len, "%s", msg);
	return RC_MALFORMED;
}

/*
 * Size, syntax and the top-level object. jansson's own error text quotes
 * the input ("near 'xyz'"), so only its position and kind are passed on.
 */
static int
sm_parse(struct sm_ctx *c, const char *body, size_t len, json_t **root)
{
	json_error_t err;
	json_t *j;

	if (len > STATEMSG_BODY_MAX)
		return sm_fail(c, NULL, "body larger than %u bytes",
		    STATEMSG_BODY_MAX);
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
#if JANSSON_VERSION_HEX >= 0x020b00
		if (json_error_code(&err) == json_error_duplicate_key)
			return sm_fail(c, NULL,
			    "invalid JSON: duplicate key at line %d", err.line);
#endif
		return sm_fail(c, NULL, "invalid JSON at line %d column %d",
		    err.line, err.column);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return sm_fail(c, NULL, "not a JSON object");
	}
	*root = j;
	return RC_OK;
}

/* obj[key], or NULL if absent or JSON null. */
static json_t *
sm_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/*
 * An integer 0..max. With has == NULL the field is required; otherwise
 * *has says whether it was there.
 */
static int
sm_get_uint(struct sm_ctx *c, json_t *obj, const char *key, uint64_t max,
    bool *has, uint64_t *out)
{
	json_t *v = sm_field(obj, key);
	json_int_t n;

	if (v == NULL) {
		if (has == NULL)
			return sm_fail(c, key, "missing");
		*has = false;
		return RC_OK;
	}
	if (!json_is_integer(v))
		return sm_fail(c, key, "not an integer");
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > max)
		return sm_fail(c, key, "out of range 0..%llu",
		    (unsigned long long)max);
	if (has != NULL)
		*has = true;
	*out = (uint64_t)n;
	return RC_OK;
}

/* A finite number (integer or real) 0..max; optional as sm_get_uint(). */
static int
sm_get_number(struct sm_ctx *c, json_t *obj, const char *key, double max,
    bool *has, double *out)
{
	json_t *v = sm_field(obj, key);
	double d;

	if (v == NULL) {
		if (has == NULL)
			return sm_fail(c, key, "missing");
		*has = false;
		return RC_OK;
	}
	if (!json_is_number(v))
		return sm_fail(c, key, "not a number");
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > max)
		return sm_fail(c, key, "out of range 0..%.15g", max);
	if (has != NULL)
		*has = true;
	/* -0.0 passes "d < 0"; store it as 0 so it encodes as "0.0". */
	*out = d == 0 ? 0 : d;
	return RC_OK;
}

/* A required name into out (STATEMSG_NAME_MAX + 1 bytes). */
static int
sm_get_name(struct sm_ctx *c, json_t *obj, const char *key, char *out)
{
	json_t *v = sm_field(obj, key);
	size_t len;

	if (v == NULL)
		return sm_fail(c, key, "missing");
	if (!json_is_string(v))
		return sm_fail(c, key, "not a string");
	len = json_string_length(v);
	if (!sm_is_name(json_string_value(v), len))
		return sm_fail(c, key,
		    "not a name (1..%d of A-Z a-z 0-9 . _ -)",
		    STATEMSG_NAME_MAX);
	memcpy(out, json_string_value(v), len + 1);
	return RC_OK;
}

/* A required state; an origin's is only up or down. */
static int
sm_get_state(struct sm_ctx *c, json_t *obj, const char *key, bool origin,
    enum statemsg_state *out)
{
	json_t *v = sm_field(obj, key);
	enum statemsg_state s;

	if (v == NULL)
		return sm_fail(c, key, "missing");
	if (!json_is_string(v))
		return sm_fail(c, key, "not a string");
	if (statemsg_state_parse(json_string_value(v), &s) != RC_OK ||
	    (origin && s != STATEMSG_UP && s != STATEMSG_DOWN))
		return sm_fail(c, key, "not one of %s",
		    origin ? "up down" : "up down draining full");
	*out = s;
	return RC_OK;
}

static int
sm_get_version(struct sm_ctx *c, json_t *obj)
{
	uint64_t version;
	int rc;

	rc = sm_get_uint(c, obj, "version", STATEMSG_INT_MAX, NULL, &version);
	if (rc != RC_OK)
		return rc;
	if (version != STATEMSG_VERSION)
		return sm_fail(c, "version", "unsupported (this is %d)",
		    STATEMSG_VERSION);
	return RC_OK;
}

static int
sm_get_load(struct sm_ctx *c, json_t *obj, struct statemsg_load *load)
{
	char *base = (char *)load;
	int rc;

	for (size_t i = 0; i < SM_NFIELDS; i++) {
		const struct sm_load_field *lf = &sm_load_fields[i];
		bool *has = (bool *)(base + lf->has_off);

		if (lf->is_count)
			rc = sm_get_uint(c, obj, lf->key, (uint64_t)lf->max,
			    has, (uint64_t *)(base + lf->val_off));
		else
			rc = sm_get_number(c, obj, lf->key, lf->max, has,
			    (double *)(base + lf->val_off));
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* ---- State feed ---- */

static int
sm_get_edge(struct sm_ctx *c, json_t *obj, struct statemsg_edge *e)
{
	uint64_t valid_for;
	int rc;

	if ((rc = sm_get_name(c, obj, "name", e->name)) != RC_OK ||
	    (rc = sm_get_state(c, obj, "state", false, &e->state)) != RC_OK ||
	    (rc = sm_get_uint(c, obj, "valid_for", STATEMSG_VALID_FOR_MAX, NULL,
		 &valid_for)) != RC_OK ||
	    (rc = sm_get_load(c, obj, &e->load)) != RC_OK)
		return rc;
	e->valid_for = (uint32_t)valid_for;
	return RC_OK;
}

static int
sm_edge_cmp(const void *a, const void *b)
{
	const struct statemsg_edge *ea = a, *eb = b;

	return strcmp(ea->name, eb->name);
}

int
statemsg_feed_decode(const char *body, size_t len, struct statemsg_feed **out,
    char *reason, size_t reason_len)
{
	struct sm_ctx c = { reason, reason_len, "" };
	struct statemsg_feed *f = NULL;
	json_t *root = NULL, *edges, *v;
	uint64_t time;
	size_t i;
	int rc;

	if ((rc = sm_parse(&c, body, len, &root)) != RC_OK)
		goto fail;
	f = xcalloc(1, sizeof(*f));
	if ((rc = sm_get_version(&c, root)) != RC_OK ||
	    (rc = sm_get_name(&c, root, "probe", f->probe)) != RC_OK ||
	    (rc = sm_get_uint(&c, root, "generation", STATEMSG_INT_MAX, NULL,
		 &f->generation)) != RC_OK ||
	    (rc = sm_get_uint(&c, root, "time", STATEMSG_INT_MAX, NULL,
		 &time)) != RC_OK)
		goto fail;
	f->time = (int64_t)time;
	edges = sm_field(root, "edges");
	if (edges == NULL) {
		rc = sm_fail(&c, "edges", "missing");
		goto fail;
	}
	if (!json_is_array(edges)) {
		rc = sm_fail(&c, "edges", "not an array");
		goto fail;
	}
	if (json_array_size(edges) > STATEMSG_EDGES_MAX) {
		rc = sm_fail(&c, "edges", "more than %d entries",
		    STATEMSG_EDGES_MAX);
		goto fail;
	}
	f->nedges = json_array_size(edges);
	f->edges = xcalloc(f->nedges, sizeof(*f->edges));
	json_array_foreach(edges, i, v)
	{
		snprintf(c.prefix, sizeof(c.prefix), "edges[%zu]", i);
		if (!json_is_object(v)) {
			rc = sm_fail(&c, "", "not an object");
			goto fail;
		}
		snprintf(c.prefix, sizeof(c.prefix), "edges[%zu].", i);
		if ((rc = sm_get_edge(&c, v, &f->edges[i])) != RC_OK)
			goto fail;
	}
	c.prefix[0] = '\0';
	qsort(f->edges, f->nedges, sizeof(*f->edges), sm_edge_cmp);
	for (i = 1; i < f->nedges; i++) {
		if (strcmp(f->edges[i - 1].name, f->edges[i].name) == 0) {
			rc = sm_fail(&c, "edges", "duplicate name");
			goto fail;
		}
	}
	json_decref(root);
	*out = f;
	return RC_OK;
fail:
	statemsg_feed_free(f);
	json_decref(root);
	return rc;
}

const struct statemsg_edge *
statemsg_feed_find(const struct statemsg_feed *f, const char *name)
{
	struct statemsg_edge key;

	if (f->nedges == 0 || strlen(name) > STATEMSG_NAME_MAX)
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, f->edges, f->nedges, sizeof(*f->edges),
	    sm_edge_cmp);
}

void
statemsg_feed_free(struct statemsg_feed *f)
{
	if (f == NULL)
		return;
	free(f->edges);
	free(f);
}

/* ---- Load report ---- */

static int
sm_get_origins(struct sm_ctx *c, json_t *obj, struct statemsg_report *r)
{
	json_t *origins = sm_field(obj, "origins"), *v;
	size_t i, j;
	int rc;

	r->norigins = 0;
	if (origins == NULL)
		return RC_OK;
	if (!json_is_array(origins))
		return sm_fail(c, "origins", "not an array");
	if (json_array_size(origins) > STATEMSG_ORIGINS_MAX)
		return sm_fail(c, "origins", "more than %d entries",
		    STATEMSG_ORIGINS_MAX);
	json_array_foreach(origins, i, v)
	{
		struct statemsg_origin *o = &r->origins[i];

		snprintf(c->prefix, sizeof(c->prefix), "origins[%zu]", i);
		if (!json_is_object(v))
			return sm_fail(c, "", "not an object");
		snprintf(c->prefix, sizeof(c->prefix), "origins[%zu].", i);
		if ((rc = sm_get_name(c, v, "name", o->name)) != RC_OK ||
		    (rc = sm_get_state(c, v, "state", true, &o->state)) !=
			RC_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(r->origins[j].name, o->name) == 0)
				return sm_fail(c, "name", "duplicate");
	}
	c->prefix[0] = '\0';
	r->norigins = json_array_size(origins);
	return RC_OK;
}

int
statemsg_report_decode(const char *body, size_t len,
    struct statemsg_report *out, char *reason, size_t reason_len)
{
	struct sm_ctx c = { reason, reason_len, "" };
	struct statemsg_report r;
	json_t *root = NULL;
	uint64_t time;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = sm_parse(&c, body, len, &root)) != RC_OK ||
	    (rc = sm_get_version(&c, root)) != RC_OK ||
	    (rc = sm_get_name(&c, root, "edge", r.edge)) != RC_OK ||
	    (rc = sm_get_uint(&c, root, "time", STATEMSG_INT_MAX, NULL,
		 &time)) != RC_OK ||
	    (rc = sm_get_uint(&c, root, "seq", STATEMSG_INT_MAX, NULL,
		 &r.seq)) != RC_OK ||
	    (rc = sm_get_state(&c, root, "state", false, &r.state)) != RC_OK ||
	    (rc = sm_get_load(&c, root, &r.load)) != RC_OK ||
	    (rc = sm_get_origins(&c, root, &r)) != RC_OK)
		goto fail;
	r.time = (int64_t)time;
	*out = r;
fail:
	json_decref(root);
	return rc;
}

/* ---- Admin overrides ---- */

int
statemsg_admin_decode(const char *body, size_t len, struct statemsg_admin *out,
    char *reason, size_t reason_len)
{
	struct sm_ctx c = { reason, reason_len, "" };
	struct statemsg_admin a = { 0 };
	json_t *root = NULL, *edge, *site, *v;
	const char *state;
	int rc;

	if ((rc = sm_parse(&c, body, len, &root)) != RC_OK)
		goto fail;
	edge = sm_field(root, "edge");
	site = sm_field(root, "site");
	if ((edge == NULL) == (site == NULL)) {
		rc = sm_fail(&c, NULL, "give exactly one of edge and site");
		goto fail;
	}
	a.scope = edge != NULL ? STATEMSG_SCOPE_EDGE : STATEMSG_SCOPE_SITE;
	rc = sm_get_name(&c, root, edge != NULL ? "edge" : "site", a.name);
	if (rc != RC_OK)
		goto fail;
	v = sm_field(root, "state");
	if (v == NULL) {
		rc = sm_fail(&c, "state", "missing");
		goto fail;
	}
	if (!json_is_string(v)) {
		rc = sm_fail(&c, "state", "not a string");
		goto fail;
	}
	state = json_string_value(v);
	if (strcmp(state, "clear") == 0)
		a.clear = true;
	else if (statemsg_state_parse(state, &a.state) != RC_OK ||
	    a.state == STATEMSG_FULL) {
		rc = sm_fail(&c, "state", "not one of up down draining clear");
		goto fail;
	}
	*out = a;
fail:
	json_decref(root);
	return rc;
}

/* ---- Encoding ---- */

/* jansson fails only without memory; like the x* allocators, abort. */
static void
sm_oom(const char *what)
{
	log_msg(LOG_CRIT, "statemsg: out of memory encoding %s", what);
	abort();
}

/* value, unless jansson could not allocate it. */
static json_t *
sm_new(json_t *value, const char *what)
{
	if (value == NULL)
		sm_oom(what);
	return value;
}

/* obj[key] = value (stolen). */
static void
sm_set(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0)
		sm_oom(key);
}

/* Append value (stolen) to the array arr. */
static void
sm_append(json_t *arr, json_t *value, const char *what)
{
	if (value == NULL || json_array_append_new(arr, value) != 0)
		sm_oom(what);
}

static void
sm_set_load(json_t *obj, const struct statemsg_load *load)
{
	const char *base = (const char *)load;

	for (size_t i = 0; i < SM_NFIELDS; i++) {
		const struct sm_load_field *lf = &sm_load_fields[i];

		if (!*(const bool *)(base + lf->has_off))
			continue;
		if (lf->is_count)
			sm_set(obj, lf->key,
			    json_integer((json_int_t) *
				(const uint64_t *)(base + lf->val_off)));
		else
			sm_set(obj, lf->key,
			    json_real(*(const double *)(base + lf->val_off)));
	}
}

/*
 * Compact, and reals with 15 significant digits: enough for any load
 * figure, short to read ("0.31", not "0.30999999999999999"), and stable:
 * decoding and encoding again gives the same text (DBL_DIG is 15).
 */
static char *
sm_dump(json_t *root)
{
	char *s = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));

	if (s == NULL)
		sm_oom("text");
	json_decref(root);
	return s;
}

char *
statemsg_feed_encode(const struct statemsg_feed *f)
{
	json_t *root = sm_new(json_object(), "feed");
	json_t *edges = sm_new(json_array(), "edges"), *e;

	assert(statemsg_is_name(f->probe));
	sm_set(root, "version", json_integer(STATEMSG_VERSION));
	sm_set(root, "probe", json_string(f->probe));
	sm_set(root, "generation", json_integer((json_int_t)f->generation));
	sm_set(root, "time", json_integer((json_int_t)f->time));
	for (size_t i = 0; i < f->nedges; i++) {
		const struct statemsg_edge *edge = &f->edges[i];

		assert(statemsg_is_name(edge->name));
		e = sm_new(json_object(), "edges");
		sm_set(e, "name", json_string(edge->name));
		sm_set(e, "state",
		    json_string(statemsg_state_str(edge->state)));
		sm_set(e, "valid_for", json_integer(edge->valid_for));
		sm_set_load(e, &edge->load);
		sm_append(edges, e, "edges");
	}
	sm_set(root, "edges", edges);
	return sm_dump(root);
}

char *
statemsg_report_encode(const struct statemsg_report *r)
{
	json_t *root = sm_new(json_object(), "report"), *origins, *o;

	assert(statemsg_is_name(r->edge));
	assert(r->norigins <= STATEMSG_ORIGINS_MAX);
	sm_set(root, "version", json_integer(STATEMSG_VERSION));
	sm_set(root, "edge", json_string(r->edge));
	sm_set(root, "time", json_integer((json_int_t)r->time));
	sm_set(root, "seq", json_integer((json_int_t)r->seq));
	sm_set(root, "state", json_string(statemsg_state_str(r->state)));
	sm_set_load(root, &r->load);
	if (r->norigins > 0) {
		origins = sm_new(json_array(), "origins");
		for (size_t i = 0; i < r->norigins; i++) {
			o = sm_new(json_object(), "origins");
			sm_set(o, "name", json_string(r->origins[i].name));
			sm_set(o, "state",
			    json_string(
				statemsg_state_str(r->origins[i].state)));
			sm_append(origins, o, "origins");
		}
		sm_set(root, "origins", origins);
	}
	return sm_dump(root);
}

/* {"edge"|"site": name, "state": ...} */
static json_t *
sm_admin_object(const struct statemsg_admin *a)
{
	json_t *o = sm_new(json_object(), "admin");

	assert(statemsg_is_name(a->name));
	sm_set(o, a->scope == STATEMSG_SCOPE_EDGE ? "edge" : "site",
	    json_string(a->name));
	sm_set(o, "state",
	    json_string(a->clear ? "clear" : statemsg_state_str(a->state)));
	return o;
}

char *
statemsg_admin_encode(const struct statemsg_admin *a)
{
	return sm_dump(sm_admin_object(a));
}

char *
statemsg_overrides_encode(const struct statemsg_admin *rows, size_t n)
{
	json_t *root = sm_new(json_object(), "overrides");
	json_t *list = sm_new(json_array(), "overrides");

	sm_set(root, "version", json_integer(STATEMSG_VERSION));
	for (size_t i = 0; i < n; i++) {
		assert(!rows[i].clear);
		sm_append(list, sm_admin_object(&rows[i]), "overrides");
	}
	sm_set(root, "overrides", list);
	return sm_dump(root);
}
