#include "config.h"

#include "common/conf.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "common/alloc.h"
#include "common/arena.h"
#include "common/rc.h"

/* One key path of the loaded file and the line it starts on. */
struct conf_line {
	const char *keypath; /* in the report's arena */
	unsigned line;	     /* 1-based */
};

/* State of one walk over a loaded document. */
struct conf_walk {
	struct conf_report *rep;
	yaml_document_t *doc;
	bool *indexed;	      /* index pass: node already indexed */
	unsigned long budget; /* schema pass: node visits left */
	char path[CONF_KEYPATH_MAX];
};

/* libcyaml's error lines for one load, kept to be reported at the end. */
struct conf_cyaml_log {
	char text[1024];
	size_t len;
};

/* Node visits the schema pass makes before giving up (alias bombs). */
#define CONF_VISIT_MAX 1000000UL
/* The bits of libcyaml's NULL flags beyond CYAML_FLAG_POINTER. */
#define CONF_FLAG_NULL (CYAML_FLAG_POINTER_NULL & ~CYAML_FLAG_POINTER)
#define CONF_FLAG_NULL_STR \
	(CYAML_FLAG_POINTER_NULL_STR & ~CYAML_FLAG_POINTER_NULL)
/* Scalars quoted in messages are cut to this many bytes. */
#define CONF_QUOTE_MAX 40

static void conf_report_vmsg(struct conf_report *rep, int prio, unsigned line,
    const char *keypath, const char *fmt, va_list ap) LOG_FMT(5, 0);
static void conf_load_error(struct conf_walk *w, const yaml_node_t *n,
    const char *fmt, ...) LOG_FMT(3, 4);
static void conf_index_add(struct conf_report *rep, const char *keypath,
    unsigned line);
static int conf_line_cmp(const void *a, const void *b);
static unsigned conf_index_find(struct conf_report *rep, const char *keypath);
static bool conf_keypath_parent(char *keypath);
static size_t conf_path_key(char *path, size_t plen, const char *key);
static size_t conf_path_index(char *path, size_t plen, size_t i);
static int conf_read_file(struct conf_report *rep, const char *path, char **buf,
    size_t *len);
static unsigned conf_node_line(const yaml_node_t *n);
static const char *conf_node_kind(const yaml_node_t *n);
static void conf_index_node(struct conf_walk *w, yaml_node_t *n, size_t plen,
    unsigned depth);
static void conf_check_value(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen, unsigned depth);
static void conf_check_mapping(struct conf_walk *w,
    const cyaml_schema_value_t *s, yaml_node_t *n, size_t plen, unsigned depth);
static void conf_check_sequence(struct conf_walk *w,
    const cyaml_schema_value_t *s, yaml_node_t *n, size_t plen, unsigned depth);
static void conf_check_flags(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen);
static void conf_check_bitfield(struct conf_walk *w,
    const cyaml_schema_value_t *s, yaml_node_t *n, size_t plen);
static void conf_check_scalar(struct conf_walk *w,
    const cyaml_schema_value_t *s, const yaml_node_t *n);
static bool conf_is_null(const cyaml_schema_value_t *s, const yaml_node_t *n);
static bool conf_parse_int(const char *s, bool is_signed, int64_t *sv,
    uint64_t *uv);
static bool conf_parse_bool(const char *s);
static bool conf_enum_has(const cyaml_schema_value_t *s, const char *str);
static void conf_cyaml_log_cb(cyaml_log_t level, void *ctx, const char *fmt,
    va_list ap) LOG_FMT(3, 0);
static int conf_cyaml_load(struct conf_report *rep, const char *buf, size_t len,
    const cyaml_schema_value_t *schema, void **out);

static const cyaml_config_t conf_cyaml_free_config = {
	.log_fn = NULL,
	.mem_fn = cyaml_mem,
	.log_level = CYAML_LOG_ERROR,
	.flags = CYAML_CFG_DEFAULT,
};

/* ---- Reports and the key path index ---- */

void
conf_report_init(struct conf_report *rep, const char *path)
{
	memset(rep, 0, sizeof(*rep));
	rep->path = xstrdup(path);
	rep->arena = arena_new(16 * 1024);
}

void
conf_report_fini(struct conf_report *rep)
{
	free(rep->path);
	arena_free(rep->arena);
	free(rep->lines);
	memset(rep, 0, sizeof(*rep));
}

