/*
 * amf: AMF0 codec; the wire layout, limits and marker choices are in
 * amf.h.
 */
#include "config.h"

#include "edge/amf.h"

#include <string.h>

#include "common/rc.h"

/* AMF3 markers we decode (the scalars); everything else is unsupported. */
enum {
	AMF3_UNDEFINED = 0x00,
	AMF3_NULL = 0x01,
	AMF3_FALSE = 0x02,
	AMF3_TRUE = 0x03,
	AMF3_INTEGER = 0x04,
	AMF3_DOUBLE = 0x05,
	AMF3_STRING = 0x06,
};

static struct amf_value *amf_node_take(struct amf_msg *m);
static double amf_get_double(struct wire_reader *r);
static int amf_get_str(struct wire_reader *r, size_t len, const char **ptr);
static int amf_decode_value(struct wire_reader *r, struct amf_msg *m,
    unsigned depth, uint8_t marker, struct amf_value **out);
static int amf_decode_members(struct wire_reader *r, struct amf_msg *m,
    unsigned depth, struct amf_value *v);
static int amf_decode_strict(struct wire_reader *r, struct amf_msg *m,
    unsigned depth, struct amf_value *v);
static int amf_decode_amf3(struct wire_reader *r, struct amf_value *v);
static uint32_t amf3_get_u29(struct wire_reader *r);
static void amf_put_double(struct wire_writer *w, double v);

/* ---- Decoding ---- */

/* A zeroed node from the pool, or NULL when the pool is used up. */
static struct amf_value *
amf_node_take(struct amf_msg *m)
{
	struct amf_value *v;

	if (m->used >= m->cap)
		return NULL;
	v = &m->pool[m->used++];
	memset(v, 0, sizeof(*v));
	return v;
}