unsigned
conf_report_count(const struct conf_report *rep)
{
	return rep->errors;
}

static void
conf_index_add(struct conf_report *rep, const char *keypath, unsigned line)
{
	if (rep->nlines == rep->cap) {
		rep->cap = rep->cap ? rep->cap * 2 : 64;
		rep->lines =
		    xreallocarray(rep->lines, rep->cap, sizeof(*rep->lines));
	}
	rep->lines[rep->nlines].keypath = arena_strdup(rep->arena, keypath);
	rep->lines[rep->nlines].line = line;
	rep->nlines++;
	rep->sorted = false;
}

/* By key path, then line, so a duplicated key finds its first line. */
static int
conf_line_cmp(const void *a, const void *b)
{
	const struct conf_line *la = a, *lb = b;
	int c;

	c = strcmp(la->keypath, lb->keypath);
	if (c != 0)
		return c;
	return (la->line > lb->line) - (la->line < lb->line);
}

static unsigned
conf_index_find(struct conf_report *rep, const char *keypath)
{
	size_t lo = 0, hi = rep->nlines, mid;
	int c;

	/* Lower bound: the first entry not below keypath. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(rep->lines[mid].keypath, keypath);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < rep->nlines && strcmp(rep->lines[lo].keypath, keypath) == 0)
		return rep->lines[lo].line;
	return 0;
}

/* "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> false. */
static bool
conf_keypath_parent(char *keypath)
{
	size_t i;

	for (i = strlen(keypath); i > 0; i--) {
		if (keypath[i - 1] == '.' || keypath[i - 1] == '[') {
			if (i - 1 == 0)
				return false;
			keypath[i - 1] = '\0';
			return true;
		}
	}
	return false;
}

unsigned
conf_report_line(struct conf_report *rep, const char *keypath)
{
	char buf[CONF_KEYPATH_MAX];
	unsigned line;

	if (keypath == NULL || keypath[0] == '\0' || rep->nlines == 0)
		return 0;
	if (!rep->sorted) {
		qsort(rep->lines, rep->nlines, sizeof(*rep->lines),
		    conf_line_cmp);
		rep->sorted = true;
	}
	snprintf(buf, sizeof(buf), "%s", keypath);
	do {
		line = conf_index_find(rep, buf);
		if (line != 0)
			return line;
	} while (conf_keypath_parent(buf));
	return 0;
}

static void
conf_report_vmsg(struct conf_report *rep, int prio, unsigned line,
    const char *keypath, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	bool has_key = keypath != NULL && keypath[0] != '\0';

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0 && has_key)
		log_msg(prio, "%s:%u: %s: %s", rep->path, line, keypath, msg);
	else if (line > 0)
		log_msg(prio, "%s:%u: %s", rep->path, line, msg);
	else if (has_key)
		log_msg(prio, "%s: %s: %s", rep->path, keypath, msg);
	else
		log_msg(prio, "%s: %s", rep->path, msg);
}

void
conf_error(struct conf_report *rep, const char *keypath, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_report_vmsg(rep, LOG_ERR, conf_report_line(rep, keypath), keypath,
	    fmt, ap);
	va_end(ap);
	rep->errors++;
}

void
conf_warn(struct conf_report *rep, const char *keypath, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_report_vmsg(rep, LOG_WARNING, conf_report_line(rep, keypath),
	    keypath, fmt, ap);
	va_end(ap);
}

/* An error found while loading: at node n (NULL: no line), path so far. */
static void
conf_load_error(struct conf_walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_report_vmsg(w->rep, LOG_ERR, n != NULL ? conf_node_line(n) : 0,
	    w->path, fmt, ap);
	va_end(ap);
	w->rep->errors++;
}

/* ---- Key paths and nodes ---- */

static size_t
conf_path_key(char *path, size_t plen, const char *key)
{
	int n;

	n = snprintf(path + plen, CONF_KEYPATH_MAX - plen, "%s%s",
	    plen > 0 ? "." : "", key);
	if (n < 0 || (size_t)n >= CONF_KEYPATH_MAX - plen)
		return CONF_KEYPATH_MAX - 1;
	return plen + (size_t)n;
}

static size_t
conf_path_index(char *path, size_t plen, size_t i)
{
	int n;

	n = snprintf(path + plen, CONF_KEYPATH_MAX - plen, "[%zu]", i);
	if (n < 0 || (size_t)n >= CONF_KEYPATH_MAX - plen)
		return CONF_KEYPATH_MAX - 1;
	return plen + (size_t)n;
}