static double
amf_get_double(struct wire_reader *r)
{
	uint64_t bits;
	double d;

	bits = (uint64_t)wire_get_u32(r) << 32;
	bits |= wire_get_u32(r);
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* Borrow `len` bytes of string; RC_TRUNCATED past the end. */
static int
amf_get_str(struct wire_reader *r, size_t len, const char **ptr)
{
	const uint8_t *p = wire_get_ptr(r, len);

	if (p == NULL)
		return RC_TRUNCATED;
	*ptr = (const char *)p;
	return RC_OK;
}

/*
 * Decode one value whose `marker` the caller has read, at container depth
 * `depth`, into a new node stored in *out.
 */
static int
amf_decode_value(struct wire_reader *r, struct amf_msg *m, unsigned depth,
    uint8_t marker, struct amf_value **out)
{
	struct amf_value *v;

	switch (marker) {
	case AMF_MARKER_OBJECT:
	case AMF_MARKER_ECMA_ARRAY:
	case AMF_MARKER_STRICT_ARRAY:
		if (depth >= AMF_MAX_DEPTH)
			return RC_LIMIT;
		break;
	case AMF_MARKER_MOVIECLIP:
	case AMF_MARKER_REFERENCE:
	case AMF_MARKER_UNSUPPORTED:
	case AMF_MARKER_RECORDSET:
	case AMF_MARKER_XML_DOCUMENT:
	case AMF_MARKER_TYPED_OBJECT:
		return RC_UNSUPPORTED;
	case AMF_MARKER_OBJECT_END:
		return RC_MALFORMED;
	default:
		if (marker > AMF_MARKER_AVMPLUS)
			return RC_MALFORMED;
		break;
	}
	if ((v = amf_node_take(m)) == NULL)
		return RC_LIMIT;
	*out = v;
	v->type = (enum amf_type)marker;
	switch (marker) {
	case AMF_MARKER_NUMBER:
		v->u.num = amf_get_double(r);
		break;
	case AMF_MARKER_BOOLEAN:
		v->u.boolean = wire_get_u8(r) != 0;
		break;
	case AMF_MARKER_STRING:
		v->u.str.len = wire_get_u16(r);
		if (r->err)
			return RC_TRUNCATED;
		return amf_get_str(r, v->u.str.len, &v->u.str.ptr);
	case AMF_MARKER_LONG_STRING:
		v->u.str.len = wire_get_u32(r);
		if (r->err)
			return RC_TRUNCATED;
		return amf_get_str(r, v->u.str.len, &v->u.str.ptr);
	case AMF_MARKER_NULL:
	case AMF_MARKER_UNDEFINED:
		break;
	case AMF_MARKER_OBJECT:
		return amf_decode_members(r, m, depth + 1, v);
	case AMF_MARKER_ECMA_ARRAY:
		/* Only a hint: parse to the end marker like SRS. */
		v->u.c.hint = wire_get_u32(r);
		if (r->err)
			return RC_TRUNCATED;
		return amf_decode_members(r, m, depth + 1, v);
	case AMF_MARKER_STRICT_ARRAY:
		return amf_decode_strict(r, m, depth + 1, v);
	case AMF_MARKER_DATE:
		v->u.date.ms = amf_get_double(r);
		v->u.date.tz = (int16_t)wire_get_u16(r);
		break;
	case AMF_MARKER_AVMPLUS:
		m->has_amf3 = true;
		return amf_decode_amf3(r, v);
	}
	return r->err ? RC_TRUNCATED : RC_OK;
}

/*
 * Members of an object or ECMA array `v` (marker and hint already read),
 * up to and including 00 00 09. Members sit at depth `depth`.
 */
static int
amf_decode_members(struct wire_reader *r, struct amf_msg *m, unsigned depth,
    struct amf_value *v)
{
	struct amf_value **tail = &v->u.c.first;
	struct amf_value *member;
	const char *key;
	uint16_t key_len;
	uint8_t marker;
	int rc;

	for (;;) {
		key_len = wire_get_u16(r);
		if (r->err)
			return RC_TRUNCATED;
		if ((rc = amf_get_str(r, key_len, &key)) != RC_OK)
			return rc;
		marker = wire_get_u8(r);
		if (r->err)
			return RC_TRUNCATED;
		if (key_len == 0 && marker == AMF_MARKER_OBJECT_END)
			return RC_OK;
		/* An empty key is a member; 0x09 after a key is malformed. */
		rc = amf_decode_value(r, m, depth, marker, &member);
		if (rc != RC_OK)
			return rc;
		member->key = key;
		member->key_len = key_len;
		*tail = member;
		tail = &member->next;
		v->count++;
	}
}

/* Elements of a strict array `v` (marker already read) at `depth`. */
static int
amf_decode_strict(struct wire_reader *r, struct amf_msg *m, unsigned depth,
    struct amf_value *v)
{
	struct amf_value **tail = &v->u.c.first;
	struct amf_value *elem;
	uint32_t n, i;
	uint8_t marker;
	int rc;

	n = wire_get_u32(r);
	if (r->err)
		return RC_TRUNCATED;
	/* Each element takes a byte at least: refuse absurd counts early. */
	if (n > wire_remaining(r))
		return RC_TRUNCATED;
	if (n > m->cap - m->used)
		return RC_LIMIT;
	for (i = 0; i < n; i++) {
		marker = wire_get_u8(r);
		if (r->err)
			return RC_TRUNCATED;
		rc = amf_decode_value(r, m, depth, marker, &elem);
		if (rc != RC_OK)
			return rc;
		*tail = elem;
		tail = &elem->next;
		v->count++;
	}
	return RC_OK;
}

/* AMF3 U29: 1 to 4 bytes, 7 bits each with a continuation bit, 8 last. */
static uint32_t
amf3_get_u29(struct wire_reader *r)
{
	uint32_t v = 0;
	uint8_t b;
	int i;

	for (i = 0; i < 3; i++) {
		b = wire_get_u8(r);
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80))
			return v;
	}
	return v << 8 | wire_get_u8(r);
}

/* One AMF3 scalar after the 0x11 marker, mapped onto AMF0 types. */
static int
amf_decode_amf3(struct wire_reader *r, struct amf_value *v)
{
	uint8_t marker;
	uint32_t u;
	int rc;

	marker = wire_get_u8(r);
	if (r->err)
		return RC_TRUNCATED;
	switch (marker) {
	case AMF3_UNDEFINED:
		v->type = AMF_UNDEFINED;
		break;
	case AMF3_NULL:
		v->type = AMF_NULL;
		break;
	case AMF3_FALSE:
	case AMF3_TRUE:
		v->type = AMF_BOOLEAN;
		v->u.boolean = marker == AMF3_TRUE;
		break;
	case AMF3_INTEGER:
		u = amf3_get_u29(r);
		v->type = AMF_NUMBER;
		/* Sign-extend the 29-bit value. */
		v->u.num =
		    (u & 0x10000000) ? (double)u - 0x20000000 : (double)u;
		break;
	case AMF3_DOUBLE:
		v->type = AMF_NUMBER;
		v->u.num = amf_get_double(r);
		break;
	case AMF3_STRING:
		u = amf3_get_u29(r);
		if (r->err)
			return RC_TRUNCATED;
		/* Low bit 0: a reference into a string table we don't keep. */
		if (!(u & 1))
			return RC_UNSUPPORTED;
		v->u.str.len = u >> 1;
		v->type =
		    v->u.str.len > UINT16_MAX ? AMF_LONG_STRING : AMF_STRING;
		if ((rc = amf_get_str(r, v->u.str.len, &v->u.str.ptr)) != RC_OK)
			return rc;
		break;
	default:
		return RC_UNSUPPORTED;
	}
	return r->err ? RC_TRUNCATED : RC_OK;
}