static unsigned
conf_node_line(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

static const char *
conf_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (n->data.scalar.length == 0 &&
		    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return "nothing";
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "an empty node";
	}
}

/* Record the line of every mapping key and sequence entry under n. */
static void
conf_index_node(struct conf_walk *w, yaml_node_t *n, size_t plen,
    unsigned depth)
{
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	yaml_node_t *k, *v;
	size_t nplen, i;

	/* An alias repeats a node: index it once, where it is defined. */
	if (depth > CONF_DEPTH_MAX || w->indexed[n - w->doc->nodes.start])
		return;
	w->indexed[n - w->doc->nodes.start] = true;
	switch (n->type) {
	case YAML_MAPPING_NODE:
		for (pair = n->data.mapping.pairs.start;
		     pair < n->data.mapping.pairs.top; pair++) {
			k = yaml_document_get_node(w->doc, pair->key);
			v = yaml_document_get_node(w->doc, pair->value);
			if (k == NULL || k->type != YAML_SCALAR_NODE)
				continue;
			nplen = conf_path_key(w->path, plen,
			    (const char *)k->data.scalar.value);
			conf_index_add(w->rep, w->path, conf_node_line(k));
			if (v != NULL)
				conf_index_node(w, v, nplen, depth + 1);
			w->path[plen] = '\0';
		}
		break;
	case YAML_SEQUENCE_NODE:
		for (item = n->data.sequence.items.start, i = 0;
		     item < n->data.sequence.items.top; item++, i++) {
			v = yaml_document_get_node(w->doc, *item);
			if (v == NULL)
				continue;
			nplen = conf_path_index(w->path, plen, i);
			conf_index_add(w->rep, w->path, conf_node_line(v));
			conf_index_node(w, v, nplen, depth + 1);
			w->path[plen] = '\0';
		}
		break;
	default:
		break;
	}
}

/* ---- Schema check ---- */

/* Same rule as libcyaml: NULL-able values take "", and maybe "null". */
static bool
conf_is_null(const cyaml_schema_value_t *s, const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || !(s->flags & CONF_FLAG_NULL))
		return false;
	v = (const char *)n->data.scalar.value;
	if (v[0] == '\0')
		return true;
	if (!(s->flags & CONF_FLAG_NULL_STR))
		return false;
	return strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/*
 * Strict integers: [+-]? then 0, [1-9][0-9]* or 0x[0-9a-fA-F]+, nothing
 * else (libcyaml's strtoll would take "053" as octal and "5x" as 5).
 * Signed results go to *sv, unsigned ones to *uv.
 */
static bool
conf_parse_int(const char *s, bool is_signed, int64_t *sv, uint64_t *uv)
{
	uint64_t v = 0, limit, digit;
	unsigned base = 10;
	bool neg = false;

	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (neg && !is_signed)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1] != '\0') {
		return false;
	}
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digit = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			digit = (uint64_t)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			digit = (uint64_t)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - digit) / base)
			return false;
		v = v * base + digit;
	}
	if (!is_signed) {
		*uv = v;
		return true;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (v > limit)
		return false;
	*sv = neg ? (v == limit ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return true;
}

static bool
conf_parse_bool(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on",
		"off", "1", "0", "enable", "disable" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	return false;
}

static bool
conf_enum_has(const cyaml_schema_value_t *s, const char *str)
{
	uint32_t i;

	for (i = 0; i < s->enumeration.count; i++) {
		if (s->flags & CYAML_FLAG_CASE_INSENSITIVE ?
			strcasecmp(s->enumeration.strings[i].str, str) == 0 :
			strcmp(s->enumeration.strings[i].str, str) == 0)
			return true;
	}
	return false;
}

static void
conf_check_scalar(struct conf_walk *w, const cyaml_schema_value_t *s,
    const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	unsigned bits;
	char names[256];
	size_t off = 0;
	int64_t sv, smin, smax;
	uint64_t uv, umax;
	double d;
	char *end;
	uint32_t i;

	bits = s->data_size >= 1 && s->data_size <= 8 ? s->data_size * 8 : 64;
	switch (s->type) {
	case CYAML_INT:
		smax = bits == 64 ? INT64_MAX :
				    (int64_t)((1ULL << (bits - 1)) - 1);
		smin = -smax - 1;
		if (!conf_parse_int(v, true, &sv, &uv))
			conf_load_error(w, n,
			    "expected an integer, got \"%.*s\"", CONF_QUOTE_MAX,
			    v);
		else if (sv < smin || sv > smax)
			conf_load_error(w, n,
			    "%" PRId64 " is out of range (%" PRId64 "..%" PRId64
			    ")",
			    sv, smin, smax);
		break;
	case CYAML_UINT:
		umax = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
		if (!conf_parse_int(v, false, &sv, &uv))
			conf_load_error(w, n,
			    "expected an unsigned integer, got \"%.*s\"",
			    CONF_QUOTE_MAX, v);
		else if (uv > umax)
			conf_load_error(w, n,
			    "%" PRIu64 " is out of range (0..%" PRIu64 ")", uv,
			    umax);
		break;
	case CYAML_BOOL:
		if (!conf_parse_bool(v))
			conf_load_error(w, n,
			    "expected true or false, got \"%.*s\"",
			    CONF_QUOTE_MAX, v);
		break;
	case CYAML_ENUM:
		if (conf_enum_has(s, v))
			break;
		if (!(s->flags & CYAML_FLAG_STRICT) &&
		    conf_parse_int(v, true, &sv, &uv))
			break;
		names[0] = '\0';
		for (i = 0; i < s->enumeration.count && off < sizeof(names);
		     i++) {
			int k = snprintf(names + off, sizeof(names) - off,
			    "%s%s", i > 0 ? ", " : "",
			    s->enumeration.strings[i].str);
			if (k < 0)
				break;
			off += (size_t)k;
		}
		conf_load_error(w, n, "expected one of %s; got \"%.*s\"", names,
		    CONF_QUOTE_MAX, v);
		break;
	case CYAML_FLOAT:
		errno = 0;
		d = len > 0 && v[0] != ' ' && v[0] != '\t' ? strtod(v, &end) :
							     0;
		if (len == 0 || v[0] == ' ' || v[0] == '\t' || *end != '\0')
			conf_load_error(w, n, "expected a number, got \"%.*s\"",
			    CONF_QUOTE_MAX, v);
		else if (errno == ERANGE ||
		    (s->data_size == sizeof(float) &&
			(d > FLT_MAX || d < -FLT_MAX)))
			conf_load_error(w, n, "%.*s is out of range",
			    CONF_QUOTE_MAX, v);
		break;
	case CYAML_STRING:
		if (len < s->string.min)
			conf_load_error(w, n,
			    "too short: %zu bytes, at least %" PRIu32, len,
			    s->string.min);
		else if (s->string.max != CYAML_UNLIMITED &&
		    len > s->string.max)
			conf_load_error(w, n,
			    "too long: %zu bytes, at most %" PRIu32, len,
			    s->string.max);
		break;
	default:
		break;
	}
}

static void
conf_check_mapping(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen, unsigned depth)
{
	const cyaml_schema_field_t *f, *fields = s->mapping.fields;
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	unsigned *seen = NULL;
	size_t nfields = 0, i, nplen;
	const char *key;

	for (f = fields; f != NULL && f->key != NULL; f++)
		nfields++;
	seen = xcalloc(nfields ? nfields : 1, sizeof(*seen));
	for (pair = n != NULL ? n->data.mapping.pairs.start : NULL;
	     n != NULL && pair < n->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(w->doc, pair->key);
		v = yaml_document_get_node(w->doc, pair->value);
		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			conf_load_error(w, k, "keys must be plain strings");
			continue;
		}
		key = (const char *)k->data.scalar.value;
		nplen = conf_path_key(w->path, plen, key);
		for (i = 0; i < nfields; i++) {
			if (s->flags & CYAML_FLAG_CASE_INSENSITIVE ?
				strcasecmp(fields[i].key, key) == 0 :
				strcmp(fields[i].key, key) == 0)
				break;
		}
		if (i == nfields)
			conf_load_error(w, k, "unknown key");
		else if (seen[i] != 0)
			conf_load_error(w, k,
			    "duplicate key (first on line %u)", seen[i]);
		else {
			seen[i] = conf_node_line(k);
			conf_check_value(w, &fields[i].value, v, nplen,
			    depth + 1);
		}
		w->path[plen] = '\0';
	}
	for (i = 0; i < nfields; i++) {
		if (seen[i] == 0 &&
		    !(fields[i].value.flags & CYAML_FLAG_OPTIONAL))
			conf_load_error(w, n, "missing required key \"%s\"",
			    fields[i].key);
	}
	free(seen);
}