void
amf_msg_init(struct amf_msg *m, struct amf_value *pool, size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->pool = pool;
	m->cap = cap;
}

int
amf_decode_all(const uint8_t *buf, size_t len, struct amf_msg *m)
{
	struct wire_reader r;
	struct amf_value **tail = &m->first;
	struct amf_value *v;
	uint8_t marker;
	int rc;

	m->used = 0;
	m->first = NULL;
	m->count = 0;
	m->has_amf3 = false;
	wire_reader_init(&r, buf, len);
	while (wire_remaining(&r) > 0) {
		marker = wire_get_u8(&r);
		if ((rc = amf_decode_value(&r, m, 0, marker, &v)) != RC_OK)
			goto fail;
		*tail = v;
		tail = &v->next;
		m->count++;
	}
	return RC_OK;
fail:
	m->first = NULL;
	m->count = 0;
	return rc;
}

int
amf_skip_amf3_prefix(const uint8_t **buf, size_t *len)
{
	if (*len == 0)
		return RC_TRUNCATED;
	(*buf)++;
	(*len)--;
	return RC_OK;
}

/* ---- Lookup ---- */

const struct amf_value *
amf_msg_get(const struct amf_msg *m, size_t i)
{
	const struct amf_value *v = m->first;

	while (v != NULL && i-- > 0)
		v = v->next;
	return v;
}

const struct amf_value *
amf_object_get(const struct amf_value *v, const char *key)
{
	const struct amf_value *e;
	size_t n = strlen(key);

	if (v == NULL || (v->type != AMF_OBJECT && v->type != AMF_ECMA_ARRAY))
		return NULL;
	for (e = v->u.c.first; e != NULL; e = e->next)
		if (e->key_len == n && memcmp(e->key, key, n) == 0)
			return e;
	return NULL;
}

int
amf_as_string(const struct amf_value *v, const char **ptr, size_t *len)
{
	if (v == NULL || (v->type != AMF_STRING && v->type != AMF_LONG_STRING))
		return RC_MALFORMED;
	*ptr = v->u.str.ptr;
	*len = v->u.str.len;
	return RC_OK;
}

int
amf_as_number(const struct amf_value *v, double *out)
{
	if (v == NULL || v->type != AMF_NUMBER)
		return RC_MALFORMED;
	*out = v->u.num;
	return RC_OK;
}

int
amf_as_bool(const struct amf_value *v, bool *out)
{
	if (v == NULL || v->type != AMF_BOOLEAN)
		return RC_MALFORMED;
	*out = v->u.boolean;
	return RC_OK;
}