static void
conf_check_sequence(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen, unsigned depth)
{
	yaml_node_item_t *item;
	yaml_node_t *v;
	size_t count, i, nplen;

	count =
	    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count < s->sequence.min)
		conf_load_error(w, n,
		    "%zu entries, at least %" PRIu32 " needed", count,
		    s->sequence.min);
	else if (s->sequence.max != CYAML_UNLIMITED && count > s->sequence.max)
		conf_load_error(w, n,
		    "%zu entries, at most %" PRIu32 " allowed", count,
		    s->sequence.max);
	for (item = n->data.sequence.items.start, i = 0;
	     item < n->data.sequence.items.top; item++, i++) {
		v = yaml_document_get_node(w->doc, *item);
		if (v == NULL)
			continue;
		nplen = conf_path_index(w->path, plen, i);
		conf_check_value(w, s->sequence.entry, v, nplen, depth + 1);
		w->path[plen] = '\0';
	}
}

static void
conf_check_flags(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen)
{
	yaml_node_item_t *item;
	yaml_node_t *v;
	const char *str;
	int64_t sv;
	uint64_t uv;
	size_t i;

	for (item = n->data.sequence.items.start, i = 0;
	     item < n->data.sequence.items.top; item++, i++) {
		v = yaml_document_get_node(w->doc, *item);
		if (v == NULL)
			continue;
		conf_path_index(w->path, plen, i);
		if (v->type != YAML_SCALAR_NODE) {
			conf_load_error(w, v, "expected a flag name, got %s",
			    conf_node_kind(v));
		} else {
			str = (const char *)v->data.scalar.value;
			if (!conf_enum_has(s, str) &&
			    ((s->flags & CYAML_FLAG_STRICT) ||
				!conf_parse_int(str, false, &sv, &uv)))
				conf_load_error(w, v, "unknown flag \"%.*s\"",
				    CONF_QUOTE_MAX, str);
		}
		w->path[plen] = '\0';
	}
}

static void
conf_check_bitfield(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	const char *key;
	uint64_t uv;
	int64_t sv;
	uint32_t i;
	unsigned bits;

	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(w->doc, pair->key);
		v = yaml_document_get_node(w->doc, pair->value);
		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		key = (const char *)k->data.scalar.value;
		conf_path_key(w->path, plen, key);
		for (i = 0; i < s->bitfield.count; i++)
			if (strcmp(s->bitfield.bitdefs[i].name, key) == 0)
				break;
		if (i == s->bitfield.count) {
			conf_load_error(w, k, "unknown key");
		} else if (v->type != YAML_SCALAR_NODE ||
		    !conf_parse_int((const char *)v->data.scalar.value, false,
			&sv, &uv)) {
			conf_load_error(w, v, "expected an unsigned integer");
		} else {
			bits = s->bitfield.bitdefs[i].bits;
			if (bits < 64 && uv >> bits != 0)
				conf_load_error(w, v,
				    "%" PRIu64 " does not fit in %u bits", uv,
				    bits);
		}
		w->path[plen] = '\0';
	}
}

static void
conf_check_value(struct conf_walk *w, const cyaml_schema_value_t *s,
    yaml_node_t *n, size_t plen, unsigned depth)
{
	if (w->budget == 0)
		return;
	if (--w->budget == 0) {
		conf_load_error(w, n, "document too large (alias loop?)");
		return;
	}
	if (depth > CONF_DEPTH_MAX) {
		conf_load_error(w, n, "nested more than %d levels deep",
		    CONF_DEPTH_MAX);
		return;
	}
	if (conf_is_null(s, n))
		return;
	switch (s->type) {
	case CYAML_INT:
	case CYAML_UINT:
	case CYAML_BOOL:
	case CYAML_ENUM:
	case CYAML_FLOAT:
	case CYAML_STRING:
		if (n->type != YAML_SCALAR_NODE)
			conf_load_error(w, n, "expected a scalar, got %s",
			    conf_node_kind(n));
		else
			conf_check_scalar(w, s, n);
		break;
	case CYAML_MAPPING:
	case CYAML_BITFIELD:
		if (n->type != YAML_MAPPING_NODE)
			conf_load_error(w, n, "expected a mapping, got %s",
			    conf_node_kind(n));
		else if (s->type == CYAML_MAPPING)
			conf_check_mapping(w, s, n, plen, depth);
		else
			conf_check_bitfield(w, s, n, plen);
		break;
	case CYAML_FLAGS:
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED:
		if (n->type != YAML_SEQUENCE_NODE)
			conf_load_error(w, n, "expected a sequence, got %s",
			    conf_node_kind(n));
		else if (s->type == CYAML_FLAGS)
			conf_check_flags(w, s, n, plen);
		else
			conf_check_sequence(w, s, n, plen, depth);
		break;
	case CYAML_IGNORE:
		break;
	default:
		conf_load_error(w, n, "schema has an unknown type %d",
		    (int)s->type);
		break;
	}
}

/* ---- Loading ---- */

static int
conf_read_file(struct conf_report *rep, const char *path, char **buf,
    size_t *len)
{
	char ebuf[128];
	FILE *f;
	size_t cap = 4096, n = 0, got;
	char *p = NULL;
	int rc = RC_IO;

	f = fopen(path, "rb");
	if (f == NULL) {
		log_msg(LOG_ERR, "%s: cannot open: %s", rep->path,
		    strerror_r(errno, ebuf, sizeof(ebuf)));
		rep->errors++;
		return RC_IO;
	}
	p = xmalloc(cap + 1);
	for (;;) {
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (n > CONF_FILE_MAX) {
			log_msg(LOG_ERR, "%s: larger than %d bytes", rep->path,
			    CONF_FILE_MAX);
			rep->errors++;
			rc = RC_LIMIT;
			goto fail;
		}
		if (n < cap) {
			if (ferror(f)) {
				log_msg(LOG_ERR, "%s: read error: %s",
				    rep->path,
				    strerror_r(errno, ebuf, sizeof(ebuf)));
				rep->errors++;
				goto fail;
			}
			break;
		}
		cap *= 2;
		p = xreallocarray(p, cap + 1, 1);
	}
	fclose(f);
	p[n] = '\0';
	*buf = p;
	*len = n;
	return RC_OK;
fail:
	fclose(f);
	free(p);
	return rc;
}

static void
conf_cyaml_log_cb(cyaml_log_t level, void *ctx, const char *fmt, va_list ap)
{
	struct conf_cyaml_log *cl = ctx;
	int n;

	if (level < CYAML_LOG_ERROR || cl->len >= sizeof(cl->text) - 1)
		return;
	n = vsnprintf(cl->text + cl->len, sizeof(cl->text) - cl->len, fmt, ap);
	if (n > 0)
		cl->len += (size_t)n < sizeof(cl->text) - cl->len ?
		    (size_t)n :
		    sizeof(cl->text) - cl->len - 1;
}

/*
 * The schema check passed; libcyaml builds the struct. Should it still
 * fail (a schema feature the check does not cover, out of memory), its
 * first message and the first line of its backtrace are reported.
 */
static int
conf_cyaml_load(struct conf_report *rep, const char *buf, size_t len,
    const cyaml_schema_value_t *schema, void **out)
{
	struct conf_cyaml_log cl = { .len = 0 };
	cyaml_config_t cfg = {
		.log_fn = conf_cyaml_log_cb,
		.log_ctx = &cl,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_DEFAULT,
	};
	cyaml_data_t *data = NULL;
	cyaml_err_t err;
	const char *msg, *at;
	unsigned long line = 0;
	size_t mlen;

	cl.text[0] = '\0';
	err = cyaml_load_data((const uint8_t *)buf, len, &cfg, schema, &data,
	    NULL);
	if (err != CYAML_OK) {
		msg = cl.text;
		if (strncmp(msg, "Load: ", 6) == 0)
			msg += 6;
		mlen = strcspn(msg, "\n");
		at = strstr(cl.text, "(line: ");
		if (at != NULL)
			line = strtoul(at + 7, NULL, 10);
		if (mlen == 0) {
			msg = cyaml_strerror(err);
			mlen = strlen(msg);
		}
		if (line > 0)
			log_msg(LOG_ERR, "%s:%lu: %.*s", rep->path, line,
			    (int)mlen, msg);
		else
			log_msg(LOG_ERR, "%s: %.*s", rep->path, (int)mlen, msg);
		rep->errors++;
		return RC_CONFIG;
	}
	/* All keys optional and none given: libcyaml returns NULL. */
	if (data == NULL)
		data = xcalloc(1, schema->data_size);
	*out = data;
	return RC_OK;
}