bool
amf_is_string(const struct amf_value *v, const char *s)
{
	const char *p;
	size_t len;

	if (amf_as_string(v, &p, &len) != RC_OK)
		return false;
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

const char *
amf_type_str(enum amf_type type)
{
	switch (type) {
	case AMF_NUMBER:
		return "number";
	case AMF_BOOLEAN:
		return "boolean";
	case AMF_STRING:
		return "string";
	case AMF_OBJECT:
		return "object";
	case AMF_NULL:
		return "null";
	case AMF_UNDEFINED:
		return "undefined";
	case AMF_ECMA_ARRAY:
		return "ecma-array";
	case AMF_STRICT_ARRAY:
		return "strict-array";
	case AMF_DATE:
		return "date";
	case AMF_LONG_STRING:
		return "long-string";
	}
	return "unknown";
}

/* ---- Encoding ---- */

static void
amf_put_double(struct wire_writer *w, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	wire_put_u32(w, (uint32_t)(bits >> 32));
	wire_put_u32(w, (uint32_t)bits);
}

void
amf_put_number(struct wire_writer *w, double v)
{
	wire_put_u8(w, AMF_MARKER_NUMBER);
	amf_put_double(w, v);
}

void
amf_put_bool(struct wire_writer *w, bool v)
{
	wire_put_u8(w, AMF_MARKER_BOOLEAN);
	wire_put_u8(w, v ? 1 : 0);
}

void
amf_put_string(struct wire_writer *w, const char *s, size_t len)
{
	if (len > UINT32_MAX) {
		w->err = true;
		return;
	}
	if (len > UINT16_MAX) {
		wire_put_u8(w, AMF_MARKER_LONG_STRING);
		wire_put_u32(w, (uint32_t)len);
	} else {
		wire_put_u8(w, AMF_MARKER_STRING);
		wire_put_u16(w, (uint16_t)len);
	}
	wire_put_bytes(w, s, len);
}

void
amf_put_cstr(struct wire_writer *w, const char *s)
{
	amf_put_string(w, s, strlen(s));
}

void
amf_put_null(struct wire_writer *w)
{
	wire_put_u8(w, AMF_MARKER_NULL);
}

void
amf_put_undefined(struct wire_writer *w)
{
	wire_put_u8(w, AMF_MARKER_UNDEFINED);
}

void
amf_put_date(struct wire_writer *w, double ms, int16_t tz)
{
	wire_put_u8(w, AMF_MARKER_DATE);
	amf_put_double(w, ms);
	wire_put_u16(w, (uint16_t)tz);
}

void
amf_put_object_start(struct wire_writer *w)
{
	wire_put_u8(w, AMF_MARKER_OBJECT);
}

void
amf_put_ecma_start(struct wire_writer *w, uint32_t count)
{
	wire_put_u8(w, AMF_MARKER_ECMA_ARRAY);
	wire_put_u32(w, count);
}

void
amf_put_strict_start(struct wire_writer *w, uint32_t count)
{
	wire_put_u8(w, AMF_MARKER_STRICT_ARRAY);
	wire_put_u32(w, count);
}

void
amf_put_object_key(struct wire_writer *w, const char *key, size_t len)
{
	if (len > UINT16_MAX) {
		w->err = true;
		return;
	}
	wire_put_u16(w, (uint16_t)len);
	wire_put_bytes(w, key, len);
}

void
amf_put_object_end(struct wire_writer *w)
{
	static const uint8_t end[3] = { 0, 0, AMF_MARKER_OBJECT_END };

	wire_put_bytes(w, end, sizeof(end));
}

void
amf_put_prop_cstr(struct wire_writer *w, const char *key, const char *s)
{
	amf_put_object_key(w, key, strlen(key));
	amf_put_cstr(w, s);
}

void
amf_put_prop_number(struct wire_writer *w, const char *key, double v)
{
	amf_put_object_key(w, key, strlen(key));
	amf_put_number(w, v);
}

void
amf_put_prop_bool(struct wire_writer *w, const char *key, bool v)
{
	amf_put_object_key(w, key, strlen(key));
	amf_put_bool(w, v);
}

void
amf_put_value(struct wire_writer *w, const struct amf_value *v)
{
	const struct amf_value *e;

	switch (v->type) {
	case AMF_NUMBER:
		amf_put_number(w, v->u.num);
		return;
	case AMF_BOOLEAN:
		amf_put_bool(w, v->u.boolean);
		return;
	case AMF_STRING:
	case AMF_LONG_STRING:
		/* Keep the marker as decoded so AMF0 re-encodes exactly. */
		if (v->type == AMF_LONG_STRING) {
			wire_put_u8(w, AMF_MARKER_LONG_STRING);
			wire_put_u32(w, v->u.str.len);
			wire_put_bytes(w, v->u.str.ptr, v->u.str.len);
		} else {
			amf_put_string(w, v->u.str.ptr, v->u.str.len);
		}
		return;
	case AMF_NULL:
		amf_put_null(w);
		return;
	case AMF_UNDEFINED:
		amf_put_undefined(w);
		return;
	case AMF_DATE:
		amf_put_date(w, v->u.date.ms, v->u.date.tz);
		return;
	case AMF_OBJECT:
	case AMF_ECMA_ARRAY:
		if (v->type == AMF_OBJECT)
			amf_put_object_start(w);
		else
			amf_put_ecma_start(w, v->u.c.hint);
		for (e = v->u.c.first; e != NULL; e = e->next) {
			amf_put_object_key(w, e->key, e->key_len);
			amf_put_value(w, e);
		}
		amf_put_object_end(w);
		return;
	case AMF_STRICT_ARRAY:
		amf_put_strict_start(w, v->count);
		for (e = v->u.c.first; e != NULL; e = e->next)
			amf_put_value(w, e);
		return;
	}
	w->err = true;
}