int
conf_load(const char *path, const cyaml_schema_value_t *schema, void **out,
    struct conf_report *rep)
{
	struct conf_walk w;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root, *n;
	bool have_parser = false, have_doc = false;
	unsigned errors = rep->errors;
	char *buf = NULL;
	size_t len;
	int rc;

	if (schema->type != CYAML_MAPPING ||
	    !(schema->flags & CYAML_FLAG_POINTER))
		fatalx("conf: top-level schema must be a mapping pointer");
	rc = conf_read_file(rep, path, &buf, &len);
	if (rc != RC_OK)
		return rc;
	rc = RC_CONFIG;
	memset(&w, 0, sizeof(w));
	w.rep = rep;
	w.doc = &doc;
	w.budget = CONF_VISIT_MAX;

	if (!yaml_parser_initialize(&parser))
		fatalx("conf: cannot initialise the YAML parser");
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc))
		goto syntax;
	have_doc = true;
	root = yaml_document_get_root_node(&doc);
	if (root != NULL) {
		if (!yaml_parser_load(&parser, &extra))
			goto syntax;
		n = yaml_document_get_root_node(&extra);
		if (n != NULL)
			conf_load_error(&w, n,
			    "more than one YAML document in the file");
		yaml_document_delete(&extra);
	}

	if (root != NULL) {
		w.indexed = xcalloc((size_t)(doc.nodes.top - doc.nodes.start),
		    sizeof(*w.indexed));
		conf_index_node(&w, root, 0, 0);
		conf_check_value(&w, schema, root, 0, 0);
	} else {
		conf_check_mapping(&w, schema, NULL, 0, 0);
	}
	if (rep->errors == errors)
		rc = conf_cyaml_load(rep, buf, len, schema, out);
	goto done;

syntax:
	if (parser.error == YAML_READER_ERROR)
		log_msg(LOG_ERR, "%s: invalid input at byte %zu: %s", rep->path,
		    parser.problem_offset,
		    parser.problem ? parser.problem : "?");
	else
		log_msg(LOG_ERR, "%s:%zu: syntax error: %s%s%s%s", rep->path,
		    parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "?",
		    parser.context ? " (" : "",
		    parser.context ? parser.context : "",
		    parser.context ? ")" : "");
	rep->errors++;
done:
	free(w.indexed);
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	free(buf);
	return rc;
}

void
conf_free(const cyaml_schema_value_t *schema, void *data)
{
	if (data != NULL)
		cyaml_free(&conf_cyaml_free_config, schema, data, 0);
}

char *
conf_path_resolve(const char *conf_path, const char *rel)
{
	const char *slash;

	if (rel[0] == '/')
		return xstrdup(rel);
	slash = strrchr(conf_path, '/');
	if (slash == NULL)
		return xstrdup(rel);
	return xasprintf("%.*s/%s", (int)(slash - conf_path), conf_path, rel);
}

/* ---- Optional numbers ---- */

void
conf_duration(struct conf_report *rep, const char *keypath, const double *v,
    unsigned def, double lo, double hi, unsigned *ms)
{
	*ms = def;
	if (v == NULL)
		return;
	if (!(*v >= lo && *v <= hi)) { /* NaN too */
		conf_error(rep, keypath, "must be %g..%g seconds, not %g", lo,
		    hi, *v);
		return;
	}
	*ms = (unsigned)(*v * 1000.0 + 0.5);
}

void
conf_number(struct conf_report *rep, const char *keypath, const unsigned *v,
    unsigned def, unsigned lo, unsigned hi, unsigned *out)
{
	*out = def;
	if (v == NULL)
		return;
	if (*v < lo || *v > hi) {
		conf_error(rep, keypath, "must be %u..%u, not %u", lo, hi, *v);
		return;
	}
	*out = *v;
}

void *
conf_load_checked(const char *path, const cyaml_schema_value_t *schema,
    conf_check_cb check, void *arg, void (*free_fn)(void *data))
{
	struct conf_report rep;
	void *data = NULL;
	unsigned errors;

	conf_report_init(&rep, path);
	if (conf_load(path, schema, &data, &rep) == RC_OK)
		check(data, &rep, arg);
	errors = conf_report_count(&rep);
	conf_report_fini(&rep);
	if (errors > 0) {
		free_fn(data);
		return NULL;
	}
	return data;
}
